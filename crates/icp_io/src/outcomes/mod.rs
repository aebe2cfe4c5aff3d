//! Outcomes: a file of deals (or accounts with an outcome), read into one account per
//! company, to hold the rules against what was won and lost.
//!
//! How it works: [`read_outcomes`] opens a CSV or JSON Lines file (by extension, or
//! [`OutcomesOptions::format`]), through the same encoding detection and exact CSV splitter
//! as lead files. The columns are mapped (the `columns` module: the plain names `company_id`
//! or `domain`, `outcome`, `amount`, `created`, `closed`; HubSpot's and Salesforce's deal
//! exports, told from the headers unless `[outcomes] preset` says; `[outcomes.columns]`), each
//! row read into a deal (the `deal` module: stage names through `[outcomes]`, amounts and
//! dates with the lead reader's parsers), and the deals gathered per company:
//!
//! - a deal counts for every company it names (HubSpot's `Associated Company IDs` may hold
//!   several, `;`-separated);
//! - **an account is won if any of its deals is won, else lost if any is lost, else open**;
//!   `deals` counts its deals, `amount_won` adds the amounts of the won ones (a missing amount
//!   counts 0), `created` is the earliest created date of its deals and `closed` the latest
//!   close date.
//!
//! A deal's company is its id (each id of the cell), else its normalised domain; a lead finds
//! its account by its company id, else by its domain ([`Outcomes::account`]). With the
//! Salesforce preset an 18-character id matches its 15-character form, as for contacts.
//!
//! Rows that cannot be read go to the rejects sink as the lead reader's do (CSV `line,reason,
//! raw`, the row whole, formula-guarded unless `raw_cells`), and are counted: every row is a
//! deal or a reject ([`OutcomesReport::is_balanced`]). Only a file that cannot be opened or
//! read, one with no company or outcome column, a bad `[outcomes]` setting, or a rejects sink
//! that cannot be written stop the read.
//!
//! ```no_run
//! # fn main() -> Result<(), icp_io::ReadError> {
//! use icp_io::outcomes::{OutcomesConfig, OutcomesOptions, read_outcomes};
//! let outcomes = read_outcomes(
//!     std::path::Path::new("deals.csv"),
//!     &OutcomesConfig::default(),
//!     OutcomesOptions::default(),
//! )?;
//! if let Some(account) = outcomes.account("4711", Some("acme.com")) {
//!     println!("{:?} after {} deals", account.outcome, account.deals);
//! }
//! # Ok(())
//! # }
//! ```

mod columns;
mod config;
mod deal;
mod files;
#[cfg(feature = "parquet")]
mod parquet_rows;
mod report;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde::Serialize;

pub use config::{OutcomesConfig, OutcomesPreset};
pub use report::OutcomesReport;

use deal::{Deal, Key};

/// What a deal, or an account, came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DealOutcome {
    Won,
    Lost,
    Open,
}

impl DealOutcome {
    pub fn name(self) -> &'static str {
        match self {
            DealOutcome::Won => "won",
            DealOutcome::Lost => "lost",
            DealOutcome::Open => "open",
        }
    }
}

/// One company's deals, gathered.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    /// Won if any deal is won, else lost if any is lost, else open.
    pub outcome: DealOutcome,
    pub deals: u32,
    /// The sum of the won deals' amounts (a missing amount counts 0).
    pub amount_won: f64,
    /// The earliest created date of its deals, days since 1970-01-01.
    pub created: Option<i32>,
    /// The latest close date of its deals.
    pub closed: Option<i32>,
}

impl Account {
    fn of(deal: &Deal) -> Account {
        let mut account = Account {
            outcome: DealOutcome::Open,
            deals: 0,
            amount_won: 0.0,
            created: None,
            closed: None,
        };
        account.add(deal);
        account
    }

    /// Adds one more deal.
    fn add(&mut self, deal: &Deal) {
        self.deals = self.deals.saturating_add(1);
        // Won < Lost < Open: the account's outcome is the least of its deals'.
        self.outcome = self.outcome.min(deal.outcome);
        if deal.outcome == DealOutcome::Won {
            self.amount_won += deal.amount.unwrap_or(0.0);
        }
        self.created = earliest(self.created, deal.created);
        self.closed = self.closed.max(deal.closed);
    }
}

fn earliest(a: Option<i32>, b: Option<i32>) -> Option<i32> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Per-read settings beside `[outcomes]`.
#[derive(Default)]
pub struct OutcomesOptions {
    /// `None`: from the extension (`.jsonl`, `.ndjson`, `.json` are JSON Lines).
    pub format: Option<crate::InputFormat>,
    /// Where unreadable rows go, as CSV `line,reason,raw` with a header.
    pub rejects: Option<Box<dyn Write + Send>>,
    /// Write the rejects' cells as they are, without a `'` in front of formulas.
    pub raw_cells: bool,
}

impl std::fmt::Debug for OutcomesOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutcomesOptions")
            .field("format", &self.format)
            .field("rejects", &self.rejects.is_some())
            .field("raw_cells", &self.raw_cells)
            .finish()
    }
}

/// A company of the outcomes file: by id, or (when its deals named no id) by domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountKey<'a> {
    Id(&'a str),
    /// Normalised as `company.domain` compares domains.
    Domain(&'a str),
}

/// The accounts of an outcomes file, and how the read went.
#[derive(Debug, Clone, Default)]
pub struct Outcomes {
    by_id: BTreeMap<String, Account>,
    by_domain: BTreeMap<String, Account>,
    /// Ids match in their 15-character form (the Salesforce preset).
    salesforce: bool,
    /// Unknown stages in lower case → the spelling they are reported under (the first seen).
    unknown_spellings: std::collections::HashMap<String, String>,
    report: OutcomesReport,
}

/// The problem that stops a read of outcomes, as for lead files.
pub type ReadError = crate::InputError;

/// Reads an outcomes file (see the module documentation).
pub fn read_outcomes(
    path: &Path,
    config: &OutcomesConfig,
    options: OutcomesOptions,
) -> Result<Outcomes, ReadError> {
    files::read(path, config, options)
}

impl Outcomes {
    /// The account of a lead: by company id, else by its domain (normalised as the domain
    /// field's kind compares domains).
    pub fn account(&self, company_id: &str, domain: Option<&str>) -> Option<&Account> {
        let id = self.id_key(company_id);
        if let Some(account) = id.as_deref().and_then(|id| self.by_id.get(id)) {
            return Some(account);
        }
        if self.by_domain.is_empty() {
            return None;
        }
        // A lead without an id has its normalised domain for one.
        let domain = domain
            .and_then(crate::parse::normalize_domain)
            .or_else(|| crate::parse::normalize_domain(company_id))?;
        self.by_domain.get(&domain)
    }

    /// Every account, ids first, each kind in key order.
    pub fn accounts(&self) -> impl Iterator<Item = (AccountKey<'_>, &Account)> {
        let ids = self.by_id.iter().map(|(k, a)| (AccountKey::Id(k), a));
        let domains = self
            .by_domain
            .iter()
            .map(|(k, a)| (AccountKey::Domain(k), a));
        ids.chain(domains)
    }

    /// Accounts.
    pub fn len(&self) -> usize {
        self.by_id.len() + self.by_domain.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Rows read and rejected, deals per outcome, unknown stages.
    pub fn report(&self) -> &OutcomesReport {
        &self.report
    }

    /// An id as it is compared: trimmed, and cut to 15 characters for a Salesforce id.
    fn id_key<'a>(&self, id: &'a str) -> Option<Cow<'a, str>> {
        let t = crate::parse::trim(id);
        if t.is_empty() {
            return None;
        }
        let salesforce_long =
            self.salesforce && t.len() == 18 && t.bytes().all(|b| b.is_ascii_alphanumeric());
        Some(Cow::Borrowed(if salesforce_long { &t[..15] } else { t }))
    }

    /// Counts one deal, and adds it to each of its companies.
    fn add(&mut self, deal: &Deal) {
        let report = &mut self.report;
        report.deals += 1;
        match deal.outcome {
            DealOutcome::Won => report.won += 1,
            DealOutcome::Lost => report.lost += 1,
            DealOutcome::Open => report.open += 1,
        }
        if let Some(stage) = &deal.unknown_stage {
            // Counted under its first spelling, as stages compare ignoring case.
            let spelling = self
                .unknown_spellings
                .entry(stage.to_lowercase())
                .or_insert_with(|| stage.clone());
            *report.unknown_stages.entry(spelling.clone()).or_insert(0) += 1;
        }
        for key in &deal.keys {
            let (map, key) = match key {
                Key::Id(id) => {
                    let id = self.id_key(id).map_or_else(String::new, Cow::into_owned);
                    (&mut self.by_id, id)
                }
                Key::Domain(domain) => (&mut self.by_domain, domain.clone()),
            };
            match map.get_mut(&key) {
                Some(account) => account.add(deal),
                None => {
                    map.insert(key, Account::of(deal));
                }
            }
        }
        self.report.accounts = self.len() as u64;
    }
}

#[cfg(test)]
mod tests;
