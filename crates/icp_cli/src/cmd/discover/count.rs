//! The one pass of `icp discover` over the leads: how many leads, and how many best customers,
//! hold each attribute.
//!
//! How it works: [`sources`] lists what is counted — every company field of text, list, bool
//! or number type (not the id, name, domain or phone, nearly unique per lead), the contacts'
//! text fields (not name, email, phone or LinkedIn) and the words of their titles, the personas
//! of the rules given, and every signal call the rules make. A batch is counted by
//! [`count_batch`] (on a pool thread) into a [`Tally`]: for a text column each distinct value
//! of the batch's dictionary gets its comparison key once (trimmed, lower case; a country
//! field's ISO code), and each lead then adds 1 to every key it holds — once per lead however
//! many of its list elements or contacts hold it (a stamp per key records the last lead
//! counted). Bool values count as the keys `true` / `false`; numbers go to
//! [`NumberCounts`] (a count per distinct value, and the best customers' values). A persona
//! is held by a lead when one of its contacts matches it, told by one run of the columnar
//! evaluator over the batch with a plan of the personas alone ([`Personas`]). Only the
//! fields counted, the domain and what the rules read are parsed ([`fields_read`]). The tallies
//! of the batches are merged by key, so the result is the same in any order. The best
//! customers' leads are kept whole when a draft is asked for (its tiers and tests need them).

use std::collections::HashMap;

use icp_engine::batch::{Batch, Column, MISSING};
use icp_engine::eval::columnar::evaluate_columns_with_lead_personas;
use icp_engine::ir::RuleSet;
use icp_engine::lead::Lead;
use icp_engine::plan::Plan;
use icp_engine::schema::{Entity, FieldId, FieldKind, Type};
use icp_engine::semantics::{self, Truth};
use icp_learn::discover::bands::NumberCounts;

use super::best::Best;

/// Where a source's values are in a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    Company(FieldId),
    /// Held by a lead when any of its contacts holds it.
    Contact(FieldId),
    Signal(usize),
    /// Personas: evaluated per contact.
    Persona,
}

/// How a source's values become attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// Each value (text, list element, bool) is an attribute; numbers get a band.
    Values,
    /// Each word of the text is an attribute.
    Words,
    /// The persona: held when any contact is one.
    Persona(usize),
}

/// One thing counted.
#[derive(Debug, Clone)]
pub struct Source {
    /// The field path, signal call or `persona`, as reports name it.
    pub name: String,
    pub lane: Lane,
    pub how: How,
    /// Text compares as a country (ISO code).
    pub country: bool,
    pub ty: Type,
}

/// What is counted for this rule set.
pub fn sources(rules: &RuleSet) -> Vec<Source> {
    let mut sources = Vec::new();
    let skipped_company = ["id", "name", "domain"];
    let skipped_contact = ["name", "email", "phone", "linkedin"];
    for (id, def) in rules.schema.fields() {
        let countable = matches!(
            def.ty,
            Type::BOOL | Type::NUMBER | Type::STRING | Type::STRING_LIST
        ) && !matches!(def.kind, FieldKind::Domain | FieldKind::Phone);
        let (lane, skipped) = match def.entity {
            Entity::Company => (Lane::Company(id), &skipped_company[..]),
            Entity::Contact => (Lane::Contact(id), &skipped_contact[..]),
        };
        // Numbers of contacts have no band per lead: they are left out.
        let contact_number = def.entity == Entity::Contact && def.ty == Type::NUMBER;
        if !countable || contact_number || (!def.custom && skipped.contains(&def.name.as_str())) {
            continue;
        }
        let how = if def.entity == Entity::Contact && def.name == "title" && !def.custom {
            How::Words
        } else {
            How::Values
        };
        sources.push(Source {
            name: def.path().to_string(),
            lane,
            how,
            country: def.is_country(),
            ty: def.ty,
        });
    }
    for i in 0..rules.personas.len() {
        sources.push(Source {
            name: "persona".to_string(),
            lane: Lane::Persona,
            how: How::Persona(i),
            country: false,
            ty: Type::BOOL,
        });
    }
    for call in rules.signal_calls_used() {
        let def = &rules.signal_calls[call.0 as usize];
        let ty = rules.signals.signal(def.signal).output;
        if matches!(
            ty,
            Type::BOOL | Type::NUMBER | Type::STRING | Type::STRING_LIST
        ) {
            sources.push(Source {
                name: def.text.clone(),
                lane: Lane::Signal(call.0 as usize),
                how: How::Values,
                country: false,
                ty,
            });
        }
    }
    sources
}

/// The fields a run reads, indexed by [`FieldId`]: those of the sources, the domain (to
/// find the best customers) and every field the rules read (their personas and signals);
/// the others (names, emails, phones: nearly one value per row) are left unparsed.
pub fn fields_read(rules: &RuleSet, sources: &[Source]) -> Vec<bool> {
    let mut read = rules.fields_read();
    let domain = rules.schema.lookup(Entity::Company, "domain");
    let counted = sources.iter().filter_map(|s| match s.lane {
        Lane::Company(f) | Lane::Contact(f) => Some(f),
        Lane::Signal(_) | Lane::Persona => None,
    });
    for f in counted.chain(domain) {
        read[f.0 as usize] = true;
    }
    read
}

/// The personas of a rule set, planned alone: the columnar evaluator tells, per batch, which
/// leads have a contact matching each.
pub struct Personas {
    rules: RuleSet,
    plan: Plan,
}

impl Personas {
    pub fn new(rules: &RuleSet) -> Personas {
        // Without the ICPs, the plan holds the personas and the lets they read only.
        let rules = RuleSet {
            icps: Vec::new(),
            tests: Vec::new(),
            ..rules.clone()
        };
        let plan = Plan::new(&rules);
        Personas { rules, plan }
    }

    /// Per persona, per lead of `batch`: whether one of its contacts matches it.
    fn of_leads(&self, batch: &Batch, today: i32) -> Vec<Vec<Truth>> {
        if self.rules.personas.is_empty() {
            return Vec::new();
        }
        evaluate_columns_with_lead_personas(&self.rules, &self.plan, batch, today).1
    }
}

/// The counts of some leads.
#[derive(Debug, Default)]
pub struct Tally {
    pub leads: u64,
    pub best: u64,
    /// Per source: key → (best customers, all leads) holding it (text, bool, persona sources).
    pub keys: Vec<HashMap<String, (u64, u64)>>,
    /// Per source: the numbers (number sources).
    pub numbers: Vec<NumberCounts>,
    /// The customer entries matched.
    pub matched: Vec<usize>,
    /// The best customers' ids and leads, when kept.
    pub best_leads: Vec<(String, Lead)>,
}

impl Tally {
    pub fn new(sources: usize) -> Tally {
        Tally {
            keys: vec![HashMap::new(); sources],
            numbers: vec![NumberCounts::default(); sources],
            ..Tally::default()
        }
    }

    /// Adds another tally (of other leads).
    pub fn merge(mut self, other: Tally) -> Tally {
        self.leads += other.leads;
        self.best += other.best;
        for (mine, theirs) in self.keys.iter_mut().zip(other.keys) {
            for (key, (best, all)) in theirs {
                let entry = mine.entry(key).or_insert((0, 0));
                entry.0 += best;
                entry.1 += all;
            }
        }
        for (mine, theirs) in self.numbers.iter_mut().zip(other.numbers) {
            mine.merge(theirs);
        }
        self.matched.extend(other.matched);
        self.best_leads.extend(other.best_leads);
        self
    }
}

/// Counts one batch (its signals already filled).
pub fn count_batch(
    rules: &RuleSet,
    personas: &Personas,
    sources: &[Source],
    customers: &Best,
    batch: &Batch,
    today: i32,
    keep_best: bool,
) -> Tally {
    let mut tally = Tally::new(sources.len());
    let rows = batch.len();
    let domain = rules
        .schema
        .lookup(Entity::Company, "domain")
        .and_then(|f| batch.company.get(f.0 as usize));
    let mut best = vec![false; rows];
    for (row, is_best) in best.iter_mut().enumerate() {
        let id = batch.ids.get(row).unwrap_or_default();
        let domain = domain.and_then(|c| c.text(row));
        if let Some(entry) = customers.find(id, domain) {
            *is_best = true;
            tally.matched.push(entry);
            tally.best += 1;
            if keep_best {
                tally.best_leads.push((id.to_string(), batch.lead(row)));
            }
        }
    }
    tally.leads = rows as u64;
    let held = personas.of_leads(batch, today);
    for (s, source) in sources.iter().enumerate() {
        if let How::Persona(p) = source.how {
            count_persona(&rules.personas[p].name, &held[p], &best, &mut tally.keys[s]);
            continue;
        }
        let column = match source.lane {
            Lane::Company(f) => batch.company.get(f.0 as usize),
            Lane::Contact(f) => batch.contacts.get(f.0 as usize),
            Lane::Signal(c) => batch.signals.get(c),
            Lane::Persona => None,
        };
        let Some(column) = column else { continue };
        if let Column::Number { values, valid } = column {
            for row in 0..rows {
                if valid[row] {
                    tally.numbers[s].add(values[row], best[row]);
                }
            }
            continue;
        }
        let Some(values) = ColumnKeys::of(column, source) else {
            continue;
        };
        let lead_rows = |lead: usize| match source.lane {
            Lane::Contact(_) => batch.contacts_of(lead),
            _ => lead..lead + 1,
        };
        let mut counts = vec![(0u64, 0u64); values.keys.len()];
        let mut stamp = vec![usize::MAX; values.keys.len()];
        for (lead, is_best) in best.iter().enumerate() {
            for row in lead_rows(lead) {
                for &code in values.codes(column, row) {
                    for &key in values.keys_of(code) {
                        let k = key as usize;
                        if stamp[k] != lead {
                            stamp[k] = lead;
                            counts[k].1 += 1;
                            counts[k].0 += u64::from(*is_best);
                        }
                    }
                }
            }
        }
        let map = &mut tally.keys[s];
        for (key, (b, a)) in values.keys.into_iter().zip(counts) {
            if a > 0 {
                let entry = map.entry(key).or_insert((0, 0));
                entry.0 += b;
                entry.1 += a;
            }
        }
    }
    tally
}

/// Counts the leads with a contact of persona `name` (`held`: one truth per lead).
fn count_persona(
    name: &str,
    held: &[Truth],
    best: &[bool],
    keys: &mut HashMap<String, (u64, u64)>,
) {
    let (mut held_best, mut held_all) = (0, 0);
    for (truth, is_best) in held.iter().zip(best) {
        if *truth == Truth::True {
            held_all += 1;
            held_best += u64::from(*is_best);
        }
    }
    if held_all > 0 {
        let entry = keys.entry(name.to_string()).or_insert((0, 0));
        entry.0 += held_best;
        entry.1 += held_all;
    }
}

/// A text, list or bool column's codes mapped to the batch's distinct keys.
struct ColumnKeys {
    /// The distinct keys of the batch.
    keys: Vec<String>,
    /// Code `c` holds keys `flat[starts[c]..starts[c + 1]]`.
    starts: Vec<usize>,
    flat: Vec<u32>,
}

/// The codes of bool values.
const FALSE_TRUE: [u32; 2] = [0, 1];

impl ColumnKeys {
    fn of(column: &Column, source: &Source) -> Option<ColumnKeys> {
        let texts: Vec<&str> = match column {
            Column::Text { dict, .. } | Column::TextList { dict, .. } => dict.values().collect(),
            Column::Bool { .. } => vec!["false", "true"],
            _ => return None,
        };
        let mut index: HashMap<String, u32> = HashMap::new();
        let mut keys = Vec::new();
        let mut starts = vec![0];
        let mut flat = Vec::new();
        for text in texts {
            let found: Vec<String> = match source.how {
                How::Words => words(text),
                _ => {
                    let key = semantics::key(text, source.country);
                    if key.is_empty() { vec![] } else { vec![key] }
                }
            };
            for key in found {
                let next = keys.len() as u32;
                let k = *index.entry(key.clone()).or_insert(next);
                if k == next {
                    keys.push(key);
                }
                if !flat[*starts.last().unwrap_or(&0)..].contains(&k) {
                    flat.push(k);
                }
            }
            starts.push(flat.len());
        }
        Some(ColumnKeys { keys, starts, flat })
    }

    fn keys_of(&self, code: u32) -> &[u32] {
        let c = code as usize;
        &self.flat[self.starts[c]..self.starts[c + 1]]
    }

    /// The codes of one row.
    fn codes<'c>(&self, column: &'c Column, row: usize) -> &'c [u32] {
        match column {
            Column::Text { codes, .. } if codes[row] != MISSING => {
                std::slice::from_ref(&codes[row])
            }
            Column::TextList {
                offsets,
                codes,
                valid,
                ..
            } if valid[row] => &codes[offsets[row] as usize..offsets[row + 1] as usize],
            Column::Bool { values, valid } if valid[row] => {
                std::slice::from_ref(&FALSE_TRUE[usize::from(values[row])])
            }
            _ => &[],
        }
    }
}

/// The words of a title: runs of letters, digits and `_`, lower case, of two characters or
/// more — what `/\bword\b/i` finds.
pub fn words(text: &str) -> Vec<String> {
    let mut found: Vec<String> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| w.chars().count() >= 2)
        .map(str::to_lowercase)
        .collect();
    found.sort();
    found.dedup();
    found
}
