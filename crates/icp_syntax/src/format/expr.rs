//! Expressions across lines: conditions after their heads, `and`/`or` chains, parentheses,
//! lists and call arguments.
//!
//! How it works: [`Printer::expr`] prints an expression flat (see [`super::flat`]) when it
//! fits the rest of the line and holds no comment. Otherwise it breaks the expression's own
//! node and prints the parts by the same rule, each knowing how many columns must follow it on
//! its last line (`trail`): a list or argument list goes one element per line with a trailing
//! comma ([`Printer::broken_seq`]), a parenthesis puts its content on lines of its own, an
//! `and`/`or` chain breaks before each operator ([`Printer::chain`]), a quantifier body is a
//! condition after `where`; comparisons, arithmetic and the prefix operators stay on the line
//! and leave the breaking to their operands. [`Printer::condition`] places an expression after
//! its head (`when`, `=`, `where`, `field:`). An atom (a name or a literal) never breaks, even
//! past the width.

use crate::ast::*;

use super::flat::{arith_operands, logic_operands, neg_prefix};
use super::source::range;
use super::writer::width;
use super::{CONTINUATION, FORMAT_WIDTH, Printer};

impl Printer<'_> {
    /// An expression after a head that ends at source offset `head_end` (`when`, `=`, `where`,
    /// `field:`), on the head's line if it fits, else on a continuation line if it fits there,
    /// else (an `and`/`or` chain) broken on continuation lines, else broken on the head's line.
    /// A comment between the head and the expression forces the continuation line.
    pub(super) fn condition(&mut self, e: &Expr, indent: usize, trail: usize, head_end: usize) {
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
    pub(super) fn expr(&mut self, e: &Expr, indent: usize, trail: usize) {
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
    pub(super) fn args(
        &mut self,
        args: &[Arg],
        open: usize,
        close: usize,
        indent: usize,
        trail: usize,
    ) {
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
    pub(super) fn broken_seq(
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
            | ExprKind::Top { .. }
            | ExprKind::Count { filter: None }
    )
}
