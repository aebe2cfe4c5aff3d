//! A Parquet contacts file read into the contact index, a window of batches of rows at a
//! time on every thread.
//!
//! How it works: as for a contacts CSV (`contacts_file`), the column names are mapped with the
//! contacts' role, one column is the company key (`[input] contacts_join`, the preset's key,
//! `company_id`, `company.id`, `company.domain`, …), and each column feeding a field must have
//! a type `icp` reads. Each batch of rows (`crate::parquet::batches`) becomes a table of contacts and their keys
//! (`ContactPart`), filled through the same typed cells as a companies file
//! (`parquet_leads::put_typed_slots`); the key cell gives its company keys as the CSV cell does
//! (a text split on the list separator when the join is on ids, a number as its digits, a list
//! item by item). The parts are added to the index in file order.

use std::borrow::Cow;

use icp_engine::batch::{BatchBuilder, Texts};
use rayon::prelude::*;

use super::InputError;
use super::cells::{full_name, project};
use super::contact_index::{ContactIndex, join_key};
use super::contacts_file::{CONTACT_CHUNK_BATCHES, ContactPart, ContactsFile, note_keys};
use super::parquet_leads::{columns_read, line_of, put_typed_slots};
use crate::mapping::{Plan, Role};
use crate::parquet::ParquetSource;
use crate::parquet::batches::Batch;
use crate::parquet::put::text_of;
use crate::parquet::values::{Cell, TypedColumn};
use crate::presets::JoinKind;
use crate::report::{ReadReport, Rejects};

/// Batches decoded at once per thread of the pool.
const PER_THREAD: usize = 2;

/// Reads a Parquet contacts file into an index by company key.
pub(super) fn load(
    file: &ContactsFile<'_>,
    rejects: &mut Rejects,
    report: &mut ReadReport,
) -> Result<ContactIndex, InputError> {
    let source = ParquetSource::open(file.path)?;
    let mut index = ContactIndex::new(file.salesforce);
    let headers = source.headers();
    let mut plan = Plan::for_header(file.mapper, headers, Role::Contacts).map_err(|message| {
        InputError::Contacts {
            path: file.path.to_path_buf(),
            message,
        }
    })?;
    let Some((join_column, kind)) = plan.join else {
        return Ok(index);
    };
    source.check_types(columns_read(&plan))?;
    index.kind = kind;
    report.contacts_unknown_columns = plan.unused.clone();
    report.warnings.extend(plan.warnings.iter().cloned());
    report.contacts_join = Some(format!(
        "{} → company.{}",
        plan.headers.get(join_column).map_or("?", |h| h.trim()),
        kind.field()
    ));
    if let Some(read) = file.read {
        project(&mut plan, read, file.special);
    }
    let columns = columns_read(&plan);
    let rows = file.chunk_lines.saturating_mul(CONTACT_CHUNK_BATCHES);
    let mut batches = source.batches(&columns, rows);
    let reading = Reading {
        file,
        source: &source,
        plan: &plan,
        columns: &columns,
        join_column,
        kind,
    };
    index.reserve(0, 0, source.rows() as usize);
    let window = rayon::current_num_threads().max(1) * PER_THREAD;
    loop {
        let batches = batches.next_window(window)?;
        if batches.is_empty() {
            break;
        }
        let parts: Vec<ContactPart> = batches.par_iter().map(|b| reading.batch(b)).collect();
        index.add(parts, report, rejects)?;
    }
    index.finish();
    Ok(index)
}

/// What reading a batch of a contacts file needs.
struct Reading<'a> {
    file: &'a ContactsFile<'a>,
    source: &'a ParquetSource,
    plan: &'a Plan,
    columns: &'a [usize],
    join_column: usize,
    kind: JoinKind,
}

/// The first present text of `columns` in row `row`.
fn first_text<'c>(
    typed: &'c [Option<TypedColumn<'_>>],
    columns: &[usize],
    row: usize,
) -> Option<Cow<'c, str>> {
    columns
        .iter()
        .filter_map(|c| typed.get(*c)?.as_ref())
        .filter_map(|values| text_of(values.cell(row)))
        .find(|t| !crate::parse::is_missing(t))
}

impl Reading<'_> {
    fn batch(&self, batch: &Batch) -> ContactPart {
        let file = self.file;
        let (plan, separator) = (self.plan, file.separator);
        let schema = file.mapper.schema();
        let mut building = BatchBuilder::reading(schema, 0, file.read);
        building.start_lead("", 0);
        // Where the values of a row without a key go: nowhere, as no row is ever open there.
        let mut unkept = BatchBuilder::reading(schema, 0, Some(&[]));
        let mut keys = Texts::default();
        let mut runs = Vec::new();
        let mut keyless = 0;
        let mut report = ReadReport::default();
        let mut rows = 0;
        // Only ids come as lists (HubSpot's "123;456"); no separator keeps a text whole.
        let key_separator = if self.kind == JoinKind::Id {
            separator
        } else {
            ""
        };
        let typed = &self.source.typed_columns(&batch.rows, self.columns);
        for row in 0..batch.rows.num_rows() {
            let line = line_of(batch.first_row + row as u64);
            report.contact_rows_read += 1;
            let raw: Vec<Cow<'_, str>> = match typed
                .get(self.join_column)
                .and_then(Option::as_ref)
                .map(|c| c.cell(row))
            {
                Some(Cell::List(items, start, end)) => (start..end)
                    .filter_map(|i| text_of(items.cell(i)))
                    .collect(),
                Some(cell) => text_of(cell).into_iter().collect(),
                None => Vec::new(),
            };
            let row_keys = raw
                .iter()
                .flat_map(|t| crate::parse::split_items(t, key_separator))
                .filter(|p| !crate::parse::is_missing_trimmed(p))
                .filter_map(|p| join_key(self.kind, file.salesforce, p));
            let kept = note_keys(&mut keys, &mut runs, rows, row_keys);
            // A row not kept has its values that cannot be read counted all the same.
            let builder = if kept {
                building.start_contact();
                &mut building
            } else {
                keyless += 1;
                &mut unkept
            };
            put_typed_slots(
                builder,
                &plan.contact,
                typed,
                row,
                separator,
                line,
                &mut report,
            );
            if !kept {
                continue;
            }
            if let Some(field) = file.special.contact_name
                && (!plan.first_name.is_empty() || !plan.last_name.is_empty())
                && building.open_text(field).is_none()
            {
                let first = first_text(typed, &plan.first_name, row);
                let last = first_text(typed, &plan.last_name, row);
                if let Some(name) = full_name(first.as_deref(), last.as_deref()) {
                    building.put_text(field, &name);
                }
            }
            rows += 1;
        }
        ContactPart {
            table: building.finish(),
            keys,
            runs,
            keyless,
            report,
            rejects: Vec::new(),
        }
    }
}
