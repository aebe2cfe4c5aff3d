//! Expressions on one line.
//!
//! How it works: [`Printer::flat`] prints an expression with single spaces between tokens,
//! parentheses only where the tree has them, literals as written in the source and strings
//! re-escaped. Chains of one operator are walked as flat lists of operands
//! ([`logic_operands`], [`arith_operands`]) rather than by recursion, so a long chain costs no
//! stack.

use crate::ast::*;

use super::Printer;
use super::source::quote;

impl Printer<'_> {
    /// The expression on one line.
    pub(super) fn flat(&self, e: &Expr) -> String {
        let mut out = String::new();
        self.flat_into(e, &mut out);
        out
    }

    pub(super) fn flat_args(&self, args: &[Arg]) -> String {
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
            ExprKind::Top { amount, percent } => {
                out.push_str("top ");
                out.push_str(&amount.to_string());
                if *percent {
                    out.push('%');
                }
            }
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
pub(super) fn logic_operands(e: &Expr) -> (LogicOp, Vec<&Expr>) {
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
pub(super) fn arith_operands(e: &Expr) -> (&Expr, Vec<(ArithOp, &Expr)>) {
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
pub(super) fn neg_prefix(operand: &Expr) -> &'static str {
    if matches!(operand.kind, ExprKind::Neg(_)) {
        "- "
    } else {
        "-"
    }
}
