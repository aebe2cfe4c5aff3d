//! The results of a batch read off the evaluator's truth vectors: whole results, or columns.
//!
//! How it works: [`Decided`] gathers, per ICP, the truth of each `require`, `exclude`, `score`
//! and tier condition on every lead. [`evaluate`] builds each lead's result whole from them
//! with [`IcpResult::build`], the same builder the reference evaluator uses; [`evaluate_columns`]
//! (what `icp score` writes) packs them into a few numbers and bit sets per lead and ICP,
//! eight conditions at a time, and walks the evaluator's vectors only for a condition that
//! came out unknown, to name the missing inputs that made it so.
//! [`evaluate_columns_with_personas`] adds each contact's personas from the same run.

use std::borrow::Cow;

use super::evaluator::Evaluator;
use super::personas::ContactPersonas;
use crate::batch::Batch;
use crate::eval::AsOf;
use crate::ir::RuleSet;
use crate::plan::Plan;
use crate::result::{
    BatchResults, COLUMN_CHECKS, Check, IcpColumns, IcpResult, Input, LeadResult, NO_TIER, Outcome,
    best_icp, set_bits,
};
use crate::semantics::Truth;

/// Evaluates a batch of leads against every ICP of the rule set; `detail` adds the per-check
/// explanation to each result (see [`IcpResult::build`]) and the personas of each contact
/// (left empty without it).
pub fn evaluate<'r, 'd>(
    rules: &'r RuleSet,
    plan: &Plan,
    batch: &Batch,
    today: impl Into<AsOf<'d>>,
    detail: bool,
) -> Vec<LeadResult<'r>> {
    let ev = Evaluator::run_all(rules, plan, batch, today.into());
    let decided = Decided::new(&ev);
    (0..batch.len())
        .map(|row| {
            let icps: Vec<IcpResult> = (0..plan.icps.len())
                .map(|i| decided.build_result(i, row, detail))
                .collect();
            // Only an explanation shows the personas.
            let contacts = if detail { batch.contacts_of(row) } else { 0..0 };
            let personas = contacts
                .map(|c| {
                    rules
                        .personas
                        .iter()
                        .zip(&plan.personas)
                        .filter(|(_, n)| ev.vector(**n).truth(c) == Truth::True)
                        .map(|(p, _)| p.name.clone())
                        .collect()
                })
                .collect();
            LeadResult {
                best: best_icp(&icps),
                icps,
                personas,
            }
        })
        .collect()
}

/// Evaluates a batch of leads against every ICP of the rule set into columns (what `icp
/// score` writes without `--explain`): each lead and ICP is a few numbers and bit sets read
/// straight off the truth vectors, and the checks that came out unknown with their missing
/// inputs ([`Evaluator::missing`]). Only an ICP with more than [`COLUMN_CHECKS`] checks of a
/// kind has its results built whole, as [`evaluate`] builds them. The same results as
/// [`evaluate`] without `detail`.
pub fn evaluate_columns<'r, 'd>(
    rules: &'r RuleSet,
    plan: &Plan,
    batch: &Batch,
    today: impl Into<AsOf<'d>>,
) -> BatchResults<'r> {
    columns_of(&Evaluator::run_all(rules, plan, batch, today.into()))
}

/// [`evaluate_columns`] and which personas each contact of the batch matches
/// ([`ContactPersonas`]), from one run of the evaluator (`icp score --contacts-out`).
pub fn evaluate_columns_with_personas<'r, 'd>(
    rules: &'r RuleSet,
    plan: &Plan,
    batch: &Batch,
    today: impl Into<AsOf<'d>>,
) -> (BatchResults<'r>, ContactPersonas) {
    let ev = Evaluator::run_all(rules, plan, batch, today.into());
    (
        columns_of(&ev),
        ContactPersonas::read(&ev, batch.contact_count()),
    )
}

/// The results of [`evaluate_columns`], read off an evaluator's vectors.
pub(super) fn columns_of<'r>(ev: &Evaluator<'_, 'r>) -> BatchResults<'r> {
    let (rules, plan) = (ev.rules, ev.plan);
    let decided = Decided::new(ev);
    let leads = ev.leads();
    let mut results = BatchResults::new(rules, leads);
    for (i, icp) in rules.icps.iter().enumerate() {
        let [requires, excludes, gains] = &decided.conditions[i];
        if [requires.len(), excludes.len(), gains.len()]
            .iter()
            .any(|n| *n > COLUMN_CHECKS)
        {
            for row in 0..leads {
                results.keep(row, i, decided.build_result(i, row, false));
            }
            results.push_columns(IcpColumns::default());
            continue;
        }
        // Each lead's bits: the conditions that are `set`, and those that are unknown. Eight
        // conditions at a time are gathered in a byte per lead (a byte loop the compiler
        // runs sixteen leads to an instruction), then moved into the lead's word; the first
        // group's bytes make the words (no zeroed vector to add them to).
        let bit_words = |conditions: &[Cow<[Truth]>], set: Truth| {
            if conditions.is_empty() {
                return (vec![0u64; leads], vec![0u64; leads]);
            }
            let (mut words, mut unknown) = (Vec::new(), Vec::new());
            let mut set_bytes = vec![0u8; leads];
            let mut unknown_bytes = vec![0u8; leads];
            for (g, group) in conditions.chunks(8).enumerate() {
                set_bytes.fill(0);
                unknown_bytes.fill(0);
                for (c, truths) in group.iter().enumerate() {
                    let bit = 1u8 << c;
                    let bytes = set_bytes.iter_mut().zip(&mut unknown_bytes);
                    for ((s, u), t) in bytes.zip(&truths[..leads]) {
                        *s |= 0u8.wrapping_sub(u8::from(*t == set)) & bit;
                        *u |= 0u8.wrapping_sub(u8::from(*t == Truth::Unknown)) & bit;
                    }
                }
                if g == 0 {
                    words = set_bytes.iter().map(|b| u64::from(*b)).collect();
                    unknown = unknown_bytes.iter().map(|b| u64::from(*b)).collect();
                    continue;
                }
                let shift = 8 * g;
                for (w, b) in words.iter_mut().zip(&set_bytes) {
                    *w |= u64::from(*b) << shift;
                }
                for (w, b) in unknown.iter_mut().zip(&unknown_bytes) {
                    *w |= u64::from(*b) << shift;
                }
            }
            (words, unknown)
        };
        let (failed, unknown_requires) = bit_words(requires, Truth::False);
        let (excluded, unknown_excludes) = bit_words(excludes, Truth::True);
        let (matched, unknown_scores) = bit_words(gains, Truth::True);
        let mut columns = IcpColumns {
            score: decided.ev.scores[i].clone(),
            tiers: vec![NO_TIER; leads],
            unknown_end: Vec::with_capacity(leads),
            failed,
            excluded,
            matched,
            ..IcpColumns::default()
        };
        let plan = &plan.icps[i];
        let tiers: Vec<Option<&[Truth]>> = decided.tiers[i].iter().map(|t| t.as_deref()).collect();
        for row in 0..leads {
            // The unknown checks in the order `IcpResult::build` asks for them.
            if unknown_requires[row] | unknown_excludes[row] | unknown_scores[row] != 0 {
                let kinds = [
                    (
                        unknown_requires[row],
                        &plan.requires,
                        Check::Require as fn(usize) -> Check,
                    ),
                    (unknown_excludes[row], &plan.excludes, Check::Exclude),
                    (unknown_scores[row], &plan.scores, Check::Score),
                ];
                for (bits, nodes, check) in kinds {
                    for c in set_bits(bits) {
                        let missing = |inputs: &mut Vec<Input>| ev.missing(nodes[c], row, inputs);
                        columns.note_unknown(check(c), missing);
                    }
                }
            }
            // Tiers in order on qualified leads: the first that holds; an unknown one does
            // not match.
            if columns.failed[row] | columns.excluded[row] | unknown_requires[row] == 0 {
                for (t, (truths, node)) in tiers.iter().zip(&plan.tiers).enumerate() {
                    match (truths.map_or(Truth::True, |v| v[row]), node) {
                        (Truth::True, _) => {
                            columns.tiers[row] = t as u32;
                            break;
                        }
                        (Truth::Unknown, Some(node)) => {
                            let missing = |inputs: &mut Vec<Input>| ev.missing(*node, row, inputs);
                            columns.note_unknown(Check::Tier(t), missing);
                        }
                        _ => {}
                    }
                }
            }
            columns.unknown_end.push(columns.unknown.len() as u32);
        }
        if columns.unknown.is_empty() {
            columns.unknown_end = Vec::new();
        }
        debug_assert!(icp.tiers.len() < NO_TIER as usize);
        results.push_columns(columns);
    }
    results.choose_best();
    results
}

/// What the evaluator decided for a batch, per ICP: the score of each lead and the truth of
/// every `require`, `exclude` and `score` and of each tier condition (`None`: a tier without
/// one) on every lead.
struct Decided<'e, 'r> {
    ev: &'e Evaluator<'e, 'r>,
    conditions: Vec<[Vec<Cow<'e, [Truth]>>; 3]>,
    tiers: Vec<Vec<Option<Cow<'e, [Truth]>>>>,
}

impl<'e, 'r> Decided<'e, 'r> {
    fn new(ev: &'e Evaluator<'e, 'r>) -> Decided<'e, 'r> {
        let plan = ev.plan;
        let conditions = plan
            .icps
            .iter()
            .map(|p| {
                [&p.requires, &p.excludes, &p.scores]
                    .map(|nodes| nodes.iter().map(|n| ev.truths(*n)).collect())
            })
            .collect();
        let tiers = plan
            .icps
            .iter()
            .map(|p| p.tiers.iter().map(|t| t.map(|n| ev.truths(n))).collect())
            .collect();
        Decided {
            ev,
            conditions,
            tiers,
        }
    }

    /// The whole result of lead `row` against ICP `i`, built by [`IcpResult::build`] from the
    /// decided truths; a condition that came out unknown names the inputs whose absence made
    /// it so from the vectors ([`Evaluator::missing`]).
    fn build_result(&self, i: usize, row: usize, detail: bool) -> IcpResult<'r> {
        let [requires, excludes, gains] = &self.conditions[i];
        let icp = &self.ev.plan.icps[i];
        let age = |s: usize| icp.ages[s].map_or(0.0, |node| self.ev.age(node, row));
        IcpResult::build(
            self.ev.rules,
            i,
            detail,
            |check, _, _| {
                let (truth, node) = match check {
                    Check::Require(c) => (requires[c][row], icp.requires[c]),
                    Check::Exclude(c) => (excludes[c][row], icp.excludes[c]),
                    Check::Score(c) => (gains[c][row], icp.scores[c]),
                    // `build` asks only for a tier with a condition, which has its node.
                    Check::Tier(t) => match (&self.tiers[i][t], icp.tiers[t]) {
                        (Some(truths), Some(node)) => (truths[row], node),
                        _ => return Outcome::known(Truth::True),
                    },
                };
                match truth {
                    Truth::Unknown => {
                        let mut missing = Vec::new();
                        self.ev.missing(node, row, &mut missing);
                        Outcome { truth, missing }
                    }
                    truth => Outcome::known(truth),
                }
            },
            age,
        )
    }
}
