//! Relative thresholds: `percentile(FIELD, P)`, `median(FIELD)` and rank tiers (`top 10%`,
//! `top 50`), values that depend on every lead of a run rather than on one lead.
//!
//! How it works: the checker turns each distinct threshold into one [`Relative`] of the rule
//! set and leaves an [`ExprKind::Relative`] node where it is used. Before any lead is scored, a
//! first pass over the lead set (`icp score`, `icp explain`) computes each threshold exactly —
//! [`percentile`] over the field's present values, [`rank_cut`] over the scores of an ICP's
//! qualified leads — and [`RuleSet::resolve_relatives`] replaces every node with a constant:
//! a percentile with its number, a rank tier with `score >= CUT`. Both evaluators then run on
//! a rule set that holds no threshold at all, so they see the same constants by construction.
//! A threshold with no value (a `test` block that gives none) becomes an unknown number.
//!
//! Definitions (docs/language.md, "Relative thresholds"):
//! - `percentile(f, p)`: linear interpolation between closest ranks (Excel `PERCENTILE.INC`,
//!   NumPy's default) over the values of `f` present in the run, missing values left out:
//!   with the `n` values sorted ascending `x[0..n]`, `h = (n − 1) × p / 100`, the value is
//!   `x[⌊h⌋] + (h − ⌊h⌋) × (x[⌊h⌋ + 1] − x[⌊h⌋])`. Ties are just repeated values. No value
//!   present: the threshold is missing, and every comparison with it unknown.
//!   `median(f)` is `percentile(f, 50)`.
//! - `top N`: with the qualified leads' scores sorted from the highest, the cut is the
//!   `N`-th score; every qualified lead scoring at least the cut is in, so leads tied with
//!   the cut are all in. `top P%` is `top ⌈P × n / 100⌉` over `n` qualified leads. Fewer
//!   qualified leads than `N`: all are in; none: nobody is.

use icp_diagnostics::Span;
use serde::Serialize;

use crate::ir::{ArithOp, CmpOp, Expr, ExprKind, RuleSet};
use crate::schema::{FieldId, Type, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct RelativeId(pub u32);

/// One distinct threshold of a rule set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Relative {
    /// `percentile(field, p)` (and `median(field)`, `p` = 50): a company number field.
    Percentile { field: FieldId, p: f64 },
    /// `top …` in a tier condition of ICP `icp`.
    Top { icp: usize, rank: Rank },
}

/// How many of the best leads a rank tier takes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Rank {
    /// `top 10%`: 0 < P <= 100.
    Percent(f64),
    /// `top 50`: at least 1.
    Count(u64),
}

/// The value a first pass (or a `test` block) gives a threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Threshold {
    /// A percentile's value, or a rank tier's cut score.
    Known(f64),
    /// No value: a percentile of a field no lead has (missing, so comparisons are unknown),
    /// a rank tier of an ICP no lead qualifies for (nobody is in).
    Empty,
    /// Not computed (a `test` block that gives none): unknown.
    Unknown,
}

impl Relative {
    /// The threshold as the rules write it, for explanations: `percentile(company.revenue,
    /// 80)`, `top 10%` (of ICP …).
    pub fn text(&self, rules: &RuleSet) -> String {
        match self {
            Relative::Percentile { field, p } => {
                format!("percentile({}, {p})", rules.schema.field(*field).path())
            }
            Relative::Top { icp, rank } => {
                let name = rules.icps.get(*icp).map_or("?", |i| i.name.as_str());
                match rank {
                    Rank::Percent(p) => format!("top {p}% of {name}"),
                    Rank::Count(n) => format!("top {n} of {name}"),
                }
            }
        }
    }
}

/// The `p`-th percentile (0 ≤ p ≤ 100) of `values` sorted ascending (no NaN), by linear
/// interpolation between closest ranks; `None` when there is no value.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let h = last as f64 * p.clamp(0.0, 100.0) / 100.0;
    let low = (h.floor() as usize).min(last);
    let high = (low + 1).min(last);
    let fraction = h - low as f64;
    let (a, b) = (sorted[low], sorted[high]);
    Some(if fraction == 0.0 || a == b {
        a
    } else {
        a + fraction * (b - a)
    })
}

/// Sorts `values` ascending for [`percentile`] (NaN, which a number column never holds,
/// last).
pub fn sort_values(values: &mut [f64]) {
    values.sort_by(f64::total_cmp);
}

/// The cut score of a rank tier over the scores of an ICP's qualified leads (in any order;
/// sorted here): leads scoring at least the cut are in. `None` when nobody is (no qualified
/// lead).
pub fn rank_cut(scores: &mut [f64], rank: Rank) -> Option<f64> {
    let n = scores.len();
    if n == 0 {
        return None;
    }
    let wanted = match rank {
        Rank::Count(k) => usize::try_from(k).unwrap_or(usize::MAX),
        Rank::Percent(p) => ((p / 100.0) * n as f64).ceil() as usize,
    };
    if wanted == 0 {
        return None;
    }
    scores.sort_by(|a, b| b.total_cmp(a));
    Some(scores[wanted.min(n) - 1])
}

impl RuleSet {
    /// Replaces every threshold with its value (`values[i]` for [`RuleSet::relatives`]`[i]`,
    /// `Unknown` when absent), leaving none: a percentile with its number, a rank tier with
    /// `score >= CUT`. An `Empty` percentile, and an `Unknown` threshold, become a number
    /// unknown to both evaluators (`0 / 0`, as a missing field); an `Empty` rank tier `false`.
    pub fn resolve_relatives(&mut self, values: &[Threshold]) {
        if self.relatives.is_empty() {
            return;
        }
        let relatives = self.relatives.clone();
        let mut visit = |e: &mut Expr| resolve(e, &relatives, values);
        self.lets.iter_mut().for_each(|l| visit(&mut l.value));
        self.personas
            .iter_mut()
            .for_each(|p| visit(&mut p.condition));
        for icp in &mut self.icps {
            icp.requires
                .iter_mut()
                .chain(&mut icp.excludes)
                .for_each(|c| visit(&mut c.condition));
            for s in &mut icp.scores {
                visit(&mut s.condition);
                if let Some(d) = &mut s.decay {
                    visit(&mut d.age);
                }
            }
            icp.tiers
                .iter_mut()
                .filter_map(|t| t.condition.as_mut())
                .for_each(&mut visit);
        }
    }

    /// Whether scoring needs the scores of a first pass (a rank tier).
    pub fn has_rank_tiers(&self) -> bool {
        self.relatives
            .iter()
            .any(|r| matches!(r, Relative::Top { .. }))
    }
}

fn resolve(e: &mut Expr, relatives: &[Relative], values: &[Threshold]) {
    let ExprKind::Relative(id) = e.kind else {
        e.for_each_child_mut(|child| resolve(child, relatives, values));
        return;
    };
    let value = values
        .get(id.0 as usize)
        .copied()
        .unwrap_or(Threshold::Unknown);
    e.kind = relatives[id.0 as usize].substitute(value, e.span);
}

impl Relative {
    /// The expression that stands for the threshold once it has `value`.
    pub fn substitute(&self, value: Threshold, span: Span) -> ExprKind {
        let number = |kind| Expr {
            kind,
            ty: Type::NUMBER,
            span,
        };
        // A number that is unknown to both evaluators, as a missing field is: `0 / 0`.
        let unknown = || ExprKind::Arith {
            op: ArithOp::Div,
            lhs: Box::new(number(ExprKind::Const(Value::Number(0.0)))),
            rhs: Box::new(number(ExprKind::Const(Value::Number(0.0)))),
        };
        let at_least = |cut| ExprKind::Compare {
            op: CmpOp::Ge,
            lhs: Box::new(number(ExprKind::Score)),
            rhs: Box::new(number(cut)),
        };
        match (self, value) {
            (Relative::Percentile { .. }, Threshold::Known(v)) => ExprKind::Const(Value::Number(v)),
            (Relative::Percentile { .. }, Threshold::Empty | Threshold::Unknown) => unknown(),
            (Relative::Top { .. }, Threshold::Known(cut)) => {
                at_least(ExprKind::Const(Value::Number(cut)))
            }
            (Relative::Top { .. }, Threshold::Empty) => ExprKind::Const(Value::Bool(false)),
            (Relative::Top { .. }, Threshold::Unknown) => at_least(unknown()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pct(values: &[f64], p: f64) -> Option<f64> {
        let mut v = values.to_vec();
        sort_values(&mut v);
        percentile(&v, p)
    }

    #[test]
    fn percentile_interpolates_between_closest_ranks() {
        let v = [40.0, 10.0, 30.0, 20.0];
        assert_eq!(pct(&v, 0.0), Some(10.0));
        assert_eq!(pct(&v, 100.0), Some(40.0));
        // h = 3 × 0.5 = 1.5: halfway between 20 and 30.
        assert_eq!(pct(&v, 50.0), Some(25.0));
        // h = 3 × 0.8 = 2.4: 30 + 0.4 × 10.
        assert_eq!(pct(&v, 80.0), Some(30.0 + (2.4f64 - 2.0) * 10.0));
        assert_eq!(pct(&[7.0], 80.0), Some(7.0));
        assert_eq!(pct(&[], 80.0), None);
    }

    #[test]
    fn percentile_of_ties_is_the_tied_value() {
        assert_eq!(pct(&[5.0, 5.0, 5.0, 9.0], 50.0), Some(5.0));
        assert_eq!(pct(&[1.0, 5.0, 5.0, 5.0], 90.0), Some(5.0));
    }

    #[test]
    fn rank_cut_keeps_every_lead_tied_with_the_cut() {
        let scores = [10.0, 30.0, 20.0, 20.0, 5.0];
        let cut = |rank| rank_cut(&mut scores.to_vec(), rank);
        assert_eq!(cut(Rank::Count(1)), Some(30.0));
        // The 3rd best is 20, tied with the 2nd: both are in (3 leads).
        assert_eq!(cut(Rank::Count(2)), Some(20.0));
        assert_eq!(cut(Rank::Count(3)), Some(20.0));
        // More than there are: all are in.
        assert_eq!(cut(Rank::Count(50)), Some(5.0));
        // ⌈10% × 5⌉ = 1 lead; ⌈50% × 5⌉ = 3.
        assert_eq!(cut(Rank::Percent(10.0)), Some(30.0));
        assert_eq!(cut(Rank::Percent(50.0)), Some(20.0));
        assert_eq!(cut(Rank::Percent(100.0)), Some(5.0));
        assert_eq!(rank_cut(&mut [], Rank::Count(3)), None);
    }

    #[test]
    fn substitution_leaves_no_threshold() {
        let span = Span::default();
        let top = Relative::Top {
            icp: 0,
            rank: Rank::Count(3),
        };
        let number = Relative::Percentile {
            field: FieldId(0),
            p: 50.0,
        };
        assert!(matches!(
            number.substitute(Threshold::Known(4.0), span),
            ExprKind::Const(Value::Number(n)) if n == 4.0
        ));
        assert!(matches!(
            number.substitute(Threshold::Empty, span),
            ExprKind::Arith {
                op: ArithOp::Div,
                ..
            }
        ));
        assert!(matches!(
            top.substitute(Threshold::Empty, span),
            ExprKind::Const(Value::Bool(false))
        ));
        assert!(matches!(
            top.substitute(Threshold::Known(7.0), span),
            ExprKind::Compare { op: CmpOp::Ge, .. }
        ));
    }
}
