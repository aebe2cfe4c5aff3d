//! A chunk of a companies CSV (one row per company) parsed into batches, on one thread.
//!
//! How it works: the `chunks` module hands each thread a run of whole lines; the thread fills
//! a batch builder of its own, one lead per row, each cell straight into its column
//! (`cells::put_slots`), cutting a batch whenever one is full. It keeps the hash of each
//! lead's id (duplicates are counted from those, in file order, once the chunks are back in
//! order) and whether the ids ascended. A lead's contacts from the contacts file are copied
//! in runs: a run that continues the last lead's waits to be copied with it.

use std::io::{self, Read};

use icp_engine::batch::{Batch, BatchBuilder};

use super::cells::{FileKind, RejectLog, put_slots, row_cells};
use super::lead::{Emitter, Filling, Leads};
use crate::chunks::ChunkParser;
use crate::csv_split::{Cells, CsvSplitter};
use crate::mapping::{Plan, Slot};
use crate::report::ReadReport;

/// How many of something a file of `size` bytes probably holds in all, when its first `read`
/// bytes held `n` (with 5% to spare; 0, no guess, when the size is unknown or all was read).
pub(super) fn whole_file(n: usize, read: u64, size: Option<u64>) -> usize {
    match size {
        Some(size) if read > 0 && size > read => {
            (n as f64 * size as f64 / read as f64 * 1.05) as usize
        }
        _ => 0,
    }
}

/// Reads a chunk of a companies CSV into a batch.
pub(super) struct CompanyParser<'a> {
    pub(super) plan: &'a Plan,
    pub(super) separator: &'a str,
    pub(super) emitter: &'a Emitter,
}

/// What a chunk of a companies file held.
pub(super) struct CompanyPart {
    /// One batch, more where a chunk holds more rows than a batch (its lines fewer than its
    /// rows, which happens where quoting is broken).
    pub(super) batches: Vec<Batch>,
    /// The hash of each lead's id.
    pub(super) ids: Vec<u64>,
    /// Whether each lead's id is greater than the one before (the ids are the batches').
    pub(super) ascending: bool,
    pub(super) report: ReadReport,
    pub(super) rejects: RejectLog,
}

impl CompanyParser<'_> {
    /// What the leads of the file share.
    fn leads(&self) -> Leads<'_> {
        Leads {
            special: self.emitter.special,
            contacts: self.emitter.contacts.as_ref(),
        }
    }

    /// Adds a lead from the cells of a row to the batch `fill` is filling, its contacts from
    /// the contacts file deferred (see [`Leads::defer_contacts`]), and counts it; returns
    /// the hash of its id.
    fn add_row(
        &self,
        fill: &mut Filling,
        cells: &Cells<'_>,
        line: u64,
        report: &mut ReadReport,
    ) -> u64 {
        let separator = self.separator;
        add_lead(
            self.leads(),
            fill,
            self.plan,
            line,
            report,
            |builder, slots, report| {
                put_slots(builder, slots, cells, separator, line, report);
            },
        )
    }
}

/// Adds a lead to the batch `fill` is filling: `put` puts the values of a row's slots into the
/// row opened for it (the company slots, then the fallback ones when the row gave no id); its
/// contacts from the contacts file are deferred (see [`Leads::defer_contacts`]), and it is
/// counted. Returns the hash of its id. Every file of one row per company adds its leads so.
pub(super) fn add_lead(
    leads: Leads<'_>,
    fill: &mut Filling,
    plan: &Plan,
    line: u64,
    report: &mut ReadReport,
    mut put: impl FnMut(&mut BatchBuilder, &[Slot], &mut ReadReport),
) -> u64 {
    let builder = &mut fill.builder;
    builder.open_lead();
    put(builder, &plan.company, report);
    let has_id = |builder: &BatchBuilder| {
        (leads.special.id).is_some_and(|id| builder.open_text(id).is_some())
    };
    if !plan.fallback.is_empty() && !has_id(builder) {
        put(builder, &plan.fallback, report);
    }
    let (hash, rows) = leads.close_lead(fill, line);
    leads.defer_contacts(fill, rows, report);
    report.leads += 1;
    hash
}

/// A [`CompanyPart`] being filled, a lead at a time: batches cut as they fill.
pub(super) struct PartFiller<'a> {
    emitter: &'a Emitter,
    pub(super) fill: Filling,
    batches: Vec<Batch>,
    ids: Vec<u64>,
    pub(super) report: ReadReport,
    pub(super) rejects: RejectLog,
}

impl<'a> PartFiller<'a> {
    pub(super) fn new(emitter: &'a Emitter) -> PartFiller<'a> {
        PartFiller {
            emitter,
            fill: Filling::new(emitter.new_builder()),
            batches: Vec::new(),
            ids: Vec::new(),
            report: ReadReport::default(),
            rejects: RejectLog::new(),
        }
    }

    /// What the leads of the file share.
    #[cfg(feature = "parquet")]
    pub(super) fn leads(&self) -> Leads<'a> {
        Leads {
            special: self.emitter.special,
            contacts: self.emitter.contacts.as_ref(),
        }
    }

    /// Notes the lead just added (`hash`, the hash of its id), and cuts a batch when it is
    /// full.
    pub(super) fn added(&mut self, hash: u64) {
        self.ids.push(hash);
        let emitter = self.emitter;
        if self.fill.builder.len() >= emitter.batch_size {
            // The contacts left pending are copied before a batch is finished.
            let contacts = emitter.contacts.as_ref();
            self.fill.flush_contacts(contacts, &mut self.report);
            let full = std::mem::replace(&mut self.fill.builder, emitter.new_builder());
            self.batches.push(full.finish());
            self.fill.codes.clear();
        }
    }

    pub(super) fn finish(mut self) -> CompanyPart {
        if !self.fill.builder.is_empty() {
            let contacts = self.emitter.contacts.as_ref();
            self.fill.flush_contacts(contacts, &mut self.report);
            self.batches.push(self.fill.builder.finish());
        }
        let ascending = (self.batches.iter())
            .flat_map(|b| b.ids.iter())
            .is_sorted_by(|a, b| a < b);
        CompanyPart {
            batches: self.batches,
            ids: self.ids,
            ascending,
            report: self.report,
            rejects: self.rejects,
        }
    }
}

impl ChunkParser for CompanyParser<'_> {
    type Out = CompanyPart;

    fn parse<R: Read>(
        &self,
        split: &mut CsvSplitter<R>,
        max: usize,
    ) -> io::Result<(CompanyPart, usize)> {
        let mut part = PartFiller::new(self.emitter);
        let mut events = 0;
        while events < max {
            let Some(event) = split.next_event()? else {
                break;
            };
            events += 1;
            part.report.rows_read += 1;
            let (report, rejects) = (&mut part.report, &mut part.rejects);
            if let Some((line, cells)) =
                row_cells(event, self.plan, FileKind::Leads, report, rejects)
            {
                let hash = self.add_row(&mut part.fill, &cells, line, &mut part.report);
                part.added(hash);
            }
        }
        let part = part.finish();
        Ok((part, events))
    }
}
