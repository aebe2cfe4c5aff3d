//! Regions and sales territories: `region("DACH")` is the list of the region's countries.
//!
//! How it works: `data/regions.txt` defines each region as a list of members, ISO-3166
//! alpha-2 codes or regions defined before it (UN M49's regions and sub-regions first, then
//! sales territories such as DACH, EMEA or APAC). [`Regions::shipped`] expands every region
//! into its sorted, distinct alpha-2 codes once. `icp.toml`'s `[regions]` table adds regions
//! or replaces shipped ones ([`Regions::define`]); a member there may also be a country's
//! name (`"Germany"`). Names are looked up by [`label_key`](super::label_key), so case and
//! punctuation do not matter.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use super::label_key;
use crate::semantics;

const DATA: &str = include_str!("../../data/regions.txt");

/// One region: its name as spelled and its countries' alpha-2 codes (upper case, sorted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub name: String,
    pub countries: Vec<String>,
}

/// Region names → countries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Regions {
    by_key: BTreeMap<String, Region>,
}

static SHIPPED: LazyLock<Regions> = LazyLock::new(|| {
    let mut regions = Regions {
        by_key: BTreeMap::new(),
    };
    for line in DATA.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let (name, members) = line.split_once('=').expect("`Name = members` (tested)");
        let members: Vec<&str> = members.split(',').map(str::trim).collect();
        regions
            .define(name.trim(), &members)
            .expect("the shipped regions are valid (tested)");
    }
    regions
});

impl Regions {
    /// The shipped regions.
    pub fn shipped() -> Regions {
        SHIPPED.clone()
    }

    /// Defines (or redefines) the region `name` as the union of `members`: alpha-2 codes,
    /// countries' names, or regions already defined. The error names the member that is none
    /// of these.
    pub fn define(&mut self, name: &str, members: &[&str]) -> Result<(), String> {
        let mut countries = Vec::new();
        for member in members {
            if let Some(region) = self.get(member) {
                countries.extend(region.countries.iter().cloned());
            } else if let Some(code) = country_code(member) {
                countries.push(code);
            } else {
                return Err(format!(
                    "`{member}` is neither a country (an ISO-3166 code or English name) nor a region"
                ));
            }
        }
        countries.sort();
        countries.dedup();
        self.by_key.insert(
            label_key(name),
            Region {
                name: name.trim().to_string(),
                countries,
            },
        );
        Ok(())
    }

    /// The region called `name` (any case or punctuation).
    pub fn get(&self, name: &str) -> Option<&Region> {
        self.by_key.get(&label_key(name))
    }

    /// Every region's name, as spelled.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_key.values().map(|r| r.name.as_str())
    }
}

/// The alpha-2 code (upper case) of a country's code or English name.
fn country_code(text: &str) -> Option<String> {
    semantics::country_alpha2(text).map(str::to_uppercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(name: &str) -> Vec<String> {
        Regions::shipped().get(name).unwrap().countries.clone()
    }

    #[test]
    fn territories_list_their_countries() {
        assert_eq!(codes("DACH"), ["AT", "CH", "DE"]);
        assert_eq!(codes("benelux"), ["BE", "LU", "NL"]);
        assert_eq!(codes("Nordics"), ["DK", "FI", "IS", "NO", "SE"]);
        assert_eq!(codes("EU").len(), 27);
        assert_eq!(codes("EEA").len(), 30);
        assert_eq!(codes("North America"), ["CA", "US"]);
    }

    #[test]
    fn m49_regions_are_the_union_of_their_sub_regions() {
        let europe = codes("Europe");
        for sub in [
            "Western Europe",
            "Northern Europe",
            "Southern Europe",
            "Eastern Europe",
        ] {
            assert!(codes(sub).iter().all(|c| europe.contains(c)), "{sub}");
        }
        assert_eq!(codes("western-europe"), codes("Western Europe"));
        assert!(codes("Western Europe").contains(&"FR".to_string()));
        assert!(!codes("Western Europe").contains(&"GB".to_string()));
        assert!(codes("EMEA").contains(&"ZA".to_string()));
        assert!(codes("APAC").contains(&"AU".to_string()));
        assert!(codes("LATAM").contains(&"BR".to_string()));
    }

    #[test]
    fn every_shipped_code_is_an_iso_country() {
        let regions = Regions::shipped();
        for name in regions.names() {
            for code in &regions.get(name).unwrap().countries {
                assert!(
                    <celes::Country as std::str::FromStr>::from_str(code).is_ok(),
                    "{name}: {code}"
                );
            }
        }
    }

    #[test]
    fn projects_define_regions_by_code_name_or_region() {
        let mut regions = Regions::shipped();
        regions
            .define("My Territory", &["DE", "France", "Benelux"])
            .unwrap();
        assert_eq!(
            codes_of(&regions, "my territory"),
            ["BE", "DE", "FR", "LU", "NL"]
        );
        let err = regions.define("Bad", &["Atlantis"]).unwrap_err();
        assert!(err.contains("`Atlantis`"), "{err}");
    }

    fn codes_of(regions: &Regions, name: &str) -> Vec<String> {
        regions.get(name).unwrap().countries.clone()
    }
}
