//! A deals file matching a generated lead set, drawn from a planted "true" ICP: `icp gen
//! --deals-out FILE`.
//!
//! How it works: [`generate_deals`] replays the company generator with the same options (as
//! [`signals`](crate::signals) does), so it sees the very companies it writes, and draws each
//! company's deals from a random stream of its own (seeded from `seed`, apart from the data,
//! messiness and signal streams): asking for deals never changes a byte of the companies,
//! contacts or signal files, and the same options give the same deals. Deals are written a
//! company at a time through a buffer flushed every 64 KiB: memory does not grow with the
//! number of companies.
//!
//! **The planted ICP** — kept out of `rules/` on purpose, for `icp discover` to recover and
//! `icp backtest` to measure. A closed deal is won with probability
//! `0.13 × 2.2 (industry Fintech or Financial Services) × 1.9 (200 to 2,000 employees) × 1.8
//! (Snowflake among the technologies) × 1.7 (a finance leader among the contacts: CFO, VP
//! Finance or Finance Director)`, each factor applying when the company has the attribute, at
//! most 0.9. Over all closed deals that gives a win rate of about 20%; a company with none of
//! the attributes wins about one deal in eight, one with all four nearly always. Nothing else
//! (country, revenue, funding, events) matters.
//!
//! The rest: one company in ten has deals (one, sometimes two or three), whatever its
//! attributes; each deal is created 15 to 730 days before [`REFERENCE_DATE`](crate::REFERENCE_DATE)
//! (the as-of date), and is still open with probability 0.5 when created within the last 120
//! days, else 0.06; a closed deal closes 20 to 180 days after it was created, never after the
//! as-of date. Amounts are log-normal around $12,000 × (employees / 100)^0.3, rounded to $100.
//!
//! Two shapes: the plain columns of an outcomes file (`company_id,outcome,amount,created,
//! closed`, outcomes `won` / `lost` / `open`), or HubSpot's deals export (`Record ID`, `Deal
//! Name`, `Deal Stage` — `closedwon`, `closedlost`, or an open stage of the default pipeline —,
//! `Amount`, `Create Date`, `Close Date`, `Associated Company IDs`).

use std::io::{self, Write};

use crate::enc::{Enc, csv_field};
use crate::rng::Rng;
use crate::{
    Drawn, FLUSH_AT, GenOptions, Generator, REFERENCE_DATE, civil_from_days, days_from_civil,
};

/// The columns of a plain deals file.
pub const DEAL_COLUMNS: &[&str] = &["company_id", "outcome", "amount", "created", "closed"];

/// The columns of a HubSpot-style deals file.
pub const HUBSPOT_DEAL_COLUMNS: &[&str] = &[
    "Record ID",
    "Deal Name",
    "Deal Stage",
    "Amount",
    "Create Date",
    "Close Date",
    "Associated Company IDs",
];

/// The win probability of a closed deal of a company with none of the planted attributes.
pub const BASE_WIN: f64 = 0.13;

/// The planted industries (either one), and their factor.
pub const PLANTED_INDUSTRIES: (&[&str], f64) = (&["Fintech", "Financial Services"], 2.2);
/// The planted employee band (both ends included), and its factor.
pub const PLANTED_EMPLOYEES: ((f64, f64), f64) = ((200.0, 2000.0), 1.9);
/// The planted technology, and its factor.
pub const PLANTED_TECHNOLOGY: (&str, f64) = ("Snowflake", 1.8);
/// The planted persona: a contact with one of these titles, and its factor.
pub const PLANTED_TITLES: (&[&str], f64) = (&["CFO", "VP Finance", "Finance Director"], 1.7);

/// The open stages of HubSpot's default pipeline.
const HUBSPOT_OPEN: &[&str] = &[
    "appointmentscheduled",
    "qualifiedtobuy",
    "presentationscheduled",
    "decisionmakerboughtin",
    "contractsent",
];

/// The shape of the deals file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DealsPreset {
    /// `company_id,outcome,amount,created,closed`.
    #[default]
    Plain,
    /// HubSpot's deals export.
    Hubspot,
}

/// Deals written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DealsReport {
    pub deals: u64,
    pub won: u64,
    pub lost: u64,
    pub open: u64,
    /// Companies with at least one deal.
    pub companies: u64,
}

/// The win probability of a closed deal of `company` under the planted ICP.
fn win_probability(company: &Drawn) -> f64 {
    let mut p = BASE_WIN;
    let (industries, factor) = PLANTED_INDUSTRIES;
    if company.industries.iter().any(|i| industries.contains(i)) {
        p *= factor;
    }
    let ((lo, hi), factor) = PLANTED_EMPLOYEES;
    if (lo..=hi).contains(&company.employees) {
        p *= factor;
    }
    let (technology, factor) = PLANTED_TECHNOLOGY;
    if company.technologies.contains(&technology) {
        p *= factor;
    }
    let (titles, factor) = PLANTED_TITLES;
    if company.contacts.iter().any(|(_, _, t)| titles.contains(t)) {
        p *= factor;
    }
    p.min(0.9)
}

/// Writes the deals of the lead set `options` describes to `out`.
pub fn generate_deals(
    options: &GenOptions,
    preset: DealsPreset,
    out: &mut dyn Write,
) -> io::Result<DealsReport> {
    if options.contacts_min > options.contacts_max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "contacts_min is above contacts_max",
        ));
    }
    let mut companies = Generator::new(&GenOptions {
        messy: 0.0,
        ..options.clone()
    });
    companies.drawn = Some(Drawn::default());
    let (y, m, d) = REFERENCE_DATE;
    let as_of = days_from_civil(y, m, d);
    let mut rng = Rng::new(options.seed ^ 0xDEA1_5C0F_FEE0_0D15);
    let (mut co, mut ct) = (Enc::new(false), Enc::new(false));
    let mut enc = Enc::new(false);
    enc.header(match preset {
        DealsPreset::Plain => DEAL_COLUMNS,
        DealsPreset::Hubspot => HUBSPOT_DEAL_COLUMNS,
    });
    let mut report = DealsReport::default();
    for i in 0..options.companies {
        companies.company(i, &mut co, &mut ct, false);
        co.buf.clear();
        ct.buf.clear();
        let Some(company) = &companies.drawn else {
            continue;
        };
        if !rng.chance(0.10) {
            continue;
        }
        report.companies += 1;
        let p_win = win_probability(company);
        let n = 1 + rng.band(&[0.72, 0.94]);
        for _ in 0..n {
            let back = 15 + rng.below(716) as i64;
            let created = as_of - back;
            let open = rng.chance(if back <= 120 { 0.5 } else { 0.06 });
            let closed = (!open).then(|| (created + 20 + rng.below(161) as i64).min(as_of));
            let won = !open && rng.chance(p_win);
            let median = 12_000.0 * (company.employees.max(1.0) / 100.0).powf(0.3);
            let amount = ((rng.log_normal(median, 0.6) / 100.0).round() * 100.0).max(100.0);
            let outcome = match (open, won) {
                (true, _) => {
                    report.open += 1;
                    "open"
                }
                (false, true) => {
                    report.won += 1;
                    "won"
                }
                (false, false) => {
                    report.lost += 1;
                    "lost"
                }
            };
            report.deals += 1;
            let deal = Deal {
                company,
                outcome,
                amount,
                created,
                closed,
                number: report.deals,
            };
            // Drawn for every deal, so both shapes hold the same deals.
            let open_stage = rng.pick(HUBSPOT_OPEN);
            match preset {
                DealsPreset::Plain => deal.plain(&mut enc),
                DealsPreset::Hubspot => deal.hubspot(&mut enc, open_stage),
            }
        }
        if enc.buf.len() >= FLUSH_AT {
            out.write_all(&enc.buf)?;
            enc.buf.clear();
        }
    }
    out.write_all(&enc.buf)?;
    out.flush()?;
    Ok(report)
}

/// One deal to write.
struct Deal<'a> {
    company: &'a Drawn,
    outcome: &'static str,
    amount: f64,
    created: i64,
    closed: Option<i64>,
    /// Its number in the file, from 1.
    number: u64,
}

/// `YYYY-MM-DD` of a day number.
fn iso(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y}-{m:02}-{d:02}")
}

impl Deal<'_> {
    fn row(enc: &mut Enc, fields: &[&str]) {
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                enc.buf.push(b',');
            }
            csv_field(&mut enc.buf, field);
        }
        enc.buf.push(b'\n');
    }

    fn plain(&self, enc: &mut Enc) {
        let amount = format!("{:.0}", self.amount);
        let closed = self.closed.map(iso).unwrap_or_default();
        let created = iso(self.created);
        let fields = [
            self.company.id.as_str(),
            self.outcome,
            &amount,
            &created,
            &closed,
        ];
        Self::row(enc, &fields);
    }

    /// As HubSpot exports a deal: its stage's internal name, dates with a time.
    fn hubspot(&self, enc: &mut Enc, open_stage: &str) {
        let stage = match self.outcome {
            "won" => "closedwon",
            "lost" => "closedlost",
            _ => open_stage,
        };
        let record = (9_000_000 + self.number).to_string();
        let name = format!("{} - New Business", self.company.name);
        let amount = format!("{:.0}", self.amount);
        let created = format!("{} 09:00", iso(self.created));
        let closed = self
            .closed
            .map(|c| format!("{} 17:00", iso(c)))
            .unwrap_or_default();
        let fields = [
            record.as_str(),
            &name,
            stage,
            &amount,
            &created,
            &closed,
            &self.company.id,
        ];
        Self::row(enc, &fields);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deals(options: &GenOptions, preset: DealsPreset) -> (String, DealsReport) {
        let mut out = Vec::new();
        let report = generate_deals(options, preset, &mut out).expect("generate");
        (String::from_utf8(out).expect("utf-8"), report)
    }

    #[test]
    fn deals_are_deterministic_dated_and_near_the_planted_rates() {
        let options = GenOptions {
            companies: 3000,
            seed: 11,
            ..GenOptions::default()
        };
        let (a, report) = deals(&options, DealsPreset::Plain);
        let (b, _) = deals(&options, DealsPreset::Plain);
        assert_eq!(a, b);
        assert!(a.starts_with("company_id,outcome,amount,created,closed\n"));
        assert_eq!(a.lines().count() as u64, report.deals + 1);
        assert_eq!(report.deals, report.won + report.lost + report.open);
        // About one company in ten, a win rate of closed deals around 20%.
        assert!((200..=400).contains(&report.companies), "{report:?}");
        let rate = report.won as f64 / (report.won + report.lost) as f64;
        assert!((0.12..=0.35).contains(&rate), "{rate} {report:?}");
        // Every date lies in the two years before the as-of date; closes follow creations.
        for line in a.lines().skip(1) {
            let cells: Vec<&str> = line.split(',').collect();
            assert!(
                cells[3] >= "2024-11-23" && cells[3] <= "2026-11-23",
                "{line}"
            );
            assert!(cells[4].is_empty() || (cells[4] > cells[3] && cells[4] <= "2026-11-23"));
        }
    }

    #[test]
    fn the_hubspot_shape_has_its_export_headers_and_stages() {
        let options = GenOptions {
            companies: 500,
            seed: 3,
            ..GenOptions::default()
        };
        let (text, report) = deals(&options, DealsPreset::Hubspot);
        assert!(text.starts_with(
            "Record ID,Deal Name,Deal Stage,Amount,Create Date,Close Date,Associated Company IDs\n"
        ));
        assert_eq!(text.matches(",closedwon,").count() as u64, report.won);
        assert_eq!(text.matches(",closedlost,").count() as u64, report.lost);
    }

    #[test]
    fn the_planted_attributes_raise_the_win_probability() {
        let mut company = Drawn::default();
        assert_eq!(win_probability(&company), BASE_WIN);
        company.industries = vec!["Fintech"];
        company.employees = 500.0;
        company.technologies = vec!["Snowflake"];
        company.contacts = vec![("Ada", "Lovelace", "CFO")];
        assert_eq!(win_probability(&company), 0.9);
    }
}
