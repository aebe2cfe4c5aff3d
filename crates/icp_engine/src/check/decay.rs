//! Decaying scores: `score 20 "recent round" decaying(funding.days_since_last_round, half_life = 90d)`.
//!
//! How it works: the age is typed like any lead-level expression and must be a number (of
//! days) or a duration; the half-life is a duration literal above 0 days. The score's
//! condition becomes "the age is known" — `AGE >= -inf`, unknown exactly when the age is, with
//! the same missing inputs — so a decaying score follows SPEC §3's rule for unknown scores
//! (no points, its inputs listed as unknown), and the points it gives are worked out by
//! [`ir::ScoreRule::points_at`] from the age. The static maximum counts the undecayed points.

use icp_diagnostics::Code;
use icp_syntax::ast;

use crate::ir::{self, CmpOp, Expr, ExprKind};
use crate::schema::{Type, Value};

use super::{Checker, Ctx, error_expr};

impl Checker<'_> {
    /// The condition and decay of `score N decaying(age, half_life = D)`.
    pub(super) fn decaying(
        &mut self,
        age: &ast::Expr,
        decay: &ast::Decay,
    ) -> (Expr, Option<ir::Decay>) {
        let value = self.expr(age, Ctx::default());
        if decay.half_life <= 0.0 {
            self.error(
                Code::INVALID_LITERAL,
                decay.span,
                format!(
                    "a half-life of `{}` never lets points fade",
                    decay.half_life_text
                ),
            )
            .help = Some("write a duration above 0 days, such as `90d` or `6mo`".into());
            return (error_expr(age.span), None);
        }
        let least = match value.ty {
            Type::Error => return (error_expr(age.span), None),
            Type::NUMBER => Value::Number(f64::NEG_INFINITY),
            Type::DURATION => Value::Duration(f64::NEG_INFINITY),
            other => {
                let shown = self.show(age.span);
                self.error(
                    Code::TYPE_MISMATCH,
                    age.span,
                    format!("the age of `decaying` must be a number of days or a duration, but `{shown}` is a {other}"),
                )
                .help = Some(
                    "give an age such as `funding.days_since_last_round` or `days_since(company.last_order)`"
                        .into(),
                );
                return (error_expr(age.span), None);
            }
        };
        let floor = Expr {
            kind: ExprKind::Const(least),
            ty: value.ty,
            span: age.span,
        };
        let known = Expr {
            kind: ExprKind::Compare {
                op: CmpOp::Ge,
                lhs: Box::new(value.clone()),
                rhs: Box::new(floor),
            },
            ty: Type::BOOL,
            span: age.span,
        };
        let decay = ir::Decay {
            age: value,
            half_life: decay.half_life,
        };
        (known, Some(decay))
    }
}
