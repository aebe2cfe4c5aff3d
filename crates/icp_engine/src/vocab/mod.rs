//! Vocabularies: the words revenue teams' data uses for industries, seniorities, departments,
//! ownership and institution types, and the regions and sales territories countries fall in.
//!
//! How it works: the data is shipped in `crates/icp_engine/data/` and embedded with
//! `include_str!`; a [`Vocabulary`] is built from it once and extended by `icp.toml`
//! (`[vocabulary.industry]`, `[regions]`). Every label is looked up by its [`label_key`] — its
//! words, lower-cased, without punctuation or the word "and" — so `Computer Software`,
//! `COMPUTER_SOFTWARE` and `computer software` are one label.
//!
//! - Industries ([`industry`]): a source taxonomy (HubSpot, LinkedIn, NAICS, Salesforce) maps
//!   its labels onto one canonical set; the reader applies it to every field of kind
//!   `industry` as the cell is read ([`Vocabulary::canonical_industry`]).
//! - Categories ([`Category`]): the known values of a categorical field, which `icp check`
//!   compares string constants against (warning `W0113`, with a did-you-mean).
//! - Regions ([`regions`]): `region("DACH")` is the list of the region's ISO alpha-2 codes.
//!
//! The schema carries one vocabulary ([`crate::Schema::vocabulary`]), so the checker, the
//! readers and the evaluators see the same one.

pub mod industry;
pub mod regions;
pub mod unmatched;

use std::fmt;

use serde::Serialize;

pub use industry::{IndustryMap, Taxonomy};
pub use regions::Regions;

/// The lookup key of a label: its alphanumeric words, lower-cased, joined by one space, with
/// the word "and" left out (`Food & Beverages` and `FOOD_AND_BEVERAGES` are both
/// `food beverages`).
pub fn label_key(label: &str) -> String {
    let mut key = String::with_capacity(label.len());
    for word in label
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let word = word.to_lowercase();
        if word == "and" {
            continue;
        }
        if !key.is_empty() {
            key.push(' ');
        }
        key.push_str(&word);
    }
    key
}

/// A categorical field's vocabulary: the values `icp check` knows for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// The canonical industries (see [`industry`]).
    Industry,
    /// A contact's seniority.
    Seniority,
    /// A contact's department.
    Department,
    /// A company's ownership.
    Ownership,
    /// A company's institution type (`company.type`).
    InstitutionType,
}

impl Category {
    /// How messages name the vocabulary.
    pub fn describe(self) -> &'static str {
        match self {
            Category::Industry => "canonical industry",
            Category::Seniority => "seniority",
            Category::Department => "department",
            Category::Ownership => "ownership",
            Category::InstitutionType => "institution type",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// Known seniorities: the levels CRMs and data vendors export (Apollo's `c_suite`, `vp`, …,
/// HubSpot's and LinkedIn's titles).
const SENIORITIES: &[&str] = &[
    "C-Level",
    "C-Suite",
    "Founder",
    "Owner",
    "Partner",
    "VP",
    "Head",
    "Director",
    "Manager",
    "Senior",
    "Entry",
    "Intern",
    "Individual Contributor",
    "Executive",
    "Staff",
    "Lead",
    "Principal",
];

/// Known departments (functions).
const DEPARTMENTS: &[&str] = &[
    "Engineering",
    "Product",
    "Design",
    "Data",
    "IT",
    "Security",
    "Sales",
    "Marketing",
    "Customer Success",
    "Support",
    "Operations",
    "Finance",
    "Accounting",
    "Legal",
    "HR",
    "Human Resources",
    "People",
    "People Operations",
    "Administrative",
    "Executive",
    "Procurement",
    "Purchasing",
    "Research",
    "Education",
    "Medical",
    "Consulting",
    "Business Development",
];

/// Known ownership forms.
const OWNERSHIPS: &[&str] = &[
    "Public",
    "Private",
    "Subsidiary",
    "Private Equity",
    "Venture Backed",
    "Nonprofit",
    "Government",
    "Cooperative",
    "Family Owned",
    "Partnership",
    "Educational",
    "Other",
];

/// Known institution types.
const INSTITUTION_TYPES: &[&str] = &[
    "Company",
    "Hospital",
    "Health System",
    "Clinic",
    "University",
    "College",
    "School",
    "Agency",
    "Nonprofit",
    "Government",
    "Association",
    "Foundation",
    "Practice",
];

/// The vocabularies of one project: the shipped data, extended by `icp.toml`.
#[derive(Debug, Clone, PartialEq)]
pub struct Vocabulary {
    /// Industry labels → canonical industries.
    pub industries: IndustryMap,
    /// Region names → countries.
    pub regions: Regions,
}

impl Default for Vocabulary {
    fn default() -> Self {
        Vocabulary {
            industries: IndustryMap::shipped(),
            regions: Regions::shipped(),
        }
    }
}

impl Vocabulary {
    /// The known values of a category, as they are spelled.
    pub fn values(&self, category: Category) -> Vec<&str> {
        match category {
            Category::Industry => self.industries.canonical().collect(),
            Category::Seniority => SENIORITIES.to_vec(),
            Category::Department => DEPARTMENTS.to_vec(),
            Category::Ownership => OWNERSHIPS.to_vec(),
            Category::InstitutionType => INSTITUTION_TYPES.to_vec(),
        }
    }

    /// Whether `value` is a known value of `category` (by [`label_key`]). An industry is known
    /// when it is canonical or, with a taxonomy chosen, a label of it (it reads as canonical).
    pub fn knows(&self, category: Category, value: &str) -> bool {
        let key = label_key(value);
        match category {
            Category::Industry => self.industries.is_canonical_key(&key),
            _ => self.values(category).iter().any(|v| label_key(v) == key),
        }
    }

    /// The known value of `category` nearest to `value`, when one is near.
    pub fn suggest(&self, category: Category, value: &str) -> Option<String> {
        let key = label_key(value);
        if category == Category::Industry
            && let Some(canonical) = self.industries.lookup_any(value)
        {
            return Some(canonical.to_string());
        }
        self.values(category)
            .into_iter()
            .map(|v| (strsim::jaro_winkler(&label_key(v), &key), v))
            .filter(|(score, _)| *score >= 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, v)| v.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_keyed_by_their_words() {
        assert_eq!(label_key("Computer Software"), "computer software");
        assert_eq!(label_key("COMPUTER_SOFTWARE"), "computer software");
        assert_eq!(label_key("Food & Beverages"), "food beverages");
        assert_eq!(label_key("FOOD_AND_BEVERAGES"), "food beverages");
        assert_eq!(
            label_key("  Glass, Ceramics & Concrete "),
            "glass ceramics concrete"
        );
    }

    #[test]
    fn categories_know_their_values_ignoring_case() {
        let v = Vocabulary::default();
        assert!(v.knows(Category::Seniority, "vp"));
        assert!(v.knows(Category::Seniority, "c_level"));
        assert!(!v.knows(Category::Seniority, "Vice"));
        assert!(v.knows(Category::Industry, "software"));
        assert!(!v.knows(Category::Industry, "Computer Software"));
        assert_eq!(
            v.suggest(Category::Industry, "Computer Software")
                .as_deref(),
            Some("Software")
        );
        assert_eq!(
            v.suggest(Category::Department, "Enginering").as_deref(),
            Some("Engineering")
        );
        assert_eq!(v.suggest(Category::Ownership, "zzz"), None);
    }
}
