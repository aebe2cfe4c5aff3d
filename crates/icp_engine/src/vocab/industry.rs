//! Industries: source taxonomies mapped onto one canonical set.
//!
//! How it works: `data/industries.txt` lists the canonical industries under `[canonical]` and,
//! under one section per [`Taxonomy`], each source label with the canonical industry it
//! means. [`IndustryMap::shipped`] parses it once into tables keyed by
//! [`label_key`](super::label_key). A project chooses the taxonomies its files use
//! ([`IndustryMap::select`]: `[input] industry_taxonomy`, or its preset's) and may add its own
//! labels ([`IndustryMap::extend`]: `[vocabulary.industry]`); with either, the reader replaces
//! every industry it reads by its canonical industry ([`IndustryMap::canonical_industry`]):
//! the project's labels first, then the chosen taxonomies in order, then the canonical names
//! themselves (any spelling of `Software` reads as `Software`). A label none of them knows is
//! kept as it was read. With neither, industries are read as they are.

use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

use super::label_key;

const DATA: &str = include_str!("../../data/industries.txt");

/// A source of industry labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Taxonomy {
    /// HubSpot's `industry` property (LinkedIn's legacy 147 industries and HubSpot's own).
    HubSpot,
    /// LinkedIn's industries (the 2022 taxonomy's main labels, and the legacy ones).
    LinkedIn,
    /// NAICS sectors, by two-digit code (or a longer code's first two digits) or title.
    Naics,
    /// Salesforce's standard Account Industry picklist.
    Salesforce,
}

impl Taxonomy {
    /// Every taxonomy, in the order `any` tries them.
    pub const ALL: [Taxonomy; 4] = [
        Taxonomy::HubSpot,
        Taxonomy::LinkedIn,
        Taxonomy::Naics,
        Taxonomy::Salesforce,
    ];

    /// The name `icp.toml` uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Taxonomy::HubSpot => "hubspot",
            Taxonomy::LinkedIn => "linkedin",
            Taxonomy::Naics => "naics",
            Taxonomy::Salesforce => "salesforce",
        }
    }

    /// The taxonomies an `industry_taxonomy` setting names: one taxonomy, `any` (all of
    /// them) or `none`. `None` when the name is none of these.
    pub fn parse_setting(name: &str) -> Option<Vec<Taxonomy>> {
        match name.trim().to_lowercase().as_str() {
            "any" => Some(Taxonomy::ALL.to_vec()),
            "none" => Some(Vec::new()),
            other => Taxonomy::ALL
                .into_iter()
                .find(|t| t.as_str() == other)
                .map(|t| vec![t]),
        }
    }

    /// The accepted settings, for messages.
    pub const SETTINGS: &'static str = "hubspot, linkedin, naics, salesforce, any, none";

    fn section(self) -> &'static str {
        self.as_str()
    }
}

impl fmt::Display for Taxonomy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Industry labels → canonical industries (indices into the canonical list).
#[derive(Debug, Clone, PartialEq)]
pub struct IndustryMap {
    /// The canonical industries as spelled, shipped ones first, then the project's.
    canonical: Vec<String>,
    /// Key of a canonical industry → its index.
    canonical_keys: HashMap<String, usize>,
    /// Per taxonomy (in [`Taxonomy::ALL`] order), label key → canonical index.
    tables: Vec<HashMap<String, usize>>,
    /// The project's own labels (`[vocabulary.industry]`).
    custom: HashMap<String, usize>,
    /// The taxonomies the project's files use.
    selected: Vec<Taxonomy>,
}

static SHIPPED: LazyLock<IndustryMap> =
    LazyLock::new(|| IndustryMap::parse(DATA).expect("the shipped industry data parses (tested)"));

impl IndustryMap {
    /// The shipped data, no taxonomy selected.
    pub fn shipped() -> IndustryMap {
        SHIPPED.clone()
    }

    fn parse(text: &str) -> Result<IndustryMap, String> {
        let mut map = IndustryMap {
            canonical: Vec::new(),
            canonical_keys: HashMap::new(),
            tables: vec![HashMap::new(); Taxonomy::ALL.len()],
            custom: HashMap::new(),
            selected: Vec::new(),
        };
        let mut section = String::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = name.to_string();
                continue;
            }
            if section == "canonical" {
                map.add_canonical(line);
                continue;
            }
            let taxonomy = Taxonomy::ALL
                .into_iter()
                .position(|t| t.section() == section)
                .ok_or_else(|| format!("line {}: unknown section [{section}]", n + 1))?;
            let (label, canonical) = line
                .rsplit_once('=')
                .ok_or_else(|| format!("line {}: expected `Label = Canonical`", n + 1))?;
            let index = *map
                .canonical_keys
                .get(&label_key(canonical))
                .ok_or_else(|| {
                    format!("line {}: `{}` is not canonical", n + 1, canonical.trim())
                })?;
            map.tables[taxonomy].insert(label_key(label), index);
        }
        Ok(map)
    }

    fn add_canonical(&mut self, name: &str) -> usize {
        let key = label_key(name);
        if let Some(&i) = self.canonical_keys.get(&key) {
            return i;
        }
        self.canonical.push(name.trim().to_string());
        self.canonical_keys.insert(key, self.canonical.len() - 1);
        self.canonical.len() - 1
    }

    /// Chooses the taxonomies the project's files use.
    pub fn select(&mut self, taxonomies: Vec<Taxonomy>) {
        self.selected = taxonomies;
    }

    /// The chosen taxonomies.
    pub fn selected(&self) -> &[Taxonomy] {
        &self.selected
    }

    /// Adds the project's label `label`, meaning the industry `canonical` (a new canonical
    /// industry when it is none of the shipped ones).
    pub fn extend(&mut self, label: &str, canonical: &str) {
        let index = self.add_canonical(canonical);
        self.custom.insert(label_key(label), index);
    }

    /// Whether industries are mapped as they are read: a taxonomy is chosen or the project
    /// has labels of its own.
    pub fn maps(&self) -> bool {
        !self.selected.is_empty() || !self.custom.is_empty()
    }

    /// The canonical industries, as spelled.
    pub fn canonical(&self) -> impl Iterator<Item = &str> {
        self.canonical.iter().map(String::as_str)
    }

    pub(super) fn is_canonical_key(&self, key: &str) -> bool {
        self.canonical_keys.contains_key(key)
    }

    /// The canonical industry a label read from a file means, when industries are mapped
    /// ([`IndustryMap::maps`]) and the label is known; `None` keeps the label as read.
    pub fn canonical_industry(&self, label: &str) -> Option<&str> {
        if !self.maps() {
            return None;
        }
        let key = label_key(label);
        let index = self.custom.get(&key).copied().or_else(|| {
            self.selected
                .iter()
                .find_map(|&t| self.in_taxonomy(t, &key))
                .or_else(|| self.canonical_keys.get(&key).copied())
        })?;
        Some(&self.canonical[index])
    }

    /// `value` with each text in it replaced by its canonical industry
    /// ([`IndustryMap::canonical_industry`]).
    pub fn canonical_value(&self, value: crate::schema::Value) -> crate::schema::Value {
        use crate::schema::Value;
        let map = |text: String| match self.canonical_industry(&text) {
            Some(canonical) => canonical.to_string(),
            None => text,
        };
        match value {
            Value::String(text) => Value::String(map(text)),
            Value::List(items) => Value::List(
                items
                    .into_iter()
                    .map(|item| match item {
                        Value::String(text) => Value::String(map(text)),
                        other => other,
                    })
                    .collect(),
            ),
            other => other,
        }
    }

    /// The canonical industry of `label` in any taxonomy, chosen or not (for suggestions).
    pub fn lookup_any(&self, label: &str) -> Option<&str> {
        let key = label_key(label);
        let index = self.custom.get(&key).copied().or_else(|| {
            Taxonomy::ALL
                .iter()
                .find_map(|&t| self.in_taxonomy(t, &key))
        })?;
        Some(&self.canonical[index])
    }

    fn in_taxonomy(&self, taxonomy: Taxonomy, key: &str) -> Option<usize> {
        let table = |t: Taxonomy| &self.tables[t as usize];
        match taxonomy {
            Taxonomy::LinkedIn => table(Taxonomy::LinkedIn)
                .get(key)
                .or_else(|| table(Taxonomy::HubSpot).get(key))
                .copied(),
            Taxonomy::Naics => {
                let digits =
                    key.len() >= 2 && key.len() <= 6 && key.bytes().all(|b| b.is_ascii_digit());
                let key = if digits { &key[..2] } else { key };
                table(Taxonomy::Naics).get(key).copied()
            }
            t => table(t).get(key).copied(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selected(taxonomies: &[Taxonomy]) -> IndustryMap {
        let mut map = IndustryMap::shipped();
        map.select(taxonomies.to_vec());
        map
    }

    #[test]
    fn the_shipped_data_parses_and_every_taxonomy_is_filled() {
        let map = IndustryMap::parse(DATA).unwrap();
        assert!(map.canonical.len() >= 20);
        assert!(map.tables[Taxonomy::HubSpot as usize].len() >= 145);
        for t in Taxonomy::ALL {
            assert!(map.tables[t as usize].len() >= 20, "{t}");
        }
    }

    #[test]
    fn hubspot_labels_and_internal_values_read_as_canonical() {
        let map = selected(&[Taxonomy::HubSpot]);
        assert_eq!(
            map.canonical_industry("Computer Software"),
            Some("Software")
        );
        assert_eq!(
            map.canonical_industry("COMPUTER_SOFTWARE"),
            Some("Software")
        );
        assert_eq!(
            map.canonical_industry("Hospital & Health Care"),
            Some("Healthcare")
        );
        assert_eq!(map.canonical_industry("GAMBLING_CASINOS"), Some("Gambling"));
        assert_eq!(map.canonical_industry("software"), Some("Software"));
        assert_eq!(map.canonical_industry("Underwater Basketry"), None);
    }

    #[test]
    fn nothing_is_mapped_without_a_taxonomy_or_labels() {
        let map = IndustryMap::shipped();
        assert!(!map.maps());
        assert_eq!(map.canonical_industry("Computer Software"), None);
    }

    #[test]
    fn naics_codes_read_by_their_sector() {
        let map = selected(&[Taxonomy::Naics]);
        assert_eq!(
            map.canonical_industry("541511"),
            Some("Professional Services")
        );
        assert_eq!(map.canonical_industry("52"), Some("Financial Services"));
        assert_eq!(
            map.canonical_industry("Finance and Insurance"),
            Some("Financial Services")
        );
        assert_eq!(map.canonical_industry("1234567"), None);
    }

    #[test]
    fn linkedin_knows_its_new_and_legacy_labels() {
        let map = selected(&[Taxonomy::LinkedIn]);
        assert_eq!(
            map.canonical_industry("Software Development"),
            Some("Software")
        );
        assert_eq!(
            map.canonical_industry("computer software"),
            Some("Software")
        );
    }

    #[test]
    fn project_labels_come_first_and_may_add_industries() {
        let mut map = selected(&[Taxonomy::HubSpot]);
        map.extend("Computer Software", "SaaS");
        map.extend("Payments", "Fintech");
        assert_eq!(map.canonical_industry("Computer Software"), Some("SaaS"));
        assert_eq!(map.canonical_industry("payments"), Some("Fintech"));
        assert!(map.canonical().any(|c| c == "SaaS"));
    }

    #[test]
    fn settings_name_one_taxonomy_all_or_none() {
        assert_eq!(
            Taxonomy::parse_setting("HubSpot"),
            Some(vec![Taxonomy::HubSpot])
        );
        assert_eq!(Taxonomy::parse_setting("any").unwrap().len(), 4);
        assert_eq!(Taxonomy::parse_setting("none"), Some(vec![]));
        assert_eq!(Taxonomy::parse_setting("sic"), None);
    }
}
