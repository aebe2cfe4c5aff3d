//! The vocabulary tables of `icp.toml`: `[vocabulary.industry]` and `[regions]`, and the
//! industry taxonomy `[input]` chooses.
//!
//! How it works: after the schema's fields are declared, [`apply`] selects the industry
//! taxonomies (`[input] industry_taxonomy`, else the preset's), adds the project's industry
//! labels (`"Computer Software" = "Software"`: a label, the canonical industry it means — a
//! new canonical industry when it is none of the shipped ones) and defines the project's
//! regions (`"My Territory" = ["DE", "France", "Benelux"]`: codes, country names or regions
//! defined before, shipped or in this table, in the table's order). Every problem is one
//! message naming the key; the caller prefixes it with the file's path.
//!
//! ```toml
//! [vocabulary.industry]
//! "Computer Software" = "Software"
//! "Payments" = "Fintech"
//!
//! [regions]
//! "My Territory" = ["DE", "FR"]
//! ```

use std::collections::BTreeMap;

use icp_engine::Schema;
use icp_io::InputConfig;
use serde::Deserialize;

/// The `[vocabulary]` table.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct VocabularyTable {
    /// Industry label → canonical industry.
    #[serde(default)]
    industry: BTreeMap<String, String>,
}

/// Applies the vocabulary settings of `icp.toml` to the schema's vocabulary.
pub(crate) fn apply(
    schema: &mut Schema,
    input: &InputConfig,
    table: &VocabularyTable,
    regions: &BTreeMap<String, Vec<String>>,
) -> Result<(), String> {
    let taxonomies = input.industry_taxonomies().map_err(|e| e.to_string())?;
    let vocabulary = schema.vocabulary_mut();
    vocabulary.industries.select(taxonomies);
    for (label, canonical) in &table.industry {
        if icp_engine::vocab::label_key(label).is_empty()
            || icp_engine::vocab::label_key(canonical).is_empty()
        {
            return Err(format!(
                "[vocabulary.industry] {label:?} = {canonical:?}: a label and an industry need a letter or digit"
            ));
        }
        vocabulary.industries.extend(label, canonical);
    }
    for (name, members) in regions {
        if icp_engine::vocab::label_key(name).is_empty() {
            return Err(format!(
                "[regions] {name:?}: a region's name needs a letter or digit"
            ));
        }
        if members.is_empty() {
            return Err(format!(
                "[regions] {name:?}: a region needs at least one country"
            ));
        }
        let members: Vec<&str> = members.iter().map(String::as_str).collect();
        vocabulary
            .regions
            .define(name, &members)
            .map_err(|e| format!("[regions] {name:?}: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::Config;

    fn load(text: &str) -> Result<Config, String> {
        Config::parse(text, Path::new("/project/icp.toml")).map_err(|e| e.to_string())
    }

    #[test]
    fn the_preset_chooses_the_taxonomy_unless_one_is_set() {
        let config = load("[input]\npreset = \"hubspot\"\n").unwrap();
        let industries = &config.schema.vocabulary().industries;
        assert_eq!(
            industries.canonical_industry("Computer Software"),
            Some("Software")
        );
        let config = load("[input]\npreset = \"hubspot\"\nindustry_taxonomy = \"none\"\n").unwrap();
        assert_eq!(
            config
                .schema
                .vocabulary()
                .industries
                .canonical_industry("Computer Software"),
            None
        );
        let config = load("").unwrap();
        assert!(!config.schema.vocabulary().industries.maps());
    }

    #[test]
    fn projects_add_industry_labels_and_regions() {
        let config = load(
            "[vocabulary.industry]\n\"Payments\" = \"Fintech\"\n[regions]\n\"My Territory\" = [\"DE\", \"France\", \"Benelux\"]\n",
        )
        .unwrap();
        let vocabulary = config.schema.vocabulary();
        assert_eq!(
            vocabulary.industries.canonical_industry("payments"),
            Some("Fintech")
        );
        let region = vocabulary.regions.get("my territory").unwrap();
        assert_eq!(region.countries, ["BE", "DE", "FR", "LU", "NL"]);
    }

    #[test]
    fn bad_vocabulary_settings_are_clear_errors() {
        assert_eq!(
            load("[input]\nindustry_taxonomy = \"sic\"\n").unwrap_err(),
            "/project/icp.toml: [input] industry_taxonomy: \"sic\" is not a taxonomy; the taxonomies are hubspot, linkedin, naics, salesforce, any, none"
        );
        assert_eq!(
            load("[regions]\n\"X\" = [\"Atlantis\"]\n").unwrap_err(),
            "/project/icp.toml: [regions] \"X\": `Atlantis` is neither a country (an ISO-3166 code or English name) nor a region"
        );
        assert_eq!(
            load("[regions]\n\"X\" = []\n").unwrap_err(),
            "/project/icp.toml: [regions] \"X\": a region needs at least one country"
        );
        assert!(load("[vocabulary.seniority]\n\"a\" = \"b\"\n").is_err());
    }
}
