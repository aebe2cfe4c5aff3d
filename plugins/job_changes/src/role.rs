//! The new role of a change, as `job_changes.count` filters it: its title, its seniority and
//! its department.
//!
//! How it works: a role's seniority is read from the data file's `seniority` column with the
//! spellings of `icp`'s `seniority` order (`icp_plugin_api::levels`, Individual Contributor < … <
//! C-Level; Apollo's `c_suite`, LinkedIn's `CXO`, `Head` as Director, …: the same levels and
//! aliases as `contact.seniority`), and when the column is empty it is inferred from the title
//! ([`seniority_of_title`]). A [`RoleFilter`] is built once per call from the signal's
//! arguments — the title a case-insensitive regular expression searched anywhere in the title
//! (`"data|analytics"`), the seniority a floor ("at least Director"), the department compared
//! ignoring case and spaces — and a bad pattern or an unknown seniority is an error naming the
//! argument. Compiled patterns are kept by their text, so each distinct pattern is compiled once
//! per run.

use std::collections::HashMap;
use std::sync::Mutex;

use icp_plugin_api::levels;
use icp_plugin_api::sdk::{Error, Result};
use regex::{Regex, RegexBuilder};

/// A seniority level, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Seniority {
    IndividualContributor,
    Manager,
    Director,
    Vp,
    CLevel,
}

impl Seniority {
    /// The level a spelling names, if any (`"Director"`, `"c_suite"`, `"VP"`): the levels and
    /// spellings of `icp`'s `seniority` order (`icp_plugin_api::levels`).
    pub fn parse(text: &str) -> Option<Seniority> {
        const LEVELS: [Seniority; 5] = [
            Seniority::IndividualContributor,
            Seniority::Manager,
            Seniority::Director,
            Seniority::Vp,
            Seniority::CLevel,
        ];
        levels::seniority_rank(text).map(|rank| LEVELS[rank])
    }

    /// The levels' names, for messages.
    pub fn expected() -> &'static str {
        "Individual Contributor, Manager, Director, VP or C-Level"
    }
}

/// The seniority a title implies: C-Level for Chief, a C-suite abbreviation (CEO, CFO, CISO…),
/// President, Founder, Owner; VP for VP, SVP, EVP or Vice President; Director for Director or
/// Head (of); Manager for Manager, Lead or Supervisor; else Individual Contributor. The highest
/// level a word names wins: `Founder & CEO` is C-Level, `VP, Head of Data` VP.
pub fn seniority_of_title(title: &str) -> Seniority {
    let lower = title.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let c_suite = |w: &str| {
        (w.len() == 3 && w.starts_with('c') && w.ends_with('o') && w.is_ascii())
            || matches!(w, "ciso" | "chro")
    };
    let level = |w: &&str| match *w {
        "chief" | "president" | "founder" | "cofounder" | "owner" => Seniority::CLevel,
        w if c_suite(w) => Seniority::CLevel,
        "vp" | "svp" | "evp" | "avp" => Seniority::Vp,
        "director" | "head" => Seniority::Director,
        "manager" | "lead" | "supervisor" => Seniority::Manager,
        _ => Seniority::IndividualContributor,
    };
    let vice_president = words.windows(2).any(|p| p == ["vice", "president"]);
    let highest = words
        .iter()
        .filter(|w| !(vice_president && **w == "president"))
        .map(level)
        .max()
        .unwrap_or(Seniority::IndividualContributor);
    if vice_president {
        highest.max(Seniority::Vp)
    } else {
        highest
    }
}

/// A department for comparisons: normalised like a seniority.
pub fn department_key(text: &str) -> String {
    levels::normalise(text)
}

/// The new role of a change.
#[derive(Debug)]
pub struct Role {
    pub title: String,
    pub seniority: Seniority,
    /// As [`department_key`] gives it; empty when the file does not say.
    pub department: String,
}

/// Which roles a call of `count` keeps; every part is optional.
#[derive(Debug, Default)]
pub struct RoleFilter {
    title: Option<Regex>,
    at_least: Option<Seniority>,
    department: Option<String>,
}

/// Compiled title patterns by their text, shared by the calls of a run.
#[derive(Debug, Default)]
pub struct Patterns(Mutex<HashMap<String, Regex>>);

impl Patterns {
    /// The pattern compiled case-insensitively, or an error naming it.
    fn get(&self, pattern: &str) -> Result<Regex> {
        let mut cache = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(regex) = cache.get(pattern) {
            return Ok(regex.clone());
        }
        let regex = RegexBuilder::new(pattern)
            .case_insensitive(true)
            .size_limit(1 << 20)
            .build()
            .map_err(|e| {
                Error(format!(
                    "count: `title = \"{pattern}\"` is not a valid pattern: {}",
                    last_line(&e.to_string())
                ))
            })?;
        cache.insert(pattern.to_string(), regex.clone());
        Ok(regex)
    }
}

/// The last line of a regex error, the one that says what is wrong.
fn last_line(text: &str) -> &str {
    text.lines().last().unwrap_or(text).trim()
}

impl RoleFilter {
    /// The filter of a call's `title`, `seniority` and `department` arguments.
    pub fn new(
        patterns: &Patterns,
        title: Option<&str>,
        seniority: Option<&str>,
        department: Option<&str>,
    ) -> Result<RoleFilter> {
        let title = title.map(|t| patterns.get(t)).transpose()?;
        let at_least = seniority
            .map(|s| {
                Seniority::parse(s).ok_or_else(|| {
                    Error(format!(
                        "count: `seniority = \"{s}\"` is not a seniority; expected {}",
                        Seniority::expected()
                    ))
                })
            })
            .transpose()?;
        Ok(RoleFilter {
            title,
            at_least,
            department: department.map(department_key),
        })
    }

    /// Whether the role passes every part of the filter.
    pub fn accepts(&self, role: &Role) -> bool {
        self.title.as_ref().is_none_or(|r| r.is_match(&role.title))
            && self.at_least.is_none_or(|floor| role.seniority >= floor)
            && self
                .department
                .as_ref()
                .is_none_or(|d| *d == role.department)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seniority_reads_the_orders_spellings() {
        assert_eq!(Seniority::parse("Director"), Some(Seniority::Director));
        assert_eq!(Seniority::parse("c_suite"), Some(Seniority::CLevel));
        assert_eq!(Seniority::parse(" C-Level "), Some(Seniority::CLevel));
        assert_eq!(Seniority::parse("head"), Some(Seniority::Director));
        assert_eq!(
            Seniority::parse("Entry"),
            Some(Seniority::IndividualContributor)
        );
        assert_eq!(Seniority::parse("Wizard"), None);
        assert!(Seniority::Director < Seniority::Vp);
    }

    #[test]
    fn titles_imply_a_seniority() {
        for (title, level) in [
            ("Chief Data Officer", Seniority::CLevel),
            ("Founder & CEO", Seniority::CLevel),
            ("VP of Analytics", Seniority::Vp),
            ("Vice President, Data", Seniority::Vp),
            ("President", Seniority::CLevel),
            ("Head of Data", Seniority::Director),
            ("Director of Data Engineering", Seniority::Director),
            ("Analytics Manager", Seniority::Manager),
            ("Data Analyst", Seniority::IndividualContributor),
            ("", Seniority::IndividualContributor),
        ] {
            assert_eq!(seniority_of_title(title), level, "{title}");
        }
    }

    #[test]
    fn a_filter_checks_title_seniority_and_department() {
        let patterns = Patterns::default();
        let role = |title: &str, department: &str| Role {
            title: title.to_string(),
            seniority: seniority_of_title(title),
            department: department_key(department),
        };
        let data_leader =
            RoleFilter::new(&patterns, Some("data|analytics"), Some("Director"), None)
                .expect("a filter");
        assert!(data_leader.accepts(&role("VP Data", "")));
        assert!(data_leader.accepts(&role("Head of ANALYTICS", "")));
        assert!(!data_leader.accepts(&role("Data Analyst", "")));
        assert!(!data_leader.accepts(&role("VP Sales", "")));
        let engineering = RoleFilter::new(&patterns, None, None, Some("engineering")).expect("ok");
        assert!(engineering.accepts(&role("CTO", " Engineering")));
        assert!(!engineering.accepts(&role("CTO", "")));
        assert!(RoleFilter::default().accepts(&role("anything", "")));
        let bad = RoleFilter::new(&patterns, Some("data("), None, None).expect_err("a bad regex");
        assert!(bad.0.contains("is not a valid pattern"), "{bad}");
        let bad = RoleFilter::new(&patterns, None, Some("Wizard"), None).expect_err("a level");
        assert!(
            bad.0
                .contains("`seniority = \"Wizard\"` is not a seniority"),
            "{bad}"
        );
    }
}
