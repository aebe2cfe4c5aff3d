#!/usr/bin/env bash
# The query `icp compile --dialect duckdb` writes, against the hand-written query of
# benches/duckdb, on the same typed tables in DuckDB (docs/performance.md, "Compiled SQL
# against the hand-written query"):
#
#   benches/sql/run.sh [--companies N] [--runs K] [--threads T] [--compiled FILE]
#
# 1. the pinned Python duckdb (scripts/python-deps.sh);
# 2. `cargo build --release -p icp_cli`;
# 3. once per N: `icp gen --companies N --seed 7 --messy 0` into TARGET/duckdb-bench/N/ (the
#    files benches/duckdb/run.sh uses), then loaded once into the typed tables `companies` and
#    `contacts` that `icp compile --schema` prints, in TARGET/sql-bench/N/leads.duckdb;
# 4. the two queries over those tables, each `COPY (…) TO` a CSV file: the hand-written one
#    (`benches/duckdb/duck.py sql --tables`, bench.sql reading tables) and `icp compile
#    --dialect duckdb --all` of benches/duckdb/bench.icp (or the query in FILE, --compiled);
# 5. each query's size in bytes and plan time (EXPLAIN, median of 5); one untimed run of each,
#    then K runs of each, alternating, in one DuckDB process with `threads` T (default 2);
# 6. both medians, their ratio and the median of the runs' own ratios; then the compiled
#    query's result is compared with `icp score --all` on the same CSV files, every column of
#    every row (benches/duckdb/duck.py check), and the rows per tier of both are printed.
#
# TARGET is cargo's target directory (CARGO_TARGET_DIR, else target/). Exit codes: 0 the
# results agree, 1 they differ, 2 usage or setup errors.
set -euo pipefail

AS_OF=2026-11-23

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

companies=1000000
runs=5
threads=2
compiled=

usage() {
    sed -n '2,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
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
    --companies | --runs | --threads)
        (($# >= 2)) || die "$1 takes a value"
        positive "$1" "$2"
        case $1 in
        --companies) companies=$2 ;;
        --runs) runs=$2 ;;
        --threads) threads=$2 ;;
        esac
        shift 2
        ;;
    --compiled)
        (($# >= 2)) || die "$1 takes a file"
        [[ -f $2 ]] || die "--compiled $2: no such file"
        compiled=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
        shift 2
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

cd "$root"
target=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')

# 1. The pinned DuckDB.
py=$("$root/scripts/python-deps.sh" "$target") || die "scripts/python-deps.sh failed"

# 2. icp.
cargo build --release --quiet -p icp_cli
icp=$target/release/icp

# 3. The lead set (shared with benches/duckdb/run.sh), and its typed tables.
csv=$target/duckdb-bench/$companies
if [[ ! -f $csv/companies.csv || ! -f $csv/contacts.csv ]]; then
    rm -rf "$csv.partial"
    mkdir -p "$csv.partial"
    "$icp" gen --companies "$companies" --seed 7 --messy 0 \
        -o "$csv.partial/companies.csv" --contacts-out "$csv.partial/contacts.csv"
    mkdir -p "$csv"
    mv "$csv.partial/companies.csv" "$csv.partial/contacts.csv" "$csv/"
    rmdir "$csv.partial"
fi
data=$target/sql-bench/$companies
mkdir -p "$data"
# A project file of its own, so no icp.toml above the data changes what icp reads.
printf 'rules = ["%s"]\n' "$root/benches/duckdb/bench.icp" >"$data/icp.toml"
compile=(compile --config "$data/icp.toml" --dialect duckdb --companies-table companies
    --contacts-table contacts --all --as-of "$AS_OF")
"$icp" "${compile[@]}" --schema -o "$data/schema.sql"
if [[ ! -f $data/leads.duckdb ]] || ! cmp -s "$data/schema.sql" "$data/leads.schema.sql"; then
    echo "loading $csv into the typed tables of $data/leads.duckdb"
    rm -f "$data/leads.duckdb" "$data/leads.duckdb.wal"
    "$py" "$here/bench.py" load --db "$data/leads.duckdb" --schema "$data/schema.sql" \
        --companies "$csv/companies.csv" --contacts "$csv/contacts.csv" ||
        die "loading the tables failed"
    cp "$data/schema.sql" "$data/leads.schema.sql"
fi

# 4. The two queries.
"$py" "$root/benches/duckdb/duck.py" sql --tables --out hand.csv >"$data/hand.sql"
if [[ -n $compiled ]]; then
    query=$(cat "$compiled")
else
    query=$("$icp" "${compile[@]}") || die "icp compile failed"
fi
{
    echo "COPY ("
    printf '%s\n' "${query%;}"
    echo ") TO 'compiled.csv' (HEADER, DELIMITER ',');"
} >"$data/compiled.sql"

# 5. Sizes, plan times and the alternating runs.
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
contacts=$(($(wc -l <"$csv/contacts.csv") - 1))
duck_version=$("$py" -c 'import duckdb; print(duckdb.__version__)')
echo "compiled vs hand-written SQL, DuckDB $duck_version: $companies companies, $contacts contacts, 1 ICP, $runs runs each, alternating"
echo "machine: $(nproc) cores, ${cpu:-unknown CPU}; load average $(cut -d' ' -f1-3 /proc/loadavg); DuckDB threads $threads"
echo "data: $data"
figures=$data/figures.txt
(cd "$data" && "$py" "$here/bench.py" time --db leads.duckdb --hand hand.sql \
    --compiled compiled.sql --runs "$runs" --threads "$threads") | tee "$figures" |
    awk '$1 == "run" { printf "  run %d: hand-written %8.3f s   compiled %8.3f s\n", $2, $3, $4 }' ||
    die "the DuckDB runs failed"

"$py" - "$figures" <<'EOF'
import statistics, sys
lines = [line.split() for line in open(sys.argv[1]) if line.strip()]
first = {l[0]: l[1:] for l in lines if l[0] != "run"}
runs = [(float(l[2]), float(l[3])) for l in lines if l[0] == "run"]
hand_bytes, compiled_bytes = map(int, first["bytes"])
hand_plan, compiled_plan = map(float, first["plan"])
hand = statistics.median(r[0] for r in runs)
compiled = statistics.median(r[1] for r in runs)
print(f"query size                      hand-written {hand_bytes:>9,} B   compiled {compiled_bytes:>9,} B")
print(f"plan time (EXPLAIN, median)     hand-written {hand_plan:9.3f} s   compiled {compiled_plan:9.3f} s")
print(f"median run                      hand-written {hand:9.3f} s   compiled {compiled:9.3f} s")
print(f"ratio compiled / hand-written   {compiled / hand:.2f}")
print(f"median of the runs' own ratios  {statistics.median(c / h for h, c in runs):.2f}")
EOF

# 6. The compiled query gives icp score's results.
"$icp" score --config "$data/icp.toml" --leads "$csv/companies.csv" --contacts "$csv/contacts.csv" \
    --all --as-of "$AS_OF" -o "$data/icp.csv" 2>"$data/icp.log" ||
    { cat "$data/icp.log" >&2; die "icp score failed"; }
echo "tiers, icp score:      $("$py" "$here/bench.py" tiers "$data/icp.csv")"
echo "tiers, compiled query: $("$py" "$here/bench.py" tiers "$data/compiled.csv")"
echo "tiers, hand-written:   $("$py" "$here/bench.py" tiers "$data/hand.csv")"
"$py" "$root/benches/duckdb/duck.py" check "$data/icp.csv" "$data/compiled.csv" || {
    echo "run.sh: the compiled query and icp score disagree (see above)" >&2
    exit 1
}
echo "the compiled query's rows equal icp score's, every column"
