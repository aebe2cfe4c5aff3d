//! A fuzzer for the rule pipeline: no text, however hostile, makes parsing, checking,
//! formatting, lowering, evaluating or explaining panic.
//!
//! How it works: `cargo fuzz` needs a nightly toolchain, so proptest drives the inputs
//! instead: random bytes, random tokens of the language, real rule files (`rules/`, `tests/`)
//! with token mutations (a token deleted, duplicated, swapped, inserted, or blown up to tens
//! of thousands of characters, see `mutate.rs`), two real files spliced together, and real
//! files with random bytes overwritten. Each input goes through [`pipeline`]: the parser;
//! the formatter, whose output must parse again to the same AST and format to itself; the
//! checker with the repository's schema and test signals, its diagnostics rendered as text
//! and JSON; and, for a rule set that checks, the plan, the `test` blocks, both evaluators
//! on a few leads (no values, ordinary values, and 70,000-character multi-byte text with
//! control characters and extreme numbers and dates) and every explanation of the results.
//!
//! The number of cases is `ICP_FUZZ_CASES` (default 256, a few seconds); a longer run is
//! `ICP_FUZZ_CASES=200000 cargo test --release -p icp_tests --test fuzz_rules`
//! (docs/testing.md). Findings are kept twice: proptest writes the seed of a failing case to
//! `fuzz_rules.proptest-regressions` (replayed first on every run), and the input itself
//! goes into `tests/fuzz/regressions/` as a `.icp` file, which [`regressions_never_panic`]
//! replays (and which `mutate.rs` then also takes as a seed).

use icp_diagnostics::SourceMap;
use icp_engine::plan::Plan;
use icp_engine::{Entity, FieldId, Scalar, Type, Value};
use icp_tests::{LeadValues, batch_and_reference, icp_files, lead_of, workspace};
use mutate::{INSERTS, apply, hostile_mutation, seeds};
use proptest::prelude::*;

mod mutate;

/// The day `today` stands for: 2024-10-04.
const TODAY: i32 = 20_000;

/// How many cases each property runs: `ICP_FUZZ_CASES`, else 256.
fn cases() -> u32 {
    std::env::var("ICP_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256)
}

/// Parse, format, check, lower, evaluate and explain `text`; panics only on a broken
/// promise (a panic inside, or formatting that changes the meaning).
fn pipeline(text: &str) {
    let mut sources = SourceMap::new();
    let id = sources.add("fuzz.icp", text);
    let ast = match icp_syntax::parse(id, text) {
        Ok(ast) => ast,
        Err(diagnostics) => {
            assert!(!diagnostics.is_empty(), "a failed parse has a diagnostic");
            let _ = icp_diagnostics::render_text(&sources, &diagnostics, true);
            let _ = icp_diagnostics::render_json(&sources, &diagnostics);
            return;
        }
    };
    assert_formatting_keeps_meaning(&ast, text);

    let compiled = icp_engine::compile(
        &sources,
        &icp_tests::project_schema(),
        &icp_tests::test_signals(),
    );
    let _ = icp_diagnostics::render_text(&sources, &compiled.diagnostics, true);
    let _ = icp_diagnostics::render_json(&sources, &compiled.diagnostics);
    let Some(rules) = compiled.rules else {
        return;
    };
    let plan = Plan::new(&rules);
    let _ = plan.to_string();

    for report in icp_engine::rule_tests::run_tests(&rules, TODAY) {
        for r in &report.result.icps {
            let _ = icp_engine::explain::explain_icp(r, 4);
        }
        let _ = icp_engine::explain::explain_personas(&report.result, 2);
    }

    let leads = sample_leads(&rules);
    let (batch, expected) = batch_and_reference(&rules, &leads, TODAY);
    let _ = icp_engine::eval::columnar::evaluate(&rules, &plan, &batch, TODAY, true);
    let columns = icp_engine::eval::columnar::evaluate_columns(&rules, &plan, &batch, TODAY);
    let mut scratch = icp_engine::result::RowScratch::default();
    for (i, result) in expected.iter().enumerate() {
        let lead = lead_of(&rules, &leads[i]);
        for (k, r) in result.icps.iter().enumerate() {
            let _ = columns.row(i, k, &mut scratch);
            let _ = icp_engine::explain::explain_icp(r, 0);
            let _ = icp_engine::explain::near_miss(&rules, &lead, r);
        }
        let _ = icp_engine::explain::explain_personas(result, 2);
    }
}

/// The formatter's output parses again, to the same AST, and formats to itself.
fn assert_formatting_keeps_meaning(ast: &icp_syntax::ast::File, text: &str) {
    let formatted = icp_syntax::format(ast, text);
    let id = ast.file;
    let reparsed = icp_syntax::parse(id, &formatted)
        .unwrap_or_else(|d| panic!("formatted output does not parse: {d:?}\n{formatted}"));
    let items = |f: &icp_syntax::ast::File| serde_json::to_value(&f.items).expect("serialisable");
    assert_eq!(
        items(ast),
        items(&reparsed),
        "formatting changed the meaning"
    );
    assert_eq!(
        icp_syntax::format(&reparsed, &formatted),
        formatted,
        "formatting is not idempotent"
    );
}

/// Text no export should hold, and every export may: 70,000 characters of multi-byte UTF-8,
/// control characters, a NUL, a bidirectional override and an escape sequence.
fn hostile_text() -> String {
    "é日🦀\t\r\n\u{0}\u{202e}\u{1b}[31m\"\\,x".repeat(5_000)
}

/// Three leads for any schema: one without values or contacts, one with ordinary values and
/// two contacts, one with hostile text, extreme numbers and the first and last dates a
/// lead file can hold, and three such contacts.
fn sample_leads(rules: &icp_engine::ir::RuleSet) -> Vec<LeadValues> {
    let hostile = hostile_text();
    let ordinary = |ty: Type| -> Value {
        match ty {
            Type::Scalar(s) => scalar(s, false, &hostile),
            Type::List(e) => Value::List(vec![
                scalar(e.unwrap_or(Scalar::String), false, &hostile),
                scalar(e.unwrap_or(Scalar::String), false, &hostile),
            ]),
            Type::Error => Value::Bool(false),
        }
    };
    let extreme = |ty: Type| -> Value {
        match ty {
            Type::Scalar(s) => scalar(s, true, &hostile),
            Type::List(e) => Value::List(
                (0..3)
                    .map(|_| scalar(e.unwrap_or(Scalar::String), true, &hostile))
                    .collect(),
            ),
            Type::Error => Value::Bool(true),
        }
    };
    let values = |entity: Entity, make: &dyn Fn(Type) -> Value| -> Vec<(FieldId, Value)> {
        rules
            .schema
            .fields()
            .filter(|(_, f)| f.entity == entity)
            .map(|(id, f)| (id, make(f.ty)))
            .collect()
    };
    vec![
        (Vec::new(), Vec::new()),
        (
            values(Entity::Company, &ordinary),
            vec![values(Entity::Contact, &ordinary); 2],
        ),
        (
            values(Entity::Company, &extreme),
            vec![values(Entity::Contact, &extreme); 3],
        ),
    ]
}

/// An ordinary value of a scalar type, or an extreme one.
fn scalar(ty: Scalar, extreme: bool, hostile: &str) -> Value {
    match (ty, extreme) {
        (Scalar::Bool, e) => Value::Bool(e),
        (Scalar::Number, false) => Value::Number(120.0),
        (Scalar::Number, true) => Value::Number(-1.7e308),
        (Scalar::String, false) => Value::String("Acme".to_string()),
        (Scalar::String, true) => Value::String(hostile.to_string()),
        // 9999-12-31, the last date a lead file can hold.
        (Scalar::Date, true) => Value::Date(2_932_896),
        (Scalar::Date, false) => Value::Date(TODAY - 30),
        (Scalar::Duration, false) => Value::Duration(30.0),
        (Scalar::Duration, true) => Value::Duration(1.7e308),
    }
}

/// Some hostile rule text: random bytes, random tokens, a mutated real file, two real files
/// spliced, or a real file with random bytes overwritten.
fn rule_text() -> impl Strategy<Value = String> {
    let seed =
        || any::<prop::sample::Index>().prop_map(|i| seeds()[i.index(seeds().len())].clone());
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..600)
            .prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned()),
        1 => prop::collection::vec(prop::sample::select(INSERTS), 0..80)
            .prop_map(|words| words.join(" ")),
        4 => (seed(), prop::collection::vec(hostile_mutation(), 1..8))
            .prop_map(|(text, mutations)| apply(&text, &mutations)),
        1 => (seed(), seed(), any::<prop::sample::Index>(), any::<prop::sample::Index>())
            .prop_map(|(a, b, cut_a, cut_b)| {
                let (a, b) = (a.as_bytes(), b.as_bytes());
                let head = &a[..cut_a.index(a.len() + 1)];
                let tail = &b[cut_b.index(b.len() + 1)..];
                String::from_utf8_lossy(&[head, tail].concat()).into_owned()
            }),
        1 => (seed(), prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8))
            .prop_map(|(text, writes)| {
                let mut bytes = text.into_bytes();
                if !bytes.is_empty() {
                    for (at, byte) in writes {
                        let at = at.index(bytes.len());
                        bytes[at] = byte;
                    }
                }
                String::from_utf8_lossy(&bytes).into_owned()
            }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn the_rule_pipeline_never_panics(text in rule_text()) {
        pipeline(&text);
    }
}

/// Every input the fuzzer ever broke the pipeline with, kept as a file.
#[test]
fn regressions_never_panic() {
    let files = icp_files(&workspace().join("tests/fuzz/regressions"));
    assert!(
        !files.is_empty(),
        "tests/fuzz/regressions holds the fuzzer's findings"
    );
    for path in files {
        let bytes = std::fs::read(&path).expect("readable");
        let text = String::from_utf8_lossy(&bytes);
        let run = std::panic::catch_unwind(|| pipeline(&text));
        assert!(run.is_ok(), "{} panics the pipeline", path.display());
    }
}

/// The huge names and labels found by hand before the fuzzer: a 65,536-character label in
/// a run of aligned scores, ICP and tier names of 70,000 characters, each through the
/// whole pipeline.
#[test]
fn huge_names_and_labels_never_panic() {
    let name = "n".repeat(70_000);
    let label = "é".repeat(65_536);
    pipeline(&format!(
        "icp {name} {{\n  score 10 \"{label}\" when company.employees > 10\n  score 5 \"short\" when company.employees > 100\n  tier {name} when score >= 10\n}}\n"
    ));
}
