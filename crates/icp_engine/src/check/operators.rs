//! Operators: comparisons (`==`, `<`, `in`, `has any`, `contains`, …), arithmetic and regexes.
//!
//! How it works: both operands are typed first; if either failed, so does the operator, quietly.
//! A comparison takes a list on either side element-wise (true if any element compares), but
//! not a list on both; only numbers, dates and durations are ordered. Arithmetic works on
//! numbers, on durations (added, scaled), and on dates with durations (`date + 90d`,
//! `date - date`). Each mismatch gets a help that names the likely intent (`contains` for text in
//! text, `has any` for two lists, a duration for a number). A regex literal is compiled once per
//! distinct pattern and flags and interned in the rule set.

use icp_diagnostics::{Code, Span};
use icp_syntax::ast;

use crate::ir::{self, CmpOp, Expr, ExprKind, HasKind};
use crate::schema::{Scalar, Type};

use super::{Checker, Ctx, error_expr};

impl Checker<'_> {
    pub(super) fn arith(&mut self, op: ast::ArithOp, l: Expr, r: Expr, span: Span) -> Expr {
        use ast::ArithOp as A;
        if l.ty.is_error() || r.ty.is_error() {
            return error_expr(span);
        }
        let (n, d, date) = (Type::NUMBER, Type::DURATION, Type::DATE);
        let result = match (op, l.ty, r.ty) {
            (_, a, b) if a == n && b == n => Some((arith_op(op), n)),
            (A::Add | A::Sub, a, b) if a == d && b == d => Some((arith_op(op), d)),
            (A::Mul, a, b) if (a == d && b == n) || (a == n && b == d) => {
                Some((ir::ArithOp::Mul, d))
            }
            (A::Div, a, b) if a == d && b == n => Some((ir::ArithOp::Div, d)),
            (A::Add, a, b) if a == date && b == d => Some((ir::ArithOp::DateAdd, date)),
            (A::Sub, a, b) if a == date && b == d => Some((ir::ArithOp::DateSub, date)),
            (A::Sub, a, b) if a == date && b == date => Some((ir::ArithOp::DateDiff, d)),
            _ => None,
        };
        let Some((ir_op, ty)) = result else {
            let help = if (l.ty == date && r.ty == n) || (l.ty == n && r.ty == date) {
                "add or subtract a duration such as `90d` to a date".to_string()
            } else {
                "arithmetic works on numbers, on durations, and on dates with durations".to_string()
            };
            self.error(
                Code::TYPE_MISMATCH,
                span,
                format!(
                    "cannot apply `{}` to a {} and a {}",
                    op.as_str(),
                    l.ty,
                    r.ty
                ),
            )
            .help = Some(help);
            return error_expr(span);
        };
        Expr {
            kind: ExprKind::Arith {
                op: ir_op,
                lhs: Box::new(l),
                rhs: Box::new(r),
            },
            ty,
            span,
        }
    }

    pub(super) fn compare(
        &mut self,
        op: ast::CompareOp,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        span: Span,
        ctx: Ctx,
    ) -> Expr {
        use ast::CompareOp as C;
        let l = self.expr(lhs, ctx);
        let r = self.expr(rhs, ctx);
        if l.ty.is_error() || r.ty.is_error() {
            return error_expr(span);
        }
        let word = op.as_str();
        let (lt, rt) = (l.ty, r.ty);
        let mismatch = |this: &mut Self, message: String, help: Option<&str>| {
            let d = this.error(Code::TYPE_MISMATCH, span, message);
            d.help = help.map(str::to_string);
            error_expr(span)
        };
        let kind = match op {
            C::Lt | C::Le | C::Gt | C::Ge
                if !lt.is_list()
                    && !rt.is_list()
                    && let Some(order) = self.shared_order(&[&l, &r]) =>
            {
                let (l, r) = (self.ranked(order, l), self.ranked(order, r));
                if l.ty.is_error() || r.ty.is_error() {
                    return error_expr(span);
                }
                ExprKind::Compare {
                    op: cmp_op(op),
                    lhs: Box::new(l),
                    rhs: Box::new(r),
                }
            }
            C::Eq | C::Ne | C::Lt | C::Le | C::Gt | C::Ge => {
                let ordered = !matches!(op, C::Eq | C::Ne);
                // A list on either side compares element-wise (true if any element does).
                let (le, re) = (lt.element(), rt.element());
                let both_lists = lt.is_list() && rt.is_list();
                let ok = !both_lists
                    && le.is_some()
                    && le == re
                    && (!ordered
                        || matches!(le, Some(Scalar::Number | Scalar::Date | Scalar::Duration)));
                if !ok {
                    let help = if ordered && lt == Type::STRING {
                        Some(
                            "text cannot be ordered; compare it with `==`, `in`, `contains` or `matches`",
                        )
                    } else if both_lists {
                        Some("to compare two lists use `has any` or `has all`")
                    } else if lt.element() == Some(Scalar::Number) && rt == Type::STRING {
                        Some("numbers are written without quotes, such as 50 or 10M")
                    } else if (lt == Type::DURATION && rt == Type::NUMBER)
                        || (lt == Type::NUMBER && rt == Type::DURATION)
                    {
                        Some("write the number as a duration, such as `90d`")
                    } else {
                        None
                    };
                    return mismatch(
                        self,
                        format!(
                            "cannot compare `{}` ({lt}) {word} `{}` ({rt})",
                            self.show(lhs.span),
                            self.show(rhs.span)
                        ),
                        help,
                    );
                }
                ExprKind::Compare {
                    op: cmp_op(op),
                    lhs: Box::new(l),
                    rhs: Box::new(r),
                }
            }
            C::In | C::NotIn => {
                let ok = match rt {
                    Type::List(None) => true,
                    Type::List(Some(e)) => lt.element() == Some(e),
                    _ => false,
                };
                if !ok {
                    let help = if !rt.is_list() && rt == Type::STRING && lt == Type::STRING {
                        Some(
                            "`in` needs a list such as [\"US\", \"CA\"]; to look for text inside text use `contains`",
                        )
                    } else if !rt.is_list() {
                        Some("`in` needs a list on its right, such as [\"US\", \"CA\"]")
                    } else {
                        None
                    };
                    return mismatch(
                        self,
                        format!(
                            "`{word}` needs a list of {}s on its right, but `{}` is a {rt}",
                            lt.element()
                                .map_or("value".to_string(), |s| Type::Scalar(s).to_string()),
                            self.show(rhs.span)
                        ),
                        help,
                    );
                }
                ExprKind::In {
                    value: Box::new(l),
                    list: Box::new(r),
                    negated: op == C::NotIn,
                }
            }
            C::Has | C::HasAny | C::HasAll => {
                let Type::List(elem) = lt else {
                    let help = if lt == Type::STRING {
                        "`has` asks whether a list holds an item; for text inside text use `contains`"
                    } else {
                        "`has` works on list fields such as `company.industry` or `company.technologies`"
                    };
                    return mismatch(
                        self,
                        format!(
                            "`{word}` needs a list on its left, but `{}` is a {lt}",
                            self.show(lhs.span)
                        ),
                        Some(help),
                    );
                };
                let kind = match op {
                    C::Has => HasKind::One,
                    C::HasAny => HasKind::Any,
                    _ => HasKind::All,
                };
                let ok = match kind {
                    HasKind::One => !rt.is_list() && (elem.is_none() || rt.element() == elem),
                    _ => match rt {
                        Type::List(None) => true,
                        Type::List(Some(e)) => elem.is_none() || elem == Some(e),
                        _ => false,
                    },
                };
                if !ok {
                    let help = match kind {
                        HasKind::One if rt.is_list() => {
                            Some("to test several items use `has any [..]` or `has all [..]`")
                        }
                        HasKind::Any | HasKind::All if !rt.is_list() => Some(
                            "`has any` and `has all` take a list, such as [\"Software\", \"Internet\"]; for one item use `has`",
                        ),
                        _ => None,
                    };
                    return mismatch(
                        self,
                        format!(
                            "`{}` is a {lt}, so `{word}` cannot take `{}` ({rt})",
                            self.show(lhs.span),
                            self.show(rhs.span)
                        ),
                        help,
                    );
                }
                ExprKind::Has {
                    kind,
                    list: Box::new(l),
                    item: Box::new(r),
                }
            }
            C::Contains | C::StartsWith => {
                if !self.expect_text(
                    &l,
                    &format!("`{word}`"),
                    "it looks for text inside text; for lists of numbers use `has`",
                ) {
                    return error_expr(span);
                }
                if rt != Type::STRING {
                    return mismatch(
                        self,
                        format!(
                            "`{word}` looks for text, but `{}` is a {rt}",
                            self.show(rhs.span)
                        ),
                        Some("write the text in double quotes"),
                    );
                }
                if op == C::Contains {
                    ExprKind::Contains {
                        text: Box::new(l),
                        needle: Box::new(r),
                    }
                } else {
                    ExprKind::StartsWith {
                        text: Box::new(l),
                        prefix: Box::new(r),
                    }
                }
            }
        };
        let typed = Expr {
            kind,
            ty: Type::BOOL,
            span,
        };
        self.lint_vocabulary(&typed);
        typed
    }

    pub(super) fn regex(&mut self, r: &ast::Regex) -> Option<ir::RegexId> {
        if let Some(i) = self
            .regexes
            .iter()
            .position(|x| x.pattern == r.pattern && x.flags == r.flags)
        {
            return Some(ir::RegexId(i as u32));
        }
        let mut builder = regex::RegexBuilder::new(&r.pattern);
        for flag in r.flags.chars() {
            match flag {
                'i' => builder.case_insensitive(true),
                'm' => builder.multi_line(true),
                's' => builder.dot_matches_new_line(true),
                'x' => builder.ignore_whitespace(true),
                other => {
                    self.error(
                        Code::INVALID_REGEX,
                        r.span,
                        format!("unknown regex flag `{other}`"),
                    )
                    .help = Some("the flags are i (ignore case), m (multi-line), s (dot matches newline) and x (verbose)".into());
                    return None;
                }
            };
        }
        match builder.build() {
            Ok(regex) => {
                self.regexes.push(ir::Regex {
                    pattern: r.pattern.clone(),
                    flags: r.flags.clone(),
                    regex,
                });
                Some(ir::RegexId(self.regexes.len() as u32 - 1))
            }
            Err(err) => {
                let text = err.to_string();
                let reason = text
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("invalid pattern")
                    .trim()
                    .trim_start_matches("error: ")
                    .to_string();
                self.error(
                    Code::INVALID_REGEX,
                    r.span,
                    format!("invalid regular expression: {reason}"),
                )
                .help = Some(
                    "the syntax is that of the Rust `regex` crate (like RE2); escape `/` as `\\/`"
                        .into(),
                );
                None
            }
        }
    }
}

/// The ordering or equality operator of a comparison (the grammar gives `expect … score`
/// only these).
pub(super) fn cmp_op(op: ast::CompareOp) -> CmpOp {
    match op {
        ast::CompareOp::Eq => CmpOp::Eq,
        ast::CompareOp::Ne => CmpOp::Ne,
        ast::CompareOp::Lt => CmpOp::Lt,
        ast::CompareOp::Le => CmpOp::Le,
        ast::CompareOp::Gt => CmpOp::Gt,
        _ => CmpOp::Ge,
    }
}

fn arith_op(op: ast::ArithOp) -> ir::ArithOp {
    match op {
        ast::ArithOp::Add => ir::ArithOp::Add,
        ast::ArithOp::Sub => ir::ArithOp::Sub,
        ast::ArithOp::Mul => ir::ArithOp::Mul,
        ast::ArithOp::Div => ir::ArithOp::Div,
    }
}
