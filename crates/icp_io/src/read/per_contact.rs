//! A CSV file with one row per contact, the company columns repeated, grouped into leads.
//!
//! How it works: the whole file is read first (a company's rows may be anywhere in it), each
//! row into a table of rows through the batch builder's `put_*` path, as any CSV row is: the
//! row's company values as a lead of the table, its contact values as that lead's one
//! contact. The row joins the group of its company: by `company.domain`, else `company.id`,
//! else `company.name` ignoring case; a row with none of them is a lead of its own. The
//! groups are then leads, in the order each company first appeared: a lead takes each company
//! field from the first of its rows that has it (missing when none has), and a contact from
//! every row that had a contact value. **This mode holds the whole file in memory**, in
//! columns.

use std::collections::HashMap;
use std::io::{self, Read};

use icp_engine::batch::{Batch, BatchBuilder, CodeMap, Column};
use icp_engine::{FieldId, Schema};

use super::cells::{FileKind, RejectLog, put_composed_name, put_slots, row_cells};
use super::lead::{Filling, Leads, Special};
use crate::csv_split::CsvSplitter;
use crate::mapping::Plan;
use crate::report::ReadReport;

/// A one-row-per-contact file read whole, grouped by company.
#[derive(Debug)]
pub(super) struct Grouped {
    /// Row `i` of the file (of those not rejected) as lead `i`, with its contact as contact
    /// `i`.
    rows: Batch,
    /// Whether each row's contact has a value (a row without one adds no contact).
    has_contact: Vec<bool>,
    /// The rows of each company, in the order the companies first appeared.
    groups: std::vec::IntoIter<Vec<u32>>,
    /// Text codes of `rows` translated to those of the batch being filled.
    codes: CodeMap,
}

/// The columns of a batch with a value at `row`, for the first of `rows` that has one.
fn first_with_value(column: &Column, rows: &[u32]) -> Option<usize> {
    rows.iter().map(|&r| r as usize).find(|&r| column.has(r))
}

impl Grouped {
    /// Reads the rest of the file (after its header) and groups its rows.
    pub(super) fn read(
        split: &mut CsvSplitter<Box<dyn Read + Send>>,
        plan: &Plan,
        separator: &str,
        schema: &Schema,
        special: Special,
        report: &mut ReadReport,
        rejects: &mut RejectLog,
    ) -> io::Result<Grouped> {
        let mut rows = BatchBuilder::new(schema, 0);
        let mut has_contact = Vec::new();
        let mut groups: Vec<Vec<u32>> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        while let Some(event) = split.next_event()? {
            report.rows_read += 1;
            let Some((line, cells)) = row_cells(event, plan, FileKind::Leads, report, rejects)
            else {
                continue;
            };
            rows.open_lead();
            put_slots(&mut rows, &plan.company, &cells, separator, line, report);
            let text = |field: Option<FieldId>| rows.open_text(field?);
            let key = if let Some(d) = text(special.domain) {
                format!("d\u{0}{d}")
            } else if let Some(id) = text(special.id) {
                format!("i\u{0}{id}")
            } else if let Some(name) = text(special.name) {
                format!("n\u{0}{}", name.to_lowercase())
            } else {
                format!("l\u{0}{line}")
            };
            rows.close_lead("", line);
            rows.start_contact();
            let set = put_slots(&mut rows, &plan.contact, &cells, separator, line, report);
            let named = put_composed_name(plan, &cells, special.contact_name, &mut rows);
            let row = u32::try_from(has_contact.len()).unwrap_or(u32::MAX);
            has_contact.push(set || named);
            match index.get(&key).and_then(|g| groups.get_mut(*g)) {
                Some(group) => {
                    report.grouped_rows += 1;
                    group.push(row);
                }
                None => {
                    index.insert(key, groups.len());
                    groups.push(vec![row]);
                }
            }
        }
        Ok(Grouped {
            rows: rows.finish(),
            has_contact,
            groups: groups.into_iter(),
            codes: CodeMap::default(),
        })
    }

    /// Adds the next company's lead to the batch `fill` is filling, and counts it; the hash
    /// of its id, or `None` when every company has been added.
    pub(super) fn add_next(
        &mut self,
        leads: Leads<'_>,
        fill: &mut Filling,
        report: &mut ReadReport,
    ) -> Option<u64> {
        let group = self.groups.next()?;
        let builder = &mut fill.builder;
        builder.open_lead();
        for (i, column) in self.rows.company.iter().enumerate() {
            let Some(row) = first_with_value(column, &group) else {
                continue;
            };
            let field = FieldId(i as u32);
            match (column.text(row), column.get(row)) {
                (Some(text), _) => builder.put_text(field, text),
                (None, Some(value)) => builder.put(field, value),
                (None, None) => {}
            }
        }
        let line = group
            .first()
            .and_then(|&r| self.rows.lines.get(r as usize))
            .copied()
            .unwrap_or_default();
        let (hash, rows) = leads.close_lead(fill, line);
        let with_contact = group
            .iter()
            .map(|&r| r as usize)
            .filter(|&r| self.has_contact.get(r).copied().unwrap_or(false));
        let count = with_contact.clone().count();
        fill.builder.count_contacts(count);
        for row in with_contact {
            (fill.builder).append_contacts(&self.rows, row..row + 1, &mut self.codes);
        }
        report.contacts += count as u64;
        leads.copy_contacts(fill, rows, report);
        report.leads += 1;
        Some(hash)
    }

    /// Starts a new batch: the text codes translated so far were the last batch's.
    pub(super) fn new_batch(&mut self) {
        self.codes = CodeMap::default();
    }
}
