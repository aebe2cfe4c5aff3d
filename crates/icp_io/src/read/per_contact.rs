//! A CSV file with one row per contact, the company columns repeated, grouped into leads.
//!
//! How it works: the whole file is read first (a company's rows may be anywhere in it). Each
//! row's company and contact values are read, and the row joins the group of its company: by
//! `company.domain`, else `company.id`, else `company.name` ignoring case; a row with none of
//! them is a lead of its own. A group takes its company values from its first row, each
//! field missing there from the first later row that has it; every row with a contact value
//! adds its contact. The groups are leads in the order each company first appeared.

use std::collections::HashMap;
use std::io::{self, Read};

use super::cells::{FileKind, RejectLog, compose_name, read_slots, row_cells};
use super::lead::{LeadRow, Special, Values, string_of};
use crate::csv_split::{CsvSplitter, Event};
use crate::mapping::Plan;
use crate::report::ReadReport;

/// One CSV event as a lead row (company values, and the row's contact in per-contact mode),
/// or `None` when it was rejected.
pub(super) fn csv_row(
    event: Event<'_>,
    plan: &Plan,
    separator: &str,
    special: Special,
    report: &mut ReadReport,
    rejects: &mut RejectLog,
) -> Option<LeadRow> {
    let (line, cells) = row_cells(event, plan, FileKind::Leads, report, rejects)?;
    let mut row = LeadRow {
        line,
        ..LeadRow::default()
    };
    read_slots(
        &plan.company,
        &cells,
        separator,
        line,
        &mut row.company,
        report,
    );
    if plan.reads_contacts() {
        let mut contact = Values::new();
        read_slots(&plan.contact, &cells, separator, line, &mut contact, report);
        compose_name(plan, &cells, special.contact_name, &mut contact);
        if !contact.is_empty() {
            row.contacts.push(contact);
        }
    }
    Some(row)
}

/// Reads a one-row-per-contact file whole and groups its rows into leads.
pub(super) fn group_rows(
    split: &mut CsvSplitter<Box<dyn Read + Send>>,
    plan: &Plan,
    separator: &str,
    special: Special,
    report: &mut ReadReport,
    rejects: &mut RejectLog,
) -> io::Result<Vec<LeadRow>> {
    let mut groups: Vec<LeadRow> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    while let Some(event) = split.next_event()? {
        report.rows_read += 1;
        let Some(row) = csv_row(event, plan, separator, special, report, rejects) else {
            continue;
        };
        let key = if let Some(d) = string_of(&row.company, special.domain) {
            format!("d\u{0}{d}")
        } else if let Some(id) = string_of(&row.company, special.id) {
            format!("i\u{0}{id}")
        } else if let Some(name) = string_of(&row.company, special.name) {
            format!("n\u{0}{}", name.to_lowercase())
        } else {
            format!("l\u{0}{}", row.line)
        };
        match index.get(&key).and_then(|g| groups.get_mut(*g)) {
            Some(group) => {
                report.grouped_rows += 1;
                for (field, value) in row.company {
                    if !group.company.iter().any(|(f, _)| *f == field) {
                        group.company.push((field, value));
                    }
                }
                group.contacts.extend(row.contacts);
            }
            None => {
                index.insert(key, groups.len());
                groups.push(row);
            }
        }
    }
    Ok(groups)
}
