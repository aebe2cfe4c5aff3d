//! The report's own counts, gathered batch by batch beside the score summary: per ICP the
//! score distribution, the funnel of its clauses, the fields missing where it needed them,
//! and the best leads of each tier with their contacts.
//!
//! How it works: [`Collected::add_batch`] reads one batch's results as `icp score` has them
//! (columns, or whole results with their checks when an ICP has more checks of a kind than
//! the columns hold) and the personas of each contact. Per ICP and lead:
//! - the score's band, tenths of the maximum score as the backtest's calibration cuts them
//!   ([`icp_learn::backtest::band`]), counted for every lead and for the qualified ones;
//! - the funnel: the first `require` (in declaration order) that is false or unknown removes
//!   the lead, else the first `exclude` that holds; the leads no clause removes are the
//!   qualified ones, so the steps add up to the summary's count;
//! - the fields whose absence left an outcome unknown (the summary's own
//!   [`missing_inputs`]), each once per lead;
//! - a lead whose best ICP this is, with a tier, is a candidate for that tier's top list:
//!   the higher score first, then input order. Each batch keeps its best [`TOP_LEADS`] per
//!   tier (with their contacts copied out); parts merge in input order and keep the best
//!   again, so memory stays bounded by the tiers, not the leads.

use icp_engine::batch::Batch;
use icp_engine::eval::columnar::ContactPersonas;
use icp_engine::ir::RuleSet;
use icp_engine::result::{BatchResults, Check, CheckKind, set_bits};
use icp_engine::schema::Entity;
use icp_engine::semantics::Truth;
use icp_learn::backtest::{BANDS, band};
use serde::Serialize;

use crate::summary::missing_inputs;

/// How many leads each tier's list shows.
pub const TOP_LEADS: usize = 10;

/// How many of a lead's contacts are shown; the others are counted.
pub const CONTACTS_SHOWN: usize = 5;

/// One contact to call: who, and the personas matched (rule order).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contact {
    pub name: Option<String>,
    pub title: Option<String>,
    pub email: Option<String>,
    pub personas: Vec<String>,
}

/// A lead of a tier's top list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopLead {
    pub id: String,
    pub company: Option<String>,
    pub score: f64,
    /// The contacts that match a persona (every contact when the rules declare none), at
    /// most [`CONTACTS_SHOWN`].
    pub contacts: Vec<Contact>,
    /// The lead's contacts in all.
    pub contacts_total: usize,
    /// The contacts to call left out of `contacts`.
    pub contacts_more: usize,
    /// Reading order: the batch's number, then the lead's row in it.
    #[serde(skip)]
    order: (usize, usize),
}

/// One ICP's counts.
#[derive(Debug, Clone, Default)]
pub struct IcpCounts {
    /// Per score band: every lead, and the qualified ones.
    pub bands: [u64; BANDS],
    pub qualified_bands: [u64; BANDS],
    /// Leads removed by each `require`, then by each `exclude` (declaration order).
    pub removed: Vec<u64>,
    /// Per field, the leads missing it where this ICP needed it.
    pub missing: std::collections::BTreeMap<String, u64>,
    /// Per tier, the best leads whose best ICP this is, best first.
    pub top: Vec<Vec<TopLead>>,
}

/// Every ICP's counts; see the module documentation.
#[derive(Debug, Clone, Default)]
pub struct Collected {
    pub icps: Vec<IcpCounts>,
}

/// The schema's fields a contact is shown with.
#[derive(Debug, Clone, Copy)]
pub struct ContactFields {
    company_name: Option<usize>,
    name: Option<usize>,
    title: Option<usize>,
    email: Option<usize>,
}

impl ContactFields {
    pub fn of(rules: &RuleSet) -> ContactFields {
        let schema = &rules.schema;
        let contact = |f| schema.lookup(Entity::Contact, f).map(|f| f.0 as usize);
        ContactFields {
            company_name: schema.lookup(Entity::Company, "name").map(|f| f.0 as usize),
            name: contact("name"),
            title: contact("title"),
            email: contact("email"),
        }
    }
}

impl Collected {
    pub fn new(rules: &RuleSet) -> Collected {
        let icps = rules
            .icps
            .iter()
            .map(|icp| IcpCounts {
                removed: vec![0; icp.requires.len() + icp.excludes.len()],
                top: vec![Vec::new(); icp.tiers.len()],
                ..IcpCounts::default()
            })
            .collect();
        Collected { icps }
    }

    /// Adds the counts of `other`, the part of leads read after these.
    pub fn merge(&mut self, other: Collected) {
        for (mine, theirs) in self.icps.iter_mut().zip(other.icps) {
            for (a, b) in mine.bands.iter_mut().zip(theirs.bands) {
                *a += b;
            }
            for (a, b) in mine.qualified_bands.iter_mut().zip(theirs.qualified_bands) {
                *a += b;
            }
            for (a, b) in mine.removed.iter_mut().zip(theirs.removed) {
                *a += b;
            }
            for (field, n) in theirs.missing {
                *mine.missing.entry(field).or_default() += n;
            }
            for (list, more) in mine.top.iter_mut().zip(theirs.top) {
                list.extend(more);
                keep_best(list);
            }
        }
    }

    /// Adds batch number `seq`: `results` are its leads' and `personas` its contacts'.
    pub fn add_batch(
        &mut self,
        seq: usize,
        batch: &Batch,
        results: &BatchResults<'_>,
        personas: &ContactPersonas,
        fields: ContactFields,
    ) {
        let rules = results.rules();
        for (i, counts) in self.icps.iter_mut().enumerate() {
            let icp = &rules.icps[i];
            let mut seen: Vec<&str> = Vec::new();
            for lead in 0..results.len() {
                let (_, score) = results.tier_and_score(lead, i);
                let k = band(score, icp.max_score);
                counts.bands[k] += 1;
                match first_removal(results, lead, i) {
                    Some(step) => counts.removed[step] += 1,
                    None => counts.qualified_bands[k] += 1,
                }
                seen.clear();
                missing_inputs(results, lead, i, &mut |m| {
                    if !seen.contains(&m) {
                        seen.push(m);
                        *counts.missing.entry(m.to_string()).or_default() += 1;
                    }
                });
            }
        }
        // Candidates per best ICP and tier, the best kept with their contacts.
        let mut candidates: Vec<Vec<Vec<(f64, usize)>>> = (self.icps.iter())
            .map(|c| vec![Vec::new(); c.top.len()])
            .collect();
        for lead in 0..results.len() {
            if let Some(best) = results.best(lead)
                && let (Some(tier), score) = results.tier_and_score(lead, best)
            {
                candidates[best][tier].push((score, lead));
            }
        }
        for (counts, tiers) in self.icps.iter_mut().zip(candidates) {
            for (list, mut leads) in counts.top.iter_mut().zip(tiers) {
                leads.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
                leads.truncate(TOP_LEADS);
                for (score, lead) in leads {
                    list.push(top_lead(rules, batch, personas, fields, seq, lead, score));
                }
                keep_best(list);
            }
        }
    }
}

/// The index of the step that removes lead `lead` from ICP `icp` (requires first, then
/// excludes), or `None` when it qualifies.
fn first_removal(results: &BatchResults<'_>, lead: usize, icp: usize) -> Option<usize> {
    let requires = results.rules().icps[icp].requires.len();
    if let Some(whole) = results.whole_result(lead, icp) {
        let mut require = whole.checks.iter().filter(|c| c.kind == CheckKind::Require);
        if let Some(k) = require.position(|c| c.result != Truth::True) {
            return Some(k);
        }
        let mut exclude = whole.checks.iter().filter(|c| c.kind == CheckKind::Exclude);
        return exclude
            .position(|c| c.result == Truth::True)
            .map(|e| requires + e);
    }
    let c = results.columns(icp);
    let failed = set_bits(c.failed[lead]).next();
    let unknown = (c.unknowns(lead).iter())
        .filter_map(|u| match u.check {
            Check::Require(k) => Some(k),
            _ => None,
        })
        .min();
    match (failed, unknown) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (Some(k), None) | (None, Some(k)) => Some(k),
        (None, None) => set_bits(c.excluded[lead]).next().map(|e| requires + e),
    }
}

/// Keeps the [`TOP_LEADS`] best of `list`: the higher score, then input order.
fn keep_best(list: &mut Vec<TopLead>) {
    list.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.order.cmp(&b.order)));
    list.truncate(TOP_LEADS);
}

/// Lead `lead` of batch `seq` as a top lead, its contacts to call copied out.
fn top_lead(
    rules: &RuleSet,
    batch: &Batch,
    personas: &ContactPersonas,
    fields: ContactFields,
    seq: usize,
    lead: usize,
    score: f64,
) -> TopLead {
    let text = |columns: &[icp_engine::batch::Column], field: Option<usize>, row: usize| {
        field
            .and_then(|f| columns.get(f))
            .and_then(|c| c.text(row))
            .map(str::to_string)
    };
    let contacts = batch.contacts_of(lead);
    let total = contacts.len();
    let callable: Vec<Contact> = contacts
        .map(|c| Contact {
            name: text(&batch.contacts, fields.name, c),
            title: text(&batch.contacts, fields.title, c),
            email: text(&batch.contacts, fields.email, c),
            personas: (personas.matched(c))
                .map(|p| rules.personas[p].name.clone())
                .collect(),
        })
        .filter(|c| rules.personas.is_empty() || !c.personas.is_empty())
        .collect();
    let more = callable.len().saturating_sub(CONTACTS_SHOWN);
    TopLead {
        id: batch.ids.get(lead).unwrap_or_default().to_string(),
        company: text(&batch.company, fields.company_name, lead),
        score,
        contacts: callable.into_iter().take(CONTACTS_SHOWN).collect(),
        contacts_total: total,
        contacts_more: more,
        order: (seq, lead),
    }
}
