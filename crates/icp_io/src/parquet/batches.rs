//! A Parquet file's rows in file order, a batch at a time, each row group decoded once.
//!
//! How it works: [`Batches`] keeps one decoder open on the current row group (only the columns
//! asked for) and hands out its record batches in turn; at the end of a group it checks the
//! group held the rows its footer says and opens the next. Decoding a group from its first
//! page once matters: a decoder that starts inside a group must first pass over the pages
//! before its rows, and for a list column (no offset index) decompress them to count rows —
//! reading a 122,880-row group in 4,096-row pieces, each with its own decoder, decompressed
//! every page about fifteen times. The companies and contacts readers decode a window of
//! batches here ([`Batches::next_window`]), one after the other, and fill them in parallel;
//! the outcomes reader takes them one at a time. Decoder errors and panics are errors naming
//! the file.

use arrow_array::RecordBatch;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder,
};

use super::positioned::PositionedFile;
use super::values::TypedColumn;
use super::{ParquetSource, corrupt, panic_text};
use crate::read::InputError;

/// One decoded batch: its rows, the first row's number in the file (from 0), and its share of
/// its row group's compressed bytes (for progress).
#[derive(Debug)]
pub(crate) struct Batch {
    pub(crate) rows: RecordBatch,
    pub(crate) first_row: u64,
    pub(crate) bytes: u64,
}

/// The decoder of the row group being read.
struct Current {
    group: usize,
    reader: ParquetRecordBatchReader,
    /// Rows handed out of this group so far.
    seen: usize,
}

/// The batches of a file, in order; see the module documentation.
pub(crate) struct Batches {
    path: std::path::PathBuf,
    file: PositionedFile,
    metadata: ArrowReaderMetadata,
    columns: Vec<usize>,
    batch_rows: usize,
    next_group: usize,
    current: Option<Current>,
    /// The number of the first row of the current group (or of the next one, between groups).
    group_first_row: u64,
}

impl std::fmt::Debug for Batches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batches")
            .field("path", &self.path)
            .field("next_group", &self.next_group)
            .finish_non_exhaustive()
    }
}

impl ParquetSource {
    /// The file's rows in order, `rows` at a time, only the top-level `columns` (ascending).
    pub(crate) fn batches(&self, columns: &[usize], rows: usize) -> Batches {
        Batches {
            path: self.path.clone(),
            file: self.file.clone(),
            metadata: self.metadata.clone(),
            columns: columns.to_vec(),
            batch_rows: rows.max(1),
            next_group: 0,
            current: None,
            group_first_row: 0,
        }
    }

    /// The typed columns of a batch decoded with `columns`: one per column of the file,
    /// `None` for those not read.
    pub(crate) fn typed_columns<'b>(
        &self,
        batch: &'b RecordBatch,
        columns: &[usize],
    ) -> Vec<Option<TypedColumn<'b>>> {
        let width = self.metadata.schema().fields().len();
        let mut typed: Vec<Option<TypedColumn<'b>>> = (0..width).map(|_| None).collect();
        for (k, column) in columns.iter().enumerate() {
            if let (Some(slot), Some(array)) = (typed.get_mut(*column), batch.columns().get(k)) {
                *slot = TypedColumn::new(array.as_ref());
            }
        }
        typed
    }
}

impl Batches {
    /// The next batch, or `None` after the last row of the file.
    pub(crate) fn next_batch(&mut self) -> Result<Option<Batch>, InputError> {
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.advance()));
        match caught {
            Ok(Ok(batch)) => Ok(batch),
            Ok(Err(message)) => Err(corrupt(&self.path, &message)),
            Err(panic) => Err(corrupt(&self.path, panic_text(&*panic))),
        }
    }

    /// The next `n` batches (fewer at the end of the file, none after it), read one after
    /// the other: a window the caller then fills in parallel.
    pub(crate) fn next_window(&mut self, n: usize) -> Result<Vec<Batch>, InputError> {
        let mut window = Vec::with_capacity(n);
        while window.len() < n {
            match self.next_batch()? {
                Some(batch) => window.push(batch),
                None => break,
            }
        }
        Ok(window)
    }

    fn group_rows(&self, group: usize) -> usize {
        self.metadata.metadata().row_group(group).num_rows().max(0) as usize
    }

    fn advance(&mut self) -> Result<Option<Batch>, String> {
        loop {
            let Some(current) = &mut self.current else {
                if self.next_group >= self.metadata.metadata().num_row_groups() {
                    return Ok(None);
                }
                let group = self.next_group;
                self.next_group += 1;
                let mask = ProjectionMask::roots(
                    self.metadata.parquet_schema(),
                    self.columns.iter().copied(),
                );
                let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(
                    self.file.clone(),
                    self.metadata.clone(),
                )
                .with_projection(mask)
                .with_row_groups(vec![group])
                .with_batch_size(self.batch_rows)
                .build()
                .map_err(|e| e.to_string())?;
                self.current = Some(Current {
                    group,
                    reader,
                    seen: 0,
                });
                continue;
            };
            let group = current.group;
            match current.reader.next() {
                Some(batch) => {
                    let rows = batch.map_err(|e| e.to_string())?;
                    if rows.num_columns() != self.columns.len() {
                        return Err(format!(
                            "{} columns decoded where {} were asked for",
                            rows.num_columns(),
                            self.columns.len()
                        ));
                    }
                    let start = current.seen;
                    current.seen += rows.num_rows();
                    let end = current.seen;
                    let first_row = self.group_first_row + start as u64;
                    let bytes = self.bytes_between(group, start, end);
                    return Ok(Some(Batch {
                        rows,
                        first_row,
                        bytes,
                    }));
                }
                None => {
                    let seen = current.seen;
                    let expected = self.group_rows(group);
                    if seen != expected {
                        return Err(format!(
                            "row group {group} holds {seen} rows where its footer says {expected}"
                        ));
                    }
                    self.group_first_row += expected as u64;
                    self.current = None;
                }
            }
        }
    }

    /// The compressed bytes of rows `start..end` of `group`: their share of the group's bytes,
    /// so the batches of a group add up to its bytes exactly.
    fn bytes_between(&self, group: usize, start: usize, end: usize) -> u64 {
        let meta = self.metadata.metadata().row_group(group);
        let bytes = meta.compressed_size().max(0) as u128;
        let rows = meta.num_rows().max(1) as u128;
        let upto = |row: usize| (bytes * row as u128 / rows) as u64;
        upto(end) - upto(start)
    }
}
