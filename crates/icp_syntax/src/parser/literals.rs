//! Names and literals: identifiers, strings with their escapes, regexes, numbers with their
//! `K`/`M`/`B` suffixes and `_` separators, dates and durations.
//!
//! How it works: the grammar has already checked each literal's shape; decoding it can still
//! fail (an unknown escape, a number too large for `f64`, a date not on the calendar), which is
//! an `E0002` diagnostic, and the literal takes a placeholder value so the rest of the file is
//! still built and every such error reported. String and regex spans are recorded, since a `#`
//! inside them starts no comment.

use icp_diagnostics::{Code, Span};
use pest::iterators::Pair;

use crate::ast::*;

use super::{Builder, Rule};

impl Builder {
    pub(super) fn ident(&mut self, pair: Pair<'_, Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(&pair),
        }
    }

    pub(super) fn string(&mut self, pair: Pair<'_, Rule>) -> StringLit {
        let span = self.span(&pair);
        self.literal_spans
            .push((span.start as usize, span.end as usize));
        let body = next!(pair.into_inner());
        let value = self.unescape(body.as_str(), span.start as usize + 1);
        StringLit { value, span }
    }

    fn unescape(&mut self, raw: &str, offset: usize) -> String {
        let mut out = String::with_capacity(raw.len());
        let mut chars = raw.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some((_, '"')) => out.push('"'),
                Some((_, '\\')) => out.push('\\'),
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((j, other)) => {
                    let span = Span::new(self.file, offset + i, offset + j + other.len_utf8());
                    self.error(
                        Code::INVALID_LITERAL,
                        format!("unknown escape `\\{other}` in a string"),
                        span,
                        "the escapes are \\\" \\\\ \\n and \\t",
                    );
                }
                None => {}
            }
        }
        out
    }

    pub(super) fn regex(&mut self, pair: Pair<'_, Rule>) -> Regex {
        let span = self.span(&pair);
        self.literal_spans
            .push((span.start as usize, span.end as usize));
        let mut it = pair.into_inner();
        let pattern = next!(it).as_str().to_string();
        let flags = it.next().map_or(String::new(), |p| p.as_str().to_string());
        Regex {
            pattern,
            flags,
            span,
        }
    }

    pub(super) fn number(&mut self, text: &str, span: Span) -> ExprKind {
        let (digits, scale) = match text.as_bytes().last() {
            Some(b'K') => (&text[..text.len() - 1], 1e3),
            Some(b'M') => (&text[..text.len() - 1], 1e6),
            Some(b'B') => (&text[..text.len() - 1], 1e9),
            _ => (text, 1.0),
        };
        let cleaned: String = digits.chars().filter(|c| *c != '_').collect();
        match cleaned.parse::<f64>() {
            Ok(value) if (value * scale).is_finite() => ExprKind::Number(value * scale),
            _ => {
                self.error(
                    Code::INVALID_LITERAL,
                    format!("`{text}` is not a number this tool can represent"),
                    span,
                    "",
                );
                ExprKind::Number(0.0)
            }
        }
    }

    pub(super) fn date(&mut self, text: &str, span: Span) -> ExprKind {
        let year = text[0..4].parse::<i32>().unwrap_or(0);
        let month = text[5..7].parse::<u32>().unwrap_or(0);
        let day = text[8..10].parse::<u32>().unwrap_or(0);
        match days_from_civil(year, month, day) {
            Some(days) => ExprKind::Date(days),
            None => {
                self.error(
                    Code::INVALID_LITERAL,
                    format!("`{text}` is not a calendar date"),
                    span,
                    "dates are written YYYY-MM-DD, such as 2026-01-15",
                );
                ExprKind::Date(0)
            }
        }
    }
}

pub(super) fn duration(text: &str) -> ExprKind {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let amount = text[..split].parse::<f64>().unwrap_or(f64::MAX);
    let days_per_unit = match &text[split..] {
        "d" => 1.0,
        "w" => 7.0,
        "mo" => 30.0,
        _ => 365.0,
    };
    ExprKind::Duration(amount * days_per_unit)
}
