//! `icp explain`: one lead against every ICP, check by check.
//!
//! How it works: the rules, plugins and lead files are prepared as for `icp score`
//! ([`LeadSetup`]); the reader then streams every batch, looking for rows whose id is the one
//! asked for. Only the batch holding the first of them goes through the plugins; the lead is
//! evaluated with the reference evaluator (one lead, every check kept) and printed: each ICP's
//! checks with their results and points, what would have changed its tier or what
//! disqualified it, the value each signal call of the rules returned for it (read from the
//! batch's signal columns the plugins filled), and the contacts' personas. Later rows with
//! the same id are counted and mentioned, never explained. Relative thresholds (`percentile`,
//! `top` tiers) are computed over every lead first (`crate::thresholds`) and shown.

use std::io::Write;
use std::process::ExitCode;

use icp_engine::lead::Lead;

use crate::LeadArgs;
use crate::error::{RunError, UsageError};
use crate::project::Project;
use crate::setup::LeadSetup;

/// `icp explain --id ID`: exit 0 when the lead is found, 1 when the rule set has errors.
pub fn run(project: &Project, input: LeadArgs, id: &str) -> Result<ExitCode, UsageError> {
    let host = project.load_plugins()?;
    let Some(mut setup) = LeadSetup::prepare(project, &host, input)? else {
        return Ok(ExitCode::from(1));
    };
    // Relative thresholds: computed over every lead first, as `icp score` does.
    let thresholds = match crate::thresholds::prepare(&mut setup, &project.config)? {
        Some(first) => crate::thresholds::describe(&setup.rules, &first.values),
        None => String::new(),
    };
    Ok(explain(project, &setup, id, &thresholds)?)
}

/// Finds the lead and prints its explanation; a lead not found is an error.
fn explain(
    project: &Project,
    setup: &LeadSetup,
    id: &str,
    thresholds: &str,
) -> Result<ExitCode, RunError> {
    let LeadSetup {
        rules,
        signals,
        files,
        today,
        ..
    } = setup;
    let (today, leads) = (*today, files.leads_shown(project));
    let reader = setup.open_reader(&project.config, None, None, false)?;
    let progress = setup.show_progress("reading", &reader);
    let mut found: Option<(Lead, u64)> = None;
    let mut same_id = 0usize;
    for batch in reader {
        let mut batch = batch?;
        let rows: Vec<usize> = (0..batch.len()).filter(|&r| batch.ids[r] == *id).collect();
        same_id += rows.len();
        if let (Some(&row), None) = (rows.first(), &found) {
            // Only the batch holding the lead is sent to the plugins.
            signals.fill(&mut batch, today)?;
            found = Some((batch.lead(row), batch.lines[row]));
        }
    }
    drop(progress);
    if let Some((lead, line)) = found {
        let result = icp_engine::eval::reference::evaluate(rules, &lead, today);
        let mut out = format!("lead {id} (line {line} of {})\n", leads.clone());
        if same_id > 1 {
            out.push_str(&format!(
                "note: {same_id} leads have this id; this is the first of them\n"
            ));
        }
        out.push_str(&explanation(rules, &lead, &result, thresholds));
        let _ = std::io::stdout().write_all(out.as_bytes());
        return Ok(ExitCode::SUCCESS);
    }
    Err(RunError::NotFound {
        id: id.to_string(),
        file: leads,
    })
}

/// What `icp explain` prints of one lead after its first line: the best ICP, each ICP's
/// checks with what would change its tier or what disqualified it, the thresholds (when
/// given), the signals' values and the contacts' personas. `icp serve`'s `/explain` returns
/// the same text.
pub(crate) fn explanation(
    rules: &icp_engine::ir::RuleSet,
    lead: &Lead,
    result: &icp_engine::result::LeadResult<'_>,
    thresholds: &str,
) -> String {
    let mut out = String::new();
    if let Some(best) = result.best {
        let b = &result.icps[best];
        out.push_str(&format!(
            "best ICP: {}, tier {}\n",
            b.name,
            b.tier.unwrap_or("-")
        ));
    } else {
        out.push_str("best ICP: none (no ICP gives this lead a tier)\n");
    }
    for r in &result.icps {
        out.push('\n');
        out.push_str(&icp_engine::explain::explain_icp(r, 0));
        let misses = icp_engine::explain::near_miss(rules, lead, r);
        if !misses.is_empty() {
            out.push_str(if r.qualified {
                "  what would change the tier:\n"
            } else {
                "  what disqualified it:\n"
            });
            for m in misses {
                out.push_str(&format!("    {m}\n"));
            }
        }
    }
    if !thresholds.is_empty() {
        out.push_str("\nthresholds (over all the leads):\n");
        out.push_str(thresholds);
    }
    let signals = icp_engine::explain::explain_signals(rules, lead, 2);
    if !signals.is_empty() {
        out.push_str("\nsignals:\n");
        out.push_str(&signals);
    }
    if !result.personas.is_empty() {
        out.push_str("\ncontacts:\n");
        out.push_str(&icp_engine::explain::explain_personas(result, 2));
    }
    out
}
