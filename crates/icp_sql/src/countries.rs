//! The country table the compiled query compares countries with, made from the ISO data the
//! engine itself uses (`celes`, through `icp_engine::semantics::country_alpha2`).
//!
//! How it works: the engine reads a country's text, lower-cases it, drops white space and
//! dots, and looks the result up among the codes and names `celes` knows. The query does the
//! same to the column ([`compact_sql`]) and looks the result up in a table of every spelling
//! `celes` accepts — alpha-2, alpha-3 and numeric codes, the long name and every alias, with
//! and without underscores for spaces — each kept only if the engine's own function maps it
//! to that country, so the table can say nothing the engine would not.

use icp_engine::semantics::country_alpha2;

use crate::dialect::Dialect;

/// Every (spelling, lower-case alpha-2) pair, spellings as the engine compacts them, sorted.
pub fn spellings() -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for country in celes::Country::get_countries() {
        let mut candidates = vec![
            country.code.to_string(),
            country.alpha2.to_string(),
            country.alpha3.to_string(),
        ];
        let names = std::iter::once(country.long_name)
            .chain(celes::LookupTable::iter(&country.aliases).copied());
        for name in names {
            let lower = name.to_lowercase();
            candidates.push(lower.chars().filter(|c| !c.is_whitespace()).collect());
            candidates.push(lower.replace(' ', "_"));
        }
        for candidate in candidates {
            let compact = compact(&candidate);
            if country_alpha2(&compact) == Some(country.alpha2) {
                pairs.push((compact, country.alpha2.to_lowercase()));
            }
        }
    }
    pairs.sort();
    pairs.dedup();
    pairs
}

/// What the engine looks up for a text: lower case, without white space or dots.
fn compact(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '.')
        .collect()
}

/// The SQL of [`compact`] applied to `x`.
pub fn compact_sql(d: &dyn Dialect, x: &str) -> String {
    d.delete_white_space_and(&format!("LOWER({x})"), '.')
}

/// The name of the country table in the query.
pub const TABLE: &str = "icp_countries";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_maps_to_its_code_through_the_engine() {
        let pairs = spellings();
        assert!(pairs.len() > 700, "{}", pairs.len());
        for (spelling, code) in &pairs {
            assert_eq!(
                icp_engine::semantics::country_key(spelling),
                *code,
                "{spelling}"
            );
        }
        for (text, code) in [
            ("us", "us"),
            ("usa", "us"),
            ("unitedstates", "us"),
            ("germany", "de"),
            ("840", "us"),
        ] {
            assert!(
                pairs.contains(&(text.to_string(), code.to_string())),
                "{text}"
            );
        }
    }
}
