//! The `events` signal plugin: who attended, sponsored or spoke at which conference or
//! webinar, read from a CSV file.
//!
//! How it works: `init` reads the file the `data` key of `[plugins.events]` names (relative to
//! `icp.toml`), with the columns `event,date,domain,email,role` (README.md gives the format).
//! Every row is checked — an empty event name, a bad date, a bad role, or neither a domain nor
//! an email is an error naming the file and line — and the records are indexed twice: by
//! normalised company domain ([`domain_key`]) and by lower-cased email. A signal gathers the
//! records of a lead with one hash lookup for its `company.domain` and one per
//! `contact.email`, counting a record matched both ways once, and reads only the records dated
//! on or before the run's as-of date, so a run with `--as-of` gives the same answers whenever
//! it runs.
//!
//! Semantics: a record counts for a lead when its domain is the lead's company domain or its
//! email is one of the lead's contacts' emails. Event names match ignoring case and
//! surrounding white space. An event in `count_within` is one name on one date, however many
//! people of the company were there. A window `within: 180d` holds the events at most 180
//! days old, the 180th day included. A lead is unknown when it has neither a domain nor any
//! contact email. The optional `covers` key names the companies the data covers ([`Coverage`];
//! all without it): a lead whose domain is not covered and none of whose records the file holds
//! is unknown too. A covered lead the file does not mention has attended nothing (false, 0).

use std::collections::HashMap;

use icp_plugin_api::sdk::{
    Config, Coverage, Date, Lead, Plugin, Result, Signal, Type, domain_key, read_csv,
};

const DOMAIN: &str = "company.domain";
const EMAIL: &str = "contact.email";

/// How someone took part in an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Attendee,
    Sponsor,
    Speaker,
}

impl Role {
    fn parse(text: &str) -> Option<Role> {
        match text.trim().to_ascii_lowercase().as_str() {
            "attendee" => Some(Role::Attendee),
            "sponsor" => Some(Role::Sponsor),
            "speaker" => Some(Role::Speaker),
            _ => None,
        }
    }
}

/// One row of the data file.
#[derive(Debug)]
struct Record {
    /// The event's name, as [`event_key`] gives it.
    event: String,
    date: Date,
    role: Role,
}

/// The plugin's state: the records, and their positions by domain and by email.
#[derive(Debug)]
pub struct Events {
    records: Vec<Record>,
    by_domain: HashMap<String, Vec<usize>>,
    by_email: HashMap<String, Vec<usize>>,
    coverage: Coverage,
}

/// An event name for comparisons: trimmed and lower case.
fn event_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// An email for lookups: trimmed and lower case.
fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

impl Events {
    /// The lead's records dated on or before the as-of date, each once; `None` when the lead
    /// has neither a domain nor a contact email, or when the data does not cover its domain
    /// and holds no record of it.
    fn records(&self, lead: &Lead<'_>) -> Option<Vec<&Record>> {
        let domain = lead.text(DOMAIN).map(domain_key).filter(|d| !d.is_empty());
        let emails: Vec<String> = lead
            .texts(EMAIL)
            .into_iter()
            .map(email_key)
            .filter(|e| !e.is_empty())
            .collect();
        if domain.is_none() && emails.is_empty() {
            return None;
        }
        let covered = domain.as_ref().is_some_and(|d| self.coverage.covers(d));
        let mut found: Vec<usize> = Vec::new();
        if let Some(ids) = domain.and_then(|d| self.by_domain.get(d.as_ref())) {
            found.extend(ids);
        }
        for email in &emails {
            if let Some(ids) = self.by_email.get(email) {
                found.extend(ids);
            }
        }
        if !covered && found.is_empty() && self.coverage != Coverage::All {
            return None;
        }
        found.sort_unstable();
        found.dedup();
        let today = lead.today();
        Some(
            found
                .into_iter()
                .map(|i| &self.records[i])
                .filter(|r| r.date <= today)
                .collect(),
        )
    }

    /// Whether the lead took part in the named event, in one of `roles` (all when empty).
    fn took_part(&self, lead: &Lead<'_>, name: Option<&str>, roles: &[Role]) -> Option<bool> {
        let name = event_key(name?);
        let records = self.records(lead)?;
        Some(
            records
                .iter()
                .any(|r| r.event == name && (roles.is_empty() || roles.contains(&r.role))),
        )
    }
}

impl Plugin for Events {
    const NAME: &'static str = "events";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DOC: &'static str = "Attendance, sponsorship and talks at conferences and webinars by the lead's company and contacts.";
    const CONFIG_KEYS: Option<&'static [&'static str]> = Some(&["data", "covers"]);

    fn init(config: &Config) -> Result<Self> {
        let path = config.path("data")?;
        let rows = read_csv(&path, &["event", "date", "role"], &["domain", "email"])?;
        let mut events = Events {
            records: Vec::with_capacity(rows.len()),
            by_domain: HashMap::new(),
            by_email: HashMap::new(),
            coverage: Coverage::read(config)?,
        };
        for row in rows {
            let event = event_key(row.get(0));
            if event.is_empty() {
                return Err(row.error("the event name is empty"));
            }
            let date = Date::parse(row.get(1))
                .ok_or_else(|| row.error(format!("`{}` is not a date (YYYY-MM-DD)", row.get(1))))?;
            let role = Role::parse(row.get(2)).ok_or_else(|| {
                row.error(format!(
                    "`{}` is not a role; expected attendee, sponsor or speaker",
                    row.get(2)
                ))
            })?;
            let domain = domain_key(row.get(3));
            let email = email_key(row.get(4));
            if domain.is_empty() && email.is_empty() {
                return Err(row.error("the row needs a domain or an email"));
            }
            let id = events.records.len();
            events.records.push(Record { event, date, role });
            if !domain.is_empty() {
                events.coverage.include(&domain);
                events
                    .by_domain
                    .entry(domain.into_owned())
                    .or_default()
                    .push(id);
            }
            if !email.is_empty() {
                events.by_email.entry(email).or_default().push(id);
            }
        }
        Ok(events)
    }

    fn signals() -> Vec<Signal<Self>> {
        vec![
            Signal::new("attended", Type::Bool)
                .doc("Whether the company or one of its contacts took part in the named event, in any role.")
                .param("name", Type::String)
                .input(DOMAIN)
                .input(EMAIL)
                .eval(|e: &Events, lead, args| Ok(e.took_part(lead, args.string("name"), &[]))),
            Signal::new("sponsored", Type::Bool)
                .doc("Whether the company or one of its contacts sponsored the named event.")
                .param("name", Type::String)
                .input(DOMAIN)
                .input(EMAIL)
                .eval(|e: &Events, lead, args| {
                    Ok(e.took_part(lead, args.string("name"), &[Role::Sponsor]))
                }),
            Signal::new("spoke_at", Type::Bool)
                .doc("Whether someone from the company spoke at the named event.")
                .param("name", Type::String)
                .input(DOMAIN)
                .input(EMAIL)
                .eval(|e: &Events, lead, args| {
                    Ok(e.took_part(lead, args.string("name"), &[Role::Speaker]))
                }),
            Signal::new("count_within", Type::Number)
                .doc("The number of different events the company or its contacts took part in within the given time, such as 180d.")
                .param("within", Type::Duration)
                .input(DOMAIN)
                .input(EMAIL)
                .eval(|e: &Events, lead, args| {
                    let Some(within) = args.duration("within") else {
                        return Ok(None);
                    };
                    let today = lead.today();
                    Ok(e.records(lead).map(|records| {
                        let mut seen: Vec<(&str, Date)> = records
                            .iter()
                            .filter(|r| f64::from(today.days_since(r.date)) <= within)
                            .map(|r| (r.event.as_str(), r.date))
                            .collect();
                        seen.sort_unstable();
                        seen.dedup();
                        seen.len()
                    }))
                }),
            Signal::new("attended_any", Type::Bool)
                .doc("Whether the company or one of its contacts took part in any of the listed events, in any role.")
                .param("names", Type::List)
                .input(DOMAIN)
                .input(EMAIL)
                .eval(|e: &Events, lead, args| {
                    let Some(names) = args.strings("names") else {
                        return Ok(None);
                    };
                    let names: Vec<String> = names.iter().map(|n| event_key(n)).collect();
                    Ok(e.records(lead)
                        .map(|records| records.iter().any(|r| names.contains(&r.event))))
                }),
        ]
    }
}

icp_plugin_api::export_plugin!(Events);
