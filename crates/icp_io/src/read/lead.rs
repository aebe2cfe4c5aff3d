//! One lead assembled, and leads put into batches.
//!
//! How it works: every input shape fills a lead the same way: it opens a row of the batch
//! builder's company columns (`BatchBuilder::open_lead`) and puts each value it reads there
//! (`put_text`, `put_list`, `put_number`, `put`); a field given no value is missing, and gets
//! the column's missing value when the row closes. [`Leads::close_lead`] then reads the lead's
//! id (the id column, else the normalised domain, else the line number, written into
//! `company.id` when the row had none) and its key into the contacts file, and closes the
//! row; the shape adds the lead's own contacts (rows opened with `start_contact`), then the
//! ones the contacts file has for the key are copied from the contact index. The [`Emitter`]
//! holds the batch being filled off the chunked path and the ids seen (to count duplicates),
//! and hands out a batch each time one is full.

use std::io;

use icp_engine::batch::{Batch, BatchBuilder, CodeMap};
use icp_engine::{Entity, FieldId, Schema};

use super::contact_index::{ContactIndex, KeyRows, join_key};
use crate::presets::JoinKind;
use crate::report::ReadReport;
use crate::seen::{SeenIds, hash_of};

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

/// A batch being filled, and what filling it keeps from one lead to the next.
#[derive(Debug)]
pub(super) struct Filling {
    pub(super) builder: BatchBuilder,
    /// Text codes of the contacts tables translated to the builder's.
    pub(super) codes: Vec<CodeMap>,
    scratch: Scratch,
}

impl Filling {
    pub(super) fn new(builder: BatchBuilder) -> Filling {
        Filling {
            builder,
            codes: Vec::new(),
            scratch: Scratch::default(),
        }
    }

    /// Copies the contacts [`ContactIndex::defer_contacts`] left pending into the batch
    /// (before it is finished).
    pub(super) fn flush_contacts(
        &mut self,
        contacts: Option<&ContactIndex>,
        report: &mut ReadReport,
    ) {
        if let Some(index) = contacts {
            index.flush_contacts(
                &mut self.builder,
                &mut self.codes,
                report,
                &mut self.scratch.pending,
            );
        }
    }
}

/// What reading leads one after another keeps (per chunk, or in the [`Emitter`] off the
/// chunked path): the id being built, and where the contacts file's next key probably is.
#[derive(Debug, Default)]
struct Scratch {
    id: String,
    /// The code after the last key found (with keys in order, after a key not found, the
    /// code where it would be): files of companies and of contacts are often in the same
    /// order, and then the next company's key is that one.
    next_key: u32,
    /// The contacts of the last leads, a run not yet copied into their batch
    /// ([`ContactIndex::defer_contacts`]).
    pub(super) pending: Option<std::ops::Range<usize>>,
}

/// What the leads of one file share as they are assembled: the fields read specially, and
/// the contacts file's index (if any).
#[derive(Debug, Clone, Copy)]
pub(super) struct Leads<'a> {
    pub(super) special: Special,
    pub(super) contacts: Option<&'a ContactIndex>,
}

impl<'a> Leads<'a> {
    /// Closes the lead whose company values are in the open row of `fill`'s builder: gives
    /// it its id (see [`identify`]) and closes the row. Returns the hash of the id (duplicate
    /// ids are counted from those) and the contacts the contacts file has for the lead's key,
    /// which the caller copies in after the lead's own contacts.
    pub(super) fn close_lead(self, fill: &mut Filling, line: u64) -> (u64, Option<&'a KeyRows>) {
        let Filling {
            builder, scratch, ..
        } = fill;
        let text = |field: Option<FieldId>| builder.open_text(field?);
        let (has_id, rows) = identify(text, self.special, line, self.contacts, scratch);
        let id = scratch.id.as_str();
        if let (Some(field), false) = (self.special.id, has_id) {
            builder.put_text(field, id);
        }
        builder.close_lead(id, line);
        (hash_of(id), rows)
    }

    /// Copies contacts `rows` of the contacts file (as [`close_lead`](Self::close_lead)
    /// found them) into the lead just closed, at once.
    pub(super) fn copy_contacts(
        self,
        fill: &mut Filling,
        rows: Option<&KeyRows>,
        report: &mut ReadReport,
    ) {
        if let (Some(index), Some(rows)) = (self.contacts, rows) {
            index.copy_contacts(&mut fill.builder, rows, &mut fill.codes, report);
        }
    }

    /// Copies contacts `rows` into the lead just closed, or defers them to be copied with
    /// the next leads' in one run ([`ContactIndex::defer_contacts`]; see
    /// [`Filling::flush_contacts`]).
    pub(super) fn defer_contacts(
        self,
        fill: &mut Filling,
        rows: Option<&KeyRows>,
        report: &mut ReadReport,
    ) {
        if let (Some(index), Some(rows)) = (self.contacts, rows) {
            let pending = &mut fill.scratch.pending;
            index.defer_contacts(&mut fill.builder, rows, &mut fill.codes, report, pending);
        }
    }
}

/// Who a lead is, from its `text` fields: its id in `scratch.id` (its id, else its domain,
/// else its line number), whether it had an id, and the contacts of the contacts file its key
/// names.
fn identify<'t, 'i>(
    text: impl Fn(Option<FieldId>) -> Option<&'t str>,
    special: Special,
    line: u64,
    contacts: Option<&'i ContactIndex>,
    scratch: &mut Scratch,
) -> (bool, Option<&'i KeyRows>) {
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
        index.rows_of(&key, &mut scratch.next_key)
    });
    (own.is_some(), rows)
}

/// Puts leads into batches.
#[derive(Debug)]
pub(super) struct Emitter {
    pub(super) schema: Schema,
    pub(super) batch_size: usize,
    /// The fields batches keep (all when `None`).
    pub(super) read: Option<Vec<bool>>,
    /// The batch being filled, for leads read off the chunked path (JSON Lines, per-contact
    /// files).
    pub(super) filling: Filling,
    pub(super) special: Special,
    /// The ids seen so far.
    pub(super) seen: SeenIds,
    pub(super) contacts: Option<ContactIndex>,
}

impl Emitter {
    /// The batch being filled, and what its leads share.
    pub(super) fn filling(&mut self) -> (Leads<'_>, &mut Filling) {
        let leads = Leads {
            special: self.special,
            contacts: self.contacts.as_ref(),
        };
        (leads, &mut self.filling)
    }

    /// Counts the id of the lead just added to the batch being filled (`hash`, its hash); a
    /// batch when one is full. Fails only as [`SeenIds::count`] does.
    pub(super) fn counted(
        &mut self,
        hash: u64,
        report: &mut ReadReport,
    ) -> io::Result<Option<Batch>> {
        let id = self.filling.scratch.id.as_str();
        self.seen.count(&[hash], Some((id, id)), report)?;
        Ok((self.filling.builder.len() >= self.batch_size).then(|| self.take()))
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
        self.filling.codes.clear();
        let fresh = self.new_builder();
        std::mem::replace(&mut self.filling.builder, fresh).finish()
    }

    /// The last, partial batch.
    pub(super) fn flush(&mut self) -> Option<Batch> {
        (!self.filling.builder.is_empty()).then(|| self.take())
    }
}
