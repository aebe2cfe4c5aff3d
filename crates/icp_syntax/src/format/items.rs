//! Items, blocks and statements: `let`, `persona`, `icp` and `test` with what they hold.
//!
//! How it works: [`Printer::items`] prints the items of the file with the blank lines that
//! the [module documentation](mod@crate::format) describes; each statement without a block
//! goes through [`Printer::statement`], a trial that is redone with its comments hoisted
//! before it when one of them would be taken out of place; [`Printer::block`] prints the
//! statements between braces. The heads of a run of `score` lines are aligned by
//! [`Printer::score_heads`]. Conditions and values are left to the expression printer.

use crate::ast::*;
use icp_diagnostics::columns::{column_width, pad_end, pad_start};

use super::source::{quote, range};
use super::writer::width;
use super::{BLOCK_INDENT, Printer};

impl Printer<'_> {
    pub(super) fn items(&mut self, items: &[Item]) {
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
            let run: Vec<(String, Option<String>, &str)> = scores[i..j]
                .iter()
                .flatten()
                .map(|s| {
                    (
                        self.points(&s.points),
                        s.label.as_ref().map(|l| quote(&l.value)),
                        body_keyword(s),
                    )
                })
                .collect();
            // Padded through `columns`: a label may be far wider than `format!` can pad.
            let points_width = column_width(run.iter().map(|(p, ..)| p.as_str()), 0);
            let label_width =
                column_width(run.iter().map(|(_, l, _)| l.as_deref().unwrap_or("")), 0);
            for (k, (points, label, keyword)) in run.into_iter().enumerate() {
                let mut head = format!("score {}", pad_start(&points, points_width));
                if label_width > 0 {
                    let label = label.unwrap_or_default();
                    head.push_str(&format!(" {}", pad_end(&label, label_width)));
                }
                head.push(' ');
                head.push_str(keyword);
                heads[i + k] = Some(head);
            }
            i = j;
        }
        heads
    }

    fn score(&mut self, s: &Score, head: Option<&str>, indent: usize) -> usize {
        let before_when = s.label.as_ref().map_or(s.points.span.end, |l| l.span.end) as usize;
        // After `when`, or after the `(` of `decaying(`.
        let head_end = match &s.decay {
            None => self.skip_trivia(before_when) + "when".len(),
            Some(d) => self.skip_trivia(d.span.start as usize + "decaying".len()) + 1,
        };
        let head = head.map_or_else(
            || {
                let mut h = format!("score {}", self.points(&s.points));
                if let Some(label) = &s.label {
                    h.push(' ');
                    h.push_str(&quote(&label.value));
                }
                h.push(' ');
                h.push_str(body_keyword(s));
                h
            },
            str::to_string,
        );
        // `, half_life = 90d)` after the age of a decaying score.
        let tail = s
            .decay
            .as_ref()
            .map(|d| format!(", half_life = {})", d.half_life_text));
        self.statement(indent, s.span.end as usize, |p| {
            p.nl(indent);
            p.write(&head);
            p.last_code = head_end;
            match (&tail, &s.decay) {
                (Some(tail), Some(d)) => {
                    p.expr(
                        &s.condition,
                        indent + super::CONTINUATION,
                        tail.chars().count(),
                    );
                    p.write(tail);
                    p.last_code = d.span.end as usize;
                }
                _ => p.condition(&s.condition, indent, 0, head_end),
            }
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

/// The word that ends a score's head: `when`, or `decaying(` right before the age of a
/// decaying score.
fn body_keyword(s: &Score) -> &'static str {
    if s.decay.is_some() {
        "decaying("
    } else {
        "when"
    }
}
