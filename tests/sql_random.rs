//! The differential cases of `icp compile` shared by every executed dialect (`sql_duckdb.rs`,
//! `sql_spark.rs`): a rule set's source with its leads and as-of date ([`Generated`], random
//! from the evaluator property test's generator or written by hand), compiled for a dialect
//! with `--all` and without, run by a database through a runner of `sql_harness`, and every
//! row compared with `icp score`'s. How many random cases: `ICP_SQL_CASES`, else the test's
//! own default.

use std::path::Path;

use icp_diagnostics::SourceMap;
use icp_engine::plan::Plan;
use icp_engine::{Entity, SignalCatalog, Value};
use icp_io::write::{OutputFormat, RowFormatter, WriteOptions};
use icp_sql::DialectName;
use icp_tests::rule_gen::{Row as GenRow, leads, rule_set, schema};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use crate::sql_harness::{
    Case, CaseRows, difference, expected_rows, lead_tables_in, query_rows, sorted,
};

/// A case: the rules' source, the leads and the as-of date.
pub struct Generated {
    pub src: String,
    /// As `icp score` reads them.
    pub leads: Vec<icp_tests::LeadValues>,
    /// As generated, for the typed tables.
    pub tables: Vec<icp_tests::LeadValues>,
    pub today: i32,
    pub rules: icp_engine::ir::RuleSet,
}

impl Generated {
    /// A case from rules written in the generator's schema, leads as field names and values
    /// (the tables hold them as given; `icp score` reads them as a file's cells would be read).
    pub fn new(src: String, raw: &[(GenRow, Vec<GenRow>)], today: i32) -> Generated {
        let schema = schema();
        let mut sources = SourceMap::new();
        sources.add("random.icp", src.clone());
        let compiled = icp_engine::compile(&sources, &schema, &SignalCatalog::new());
        let rules = compiled
            .rules
            .unwrap_or_else(|| panic!("the case's rules must check:\n{src}"));
        let leads_as = |read: fn(&Value) -> Option<Value>| {
            let field = |entity, (name, value): &(&str, Value)| {
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

    /// `icp score`'s JSON Lines rows of the leads, all ICPs or the best.
    fn score_rows(&self, all: bool) -> String {
        let plan = Plan::new(&self.rules);
        let (batch, _) = icp_tests::batch_and_reference(&self.rules, &self.leads, self.today);
        let results =
            icp_engine::eval::columnar::evaluate_columns(&self.rules, &plan, &batch, self.today);
        let formatter = RowFormatter::new(
            &self.rules.schema,
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
}

/// How many random cases a test runs: `ICP_SQL_CASES`, else `default`.
pub fn cases_wanted(default: usize) -> usize {
    std::env::var("ICP_SQL_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

/// A value as the lead readers keep a cell holding it: text trimmed, a missing-value token
/// or empty text missing, list items so, an empty list missing.
fn as_read(v: &Value) -> Option<Value> {
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

fn options(dialect: DialectName, today: i32, all: bool) -> icp_sql::Options {
    let mut options = icp_sql::Options::new(dialect);
    options.contacts_table = Some("contacts".into());
    options.contacts_order = Some("ord".into());
    options.as_of = Some(today);
    options.all = all;
    options
}

/// The random cases of the generator, in a fixed order (a deterministic RNG).
pub struct RandomCases(TestRunner);

impl RandomCases {
    pub fn new() -> RandomCases {
        RandomCases(TestRunner::new_with_rng(
            Config::default(),
            TestRng::deterministic_rng(RngAlgorithm::ChaCha),
        ))
    }
}

impl Iterator for RandomCases {
    type Item = Generated;

    fn next(&mut self) -> Option<Generated> {
        let strategy = (rule_set(), leads(), 19_500i32..20_500);
        let (src, raw, today) = strategy.new_tree(&mut self.0).expect("a case").current();
        Some(Generated::new(src, &raw, today))
    }
}

/// The directory cases are written under: `ICP_SQL_KEEP=DIR` keeps them (tables, queries,
/// rules) there to run by hand, else a temporary one.
pub fn case_root() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = std::env::var_os("ICP_SQL_KEEP")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().to_path_buf());
    (dir, root)
}

/// Compiles `cases` for `dialect` (numbered from `first` under `root`), runs them all with
/// `run` at once and panics at the first row that differs from `icp score`'s.
pub fn check(
    dialect: DialectName,
    root: &Path,
    first: usize,
    generated: &[Generated],
    run: &dyn Fn(&Path, &[Case]) -> Vec<CaseRows>,
) {
    let mut cases = Vec::new();
    for (i, g) in generated.iter().enumerate() {
        let case_dir = root.join(format!("case{}", first + i));
        std::fs::create_dir_all(&case_dir).expect("case dir");
        let queries = [true, false]
            .map(|all| {
                icp_sql::compile(&g.rules, &options(dialect, g.today, all))
                    .unwrap_or_else(|e| panic!("{e}\nrules:\n{}", g.src))
            })
            .to_vec();
        for (q, sql) in queries.iter().enumerate() {
            std::fs::write(case_dir.join(format!("query{q}.sql")), sql).expect("query");
        }
        std::fs::write(case_dir.join("rules.icp"), &g.src).expect("rules");
        cases.push(Case {
            tables: lead_tables_in(dialect, &case_dir, &g.rules, &g.tables),
            queries,
        });
    }
    let results = run(root, &cases);
    for (n, ((g, result), case)) in generated.iter().zip(results).zip(&cases).enumerate() {
        let rows = result.unwrap_or_else(|e| {
            panic!(
                "{dialect} refused the query of case {}: {e}\nrules:\n{}\nquery:\n{}",
                first + n,
                g.src,
                case.queries[0]
            )
        });
        for (q, all) in [true, false].into_iter().enumerate() {
            let want = sorted(expected_rows(&g.score_rows(all)));
            let got = sorted(query_rows(&rows[q]));
            if let Some(diff) = difference(&want, &got) {
                panic!(
                    "case {} in {dialect}: {diff}\n(--all: {all}, as of {})\nrules:\n{}\nleads: {:?}",
                    first + n,
                    g.today,
                    g.src,
                    g.leads
                );
            }
        }
    }
}
