//! Which companies a plugin's data covers: the line between "known: none" (the company is
//! covered and has no record — no round ever recorded) and "unknown" (the data does not cover
//! the company at all).
//!
//! How it works: a plugin that keys its data by company domain reads the optional `covers`
//! key of its `[plugins.NAME]` table with [`Coverage::read`]. Without the key every company is
//! covered: the data file is taken as complete, and a company it does not mention has no
//! records. With `covers = "data/covered.csv"` (a path relative to `icp.toml`, kept inside
//! the project like every data path) only the domains of that CSV's `domain` column, and the
//! companies the data file itself mentions ([`Coverage::include`]), are covered; any other
//! company gets unknown from every signal. Domains are compared by [`domain_key`], as the
//! plugins' lookups do. A lead file with a `domain` column (the leads themselves, or an export
//! of the provider's universe) serves as the list. The shipped plugins answer a covered
//! company with no record with a definite value — `false`, `0`, the text `"None"` — and an
//! uncovered one with unknown, so the run summary's "fields most often missing" lists only
//! what the data does not know.

use std::collections::HashSet;

use super::data::{Config, domain_key, read_csv};
use super::types::{Error, Result};

/// The configuration key naming the coverage file.
pub const COVERS_KEY: &str = "covers";

/// The companies a plugin's data covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Coverage {
    /// Every company: the data is complete.
    All,
    /// The listed domains, normalised by [`domain_key`].
    Listed(HashSet<String>),
}

impl Coverage {
    /// The coverage the configuration's `covers` key declares ([`Coverage::All`] without it).
    /// A file without a `domain` column, or with no domain at all, is an error naming it.
    pub fn read(config: &Config) -> Result<Coverage> {
        let Some(path) = config.opt_path(COVERS_KEY)? else {
            return Ok(Coverage::All);
        };
        let domains: HashSet<String> = read_csv(&path, &["domain"], &[])?
            .iter()
            .map(|row| domain_key(row.get(0)).into_owned())
            .filter(|d| !d.is_empty())
            .collect();
        if domains.is_empty() {
            return Err(Error(format!(
                "`{COVERS_KEY}`: {} lists no domain; leave the key out to cover every company",
                path.display()
            )));
        }
        Ok(Coverage::Listed(domains))
    }

    /// Adds a company the data mentions: a company with records is covered.
    pub fn include(&mut self, domain: &str) {
        if let Coverage::Listed(domains) = self {
            domains.insert(domain_key(domain).into_owned());
        }
    }

    /// Whether the data covers the company of `domain` (any spelling [`domain_key`] reads).
    pub fn covers(&self, domain: &str) -> bool {
        match self {
            Coverage::All => true,
            Coverage::Listed(domains) => domains.contains(domain_key(domain).as_ref()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn config(dir: &Path, json: &str) -> Config {
        Config::from_json(json, dir).expect("a configuration")
    }

    fn temp_dir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("icp-coverage-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("mkdir");
        dir
    }

    #[test]
    fn without_the_key_every_company_is_covered() {
        let dir = temp_dir("all");
        let coverage = Coverage::read(&config(&dir, "{}")).expect("coverage");
        assert_eq!(coverage, Coverage::All);
        assert!(coverage.covers("anything.example"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_coverage_file_lists_the_covered_domains_and_the_data_adds_its_own() {
        let dir = temp_dir("listed");
        std::fs::write(
            dir.join("covered.csv"),
            "id,domain\n1,https://www.Acme.com/about\n2,\n3,globex.io\n",
        )
        .expect("write");
        let mut coverage =
            Coverage::read(&config(&dir, r#"{"covers": "covered.csv"}"#)).expect("coverage");
        assert!(coverage.covers("acme.com"));
        assert!(coverage.covers("GLOBEX.io"));
        assert!(!coverage.covers("initech.com"));
        coverage.include("www.initech.com");
        assert!(coverage.covers("initech.com"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_coverage_file_without_domains_is_an_error() {
        let dir = temp_dir("bad");
        std::fs::write(dir.join("none.csv"), "domain\n\n").expect("write");
        std::fs::write(dir.join("other.csv"), "name\nAcme\n").expect("write");
        let empty = Coverage::read(&config(&dir, r#"{"covers": "none.csv"}"#)).expect_err("empty");
        assert!(empty.0.contains("lists no domain"), "{empty}");
        let other =
            Coverage::read(&config(&dir, r#"{"covers": "other.csv"}"#)).expect_err("no column");
        assert!(other.0.contains("no `domain` column"), "{other}");
        let missing =
            Coverage::read(&config(&dir, r#"{"covers": "nope.csv"}"#)).expect_err("missing");
        assert!(missing.0.contains("cannot read"), "{missing}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
