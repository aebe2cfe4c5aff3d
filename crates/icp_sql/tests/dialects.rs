//! The SQL of each dialect for a small rule file touching every construct (`small.icp`), as
//! snapshots, and parsed by `sqlparser` with that dialect's grammar — the only check possible
//! here for BigQuery and Snowflake, which cannot run on this machine — plus the compile
//! errors: a relative threshold, a signal without a signals table, a flag a dialect lacks.

use icp_diagnostics::SourceMap;
use icp_engine::ir::RuleSet;
use icp_engine::{Entity, Schema, SignalCatalog};
use icp_sql::{DialectName, Options};
use sqlparser::dialect::{
    BigQueryDialect, Dialect as ParserDialect, DuckDbDialect, HiveDialect, PostgreSqlDialect,
    SnowflakeDialect,
};

fn rules_of(src: &str) -> RuleSet {
    let mut schema = Schema::canonical();
    schema
        .add_custom(Entity::Company, "last_seen", "date")
        .expect("a custom field");
    let mut sources = SourceMap::new();
    sources.add("small.icp", src.to_string());
    let compiled = icp_engine::compile(&sources, &schema, &SignalCatalog::new());
    compiled.rules.unwrap_or_else(|| {
        panic!(
            "{}",
            icp_diagnostics::render_text(&sources, &compiled.diagnostics, false)
        )
    })
}

fn small() -> RuleSet {
    rules_of(include_str!("small.icp"))
}

fn options(dialect: DialectName) -> Options {
    let mut options = Options::new(dialect);
    options.contacts_table = Some("crm.contacts".into());
    options.contacts_order = Some("position".into());
    options.as_of = Some(20_500);
    options
}

fn parser(dialect: DialectName) -> Box<dyn ParserDialect> {
    match dialect {
        DialectName::DuckDb => Box::new(DuckDbDialect {}),
        DialectName::Spark => Box::new(HiveDialect {}),
        DialectName::Postgres => Box::new(PostgreSqlDialect {}),
        DialectName::BigQuery => Box::new(BigQueryDialect {}),
        DialectName::Snowflake => Box::new(SnowflakeDialect {}),
    }
}

#[test]
fn each_dialect_compiles_the_small_rule_file() {
    let rules = small();
    for dialect in DialectName::ALL {
        let sql = icp_sql::compile(&rules, &options(dialect)).expect("compiles");
        insta::assert_snapshot!(format!("small_{dialect}"), sql);
    }
}

#[test]
fn bigquery_and_snowflake_output_parses_with_their_grammars() {
    let rules = small();
    for dialect in [
        DialectName::BigQuery,
        DialectName::Snowflake,
        DialectName::Postgres,
    ] {
        for all in [false, true] {
            let mut options = options(dialect);
            options.all = all;
            options.view = Some("analytics.icp_scores".into());
            let sql = icp_sql::compile(&rules, &options).expect("compiles");
            let parsed = sqlparser::parser::Parser::parse_sql(&*parser(dialect), &sql);
            assert!(parsed.is_ok(), "{dialect}: {:?}\n{sql}", parsed.err());
        }
    }
}

/// A domain field is normalised in SQL: the query of every dialect that cannot run here
/// still parses with its grammar (DuckDB, Spark and Postgres run it in `tests/`).
#[test]
fn a_domain_rule_compiles_and_parses_in_every_dialect() {
    let rules = rules_of(
        "icp d {\n  score 1 \"acme\" when company.domain == \"acme.com\"\n  tier A when score >= 1\n  tier B otherwise\n}\n",
    );
    for dialect in [
        DialectName::BigQuery,
        DialectName::Snowflake,
        DialectName::Postgres,
    ] {
        let sql = icp_sql::compile(&rules, &options(dialect)).expect("compiles");
        assert!(
            sql.contains("www[.]"),
            "{dialect}: the domain is normalised"
        );
        let parsed = sqlparser::parser::Parser::parse_sql(&*parser(dialect), &sql);
        assert!(parsed.is_ok(), "{dialect}: {:?}", parsed.err());
    }
}

#[test]
fn the_schema_lists_the_typed_columns_each_dialect_reads() {
    let rules = small();
    for dialect in DialectName::ALL {
        let text = icp_sql::schema_text(&rules, &options(dialect)).expect("a schema");
        insta::assert_snapshot!(format!("schema_{dialect}"), text);
    }
}

#[test]
fn a_relative_threshold_is_a_clear_compile_error() {
    let rules = rules_of(
        "icp r {\n  score 10 \"big\" when company.employees > percentile(company.employees, 90)\n  tier A when score >= 10\n}\n",
    );
    let err = icp_sql::compile(&rules, &options(DialectName::DuckDb)).expect_err("refused");
    assert_eq!(err.code, "E0050");
    assert!(err.message.contains("relative thresholds"), "{err}");
    assert!(err.message.contains("duckdb"), "{err}");
}

#[test]
fn a_flag_a_dialect_lacks_is_a_clear_compile_error() {
    let rules = rules_of("icp r {\n  require company.name matches /a c m e/x\n}\n");
    let err = icp_sql::compile(&rules, &options(DialectName::DuckDb)).expect_err("refused");
    assert_eq!(err.code, "E0050");
    assert!(
        err.message.contains("flag `x`") && err.message.contains("duckdb"),
        "{err}"
    );
    let err = icp_sql::compile(&rules, &options(DialectName::Postgres)).expect_err("refused");
    assert!(err.message.contains("postgres"), "{err}");
}

/// Java's engine reads `\w`, `\s`, `\d`, `\b` and `i` as ASCII and ends lines at `\r`, U+0085,
/// U+2028 and U+2029 too, unless told (`U`, `d`); Rust's `regex` (icp score) does neither.
#[test]
fn spark_regexes_read_unicode_classes_and_only_newline_ends_a_line() {
    let rules = rules_of("icp r {\n  require company.name matches /^\\w+$/i\n}\n");
    let sql = icp_sql::compile(&rules, &options(DialectName::Spark)).expect("compiles");
    assert!(sql.contains(r"RLIKE '(?dUi)^\\w+$'"), "{sql}");
    let rules = rules_of("icp r {\n  require company.name matches /a.b/\n}\n");
    let sql = icp_sql::compile(&rules, &options(DialectName::Spark)).expect("compiles");
    assert!(sql.contains("RLIKE '(?dU)a.b'"), "{sql}");
    let rules = rules_of("icp r {\n  require company.name matches /a c m e/x\n}\n");
    let err = icp_sql::compile(&rules, &options(DialectName::Spark)).expect_err("refused");
    assert!(
        err.message.contains("flag `x`") && err.message.contains("spark"),
        "{err}"
    );
}

#[test]
fn the_dbt_model_documents_and_tests_the_columns() {
    let rules = small();
    let (sql, yml) =
        icp_sql::dbt::model(&rules, &options(DialectName::Snowflake)).expect("a model");
    assert!(sql.contains("{{ source('icp', 'companies') }}"), "{sql}");
    // crm.contacts is in a schema of its own, so a source of its own.
    assert!(sql.contains("{{ source('icp_crm', 'contacts') }}"), "{sql}");
    insta::assert_snapshot!("dbt_schema_yml", yml);
}

#[test]
fn rule_text_that_looks_like_jinja_is_kept_raw_in_the_dbt_model() {
    let rules = rules_of(
        "icp r {\n  require company.name matches /^a{2,}$/\n  score 5 \"{{ not jinja }} {% x %}\" when company.employees > 10\n}\n",
    );
    let (sql, _) = icp_sql::dbt::model(&rules, &options(DialectName::DuckDb)).expect("a model");
    let body = sql.split_once('\n').expect("the config line").1;
    assert!(body.starts_with("\n{% raw %}"), "{sql}");
    assert!(body.trim_end().ends_with("{% endraw %}"), "{sql}");
    assert!(
        sql.contains("{% endraw %}{{ source('icp', 'companies') }}{% raw %}"),
        "{sql}"
    );
    // Without such text the model has no raw blocks.
    let (plain, _) = icp_sql::dbt::model(&small(), &options(DialectName::DuckDb)).expect("a model");
    assert!(!plain.contains("{% raw %}"), "{plain}");
}

/// BigQuery raises an error where finite doubles overflow; `icp score` makes the result
/// unknown. Every operation is a `SAFE_` function, whose `NULL` is unknown.
#[test]
fn bigquery_arithmetic_cannot_raise_an_overflow_error() {
    let rules = rules_of(
        "icp a {\n  score 1 \"big\" when company.revenue * 1000B + company.employees - 1 > 0\n  score 1 \"per head\" when company.revenue / company.employees > 1M\n  tier A when score >= 1\n  tier B otherwise\n}\n",
    );
    let sql = icp_sql::compile(&rules, &options(DialectName::BigQuery)).expect("compiles");
    for function in [
        "SAFE_MULTIPLY(",
        "SAFE_ADD(",
        "SAFE_SUBTRACT(",
        "SAFE_DIVIDE(",
    ] {
        assert!(sql.contains(function), "{function} missing:\n{sql}");
    }
    let parsed = sqlparser::parser::Parser::parse_sql(&*parser(DialectName::BigQuery), &sql);
    assert!(parsed.is_ok(), "{:?}", parsed.err());
}
