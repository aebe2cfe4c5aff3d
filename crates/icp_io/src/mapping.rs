//! Column mapping: which field each header of a lead file (or key of a JSON object) feeds.
//!
//! How it works: a header is normalised (surrounding space trimmed, lower case) and looked up
//! in order in
//! 1. `[input.columns]` of `icp.toml` — an explicit mapping overrides everything, so a column
//!    that happens to carry a canonical name can still be sent elsewhere or ignored;
//! 2. the preset's tables ([`crate::presets`]) — a preset knows what its export means by a
//!    header better than the bare-name rule below (Apollo's people export has `Country` for the
//!    person and `Company Country` for the company);
//! 3. the canonical names: a path (`company.employees`, `contact.title`), a bare field name
//!    (`employees`, `title`), and the aliases `company_id`, `company_name`, `company_domain`,
//!    `website`, `first_name`, `last_name`.
//!
//! What a header means depends on the file's [`Role`]: in a companies file a bare `name` is
//! `company.name` and only company fields are read; in a contacts file `name` is
//! `contact.name`, only contact fields are read, and one column is the company key (see
//! [`Plan::for_header`]); in a file with one row per contact both are read, the preset's
//! contacts table is consulted before its companies table, and the contacts table's key
//! column feeds the company field it holds (`company.id`, `.domain` or `.name`). A header found
//! nowhere, or whose field the role does not read, feeds nothing and is listed in the report.
//! Several columns may feed one field; in each row the first column with a value wins. The
//! report warns of it, and of two columns of one name, unless the preset maps them so.

use std::collections::HashMap;

use icp_engine::{Entity, FieldId, FieldKind, Schema};

use crate::config::{ConfigTarget, InputConfig, resolve_field, resolve_target};
use crate::parse::Kind;
use crate::presets::{JoinKind, PresetColumn, PresetTarget};

/// What a lead file holds, which decides how its headers are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// One row per company.
    Companies,
    /// One row per contact, joined to companies by a key column.
    Contacts,
    /// One row per contact with the company columns repeated.
    PerContact,
}

impl Role {
    fn prefer(self) -> Entity {
        match self {
            Role::Contacts => Entity::Contact,
            Role::Companies | Role::PerContact => Entity::Company,
        }
    }
}

/// What one column feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Field {
        id: FieldId,
        entity: Entity,
        separator: Option<&'static str>,
    },
    FirstName,
    LastName,
    Join(JoinKind),
    Ignore,
}

/// Where a header's meaning was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Config,
    Preset,
    /// A canonical name; `true` for a `company.`/`contact.` path.
    Canonical(bool),
}

/// Resolves headers for one schema and configuration.
#[derive(Debug)]
pub(crate) struct Mapper<'a> {
    schema: &'a Schema,
    config: &'a InputConfig,
    columns: std::borrow::Cow<'a, [(String, String)]>,
}

/// Trimmed and lower case, without a byte-order mark.
pub(crate) fn normalize_header(header: &str) -> String {
    header.trim_start_matches('\u{feff}').trim().to_lowercase()
}

impl<'a> Mapper<'a> {
    pub(crate) fn schema(&self) -> &'a Schema {
        self.schema
    }

    pub(crate) fn config(&self) -> &'a InputConfig {
        self.config
    }

    pub(crate) fn new(schema: &'a Schema, config: &'a InputConfig) -> Self {
        Mapper {
            schema,
            config,
            columns: std::borrow::Cow::Owned(Self::normalized_columns(config)),
        }
    }

    /// `[input.columns]` with normalised headers, to build mappers cheaply with
    /// [`Mapper::with_columns`].
    pub(crate) fn normalized_columns(config: &InputConfig) -> Vec<(String, String)> {
        config
            .columns
            .iter()
            .map(|(h, p)| (normalize_header(h), p.clone()))
            .collect()
    }

    pub(crate) fn with_columns(
        schema: &'a Schema,
        config: &'a InputConfig,
        columns: &'a [(String, String)],
    ) -> Self {
        Mapper {
            schema,
            config,
            columns: std::borrow::Cow::Borrowed(columns),
        }
    }

    fn field(&self, id: FieldId, separator: Option<&'static str>) -> Target {
        Target::Field {
            id,
            entity: self.schema.field(id).entity,
            separator,
        }
    }

    fn preset_target(&self, column: &PresetColumn) -> Option<Target> {
        Some(match column.target {
            PresetTarget::Field(path) => {
                let id = resolve_field(self.schema, path, Entity::Company)?;
                self.field(id, column.separator)
            }
            PresetTarget::FirstName => Target::FirstName,
            PresetTarget::LastName => Target::LastName,
            PresetTarget::Join(kind) => Target::Join(kind),
            PresetTarget::Ignore => Target::Ignore,
        })
    }

    fn preset_tables(&self, role: Role) -> Vec<&'static [PresetColumn]> {
        let Some(preset) = self.config.preset else {
            return Vec::new();
        };
        match role {
            Role::Companies => vec![preset.companies()],
            Role::Contacts => vec![preset.contacts()],
            Role::PerContact => vec![preset.contacts(), preset.companies()],
        }
    }

    fn resolve_with_source(&self, header: &str, role: Role) -> Option<(Target, Source)> {
        let h = normalize_header(header);
        if let Some((_, path)) = self.columns.iter().find(|(k, _)| *k == h) {
            let target = match resolve_target(self.schema, path, role.prefer()) {
                Some(ConfigTarget::Field(id)) => self.field(id, None),
                Some(ConfigTarget::FirstName) => Target::FirstName,
                Some(ConfigTarget::LastName) => Target::LastName,
                Some(ConfigTarget::Ignore) | None => Target::Ignore,
            };
            return Some((target, Source::Config));
        }
        for table in self.preset_tables(role) {
            if let Some(t) = table
                .iter()
                .find(|c| normalize_header(c.header) == h)
                .and_then(|c| self.preset_target(c))
            {
                return Some((t, Source::Preset));
            }
        }
        let qualified = h.starts_with("company.") || h.starts_with("contact.");
        let alias = match h.as_str() {
            "first_name" | "contact.first_name" => {
                return Some((Target::FirstName, Source::Canonical(qualified)));
            }
            "last_name" | "contact.last_name" => {
                return Some((Target::LastName, Source::Canonical(qualified)));
            }
            "company_id" => Some("company.id"),
            "company_name" => Some("company.name"),
            "company_domain" | "website" => Some("company.domain"),
            _ => None,
        };
        let id = resolve_field(self.schema, alias.unwrap_or(&h), role.prefer())?;
        Some((self.field(id, None), Source::Canonical(qualified)))
    }

    /// What `header` means in a file of `role`; `None` when it is unknown.
    pub(crate) fn resolve(&self, header: &str, role: Role) -> Option<Target> {
        self.resolve_with_source(header, role).map(|(t, _)| t)
    }

    /// Whether a file's headers describe people (so, without a contacts file, it has one row
    /// per contact): a column for a contact's name, email, title, seniority, department or
    /// LinkedIn, or any contact field named by `icp.toml` or by a `contact.` path. A column of a
    /// phone or country field (by the field's kind) alone does not count: companies have those
    /// too.
    pub(crate) fn has_person_columns(&self, headers: &[String]) -> bool {
        headers
            .iter()
            .any(|h| match self.resolve_with_source(h, Role::PerContact) {
                Some((Target::FirstName | Target::LastName, _)) => true,
                Some((
                    Target::Field {
                        id,
                        entity: Entity::Contact,
                        ..
                    },
                    source,
                )) => {
                    let kind = self.schema.field(id).kind;
                    matches!(source, Source::Config | Source::Canonical(true))
                        || !matches!(kind, FieldKind::Phone | FieldKind::Country)
                }
                _ => false,
            })
    }
}

/// One field and the columns that feed it, first first.
#[derive(Debug, Clone)]
pub(crate) struct Slot {
    pub field: FieldId,
    pub path: String,
    pub kind: Kind,
    /// Column index and the column's own list separator, if any.
    pub columns: Vec<(usize, Option<&'static str>)>,
}

/// How the columns of one CSV header are read.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub width: usize,
    pub headers: Vec<String>,
    pub company: Vec<Slot>,
    pub contact: Vec<Slot>,
    pub first_name: Vec<usize>,
    pub last_name: Vec<usize>,
    /// The contacts file's key column.
    pub join: Option<(usize, JoinKind)>,
    /// Headers that feed nothing.
    pub unused: Vec<String>,
    /// Company slots read only for a row without an id (the domain, when no rule reads it:
    /// a lead without an id is known by its domain).
    pub fallback: Vec<Slot>,
    /// Headers given twice, and columns feeding one field (see [`duplicate_warnings`]).
    pub warnings: Vec<String>,
}

/// The join candidates tried, in order, when `contacts_join` is not set (after the preset's).
const JOIN_CANDIDATES: &[(&str, JoinKind)] = &[
    ("company_id", JoinKind::Id),
    ("company.id", JoinKind::Id),
    ("company.domain", JoinKind::Domain),
    ("domain", JoinKind::Domain),
    ("company_domain", JoinKind::Domain),
    ("website", JoinKind::Domain),
    ("company.name", JoinKind::Name),
    ("company_name", JoinKind::Name),
    ("company", JoinKind::Name),
];

impl Plan {
    /// Maps a header. For [`Role::Contacts`], picks the company key column: `contacts_join`
    /// when set, else the preset's key columns, then `company_id`, `company.id`,
    /// `company.domain`, `domain`, …, `company.name`; an error names the columns when there is
    /// none.
    pub(crate) fn for_header(
        mapper: &Mapper<'_>,
        headers: Vec<String>,
        role: Role,
    ) -> Result<Plan, String> {
        let normalized: Vec<String> = headers.iter().map(|h| normalize_header(h)).collect();
        let join = if role == Role::Contacts {
            Some(Self::pick_join(mapper, &headers, &normalized)?)
        } else {
            None
        };
        let mut plan = Plan {
            width: headers.len(),
            headers: Vec::new(),
            company: Vec::new(),
            contact: Vec::new(),
            first_name: Vec::new(),
            last_name: Vec::new(),
            join,
            unused: Vec::new(),
            fallback: Vec::new(),
            warnings: Vec::new(),
        };
        let mut slots: HashMap<FieldId, (Entity, usize)> = HashMap::new();
        for (i, header) in headers.iter().enumerate() {
            if join.is_some_and(|(j, _)| j == i) {
                continue;
            }
            let target = mapper.resolve(header, role);
            let usable = match (target, role) {
                (Some(Target::Field { entity, .. }), Role::Companies) => {
                    target.filter(|_| entity == Entity::Company)
                }
                (Some(Target::Field { entity, .. }), Role::Contacts) => {
                    target.filter(|_| entity == Entity::Contact)
                }
                (Some(Target::FirstName | Target::LastName), Role::Companies) => None,
                (Some(Target::Join(kind)), Role::PerContact) => mapper
                    .schema
                    .lookup(Entity::Company, kind.field())
                    .map(|id| mapper.field(id, None)),
                (Some(Target::Join(_) | Target::Ignore), _) | (None, _) => None,
                (t, _) => t,
            };
            match usable {
                Some(Target::Field {
                    id,
                    entity,
                    separator,
                }) => {
                    let list = match entity {
                        Entity::Company => &mut plan.company,
                        Entity::Contact => &mut plan.contact,
                    };
                    match slots.get(&id) {
                        Some((_, index)) => {
                            if let Some(slot) = list.get_mut(*index) {
                                slot.columns.push((i, separator));
                            }
                        }
                        None => {
                            let def = mapper.schema.field(id);
                            slots.insert(id, (entity, list.len()));
                            list.push(Slot {
                                field: id,
                                path: def.path().to_string(),
                                kind: Kind::for_field(def),
                                columns: vec![(i, separator)],
                            });
                        }
                    }
                }
                Some(Target::FirstName) => plan.first_name.push(i),
                Some(Target::LastName) => plan.last_name.push(i),
                _ => plan.unused.push(header.trim().to_string()),
            }
        }
        plan.warnings = duplicate_warnings(mapper, &plan, &headers, &normalized, role);
        plan.headers = headers;
        Ok(plan)
    }

    fn pick_join(
        mapper: &Mapper<'_>,
        headers: &[String],
        normalized: &[String],
    ) -> Result<(usize, JoinKind), String> {
        let position = |name: &str| {
            let n = normalize_header(name);
            normalized.iter().position(|h| *h == n)
        };
        if let Some(column) = &mapper.config.contacts_join {
            let Some(i) = position(column) else {
                return Err(format!(
                    "has no column {column:?} ([input] contacts_join in icp.toml); its columns are: {}",
                    headers.join(", ")
                ));
            };
            let kind = match mapper.resolve(column, Role::Contacts) {
                Some(Target::Join(kind)) => kind,
                _ => match mapper.resolve(column, Role::Companies) {
                    Some(Target::Field {
                        id,
                        entity: Entity::Company,
                        ..
                    }) => match mapper.schema.field(id).name.as_str() {
                        "domain" => JoinKind::Domain,
                        "name" => JoinKind::Name,
                        _ => JoinKind::Id,
                    },
                    _ => JoinKind::Id,
                },
            };
            return Ok((i, kind));
        }
        let preset = mapper
            .preset_tables(Role::Contacts)
            .into_iter()
            .flatten()
            .filter_map(|c| match c.target {
                PresetTarget::Join(kind) => Some((c.header, kind)),
                _ => None,
            });
        for (name, kind) in preset.chain(JOIN_CANDIDATES.iter().copied()) {
            if let Some(i) = position(name) {
                return Ok((i, kind));
            }
        }
        Err(format!(
            "has no column holding the company key (company_id, company.domain or domain{}); name it with [input] contacts_join in icp.toml. Its columns are: {}",
            if mapper.config.preset.is_some() {
                ", or the preset's key column"
            } else {
                ""
            },
            headers.join(", ")
        ))
    }

    /// Moves the company slots of `field` to [`Plan::fallback`].
    pub(crate) fn defer(&mut self, field: FieldId) {
        let (deferred, kept) = std::mem::take(&mut self.company)
            .into_iter()
            .partition(|s| s.field == field);
        self.company = kept;
        self.fallback = deferred;
    }

    /// Whether the plan reads any contact value.
    pub(crate) fn reads_contacts(&self) -> bool {
        !(self.contact.is_empty() && self.first_name.is_empty() && self.last_name.is_empty())
    }
}

/// The warnings of a header with two columns of one name, or two columns feeding one field
/// (where, in each row, the first with a value wins, and the other is read only when it is
/// empty). Two columns that feed one field through the preset's tables are no surprise
/// (HubSpot's "Company Domain Name" and "Website URL") and are not warned of.
fn duplicate_warnings(
    mapper: &Mapper<'_>,
    plan: &Plan,
    headers: &[String],
    normalized: &[String],
    role: Role,
) -> Vec<String> {
    let file = match role {
        Role::Contacts => "the contacts file",
        Role::Companies | Role::PerContact => "the leads file",
    };
    let mut warnings = Vec::new();
    let mut first_of: HashMap<&str, usize> = HashMap::new();
    for (i, name) in normalized.iter().enumerate() {
        if name.is_empty() {
            continue;
        }
        if let Some(&first) = first_of.get(name.as_str()) {
            warnings.push(format!(
                "{file} has two columns named {:?} (columns {} and {}); where they feed a field, \
                 in each row the first with a value is read",
                headers[i].trim(),
                first + 1,
                i + 1
            ));
        } else {
            first_of.insert(name, i);
        }
    }
    let from_preset = |column: usize| {
        matches!(
            mapper.resolve_with_source(&headers[column], role),
            Some((_, Source::Preset))
        )
    };
    for slot in plan.company.iter().chain(&plan.contact) {
        let columns: Vec<usize> = slot.columns.iter().map(|c| c.0).collect();
        let named_alike = columns
            .windows(2)
            .all(|w| normalized[w[0]] == normalized[w[1]]);
        if columns.len() < 2 || named_alike || columns.iter().all(|&c| from_preset(c)) {
            continue;
        }
        let names: Vec<String> = columns
            .iter()
            .map(|&c| format!("{:?}", headers[c].trim()))
            .collect();
        warnings.push(format!(
            "in {file} the columns {} all feed {}; in each row the first with a value is read",
            names.join(", "),
            slot.path
        ));
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::Preset;

    fn headers(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| s.to_string()).collect()
    }

    fn paths(slots: &[Slot]) -> Vec<(String, Vec<usize>)> {
        slots
            .iter()
            .map(|s| (s.path.clone(), s.columns.iter().map(|c| c.0).collect()))
            .collect()
    }

    #[test]
    fn canonical_names_map_by_themselves() {
        let schema = Schema::canonical();
        let config = InputConfig::default();
        let m = Mapper::new(&schema, &config);
        let plan = Plan::for_header(
            &m,
            headers(&[" Employees ", "company.NAME", "Domain", "title", "colour"]),
            Role::Companies,
        )
        .unwrap();
        assert_eq!(
            paths(&plan.company),
            [
                ("company.employees".to_string(), vec![0]),
                ("company.name".to_string(), vec![1]),
                ("company.domain".to_string(), vec![2])
            ]
        );
        assert_eq!(plan.unused, ["title", "colour"]);
        assert!(m.has_person_columns(&plan.headers));
    }

    #[test]
    fn config_overrides_canonical_and_preset() {
        let schema = Schema::canonical();
        let mut config = InputConfig {
            preset: Some(Preset::Hubspot),
            ..InputConfig::default()
        };
        config
            .columns
            .insert("Industry".into(), "company.tags".into());
        config.columns.insert("employees".into(), "".into());
        let m = Mapper::new(&schema, &config);
        let plan = Plan::for_header(
            &m,
            headers(&["industry", "employees", "Number of Employees"]),
            Role::Companies,
        )
        .unwrap();
        assert_eq!(
            paths(&plan.company),
            [
                ("company.tags".to_string(), vec![0]),
                ("company.employees".to_string(), vec![2])
            ]
        );
        assert_eq!(plan.unused, ["employees"]);
    }

    #[test]
    fn phone_and_country_alone_do_not_make_a_file_per_contact() {
        let schema = Schema::canonical();
        let config = InputConfig {
            preset: Some(Preset::Hubspot),
            ..InputConfig::default()
        };
        let m = Mapper::new(&schema, &config);
        assert!(!m.has_person_columns(&headers(&[
            "Record ID",
            "Company name",
            "Phone Number",
            "Country/Region"
        ])));
        assert!(m.has_person_columns(&headers(&["Record ID", "Email"])));
    }

    #[test]
    fn contacts_pick_a_join_column() {
        let schema = Schema::canonical();
        let config = InputConfig::default();
        let m = Mapper::new(&schema, &config);
        let plan =
            Plan::for_header(&m, headers(&["name", "Domain", "title"]), Role::Contacts).unwrap();
        assert_eq!(plan.join, Some((1, JoinKind::Domain)));
        assert_eq!(
            paths(&plan.contact),
            [
                ("contact.name".to_string(), vec![0]),
                ("contact.title".to_string(), vec![2])
            ]
        );
        let err = Plan::for_header(&m, headers(&["name", "title"]), Role::Contacts).unwrap_err();
        assert!(err.contains("company key"), "{err}");

        let config = InputConfig {
            contacts_join: Some("Org".into()),
            ..InputConfig::default()
        };
        let m = Mapper::new(&schema, &config);
        let plan = Plan::for_header(&m, headers(&["org", "company_id"]), Role::Contacts).unwrap();
        assert_eq!(plan.join, Some((0, JoinKind::Id)));
        assert_eq!(plan.unused, ["company_id"]);
    }

    #[test]
    fn per_contact_files_read_the_key_column_as_the_company_field() {
        let schema = Schema::canonical();
        let config = InputConfig {
            preset: Some(Preset::Apollo),
            ..InputConfig::default()
        };
        let m = Mapper::new(&schema, &config);
        let h = headers(&[
            "First Name",
            "Title",
            "Company",
            "Website",
            "Country",
            "Company Country",
            "City",
        ]);
        assert!(m.has_person_columns(&h));
        let plan = Plan::for_header(&m, h, Role::PerContact).unwrap();
        assert_eq!(
            paths(&plan.company),
            [
                ("company.name".to_string(), vec![2]),
                ("company.domain".to_string(), vec![3]),
                ("company.country".to_string(), vec![5])
            ]
        );
        assert_eq!(
            paths(&plan.contact),
            [
                ("contact.title".to_string(), vec![1]),
                ("contact.country".to_string(), vec![4])
            ]
        );
        assert_eq!(plan.first_name, [0]);
        assert_eq!(plan.unused, ["City"]);
    }
}
