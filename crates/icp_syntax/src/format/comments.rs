//! Comment slots: the places of the layout where a comment of the source is printed.
//!
//! How it works: the comments are sorted by position and a cursor walks them; every comment
//! is printed by taking it at the cursor ([`Printer::take`]), so none is lost, duplicated or
//! reordered. A leading slot prints the comments before a node on their own lines, keeping the
//! source's blank lines; a trailing slot puts the comment that was on the same source line at
//! the end of the current line. A comment taken after code that followed it in the source is
//! noted as misplaced, so the statement's trial can be redone (see the
//! [module documentation](mod@crate::format)).

use super::{Printer, Remark};

impl<'a> Printer<'a> {
    pub(super) fn peek(&self) -> Option<Remark<'a>> {
        self.comments.get(self.cursor).copied()
    }

    /// Takes the next comment, noting it if code after it has already been printed.
    pub(super) fn take(&mut self) -> Remark<'a> {
        let c = self.comments[self.cursor];
        if c.start < self.last_code {
            self.misplaced = Some(self.misplaced.map_or(self.cursor, |m| m.max(self.cursor)));
        }
        self.cursor += 1;
        c
    }

    /// Whether a comment not yet printed starts in `start..end`.
    pub(super) fn has_comment(&self, start: usize, end: usize) -> bool {
        let rest = &self.comments[self.cursor..];
        let i = rest.partition_point(|c| c.start < start);
        rest.get(i).is_some_and(|c| c.start < end)
    }

    pub(super) fn comment_line(&mut self, text: &str, indent: usize) {
        self.nl(indent);
        self.write(text);
        self.line_has_comment = true;
    }

    /// Leading slot: prints the comments before `pos` on their own lines. Blank lines of the
    /// source are kept between them (`prev` is where the previous code or comment ended;
    /// `None` right after an opening brace) and, if `blank_before_node`, before `pos`.
    pub(super) fn leading(
        &mut self,
        indent: usize,
        pos: usize,
        mut prev: Option<usize>,
        blank_before_node: bool,
    ) {
        while let Some(c) = self.peek()
            && c.start < pos
        {
            if let Some(p) = prev
                && self.blank_between(p, c.start)
            {
                self.want_blank = true;
            }
            self.take();
            self.comment_line(c.text, indent);
            prev = Some(c.end);
        }
        if blank_before_node
            && let Some(p) = prev
            && self.blank_between(p, pos)
        {
            self.want_blank = true;
        }
    }

    /// Trailing slot: takes the comment that was on the same source line after `end` (with at
    /// most white space, and a comma if `allow_comma`, in between) and puts it at the end of
    /// the current line. Returns where that comment ended.
    pub(super) fn trailing(&mut self, end: usize, allow_comma: bool) -> Option<usize> {
        let c = self.peek()?;
        if c.start < end {
            return None;
        }
        let gap = self.src.get(end..c.start)?;
        let same_line = gap
            .chars()
            .all(|ch| matches!(ch, ' ' | '\t' | '\r' | '\u{FEFF}') || (allow_comma && ch == ','));
        if !same_line {
            return None;
        }
        self.take();
        if self.out.len() > self.line_start {
            self.out.push_str("  ");
            self.out.push_str(c.text);
        } else {
            self.write(c.text);
        }
        self.line_has_comment = true;
        Some(c.end)
    }

    /// Prints the comments before `pos` on their own lines, without blank lines: the comments
    /// inside a block's header, moved before it.
    pub(super) fn hoist_before(&mut self, pos: usize, indent: usize) {
        while let Some(c) = self.peek()
            && c.start < pos
        {
            self.cursor += 1;
            self.comment_line(c.text, indent);
        }
    }
}
