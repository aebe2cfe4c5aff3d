//! Relative thresholds in the rules: `percentile(FIELD, P)`, `median(FIELD)` and rank tiers
//! (`top 10%`, `top 50`).
//!
//! How it works: each is checked here and interned as one [`ir::Relative`] of the rule set
//! (the same threshold written twice is computed once), leaving an [`ExprKind::Relative`]
//! node — a number for a percentile, a truth for `top` — that the run replaces with its value
//! before scoring (`crate::relative`). A percentile takes a company number field (not a
//! contact's field, a let or a signal: the first pass reads the column itself) and a number
//! literal from 0 to 100 (`E0040`). `top` is legal only in a tier condition (`E0041`), the
//! rank of the lead among its ICP's qualified leads; its amount is a percentage above 0 and
//! at most 100, or a whole count of at least 1 (`E0042`).

use icp_diagnostics::{Code, Span};
use icp_syntax::ast;

use crate::ir::{self, Expr, ExprKind, Rank, Relative, RelativeId};
use crate::schema::{Type, Value};

use super::{Checker, Ctx, error_expr};

impl Checker<'_> {
    /// `percentile(…)` or `median(…)`, or `None` when `name` is neither.
    pub(super) fn relative_call(
        &mut self,
        name: &str,
        args: &[ast::Arg],
        span: Span,
        ctx: Ctx,
    ) -> Option<Expr> {
        let wanted = match name {
            "percentile" => 2,
            "median" => 1,
            _ => return None,
        };
        let example =
            "for example `percentile(company.revenue, 80)` or `median(company.employees)`";
        if args.len() != wanted || args.iter().any(|a| a.name.is_some()) {
            let shape = if wanted == 2 {
                "a company number field and a percentage from 0 to 100"
            } else {
                "one company number field"
            };
            self.error(
                Code::INVALID_PERCENTILE,
                span,
                format!("`{name}` takes {shape}, without names"),
            )
            .help = Some(example.into());
            return Some(error_expr(span));
        }
        let field = self.expr(&args[0].value, ctx);
        if field.ty.is_error() {
            return Some(error_expr(span));
        }
        let field = match field.kind {
            ExprKind::Field(f) if field.ty == Type::NUMBER => f,
            _ => {
                let what = if field.ty == Type::NUMBER {
                    "not a company field".to_string()
                } else {
                    format!("a {}", field.ty)
                };
                self.error(
                    Code::INVALID_PERCENTILE,
                    args[0].value.span,
                    format!(
                        "`{name}` needs a company number field, but `{}` is {what}",
                        self.show(args[0].value.span)
                    ),
                )
                .help = Some(format!(
                    "the threshold is computed over the column of one field of the leads: {example}"
                ));
                return Some(error_expr(span));
            }
        };
        let p = match args.get(1) {
            None => 50.0,
            Some(arg) => {
                let p = self.expr(&arg.value, ctx);
                match p.kind {
                    ExprKind::Const(Value::Number(p)) if (0.0..=100.0).contains(&p) => p,
                    _ if p.ty.is_error() => return Some(error_expr(span)),
                    _ => {
                        self.error(
                            Code::INVALID_PERCENTILE,
                            arg.value.span,
                            format!(
                                "the percentage of `percentile` must be a number from 0 to 100, not `{}`",
                                self.show(arg.value.span)
                            ),
                        )
                        .help = Some(
                            "80 is the value 80% of the leads are at or below: `percentile(company.revenue, 80)`"
                                .into(),
                        );
                        return Some(error_expr(span));
                    }
                }
            }
        };
        let id = self.intern_relative(Relative::Percentile { field, p });
        Some(Expr {
            kind: ExprKind::Relative(id),
            ty: Type::NUMBER,
            span,
        })
    }

    /// `top 10%` / `top 50` in a tier condition of the ICP being checked.
    pub(super) fn top_rank(&mut self, amount: f64, percent: bool, span: Span, ctx: Ctx) -> Expr {
        if !ctx.tier {
            self.error(
                Code::TOP_OUTSIDE_TIER,
                span,
                "`top` can only be used in a tier condition",
            )
            .help = Some(
                "the rank of a lead is known once every lead is scored: use it as `tier A when top 10%`"
                    .into(),
            );
            return error_expr(span);
        }
        let rank = if percent {
            (amount > 0.0 && amount <= 100.0).then_some(Rank::Percent(amount))
        } else {
            (amount >= 1.0 && amount.fract() == 0.0 && amount <= u64::MAX as f64)
                .then_some(Rank::Count(amount as u64))
        };
        let Some(rank) = rank else {
            let (message, help) = if percent {
                (
                    format!("`top {amount}%` takes a percentage above 0 and at most 100"),
                    "for example `tier A when top 10%`",
                )
            } else {
                (
                    format!("`top {amount}` takes a whole number of leads, at least 1"),
                    "for example `tier A when top 50`, or a percentage: `top 10%`",
                )
            };
            self.error(Code::INVALID_RANK, span, message).help = Some(help.into());
            return error_expr(span);
        };
        let id = self.intern_relative(Relative::Top {
            icp: self.tier_icp,
            rank,
        });
        Expr {
            kind: ExprKind::Relative(id),
            ty: Type::BOOL,
            span,
        }
    }

    fn intern_relative(&mut self, relative: ir::Relative) -> RelativeId {
        let index = match self.relatives.iter().position(|r| *r == relative) {
            Some(i) => i,
            None => {
                self.relatives.push(relative);
                self.relatives.len() - 1
            }
        };
        RelativeId(index as u32)
    }
}
