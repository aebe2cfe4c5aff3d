//! Random cases for the differential tests of `icp compile`: rule sets of the evaluator
//! property test's generator (`rule_gen`) on random leads with contacts and missing values,
//! compiled for an [`Engine`]'s dialect with `--all` (every ICP) and without (the best ICP),
//! run by the engine, and every column of every row compared with what `icp score` writes.
//!
//! How it works: a deterministic proptest runner draws the cases (the same sequence for every
//! engine), in batches of 100 handed to the engine at once; `ICP_SQL_CASES` sets how many
//! cases run (each test names its own default, to keep CI quick) and `ICP_SQL_KEEP=DIR` keeps
//! every case's tables, rules and queries there, to run them by hand.

use std::path::Path;

use icp_diagnostics::SourceMap;
use icp_engine::plan::Plan;
use icp_engine::{Entity, SignalCatalog};
use icp_io::write::{OutputFormat, RowFormatter, WriteOptions};
use icp_tests::rule_gen::{Row, leads, rule_set, schema};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use super::{Case, Engine, difference_within, expected_rows, lead_tables, query_rows, sorted};

/// A generated case: the rules' source, the leads and the as-of date.
pub struct Generated {
    pub src: String,
    /// As `icp score` reads them.
    pub leads: Vec<icp_tests::LeadValues>,
    /// As generated, for the typed tables.
    pub tables: Vec<icp_tests::LeadValues>,
    pub today: i32,
    pub rules: icp_engine::ir::RuleSet,
}

/// `ICP_SQL_CASES`, else `default`.
pub fn cases_wanted(default: usize) -> usize {
    std::env::var("ICP_SQL_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

/// `icp score`'s JSON Lines rows of the leads, all ICPs or the best.
pub fn score_rows(
    rules: &icp_engine::ir::RuleSet,
    leads: &[icp_tests::LeadValues],
    today: i32,
    all: bool,
) -> String {
    let plan = Plan::new(rules);
    let (batch, _) = icp_tests::batch_and_reference(rules, leads, today);
    let results = icp_engine::eval::columnar::evaluate_columns(rules, &plan, &batch, today);
    let formatter = RowFormatter::new(
        &rules.schema,
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

/// Draws one case.
pub fn generate(runner: &mut TestRunner) -> Generated {
    let strategy = (rule_set(), leads(), 19_500i32..20_500);
    let (src, raw, today) = strategy.new_tree(runner).expect("a case").current();
    case_of(src, &raw, today)
}

/// The case of rules `src` (over `rule_gen`'s schema) and leads `raw` (field names and
/// values as the typed tables hold them) on day `today`.
pub fn case_of(src: String, raw: &[(Row, Vec<Row>)], today: i32) -> Generated {
    let schema = schema();
    let mut sources = SourceMap::new();
    sources.add("random.icp", src.clone());
    let compiled = icp_engine::compile(&sources, &schema, &SignalCatalog::new());
    let rules = compiled.rules.unwrap_or_else(|| {
        panic!(
            "the case's rules must check:\n{src}\n{}",
            icp_diagnostics::render_text(&sources, &compiled.diagnostics, false)
        )
    });
    // The values as `icp score` reads them from a file (trimmed, missing tokens missing,
    // domains normalised); the typed tables hold them as generated, for the query to read
    // the same way.
    type Read = fn(&icp_engine::FieldDef, &icp_engine::Value) -> Option<icp_engine::Value>;
    let leads_as = |read: Read| {
        let field = |entity, (name, value): &(&str, icp_engine::Value)| {
            let f = rules.schema.lookup(entity, name).expect("a field");
            read(rules.schema.field(f), value).map(|v| (f, v))
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
    let tables = leads_as(|_, v| Some(v.clone()));
    Generated {
        src,
        leads,
        tables,
        today,
        rules,
    }
}

/// A value as `icp score` reads a JSON Lines cell holding it, with its field's kind: text
/// trimmed, a missing-value token or empty text missing, list items so, an empty list
/// missing, a domain normalised (`https://www.Acme.com/x` is `acme.com`, text that is no
/// domain missing).
pub fn as_read(def: &icp_engine::FieldDef, v: &icp_engine::Value) -> Option<icp_engine::Value> {
    use icp_io::parse::{Kind, Parsed, parse_json};
    match parse_json(Kind::for_field(def), &super::json_value(v), ";") {
        Parsed::Value(v) => Some(v),
        Parsed::Missing | Parsed::Invalid => None,
    }
}

/// What the differential tests compile: contacts ordered by `ord`, `today` fixed.
pub fn options(dialect: icp_sql::DialectName, today: i32, all: bool) -> icp_sql::Options {
    let mut options = icp_sql::Options::new(dialect);
    options.contacts_table = Some("contacts".into());
    options.contacts_order = Some("ord".into());
    options.as_of = Some(today);
    options.all = all;
    options
}

/// The compiled queries of a case, `--all` first, written into `case_dir` with the rules.
pub fn compiled_queries(
    case_dir: &Path,
    rules: &icp_engine::ir::RuleSet,
    src: &str,
    dialect: icp_sql::DialectName,
    today: i32,
) -> Vec<String> {
    let queries = [true, false]
        .map(|all| {
            icp_sql::compile(rules, &options(dialect, today, all))
                .unwrap_or_else(|e| panic!("{e}\nrules:\n{src}"))
        })
        .to_vec();
    for (q, sql) in queries.iter().enumerate() {
        std::fs::write(case_dir.join(format!("query{q}.sql")), sql).expect("query");
    }
    std::fs::write(case_dir.join("rules.icp"), src).expect("rules");
    queries
}

/// Panics with the first difference between a case's query rows (`--all` first) and
/// `icp score`'s rows of the same leads.
pub fn assert_same_rows(
    engine: &dyn Engine,
    case: &Case,
    result: super::CaseResult,
    rules: &icp_engine::ir::RuleSet,
    src: &str,
    leads: &[icp_tests::LeadValues],
    today: i32,
) {
    let dialect = engine.dialect();
    let rows = result.unwrap_or_else(|e| {
        panic!(
            "{dialect} refused the query: {e}\nrules:\n{src}\nquery:\n{}",
            case.queries[0]
        )
    });
    for (q, all) in [true, false].into_iter().enumerate() {
        let want = sorted(expected_rows(&score_rows(rules, leads, today, all)));
        let got = sorted(query_rows(&rows[q]));
        if let Some(diff) = difference_within(&want, &got, engine.float_ulps()) {
            panic!(
                "{diff}\n({dialect}, --all: {all}, as of {today})\nrules:\n{src}\nleads: {leads:?}"
            );
        }
    }
}

/// Runs the cases through `engine` in batches of 100, their files under `root`, and
/// compares each with `icp score`.
pub fn run_and_compare(
    engine: &dyn Engine,
    root: &Path,
    cases: impl IntoIterator<Item = Generated>,
) {
    let dialect = engine.dialect();
    let mut cases = cases.into_iter().enumerate().peekable();
    while cases.peek().is_some() {
        let generated: Vec<(usize, Generated)> = cases.by_ref().take(100).collect();
        let compiled: Vec<Case> = generated
            .iter()
            .map(|(i, g)| {
                let case_dir = root.join(format!("case{i}"));
                std::fs::create_dir_all(&case_dir).expect("case dir");
                Case {
                    queries: compiled_queries(&case_dir, &g.rules, &g.src, dialect, g.today),
                    tables: lead_tables(&case_dir, &g.rules, &g.tables, dialect),
                }
            })
            .collect();
        let results = engine.run(root, &compiled);
        for (((_, g), result), case) in generated.iter().zip(results).zip(&compiled) {
            assert_same_rows(engine, case, result, &g.rules, &g.src, &g.leads, g.today);
        }
    }
}

/// The directory for a test's cases: `ICP_SQL_KEEP`, else a temporary one.
pub fn cases_dir() -> (Option<tempfile::TempDir>, std::path::PathBuf) {
    match std::env::var_os("ICP_SQL_KEEP") {
        Some(kept) => (None, kept.into()),
        None => {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().to_path_buf();
            (Some(dir), path)
        }
    }
}

/// The first `n` random cases, the same sequence for every engine.
pub fn random_cases(n: usize) -> Vec<Generated> {
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    (0..n).map(|_| generate(&mut runner)).collect()
}

/// Runs `ICP_SQL_CASES` random cases (else `default_cases`) through `engine`.
pub fn random_rule_sets_match(engine: &dyn Engine, default_cases: usize) {
    let (_dir, root) = cases_dir();
    run_and_compare(engine, &root, random_cases(cases_wanted(default_cases)));
}

/// Web domains as exports hold them, with rules that compare them: the compiled query must
/// read them as `icp score` does (the DuckDB and Spark tests).
pub fn domain_case() -> Generated {
    let rules = r#"
icp domains "Domains" {
  score 1 "acme" when company.domain == "acme.com"
  score 2 "german" when company.domain matches /\.de$/
  score 4 "known" when company.domain is present
  tier A when score >= 2
  tier B otherwise
}
"#;
    let domains = [
        "https://www.Acme.com./about",
        "ACME.com",
        "acme.com",
        "www.acme.com",
        "http://user:pw@acme.com:8080/x?y#z",
        "mailto:sales@acme.com",
        "//acme.com",
        "a:/:/://acme.com",
        "not a domain",
        "acme",
        "a..b.com",
        "-acme.com",
        "ünï.de",
        "a\u{301}.de",
        "acme.com\n/x",
        "https://",
        "n/a",
        "  Straße.DE  ",
    ];
    let leads: Vec<_> = domains
        .iter()
        .map(|d| {
            let company = vec![
                ("name", icp_engine::Value::String(format!("lead {d}"))),
                ("domain", icp_engine::Value::String(d.to_string())),
            ];
            (company, Vec::new())
        })
        .collect();
    case_of(rules.to_string(), &leads, 20_000)
}
