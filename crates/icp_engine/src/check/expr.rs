//! Expression typing: from an AST expression to a typed [`Expr`], reporting type errors.
//!
//! How it works: [`Checker::expr`] dispatches on the kind of expression. Literals become
//! constants; a list whose items are all constants becomes one constant list, and its items must
//! share one scalar type. `and`/`or`/arithmetic chains are walked along their left spine
//! without recursion, so a long chain cannot exhaust the stack. Quantifiers (`any`/`every
//! contact where …`, `count contacts`) put a contact in scope for their body and cannot nest.
//! Comparisons, arithmetic and regexes are in `operators`, names and paths in `names`, calls
//! in `calls`.
//!
//! The [`Ctx`] passed down says whether a contact is in scope and whether `score` may be used.
//! An operand that already failed is typed `Error` and accepted everywhere, so an error is
//! reported once, where it is. [`Checker::condition`] checks a whole condition (it must be true
//! or false) and hands it to the lints.

use icp_diagnostics::{Code, Diagnostic, Span};
use icp_syntax::ast;

use crate::ir::{Expr, ExprKind};
use crate::schema::{Scalar, Type, Value};

use super::{Checker, Ctx, error_expr};

impl Checker<'_> {
    /// Checks an expression that must be true or false, and lints it as a whole condition.
    pub(super) fn condition(&mut self, e: &ast::Expr, ctx: Ctx) -> Expr {
        let out = self.expr(e, ctx);
        if !out.ty.is_error() && out.ty != Type::BOOL {
            self.error(
                Code::TYPE_MISMATCH,
                e.span,
                format!(
                    "a condition must be true or false, but `{}` is a {}",
                    self.show(e.span),
                    out.ty
                ),
            )
            .help = Some(
                "compare it, for example `company.employees >= 50` or `company.revenue is present`"
                    .into(),
            );
            return out;
        }
        if !out.ty.is_error() {
            self.lint_condition(&out);
        }
        out
    }

    pub(super) fn expr(&mut self, e: &ast::Expr, ctx: Ctx) -> Expr {
        let span = e.span;
        let (kind, ty) = match &e.kind {
            ast::ExprKind::Number(n) => (ExprKind::Const(Value::Number(*n)), Type::NUMBER),
            ast::ExprKind::String(s) => (ExprKind::Const(Value::String(s.clone())), Type::STRING),
            ast::ExprKind::Bool(b) => (ExprKind::Const(Value::Bool(*b)), Type::BOOL),
            ast::ExprKind::Date(d) => (ExprKind::Const(Value::Date(*d)), Type::DATE),
            ast::ExprKind::Duration(d) => (ExprKind::Const(Value::Duration(*d)), Type::DURATION),
            ast::ExprKind::List(items) => return self.list(items, span, ctx),
            ast::ExprKind::Path(path) => return self.path(path, ctx),
            ast::ExprKind::Call { callee, args } => return self.call(callee, args, span, ctx),
            ast::ExprKind::Today => (ExprKind::Today, Type::DATE),
            ast::ExprKind::Score => {
                if !ctx.tier {
                    self.error(
                        Code::SCORE_OUTSIDE_TIER,
                        span,
                        "`score` can only be used in a tier condition",
                    )
                    .help = Some("the score is known once every `score` line has run: use it as `tier A when score >= 60`".into());
                    return error_expr(span);
                }
                (ExprKind::Score, Type::NUMBER)
            }
            ast::ExprKind::Top { amount, percent } => {
                return self.top_rank(*amount, *percent, span, ctx);
            }
            ast::ExprKind::Paren(inner) => {
                let mut out = self.expr(inner, ctx);
                out.span = span;
                return out;
            }
            ast::ExprKind::Not(inner) => {
                let operand = self.expr(inner, ctx);
                self.expect_type(&operand, Type::BOOL, "`not`");
                (ExprKind::Not(Box::new(operand)), Type::BOOL)
            }
            ast::ExprKind::Neg(inner) => {
                let operand = self.expr(inner, ctx);
                match (&operand.kind, operand.ty) {
                    (ExprKind::Const(Value::Number(n)), _) => {
                        (ExprKind::Const(Value::Number(-n)), Type::NUMBER)
                    }
                    (_, Type::Error) => return error_expr(span),
                    (_, t) if t == Type::NUMBER || t == Type::DURATION => {
                        (ExprKind::Neg(Box::new(operand)), t)
                    }
                    (_, t) => {
                        self.error(
                            Code::TYPE_MISMATCH,
                            span,
                            format!(
                                "`-` needs a number, but `{}` is a {t}",
                                self.show(inner.span)
                            ),
                        );
                        return error_expr(span);
                    }
                }
            }
            ast::ExprKind::Logic { .. } | ast::ExprKind::Arith { .. } => return self.chain(e, ctx),
            ast::ExprKind::Compare { op, lhs, rhs } => {
                return self.compare(*op, lhs, rhs, span, ctx);
            }
            ast::ExprKind::Matches { value, regex } => {
                let text = self.expr(value, ctx);
                self.expect_text(&text, "`matches`", "a regex is matched against text");
                match self.regex(regex) {
                    Some(id) => (
                        ExprKind::Matches {
                            text: Box::new(text),
                            regex: id,
                        },
                        Type::BOOL,
                    ),
                    None => return error_expr(span),
                }
            }
            ast::ExprKind::Between { value, low, high } => {
                let v = self.expr(value, ctx);
                let lo = self.expr(low, ctx);
                let hi = self.expr(high, ctx);
                // An ordered category: every side as its rank.
                let (v, lo, hi) = match self.shared_order(&[&v, &lo, &hi]) {
                    Some(order) => (
                        self.ranked(order, v),
                        self.ranked(order, lo),
                        self.ranked(order, hi),
                    ),
                    None => (v, lo, hi),
                };
                if !v.ty.is_error()
                    && v.ty != Type::NUMBER
                    && v.ty != Type::DATE
                    && v.ty != Type::DURATION
                {
                    self.error(
                        Code::TYPE_MISMATCH,
                        value.span,
                        format!(
                            "`between` needs a number or a date, but `{}` is a {}",
                            self.show(value.span),
                            v.ty
                        ),
                    );
                } else {
                    for bound in [&lo, &hi] {
                        if !bound.ty.is_error() && !v.ty.is_error() && bound.ty != v.ty {
                            self.error(
                                Code::TYPE_MISMATCH,
                                bound.span,
                                format!(
                                    "`{}` is a {}, so its bounds must be too, but `{}` is a {}",
                                    self.show(value.span),
                                    v.ty,
                                    self.show(bound.span),
                                    bound.ty
                                ),
                            );
                        }
                    }
                }
                if let (ExprKind::Const(a), ExprKind::Const(b)) = (&lo.kind, &hi.kind)
                    && value_cmp(a, b) == Some(std::cmp::Ordering::Greater)
                {
                    let d = Diagnostic::new(
                        Code::CONSTANT_CONDITION,
                        format!("`between {a} and {b}` is never true: the low bound is above the high bound"),
                        lo.span.to(hi.span),
                    )
                    .with_help(format!("write `between {b} and {a}`"));
                    self.report(d);
                }
                (
                    ExprKind::Between {
                        value: Box::new(v),
                        low: Box::new(lo),
                        high: Box::new(hi),
                    },
                    Type::BOOL,
                )
            }
            ast::ExprKind::Is { value, present } => {
                let v = self.expr(value, ctx);
                (
                    ExprKind::Is {
                        value: Box::new(v),
                        present: *present,
                    },
                    Type::BOOL,
                )
            }
            ast::ExprKind::Quantifier { kind, body } => {
                if !self.quantifier_allowed(ctx, span) {
                    return error_expr(span);
                }
                let inner_ctx = Ctx {
                    contact: true,
                    tier: ctx.tier,
                };
                let b = self.expr(body, inner_ctx);
                self.expect_type(&b, Type::BOOL, "the `where` condition");
                let kind = match kind {
                    ast::QuantifierKind::Any => ExprKind::AnyContact(Box::new(b)),
                    ast::QuantifierKind::Every => ExprKind::EveryContact(Box::new(b)),
                };
                (kind, Type::BOOL)
            }
            ast::ExprKind::Count { filter } => {
                if !self.quantifier_allowed(ctx, span) {
                    return error_expr(span);
                }
                let inner_ctx = Ctx {
                    contact: true,
                    tier: ctx.tier,
                };
                let f = filter.as_ref().map(|f| {
                    let b = self.expr(f, inner_ctx);
                    self.expect_type(&b, Type::BOOL, "the `where` condition");
                    Box::new(b)
                });
                (ExprKind::CountContacts(f), Type::NUMBER)
            }
        };
        Expr { kind, ty, span }
    }

    fn quantifier_allowed(&mut self, ctx: Ctx, span: Span) -> bool {
        if ctx.contact {
            self.error(
                Code::NESTED_QUANTIFIER,
                span,
                "a contact quantifier cannot be used where a contact is already in scope",
            )
            .help = Some("inside `any contact where …` or a persona, conditions are about one contact; move this quantifier out".into());
            return false;
        }
        true
    }

    /// Reports `E0007` unless the expression has the type (or already an error).
    fn expect_type(&mut self, e: &Expr, ty: Type, what: &str) {
        if e.ty.is_error() || e.ty == ty {
            return;
        }
        let help = if ty == Type::BOOL {
            Some("compare it, for example `company.employees >= 50`".to_string())
        } else {
            None
        };
        let d = self.error(
            Code::TYPE_MISMATCH,
            e.span,
            format!(
                "{what} needs a {ty}, but `{}` is a {}",
                self.show(e.span),
                e.ty
            ),
        );
        d.help = help;
    }

    /// Reports `E0007` unless the expression is text or a list of text.
    pub(super) fn expect_text(&mut self, e: &Expr, what: &str, why: &str) -> bool {
        if e.ty.is_error() || e.ty == Type::STRING || e.ty == Type::STRING_LIST {
            return true;
        }
        let d = self.error(
            Code::TYPE_MISMATCH,
            e.span,
            format!(
                "{what} needs text, but `{}` is a {}",
                self.show(e.span),
                e.ty
            ),
        );
        d.help = Some(why.to_string());
        false
    }

    fn list(&mut self, items: &[ast::Expr], span: Span, ctx: Ctx) -> Expr {
        let checked: Vec<Expr> = items.iter().map(|i| self.expr(i, ctx)).collect();
        let mut elem: Option<Scalar> = None;
        for item in &checked {
            match item.ty {
                Type::Error => return error_expr(span),
                Type::List(_) => {
                    self.error(Code::TYPE_MISMATCH, item.span, "lists cannot contain lists")
                        .help = Some("flatten it into one list".into());
                    return error_expr(span);
                }
                Type::Scalar(s) => match elem {
                    None => elem = Some(s),
                    Some(first) if first != s => {
                        self.error(
                            Code::TYPE_MISMATCH,
                            item.span,
                            format!(
                                "the elements of a list must all have one type, but this is a {} after a {}",
                                Type::Scalar(s),
                                Type::Scalar(first)
                            ),
                        );
                        return error_expr(span);
                    }
                    Some(_) => {}
                },
            }
        }
        let ty = Type::List(elem);
        if checked.iter().all(|i| matches!(i.kind, ExprKind::Const(_))) {
            let values = checked
                .into_iter()
                .filter_map(|i| match i.kind {
                    ExprKind::Const(v) => Some(v),
                    _ => None,
                })
                .collect();
            return Expr {
                kind: ExprKind::Const(Value::List(values)),
                ty,
                span,
            };
        }
        Expr {
            kind: ExprKind::List(checked),
            ty,
            span,
        }
    }

    /// A left-nested chain of `and`, `or` and arithmetic (`a and b and c …`), walked along its
    /// left spine iteratively so that a long chain cannot exhaust the stack.
    fn chain(&mut self, e: &ast::Expr, ctx: Ctx) -> Expr {
        let mut spine = Vec::new();
        let mut leftmost = e;
        while let ast::ExprKind::Logic { lhs, .. } | ast::ExprKind::Arith { lhs, .. } =
            &leftmost.kind
        {
            spine.push(leftmost);
            leftmost = lhs;
        }
        let mut acc = self.expr(leftmost, ctx);
        for node in spine.into_iter().rev() {
            acc = match &node.kind {
                ast::ExprKind::Logic { op, rhs, .. } => {
                    let r = self.expr(rhs, ctx);
                    let word = format!("`{}`", op.as_str());
                    self.expect_type(&acc, Type::BOOL, &word);
                    self.expect_type(&r, Type::BOOL, &word);
                    let kind = match op {
                        ast::LogicOp::And => ExprKind::And(Box::new(acc), Box::new(r)),
                        ast::LogicOp::Or => ExprKind::Or(Box::new(acc), Box::new(r)),
                    };
                    Expr {
                        kind,
                        ty: Type::BOOL,
                        span: node.span,
                    }
                }
                ast::ExprKind::Arith { op, rhs, .. } => {
                    let r = self.expr(rhs, ctx);
                    self.arith(*op, acc, r, node.span)
                }
                _ => unreachable!("the spine holds only chains"),
            };
        }
        acc
    }
}

fn value_cmp(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) | (Value::Duration(x), Value::Duration(y)) => {
            x.partial_cmp(y)
        }
        (Value::Date(x), Value::Date(y)) => Some(x.cmp(y)),
        _ => None,
    }
}
