#!/usr/bin/env python3
"""The DuckDB side of the compiled-SQL benchmark (benches/sql/run.sh).

    bench.py load --db DB --schema SCHEMA_SQL --companies CSV --contacts CSV
    bench.py time --db DB --hand HAND_SQL --compiled COMPILED_SQL --runs K --threads T
    bench.py tiers CSV

`load` creates the typed tables `icp compile --schema` prints (SCHEMA_SQL) in the database DB
and fills them from the CSV files of `icp gen`: every cell read as text, then cast to its
column's type — a list (`VARCHAR[]`) split on `;` as icp's readers split it, an empty cell
`NULL`. It runs once per lead set; the timed queries then read the same typed tables.

`time` opens DB read-only with `threads` set, runs each query once untimed, then K times each,
alternating (hand-written, compiled, hand-written, …), each writing its result file (the two
queries are `COPY … TO` files, the same kind of sink). It also times `EXPLAIN` of each query
(parse, bind, optimise and the physical plan: the planning cost, without executing) as the
median of five, and prints one line per figure for run.sh to read.

`tiers` prints the number of result rows per tier (`none` for no tier) of a result file.
"""

import argparse
import re
import statistics
import sys
import time


def load(db, schema_sql, companies, contacts):
    import duckdb

    con = duckdb.connect(db)
    con.execute(open(schema_sql).read())
    for table, path in (("companies", companies), ("contacts", contacts)):
        columns = con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = ? ORDER BY ordinal_position",
            [table],
        ).fetchall()
        header = open(path).readline().strip().split(",")
        missing = [name for name, _ in columns if name not in header]
        if missing:
            sys.exit(f"bench.py: {path} has no column {', '.join(missing)}")

        def cast(name, ty):
            col = f'"{name}"'
            if ty.endswith("[]"):
                return f"string_split({col}, ';')"
            return f"CAST({col} AS {ty})"

        selected = ", ".join(cast(name, ty) for name, ty in columns)
        con.execute(
            f"INSERT INTO {table} SELECT {selected} FROM read_csv('{path}', header = true, "
            f"auto_detect = false, delim = ',', quote = '\"', escape = '\"', "
            f"columns = {{{', '.join(repr(h) + ': ' + repr('VARCHAR') for h in header)}}})"
        )
    con.execute("CHECKPOINT")
    con.close()


def statements(text):
    """The SQL text without its comment lines and final `;`."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("--")]
    return "\n".join(lines).strip().rstrip(";")


def time_queries(db, hand_path, compiled_path, runs, threads):
    import duckdb

    hand = statements(open(hand_path).read())
    compiled = statements(open(compiled_path).read())
    con = duckdb.connect(db, read_only=True)
    con.execute(f"SET threads = {int(threads)}")

    def seconds(sql):
        start = time.perf_counter()
        con.execute(sql)
        return time.perf_counter() - start

    def explain(sql):
        # The query inside `COPY (…) TO …`: EXPLAIN plans it without running it.
        inner = re.sub(r"^COPY \(\s*", "", sql, count=1, flags=re.S)
        inner = re.sub(r"\)\s*TO\s+'[^']*'\s*\([^)]*\)\s*$", "", inner, flags=re.S)
        return statistics.median(seconds("EXPLAIN " + inner) for _ in range(5))

    print(f"bytes {len(hand.encode())} {len(compiled.encode())}")
    print(f"plan {explain(hand):.4f} {explain(compiled):.4f}")
    print(f"warm {seconds(hand):.4f} {seconds(compiled):.4f}")
    for k in range(runs):
        print(f"run {k + 1} {seconds(hand):.4f} {seconds(compiled):.4f}", flush=True)
    con.close()


def tiers(path):
    import duckdb

    rows = duckdb.connect().execute(
        f"SELECT coalesce(tier, 'none') AS t, count(*) FROM read_csv('{path}', header = true, "
        "auto_detect = false, delim = ',', quote = '\"', escape = '\"', columns = {'id': "
        "'VARCHAR', 'name': 'VARCHAR', 'icp': 'VARCHAR', 'qualified': 'VARCHAR', 'score': "
        "'VARCHAR', 'max_score': 'VARCHAR', 'tier': 'VARCHAR', 'matched': 'VARCHAR', "
        "'unknown': 'VARCHAR', 'reasons': 'VARCHAR'}) GROUP BY t ORDER BY t = 'none', t"
    ).fetchall()
    print(", ".join(f"{t} {n}" for t, n in rows))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("load")
    p.add_argument("--db", required=True)
    p.add_argument("--schema", required=True)
    p.add_argument("--companies", required=True)
    p.add_argument("--contacts", required=True)
    p = sub.add_parser("time")
    p.add_argument("--db", required=True)
    p.add_argument("--hand", required=True)
    p.add_argument("--compiled", required=True)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p = sub.add_parser("tiers")
    p.add_argument("csv")
    args = ap.parse_args()
    if args.cmd == "load":
        load(args.db, args.schema, args.companies, args.contacts)
    elif args.cmd == "time":
        time_queries(args.db, args.hand, args.compiled, args.runs, args.threads)
    else:
        tiers(args.csv)


if __name__ == "__main__":
    main()
