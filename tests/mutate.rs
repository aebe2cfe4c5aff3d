//! Hostile rule texts made from real ones, shared by the parser properties and the rule
//! pipeline fuzzer (each test includes this file as a module).
//!
//! How it works: every `.icp` file of `rules/` and `tests/` is a seed. A seed is cut into
//! tokens (runs of word characters, runs of white space, single other characters) and a few
//! [`Mutation`]s are applied to the tokens: delete one, duplicate one, swap two, insert a
//! fragment of the language or an odd character, or blow one up (a token repeated to
//! up to 70,000 bytes: a huge name, label, number or comment). [`apply`] returns the text.

// Each test uses its own part of these helpers.
#![allow(dead_code)]

use icp_tests::{icp_files, workspace};
use proptest::prelude::*;

/// Every `.icp` file of `rules/` and `tests/`, read once per test binary.
pub fn seeds() -> &'static [String] {
    static SEEDS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(|| {
        let mut files = icp_files(&workspace().join("rules"));
        files.extend(icp_files(&workspace().join("tests")));
        let out: Vec<String> = files
            .iter()
            .filter_map(|f| std::fs::read_to_string(f).ok())
            .collect();
        assert!(!out.is_empty(), "no seed files found");
        out
    })
}

/// Splits source into tokens: runs of word characters, runs of white space, single others.
pub fn tokens(text: &str) -> Vec<&str> {
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

#[derive(Debug, Clone)]
pub enum Mutation {
    Delete(usize),
    Duplicate(usize),
    Swap(usize, usize),
    Insert(usize, &'static str),
    /// The token repeated, in place, to about this many bytes (a huge name, label, number,
    /// comment).
    BlowUp(usize, usize),
}

/// Fragments of the language and characters the lexer must take in its stride: multi-byte
/// UTF-8, control characters, a bidirectional override, a NUL byte.
pub const INSERTS: &[&str] = &[
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
    "日本語",
    "🦀",
    "\t",
    "\r",
    "\u{0}",
    "\u{1b}[31m",
    "\u{202e}",
    "\u{feff}",
];

/// Any one mutation but a blow-up: cheap enough for thousands of cases.
pub fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Delete),
        any::<usize>().prop_map(Mutation::Duplicate),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Swap(a, b)),
        (any::<usize>(), prop::sample::select(INSERTS)).prop_map(|(a, s)| Mutation::Insert(a, s)),
    ]
}

/// Any one mutation, a blow-up one time in eight. A blown-up token grows to 1,000 to 70,000
/// bytes, a third of them past `u16::MAX` (where `format!`'s padding gives up).
pub fn hostile_mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        7 => mutation(),
        1 => (any::<usize>(), prop_oneof![2 => 1_000usize..65_536, 1 => 65_536usize..70_000])
            .prop_map(|(a, bytes)| Mutation::BlowUp(a, bytes)),
    ]
}

/// `text` with `mutations` applied to its tokens, in order.
pub fn apply(text: &str, mutations: &[Mutation]) -> String {
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
            Mutation::BlowUp(i, bytes) => {
                let token = &toks[i % n];
                toks[i % n] = token.repeat(bytes.div_ceil(token.len().max(1)));
            }
        }
    }
    toks.concat()
}
