use std::collections::{HashMap, HashSet};

use super::events::EVENTS;
use super::job_changes::is_exec;
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
    // Every change says its new role's seniority and department, executives at Director or
    // above, and some data leaders are among them (`job_changes.count(title = "data")`).
    for r in &job_changes {
        assert!(
            !r["seniority"].is_empty() && !r["department"].is_empty(),
            "{r:?}"
        );
        if r["kind"] != "new_team" && is_exec(&r["title"]) {
            assert!(
                ["Director", "VP", "C-Level", "Owner"].contains(&r["seniority"].as_str()),
                "{r:?}"
            );
        }
    }
    assert!(
        job_changes
            .iter()
            .any(|r| r["title"].to_lowercase().contains("data") && r["seniority"] == "Director"),
        "no data leader moved"
    );

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
