//! The SQL `icp compile` writes, executed by DuckDB, returns what `icp score` writes, row by
//! row and column by column: random rule sets of the evaluator property test's generator
//! (`rule_gen`) on random leads with contacts and missing values loaded as typed tables, with
//! `--all` (every ICP) and without (the best ICP). `ICP_SQL_CASES` sets how many rule sets
//! (default 10, to keep CI quick: each case takes DuckDB a few seconds to plan; set it higher for a longer run).

mod sql_harness;
mod sql_random;

use icp_sql::DialectName;
use sql_random::{RandomCases, case_root, cases_wanted, check};

#[test]
fn random_rule_sets_give_icp_scores_rows_in_duckdb() {
    let wanted = cases_wanted(10);
    let (_dir, root) = case_root();
    let mut random = RandomCases::new();
    // Batches of cases, each batch one Python process.
    let batch = 100;
    let mut done = 0;
    while done < wanted {
        let generated: Vec<_> = random.by_ref().take(batch.min(wanted - done)).collect();
        check(
            DialectName::DuckDb,
            &root,
            done,
            &generated,
            &sql_harness::run,
        );
        done += generated.len();
    }
}
