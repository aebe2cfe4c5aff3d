//! The figures of `icp backtest`: how the leads of each tier of each ICP turned out.
//!
//! How it works: the command hands one [`LeadRow`] per lead to a [`Backtest`] — for each ICP
//! the lead's score, the ICP's maximum score, its tier (`None`: no tier, "not qualified") and
//! the truth of every criterion — with the outcome of the lead's account (`won`, `lost`,
//! `open`, or [`Outcome::None`] when no account of the outcomes file matches the lead) and the
//! amount won. [`Backtest::add`] only counts: per ICP and tier the leads of each outcome and
//! the amount won, per score band the same, per criterion the leads of each outcome it holds
//! for; only the scores of closed leads (won or lost) are kept, for the ROC AUC. Backtests of
//! parts of the leads add up ([`Backtest::merge`]), so each batch is counted where it was
//! evaluated. [`Backtest::finish`] turns the counts into the [`Report`] (`report`), whose
//! figures are defined there; `auc` holds the Mann–Whitney AUC, `render` the text and
//! markdown forms. The figures count leads: two leads joined to one account each count it.

mod auc;
mod render;
mod report;
#[cfg(test)]
mod tests;

pub use auc::roc_auc;
pub use report::{BANDS, Band, Base, CriterionFigures, Flag, IcpReport, Report, TierFigures};

/// How a lead's account turned out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Won,
    Lost,
    Open,
    /// No account of the outcomes file matches the lead.
    None,
}

/// What a criterion of an ICP is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CriterionKind {
    Require,
    Exclude,
    /// A `score` line worth these points (negative points penalise).
    Score(f64),
    /// A persona: the lead has a contact matching it.
    Persona,
}

impl CriterionKind {
    /// The kind as the JSON form names it.
    pub fn name(self) -> &'static str {
        match self {
            CriterionKind::Require => "require",
            CriterionKind::Exclude => "exclude",
            CriterionKind::Score(_) => "score",
            CriterionKind::Persona => "persona",
        }
    }

    /// Whether holding is meant to mark a better lead (+1), a worse one (-1: an `exclude`, a
    /// `score` of negative points) or neither (0: a `score` of no points).
    pub fn direction(self) -> i8 {
        match self {
            CriterionKind::Require | CriterionKind::Persona => 1,
            CriterionKind::Exclude => -1,
            CriterionKind::Score(p) if p > 0.0 => 1,
            CriterionKind::Score(p) if p < 0.0 => -1,
            CriterionKind::Score(_) => 0,
        }
    }
}

/// A criterion of an ICP, by its label.
#[derive(Debug, Clone, PartialEq)]
pub struct Criterion {
    pub label: String,
    pub kind: CriterionKind,
}

/// An ICP as the backtest names it: its name, its tiers in order, its criteria in the order
/// the rows give their truths.
#[derive(Debug, Clone, PartialEq)]
pub struct IcpSpec {
    pub name: String,
    pub tiers: Vec<String>,
    pub criteria: Vec<Criterion>,
}

/// One lead against one ICP.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IcpLead {
    pub score: f64,
    pub max_score: f64,
    /// The tier's index in [`IcpSpec::tiers`]; `None`: no tier (not qualified).
    pub tier: Option<usize>,
    /// Per criterion: `Some(true)` holds, `Some(false)` does not, `None` unknown (which is
    /// not "holds").
    pub truths: Vec<Option<bool>>,
}

/// One lead: its account's outcome, the amount its account won, and its result per ICP.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadRow {
    pub outcome: Outcome,
    /// The sum of the won deals of its account (0 unless won).
    pub amount_won: f64,
    pub icps: Vec<IcpLead>,
}

/// Leads of each outcome and the amount they won.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Counts {
    pub leads: u64,
    pub won: u64,
    pub lost: u64,
    pub open: u64,
    pub amount_won: f64,
}

impl Counts {
    fn add(&mut self, outcome: Outcome, amount_won: f64) {
        self.leads += 1;
        match outcome {
            Outcome::Won => {
                self.won += 1;
                self.amount_won += amount_won;
            }
            Outcome::Lost => self.lost += 1,
            Outcome::Open => self.open += 1,
            Outcome::None => {}
        }
    }

    fn merge(&mut self, other: &Counts) {
        self.leads += other.leads;
        self.won += other.won;
        self.lost += other.lost;
        self.open += other.open;
        self.amount_won += other.amount_won;
    }
}

/// How often a criterion holds (is known true) among all leads, the won and the lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Holds {
    pub leads: u64,
    pub won: u64,
    pub lost: u64,
}

/// One ICP's counts.
#[derive(Debug, Clone, PartialEq)]
struct IcpCounts {
    /// Per tier, then the leads of no tier last.
    tiers: Vec<Counts>,
    bands: [Counts; BANDS],
    holds: Vec<Holds>,
    /// The score of every closed lead, and whether it was won.
    closed: Vec<(f64, bool)>,
}

/// The counts of a backtest, lead by lead; see the module documentation.
#[derive(Debug, Clone, PartialEq)]
pub struct Backtest {
    specs: Vec<IcpSpec>,
    base: Counts,
    icps: Vec<IcpCounts>,
}

impl Backtest {
    pub fn new(specs: Vec<IcpSpec>) -> Backtest {
        let icps = specs
            .iter()
            .map(|s| IcpCounts {
                tiers: vec![Counts::default(); s.tiers.len() + 1],
                bands: [Counts::default(); BANDS],
                holds: vec![Holds::default(); s.criteria.len()],
                closed: Vec::new(),
            })
            .collect();
        Backtest {
            specs,
            base: Counts::default(),
            icps,
        }
    }

    /// Counts one lead; its row has a result per ICP and a truth per criterion, as the specs
    /// say (a missing one counts as not holding, a tier out of range as no tier).
    pub fn add(&mut self, row: &LeadRow) {
        let (outcome, amount) = (row.outcome, row.amount_won);
        self.base.add(outcome, amount);
        for (counts, lead) in self.icps.iter_mut().zip(&row.icps) {
            let none = counts.tiers.len() - 1;
            let tier = lead.tier.filter(|t| *t < none).unwrap_or(none);
            counts.tiers[tier].add(outcome, amount);
            counts.bands[band(lead.score, lead.max_score)].add(outcome, amount);
            for (holds, truth) in counts.holds.iter_mut().zip(&lead.truths) {
                if *truth == Some(true) {
                    holds.leads += 1;
                    holds.won += u64::from(outcome == Outcome::Won);
                    holds.lost += u64::from(outcome == Outcome::Lost);
                }
            }
            match outcome {
                Outcome::Won => counts.closed.push((lead.score, true)),
                Outcome::Lost => counts.closed.push((lead.score, false)),
                _ => {}
            }
        }
    }

    /// Adds the counts of another backtest of the same ICPs (other leads).
    pub fn merge(&mut self, other: Backtest) {
        self.base.merge(&other.base);
        for (mine, theirs) in self.icps.iter_mut().zip(other.icps) {
            for (a, b) in mine.tiers.iter_mut().zip(&theirs.tiers) {
                a.merge(b);
            }
            for (a, b) in mine.bands.iter_mut().zip(&theirs.bands) {
                a.merge(b);
            }
            for (a, b) in mine.holds.iter_mut().zip(&theirs.holds) {
                a.leads += b.leads;
                a.won += b.won;
                a.lost += b.lost;
            }
            mine.closed.extend(theirs.closed);
        }
    }

    /// An empty backtest of the same ICPs.
    pub fn empty_like(&self) -> Backtest {
        Backtest::new(self.specs.clone())
    }

    /// The report; `unmatched_accounts` is the number of accounts of the outcomes file that
    /// no lead matched.
    pub fn finish(self, unmatched_accounts: u64) -> Report {
        let base = self.base;
        let icps = self
            .specs
            .iter()
            .zip(self.icps)
            .map(|(spec, counts)| {
                report::icp_report(
                    spec,
                    &base,
                    counts.tiers,
                    &counts.bands,
                    &counts.holds,
                    &counts.closed,
                )
            })
            .collect();
        Report {
            base: Base::of(&base),
            unmatched_accounts,
            icps,
        }
    }
}

/// The score band of a score: `floor(10 × score / max_score)`, so band `k` of the [`BANDS`]
/// holds the scores from `k / 10` of the maximum up to `(k + 1) / 10` (excluded; the last band
/// includes the maximum). A score at or below 0 (points can be negative), or any score when
/// the maximum is not above 0, is in band 0; a score above the maximum in the last.
pub fn band(score: f64, max_score: f64) -> usize {
    if max_score.is_nan() || score.is_nan() || max_score <= 0.0 || score <= 0.0 {
        return 0;
    }
    let k = (score * BANDS as f64 / max_score).floor();
    (k as usize).min(BANDS - 1)
}
