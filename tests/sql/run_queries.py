"""Runs compiled queries in DuckDB for the differential tests of `icp compile`.

    python run_queries.py MANIFEST.json RESULTS.json

The manifest is a list of cases; each names its tables (a JSON Lines file and the SQL type of
every column) and its queries. Each case gets a fresh in-memory database: the tables are
created with exactly those types and filled from the files, then every query runs. The results
file holds, per case, the rows of each query (lists of values, dates and numbers as JSON
gives them) or the error DuckDB raised.
"""

import json
import sys

import duckdb


def load(con, table):
    columns = table["columns"]
    spec = ", ".join(f'"{name}" {ty}' for name, ty in columns)
    con.execute(f'CREATE TABLE "{table["name"]}" ({spec})')
    with open(table["path"], encoding="utf-8") as f:
        has_rows = any(line.strip() for line in f)
    if has_rows:
        types = "{" + ", ".join(f"'{name}': '{ty}'" for name, ty in columns) + "}"
        con.execute(
            f'INSERT INTO "{table["name"]}" SELECT * FROM read_json(?, format = \'newline_delimited\', columns = {types})',
            [table["path"]],
        )


def main():
    manifest, out = sys.argv[1], sys.argv[2]
    with open(manifest, encoding="utf-8") as f:
        cases = json.load(f)
    results = []
    for case in cases:
        con = duckdb.connect()
        try:
            for table in case["tables"]:
                load(con, table)
            rows = []
            for query in case["queries"]:
                rows.append([list(r) for r in con.execute(query).fetchall()])
            results.append({"rows": rows})
        except Exception as e:  # reported per case, with the case's rules, by the test
            results.append({"error": str(e)})
        finally:
            con.close()
    with open(out, "w", encoding="utf-8") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main()
