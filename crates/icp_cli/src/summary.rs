//! The end-of-run summary of `icp score`: counts gathered batch by batch, printed once.
//!
//! How it works: [`Summary::add_batch`] folds a batch's results into counters (qualified per ICP,
//! leads per best ICP and tier, disqualification reasons, missing fields that mattered);
//! summaries of parts of the leads (counted on several threads) add up with
//! [`Summary::merge`]; [`reader_lines`] writes the reader's counts (rows read, rejected,
//! contacts joined, unparseable values per field, ignored columns), and [`Summary::render`]
//! prints the counters after them with the timing, so every number adds up to the rows read.
//! The rule constants that matched no lead are listed last (`unmatched`), from value counts
//! gathered per batch ([`Summary::count_values`]). Reasons are counted by their text in the
//! results and shown by the clause's readable text (`ir::Clause::shown`: a bare let name
//! becomes its definition).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use icp_diagnostics::columns::{column_width, pad_end};
use icp_engine::ir::RuleSet;
use icp_engine::result::{BatchResults, RowScratch, set_bits};
use icp_io::ReadReport;

use icp_engine::vocab::unmatched::{RuleConstant, ValueCounts, rule_constants};

use crate::show::group_digits;

mod figures;
mod unmatched;

pub use figures::{Count, SummaryFigures};
pub use unmatched::UnmatchedConstant;

#[derive(Debug, Default)]
pub struct Summary {
    pub leads: u64,
    /// Per ICP (declaration order): qualified leads.
    qualified: Vec<u64>,
    /// Per best ICP and tier: leads.
    best: BTreeMap<(usize, usize), u64>,
    /// Leads without a best ICP.
    no_best: u64,
    /// Per ICP: each reason it gave and how often.
    reasons: Vec<BTreeMap<String, u64>>,
    missing: BTreeMap<String, u64>,
    /// The string constants the rules compare company fields with, and how many leads have
    /// each value of those fields (`unmatched`).
    constants: Vec<RuleConstant>,
    values: ValueCounts,
}

/// Counts `key` `n` more times, copying it only the first time.
fn count(map: &mut BTreeMap<String, u64>, key: &str, n: u64) {
    match map.get_mut(key) {
        Some(c) => *c += n,
        None => {
            map.insert(key.to_string(), n);
        }
    }
}

impl Summary {
    pub fn new(rules: &RuleSet) -> Summary {
        let constants = rule_constants(rules);
        Summary {
            qualified: vec![0; rules.icps.len()],
            reasons: vec![BTreeMap::new(); rules.icps.len()],
            values: ValueCounts::for_constants(&constants),
            constants,
            ..Summary::default()
        }
    }

    /// Adds the counts of `other`, a summary of other leads of the same rule set.
    pub fn merge(&mut self, other: Summary) {
        self.leads += other.leads;
        for (a, b) in self.qualified.iter_mut().zip(other.qualified) {
            *a += b;
        }
        for (key, n) in other.best {
            *self.best.entry(key).or_default() += n;
        }
        self.no_best += other.no_best;
        for (mine, theirs) in self.reasons.iter_mut().zip(other.reasons) {
            for (reason, n) in theirs {
                *mine.entry(reason).or_default() += n;
            }
        }
        for (field, n) in other.missing {
            *self.missing.entry(field).or_default() += n;
        }
        self.values.merge(other.values);
    }

    /// Counts the values of the fields the rules compare with constants, in one batch.
    pub fn count_values(&mut self, batch: &icp_engine::batch::Batch) {
        self.values.add_batch(batch);
    }

    /// Adds the leads of one batch: a lead and ICP with every outcome known straight from the
    /// columns (a reason counted by its clause, its text looked up once), the others by their
    /// row.
    pub fn add_batch<'r>(&mut self, results: &BatchResults<'r>) {
        let rules = results.rules();
        let mut scratch = RowScratch::default();
        self.leads += results.len() as u64;
        for (i, icp) in rules.icps.iter().enumerate() {
            let columns = results.columns(i);
            let mut failed = vec![0u64; icp.requires.len()];
            let mut excluded = vec![0u64; icp.excludes.len()];
            let reasons = &mut self.reasons[i];
            for lead in 0..results.len() {
                let qualified = if results.all_known(lead, i) {
                    for b in set_bits(columns.failed[lead]) {
                        failed[b] += 1;
                    }
                    for b in set_bits(columns.excluded[lead]) {
                        excluded[b] += 1;
                    }
                    columns.qualified(lead)
                } else {
                    let r = results.row(lead, i, &mut scratch);
                    for reason in r.reasons {
                        count(reasons, reason, 1);
                    }
                    r.qualified
                };
                self.qualified[i] += u64::from(qualified);
            }
            let clauses = icp.requires.iter().zip(&failed);
            for (clause, n) in clauses.chain(icp.excludes.iter().zip(&excluded)) {
                if *n > 0 {
                    count(reasons, &clause.reason, *n);
                }
            }
        }
        // A field counts once per lead, however many ICPs missed it; a result with every
        // outcome known has no missing inputs.
        let mut seen: Vec<&'r str> = Vec::new();
        for lead in 0..results.len() {
            seen.clear();
            let mut note = |m: &'r str| {
                if !seen.contains(&m) {
                    seen.push(m);
                    count(&mut self.missing, m, 1);
                }
            };
            for i in 0..rules.icps.len() {
                missing_inputs(results, lead, i, &mut note);
            }
            match results.best(lead) {
                Some(b) => {
                    let (tier, _) = results.tier_and_score(lead, b);
                    *self
                        .best
                        .entry((b, tier.unwrap_or(usize::MAX)))
                        .or_default() += 1;
                }
                None => self.no_best += 1,
            }
        }
    }

    /// The summary text. `reader` holds the reader's own lines (rows read, rejected, values
    /// that did not parse), already formatted.
    pub fn render(&self, rules: &RuleSet, reader: &str, elapsed: Duration) -> String {
        let mut out = String::new();
        out.push_str(reader);
        let qualified: Vec<(String, u64)> = rules
            .icps
            .iter()
            .zip(&self.qualified)
            .map(|(icp, n)| (icp.name.clone(), *n))
            .collect();
        self.table(&mut out, "qualified per ICP:", &qualified);
        let mut best: Vec<(String, u64)> = self
            .best
            .iter()
            .map(|((icp, tier), n)| {
                let def = &rules.icps[*icp];
                let tier = def.tiers.get(*tier).map_or("-", |t| t.name.as_str());
                (format!("{} {tier}", def.name), *n)
            })
            .collect();
        best.push(("no tier in any ICP".to_string(), self.no_best));
        self.table(&mut out, "best ICP and tier:", &best);
        let reasons = self.readable_reasons(rules);
        if !reasons.is_empty() {
            let _ = writeln!(out, "top disqualification reasons:");
            for (reason, n) in top(&reasons, 5) {
                let _ = writeln!(out, "  {n:>9}  {reason}");
            }
        }
        if !self.missing.is_empty() {
            let missing: Vec<(String, u64)> = top(&self.missing, 5)
                .into_iter()
                .map(|(field, n)| (field.clone(), *n))
                .collect();
            self.table(
                &mut out,
                "fields most often missing where they mattered:",
                &missing,
            );
        }
        unmatched::render(&mut out, &self.unmatched_constants(rules), self.leads);
        let secs = elapsed.as_secs_f64();
        let rate = if secs > 0.0 {
            self.leads as f64 / secs
        } else {
            0.0
        };
        let _ = writeln!(
            out,
            "elapsed {:.2} s, {} leads/s",
            secs,
            group_digits(rate.round() as u64)
        );
        out
    }
}

impl Summary {
    /// A titled table of names and counts with their share of the leads; the name column is
    /// as wide as its longest name (at least 28, at most `MAX_COLUMN_WIDTH`), so long signal
    /// calls keep the counts aligned.
    fn table(&self, out: &mut String, title: &str, rows: &[(String, u64)]) {
        let width = column_width(rows.iter().map(|(name, _)| name.as_str()), 28);
        let _ = writeln!(out, "{title}");
        for (name, n) in rows {
            let _ = writeln!(
                out,
                "  {} {n:>9}  ({})",
                pad_end(name, width),
                percent(*n, self.leads)
            );
        }
    }
}

/// The inputs whose absence left an outcome of lead `lead` in ICP `icp` unknown, each given
/// to `note` (a field may come more than once); none when every outcome is known.
pub(crate) fn missing_inputs<'r>(
    results: &BatchResults<'r>,
    lead: usize,
    icp: usize,
    note: &mut impl FnMut(&'r str),
) {
    let rules = results.rules();
    match results.whole_result(lead, icp) {
        Some(r) => r.unknown.iter().for_each(|m| note(m)),
        None => {
            let columns = results.columns(icp);
            for u in columns.unknowns(lead) {
                columns.missing(u).iter().for_each(|m| note(m.name(rules)));
            }
        }
    }
}

/// A reason of `icp` as the summary shows it: a clause's reason (`failed: LABEL`,
/// `excluded: LABEL`, `unknown: LABEL`) with the clause's `shown` text for its label; any
/// other reason as it is.
pub(crate) fn readable_reason(icp: &icp_engine::ir::IcpDef, reason: &str) -> String {
    let clauses = icp.requires.iter().chain(&icp.excludes);
    for clause in clauses {
        if reason == clause.reason || reason == clause.unknown {
            let verb = reason.split_once(": ").map_or(reason, |(verb, _)| verb);
            return format!("{verb}: {}", clause.shown);
        }
    }
    reason.to_string()
}

pub(crate) fn top(counts: &BTreeMap<String, u64>, n: usize) -> Vec<(&String, &u64)> {
    let mut all: Vec<(&String, &u64)> = counts.iter().collect();
    all.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    all.truncate(n);
    all
}

pub(crate) fn percent(n: u64, total: u64) -> String {
    if total == 0 {
        "0%".to_string()
    } else {
        format!("{:.1}%", n as f64 * 100.0 / total as f64)
    }
}

/// The reader's part of the summary: rows read and what became of them.
pub fn reader_lines(
    r: &ReadReport,
    leads: &str,
    contacts: Option<String>,
    rejects: Option<String>,
) -> String {
    let mut out = format!(
        "read {} rows from {leads}: {} leads, {} rejected",
        group_digits(r.rows_read),
        group_digits(r.leads),
        group_digits(r.rejected)
    );
    if r.grouped_rows > 0 {
        out.push_str(&format!(
            ", {} contact rows grouped into their company",
            group_digits(r.grouped_rows)
        ));
    }
    if r.duplicate_ids > 0 {
        out.push_str(&format!(
            ", {} duplicate ids",
            group_digits(r.duplicate_ids)
        ));
    }
    out.push('\n');
    if let Some(contacts) = contacts {
        out.push_str(&format!(
            "read {} rows from {contacts}: {} contacts joined, {} without a matching company, {} rejected\n",
            group_digits(r.contact_rows_read),
            group_digits(r.contacts_matched),
            group_digits(r.contacts_unmatched),
            group_digits(r.contacts_rejected)
        ));
    }
    if let Some(rejects) = rejects {
        out.push_str(&format!(
            "rejected rows, with their line numbers, are in {rejects}\n"
        ));
    }
    if !r.field_errors.is_empty() {
        out.push_str("values that did not parse (kept as missing):\n");
        for (field, e) in &r.field_errors {
            out.push_str(&format!(
                "  {field:<28} {:>9}  e.g. {:?} on line {}\n",
                group_digits(e.count),
                e.example,
                e.line
            ));
        }
    }
    if !r.unknown_columns.is_empty() {
        out.push_str(&format!(
            "columns ignored (not mapped to a field): {}\n",
            r.unknown_columns.join(", ")
        ));
    }
    if !r.contacts_unknown_columns.is_empty() {
        out.push_str(&format!(
            "contacts columns ignored (not mapped to a field): {}\n",
            r.contacts_unknown_columns.join(", ")
        ));
    }
    for warning in &r.warnings {
        out.push_str(&format!("warning: {warning}\n"));
    }
    out
}
