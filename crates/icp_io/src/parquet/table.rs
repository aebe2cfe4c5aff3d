//! Writing a typed table as Parquet: named columns of a few types, row by row.
//!
//! How it works: [`TableWriter::new`] takes the columns ([`Column`]: a name and a
//! [`ColumnType`], every column nullable) and the destination; [`TableWriter::push_row`]
//! appends one row of [`Cell`]s to Arrow builders, which become a record batch every
//! [`BATCH_ROWS`] rows and a row group every [`GROUP_ROWS`] (snappy-compressed pages,
//! dictionary encoding where the values repeat). The Parquet encoder writes into a buffer that
//! is drained to the destination after every batch, so the destination needs only `Write`
//! and memory stays at about one row group. [`TableWriter::finish`] writes the footer;
//! without it the file is not a Parquet file (callers write into an `OutputSet`'s temporary
//! file, so a failed run leaves nothing).
//!
//! [`JsonLinesToParquet`] is the one-line route for any command whose output is JSON Lines
//! of flat objects: give its writer this adapter instead of the file, with the columns'
//! names and types, and each line becomes a typed row (a key left out, or `null`, is a null
//! cell; a list column takes a JSON array of strings).
//!
//! ```no_run
//! # fn main() -> std::io::Result<()> {
//! use icp_io::parquet::table::{Column, ColumnType, TableWriter, Cell};
//! let file = std::fs::File::create("signals.parquet")?;
//! let mut table = TableWriter::new(file, &[
//!     Column::new("company_id", ColumnType::Text),
//!     Column::new("value", ColumnType::Number),
//! ])?;
//! table.push_row(&[Cell::Text("acme".into()), Cell::Number(3.0)])?;
//! table.finish()?;
//! # Ok(())
//! # }
//! ```

use std::borrow::Cow;
use std::io::{self, Write};
use std::sync::Arc;

use arrow_array::builder::{
    ArrayBuilder, BooleanBuilder, Date32Builder, Float64Builder, ListBuilder, StringBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

/// Rows per record batch handed to the encoder.
pub const BATCH_ROWS: usize = 8192;
/// Rows per row group.
pub const GROUP_ROWS: usize = 128 * 1024;

/// The type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// UTF-8 text (`string`).
    Text,
    /// A 64-bit float (`double`).
    Number,
    /// `boolean`.
    Bool,
    /// A calendar date (`date32`), days since 1970-01-01.
    Date,
    /// A list of texts (`list<string>`).
    TextList,
}

impl ColumnType {
    fn data_type(self) -> DataType {
        match self {
            ColumnType::Text => DataType::Utf8,
            ColumnType::Number => DataType::Float64,
            ColumnType::Bool => DataType::Boolean,
            ColumnType::Date => DataType::Date32,
            ColumnType::TextList => {
                DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)))
            }
        }
    }
}

/// A named column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub ty: ColumnType,
}

impl Column {
    pub fn new(name: &str, ty: ColumnType) -> Column {
        Column {
            name: name.to_string(),
            ty,
        }
    }
}

/// One value of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    Null,
    Text(Cow<'a, str>),
    Number(f64),
    Bool(bool),
    /// Days since 1970-01-01.
    Date(i32),
    TextList(Vec<Cow<'a, str>>),
}

/// The builder of one column.
#[derive(Debug)]
enum Builder {
    Text(StringBuilder),
    Number(Float64Builder),
    Bool(BooleanBuilder),
    Date(Date32Builder),
    TextList(ListBuilder<StringBuilder>),
}

impl Builder {
    fn new(ty: ColumnType) -> Builder {
        match ty {
            ColumnType::Text => Builder::Text(StringBuilder::new()),
            ColumnType::Number => Builder::Number(Float64Builder::new()),
            ColumnType::Bool => Builder::Bool(BooleanBuilder::new()),
            ColumnType::Date => Builder::Date(Date32Builder::new()),
            ColumnType::TextList => Builder::TextList(ListBuilder::new(StringBuilder::new())),
        }
    }

    /// Appends `cell`; `false` when it is not of the column's type (nothing appended then).
    fn append(&mut self, cell: &Cell<'_>) -> bool {
        match (self, cell) {
            (Builder::Text(b), Cell::Null) => b.append_null(),
            (Builder::Number(b), Cell::Null) => b.append_null(),
            (Builder::Bool(b), Cell::Null) => b.append_null(),
            (Builder::Date(b), Cell::Null) => b.append_null(),
            (Builder::TextList(b), Cell::Null) => b.append_null(),
            (Builder::Text(b), Cell::Text(t)) => b.append_value(t),
            (Builder::Number(b), Cell::Number(n)) => b.append_value(*n),
            (Builder::Bool(b), Cell::Bool(v)) => b.append_value(*v),
            (Builder::Date(b), Cell::Date(d)) => b.append_value(*d),
            (Builder::TextList(b), Cell::TextList(items)) => {
                for item in items {
                    b.values().append_value(item);
                }
                b.append(true);
            }
            _ => return false,
        }
        true
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Text(b) => Arc::new(b.finish()),
            Builder::Number(b) => Arc::new(b.finish()),
            Builder::Bool(b) => Arc::new(b.finish()),
            Builder::Date(b) => Arc::new(b.finish()),
            Builder::TextList(b) => Arc::new(b.finish()),
        }
    }

    fn len(&self) -> usize {
        match self {
            Builder::Text(b) => b.len(),
            Builder::Number(b) => b.len(),
            Builder::Bool(b) => b.len(),
            Builder::Date(b) => b.len(),
            Builder::TextList(b) => b.len(),
        }
    }
}

fn parquet_err(e: parquet::errors::ParquetError) -> io::Error {
    io::Error::other(e.to_string())
}

/// Writes a typed table as Parquet; see the module documentation.
pub struct TableWriter<W: Write> {
    out: W,
    encoder: ArrowWriter<Vec<u8>>,
    schema: Arc<Schema>,
    columns: Vec<Column>,
    builders: Vec<Builder>,
    rows: u64,
}

impl<W: Write> std::fmt::Debug for TableWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableWriter")
            .field("columns", &self.columns)
            .field("rows", &self.rows)
            .finish_non_exhaustive()
    }
}

impl<W: Write> TableWriter<W> {
    /// A table of `columns` written to `out`.
    pub fn new(out: W, columns: &[Column]) -> io::Result<TableWriter<W>> {
        let fields: Vec<Field> = (columns.iter())
            .map(|c| Field::new(&c.name, c.ty.data_type(), true))
            .collect();
        let schema = Arc::new(Schema::new(fields));
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(GROUP_ROWS))
            .build();
        let encoder = ArrowWriter::try_new(Vec::new(), schema.clone(), Some(properties))
            .map_err(parquet_err)?;
        Ok(TableWriter {
            out,
            encoder,
            schema,
            columns: columns.to_vec(),
            builders: columns.iter().map(|c| Builder::new(c.ty)).collect(),
            rows: 0,
        })
    }

    /// The columns, in order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Rows pushed so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Appends a row: one cell per column, each of its column's type (or null).
    pub fn push_row(&mut self, cells: &[Cell<'_>]) -> io::Result<()> {
        if cells.len() != self.columns.len() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} cells for {} columns", cells.len(), self.columns.len()),
            ));
        }
        for (i, cell) in cells.iter().enumerate() {
            if !self.builders[i].append(cell) {
                // Keep the columns the same length: the row's earlier cells are undone by
                // failing the whole write (the table is unusable from here on).
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "column {:?} is {:?}, and {cell:?} is not",
                        self.columns[i].name, self.columns[i].ty
                    ),
                ));
            }
        }
        self.rows += 1;
        if self.builders.first().is_some_and(|b| b.len() >= BATCH_ROWS) {
            self.write_batch()?;
        }
        Ok(())
    }

    /// Hands the rows built so far to the encoder and drains what it wrote.
    fn write_batch(&mut self) -> io::Result<()> {
        if self.builders.first().is_none_or(|b| b.len() == 0) {
            return Ok(());
        }
        let arrays: Vec<ArrayRef> = self.builders.iter_mut().map(Builder::finish).collect();
        let batch = RecordBatch::try_new(self.schema.clone(), arrays).map_err(io::Error::other)?;
        self.encoder.write(&batch).map_err(parquet_err)?;
        self.drain()
    }

    fn drain(&mut self) -> io::Result<()> {
        let bytes = self.encoder.inner_mut();
        if !bytes.is_empty() {
            self.out.write_all(bytes)?;
            bytes.clear();
        }
        Ok(())
    }

    /// Writes the last rows and the footer, and gives the destination back (flushed).
    pub fn finish(mut self) -> io::Result<W> {
        self.write_batch()?;
        let rest = self.encoder.into_inner().map_err(parquet_err)?;
        self.out.write_all(&rest)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// JSON Lines of flat objects written as a typed Parquet table; see the module documentation.
pub struct JsonLinesToParquet<W: Write> {
    table: TableWriter<W>,
    /// The start of a line not yet ended.
    pending: Vec<u8>,
}

impl<W: Write> std::fmt::Debug for JsonLinesToParquet<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonLinesToParquet")
            .field("table", &self.table)
            .finish_non_exhaustive()
    }
}

/// A JSON value as a cell of a column of type `ty`.
fn json_cell(ty: ColumnType, value: Option<&serde_json::Value>) -> Option<Cell<'_>> {
    use serde_json::Value as J;
    Some(match (ty, value) {
        (_, None | Some(J::Null)) => Cell::Null,
        (ColumnType::Text, Some(J::String(s))) => Cell::Text(Cow::Borrowed(s)),
        // A text column may hold JSON (an `explain` object) as its text.
        (ColumnType::Text, Some(other)) => Cell::Text(Cow::Owned(other.to_string())),
        (ColumnType::Number, Some(J::Number(n))) => Cell::Number(n.as_f64()?),
        (ColumnType::Bool, Some(J::Bool(b))) => Cell::Bool(*b),
        (ColumnType::Date, Some(J::String(s))) => Cell::Date(crate::parse::parse_date(s)?),
        (ColumnType::TextList, Some(J::Array(items))) => Cell::TextList(
            items
                .iter()
                .map(|i| match i {
                    J::String(s) => Cow::Borrowed(s.as_str()),
                    other => Cow::Owned(other.to_string()),
                })
                .collect(),
        ),
        _ => return None,
    })
}

impl<W: Write> JsonLinesToParquet<W> {
    /// A Parquet table of `columns` written to `out`, from the JSON Lines written to it.
    pub fn new(out: W, columns: &[Column]) -> io::Result<JsonLinesToParquet<W>> {
        Ok(JsonLinesToParquet {
            table: TableWriter::new(out, columns)?,
            pending: Vec::new(),
        })
    }

    fn line(&mut self, line: &[u8]) -> io::Result<()> {
        if line.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        let object: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(line)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        let mut cells = Vec::with_capacity(self.table.columns.len());
        for column in &self.table.columns {
            let value = object.get(&column.name);
            let cell = json_cell(column.ty, value).ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "column {:?} is {:?}: {value:?} is not",
                        column.name, column.ty
                    ),
                )
            })?;
            cells.push(cell);
        }
        let cells: Vec<Cell<'static>> = cells.into_iter().map(into_owned).collect();
        self.table.push_row(&cells)
    }

    /// Writes the rows of a last line without its line end, and the footer; gives the
    /// destination back.
    pub fn finish(mut self) -> io::Result<W> {
        let rest = std::mem::take(&mut self.pending);
        self.line(&rest)?;
        self.table.finish()
    }
}

fn into_owned(cell: Cell<'_>) -> Cell<'static> {
    match cell {
        Cell::Null => Cell::Null,
        Cell::Text(t) => Cell::Text(Cow::Owned(t.into_owned())),
        Cell::Number(n) => Cell::Number(n),
        Cell::Bool(b) => Cell::Bool(b),
        Cell::Date(d) => Cell::Date(d),
        Cell::TextList(items) => Cell::TextList(
            items
                .into_iter()
                .map(|t| Cow::Owned(t.into_owned()))
                .collect(),
        ),
    }
}

impl<W: Write> Write for JsonLinesToParquet<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        while let Some(end) = memchr::memchr(b'\n', rest) {
            let (line, after) = rest.split_at(end);
            if self.pending.is_empty() {
                self.line(line)?;
            } else {
                let mut whole = std::mem::take(&mut self.pending);
                whole.extend_from_slice(line);
                self.line(&whole)?;
            }
            rest = &after[1..];
        }
        self.pending.extend_from_slice(rest);
        Ok(buf.len())
    }

    /// Rows are written a batch at a time, and the footer by [`finish`](Self::finish) only.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_of_the_wrong_type_is_an_error() {
        let mut table =
            TableWriter::new(Vec::new(), &[Column::new("n", ColumnType::Number)]).unwrap();
        assert!(table.push_row(&[Cell::Text("x".into())]).is_err());
        assert!(table.push_row(&[]).is_err());
    }

    #[test]
    fn json_lines_become_a_parquet_file() {
        let columns = [
            Column::new("id", ColumnType::Text),
            Column::new("score", ColumnType::Number),
            Column::new("ok", ColumnType::Bool),
            Column::new("tags", ColumnType::TextList),
        ];
        let mut sink = JsonLinesToParquet::new(Vec::new(), &columns).unwrap();
        sink.write_all(b"{\"id\":\"a\",\"score\":1.5,\"ok\":true,\"tags\":[\"x\"]}\n{\"id\":\"b\"")
            .unwrap();
        sink.write_all(b",\"score\":null,\"tags\":[]}\n").unwrap();
        let bytes = sink.finish().unwrap();
        assert!(bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"));
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(&bytes).unwrap();
        let reader =
            parquet::arrow::arrow_reader::ParquetRecordBatchReader::try_new(file, 16).unwrap();
        let rows: usize = reader.map(|b| b.unwrap().num_rows()).sum();
        assert_eq!(rows, 2);
    }
}
