//! `icp gen`: a deterministic generator of realistic B2B lead sets.
//!
//! How it works: [`generate`] draws companies one at a time from a xoshiro256** stream seeded
//! with `seed` ([`rng`]), and writes each through one encoder ([`enc`]) as a CSV row or a JSON
//! Lines object, with its contacts in a second CSV or inside the object. Sizes are log-normal
//! (employees with a median near 40 and a long tail; revenue = employees × a log-normal revenue
//! per head, so the two are correlated), countries are weighted (the US heaviest) and give the
//! region, city and domain suffix; industries (one to three), institution type, ownership,
//! business model, technologies and tags are drawn from the weighted vocabularies of
//! [`vocab`], partly conditioned on each other (healthcare providers run clinical systems and
//! have security contacts, large companies are more often public). About 30% of companies are
//! existing customers with the custom fields of the example `icp.toml` (`annual_spend`,
//! `purchase_frequency`, `demand_variability`, `last_order_date`, relative to 2026-11-23).
//!
//! Messiness comes from a second, independent stream: each value is written in a messy but
//! readable real-world form ("51-200", "10,001+", "$12.5M", "€ 1.2 billion", "n/a", blanks,
//! mixed case, "United States" for "US", "https://www." domains, padding) with probability
//! `messy`, so the same seed gives the same companies at every messiness, and `messy = 0`
//! writes only canonical values. Every row is well formed: CSV fields are quoted when they
//! must be, JSON strings escaped. Same options, same bytes.
//!
//! Output goes through a reused byte buffer flushed every 64 KiB; numbers are formatted with
//! `write!` into it, so a row costs no allocation on the clean path.
//!
//! [`deals`] writes a deals file (won, lost and open deals of some companies) drawn from a
//! planted "true" ICP, for `icp backtest` and `icp discover` to find.
//!
//! [`signals`] writes data for the signal plugins (funding rounds, event attendance, job
//! changes, champions) that matches the companies and contacts of the same options.
//!
//! The files: `company` draws a company and its contacts, `messy` writes each value in its
//! canonical or a messy form, `enc` encodes CSV or JSON Lines.

mod company;
pub mod deals;
mod enc;
mod messy;
mod rng;
pub mod signals;
mod vocab;

use std::io::Write;

use enc::Enc;
use rng::{Rng, Weighted};
use vocab::Country;

/// The columns of the companies CSV: canonical field names `icp score` maps by themselves.
pub const COMPANY_COLUMNS: &[&str] = &[
    "id",
    "name",
    "domain",
    "industry",
    "employees",
    "revenue",
    "country",
    "region",
    "city",
    "founded",
    "ownership",
    "business_model",
    "type",
    "technologies",
    "tags",
    "annual_spend",
    "purchase_frequency",
    "demand_variability",
    "last_order_date",
    "is_customer",
];

/// The columns of the contacts CSV, joined to the companies by `company_id`.
pub const CONTACT_COLUMNS: &[&str] = &[
    "company_id",
    "name",
    "email",
    "title",
    "seniority",
    "department",
    "country",
];

/// The date the customers' `last_order_date` values are drawn back from.
pub const REFERENCE_DATE: (i32, u32, u32) = (2026, 11, 23);

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Companies as CSV, contacts (optionally) in a second CSV.
    Csv,
    /// One company per line with a `contacts` array.
    JsonLines,
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenOptions {
    /// Number of companies.
    pub companies: u64,
    /// Seed of the random stream: same options, same bytes.
    pub seed: u64,
    /// Fewest contacts per company.
    pub contacts_min: u32,
    /// Most contacts per company (inclusive).
    pub contacts_max: u32,
    /// Share of values written in a messy form, 0 to 1.
    pub messy: f64,
    /// CSV or JSON Lines.
    pub format: Format,
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            companies: 1000,
            seed: 1,
            contacts_min: 0,
            contacts_max: 4,
            messy: 0.1,
            format: Format::Csv,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GenReport {
    /// Companies written.
    pub companies: u64,
    /// Contacts written (to the contacts CSV, or inside the JSON objects); zero when contacts
    /// were generated but not written.
    pub contacts: u64,
    /// Values written in a messy form.
    pub messy_values: u64,
}

const FLUSH_AT: usize = 1 << 16;

/// Generates `options.companies` companies into `companies`, and in CSV their contacts into
/// `contacts` when given (in JSON Lines the contacts are inside each company, and `contacts`
/// must be `None`: an `InvalidInput` error otherwise, as for `contacts_min > contacts_max` or a
/// `messy` outside 0..=1).
pub fn generate(
    options: &GenOptions,
    companies: &mut dyn Write,
    mut contacts: Option<&mut dyn Write>,
) -> std::io::Result<GenReport> {
    let invalid =
        |msg: &str| std::io::Error::new(std::io::ErrorKind::InvalidInput, msg.to_string());
    if options.format == Format::JsonLines && contacts.is_some() {
        return Err(invalid(
            "JSON Lines output holds the contacts; no contacts file",
        ));
    }
    if options.contacts_min > options.contacts_max {
        return Err(invalid("contacts_min is above contacts_max"));
    }
    if !(0.0..=1.0).contains(&options.messy) {
        return Err(invalid("messy must be within 0 and 1"));
    }
    let json = options.format == Format::JsonLines;
    let mut g = Generator::new(options);
    let mut co = Enc::new(json);
    co.header(COMPANY_COLUMNS);
    let mut ct = Enc::new(false);
    if contacts.is_some() {
        ct.header(CONTACT_COLUMNS);
    }
    let write_contacts = json || contacts.is_some();
    let mut report = GenReport::default();
    for i in 0..options.companies {
        report.contacts += u64::from(g.company(i, &mut co, &mut ct, write_contacts));
        if co.buf.len() >= FLUSH_AT {
            companies.write_all(&co.buf)?;
            co.buf.clear();
        }
        if ct.buf.len() >= FLUSH_AT {
            if let Some(w) = contacts.as_mut() {
                w.write_all(&ct.buf)?;
            }
            ct.buf.clear();
        }
    }
    companies.write_all(&co.buf)?;
    companies.flush()?;
    if let Some(w) = contacts.as_mut() {
        w.write_all(&ct.buf)?;
        w.flush()?;
    }
    report.companies = options.companies;
    report.messy_values = g.messy_values;
    Ok(report)
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = i64::from(if m <= 2 { y - 1 } else { y });
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// The state of a generation across companies: the data and messiness streams, the
/// vocabularies as weighted tables and the buffers reused from row to row. Its methods are in
/// [`company`] (drawing) and [`messy`] (writing values).
struct Generator {
    rng: Rng,
    /// Messiness decisions, independent of the data stream.
    mess: Rng,
    messy: f64,
    messy_values: u64,
    contacts_min: u32,
    contacts_max: u32,
    id_width: usize,
    reference_day: i64,
    countries: Weighted<Country>,
    industries: Weighted<&'static str>,
    health_types: Weighted<&'static str>,
    other_types: Weighted<&'static str>,
    ownership_small: Weighted<&'static str>,
    ownership_large: Weighted<&'static str>,
    technologies: Weighted<&'static str>,
    tags: Weighted<&'static str>,
    roles: Weighted<(&'static str, &'static str, &'static str)>,
    id: String,
    name: String,
    domain: String,
    scratch: String,
    person: String,
    /// What the last company drew, kept only for [`signals`].
    drawn: Option<Drawn>,
}

/// The facts of one company [`signals`] builds its data on, in canonical form.
#[derive(Debug, Default)]
struct Drawn {
    id: String,
    name: String,
    domain: String,
    industries: Vec<&'static str>,
    technologies: Vec<&'static str>,
    employees: f64,
    customer: bool,
    /// First name, last name and title of each contact.
    contacts: Vec<(&'static str, &'static str, &'static str)>,
}

impl std::fmt::Debug for Generator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Generator").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
