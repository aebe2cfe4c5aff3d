//! One row of an outcomes file into a deal: its companies, outcome, amount and dates, or the
//! reason the row is rejected.
//!
//! How it works: the row's values (cells of a CSV row, values of a JSON line, by
//! [`DealColumn`](super::columns::DealColumn)) are read as the lead reader reads cells: trimmed,
//! a placeholder such as `n/a` is missing, amounts parse as money (`$12,000`, `12k`) and dates
//! as dates (`2024-03-05`, `03/05/2024`, `2024-03-05T10:00:00Z`; the time is ignored) with the
//! shared parsers of [`crate::parse`]. The company is each id of the id cell (split on the list
//! separator: a HubSpot deal of several companies counts for each), else the normalised
//! domain. The outcome:
//! - Salesforce's `IsWon` / `IsClosed`, when the row has them, decide: won if `IsWon`, open if
//!   not `IsClosed`, lost if closed and not won; closed with no `IsWon` takes the stage's
//!   outcome, lost unless the stage is a won one;
//! - else the stage (`outcome` column) through the stage names ([`StageMap`]); a stage no list
//!   names is open, and reported as unknown.
//!
//! Rejected: a row with no company (no id, no domain that normalises), no outcome, an outcome
//! in a plain file with no letter in it (`?`, `0`), an amount or date that does not parse, an
//! `IsWon` / `IsClosed` that is not a yes / no.

use std::borrow::Cow;

use super::DealOutcome;
use super::config::{OutcomesPreset, StageMap};
use crate::parse::{is_missing_trimmed, normalize_domain, parse_bool, parse_date, parse_money};

/// The values of one row, by column; `None` where the file has no such column.
#[derive(Debug, Default)]
pub(super) struct RowValues<'a> {
    pub(super) company_id: Option<Cow<'a, str>>,
    pub(super) domain: Option<Cow<'a, str>>,
    pub(super) outcome: Option<Cow<'a, str>>,
    pub(super) amount: Option<Cow<'a, str>>,
    pub(super) created: Option<Cow<'a, str>>,
    pub(super) closed: Option<Cow<'a, str>>,
    pub(super) is_won: Option<Cow<'a, str>>,
    pub(super) is_closed: Option<Cow<'a, str>>,
}

/// The company a deal counts for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Key {
    Id(String),
    /// Normalised ([`normalize_domain`]).
    Domain(String),
}

/// One deal read.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Deal {
    pub(super) keys: Vec<Key>,
    pub(super) outcome: DealOutcome,
    pub(super) amount: Option<f64>,
    pub(super) created: Option<i32>,
    pub(super) closed: Option<i32>,
    /// The stage as written, when no stage list names it.
    pub(super) unknown_stage: Option<String>,
}

/// Reads rows into deals.
#[derive(Debug)]
pub(super) struct DealReader<'c> {
    pub(super) preset: OutcomesPreset,
    pub(super) stages: &'c StageMap,
    /// Between the company ids of one deal.
    pub(super) separator: &'c str,
}

/// A value present in the row: trimmed, not empty nor a placeholder.
fn present<'v>(value: &'v Option<Cow<'_, str>>) -> Option<&'v str> {
    let t = crate::parse::trim(value.as_deref()?);
    (!is_missing_trimmed(t)).then_some(t)
}

/// A yes / no value, or why it is none.
fn flag(value: &Option<Cow<'_, str>>, name: &str) -> Result<Option<bool>, String> {
    match present(value) {
        None => Ok(None),
        Some(t) => parse_bool(t)
            .map(Some)
            .ok_or_else(|| format!("{name} {:?} is not true or false", clip(t))),
    }
}

fn date(value: &Option<Cow<'_, str>>, name: &str) -> Result<Option<i32>, String> {
    match present(value) {
        None => Ok(None),
        Some(t) => parse_date(t)
            .map(Some)
            .ok_or_else(|| format!("{name} date {:?} is not a date", clip(t))),
    }
}

fn clip(text: &str) -> String {
    crate::report::clip(text, 100)
}

impl DealReader<'_> {
    /// The deal of a row, or why the row is rejected.
    pub(super) fn deal(&self, row: &RowValues<'_>) -> Result<Deal, String> {
        let keys = self.keys(row)?;
        let (outcome, unknown_stage) = self.outcome(row)?;
        let amount = match present(&row.amount) {
            None => None,
            Some(t) => Some(
                parse_money(t)
                    .filter(|a| a.is_finite())
                    .ok_or_else(|| format!("amount {:?} is not a number", clip(t)))?,
            ),
        };
        Ok(Deal {
            keys,
            outcome,
            amount,
            created: date(&row.created, "created")?,
            closed: date(&row.closed, "close")?,
            unknown_stage,
        })
    }

    /// Each id of the id cell, else the domain.
    fn keys(&self, row: &RowValues<'_>) -> Result<Vec<Key>, String> {
        let mut keys: Vec<Key> = match present(&row.company_id) {
            Some(ids) => crate::parse::split_items(ids, self.separator)
                .filter(|id| !is_missing_trimmed(id))
                .map(|id| Key::Id(id.to_string()))
                .collect(),
            None => Vec::new(),
        };
        if keys.is_empty()
            && let Some(domain) = present(&row.domain)
        {
            let normal = normalize_domain(domain)
                .ok_or_else(|| format!("domain {:?} is not a domain name", clip(domain)))?;
            keys.push(Key::Domain(normal));
        }
        // A deal listing one company twice counts once for it.
        let mut seen = std::collections::HashSet::new();
        keys.retain(|k| seen.insert(k.clone()));
        if keys.is_empty() {
            return Err("no company: the row has no company id and no domain".to_string());
        }
        Ok(keys)
    }

    /// The outcome, and the stage when no list names it.
    fn outcome(&self, row: &RowValues<'_>) -> Result<(DealOutcome, Option<String>), String> {
        let is_won = flag(&row.is_won, "IsWon")?;
        let is_closed = flag(&row.is_closed, "IsClosed")?;
        match (is_won, is_closed) {
            (Some(true), _) => return Ok((DealOutcome::Won, None)),
            (_, Some(false)) => return Ok((DealOutcome::Open, None)),
            (Some(false), Some(true)) => return Ok((DealOutcome::Lost, None)),
            _ => {}
        }
        let Some(stage) = present(&row.outcome) else {
            return Err(match self.preset {
                OutcomesPreset::Plain => "no outcome".to_string(),
                _ => "no deal stage".to_string(),
            });
        };
        if self.preset == OutcomesPreset::Plain && !stage.chars().any(char::is_alphabetic) {
            return Err(format!(
                "outcome {:?} is not won, lost, open or a stage name",
                clip(stage)
            ));
        }
        let (outcome, unknown) = match self.stages.outcome(stage) {
            Some(o) => (o, None),
            None => (DealOutcome::Open, Some(stage.to_string())),
        };
        if is_closed == Some(true) {
            // Closed, and not known to be won: lost unless the stage says won.
            let closed = match outcome {
                DealOutcome::Won => DealOutcome::Won,
                _ => DealOutcome::Lost,
            };
            return Ok((closed, None));
        }
        Ok((outcome, unknown))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcomes::OutcomesConfig;

    fn row<'a>(pairs: &[(&str, &'a str)]) -> RowValues<'a> {
        let mut row = RowValues::default();
        for (column, value) in pairs {
            let v = Some(Cow::Borrowed(*value));
            match *column {
                "company_id" => row.company_id = v,
                "domain" => row.domain = v,
                "outcome" => row.outcome = v,
                "amount" => row.amount = v,
                "created" => row.created = v,
                "closed" => row.closed = v,
                "is_won" => row.is_won = v,
                "is_closed" => row.is_closed = v,
                other => panic!("no column {other}"),
            }
        }
        row
    }

    #[test]
    fn rows_read_into_deals_or_reasons() {
        let stages = OutcomesConfig::default().stage_map().unwrap();
        let plain = DealReader {
            preset: OutcomesPreset::Plain,
            stages: &stages,
            separator: ";",
        };
        let deal = plain
            .deal(&row(&[
                ("company_id", " 12;34;12 "),
                ("outcome", "Closed Won"),
                ("amount", "$12,500"),
                ("created", "2024-01-05"),
                ("closed", "03/01/2024"),
            ]))
            .unwrap();
        assert_eq!(
            deal.keys,
            [Key::Id("12".to_string()), Key::Id("34".to_string())]
        );
        assert_eq!(deal.outcome, DealOutcome::Won);
        assert_eq!(deal.amount, Some(12_500.0));
        assert_eq!(deal.created, Some(19_727));
        assert_eq!(deal.closed, Some(19_783));
        let deal = plain
            .deal(&row(&[
                ("domain", "https://www.Acme.com/x"),
                ("outcome", "Demo"),
            ]))
            .unwrap();
        assert_eq!(deal.keys, [Key::Domain("acme.com".to_string())]);
        assert_eq!(
            (deal.outcome, deal.unknown_stage.as_deref()),
            (DealOutcome::Open, Some("Demo"))
        );
        for (pairs, reason) in [
            (&[("outcome", "won")][..], "no company"),
            (&[("company_id", "n/a"), ("outcome", "won")], "no company"),
            (
                &[("domain", "nodot"), ("outcome", "won")],
                "domain \"nodot\"",
            ),
            (&[("company_id", "1")], "no outcome"),
            (&[("company_id", "1"), ("outcome", "42")], "outcome \"42\""),
            (
                &[("company_id", "1"), ("outcome", "won"), ("amount", "lots")],
                "amount \"lots\"",
            ),
            (
                &[("company_id", "1"), ("outcome", "won"), ("closed", "soon")],
                "close date \"soon\"",
            ),
        ] {
            let err = plain.deal(&row(pairs)).unwrap_err();
            assert!(err.starts_with(reason), "{pairs:?}: {err}");
        }
    }

    #[test]
    fn is_won_and_is_closed_decide_when_present() {
        let stages = OutcomesConfig::default().stage_map().unwrap();
        let salesforce = DealReader {
            preset: OutcomesPreset::Salesforce,
            stages: &stages,
            separator: ";",
        };
        let outcome = |won: &'static str, closed: &'static str, stage: &'static str| {
            let deal = salesforce.deal(&row(&[
                ("company_id", "001"),
                ("is_won", won),
                ("is_closed", closed),
                ("outcome", stage),
            ]));
            deal.map(|d| (d.outcome, d.unknown_stage))
        };
        use DealOutcome::*;
        assert_eq!(outcome("true", "true", "Closed Lost"), Ok((Won, None)));
        assert_eq!(outcome("false", "true", "Closed Won"), Ok((Lost, None)));
        assert_eq!(outcome("false", "false", "Closed Won"), Ok((Open, None)));
        assert_eq!(outcome("", "true", "Custom"), Ok((Lost, None)));
        assert_eq!(outcome("", "true", "Closed Won"), Ok((Won, None)));
        assert_eq!(
            outcome("", "", "Custom"),
            Ok((Open, Some("Custom".to_string())))
        );
        assert!(
            outcome("maybe", "", "Custom")
                .unwrap_err()
                .starts_with("IsWon")
        );
        assert_eq!(outcome("", "", "").unwrap_err(), "no deal stage");
    }
}
