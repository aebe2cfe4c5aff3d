//! The typed Parquet forms of `icp score`'s outputs: the results and the contacts to call.
//!
//! How it works: `icp score` formats its rows as JSON Lines (the same rows, the same keys, in
//! the same order as `--format jsonl`), and [`Output::parquet`] turns them into a typed table
//! ([`JsonLinesToParquet`]) with [`result_columns`] or [`contact_columns`]: texts as
//! `string`, `qualified` as `boolean`, `score` and `max_score` as `double`, and `matched`,
//! `unknown`, `reasons` and `personas` as `list<string>` (the cells CSV joins with `|` or
//! `;`); a missing name or tier is null. [`Output`] is the writer a command hands its
//! formatter: plain bytes, or the Parquet table, closed by [`Output::finish`].

use std::io::{self, Write};
use std::path::Path;

use super::table::{Column, ColumnType, JsonLinesToParquet};
use crate::contact_rows::CONTACT_COLUMNS;
use crate::write::COLUMNS;

/// Whether an output named `path` is written as Parquet: its extension is `.parquet`.
pub fn is_parquet_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
}

/// The typed columns of `icp score`'s results ([`COLUMNS`], then `explain` as JSON text when
/// asked for).
pub fn result_columns(explain: bool) -> Vec<Column> {
    let mut columns: Vec<Column> = COLUMNS
        .iter()
        .map(|name| {
            let ty = match *name {
                "qualified" => ColumnType::Bool,
                "score" | "max_score" => ColumnType::Number,
                "matched" | "unknown" | "reasons" => ColumnType::TextList,
                _ => ColumnType::Text,
            };
            Column::new(name, ty)
        })
        .collect();
    if explain {
        columns.push(Column::new("explain", ColumnType::Text));
    }
    columns
}

/// The typed columns of the contacts to call ([`CONTACT_COLUMNS`]).
pub fn contact_columns() -> Vec<Column> {
    CONTACT_COLUMNS
        .iter()
        .map(|name| {
            let ty = match *name {
                "score" => ColumnType::Number,
                "personas" => ColumnType::TextList,
                _ => ColumnType::Text,
            };
            Column::new(name, ty)
        })
        .collect()
}

/// Where a command's formatted rows go: the bytes as they are, or a Parquet table made from
/// their JSON Lines.
#[derive(Debug)]
pub enum Output<W: Write> {
    Plain(W),
    Parquet(Box<JsonLinesToParquet<W>>),
}

impl<W: Write> Output<W> {
    /// A Parquet table of `columns` written to `out`, from JSON Lines.
    pub fn parquet(out: W, columns: &[Column]) -> io::Result<Output<W>> {
        Ok(Output::Parquet(Box::new(JsonLinesToParquet::new(
            out, columns,
        )?)))
    }

    /// Flushes everything (a Parquet table's last rows and footer) and gives the destination
    /// back.
    pub fn finish(self) -> io::Result<W> {
        match self {
            Output::Plain(mut out) => {
                out.flush()?;
                Ok(out)
            }
            Output::Parquet(table) => table.finish(),
        }
    }
}

impl<W: Write> Write for Output<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Plain(out) => out.write(buf),
            Output::Parquet(table) => table.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Plain(out) => out.flush(),
            Output::Parquet(table) => table.flush(),
        }
    }
}
