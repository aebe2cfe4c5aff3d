//! Parquet files: lead and contact files read as typed columns, and tables written typed.
//!
//! How it works: a file is Parquet when its name ends in `.parquet` or it starts with the
//! magic bytes `PAR1` ([`is_parquet`]). [`ParquetSource::open`] reads only the footer (the
//! schema and where each row group lies); its top-level column names are the headers, mapped to
//! fields exactly as a CSV header is. Before any row is read, every column that feeds a field
//! must have a type `icp` reads ([`values::readable`]); otherwise the read stops naming the
//! column and its type. The rows are then cut into units of at most a batch of rows inside a
//! row group ([`ParquetSource::units`]), which the readers decode a window at a time on every
//! thread of the pool, each unit through its own decoder over the columns it needs only
//! ([`ParquetSource::read_unit`]), so memory is a window of units, as for CSV chunks. The
//! threads share one handle on the file, read at explicit offsets ([`positioned`]). A whole
//! companies file is read instead through [`batches`]: each row group decoded once, in order,
//! a window of batches at a time, the batches then turned into leads in parallel; Parquet
//! bytes on standard input are first copied into an anonymous temporary file ([`spool`]). Each
//! column of a decoded record batch becomes a [`values::TypedColumn`], whose cells go into
//! the batch builder by [`put::put_cell`]. A row's number in messages is the line the row
//! would have in the same table written as CSV with its header: the first row is line 2.
//! A file that cannot be decoded (corrupt, truncated) stops the read with a clear error, never
//! a panic: the decoder's errors are returned, and a panic inside it is caught and reported
//! as a corrupt file.
//!
//! [`table`] writes Parquet: a small API of named, typed columns and rows of cells, and
//! an adapter that turns JSON Lines output into a typed Parquet file; [`results`] gives
//! `icp score`'s outputs their typed columns.

pub(crate) mod batches;
mod positioned;
pub(crate) mod put;
pub mod results;
pub(crate) mod spool;
pub mod table;
pub(crate) mod values;

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder, RowSelection,
    RowSelector,
};
use parquet::file::metadata::PageIndexPolicy;

use crate::read::InputError;
use positioned::PositionedFile;
use values::TypedColumn;

/// Whether `path` names a Parquet file: its extension is `.parquet`, or it is a regular file
/// that starts with `PAR1`.
pub fn is_parquet(path: &Path) -> bool {
    let by_name = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    by_name
        || path.metadata().is_ok_and(|m| m.is_file()) && {
            let mut magic = [0u8; 4];
            File::open(path)
                .and_then(|mut f| f.read_exact(&mut magic))
                .is_ok()
                && &magic == b"PAR1"
        }
}

/// What [`ParquetSource::read_unit`] hands each record batch to: one typed column per column
/// of the file (`None` for those not read), the number of rows, the first row's number.
pub(crate) type RowsOf<'f> = dyn FnMut(&[Option<TypedColumn<'_>>], usize, u64) + 'f;

/// Rows of one row group read together: a unit of work for one thread.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Unit {
    group: usize,
    /// The first row, within the row group, and how many.
    start: usize,
    len: usize,
    /// The first row's number in the file, from 0.
    pub(crate) first_row: u64,
}

/// An open Parquet file: its footer read; see the module documentation.
#[derive(Debug)]
pub(crate) struct ParquetSource {
    /// The file's name in messages.
    path: PathBuf,
    file: PositionedFile,
    metadata: ArrowReaderMetadata,
}

/// The text of a panic caught in the decoder.
fn panic_text(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("the decoder failed")
}

impl ParquetSource {
    /// Opens `path` and reads its footer.
    pub(crate) fn open(path: &Path) -> Result<ParquetSource, InputError> {
        let file = File::open(path).map_err(|source| InputError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        ParquetSource::of_file(file, path)
    }

    /// Reads the footer of the open `file`, named `path` in messages.
    pub(crate) fn of_file(file: File, path: &Path) -> Result<ParquetSource, InputError> {
        let file = PositionedFile::new(file).map_err(|source| InputError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        // The offset index (where each page starts, and its first row), when the writer put one
        // in the footer (Spark, parquet-mr, Polars do): a unit that starts inside a row group
        // then skips the pages before it without reading their headers.
        let options = ArrowReaderOptions::new().with_offset_index_policy(PageIndexPolicy::Optional);
        let loaded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            ArrowReaderMetadata::load(&file, options).map_err(|e| e.to_string())
        }));
        let metadata = match loaded {
            Ok(Ok(metadata)) => metadata,
            Ok(Err(message)) => return Err(corrupt(path, &message)),
            Err(panic) => return Err(corrupt(path, panic_text(&*panic))),
        };
        Ok(ParquetSource {
            path: path.to_path_buf(),
            file,
            metadata,
        })
    }

    /// An error about this file.
    pub(crate) fn error(&self, message: String) -> InputError {
        InputError::Parquet {
            path: self.path.clone(),
            message,
        }
    }

    /// The names of the top-level columns, in order: the file's header.
    pub(crate) fn headers(&self) -> Vec<String> {
        let schema = self.metadata.schema();
        schema.fields().iter().map(|f| f.name().clone()).collect()
    }

    /// The file's size in bytes.
    pub(crate) fn size(&self) -> u64 {
        parquet::file::reader::Length::len(&self.file)
    }

    /// How many rows the file has.
    pub(crate) fn rows(&self) -> u64 {
        let meta = self.metadata.metadata();
        meta.row_groups()
            .iter()
            .map(|g| g.num_rows().max(0) as u64)
            .sum()
    }

    /// Refuses the file when one of `columns` (top-level column numbers) has a type `icp`
    /// does not read, naming the first such column and its type.
    pub(crate) fn check_types(
        &self,
        columns: impl IntoIterator<Item = usize>,
    ) -> Result<(), InputError> {
        let schema = self.metadata.schema();
        for column in columns {
            let Some(field) = schema.fields().get(column) else {
                continue;
            };
            if let Err(why) = values::readable(field.data_type()) {
                return Err(InputError::Parquet {
                    path: self.path.clone(),
                    message: format!(
                        "column {:?} has the type {}, which cannot be read: {why}",
                        field.name(),
                        field.data_type()
                    ),
                });
            }
        }
        Ok(())
    }

    /// The file's rows cut into units of at most `rows` rows, each inside one row group, in
    /// file order.
    pub(crate) fn units(&self, rows: usize) -> Vec<Unit> {
        let rows = rows.max(1);
        let mut units = Vec::new();
        let mut first_row = 0;
        for (group, meta) in self.metadata.metadata().row_groups().iter().enumerate() {
            let n = meta.num_rows().max(0) as usize;
            let mut start = 0;
            while start < n {
                let len = rows.min(n - start);
                units.push(Unit {
                    group,
                    start,
                    len,
                    first_row: first_row + start as u64,
                });
                start += len;
            }
            first_row += n as u64;
        }
        units
    }

    /// Decodes the rows of `unit`, only the top-level `columns` (in ascending order), and
    /// hands each record batch to `each` as one typed column per column of the file (`None`
    /// for those not read) with its number of rows and its first row's number in the file.
    /// A decoding error, or a panic in the decoder, is an error naming the file.
    pub(crate) fn read_unit(
        &self,
        unit: Unit,
        columns: &[usize],
        each: &mut RowsOf<'_>,
    ) -> Result<(), InputError> {
        let decoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.decode(unit, columns, &mut |batch: &RecordBatch, first_row| {
                let typed = self.typed_columns(batch, columns);
                each(&typed, batch.num_rows(), first_row);
            })
        }));
        match decoded {
            Ok(Ok(())) => Ok(()),
            Ok(Err(message)) => Err(corrupt(&self.path, &message)),
            Err(panic) => Err(corrupt(&self.path, panic_text(&*panic))),
        }
    }

    fn decode(
        &self,
        unit: Unit,
        columns: &[usize],
        each: &mut dyn FnMut(&RecordBatch, u64),
    ) -> Result<(), String> {
        let file = self.file.clone();
        let mask = ProjectionMask::roots(self.metadata.parquet_schema(), columns.iter().copied());
        let mut builder =
            ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.metadata.clone())
                .with_projection(mask)
                .with_row_groups(vec![unit.group])
                .with_batch_size(unit.len.max(1));
        let group_rows = self
            .metadata
            .metadata()
            .row_group(unit.group)
            .num_rows()
            .max(0) as usize;
        if unit.start > 0 || unit.len < group_rows {
            builder = builder.with_row_selection(RowSelection::from(vec![
                RowSelector::skip(unit.start),
                RowSelector::select(unit.len),
            ]));
        }
        let reader = builder.build().map_err(|e| e.to_string())?;
        let mut first_row = unit.first_row;
        let mut seen = 0;
        for batch in reader {
            let batch = batch.map_err(|e| e.to_string())?;
            if batch.num_columns() != columns.len() {
                return Err(format!(
                    "{} columns decoded where {} were asked for",
                    batch.num_columns(),
                    columns.len()
                ));
            }
            seen += batch.num_rows();
            each(&batch, first_row);
            first_row += batch.num_rows() as u64;
        }
        if seen != unit.len {
            return Err(format!(
                "row group {} holds {seen} rows where its footer says {}",
                unit.group, unit.len
            ));
        }
        Ok(())
    }
}

fn corrupt(path: &Path, message: &str) -> InputError {
    InputError::Parquet {
        path: path.to_path_buf(),
        message: format!("not a readable Parquet file: {message}"),
    }
}
