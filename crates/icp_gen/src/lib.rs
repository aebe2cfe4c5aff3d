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
//! [`signals`] writes data for the signal plugins (funding rounds, event attendance, job
//! changes, champions) that matches the companies and contacts of the same options.

mod enc;
mod rng;
pub mod signals;
mod vocab;

use std::fmt::Write as _;
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

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `1234567` → `1,234,567`.
fn grouped(out: &mut String, n: u64) {
    let digits = n.to_string();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
}

/// An amount with a magnitude suffix: `12.5M`, `1.2B`, `850K`.
fn compact(out: &mut String, n: f64) {
    let _ = if n >= 1e9 {
        write!(out, "{:.1}B", n / 1e9)
    } else if n >= 1e6 {
        write!(out, "{:.1}M", n / 1e6)
    } else if n >= 1e3 {
        write!(out, "{:.0}K", n / 1e3)
    } else {
        write!(out, "{n:.0}")
    };
}

/// Appends the lower-case ASCII letters and digits of `s` (`ü` as `ue`, other letters dropped).
fn slug(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            'a'..='z' | '0'..='9' => out.push(c),
            'A'..='Z' => out.push(c.to_ascii_lowercase()),
            'ü' | 'Ü' => out.push_str("ue"),
            _ => {}
        }
    }
}

/// Appends `first.last` as an address's local part, and `@domain` when there is one.
fn push_email(out: &mut String, first: &str, last: &str, domain: Option<&str>) {
    slug(out, first);
    out.push('.');
    slug(out, last);
    if let Some(domain) = domain {
        out.push('@');
        out.push_str(domain);
    }
}

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
    name: String,
    domain: String,
    industries: Vec<&'static str>,
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

/// Draws up to `n` distinct items.
fn distinct(table: &Weighted<&'static str>, rng: &mut Rng, n: usize, out: &mut Vec<&'static str>) {
    let mut tries = 0;
    while out.len() < n && tries < n * 4 {
        let item = table.draw(rng);
        if !out.contains(&item) {
            out.push(item);
        }
        tries += 1;
    }
}

impl Generator {
    fn new(options: &GenOptions) -> Generator {
        let (y, m, d) = REFERENCE_DATE;
        Generator {
            rng: Rng::new(options.seed),
            mess: Rng::new(options.seed ^ 0xA5A5_5A5A_D1CE_F00D),
            messy: options.messy,
            messy_values: 0,
            contacts_min: options.contacts_min,
            contacts_max: options.contacts_max,
            id_width: options.companies.to_string().len().max(5),
            reference_day: days_from_civil(y, m, d),
            countries: Weighted::new(vocab::COUNTRIES),
            industries: Weighted::new(vocab::INDUSTRIES),
            health_types: Weighted::new(vocab::HEALTH_TYPES),
            other_types: Weighted::new(vocab::OTHER_TYPES),
            ownership_small: Weighted::new(vocab::OWNERSHIP_SMALL),
            ownership_large: Weighted::new(vocab::OWNERSHIP_LARGE),
            technologies: Weighted::new(vocab::TECHNOLOGIES),
            tags: Weighted::new(vocab::TAGS),
            roles: Weighted::new(vocab::ROLES),
            id: String::new(),
            name: String::new(),
            domain: String::new(),
            scratch: String::new(),
            person: String::new(),
            drawn: None,
        }
    }

    /// Whether the next value is written messy, and which of `forms` forms (0..forms).
    fn mess(&mut self, forms: usize) -> Option<usize> {
        if self.messy > 0.0 && self.mess.f64() < self.messy {
            self.messy_values += 1;
            Some(self.mess.below(forms))
        } else {
            None
        }
    }

    /// Writes `value` as text, or a messy form of it: blank, upper, lower or padded case.
    fn text(&mut self, e: &mut Enc, key: &str, value: &str) {
        match self.mess(4) {
            None => e.str(key, value),
            Some(0) => e.missing(key),
            Some(1) => {
                self.scratch.clear();
                self.scratch.push_str(&value.to_uppercase());
                e.str(key, &self.scratch);
            }
            Some(2) => {
                self.scratch.clear();
                self.scratch.push_str(&value.to_lowercase());
                e.str(key, &self.scratch);
            }
            Some(_) => {
                self.scratch.clear();
                let _ = write!(self.scratch, "  {value} ");
                e.str(key, &self.scratch);
            }
        }
    }

    /// Writes a list, or a messy form: missing, lower-cased items or spaced separators.
    fn list(&mut self, e: &mut Enc, key: &str, items: &[&str]) {
        match self.mess(3) {
            None => e.list(key, items, ";"),
            Some(0) => e.missing(key),
            Some(1) => {
                let lower: Vec<String> = items.iter().map(|s| s.to_lowercase()).collect();
                let refs: Vec<&str> = lower.iter().map(String::as_str).collect();
                e.list(key, &refs, ";");
            }
            Some(_) => e.list(key, items, " ; "),
        }
    }

    /// One company, and its contacts; returns the number of contacts written.
    fn company(&mut self, i: u64, co: &mut Enc, ct: &mut Enc, write_contacts: bool) -> u32 {
        let rng = &mut self.rng;
        self.id.clear();
        let _ = write!(self.id, "C{:0w$}", i + 1, w = self.id_width);

        let country = &vocab::COUNTRIES[self.countries.draw_index(rng)].0;
        let word = rng.pick(vocab::NAME_WORDS);
        let suffix = rng.pick(vocab::NAME_SUFFIXES);
        self.name.clear();
        let _ = write!(self.name, "{word} {suffix}");
        self.domain.clear();
        // A few companies own the short domain of their name (the named accounts of
        // rules/tiered_accounts); everyone else gets a unique one.
        if matches!(word, "Acme" | "Globex" | "Initech" | "Umbrella" | "Hooli") && rng.chance(0.02)
        {
            slug(&mut self.domain, word);
            self.domain.push_str(".com");
        } else {
            slug(&mut self.domain, &self.name);
            let _ = write!(self.domain, "{}.{}", i + 1, country.tld);
        }

        let n_industries = 1 + rng.band(&[0.70, 0.95]);
        let mut industries: Vec<&'static str> = Vec::with_capacity(3);
        distinct(&self.industries, rng, n_industries, &mut industries);
        let health = industries.iter().any(|s| vocab::is_health(s));
        let consumer = industries.iter().any(|s| vocab::is_consumer(s));
        let government = industries.contains(&"Government");
        let tech_heavy = industries
            .iter()
            .any(|s| matches!(*s, "Software" | "Internet" | "Fintech" | "IT Services"));

        let median = if health { 120.0 } else { 40.0 };
        let employees = rng.log_normal(median, 1.7).clamp(1.0, 400_000.0).round();
        let per_head = rng.log_normal(if tech_heavy { 220_000.0 } else { 140_000.0 }, 0.55);
        let revenue = ((employees * per_head) / 1000.0).round().max(1.0) * 1000.0;
        let age = rng
            .log_normal(8.0 + employees.ln() * 2.5, 0.7)
            .clamp(0.0, 200.0);
        let founded = 2026 - age.round() as i64;

        let ownership = if government && rng.chance(0.7) {
            "Government"
        } else if employees >= 1000.0 {
            self.ownership_large.draw(rng)
        } else {
            self.ownership_small.draw(rng)
        };
        let business_model = {
            let x = rng.f64();
            if consumer {
                if x < 0.55 {
                    "B2C"
                } else if x < 0.85 {
                    "B2B2C"
                } else {
                    "B2B"
                }
            } else if x < 0.8 {
                "B2B"
            } else if x < 0.92 {
                "B2B2C"
            } else {
                "B2C"
            }
        };
        let kind = if health {
            self.health_types.draw(rng)
        } else if industries.contains(&"Education") && rng.chance(0.7) {
            "University"
        } else if government {
            "Agency"
        } else {
            self.other_types.draw(rng)
        };
        let provider = matches!(kind, "Hospital" | "Health system" | "Clinic");
        let city = rng.pick(country.cities);

        let n_tech = rng
            .log_normal(0.5 + employees.ln() * 0.7, 0.5)
            .round()
            .min(20.0) as usize;
        let mut technologies: Vec<&'static str> = Vec::with_capacity(n_tech + 1);
        distinct(&self.technologies, rng, n_tech, &mut technologies);
        if provider && rng.chance(0.6) {
            technologies.push(rng.pick(vocab::CLINICAL));
        }
        let n_tags = if rng.chance(0.35) {
            0
        } else {
            rng.range(1, 4) as usize
        };
        let mut tags: Vec<&'static str> = Vec::with_capacity(n_tags);
        distinct(&self.tags, rng, n_tags, &mut tags);

        let customer = rng.chance(0.3);
        let (spend, frequency, variability, last_order) = if customer {
            let spend = (rng.log_normal(40_000.0 * (employees / 40.0).powf(0.3), 1.2) / 100.0)
                .round()
                .max(1.0)
                * 100.0;
            let frequency = rng.log_normal(6.0, 0.9).round().clamp(1.0, 52.0);
            let variability = (rng.log_normal(0.4, 0.6).min(2.5) * 100.0).round() / 100.0;
            let back = rng.log_normal(60.0, 1.4).round().min(3650.0) as i64;
            (spend, frequency, variability, self.reference_day - back)
        } else {
            (0.0, 0.0, 0.0, 0)
        };
        let n_contacts = rng.range(self.contacts_min, self.contacts_max);
        if let Some(drawn) = self.drawn.as_mut() {
            drawn.name.clone_from(&self.name);
            drawn.domain.clone_from(&self.domain);
            drawn.industries.clone_from(&industries);
            drawn.employees = employees;
            drawn.customer = customer;
            drawn.contacts.clear();
        }

        // Write the company.
        let id = std::mem::take(&mut self.id);
        let name = std::mem::take(&mut self.name);
        let domain = std::mem::take(&mut self.domain);
        co.begin();
        co.str("id", &id);
        self.write_name(co, &name);
        self.write_domain(co, &domain);
        self.list(co, "industry", &industries);
        self.write_employees(co, employees);
        self.write_revenue(co, "revenue", revenue);
        self.write_country(co, "country", country);
        self.text(co, "region", country.region);
        self.text(co, "city", city);
        self.write_founded(co, founded);
        self.text(co, "ownership", ownership);
        self.text(co, "business_model", business_model);
        self.text(co, "type", kind);
        self.list(co, "technologies", &technologies);
        self.list(co, "tags", &tags);
        if customer {
            self.write_revenue(co, "annual_spend", spend);
            self.write_count(co, "purchase_frequency", frequency);
            self.write_ratio(co, "demand_variability", variability);
            self.write_date(co, "last_order_date", last_order);
        } else {
            for key in [
                "annual_spend",
                "purchase_frequency",
                "demand_variability",
                "last_order_date",
            ] {
                co.missing(key);
            }
        }
        self.write_bool(co, "is_customer", customer);

        // Contacts: always drawn (the data does not depend on where they go), written in
        // the object (JSON Lines) or to the contacts CSV when there is one.
        if co.json {
            co.begin_array("contacts");
        }
        for _ in 0..n_contacts {
            let rng = &mut self.rng;
            let role = if provider && rng.chance(0.5) {
                rng.pick(vocab::HEALTH_ROLES)
            } else {
                self.roles.draw(rng)
            };
            let first = rng.pick(vocab::FIRST_NAMES);
            let last = rng.pick(vocab::LAST_NAMES);
            if let Some(drawn) = self.drawn.as_mut() {
                drawn.contacts.push((first, last, role.0));
            }
            if !write_contacts {
                continue;
            }
            let e: &mut Enc = if co.json {
                co.element();
                &mut *co
            } else {
                ct.begin();
                ct.str("company_id", &id);
                &mut *ct
            };
            self.person.clear();
            let _ = write!(self.person, "{first} {last}");
            let person = std::mem::take(&mut self.person);
            self.text(e, "name", &person);
            self.person = person;
            self.scratch.clear();
            push_email(&mut self.scratch, first, last, Some(&domain));
            let email = std::mem::take(&mut self.scratch);
            self.text(e, "email", &email);
            self.scratch = email;
            self.text(e, "title", role.0);
            self.text(e, "seniority", role.1);
            self.text(e, "department", role.2);
            self.write_country(e, "country", country);
            if e.json {
                e.end_object();
            } else {
                e.end();
            }
        }
        if co.json {
            co.end_array();
        }
        co.end();
        self.id = id;
        self.name = name;
        self.domain = domain;
        if write_contacts { n_contacts } else { 0 }
    }

    fn write_name(&mut self, e: &mut Enc, name: &str) {
        match self.mess(4) {
            None => e.str("name", name),
            Some(0) => {
                self.scratch.clear();
                let _ = write!(self.scratch, "{name}, Inc.");
                e.str("name", &self.scratch);
            }
            Some(1) => {
                self.scratch.clear();
                let initials: String = name.split(' ').filter_map(|w| w.chars().next()).collect();
                let _ = write!(self.scratch, "{name} (\"{initials}\")");
                e.str("name", &self.scratch);
            }
            Some(_) => self.text(e, "name", name),
        }
    }

    fn write_domain(&mut self, e: &mut Enc, domain: &str) {
        let Some(form) = self.mess(6) else {
            e.str("domain", domain);
            return;
        };
        self.scratch.clear();
        let _ = match form {
            0 => write!(self.scratch, "https://www.{domain}"),
            1 => write!(self.scratch, "http://{domain}/"),
            2 => write!(self.scratch, "www.{domain}"),
            3 => write!(self.scratch, "{}", domain.to_uppercase()),
            4 => write!(self.scratch, "https://{domain}/about"),
            _ => {
                e.missing("domain");
                return;
            }
        };
        e.str("domain", &self.scratch);
    }

    fn write_employees(&mut self, e: &mut Enc, n: f64) {
        let Some(form) = self.mess(7) else {
            e.int("employees", n as i64);
            return;
        };
        self.scratch.clear();
        let _ = match form {
            0 | 1 => {
                const BANDS: [(f64, &str); 7] = [
                    (10.0, "1-10"),
                    (50.0, "11-50"),
                    (200.0, "51-200"),
                    (500.0, "201-500"),
                    (1000.0, "501-1000"),
                    (5000.0, "1,001-5,000"),
                    (10000.0, "5001-10000"),
                ];
                let band = BANDS
                    .iter()
                    .find(|(hi, _)| n <= *hi)
                    .map_or("10,001+", |(_, b)| b);
                write!(self.scratch, "{band}")
            }
            2 if n >= 1000.0 => write!(self.scratch, "{:.1}K", n / 1000.0),
            2 => write!(self.scratch, "{n} employees"),
            3 => {
                grouped(&mut self.scratch, n as u64);
                Ok(())
            }
            4 => write!(self.scratch, "n/a"),
            5 => write!(self.scratch, " {n} "),
            _ => {
                e.missing("employees");
                return;
            }
        };
        e.str("employees", &self.scratch);
    }

    fn write_revenue(&mut self, e: &mut Enc, key: &str, n: f64) {
        let Some(form) = self.mess(8) else {
            e.int(key, n as i64);
            return;
        };
        self.scratch.clear();
        match form {
            0 | 1 => {
                self.scratch.push('$');
                compact(&mut self.scratch, n);
            }
            2 => {
                let _ = if n >= 1e9 {
                    write!(self.scratch, "€ {:.1} billion", n / 1e9)
                } else {
                    write!(self.scratch, "€ {:.1} million", n / 1e6)
                };
            }
            3 => grouped(&mut self.scratch, n as u64),
            4 => {
                self.scratch.push_str("USD ");
                compact(&mut self.scratch, n);
            }
            5 => {
                self.scratch.push('$');
                compact(&mut self.scratch, n);
                // A year note is read for revenue (money), not for other numbers.
                if key == "revenue" {
                    self.scratch.push_str(" (2025)");
                }
            }
            6 => self.scratch.push_str("n/a"),
            _ => {
                e.missing(key);
                return;
            }
        }
        e.str(key, &self.scratch);
    }

    fn write_country(&mut self, e: &mut Enc, key: &str, country: &Country) {
        match self.mess(5) {
            None => e.str(key, country.code),
            Some(0 | 1) => e.str(key, country.name),
            Some(2) => e.str(
                key,
                vocab::country_alias(country.code).unwrap_or(country.name),
            ),
            Some(3) => {
                self.scratch.clear();
                self.scratch.push_str(&country.name.to_uppercase());
                e.str(key, &self.scratch);
            }
            Some(_) => e.missing(key),
        }
    }

    fn write_founded(&mut self, e: &mut Enc, year: i64) {
        match self.mess(4) {
            None => e.int("founded", year),
            Some(0) => e.str("founded", "n/a"),
            Some(1) => e.missing("founded"),
            Some(2) => {
                self.scratch.clear();
                let _ = write!(self.scratch, "{year}-01-01");
                e.str("founded", &self.scratch);
            }
            Some(_) => {
                self.scratch.clear();
                let _ = write!(self.scratch, "{year}.0");
                e.str("founded", &self.scratch);
            }
        }
    }

    fn write_count(&mut self, e: &mut Enc, key: &str, n: f64) {
        match self.mess(3) {
            None => e.int(key, n as i64),
            Some(0) => e.missing(key),
            Some(1) => {
                self.scratch.clear();
                let _ = write!(self.scratch, "{n:.1}");
                e.str(key, &self.scratch);
            }
            Some(_) => {
                self.scratch.clear();
                let _ = write!(self.scratch, " {n} ");
                e.str(key, &self.scratch);
            }
        }
    }

    fn write_ratio(&mut self, e: &mut Enc, key: &str, x: f64) {
        match self.mess(2) {
            None => e.float(key, x, 2),
            Some(0) => e.missing(key),
            Some(_) => {
                // A decimal comma, as European spreadsheets write it.
                self.scratch.clear();
                let _ = write!(self.scratch, "{x:.2}");
                let s = self.scratch.replace('.', ",");
                e.str(key, &s);
            }
        }
    }

    fn write_date(&mut self, e: &mut Enc, key: &str, day: i64) {
        let (y, m, d) = civil_from_days(day);
        self.scratch.clear();
        let _ = match self.mess(5) {
            None => write!(self.scratch, "{y}-{m:02}-{d:02}"),
            Some(0) => write!(self.scratch, "{m:02}/{d:02}/{y}"),
            Some(1) => write!(self.scratch, "{d} {} {y}", MONTHS[m as usize - 1]),
            Some(2) => write!(self.scratch, "{y}-{m:02}-{d:02}T10:00:00Z"),
            Some(3) => write!(self.scratch, "{y}/{m:02}/{d:02}"),
            Some(_) => {
                e.missing(key);
                return;
            }
        };
        e.str(key, &self.scratch);
    }

    fn write_bool(&mut self, e: &mut Enc, key: &str, value: bool) {
        let forms: [(&str, &str); 4] = [("Yes", "No"), ("TRUE", "FALSE"), ("Y", "N"), ("1", "0")];
        match self.mess(5) {
            None => e.bool(key, value),
            Some(4) => e.missing(key),
            Some(f) => {
                let (t, n) = forms[f];
                e.str(key, if value { t } else { n });
            }
        }
    }
}

#[cfg(test)]
mod tests;
