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
//!
//! The files: this one holds the signal generator's state and its shared draws (dates, names,
//! emails); `funding`, `events` and `job_changes` draw the records of each plugin.

mod events;
mod funding;
mod job_changes;

use std::collections::HashSet;
use std::io::{self, Write};
use std::path::Path;

use job_changes::Mover;

use crate::company::push_email;
use crate::enc::{Enc, csv_field};
use crate::rng::{Rng, Weighted};
use crate::{
    Drawn, FLUSH_AT, GenOptions, Generator, REFERENCE_DATE, civil_from_days, days_from_civil, vocab,
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
    "seniority",
    "department",
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
pub(super) fn in_any(company: &Drawn, industries: &[&str]) -> bool {
    company.industries.iter().any(|i| industries.contains(i))
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
}

#[cfg(test)]
mod tests;
