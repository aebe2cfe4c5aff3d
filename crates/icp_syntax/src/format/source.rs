//! Reading the source: what the AST does not record.
//!
//! How it works: the AST keeps spans but not the offsets of keywords, colons, commas and
//! closing brackets, nor blank lines; the comment slots need them, so they are found by
//! scanning the source from a known offset, skipping white space and comments. Numbers, dates,
//! durations and points are copied as written ([`Printer::literal`]); strings are re-escaped
//! ([`quote`]).

use crate::ast::Points;

use super::Printer;

impl<'a> Printer<'a> {
    /// Whether the source between two offsets holds a blank line.
    pub(super) fn blank_between(&self, start: usize, end: usize) -> bool {
        let Some(gap) = self.src.get(start..end) else {
            return false;
        };
        let mut lines = gap.split('\n');
        lines.next();
        let mut inner: Vec<&str> = lines.collect();
        inner.pop();
        inner.iter().any(|l| {
            l.chars()
                .all(|ch| matches!(ch, ' ' | '\t' | '\r' | '\u{FEFF}'))
        })
    }

    /// The offset of the first token at or after `pos` (skipping white space and comments).
    pub(super) fn skip_trivia(&self, mut i: usize) -> usize {
        let bytes = self.src.as_bytes();
        while i < bytes.len() {
            match bytes[i] {
                b' ' | b'\t' | b'\r' | b'\n' => i += 1,
                b'#' => {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                }
                _ if bytes[i..].starts_with("\u{FEFF}".as_bytes()) => i += 3,
                _ => break,
            }
        }
        i.min(bytes.len())
    }

    /// The offset just past a sequence of keywords starting at `pos`.
    pub(super) fn after_words(&self, mut pos: usize, words: &[&str]) -> usize {
        for word in words {
            pos = self.skip_trivia(pos) + word.len();
        }
        pos.min(self.src.len())
    }

    /// The offset just past the `:` that follows a field or argument name ending at `pos`.
    pub(super) fn after_colon(&self, pos: usize) -> usize {
        let p = self.skip_trivia(pos);
        if self.src.as_bytes().get(p) == Some(&b':') {
            p + 1
        } else {
            pos
        }
    }

    /// The offset of a closing bracket after the last element ending at `pos` (skipping an
    /// optional trailing comma).
    pub(super) fn close_after(&self, pos: usize) -> usize {
        let p = self.skip_trivia(pos);
        if self.src.as_bytes().get(p) == Some(&b',') {
            self.skip_trivia(p + 1)
        } else {
            p
        }
    }

    fn slice(&self, span: icp_diagnostics::Span) -> &'a str {
        self.src.get(span.range()).unwrap_or("")
    }

    /// A literal as written in the source, or `fallback` if the span does not point at it.
    pub(super) fn literal(
        &self,
        span: icp_diagnostics::Span,
        fallback: impl FnOnce() -> String,
    ) -> String {
        let text = self.slice(span).trim();
        if text.is_empty() || text.contains(['\n', '#']) {
            fallback()
        } else {
            text.to_string()
        }
    }

    pub(super) fn points(&self, p: &Points) -> String {
        self.literal(p.span, || p.value.to_string())
    }
}

/// A string literal with the escapes of the language.
pub(super) fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for ch in value.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The byte offsets of a span, as `usize`.
pub(super) fn range(span: icp_diagnostics::Span) -> (usize, usize) {
    (span.start as usize, span.end as usize)
}
