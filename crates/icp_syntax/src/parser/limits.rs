//! The guard against input too big for a recursive parser: too deeply nested, or one
//! statement with too many operators.
//!
//! How it works: before pest runs, [`too_big`] scans the source once, counting per statement
//! the open brackets, runs of prefix operators, quantifier bodies and binary operators, and
//! refuses the source at the first count past [`MAX_NESTING`] or [`MAX_OPERATORS`] with one
//! `E0001` diagnostic ([`too_big_diagnostic`]). The parser, the checker and the formatter all
//! recurse on the tree, so this one check keeps each of them off the end of the stack.

use icp_diagnostics::{Code, Diagnostic, FileId, Span};

/// The deepest nesting of brackets, prefix operators and quantifier bodies accepted, so that
/// hostile input gets a diagnostic instead of exhausting the stack.
pub const MAX_NESTING: usize = 64;

/// The most binary operators one statement may hold (a chain of them nests as deeply).
pub const MAX_OPERATORS: usize = 1000;

/// Reserved words that start a statement, so any expression before them has ended. (Words
/// that are not reserved could be names inside an expression, so they do not count.)
const STATEMENT_WORDS: &[&str] = &[
    "let", "persona", "icp", "test", "require", "exclude", "group", "tier",
];

/// Why a source is refused before parsing: too deeply nested, or one expression too long.
/// Both would make the recursive parser, checker or formatter exhaust the stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TooBig {
    Nesting(usize),
    Operators(usize),
}

/// Scans the source once, counting per statement the open brackets, runs of prefix operators
/// (`-`, `not`), quantifier bodies (`where`) and binary operators. Strings, regex literals and
/// comments are skipped; anything else is counted pessimistically, so a refusal can only come
/// early, never late.
pub(super) fn too_big(source: &str) -> Option<TooBig> {
    let bytes = source.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let (mut brackets, mut prefix_run, mut wheres, mut operators) =
        (0usize, 0usize, 0usize, 0usize);
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                prefix_run = 0;
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'(' | b'[' | b'{' => {
                brackets += 1;
                prefix_run = 0;
            }
            b')' | b']' | b'}' => brackets = brackets.saturating_sub(1),
            b'-' => {
                prefix_run += 1;
                operators += 1;
            }
            b'+' | b'*' | b'/' | b'<' | b'>' | b'=' | b'!' => operators += 1,
            b if is_word(b) => {
                while i + 1 < bytes.len() && is_word(bytes[i + 1]) {
                    i += 1;
                }
                let word = &source[start..=i];
                match word {
                    "not" => prefix_run += 1,
                    // A regex literal's own groups nest no expression: skipped as a string is.
                    "matches" => {
                        let mut j = i + 1;
                        while bytes.get(j).is_some_and(|b| *b == b' ' || *b == b'\t') {
                            j += 1;
                        }
                        if bytes.get(j) == Some(&b'/') {
                            j += 1;
                            while j < bytes.len() && bytes[j] != b'/' && bytes[j] != b'\n' {
                                j += if bytes[j] == b'\\' { 2 } else { 1 };
                            }
                            i = j;
                        }
                        prefix_run = 0;
                    }
                    "where" => {
                        wheres += 1;
                        prefix_run = 0;
                    }
                    "and" | "or" => {
                        operators += 1;
                        prefix_run = 0;
                    }
                    // `score` starts a statement when points follow it; in a tier condition it
                    // is a value.
                    "score"
                        if source[i + 1..]
                            .trim_start()
                            .starts_with(|c: char| c.is_ascii_digit() || c == '-') =>
                    {
                        (wheres, operators, prefix_run) = (0, 0, 0);
                    }
                    w if STATEMENT_WORDS.contains(&w) => {
                        (wheres, operators, prefix_run) = (0, 0, 0)
                    }
                    _ => prefix_run = 0,
                }
            }
            b' ' | b'\t' | b'\r' | b'\n' => {}
            _ => prefix_run = 0,
        }
        if brackets + prefix_run + wheres > MAX_NESTING {
            return Some(TooBig::Nesting(start));
        }
        if operators > MAX_OPERATORS {
            return Some(TooBig::Operators(start));
        }
        i += 1;
    }
    None
}

pub(super) fn too_big_diagnostic(file: FileId, source: &str, why: TooBig) -> Diagnostic {
    let (offset, message, label) = match why {
        TooBig::Nesting(at) => (
            at,
            "expressions are nested too deeply",
            format!("more than {MAX_NESTING} levels deep here"),
        ),
        TooBig::Operators(at) => (
            at,
            "this expression is too long",
            format!("more than {MAX_OPERATORS} operators in one statement"),
        ),
    };
    let end = source[offset..]
        .chars()
        .next()
        .map_or(offset, |c| offset + c.len_utf8());
    Diagnostic::new(Code::SYNTAX, message, Span::new(file, offset, end))
        .with_label(label)
        .with_help("split the expression into `let` definitions")
}
