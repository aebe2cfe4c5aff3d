#!/usr/bin/env bash
# icp score on Parquet against the same leads as CSV, side by side in one run
# (docs/performance.md, "Parquet against CSV"):
#
#   benches/parquet/run.sh [--companies N] [--runs K] [--threads T]
#
# 1. `cargo build --release` of icp, and the pinned Python environment with DuckDB
#    (scripts/python-deps.sh);
# 2. once per N: `icp gen --companies N --seed 7 --messy 0` with contacts into
#    TARGET/parquet-bench/N/, and the same two tables written as Parquet by DuckDB, typed
#    (numbers, booleans, dates; `technologies` and `tags` as list<string>; DuckDB's row groups
#    of 122,880 rows, snappy);
# 3. one untimed run of each, then K runs of each, alternating: `icp score --all` of the CSV
#    files and of the Parquet files with the benchmark ICP (benches/duckdb/bench.icp), each
#    under /usr/bin/time for its wall time and peak memory;
# 4. both medians and their ratio; then the two result files must be byte for byte the same
#    (exit 1 otherwise).
#
# TARGET is cargo's target directory (CARGO_TARGET_DIR, else target/). Exit codes: 0 the
# results agree, 1 they differ, 2 usage or setup errors.
set -euo pipefail

AS_OF=2026-11-23
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

companies=1000000
runs=1
threads=

die() {
    echo "run.sh: $1" >&2
    exit "${2:-2}"
}

while (($#)); do
    case $1 in
    --companies | --runs | --threads)
        (($# >= 2)) || die "$1 takes a value"
        [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 takes a whole number above zero, not '$2'"
        case $1 in
        --companies) companies=$2 ;;
        --runs) runs=$2 ;;
        --threads) threads=$2 ;;
        esac
        shift 2
        ;;
    -h | --help)
        sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *) die "unknown argument '$1' (see --help)" ;;
    esac
done

[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (Debian/Ubuntu: apt-get install time)"
cd "$root"
target=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
py=$(scripts/python-deps.sh "$target") || die "scripts/python-deps.sh failed"
cargo build --release --quiet -p icp_cli
icp=$target/release/icp

data=$target/parquet-bench/$companies
if [[ ! -f $data/contacts.parquet ]]; then
    rm -rf "$data"
    mkdir -p "$data"
    "$icp" gen --companies "$companies" --seed 7 --messy 0 \
        -o "$data/companies.csv" --contacts-out "$data/contacts.csv"
    "$py" - "$data" <<'PY'
import sys, duckdb
d = sys.argv[1]
con = duckdb.connect()
lists = ", ".join(
    f"CASE WHEN {c} IS NULL OR {c} = '' THEN NULL ELSE string_split({c}, ';') END AS {c}"
    for c in ["technologies", "tags"])
con.execute(f"""COPY (SELECT * REPLACE ({lists})
    FROM read_csv('{d}/companies.csv', header=true, types={{'technologies': 'VARCHAR', 'tags': 'VARCHAR'}}))
    TO '{d}/companies.parquet' (FORMAT parquet)""")
con.execute(f"COPY (SELECT * FROM read_csv('{d}/contacts.csv', header=true)) TO '{d}/contacts.parquet' (FORMAT parquet)")
for name in ["companies", "contacts"]:
    print(name, con.execute(f"DESCRIBE SELECT * FROM '{d}/{name}.parquet'").fetchall())
PY
fi
mkdir -p "$data/project"
cp "$root/benches/duckdb/bench.icp" "$data/project/bench.icp"
: >"$data/project/icp.toml"

one_run() { # FORMAT OUT: prints "seconds peak_kb"
    local ext=$1 out=$2
    local args=(score --all --rules bench.icp --as-of "$AS_OF"
        --leads "../companies.$ext" --contacts "../contacts.$ext" -o "$out")
    [[ -n $threads ]] && args+=(--threads "$threads")
    (cd "$data/project" && /usr/bin/time -f '%e %M' -o time.txt "$icp" "${args[@]}" 2>/dev/null) ||
        die "icp score of the .$ext files failed"
    cat "$data/project/time.txt"
}

one_run csv warm.csv >/dev/null
one_run parquet warm.csv >/dev/null
csv_times=() parquet_times=()
echo "icp score, CSV against Parquet: $companies companies, $(($(wc -l <"$data/contacts.csv") - 1)) contacts, $runs run(s) each, alternating"
echo "machine: $(nproc) cores; threads: ${threads:-one per core}"
for ((i = 1; i <= runs; i++)); do
    read -r c cm < <(one_run csv csv.csv)
    read -r p pm < <(one_run parquet parquet.csv)
    echo "  run $i: CSV $c s $cm KB   Parquet $p s $pm KB"
    csv_times+=("$c") parquet_times+=("$p")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
mc=$(median "${csv_times[@]}")
mp=$(median "${parquet_times[@]}")
echo "median CSV      $mc s   ($(du -m "$data/companies.csv" "$data/contacts.csv" | awk '{s+=$1} END {print s}') MB of CSV)"
echo "median Parquet  $mp s   ($(du -m "$data/companies.parquet" "$data/contacts.parquet" | awk '{s+=$1} END {print s}') MB of Parquet)"
echo "ratio Parquet / CSV  $(awk -v p="$mp" -v c="$mc" 'BEGIN {printf "%.2f", p / c}')"
cmp -s "$data/project/csv.csv" "$data/project/parquet.csv" || die "the results differ" 1
echo "results identical byte for byte"
