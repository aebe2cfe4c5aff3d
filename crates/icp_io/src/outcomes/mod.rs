//! STAND-IN, REPLACED AT MERGE by the `outcomes` helper's reader (issue 15, item 1): the
//! agreed API of `icp_io::outcomes` for the plain CSV format only, no presets and no stage
//! names, so that `icp backtest` can be built and tested meanwhile.
//!
//! How it works: a CSV file of deals with the columns `company_id` (or `domain`), `outcome`
//! (`won`, `lost`, `open`, any case), `amount`, `created`, `closed` (dates `YYYY-MM-DD`), any
//! order, other columns ignored. A row with neither key, another outcome, an amount that is
//! not a number or a date that is not a date goes to the rejects (`line,reason,raw`) and is
//! counted. Deals are grouped into accounts by company id, else by domain (normalised as
//! domains compare): won if any deal is won, else lost if any is lost, else open; the amount
//! won is the sum of the won deals' amounts; created is the earliest created date, closed the
//! latest close date.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::{InputError, InputFormat};

/// How an account's deals turned out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DealOutcome {
    Won,
    Lost,
    Open,
}

/// An account: the deals of one company.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub outcome: DealOutcome,
    pub deals: u32,
    pub amount_won: f64,
    pub created: Option<i32>,
    pub closed: Option<i32>,
}

/// The `[outcomes]` table of icp.toml (the stand-in reads `file` only).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OutcomesConfig {
    pub file: Option<PathBuf>,
}

/// Per-read settings.
#[derive(Default)]
pub struct OutcomesOptions {
    pub format: Option<InputFormat>,
    pub rejects: Option<Box<dyn Write + Send>>,
    pub raw_cells: bool,
}

impl std::fmt::Debug for OutcomesOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutcomesOptions")
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

/// What reading the file counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutcomesReport {
    pub rows: u64,
    pub rejected: u64,
    pub won: u64,
    pub lost: u64,
    pub open: u64,
}

/// The accounts of an outcomes file.
#[derive(Debug, Default)]
pub struct Outcomes {
    accounts: Vec<Account>,
    by_id: HashMap<String, usize>,
    by_domain: HashMap<String, usize>,
    report: OutcomesReport,
}

impl Outcomes {
    /// The account of a lead: by company id, else by its domain.
    pub fn account(&self, company_id: &str, domain: Option<&str>) -> Option<&Account> {
        let at = self.by_id.get(company_id).or_else(|| {
            let d = crate::parse::normalize_domain(domain?)?;
            self.by_domain.get(&d)
        })?;
        self.accounts.get(*at)
    }

    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    pub fn report(&self) -> &OutcomesReport {
        &self.report
    }
}

fn date(text: &str) -> Option<i32> {
    let parts: Vec<&str> = text.split('-').collect();
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 => {
            icp_syntax::ast::days_from_civil(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
        }
        _ => None,
    }
}

/// One deal read: id, domain, outcome, amount, created, closed.
type Deal = (
    Option<String>,
    Option<String>,
    DealOutcome,
    f64,
    Option<i32>,
    Option<i32>,
);

/// Reads an outcomes file (plain CSV).
pub fn read_outcomes(
    path: &Path,
    _config: &OutcomesConfig,
    mut options: OutcomesOptions,
) -> Result<Outcomes, InputError> {
    let open = |source| InputError::Open {
        path: path.to_path_buf(),
        source,
    };
    let read = |source| InputError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(open)?;
    let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(file);
    let headers = csv.headers().map_err(|e| read(e.into()))?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let (id, domain, outcome, amount, created, closed) = (
        col("company_id"),
        col("domain"),
        col("outcome"),
        col("amount"),
        col("created"),
        col("closed"),
    );
    let mut out = Outcomes::default();
    if let Some(w) = options.rejects.as_mut() {
        w.write_all(b"line,reason,raw\n")
            .map_err(|source| InputError::Rejects { source })?;
    }
    for record in csv.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => return Err(read(std::io::Error::other(e.to_string()))),
        };
        out.report.rows += 1;
        let line = record.position().map_or(0, |p| p.line());
        let cell = |c: Option<usize>| {
            c.and_then(|c| record.get(c))
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let parsed = (|| -> Result<Deal, String> {
            let key_id = cell(id).map(str::to_string);
            let key_domain = cell(domain).and_then(crate::parse::normalize_domain);
            if key_id.is_none() && key_domain.is_none() {
                return Err("no company_id or domain".into());
            }
            let o = match cell(outcome).map(str::to_ascii_lowercase).as_deref() {
                Some("won") => DealOutcome::Won,
                Some("lost") => DealOutcome::Lost,
                Some("open") => DealOutcome::Open,
                Some(other) => return Err(format!("unknown outcome {other:?}")),
                None => return Err("no outcome".into()),
            };
            let a = match cell(amount) {
                None => 0.0,
                Some(t) => t
                    .parse::<f64>()
                    .ok()
                    .filter(|a| a.is_finite())
                    .ok_or(format!("amount {t:?} is not a number"))?,
            };
            let d = |c: Option<usize>, what: &str| -> Result<Option<i32>, String> {
                cell(c)
                    .map(|t| date(t).ok_or(format!("{what} date {t:?} is not YYYY-MM-DD")))
                    .transpose()
            };
            Ok((
                key_id,
                key_domain,
                o,
                a,
                d(created, "created")?,
                d(closed, "close")?,
            ))
        })();
        let (key_id, key_domain, o, a, c, cl) = match parsed {
            Ok(p) => p,
            Err(reason) => {
                out.report.rejected += 1;
                if let Some(w) = options.rejects.as_mut() {
                    let raw: Vec<&str> = record.iter().collect();
                    let mut row = csv::Writer::from_writer(Vec::new());
                    let _ = row.write_record([line.to_string(), reason, raw.join(",")]);
                    let bytes = row.into_inner().unwrap_or_default();
                    w.write_all(&bytes)
                        .map_err(|source| InputError::Rejects { source })?;
                }
                continue;
            }
        };
        match o {
            DealOutcome::Won => out.report.won += 1,
            DealOutcome::Lost => out.report.lost += 1,
            DealOutcome::Open => out.report.open += 1,
        }
        let existing = key_id
            .as_ref()
            .and_then(|k| out.by_id.get(k))
            .or_else(|| key_domain.as_ref().and_then(|k| out.by_domain.get(k)))
            .copied();
        let at = existing.unwrap_or_else(|| {
            out.accounts.push(Account {
                outcome: DealOutcome::Open,
                deals: 0,
                amount_won: 0.0,
                created: None,
                closed: None,
            });
            out.accounts.len() - 1
        });
        if let Some(k) = key_id {
            out.by_id.entry(k).or_insert(at);
        }
        if let Some(k) = key_domain {
            out.by_domain.entry(k).or_insert(at);
        }
        let acc = &mut out.accounts[at];
        acc.deals += 1;
        acc.outcome = match (acc.outcome, o) {
            (DealOutcome::Won, _) | (_, DealOutcome::Won) => DealOutcome::Won,
            (DealOutcome::Lost, _) | (_, DealOutcome::Lost) => DealOutcome::Lost,
            _ => DealOutcome::Open,
        };
        if o == DealOutcome::Won {
            acc.amount_won += a;
        }
        acc.created = match (acc.created, c) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        };
        acc.closed = match (acc.closed, cl) {
            (Some(x), Some(y)) => Some(x.max(y)),
            (x, y) => x.or(y),
        };
    }
    if let Some(w) = options.rejects.as_mut() {
        w.flush().map_err(|source| InputError::Rejects { source })?;
    }
    let _ = options.raw_cells;
    Ok(out)
}
