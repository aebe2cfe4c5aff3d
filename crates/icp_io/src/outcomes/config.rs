//! The `[outcomes]` table of `icp.toml`: which file holds the deals, how its columns read, and
//! which stage names mean a won or a lost deal.
//!
//! How it works: [`OutcomesConfig`] is deserialised by the CLI with the rest of `icp.toml`
//! (unknown keys are errors) and checked by [`OutcomesConfig::validate`]. Stage names map to
//! outcomes through a [`StageMap`]: the defaults below, covering HubSpot's and Salesforce's
//! standard pipelines, then the configured `won`, `lost` and `open` lists over them (a listed
//! name takes the outcome it is listed under, whatever the defaults said). Names compare
//! trimmed and ignoring case. A stage in no list is open, and counted as unknown.
//!
//! ```toml
//! [outcomes]
//! file = "crm/deals.csv"           # the default outcomes file (inside the project)
//! preset = "hubspot"               # or "salesforce", "plain"; default: told from the headers
//! won = ["closedwon", "Signed"]    # stage names that mean won (beside the defaults)
//! lost = ["closedlost", "Churned"]
//! open = ["Discovery"]             # known open stages (not counted as unknown)
//! list_separator = ";"             # between the company ids of one deal (default ";")
//! delimiter = ","                  # CSV delimiter (default ",", tab for .tsv)
//! encoding = "windows-1252"        # files without a byte-order mark (default UTF-8)
//!
//! [outcomes.columns]               # header = column: company_id, domain, outcome, amount,
//! "Account Key" = "company_id"     # created, closed, is_won, is_closed, or "" to ignore
//! ```

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::DealOutcome;
use super::columns::DealColumn;
use crate::config::InputConfig;

/// The shape of an outcomes file: the plain canonical columns, or a CRM's deals export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutcomesPreset {
    /// `company_id` or `domain`, `outcome`, `amount`, `created`, `closed`.
    Plain,
    /// HubSpot's deals export: `Deal Stage`, `Amount`, `Create Date`, `Close Date`,
    /// `Associated Company IDs`.
    Hubspot,
    /// Salesforce opportunities: `AccountId`, `StageName`, `IsWon`, `IsClosed`, `Amount`,
    /// `CreatedDate`, `CloseDate`.
    Salesforce,
}

impl OutcomesPreset {
    pub fn name(self) -> &'static str {
        match self {
            OutcomesPreset::Plain => "plain",
            OutcomesPreset::Hubspot => "hubspot",
            OutcomesPreset::Salesforce => "salesforce",
        }
    }
}

/// The `[outcomes]` table of `icp.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutcomesConfig {
    /// The default outcomes file; the CLI resolves it against icp.toml's directory.
    pub file: Option<PathBuf>,
    /// The file's shape; `None`: told from its headers (keys, for JSON Lines).
    pub preset: Option<OutcomesPreset>,
    /// Stage names that mean a won deal, beside (and over) the defaults.
    pub won: Vec<String>,
    /// Stage names that mean a lost deal, beside (and over) the defaults.
    pub lost: Vec<String>,
    /// Stage names known to be open (so not counted as unknown).
    pub open: Vec<String>,
    /// Header → column (`company_id`, `domain`, `outcome`, `amount`, `created`, `closed`,
    /// `is_won`, `is_closed`, or `""` to ignore it); headers compare ignoring case and
    /// surrounding space. An explicit mapping wins over the preset's and the plain names.
    pub columns: BTreeMap<String, String>,
    /// Separates the company ids of one deal (default `;`, as HubSpot's "Associated Company
    /// IDs" has them).
    pub list_separator: Option<String>,
    /// The CSV delimiter, as `[input] delimiter`.
    pub delimiter: Option<String>,
    /// The encoding of files without a byte-order mark, as `[input] encoding`.
    pub encoding: Option<String>,
}

/// The stage names of HubSpot's default sales pipeline (internal names and labels) and of
/// Salesforce's default opportunity stages, with the plain words.
const DEFAULT_WON: &[&str] = &["won", "closedwon", "Closed Won"];
const DEFAULT_LOST: &[&str] = &["lost", "closedlost", "Closed Lost"];
const DEFAULT_OPEN: &[&str] = &[
    "open",
    // HubSpot.
    "appointmentscheduled",
    "qualifiedtobuy",
    "presentationscheduled",
    "decisionmakerboughtin",
    "contractsent",
    "Appointment Scheduled",
    "Qualified To Buy",
    "Presentation Scheduled",
    "Decision Maker Bought-In",
    "Contract Sent",
    // Salesforce.
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Id. Decision Makers",
    "Perception Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
];

impl OutcomesConfig {
    /// Checks the settings: column targets, the list separator, delimiter and encoding, and
    /// that no stage is listed under two outcomes. The message names the key.
    pub fn validate(&self) -> Result<(), String> {
        for (header, target) in &self.columns {
            DealColumn::parse(target)
                .map_err(|e| format!("[outcomes.columns] {header:?} = {target:?}: {e}"))?;
        }
        if self.list_separator.as_deref() == Some("") {
            return Err("[outcomes] list_separator: must not be empty".to_string());
        }
        let input = self.input_config();
        input
            .delimiter_byte()
            .and_then(|_| input.encoding())
            .map_err(|e| e.to_string().replacen("[input]", "[outcomes]", 1))?;
        self.stage_map().map(|_| ())
    }

    /// The separator of the company ids of one deal.
    pub(super) fn separator(&self) -> &str {
        self.list_separator.as_deref().unwrap_or(";")
    }

    /// The `[input]` settings the shared CSV and encoding code reads: delimiter and encoding.
    pub(super) fn input_config(&self) -> InputConfig {
        InputConfig {
            delimiter: self.delimiter.clone(),
            encoding: self.encoding.clone(),
            ..InputConfig::default()
        }
    }

    /// The stage names in effect: the defaults, then the configured lists over them.
    pub(super) fn stage_map(&self) -> Result<StageMap, String> {
        let mut map = StageMap::default();
        for (names, outcome) in [
            (DEFAULT_WON, DealOutcome::Won),
            (DEFAULT_LOST, DealOutcome::Lost),
            (DEFAULT_OPEN, DealOutcome::Open),
        ] {
            for name in names {
                map.names.insert(stage_key(name), outcome);
            }
        }
        let mut configured: HashMap<String, (&str, DealOutcome)> = HashMap::new();
        for (key, names, outcome) in [
            ("won", &self.won, DealOutcome::Won),
            ("lost", &self.lost, DealOutcome::Lost),
            ("open", &self.open, DealOutcome::Open),
        ] {
            for name in names {
                let stage = stage_key(name);
                if stage.is_empty() {
                    return Err(format!("[outcomes] {key}: a stage name must not be empty"));
                }
                match configured.insert(stage.clone(), (key, outcome)) {
                    Some((other, was)) if was != outcome => {
                        return Err(format!(
                            "[outcomes] stage {name:?} is listed under both `{other}` and `{key}`"
                        ));
                    }
                    _ => {}
                }
                map.names.insert(stage, outcome);
            }
        }
        Ok(map)
    }
}

/// A stage name as it is compared: trimmed, in lower case.
fn stage_key(name: &str) -> String {
    crate::parse::trim(name).to_lowercase()
}

/// Stage names (compared trimmed, ignoring case) → outcome.
#[derive(Debug, Clone, Default)]
pub(super) struct StageMap {
    names: HashMap<String, DealOutcome>,
}

impl StageMap {
    /// The outcome of a stage, `None` when no list names it (an unknown stage, open).
    pub(super) fn outcome(&self, stage: &str) -> Option<DealOutcome> {
        let t = crate::parse::trim(stage);
        // Most stages are written as listed, often already in lower case.
        match self.names.get(t) {
            Some(o) => Some(*o),
            None => self.names.get(&t.to_lowercase()).copied(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_cover_both_crms_and_configured_names_win() {
        let map = OutcomesConfig::default().stage_map().unwrap();
        for (stage, outcome) in [
            ("closedwon", DealOutcome::Won),
            ("  CLOSED WON ", DealOutcome::Won),
            ("Closed Lost", DealOutcome::Lost),
            ("closedlost", DealOutcome::Lost),
            ("Negotiation/Review", DealOutcome::Open),
            ("won", DealOutcome::Won),
            ("Open", DealOutcome::Open),
        ] {
            assert_eq!(map.outcome(stage), Some(outcome), "{stage}");
        }
        assert_eq!(map.outcome("Signed"), None);
        let config = OutcomesConfig {
            won: vec!["Signed".to_string()],
            lost: vec!["closedwon".to_string()],
            ..OutcomesConfig::default()
        };
        let map = config.stage_map().unwrap();
        assert_eq!(map.outcome("signed"), Some(DealOutcome::Won));
        assert_eq!(map.outcome("closedwon"), Some(DealOutcome::Lost));
        assert_eq!(map.outcome("Closed Won"), Some(DealOutcome::Won));
    }

    #[test]
    fn a_stage_under_two_outcomes_and_bad_settings_are_refused() {
        let config = OutcomesConfig {
            won: vec!["Signed".to_string()],
            lost: vec![" signed".to_string()],
            ..OutcomesConfig::default()
        };
        assert_eq!(
            config.validate().unwrap_err(),
            "[outcomes] stage \" signed\" is listed under both `won` and `lost`"
        );
        let config = OutcomesConfig {
            columns: BTreeMap::from([("Stage".to_string(), "outcom".to_string())]),
            ..OutcomesConfig::default()
        };
        let err = config.validate().unwrap_err();
        assert!(err.contains("did you mean `outcome`"), "{err}");
        let config = OutcomesConfig {
            encoding: Some("klingon".to_string()),
            ..OutcomesConfig::default()
        };
        let err = config.validate().unwrap_err();
        assert!(err.starts_with("[outcomes] encoding"), "{err}");
    }
}
