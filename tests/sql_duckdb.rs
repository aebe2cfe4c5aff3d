//! The SQL `icp compile` writes, executed by DuckDB, returns what `icp score` writes, row by
//! row and column by column: random rule sets of the evaluator property test's generator
//! (`rule_gen`) on random leads with contacts and missing values loaded as typed tables, with
//! `--all` (every ICP) and without (the best ICP). `ICP_SQL_CASES` sets how many rule sets
//! (default 10, to keep CI quick: each case takes DuckDB a few seconds to plan; set it higher for a longer run).
//! DuckDB runs in one Python process per batch (`tests/sql/run_queries.py`, with the pinned
//! `duckdb`).

mod sql_harness;

use std::path::Path;

use serde_json::{Value as Json, json};
use sql_harness::{Case, CaseResult, Engine};

/// DuckDB, through Python's pinned `duckdb`.
struct DuckDb;

impl Engine for DuckDb {
    fn dialect(&self) -> icp_sql::DialectName {
        icp_sql::DialectName::DuckDb
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
        let python = icp_benches::python_with_engines();
        let script = icp_tests::workspace().join("tests/sql/run_queries.py");
        let output = std::process::Command::new(python)
            .arg(script)
            .arg(&manifest_path)
            .arg(&results_path)
            .output()
            .expect("python runs");
        assert!(
            output.status.success(),
            "run_queries.py failed:\n{}",
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

#[test]
fn random_rule_sets_give_icp_scores_rows_in_duckdb() {
    sql_harness::random::random_rule_sets_match(&DuckDb, 10);
}
