//! Reading a contacts CSV into the contact index, in parallel chunks.
//!
//! How it works: `ContactsFile::load` reads the header, maps it (a contacts file must have a key
//! column naming the company), and hands chunks of whole lines to the threads; each
//! `ContactParser` fills a table of contacts through the batch builder's `put_*` path and
//! notes each row's company keys (a cell may name several, split on the list separator when
//! the join is on ids). A row without a key is counted, its values checked but not kept. The
//! parsed chunks are added to the index, in file order, while the next ones are parsed.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use icp_engine::Schema;
use icp_engine::batch::{Batch, BatchBuilder, Texts};

use super::InputError;
use super::cells::{
    FileKind, RejectLog, header_names, project, put_composed_name, put_slots, row_cells,
};
use super::companies::whole_file;
use super::contact_index::{ContactIndex, join_key};
use super::lead::Special;
use crate::chunks::{ChunkParser, Records};
use crate::csv_split::{CsvSplitter, Event};
use crate::mapping::{Mapper, Plan, Role};
use crate::presets::JoinKind;
use crate::report::{ReadReport, Rejects};

/// Lines per chunk of a contacts file, in batches (`[input] batch_size`): a contacts file has
/// about two rows per company, and fewer fields.
pub(super) const CONTACT_CHUNK_BATCHES: usize = 4;

/// Reads a chunk of a contacts file into a table of contacts (one lead that has them all) and
/// their keys.
struct ContactParser<'a> {
    plan: &'a Plan,
    join_column: usize,
    kind: JoinKind,
    salesforce: bool,
    special: Special,
    separator: &'a str,
    schema: &'a Schema,
    read: Option<&'a [bool]>,
    /// About how many rows a chunk has.
    rows: usize,
}

/// What a chunk of a contacts file held.
pub(super) struct ContactPart {
    pub(super) table: Batch,
    /// Each key, once per run of consecutive rows it names…
    pub(super) keys: Texts,
    /// … and that run of rows of `table`.
    pub(super) runs: Vec<std::ops::Range<usize>>,
    pub(super) keyless: u64,
    pub(super) report: ReadReport,
    pub(super) rejects: RejectLog,
}

impl ChunkParser for ContactParser<'_> {
    type Out = ContactPart;

    fn parse<R: Read>(
        &self,
        split: &mut CsvSplitter<R>,
        max: usize,
    ) -> io::Result<(ContactPart, usize)> {
        let plan = self.plan;
        let mut building = BatchBuilder::reading(self.schema, 0, self.read);
        building.start_lead("", 0);
        building.reserve(0, self.rows.min(1 << 20));
        // Where the values of a row without a key go: nowhere, as no row is ever open there.
        let mut unkept = BatchBuilder::reading(self.schema, 0, Some(&[]));
        let mut keys = Texts::default();
        let mut runs: Vec<std::ops::Range<usize>> = Vec::new();
        let mut keyless = 0;
        let mut report = ReadReport::default();
        let mut rejects = RejectLog::new();
        // Only ids come as lists (HubSpot's "123;456"); no separator keeps the cell whole.
        let key_separator = if self.kind == JoinKind::Id {
            self.separator
        } else {
            ""
        };
        let mut events = 0;
        let mut rows = 0;
        while events < max {
            let Some(event) = split.next_event()? else {
                break;
            };
            events += 1;
            report.contact_rows_read += 1;
            let Some((line, cells)) =
                row_cells(event, plan, FileKind::Contacts, &mut report, &mut rejects)
            else {
                continue;
            };
            let raw_key = cells.get(self.join_column).unwrap_or_default();
            let row_keys = crate::parse::split_items(raw_key, key_separator)
                .filter(|p| !crate::parse::is_missing_trimmed(p))
                .filter_map(|p| join_key(self.kind, self.salesforce, p));
            if !note_keys(&mut keys, &mut runs, rows, row_keys) {
                // Not kept, but its unparseable values are counted all the same.
                keyless += 1;
                put_slots(
                    &mut unkept,
                    &plan.contact,
                    &cells,
                    self.separator,
                    line,
                    &mut report,
                );
                continue;
            }
            building.start_contact();
            put_slots(
                &mut building,
                &plan.contact,
                &cells,
                self.separator,
                line,
                &mut report,
            );
            put_composed_name(plan, &cells, self.special.contact_name, &mut building);
            rows += 1;
        }
        let part = ContactPart {
            table: building.finish(),
            keys,
            runs,
            keyless,
            report,
            rejects,
        };
        Ok((part, events))
    }
}

/// Notes that contact `row` of a chunk names the companies `row_keys` (each once per run of
/// consecutive rows naming it, in `keys`, with its run of rows in `runs`); whether it named
/// any.
pub(super) fn note_keys<'k>(
    keys: &mut Texts,
    runs: &mut Vec<std::ops::Range<usize>>,
    row: usize,
    row_keys: impl Iterator<Item = std::borrow::Cow<'k, str>>,
) -> bool {
    let mut keyed = false;
    for key in row_keys {
        keyed = true;
        match (keys.last(), runs.last_mut()) {
            // The same company as the row before: its run goes on.
            (Some(last), Some(run)) if *last == *key && run.end >= row => {
                run.end = row + 1;
            }
            _ => {
                keys.push(&key);
                runs.push(row..row + 1);
            }
        }
    }
    keyed
}

/// A contacts CSV to read, and how.
pub(super) struct ContactsFile<'a> {
    pub(super) path: &'a Path,
    pub(super) mapper: &'a Mapper<'a>,
    pub(super) special: Special,
    /// The list separator (`[input] list_separator`).
    pub(super) separator: &'a str,
    pub(super) delimiter: u8,
    /// Whether 18-character Salesforce ids match their 15-character form.
    pub(super) salesforce: bool,
    /// The fields to read ([`ReadOptions::fields`](super::ReadOptions::fields)).
    pub(super) read: Option<&'a [bool]>,
    /// Lines per chunk of a leads file (`[input] batch_size`).
    pub(super) chunk_lines: usize,
}

impl ContactsFile<'_> {
    /// Reads the file into an index by company key, in parallel chunks (the `chunks`
    /// module) merged in file order.
    pub(super) fn load(
        &self,
        rejects: &mut Rejects,
        report: &mut ReadReport,
    ) -> Result<ContactIndex, InputError> {
        let ContactsFile {
            path,
            mapper,
            special,
            separator,
            delimiter,
            salesforce,
            read,
            chunk_lines,
        } = *self;
        #[cfg(feature = "parquet")]
        if crate::parquet::is_parquet(path) {
            return super::parquet_contacts::load(self, rejects, report);
        }
        let file = File::open(path).map_err(|source| InputError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        let size = file.metadata().map(|m| m.len()).ok();
        let read_err = |source| InputError::Read {
            path: path.to_path_buf(),
            source,
        };
        let source = crate::encoding::decoded(file, path, mapper.config())?;
        let mut split = CsvSplitter::new(source, delimiter);
        let schema = mapper.schema();
        let mut index = ContactIndex::new(salesforce);
        let headers = match split.next_event().map_err(read_err)? {
            Some(Event::Record(r)) => header_names(&r),
            _ => return Ok(index),
        };
        let mut plan = Plan::for_header(mapper, headers, Role::Contacts).map_err(|message| {
            InputError::Contacts {
                path: path.to_path_buf(),
                message,
            }
        })?;
        let Some((join_column, kind)) = plan.join else {
            return Ok(index);
        };
        index.kind = kind;
        report.contacts_unknown_columns = plan.unused.clone();
        report.warnings.extend(plan.warnings.iter().cloned());
        report.contacts_join = Some(format!(
            "{} → company.{}",
            plan.headers.get(join_column).map_or("?", |h| h.trim()),
            kind.field()
        ));
        if let Some(read) = read {
            project(&mut plan, read, special);
        }
        let lines = chunk_lines.saturating_mul(CONTACT_CHUNK_BATCHES);
        let parser = ContactParser {
            plan: &plan,
            join_column,
            kind,
            salesforce,
            special,
            separator,
            schema,
            read,
            rows: lines,
        };
        let mut records = Records::after_header(split, delimiter, lines);
        // Each window of chunks is indexed while the next one is parsed.
        let mut parts = Vec::new();
        let mut first = true;
        loop {
            let (parsed, indexed) = rayon::join(
                || records.next(&parser),
                || index.add(std::mem::take(&mut parts), report, rejects),
            );
            indexed?;
            parts = parsed.map_err(read_err)?;
            if parts.is_empty() {
                index.finish();
                return Ok(index);
            }
            if std::mem::take(&mut first) {
                // The index is sized once for the whole file, as the first chunks let guess
                // it, rather than grown step by step.
                let guess = |f: fn(&ContactPart) -> usize| {
                    whole_file(parts.iter().map(f).sum(), records.bytes_read(), size)
                };
                index.reserve(
                    guess(|p| p.keys.len()),
                    guess(|p| p.keys.text_len()),
                    guess(|p| p.table.contact_count()),
                );
            }
        }
    }
}
