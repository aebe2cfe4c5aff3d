//! Conference attendance for `plugins/events`: `events.csv`.
//!
//! How it works: 15% of the companies took part in one to three editions of twelve well-known
//! yearly conferences, drawn with weights by the company's industries (HIMSS for healthcare,
//! Money20/20 for fintech; some conferences draw every industry alike), from the last few
//! years and never after the reference date; mostly as attendees, some as speakers, large
//! companies also as sponsors. A record names one or two of the company's contacts, by email,
//! by domain or both, or only the company's domain when it has no contacts.

use super::{SignalGen, in_any};
use crate::{Drawn, REFERENCE_DATE, days_from_civil};

/// Conferences: name, month and day of the yearly edition, and the industries it draws
/// most (none: every industry alike).
pub(super) const EVENTS: &[(&str, u32, u32, &[&str])] = &[
    ("SaaStr Annual", 9, 9, &["Software", "Internet"]),
    ("Dreamforce", 10, 14, &[]),
    (
        "AWS re:Invent",
        12,
        1,
        &["Software", "Internet", "IT Services"],
    ),
    ("Web Summit", 11, 10, &[]),
    (
        "HIMSS Global Conference",
        3,
        10,
        &["Healthcare", "Hospital & Health Care", "Pharmaceuticals"],
    ),
    ("Gartner IT Symposium/Xpo", 10, 19, &[]),
    (
        "Money20/20",
        10,
        25,
        &["Fintech", "Financial Services", "Banking", "Insurance"],
    ),
    (
        "RSA Conference",
        4,
        28,
        &["Software", "IT Services", "Telecommunications"],
    ),
    (
        "INBOUND",
        9,
        3,
        &["Marketing & Advertising", "Media", "E-commerce"],
    ),
    (
        "Snowflake Summit",
        6,
        2,
        &["Software", "Internet", "Fintech"],
    ),
    (
        "NRF Big Show",
        1,
        12,
        &["Retail", "E-commerce", "Consumer Goods"],
    ),
    (
        "Google Cloud Next",
        4,
        9,
        &["Software", "Internet", "IT Services", "Logistics"],
    ),
];

impl SignalGen {
    /// Editions of conferences of the company's industries (or of every industry).
    pub(super) fn conferences(&mut self, company: &Drawn) {
        if !self.rng.chance(0.15) {
            return;
        }
        let n = 1 + self.rng.band(&[0.65, 0.90]);
        let weights: Vec<usize> = EVENTS
            .iter()
            .map(|(_, _, _, industries)| match industries {
                [] => 3,
                _ if in_any(company, industries) => 9,
                _ => 1,
            })
            .collect();
        let total: usize = weights.iter().sum();
        let (year, _, _) = REFERENCE_DATE;
        let mut seen: Vec<(usize, i32)> = Vec::new();
        for _ in 0..n {
            let mut r = self.rng.below(total);
            let event = weights
                .iter()
                .position(|w| {
                    let hit = r < *w;
                    r = r.saturating_sub(*w);
                    hit
                })
                .unwrap_or(0);
            let (name, month, day, _) = EVENTS[event];
            let mut edition = year - self.rng.band(&[0.45, 0.75, 0.92]) as i32;
            if days_from_civil(edition, month, day) > self.reference_day {
                edition -= 1;
            }
            if seen.contains(&(event, edition)) {
                continue;
            }
            seen.push((event, edition));
            let date = format!("{edition}-{month:02}-{day:02}");
            let role = if company.employees >= 200.0 && self.rng.chance(0.2) {
                "sponsor"
            } else if self.rng.chance(0.1) {
                "speaker"
            } else {
                "attendee"
            };
            // Who was there: one or two contacts (by email, domain or both), else the company.
            let contacts = &company.contacts;
            if contacts.is_empty() {
                Self::row(&mut self.events, &[name, &date, &company.domain, "", role]);
                self.report.events += 1;
                continue;
            }
            let people = (1 + usize::from(self.rng.chance(0.3))).min(contacts.len());
            let start = self.rng.below(contacts.len());
            for k in 0..people {
                let (first, last, _) = contacts[(start + k) % contacts.len()];
                let email = self.email(first, last, &company.domain);
                let (domain, email) = match self.rng.band(&[0.60, 0.85]) {
                    0 => (company.domain.as_str(), email.as_str()),
                    1 => ("", email.as_str()),
                    _ => (company.domain.as_str(), ""),
                };
                Self::row(&mut self.events, &[name, &date, domain, email, role]);
                self.report.events += 1;
            }
        }
    }
}
