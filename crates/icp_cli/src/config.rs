//! `icp.toml`: where the rules are, which custom fields leads have, and how lead files are read.
//!
//! How it works: [`Config::discover`] looks for `icp.toml` in the working directory and each
//! parent in turn; [`Config::load`] reads one file. Paths in the file are relative to the
//! directory that holds it. Unknown keys are errors, so a typo never silently does nothing.
//! The `[input]` table is `icp_io`'s [`InputConfig`]; its column mappings are checked against
//! the schema (custom fields included) as the file is loaded. The `[outcomes]` table is
//! `icp_io`'s [`OutcomesConfig`] (how deal files are read), checked as it is loaded. Each `[plugins.NAME]` table names a
//! signal plugin (`library`, optional) and is otherwise handed to the plugin as JSON.
//!
//! A custom field under `[fields.company]` or `[fields.contact]` is declared by its type alone
//! (`arr = "number"`) or by a table of its type and kind (`arr = { type = "number", kind =
//! "money" }`); the schema checks both ([`Schema::add_custom_of_kind`]). An `[enums.NAME]`
//! table declares an ordered category (`order = ["lead", "mql", "sql"]`, lowest first), and a
//! string field follows it with `enum = "NAME"` (or a built-in order: `round`, `seniority`,
//! `employee_band`), so rules compare its values with `<`, `>=` and `between`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use icp_engine::{Entity, Schema};
use icp_io::InputConfig;
use icp_io::outcomes::OutcomesConfig;
use icp_plugin_host::Configured;
use serde::Deserialize;

pub const FILE_NAME: &str = "icp.toml";

/// A loaded project configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file it came from, if any.
    pub path: Option<PathBuf>,
    /// Rule files or directories, resolved against the config file's directory.
    pub rules: Vec<PathBuf>,
    /// Canonical fields plus the custom ones declared under `[fields.*]`.
    pub schema: Schema,
    /// How lead files are read: the `[input]` table.
    pub input: InputConfig,
    /// Defaults of `icp score` and `icp explain`: the `[score]` table.
    pub score: ScoreDefaults,
    /// The `[plugins.NAME]` tables: which signal plugins to load and their configuration.
    pub plugins: Vec<Configured>,
    /// How outcomes files are read: the `[outcomes]` table, its `file` resolved against the
    /// config file's directory.
    pub outcomes: OutcomesConfig,
}

/// The `[score]` table: default files of `icp score`, resolved against icp.toml's directory.
#[derive(Debug, Clone, Default)]
pub struct ScoreDefaults {
    pub leads: Option<PathBuf>,
    pub contacts: Option<PathBuf>,
    pub output: Option<PathBuf>,
    pub rejects: Option<PathBuf>,
    /// `contacts_out`: where `icp score` writes the contacts to call (`--contacts-out`).
    pub contacts_out: Option<PathBuf>,
    /// `escape_formulas = false`: CSV text cells written as they are (`--raw-cells`).
    pub escape_formulas: Option<bool>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ScoreTable {
    leads: Option<String>,
    contacts: Option<String>,
    output: Option<String>,
    rejects: Option<String>,
    contacts_out: Option<String>,
    escape_formulas: Option<bool>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    rules: Vec<String>,
    #[serde(default)]
    fields: Fields,
    #[serde(default)]
    enums: BTreeMap<String, EnumTable>,
    #[serde(default)]
    input: InputConfig,
    #[serde(default)]
    score: ScoreTable,
    #[serde(default)]
    plugins: BTreeMap<String, toml::Table>,
    #[serde(default)]
    outcomes: OutcomesConfig,
    #[serde(default)]
    vocabulary: crate::vocabulary::VocabularyTable,
    #[serde(default)]
    regions: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Fields {
    #[serde(default)]
    company: BTreeMap<String, toml::Value>,
    #[serde(default)]
    contact: BTreeMap<String, toml::Value>,
}

/// `[enums.NAME]`: an ordered category, its values lowest first.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EnumTable {
    order: Vec<String>,
}

/// A custom field's declaration: its type name, kind name and order name (if any).
type FieldDeclaration<'a> = (&'a str, Option<&'a str>, Option<&'a str>);

/// The type name, kind name and order name (if any) of a custom field's declaration:
/// `"number"`, or `{ type = "number", kind = "money" }`, or `{ type = "string", enum = "stage" }`.
fn field_declaration(value: &toml::Value) -> Result<FieldDeclaration<'_>, String> {
    let table = match value {
        toml::Value::String(ty) => return Ok((ty, None, None)),
        toml::Value::Table(table) => table,
        other => {
            return Err(format!(
                "expected a type such as \"number\", or a table such as {{ type = \"number\", kind = \"money\" }}, not {other}"
            ));
        }
    };
    if let Some(key) = table
        .keys()
        .find(|k| !matches!(k.as_str(), "type" | "kind" | "enum"))
    {
        return Err(format!(
            "unknown key `{key}`; the keys are `type`, `kind` and `enum`"
        ));
    }
    let text = |key: &str| match table.get(key) {
        None => Ok(None),
        Some(toml::Value::String(s)) => Ok(Some(s.as_str())),
        Some(other) => Err(format!("`{key}` must be a string, not {other}")),
    };
    let ty = text("type")?.ok_or("a table declaring a field needs its `type`")?;
    Ok((ty, text("kind")?, text("enum")?))
}

/// A configuration that cannot be used; the message names the file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

impl Config {
    /// Finds `icp.toml` at or above `start`; without one, the defaults (rules in `rules/`).
    pub fn discover(start: &Path) -> Result<Config, ConfigError> {
        for dir in start.ancestors() {
            let candidate = dir.join(FILE_NAME);
            if candidate.is_file() {
                return Config::load(&candidate);
            }
        }
        Ok(Config {
            path: None,
            rules: vec![start.join("rules")],
            schema: Schema::canonical(),
            input: InputConfig::default(),
            score: ScoreDefaults::default(),
            plugins: Vec::new(),
            outcomes: OutcomesConfig::default(),
        })
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: shown.clone(),
            source,
        })?;
        Config::parse(&text, path)
    }

    /// Parses the text of a configuration file located at `path`.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let shown = path.display().to_string();
        let file: File = toml::from_str(text).map_err(|e| {
            // One line: `icp.toml:3:1: unknown field `rulez`, expected …`.
            let at = e.span().map_or(String::new(), |span| {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                format!(":{line}:{column}")
            });
            ConfigError::Invalid {
                path: format!("{shown}{at}"),
                message: e.message().replace('\n', " "),
            }
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let mut schema = Schema::canonical();
        for (name, table) in &file.enums {
            schema
                .declare_order(name, &table.order)
                .map_err(|e| ConfigError::Invalid {
                    path: shown.clone(),
                    message: format!("[enums.{name}]: {e}"),
                })?;
        }
        for (entity, fields) in [
            (Entity::Company, &file.fields.company),
            (Entity::Contact, &file.fields.contact),
        ] {
            for (name, declaration) in fields {
                let invalid = |message: String| ConfigError::Invalid {
                    path: shown.clone(),
                    message: format!("[fields.{}]: {message}", entity.as_str()),
                };
                let path = format!("{}.{name}", entity.as_str());
                let (ty, kind, order) = field_declaration(declaration)
                    .map_err(|e| invalid(format!("field `{path}`: {e}")))?;
                let id = schema
                    .add_custom_of_kind(entity, name, ty, kind)
                    .map_err(|e| invalid(e.to_string()))?;
                if let Some(order) = order {
                    let known = schema.orders().lookup(order).ok_or_else(|| {
                        invalid(format!(
                            "field `{path}`: unknown enum \"{order}\"; the enums are {}",
                            schema.orders().names().join(", ")
                        ))
                    })?;
                    if !schema.set_order(id, known) {
                        return Err(invalid(format!(
                            "field `{path}`: only a \"string\" field can follow an enum"
                        )));
                    }
                }
            }
        }
        file.input
            .validate(&schema)
            .map_err(|e| ConfigError::Invalid {
                path: shown.clone(),
                message: e.to_string(),
            })?;
        crate::vocabulary::apply(&mut schema, &file.input, &file.vocabulary, &file.regions)
            .map_err(|message| ConfigError::Invalid {
                path: shown.clone(),
                message,
            })?;
        file.outcomes
            .validate()
            .map_err(|message| ConfigError::Invalid {
                path: shown.clone(),
                message,
            })?;
        let mut outcomes = file.outcomes;
        outcomes.file = outcomes.file.map(|f| base.join(f));
        let rules = if file.rules.is_empty() {
            vec![base.join("rules")]
        } else {
            file.rules.iter().map(|r| base.join(r)).collect()
        };
        let resolve = |p: &Option<String>| p.as_ref().map(|p| base.join(p));
        let score = ScoreDefaults {
            leads: resolve(&file.score.leads),
            contacts: resolve(&file.score.contacts),
            output: resolve(&file.score.output),
            rejects: resolve(&file.score.rejects),
            contacts_out: resolve(&file.score.contacts_out),
            escape_formulas: file.score.escape_formulas,
        };
        let mut plugins = Vec::new();
        for (name, mut table) in file.plugins {
            let invalid = |message: String| ConfigError::Invalid {
                path: shown.clone(),
                message: format!("[plugins.{name}]: {message}"),
            };
            let library = match table.remove("library") {
                None => None,
                Some(toml::Value::String(s)) => Some(s),
                Some(other) => {
                    return Err(invalid(format!(
                        "`library` must be a path or a library name, not {other}"
                    )));
                }
            };
            // `$` keys are reserved for what icp itself hands the plugin (the allowed paths).
            if let Some(key) = table.keys().find(|k| k.starts_with('$')) {
                return Err(invalid(format!(
                    "`{key}`: keys starting with `$` are reserved for icp"
                )));
            }
            let isolation = crate::plugin_options::take_isolation(&mut table).map_err(invalid)?;
            // The rest of the table is the plugin's own configuration, handed over as JSON.
            let config_json = serde_json::to_string(&table)
                .map_err(|e| invalid(format!("cannot pass the table on as JSON: {e}")))?;
            plugins.push(Configured {
                name,
                library,
                config_json,
                base_dir: base.to_path_buf(),
                isolation,
            });
        }
        Ok(Config {
            path: Some(path.to_path_buf()),
            rules,
            schema,
            input: file.input,
            score,
            plugins,
            outcomes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use icp_engine::FieldKind;

    #[test]
    fn the_input_table_is_read_and_checked_against_the_schema() {
        let path = Path::new("/project/icp.toml");
        let text = r#"
[fields.company]
arr = "number"

[input]
preset = "hubspot"
list_separator = "|"

[input.columns]
"ARR (USD)" = "company.arr"
"#;
        let config = Config::parse(text, path).expect("valid");
        assert_eq!(config.input.preset, Some(icp_io::Preset::Hubspot));
        assert_eq!(config.input.list_separator, "|");
        assert_eq!(config.input.columns["ARR (USD)"], "company.arr");

        let text = "[input.columns]\n\"Emps\" = \"company.employess\"\n";
        let err = Config::parse(text, path).expect_err("unknown field");
        assert_eq!(
            err.to_string(),
            "/project/icp.toml: [input.columns] \"Emps\" = \"company.employess\": there is no field `company.employess`; did you mean `company.employees`?"
        );

        let err = Config::parse("[input]\npreset = \"pipedrive\"\n", path).expect_err("preset");
        assert!(err.to_string().contains("pipedrive"), "{err}");
        let err = Config::parse("[input]\nbatchsize = 5\n", path).expect_err("unknown key");
        assert!(err.to_string().contains("batchsize"), "{err}");
    }

    #[test]
    fn the_outcomes_table_is_read_checked_and_its_file_resolved() {
        let path = Path::new("/project/icp.toml");
        let text = r#"
[outcomes]
file = "crm/deals.csv"
preset = "hubspot"
won = ["closedwon", "Signed"]
lost = ["Churned"]

[outcomes.columns]
"Company" = "company_id"
"#;
        let config = Config::parse(text, path).expect("valid");
        let outcomes = &config.outcomes;
        assert_eq!(
            outcomes.file.as_deref(),
            Some(Path::new("/project/crm/deals.csv"))
        );
        assert_eq!(
            outcomes.preset,
            Some(icp_io::outcomes::OutcomesPreset::Hubspot)
        );
        assert_eq!(outcomes.won, ["closedwon", "Signed"]);
        assert_eq!(outcomes.columns["Company"], "company_id");

        let error = |text: &str| Config::parse(text, path).expect_err("invalid").to_string();
        let err = error("[outcomes]\nfiel = \"deals.csv\"\n");
        assert!(err.contains("unknown field `fiel`"), "{err}");
        let err = error("[outcomes]\npreset = \"pipedrive\"\n");
        assert!(err.contains("pipedrive"), "{err}");
        assert_eq!(
            error("[outcomes]\nwon = [\"Signed\"]\nlost = [\"signed\"]\n"),
            "/project/icp.toml: [outcomes] stage \"signed\" is listed under both `won` and `lost`"
        );
        let err = error("[outcomes.columns]\nStage = \"stage\"\n");
        assert!(
            err.contains("[outcomes.columns] \"Stage\" = \"stage\""),
            "{err}"
        );
    }

    #[test]
    fn custom_fields_are_declared_with_a_kind() {
        let path = Path::new("/project/icp.toml");
        let text = r#"
[fields.company]
arr = { type = "number", kind = "money" }
markets = { type = "list", kind = "country" }
segment = { type = "string" }
seats = "number"

[fields.contact.home_country]
type = "string"
kind = "country"
"#;
        let schema = Config::parse(text, path).expect("valid").schema;
        let kind = |entity, name| {
            let id = schema.lookup(entity, name).expect("declared");
            schema.field(id).kind
        };
        assert_eq!(kind(Entity::Company, "arr"), FieldKind::Money);
        assert_eq!(kind(Entity::Company, "markets"), FieldKind::Country);
        assert_eq!(kind(Entity::Company, "segment"), FieldKind::Plain);
        assert_eq!(kind(Entity::Company, "seats"), FieldKind::Plain);
        assert_eq!(kind(Entity::Contact, "home_country"), FieldKind::Country);
    }

    #[test]
    fn enums_are_declared_and_followed_by_string_fields() {
        let path = Path::new("/project/icp.toml");
        let text = r#"
[enums.stage]
order = ["Lead", "MQL", "SQL", "Customer"]

[fields.company]
stage = { type = "string", enum = "stage" }
band = { type = "string", enum = "employee_band" }
"#;
        let config = Config::parse(text, path).expect("valid");
        let schema = &config.schema;
        let stage = schema.lookup(Entity::Company, "stage").expect("declared");
        let order = schema.field(stage).order.expect("ordered");
        assert_eq!(schema.orders().get(order).rank("sql"), Some(2.0));
        let band = schema.lookup(Entity::Company, "band").expect("declared");
        assert_eq!(
            schema.field(band).order,
            schema.orders().lookup("employee_band")
        );
    }

    #[test]
    fn a_bad_enum_is_a_clear_error() {
        let error = |text: &str| {
            Config::parse(text, Path::new("/project/icp.toml"))
                .expect_err("invalid")
                .to_string()
        };
        assert_eq!(
            error("[fields.company]\nstage = { type = \"string\", enum = \"stages\" }\n"),
            "/project/icp.toml: [fields.company]: field `company.stage`: unknown enum \"stages\"; the enums are round, seniority, employee_band"
        );
        assert_eq!(
            error("[fields.company]\nn = { type = \"number\", enum = \"round\" }\n"),
            "/project/icp.toml: [fields.company]: field `company.n`: only a \"string\" field can follow an enum"
        );
        assert_eq!(
            error("[enums.stage]\norder = []\n"),
            "/project/icp.toml: [enums.stage]: enum `stage` needs at least one value"
        );
        assert_eq!(
            error("[enums.stage]\norder = [\"MQL\", \"mql\"]\n"),
            "/project/icp.toml: [enums.stage]: enum `stage` lists \"mql\" twice"
        );
        assert_eq!(
            error("[enums.round]\norder = [\"a\"]\n"),
            "/project/icp.toml: [enums.round]: enum `round` is already declared (or built in)"
        );
    }

    #[test]
    fn a_bad_kind_is_a_clear_error() {
        let path = Path::new("/project/icp.toml");
        let error = |text: &str| Config::parse(text, path).expect_err("invalid").to_string();
        assert_eq!(
            error("[fields.company]\narr = { type = \"number\", kind = \"monye\" }\n"),
            "/project/icp.toml: [fields.company]: field `company.arr` has unknown kind \"monye\"; the kinds are plain, country, domain, phone, headcount, money, year, industry"
        );
        assert_eq!(
            error("[fields.company]\narr = { type = \"string\", kind = \"money\" }\n"),
            "/project/icp.toml: [fields.company]: field `company.arr` has type \"string\" but kind \"money\", which needs type \"number\""
        );
        assert_eq!(
            error("[fields.contact]\nhome = { type = \"date\", kind = \"country\" }\n"),
            "/project/icp.toml: [fields.contact]: field `contact.home` has type \"date\" but kind \"country\", which needs type \"string\" or \"list\""
        );
        assert_eq!(
            error("[fields.company]\narr = { type = \"number\", knd = \"money\" }\n"),
            "/project/icp.toml: [fields.company]: field `company.arr`: unknown key `knd`; the keys are `type`, `kind` and `enum`"
        );
        assert_eq!(
            error("[fields.company]\narr = { kind = \"money\" }\n"),
            "/project/icp.toml: [fields.company]: field `company.arr`: a table declaring a field needs its `type`"
        );
        assert_eq!(
            error("[fields.company]\narr = 5\n"),
            "/project/icp.toml: [fields.company]: field `company.arr`: expected a type such as \"number\", or a table such as { type = \"number\", kind = \"money\" }, not 5"
        );
        assert_eq!(
            error("[fields.company]\narr = \"money\"\n"),
            "/project/icp.toml: [fields.company]: field `company.arr` has unknown type \"money\"; the types are string, number, bool, date, duration, list, list<number> (\"money\" is a kind: declare { type = \"number\", kind = \"money\" })"
        );
    }
}
