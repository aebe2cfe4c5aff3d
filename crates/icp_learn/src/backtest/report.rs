//! The report of a backtest: every figure, defined, and its JSON form (the contract of
//! `icp backtest --format json`, docs/backtest.md).
//!
//! How it works: [`icp_report`] turns one ICP's counts into figures with the shared
//! [`Rate`]: a win rate is `won / (won + lost)` (open deals neither win nor lose), with its
//! Wilson 95% interval; lift is a win rate over the base win rate; the share of wins captured
//! is a group's won leads over all won leads. A figure without a denominator is `None`
//! (`null` in JSON), never 0. A criterion's lift is the win rate of the closed leads it holds
//! for over the base win rate; its flags compare how often it holds among all, won and lost
//! leads (see [`Flag`]).

use serde::Serialize;

use super::auc::roc_auc;
use super::{Counts, Holds, IcpSpec};
use crate::rates::Rate;

/// Score bands of the calibration table: tenths of the maximum score.
pub const BANDS: usize = 10;

/// The base: every lead.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Base {
    /// Every lead read.
    pub accounts: u64,
    pub won: u64,
    pub lost: u64,
    pub open: u64,
    /// `won / (won + lost)`.
    pub win_rate: Option<f64>,
}

impl Base {
    pub(super) fn of(c: &Counts) -> Base {
        Base {
            accounts: c.leads,
            won: c.won,
            lost: c.lost,
            open: c.open,
            win_rate: win_rate(c).value(),
        }
    }
}

/// The leads of one tier (or of no tier).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TierFigures {
    /// The tier's name; `None` for the leads of no tier.
    pub tier: Option<String>,
    /// The leads in the tier, with or without a deal.
    pub accounts: u64,
    pub won: u64,
    pub lost: u64,
    pub open: u64,
    pub win_rate: Option<f64>,
    pub win_rate_low: Option<f64>,
    pub win_rate_high: Option<f64>,
    /// The win rate over the base win rate.
    pub lift: Option<f64>,
    /// The tier's won leads over all won leads.
    pub wins_captured: Option<f64>,
    pub amount_won: f64,
}

impl TierFigures {
    fn of(tier: Option<String>, c: &Counts, base: &Counts) -> TierFigures {
        let rate = win_rate(c);
        let interval = rate.wilson95();
        TierFigures {
            tier,
            accounts: c.leads,
            won: c.won,
            lost: c.lost,
            open: c.open,
            win_rate: rate.value(),
            win_rate_low: interval.map(|i| i.0),
            win_rate_high: interval.map(|i| i.1),
            lift: rate.lift_over(win_rate(base)),
            wins_captured: Rate::new(c.won, base.won).value(),
            amount_won: c.amount_won,
        }
    }
}

/// One band of the calibration table: the leads whose score is from `low` to `high` (a
/// fraction of the maximum score; `high` excluded but in the last band).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Band {
    pub low: f64,
    pub high: f64,
    pub accounts: u64,
    pub won: u64,
    pub lost: u64,
    pub open: u64,
    pub win_rate: Option<f64>,
}

/// What a criterion's figures say is off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// It holds for no lead.
    NeverHolds,
    /// It holds for every lead (and there is one).
    AlwaysHolds,
    /// It holds more often among the lost leads than among the won for a criterion meant to
    /// mark better leads (`require`, persona, `score` of positive points), or more often among
    /// the won than the lost for one meant to mark worse leads (`exclude`, `score` of
    /// negative points). Needs won and lost leads.
    WrongWay,
}

impl Flag {
    pub fn name(self) -> &'static str {
        match self {
            Flag::NeverHolds => "never_holds",
            Flag::AlwaysHolds => "always_holds",
            Flag::WrongWay => "wrong_way",
        }
    }
}

/// One criterion of an ICP.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriterionFigures {
    pub icp: String,
    pub label: String,
    /// `require`, `exclude`, `score` or `persona`.
    pub kind: &'static str,
    /// The share of the won leads it holds for.
    pub holds_won: Option<f64>,
    /// The share of the lost leads it holds for.
    pub holds_lost: Option<f64>,
    /// The win rate of the closed leads it holds for, over the base win rate.
    pub lift: Option<f64>,
    pub flags: Vec<Flag>,
}

/// One ICP's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IcpReport {
    pub icp: String,
    /// The ROC AUC of the score over the closed leads (Mann–Whitney, ties count half).
    pub auc: Option<f64>,
    pub tiers: Vec<TierFigures>,
    pub not_qualified: TierFigures,
    pub calibration: Vec<Band>,
    pub criteria: Vec<CriterionFigures>,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub base: Base,
    /// Accounts of the outcomes file that no lead matched.
    pub unmatched_accounts: u64,
    pub icps: Vec<IcpReport>,
}

impl Report {
    /// The JSON form, pretty-printed, with a final line end.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// The win rate of a group: won out of won and lost.
fn win_rate(c: &Counts) -> Rate {
    Rate::new(c.won, c.won + c.lost)
}

/// One ICP's report from its counts: per tier then no tier (last in `tiers`), per band, per
/// criterion, and the closed leads' scores.
pub(super) fn icp_report(
    spec: &IcpSpec,
    base: &Counts,
    tiers: Vec<Counts>,
    bands: &[Counts; BANDS],
    holds: &[Holds],
    closed: &[(f64, bool)],
) -> IcpReport {
    let mut figures: Vec<TierFigures> = tiers
        .iter()
        .enumerate()
        .map(|(t, c)| TierFigures::of(spec.tiers.get(t).cloned(), c, base))
        .collect();
    let not_qualified = figures
        .pop()
        .unwrap_or_else(|| TierFigures::of(None, base, base));
    let calibration = bands
        .iter()
        .enumerate()
        .map(|(k, c)| Band {
            low: k as f64 / BANDS as f64,
            high: (k + 1) as f64 / BANDS as f64,
            accounts: c.leads,
            won: c.won,
            lost: c.lost,
            open: c.open,
            win_rate: win_rate(c).value(),
        })
        .collect();
    let criteria = spec
        .criteria
        .iter()
        .zip(holds)
        .map(|(criterion, h)| {
            let holds_won = Rate::new(h.won, base.won).value();
            let holds_lost = Rate::new(h.lost, base.lost).value();
            let mut flags = Vec::new();
            if h.leads == 0 {
                flags.push(Flag::NeverHolds);
            }
            if base.leads > 0 && h.leads == base.leads {
                flags.push(Flag::AlwaysHolds);
            }
            if let (Some(w), Some(l)) = (holds_won, holds_lost) {
                let direction = criterion.kind.direction();
                if (direction > 0 && l > w) || (direction < 0 && w > l) {
                    flags.push(Flag::WrongWay);
                }
            }
            CriterionFigures {
                icp: spec.name.clone(),
                label: criterion.label.clone(),
                kind: criterion.kind.name(),
                holds_won,
                holds_lost,
                lift: Rate::new(h.won, h.won + h.lost).lift_over(win_rate(base)),
                flags,
            }
        })
        .collect();
    IcpReport {
        icp: spec.name.clone(),
        auc: roc_auc(closed),
        tiers: figures,
        not_qualified,
        calibration,
        criteria,
    }
}
