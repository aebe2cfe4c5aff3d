//! JSON Lines: one JSON object per line into a lead.
//!
//! How it works: each key maps as a CSV header would (cached, per role); a nested
//! `"company": {…}` object holds company fields too, and `"contacts": [{…}, …]` the contacts,
//! their keys mapped as a contacts file's headers (a contact's first and last name make its
//! name when no key gave one). A value is parsed for its field's type (`parse_json`: strings
//! as cells are, JSON numbers, booleans and arrays directly); the first value of a field
//! wins; `null`, an empty string or a placeholder is missing, and a value that does not parse
//! is counted as an error of its field and left missing. A line that is not a JSON object is
//! rejected. Keys that feed no field are listed once each (up to a limit).

use std::collections::{HashMap, HashSet};

use icp_engine::{Entity, Schema, Value};

use super::lead::{LeadRow, Special, Values};
use crate::mapping::{Mapper, Role, Target};
use crate::parse::{Kind, Parsed, parse_json};
use crate::report::{ReadReport, clip};

/// JSON keys already resolved, per role.
#[derive(Debug, Default)]
pub(super) struct KeyCache {
    company: HashMap<String, Option<Target>>,
    contact: HashMap<String, Option<Target>>,
    unknown: HashSet<String>,
}

/// At most this many keys are remembered (a file with endless distinct keys is still read).
const KEY_CACHE_LIMIT: usize = 10_000;
const UNKNOWN_LIMIT: usize = 1_000;

/// The field a JSON key feeds in `role`, cached.
pub(super) fn json_target(
    keys: &mut KeyCache,
    mapper: &Mapper<'_>,
    key: &str,
    role: Role,
) -> Option<Target> {
    let cache = match role {
        Role::Contacts => &mut keys.contact,
        Role::Companies | Role::PerContact => &mut keys.company,
    };
    if let Some(t) = cache.get(key) {
        return *t;
    }
    let target = mapper.resolve(key, role);
    let usable = match (target, role) {
        (Some(Target::Field { entity, .. }), Role::Contacts) => {
            target.filter(|_| entity == Entity::Contact)
        }
        (Some(Target::Field { entity, .. }), _) => target.filter(|_| entity == Entity::Company),
        (Some(Target::FirstName | Target::LastName), Role::Contacts) => target,
        _ => None,
    };
    if cache.len() < KEY_CACHE_LIMIT {
        cache.insert(key.to_string(), usable);
    }
    usable
}

pub(super) fn note_unknown(keys: &mut KeyCache, report: &mut ReadReport, name: String) {
    if keys.unknown.len() < UNKNOWN_LIMIT && keys.unknown.insert(name.clone()) {
        report.unknown_columns.push(name);
    }
}

/// Reads one JSON value into `out` for the field `target` (first value wins).
#[allow(clippy::too_many_arguments)]
pub(super) fn json_value(
    target: Target,
    value: &serde_json::Value,
    schema: &Schema,
    separator: &str,
    line: u64,
    out: &mut Values,
    report: &mut ReadReport,
) {
    let Target::Field {
        id, separator: own, ..
    } = target
    else {
        return;
    };
    if out.iter().any(|(f, _)| *f == id) {
        return;
    }
    let def = schema.field(id);
    let kind = Kind::for_field(def.entity, &def.name, def.ty);
    match parse_json(kind, value, own.unwrap_or(separator)) {
        Parsed::Value(v) => out.push((id, v)),
        Parsed::Missing => {}
        Parsed::Invalid => {
            let text = match value {
                serde_json::Value::String(s) => s.clone(),
                other => clip(&other.to_string(), 200),
            };
            report.field_error(def.path(), &text, line);
        }
    }
}

/// One JSON line as a lead row, or why it cannot be read.
#[allow(clippy::too_many_arguments)]
pub(super) fn json_row(
    text: &[u8],
    line: u64,
    mapper: &Mapper<'_>,
    schema: &Schema,
    separator: &str,
    special: Special,
    keys: &mut KeyCache,
    report: &mut ReadReport,
) -> Result<LeadRow, String> {
    use serde_json::Value as J;
    let text = std::str::from_utf8(text)
        .map_err(|e| format!("invalid UTF-8 at byte {}", e.valid_up_to()))?;
    let value: J = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let J::Object(object) = value else {
        let what = match value {
            J::Null => "null",
            J::Bool(_) => "a boolean",
            J::Number(_) => "a number",
            J::String(_) => "a string",
            J::Array(_) => "an array",
            J::Object(_) => "an object",
        };
        return Err(format!("{what}, not a JSON object (one company per line)"));
    };
    let mut row = LeadRow {
        line,
        ..LeadRow::default()
    };
    let company_key = |keys: &mut KeyCache,
                       report: &mut ReadReport,
                       out: &mut Values,
                       key: &str,
                       value: &J,
                       shown: String| {
        match json_target(keys, mapper, key, Role::Companies) {
            Some(target) => json_value(target, value, schema, separator, line, out, report),
            None => note_unknown(keys, report, shown),
        }
    };
    for (key, value) in &object {
        if key.trim().eq_ignore_ascii_case("contacts") {
            let items: &[J] = match value {
                J::Array(items) => items,
                J::Null => &[],
                other => {
                    report.field_error("contacts", &clip(&other.to_string(), 200), line);
                    &[]
                }
            };
            for item in items {
                let J::Object(fields) = item else {
                    report.field_error("contacts", &clip(&item.to_string(), 200), line);
                    continue;
                };
                let mut contact = Values::new();
                let mut first = None;
                let mut last = None;
                for (k, v) in fields {
                    match json_target(keys, mapper, k, Role::Contacts) {
                        Some(Target::FirstName) => first = v.as_str().map(str::trim),
                        Some(Target::LastName) => last = v.as_str().map(str::trim),
                        Some(target) => {
                            json_value(target, v, schema, separator, line, &mut contact, report)
                        }
                        None => note_unknown(keys, report, format!("contacts[].{k}")),
                    }
                }
                if let Some(field) = special.contact_name
                    && !contact.iter().any(|(f, _)| *f == field)
                {
                    let parts: Vec<&str> = [first, last]
                        .into_iter()
                        .flatten()
                        .filter(|s| !crate::parse::is_missing(s))
                        .collect();
                    if !parts.is_empty() {
                        contact.push((field, Value::String(parts.join(" "))));
                    }
                }
                row.contacts.push(contact);
            }
        } else if let (true, J::Object(inner)) = (key.trim().eq_ignore_ascii_case("company"), value)
        {
            for (k, v) in inner {
                company_key(keys, report, &mut row.company, k, v, format!("company.{k}"));
            }
        } else {
            company_key(keys, report, &mut row.company, key, value, key.clone());
        }
    }
    Ok(row)
}
