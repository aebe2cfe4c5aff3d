//! The parser and checker never panic and always explain a failure: property tests over random
//! bytes and over token-level mutations (delete, duplicate, swap) of every real rule file.

use icp_diagnostics::SourceMap;
use icp_engine::Schema;
use icp_tests::{icp_files, test_signals, workspace};
use proptest::prelude::*;

/// Every `.icp` file of `rules/` and `tests/`, as a mutation seed.
fn seed_files() -> Vec<String> {
    let mut files = icp_files(&workspace().join("rules"));
    files.extend(icp_files(&workspace().join("tests")));
    let out: Vec<String> = files
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .collect();
    assert!(!out.is_empty(), "no seed files found");
    out
}

/// Splits source into tokens: runs of word characters, runs of white space, single others.
fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let class = |c: char| {
            if c.is_alphanumeric() || c == '_' || c == '.' {
                0
            } else if c.is_whitespace() {
                1
            } else {
                2
            }
        };
        let k = class(c);
        let next_same = chars.peek().is_some_and(|(_, n)| k != 2 && class(*n) == k);
        if !next_same {
            let end = i + c.len_utf8();
            out.push(&text[start..end]);
            start = end;
        }
    }
    out
}

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

#[derive(Debug, Clone)]
enum Mutation {
    Delete(usize),
    Duplicate(usize),
    Swap(usize, usize),
    Insert(usize, &'static str),
}

const INSERTS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "\"",
    "/",
    "#",
    "and",
    "or",
    "not",
    "when",
    "score",
    "-",
    "==",
    ",",
    "any contact where",
    "1M",
    "2026-13-45",
    "\\",
    "é",
    "\n",
    "tier",
    "icp x {",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Delete),
        any::<usize>().prop_map(Mutation::Duplicate),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Swap(a, b)),
        (any::<usize>(), prop::sample::select(INSERTS)).prop_map(|(a, s)| Mutation::Insert(a, s)),
    ]
}

fn apply(text: &str, mutations: &[Mutation]) -> String {
    let mut toks: Vec<String> = tokens(text).into_iter().map(String::from).collect();
    for m in mutations {
        if toks.is_empty() {
            break;
        }
        let n = toks.len();
        match *m {
            Mutation::Delete(i) => {
                toks.remove(i % n);
            }
            Mutation::Duplicate(i) => {
                let t = toks[i % n].clone();
                toks.insert(i % n, t);
            }
            Mutation::Swap(a, b) => toks.swap(a % n, b % n),
            Mutation::Insert(i, s) => toks.insert(i % (n + 1), s.to_string()),
        }
    }
    toks.concat()
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

fn seeds() -> &'static [String] {
    static SEEDS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(seed_files)
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
