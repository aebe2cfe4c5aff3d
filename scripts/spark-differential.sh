#!/usr/bin/env bash
# The long run of the Spark differential test (tests/sql_spark.rs): compiled SQL executed on
# a local Spark against `icp score`, on many more random rule sets than CI runs.
#
#   scripts/spark-differential.sh [CASES]     # default 2000
#
# Needs what the test needs: Java 17+, and PyPI the first time (scripts/python-deps.sh
# --spark installs the pinned PySpark). ICP_SQL_KEEP=DIR keeps every case's tables and
# queries there. Exit code: the test's (0 all rows equal).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cases=${1:-2000}
[[ $cases =~ ^[1-9][0-9]*$ ]] || { echo "spark-differential.sh: CASES is a whole number above zero, not '$cases'" >&2; exit 2; }
cd "$root"
ICP_SQL_CASES=$cases exec cargo test -p icp_tests --test sql_spark -- --nocapture
