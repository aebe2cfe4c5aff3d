//! A chunk of a companies CSV (one row per company) parsed into batches, on one thread.
//!
//! How it works: the `chunks` module hands each thread a run of whole lines; the thread fills
//! a batch builder of its own through `lead::add_csv_row`, one lead per row, cutting a batch
//! whenever one is full, and keeps the hash of each lead's id (duplicates are counted from
//! those, in file order, once the chunks are back in order) and whether the ids ascended.

use std::io::{self, Read};

use icp_engine::batch::{Batch, BatchBuilder, CodeMap};

use super::cells::{FileKind, RejectLog, row_cells};
use super::lead::{Emitter, Scratch, add_csv_row};
use crate::chunks::ChunkParser;
use crate::csv_split::CsvSplitter;
use crate::mapping::Plan;
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

impl ChunkParser for CompanyParser<'_> {
    type Out = CompanyPart;

    fn parse<R: Read>(
        &self,
        split: &mut CsvSplitter<R>,
        max: usize,
    ) -> io::Result<(CompanyPart, usize)> {
        let emitter = self.emitter;
        let mut builder = emitter.new_builder();
        let mut codes = Vec::new();
        let mut batches = Vec::new();
        let mut ids = Vec::new();
        let mut report = ReadReport::default();
        let mut rejects = RejectLog::new();
        let mut events = 0;
        let mut scratch = Scratch::default();
        // The contacts left pending, copied before a batch is finished.
        let flush = |builder: &mut BatchBuilder,
                     codes: &mut Vec<CodeMap>,
                     report: &mut ReadReport,
                     scratch: &mut Scratch| {
            if let Some(index) = emitter.contacts.as_ref() {
                index.flush_contacts(builder, codes, report, &mut scratch.pending);
            }
        };
        while events < max {
            let Some(event) = split.next_event()? else {
                break;
            };
            events += 1;
            report.rows_read += 1;
            let cells = row_cells(event, self.plan, FileKind::Leads, &mut report, &mut rejects);
            if let Some((line, cells)) = cells {
                ids.push(add_csv_row(
                    &mut builder,
                    &mut codes,
                    self.plan,
                    &cells,
                    self.separator,
                    line,
                    emitter.special,
                    emitter.contacts.as_ref(),
                    &mut report,
                    &mut scratch,
                ));
                if builder.len() >= emitter.batch_size {
                    flush(&mut builder, &mut codes, &mut report, &mut scratch);
                    batches.push(std::mem::replace(&mut builder, emitter.new_builder()).finish());
                    codes.clear();
                }
            }
        }
        if !builder.is_empty() {
            flush(&mut builder, &mut codes, &mut report, &mut scratch);
            batches.push(builder.finish());
        }
        let ascending = batches
            .iter()
            .flat_map(|b| b.ids.iter())
            .is_sorted_by(|a, b| a < b);
        let part = CompanyPart {
            batches,
            ids,
            ascending,
            report,
            rejects,
        };
        Ok((part, events))
    }
}
