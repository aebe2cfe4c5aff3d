//! Bidirectional control characters in rule files: the "Trojan Source" attack
//! (CVE-2021-42574), where invisible characters make the text show in another order than it
//! is parsed, so a reviewer reads a rule that is not the one that runs.
//!
//! How it works: [`bidi_controls`] scans the whole source, strings, regexes and comments
//! included, for the characters of Unicode's `Bidi_Control` property (U+061C, U+200E, U+200F,
//! U+202A–U+202E, U+2066–U+2069; [`bidi_control_name`]) and gives one `E0020` error per line holding any, its primary
//! label on the first and a secondary label on each other one. As rustc's
//! `text_direction_codepoint_in_literal` and `…_in_comment` lints, which are deny-by-default,
//! it is an error: a rule set holding one is not used. [`crate::parse`] adds these errors to
//! the parser's own.

use icp_diagnostics::{Code, Diagnostic, FileId, Label, Span, bidi_control_name};

/// At most this many characters of one line are labelled; the others are counted in the
/// message, so a line of a hundred thousand controls is one short diagnostic, rendered in
/// time linear in the file.
const LABELS_PER_LINE: usize = 8;

/// One `E0020` error per line of `source` that holds a bidirectional control character.
pub(crate) fn bidi_controls(file: FileId, source: &str) -> Vec<Diagnostic> {
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut line_of_last = None;
    let mut line = 0;
    // Controls of the last diagnostic's line beyond those labelled.
    let mut unlabelled = 0usize;
    let count_unlabelled = |diagnostics: &mut Vec<Diagnostic>, unlabelled: &mut usize| {
        if let (Some(last), n @ 1..) = (diagnostics.last_mut(), *unlabelled) {
            last.message
                .push_str(&format!(" ({n} more on this line, not marked)"));
        }
        *unlabelled = 0;
    };
    for (at, c) in source.char_indices() {
        if c == '\n' {
            line += 1;
            continue;
        }
        let Some(name) = bidi_control_name(c) else {
            continue;
        };
        let span = Span::new(file, at, at + c.len_utf8());
        let code_point = format!("U+{:04X}", u32::from(c));
        match diagnostics.last_mut() {
            Some(same_line) if line_of_last == Some(line) => {
                if same_line.labels.len() < LABELS_PER_LINE + 1 {
                    same_line.labels.push(Label {
                        span,
                        message: format!("and {code_point} {name} here"),
                        primary: false,
                    });
                } else {
                    unlabelled += 1;
                }
            }
            _ => {
                count_unlabelled(&mut diagnostics, &mut unlabelled);
                diagnostics.push(
                    Diagnostic::new(
                        Code::BIDI_CONTROL,
                        format!(
                            "the bidirectional control character {code_point} ({name}) can make \
                         this line show differently from how it is read"
                        ),
                        span,
                    )
                    .with_label("an invisible character that reorders the text around it")
                    .with_help(format!(
                        "remove it (see CVE-2021-42574, \"Trojan Source\"); a regex can match it \
                     visibly as \\x{{{:X}}}",
                        u32::from(c)
                    )),
                );
            }
        }
        line_of_last = Some(line);
    }
    count_unlabelled(&mut diagnostics, &mut unlabelled);
    diagnostics
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_of_many_controls_is_one_short_diagnostic() {
        let source = format!("let a = \"{}\"\n", "\u{202E}".repeat(100_000));
        let found = bidi_controls(FileId(0), &source);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].labels.len(), LABELS_PER_LINE + 1);
        assert!(
            found[0].message.ends_with(&format!(
                "({} more on this line, not marked)",
                100_000 - LABELS_PER_LINE - 1
            )),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn every_control_is_found_in_strings_comments_and_code() {
        let source = "let a = \"x\u{202E}y\" # \u{2066}z\u{2069}\nlet\u{200F} b = 1\nlet c = 2\n";
        let found = bidi_controls(FileId(0), source);
        assert_eq!(found.len(), 2, "one per line");
        assert!(found.iter().all(Diagnostic::is_error));
        assert_eq!(
            found[0].labels.len(),
            3,
            "the first and two more on its line"
        );
        assert!(found[0].message.contains("U+202E (RIGHT-TO-LEFT OVERRIDE)"));
        assert_eq!(
            found[0].labels[1].message,
            "and U+2066 LEFT-TO-RIGHT ISOLATE here"
        );
        assert_eq!(
            found[1].span().start as usize,
            source.find('\u{200F}').unwrap()
        );
        assert!(found[1].help.as_deref().unwrap().contains("\\x{200F}"));
    }

    #[test]
    fn plain_text_has_none() {
        assert!(bidi_controls(FileId(0), "let a = \"Zoë → שלום\"\n").is_empty());
    }
}
