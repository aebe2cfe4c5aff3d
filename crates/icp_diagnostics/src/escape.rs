//! Characters that never reach a terminal raw: a diagnostic that quotes a source line holding
//! a NUL, an escape sequence (`ESC [31m`) or a bidirectional control character must not let
//! it act on the terminal or reorder what the reader sees.
//!
//! How it works: [`needs_escape`] picks the control characters (but a line break, a tab, and
//! the `\r` of a `\r\n`) and the bidirectional controls ([`bidi_control_name`]). When a run's
//! file names, texts or messages hold any, [`escaped`] makes a copy of the source map with
//! each written as Rust writes it in a string (`\0`, `\r`, `\u{1b}`, `\u{202e}`), moves every
//! label's span by the bytes the escapes added before it (so the caret stays under its text),
//! and escapes the messages. Otherwise nothing is copied. On a line holding an escape, the
//! column shown after `file:line:` is that of the escaped line (the JSON form keeps the
//! source's own).

use crate::{Diagnostic, SourceMap, Span};

/// The name of a character of Unicode's `Bidi_Control` property, `None` for any other. These
/// make text show in another order than it is stored ("Trojan Source", CVE-2021-42574).
pub fn bidi_control_name(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{061C}' => "ARABIC LETTER MARK",
        '\u{200E}' => "LEFT-TO-RIGHT MARK",
        '\u{200F}' => "RIGHT-TO-LEFT MARK",
        '\u{202A}' => "LEFT-TO-RIGHT EMBEDDING",
        '\u{202B}' => "RIGHT-TO-LEFT EMBEDDING",
        '\u{202C}' => "POP DIRECTIONAL FORMATTING",
        '\u{202D}' => "LEFT-TO-RIGHT OVERRIDE",
        '\u{202E}' => "RIGHT-TO-LEFT OVERRIDE",
        '\u{2066}' => "LEFT-TO-RIGHT ISOLATE",
        '\u{2067}' => "RIGHT-TO-LEFT ISOLATE",
        '\u{2068}' => "FIRST STRONG ISOLATE",
        '\u{2069}' => "POP DIRECTIONAL ISOLATE",
        _ => return None,
    })
}

/// Whether the character at `at` of `text` is shown escaped.
fn needs_escape(text: &str, at: usize, c: char) -> bool {
    match c {
        '\n' | '\t' => false,
        '\r' => !text[at + 1..].starts_with('\n'),
        c => c.is_control() || bidi_control_name(c).is_some(),
    }
}

/// `text` with every character that [`needs_escape`] escaped, and where the escapes are:
/// for each, its offset in `text` and the bytes added up to and including it.
fn escape_text(text: &str) -> (String, Vec<(usize, usize)>) {
    let mut out = String::with_capacity(text.len());
    let mut shifts = Vec::new();
    let mut added = 0;
    for (at, c) in text.char_indices() {
        if needs_escape(text, at, c) {
            let before = out.len();
            out.extend(c.escape_debug());
            added += out.len() - before - c.len_utf8();
            shifts.push((at, added));
        } else {
            out.push(c);
        }
    }
    (out, shifts)
}

fn has_escapes(text: &str) -> bool {
    text.char_indices().any(|(at, c)| needs_escape(text, at, c))
}

/// Where an offset of the original text is in the escaped one.
fn moved(shifts: &[(usize, usize)], offset: usize) -> usize {
    let before = shifts.partition_point(|&(at, _)| at < offset);
    offset + before.checked_sub(1).map_or(0, |i| shifts[i].1)
}

/// The source map and diagnostics with every character that must not reach a terminal
/// escaped, or `None` when there is none.
pub(crate) fn escaped(
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
) -> Option<(SourceMap, Vec<Diagnostic>)> {
    let in_messages = diagnostics.iter().any(|d| {
        has_escapes(&d.message)
            || d.help.as_deref().is_some_and(has_escapes)
            || d.labels.iter().any(|l| has_escapes(&l.message))
    });
    let in_files = sources
        .files()
        .any(|(_, f)| has_escapes(f.name()) || has_escapes(f.text()));
    if !in_messages && !in_files {
        return None;
    }
    let mut map = SourceMap::new();
    let mut shifts = Vec::new();
    for (_, file) in sources.files() {
        let (text, file_shifts) = escape_text(file.text());
        map.add(escape_text(file.name()).0, text);
        shifts.push(file_shifts);
    }
    let move_span = |span: Span| {
        let Some(shifts) = shifts.get(span.file.0 as usize) else {
            return span;
        };
        Span::new(
            span.file,
            moved(shifts, span.start as usize),
            moved(shifts, span.end as usize),
        )
    };
    let diagnostics = diagnostics
        .iter()
        .map(|d| {
            let mut d = d.clone();
            d.message = escape_text(&d.message).0;
            d.help = d.help.map(|h| escape_text(&h).0);
            for label in &mut d.labels {
                label.span = move_span(label.span);
                label.message = escape_text(&label.message).0;
            }
            d
        })
        .collect();
    Some((map, diagnostics))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_written_as_rust_writes_them() {
        let (text, shifts) = escape_text("a\0b\u{1b}[31mc\u{202e}d\r\ne\rf\tg");
        assert_eq!(text, "a\\0b\\u{1b}[31mc\\u{202e}d\r\ne\\rf\tg");
        assert_eq!(shifts, [(1, 1), (3, 6), (9, 11), (16, 12)]);
        assert_eq!(moved(&shifts, 0), 0);
        assert_eq!(moved(&shifts, 1), 1, "the start of an escape");
        assert_eq!(moved(&shifts, 2), 3, "after it");
        assert_eq!(moved(&shifts, 20), 32);
    }
}
