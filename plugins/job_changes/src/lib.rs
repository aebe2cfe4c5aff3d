//! The `job_changes` signal plugin: people who joined, were promoted or changed teams at the
//! lead's company, and champions of past customers who joined it, read from CSV files.
//!
//! How it works: `init` reads the file the `data` key of `[plugins.job_changes]` names
//! (relative to `icp.toml`), with the columns `person,email,domain,date,kind,title,
//! seniority,department,previous_company` (the new role's seniority and department optional:
//! a missing seniority is inferred from the title, `role.rs`), and, when the optional `champions` key is set, the champions file with
//! the columns `email,name,customer` (README.md gives both formats). Every row is checked — a
//! bad date or kind, a change with neither a person nor an email, or with neither a domain
//! nor an email to take it from, a champion with neither an email nor a name — and an error
//! names the file and line. Each change is classified once, at `init`: whether its title is
//! executive ([`is_executive`]) and whether its person is a champion (their email is a
//! champion's email, else their name is a champion's name, ignoring case). The changes are
//! then indexed by normalised company domain ([`domain_key`]), each company's sorted by date,
//! so a signal is one hash lookup for the lead's `company.domain` and reads only the changes
//! dated on or before the run's as-of date: a run with `--as-of` gives the same answers
//! whenever it runs.
//!
//! `count` counts the changes in a window whose new role passes a [`role::RoleFilter`] (title
//! pattern, seniority at least, department) and, if given, are of one kind.
//!
//! Semantics: an *executive change* is a `joined` or `promoted` change to an executive title;
//! `new_exec_within` and `days_since_last_exec_hire` both read those, so
//! `new_exec_within(90d)` is true exactly when `days_since_last_exec_hire <= 90`. `new_team`
//! changes count for no signal of this version. A window `within: 90d` holds the changes at
//! most 90 days old, the 90th day included. The optional `covers` key names the companies the
//! data covers ([`Coverage`]; all without it). A lead with no domain, or whose company is not
//! covered, gets unknown from every signal; a covered company without changes has none (false,
//! 0, and unknown for `days_since_last_exec_hire`, which has no number to give). Without a
//! champions file, `champion_joined` is false for every covered lead.

use std::collections::{HashMap, HashSet};

use icp_plugin_api::sdk::{
    Config, Coverage, Date, Lead, Plugin, Result, Signal, Type, domain_key, read_csv,
};

pub mod role;

use role::{Patterns, Role, RoleFilter, Seniority, department_key, seniority_of_title};

const DOMAIN: &str = "company.domain";

/// The kind of a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Joined,
    Promoted,
    NewTeam,
}

impl Kind {
    fn parse(text: &str) -> Option<Kind> {
        match text.trim().to_ascii_lowercase().as_str() {
            "joined" => Some(Kind::Joined),
            "promoted" => Some(Kind::Promoted),
            "new_team" => Some(Kind::NewTeam),
            _ => None,
        }
    }
}

/// One change of the data file, classified.
#[derive(Debug)]
struct Change {
    date: Date,
    kind: Kind,
    /// A `joined` or `promoted` change to an executive title.
    executive: bool,
    /// The person is in the champions file.
    champion: bool,
    /// The role after the change.
    role: Role,
}

/// The plugin's state: every company's changes, oldest first, by normalised domain, the
/// companies the data covers, and the title patterns of `count` calls compiled so far.
#[derive(Debug)]
pub struct JobChanges {
    companies: HashMap<String, Vec<Change>>,
    coverage: Coverage,
    patterns: Patterns,
}

/// Whether a title is executive: it has the word Chief, a C-suite abbreviation (a word of
/// three letters C…O such as CEO, CFO, CTO, COO, CRO, or CISO, CHRO), VP (also SVP, EVP), Vice
/// President or President, or the words Head of or General Manager — ignoring case.
/// Directors, founders and managers are not executives here.
pub fn is_executive(title: &str) -> bool {
    let lower = title.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let c_suite = |w: &str| {
        (w.len() == 3 && w.starts_with('c') && w.ends_with('o') && w.is_ascii())
            || matches!(w, "ciso" | "chro")
    };
    words
        .iter()
        .any(|w| matches!(*w, "chief" | "vp" | "svp" | "evp" | "president") || c_suite(w))
        || words
            .windows(2)
            .any(|p| matches!(p, ["head", "of"] | ["general", "manager"]))
}

/// An email for comparisons: trimmed and lower case.
fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A name for comparisons: lower case, words separated by one space.
fn name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The champions of past customers, by email and by name.
#[derive(Debug, Default)]
struct Champions {
    emails: HashSet<String>,
    names: HashSet<String>,
}

impl Champions {
    fn read(config: &Config) -> Result<Champions> {
        let mut champions = Champions::default();
        let Some(path) = config.opt_path("champions")? else {
            return Ok(champions);
        };
        for row in read_csv(&path, &["email", "name"], &["customer"])? {
            let (email, name) = (email_key(row.get(0)), name_key(row.get(1)));
            if email.is_empty() && name.is_empty() {
                return Err(row.error("the champion needs an email or a name"));
            }
            if !email.is_empty() {
                champions.emails.insert(email);
            }
            if !name.is_empty() {
                champions.names.insert(name);
            }
        }
        Ok(champions)
    }

    /// Whether the person is a champion: by email if they have one that matches, else by name.
    fn contains(&self, email: &str, name: &str) -> bool {
        (!email.is_empty() && self.emails.contains(email))
            || (!name.is_empty() && self.names.contains(name))
    }
}

impl JobChanges {
    /// The changes at the lead's company dated on or before the as-of date, oldest first;
    /// `None` when the lead has no domain or the data does not cover its company.
    fn changes(&self, lead: &Lead<'_>) -> Option<&[Change]> {
        let domain = domain_key(lead.text(DOMAIN)?);
        if domain.is_empty() || !self.coverage.covers(&domain) {
            return None;
        }
        let all = self
            .companies
            .get(domain.as_ref())
            .map_or(&[][..], Vec::as_slice);
        let today = lead.today();
        Some(&all[..all.partition_point(|c| c.date <= today)])
    }

    /// Whether the lead has a change in the window of the call's `within` that `pick` accepts.
    fn any_within(
        &self,
        lead: &Lead<'_>,
        within: Option<f64>,
        pick: impl Fn(&Change) -> bool,
    ) -> Option<bool> {
        let within = within?;
        let today = lead.today();
        let changes = self.changes(lead)?;
        Some(
            changes
                .iter()
                .any(|c| pick(c) && in_window(today, c.date, within)),
        )
    }
}

/// Whether a change dated `date` is at most `within` days before `today` (the boundary
/// included); changes after `today` are already left out.
fn in_window(today: Date, date: Date, within: f64) -> bool {
    f64::from(today.days_since(date)) <= within
}

impl Plugin for JobChanges {
    const NAME: &'static str = "job_changes";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DOC: &'static str = "People who joined, were promoted or changed teams at the lead's company, and past customers' champions who joined it.";
    const CONFIG_KEYS: Option<&'static [&'static str]> = Some(&["data", "champions", "covers"]);

    fn init(config: &Config) -> Result<Self> {
        let path = config.path("data")?;
        let champions = Champions::read(config)?;
        let mut coverage = Coverage::read(config)?;
        let rows = read_csv(
            &path,
            &["person", "email", "domain", "date", "kind", "title"],
            &["seniority", "department"],
        )?;
        let mut companies: HashMap<String, Vec<Change>> = HashMap::new();
        for row in rows {
            let (person, email) = (name_key(row.get(0)), email_key(row.get(1)));
            if person.is_empty() && email.is_empty() {
                return Err(row.error("the change needs a person or an email"));
            }
            // The company: the domain, else the domain of the email.
            let domain = match domain_key(row.get(2)) {
                d if d.is_empty() => domain_key(email.rsplit_once('@').map_or("", |(_, d)| d)),
                d => d,
            };
            if domain.is_empty() {
                return Err(row.error("the change needs a domain or an email"));
            }
            let date = Date::parse(row.get(3))
                .ok_or_else(|| row.error(format!("`{}` is not a date (YYYY-MM-DD)", row.get(3))))?;
            let kind = Kind::parse(row.get(4)).ok_or_else(|| {
                row.error(format!(
                    "`{}` is not a kind; expected joined, promoted or new_team",
                    row.get(4)
                ))
            })?;
            let executive = kind != Kind::NewTeam && is_executive(row.get(5));
            let champion = champions.contains(&email, &person);
            let seniority = match row.get(6) {
                "" => seniority_of_title(row.get(5)),
                text => Seniority::parse(text).ok_or_else(|| {
                    row.error(format!(
                        "`{text}` is not a seniority; expected {}",
                        Seniority::expected()
                    ))
                })?,
            };
            let role = Role {
                title: row.get(5).to_string(),
                seniority,
                department: department_key(row.get(7)),
            };
            coverage.include(&domain);
            companies
                .entry(domain.into_owned())
                .or_default()
                .push(Change {
                    date,
                    kind,
                    executive,
                    champion,
                    role,
                });
        }
        for changes in companies.values_mut() {
            changes.sort_by_key(|c| c.date);
        }
        Ok(JobChanges {
            companies,
            coverage,
            patterns: Patterns::default(),
        })
    }

    fn signals() -> Vec<Signal<Self>> {
        vec![
            Signal::new("new_exec_within", Type::Bool)
                .doc("Whether an executive (Chief, C-level, VP, President, Head of, General Manager) joined or was promoted at the company within the given time, such as 90d.")
                .param("within", Type::Duration)
                .input(DOMAIN)
                .eval(|j: &JobChanges, lead, args| {
                    Ok(j.any_within(lead, args.duration("within"), |c| c.executive))
                }),
            Signal::new("promotions_within", Type::Number)
                .doc("The number of people promoted at the company within the given time, such as 90d.")
                .param("within", Type::Duration)
                .input(DOMAIN)
                .eval(|j: &JobChanges, lead, args| {
                    let Some(within) = args.duration("within") else {
                        return Ok(None);
                    };
                    let today = lead.today();
                    Ok(j.changes(lead).map(|changes| {
                        changes
                            .iter()
                            .filter(|c| c.kind == Kind::Promoted && in_window(today, c.date, within))
                            .count()
                    }))
                }),
            Signal::new("count", Type::Number)
                .doc("The number of people who took a role at the company within the given time, such as 90d, whose new title matches the `title` pattern (case-insensitive regular expression, such as \"data|analytics\"), whose seniority is at least `seniority` (such as \"Director\"), in department `department`, of kind `kind` (joined, promoted or new_team); each filter optional.")
                .param("within", Type::Duration)
                .optional_param("title", Type::String)
                .optional_param("seniority", Type::String)
                .optional_param("department", Type::String)
                .optional_param("kind", Type::String)
                .input(DOMAIN)
                .eval(|j: &JobChanges, lead, args| {
                    let Some(within) = args.duration("within") else {
                        return Ok(None);
                    };
                    let filter = RoleFilter::new(
                        &j.patterns,
                        args.string("title"),
                        args.string("seniority"),
                        args.string("department"),
                    )?;
                    let kind = args
                        .string("kind")
                        .map(|k| {
                            Kind::parse(k).ok_or_else(|| {
                                format!("count: `kind = \"{k}\"` is not a kind; expected joined, promoted or new_team")
                            })
                        })
                        .transpose()?;
                    let today = lead.today();
                    Ok(j.changes(lead).map(|changes| {
                        changes
                            .iter()
                            .filter(|c| {
                                kind.is_none_or(|k| c.kind == k)
                                    && in_window(today, c.date, within)
                                    && filter.accepts(&c.role)
                            })
                            .count()
                    }))
                }),
            Signal::new("days_since_last_exec_hire", Type::Number)
                .doc("Days since an executive last joined or was promoted at the company; unknown if none has.")
                .input(DOMAIN)
                .eval(|j: &JobChanges, lead, _| {
                    let today = lead.today();
                    Ok(j.changes(lead).and_then(|changes| {
                        changes
                            .iter()
                            .rev()
                            .find(|c| c.executive)
                            .map(|c| today.days_since(c.date))
                    }))
                }),
            Signal::new("champion_joined", Type::Bool)
                .doc("Whether someone who championed us at a past customer joined the company within the given time, such as 180d.")
                .param("within", Type::Duration)
                .input(DOMAIN)
                .eval(|j: &JobChanges, lead, args| {
                    Ok(j.any_within(lead, args.duration("within"), |c| {
                        c.champion && c.kind == Kind::Joined
                    }))
                }),
        ]
    }
}

icp_plugin_api::export_plugin!(JobChanges);
