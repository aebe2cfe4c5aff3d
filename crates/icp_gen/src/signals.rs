//! Data for the signal plugins (`plugins/funding`, `plugins/events`, `plugins/job_changes`)
//! that matches a generated lead set: `icp gen --signals-dir DIR`.
//!
//! How it works: [`generate_signals`] replays the company generator with the same options, so
//! it sees the very companies, domains and contacts [`generate`](crate::generate) writes, and
//! draws each company's signal records from a random stream of its own (seeded from `seed`,
//! apart from the data and messiness streams): asking for signal data never changes a byte of
//! the companies or contacts, and the same options give the same signal files. Dates count
//! back from [`REFERENCE_DATE`] and never pass it. Values are clean and
//! canonical (domains and emails as the generator draws them), in the formats the plugins'
//! READMEs give.
//!
//! Shares, roughly: a quarter of the companies (four in ten of the software, internet, IT
//! services and fintech ones) have funding rounds, progressing from Seed or Series A with
//! growing amounts over the last six years, one in ten of them within 90 days; a few reach an
//! IPO, and a few companies have an acquisition or a divestment. 15% took part in editions
//! of twelve well-known conferences, chosen by industry (HIMSS for healthcare, Money20/20 for
//! fintech), mostly as attendees, some as sponsors or speakers, matched by domain, by contact
//! email or both. 10% have job changes of their contacts or of new people, a third of them
//! within 90 days, many of them executives. Three in ten customers have a champion (about 200 in
//! 3,000 companies): most are contacts of the customer, the rest have left it, and some of
//! those show up as `joined` at a later company — with a new work email (matched by name) or
//! with the personal email the champions file lists. No one else with a job change shares a
//! champion's name, so every match the plugin makes is one the data means.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;

use crate::enc::{Enc, csv_field};
use crate::rng::{Rng, Weighted};
use crate::{
    Drawn, FLUSH_AT, GenOptions, Generator, REFERENCE_DATE, civil_from_days, days_from_civil,
    push_email, vocab,
};

/// The columns of `funding.csv`.
pub const FUNDING_COLUMNS: &[&str] = &["domain", "date", "type", "amount_usd"];
/// The columns of `events.csv`.
pub const EVENTS_COLUMNS: &[&str] = &["event", "date", "domain", "email", "role"];
/// The columns of `job_changes.csv`.
pub const JOB_CHANGES_COLUMNS: &[&str] = &[
    "person",
    "email",
    "domain",
    "date",
    "kind",
    "title",
    "previous_company",
];
/// The columns of `champions.csv`.
pub const CHAMPIONS_COLUMNS: &[&str] = &["email", "name", "customer"];

/// The files [`write_signals`] writes.
pub const SIGNAL_FILES: [&str; 4] = [
    "funding.csv",
    "events.csv",
    "job_changes.csv",
    "champions.csv",
];

/// Where [`generate_signals`] writes each file.
pub struct SignalWriters<'a> {
    pub funding: &'a mut dyn Write,
    pub events: &'a mut dyn Write,
    pub job_changes: &'a mut dyn Write,
    pub champions: &'a mut dyn Write,
}

impl std::fmt::Debug for SignalWriters<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignalWriters").finish_non_exhaustive()
    }
}

/// Rows written to each file (headers not counted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SignalsReport {
    pub funding: u64,
    pub events: u64,
    pub job_changes: u64,
    pub champions: u64,
}

/// Funding stages in order, with the median amount raised in USD.
const STAGES: [(&str, f64); 7] = [
    ("Seed", 2.0e6),
    ("Series A", 12.0e6),
    ("Series B", 30.0e6),
    ("Series C", 60.0e6),
    ("Series D", 100.0e6),
    ("Series E", 160.0e6),
    ("Series F", 250.0e6),
];

/// Conferences: name, month and day of the yearly edition, and the industries it draws
/// most (none: every industry alike).
const EVENTS: &[(&str, u32, u32, &[&str])] = &[
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

/// Executive titles of people who join a company (the plugin counts each as executive).
const EXEC_TITLES: &[&str] = &[
    "Chief Revenue Officer",
    "CFO",
    "CTO",
    "COO",
    "Chief Information Officer",
    "VP Sales",
    "VP Marketing",
    "VP Engineering",
    "Head of RevOps",
    "Head of Data",
    "General Manager, EMEA",
    "President",
];

/// A champion who left their customer, waiting to join a later company.
struct Mover {
    first: &'static str,
    last: &'static str,
    /// The personal email the champions file lists, if it lists one.
    personal: Option<String>,
    customer: String,
}

/// The signal generator's state across companies.
struct SignalGen {
    rng: Rng,
    reference_day: i64,
    roles: Weighted<(&'static str, &'static str, &'static str)>,
    /// Lower-case names of every champion, and of everyone else with a job change: kept
    /// apart so a champion is matched by name only where the data means it.
    champion_names: HashSet<String>,
    changer_names: HashSet<String>,
    movers: Vec<Mover>,
    funding: Enc,
    events: Enc,
    job_changes: Enc,
    champions: Enc,
    report: SignalsReport,
}

/// Generates the four signal files for the lead set `options` describes, into `out`.
///
/// The same options give the same bytes, and the companies and contacts
/// [`generate`](crate::generate) writes for those options are unchanged by this call.
pub fn generate_signals(
    options: &GenOptions,
    mut out: SignalWriters<'_>,
) -> io::Result<SignalsReport> {
    if options.contacts_min > options.contacts_max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "contacts_min is above contacts_max",
        ));
    }
    // Messiness has a stream of its own and changes no drawn value: leave it out.
    let mut companies = Generator::new(&GenOptions {
        messy: 0.0,
        ..options.clone()
    });
    companies.drawn = Some(Drawn::default());
    let (mut co, mut ct) = (Enc::new(false), Enc::new(false));
    let mut g = SignalGen::new(options.seed);
    for i in 0..options.companies {
        companies.company(i, &mut co, &mut ct, false);
        co.buf.clear();
        if let Some(company) = &companies.drawn {
            g.company(company);
        }
        g.flush(&mut out, FLUSH_AT)?;
    }
    g.flush(&mut out, 0)?;
    for w in [out.funding, out.events, out.job_changes, out.champions] {
        w.flush()?;
    }
    Ok(g.report)
}

/// Writes [`SIGNAL_FILES`] into `dir` (created if needed) for the lead set `options`
/// describes; an error opening a file names it.
pub fn write_signals(options: &GenOptions, dir: &Path) -> io::Result<SignalsReport> {
    std::fs::create_dir_all(dir)?;
    let open = |name: &str| {
        std::fs::File::create(dir.join(name))
            .map(|file| io::BufWriter::with_capacity(1 << 16, file))
            .map_err(|e| io::Error::new(e.kind(), format!("{name}: {e}")))
    };
    let [funding, events, job_changes, champions] = SIGNAL_FILES;
    generate_signals(
        options,
        SignalWriters {
            funding: &mut open(funding)?,
            events: &mut open(events)?,
            job_changes: &mut open(job_changes)?,
            champions: &mut open(champions)?,
        },
    )
}

/// Whether the company is in one of these industries.
fn in_any(company: &Drawn, industries: &[&str]) -> bool {
    company.industries.iter().any(|i| industries.contains(i))
}

/// Whether `plugins/job_changes` counts the title as executive (its rule, restated).
fn is_exec(title: &str) -> bool {
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
    fn new(seed: u64) -> SignalGen {
        let (y, m, d) = REFERENCE_DATE;
        let mut g = SignalGen {
            rng: Rng::new(seed ^ 0x5167_4E41_15DA_7A00),
            reference_day: days_from_civil(y, m, d),
            roles: Weighted::new(vocab::ROLES),
            champion_names: HashSet::new(),
            changer_names: HashSet::new(),
            movers: Vec::new(),
            funding: Enc::new(false),
            events: Enc::new(false),
            job_changes: Enc::new(false),
            champions: Enc::new(false),
            report: SignalsReport::default(),
        };
        g.funding.header(FUNDING_COLUMNS);
        g.events.header(EVENTS_COLUMNS);
        g.job_changes.header(JOB_CHANGES_COLUMNS);
        g.champions.header(CHAMPIONS_COLUMNS);
        g
    }

    /// Writes out every buffer holding at least `at` bytes.
    fn flush(&mut self, out: &mut SignalWriters<'_>, at: usize) -> io::Result<()> {
        for (enc, w) in [
            (&mut self.funding, &mut *out.funding),
            (&mut self.events, &mut *out.events),
            (&mut self.job_changes, &mut *out.job_changes),
            (&mut self.champions, &mut *out.champions),
        ] {
            if enc.buf.len() >= at.max(1) {
                w.write_all(&enc.buf)?;
                enc.buf.clear();
            }
        }
        Ok(())
    }

    /// The signal records of one company.
    fn company(&mut self, company: &Drawn) {
        self.funding_rounds(company);
        self.conferences(company);
        self.changes(company);
        self.champion(company);
    }

    /// How many days before the reference date: within 90 days with probability `recent`,
    /// within 91 to 180 days with probability `fresh`, else up to `max` days.
    fn days_back(&mut self, recent: f64, fresh: f64, max: usize) -> i64 {
        let x = self.rng.f64();
        (if x < recent {
            self.rng.below(91)
        } else if x < recent + fresh {
            91 + self.rng.below(90)
        } else {
            181 + self.rng.below(max.saturating_sub(180).max(1))
        }) as i64
    }

    /// `YYYY-MM-DD` of the day `back` days before the reference date.
    fn date(&self, back: i64) -> String {
        let (y, m, d) = civil_from_days(self.reference_day - back);
        format!("{y}-{m:02}-{d:02}")
    }

    fn row(enc: &mut Enc, fields: &[&str]) {
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                enc.buf.push(b',');
            }
            csv_field(&mut enc.buf, field);
        }
        enc.buf.push(b'\n');
    }

    /// `first.last@domain`, as the generator writes contact emails.
    fn email(&mut self, first: &str, last: &str, domain: &str) -> String {
        let mut email = String::new();
        push_email(&mut email, first, last, Some(domain));
        email
    }

    /// A name drawn for someone new: no champion's, nor (for a champion) anyone's with a
    /// job change; `None` after a few tries.
    fn fresh_name(&mut self, for_champion: bool) -> Option<(&'static str, &'static str)> {
        for _ in 0..8 {
            let first = self.rng.pick(vocab::FIRST_NAMES);
            let last = self.rng.pick(vocab::LAST_NAMES);
            let key = format!("{first} {last}").to_lowercase();
            let taken = self.champion_names.contains(&key)
                || (for_champion && self.changer_names.contains(&key));
            if !taken {
                return Some((first, last));
            }
        }
        None
    }

    /// Funding rounds from Seed or Series A on, amounts growing, the last one most often
    /// months or years back; a few IPOs, acquisitions and divestments.
    fn funding_rounds(&mut self, company: &Drawn) {
        let tech = in_any(company, &["Software", "Internet", "IT Services", "Fintech"]);
        let mut records: Vec<(i64, &str, Option<f64>)> = Vec::new();
        if self.rng.chance(if tech { 0.40 } else { 0.18 }) {
            let n = 1 + self.rng.band(&[0.35, 0.60, 0.80, 0.92]);
            let first = usize::from(self.rng.chance(0.25));
            let last = (first + n - 1).min(STAGES.len() - 1);
            // The latest round first, each earlier one 8 to 20 months before it, none more
            // than six years back.
            let mut back = self.days_back(0.10, 0.10, 4 * 365);
            let mut dated = Vec::new();
            for stage in (first..=last).rev() {
                if back > 6 * 365 {
                    break;
                }
                dated.push((stage, back));
                back += 240 + self.rng.below(360) as i64;
            }
            let mut previous = 0.0_f64;
            for &(stage, back) in dated.iter().rev() {
                let (name, median) = STAGES[stage];
                let drawn = self.rng.log_normal(median, 0.45).max(previous * 1.4);
                let amount = (drawn / 1e5).round() * 1e5;
                previous = amount;
                let disclosed = !self.rng.chance(0.12);
                records.push((back, name, disclosed.then_some(amount)));
            }
            let latest = dated[0].1;
            if last >= 3 && self.rng.chance(0.25) {
                let after = 180 + self.rng.below(540) as i64;
                if latest > after {
                    let amount = (self.rng.log_normal(300e6, 0.6) / 1e6).round() * 1e6;
                    records.push((latest - after, "IPO", Some(amount)));
                }
            }
        }
        if self.rng.chance(0.025) {
            let back = self.days_back(0.15, 0.15, 6 * 365);
            records.push((back, "Acquisition", None));
        }
        if self.rng.chance(0.008) {
            let back = self.days_back(0.15, 0.15, 6 * 365);
            records.push((back, "Divestment", None));
        }
        records.sort_by_key(|r| std::cmp::Reverse(r.0));
        for (back, kind, amount) in records {
            let date = self.date(back);
            let amount = amount.map_or(String::new(), |a| format!("{a:.0}"));
            Self::row(&mut self.funding, &[&company.domain, &date, kind, &amount]);
            self.report.funding += 1;
        }
    }

    /// Editions of conferences of the company's industries (or of every industry).
    fn conferences(&mut self, company: &Drawn) {
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

    /// Job changes of the company's contacts or of new people, and champions joining.
    fn changes(&mut self, company: &Drawn) {
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
            let (first, last, title, kind) = if let Some(i) = contact {
                used.push(i);
                let (first, last, title) = company.contacts[i];
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
                (first, last, title, kind)
            } else {
                let Some((first, last)) = self.fresh_name(false) else {
                    continue;
                };
                let title = if self.rng.chance(0.55) {
                    self.rng.pick(EXEC_TITLES)
                } else {
                    self.roles.draw(&mut self.rng).0
                };
                let kind = if self.rng.chance(0.7) {
                    "joined"
                } else {
                    "promoted"
                };
                (first, last, title, kind)
            };
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
                ],
            );
            self.report.job_changes += 1;
            self.changer_names.insert(person.to_lowercase());
        }
        // A champion who left their customer joins this company.
        if !self.movers.is_empty() && self.rng.chance(0.2) {
            let mover = self.movers.swap_remove(self.rng.below(self.movers.len()));
            let back = self.days_back(0.40, 0.20, 2 * 365);
            let title = if self.rng.chance(0.7) {
                self.rng.pick(EXEC_TITLES)
            } else {
                self.roles.draw(&mut self.rng).0
            };
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
                ],
            );
            self.report.job_changes += 1;
        }
    }

    /// Three in ten customers have a champion: a contact, or someone who has left.
    fn champion(&mut self, company: &Drawn) {
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

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;
    use crate::tests::parse_csv;
    use crate::{COMPANY_COLUMNS, CONTACT_COLUMNS, generate};

    fn options(companies: u64, seed: u64) -> GenOptions {
        GenOptions {
            companies,
            seed,
            ..GenOptions::default()
        }
    }

    /// The four files, as text.
    fn signals(options: &GenOptions) -> [String; 4] {
        let mut bufs: [Vec<u8>; 4] = Default::default();
        let [funding, events, job_changes, champions] = &mut bufs;
        generate_signals(
            options,
            SignalWriters {
                funding,
                events,
                job_changes,
                champions,
            },
        )
        .expect("signals");
        bufs.map(|b| String::from_utf8(b).expect("utf-8"))
    }

    /// The rows of a file as maps from column to value, after checking its header.
    fn records(text: &str, columns: &[&str]) -> Vec<HashMap<String, String>> {
        let rows = parse_csv(text);
        assert_eq!(rows[0], columns, "header");
        rows[1..]
            .iter()
            .map(|row| {
                assert_eq!(row.len(), columns.len(), "{row:?}");
                columns
                    .iter()
                    .map(|c| c.to_string())
                    .zip(row.iter().cloned())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn same_options_same_bytes() {
        let o = options(800, 5);
        assert_eq!(signals(&o), signals(&o));
        assert_ne!(signals(&o), signals(&options(800, 6)));
        // Messiness changes how the companies are written, not what they are.
        let messy = GenOptions {
            messy: 0.4,
            ..o.clone()
        };
        assert_eq!(signals(&o), signals(&messy));
    }

    #[test]
    fn keeping_what_was_drawn_changes_no_company_or_contact() {
        let o = options(400, 11);
        let (mut companies, mut contacts) = (Vec::new(), Vec::new());
        generate(&o, &mut companies, Some(&mut contacts)).expect("generate");
        let mut g = Generator::new(&o);
        g.drawn = Some(Drawn::default());
        let (mut co, mut ct) = (Enc::new(false), Enc::new(false));
        co.header(COMPANY_COLUMNS);
        ct.header(CONTACT_COLUMNS);
        for i in 0..o.companies {
            g.company(i, &mut co, &mut ct, true);
        }
        assert!(co.buf == companies, "the companies changed");
        assert!(ct.buf == contacts, "the contacts changed");
    }

    #[test]
    fn domains_emails_and_names_are_the_generated_ones() {
        let o = GenOptions {
            messy: 0.0,
            ..options(2000, 7)
        };
        let (mut companies, mut contacts) = (Vec::new(), Vec::new());
        generate(&o, &mut companies, Some(&mut contacts)).expect("generate");
        let companies = records(
            &String::from_utf8(companies).expect("utf-8"),
            COMPANY_COLUMNS,
        );
        let contacts = records(
            &String::from_utf8(contacts).expect("utf-8"),
            CONTACT_COLUMNS,
        );
        let domains: HashSet<&str> = companies.iter().map(|c| c["domain"].as_str()).collect();
        let names: HashSet<&str> = companies.iter().map(|c| c["name"].as_str()).collect();
        let emails: HashSet<&str> = contacts.iter().map(|c| c["email"].as_str()).collect();
        let [funding, events, job_changes, champions] = signals(&o);

        let funding = records(&funding, FUNDING_COLUMNS);
        assert!(!funding.is_empty());
        for r in &funding {
            assert!(domains.contains(r["domain"].as_str()), "{r:?}");
        }
        let events = records(&events, EVENTS_COLUMNS);
        assert!(!events.is_empty());
        for r in &events {
            let (domain, email) = (r["domain"].as_str(), r["email"].as_str());
            assert!(!domain.is_empty() || !email.is_empty(), "{r:?}");
            assert!(domain.is_empty() || domains.contains(domain), "{r:?}");
            assert!(email.is_empty() || emails.contains(email), "{r:?}");
        }
        let job_changes = records(&job_changes, JOB_CHANGES_COLUMNS);
        assert!(!job_changes.is_empty());
        for r in &job_changes {
            let (domain, email) = (r["domain"].as_str(), r["email"].as_str());
            assert!(domains.contains(domain), "{r:?}");
            // A work email at the company (a contact's, or a new person's), or a champion's
            // personal one.
            assert!(
                email.is_empty()
                    || emails.contains(email)
                    || email.ends_with(&format!("@{domain}"))
                    || email.ends_with("@gmail.com"),
                "{r:?}"
            );
        }
        let champions = records(&champions, CHAMPIONS_COLUMNS);
        assert!(!champions.is_empty());
        for r in &champions {
            assert!(names.contains(r["customer"].as_str()), "{r:?}");
        }
    }

    #[test]
    fn shares_and_values_are_realistic() {
        let o = options(3000, 20_261_123);
        let [funding, events, job_changes, champions] = signals(&o);
        let (y, m, d) = REFERENCE_DATE;
        let reference = days_from_civil(y, m, d);
        let age = |date: &str| {
            let p: Vec<&str> = date.split('-').collect();
            let day = days_from_civil(
                p[0].parse().expect("year"),
                p[1].parse().expect("month"),
                p[2].parse().expect("day"),
            );
            assert!(day <= reference, "{date} is after the reference date");
            reference - day
        };
        let share = |domains: HashSet<String>| domains.len() as f64 / o.companies as f64;

        let funding = records(&funding, FUNDING_COLUMNS);
        let mut types = HashSet::new();
        let mut last_round: HashMap<String, i64> = HashMap::new();
        for r in &funding {
            types.insert(r["type"].clone());
            let a = age(&r["date"]);
            assert!(a <= 6 * 365, "{r:?}");
            if !matches!(r["type"].as_str(), "Acquisition" | "Divestment") {
                let last = last_round.entry(r["domain"].clone()).or_insert(a);
                *last = (*last).min(a);
            }
        }
        for t in [
            "Seed",
            "Series A",
            "Series B",
            "Series C",
            "IPO",
            "Acquisition",
        ] {
            assert!(types.contains(t), "no {t}");
        }
        let funded = last_round.len() as f64 / o.companies as f64;
        assert!((0.18..=0.32).contains(&funded), "{funded}");
        let recent = last_round.values().filter(|a| **a <= 90).count();
        assert!(recent >= 40, "{recent} rounds within 90 days");

        let events = records(&events, EVENTS_COLUMNS);
        let roles: HashSet<&str> = events.iter().map(|r| r["role"].as_str()).collect();
        assert_eq!(roles, HashSet::from(["attendee", "sponsor", "speaker"]));
        let names: HashSet<&str> = events.iter().map(|r| r["event"].as_str()).collect();
        assert_eq!(names.len(), EVENTS.len());
        let attended = share(
            events
                .iter()
                .map(|r| match r["domain"].as_str() {
                    "" => r["email"].rsplit_once('@').expect("email").1.to_string(),
                    d => d.to_string(),
                })
                .collect(),
        );
        assert!((0.10..=0.20).contains(&attended), "{attended}");
        events.iter().for_each(|r| {
            age(&r["date"]);
        });

        let job_changes = records(&job_changes, JOB_CHANGES_COLUMNS);
        let changed = share(job_changes.iter().map(|r| r["domain"].clone()).collect());
        assert!((0.06..=0.14).contains(&changed), "{changed}");
        let recent_execs = job_changes
            .iter()
            .filter(|r| r["kind"] != "new_team" && is_exec(&r["title"]) && age(&r["date"]) <= 90)
            .count();
        assert!(
            recent_execs >= 30,
            "{recent_execs} exec changes within 90 days"
        );
        let kinds: HashSet<&str> = job_changes.iter().map(|r| r["kind"].as_str()).collect();
        assert_eq!(kinds, HashSet::from(["joined", "promoted", "new_team"]));

        let champions = records(&champions, CHAMPIONS_COLUMNS);
        assert!(
            (150..=260).contains(&champions.len()),
            "{}",
            champions.len()
        );
        let by_email: HashSet<&str> = champions.iter().map(|r| r["email"].as_str()).collect();
        let by_name: HashSet<String> = champions.iter().map(|r| r["name"].to_lowercase()).collect();
        let joined: Vec<_> = job_changes
            .iter()
            .filter(|r| {
                r["kind"] == "joined"
                    && (by_email.contains(r["email"].as_str())
                        || by_name.contains(&r["person"].to_lowercase()))
            })
            .collect();
        assert!(joined.len() >= 20, "{} champions joined", joined.len());
        assert!(
            joined
                .iter()
                .any(|r| by_email.contains(r["email"].as_str()))
        );
        // Every match is a champion who left their customer for this company.
        let customer: HashMap<String, &str> = champions
            .iter()
            .map(|r| (r["name"].to_lowercase(), r["customer"].as_str()))
            .collect();
        for r in joined {
            assert_eq!(
                customer.get(&r["person"].to_lowercase()),
                Some(&r["previous_company"].as_str()),
                "{r:?}"
            );
        }
    }

    #[test]
    fn write_signals_writes_the_four_files() {
        let dir = std::env::temp_dir().join(format!("icp_gen_signals_{}", std::process::id()));
        let o = options(300, 3);
        let report = write_signals(&o, &dir.join("signals")).expect("write");
        let expected = signals(&o);
        for (name, text) in SIGNAL_FILES.iter().zip(&expected) {
            let written = std::fs::read_to_string(dir.join("signals").join(name)).expect("read");
            assert_eq!(&written, text, "{name}");
        }
        let rows = |text: &str| text.lines().count() as u64 - 1;
        assert_eq!(
            report,
            SignalsReport {
                funding: rows(&expected[0]),
                events: rows(&expected[1]),
                job_changes: rows(&expected[2]),
                champions: rows(&expected[3]),
            }
        );
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
