//! The report's data: every number the page shows, in one value that is also embedded in the
//! page as JSON (`<script type="application/json" id="icp-report-data">`).
//!
//! How it works: [`ReportData::build`] puts together what the run computed, computing
//! nothing itself: the score summary's figures (`crate::summary`, the numbers `icp score`
//! prints), the report's own counts per ICP ([`Collected`]), and with outcomes the backtest
//! report of `icp backtest` unchanged (its JSON form is `icp backtest --format json`'s). Per
//! ICP it takes from the summary the leads of each tier (leads whose best ICP it is), the
//! qualified leads and the readable reasons; the funnel's remaining leads are the leads
//! read minus those removed so far, ending at the qualified count.

use icp_engine::ir::RuleSet;
use icp_learn::backtest::{BANDS, Report};
use serde::Serialize;

use super::collect::{Collected, TopLead};
use crate::summary::{Count, SummaryFigures};

/// The version of the embedded JSON's shape.
pub const DATA_VERSION: u32 = 1;

/// The whole report; see the module documentation.
#[derive(Debug, Clone, Serialize)]
pub struct ReportData {
    pub version: u32,
    /// The as-of date, YYYY-MM-DD.
    pub as_of: String,
    pub inputs: Inputs,
    pub read: ReadCounts,
    /// The numbers of `icp score`'s summary.
    pub summary: SummaryFigures,
    pub icps: Vec<IcpSection>,
    /// `icp backtest --format json` on the same inputs, when outcomes were given.
    pub backtest: Option<Report>,
}

/// The files the report was made from, as the command line names them.
#[derive(Debug, Clone, Serialize)]
pub struct Inputs {
    pub leads: String,
    pub contacts: Option<String>,
    pub outcomes: Option<String>,
}

/// What the reader made of the lead files.
#[derive(Debug, Clone, Serialize)]
pub struct ReadCounts {
    pub rows_read: u64,
    pub leads: u64,
    pub rejected: u64,
    pub contacts_joined: u64,
}

/// One ICP's part of the report.
#[derive(Debug, Clone, Serialize)]
pub struct IcpSection {
    pub name: String,
    pub description: Option<String>,
    pub max_score: f64,
    pub qualified: u64,
    /// Leads whose best ICP is this one, per tier (declaration order).
    pub tiers: Vec<Count>,
    /// Leads per score band, tenths of the maximum score.
    pub histogram: Vec<ScoreBand>,
    /// Each clause in order and the leads it removes.
    pub funnel: Vec<FunnelStep>,
    /// The readable reasons of the leads it disqualified, most frequent first.
    pub reasons: Vec<Count>,
    /// The fields missing where the ICP needed them, most frequent first.
    pub missing: Vec<Count>,
    /// Per tier, its best leads with their contacts to call.
    pub top_leads: Vec<TierLeads>,
}

/// The leads whose score is in `[low, high)` points (the last band includes the maximum).
#[derive(Debug, Clone, Serialize)]
pub struct ScoreBand {
    pub low: f64,
    pub high: f64,
    pub leads: u64,
    pub qualified: u64,
}

/// One clause of the funnel.
#[derive(Debug, Clone, Serialize)]
pub struct FunnelStep {
    /// `require` or `exclude`.
    pub kind: &'static str,
    /// The clause in readable words (its `shown` text).
    pub clause: String,
    /// Leads this clause removes that no earlier clause removed.
    pub removed: u64,
    /// Leads left after it.
    pub remaining: u64,
}

/// A tier's best leads.
#[derive(Debug, Clone, Serialize)]
pub struct TierLeads {
    pub tier: String,
    pub leads: Vec<TopLead>,
}

impl ReportData {
    /// The report of a run; see the module documentation.
    pub fn build(
        rules: &RuleSet,
        as_of: String,
        inputs: Inputs,
        read: ReadCounts,
        summary: SummaryFigures,
        collected: Collected,
        backtest: Option<Report>,
    ) -> ReportData {
        let icps = (rules.icps.iter().zip(collected.icps).enumerate())
            .map(|(i, (icp, counts))| {
                let tiers = (icp.tiers.iter())
                    .map(|t| Count {
                        name: t.name.clone(),
                        leads: (summary.best.iter())
                            .filter(|b| b.icp == icp.name && b.tier.as_ref() == Some(&t.name))
                            .map(|b| b.leads)
                            .sum(),
                    })
                    .collect();
                let histogram = (0..BANDS)
                    .map(|k| ScoreBand {
                        low: icp.max_score.max(0.0) * k as f64 / BANDS as f64,
                        high: icp.max_score.max(0.0) * (k + 1) as f64 / BANDS as f64,
                        leads: counts.bands[k],
                        qualified: counts.qualified_bands[k],
                    })
                    .collect();
                let clauses = (icp.requires.iter().map(|c| ("require", c)))
                    .chain(icp.excludes.iter().map(|c| ("exclude", c)));
                let mut remaining = summary.leads;
                let funnel = clauses
                    .zip(&counts.removed)
                    .map(|((kind, clause), removed)| {
                        remaining = remaining.saturating_sub(*removed);
                        FunnelStep {
                            kind,
                            clause: clause.shown.clone(),
                            removed: *removed,
                            remaining,
                        }
                    })
                    .collect();
                let mut missing: Vec<Count> = (counts.missing.into_iter())
                    .map(|(name, leads)| Count { name, leads })
                    .collect();
                missing.sort_by(|a, b| b.leads.cmp(&a.leads).then(a.name.cmp(&b.name)));
                let top_leads = (icp.tiers.iter().zip(counts.top))
                    .map(|(t, leads)| TierLeads {
                        tier: t.name.clone(),
                        leads,
                    })
                    .collect();
                IcpSection {
                    name: icp.name.clone(),
                    description: icp.description.clone(),
                    max_score: icp.max_score,
                    qualified: summary.qualified[i].leads,
                    tiers,
                    histogram,
                    funnel,
                    reasons: summary.reasons_per_icp[i].clone(),
                    missing,
                    top_leads,
                }
            })
            .collect();
        ReportData {
            version: DATA_VERSION,
            as_of,
            inputs,
            read,
            summary,
            icps,
            backtest,
        }
    }

    /// The JSON embedded in the page: compact, and safe inside a `<script>` element (every
    /// `<` written `\u003c`, which JSON reads as the same character).
    pub fn to_embedded_json(&self) -> String {
        let text = serde_json::to_string(self).unwrap_or_default();
        text.replace('<', "\\u003c")
    }
}

/// Days since 1970-01-01 as YYYY-MM-DD.
pub fn date_text(days: i32) -> String {
    let (y, m, d) = icp_syntax::ast::civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}
