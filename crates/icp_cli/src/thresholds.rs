//! The first passes of `icp score` and `icp explain`: relative thresholds (`percentile`,
//! `median`, `top` tiers) and the cut of `--top N`, computed exactly over the whole lead set
//! before the scoring pass.
//!
//! How it works: each pass reads the lead files again from the start (standard input cannot
//! be read twice, so a run that needs a pass refuses it: [`refuse_stdin`]).
//! 1. Percentiles: the reader parses the fields the scoring pass parses and those whose
//!    percentiles the rules take; every present value of the latter is kept (8 bytes a value and field), sorted, and
//!    [`icp_engine::relative::percentile`] gives each threshold.
//! 2. Rank tiers: the rule set with its percentiles substituted (its rank tiers still
//!    unknown, which changes no score nor qualification) is evaluated over every lead, and the
//!    scores of the qualified leads of each ICP with a rank tier are kept (8 bytes a lead and
//!    ICP); [`icp_engine::relative::rank_cut`] gives each cut.
//! 3. `--top N`: the rule set with every threshold substituted is evaluated once more and
//!    each lead's score in its best ICP kept; the N-th best is the cut.
//!
//! Rejected rows are left out of every pass as they are out of the scoring pass (no rejects
//! file is written here). The passes evaluate on the calling thread, reading in the pool.

use icp_engine::batch::Batch;
use icp_engine::eval::columnar;
use icp_engine::ir::{Relative, RuleSet};
use icp_engine::plan::Plan;
use icp_engine::relative::{self, Rank, Threshold};
use icp_engine::result::BatchResults;

use crate::config::Config;
use crate::error::{RunError, UsageError};
use crate::setup::LeadSetup;

/// What the first passes computed.
#[derive(Debug)]
pub struct FirstPass {
    /// The value of each of the rule set's thresholds, in [`RuleSet::relatives`] order.
    pub values: Vec<Threshold>,
    /// `--top N`: the lowest score written, `None` when no lead has a best ICP.
    pub top_cut: Option<Option<f64>>,
}

/// Whether the run needs a first pass: thresholds in the rules, or `--top`.
pub fn needed(rules: &RuleSet, top: Option<u64>) -> bool {
    !rules.relatives.is_empty() || top.is_some()
}

/// The error for a run that needs a first pass over leads on standard input.
pub fn refuse_stdin(rules: &RuleSet, top: Option<u64>) -> UsageError {
    let why = match rules.relatives.first() {
        Some(r) => format!("the rules use `{}`", r.text(rules)),
        None => format!("--top {} ranks every lead", top.unwrap_or(0)),
    };
    UsageError::Thresholds(format!(
        "{why}, which is computed over all the leads before scoring: the leads are read twice, \
         and standard input cannot be; write them to a file and give --leads FILE"
    ))
}

/// The passes of a command that needs no `--top` (`icp explain`, `icp backtest`): refuses
/// standard input when a pass is needed, and substitutes the thresholds into `setup.rules`.
/// The values computed, when there was a pass.
pub fn prepare(setup: &mut LeadSetup, config: &Config) -> Result<Option<FirstPass>, UsageError> {
    if !needed(&setup.rules, None) {
        return Ok(None);
    }
    if setup.files.reads_stdin() {
        return Err(refuse_stdin(&setup.rules, None));
    }
    let pool = crate::cmd::score::worker_pool(None)?;
    Ok(Some(resolve(setup, config, &pool, None)?))
}

/// Runs the passes the rule set and `--top` need, substitutes every threshold into
/// `setup.rules`, and returns what was computed.
pub fn resolve(
    setup: &mut LeadSetup,
    config: &Config,
    pool: &rayon::ThreadPool,
    top: Option<u64>,
) -> Result<FirstPass, RunError> {
    let rules = &setup.rules;
    let mut values = vec![Threshold::Unknown; rules.relatives.len()];
    // 1. Percentiles.
    let mut fields: Vec<_> = (rules.relatives.iter())
        .filter_map(|r| match r {
            Relative::Percentile { field, .. } => Some(*field),
            Relative::Top { .. } => None,
        })
        .collect();
    fields.sort_by_key(|f| f.0);
    fields.dedup();
    if !fields.is_empty() {
        // What the scoring pass parses too, so that the same rows are read (and rejected).
        let mut read = rules.fields_read();
        fields.iter().for_each(|f| read[f.0 as usize] = true);
        let mut columns: Vec<Vec<f64>> = vec![Vec::new(); fields.len()];
        for_each_batch(setup, config, pool, read, |batch| {
            for (field, column) in fields.iter().zip(&mut columns) {
                let numbers = batch.company[field.0 as usize].numbers(batch.len());
                column.extend(numbers.into_iter().flatten().filter(|n| !n.is_nan()));
            }
            Ok(())
        })?;
        columns.iter_mut().for_each(|c| relative::sort_values(c));
        for (value, r) in values.iter_mut().zip(&setup.rules.relatives) {
            if let Relative::Percentile { field, p } = r {
                let column = &columns[fields.binary_search_by_key(&field.0, |f| f.0).unwrap_or(0)];
                *value =
                    relative::percentile(column, *p).map_or(Threshold::Empty, Threshold::Known);
            }
        }
    }
    // 2. Rank tiers, over the rules with their percentiles known.
    if setup.rules.has_rank_tiers() {
        let mut ranked = setup.rules.clone();
        ranked.resolve_relatives(&values);
        let icps = ranked.icps.len();
        let mut scores: Vec<Vec<f64>> = vec![Vec::new(); icps];
        let wanted: Vec<bool> = (0..icps)
            .map(|i| {
                (ranked.relatives.iter())
                    .any(|r| matches!(r, Relative::Top { icp, .. } if *icp == i))
            })
            .collect();
        evaluate_all(setup, &ranked, config, pool, |results| {
            for lead in 0..results.len() {
                for icp in (0..icps).filter(|&i| wanted[i]) {
                    scores[icp].extend(results.qualified_score(lead, icp));
                }
            }
        })?;
        for (value, r) in values.iter_mut().zip(&setup.rules.relatives) {
            if let Relative::Top { icp, rank } = r {
                *value = cut(&mut scores[*icp].clone(), *rank);
            }
        }
    }
    setup.rules.resolve_relatives(&values);
    // 3. `--top N`, over the final results.
    let mut top_cut = None;
    if let Some(n) = top {
        let mut best = Vec::new();
        let final_rules = setup.rules.clone();
        evaluate_all(setup, &final_rules, config, pool, |results| {
            for lead in 0..results.len() {
                if let Some(icp) = results.best(lead) {
                    best.push(results.tier_and_score(lead, icp).1);
                }
            }
        })?;
        top_cut = Some(relative::rank_cut(&mut best, Rank::Count(n)));
    }
    Ok(FirstPass { values, top_cut })
}

fn cut(scores: &mut [f64], rank: Rank) -> Threshold {
    relative::rank_cut(scores, rank).map_or(Threshold::Empty, Threshold::Known)
}

/// Evaluates `rules` over every lead (plugins included), handing each batch's results to
/// `visit`.
fn evaluate_all(
    setup: &LeadSetup,
    rules: &RuleSet,
    config: &Config,
    pool: &rayon::ThreadPool,
    mut visit: impl FnMut(&BatchResults),
) -> Result<(), RunError> {
    let plan = Plan::new(rules);
    let today = setup.today;
    for_each_batch(setup, config, pool, rules.fields_read(), |batch| {
        setup.signals.fill(batch, today)?;
        let results = pool.install(|| columnar::evaluate_columns(rules, &plan, batch, today));
        visit(&results);
        Ok(())
    })
}

/// Reads every batch of the lead files, parsing the fields `read`.
fn for_each_batch(
    setup: &LeadSetup,
    config: &Config,
    pool: &rayon::ThreadPool,
    read: Vec<bool>,
    mut visit: impl FnMut(&mut Batch) -> Result<(), RunError>,
) -> Result<(), RunError> {
    let mut reader = pool.install(|| setup.open_reader(config, None, Some(read), false))?;
    while let Some(next) = pool.install(|| reader.next()) {
        visit(&mut next?)?;
    }
    Ok(())
}

/// The computed thresholds, a line each, for `icp explain`: `percentile(company.revenue, 80)
/// = 1200000`, `top 10% of demo: score >= 70`; empty when the rules use none.
pub fn describe(rules: &RuleSet, values: &[Threshold]) -> String {
    let mut out = String::new();
    for (r, value) in rules.relatives.iter().zip(values) {
        let shown = match (r, value) {
            (Relative::Percentile { .. }, Threshold::Known(v)) => format!(" = {v}"),
            (Relative::Percentile { .. }, _) => " = unknown (no lead has a value)".to_string(),
            (Relative::Top { .. }, Threshold::Known(cut)) => format!(": score >= {cut}"),
            (Relative::Top { .. }, _) => ": nobody (no lead qualifies)".to_string(),
        };
        out.push_str(&format!("  {}{shown}\n", r.text(rules)));
    }
    out
}
