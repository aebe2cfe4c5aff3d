//! Tiers that can never be given: a tier after `tier … otherwise` (tiers are tried in order and
//! `otherwise` takes every lead that reaches it), and a tier whose condition on `score` cannot
//! hold anywhere in the ICP's static score range (see `score_range` in the ICP checker).
//!
//! How it works: [`possible`] evaluates a tier condition over the interval `[min, max]` of
//! reachable scores: a comparison of `score` with a number, `score between a and b`, and `and`/
//! `or` of those. It answers `Some(false)` only when the condition certainly fails for every
//! score in the range; anything it cannot analyse (fields, signals, lets) is `None`, never
//! reported.

use icp_diagnostics::{Code, Diagnostic};

use crate::ir::{self, CmpOp, Expr, ExprKind};
use crate::schema::{Value, format_number};

use crate::check::Checker;

impl Checker<'_> {
    /// Warns on tiers after `otherwise` and tiers outside the ICP's score range.
    pub(super) fn lint_tiers(&mut self, def: &ir::IcpDef) {
        // Tiers after `otherwise`, and thresholds above the reachable score.
        let mut otherwise: Option<&ir::TierDef> = None;
        for tier in &def.tiers {
            if let Some(o) = otherwise {
                let d = Diagnostic::new(
                    Code::TIER_AFTER_OTHERWISE,
                    format!(
                        "tier `{}` comes after `tier {} otherwise` and can never be given",
                        tier.name, o.name
                    ),
                    tier.span,
                )
                .with_note_at(o.span, "every lead that reaches the tiers stops here")
                .with_help("tiers are tried in order; put `otherwise` last");
                self.report(d);
                continue;
            }
            match &tier.condition {
                None => otherwise = Some(tier),
                Some(cond) => {
                    if possible(cond, def.min_score, def.max_score) == Some(false) {
                        let d = Diagnostic::new(
                            Code::UNREACHABLE_TIER,
                            format!("tier `{}` can never match", tier.name),
                            cond.span,
                        )
                        .with_label(format!(
                            "scores of `{}` range from {} to {}",
                            def.name,
                            format_number(def.min_score),
                            format_number(def.max_score)
                        ))
                        .with_help(
                            "change the threshold to fall within that range; the maximum counts positive points, each group at most its cap",
                        );
                        self.report(d);
                    }
                }
            }
        }
    }
}

/// Whether a tier condition can hold for some score in `[min, max]`: `Some(false)` when it
/// certainly cannot, `None` when the analysis cannot tell.
fn possible(e: &Expr, min: f64, max: f64) -> Option<bool> {
    let number = |e: &Expr| match &e.kind {
        ExprKind::Const(Value::Number(n)) => Some(*n),
        _ => None,
    };
    match &e.kind {
        ExprKind::Compare { op, lhs, rhs } => {
            let (op, n) = match (&lhs.kind, &rhs.kind) {
                (ExprKind::Score, _) => (*op, number(rhs)?),
                (_, ExprKind::Score) => (op.flipped(), number(lhs)?),
                _ => return None,
            };
            Some(match op {
                CmpOp::Eq => min <= n && n <= max,
                CmpOp::Ne => !(min == n && max == n),
                CmpOp::Lt => min < n,
                CmpOp::Le => min <= n,
                CmpOp::Gt => max > n,
                CmpOp::Ge => max >= n,
            })
        }
        ExprKind::Between { value, low, high } if matches!(value.kind, ExprKind::Score) => {
            let (lo, hi) = (number(low)?, number(high)?);
            Some(lo <= hi && lo <= max && hi >= min)
        }
        ExprKind::And(a, b) => match (possible(a, min, max), possible(b, min, max)) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            _ => None,
        },
        ExprKind::Or(a, b) => match (possible(a, min, max), possible(b, min, max)) {
            (Some(false), Some(false)) => Some(false),
            _ => None,
        },
        _ => None,
    }
}
