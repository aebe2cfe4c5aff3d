#!/usr/bin/env bash
# icp score side by side with DuckDB, on the same data, rules and output (docs/performance.md,
# "Side by side with DuckDB"):
#
#   benches/duckdb/run.sh [--companies N] [--runs K] [--icps 1..N] [--threads T]
#                         [--shuffled-contacts]
#
# 1. a Python virtual environment with duckdb from PyPI, in TARGET/duckdb-venv;
# 2. `cargo build --release` of icp and of the example that writes the benchmark rules;
# 3. once per N: `icp gen --companies N --seed 7 --messy 0` into TARGET/duckdb-bench/N/ (with
#    --shuffled-contacts, the same files with the contacts' rows in a fixed random order, as a
#    CRM export in contact order has them, into TARGET/duckdb-bench/N-shuffled/);
# 4. the benchmark ICP of benches/ruleset.rs (bench.icp is its first copy) and the same rules
#    as DuckDB SQL (duck.py; bench.sql is the query for one ICP), both checked to be current;
# 5. one untimed run of each, then K runs of each, alternating: `icp score --all` under
#    /usr/bin/time for its peak memory, and duck.py running the SQL in DuckDB;
# 6. both medians, their ratio (and the median of each run's own ratio, which moves less with a
#    shared host's speed) and icp's peak memory; then the two result files are compared
#    lead by lead and ICP by ICP, every column, and any difference exits 1.
#
# TARGET is cargo's target directory (CARGO_TARGET_DIR, else target/). Exit codes: 0 the
# results agree, 1 they differ (or bench.icp / bench.sql are stale), 2 usage or setup errors.
set -euo pipefail

DUCKDB_VERSION=2.0.1
AS_OF=2026-11-23

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

companies=1000000
runs=5
icps=1
threads=
shuffled=

usage() {
    sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

die() {
    echo "run.sh: $1" >&2
    exit "${2:-2}"
}

positive() {
    [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 takes a whole number above zero, not '$2'"
}

while (($#)); do
    case $1 in
    --companies | --runs | --icps | --threads)
        (($# >= 2)) || die "$1 takes a value"
        positive "$1" "$2"
        case $1 in
        --companies) companies=$2 ;;
        --runs) runs=$2 ;;
        --icps) icps=$2 ;;
        --threads) threads=$2 ;;
        esac
        shift 2
        ;;
    --shuffled-contacts)
        shuffled=1
        shift
        ;;
    -h | --help)
        usage
        exit 0
        ;;
    *) die "unknown argument '$1' (see --help)" ;;
    esac
done

command -v cargo >/dev/null || die "cargo is not on PATH (install Rust: README.md, Start)"
command -v python3 >/dev/null || die "python3 is not on PATH (Debian/Ubuntu: apt-get install python3 python3-venv)"
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing, it measures icp's peak memory (Debian/Ubuntu: apt-get install time)"

cd "$root"
target=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')

# 1. DuckDB in its own virtual environment.
venv=$target/duckdb-venv
py=$venv/bin/python
if [[ ! -x $py ]]; then
    if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
        echo "run.sh: python3 cannot create virtual environments: its venv module (or ensurepip) is missing." >&2
        echo "        Debian/Ubuntu: apt-get install python3-venv   (then run this again)" >&2
        exit 2
    fi
    echo "creating the virtual environment $venv"
    python3 -m venv "$venv" || die "python3 -m venv $venv failed (Debian/Ubuntu: apt-get install python3-venv)"
fi
if ! "$py" -c "import sys, duckdb; sys.exit(duckdb.__version__ != '$DUCKDB_VERSION')" 2>/dev/null; then
    echo "installing duckdb==$DUCKDB_VERSION from PyPI into $venv"
    "$py" -m pip install --quiet --disable-pip-version-check "duckdb==$DUCKDB_VERSION" ||
        die "pip install duckdb==$DUCKDB_VERSION failed"
fi

# 2. icp, and the example that writes the benchmark rule files.
cargo build --release --quiet -p icp_cli
cargo build --release --quiet -p icp_benches --example write_rules
icp=$target/release/icp

# 3. The lead set, generated once per size: canonical values (--messy 0), so the SQL need not
# re-implement icp's value parsing.
data=$target/duckdb-bench/$companies
if [[ ! -f $data/companies.csv || ! -f $data/contacts.csv ]]; then
    rm -rf "$data.partial"
    mkdir -p "$data.partial"
    "$icp" gen --companies "$companies" --seed 7 --messy 0 \
        -o "$data.partial/companies.csv" --contacts-out "$data.partial/contacts.csv"
    mkdir -p "$data"
    mv "$data.partial/companies.csv" "$data.partial/contacts.csv" "$data/"
    rmdir "$data.partial"
fi

# The same lead set with its contacts in a fixed random order (the header first).
if [[ -n $shuffled ]]; then
    if [[ ! -f $data-shuffled/companies.csv || ! -f $data-shuffled/contacts.csv ]]; then
        mkdir -p "$data-shuffled"
        "$py" - "$data/contacts.csv" "$data-shuffled/contacts.csv.partial" <<'EOF'
import random, sys
with open(sys.argv[1], "rb") as f:
    header, *rows = f.readlines()
random.Random(7).shuffle(rows)
with open(sys.argv[2], "wb") as f:
    f.write(header)
    f.writelines(rows)
EOF
        mv "$data-shuffled/contacts.csv.partial" "$data-shuffled/contacts.csv"
        ln -f "$data/companies.csv" "$data-shuffled/companies.csv" 2>/dev/null ||
            cp "$data/companies.csv" "$data-shuffled/companies.csv"
    fi
    data=$data-shuffled
fi

# 4. The rules: icp's text from benches/ruleset.rs, and the SQL; the committed copies must be
# what the generators write.
rules=$data/rules-$icps
rm -rf "$rules"
"$target/release/examples/write_rules" "$rules" "$icps" >/dev/null
cmp -s "$rules/segment_0.icp" "$here/bench.icp" ||
    die "benches/duckdb/bench.icp differs from icp_benches::rule_file(0): update it (and bench.sql, duck.py) to match benches/ruleset.rs" 1
"$py" "$here/duck.py" sql --icps 1 | cmp -s - "$here/bench.sql" ||
    die "benches/duckdb/bench.sql is not what 'duck.py sql --icps 1' writes: regenerate it" 1
"$py" "$here/duck.py" sql --icps "$icps" >"$data/bench-$icps.sql"
# A project file of its own, so no icp.toml above the data (the repository's, with its custom
# fields and plugins) changes what icp reads.
printf 'rules = ["rules-%s"]\n' "$icps" >"$data/icp.toml"

icp_args=(score --config "$data/icp.toml" --rules "$rules" --leads "$data/companies.csv"
    --contacts "$data/contacts.csv" --all -o "$data/icp.csv" --as-of "$AS_OF")
duck_args=(run --dir "$data" --icps "$icps")
if [[ -n $threads ]]; then
    icp_args+=(--threads "$threads")
    duck_args+=(--threads "$threads")
fi

now() { date +%s%N; }

# One run of icp: "SECONDS PEAK_KB".
run_icp() {
    local start end
    start=$(now)
    env -u ICP_PLUGIN_PATH /usr/bin/time -f %M -o "$data/icp.rss" \
        "$icp" "${icp_args[@]}" 2>"$data/icp.log" ||
        { cat "$data/icp.log" >&2; die "icp score failed"; }
    end=$(now)
    echo "$(((end - start) / 1000000)) $(tail -n 1 "$data/icp.rss")" |
        awk '{ printf "%.3f %d\n", $1 / 1000, $2 }'
}

# One run of DuckDB: "QUERY_SECONDS PROCESS_SECONDS PEAK_KB".
run_duck() {
    local start end query
    start=$(now)
    query=$(/usr/bin/time -f %M -o "$data/duck.rss" "$py" "$here/duck.py" "${duck_args[@]}") ||
        die "the DuckDB run failed"
    end=$(now)
    echo "$query $(((end - start) / 1000000)) $(tail -n 1 "$data/duck.rss")" |
        awk '{ printf "%.3f %.3f %d\n", $1, $2 / 1000, $3 }'
}

# 5. One untimed run of each, then K of each, alternating.
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
duck_threads=$("$py" -c "import duckdb; print(duckdb.connect().execute(\"SELECT current_setting('threads')\").fetchone()[0])")
contacts=$(($(wc -l <"$data/contacts.csv") - 1))
echo "icp score vs DuckDB $DUCKDB_VERSION: $companies companies, $contacts contacts, $icps ICP(s), $runs runs each, alternating"
echo "machine: $(nproc) cores, ${cpu:-unknown CPU}; threads: icp ${threads:-one per core}, DuckDB ${threads:-$duck_threads}"
echo "data: $data"

warm_icp=$(run_icp)
warm_duck=$(run_duck)
echo "warm-up (not counted): icp ${warm_icp%% *} s, DuckDB ${warm_duck%% *} s"
results=$data/runs.txt
: >"$results"
for ((k = 1; k <= runs; k++)); do
    out_icp=$(run_icp)
    out_duck=$(run_duck)
    read -r icp_s icp_kb <<<"$out_icp"
    read -r duck_s duck_proc_s duck_kb <<<"$out_duck"
    printf '  run %d: icp %8.3f s %9d KB   DuckDB %8.3f s (process %.3f s) %9d KB\n' \
        "$k" "$icp_s" "$icp_kb" "$duck_s" "$duck_proc_s" "$duck_kb"
    echo "$icp_s $icp_kb $duck_s $duck_proc_s $duck_kb" >>"$results"
done

"$py" - "$results" <<'EOF'
import statistics, sys
rows = [list(map(float, line.split())) for line in open(sys.argv[1]) if line.strip()]
col = lambda i: [r[i] for r in rows]
icp, duck, proc = statistics.median(col(0)), statistics.median(col(2)), statistics.median(col(3))
print(f"median icp score (end to end, whole process)   {icp:8.3f} s")
print(f"median DuckDB (the query, in process)          {duck:8.3f} s   (whole Python process {proc:.3f} s)")
print(f"ratio icp / DuckDB                             {icp / duck:8.2f}")
# Each run's two times were taken back to back: their ratio moves less with the host's speed.
pairs = statistics.median(r[0] / r[2] for r in rows)
print(f"median of the runs' own ratios                 {pairs:8.2f}")
print(f"icp peak memory (max RSS, highest of the runs) {max(col(1)) / 1024:8.0f} MB")
print(f"DuckDB peak memory (Python process)            {max(col(4)) / 1024:8.0f} MB")
EOF

# 6. Equal work: the same verdicts, lead by lead.
"$py" "$here/duck.py" check "$data/icp.csv" "$data/duck.csv" || {
    echo "run.sh: icp and DuckDB disagree (see above): the comparison is not of equal work" >&2
    exit 1
}
echo "tiers (and every other column) agree"
