#!/usr/bin/env bash
# The benchmark ICP compiled to Spark SQL and run on a local Spark over Parquet, checked
# against `icp score` on the same files (docs/performance.md, "On local Spark"):
#
#   benches/spark/run.sh [--companies N] [--master local[K]] [--memory SIZE]
#
# 1. `cargo build --release` of icp, and the pinned Python environment with PySpark, DuckDB
#    and PyArrow (scripts/python-deps.sh --spark; Java 17+ on PATH);
# 2. once per N: `icp gen --companies N --seed 7 --messy 0` with contacts, written by DuckDB
#    as Parquet typed as `icp compile --schema` asks (lists as list<string>, numbers as
#    double, dates), the contacts with their export order in a column `ord`, into
#    TARGET/spark-bench/N/ (the CSV files are then removed);
# 3. benches/duckdb/bench.icp compiled with `icp compile --dialect spark --contacts-table
#    contacts --contacts-order ord`;
# 4. the query run by spark_run.py (spark-submit's PySpark, master local[2] and 6g of driver
#    memory by default) writing Parquet: its wall time and rows per second;
# 5. `icp score` on the same Parquet files, timed; then DuckDB compares the two results lead
#    by lead, every column, and prints the count per tier of both (exit 1 on a difference).
#
# TARGET is cargo's target directory (CARGO_TARGET_DIR, else target/). Exit codes: 0 the
# results agree, 1 they differ, 2 usage or setup errors.
set -euo pipefail

AS_OF=2026-11-23
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

companies=1000000
master=local[2]
memory=6g

die() {
    echo "run.sh: $1" >&2
    exit "${2:-2}"
}

while (($#)); do
    case $1 in
    --companies)
        (($# >= 2)) || die "$1 takes a value"
        [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 takes a whole number above zero, not '$2'"
        companies=$2
        shift 2
        ;;
    --master | --memory)
        (($# >= 2)) || die "$1 takes a value"
        [[ $1 == --master ]] && master=$2 || memory=$2
        shift 2
        ;;
    -h | --help)
        sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *) die "unknown argument '$1' (see --help)" ;;
    esac
done

command -v java >/dev/null || die "java is not on PATH (Spark needs Java 17+; Debian: apt-get install openjdk-17-jre-headless)"
cd "$root"
target=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
py=$(scripts/python-deps.sh --spark "$target") || die "scripts/python-deps.sh --spark failed"
cargo build --release --quiet -p icp_cli
icp=$target/release/icp

data=$target/spark-bench/$companies
project=$data/project
mkdir -p "$project"
cp "$root/benches/duckdb/bench.icp" "$project/bench.icp"
: >"$project/icp.toml"
compile=(compile --rules bench.icp --contacts-table contacts --contacts-order ord)

# 2. The lead set as typed Parquet, once per size.
if [[ ! -f $data/contacts.parquet ]]; then
    (cd "$project" && "$icp" "${compile[@]}" --dialect duckdb --schema -o ../schema.sql)
    "$icp" gen --companies "$companies" --seed 7 --messy 0 \
        -o "$data/companies.csv" --contacts-out "$data/contacts.csv"
    "$py" - "$data" <<'PY'
import re, sys, duckdb
d = sys.argv[1]
con = duckdb.connect()
# The columns and DuckDB types `icp compile --schema` asks for, per table.
tables, name = {}, None
for line in open(f"{d}/schema.sql", encoding="utf-8"):
    if m := re.match(r'CREATE TABLE "(\w+)"', line):
        name = m.group(1); tables[name] = []
    elif m := re.match(r'\s+"(\w+)" ([A-Z\[\]]+)', line):
        tables[name].append((m.group(1), m.group(2)))
def cast(col, ty):
    if ty == "VARCHAR[]":
        return f"CASE WHEN \"{col}\" IS NULL OR \"{col}\" = '' THEN NULL ELSE string_split(\"{col}\", ';') END"
    return f"TRY_CAST(\"{col}\" AS {ty})"
for table, columns in tables.items():
    cols = [(c, t) for c, t in columns if c != "ord"]
    select = ", ".join(f"{cast(c, t)} AS \"{c}\"" for c, t in cols)
    order = ", CAST(file_row_number AS DOUBLE) AS ord" if table == "contacts" else ""
    con.execute(f"""COPY (SELECT * FROM read_csv('{d}/{table}.csv', header=true, all_varchar=true))
        TO '{d}/{table}.raw.parquet' (FORMAT parquet)""")
    con.execute(f"""COPY (SELECT {select}{order} FROM read_parquet('{d}/{table}.raw.parquet', file_row_number=true))
        TO '{d}/{table}.parquet' (FORMAT parquet)""")
    print(table, con.execute(f"SELECT count(*) FROM '{d}/{table}.parquet'").fetchone()[0], "rows")
PY
    rm -f "$data"/*.csv "$data"/*.raw.parquet
fi

# 3. The query.
(cd "$project" && "$icp" "${compile[@]}" --dialect spark --as-of "$AS_OF" -o bench.sql)

# 4. Spark.
echo "icp compile --dialect spark on local Spark ($master, driver memory $memory): $companies companies"
echo "machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GB; load: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%F)"
start=$(date +%s%N)
read -r query_s rows < <("$py" "$here/spark_run.py" --sql "$project/bench.sql" \
    --companies "$data/companies.parquet" --contacts "$data/contacts.parquet" \
    --out "$data/spark.parquet" --master "$master" --memory "$memory") || die "the Spark run failed"
total_s=$(awk -v s="$start" -v e="$(date +%s%N)" 'BEGIN {printf "%.1f", (e - s) / 1e9}')
echo "Spark: query and Parquet write $query_s s ($(awk -v r="$rows" -v s="$query_s" 'BEGIN {printf "%.0f", r / s}') rows/s), whole process $total_s s, $rows rows"

# 5. icp score on the same files, and the comparison.
start=$(date +%s%N)
(cd "$project" && env -u ICP_PLUGIN_PATH "$icp" score --rules bench.icp --as-of "$AS_OF" \
    --leads ../companies.parquet --contacts ../contacts.parquet -o ../icp.parquet) ||
    die "icp score failed"
icp_s=$(awk -v s="$start" -v e="$(date +%s%N)" 'BEGIN {printf "%.1f", (e - s) / 1e9}')
echo "icp score: $icp_s s ($(awk -v r="$rows" -v s="$icp_s" 'BEGIN {printf "%.0f", r / s}') rows/s)"
"$py" - "$data" <<'PY' || die "Spark and icp score disagree (see above)" 1
import sys, duckdb
d = sys.argv[1]
con = duckdb.connect()
icp = f"read_parquet('{d}/icp.parquet')"
spark = f"read_parquet('{d}/spark.parquet/*.parquet')"
cols = ["name", "icp", "qualified", "score", "max_score", "tier", "matched", "unknown", "reasons"]
def types(rel):
    return {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()}
typed = {"a": types(icp), "b": types(spark)}
def text(side, c):  # compared as text, a list by its items joined
    col = f"{side}.{c}"
    if typed[side][c].endswith("[]"):
        return f"array_to_string({col}, '|')"
    return f"CAST({col} AS VARCHAR)"
for name, rel in [("icp score", icp), ("Spark", spark)]:
    tiers = con.execute(f"SELECT tier, count(*) FROM {rel} GROUP BY tier ORDER BY tier NULLS LAST").fetchall()
    print(f"{name:10} per tier: " + ", ".join(f"{t}: {n}" for t, n in tiers))
diff = " OR ".join(f"{text('a', c)} IS DISTINCT FROM {text('b', c)}" for c in cols)
n = con.execute(f"SELECT count(*) FROM {icp} a FULL JOIN {spark} b ON a.id = b.id WHERE a.id IS NULL OR b.id IS NULL OR {diff}").fetchone()[0]
if n:
    print(f"{n} leads differ, for example:")
    for row in con.execute(f"SELECT a.*, b.* FROM {icp} a FULL JOIN {spark} b ON a.id = b.id WHERE a.id IS NULL OR b.id IS NULL OR {diff} LIMIT 3").fetchall():
        print("  ", row)
    sys.exit(1)
print("every lead, every column: Spark = icp score")
PY
