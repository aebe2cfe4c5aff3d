#!/usr/bin/env python3
"""The DuckDB side of the side-by-side benchmark (benches/duckdb/run.sh).

    duck.py sql [--icps N] [--tables] [--out FILE]
                                           print the SQL for N copies of the benchmark ICP
    duck.py run --dir DIR [--icps N]       run it in DuckDB inside DIR; print the seconds taken
    duck.py check ICP_CSV DUCK_CSV         compare two result files lead by lead

The SQL is the benchmark ICP of benches/ruleset.rs (`rule_file(i)`, the text in bench.icp for
i = 0) written by hand as one DuckDB query, for the data of `icp gen --messy 0`. It reads
companies.csv and contacts.csv with explicit column types, decides each persona per contact,
joins the contacts' counts to the companies, and writes one row per lead and ICP to duck.csv
with icp's columns (docs/scoring.md "Output columns"): id, name, icp, qualified, score,
max_score, tier, matched, unknown, reasons. How icp's semantics map to SQL:

- three-valued logic is SQL's own: `and`, `or`, `not` on NULL behave as icp's unknown;
- `require C` holds when C is known true (`coalesce(C, false)`), `exclude C` excludes only
  when C is known true, a score line adds its points only when its condition is true;
- `any contact where P` is true when P is true for one contact, unknown when it is for none but
  unknown for one, else false (also with no contacts); `count contacts where P` counts the
  contacts for which P is true, never unknown;
- lists are `;`-separated cells split with `string_split`; an empty cell is missing (NULL),
  as in icp, so `has`, `has any` and `len` on it are unknown;
- the group "fit" is capped with `least(20, …)`; tiers are tried in order on qualified leads;
- `matched`, `unknown` and `reasons` are built as icp builds them (result.rs): labels of the
  true score lines in rule order; the fields whose absence made a condition unknown, in order
  of first mention (for `any contact where buyer`, the contact fields missing on a contact
  whose persona was unknown, in schema order — not exercised by `--messy 0` data, where only
  `company.technologies` is ever missing); a reason per false or unknown `require` and true
  `exclude`.

`run` times the query from `duckdb.connect()` to `close()` (parse, plan, read, evaluate,
write), not Python's start or `import duckdb`. The personas are written once per ICP, as in
the rules, not shared between ICPs.

What the SQL does *not* re-implement, because `--messy 0` data never needs it: icp's value
parsing ("51-200", "$10M", "United States" for "US"), and case-insensitive, trimmed text
comparison. The SQL compares canonical values exactly, which is less work than icp does.

`sql` mirrors the parameters of `rule_file(i)`; `run.sh` checks that `sql --icps 1` is the
committed bench.sql, and `check` catches any drift for other i: every column must agree.
"""

import argparse
import sys
import time

# The vocabularies of benches/ruleset.rs, in its order.
INDUSTRIES = ["Software", "Internet", "IT Services", "Fintech", "Healthcare", "Retail"]
COUNTRIES = ["US", "CA", "GB", "DE", "NL", "FR", "SE", "AU"]

CHAMPION_RE = r"\b(head|director) of (revops|sales ops)\b"


def q(s):
    """A SQL string literal."""
    return "'" + s.replace("'", "''") + "'"


def params(i):
    """The parameters of rule_file(i)."""
    return {
        "i": i,
        "countries": [COUNTRIES[(i + k) % len(COUNTRIES)] for k in range(3)],
        "industries": [INDUSTRIES[(i + k) % len(INDUSTRIES)] for k in range(2)],
        "low": 10 + (i % 7) * 10,
    }


def sql_list(items):
    return "[" + ", ".join(q(s) for s in items) + "]"


def persona_columns(p):
    i = p["i"]
    return f"""        -- persona buyer_{i}, persona champion_{i}
        (seniority IN ('C-Level', 'VP') AND department IN ('Finance', 'Operations')) AS buyer_{i},
        regexp_matches(title, {q(CHAMPION_RE)}, 'i') AS champion_{i}"""


def contact_aggregates(p):
    i = p["i"]
    return f"""        count_if(buyer_{i}) AS buyer_{i}_true,
        count_if(buyer_{i} IS NULL) AS buyer_{i}_unknown,
        bool_or(buyer_{i} IS NULL AND seniority IS NULL) AS buyer_{i}_no_seniority,
        bool_or(buyer_{i} IS NULL AND department IS NULL) AS buyer_{i}_no_department,
        count_if(champion_{i} OR buyer_{i}) AS group_{i}"""


def icp_select(p):
    i, low = p["i"], p["low"]
    countries = ", ".join(q(c) for c in p["countries"])
    return f"""    -- icp segment_{i}
    SELECT id, name, 'segment_{i}' AS icp, qualified, score, 70 AS max_score,
        CASE WHEN qualified THEN
            CASE WHEN score >= 50 THEN 'A' WHEN score >= 25 THEN 'B' ELSE 'C' END
        END AS tier,
        nullif(concat_ws('|',
            CASE WHEN s_core THEN 'core industry' END,
            CASE WHEN s_revenue THEN 'revenue fit' END,
            CASE WHEN s_buyer THEN 'finance buyer' END,
            CASE WHEN s_group THEN 'buying group' END,
            CASE WHEN s_competitor THEN 'competitor' END,
            CASE WHEN s_b2b THEN 'b2b' END,
            CASE WHEN s_young THEN 'young' END,
            CASE WHEN s_stack THEN 'stack' END), '') AS matched,
        nullif(concat_ws('|',
            CASE WHEN r_geo IS NULL THEN 'company.country' END,
            CASE WHEN r_size IS NULL THEN 'company.employees' END,
            CASE WHEN x_industry IS NULL THEN 'company.industry' END,
            CASE WHEN s_revenue IS NULL THEN 'company.revenue' END,
            CASE WHEN s_buyer IS NULL AND buyer_no_seniority THEN 'contact.seniority' END,
            CASE WHEN s_buyer IS NULL AND buyer_no_department THEN 'contact.department' END,
            CASE WHEN s_competitor IS NULL OR s_stack IS NULL THEN 'company.technologies' END,
            CASE WHEN s_b2b IS NULL THEN 'company.business_model' END,
            CASE WHEN s_young IS NULL THEN 'company.founded' END), '') AS unknown,
        nullif(concat_ws('|',
            CASE WHEN r_geo IS NULL THEN 'unknown: company.country is missing'
                 WHEN NOT r_geo THEN 'failed: geo_{i}' END,
            CASE WHEN r_size IS NULL THEN 'unknown: company.employees is missing'
                 WHEN NOT r_size THEN 'failed: company.employees between {low} and 5000' END,
            CASE WHEN x_industry THEN 'excluded: company.industry has any ["Gambling", "Tobacco"]' END),
            '') AS reasons
    FROM (
        SELECT *,
            coalesce(r_geo, false) AND coalesce(r_size, false)
                AND NOT coalesce(x_industry, false) AS qualified,
            CASE WHEN s_core THEN 20 ELSE 0 END
                + CASE WHEN s_revenue THEN 15 ELSE 0 END
                + CASE WHEN s_buyer THEN 10 ELSE 0 END
                + CASE WHEN s_group THEN 5 ELSE 0 END
                + CASE WHEN s_competitor THEN -30 ELSE 0 END
                + least(20, CASE WHEN s_b2b THEN 10 ELSE 0 END
                    + CASE WHEN s_young THEN 10 ELSE 0 END
                    + CASE WHEN s_stack THEN 5 ELSE 0 END) AS score
        FROM (
            SELECT id, name,
                country IN ({countries}) AS r_geo,
                employees BETWEEN {low} AND 5000 AS r_size,
                list_has_any(industry, ['Gambling', 'Tobacco']) AS x_industry,
                list_has_any(industry, {sql_list(p["industries"])}) AS s_core,
                revenue >= 10000000 AS s_revenue,
                CASE WHEN buyer_{i}_true > 0 THEN true
                     WHEN buyer_{i}_unknown > 0 THEN NULL
                     ELSE false END AS s_buyer,
                buyer_{i}_no_seniority AS buyer_no_seniority,
                buyer_{i}_no_department AS buyer_no_department,
                group_{i} >= 2 AS s_group,
                list_contains(technologies, 'Salesforce') AS s_competitor,
                business_model = 'B2B' AS s_b2b,
                founded >= 2010 AS s_young,
                len(technologies) >= 5 AS s_stack
            FROM leads
        )
    )"""


def sql(icps, tables=False, out="duck.csv"):
    """The query for `icps` ICPs. With `tables`, it reads the typed tables `companies` and
    `contacts` of the open database (lists already `VARCHAR[]`, as `icp compile` expects
    them: benches/sql/run.sh) instead of the CSV files, and writes to `out`."""
    ps = [params(i) for i in range(icps)]
    personas = ",\n".join(persona_columns(p) for p in ps)
    aggregates = ",\n".join(contact_aggregates(p) for p in ps)
    counts = ",\n".join(
        f"        coalesce(a.buyer_{p['i']}_true, 0) AS buyer_{p['i']}_true,\n"
        f"        coalesce(a.buyer_{p['i']}_unknown, 0) AS buyer_{p['i']}_unknown,\n"
        f"        coalesce(a.buyer_{p['i']}_no_seniority, false) AS buyer_{p['i']}_no_seniority,\n"
        f"        coalesce(a.buyer_{p['i']}_no_department, false) AS buyer_{p['i']}_no_department,\n"
        f"        coalesce(a.group_{p['i']}, 0) AS group_{p['i']}"
        for p in ps
    )
    selects = "\n    UNION ALL\n".join(icp_select(p) for p in ps)
    materialized = " MATERIALIZED" if icps > 1 else ""
    if tables:
        return f"""-- The benchmark ICP of benches/ruleset.rs as DuckDB SQL ({icps} ICP{'s' if icps > 1 else ''})
-- over typed tables: generated by `benches/duckdb/duck.py sql --tables --icps {icps}`.
COPY (
WITH contact_personas AS (
    SELECT company_id, seniority, department,
{personas}
    FROM contacts
),
contact_counts AS (
    SELECT company_id,
{aggregates}
    FROM contact_personas
    GROUP BY company_id
),
leads AS{materialized} (
    SELECT c.id, c.name, c.country, c.employees, c.revenue, c.founded, c.business_model,
        c.industry, c.technologies,
{counts}
    FROM companies c LEFT JOIN contact_counts a ON a.company_id = c.id
)
{selects}
) TO {q(out)} (HEADER, DELIMITER ',');
"""
    return f"""-- The benchmark ICP of benches/ruleset.rs as DuckDB SQL ({icps} ICP{'s' if icps > 1 else ''}):
-- generated by `benches/duckdb/duck.py sql --icps {icps}`; see duck.py for how each construct
-- of the rule language maps to SQL. Run inside the directory holding the CSV files.
COPY (
WITH companies AS (
    SELECT * FROM read_csv('companies.csv', header = true, auto_detect = false,
        delim = ',', quote = '"', escape = '"',
        columns = {{
            'id': 'VARCHAR', 'name': 'VARCHAR', 'domain': 'VARCHAR', 'industry': 'VARCHAR',
            'employees': 'DOUBLE', 'revenue': 'DOUBLE', 'country': 'VARCHAR',
            'region': 'VARCHAR', 'city': 'VARCHAR', 'founded': 'DOUBLE',
            'ownership': 'VARCHAR', 'business_model': 'VARCHAR', 'type': 'VARCHAR',
            'technologies': 'VARCHAR', 'tags': 'VARCHAR', 'annual_spend': 'DOUBLE',
            'purchase_frequency': 'DOUBLE', 'demand_variability': 'DOUBLE',
            'last_order_date': 'DATE', 'is_customer': 'VARCHAR'}})
),
contacts AS (
    SELECT * FROM read_csv('contacts.csv', header = true, auto_detect = false,
        delim = ',', quote = '"', escape = '"',
        columns = {{
            'company_id': 'VARCHAR', 'name': 'VARCHAR', 'email': 'VARCHAR',
            'title': 'VARCHAR', 'seniority': 'VARCHAR', 'department': 'VARCHAR',
            'country': 'VARCHAR'}})
),
contact_personas AS (
    SELECT company_id, seniority, department,
{personas}
    FROM contacts
),
contact_counts AS (
    SELECT company_id,
{aggregates}
    FROM contact_personas
    GROUP BY company_id
),
leads AS{materialized} (
    SELECT c.id, c.name, c.country, c.employees, c.revenue, c.founded, c.business_model,
        string_split(c.industry, ';') AS industry,
        string_split(c.technologies, ';') AS technologies,
{counts}
    FROM companies c LEFT JOIN contact_counts a ON a.company_id = c.id
)
{selects}
) TO 'duck.csv' (HEADER, DELIMITER ',');
"""


def run(directory, icps, threads):
    import os

    import duckdb

    os.chdir(directory)
    text = sql(icps)
    start = time.perf_counter()
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    con.execute(text)
    con.close()
    print(f"{time.perf_counter() - start:.4f}")


# icp's output columns (docs/scoring.md), in order; all but the key are compared.
COLUMNS = ["id", "name", "icp", "qualified", "score", "max_score", "tier", "matched", "unknown",
           "reasons"]
COMPARED = [c for c in COLUMNS if c not in ("id", "icp")]


def check(icp_csv, duck_csv, show=5):
    """Joins the two result files on (id, icp) in DuckDB and counts the rows that differ.

    Every cell is read as text; numbers compare as numbers (icp writes `40`, so would any
    writer of a whole DOUBLE), everything else exactly, an empty cell equal to an empty cell.
    """
    import duckdb

    con = duckdb.connect()

    def table(name, path):
        con.execute(
            f"CREATE TABLE {name} AS SELECT * FROM read_csv({q(path)}, header = true, "
            "auto_detect = false, delim = ',', quote = '\"', escape = '\"', columns = {"
            + ", ".join(f"{q(c)}: 'VARCHAR'" for c in COLUMNS)
            + "})"
        )

    table("a", icp_csv)
    table("b", duck_csv)

    def differs(c):
        if c in ("score", "max_score"):
            return f"a.{c}::DOUBLE IS DISTINCT FROM b.{c}::DOUBLE"
        return f"a.{c} IS DISTINCT FROM b.{c}"

    diffs = ", ".join(f"{differs(c)} AS d_{c}" for c in COMPARED)
    con.execute(
        f"""CREATE TABLE d AS
        SELECT coalesce(a.id, b.id) AS id, coalesce(a.icp, b.icp) AS icp,
            a.id IS NULL AS only_duck, b.id IS NULL AS only_icp, {diffs},
            {", ".join(f"a.{c} AS a_{c}, b.{c} AS b_{c}" for c in COMPARED)}
        FROM a FULL OUTER JOIN b ON a.id = b.id AND a.icp = b.icp"""
    )
    any_other = " OR ".join(f"d_{c}" for c in COMPARED if c != "tier")
    rows, tiers, other, only_icp, only_duck = con.execute(
        f"""SELECT count(*),
            count_if(NOT only_icp AND NOT only_duck AND d_tier),
            count_if(NOT only_icp AND NOT only_duck AND NOT d_tier AND ({any_other})),
            count_if(only_icp), count_if(only_duck)
        FROM d"""
    ).fetchone()
    print(
        f"compared {rows:,} rows (lead × ICP): {tiers:,} tier mismatches, "
        f"{other:,} other column mismatches, {only_icp:,} rows only in icp's output, "
        f"{only_duck:,} only in DuckDB's"
    )
    tiers_seen = con.execute(
        "SELECT coalesce(a_tier, 'none') AS t, count(*) FROM d WHERE NOT only_duck "
        "GROUP BY t ORDER BY t = 'none', t"
    ).fetchall()
    print("  tiers (icp's output): " + ", ".join(f"{t} {n:,}" for t, n in tiers_seen))
    bad = con.execute(
        f"""SELECT * FROM d WHERE only_icp OR only_duck OR d_tier OR {any_other}
        ORDER BY NOT d_tier, id, icp LIMIT {int(show)}"""
    ).fetchall()
    names = [c[0] for c in con.description]
    for values in bad:
        r = dict(zip(names, values))
        if r["only_icp"] or r["only_duck"]:
            side = "icp's" if r["only_icp"] else "DuckDB's"
            print(f"  {r['id']} {r['icp']}: only in {side} output")
            continue
        print(f"  {r['id']} {r['icp']}:")
        for c in COMPARED:
            if r[f"d_{c}"]:
                print(f"    {c:<10} icp {r['a_' + c]!r:<40} duckdb {r['b_' + c]!r}")
    return 0 if tiers == other == only_icp == only_duck == 0 else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sql")
    s.add_argument("--icps", type=int, default=1)
    s.add_argument("--tables", action="store_true",
                   help="read the typed tables companies and contacts, not the CSV files")
    s.add_argument("--out", default="duck.csv", help="the result file the query writes")
    r = sub.add_parser("run")
    r.add_argument("--dir", required=True)
    r.add_argument("--icps", type=int, default=1)
    r.add_argument("--threads", type=int, default=0)
    c = sub.add_parser("check")
    c.add_argument("icp_csv")
    c.add_argument("duck_csv")
    args = ap.parse_args()
    if args.cmd == "sql":
        sys.stdout.write(sql(args.icps, args.tables, args.out))
    elif args.cmd == "run":
        run(args.dir, args.icps, args.threads)
    else:
        sys.exit(check(args.icp_csv, args.duck_csv))


if __name__ == "__main__":
    main()
