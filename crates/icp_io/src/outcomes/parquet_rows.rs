//! Reading an outcomes file written as Parquet, row by row into deals.
//!
//! How it works: the footer's column names are the header, mapped by the same layout as a CSV
//! header (`columns::Layout`, the preset detected from them unless `[outcomes] preset` names
//! one); the columns that feed a deal must have a type `icp` reads. The rows are decoded in
//! batches in file order (`crate::parquet::batches`), only those columns, and each cell
//! becomes the text the CSV file would hold (a number without a needless `.0`,
//! `true`/`false`, an ISO date; a list of company ids joined by the list separator), which the deal reader reads as it reads a CSV row. A row
//! that is not a deal goes to the rejects with its line (the line it would have in the CSV
//! form, header first) and its values as a CSV row.

use std::borrow::Cow;

use super::columns::{Layout, detect};
use super::files::Reading;
use crate::cells::csv_field;
use crate::parquet::ParquetSource;
use crate::parquet::put::text_of;
use crate::parquet::values::{Cell, TypedColumn};
use crate::read::InputError;

/// Rows decoded at a time.
const UNIT_ROWS: usize = 16 * 1024;

/// The text of row `row` of `column` (`None` when the column is not read or the cell is null).
fn text<'c>(
    typed: &'c [Option<TypedColumn<'_>>],
    column: Option<usize>,
    row: usize,
    separator: &str,
) -> Option<Cow<'c, str>> {
    let values = typed.get(column?)?.as_ref()?;
    match values.cell(row) {
        Cell::List(items, start, end) => {
            let texts: Vec<Cow<'_, str>> = (start..end)
                .filter_map(|i| text_of(items.cell(i)))
                .collect();
            Some(Cow::Owned(texts.join(separator)))
        }
        cell => text_of(cell),
    }
}

impl Reading<'_> {
    /// Reads the Parquet outcomes file at the reading's path.
    pub(super) fn parquet(&mut self) -> Result<(), InputError> {
        let source = ParquetSource::open(self.path)?;
        let headers = source.headers();
        let preset = self
            .config
            .preset
            .unwrap_or_else(|| detect(headers.iter().map(String::as_str)));
        let resolver = self.start(preset);
        let layout = Layout::of(&resolver, &headers);
        if let Some(message) = layout.missing(preset) {
            return Err(InputError::Outcomes {
                path: self.path.to_path_buf(),
                message,
            });
        }
        self.outcomes.report.unknown_columns = layout.unused.clone();
        let slots = [
            layout.company_id,
            layout.domain,
            layout.outcome,
            layout.amount,
            layout.created,
            layout.closed,
            layout.is_won,
            layout.is_closed,
        ];
        let mut columns: Vec<usize> = slots.iter().flatten().copied().collect();
        columns.sort_unstable();
        columns.dedup();
        source.check_types(columns.iter().copied())?;
        let separator = self.config.separator().to_string();
        let mut batches = source.batches(&columns, UNIT_ROWS);
        while let Some(batch) = batches.next_batch()? {
            let typed = &source.typed_columns(&batch.rows, &columns);
            for row in 0..batch.rows.num_rows() {
                self.outcomes.report.rows_read += 1;
                let values = layout.values(|column| text(typed, column, row, &separator));
                // The row as its CSV form would have it, for the rejects.
                let mut raw = Vec::new();
                for (i, column) in columns.iter().enumerate() {
                    if i > 0 {
                        raw.push(b',');
                    }
                    let cell = text(typed, Some(*column), row, &separator);
                    csv_field(&mut raw, cell.unwrap_or_default().as_bytes(), false);
                }
                self.row(batch.first_row + row as u64 + 2, &values, &raw)?;
            }
        }
        Ok(())
    }
}
