//! `icp diff --outcomes`: how a change of the rules changes each tier's win rate and lift.
//!
//! How it works: the command counts the same leads, with their accounts' outcomes, once per
//! side in a [`Backtest`](crate::backtest::Backtest) (no criteria), and hands both finished
//! reports to [`attach`]. Each ICP of the diff gets its tiers paired by name — the old side's
//! tiers in order, then the new side's tiers the old lacks, then no tier (`null`, not
//! qualified) — each with the backtest's [`TierFigures`] of either side (`null` on a side
//! without the ICP or the tier), and both sides' ROC AUC. Every figure is the backtest's, so
//! the two commands agree on the same leads and dates.

use serde::Serialize;

use super::{DiffReport, IcpDiff};
use crate::backtest::{Base, IcpReport, Report, TierFigures};

/// One ICP's win figures on either side.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeChanges {
    /// Every lead, with its account's outcome (the same on both sides).
    pub base: Base,
    pub old_auc: Option<f64>,
    pub new_auc: Option<f64>,
    /// Per tier (by name), then no tier.
    pub tiers: Vec<TierChange>,
}

/// A tier's figures before and after.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TierChange {
    /// The tier's name; `None` for the leads of no tier.
    pub tier: Option<String>,
    pub old: Option<TierFigures>,
    pub new: Option<TierFigures>,
}

/// Fills every ICP's `outcomes` of `diff` from the backtests of the old and new rules.
pub fn attach(diff: &mut DiffReport, old: &Report, new: &Report) {
    for icp in &mut diff.icps {
        icp.outcomes = Some(changes(icp, old, new));
    }
}

fn changes(icp: &IcpDiff, old: &Report, new: &Report) -> OutcomeChanges {
    let (old_icp, new_icp) = (
        side(old, &icp.icp, &icp.old_tiers),
        side(new, &icp.icp, &icp.new_tiers),
    );
    let mut names: Vec<String> = icp.old_tiers.clone().unwrap_or_default();
    for tier in icp.new_tiers.iter().flatten() {
        if !names.contains(tier) {
            names.push(tier.clone());
        }
    }
    let tier_of = |side: Option<&IcpReport>, name: &str| {
        side.and_then(|r| r.tiers.iter().find(|t| t.tier.as_deref() == Some(name)))
            .cloned()
    };
    let mut tiers: Vec<TierChange> = names
        .into_iter()
        .map(|name| TierChange {
            old: tier_of(old_icp, &name),
            new: tier_of(new_icp, &name),
            tier: Some(name),
        })
        .collect();
    tiers.push(TierChange {
        tier: None,
        old: old_icp.map(|r| r.not_qualified.clone()),
        new: new_icp.map(|r| r.not_qualified.clone()),
    });
    OutcomeChanges {
        base: new.base.clone(),
        old_auc: old_icp.and_then(|r| r.auc),
        new_auc: new_icp.and_then(|r| r.auc),
        tiers,
    }
}

/// The ICP named `name` of a side's report, when the side has it.
fn side<'r>(report: &'r Report, name: &str, tiers: &Option<Vec<String>>) -> Option<&'r IcpReport> {
    tiers
        .as_ref()
        .and_then(|_| report.icps.iter().find(|r| r.icp == name))
}
