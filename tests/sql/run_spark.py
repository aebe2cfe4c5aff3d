"""Runs compiled queries on a local Spark for the differential tests of `icp compile`.

    python run_spark.py MANIFEST.json RESULTS.json

The manifest and results are those of run_queries.py (the DuckDB driver): a list of cases,
each naming its tables (a JSON Lines file and the Spark SQL type of every column:
ARRAY<STRING>, DATE, DOUBLE, BOOLEAN, STRING) and its queries; per case, the rows of each
query or the error Spark raised.

One Spark session serves every case (its start-up takes seconds). Each case's tables are read
from JSON Lines with an explicit schema (FAILFAST: a value that does not fit its type is an
error, never a silent NULL) and registered as temporary views under the tables' names, then
every query runs. The session's settings are the ones docs/warehouses.md names, set
explicitly: UTC, and ANSI mode alternating per query (a case's two queries run one with it on
and one with it off), as the compiled query must give the same rows either way.
"""

import datetime
import decimal
import json
import os
import sys

from pyspark.sql import SparkSession


def session():
    return (
        SparkSession.builder.master(os.environ.get("ICP_SPARK_MASTER", "local[2]"))
        .appName("icp-sql-differential")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.memory", "3g")
        .config("spark.sql.ansi.enabled", "true")
        .getOrCreate()
    )


def plain(value):
    """A result value as JSON holds it."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def load(spark, table):
    schema = ", ".join(f"`{name}` {ty}" for name, ty in table["columns"])
    frame = (
        spark.read.schema(schema)
        .option("mode", "FAILFAST")
        .option("dateFormat", "yyyy-MM-dd")
        .json(table["path"])
    )
    frame.createOrReplaceTempView(table["name"])


def main():
    manifest, out = sys.argv[1], sys.argv[2]
    with open(manifest, encoding="utf-8") as f:
        cases = json.load(f)
    spark = session()
    spark.sparkContext.setLogLevel("ERROR")
    results = []
    for n, case in enumerate(cases):
        try:
            for table in case["tables"]:
                load(spark, table)
            rows = []
            for q, query in enumerate(case["queries"]):
                ansi = (n + q) % 2 == 0
                spark.conf.set("spark.sql.ansi.enabled", "true" if ansi else "false")
                rows.append([[plain(v) for v in r] for r in spark.sql(query).collect()])
            results.append({"rows": rows})
        except Exception as e:  # reported per case, with the case's rules, by the test
            results.append({"error": f"{type(e).__name__}: {e}"[:4000]})
    spark.stop()
    with open(out, "w", encoding="utf-8") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main()
