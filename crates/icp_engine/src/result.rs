//! What evaluating a lead produces, and the rules that turn condition outcomes into a result.
//!
//! How it works: an evaluator decides the truth of every `require`, `exclude`, `score` and
//! `tier` condition of an ICP (with the inputs whose absence made a condition unknown), and
//! [`IcpResult::build`] asks it for each [`Check`] in turn and applies SPEC §3 the same way
//! for every evaluator; the result borrows its names, labels and reasons from the rule set. A
//! lead qualifies when every `require` is known true and no `exclude` is known true; the score
//! counts the points of true conditions, each group capped at its maximum, and is computed for
//! disqualified leads too; tiers are tried in order on qualified leads only, an unknown tier
//! condition does not match; [`best_icp`] picks the best ICP of a lead. [`BatchResults`] holds
//! a batch's results in columns (what `icp score` writes), unknown outcomes with their missing
//! inputs among them.

use std::borrow::Cow;

use serde::Serialize;

use crate::ir::{Clause, Expr, IcpDef, RuleSet, ScoreRule, SignalCallId};
use crate::schema::FieldId;
use crate::semantics::Truth;

/// An input whose absence can make a condition unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Input {
    Field(FieldId),
    ContactField(FieldId),
    Signal(SignalCallId),
}

impl Input {
    /// `company.employees`, `contact.title`, `funding.days_since_last_round`.
    pub fn name(self, rules: &RuleSet) -> &str {
        match self {
            Input::Field(f) | Input::ContactField(f) => rules.schema.field(f).path(),
            Input::Signal(s) => &rules.signal_calls[s.0 as usize].text,
        }
    }
}

/// Adds `input` to `inputs` unless `inputs[from..]` has it already: how every list of missing
/// inputs is merged, in the order the inputs are first met.
pub fn add_input(inputs: &mut Vec<Input>, from: usize, input: Input) {
    if !inputs[from..].contains(&input) {
        inputs.push(input);
    }
}

/// The truth of one condition for one lead, with the missing inputs that made it unknown
/// (empty unless unknown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub truth: Truth,
    pub missing: Vec<Input>,
}

impl Outcome {
    pub fn known(truth: Truth) -> Outcome {
        Outcome {
            truth,
            missing: Vec::new(),
        }
    }
}

/// A condition of an ICP, by its index among the ICP's statements of its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    Require(usize),
    Exclude(usize),
    Score(usize),
    Tier(usize),
}

/// Which statement of an ICP a check comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum CheckKind {
    Require,
    Exclude,
    /// `weight`: the points the line is worth; the check's `points`: what it gave.
    Score {
        weight: f64,
        group: Option<String>,
    },
    Tier {
        name: String,
    },
}

/// One check of the explanation: a statement, its truth and the points it gave.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckOutcome {
    #[serde(flatten)]
    pub kind: CheckKind,
    pub label: String,
    pub result: Truth,
    pub points: f64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    /// The age a decaying score was given when true (its `points` are what is left).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age: Option<f64>,
}

/// A group's raw sum of points and what it counted for after its cap.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupOutcome {
    pub label: String,
    pub raw: f64,
    pub max: f64,
    pub points: f64,
}

/// A lead against one ICP. Names, labels and reasons borrow the rule set's text (`'r`), so
/// building a result for every lead and ICP copies no string the rules already hold (only the
/// per-check explanation of `detail` copies its labels).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IcpResult<'r> {
    /// Index into [`RuleSet::icps`].
    #[serde(skip)]
    pub icp: usize,
    pub name: &'r str,
    pub qualified: bool,
    pub score: f64,
    pub max_score: f64,
    /// Index of the tier in the ICP's tiers, when qualified and a tier matched.
    #[serde(skip)]
    pub tier_index: Option<usize>,
    pub tier: Option<&'r str>,
    /// Labels of the scores that gave points.
    pub matched: Vec<&'r str>,
    /// Inputs whose absence mattered, in order of first mention.
    pub unknown: Vec<&'r str>,
    /// Why the lead is not qualified (the rule set's reason texts, but for an unknown
    /// `require` that names its missing inputs).
    pub reasons: Vec<Cow<'r, str>>,
    pub checks: Vec<CheckOutcome>,
    pub groups: Vec<GroupOutcome>,
}

impl<'r> IcpResult<'r> {
    /// Applies the rules of SPEC §3 to the outcomes of an ICP's conditions, which `outcome`
    /// gives one at a time, each asked once: every `require`, `exclude` and `score`, then for a
    /// qualified lead its tier conditions in order until one is true. A tier is asked with the
    /// final score; the others with 0 (only tiers read the score).
    /// Without `detail` the per-check explanation (`checks`, `groups`) is left empty, which
    /// saves most of the work when nobody reads it. `age` gives the age of decaying score `i`
    /// (asked only when its condition is true, so the age is known).
    pub fn build(
        rules: &'r RuleSet,
        index: usize,
        detail: bool,
        mut outcome: impl FnMut(Check, &'r Expr, f64) -> Outcome,
        mut age: impl FnMut(usize) -> f64,
    ) -> IcpResult<'r> {
        let icp: &IcpDef = &rules.icps[index];
        let mut checks = Vec::new();
        let mut unknown: Vec<Input> = Vec::new();
        let mut reasons = Vec::new();
        let note = |o: &Outcome, unknown: &mut Vec<Input>| {
            for m in &o.missing {
                add_input(unknown, 0, *m);
            }
        };
        let owned_names = |o: &Outcome| {
            o.missing
                .iter()
                .map(|m| m.name(rules).to_string())
                .collect()
        };

        let mut qualified = true;
        for (i, clause) in icp.requires.iter().enumerate() {
            let o = &outcome(Check::Require(i), &clause.condition, 0.0);
            note(o, &mut unknown);
            match o.truth {
                Truth::True => {}
                Truth::False => {
                    qualified = false;
                    reasons.push(Cow::Borrowed(clause.reason.as_str()));
                }
                Truth::Unknown => {
                    qualified = false;
                    reasons.push(unknown_reason(rules, clause, &o.missing));
                }
            }
            if detail {
                checks.push(CheckOutcome {
                    kind: CheckKind::Require,
                    label: clause.label.clone(),
                    result: o.truth,
                    points: 0.0,
                    missing: owned_names(o),
                    age: None,
                });
            }
        }
        for (i, clause) in icp.excludes.iter().enumerate() {
            let o = &outcome(Check::Exclude(i), &clause.condition, 0.0);
            note(o, &mut unknown);
            if o.truth == Truth::True {
                qualified = false;
                reasons.push(Cow::Borrowed(clause.reason.as_str()));
            }
            if detail {
                checks.push(CheckOutcome {
                    kind: CheckKind::Exclude,
                    label: clause.label.clone(),
                    result: o.truth,
                    points: 0.0,
                    missing: owned_names(o),
                    age: None,
                });
            }
        }

        let mut sums = GroupSums::new(icp.groups.len());
        let raw = sums.as_mut();
        let mut ungrouped = 0.0;
        let mut matched = Vec::with_capacity(icp.scores.len());
        for (i, rule) in icp.scores.iter().enumerate() {
            let o = &outcome(Check::Score(i), &rule.condition, 0.0);
            note(o, &mut unknown);
            let aged = (o.truth == Truth::True && rule.decay.is_some()).then(|| age(i));
            let points = if o.truth == Truth::True {
                rule.points_at(aged.unwrap_or(0.0))
            } else {
                0.0
            };
            if o.truth == Truth::True {
                matched.push(rule.label.as_str());
                add_points(rule, points, raw, &mut ungrouped);
            }
            if detail {
                checks.push(CheckOutcome {
                    kind: CheckKind::Score {
                        weight: rule.points,
                        group: rule.group.map(|g| icp.groups[g].label.clone()),
                    },
                    label: rule.label.clone(),
                    result: o.truth,
                    points,
                    missing: owned_names(o),
                    age: aged,
                });
            }
        }
        let groups: Vec<GroupOutcome> = if !detail {
            Vec::new()
        } else {
            icp.groups
                .iter()
                .zip(raw.iter())
                .map(|(g, raw)| GroupOutcome {
                    label: g.label.clone(),
                    raw: *raw,
                    max: g.max,
                    points: raw.min(g.max),
                })
                .collect()
        };
        let score = capped(icp, ungrouped, raw.iter().copied());

        let mut tier_index = None;
        if qualified {
            for (t, def) in icp.tiers.iter().enumerate() {
                let o = match &def.condition {
                    None => Outcome::known(Truth::True),
                    Some(condition) => outcome(Check::Tier(t), condition, score),
                };
                note(&o, &mut unknown);
                if detail {
                    checks.push(CheckOutcome {
                        kind: CheckKind::Tier {
                            name: def.name.clone(),
                        },
                        label: def.label.clone(),
                        result: o.truth,
                        points: 0.0,
                        missing: owned_names(&o),
                        age: None,
                    });
                }
                if o.truth == Truth::True {
                    tier_index = Some(t);
                    break;
                }
            }
        }
        IcpResult {
            icp: index,
            name: &icp.name,
            qualified,
            score,
            max_score: icp.max_score,
            tier_index,
            tier: tier_index.map(|t| icp.tiers[t].name.as_str()),
            matched,
            unknown: unknown.iter().map(|m| m.name(rules)).collect(),
            reasons,
            checks,
            groups,
        }
    }

    /// The score as a percentage of the maximum, when the maximum is above zero.
    pub fn fit(&self) -> Option<f64> {
        (self.max_score > 0.0).then(|| self.score / self.max_score * 100.0)
    }
}

/// Why a lead is not qualified when `require` `clause` came out unknown: the clause's own
/// text, or the missing inputs that made it unknown when there are some.
fn unknown_reason<'r>(rules: &'r RuleSet, clause: &'r Clause, missing: &[Input]) -> Cow<'r, str> {
    if missing.is_empty() {
        return Cow::Borrowed(clause.unknown.as_str());
    }
    let names: Vec<&str> = missing.iter().map(|m| m.name(rules)).collect();
    Cow::Owned(["unknown: ", &names.join(", "), " is missing"].concat())
}

/// The scores of an ICP for `rows` leads at once, given the truth of each score condition on
/// every lead, condition by condition: the points of the true ones, each group's sum capped at
/// its maximum. For each lead the sums are the ones [`IcpResult::build`] makes, added in the
/// same order: a sum is made by its first condition (`0.0 +` its points, so never `-0.0`)
/// rather than added to a vector of zeros, and a sum no condition adds to is `0.0`. `ages`
/// holds, for each decaying score, the age on every lead ([`ScoreRule::points_at`]).
pub fn icp_scores(
    icp: &IcpDef,
    rows: usize,
    truths: &[&[Truth]],
    ages: &[Option<Vec<f64>>],
) -> Vec<f64> {
    let mut ungrouped: Option<Vec<f64>> = None;
    let mut grouped: Vec<Option<Vec<f64>>> = vec![None; icp.groups.len()];
    for (i, (rule, truths)) in icp.scores.iter().zip(truths).enumerate() {
        let sums = match rule.group {
            Some(g) => &mut grouped[g],
            None => &mut ungrouped,
        };
        if let Some(Some(ages)) = ages.get(i) {
            // A decaying score: its points on each lead where it is true.
            let given = |row: usize| {
                if truths[row] == Truth::True {
                    rule.points_at(ages[row])
                } else {
                    0.0
                }
            };
            match sums {
                Some(sums) => sums
                    .iter_mut()
                    .enumerate()
                    .for_each(|(r, s)| *s += given(r)),
                None => *sums = Some((0..rows).map(|r| 0.0 + given(r)).collect()),
            }
            continue;
        }
        // The points, or +0.0 where the condition is not true, selected without a branch.
        let points = rule.points.to_bits();
        let select = |truth: &Truth| {
            let all_or_none = u64::from(*truth == Truth::True).wrapping_neg();
            f64::from_bits(points & all_or_none)
        };
        match sums {
            Some(sums) => {
                for (sum, truth) in sums.iter_mut().zip(&truths[..rows]) {
                    *sum += select(truth);
                }
            }
            None => *sums = Some(truths[..rows].iter().map(|t| 0.0 + select(t)).collect()),
        }
    }
    let sum = |sums: &Option<Vec<f64>>, row: usize| sums.as_ref().map_or(0.0, |s| s[row]);
    (0..rows)
        .map(|row| {
            let groups = grouped.iter().map(|g| sum(g, row));
            capped(icp, sum(&ungrouped, row), groups)
        })
        .collect()
}

/// Adds the points a true `score` gave to its group's raw sum, or to the sum outside groups.
fn add_points(rule: &ScoreRule, points: f64, groups: &mut [f64], ungrouped: &mut f64) {
    match rule.group {
        Some(g) => groups[g] += points,
        None => *ungrouped += points,
    }
}

/// The score from the points of true scores outside groups and each group's raw sum: every
/// group counts up to its maximum.
fn capped(icp: &IcpDef, ungrouped: f64, groups: impl Iterator<Item = f64>) -> f64 {
    ungrouped
        + icp
            .groups
            .iter()
            .zip(groups)
            .map(|(g, r)| r.min(g.max))
            .sum::<f64>()
}

/// Each group's sum of points, on the stack for the usual handful of groups (this runs for
/// every lead and ICP).
enum GroupSums {
    Few([f64; 8], usize),
    Many(Vec<f64>),
}

impl GroupSums {
    fn new(groups: usize) -> GroupSums {
        if groups <= 8 {
            GroupSums::Few([0.0; 8], groups)
        } else {
            GroupSums::Many(vec![0.0; groups])
        }
    }

    fn as_mut(&mut self) -> &mut [f64] {
        match self {
            GroupSums::Few(sums, n) => &mut sums[..*n],
            GroupSums::Many(sums) => sums,
        }
    }
}

/// A lead against every ICP of the rule set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeadResult<'r> {
    pub icps: Vec<IcpResult<'r>>,
    /// Index into `icps` of the best ICP, if any ICP gives the lead a tier.
    pub best: Option<usize>,
    /// For each contact, the names of the personas it matches (from the columnar evaluator only
    /// with `detail`).
    pub personas: Vec<Vec<String>>,
}

/// The best ICP: the highest tier (the earlier a tier is declared in its ICP, the higher),
/// then the higher score, then the ICP declared first. Only ICPs that give a tier count.
pub fn best_icp(results: &[IcpResult<'_>]) -> Option<usize> {
    best_of(
        results
            .iter()
            .enumerate()
            .map(|(i, r)| (i, r.tier_index, r.score)),
    )
}

/// [`best_icp`] over each ICP's index, tier and score.
fn best_of(icps: impl Iterator<Item = (usize, Option<usize>, f64)>) -> Option<usize> {
    icps.filter_map(|(i, tier, score)| tier.map(|t| (i, t, score)))
        .min_by(|a, b| {
            a.1.cmp(&b.1)
                .then(b.2.partial_cmp(&a.2).unwrap_or(std::cmp::Ordering::Equal))
                .then(a.0.cmp(&b.0))
        })
        .map(|(i, _, _)| i)
}

/// The results of a batch of leads, ICP by ICP in columns: what `icp score` writes and counts,
/// without a result value (and its vectors) per lead and ICP.
///
/// How it works: the columns keep each lead's score and tier, one bit per `require` that
/// failed, per `exclude` that held and per `score` that matched, and the checks that came out
/// unknown with the inputs whose absence made them so ([`UnknownCheck`], few: most leads have
/// none); the reasons and matched labels are the rule set's texts for those bits, in
/// declaration order, as [`IcpResult::build`] lists them, and the unknown inputs are merged in
/// the order `build` meets them. Only an ICP of more than 64 of one kind of check, or a
/// result with its explanation, is kept whole as an [`IcpResult`]. [`BatchResults::row`]
/// reads either the same way.
#[derive(Debug)]
pub struct BatchResults<'r> {
    rules: &'r RuleSet,
    leads: usize,
    /// Per ICP.
    columns: Vec<IcpColumns>,
    /// Per lead and ICP (`lead * icps + icp`): where its whole result is in `whole`, or
    /// [`NOT_WHOLE`]; empty until a result is kept whole.
    whole_index: Vec<usize>,
    whole: Vec<IcpResult<'r>>,
    /// Per lead: the best ICP.
    best: Vec<Option<usize>>,
}

const NOT_WHOLE: usize = usize::MAX;

/// The set bits of `word`, lowest first.
pub fn set_bits(mut word: u64) -> impl Iterator<Item = usize> + Clone {
    std::iter::from_fn(move || {
        let bit = word.trailing_zeros() as usize;
        word &= word.wrapping_sub(1);
        (bit < 64).then_some(bit)
    })
}

/// One ICP's columns of a [`BatchResults`]; meaningful for the leads not kept whole.
#[derive(Debug, Default)]
pub struct IcpColumns {
    pub score: Vec<f64>,
    /// The tier's index, or [`NO_TIER`].
    pub tiers: Vec<u32>,
    /// Bit `c`: `require` `c` failed.
    pub failed: Vec<u64>,
    /// Bit `c`: `exclude` `c` held.
    pub excluded: Vec<u64>,
    /// Bit `c`: `score` `c` matched.
    pub matched: Vec<u64>,
    /// Per lead, where its checks in `unknown` end (they start where the previous lead's
    /// end); empty when no lead has any.
    pub unknown_end: Vec<u32>,
    /// The checks that came out unknown, lead after lead, each lead's in the order
    /// [`IcpResult::build`] asks for them (tiers only on a qualified lead, up to the one that
    /// matched).
    pub unknown: Vec<UnknownCheck>,
    /// The missing inputs of the checks in `unknown`.
    pub inputs: Vec<Input>,
}

/// A check that came out unknown for a lead kept in columns, and where the inputs whose
/// absence made it so are in [`IcpColumns::inputs`] (`start..end`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownCheck {
    pub check: Check,
    pub start: u32,
    pub end: u32,
}

/// No tier, in [`IcpColumns::tiers`].
pub const NO_TIER: u32 = u32::MAX;

impl IcpColumns {
    /// Whether lead `lead` qualifies: no `require` failed or came out unknown and no
    /// `exclude` held.
    pub fn qualified(&self, lead: usize) -> bool {
        self.failed[lead] == 0
            && self.excluded[lead] == 0
            && !self
                .unknowns(lead)
                .iter()
                .any(|u| matches!(u.check, Check::Require(_)))
    }

    /// Adds the next check of the lead being filled in that came out unknown, its missing
    /// inputs added by `missing`.
    pub fn note_unknown(&mut self, check: Check, missing: impl FnOnce(&mut Vec<Input>)) {
        let start = self.inputs.len() as u32;
        missing(&mut self.inputs);
        let end = self.inputs.len() as u32;
        self.unknown.push(UnknownCheck { check, start, end });
    }

    /// The checks of lead `lead` that came out unknown.
    pub fn unknowns(&self, lead: usize) -> &[UnknownCheck] {
        let Some(&end) = self.unknown_end.get(lead) else {
            return &[];
        };
        let start = if lead == 0 {
            0
        } else {
            self.unknown_end[lead - 1]
        };
        &self.unknown[start as usize..end as usize]
    }

    /// The missing inputs of an unknown check.
    pub fn missing(&self, check: &UnknownCheck) -> &[Input] {
        &self.inputs[check.start as usize..check.end as usize]
    }

    /// The index of lead `lead`'s tier, if it has one.
    pub fn tier(&self, lead: usize) -> Option<usize> {
        let tier = self.tiers[lead];
        (tier != NO_TIER).then_some(tier as usize)
    }
}

/// The most checks of one kind an ICP may have for its results to be kept in columns.
pub const COLUMN_CHECKS: usize = 64;

/// One lead against one ICP, read from a [`BatchResults`]; the lists borrow from it or from
/// the [`RowScratch`] they were gathered in.
#[derive(Debug, Clone, Copy)]
pub struct ResultRow<'a, 'r> {
    pub name: &'r str,
    pub qualified: bool,
    pub score: f64,
    pub max_score: f64,
    pub tier_index: Option<usize>,
    pub tier: Option<&'r str>,
    pub matched: &'a [&'r str],
    pub unknown: &'a [&'r str],
    pub reasons: &'a [Cow<'r, str>],
    /// The whole result, when the lead and ICP were kept whole (with `--explain`, always).
    pub whole: Option<&'a IcpResult<'r>>,
}

/// Vectors reused from row to row by [`BatchResults::row`].
#[derive(Debug, Default)]
pub struct RowScratch<'r> {
    matched: Vec<&'r str>,
    inputs: Vec<Input>,
    unknown: Vec<&'r str>,
    reasons: Vec<Cow<'r, str>>,
}

impl<'r> BatchResults<'r> {
    /// Results of `leads` leads, to be filled ICP by ICP with [`BatchResults::push_columns`].
    pub fn new(rules: &'r RuleSet, leads: usize) -> BatchResults<'r> {
        BatchResults {
            rules,
            leads,
            columns: Vec::with_capacity(rules.icps.len()),
            whole_index: Vec::new(),
            whole: Vec::new(),
            best: Vec::new(),
        }
    }

    /// Every lead's results kept whole (what the evaluators give with `detail`).
    pub fn from_leads(rules: &'r RuleSet, leads: Vec<LeadResult<'r>>) -> BatchResults<'r> {
        let mut results = BatchResults::new(rules, leads.len());
        results.columns = (0..rules.icps.len())
            .map(|_| IcpColumns::default())
            .collect();
        for (lead, result) in leads.into_iter().enumerate() {
            results.best.push(result.best);
            for (i, r) in result.icps.into_iter().enumerate() {
                results.keep(lead, i, r);
            }
        }
        results
    }

    /// Adds the next ICP's columns.
    pub fn push_columns(&mut self, columns: IcpColumns) {
        self.columns.push(columns);
    }

    /// Keeps the result of lead `lead` against ICP `icp` whole.
    pub fn keep(&mut self, lead: usize, icp: usize, result: IcpResult<'r>) {
        let icps = self.rules.icps.len();
        if self.whole_index.is_empty() {
            self.whole_index = vec![NOT_WHOLE; self.leads * icps];
        }
        self.whole_index[lead * icps + icp] = self.whole.len();
        self.whole.push(result);
    }

    /// Picks each lead's best ICP, once every ICP's results are in.
    pub fn choose_best(&mut self) {
        self.best = (0..self.leads)
            .map(|lead| {
                best_of((0..self.rules.icps.len()).map(|i| {
                    let (tier, score) = self.tier_and_score(lead, i);
                    (i, tier, score)
                }))
            })
            .collect();
    }

    /// The tier (its index) and score of `lead` in `icp`, from its whole result or the
    /// columns.
    pub fn tier_and_score(&self, lead: usize, icp: usize) -> (Option<usize>, f64) {
        match self.whole_result(lead, icp) {
            Some(r) => (r.tier_index, r.score),
            None => (self.columns[icp].tier(lead), self.columns[icp].score[lead]),
        }
    }

    /// The score of `lead` in `icp` when the lead qualifies for it (what rank tiers rank).
    pub fn qualified_score(&self, lead: usize, icp: usize) -> Option<f64> {
        match self.whole_result(lead, icp) {
            Some(r) => r.qualified.then_some(r.score),
            None => (self.columns[icp].qualified(lead)).then(|| self.columns[icp].score[lead]),
        }
    }

    pub fn len(&self) -> usize {
        self.leads
    }

    pub fn is_empty(&self) -> bool {
        self.leads == 0
    }

    /// The rule set the results are of.
    pub fn rules(&self) -> &'r RuleSet {
        self.rules
    }

    /// The number of ICPs each lead has a result against.
    pub fn icps(&self) -> usize {
        self.rules.icps.len()
    }

    /// The best ICP of lead `lead`, if any ICP gives it a tier.
    pub fn best(&self, lead: usize) -> Option<usize> {
        self.best.get(lead).copied().flatten()
    }

    /// The columns of ICP `icp`, for the leads not kept whole.
    pub fn columns(&self, icp: usize) -> &IcpColumns {
        &self.columns[icp]
    }

    /// Whether lead `lead` against ICP `icp` is in columns with every outcome known: its row
    /// is its score, tier and bits alone.
    pub fn all_known(&self, lead: usize, icp: usize) -> bool {
        self.whole_result(lead, icp).is_none() && self.columns[icp].unknowns(lead).is_empty()
    }

    /// The result of lead `lead` against ICP `icp`, when it was kept whole.
    pub fn whole_result(&self, lead: usize, icp: usize) -> Option<&IcpResult<'r>> {
        let at = *self.whole_index.get(lead * self.rules.icps.len() + icp)?;
        self.whole.get(at)
    }

    /// Lead `lead` against ICP `icp`; its lists are gathered in `scratch` when they come from
    /// the columns.
    pub fn row<'a>(
        &'a self,
        lead: usize,
        icp: usize,
        scratch: &'a mut RowScratch<'r>,
    ) -> ResultRow<'a, 'r> {
        let def = &self.rules.icps[icp];
        if let Some(r) = self.whole_result(lead, icp) {
            return ResultRow {
                name: r.name,
                qualified: r.qualified,
                score: r.score,
                max_score: r.max_score,
                tier_index: r.tier_index,
                tier: r.tier,
                matched: &r.matched,
                unknown: &r.unknown,
                reasons: &r.reasons,
                whole: Some(r),
            };
        }
        let c = &self.columns[icp];
        let unknowns = c.unknowns(lead);
        scratch.matched.clear();
        scratch
            .matched
            .extend(set_bits(c.matched[lead]).map(|b| def.scores[b].label.as_str()));
        // The missing inputs merged in the order `build` notes them.
        scratch.inputs.clear();
        for input in unknowns.iter().flat_map(|u| c.missing(u)) {
            add_input(&mut scratch.inputs, 0, *input);
        }
        scratch.unknown.clear();
        (scratch.unknown).extend(scratch.inputs.iter().map(|m| m.name(self.rules)));
        // Each `require` that failed or came out unknown in declaration order, then each
        // `exclude` that held.
        scratch.reasons.clear();
        for (r, clause) in def.requires.iter().enumerate() {
            if c.failed[lead] >> r & 1 == 1 {
                scratch.reasons.push(Cow::Borrowed(clause.reason.as_str()));
            } else if let Some(u) = unknowns.iter().find(|u| u.check == Check::Require(r)) {
                let reason = unknown_reason(self.rules, clause, c.missing(u));
                scratch.reasons.push(reason);
            }
        }
        scratch.reasons.extend(
            set_bits(c.excluded[lead]).map(|b| Cow::Borrowed(def.excludes[b].reason.as_str())),
        );
        let tier = c.tier(lead);
        ResultRow {
            name: &def.name,
            qualified: c.qualified(lead),
            score: c.score[lead],
            max_score: def.max_score,
            tier_index: tier,
            tier: tier.map(|t| def.tiers[t].name.as_str()),
            matched: &scratch.matched,
            unknown: &scratch.unknown,
            reasons: &scratch.reasons,
            whole: None,
        }
    }
}
