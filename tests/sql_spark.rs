//! The SQL `icp compile --dialect spark` writes, executed by a real local Spark (PySpark from
//! PyPI, `scripts/python-deps.sh --spark`; Java 17), returns what `icp score` writes, row by
//! row and column by column: the random rule sets and leads of `sql_duckdb.rs` (the evaluator
//! property test's generator), then focused cases for what Spark does its own way (Java
//! regular expressions, `LOWER` beyond ASCII, …). One Spark session runs every case
//! (`tests/sql/run_spark.py`: typed tables from JSON Lines with an explicit schema, ANSI mode
//! on and off in turn). `ICP_SQL_CASES` sets how many random rule sets (default
//! [`CI_CASES`]); `scripts/spark-differential.sh` runs the long version.

#[allow(dead_code)] // the harness serves several test binaries; each uses a part of it
mod sql_harness;

use icp_engine::Value;
use sql_harness::python::PythonEngine;
use sql_harness::random::{
    Generated, case_of, cases_dir, cases_wanted, domain_case, random_cases, run_and_compare,
};

/// Random rule sets in CI: kept low until measured (each case is two queries Spark plans and
/// generates code for; the issue's "few hundred" waits for a figure per case on an idle host).
const CI_CASES: usize = 10;

#[test]
fn random_rule_sets_give_icp_scores_rows_in_spark() {
    let wanted = cases_wanted(CI_CASES);
    let (_dir, root) = cases_dir();
    let mut generated = focused();
    generated.extend(random_cases(wanted));
    run_and_compare(
        &PythonEngine::spark("tests/sql/run_spark.py"),
        &root,
        generated,
    );
}

/// Hand-written cases for what the generator's leads never hold: text beyond ASCII under
/// Java's regular expressions (`\w`, `\s`, `\d`, `\b`, `.` and `i` as Rust's `regex` reads
/// them), Spark's `LOWER` and `SIZE` of a missing list.
fn focused() -> Vec<Generated> {
    let rules = r#"
icp unicode "Unicode text" {
  score 1 "word" when company.name matches /^\w+$/
  score 2 "space" when company.name matches /école\snord/i
  score 4 "dot" when company.name matches /^a.b$/
  score 8 "case" when company.name matches /^ÉCOLE/i
  score 16 "digits" when company.name matches /^\d+$/
  score 32 "boundary" when company.name matches /\bsão\b/i
  score 64 "sigma" when company.name == "οδος"
  score 128 "list" when company.technologies matches /^straße$/i
  score 256 "length" when len(company.technologies) < 1
  tier A when score >= 8
  tier B otherwise
}
"#;
    let names = [
        "Zürich",
        "École\u{2003}Nord",
        "a\u{2028}b",
        "a\rb",
        "ÉCOLE du Nord",
        "\u{663}\u{664}\u{665}",
        "São Paulo",
        "Grão-Pará SA",
        "ΟΔΟΣ",
        "İstanbul",
        "STRASSE",
    ];
    // A lead without technologies: Spark's `SIZE(NULL)` is -1 with ANSI mode off, where
    // `len` of a missing list is unknown.
    let no_list = (vec![("name", Value::String("No list".into()))], Vec::new());
    let leads: Vec<_> = names
        .iter()
        .map(|name| {
            let company = vec![
                ("name", Value::String(name.to_string())),
                (
                    "technologies",
                    Value::List(vec![Value::String("STRAẞE".into())]),
                ),
            ];
            (company, Vec::new())
        })
        .chain([no_list])
        .collect();
    vec![case_of(rules.to_string(), &leads, 20_000), domain_case()]
}

/// The PySpark snippet of docs/warehouses.md ("Spark"), run as it is written there over
/// Parquet tables of a random case, gives `icp score`'s rows.
#[test]
fn the_pyspark_snippet_of_the_docs_gives_icp_scores_rows() {
    let docs = std::fs::read_to_string(icp_tests::workspace().join("docs/warehouses.md"))
        .expect("docs/warehouses.md");
    let spark = &docs[docs.find("## Spark").expect("a Spark section")..];
    let start = spark.find("```python\n").expect("a PySpark snippet") + "```python\n".len();
    let snippet = &spark[start..start + spark[start..].find("```").expect("its end")];
    let (_dir, root) = cases_dir();
    std::fs::create_dir_all(&root).expect("case root");
    std::fs::write(root.join("snippet.py"), snippet).expect("snippet");
    run_and_compare(
        &PythonEngine::spark("tests/sql/run_snippet.py"),
        &root,
        random_cases(1),
    );
}
