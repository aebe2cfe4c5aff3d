//! One lead assembled, and leads put into batches.
//!
//! How it works: a lead's company values go into the row the batch builder has open; then
//! `identify` reads its id (the id column, else the normalised domain, else the line number,
//! written into `company.id` when the row had none) and its key into the contacts file, the
//! row is closed, and the contacts its key names are copied in from the contact index. The
//! [`Emitter`] holds the batch being filled off the chunked path and the ids seen (to count
//! duplicates), and hands out a batch each time one is full.

use std::io;

use icp_engine::batch::{Batch, BatchBuilder, CodeMap};
use icp_engine::{Entity, FieldId, Schema, Value};

use super::cells::put_slots;
use super::contact_index::{ContactIndex, KeyRows, join_key};
use crate::csv_split::Cells;
use crate::mapping::Plan;
use crate::presets::JoinKind;
use crate::report::ReadReport;
use crate::seen::{SeenIds, hash_of};

/// Field values of one company or contact, each field at most once.
pub(super) type Values = Vec<(FieldId, Value)>;

/// One lead before it goes into a batch.
#[derive(Debug, Default)]
pub(super) struct LeadRow {
    pub(super) line: u64,
    pub(super) company: Values,
    pub(super) contacts: Vec<Values>,
}

pub(super) fn string_of(values: &Values, field: Option<FieldId>) -> Option<&str> {
    let field = field?;
    values.iter().find_map(|(f, v)| match v {
        Value::String(s) if *f == field => Some(s.as_str()),
        _ => None,
    })
}

/// The fields readers treat specially.
#[derive(Debug, Clone, Copy)]
pub(super) struct Special {
    pub(super) id: Option<FieldId>,
    pub(super) domain: Option<FieldId>,
    pub(super) name: Option<FieldId>,
    pub(super) contact_name: Option<FieldId>,
}

impl Special {
    pub(super) fn of(schema: &Schema) -> Special {
        Special {
            id: schema.lookup(Entity::Company, "id"),
            domain: schema.lookup(Entity::Company, "domain"),
            name: schema.lookup(Entity::Company, "name"),
            contact_name: schema.lookup(Entity::Contact, "name"),
        }
    }
}

/// Adds one lead to `builder`, with its contacts from the contacts file, and counts it;
/// returns the hash of its id (duplicate ids are counted from those).
pub(super) fn add_row(
    builder: &mut BatchBuilder,
    codes: &mut Vec<CodeMap>,
    special: Special,
    contacts: Option<&ContactIndex>,
    row: LeadRow,
    report: &mut ReadReport,
    scratch: &mut Scratch,
) -> u64 {
    let (has_id, rows) = identify(
        |f| string_of(&row.company, f),
        special,
        row.line,
        contacts,
        scratch,
    );
    let id = scratch.id.as_str();
    let hash = hash_of(id);
    let mut company = row.company;
    if let (Some(field), false) = (special.id, has_id) {
        company.push((field, Value::String(id.to_string())));
    }
    builder.add_lead(id, row.line, company);
    for contact in row.contacts {
        report.contacts += 1;
        builder.add_contact(contact);
    }
    if let Some((index, rows)) = rows {
        index.copy_contacts(builder, rows, codes, report);
    }
    report.leads += 1;
    hash
}

/// What reading leads one after another keeps (per chunk, or in the [`Emitter`] off the
/// chunked path): the id being built, and where the contacts file's next key probably is.
#[derive(Debug, Default)]
pub(super) struct Scratch {
    id: String,
    /// The code after the last key found (with keys in order, after a key not found, the
    /// code where it would be): files of companies and of contacts are often in the same
    /// order, and then the next company's key is that one.
    next_key: u32,
    /// The contacts of the last leads, a run not yet copied into their batch
    /// ([`ContactIndex::defer_contacts`]).
    pub(super) pending: Option<std::ops::Range<usize>>,
}

/// Who a lead is, from its `text` fields: its id in `scratch.id` (its id, else its domain,
/// else its line number), whether it had an id, and the contacts of the contacts file its key
/// names.
pub(super) fn identify<'t, 'i>(
    text: impl Fn(Option<FieldId>) -> Option<&'t str>,
    special: Special,
    line: u64,
    contacts: Option<&'i ContactIndex>,
    scratch: &mut Scratch,
) -> (bool, Option<(&'i ContactIndex, &'i KeyRows)>) {
    let own = text(special.id);
    let id = &mut scratch.id;
    id.clear();
    match own.or_else(|| text(special.domain)) {
        Some(text) => id.push_str(text),
        None => id.push_str(itoa::Buffer::new().format(line)),
    }
    let rows = contacts.and_then(|index| {
        let raw = match index.kind {
            // Only a real id joins: one made up from the domain or the line number
            // would attach another company's contacts.
            JoinKind::Id => own,
            JoinKind::Domain => text(special.domain),
            JoinKind::Name => text(special.name),
        };
        let key = join_key(index.kind, index.salesforce, raw?)?;
        Some((index, index.rows_of(&key, &mut scratch.next_key)?))
    });
    (own.is_some(), rows)
}

/// Adds a lead from the cells of a companies CSV row to `builder`, with its contacts from the
/// contacts file, and counts it; returns the hash of its id. The same as [`add_row`] for a
/// row [`csv_row`] read, without the values in between.
#[allow(clippy::too_many_arguments)]
pub(super) fn add_csv_row(
    builder: &mut BatchBuilder,
    codes: &mut Vec<CodeMap>,
    plan: &Plan,
    cells: &Cells<'_>,
    separator: &str,
    line: u64,
    special: Special,
    contacts: Option<&ContactIndex>,
    report: &mut ReadReport,
    scratch: &mut Scratch,
) -> u64 {
    builder.open_lead();
    put_slots(builder, &plan.company, cells, separator, line, report);
    fn text(builder: &BatchBuilder, field: Option<FieldId>) -> Option<&str> {
        builder.open_text(field?)
    }
    if !plan.fallback.is_empty() && text(builder, special.id).is_none() {
        put_slots(builder, &plan.fallback, cells, separator, line, report);
    }
    let (has_id, rows) = identify(|f| text(builder, f), special, line, contacts, scratch);
    let id = scratch.id.as_str();
    let hash = hash_of(id);
    if let (Some(field), false) = (special.id, has_id) {
        builder.put_text(field, id);
    }
    builder.close_lead(id, line);
    if let Some((index, rows)) = rows {
        index.defer_contacts(builder, rows, codes, report, &mut scratch.pending);
    }
    report.leads += 1;
    hash
}

/// Puts leads into batches.
#[derive(Debug)]
pub(super) struct Emitter {
    pub(super) schema: Schema,
    pub(super) batch_size: usize,
    /// The fields batches keep (all when `None`).
    pub(super) read: Option<Vec<bool>>,
    pub(super) builder: BatchBuilder,
    /// Text codes of the contacts tables translated to the builder's.
    pub(super) codes: Vec<CodeMap>,
    pub(super) special: Special,
    /// The ids seen so far.
    pub(super) seen: SeenIds,
    /// For leads read off the chunked path (JSON Lines, per-contact files).
    pub(super) scratch: Scratch,
    pub(super) contacts: Option<ContactIndex>,
}

impl Emitter {
    /// Adds a lead read row by row; a batch when one is full. Fails only as
    /// [`SeenIds::count`] does.
    pub(super) fn push(
        &mut self,
        row: LeadRow,
        report: &mut ReadReport,
    ) -> io::Result<Option<Batch>> {
        let hash = add_row(
            &mut self.builder,
            &mut self.codes,
            self.special,
            self.contacts.as_ref(),
            row,
            report,
            &mut self.scratch,
        );
        let id = self.scratch.id.as_str();
        self.seen.count(&[hash], Some((id, id)), report)?;
        Ok((self.builder.len() >= self.batch_size).then(|| self.take()))
    }

    /// A builder for the next batch, with room for a batch of leads (and two contacts each
    /// when there is a contacts file).
    pub(super) fn new_builder(&self) -> BatchBuilder {
        let mut builder = BatchBuilder::reading(&self.schema, 0, self.read.as_deref());
        // Ids, names and domains are nearly all distinct: looking each up would cost more than
        // storing a repeated one twice.
        let Special {
            id, domain, name, ..
        } = self.special;
        for field in [id, domain, name].into_iter().flatten() {
            builder.unindexed(field);
        }
        let leads = self.batch_size.min(1 << 16);
        let contacts = if self.contacts.is_some() {
            2 * leads
        } else {
            0
        };
        builder.reserve(leads, contacts);
        builder
    }

    fn take(&mut self) -> Batch {
        self.codes.clear();
        let fresh = self.new_builder();
        std::mem::replace(&mut self.builder, fresh).finish()
    }

    /// The last, partial batch.
    pub(super) fn flush(&mut self) -> Option<Batch> {
        (!self.builder.is_empty()).then(|| self.take())
    }
}
