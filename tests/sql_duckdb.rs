//! The SQL `icp compile` writes, executed by DuckDB, returns what `icp score` writes, row by
//! row and column by column: random rule sets of the evaluator property test's generator
//! (`rule_gen`) on random leads with contacts and missing values loaded as typed tables, with
//! `--all` (every ICP) and without (the best ICP). `ICP_SQL_CASES` sets how many rule sets
//! (default 10, to keep CI quick: each case takes DuckDB a few seconds to plan; set it higher for a longer run).
//! DuckDB runs in one Python process per batch (`sql_harness::python`).

#[allow(dead_code)] // the harness serves several test binaries; each uses a part of it
mod sql_harness;

use sql_harness::python::PythonEngine;
use sql_harness::random::{cases_dir, domain_case, run_and_compare};

#[test]
fn random_rule_sets_give_icp_scores_rows_in_duckdb() {
    sql_harness::random::random_rule_sets_match(&PythonEngine::duckdb(), 10);
}

/// Web domains as exports hold them: the compiled query reads them as `icp score` does
/// (`https://www.Acme.com./about` is `acme.com`; text that is no domain is missing).
#[test]
fn domains_are_read_as_icp_score_reads_them() {
    let (_dir, root) = cases_dir();
    run_and_compare(&PythonEngine::duckdb(), &root, vec![domain_case()]);
}
