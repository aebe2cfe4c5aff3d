//! Parquet files: lead and contact files read as typed columns, and tables written typed.
//!
//! How it works: a file is Parquet when its name ends in `.parquet` or it starts with the
//! magic bytes `PAR1` ([`is_parquet`]). [`ParquetSource::open`] reads only the footer (the
//! schema and where each row group lies); its top-level column names are the headers, mapped to
//! fields exactly as a CSV header is. Before any row is read, every column that feeds a field
//! must have a type `icp` reads ([`values::readable`]); otherwise the read stops naming the
//! column and its type. The rows are then read in batches of rows ([`batches`]): each row
//! group decoded once, in order, only the columns a reader needs, a window of batches at a
//! time that the readers fill in parallel, so memory is a window of batches, as for CSV
//! chunks. The threads share one handle on the file, read at explicit offsets
//! ([`positioned`]); Parquet
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

use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};

use crate::read::InputError;
use positioned::PositionedFile;

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
        // Every row group is decoded from its first page (`batches`), so no page index is read.
        let options = ArrowReaderOptions::new();
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
}

fn corrupt(path: &Path, message: &str) -> InputError {
    InputError::Parquet {
        path: path.to_path_buf(),
        message: format!("not a readable Parquet file: {message}"),
    }
}
