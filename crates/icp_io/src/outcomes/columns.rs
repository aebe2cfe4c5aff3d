//! Which column of an outcomes file holds what: the plain names, the CRM presets, and
//! `[outcomes.columns]`.
//!
//! How it works: a header (a JSON key) is looked up, ignoring case and surrounding space, in
//! `[outcomes.columns]` first, then in the preset's table, then among the plain names; the
//! first column of the file for each [`DealColumn`] is the one read. The preset is the
//! configured one, else told from the headers: HubSpot's `Deal Stage` or `Associated Company
//! IDs`, Salesforce's `StageName`, `AccountId`, `IsWon` or `IsClosed`; else plain.
//!
//! Sources: HubSpot's *Deals → Export* with the default property labels ("Record ID" — the
//! deal's, not read —, "Deal Name", "Deal Stage", "Amount", "Create Date", "Close Date",
//! "Associated Company IDs", semicolon-separated); Salesforce's Data Loader export of
//! `Opportunity` (API names `Id`, `AccountId`, `StageName`, `IsWon`, `IsClosed`, `Amount`,
//! `CreatedDate`, `CloseDate`) and report exports' labels ("Account ID", "Stage", "Created
//! Date", "Close Date").

use std::borrow::Cow;

use super::config::{OutcomesConfig, OutcomesPreset};
use super::deal::RowValues;

/// What a column of an outcomes file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum DealColumn {
    /// The company's id; several, separated, for a deal of several companies.
    CompanyId,
    /// The company's domain (when there is no id).
    Domain,
    /// `won`, `lost`, `open` or a stage name.
    Outcome,
    Amount,
    Created,
    Closed,
    /// Salesforce's `IsWon`.
    IsWon,
    /// Salesforce's `IsClosed`.
    IsClosed,
    /// Known, and not read.
    Ignore,
}

/// The names `[outcomes.columns]` maps headers to.
const TARGETS: &[(&str, DealColumn)] = &[
    ("company_id", DealColumn::CompanyId),
    ("domain", DealColumn::Domain),
    ("outcome", DealColumn::Outcome),
    ("amount", DealColumn::Amount),
    ("created", DealColumn::Created),
    ("closed", DealColumn::Closed),
    ("is_won", DealColumn::IsWon),
    ("is_closed", DealColumn::IsClosed),
    ("", DealColumn::Ignore),
];

/// The plain file's columns, with the field paths of the leads' data model.
const PLAIN: &[(&str, DealColumn)] = &[
    ("company_id", DealColumn::CompanyId),
    ("company.id", DealColumn::CompanyId),
    ("domain", DealColumn::Domain),
    ("company.domain", DealColumn::Domain),
    ("outcome", DealColumn::Outcome),
    ("amount", DealColumn::Amount),
    ("created", DealColumn::Created),
    ("closed", DealColumn::Closed),
];

const HUBSPOT: &[(&str, DealColumn)] = &[
    ("associated company ids", DealColumn::CompanyId),
    ("associated company ids (primary)", DealColumn::CompanyId),
    ("deal stage", DealColumn::Outcome),
    ("amount", DealColumn::Amount),
    ("create date", DealColumn::Created),
    ("close date", DealColumn::Closed),
    // The deal's own id: never the company's.
    ("record id", DealColumn::Ignore),
];

const SALESFORCE: &[(&str, DealColumn)] = &[
    ("accountid", DealColumn::CompanyId),
    ("account id", DealColumn::CompanyId),
    ("stagename", DealColumn::Outcome),
    ("stage", DealColumn::Outcome),
    ("iswon", DealColumn::IsWon),
    ("isclosed", DealColumn::IsClosed),
    ("amount", DealColumn::Amount),
    ("createddate", DealColumn::Created),
    ("created date", DealColumn::Created),
    ("closedate", DealColumn::Closed),
    ("close date", DealColumn::Closed),
    // The opportunity's own id.
    ("id", DealColumn::Ignore),
    ("opportunity id", DealColumn::Ignore),
];

impl DealColumn {
    /// A `[outcomes.columns]` target, or why it is none (with a did-you-mean).
    pub(super) fn parse(target: &str) -> Result<DealColumn, String> {
        let t = target.trim().to_ascii_lowercase();
        if let Some((_, column)) = TARGETS.iter().find(|(name, _)| *name == t) {
            return Ok(*column);
        }
        let names = TARGETS.iter().map(|(n, _)| *n).filter(|n| !n.is_empty());
        let hint = match icp_engine::did_you_mean(&t, names) {
            Some(s) => format!("; did you mean `{s}`?"),
            None => String::new(),
        };
        Err(format!(
            "there is no outcomes column `{target}`{hint} (the columns are company_id, domain, \
             outcome, amount, created, closed, is_won, is_closed, or \"\" to ignore one)"
        ))
    }
}

/// A header as compared: trimmed, in lower case.
fn header_key(header: &str) -> String {
    crate::parse::trim(header).to_lowercase()
}

/// The preset whose distinctive headers are among `headers`, else plain.
pub(super) fn detect<'h>(headers: impl IntoIterator<Item = &'h str>) -> OutcomesPreset {
    let mut found = OutcomesPreset::Plain;
    for header in headers {
        match header_key(header).as_str() {
            "deal stage" | "associated company ids" => return OutcomesPreset::Hubspot,
            "stagename" | "accountid" | "iswon" | "isclosed" => {
                found = OutcomesPreset::Salesforce;
            }
            _ => {}
        }
    }
    found
}

/// How the headers (keys) of one outcomes file read.
#[derive(Debug, Clone)]
pub(super) struct Resolver {
    pub(super) preset: OutcomesPreset,
    /// `[outcomes.columns]`, headers as compared (checked by `validate`).
    configured: Vec<(String, DealColumn)>,
}

impl Resolver {
    pub(super) fn new(config: &OutcomesConfig, preset: OutcomesPreset) -> Resolver {
        let configured = config
            .columns
            .iter()
            .filter_map(|(h, t)| Some((header_key(h), DealColumn::parse(t).ok()?)))
            .collect();
        Resolver { preset, configured }
    }

    /// What a header feeds, `None` when nothing knows it.
    pub(super) fn column(&self, header: &str) -> Option<DealColumn> {
        let key = header_key(header);
        let table = match self.preset {
            OutcomesPreset::Plain => &[][..],
            OutcomesPreset::Hubspot => HUBSPOT,
            OutcomesPreset::Salesforce => SALESFORCE,
        };
        let find = |pairs: &[(&str, DealColumn)]| {
            pairs.iter().find(|(name, _)| *name == key).map(|(_, c)| *c)
        };
        self.configured
            .iter()
            .find(|(h, _)| *h == key)
            .map(|(_, c)| *c)
            .or_else(|| find(table))
            .or_else(|| find(PLAIN))
    }
}

/// The column of a CSV file read for each [`DealColumn`], and the headers nothing reads.
#[derive(Debug, Clone, Default)]
pub(super) struct Layout {
    pub(super) company_id: Option<usize>,
    pub(super) domain: Option<usize>,
    pub(super) outcome: Option<usize>,
    pub(super) amount: Option<usize>,
    pub(super) created: Option<usize>,
    pub(super) closed: Option<usize>,
    pub(super) is_won: Option<usize>,
    pub(super) is_closed: Option<usize>,
    pub(super) unused: Vec<String>,
}

impl Layout {
    /// A row's values: each kind's column read by `get` (`None` where the file has none).
    pub(super) fn values<'a>(
        &self,
        get: impl Fn(Option<usize>) -> Option<Cow<'a, str>>,
    ) -> RowValues<'a> {
        RowValues {
            company_id: get(self.company_id),
            domain: get(self.domain),
            outcome: get(self.outcome),
            amount: get(self.amount),
            created: get(self.created),
            closed: get(self.closed),
            is_won: get(self.is_won),
            is_closed: get(self.is_closed),
        }
    }

    /// The layout of a header row: the first column of each kind.
    pub(super) fn of(resolver: &Resolver, headers: &[String]) -> Layout {
        let mut layout = Layout::default();
        for (i, header) in headers.iter().enumerate() {
            let slot = match resolver.column(header) {
                Some(DealColumn::CompanyId) => &mut layout.company_id,
                Some(DealColumn::Domain) => &mut layout.domain,
                Some(DealColumn::Outcome) => &mut layout.outcome,
                Some(DealColumn::Amount) => &mut layout.amount,
                Some(DealColumn::Created) => &mut layout.created,
                Some(DealColumn::Closed) => &mut layout.closed,
                Some(DealColumn::IsWon) => &mut layout.is_won,
                Some(DealColumn::IsClosed) => &mut layout.is_closed,
                Some(DealColumn::Ignore) => continue,
                None => {
                    layout.unused.push(header.trim().to_string());
                    continue;
                }
            };
            if slot.is_none() {
                *slot = Some(i);
            } else {
                layout.unused.push(header.trim().to_string());
            }
        }
        layout
    }

    /// Why a file with this layout cannot be read: it names no company or no outcome.
    pub(super) fn missing(&self, preset: OutcomesPreset) -> Option<String> {
        let expected = match preset {
            OutcomesPreset::Plain => {
                "company_id (or domain), outcome, and optionally amount, created, closed"
            }
            OutcomesPreset::Hubspot => {
                "Associated Company IDs, Deal Stage, and optionally Amount, Create Date, Close Date"
            }
            OutcomesPreset::Salesforce => {
                "AccountId, StageName (or IsWon and IsClosed), and optionally Amount, CreatedDate, CloseDate"
            }
        };
        let decided = self.outcome.is_some() || self.is_won.is_some() || self.is_closed.is_some();
        let lacking = if self.company_id.is_none() && self.domain.is_none() {
            "no column names the company"
        } else if !decided {
            "no column holds the outcome"
        } else {
            return None;
        };
        Some(format!(
            "{lacking}; the {} columns are {expected} ([outcomes.columns] maps others)",
            preset.name()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn presets_are_told_from_the_headers() {
        assert_eq!(
            detect(["Record ID", "Deal Stage", "Amount"]),
            OutcomesPreset::Hubspot
        );
        assert_eq!(
            detect(["Id", "AccountId", "StageName"]),
            OutcomesPreset::Salesforce
        );
        assert_eq!(detect(["company_id", "outcome"]), OutcomesPreset::Plain);
    }

    #[test]
    fn configured_columns_win_and_the_deal_id_is_never_the_company() {
        let config = OutcomesConfig {
            columns: [("Deal Stage".to_string(), String::new())]
                .into_iter()
                .chain([("Pipeline Stage".to_string(), "outcome".to_string())])
                .collect(),
            ..OutcomesConfig::default()
        };
        let resolver = Resolver::new(&config, OutcomesPreset::Hubspot);
        let layout = Layout::of(
            &resolver,
            &headers(&[
                "Record ID",
                "Deal Stage",
                "Pipeline Stage",
                "Associated Company IDs",
                "Notes",
            ]),
        );
        assert_eq!(layout.outcome, Some(2));
        assert_eq!(layout.company_id, Some(3));
        assert_eq!(layout.unused, ["Notes"]);
        assert_eq!(layout.missing(OutcomesPreset::Hubspot), None);
        let plain = Layout::of(
            &Resolver::new(&config, OutcomesPreset::Plain),
            &headers(&["x"]),
        );
        assert!(
            plain
                .missing(OutcomesPreset::Plain)
                .unwrap()
                .starts_with("no column names")
        );
    }
}
