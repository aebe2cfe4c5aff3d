//! The figures of `icp diff`: what a change of the rules does to the same leads.
//!
//! How it works: the command evaluates an old and a new rule set on every lead and hands
//! this module, per lead and per ICP pair (ICPs matched by name; one only on one side is
//! paired with nothing), the tier and score each side gives ([`Side`]). A [`DiffFigures`]
//! counts, per pair, the moves matrix (old tier × new tier, `None` for no tier: not qualified,
//! or qualified with no tier matched) and each side's scores as a count per distinct score per
//! tier (exact and mergeable, so quantiles are exact whatever the batch order), and keeps the
//! leads that moved most: a bounded list ordered by whether the tier changed, then by the size
//! of the score change, then by input order (the lead's number in the file), so the list is
//! the same whatever order the batches are merged in. Only a lead that enters that list has
//! its criteria compared (`criteria` is a closure), which keeps the common path to counting.
//! [`DiffFigures::report`] turns the counts into a [`DiffReport`], the JSON contract of
//! `icp diff` (docs/diff.md documents it field by field).

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::Serialize;

/// An ICP as one side declares it: its name and its tiers' names, best first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcpShape {
    pub name: String,
    pub tiers: Vec<String>,
}

/// What one side gives a lead against one ICP.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Side {
    /// The tier's index among the side's tiers of the ICP; `None`: no tier.
    pub tier: Option<usize>,
    pub score: f64,
}

/// A lead that moved, as the report lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mover {
    /// The lead's number in the input, from 0.
    #[serde(skip)]
    pub index: u64,
    pub id: String,
    pub name: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub old_score: Option<f64>,
    pub new_score: Option<f64>,
    /// The criteria whose truth or points differ between the sides.
    pub criteria: Vec<CriterionChange>,
}

/// A criterion's outcome on one side: its truth (`true`, `false`, `unknown`) and points.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriterionState {
    pub truth: &'static str,
    pub points: f64,
}

/// A `require`, `exclude` or `score` line (by label) whose outcome differs between the sides,
/// or that exists on one side only and counts there (a `require` not true, an `exclude`
/// true, a `score` that gave points).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriterionChange {
    pub kind: &'static str,
    pub label: String,
    pub old: Option<CriterionState>,
    pub new: Option<CriterionState>,
}

/// One criterion of one side, as the command reads it off a result.
#[derive(Debug, Clone, PartialEq)]
pub struct Criterion {
    pub kind: &'static str,
    pub label: String,
    pub state: CriterionState,
}

impl Criterion {
    /// Whether the criterion counts for the lead on its side: a `require` not true, an
    /// `exclude` true, a `score` that gave points.
    fn counts(&self) -> bool {
        match self.kind {
            "require" => self.state.truth != "true",
            "exclude" => self.state.truth == "true",
            _ => self.state.points != 0.0,
        }
    }
}

/// The criteria that differ between `old` and `new`, matched by kind and label (the n-th of a
/// repeated label with the n-th): old order first, then the new side's own.
pub fn compare_criteria(old: &[Criterion], new: &[Criterion]) -> Vec<CriterionChange> {
    let key = |list: &[Criterion], i: usize| {
        let c = &list[i];
        let nth = list[..i]
            .iter()
            .filter(|o| o.kind == c.kind && o.label == c.label)
            .count();
        (c.kind, c.label.clone(), nth)
    };
    let new_keys: Vec<_> = (0..new.len()).map(|i| key(new, i)).collect();
    let mut paired = vec![false; new.len()];
    let mut changes = Vec::new();
    for i in 0..old.len() {
        let k = key(old, i);
        let o = &old[i];
        match new_keys.iter().position(|n| *n == k) {
            Some(j) => {
                paired[j] = true;
                if o.state != new[j].state {
                    changes.push(CriterionChange {
                        kind: o.kind,
                        label: o.label.clone(),
                        old: Some(o.state.clone()),
                        new: Some(new[j].state.clone()),
                    });
                }
            }
            None if o.counts() => changes.push(CriterionChange {
                kind: o.kind,
                label: o.label.clone(),
                old: Some(o.state.clone()),
                new: None,
            }),
            None => {}
        }
    }
    for (j, n) in new.iter().enumerate() {
        if !paired[j] && n.counts() {
            changes.push(CriterionChange {
                kind: n.kind,
                label: n.label.clone(),
                old: None,
                new: Some(n.state.clone()),
            });
        }
    }
    changes
}

/// A score as a key of an ordered map.
#[derive(Debug, Clone, Copy)]
struct Score(f64);

impl PartialEq for Score {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Score {}
impl PartialOrd for Score {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Score {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// How many leads had each score.
type Counts = BTreeMap<Score, u64>;

/// The counts of one ICP pair.
#[derive(Debug, Clone, Default)]
struct PairFigures {
    /// (old tier, new tier) → leads.
    moves: BTreeMap<(Option<usize>, Option<usize>), u64>,
    /// Per side, per tier (`None` last): the scores.
    scores: [BTreeMap<Option<usize>, Counts>; 2],
    /// The leads that moved most, best first, at most `top`.
    movers: Vec<Mover>,
}

/// The running figures of a diff; see the module documentation.
#[derive(Debug, Clone)]
pub struct DiffFigures {
    /// Per pair: the ICP's index on each side.
    pairs: Vec<(Option<usize>, Option<usize>)>,
    old: Vec<IcpShape>,
    new: Vec<IcpShape>,
    figures: Vec<PairFigures>,
    top: usize,
    leads: u64,
}

/// How far a lead moved: whether its tier changed, then the size of its score change.
fn movement(
    old: Option<Side>,
    new: Option<Side>,
    from: &Option<String>,
    to: &Option<String>,
) -> (bool, f64) {
    let score = |s: Option<Side>| s.map_or(0.0, |s| s.score);
    (from != to, (score(new) - score(old)).abs())
}

/// Orders movers: tier changed first, then the larger score change, then input order.
fn mover_order(a: &(bool, f64, u64), b: &(bool, f64, u64)) -> Ordering {
    b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(&b.2))
}

impl DiffFigures {
    /// Figures for `old` and `new`'s ICPs, paired by name (old order, then the new ICPs),
    /// keeping at most `top` movers per pair.
    pub fn new(old: &[IcpShape], new: &[IcpShape], top: usize) -> DiffFigures {
        let mut pairs: Vec<(Option<usize>, Option<usize>)> = old
            .iter()
            .enumerate()
            .map(|(i, o)| (Some(i), new.iter().position(|n| n.name == o.name)))
            .collect();
        for (j, n) in new.iter().enumerate() {
            if !old.iter().any(|o| o.name == n.name) {
                pairs.push((None, Some(j)));
            }
        }
        DiffFigures {
            figures: vec![PairFigures::default(); pairs.len()],
            pairs,
            old: old.to_vec(),
            new: new.to_vec(),
            top,
            leads: 0,
        }
    }

    /// The ICP pairs: each one's index on the old and the new side.
    pub fn pairs(&self) -> &[(Option<usize>, Option<usize>)] {
        &self.pairs
    }

    /// Counts one more lead (call once per lead, before its pairs).
    pub fn count_lead(&mut self) {
        self.leads += 1;
    }

    fn tier_name(&self, side: usize, icp: Option<usize>, s: Option<Side>) -> Option<String> {
        let shapes = if side == 0 { &self.old } else { &self.new };
        let (icp, tier) = (icp?, s?.tier?);
        Some(shapes[icp].tiers[tier].clone())
    }

    /// Adds lead number `index` against pair `pair`: what each side gives it (`None` for a
    /// side without the ICP). `describe` gives the lead's id and name and the criteria of each
    /// side, and is called only when the lead enters the movers.
    pub fn add(
        &mut self,
        index: u64,
        pair: usize,
        old: Option<Side>,
        new: Option<Side>,
        describe: impl FnOnce() -> (String, Option<String>, Vec<Criterion>, Vec<Criterion>),
    ) {
        let (oi, ni) = self.pairs[pair];
        let from = self.tier_name(0, oi, old);
        let to = self.tier_name(1, ni, new);
        let figures = &mut self.figures[pair];
        *figures
            .moves
            .entry((old.and_then(|s| s.tier), new.and_then(|s| s.tier)))
            .or_default() += 1;
        for (side, s) in [old, new].into_iter().enumerate() {
            if let Some(s) = s {
                let counts = figures.scores[side].entry(s.tier).or_default();
                *counts.entry(Score(s.score)).or_default() += 1;
            }
        }
        let (tier_changed, size) = movement(old, new, &from, &to);
        if !tier_changed && size == 0.0 || self.top == 0 {
            return;
        }
        let key = (tier_changed, size, index);
        let movers = &mut figures.movers;
        let at = movers.partition_point(|m| {
            let mk = movement_of(m);
            mover_order(&mk, &key) == Ordering::Less
        });
        if at >= self.top {
            return;
        }
        let (id, name, old_criteria, new_criteria) = describe();
        movers.insert(
            at,
            Mover {
                index,
                id,
                name,
                from,
                to,
                old_score: old.map(|s| s.score),
                new_score: new.map(|s| s.score),
                criteria: compare_criteria(&old_criteria, &new_criteria),
            },
        );
        movers.truncate(self.top);
    }

    /// Adds the figures of other leads (another batch's); the result does not depend on the
    /// order batches are merged in.
    pub fn merge(&mut self, other: DiffFigures) {
        self.leads += other.leads;
        for (mine, theirs) in self.figures.iter_mut().zip(other.figures) {
            for (cell, n) in theirs.moves {
                *mine.moves.entry(cell).or_default() += n;
            }
            for (side, tiers) in theirs.scores.into_iter().enumerate() {
                for (tier, counts) in tiers {
                    let into = mine.scores[side].entry(tier).or_default();
                    for (score, n) in counts {
                        *into.entry(score).or_default() += n;
                    }
                }
            }
            mine.movers.extend(theirs.movers);
            mine.movers
                .sort_by(|a, b| mover_order(&movement_of(a), &movement_of(b)));
            mine.movers.truncate(self.top);
        }
    }

    /// The report of every pair.
    pub fn report(self) -> DiffReport {
        let mut icps = Vec::new();
        for (pair, figures) in self.pairs.iter().zip(self.figures) {
            let (oi, ni) = *pair;
            let tiers = |side: &[IcpShape], i: Option<usize>| i.map(|i| side[i].tiers.clone());
            let (old_tiers, new_tiers) = (tiers(&self.old, oi), tiers(&self.new, ni));
            let name = |t: Option<usize>, names: &Option<Vec<String>>| {
                t.and_then(|t| names.as_ref().map(|n| n[t].clone()))
            };
            let moves: Vec<Move> = figures
                .moves
                .iter()
                .map(|(&(from, to), &leads)| Move {
                    from: name(from, &old_tiers),
                    to: name(to, &new_tiers),
                    leads,
                })
                .collect();
            let ordered = order_moves(moves, &old_tiers, &new_tiers);
            let moved = ordered
                .iter()
                .filter(|m| m.from != m.to)
                .map(|m| m.leads)
                .sum();
            let [old_scores, new_scores] = figures.scores;
            let distribution = |side: Option<usize>,
                                scores: BTreeMap<Option<usize>, Counts>,
                                names: &Option<Vec<String>>| {
                side.map(|_| Distribution::of(&scores, names.as_deref().unwrap_or(&[])))
            };
            icps.push(IcpDiff {
                icp: oi.map_or_else(
                    || self.new[ni.unwrap_or(0)].name.clone(),
                    |i| self.old[i].name.clone(),
                ),
                status: match (oi, ni) {
                    (Some(_), Some(_)) => "both",
                    (Some(_), None) => "removed",
                    _ => "added",
                },
                moved,
                moves: ordered,
                old_scores: distribution(oi, old_scores, &old_tiers),
                new_scores: distribution(ni, new_scores, &new_tiers),
                old_tiers,
                new_tiers,
                movers: figures.movers,
                outcomes: None,
            });
        }
        DiffReport {
            leads: self.leads,
            icps,
        }
    }
}

fn movement_of(m: &Mover) -> (bool, f64, u64) {
    let (changed, size) = movement(
        m.old_score.map(|score| Side { tier: None, score }),
        m.new_score.map(|score| Side { tier: None, score }),
        &m.from,
        &m.to,
    );
    (changed, size, m.index)
}

/// Orders the cells: old tiers best first (no tier last), then new tiers the same way.
fn order_moves(
    mut moves: Vec<Move>,
    old: &Option<Vec<String>>,
    new: &Option<Vec<String>>,
) -> Vec<Move> {
    let rank = |t: &Option<String>, names: &Option<Vec<String>>| {
        t.as_ref()
            .and_then(|t| names.as_ref()?.iter().position(|n| n == t))
            .unwrap_or(usize::MAX)
    };
    moves.sort_by_key(|m| (rank(&m.from, old), rank(&m.to, new)));
    moves
}

/// The report of `icp diff`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiffReport {
    /// Leads read.
    pub leads: u64,
    pub icps: Vec<IcpDiff>,
}

/// One ICP (by name) before and after.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IcpDiff {
    pub icp: String,
    /// `both`, `added` (new side only) or `removed` (old side only).
    pub status: &'static str,
    /// The tiers of each side, best first; `null` on a side without the ICP.
    pub old_tiers: Option<Vec<String>>,
    pub new_tiers: Option<Vec<String>>,
    /// Every non-empty cell of old tier × new tier; `null` is no tier.
    pub moves: Vec<Move>,
    /// Leads whose tier changed.
    pub moved: u64,
    pub old_scores: Option<Distribution>,
    pub new_scores: Option<Distribution>,
    /// The leads that moved most.
    pub movers: Vec<Mover>,
    /// With outcomes (`icp diff --outcomes`): each tier's win figures before and after;
    /// absent from the JSON without outcomes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcomes: Option<outcomes::OutcomeChanges>,
}

/// One cell of the moves matrix.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Move {
    pub from: Option<String>,
    pub to: Option<String>,
    pub leads: u64,
}

/// The scores of one side: over all leads, and per tier (no tier last).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Distribution {
    pub all: Quantiles,
    pub tiers: Vec<TierScores>,
}

/// The scores of the leads of one tier (`null`: no tier).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TierScores {
    pub tier: Option<String>,
    #[serde(flatten)]
    pub scores: Quantiles,
}

/// Quantiles by nearest rank: the `p` quantile is the smallest score that at least `p` of the
/// leads are at or below (`ceil(p × n)`-th smallest). The mean is summed in score order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quantiles {
    pub leads: u64,
    pub mean: Option<f64>,
    pub min: Option<f64>,
    pub p10: Option<f64>,
    pub p25: Option<f64>,
    pub median: Option<f64>,
    pub p75: Option<f64>,
    pub p90: Option<f64>,
    pub max: Option<f64>,
}

impl Quantiles {
    fn of(counts: &Counts) -> Quantiles {
        let leads: u64 = counts.values().sum();
        let nth = |p: f64| {
            let rank = ((p * leads as f64).ceil() as u64).max(1);
            let mut seen = 0;
            counts.iter().find_map(|(s, n)| {
                seen += n;
                (seen >= rank).then_some(s.0)
            })
        };
        let sum: f64 = counts.iter().map(|(s, n)| s.0 * *n as f64).sum();
        Quantiles {
            leads,
            mean: (leads > 0).then(|| sum / leads as f64),
            min: counts.keys().next().map(|s| s.0),
            p10: nth(0.10),
            p25: nth(0.25),
            median: nth(0.50),
            p75: nth(0.75),
            p90: nth(0.90),
            max: counts.keys().next_back().map(|s| s.0),
        }
    }
}

impl Distribution {
    fn of(scores: &BTreeMap<Option<usize>, Counts>, tiers: &[String]) -> Distribution {
        let mut all = Counts::new();
        for counts in scores.values() {
            for (s, n) in counts {
                *all.entry(*s).or_default() += n;
            }
        }
        // Tiers best first, no tier last (a BTreeMap puts `None` first).
        let mut order: Vec<&Option<usize>> = scores.keys().collect();
        order.sort_by_key(|t| t.unwrap_or(usize::MAX));
        Distribution {
            all: Quantiles::of(&all),
            tiers: order
                .into_iter()
                .map(|t| TierScores {
                    tier: t.map(|t| tiers[t].clone()),
                    scores: Quantiles::of(&scores[t]),
                })
                .collect(),
        }
    }
}

pub mod outcomes;
#[cfg(test)]
mod tests;
