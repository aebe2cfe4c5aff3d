//! A Parquet file of companies (one row per company) read into batches, a window of row units
//! at a time on every thread.
//!
//! How it works: [`ParquetLeads::open`] reads the footer (`crate::parquet`), maps the column
//! names as a CSV header with the companies' role (the `mapping` module: `[input.columns]`,
//! the preset's headers, the canonical names), refuses a column feeding a field whose type is
//! not read, and leaves out of the plan the fields the run does not read, as for CSV.
//! [`ParquetLeads::next_parts`] decodes the next window of batches (a batch of rows each) in
//! file order, each row group once and only the columns the plan reads
//! (`crate::parquet::batches`), then fills each batch's leads in parallel as a companies CSV
//! chunk does (`companies::add_lead`), each slot's value taken from the first of its columns
//! with a value (`put_typed_slots`). A value that cannot be its field's (a text
//! that does not parse, a list for a number, …) is counted as a field error with the row's
//! line, exactly as a CSV cell that does not parse. Its progress ([`ParquetLeads::progress`])
//! advances by each batch's share of its row group's compressed bytes as the batch is read,
//! and reaches the file's size when the last one is.

use icp_engine::batch::BatchBuilder;
use rayon::prelude::*;

use super::InputError;
use super::companies::{CompanyPart, PartFiller, add_lead};
use super::lead::Emitter;
use super::progress::ReadProgress;
use crate::mapping::{Mapper, Plan, Role, Slot};
use crate::parquet::ParquetSource;
use crate::parquet::batches::{Batch, Batches};
use crate::parquet::put::{example_of, put_cell};
use crate::parquet::values::TypedColumn;
use crate::report::ReadReport;

/// Batches decoded at once per thread of the pool.
const PER_THREAD: usize = 4;

/// The line a row of a Parquet file has in messages: its line in the same table written as
/// CSV with a header (`row` counts from 0).
pub(super) fn line_of(row: u64) -> u64 {
    row + 2
}

/// Reads the slots of `plan` from row `row` of `columns` (one per column of the file, `None`
/// where not read) into the row `builder` has open; values that cannot be their field's are
/// counted. Whether any slot got a value. As [`put_slots`](super::cells::put_slots) does
/// for a CSV row.
pub(super) fn put_typed_slots(
    builder: &mut BatchBuilder,
    slots: &[Slot],
    columns: &[Option<TypedColumn<'_>>],
    row: usize,
    separator: &str,
    line: u64,
    report: &mut ReadReport,
) -> bool {
    let mut any = false;
    for slot in slots {
        let mut invalid = None;
        let mut set = false;
        for (column, own) in &slot.columns {
            let Some(Some(values)) = columns.get(*column) else {
                continue;
            };
            let cell = values.cell(row);
            set = match put_cell(builder, slot, *own, cell, separator) {
                Some(set) => set,
                None => {
                    invalid.get_or_insert(cell);
                    false
                }
            };
            if set {
                break;
            }
        }
        any |= set;
        if let (false, Some(cell)) = (set, invalid) {
            report.field_error(&slot.path, &example_of(cell), line);
        }
    }
    any
}

/// The columns of the file a plan reads, in ascending order.
pub(super) fn columns_read(plan: &Plan) -> Vec<usize> {
    let slots = plan
        .company
        .iter()
        .chain(&plan.fallback)
        .chain(&plan.contact);
    let mut columns: Vec<usize> = (slots.flat_map(|s| s.columns.iter().map(|(c, _)| *c)))
        .chain(plan.first_name.iter().copied())
        .chain(plan.last_name.iter().copied())
        .chain(plan.join.map(|(c, _)| c))
        .collect();
    columns.sort_unstable();
    columns.dedup();
    columns
}

/// A Parquet file of companies being read; see the module documentation.
#[derive(Debug)]
pub(super) struct ParquetLeads {
    source: ParquetSource,
    plan: Plan,
    columns: Vec<usize>,
    batches: Batches,
    progress: ReadProgress,
}

impl ParquetLeads {
    /// Maps the columns of the file open in `source`; `project` leaves out of the plan what
    /// the run does not read (given the plan, after the types are checked).
    pub(super) fn open(
        source: ParquetSource,
        mapper: &Mapper<'_>,
        batch_size: usize,
        report: &mut ReadReport,
        project_plan: impl FnOnce(&mut Plan),
    ) -> Result<ParquetLeads, InputError> {
        let mut plan = Plan::for_header(mapper, source.headers(), Role::Companies)
            .map_err(|message| source.error(message))?;
        source.check_types(columns_read(&plan))?;
        report.unknown_columns = plan.unused.clone();
        report.warnings.extend(plan.warnings.iter().cloned());
        project_plan(&mut plan);
        let columns = columns_read(&plan);
        let batches = source.batches(&columns, batch_size);
        let progress = ReadProgress::new(Some(source.size()));
        Ok(ParquetLeads {
            source,
            plan,
            columns,
            batches,
            progress,
        })
    }

    /// How much of the file has been read: a handle another thread may poll.
    pub(super) fn progress(&self) -> ReadProgress {
        self.progress.clone()
    }

    /// How many rows the file has.
    pub(super) fn rows(&self) -> u64 {
        self.source.rows()
    }

    /// The leads of the next window of batches, each batch's in one part, in file order;
    /// none at the end of the file.
    pub(super) fn next_parts(
        &mut self,
        emitter: &Emitter,
        separator: &str,
    ) -> Result<Vec<CompanyPart>, InputError> {
        let window = rayon::current_num_threads().max(1) * PER_THREAD;
        let batches = self.batches.next_window(window)?;
        if batches.is_empty() {
            self.progress.complete();
        }
        let (source, plan, columns) = (&self.source, &self.plan, &self.columns[..]);
        let progress = &self.progress;
        Ok(batches
            .into_par_iter()
            .map(|batch| {
                let part = read_batch(source, plan, columns, &batch, emitter, separator);
                progress.advance(batch.bytes);
                part
            })
            .collect())
    }
}

/// The leads of one batch decoded with `columns`, as one part.
fn read_batch(
    source: &ParquetSource,
    plan: &Plan,
    columns: &[usize],
    batch: &Batch,
    emitter: &Emitter,
    separator: &str,
) -> CompanyPart {
    let mut part = PartFiller::new(emitter);
    let leads = part.leads();
    let columns = source.typed_columns(&batch.rows, columns);
    for row in 0..batch.rows.num_rows() {
        let line = line_of(batch.first_row + row as u64);
        part.report.rows_read += 1;
        let hash = add_lead(
            leads,
            &mut part.fill,
            plan,
            line,
            &mut part.report,
            |builder, slots, report| {
                put_typed_slots(builder, slots, &columns, row, separator, line, report);
            },
        );
        part.added(hash);
    }
    part.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_numbered_as_the_lines_of_a_csv_with_its_header() {
        assert_eq!(line_of(0), 2);
        assert_eq!(line_of(41), 43);
    }
}
