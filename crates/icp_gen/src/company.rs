//! One company and its contacts, drawn from the data stream and written row by row.
//!
//! How it works: [`Generator::company`] first draws all of the company's facts from the data
//! stream (country, name and domain, industries, size and revenue, ownership, type,
//! technologies, tags, the customer fields), then writes its row column by column through the
//! writers of [`crate::messy`], which alone consume the messiness stream; then it draws each
//! contact and writes it, in the object (JSON Lines) or the contacts CSV. Contacts are drawn
//! even when they are not written, so the data never depends on where it goes. Domains and
//! emails are slugs of the drawn words (ASCII, lower case).

use std::fmt::Write as _;

use crate::enc::Enc;
use crate::rng::{Rng, Weighted};
use crate::{GenOptions, Generator, REFERENCE_DATE, days_from_civil, vocab};

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
    pub(crate) fn new(options: &GenOptions) -> Generator {
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

    /// One company, and its contacts; returns the number of contacts written.
    pub(crate) fn company(
        &mut self,
        i: u64,
        co: &mut Enc,
        ct: &mut Enc,
        write_contacts: bool,
    ) -> u32 {
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
            drawn.id.clone_from(&self.id);
            drawn.name.clone_from(&self.name);
            drawn.domain.clone_from(&self.domain);
            drawn.industries.clone_from(&industries);
            drawn.technologies.clone_from(&technologies);
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
pub(crate) fn push_email(out: &mut String, first: &str, last: &str, domain: Option<&str>) {
    slug(out, first);
    out.push('.');
    slug(out, last);
    if let Some(domain) = domain {
        out.push('@');
        out.push_str(domain);
    }
}
