#!/usr/bin/env bash
# The Python engines the differential tests execute icp's output with (DuckDB and PyArrow),
# pinned, in a virtual environment of their own under cargo's target directory:
#
#   scripts/python-deps.sh [TARGET_DIR]            # prints the environment's python executable
#   scripts/python-deps.sh --spark [TARGET_DIR]    # the same with PySpark (local Spark, Java 17+)
#   scripts/python-deps.sh --dbt [TARGET_DIR]      # the same with dbt-core and dbt-duckdb (the
#                                                  # environment's bin/dbt runs `icp compile --dbt`'s model)
#
# Idempotent and quick when already installed (a marker file names the pinned versions); safe
# when several tests call it at once (an flock around the install). TARGET_DIR defaults to
# CARGO_TARGET_DIR, else the repository's target/. Needs python3 with venv and pip, and the
# PyPI registry the first time. Exit codes: 0 ready, 2 the install failed (pip's output shown).
set -euo pipefail

DUCKDB_VERSION=2.0.1
PYARROW_VERSION=26.0.1

PYSPARK_VERSION=4.3.0

DBT_CORE_VERSION=1.10.13
DBT_DUCKDB_VERSION=1.10.0

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
name=py-venv
want="duckdb==$DUCKDB_VERSION pyarrow==$PYARROW_VERSION"
if [[ ${1:-} == --spark ]]; then
    shift
    # A venv of its own: PySpark is half a gigabyte, and only the Spark tests need it.
    name=py-spark-venv
    want="$want pyspark==$PYSPARK_VERSION"
elif [[ ${1:-} == --dbt ]]; then
    shift
    # A venv of its own: dbt pins its own dependencies, which must not move the engines'.
    name=py-dbt-venv
    want="$want dbt-core==$DBT_CORE_VERSION dbt-duckdb==$DBT_DUCKDB_VERSION"
fi
target=${1:-${CARGO_TARGET_DIR:-$root/target}}
venv=$target/$name

mkdir -p "$target"
exec 9>"$target/$name.lock"
flock 9
if [[ -x $venv/bin/python && $(cat "$venv/.installed" 2>/dev/null) == "$want" ]]; then
    echo "$venv/bin/python"
    exit 0
fi
{
    rm -rf "$venv"
    python3 -m venv "$venv"
    # shellcheck disable=SC2086 # the pins are separate words
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check $want
} >&2 || { echo "python-deps.sh: installing $want failed" >&2; exit 2; }
echo "$want" >"$venv/.installed"
echo "$venv/bin/python"
