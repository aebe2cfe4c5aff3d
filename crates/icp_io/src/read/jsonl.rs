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

use icp_engine::batch::BatchBuilder;
use icp_engine::{Entity, FieldId};
use serde_json::{Map, Value as J};

use super::cells::full_name;
use super::lead::{Filling, Leads};
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
fn json_target(keys: &mut KeyCache, mapper: &Mapper<'_>, key: &str, role: Role) -> Option<Target> {
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

fn note_unknown(keys: &mut KeyCache, report: &mut ReadReport, name: String) {
    if keys.unknown.len() < UNKNOWN_LIMIT && keys.unknown.insert(name.clone()) {
        report.unknown_columns.push(name);
    }
}

/// One JSON line as an object, or why it cannot be read.
pub(crate) fn json_object(text: &[u8]) -> Result<Map<String, J>, String> {
    let text = std::str::from_utf8(text)
        .map_err(|e| format!("invalid UTF-8 at byte {}", e.valid_up_to()))?;
    let value: J = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    match value {
        J::Object(object) => Ok(object),
        other => {
            let what = match other {
                J::Null => "null",
                J::Bool(_) => "a boolean",
                J::Number(_) => "a number",
                J::String(_) => "a string",
                J::Array(_) => "an array",
                J::Object(_) => "an object",
            };
            Err(format!("{what}, not a JSON object (one company per line)"))
        }
    }
}

/// What the lines of a JSON Lines file share as they become leads.
pub(super) struct JsonLeads<'a> {
    pub(super) leads: Leads<'a>,
    pub(super) mapper: &'a Mapper<'a>,
    /// The list separator (`[input] list_separator`), for lists given as one string.
    pub(super) separator: &'a str,
}

/// The row (a lead's company columns, or a contact's) a JSON object's values go to.
struct OpenRow<'b> {
    builder: &'b mut BatchBuilder,
    /// The fields given a value so far: the first value of a field wins.
    written: Vec<FieldId>,
    line: u64,
}

impl JsonLeads<'_> {
    /// Adds the lead of one JSON line, `object`, to the batch `fill` is filling, with its
    /// contacts (the line's, then the contacts file's), and counts it; returns the hash of
    /// its id. The line's keys are resolved, and those that feed nothing noted, in the order
    /// they come; its contacts' values are put once the company's row is closed.
    pub(super) fn add_lead(
        &self,
        object: &Map<String, J>,
        line: u64,
        keys: &mut KeyCache,
        fill: &mut Filling,
        report: &mut ReadReport,
    ) -> u64 {
        let mut contacts: Vec<&Map<String, J>> = Vec::new();
        fill.builder.open_lead();
        let mut company = OpenRow {
            builder: &mut fill.builder,
            written: Vec::new(),
            line,
        };
        for (key, value) in object {
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
                    for k in fields.keys() {
                        if json_target(keys, self.mapper, k, Role::Contacts).is_none() {
                            note_unknown(keys, report, format!("contacts[].{k}"));
                        }
                    }
                    contacts.push(fields);
                }
            } else if let (true, J::Object(inner)) =
                (key.trim().eq_ignore_ascii_case("company"), value)
            {
                for (k, v) in inner {
                    self.put_company(&mut company, keys, k, v, format!("company.{k}"), report);
                }
            } else {
                self.put_company(&mut company, keys, key, value, key.clone(), report);
            }
        }
        let (hash, rows) = self.leads.close_lead(fill, line);
        for fields in contacts {
            fill.builder.start_contact();
            let mut contact = OpenRow {
                builder: &mut fill.builder,
                written: Vec::new(),
                line,
            };
            let (mut first, mut last) = (None, None);
            for (k, v) in fields {
                match json_target(keys, self.mapper, k, Role::Contacts) {
                    Some(Target::FirstName) => first = v.as_str().map(str::trim),
                    Some(Target::LastName) => last = v.as_str().map(str::trim),
                    Some(target) => self.put_value(&mut contact, target, v, report),
                    None => {}
                }
            }
            if let Some(field) = self.leads.special.contact_name
                && !contact.written.contains(&field)
                && let Some(name) = full_name(first, last)
            {
                contact.builder.put_text(field, &name);
            }
            report.contacts += 1;
        }
        self.leads.copy_contacts(fill, rows, report);
        report.leads += 1;
        hash
    }

    /// Puts the value of company key `key` (`shown` in the list of keys that feed nothing).
    fn put_company(
        &self,
        row: &mut OpenRow<'_>,
        keys: &mut KeyCache,
        key: &str,
        value: &J,
        shown: String,
        report: &mut ReadReport,
    ) {
        match json_target(keys, self.mapper, key, Role::Companies) {
            Some(target) => self.put_value(row, target, value, report),
            None => note_unknown(keys, report, shown),
        }
    }

    /// Puts one JSON value into `row` for the field `target`, unless the field has a value
    /// already; a value that does not parse is counted.
    fn put_value(&self, row: &mut OpenRow<'_>, target: Target, value: &J, report: &mut ReadReport) {
        let Target::Field {
            id, separator: own, ..
        } = target
        else {
            return;
        };
        if row.written.contains(&id) {
            return;
        }
        let def = self.mapper.schema().field(id);
        let kind = Kind::for_field(def);
        match parse_json(kind, value, own.unwrap_or(self.separator)) {
            Parsed::Value(v) => {
                row.builder.put(id, v);
                row.written.push(id);
            }
            Parsed::Missing => {}
            Parsed::Invalid => {
                let text = match value {
                    J::String(s) => s.clone(),
                    other => clip(&other.to_string(), 200),
                };
                report.field_error(def.path(), &text, row.line);
            }
        }
    }
}
