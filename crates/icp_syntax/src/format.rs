//! The canonical layout of `.icp` source (`icp fmt`).
//!
//! How it works: [`format`] walks the AST once and prints it through a small line writer of
//! its own (no general pretty-printing algorithm: the layout rules are few and specific).
//!
//! - **Layout.** Every statement is first tried on one line. A statement with a condition
//!   (`let … =`, `persona … when`, `score … when`, `require`, …) that does not fit in
//!   [`FORMAT_WIDTH`] columns breaks after its keyword with a 4-space continuation indent if
//!   the condition then fits; a condition that is an `and`/`or` chain and still does not fit
//!   is broken before each of its top-level operators; anything else keeps to the statement
//!   line and breaks inside: lists, call arguments and test records one element per line with
//!   a trailing comma, parentheses around their content, quantifier bodies after `where` (by
//!   the same rules as a condition). Runs of `score` lines are aligned. Numbers, dates,
//!   durations and points are copied from the source as written; strings are re-escaped.
//! - **Comments** are not in the tree: the parser lists them with their positions. The printer
//!   holds a cursor into that list and takes comments at *slots*, the places of the layout
//!   where a comment can stand: on its own lines before an item, statement, list element,
//!   argument, record field or chain operand, or before a closing `}`/`]`/`)`; or at the end
//!   of the line after one of them (a comment is taken there when it was on the same source
//!   line, with nothing but a comma in between). A list, record, call, parenthesis or chain
//!   that contains a comment is always broken, so its slots exist. Because comments are only
//!   taken from the cursor, in order, none is ever lost, duplicated or reordered.
//! - A comment at a place with no slot (inside `a >= # …` for instance) would come out after
//!   code that followed it. Each statement is therefore printed as a trial: if a comment was
//!   taken late, or is left over, the trial is undone and every comment up to that one is
//!   printed on its own lines just before the statement, then the statement is printed again.
//! - **Blank lines** between statements, and between comments and code, are kept (at most
//!   one), except right after `{` and right before `}`; an `icp` or `test` block has one blank
//!   line before and after it, while lets and personas keep the source's choice so related
//!   definitions can stay together.
//!
//! Everything the printer decides depends only on the tree, the comments and where the source
//! had blank lines, so formatting its own output again changes nothing.

use crate::ast::*;

/// The column limit of the canonical layout.
pub const FORMAT_WIDTH: usize = 100;

/// Indentation of the statements of a block, per level.
const BLOCK_INDENT: usize = 2;
/// Indentation of a continuation line, of list elements and call arguments.
const CONTINUATION: usize = 4;

/// Prints `file` (the parsed AST of `source`) in the canonical layout, keeping every comment.
pub fn format(file: &File, source: &str) -> String {
    let mut comments: Vec<Remark<'_>> = file
        .comments
        .iter()
        .map(|c| Remark {
            start: c.span.start as usize,
            end: c.span.end as usize,
            text: c.text.as_str(),
        })
        .collect();
    comments.sort_by_key(|c| c.start);
    let mut printer = Printer {
        src: source,
        comments,
        cursor: 0,
        out: String::new(),
        line_start: 0,
        pending: None,
        line_indent: 0,
        line_has_comment: false,
        want_blank: false,
        last_code: 0,
        misplaced: None,
    };
    printer.items(&file.items);
    printer.finish()
}

/// A comment of the source: where it starts and ends, and its text.
#[derive(Debug, Clone, Copy)]
struct Remark<'a> {
    start: usize,
    end: usize,
    text: &'a str,
}

/// What [`Printer::restore`] needs to undo a trial print.
#[derive(Debug, Clone, Copy)]
struct Snapshot {
    len: usize,
    line_start: usize,
    pending: Option<usize>,
    line_indent: usize,
    line_has_comment: bool,
    want_blank: bool,
    cursor: usize,
    last_code: usize,
}

#[derive(Debug)]
struct Printer<'a> {
    src: &'a str,
    comments: Vec<Remark<'a>>,
    /// The next comment to print; all before it are printed.
    cursor: usize,
    out: String,
    /// Byte offset in `out` where the current line starts.
    line_start: usize,
    /// Indentation not yet written on the current (empty) line.
    pending: Option<usize>,
    line_indent: usize,
    /// The current line ends with a comment: any more code needs a new line.
    line_has_comment: bool,
    /// The next line break leaves one blank line.
    want_blank: bool,
    /// Source offset just past the last code printed; a comment before it is out of place.
    last_code: usize,
    /// Index of the last comment taken out of place during the current statement.
    misplaced: Option<usize>,
}

// ---------------------------------------------------------------------------------------------
// The line writer, the comment cursor and source helpers.

impl<'a> Printer<'a> {
    fn write(&mut self, text: &str) {
        if self.line_has_comment {
            self.nl(self.line_indent);
        }
        if let Some(indent) = self.pending.take() {
            self.out.extend(std::iter::repeat_n(' ', indent));
        }
        self.out.push_str(text);
    }

    /// Ends the current line (if it has anything) and starts one indented by `indent`.
    fn nl(&mut self, indent: usize) {
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

    fn at_line_start(&self) -> bool {
        self.pending.is_some()
    }

    fn fits(&self, width: usize) -> bool {
        self.col() + width <= FORMAT_WIDTH
    }

    fn snapshot(&self) -> Snapshot {
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

    fn restore(&mut self, s: Snapshot) {
        self.out.truncate(s.len);
        self.line_start = s.line_start;
        self.pending = s.pending;
        self.line_indent = s.line_indent;
        self.line_has_comment = s.line_has_comment;
        self.want_blank = s.want_blank;
        self.cursor = s.cursor;
        self.last_code = s.last_code;
    }

    fn finish(self) -> String {
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

    fn peek(&self) -> Option<Remark<'a>> {
        self.comments.get(self.cursor).copied()
    }

    /// Takes the next comment, noting it if code after it has already been printed.
    fn take(&mut self) -> Remark<'a> {
        let c = self.comments[self.cursor];
        if c.start < self.last_code {
            self.misplaced = Some(self.misplaced.map_or(self.cursor, |m| m.max(self.cursor)));
        }
        self.cursor += 1;
        c
    }

    /// Whether a comment not yet printed starts in `start..end`.
    fn has_comment(&self, start: usize, end: usize) -> bool {
        let rest = &self.comments[self.cursor..];
        let i = rest.partition_point(|c| c.start < start);
        rest.get(i).is_some_and(|c| c.start < end)
    }

    fn comment_line(&mut self, text: &str, indent: usize) {
        self.nl(indent);
        self.write(text);
        self.line_has_comment = true;
    }

    /// Leading slot: prints the comments before `pos` on their own lines. Blank lines of the
    /// source are kept between them (`prev` is where the previous code or comment ended;
    /// `None` right after an opening brace) and, if `blank_before_node`, before `pos`.
    fn leading(
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
    fn trailing(&mut self, end: usize, allow_comma: bool) -> Option<usize> {
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
    fn hoist_before(&mut self, pos: usize, indent: usize) {
        while let Some(c) = self.peek()
            && c.start < pos
        {
            self.cursor += 1;
            self.comment_line(c.text, indent);
        }
    }

    /// Whether the source between two offsets holds a blank line.
    fn blank_between(&self, start: usize, end: usize) -> bool {
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
    fn skip_trivia(&self, mut i: usize) -> usize {
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
    fn after_words(&self, mut pos: usize, words: &[&str]) -> usize {
        for word in words {
            pos = self.skip_trivia(pos) + word.len();
        }
        pos.min(self.src.len())
    }

    /// The offset just past the `:` that follows a field or argument name ending at `pos`.
    fn after_colon(&self, pos: usize) -> usize {
        let p = self.skip_trivia(pos);
        if self.src.as_bytes().get(p) == Some(&b':') {
            p + 1
        } else {
            pos
        }
    }

    /// The offset of a closing bracket after the last element ending at `pos` (skipping an
    /// optional trailing comma).
    fn close_after(&self, pos: usize) -> usize {
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
    fn literal(&self, span: icp_diagnostics::Span, fallback: impl FnOnce() -> String) -> String {
        let text = self.slice(span).trim();
        if text.is_empty() || text.contains(['\n', '#']) {
            fallback()
        } else {
            text.to_string()
        }
    }

    fn points(&self, p: &Points) -> String {
        self.literal(p.span, || p.value.to_string())
    }
}

// ---------------------------------------------------------------------------------------------
// Items, blocks and statements.

impl Printer<'_> {
    fn items(&mut self, items: &[Item]) {
        // The previous item: where it (or its trailing comment) ended, and if it is a block.
        let mut prev: Option<(usize, bool)> = None;
        for item in items {
            let start = item.span().start as usize;
            let separator = self.out.len();
            let first = self
                .peek()
                .filter(|c| c.start < start)
                .map_or(start, |c| c.start);
            let blank_in_source = prev.is_some_and(|(end, _)| self.blank_between(end, first));
            self.leading(0, start, None, true);
            let (_, end) = match item {
                Item::Let(x) => self.let_item(x),
                Item::Persona(x) => self.persona(x),
                Item::Icp(x) => self.icp(x),
                Item::Test(x) => self.test(x),
            };
            // `icp` and `test` blocks always stand apart; other items keep the source's choice,
            // so related lets and personas may stay together as in the SPEC's example.
            let block = matches!(item, Item::Icp(_) | Item::Test(_));
            if let Some((_, prev_block)) = prev
                && (blank_in_source || prev_block || block)
                && separator < self.out.len()
            {
                // `separator` is the line break that ends the previous item; only this item's
                // text moves.
                let item_text = self.out.split_off(separator);
                self.out.push('\n');
                self.out.push_str(&item_text);
                self.line_start += 1;
            }
            prev = Some((end, block));
        }
        if let Some(c) = self.peek() {
            if let Some((end, block)) = prev
                && (block || self.blank_between(end, c.start))
            {
                self.want_blank = true;
            }
            self.leading(0, usize::MAX, None, false);
        }
    }

    /// Prints one statement that holds no block, as a trial (see the module documentation).
    /// Returns where its text starts in the output and where it (or its trailing comment) ends
    /// in the source.
    fn statement(
        &mut self,
        indent: usize,
        end: usize,
        print: impl Fn(&mut Self),
    ) -> (usize, usize) {
        loop {
            let before = self.snapshot();
            self.misplaced = None;
            let code_start = self.out.len();
            print(self);
            let after = self.trailing(end, false).unwrap_or(end);
            let left_over = self.comments[self.cursor..].partition_point(|c| c.start < end);
            if left_over > 0 {
                let last = self.cursor + left_over - 1;
                self.misplaced = Some(self.misplaced.map_or(last, |m| m.max(last)));
            }
            let Some(last) = self.misplaced.take() else {
                return (code_start, after);
            };
            self.restore(before);
            while self.cursor <= last && self.cursor < self.comments.len() {
                let c = self.comments[self.cursor];
                self.cursor += 1;
                self.comment_line(c.text, indent);
            }
        }
    }

    /// Prints the statements of a block after its `{` (ending at `open_end`) and its `}`.
    fn block(
        &mut self,
        spans: &[(usize, usize)],
        open_end: usize,
        close: usize,
        indent: usize,
        mut statement: impl FnMut(&mut Self, usize) -> usize,
    ) {
        self.trailing(open_end, false);
        let mut prev = None;
        for (i, &(start, _)) in spans.iter().enumerate() {
            self.leading(indent, start, prev, true);
            prev = Some(statement(self, i));
        }
        self.leading(indent, close, prev, false);
        self.nl(indent.saturating_sub(BLOCK_INDENT));
        self.write("}");
        self.last_code = close + 1;
    }

    fn let_item(&mut self, x: &Let) -> (usize, usize) {
        let head_end = self.skip_trivia(x.name.span.end as usize) + 1;
        self.statement(0, x.span.end as usize, |p| {
            p.nl(0);
            p.write(&format!("let {} =", x.name.name));
            p.last_code = head_end;
            p.condition(&x.value, 0, 0, head_end);
        })
    }

    fn persona(&mut self, x: &Persona) -> (usize, usize) {
        let before_when = x.label.as_ref().map_or(x.name.span.end, |l| l.span.end) as usize;
        let head_end = self.skip_trivia(before_when) + "when".len();
        let mut head = format!("persona {}", x.name.name);
        if let Some(label) = &x.label {
            head.push(' ');
            head.push_str(&quote(&label.value));
        }
        head.push_str(" when");
        self.statement(0, x.span.end as usize, |p| {
            p.nl(0);
            p.write(&head);
            p.last_code = head_end;
            p.condition(&x.condition, 0, 0, head_end);
        })
    }

    fn icp(&mut self, x: &Icp) -> (usize, usize) {
        let before_brace = x.label.as_ref().map_or(x.name.span.end, |l| l.span.end) as usize;
        let brace = self.skip_trivia(before_brace);
        self.hoist_before(brace, 0);
        let code_start = self.out.len();
        let mut head = format!("icp {}", x.name.name);
        if let Some(label) = &x.label {
            head.push(' ');
            head.push_str(&quote(&label.value));
        }
        head.push_str(" {");
        self.nl(0);
        self.write(&head);
        self.last_code = brace + 1;
        let spans: Vec<(usize, usize)> = x.body.iter().map(|s| range(s.span())).collect();
        let scores: Vec<Option<&Score>> = x
            .body
            .iter()
            .map(|s| match s {
                IcpStmt::Score(score) => Some(score),
                _ => None,
            })
            .collect();
        let heads = self.score_heads(&scores, &spans);
        let close = (x.span.end as usize).saturating_sub(1);
        self.block(&spans, brace + 1, close, BLOCK_INDENT, |p, i| {
            p.icp_stmt(&x.body[i], heads[i].as_deref(), BLOCK_INDENT)
        });
        let end = self
            .trailing(x.span.end as usize, false)
            .unwrap_or(x.span.end as usize);
        (code_start, end)
    }

    fn icp_stmt(&mut self, stmt: &IcpStmt, score_head: Option<&str>, indent: usize) -> usize {
        let end = stmt.span().end as usize;
        match stmt {
            IcpStmt::Meta(m) => {
                let text = format!("{} {}", m.key.as_str(), quote(&m.value.value));
                self.statement(indent, end, |p| {
                    p.nl(indent);
                    p.write(&text);
                    p.last_code = end;
                })
                .1
            }
            IcpStmt::Require(c) | IcpStmt::Exclude(c) => {
                let keyword = if matches!(stmt, IcpStmt::Require(_)) {
                    "require"
                } else {
                    "exclude"
                };
                let head_end = c.span.start as usize + keyword.len();
                self.statement(indent, end, |p| {
                    p.nl(indent);
                    p.write(keyword);
                    p.last_code = head_end;
                    p.condition(&c.condition, indent, 0, head_end);
                })
                .1
            }
            IcpStmt::Score(s) => self.score(s, score_head, indent),
            IcpStmt::Group(g) => self.group(g, indent),
            IcpStmt::Tier(t) => {
                let after_name = self.skip_trivia(t.name.span.end as usize);
                self.statement(indent, end, |p| {
                    p.nl(indent);
                    match &t.condition {
                        None => {
                            p.write(&format!("tier {} otherwise", t.name.name));
                            p.last_code = end;
                        }
                        Some(condition) => {
                            let head_end = after_name + "when".len();
                            p.write(&format!("tier {} when", t.name.name));
                            p.last_code = head_end;
                            p.condition(condition, indent, 0, head_end);
                        }
                    }
                })
                .1
            }
        }
    }

    /// The aligned heads (`score  20 "label" when`) of each run of consecutive `score`
    /// statements; a run ends at a blank line or at any other statement.
    fn score_heads(
        &self,
        scores: &[Option<&Score>],
        spans: &[(usize, usize)],
    ) -> Vec<Option<String>> {
        let mut heads = vec![None; scores.len()];
        let mut i = 0;
        while i < scores.len() {
            if scores[i].is_none() {
                i += 1;
                continue;
            }
            let mut j = i + 1;
            while j < scores.len()
                && scores[j].is_some()
                && !self.blank_between(spans[j - 1].1, spans[j].0)
            {
                j += 1;
            }
            let run: Vec<(String, Option<String>)> = scores[i..j]
                .iter()
                .flatten()
                .map(|s| {
                    (
                        self.points(&s.points),
                        s.label.as_ref().map(|l| quote(&l.value)),
                    )
                })
                .collect();
            let points_width = run
                .iter()
                .map(|(p, _)| p.chars().count())
                .max()
                .unwrap_or(0);
            let label_width = run
                .iter()
                .map(|(_, l)| l.as_ref().map_or(0, |l| l.chars().count()))
                .max()
                .unwrap_or(0);
            for (k, (points, label)) in run.into_iter().enumerate() {
                let mut head = format!("score {points:>points_width$}");
                if label_width > 0 {
                    let label = label.unwrap_or_default();
                    head.push_str(&format!(" {label:<label_width$}"));
                }
                head.push_str(" when");
                heads[i + k] = Some(head);
            }
            i = j;
        }
        heads
    }

    fn score(&mut self, s: &Score, head: Option<&str>, indent: usize) -> usize {
        let before_when = s.label.as_ref().map_or(s.points.span.end, |l| l.span.end) as usize;
        let head_end = self.skip_trivia(before_when) + "when".len();
        let head = head.map_or_else(
            || {
                let mut h = format!("score {}", self.points(&s.points));
                if let Some(label) = &s.label {
                    h.push(' ');
                    h.push_str(&quote(&label.value));
                }
                h.push_str(" when");
                h
            },
            str::to_string,
        );
        self.statement(indent, s.span.end as usize, |p| {
            p.nl(indent);
            p.write(&head);
            p.last_code = head_end;
            p.condition(&s.condition, indent, 0, head_end);
        })
        .1
    }

    fn group(&mut self, g: &Group, indent: usize) -> usize {
        let brace = self.skip_trivia(g.max.span.end as usize);
        self.hoist_before(brace, indent);
        let head = format!(
            "group {} max {} {{",
            quote(&g.label.value),
            self.points(&g.max)
        );
        self.nl(indent);
        self.write(&head);
        self.last_code = brace + 1;
        let spans: Vec<(usize, usize)> = g.scores.iter().map(|s| range(s.span)).collect();
        let scores: Vec<Option<&Score>> = g.scores.iter().map(Some).collect();
        let heads = self.score_heads(&scores, &spans);
        let inner = indent + BLOCK_INDENT;
        let close = (g.span.end as usize).saturating_sub(1);
        self.block(&spans, brace + 1, close, inner, |p, i| {
            p.score(&g.scores[i], heads[i].as_deref(), inner)
        });
        self.trailing(g.span.end as usize, false)
            .unwrap_or(g.span.end as usize)
    }

    fn test(&mut self, x: &Test) -> (usize, usize) {
        let brace = self.skip_trivia(x.label.span.end as usize);
        self.hoist_before(brace, 0);
        let code_start = self.out.len();
        self.nl(0);
        self.write(&format!("test {} {{", quote(&x.label.value)));
        self.last_code = brace + 1;
        let spans: Vec<(usize, usize)> = x.body.iter().map(|s| range(s.span())).collect();
        let close = (x.span.end as usize).saturating_sub(1);
        self.block(&spans, brace + 1, close, BLOCK_INDENT, |p, i| {
            p.test_stmt(&x.body[i], BLOCK_INDENT)
        });
        let end = self
            .trailing(x.span.end as usize, false)
            .unwrap_or(x.span.end as usize);
        (code_start, end)
    }

    fn test_stmt(&mut self, stmt: &TestStmt, indent: usize) -> usize {
        let end = stmt.span().end as usize;
        match stmt {
            TestStmt::Company(r) | TestStmt::Contact(r) => {
                let keyword = if matches!(stmt, TestStmt::Company(_)) {
                    "company"
                } else {
                    "contact"
                };
                self.statement(indent, end, |p| {
                    p.nl(indent);
                    p.write(keyword);
                    p.record(r, keyword.len(), indent);
                })
                .1
            }
            TestStmt::Signal(s) => self.statement(indent, end, |p| p.signal(s, indent)).1,
            TestStmt::Expect(e) => {
                self.statement(indent, end, |p| {
                    p.nl(indent);
                    match &e.kind {
                        ExpectKind::Tier { icp, tier } => {
                            p.write(&format!("expect {} tier {}", icp.name, tier.name));
                        }
                        ExpectKind::Score { icp, op, value } => {
                            p.write(&format!("expect {} score {} ", icp.name, op.as_str()));
                            p.last_code = value.span.start as usize;
                            p.expr(value, indent, 0);
                        }
                        ExpectKind::Qualified { icp } => {
                            p.write(&format!("expect {} qualified", icp.name));
                        }
                        ExpectKind::Disqualified { icp } => {
                            p.write(&format!("expect {} disqualified", icp.name));
                        }
                        ExpectKind::Best { icp } => p.write(&format!("expect best {}", icp.name)),
                    }
                    p.last_code = p.last_code.max(end);
                })
                .1
            }
        }
    }

    /// `{ field: value, … }` after `company`/`contact`: on one line if it fits, else one field
    /// per line.
    fn record(&mut self, r: &Record, keyword_len: usize, indent: usize) {
        let brace = self.skip_trivia(r.span.start as usize + keyword_len);
        let close = (r.span.end as usize).saturating_sub(1);
        self.last_code = r.span.start as usize + keyword_len;
        if !self.has_comment(brace, close + 1) {
            let flat = if r.fields.is_empty() {
                "{}".to_string()
            } else {
                let fields: Vec<String> = r
                    .fields
                    .iter()
                    .map(|f| format!("{}: {}", f.name.name, self.flat(&f.value)))
                    .collect();
                format!("{{ {} }}", fields.join(", "))
            };
            if self.fits(1 + width(&flat)) {
                self.write(" ");
                self.write(&flat);
                self.last_code = close + 1;
                return;
            }
        }
        self.write(" ");
        let spans: Vec<(usize, usize)> = r.fields.iter().map(|f| range(f.span)).collect();
        self.broken_seq(
            ("{", "}"),
            &spans,
            (brace, close),
            indent,
            BLOCK_INDENT,
            |p, i, inner| {
                let f = &r.fields[i];
                let head_end = p.after_colon(f.name.span.end as usize);
                p.write(&format!("{}:", f.name.name));
                p.last_code = head_end;
                p.condition(&f.value, inner, 1, head_end);
            },
        );
    }

    fn signal(&mut self, s: &SignalSet, indent: usize) {
        self.nl(indent);
        self.write(&format!("signal {}", s.path.dotted()));
        let mut after = s.path.span.end as usize;
        self.last_code = after;
        if let Some(args) = &s.args {
            let open = self.skip_trivia(after);
            let last_end = args.last().map_or(open + 1, |a| a.value.span.end as usize);
            let close = self.close_after(last_end);
            self.args(args, open, close, indent, " =".len());
            after = close + 1;
        }
        let head_end = self.skip_trivia(after) + 1;
        self.write(" =");
        self.last_code = head_end;
        self.condition(&s.value, indent, 0, head_end);
    }
}

// ---------------------------------------------------------------------------------------------
// Expressions.

impl Printer<'_> {
    /// An expression after a head that ends at source offset `head_end` (`when`, `=`, `where`,
    /// `field:`), on the head's line if it fits, else on a continuation line if it fits there,
    /// else (an `and`/`or` chain) broken on continuation lines, else broken on the head's line.
    /// A comment between the head and the expression forces the continuation line.
    fn condition(&mut self, e: &Expr, indent: usize, trail: usize, head_end: usize) {
        let start = e.span.start as usize;
        if !self.has_comment(head_end, start) {
            if !self.has_comment(start, e.span.end as usize) {
                let flat = self.flat(e);
                let w = width(&flat);
                if self.fits(1 + w + trail) {
                    self.write(" ");
                    self.write(&flat);
                    self.last_code = e.span.end as usize;
                    return;
                }
                if indent + CONTINUATION + w + trail <= FORMAT_WIDTH {
                    self.nl(indent + CONTINUATION);
                    self.write(&flat);
                    self.last_code = e.span.end as usize;
                    return;
                }
            }
            if !matches!(e.kind, ExprKind::Logic { .. }) {
                self.write(" ");
                self.expr(e, indent, trail);
                return;
            }
        }
        self.trailing(head_end, false);
        self.leading(indent + CONTINUATION, start, None, false);
        self.nl(indent + CONTINUATION);
        self.expr(e, indent + CONTINUATION, trail);
    }

    /// Prints `e` at the current column of a line indented by `indent`; `trail` columns will
    /// follow it on its last line.
    fn expr(&mut self, e: &Expr, indent: usize, trail: usize) {
        let (start, end) = range(e.span);
        if !self.has_comment(start, end) {
            let flat = self.flat(e);
            if self.fits(width(&flat) + trail) || is_atom(e) {
                self.write(&flat);
                self.last_code = end;
                return;
            }
        }
        match &e.kind {
            ExprKind::List(items) => {
                let spans: Vec<(usize, usize)> = items.iter().map(|x| range(x.span)).collect();
                let brackets = (start, end.saturating_sub(1));
                self.broken_seq(
                    ("[", "]"),
                    &spans,
                    brackets,
                    indent,
                    CONTINUATION,
                    |p, i, inner| {
                        p.expr(&items[i], inner, 1);
                    },
                );
            }
            ExprKind::Call { callee, args } => {
                self.write(&callee.dotted());
                self.last_code = callee.span.end as usize;
                let open = self.skip_trivia(callee.span.end as usize);
                self.args(args, open, end.saturating_sub(1), indent, trail);
            }
            ExprKind::Paren(inner) => self.paren(inner, start, end.saturating_sub(1), indent),
            ExprKind::Not(x) => {
                self.write("not ");
                self.expr(x, indent, trail);
            }
            ExprKind::Neg(x) => {
                self.write(neg_prefix(x));
                self.expr(x, indent, trail);
            }
            ExprKind::Logic { .. } => {
                let op_indent = if self.at_line_start() {
                    indent
                } else {
                    indent + CONTINUATION
                };
                self.chain(e, indent, trail, op_indent);
            }
            ExprKind::Arith { .. } => {
                let (first, rest) = arith_operands(e);
                let rest_width: usize = rest
                    .iter()
                    .map(|(op, x)| op.as_str().len() + 2 + width(&self.flat(x)))
                    .sum();
                self.expr(first, indent, rest_width + trail);
                let mut remaining = rest_width;
                for (op, x) in rest {
                    remaining -= op.as_str().len() + 2 + width(&self.flat(x));
                    self.write(&format!(" {} ", op.as_str()));
                    self.expr(x, indent, remaining + trail);
                }
            }
            ExprKind::Compare { op, lhs, rhs } => {
                let op_text = format!(" {} ", op.as_str());
                self.expr(
                    lhs,
                    indent,
                    width(&op_text) + width(&self.flat(rhs)) + trail,
                );
                self.write(&op_text);
                self.expr(rhs, indent, trail);
            }
            ExprKind::Matches { value, regex } => {
                let text = format!(" matches /{}/{}", regex.pattern, regex.flags);
                self.expr(value, indent, width(&text) + trail);
                self.write(&text);
                self.last_code = regex.span.end as usize;
            }
            ExprKind::Between { value, low, high } => {
                let rest = format!(" between {} and {}", self.flat(low), self.flat(high));
                self.expr(value, indent, width(&rest) + trail);
                self.write(" between ");
                self.expr(low, indent, " and ".len() + width(&self.flat(high)) + trail);
                self.write(" and ");
                self.expr(high, indent, trail);
            }
            ExprKind::Is { value, present } => {
                let text = if *present {
                    " is present"
                } else {
                    " is missing"
                };
                self.expr(value, indent, text.len() + trail);
                self.write(text);
                self.last_code = end;
            }
            ExprKind::Quantifier { kind, body } => {
                let words: &[&str] = match kind {
                    QuantifierKind::Any => &["any", "contact", "where"],
                    QuantifierKind::Every => &["every", "contact", "where"],
                };
                let head_end = self.after_words(start, words);
                self.write(&words.join(" "));
                self.last_code = head_end;
                self.condition(body, indent, trail, head_end);
            }
            ExprKind::Count { filter: Some(body) } => {
                let head_end = self.after_words(start, &["count", "contacts", "where"]);
                self.write("count contacts where");
                self.last_code = head_end;
                self.condition(body, indent, trail, head_end);
            }
            _ => {
                // An atom holding a comment (`count # …` then `contacts`): it moves out.
                let flat = self.flat(e);
                self.write(&flat);
                self.last_code = end;
            }
        }
    }

    /// An `and`/`or` chain broken before each operator; operators go on lines indented by
    /// `op_indent`. A nested chain of the other operator that does not fit is broken the same
    /// way, 4 columns further in.
    fn chain(&mut self, e: &Expr, indent: usize, trail: usize, op_indent: usize) {
        let (op, operands) = logic_operands(e);
        let last = operands.len().saturating_sub(1);
        for (i, x) in operands.iter().enumerate() {
            let line_indent = if i == 0 { indent } else { op_indent };
            if i > 0 {
                self.trailing(operands[i - 1].span.end as usize, false);
                self.leading(op_indent, x.span.start as usize, None, false);
                self.nl(op_indent);
                self.write(op.as_str());
                self.write(" ");
            }
            let t = if i == last { trail } else { 0 };
            let nested = matches!(x.kind, ExprKind::Logic { .. })
                && (self.has_comment(x.span.start as usize, x.span.end as usize)
                    || !self.fits(width(&self.flat(x)) + t));
            if nested {
                self.chain(x, line_indent, t, op_indent + CONTINUATION);
            } else {
                self.expr(x, line_indent, t);
            }
        }
    }

    fn paren(&mut self, inner: &Expr, open: usize, close: usize, indent: usize) {
        let inner_indent = indent + CONTINUATION;
        self.write("(");
        self.last_code = open + 1;
        self.trailing(open + 1, false);
        self.leading(inner_indent, inner.span.start as usize, None, false);
        self.nl(inner_indent);
        self.expr(inner, inner_indent, 0);
        self.trailing(inner.span.end as usize, false);
        self.leading(inner_indent, close, None, false);
        self.nl(indent);
        self.write(")");
        self.last_code = close + 1;
    }

    /// `(args)` of a call or a signal, on one line if it fits, else one per line.
    fn args(&mut self, args: &[Arg], open: usize, close: usize, indent: usize, trail: usize) {
        if !self.has_comment(open, close + 1) {
            let flat = format!("({})", self.flat_args(args));
            if self.fits(width(&flat) + trail) {
                self.write(&flat);
                self.last_code = close + 1;
                return;
            }
        }
        let spans: Vec<(usize, usize)> = args
            .iter()
            .map(|a| {
                let start = a.name.as_ref().map_or(a.value.span.start, |n| n.span.start);
                (start as usize, a.value.span.end as usize)
            })
            .collect();
        self.broken_seq(
            ("(", ")"),
            &spans,
            (open, close),
            indent,
            CONTINUATION,
            |p, i, inner| {
                let arg = &args[i];
                match &arg.name {
                    Some(name) => {
                        let head_end = p.after_colon(name.span.end as usize);
                        p.write(&format!("{}:", name.name));
                        p.last_code = head_end;
                        p.condition(&arg.value, inner, 1, head_end);
                    }
                    None => p.expr(&arg.value, inner, 1),
                }
            },
        );
    }

    /// A bracketed sequence one element per line, indented by `step`, each with a comma;
    /// `brackets` are the source offsets of the opening and closing bracket.
    fn broken_seq(
        &mut self,
        (open, close): (&str, &str),
        spans: &[(usize, usize)],
        brackets: (usize, usize),
        indent: usize,
        step: usize,
        mut element: impl FnMut(&mut Self, usize, usize),
    ) {
        let inner = indent + step;
        self.write(open);
        self.last_code = brackets.0 + 1;
        self.trailing(brackets.0 + 1, false);
        let mut prev = None;
        for (i, &(start, end)) in spans.iter().enumerate() {
            self.leading(inner, start, prev, true);
            self.nl(inner);
            element(self, i, inner);
            self.write(",");
            prev = Some(self.trailing(end, true).unwrap_or(end));
        }
        self.leading(inner, brackets.1, prev, false);
        self.nl(indent);
        self.write(close);
        self.last_code = brackets.1 + 1;
    }

    /// The expression on one line.
    fn flat(&self, e: &Expr) -> String {
        let mut out = String::new();
        self.flat_into(e, &mut out);
        out
    }

    fn flat_args(&self, args: &[Arg]) -> String {
        let mut out = String::new();
        for (i, arg) in args.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            if let Some(name) = &arg.name {
                out.push_str(&name.name);
                out.push_str(": ");
            }
            self.flat_into(&arg.value, &mut out);
        }
        out
    }

    fn flat_into(&self, e: &Expr, out: &mut String) {
        match &e.kind {
            ExprKind::Number(n) => out.push_str(&self.literal(e.span, || n.to_string())),
            ExprKind::Duration(d) => out.push_str(&self.literal(e.span, || format!("{d}d"))),
            ExprKind::Date(days) => out.push_str(&self.literal(e.span, || {
                let (y, m, d) = civil_from_days(*days);
                format!("{y:04}-{m:02}-{d:02}")
            })),
            ExprKind::String(s) => out.push_str(&quote(s)),
            ExprKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            ExprKind::Today => out.push_str("today"),
            ExprKind::Score => out.push_str("score"),
            ExprKind::Path(p) => out.push_str(&p.dotted()),
            ExprKind::List(items) => {
                out.push('[');
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    self.flat_into(x, out);
                }
                out.push(']');
            }
            ExprKind::Call { callee, args } => {
                out.push_str(&callee.dotted());
                out.push('(');
                out.push_str(&self.flat_args(args));
                out.push(')');
            }
            ExprKind::Paren(x) => {
                out.push('(');
                self.flat_into(x, out);
                out.push(')');
            }
            ExprKind::Not(x) => {
                out.push_str("not ");
                self.flat_into(x, out);
            }
            ExprKind::Neg(x) => {
                out.push_str(neg_prefix(x));
                self.flat_into(x, out);
            }
            ExprKind::Logic { .. } => {
                let (op, operands) = logic_operands(e);
                for (i, x) in operands.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                        out.push_str(op.as_str());
                        out.push(' ');
                    }
                    self.flat_into(x, out);
                }
            }
            ExprKind::Arith { .. } => {
                let (first, rest) = arith_operands(e);
                self.flat_into(first, out);
                for (op, x) in rest {
                    out.push(' ');
                    out.push_str(op.as_str());
                    out.push(' ');
                    self.flat_into(x, out);
                }
            }
            ExprKind::Compare { op, lhs, rhs } => {
                self.flat_into(lhs, out);
                out.push(' ');
                out.push_str(op.as_str());
                out.push(' ');
                self.flat_into(rhs, out);
            }
            ExprKind::Matches { value, regex } => {
                self.flat_into(value, out);
                out.push_str(" matches /");
                out.push_str(&regex.pattern);
                out.push('/');
                out.push_str(&regex.flags);
            }
            ExprKind::Between { value, low, high } => {
                self.flat_into(value, out);
                out.push_str(" between ");
                self.flat_into(low, out);
                out.push_str(" and ");
                self.flat_into(high, out);
            }
            ExprKind::Is { value, present } => {
                self.flat_into(value, out);
                out.push_str(if *present {
                    " is present"
                } else {
                    " is missing"
                });
            }
            ExprKind::Quantifier { kind, body } => {
                out.push_str(match kind {
                    QuantifierKind::Any => "any contact where ",
                    QuantifierKind::Every => "every contact where ",
                });
                self.flat_into(body, out);
            }
            ExprKind::Count { filter } => {
                out.push_str("count contacts");
                if let Some(body) = filter {
                    out.push_str(" where ");
                    self.flat_into(body, out);
                }
            }
        }
    }
}

/// The operands of a left-nested chain of one logical operator, collected without recursion.
fn logic_operands(e: &Expr) -> (LogicOp, Vec<&Expr>) {
    let ExprKind::Logic { op, .. } = &e.kind else {
        return (LogicOp::And, vec![e]);
    };
    let mut operands = Vec::new();
    let mut cur = e;
    while let ExprKind::Logic { op: o, lhs, rhs } = &cur.kind
        && o == op
    {
        operands.push(&**rhs);
        cur = lhs;
    }
    operands.push(cur);
    operands.reverse();
    (*op, operands)
}

/// The operands of a left-nested chain of `+`/`-` or of `*`/`/`, collected without recursion.
fn arith_operands(e: &Expr) -> (&Expr, Vec<(ArithOp, &Expr)>) {
    let additive = |op: ArithOp| matches!(op, ArithOp::Add | ArithOp::Sub);
    let ExprKind::Arith { op, .. } = &e.kind else {
        return (e, Vec::new());
    };
    let level = additive(*op);
    let mut rest = Vec::new();
    let mut cur = e;
    while let ExprKind::Arith { op, lhs, rhs } = &cur.kind
        && additive(*op) == level
    {
        rest.push((*op, &**rhs));
        cur = lhs;
    }
    rest.reverse();
    (cur, rest)
}

/// The unary minus before `operand`, spaced from another minus (`- -5`, not `--5`).
fn neg_prefix(operand: &Expr) -> &'static str {
    if matches!(operand.kind, ExprKind::Neg(_)) {
        "- "
    } else {
        "-"
    }
}

/// Expressions with no place to break a line.
fn is_atom(e: &Expr) -> bool {
    matches!(
        e.kind,
        ExprKind::Number(_)
            | ExprKind::String(_)
            | ExprKind::Bool(_)
            | ExprKind::Date(_)
            | ExprKind::Duration(_)
            | ExprKind::Path(_)
            | ExprKind::Today
            | ExprKind::Score
            | ExprKind::Count { filter: None }
    )
}

/// A string literal with the escapes of the language.
fn quote(value: &str) -> String {
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

fn width(text: &str) -> usize {
    text.chars().count()
}

fn range(span: icp_diagnostics::Span) -> (usize, usize) {
    (span.start as usize, span.end as usize)
}
