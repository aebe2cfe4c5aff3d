"""Runs the PySpark snippet of docs/warehouses.md on each case (tests/sql_spark.rs).

    python run_snippet.py MANIFEST.json RESULTS.json

Manifest and results as in run_spark.py; the snippet is `snippet.py` beside the manifest. Per case, its tables are written as Parquet
(`companies.parquet`, `contacts.parquet`, typed: list<string>, date32, double, bool) into the
case's directory; then, per query, the query is written to `icp.sql` there and the snippet
runs as it is written in the docs (one Spark session for all: its `getOrCreate` finds the
first), and the rows of the `scored.parquet` it writes are the query's rows.
"""

import datetime
import json
import os
import sys

import pyarrow as pa
import pyarrow.parquet as pq

TYPES = {
    "STRING": pa.string(),
    "DOUBLE": pa.float64(),
    "DATE": pa.date32(),
    "BOOLEAN": pa.bool_(),
    "INTEGER": pa.int32(),
    "ARRAY<STRING>": pa.list_(pa.string()),
}


def write_parquet(table, out):
    schema = pa.schema([(name, TYPES[ty]) for name, ty in table["columns"]])
    rows = []
    with open(table["path"], encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                for name, ty in table["columns"]:
                    if ty == "DATE" and row.get(name) is not None:
                        row[name] = datetime.date.fromisoformat(row[name])
                rows.append(row)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), out)


def main():
    manifest, out = (os.path.abspath(a) for a in sys.argv[1:3])
    snippet_path = os.path.join(os.path.dirname(os.path.abspath(manifest)), "snippet.py")
    with open(snippet_path, encoding="utf-8") as f:
        snippet = compile(f.read(), "docs/warehouses.md", "exec")
    with open(manifest, encoding="utf-8") as f:
        cases = json.load(f)
    results = []
    for case in cases:
        case_dir = os.path.dirname(case["tables"][0]["path"])
        os.chdir(case_dir)
        for table in case["tables"]:
            write_parquet(table, f"{table['name']}.parquet")
        rows = []
        for query in case["queries"]:
            with open("icp.sql", "w", encoding="utf-8") as f:
                f.write(query)
            exec(snippet, {})
            scored = pq.read_table("scored.parquet")
            rows.append([list(r.values()) for r in scored.to_pylist()])
        results.append({"rows": rows})
    with open(out, "w", encoding="utf-8") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main()
