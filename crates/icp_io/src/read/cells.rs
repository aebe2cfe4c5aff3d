//! A CSV row, from the splitter's event to the columns of a batch.
//!
//! How it works: `row_cells` turns one event of the splitter into the row's line and cells,
//! or rejects it (logged with its line and reason, counted against the leads or the contacts
//! file): a row a quote left open at the end of the file, one with the wrong number of fields, invalid
//! UTF-8 or nothing in it. `put_slots` then reads each slot of the mapping's plan — the first
//! of its columns whose cell is present and parses — straight into the row the batch builder
//! has open. A missing cell (empty, or a placeholder such as `n/a`) leaves the field to the
//! slot's next column, and the field missing when none has one; a cell that does not parse
//! for its field's type counts as an error of that field (once per row, the first such cell
//! the example) and the field stays missing.

use icp_engine::batch::BatchBuilder;
use icp_engine::{FieldId, Scalar};

use super::InputError;
use super::lead::Special;
use crate::csv_split::{Cells, Event, Record};
use crate::mapping::{Plan, Slot};
use crate::parse::{Kind, Parsed, parse_text};
use crate::report::{ReadReport, Rejects};

/// Rows that could not be read, in the order found: line, reason, raw bytes.
pub(super) type RejectLog = Vec<(u64, String, Vec<u8>)>;

pub(super) fn write_rejects(rejects: &mut Rejects, log: RejectLog) -> Result<(), InputError> {
    for (line, reason, raw) in log {
        rejects
            .write(line, &reason, &raw)
            .map_err(|source| InputError::Rejects { source })?;
    }
    Ok(())
}

/// Leaves out of `plan` the fields `read` does not mark (indexed by `FieldId`).
pub(super) fn project(plan: &mut Plan, read: &[bool], special: Special) {
    let kept = |f: FieldId| read.get(f.0 as usize).copied().unwrap_or(false);
    plan.company.retain(|s| kept(s.field));
    plan.contact.retain(|s| kept(s.field));
    if !special.contact_name.is_some_and(kept) {
        plan.first_name.clear();
        plan.last_name.clear();
    }
}

/// The cells of a record as text, or why the record cannot be read: a file of `headers`
/// (whose names the reasons give) has rows of `headers.len()` fields.
fn cells<'a>(record: &Record<'a>, headers: &[String]) -> Result<Cells<'a>, String> {
    let width = headers.len();
    if record.len() != width {
        return Err(format!(
            "wrong number of fields: expected {width}, found {}",
            record.len()
        ));
    }
    // Usually the whole record is valid UTF-8, checked at once, with each field on a character
    // boundary. Else some field is not valid on its own (fields of valid text make valid text
    // end to end), and the fields are checked one by one to say which.
    let Some(cells) = record.cells() else {
        for (i, bytes) in record.fields().enumerate() {
            if let Err(e) = std::str::from_utf8(bytes) {
                let column = headers.get(i).map_or("?", |h| h.trim());
                return Err(format!(
                    "invalid UTF-8 in column {column:?} at byte {}",
                    e.valid_up_to()
                ));
            }
        }
        return Err("invalid UTF-8".to_string());
    };
    if cells.iter().all(|c| crate::parse::trim(c).is_empty()) {
        return Err("empty row".to_string());
    }
    Ok(cells)
}

fn broken_reason(lines: u64, fields: usize, width: usize) -> String {
    format!(
        "unbalanced quote: a quoted field is still open at the end of the file; the row runs on over {lines} lines with {fields} fields (expected {width})"
    )
}

/// Reads the slots of `plan` from a row's cells straight into the row `builder` has open;
/// values that do not parse are counted. Whether any slot got a value.
///
/// With no row open (a builder that has not opened one) the values are only checked: the
/// same values are counted as not parsing, and none is kept.
pub(super) fn put_slots(
    builder: &mut BatchBuilder,
    slots: &[Slot],
    cells: &Cells<'_>,
    separator: &str,
    line: u64,
    report: &mut ReadReport,
) -> bool {
    let mut any = false;
    for slot in slots {
        let mut invalid = None;
        let mut set = false;
        for (column, own) in &slot.columns {
            let Some(text) = cells.get(*column) else {
                continue;
            };
            let t = crate::parse::trim(text);
            if crate::parse::is_missing_trimmed(t) {
                continue;
            }
            set = match put_text_cell(builder, slot, *own, t, separator) {
                Some(set) => set,
                None => {
                    invalid.get_or_insert(t);
                    false
                }
            };
            if set {
                break;
            }
        }
        any |= set;
        if let (false, Some(text)) = (set, invalid) {
            report.field_error(&slot.path, text, line);
        }
    }
    any
}

/// Puts `t`, a present (trimmed, not a placeholder) text of one of `slot`'s columns, into the
/// row `builder` has open, read for the slot's kind (`own`, the column's own list separator,
/// else `separator`, splits lists): whether the field got a value, `None` when `t` does not
/// parse for its type. The one reading of a text value, for CSV cells and Parquet texts alike.
pub(crate) fn put_text_cell(
    builder: &mut BatchBuilder,
    slot: &Slot,
    own: Option<&str>,
    t: &str,
    separator: &str,
) -> Option<bool> {
    match slot.kind {
        Kind::Text => {
            builder.put_text(slot.field, t);
            Some(true)
        }
        Kind::List(Scalar::String) => {
            let items = crate::parse::split_items(t, own.unwrap_or(separator))
                .filter(|item| !crate::parse::is_missing_trimmed(item));
            Some(builder.put_list(slot.field, items) > 0)
        }
        // Numbers go straight into their column.
        kind @ (Kind::Employees | Kind::Money | Kind::Year | Kind::Number) => {
            let n = crate::parse::parse_number_kind(kind, t)?;
            builder.put_number(slot.field, n);
            Some(true)
        }
        kind => match parse_text(kind, t, own.unwrap_or(separator)) {
            Parsed::Value(v) => {
                builder.put(slot.field, v);
                Some(true)
            }
            Parsed::Missing => Some(false),
            Parsed::Invalid => None,
        },
    }
}

/// `contact.name` from first and last name columns, when no column gave it, in the contact
/// row `builder` has open; whether it made one.
pub(super) fn put_composed_name(
    plan: &Plan,
    cells: &Cells<'_>,
    field: Option<FieldId>,
    builder: &mut BatchBuilder,
) -> bool {
    let Some(field) = field else {
        return false;
    };
    if plan.first_name.is_empty() && plan.last_name.is_empty() || builder.open_text(field).is_some()
    {
        return false;
    }
    let first_of = |columns: &[usize]| {
        columns
            .iter()
            .filter_map(|c| cells.get(*c))
            .find(|s| !crate::parse::is_missing(s))
    };
    match full_name(first_of(&plan.first_name), first_of(&plan.last_name)) {
        Some(name) => {
            builder.put_text(field, &name);
            true
        }
        None => false,
    }
}

/// A contact's name from its first and last names, each trimmed, left out when missing
/// (`None` when both are).
pub(super) fn full_name(first: Option<&str>, last: Option<&str>) -> Option<String> {
    let parts: Vec<&str> = [first, last]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !crate::parse::is_missing_trimmed(s))
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// Which file a row is of: its rejects are counted apart, and a contacts file's reasons say
/// so.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum FileKind {
    Leads,
    Contacts,
}

/// The line and cells of a row, or `None` when it is rejected (and logged).
pub(super) fn row_cells<'a>(
    event: Event<'a>,
    plan: &Plan,
    file: FileKind,
    report: &mut ReadReport,
    rejects: &mut RejectLog,
) -> Option<(u64, Cells<'a>)> {
    debug_assert_eq!(plan.width, plan.headers.len());
    match event_cells(event, &plan.headers) {
        Ok((line, cells, _)) => Some((line, cells)),
        Err((line, reason, raw)) => {
            let reason = match file {
                FileKind::Leads => {
                    report.rejected += 1;
                    reason
                }
                FileKind::Contacts => {
                    report.contacts_rejected += 1;
                    format!("contacts file: {reason}")
                }
            };
            rejects.push((line, reason, raw.to_vec()));
            None
        }
    }
}

/// A row that cannot be read: its line, the reason and its raw bytes.
pub(crate) type Unreadable<'a> = (u64, String, &'a [u8]);

/// The line, cells and raw bytes of a row of a CSV file with `headers`, or the line, reason
/// and raw bytes of a row that cannot be read (a quote left open, the wrong number of
/// fields, invalid UTF-8, nothing in it).
pub(crate) fn event_cells<'a>(
    event: Event<'a>,
    headers: &[String],
) -> Result<(u64, Cells<'a>, &'a [u8]), Unreadable<'a>> {
    let record = match event {
        Event::Broken {
            line,
            raw,
            lines,
            fields,
        } => return Err((line, broken_reason(lines, fields, headers.len()), raw)),
        Event::Record(r) => r,
    };
    match cells(&record, headers) {
        Ok(cells) => Ok((record.line, cells, record.raw)),
        Err(reason) => Err((record.line, reason, record.raw)),
    }
}

pub(crate) fn header_names(record: &Record<'_>) -> Vec<String> {
    record
        .fields()
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect()
}
