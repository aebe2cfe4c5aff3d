"""Runs the dbt model `icp compile --dbt` writes, for the dbt test of `tests/rules.rs`.

    python run_dbt.py MANIFEST.json PROJECT_DIR RESULTS.json

Run with the Python of `scripts/python-deps.sh --dbt` (dbt-core and dbt-duckdb beside it).
The manifest names the source tables (a JSON Lines file and the SQL type of every column, as
`run_queries.py` takes them). The tables are created in PROJECT_DIR/icp.duckdb, in the schema
the dbt profile targets (`main`); the project's `dbt_project.yml` and `profiles.yml` are
written around the model; then `dbt run` builds the model and `dbt test` runs the tests of its
`schema.yml`. The results file holds the model's rows, or the step that failed with dbt's
output.
"""

import json
import os
import subprocess
import sys

import duckdb

from run_queries import load

PROJECT = """name: icp_scoring
version: "1.0.0"
profile: icp
model-paths: ["models"]
"""

PROFILES = """icp:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: {path}
      schema: main
      threads: 1
"""


def dbt(project, *args):
    exe = os.path.join(os.path.dirname(sys.executable), "dbt")
    return subprocess.run(
        [exe, *args, "--project-dir", project, "--profiles-dir", project],
        capture_output=True,
        text=True,
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
    )


def main():
    manifest, project, out = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(manifest, encoding="utf-8") as f:
        tables = json.load(f)
    database = os.path.join(project, "icp.duckdb")
    with open(os.path.join(project, "dbt_project.yml"), "w", encoding="utf-8") as f:
        f.write(PROJECT)
    with open(os.path.join(project, "profiles.yml"), "w", encoding="utf-8") as f:
        f.write(PROFILES.format(path=json.dumps(database)))
    con = duckdb.connect(database)
    for table in tables:
        load(con, table)
    con.close()
    result = None
    for step in ("run", "test"):
        done = dbt(project, step)
        if done.returncode != 0:
            result = {"error": f"dbt {step} failed:\n{done.stdout}\n{done.stderr}"}
            break
    if result is None:
        con = duckdb.connect(database, read_only=True)
        rows = con.execute("SELECT * FROM main.icp_scores").fetchall()
        con.close()
        result = {"rows": [list(r) for r in rows]}
    with open(out, "w", encoding="utf-8") as f:
        json.dump(result, f, default=str)


if __name__ == "__main__":
    main()
