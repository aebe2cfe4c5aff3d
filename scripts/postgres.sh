#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests that execute compiled SQL on a real Postgres:
#
#   scripts/postgres.sh start DIR    # a new cluster in DIR, listening on a Unix socket in DIR only
#   scripts/postgres.sh stop DIR     # stops it (DIR is left for the caller to remove)
#
# `start` installs Debian's server (the `postgresql` package) when no initdb is found, which
# needs root and the Debian registry; quick when installed. It prints the psql connection
# options, for example `-h DIR -p 5432 -U postgres -d postgres`. No TCP port is opened, so
# concurrent clusters in different directories never collide. The server refuses to run as
# root, so as root it runs as the `postgres` user the package creates; when that user cannot
# reach DIR (a private temporary directory, say), the cluster lives in a directory of its own
# under /tmp, named in DIR/cluster, which `stop` removes. The database is UTF-8 with the
# C.UTF-8 locale (byte-order collation, Unicode case mapping for lower()). Exit codes: 0 done,
# 2 usage, install or start failed.
set -euo pipefail

die() {
    echo "postgres.sh: $1" >&2
    exit 2
}

(($# == 2)) || die "usage: postgres.sh start|stop DIR"
action=$1
dir=$(mkdir -p "$2" && cd "$2" && pwd)

bin() {
    local found
    found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [[ -n $found && -x $found/initdb ]] && echo "$found"
}

as_owner() {
    if [[ $(id -u) == 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

case $action in
start)
    if ! bin >/dev/null; then
        [[ $(id -u) == 0 ]] || die "PostgreSQL's server is not installed; run as root, or apt-get install postgresql"
        {
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql ||
                { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql; }
        } >&2 || die "installing Debian's postgresql failed"
    fi
    pg=$(bin) || die "no initdb after installing postgresql"
    cluster=$dir
    if [[ $(id -u) == 0 ]]; then
        chown postgres: "$dir"
        if ! runuser -u postgres -- test -w "$dir"; then
            cluster=$(mktemp -d /tmp/icp-postgres.XXXXXX)
            chown postgres: "$cluster"
            echo "$cluster" >"$dir/cluster"
        fi
    fi
    as_owner "$pg/initdb" -D "$cluster/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
        >"$dir/initdb.log" 2>&1 || die "initdb failed: $(tail -5 "$dir/initdb.log")"
    as_owner "$pg/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w -t 60 \
        -o "-c listen_addresses='' -k $cluster -p 5432 -c fsync=off" start >/dev/null ||
        die "the server did not start: $(tail -5 "$cluster/server.log")"
    echo "-h $cluster -p 5432 -U postgres -d postgres"
    ;;
stop)
    pg=$(bin) || die "PostgreSQL's server is not installed"
    cluster=$dir
    [[ -f $dir/cluster ]] && cluster=$(cat "$dir/cluster")
    # A backend busy planning a query may not answer a fast shutdown soon: then immediate.
    as_owner "$pg/pg_ctl" -D "$cluster/data" -m fast -w -t 10 stop >/dev/null 2>&1 ||
        as_owner "$pg/pg_ctl" -D "$cluster/data" -m immediate -w stop >/dev/null ||
        die "stop failed"
    if [[ $cluster != "$dir" ]]; then
        rm -rf -- "$cluster"
        rm -f -- "$dir/cluster"
    fi
    ;;
*) die "usage: postgres.sh start|stop DIR" ;;
esac
