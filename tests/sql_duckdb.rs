//! The SQL `icp compile` writes, executed by DuckDB, returns what `icp score` writes, row by
//! row and column by column: random rule sets of the evaluator property test's generator
//! (`rule_gen`) on random leads with contacts and missing values loaded as typed tables, with
//! `--all` (every ICP) and without (the best ICP). `ICP_SQL_CASES` sets how many rule sets
//! (default 10, to keep CI quick: each case takes DuckDB a few seconds to plan; set it higher for a longer run).

mod sql_harness;

use icp_diagnostics::SourceMap;
use icp_engine::plan::Plan;
use icp_engine::{Entity, SignalCatalog};
use icp_io::write::{OutputFormat, RowFormatter, WriteOptions};
use icp_tests::rule_gen::{leads, rule_set, schema};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use sql_harness::{Case, difference, expected_rows, lead_tables, query_rows, sorted};

/// A generated case: the rules' source, the leads and the as-of date.
struct Generated {
    src: String,
    /// As `icp score` reads them.
    leads: Vec<icp_tests::LeadValues>,
    /// As generated, for the typed tables.
    tables: Vec<icp_tests::LeadValues>,
    today: i32,
    rules: icp_engine::ir::RuleSet,
}

fn cases_wanted() -> usize {
    std::env::var("ICP_SQL_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10)
}

/// `icp score`'s JSON Lines rows of the leads, all ICPs or the best.
fn score_rows(g: &Generated, all: bool) -> String {
    let plan = Plan::new(&g.rules);
    let (batch, _) = icp_tests::batch_and_reference(&g.rules, &g.leads, g.today);
    let results = icp_engine::eval::columnar::evaluate_columns(&g.rules, &plan, &batch, g.today);
    let formatter = RowFormatter::new(
        &g.rules.schema,
        WriteOptions {
            format: OutputFormat::JsonLines,
            all,
            explain: false,
        },
    );
    let mut out = Vec::new();
    formatter
        .format_batch(&batch, &results, &mut out)
        .expect("rows");
    String::from_utf8(out).expect("UTF-8")
}

fn generate(runner: &mut TestRunner) -> Generated {
    let strategy = (rule_set(), leads(), 19_500i32..20_500);
    let (src, raw, today) = strategy.new_tree(runner).expect("a case").current();
    let schema = schema();
    let mut sources = SourceMap::new();
    sources.add("random.icp", src.clone());
    let compiled = icp_engine::compile(&sources, &schema, &SignalCatalog::new());
    let rules = compiled
        .rules
        .unwrap_or_else(|| panic!("generated rules must check:\n{src}"));
    // The values as `icp score` reads them from a file (trimmed, missing tokens missing);
    // the typed tables hold them as generated, for the query to read the same way.
    let leads_as = |read: fn(&icp_engine::Value) -> Option<icp_engine::Value>| {
        let field = |entity, (name, value): &(&str, icp_engine::Value)| {
            let f = rules.schema.lookup(entity, name).expect("a field");
            read(value).map(|v| (f, v))
        };
        raw.iter()
            .map(|(company, contacts)| {
                (
                    company
                        .iter()
                        .filter_map(|v| field(Entity::Company, v))
                        .collect(),
                    contacts
                        .iter()
                        .map(|c| c.iter().filter_map(|v| field(Entity::Contact, v)).collect())
                        .collect(),
                )
            })
            .collect::<Vec<icp_tests::LeadValues>>()
    };
    let leads = leads_as(as_read);
    let tables = leads_as(|v| Some(v.clone()));
    Generated {
        src,
        leads,
        tables,
        today,
        rules,
    }
}

/// A value as the lead readers keep a cell holding it: text trimmed, a missing-value token
/// or empty text missing, list items so, an empty list missing.
fn as_read(v: &icp_engine::Value) -> Option<icp_engine::Value> {
    use icp_engine::Value;
    match v {
        Value::String(s) => {
            let t = s.trim();
            (!icp_io::parse::is_missing(t)).then(|| Value::String(t.to_string()))
        }
        Value::List(items) => {
            let kept: Vec<Value> = items.iter().filter_map(as_read).collect();
            (!kept.is_empty()).then_some(Value::List(kept))
        }
        other => Some(other.clone()),
    }
}

fn options(today: i32, all: bool) -> icp_sql::Options {
    let mut options = icp_sql::Options::new(icp_sql::DialectName::DuckDb);
    options.contacts_table = Some("contacts".into());
    options.contacts_order = Some("ord".into());
    options.as_of = Some(today);
    options.all = all;
    options
}

#[test]
fn random_rule_sets_give_icp_scores_rows_in_duckdb() {
    let wanted = cases_wanted();
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    let dir = tempfile::tempdir().expect("temp dir");
    // `ICP_SQL_KEEP=DIR` keeps the cases (tables, queries) there, to run them by hand.
    let kept = std::env::var_os("ICP_SQL_KEEP").map(std::path::PathBuf::from);
    let root = kept.as_deref().unwrap_or(dir.path());
    // Batches of cases, each batch one Python process.
    let batch = 100;
    let mut done = 0;
    while done < wanted {
        let n = batch.min(wanted - done);
        let mut generated = Vec::new();
        let mut cases = Vec::new();
        for i in 0..n {
            let g = generate(&mut runner);
            let case_dir = root.join(format!("case{}", done + i));
            std::fs::create_dir_all(&case_dir).expect("case dir");
            let queries = [true, false]
                .map(|all| {
                    icp_sql::compile(&g.rules, &options(g.today, all))
                        .unwrap_or_else(|e| panic!("{e}\nrules:\n{}", g.src))
                })
                .to_vec();
            for (q, sql) in queries.iter().enumerate() {
                std::fs::write(case_dir.join(format!("query{q}.sql")), sql).expect("query");
            }
            std::fs::write(case_dir.join("rules.icp"), &g.src).expect("rules");
            cases.push(Case {
                tables: lead_tables(&case_dir, &g.rules, &g.tables),
                queries,
            });
            generated.push(g);
        }
        let results = sql_harness::run(root, &cases);
        for ((g, result), case) in generated.iter().zip(results).zip(&cases) {
            let rows = result.unwrap_or_else(|e| {
                panic!(
                    "DuckDB refused the query: {e}\nrules:\n{}\nquery:\n{}",
                    g.src, case.queries[0]
                )
            });
            for (q, all) in [true, false].into_iter().enumerate() {
                let want = sorted(expected_rows(&score_rows(g, all)));
                let got = sorted(query_rows(&rows[q]));
                if let Some(diff) = difference(&want, &got) {
                    panic!(
                        "{diff}\n(--all: {all}, as of {})\nrules:\n{}\nleads: {:?}",
                        g.today, g.src, g.leads
                    );
                }
            }
        }
        done += n;
    }
}
