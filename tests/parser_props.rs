//! The parser and checker never panic and always explain a failure: property tests over random
//! bytes and over token-level mutations (delete, duplicate, swap) of every real rule file.

use icp_diagnostics::SourceMap;
use icp_engine::Schema;
use icp_tests::test_signals;
use mutate::{INSERTS, apply, mutation, seeds};
use proptest::prelude::*;

mod mutate;

/// Parses and checks a source; asserts that a failure has a diagnostic whose span is inside
/// the file, and that rendering it works.
fn assert_total(text: &str) {
    let mut sources = SourceMap::new();
    let id = sources.add("input.icp", text);
    match icp_syntax::parse(id, text) {
        Ok(_) => {
            let compiled = icp_engine::compile(&sources, &Schema::canonical(), &test_signals());
            for d in &compiled.diagnostics {
                assert!(d.span().end as usize <= text.len());
            }
            let _ = icp_diagnostics::render_text(&sources, &compiled.diagnostics, false);
            let _ = icp_diagnostics::render_json(&sources, &compiled.diagnostics);
        }
        Err(diagnostics) => {
            assert!(!diagnostics.is_empty(), "a failed parse has a diagnostic");
            for d in &diagnostics {
                let span = d.span();
                assert!(
                    span.start <= span.end && span.end as usize <= text.len(),
                    "span {span:?} out of bounds"
                );
            }
            let rendered = icp_diagnostics::render_text(&sources, &diagnostics, false);
            assert!(rendered.contains("input.icp:"), "{rendered}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        assert_total(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn random_token_soup_never_panics(words in prop::collection::vec(prop::sample::select(INSERTS), 0..60)) {
        assert_total(&words.join(" "));
    }

    #[test]
    fn mutated_rule_files_never_panic(
        file in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let seeds = seeds();
        let text = &seeds[file.index(seeds.len())];
        assert_total(&apply(text, &mutations));
    }
}

#[test]
fn deep_nesting_is_a_diagnostic_not_a_crash() {
    for text in [
        format!("let x = {}1{}", "(".repeat(100_000), ")".repeat(100_000)),
        format!("let x = {}1", "-".repeat(100_000)),
        format!("let x = {}true", "not ".repeat(100_000)),
        format!("let x = {}1{}", "[".repeat(5_000), "]".repeat(5_000)),
        format!("let x = {}true", "any contact where ".repeat(10_000)),
        format!("let x = {}true", "company.x and ".repeat(100_000)),
        format!("let x = 1{}", " + 1".repeat(100_000)),
    ] {
        let result = icp_syntax::parse(icp_diagnostics::FileId(0), &text);
        let Err(diagnostics) = result else {
            panic!("deep nesting must be refused")
        };
        assert_eq!(diagnostics[0].code.as_str(), "E0001");
        assert_eq!(
            diagnostics[0].help.as_deref(),
            Some("split the expression into `let` definitions")
        );
    }
}

/// The largest inputs the parser accepts go through parsing, checking and formatting on a
/// thread with the default 2 MiB test stack (the binary gives itself 64 MiB).
#[test]
fn the_largest_accepted_inputs_are_checked_and_formatted() {
    let depth = icp_syntax::MAX_NESTING - 2;
    let chain = icp_syntax::MAX_OPERATORS - 2;
    let texts = [
        format!("let x = {}company.employees{} > 5\nicp a {{ require x }}\n", "(".repeat(depth), ")".repeat(depth)),
        format!("let x = {}(company.employees > 5)\nicp a {{ require x }}\n", "not ".repeat(depth)),
        format!("let x = {}company.employees > 5\nicp a {{ require x }}\n", "-".repeat(depth)),
        format!("icp a {{ require {}company.employees > 5 }}\n", "any contact where ".repeat(depth)),
        format!("let x = company.employees > 5{}\nicp a {{ require x }}\n", " and company.revenue > 1".repeat(chain / 2)),
        format!("let x = company.employees{} > 5\nicp a {{ require x }}\n", " + 1".repeat(chain - 2)),
        (0..200).map(|i| format!("persona p{i} when contact.title == \"x\"\nlet l{i} = (any contact where p{i}) and company.employees > {i}\nicp i{i} {{ require l{i} }}\n")).collect::<String>(),
    ];
    for text in texts {
        let parsed = icp_syntax::parse(icp_diagnostics::FileId(0), &text);
        let ast = parsed.unwrap_or_else(|d| panic!("refused: {:?}", d[0].message));
        let _ = icp_syntax::format(&ast, &text);
        assert_total(&text);
    }
}
