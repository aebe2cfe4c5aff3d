//! The line writer: text goes out through [`Printer::write`], lines end with [`Printer::nl`],
//! and every statement is printed as a trial that [`Printer::snapshot`] and
//! [`Printer::restore`] can undo.
//!
//! How it works: a new line's indentation is held back (`pending`) until text is written on
//! it, so an empty line never carries spaces, and a line ending with a comment pushes further
//! code onto the next line. [`Printer::finish`] strips trailing blanks from every line and
//! ends the text with exactly one newline (none for an empty file).

use super::{FORMAT_WIDTH, Printer, Snapshot};

impl<'a> Printer<'a> {
    pub(super) fn write(&mut self, text: &str) {
        if self.line_has_comment {
            self.nl(self.line_indent);
        }
        if let Some(indent) = self.pending.take() {
            self.out.extend(std::iter::repeat_n(' ', indent));
        }
        self.out.push_str(text);
    }

    /// Ends the current line (if it has anything) and starts one indented by `indent`.
    pub(super) fn nl(&mut self, indent: usize) {
        if self.out.len() > self.line_start {
            self.out.push('\n');
            self.line_start = self.out.len();
        }
        if self.want_blank && !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
            self.line_start = self.out.len();
        }
        self.want_blank = false;
        self.pending = Some(indent);
        self.line_indent = indent;
        self.line_has_comment = false;
    }

    fn col(&self) -> usize {
        self.pending
            .unwrap_or_else(|| self.out[self.line_start..].chars().count())
    }

    pub(super) fn at_line_start(&self) -> bool {
        self.pending.is_some()
    }

    pub(super) fn fits(&self, width: usize) -> bool {
        self.col() + width <= FORMAT_WIDTH
    }

    pub(super) fn snapshot(&self) -> Snapshot {
        Snapshot {
            len: self.out.len(),
            line_start: self.line_start,
            pending: self.pending,
            line_indent: self.line_indent,
            line_has_comment: self.line_has_comment,
            want_blank: self.want_blank,
            cursor: self.cursor,
            last_code: self.last_code,
        }
    }

    pub(super) fn restore(&mut self, s: Snapshot) {
        self.out.truncate(s.len);
        self.line_start = s.line_start;
        self.pending = s.pending;
        self.line_indent = s.line_indent;
        self.line_has_comment = s.line_has_comment;
        self.want_blank = s.want_blank;
        self.cursor = s.cursor;
        self.last_code = s.last_code;
    }

    pub(super) fn finish(self) -> String {
        let mut text = String::with_capacity(self.out.len() + 1);
        for line in self.out.split('\n') {
            text.push_str(line.trim_end_matches([' ', '\t']));
            text.push('\n');
        }
        let trimmed = text.trim_end_matches('\n').len();
        text.truncate(trimmed);
        if !text.is_empty() {
            text.push('\n');
        }
        text
    }
}

/// The width of `text` in columns (one per character).
pub(super) fn width(text: &str) -> usize {
    text.chars().count()
}
