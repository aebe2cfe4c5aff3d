//! The `[input]` table of `icp.toml`: how lead files are read.
//!
//! How it works: [`InputConfig`] is deserialised by the CLI together with the rest of
//! `icp.toml` (unknown keys are errors). [`InputConfig::validate`] then checks it against the
//! project's [`Schema`] — every `[input.columns]` target must name a field (with a did-you-mean
//! when it does not) — so a typo stops the run before any lead is read.
//!
//! ```toml
//! [input]
//! preset = "hubspot"          # or "salesforce", "apollo"
//! list_separator = ";"        # how list values are separated in CSV cells
//! contacts_join = "Company ID"  # the contacts file's column holding the company key
//! batch_size = 4096
//! encoding = "windows-1252"   # files without a byte-order mark (default UTF-8)
//! industry_taxonomy = "hubspot"  # read industries as canonical ones (default: the preset's)
//!
//! [input.columns]
//! "Employees (est.)" = "company.employees"
//! "ARR" = "company.arr"       # a custom field declared under [fields.company]
//! "Given name" = "contact.first_name"
//! "Internal notes" = ""       # read nothing from this column
//! ```

use std::collections::BTreeMap;
use std::fmt;

use icp_engine::vocab::Taxonomy;
use icp_engine::{Entity, FieldId, Schema};
use serde::Deserialize;

pub use crate::presets::Preset;

/// The `[input]` table of `icp.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InputConfig {
    /// Map the export headers of a CRM or data vendor.
    pub preset: Option<Preset>,
    /// Separates the items of list values in CSV cells (default `;`, as HubSpot exports
    /// multi-select values).
    pub list_separator: String,
    /// Header → field path (`company.employees`, `contact.title`, a bare canonical name such
    /// as `employees`, `contact.first_name` / `contact.last_name` for the halves of a contact's
    /// name, or `""` to ignore the column). Headers compare ignoring case and surrounding space.
    pub columns: BTreeMap<String, String>,
    /// The contacts file's column that holds the company key. Default: the preset's key column,
    /// else `company_id`, else `company.domain` / `domain`, else `company.name`.
    pub contacts_join: Option<String>,
    /// Leads per batch, at most: a CSV file is cut into chunks of this many lines, each a batch
    /// (fewer leads where lines are blank, rejected or part of a multi-line row).
    pub batch_size: usize,
    /// The CSV field delimiter, one ASCII character (default `,`; `\t` for `.tsv` files).
    pub delimiter: Option<String>,
    /// The encoding of files without a byte-order mark, by any WHATWG label (`windows-1252`,
    /// `iso-8859-1`, `utf-16le`, …); default UTF-8. UTF-16 with a mark is always recognised.
    pub encoding: Option<String>,
    /// The industry labels the files use, read as canonical industries: `hubspot`,
    /// `linkedin`, `naics`, `salesforce`, `any` or `none`. Default: the preset's taxonomy
    /// (HubSpot's, Salesforce's, LinkedIn's for Apollo), else `none`.
    pub industry_taxonomy: Option<String>,
}

impl Default for InputConfig {
    fn default() -> Self {
        InputConfig {
            preset: None,
            list_separator: ";".to_string(),
            columns: BTreeMap::new(),
            contacts_join: None,
            batch_size: 4096,
            delimiter: None,
            encoding: None,
            industry_taxonomy: None,
        }
    }
}

/// A problem with the `[input]` table; the CLI prefixes it with the file's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputConfigError {
    /// An `[input.columns]` target that is no field.
    UnknownField {
        header: String,
        path: String,
        suggestion: Option<String>,
    },
    /// A setting with a value it cannot take.
    Invalid { key: &'static str, message: String },
}

impl fmt::Display for InputConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputConfigError::UnknownField {
                header,
                path,
                suggestion,
            } => {
                write!(
                    f,
                    "[input.columns] {header:?} = {path:?}: there is no field `{path}`"
                )?;
                match suggestion {
                    Some(s) => write!(f, "; did you mean `{s}`?"),
                    None => write!(
                        f,
                        "; fields are written `company.NAME` or `contact.NAME` (custom ones are declared under [fields.company] / [fields.contact])"
                    ),
                }
            }
            InputConfigError::Invalid { key, message } => write!(f, "[input] {key}: {message}"),
        }
    }
}

impl std::error::Error for InputConfigError {}

/// What a column mapping in `[input.columns]` targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConfigTarget {
    Field(FieldId),
    FirstName,
    LastName,
    Ignore,
}

impl InputConfig {
    /// Checks the settings and every `[input.columns]` target against the schema.
    pub fn validate(&self, schema: &Schema) -> Result<(), InputConfigError> {
        if self.batch_size == 0 {
            return Err(InputConfigError::Invalid {
                key: "batch_size",
                message: "must be at least 1".to_string(),
            });
        }
        if self.list_separator.is_empty() {
            return Err(InputConfigError::Invalid {
                key: "list_separator",
                message: "must not be empty".to_string(),
            });
        }
        self.delimiter_byte()?;
        self.encoding()?;
        self.industry_taxonomies()?;
        for (header, path) in &self.columns {
            // Both preferences: a bare name is valid if it names a field of either entity.
            if resolve_target(schema, path, Entity::Company).is_none() {
                let candidates = target_names(schema);
                let suggestion =
                    icp_engine::did_you_mean(path.trim(), candidates.iter().map(String::as_str))
                        .map(str::to_string);
                return Err(InputConfigError::UnknownField {
                    header: header.clone(),
                    path: path.clone(),
                    suggestion,
                });
            }
        }
        Ok(())
    }

    /// The taxonomies industries are read by: `industry_taxonomy`, else the preset's.
    pub fn industry_taxonomies(&self) -> Result<Vec<Taxonomy>, InputConfigError> {
        let Some(name) = &self.industry_taxonomy else {
            return Ok(self.preset.map(Preset::taxonomy).into_iter().collect());
        };
        Taxonomy::parse_setting(name).ok_or_else(|| InputConfigError::Invalid {
            key: "industry_taxonomy",
            message: format!(
                "{name:?} is not a taxonomy; the taxonomies are {}",
                Taxonomy::SETTINGS
            ),
        })
    }

    /// The encoding of `encoding`, `None` for UTF-8 (the `encoding` module).
    pub(crate) fn encoding(
        &self,
    ) -> Result<Option<&'static encoding_rs::Encoding>, InputConfigError> {
        let Some(label) = &self.encoding else {
            return Ok(None);
        };
        crate::encoding::configured(label).map_err(|message| InputConfigError::Invalid {
            key: "encoding",
            message,
        })
    }

    /// The CSV delimiter of the file at `path`: the configured one, else a tab for a `.tsv`
    /// file, else a comma.
    pub(crate) fn delimiter_for(&self, path: &std::path::Path) -> Result<u8, InputConfigError> {
        Ok(match self.delimiter_byte()? {
            Some(d) => d,
            None if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("tsv")) =>
            {
                b'\t'
            }
            None => b',',
        })
    }

    /// The CSV delimiter byte, if configured.
    pub(crate) fn delimiter_byte(&self) -> Result<Option<u8>, InputConfigError> {
        let Some(d) = &self.delimiter else {
            return Ok(None);
        };
        let byte = match d.as_str() {
            "\\t" | "tab" => Some(b'\t'),
            s if s.len() == 1 && s.is_ascii() => s.bytes().next(),
            _ => None,
        };
        match byte {
            Some(b) if b != b'"' && b != b'\n' && b != b'\r' => Ok(Some(b)),
            _ => Err(InputConfigError::Invalid {
                key: "delimiter",
                message: format!(
                    "{d:?} is not one ASCII character (other than a quote or a line break)"
                ),
            }),
        }
    }
}

/// Every name a column may be mapped to, for suggestions.
fn target_names(schema: &Schema) -> Vec<String> {
    let mut names: Vec<String> = schema.fields().map(|(_, f)| f.path().to_string()).collect();
    names.push("contact.first_name".to_string());
    names.push("contact.last_name".to_string());
    names
}

/// Resolves a field path as written in `[input.columns]`: `company.x`, `contact.x`, a bare
/// name (the `prefer`red entity first), the name halves, or `""` to ignore. Case-insensitive.
pub(crate) fn resolve_target(schema: &Schema, path: &str, prefer: Entity) -> Option<ConfigTarget> {
    let p = path.trim().to_lowercase();
    match p.as_str() {
        "" => return Some(ConfigTarget::Ignore),
        "contact.first_name" | "first_name" => return Some(ConfigTarget::FirstName),
        "contact.last_name" | "last_name" => return Some(ConfigTarget::LastName),
        _ => {}
    }
    resolve_field(schema, &p, prefer).map(ConfigTarget::Field)
}

/// A field by path (`company.x`, `contact.x`) or bare name (the `prefer`red entity first),
/// compared ignoring ASCII case. `lower` must already be lower case.
pub(crate) fn resolve_field(schema: &Schema, lower: &str, prefer: Entity) -> Option<FieldId> {
    let find = |entity: Entity, name: &str| {
        schema
            .fields()
            .find(|(_, f)| f.entity == entity && f.name.eq_ignore_ascii_case(name))
            .map(|(id, _)| id)
    };
    if let Some((entity, name)) = Entity::split_path(lower) {
        return find(entity, name);
    }
    let other = match prefer {
        Entity::Company => Entity::Contact,
        Entity::Contact => Entity::Company,
    };
    find(prefer, lower).or_else(|| find(other, lower))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let c = InputConfig::default();
        assert_eq!(c.list_separator, ";");
        assert_eq!(c.batch_size, 4096);
        assert!(c.validate(&Schema::canonical()).is_ok());
    }

    #[test]
    fn unknown_targets_get_a_suggestion() {
        let mut c = InputConfig::default();
        c.columns.insert("Emps".into(), "company.employess".into());
        let e = c.validate(&Schema::canonical()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "[input.columns] \"Emps\" = \"company.employess\": there is no field `company.employess`; did you mean `company.employees`?"
        );
    }

    #[test]
    fn targets_resolve_by_path_bare_name_and_halves() {
        let s = Schema::canonical();
        let id = |e, n| s.lookup(e, n).map(ConfigTarget::Field);
        assert_eq!(
            resolve_target(&s, "Company.Employees", Entity::Company),
            id(Entity::Company, "employees")
        );
        assert_eq!(
            resolve_target(&s, "title", Entity::Company),
            id(Entity::Contact, "title")
        );
        assert_eq!(
            resolve_target(&s, "name", Entity::Company),
            id(Entity::Company, "name")
        );
        assert_eq!(
            resolve_target(&s, "name", Entity::Contact),
            id(Entity::Contact, "name")
        );
        assert_eq!(
            resolve_target(&s, "contact.first_name", Entity::Company),
            Some(ConfigTarget::FirstName)
        );
        assert_eq!(
            resolve_target(&s, " ", Entity::Company),
            Some(ConfigTarget::Ignore)
        );
        assert_eq!(resolve_target(&s, "company.title", Entity::Company), None);
    }

    #[test]
    fn bad_settings_are_refused() {
        let s = Schema::canonical();
        let c = InputConfig {
            batch_size: 0,
            ..InputConfig::default()
        };
        assert!(c.validate(&s).is_err());
        let c = InputConfig {
            delimiter: Some("::".into()),
            ..InputConfig::default()
        };
        assert!(c.validate(&s).is_err());
        let c = InputConfig {
            delimiter: Some("\\t".into()),
            ..InputConfig::default()
        };
        assert_eq!(c.delimiter_byte(), Ok(Some(b'\t')));
    }
}
