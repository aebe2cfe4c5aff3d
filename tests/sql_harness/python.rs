//! An [`Engine`] that runs the cases with a Python driver script: DuckDB
//! (`tests/sql/run_queries.py`, with the pinned `duckdb`), a local Spark
//! (`tests/sql/run_spark.py`, with PySpark) or any script of the same contract.
//!
//! How it works: the cases' tables and queries go to the script as one JSON manifest
//! (`script MANIFEST.json RESULTS.json`); the script loads every case's typed tables, runs its
//! queries and writes, per case, the rows of each query or the database's error. One process
//! runs a whole batch, so a slow start (Spark's) is paid once.

use std::path::{Path, PathBuf};

use serde_json::{Value as Json, json};

use super::{Case, CaseResult, Engine};

/// A database reached through a Python driver script.
pub struct PythonEngine {
    pub dialect: icp_sql::DialectName,
    pub python: PathBuf,
    pub script: PathBuf,
}

impl PythonEngine {
    /// DuckDB through the pinned `duckdb` of `scripts/python-deps.sh`.
    pub fn duckdb() -> PythonEngine {
        PythonEngine {
            dialect: icp_sql::DialectName::DuckDb,
            python: icp_benches::python_with_engines(),
            script: icp_tests::workspace().join("tests/sql/run_queries.py"),
        }
    }

    /// A local Spark through PySpark (`scripts/python-deps.sh --spark`), driven by `script`
    /// (a path under the workspace).
    pub fn spark(script: &str) -> PythonEngine {
        PythonEngine {
            dialect: icp_sql::DialectName::Spark,
            python: icp_benches::python_with_spark(),
            script: icp_tests::workspace().join(script),
        }
    }
}

impl Engine for PythonEngine {
    fn dialect(&self) -> icp_sql::DialectName {
        self.dialect
    }

    /// Spark's `POWER` is Java's `Math.pow`, which may be 1 ulp from the correctly rounded
    /// result `icp score` computes (a decaying score's last digit); docs/warehouses.md says so.
    fn float_ulps(&self) -> u64 {
        match self.dialect {
            icp_sql::DialectName::Spark => 1,
            _ => 0,
        }
    }

    /// Runs the cases in one Python process.
    fn run(&self, dir: &Path, cases: &[Case]) -> Vec<CaseResult> {
        let manifest: Vec<Json> = cases
            .iter()
            .map(|c| {
                json!({
                    "tables": c.tables.iter().map(|t| json!({
                        "name": t.name,
                        "path": t.path,
                        "columns": t.columns,
                    })).collect::<Vec<_>>(),
                    "queries": c.queries,
                })
            })
            .collect();
        let manifest_path = dir.join("manifest.json");
        let results_path = dir.join("results.json");
        std::fs::write(&manifest_path, Json::Array(manifest).to_string()).expect("manifest");
        let output = std::process::Command::new(&self.python)
            .arg(&self.script)
            .arg(&manifest_path)
            .arg(&results_path)
            .output()
            .expect("python runs");
        assert!(
            output.status.success(),
            "{} failed:\n{}",
            self.script.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        let text = std::fs::read_to_string(&results_path).expect("results");
        let results: Vec<Json> = serde_json::from_str(&text).expect("results are JSON");
        results
            .into_iter()
            .map(|r| match r.get("error") {
                Some(e) => Err(e.as_str().unwrap_or_default().to_string()),
                None => Ok(serde_json::from_value(r["rows"].clone()).expect("rows")),
            })
            .collect()
    }
}
