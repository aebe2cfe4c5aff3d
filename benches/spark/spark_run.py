"""Runs a compiled ICP query on a local Spark over Parquet tables (benches/spark/run.sh).

    python spark_run.py --sql QUERY.sql --companies C.parquet --contacts K.parquet
                        --out RESULT.parquet [--master local[2]] [--memory 6g]

The tables are registered as the views `companies` and `contacts` the query reads; the
query's rows are written as Parquet. Prints one line: "SECONDS ROWS", the wall time of the
query and its write (not the session's start-up) and the rows written. The session settings
are docs/warehouses.md's: UTC, ANSI mode on (Spark 4's default, set explicitly).
"""

import argparse
import time

from pyspark.sql import SparkSession


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sql", required=True)
    p.add_argument("--companies", required=True)
    p.add_argument("--contacts", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--master", default="local[2]")
    p.add_argument("--memory", default="6g")
    a = p.parse_args()
    spark = (
        SparkSession.builder.master(a.master)
        .appName("icp-spark-bench")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", a.memory)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.ansi.enabled", "true")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    spark.read.parquet(a.companies).createOrReplaceTempView("companies")
    spark.read.parquet(a.contacts).createOrReplaceTempView("contacts")
    with open(a.sql, encoding="utf-8") as f:
        query = f.read().strip().rstrip(";")
    start = time.monotonic()
    spark.sql(query).write.mode("overwrite").parquet(a.out)
    seconds = time.monotonic() - start
    rows = spark.read.parquet(a.out).count()
    print(f"{seconds:.1f} {rows}")
    spark.stop()


if __name__ == "__main__":
    main()
