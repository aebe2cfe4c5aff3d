//! The `funding` signal plugin: funding rounds and company events, read from a CSV file.
//!
//! How it works: `init` reads the file the `data` key of `[plugins.funding]` names (relative
//! to `icp.toml`), with the columns `domain,date,type,amount_usd` (README.md gives the format).
//! Every row is checked — a bad domain, date, type or amount is an error naming the file and
//! line — and the records are indexed by normalised domain ([`domain_key`]: lower case, no
//! scheme, `www.` or path), each company's records sorted by date. A signal looks the lead's
//! `company.domain` up in that index (one hash lookup) and reads only the records dated on or
//! before the run's as-of date, so a run with `--as-of` gives the same answers whenever it runs.
//!
//! Semantics: a *round* is a record that raises capital — Seed, Series A to Series F, IPO;
//! Acquisition and Divestment are dated company events that `acquired_within`,
//! `divested_within` and `event_within` see. A window `within: 90d` holds the records at most
//! 90 days old, the 90th day included. Types match case-insensitively. The optional `covers`
//! key names the companies the data covers ([`Coverage`]; all without it). A lead with no
//! domain, or whose company is not covered, gets unknown from every signal; a covered company
//! without records is known to have none: the booleans are false, `total_raised` is 0,
//! `last_round_type` is `"None"` (the lowest level of the `round` order), and
//! `days_since_last_round` and `last_round_amount` are unknown (there is no number to give;
//! `raised_within` says the same thing definitely).

use std::collections::HashMap;

use icp_plugin_api::sdk::{
    Config, Coverage, Date, Lead, Plugin, Result, Signal, Type, domain_key, read_csv,
};

const DOMAIN: &str = "company.domain";

/// The type of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Seed,
    SeriesA,
    SeriesB,
    SeriesC,
    SeriesD,
    SeriesE,
    SeriesF,
    Ipo,
    Acquisition,
    Divestment,
}

impl Kind {
    const ALL: [Kind; 10] = [
        Kind::Seed,
        Kind::SeriesA,
        Kind::SeriesB,
        Kind::SeriesC,
        Kind::SeriesD,
        Kind::SeriesE,
        Kind::SeriesF,
        Kind::Ipo,
        Kind::Acquisition,
        Kind::Divestment,
    ];

    /// The canonical spelling.
    fn name(self) -> &'static str {
        match self {
            Kind::Seed => "Seed",
            Kind::SeriesA => "Series A",
            Kind::SeriesB => "Series B",
            Kind::SeriesC => "Series C",
            Kind::SeriesD => "Series D",
            Kind::SeriesE => "Series E",
            Kind::SeriesF => "Series F",
            Kind::Ipo => "IPO",
            Kind::Acquisition => "Acquisition",
            Kind::Divestment => "Divestment",
        }
    }

    /// A type in any case: `series a`, `IPO`, `acquisition`.
    fn parse(text: &str) -> Option<Kind> {
        let text = text.trim();
        Kind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(text))
    }

    fn expected() -> String {
        let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
        names.join(", ")
    }

    /// Whether the record is a round that raises capital.
    fn raises_capital(self) -> bool {
        !matches!(self, Kind::Acquisition | Kind::Divestment)
    }
}

/// One row of the data file.
#[derive(Debug)]
struct Record {
    date: Date,
    kind: Kind,
    /// `None` when the amount is not disclosed.
    amount: Option<f64>,
}

/// The plugin's state: every company's records, oldest first, by normalised domain, and the
/// companies the data covers.
#[derive(Debug)]
pub struct Funding {
    companies: HashMap<String, Vec<Record>>,
    coverage: Coverage,
}

/// What `last_round_type` says of a covered company that has raised no round: the lowest
/// level of the `round` order.
pub const NO_ROUND: &str = "None";

impl Funding {
    /// The records of the lead's company dated on or before the as-of date, oldest first;
    /// `None` when the lead has no domain or the data does not cover its company.
    fn records(&self, lead: &Lead<'_>) -> Option<&[Record]> {
        let domain = domain_key(lead.text(DOMAIN)?);
        if domain.is_empty() || !self.coverage.covers(&domain) {
            return None;
        }
        let all = self
            .companies
            .get(domain.as_ref())
            .map_or(&[][..], Vec::as_slice);
        let today = lead.today();
        Some(&all[..all.partition_point(|r| r.date <= today)])
    }

    /// The lead's rounds (records that raise capital), oldest first.
    fn rounds<'a>(
        &'a self,
        lead: &Lead<'_>,
    ) -> Option<impl DoubleEndedIterator<Item = &'a Record>> {
        Some(
            self.records(lead)?
                .iter()
                .filter(|r| r.kind.raises_capital()),
        )
    }

    /// The lead's most recent round, if the domain is known and it has one.
    fn last_round(&self, lead: &Lead<'_>) -> Option<&Record> {
        self.rounds(lead)?.next_back()
    }

    /// Whether the lead's company had a record of `kind` within the window; unknown without
    /// a window or for a company the data does not cover.
    fn had_within(&self, lead: &Lead<'_>, kind: Kind, within: Option<f64>) -> Option<bool> {
        let within = within?;
        let today = lead.today();
        let records = self.records(lead)?;
        Some(
            records
                .iter()
                .any(|r| r.kind == kind && in_window(today, r.date, within)),
        )
    }
}

/// Whether a record dated `date` is at most `within` days before `today` (the boundary
/// included); records after `today` are already left out.
fn in_window(today: Date, date: Date, within: f64) -> bool {
    f64::from(today.days_since(date)) <= within
}

impl Plugin for Funding {
    const NAME: &'static str = "funding";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DOC: &'static str =
        "Funding rounds (Seed to IPO) and acquisitions or divestments of the lead's company.";
    const CONFIG_KEYS: Option<&'static [&'static str]> = Some(&["data", "covers"]);

    fn init(config: &Config) -> Result<Self> {
        let path = config.path("data")?;
        let mut coverage = Coverage::read(config)?;
        let rows = read_csv(&path, &["domain", "date", "type"], &["amount_usd"])?;
        let mut companies: HashMap<String, Vec<Record>> = HashMap::new();
        for row in rows {
            let domain = domain_key(row.get(0));
            if domain.is_empty() {
                return Err(row.error("the domain is empty"));
            }
            let date = Date::parse(row.get(1))
                .ok_or_else(|| row.error(format!("`{}` is not a date (YYYY-MM-DD)", row.get(1))))?;
            let kind = Kind::parse(row.get(2)).ok_or_else(|| {
                row.error(format!(
                    "`{}` is not a type; expected one of {}",
                    row.get(2),
                    Kind::expected()
                ))
            })?;
            let amount = match row.get(3) {
                "" => None,
                text => match text.parse::<f64>() {
                    Ok(n) if n.is_finite() && n >= 0.0 => Some(n),
                    _ => {
                        return Err(row.error(format!(
                            "`{text}` is not an amount in USD (a plain number such as 2500000, or empty)"
                        )));
                    }
                },
            };
            coverage.include(&domain);
            companies
                .entry(domain.into_owned())
                .or_default()
                .push(Record { date, kind, amount });
        }
        for records in companies.values_mut() {
            // Stable: records of one day keep the file's order, the last one being the latest.
            records.sort_by_key(|r| r.date);
        }
        Ok(Funding {
            companies,
            coverage,
        })
    }

    fn signals() -> Vec<Signal<Self>> {
        vec![
            Signal::new("days_since_last_round", Type::Number)
                .doc("Days since the company's most recent funding round (Seed to IPO); unknown if it has none.")
                .input(DOMAIN)
                .eval(|f: &Funding, lead, _| {
                    Ok(f.last_round(lead).map(|r| lead.today().days_since(r.date)))
                }),
            Signal::new("last_round_type", Type::String)
                .doc("The type of the company's most recent funding round, such as \"Series B\" or \"IPO\"; \"None\" if it has raised none; unknown if the data does not cover it.")
                .ordered("round")
                .input(DOMAIN)
                .eval(|f: &Funding, lead, _| {
                    Ok(f.rounds(lead)
                        .map(|mut rounds| rounds.next_back().map_or(NO_ROUND, |r| r.kind.name())))
                }),
            Signal::new("last_round_amount", Type::Number)
                .doc("The amount in USD of the company's most recent funding round; unknown if it has none or the amount was not disclosed.")
                .input(DOMAIN)
                .eval(|f: &Funding, lead, _| Ok(f.last_round(lead).and_then(|r| r.amount))),
            Signal::new("total_raised", Type::Number)
                .doc("The total in USD the company has raised in funding rounds with a disclosed amount (0 if none).")
                .input(DOMAIN)
                .eval(|f: &Funding, lead, _| {
                    Ok(f.rounds(lead).map(|rounds| rounds.filter_map(|r| r.amount).sum::<f64>()))
                }),
            Signal::new("raised_within", Type::Bool)
                .doc("Whether the company raised a funding round (Seed to IPO) within the given time, such as 90d.")
                .param("within", Type::Duration)
                .input(DOMAIN)
                .eval(|f: &Funding, lead, args| {
                    let Some(within) = args.duration("within") else {
                        return Ok(None);
                    };
                    let today = lead.today();
                    Ok(f.rounds(lead)
                        .map(|mut rounds| rounds.any(|r| in_window(today, r.date, within))))
                }),
            Signal::new("raised_at_least", Type::Bool)
                .doc("Whether the company raised a single funding round of at least the given amount in USD within the given time.")
                .param("amount", Type::Number)
                .param("within", Type::Duration)
                .input(DOMAIN)
                .eval(|f: &Funding, lead, args| {
                    let (Some(amount), Some(within)) = (args.number("amount"), args.duration("within")) else {
                        return Ok(None);
                    };
                    let today = lead.today();
                    Ok(f.rounds(lead).map(|mut rounds| {
                        rounds.any(|r| {
                            in_window(today, r.date, within) && r.amount.is_some_and(|a| a >= amount)
                        })
                    }))
                }),
            Signal::new("acquired_within", Type::Bool)
                .doc("Whether the company's acquisition was announced within the given time, such as 365d.")
                .param("within", Type::Duration)
                .input(DOMAIN)
                .eval(|f: &Funding, lead, args| {
                    Ok(f.had_within(lead, Kind::Acquisition, args.duration("within")))
                }),
            Signal::new("divested_within", Type::Bool)
                .doc("Whether the company announced a divestment (sold a unit or was spun off) within the given time, such as 365d.")
                .param("within", Type::Duration)
                .input(DOMAIN)
                .eval(|f: &Funding, lead, args| {
                    Ok(f.had_within(lead, Kind::Divestment, args.duration("within")))
                }),
            Signal::new("event_within", Type::Bool)
                .doc("Whether the company had an event of the given type (a round such as \"Series A\", or \"Acquisition\", \"Divestment\") within the given time.")
                .param("type", Type::String)
                .param("within", Type::Duration)
                .input(DOMAIN)
                .eval(|f: &Funding, lead, args| {
                    let (Some(name), Some(within)) = (args.string("type"), args.duration("within")) else {
                        return Ok(None);
                    };
                    let kind = Kind::parse(name).ok_or_else(|| {
                        format!("event_within: `{name}` is not a type; expected one of {}", Kind::expected())
                    })?;
                    Ok(f.had_within(lead, kind, Some(within)))
                }),
        ]
    }
}

icp_plugin_api::export_plugin!(Funding);
