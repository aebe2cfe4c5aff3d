//! Job changes and champions for `plugins/job_changes`: `job_changes.csv` and
//! `champions.csv`.
//!
//! How it works: 10% of the companies have job changes of their contacts or of new people, a
//! third of them within 90 days, many of them executives. Three in ten customers have a
//! champion: most are contacts of the customer; the rest have left it ([`Mover`]), and some of
//! those join a later company, with a new work email or with the personal email the champions
//! file lists. Names drawn for new people avoid the champions' names, so every match the
//! plugin makes by name is one the data means. Each change carries its new role's seniority
//! and department (the roles vocabulary's for a contact's or a drawn title, the table's for an
//! executive title), appended as the last columns, so the rows' other fields and every other
//! file are drawn as before.

use std::fmt::Write as _;

use super::SignalGen;
use crate::company::push_email;
use crate::{Drawn, vocab};

/// Executive titles of people who join a company (the plugin counts each as executive), with
/// their seniority and department.
const EXEC_TITLES: &[(&str, &str, &str)] = &[
    ("Chief Revenue Officer", "C-Level", "Sales"),
    ("CFO", "C-Level", "Finance"),
    ("CTO", "C-Level", "Engineering"),
    ("COO", "C-Level", "Operations"),
    ("Chief Information Officer", "C-Level", "IT"),
    ("VP Sales", "VP", "Sales"),
    ("VP Marketing", "VP", "Marketing"),
    ("VP Engineering", "VP", "Engineering"),
    ("Head of RevOps", "Director", "Operations"),
    ("Head of Data", "Director", "Data"),
    ("General Manager, EMEA", "VP", "Management"),
    ("President", "C-Level", "Executive"),
];

/// A champion who left their customer, waiting to join a later company.
pub(super) struct Mover {
    first: &'static str,
    last: &'static str,
    /// The personal email the champions file lists, if it lists one.
    personal: Option<String>,
    customer: String,
}

/// Whether `plugins/job_changes` counts the title as executive (its rule, restated).
pub(super) fn is_exec(title: &str) -> bool {
    let lower = title.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    words.iter().any(|w| {
        matches!(
            *w,
            "chief" | "vp" | "svp" | "evp" | "president" | "ciso" | "chro"
        ) || (w.len() == 3 && w.starts_with('c') && w.ends_with('o'))
    }) || words
        .windows(2)
        .any(|p| matches!(p, ["head", "of"] | ["general", "manager"]))
}

impl SignalGen {
    /// Job changes of the company's contacts or of new people, and champions joining.
    pub(super) fn changes(&mut self, company: &Drawn) {
        if !self.rng.chance(0.10) {
            return;
        }
        let n = 1 + self.rng.band(&[0.55, 0.85]);
        let mut used: Vec<usize> = Vec::new();
        for _ in 0..n {
            let back = self.days_back(0.35, 0.15, 3 * 365);
            let contact = if !company.contacts.is_empty() && self.rng.chance(0.6) {
                let i = self.rng.below(company.contacts.len());
                let (first, last, _) = company.contacts[i];
                let key = format!("{first} {last}").to_lowercase();
                (!used.contains(&i) && !self.champion_names.contains(&key)).then_some(i)
            } else {
                None
            };
            let (first, last, role, kind) = if let Some(i) = contact {
                used.push(i);
                let (first, last, title) = company.contacts[i];
                let (seniority, department) = vocab::role_of(title).unwrap_or(("", ""));
                let role = (title, seniority, department);
                let x = self.rng.f64();
                let kind = if is_exec(title) {
                    if x < 0.6 { "joined" } else { "promoted" }
                } else if x < 0.4 {
                    "joined"
                } else if x < 0.8 {
                    "promoted"
                } else {
                    "new_team"
                };
                (first, last, role, kind)
            } else {
                let Some((first, last)) = self.fresh_name(false) else {
                    continue;
                };
                let role = self.new_role(0.55);
                let kind = if self.rng.chance(0.7) {
                    "joined"
                } else {
                    "promoted"
                };
                (first, last, role, kind)
            };
            let (title, seniority, department) = role;
            let previous = if kind == "joined" && self.rng.chance(0.8) {
                let word = self.rng.pick(vocab::NAME_WORDS);
                let suffix = self.rng.pick(vocab::NAME_SUFFIXES);
                format!("{word} {suffix}")
            } else {
                String::new()
            };
            let person = format!("{first} {last}");
            let email = if contact.is_some() || self.rng.chance(0.8) {
                self.email(first, last, &company.domain)
            } else {
                String::new()
            };
            let date = self.date(back);
            Self::row(
                &mut self.job_changes,
                &[
                    &person,
                    &email,
                    &company.domain,
                    &date,
                    kind,
                    title,
                    &previous,
                    seniority,
                    department,
                ],
            );
            self.report.job_changes += 1;
            self.changer_names.insert(person.to_lowercase());
        }
        // A champion who left their customer joins this company.
        if !self.movers.is_empty() && self.rng.chance(0.2) {
            let mover = self.movers.swap_remove(self.rng.below(self.movers.len()));
            let back = self.days_back(0.40, 0.20, 2 * 365);
            let (title, seniority, department) = self.new_role(0.7);
            let email = match &mover.personal {
                Some(email) => email.clone(),
                None => self.email(mover.first, mover.last, &company.domain),
            };
            let person = format!("{} {}", mover.first, mover.last);
            let date = self.date(back);
            Self::row(
                &mut self.job_changes,
                &[
                    &person,
                    &email,
                    &company.domain,
                    &date,
                    "joined",
                    title,
                    &mover.customer,
                    seniority,
                    department,
                ],
            );
            self.report.job_changes += 1;
        }
    }

    /// The title, seniority and department of someone new: an executive with probability
    /// `executive`, else a role of the vocabulary.
    fn new_role(&mut self, executive: f64) -> (&'static str, &'static str, &'static str) {
        if self.rng.chance(executive) {
            self.rng.pick(EXEC_TITLES)
        } else {
            self.roles.draw(&mut self.rng)
        }
    }

    /// Three in ten customers have a champion: a contact, or someone who has left.
    pub(super) fn champion(&mut self, company: &Drawn) {
        if !company.customer || !self.rng.chance(0.3) {
            return;
        }
        if !company.contacts.is_empty() && self.rng.chance(0.85) {
            let (first, last, _) = self.rng.pick(&company.contacts);
            let name = format!("{first} {last}");
            let key = name.to_lowercase();
            if self.changer_names.contains(&key) || self.champion_names.contains(&key) {
                return;
            }
            let email = self.email(first, last, &company.domain);
            Self::row(&mut self.champions, &[&email, &name, &company.name]);
            self.champion_names.insert(key);
        } else {
            let Some((first, last)) = self.fresh_name(true) else {
                return;
            };
            let personal = self.rng.chance(0.25).then(|| {
                let mut email = String::new();
                push_email(&mut email, first, last, None);
                let _ = write!(email, "{}@gmail.com", 10 + self.rng.below(90));
                email
            });
            let email = match &personal {
                Some(email) => email.clone(),
                None => self.email(first, last, &company.domain),
            };
            let name = format!("{first} {last}");
            Self::row(&mut self.champions, &[&email, &name, &company.name]);
            self.champion_names.insert(name.to_lowercase());
            self.movers.push(Mover {
                first,
                last,
                personal,
                customer: company.name.clone(),
            });
        }
        self.report.champions += 1;
    }
}
