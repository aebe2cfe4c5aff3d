//! Reading lead files into columnar batches.
//!
//! How it works: [`LeadReader::open`] opens the leads file, picks the format (by extension, or
//! [`ReadOptions::format`]), reads a CSV header and maps it (the `mapping` module), and — when a
//! contacts file is given — loads that whole file first into an index by company key. The
//! reader is then an iterator of batches of at most `[input] batch_size` leads. A CSV file with one
//! row per company, and the contacts file, are read in chunks of whole lines parsed at once on
//! the threads of the current rayon pool (the `chunks` module), the cells of each row going
//! straight into the columns of `icp_engine`'s `BatchBuilder`; with [`ReadOptions::fields`]
//! the values of other fields are never parsed. The other shapes are read row by row through
//! a vector of values per row. Memory is bounded by a window of batches, the contacts index,
//! and — only once the lead ids stop ascending — one 64-bit hash per lead id (to count
//! duplicate ids, the `seen` module).
//!
//! Files in key order cost less: while the contacts file's company keys ascend, they are kept
//! in order without a hash index (a company's key is found beside the last one found, or by a
//! binary search), and while the lead ids ascend, none can repeat and their hashes are written
//! out to a temporary file, not put in a set. The first id out of order builds the set from
//! them, from then on. The first key out of order spreads the keys over shards by their hash,
//! and the keys from there on are indexed once the whole contacts file is read: a shard at a
//! time on each thread, each in a table small enough to stay in the core's cache. When many
//! contacts were scattered that way, they are then regrouped: the keys sorted, and each
//! contact column gathered into one table in key order, so the index is in key order again,
//! as if the file had been.
//!
//! The three shapes of input:
//! - **CSV, one row per company**, with contacts (if any) from a contacts CSV joined on its key
//!   column (`[input] contacts_join`, else the preset's key column, `company_id`,
//!   `company.domain` / `domain`, `company.name`). An id key matches `company.id`, a domain key
//!   the normalised `company.domain`, a name key `company.name` ignoring case; one contact row
//!   may name several companies (`123;456`, split on the list separator, as HubSpot's
//!   "Associated Company IDs" does), and is attached to every company that has the key —
//!   duplicates included. With the Salesforce preset an 18-character id matches its
//!   15-character form.
//! - **CSV, one row per contact, company columns repeated** — detected when there is no
//!   contacts file and the header has person columns (a contact's name, email, title, …).
//!   Rows are grouped into one lead per company: by `company.domain`, else `company.id`, else
//!   `company.name` (ignoring case); a row with none of them is a lead of its own. The lead
//!   takes its company values from its first row, each field missing there from the first
//!   later row that has it. **This mode holds every group in memory** until the whole file is
//!   read (a company's rows may be anywhere in it); batches are then cut from the groups in
//!   the order each company first appeared.
//! - **JSON Lines**: one company object per line; keys map like CSV headers; a nested
//!   `"company": {…}` object holds company fields too; `"contacts": [{…}, …]` holds the
//!   contacts, their keys mapped as a contacts file's headers. A contacts CSV may still be
//!   joined on.
//!
//! `company.id` is the id column's value, else the normalised domain, else the line number.
//! A row that cannot be read — wrong number of fields, invalid UTF-8, broken quoting, an empty
//! row, a JSON line that is not an object — goes to the rejects sink with its line number and
//! the reason, and is counted; a value that does not parse for its field is read as missing and
//! counted per field in the [`ReadReport`]. Only a file that cannot be opened or read, a
//! contacts file without a key column, or a rejects sink that cannot be written stop the read
//! ([`InputError`]).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet, VecDeque};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use icp_engine::batch::{Batch, BatchBuilder, CodeMap, Column, Dict, Texts};
use icp_engine::{Entity, FieldId, Scalar, Schema, Value};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::chunks::{ChunkParser, Records};
use crate::config::{InputConfig, InputConfigError};
use crate::csv_split::{Cells, CsvSplitter, Event, MAX_RUNAWAY, Record};
use crate::mapping::{Mapper, Plan, Role, Slot, Target};
use crate::parse::{Kind, Parsed, normalize_domain, parse_json, parse_text};
use crate::presets::{JoinKind, Preset};
use crate::report::{ReadMode, ReadReport, Rejects, clip};
use crate::seen::SeenIds;

/// The format of a lead file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputFormat {
    Csv,
    #[serde(alias = "jsonl", alias = "ndjson")]
    JsonLines,
}

impl InputFormat {
    /// By extension: `.jsonl`, `.ndjson` and `.json` are JSON Lines; anything else is CSV.
    pub fn from_path(path: &Path) -> InputFormat {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("jsonl" | "ndjson" | "json") => InputFormat::JsonLines,
            _ => InputFormat::Csv,
        }
    }
}

/// A problem that stops a read. Everything else is counted in the [`ReadReport`].
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot open {}: {source}", path.display())]
    Open { path: PathBuf, source: io::Error },
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    /// The contacts file cannot be joined (it has no key column).
    #[error("contacts file {}: {message}", path.display())]
    Contacts { path: PathBuf, message: String },
    #[error("cannot write the rejects file: {source}")]
    Rejects { source: io::Error },
    #[error("icp.toml {0}")]
    Config(#[from] InputConfigError),
}

/// Per-read settings beside `[input]`.
#[derive(Default)]
pub struct ReadOptions {
    /// Overrides the format chosen by extension.
    pub format: Option<InputFormat>,
    /// A contacts CSV to join to the companies.
    pub contacts: Option<PathBuf>,
    /// Where unreadable rows go, as CSV `line,reason,raw` with a header.
    pub rejects: Option<Box<dyn Write + Send>>,
    /// The fields to read from CSV files, indexed by `FieldId` (every field when `None`), plus
    /// `company.id` and `name`, and `domain` (for every row when it is asked for or the
    /// contacts join on it, else only for a row without an id): the values of the others are
    /// not parsed, nor their unparseable values counted. A file with one row per contact, and
    /// JSON Lines, are read whole.
    pub fields: Option<Vec<bool>>,
}

impl std::fmt::Debug for ReadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadOptions")
            .field("format", &self.format)
            .field("contacts", &self.contacts)
            .field("rejects", &self.rejects.is_some())
            .field("fields", &self.fields)
            .finish()
    }
}

/// Field values of one company or contact, each field at most once.
type Values = Vec<(FieldId, Value)>;

/// One lead before it goes into a batch.
#[derive(Debug, Default)]
struct LeadRow {
    line: u64,
    company: Values,
    contacts: Vec<Values>,
}

fn string_of(values: &Values, field: Option<FieldId>) -> Option<&str> {
    let field = field?;
    values.iter().find_map(|(f, v)| match v {
        Value::String(s) if *f == field => Some(s.as_str()),
        _ => None,
    })
}

/// The fields readers treat specially.
#[derive(Debug, Clone, Copy)]
struct Special {
    id: Option<FieldId>,
    domain: Option<FieldId>,
    name: Option<FieldId>,
    contact_name: Option<FieldId>,
}

impl Special {
    fn of(schema: &Schema) -> Special {
        Special {
            id: schema.lookup(Entity::Company, "id"),
            domain: schema.lookup(Entity::Company, "domain"),
            name: schema.lookup(Entity::Company, "name"),
            contact_name: schema.lookup(Entity::Contact, "name"),
        }
    }
}

/// The contacts file, indexed by company key. The contacts are held in columns — batches
/// whose single lead has the contacts of one chunk of the file — so a repeated text (a title,
/// a department) is stored once per chunk and a contact costs a code per field rather than a
/// vector of values. Contacts are numbered across the tables, in file order.
#[derive(Debug)]
struct ContactIndex {
    kind: JoinKind,
    salesforce: bool,
    tables: Vec<Batch>,
    /// The number of the first contact of each table.
    starts: Vec<usize>,
    /// Whether each contact was attached to at least one company (set by the threads that
    /// read the companies).
    matched: Vec<AtomicBool>,
    /// The company keys and their contacts. One shard while each key so far was greater than
    /// the one before (a contacts file sorted by company: [`ContactIndex::ascending`]); the
    /// first key out of order spreads them over [`KEY_SHARDS`] indexed shards by their hash,
    /// one again once the contacts are regrouped ([`ContactIndex::regroup`]).
    shards: Vec<Shard>,
    /// The keys of the chunks from the first key out of order on, indexed when the whole
    /// file is read ([`ContactIndex::finish`]), and from which key of the first.
    pending: Vec<PartKeys>,
    pending_from: usize,
    /// How many keys, of how many bytes, the whole file probably has.
    expected: (usize, usize),
    /// Once the contacts are regrouped by key ([`ContactIndex::regroup`]), the number each
    /// had in the file, by its number now (for `matched`).
    origin: Option<Vec<u32>>,
    keyless: u64,
}

/// Company keys out of order are spread over this many shards by their hash, indexed in
/// parallel at the end of the file ([`ContactIndex::finish`]), each shard's table small
/// enough to stay in a core's cache meanwhile.
const KEY_SHARDS: usize = 32;

const _: () = assert!(KEY_SHARDS.is_power_of_two() && KEY_SHARDS >= 2 && KEY_SHARDS <= 256);

/// The shard of a key out of order: from the top bits of its hash, the same on every thread
/// (not those the shard's own table uses).
fn shard_of(key: &str) -> usize {
    (hash_of(key) >> (64 - KEY_SHARDS.trailing_zeros())) as usize
}

/// A contact's number (an index of the contacts file's rows, at most `u32::MAX`).
fn number(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Company keys, each numbered by its code in `keys`, and its contacts at that number.
#[derive(Debug)]
struct Shard {
    keys: Dict,
    by_key: Vec<KeyRows>,
}

impl Shard {
    /// Adds contacts `numbers` to the key of code `code` (new when it is the next code).
    fn add(&mut self, code: u32, numbers: std::ops::Range<u32>) {
        let code = code as usize;
        if code == self.by_key.len() {
            self.by_key.push(KeyRows::Run(numbers.start, numbers.start));
        }
        if let Some(entry) = self.by_key.get_mut(code) {
            for n in numbers {
                entry.add(n);
            }
        }
    }
}

/// The keys a chunk of a contacts file added, with the number of its first contact.
#[derive(Debug)]
struct PartKeys {
    keys: Texts,
    runs: Vec<std::ops::Range<usize>>,
    /// The keys grouped by shard (made by [`ContactIndex::finish`]).
    by_shard: ByShard,
    base: usize,
}

impl PartKeys {
    /// The contact numbers of run `i`.
    fn numbers(&self, i: usize) -> std::ops::Range<u32> {
        let at = |row: usize| number(self.base + row);
        self.runs
            .get(i)
            .map_or(0..0, |rows| at(rows.start)..at(rows.end))
    }
}

/// The keys of a chunk grouped by shard: shard `s`'s key numbers, in file order, are
/// `order[bounds[s]..bounds[s + 1]]`.
#[derive(Debug, Default)]
struct ByShard {
    order: Vec<u32>,
    bounds: Vec<u32>,
}

impl ByShard {
    /// Groups keys by their shards (a counting sort).
    fn of(shards: &[u8]) -> ByShard {
        let mut bounds = vec![0u32; KEY_SHARDS + 1];
        for &s in shards {
            bounds[s as usize + 1] += 1;
        }
        for s in 0..KEY_SHARDS {
            bounds[s + 1] += bounds[s];
        }
        let mut next = bounds.clone();
        let mut order = vec![0u32; shards.len()];
        for (i, &s) in shards.iter().enumerate() {
            let at = &mut next[s as usize];
            order[*at as usize] = i as u32;
            *at += 1;
        }
        ByShard { order, bounds }
    }

    /// The numbers of the keys in shard `s`, in file order.
    fn keys_of(&self, s: usize) -> &[u32] {
        match (self.bounds.get(s), self.bounds.get(s + 1)) {
            (Some(&start), Some(&end)) => &self.order[start as usize..end as usize],
            _ => &[],
        }
    }
}

/// The contacts (numbers) of one company key: usually one run of consecutive contacts, as in a
/// contacts file grouped by company, held without an allocation.
#[derive(Debug)]
enum KeyRows {
    /// Contacts `start..end`.
    Run(u32, u32),
    Many(Vec<u32>),
}

impl KeyRows {
    /// Adds contact `n`, numbered after every contact already added (again: nothing).
    fn add(&mut self, n: u32) {
        match self {
            KeyRows::Run(_, end) if *end == n => *end += 1,
            KeyRows::Run(_, end) if *end == n + 1 => {}
            KeyRows::Run(start, end) => {
                let mut all: Vec<u32> = (*start..*end).collect();
                all.push(n);
                *self = KeyRows::Many(all);
            }
            KeyRows::Many(all) => {
                if all.last() != Some(&n) {
                    all.push(n);
                }
            }
        }
    }
}

impl ContactIndex {
    /// An empty index, joining on ids until the contacts file's header says otherwise.
    fn new(salesforce: bool) -> ContactIndex {
        ContactIndex {
            kind: JoinKind::Id,
            salesforce,
            tables: Vec::new(),
            starts: Vec::new(),
            matched: Vec::new(),
            shards: vec![Shard {
                keys: Dict::unindexed(),
                by_key: Vec::new(),
            }],
            expected: (0, 0),
            origin: None,
            pending: Vec::new(),
            pending_from: 0,
            keyless: 0,
        }
    }

    /// Adds the contacts of `parts`, the next chunks of the file.
    fn add(
        &mut self,
        parts: Vec<ContactPart>,
        report: &mut ReadReport,
        rejects: &mut Rejects,
    ) -> Result<(), InputError> {
        let mut added: Vec<PartKeys> = Vec::with_capacity(parts.len());
        for part in parts {
            report.absorb(part.report);
            write_rejects(rejects, part.rejects)?;
            self.keyless += part.keyless;
            let base = self.matched.len();
            let rows = part.table.contact_count();
            if rows == 0 {
                continue;
            }
            self.matched
                .extend((0..rows).map(|_| AtomicBool::new(false)));
            self.starts.push(base);
            self.tables.push(part.table);
            added.push(PartKeys {
                keys: part.keys,
                runs: part.runs,
                by_shard: ByShard::default(),
                base,
            });
        }
        // Keys in order go to the one shard, up to the first out of order (if any); from
        // there on they wait for the end of the file.
        if !self.ascending() {
            self.pending.extend(added);
            return Ok(());
        }
        let mut out_of_order = None;
        'parts: for (p, part) in added.iter().enumerate() {
            for (i, key) in part.keys.iter().enumerate() {
                if !self.add_key(key, part.numbers(i)) {
                    out_of_order = Some((p, i));
                    break 'parts;
                }
            }
        }
        if let Some((p, i)) = out_of_order {
            self.spread();
            self.pending_from = i;
            self.pending.extend(added.drain(p..));
        }
        Ok(())
    }

    /// Indexes the keys out of order, once the whole file is read: each shard on its own, on
    /// every thread, takes its keys of every chunk in file order, in a table that stays in
    /// the core's cache and address translations, which a million keys in one table (or
    /// added a window at a time) did not: four cache misses a key. Then the contacts are
    /// regrouped in key order if many were scattered ([`ContactIndex::regroup`]), which
    /// replaces the tables and the shards.
    fn finish(&mut self) {
        let (mut parts, from) = (std::mem::take(&mut self.pending), self.pending_from);
        if parts.is_empty() {
            return;
        }
        parts.par_iter_mut().for_each(|part| {
            let shards: Vec<u8> = part.keys.iter().map(|k| shard_of(k) as u8).collect();
            part.by_shard = ByShard::of(&shards);
        });
        self.shards
            .par_iter_mut()
            .enumerate()
            .for_each(|(s, shard)| {
                for (p, part) in parts.iter().enumerate() {
                    let mut keys = part.by_shard.keys_of(s);
                    if p == 0 {
                        // The first part's keys before the one out of order are in already.
                        keys = &keys[keys.partition_point(|&i| (i as usize) < from)..];
                    }
                    for &i in keys {
                        let Some(key) = part.keys.get(i as usize) else {
                            continue;
                        };
                        let code = shard.keys.code_str(key);
                        shard.add(code, part.numbers(i as usize));
                    }
                }
            });
        // The chunks' keys are in the shards now: their memory is free for the regrouping.
        drop(parts);
        self.regroup();
    }

    /// Whether the keys are in order, in one shard: then a key is new exactly when it is
    /// greater than the last, and one is found by its neighbours or a binary search.
    fn ascending(&self) -> bool {
        self.shards.len() == 1
    }

    /// The contacts, numbered as the key runs number them (more than in the file once they
    /// are regrouped, when a contact names several companies).
    fn contacts(&self) -> usize {
        self.origin.as_ref().map_or(self.matched.len(), Vec::len)
    }

    /// Regroups the contacts by key when many are scattered (a contacts file out of company
    /// order): each column is gathered, in one tight loop, into one table in key order, so a
    /// company's contacts are one run again and copying them into its batch reads them
    /// together, rather than a row here and a row there of every table, once per company.
    /// A few scattered contacts are left where they are.
    fn regroup(&mut self) {
        let scattered: usize = (self.shards.iter().flat_map(|s| &s.by_key))
            .map(|rows| match rows {
                KeyRows::Many(all) => all.len(),
                KeyRows::Run(..) => 0,
            })
            .sum();
        let Some(first) = self
            .tables
            .first()
            .filter(|_| scattered * 8 >= self.matched.len())
        else {
            return;
        };
        // The keys in order, each with its contacts as one run of the new numbering.
        let mut keys: Vec<(&str, &KeyRows)> = (self.shards.iter())
            .flat_map(|s| s.keys.values().zip(&s.by_key))
            .collect();
        keys.par_sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut sorted = Dict::unindexed();
        sorted.reserve(keys.len(), keys.iter().map(|(k, _)| k.len()).sum());
        let mut by_key = Vec::with_capacity(keys.len());
        let mut order: Vec<u32> = Vec::with_capacity(self.matched.len());
        for (key, rows) in keys {
            sorted.code_str(key);
            let start = number(order.len());
            match rows {
                KeyRows::Run(from, to) => order.extend(*from..*to),
                KeyRows::Many(all) => order.extend_from_slice(all),
            }
            by_key.push(KeyRows::Run(start, number(order.len())));
        }
        let rows: Vec<(u32, u32)> = order
            .iter()
            .map(|&n| {
                let (table, row) = self.locate(n as usize);
                (table as u32, row as u32)
            })
            .collect();
        let absent = Column::Absent;
        let contacts = (0..first.contacts.len())
            .into_par_iter()
            .map(|i| {
                let sources: Vec<&Column> = (self.tables.iter())
                    .map(|t| t.contacts.get(i).unwrap_or(&absent))
                    .collect();
                Column::gather(&sources, &rows)
            })
            .collect();
        let table = Batch {
            ids: first.ids.clone(),
            lines: first.lines.clone(),
            company: first.company.clone(),
            contacts,
            contact_offsets: vec![0, number(rows.len())],
            signals: Vec::new(),
        };
        self.tables = vec![table];
        self.starts = vec![0];
        self.origin = Some(order);
        // Found as keys in order are: beside the last one found, or by a binary search.
        self.shards = vec![Shard {
            keys: sorted,
            by_key,
        }];
    }

    /// Adds contacts `numbers` under `key` while the keys ascend; false, adding nothing, when
    /// `key` is less than the last one (or the keys no longer ascend).
    fn add_key(&mut self, key: &str, numbers: std::ops::Range<u32>) -> bool {
        if !self.ascending() {
            return false;
        }
        let Some(all) = self.shards.first_mut() else {
            return false;
        };
        let last = all.keys.len().checked_sub(1).map(|c| c as u32);
        let code = match last.and_then(|c| all.keys.get(c)).map(|k| k.cmp(key)) {
            Some(std::cmp::Ordering::Equal) => last.unwrap_or_default(),
            Some(std::cmp::Ordering::Greater) => return false,
            // Greater than every key so far: a new one.
            _ => all.keys.code_str(key),
        };
        all.add(code, numbers);
        true
    }

    /// Spreads the keys of the one shard (while they ascended) over [`KEY_SHARDS`] indexed
    /// ones, each with room for its share of the keys expected.
    fn spread(&mut self) {
        if !self.ascending() {
            return;
        }
        let Some(all) = self.shards.pop() else {
            return;
        };
        let share = |n: usize| n / KEY_SHARDS + n / KEY_SHARDS / 8;
        self.shards = (0..KEY_SHARDS)
            .map(|_| {
                let mut keys = Dict::default();
                keys.reserve(share(self.expected.0), share(self.expected.1));
                Shard {
                    keys,
                    by_key: Vec::with_capacity(share(self.expected.0)),
                }
            })
            .collect();
        for (code, rows) in all.by_key.into_iter().enumerate() {
            let Some(key) = all.keys.get(code as u32) else {
                continue;
            };
            if let Some(shard) = self.shards.get_mut(shard_of(key)) {
                shard.keys.code_str(key);
                shard.by_key.push(rows);
            }
        }
    }

    /// Makes room for `keys` more company keys of `bytes` bytes in all, and `contacts` more
    /// contacts.
    fn reserve(&mut self, keys: usize, bytes: usize, contacts: usize) {
        self.expected = (keys, bytes);
        if let [all] = &mut self.shards[..] {
            all.keys.reserve(keys, bytes);
            all.by_key.reserve(keys);
        }
        self.matched.reserve(contacts);
    }

    /// The contacts of company key `key`. With ascending keys, `next` is the code tried first
    /// (the one after the last key found), and becomes the one after this key's (when there
    /// is none, the code where it would be).
    fn rows_of(&self, key: &str, next: &mut u32) -> Option<&KeyRows> {
        if !self.ascending() {
            let shard = self.shards.get(shard_of(key))?;
            return shard.by_key.get(shard.keys.find(key)? as usize);
        }
        let all = self.shards.first()?;
        let code = if all.keys.get(*next) == Some(key) {
            *next
        } else {
            match search(&all.keys, key, *next) {
                Ok(code) => code,
                Err(at) => {
                    *next = at;
                    return None;
                }
            }
        };
        *next = code.saturating_add(1);
        all.by_key.get(code as usize)
    }

    /// Adds contacts `rows` to the current lead of `builder` and marks them matched.
    fn copy_contacts(
        &self,
        builder: &mut BatchBuilder,
        rows: &KeyRows,
        codes: &mut Vec<CodeMap>,
        report: &mut ReadReport,
    ) {
        let mut pending = None;
        self.defer_contacts(builder, rows, codes, report, &mut pending);
        self.flush_contacts(builder, codes, report, &mut pending);
    }

    /// Adds contacts `rows` to the current lead of `builder` as [`copy_contacts`] does, but
    /// a run that continues the run `pending` (the contacts of the leads before, in a file in
    /// the contacts' order) only extends it, to be copied in one piece by
    /// [`flush_contacts`](Self::flush_contacts), which must come before the batch is
    /// finished.
    ///
    /// [`copy_contacts`]: Self::copy_contacts
    fn defer_contacts(
        &self,
        builder: &mut BatchBuilder,
        rows: &KeyRows,
        codes: &mut Vec<CodeMap>,
        report: &mut ReadReport,
        pending: &mut Option<std::ops::Range<usize>>,
    ) {
        match *rows {
            KeyRows::Run(start, end) => {
                let run = start as usize..(end as usize).min(self.contacts());
                if run.is_empty() {
                    return;
                }
                builder.count_contacts(run.len());
                match pending {
                    Some(before) if before.end == run.start => before.end = run.end,
                    _ => {
                        self.flush_contacts(builder, codes, report, pending);
                        *pending = Some(run);
                    }
                }
            }
            KeyRows::Many(ref all) => {
                self.flush_contacts(builder, codes, report, pending);
                let all = (all.iter().map(|&n| n as usize)).filter(|&n| n < self.contacts());
                builder.count_contacts(all.clone().count());
                for n in all {
                    self.append_run(builder, n..n + 1, codes, report);
                }
            }
        }
    }

    /// Copies the run of contacts [`defer_contacts`](Self::defer_contacts) left pending.
    fn flush_contacts(
        &self,
        builder: &mut BatchBuilder,
        codes: &mut Vec<CodeMap>,
        report: &mut ReadReport,
        pending: &mut Option<std::ops::Range<usize>>,
    ) {
        if let Some(run) = pending.take() {
            self.append_run(builder, run, codes, report);
        }
    }

    /// Appends contacts `run` (counted already) to `builder`, a table at a time, and marks
    /// them matched.
    fn append_run(
        &self,
        builder: &mut BatchBuilder,
        run: std::ops::Range<usize>,
        codes: &mut Vec<CodeMap>,
        report: &mut ReadReport,
    ) {
        codes.resize_with(self.tables.len(), CodeMap::default);
        match &self.origin {
            Some(origin) => {
                for &n in &origin[run.clone()] {
                    if let Some(matched) = self.matched.get(n as usize) {
                        matched.store(true, Ordering::Relaxed);
                    }
                }
            }
            None => {
                for matched in &self.matched[run.clone()] {
                    matched.store(true, Ordering::Relaxed);
                }
            }
        }
        report.contacts += run.len() as u64;
        let mut n = run.start;
        while n < run.end {
            let (table, row) = self.locate(n);
            let table_end = self
                .starts
                .get(table + 1)
                .map_or(run.end, |&s| s.min(run.end));
            let take = table_end.saturating_sub(n).max(1).min(run.end - n);
            builder.append_contacts(&self.tables[table], row..row + take, &mut codes[table]);
            n += take;
        }
    }

    /// The table holding contact `n`, its number there and the table's number.
    fn locate(&self, n: usize) -> (usize, usize) {
        let table = self.starts.partition_point(|&s| s <= n).saturating_sub(1);
        (table, n - self.starts.get(table).copied().unwrap_or(0))
    }
}

/// In ascending keys `keys`, `Ok` with the code of `key`, or `Err` with the code of the first
/// key greater. Between the key before `near` and `near`'s is looked first: a companies file
/// in the contacts' order finds a company without contacts there.
fn search(keys: &Dict, key: &str, near: u32) -> Result<u32, u32> {
    let n = keys.len() as u32;
    let less = |c: u32| keys.get(c).is_some_and(|k| k < key);
    let greater = |c: u32| keys.get(c).is_some_and(|k| k > key);
    if near <= n && (near == 0 || less(near - 1)) && (near == n || greater(near)) {
        return Err(near);
    }
    let (mut low, mut high) = (0, n);
    while low < high {
        let mid = low + (high - low) / 2;
        if less(mid) {
            low = mid + 1;
        } else {
            high = mid;
        }
    }
    if keys.get(low) == Some(key) {
        Ok(low)
    } else {
        Err(low)
    }
}

/// The form a key is compared in.
fn join_key(kind: JoinKind, salesforce: bool, raw: &str) -> Option<Cow<'_, str>> {
    let t = crate::parse::trim(raw);
    if t.is_empty() {
        return None;
    }
    Some(match kind {
        JoinKind::Id => {
            // A Salesforce 18-character id is its 15-character form plus a checksum.
            if salesforce && t.len() == 18 && t.bytes().all(|b| b.is_ascii_alphanumeric()) {
                Cow::Borrowed(&t[..15])
            } else {
                Cow::Borrowed(t)
            }
        }
        JoinKind::Domain => Cow::Owned(normalize_domain(t)?),
        JoinKind::Name => Cow::Owned(t.to_lowercase()),
    })
}

/// Rows that could not be read, in the order found: line, reason, raw bytes.
type RejectLog = Vec<(u64, String, Vec<u8>)>;

fn write_rejects(rejects: &mut Rejects, log: RejectLog) -> Result<(), InputError> {
    for (line, reason, raw) in log {
        rejects
            .write(line, &reason, &raw)
            .map_err(|source| InputError::Rejects { source })?;
    }
    Ok(())
}

/// Leaves out of `plan` the fields `read` does not mark (indexed by `FieldId`).
fn project(plan: &mut Plan, read: &[bool], special: Special) {
    let kept = |f: FieldId| read.get(f.0 as usize).copied().unwrap_or(false);
    plan.company.retain(|s| kept(s.field));
    plan.contact.retain(|s| kept(s.field));
    if !special.contact_name.is_some_and(kept) {
        plan.first_name.clear();
        plan.last_name.clear();
    }
}

/// Adds one lead to `builder`, with its contacts from the contacts file, and counts it;
/// returns the hash of its id (duplicate ids are counted from those).
fn add_row(
    builder: &mut BatchBuilder,
    codes: &mut Vec<CodeMap>,
    special: Special,
    contacts: Option<&ContactIndex>,
    row: LeadRow,
    report: &mut ReadReport,
    scratch: &mut Scratch,
) -> u64 {
    let (has_id, rows) = identify(
        |f| string_of(&row.company, f),
        special,
        row.line,
        contacts,
        scratch,
    );
    let id = scratch.id.as_str();
    let hash = hash_of(id);
    let mut company = row.company;
    if let (Some(field), false) = (special.id, has_id) {
        company.push((field, Value::String(id.to_string())));
    }
    builder.add_lead(id, row.line, company);
    for contact in row.contacts {
        report.contacts += 1;
        builder.add_contact(contact);
    }
    if let Some((index, rows)) = rows {
        index.copy_contacts(builder, rows, codes, report);
    }
    report.leads += 1;
    hash
}

/// What reading leads one after another keeps (per chunk, or in the [`Emitter`] off the
/// chunked path): the id being built, and where the contacts file's next key probably is.
#[derive(Debug, Default)]
struct Scratch {
    id: String,
    /// The code after the last key found (with keys in order, after a key not found, the
    /// code where it would be): files of companies and of contacts are often in the same
    /// order, and then the next company's key is that one.
    next_key: u32,
    /// The contacts of the last leads, a run not yet copied into their batch
    /// ([`ContactIndex::defer_contacts`]).
    pending: Option<std::ops::Range<usize>>,
}

/// Who a lead is, from its `text` fields: its id in `scratch.id` (its id, else its domain,
/// else its line number), whether it had an id, and the contacts of the contacts file its key
/// names.
fn identify<'t, 'i>(
    text: impl Fn(Option<FieldId>) -> Option<&'t str>,
    special: Special,
    line: u64,
    contacts: Option<&'i ContactIndex>,
    scratch: &mut Scratch,
) -> (bool, Option<(&'i ContactIndex, &'i KeyRows)>) {
    let own = text(special.id);
    let id = &mut scratch.id;
    id.clear();
    match own.or_else(|| text(special.domain)) {
        Some(text) => id.push_str(text),
        None => id.push_str(itoa::Buffer::new().format(line)),
    }
    let rows = contacts.and_then(|index| {
        let raw = match index.kind {
            // Only a real id joins: one made up from the domain or the line number
            // would attach another company's contacts.
            JoinKind::Id => own,
            JoinKind::Domain => text(special.domain),
            JoinKind::Name => text(special.name),
        };
        let key = join_key(index.kind, index.salesforce, raw?)?;
        Some((index, index.rows_of(&key, &mut scratch.next_key)?))
    });
    (own.is_some(), rows)
}

/// Reads the slots of `plan` from a row's cells straight into the row `builder` has open
/// (the `Values` of [`read_slots`] without the values); values that do not parse are counted.
fn put_slots(
    builder: &mut BatchBuilder,
    slots: &[Slot],
    cells: &Cells<'_>,
    separator: &str,
    line: u64,
    report: &mut ReadReport,
) {
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
            set = match slot.kind {
                Kind::Text => {
                    builder.put_text(slot.field, t);
                    true
                }
                Kind::List(Scalar::String) => {
                    let items = crate::parse::split_items(t, own.unwrap_or(separator))
                        .filter(|item| !crate::parse::is_missing_trimmed(item));
                    builder.put_list(slot.field, items) > 0
                }
                // Numbers go straight into their column.
                kind @ (Kind::Employees | Kind::Money | Kind::Year | Kind::Number) => {
                    match crate::parse::parse_number_kind(kind, t) {
                        Some(n) => {
                            builder.put_number(slot.field, n);
                            true
                        }
                        None => {
                            invalid.get_or_insert(t);
                            false
                        }
                    }
                }
                kind => match parse_text(kind, t, own.unwrap_or(separator)) {
                    Parsed::Value(v) => {
                        builder.put(slot.field, v);
                        true
                    }
                    Parsed::Missing => false,
                    Parsed::Invalid => {
                        invalid.get_or_insert(t);
                        false
                    }
                },
            };
            if set {
                break;
            }
        }
        if let (false, Some(text)) = (set, invalid) {
            report.field_error(&slot.path, text, line);
        }
    }
}

/// `contact.name` from first and last name columns, when no column gave it, in the contact
/// row `builder` has open.
fn put_composed_name(
    plan: &Plan,
    cells: &Cells<'_>,
    field: Option<FieldId>,
    builder: &mut BatchBuilder,
) {
    let Some(field) = field else {
        return;
    };
    if plan.first_name.is_empty() && plan.last_name.is_empty() || builder.open_text(field).is_some()
    {
        return;
    }
    let mut name = Values::new();
    compose_name(plan, cells, Some(field), &mut name);
    if let Some((_, value)) = name.pop() {
        builder.put(field, value);
    }
}

/// Adds a lead from the cells of a companies CSV row to `builder`, with its contacts from the
/// contacts file, and counts it; returns the hash of its id. The same as [`add_row`] for a
/// row [`csv_row`] read, without the values in between.
#[allow(clippy::too_many_arguments)]
fn add_csv_row(
    builder: &mut BatchBuilder,
    codes: &mut Vec<CodeMap>,
    plan: &Plan,
    cells: &Cells<'_>,
    separator: &str,
    line: u64,
    special: Special,
    contacts: Option<&ContactIndex>,
    report: &mut ReadReport,
    scratch: &mut Scratch,
) -> u64 {
    builder.open_lead();
    put_slots(builder, &plan.company, cells, separator, line, report);
    fn text(builder: &BatchBuilder, field: Option<FieldId>) -> Option<&str> {
        builder.open_text(field?)
    }
    if !plan.fallback.is_empty() && text(builder, special.id).is_none() {
        put_slots(builder, &plan.fallback, cells, separator, line, report);
    }
    let (has_id, rows) = identify(|f| text(builder, f), special, line, contacts, scratch);
    let id = scratch.id.as_str();
    let hash = hash_of(id);
    if let (Some(field), false) = (special.id, has_id) {
        builder.put_text(field, id);
    }
    builder.close_lead(id, line);
    if let Some((index, rows)) = rows {
        index.defer_contacts(builder, rows, codes, report, &mut scratch.pending);
    }
    report.leads += 1;
    hash
}

/// Puts leads into batches.
#[derive(Debug)]
struct Emitter {
    schema: Schema,
    batch_size: usize,
    /// The fields batches keep (all when `None`).
    read: Option<Vec<bool>>,
    builder: BatchBuilder,
    /// Text codes of the contacts tables translated to the builder's.
    codes: Vec<CodeMap>,
    special: Special,
    /// The ids seen so far.
    seen: SeenIds,
    /// For leads read off the chunked path (JSON Lines, per-contact files).
    scratch: Scratch,
    contacts: Option<ContactIndex>,
}

/// The 64-bit hash an id is counted by among the ids seen: the same on every thread and run
/// (a fixed seed).
pub(crate) fn hash_of(s: &str) -> u64 {
    let seeded = foldhash::fast::FixedState::with_seed(0x0001_c9a5_e1d5);
    icp_engine::batch::hash_text(&seeded, s.as_bytes())
}

impl Emitter {
    /// Adds a lead read row by row; a batch when one is full. Fails only as
    /// [`SeenIds::count`] does.
    fn push(&mut self, row: LeadRow, report: &mut ReadReport) -> io::Result<Option<Batch>> {
        let hash = add_row(
            &mut self.builder,
            &mut self.codes,
            self.special,
            self.contacts.as_ref(),
            row,
            report,
            &mut self.scratch,
        );
        let id = self.scratch.id.as_str();
        self.seen.count(&[hash], Some((id, id)), report)?;
        Ok((self.builder.len() >= self.batch_size).then(|| self.take()))
    }

    /// A builder for the next batch, with room for a batch of leads (and two contacts each
    /// when there is a contacts file).
    fn new_builder(&self) -> BatchBuilder {
        let mut builder = BatchBuilder::reading(&self.schema, 0, self.read.as_deref());
        // Ids, names and domains are nearly all distinct: looking each up would cost more than
        // storing a repeated one twice.
        let Special {
            id, domain, name, ..
        } = self.special;
        for field in [id, domain, name].into_iter().flatten() {
            builder.unindexed(field);
        }
        let leads = self.batch_size.min(1 << 16);
        let contacts = if self.contacts.is_some() {
            2 * leads
        } else {
            0
        };
        builder.reserve(leads, contacts);
        builder
    }

    fn take(&mut self) -> Batch {
        self.codes.clear();
        let fresh = self.new_builder();
        std::mem::replace(&mut self.builder, fresh).finish()
    }

    /// The last, partial batch.
    fn flush(&mut self) -> Option<Batch> {
        (!self.builder.is_empty()).then(|| self.take())
    }
}

/// The cells of a record as text, or why the record cannot be read.
fn cells<'a>(record: &Record<'a>, plan: &Plan) -> Result<Cells<'a>, String> {
    if record.len() != plan.width {
        return Err(format!(
            "wrong number of fields: expected {}, found {}",
            plan.width,
            record.len()
        ));
    }
    // Usually the whole record is valid UTF-8, checked at once, with each field on a character
    // boundary. Else some field is not valid on its own (fields of valid text make valid text
    // end to end), and the fields are checked one by one to say which.
    let Some(cells) = record.cells() else {
        for (i, bytes) in record.fields().enumerate() {
            if let Err(e) = std::str::from_utf8(bytes) {
                let column = plan.headers.get(i).map_or("?", |h| h.trim());
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

fn broken_reason(lines: u64, fields: usize, width: usize, runaway: bool) -> String {
    if runaway {
        format!(
            "unbalanced quote: a quoted field runs on over more than {} MiB; reading resumed at the next line",
            MAX_RUNAWAY >> 20
        )
    } else {
        format!(
            "unbalanced quote: the row runs on over {lines} lines with {fields} fields (expected {width}); reading resumed at the next line"
        )
    }
}

/// Reads the slots of `plan` from a row's cells into `out`; values that do not parse are
/// counted.
fn read_slots(
    slots: &[Slot],
    cells: &Cells<'_>,
    separator: &str,
    line: u64,
    out: &mut Values,
    report: &mut ReadReport,
) {
    for slot in slots {
        let mut invalid = None;
        let mut value = None;
        for (column, own) in &slot.columns {
            let Some(text) = cells.get(*column) else {
                continue;
            };
            match parse_text(slot.kind, text, own.unwrap_or(separator)) {
                Parsed::Value(v) => {
                    value = Some(v);
                    break;
                }
                Parsed::Missing => {}
                Parsed::Invalid => {
                    invalid.get_or_insert(text);
                }
            }
        }
        match (value, invalid) {
            (Some(v), _) => out.push((slot.field, v)),
            (None, Some(text)) => report.field_error(&slot.path, text.trim(), line),
            (None, None) => {}
        }
    }
}

/// `contact.name` from first and last name columns, when no column gave it.
fn compose_name(plan: &Plan, cells: &Cells<'_>, contact_name: Option<FieldId>, out: &mut Values) {
    let Some(field) = contact_name else {
        return;
    };
    if out.iter().any(|(f, _)| *f == field) {
        return;
    }
    let first_of = |columns: &[usize]| {
        columns
            .iter()
            .filter_map(|c| cells.get(*c))
            .map(|s| s.trim())
            .find(|s| !crate::parse::is_missing_trimmed(s))
    };
    let parts: Vec<&str> = [first_of(&plan.first_name), first_of(&plan.last_name)]
        .into_iter()
        .flatten()
        .collect();
    if !parts.is_empty() {
        out.push((field, Value::String(parts.join(" "))));
    }
}

/// Lines per chunk of a contacts file, in batches (`[input] batch_size`): a contacts file has
/// about two rows per company, and fewer fields.
const CONTACT_CHUNK_BATCHES: usize = 4;

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
struct ContactPart {
    table: Batch,
    /// Each key, once per run of consecutive rows it names…
    keys: Texts,
    /// … and that run of rows of `table`.
    runs: Vec<std::ops::Range<usize>>,
    keyless: u64,
    report: ReadReport,
    rejects: RejectLog,
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
            let mut keyed = false;
            for key in row_keys {
                keyed = true;
                match (keys.last(), runs.last_mut()) {
                    // The same company as the row before: its run goes on.
                    (Some(last), Some(run)) if *last == *key && run.end >= rows => {
                        run.end = rows + 1;
                    }
                    _ => {
                        keys.push(&key);
                        runs.push(rows..rows + 1);
                    }
                }
            }
            if !keyed {
                // Not kept, but its unparseable values are counted all the same.
                keyless += 1;
                let mut values = Values::new();
                read_slots(
                    &plan.contact,
                    &cells,
                    self.separator,
                    line,
                    &mut values,
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

/// Reads a contacts CSV into an index by company key, in parallel chunks (the `chunks`
/// module) merged in file order.
#[allow(clippy::too_many_arguments)]
fn load_contacts(
    path: &Path,
    mapper: &Mapper<'_>,
    special: Special,
    separator: &str,
    delimiter: u8,
    salesforce: bool,
    read: Option<&[bool]>,
    chunk_lines: usize,
    rejects: &mut Rejects,
    report: &mut ReadReport,
) -> Result<ContactIndex, InputError> {
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
    let mut records = Records::after_header(split, delimiter, plan.width, lines);
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

/// How many of something a file of `size` bytes probably holds in all, when its first `read`
/// bytes held `n` (with 5% to spare; 0, no guess, when the size is unknown or all was read).
fn whole_file(n: usize, read: u64, size: Option<u64>) -> usize {
    match size {
        Some(size) if read > 0 && size > read => {
            (n as f64 * size as f64 / read as f64 * 1.05) as usize
        }
        _ => 0,
    }
}

/// Reads a chunk of a companies CSV into a batch.
struct CompanyParser<'a> {
    plan: &'a Plan,
    separator: &'a str,
    emitter: &'a Emitter,
}

/// What a chunk of a companies file held.
struct CompanyPart {
    /// One batch, more where a chunk holds more rows than a batch (its lines fewer than its
    /// rows, which happens where quoting is broken).
    batches: Vec<Batch>,
    /// The hash of each lead's id.
    ids: Vec<u64>,
    /// Whether each lead's id is greater than the one before (the ids are the batches').
    ascending: bool,
    report: ReadReport,
    rejects: RejectLog,
}

impl ChunkParser for CompanyParser<'_> {
    type Out = CompanyPart;

    fn parse<R: Read>(
        &self,
        split: &mut CsvSplitter<R>,
        max: usize,
    ) -> io::Result<(CompanyPart, usize)> {
        let emitter = self.emitter;
        let mut builder = emitter.new_builder();
        let mut codes = Vec::new();
        let mut batches = Vec::new();
        let mut ids = Vec::new();
        let mut report = ReadReport::default();
        let mut rejects = RejectLog::new();
        let mut events = 0;
        let mut scratch = Scratch::default();
        // The contacts left pending, copied before a batch is finished.
        let flush = |builder: &mut BatchBuilder,
                     codes: &mut Vec<CodeMap>,
                     report: &mut ReadReport,
                     scratch: &mut Scratch| {
            if let Some(index) = emitter.contacts.as_ref() {
                index.flush_contacts(builder, codes, report, &mut scratch.pending);
            }
        };
        while events < max {
            let Some(event) = split.next_event()? else {
                break;
            };
            events += 1;
            report.rows_read += 1;
            let cells = row_cells(event, self.plan, FileKind::Leads, &mut report, &mut rejects);
            if let Some((line, cells)) = cells {
                ids.push(add_csv_row(
                    &mut builder,
                    &mut codes,
                    self.plan,
                    &cells,
                    self.separator,
                    line,
                    emitter.special,
                    emitter.contacts.as_ref(),
                    &mut report,
                    &mut scratch,
                ));
                if builder.len() >= emitter.batch_size {
                    flush(&mut builder, &mut codes, &mut report, &mut scratch);
                    batches.push(std::mem::replace(&mut builder, emitter.new_builder()).finish());
                    codes.clear();
                }
            }
        }
        if !builder.is_empty() {
            flush(&mut builder, &mut codes, &mut report, &mut scratch);
            batches.push(builder.finish());
        }
        let ascending = batches
            .iter()
            .flat_map(|b| b.ids.iter())
            .is_sorted_by(|a, b| a < b);
        let part = CompanyPart {
            batches,
            ids,
            ascending,
            report,
            rejects,
        };
        Ok((part, events))
    }
}

fn header_names(record: &Record<'_>) -> Vec<String> {
    record
        .fields()
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect()
}

/// JSON keys already resolved, per role.
#[derive(Debug, Default)]
struct KeyCache {
    company: HashMap<String, Option<Target>>,
    contact: HashMap<String, Option<Target>>,
    unknown: HashSet<String>,
}

/// At most this many keys are remembered (a file with endless distinct keys is still read).
const KEY_CACHE_LIMIT: usize = 10_000;
const UNKNOWN_LIMIT: usize = 1_000;

/// A byte source of lead files.
type Source = Box<dyn Read + Send>;

enum State {
    Csv {
        records: Records,
        plan: Plan,
        /// Batches read and not yet handed out.
        ready: VecDeque<Batch>,
    },
    PerContact {
        pending: Option<Box<(CsvSplitter<Source>, Plan)>>,
        groups: std::vec::IntoIter<LeadRow>,
    },
    Jsonl {
        source: BufReader<Box<dyn Read + Send>>,
        line: u64,
        buf: Vec<u8>,
        keys: KeyCache,
        /// `[input.columns]`, normalised once.
        columns: Vec<(String, String)>,
    },
    Done,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            State::Csv { .. } => "Csv",
            State::PerContact { .. } => "PerContact",
            State::Jsonl { .. } => "Jsonl",
            State::Done => "Done",
        })
    }
}

/// Reads a lead file as an iterator of batches; see the module documentation.
#[derive(Debug)]
pub struct LeadReader {
    path: PathBuf,
    config: InputConfig,
    state: State,
    emitter: Emitter,
    rejects: Rejects,
    report: ReadReport,
    finished: bool,
    /// The size of the lead file, when known: with the first chunks, a guess of how many
    /// leads it has.
    size: Option<u64>,
}

impl LeadReader {
    /// Opens a lead file (and the contacts file of `options`, read whole now).
    pub fn open(
        path: &Path,
        schema: &Schema,
        config: &InputConfig,
        options: ReadOptions,
    ) -> Result<LeadReader, InputError> {
        let file = File::open(path).map_err(|source| InputError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        let format = options
            .format
            .unwrap_or_else(|| InputFormat::from_path(path));
        let size = file.metadata().map(|m| m.len()).ok();
        let source = crate::encoding::decoded(file, path, config)?;
        let mut reader = LeadReader::from_reader(source, path, format, schema, config, options)?;
        reader.size = size;
        Ok(reader)
    }

    /// Reads leads from any byte source; `name` stands for it in messages (and its extension
    /// picks a `.tsv` file's tab delimiter).
    pub fn from_reader(
        source: Box<dyn Read + Send>,
        name: &Path,
        format: InputFormat,
        schema: &Schema,
        config: &InputConfig,
        options: ReadOptions,
    ) -> Result<LeadReader, InputError> {
        config.validate(schema)?;
        let mut rejects =
            Rejects::new(options.rejects).map_err(|source| InputError::Rejects { source })?;
        let mut report = ReadReport::default();
        let special = Special::of(schema);
        let mapper = Mapper::new(schema, config);
        let delimiter_for = |path: &Path| -> Result<u8, InputError> {
            Ok(match config.delimiter_byte()? {
                Some(d) => d,
                None if path
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("tsv")) =>
                {
                    b'\t'
                }
                None => b',',
            })
        };
        let separator = config.list_separator.as_str();
        // Whether the rules themselves read the domain (it is read for every row then).
        let rules_read_domain = special.domain.is_some_and(|d| {
            options
                .fields
                .as_ref()
                .is_some_and(|r| r.get(d.0 as usize).copied().unwrap_or(false))
        });
        let read = options.fields.map(|mut read| {
            read.resize(schema.len(), false);
            for field in [special.id, special.domain, special.name]
                .into_iter()
                .flatten()
            {
                read[field.0 as usize] = true;
            }
            read
        });
        let contacts = match &options.contacts {
            Some(path) => Some(load_contacts(
                path,
                &mapper,
                special,
                separator,
                delimiter_for(path)?,
                config.preset == Some(Preset::Salesforce),
                read.as_deref(),
                config.batch_size,
                &mut rejects,
                &mut report,
            )?),
            None => None,
        };
        let mut projected = false;
        let read_err = |source| InputError::Read {
            path: name.to_path_buf(),
            source,
        };
        let state = match format {
            InputFormat::JsonLines => {
                report.mode = ReadMode::JsonLines;
                State::Jsonl {
                    source: BufReader::with_capacity(64 * 1024, source),
                    line: 0,
                    buf: Vec::new(),
                    keys: KeyCache::default(),
                    columns: Mapper::normalized_columns(config),
                }
            }
            InputFormat::Csv => {
                let delimiter = delimiter_for(name)?;
                let mut split = CsvSplitter::new(source, delimiter);
                let headers = match split.next_event().map_err(read_err)? {
                    Some(Event::Record(r)) => Some(header_names(&r)),
                    _ => None,
                };
                match headers {
                    None => State::Done,
                    Some(headers) => {
                        let per_contact =
                            options.contacts.is_none() && mapper.has_person_columns(&headers);
                        let role = if per_contact {
                            Role::PerContact
                        } else {
                            Role::Companies
                        };
                        let mut plan =
                            Plan::for_header(&mapper, headers, role).map_err(|message| {
                                InputError::Contacts {
                                    path: name.to_path_buf(),
                                    message,
                                }
                            })?;
                        split.set_expected(plan.width);
                        report.unknown_columns = plan.unused.clone();
                        report.warnings.extend(plan.warnings.iter().cloned());
                        if per_contact && plan.reads_contacts() {
                            report.mode = ReadMode::PerContact;
                            State::PerContact {
                                pending: Some(Box::new((split, plan))),
                                groups: Vec::new().into_iter(),
                            }
                        } else {
                            if let Some(read) = &read {
                                project(&mut plan, read, special);
                                projected = true;
                                // The domain, kept for the leads without an id, is read only
                                // for them unless the rules or the join need it.
                                let by_domain = contacts
                                    .as_ref()
                                    .is_some_and(|c| c.kind == JoinKind::Domain);
                                if let (Some(domain), false) =
                                    (special.domain, by_domain || rules_read_domain)
                                {
                                    plan.defer(domain);
                                }
                            }
                            let width = plan.width;
                            State::Csv {
                                records: Records::after_header(
                                    split,
                                    delimiter,
                                    width,
                                    config.batch_size,
                                ),
                                plan,
                                ready: VecDeque::new(),
                            }
                        }
                    }
                }
            }
        };
        let read = read.filter(|_| projected);
        let mut emitter = Emitter {
            schema: schema.clone(),
            batch_size: config.batch_size.max(1),
            builder: BatchBuilder::reading(schema, 0, read.as_deref()),
            read,
            codes: Vec::new(),
            special,
            seen: SeenIds::new(),
            scratch: Scratch::default(),
            contacts,
        };
        // The first batch is built as every other one is.
        emitter.builder = emitter.new_builder();
        Ok(LeadReader {
            path: name.to_path_buf(),
            config: config.clone(),
            state,
            emitter,
            rejects,
            report,
            finished: false,
            size: None,
        })
    }

    /// The counts so far; complete once the iterator has returned `None`.
    pub fn report(&self) -> &ReadReport {
        &self.report
    }

    pub fn into_report(self) -> ReadReport {
        self.report
    }

    fn read_err(&self) -> impl Fn(io::Error) -> InputError + use<> {
        let path = self.path.clone();
        move |source| InputError::Read {
            path: path.clone(),
            source,
        }
    }

    fn step(&mut self) -> Result<Option<Batch>, InputError> {
        let read_err = self.read_err();
        let LeadReader {
            config,
            state,
            emitter,
            rejects,
            report,
            size,
            ..
        } = self;
        let separator = config.list_separator.as_str();
        let reject = |rejects: &mut Rejects, line: u64, reason: &str, raw: &[u8]| {
            rejects
                .write(line, reason, raw)
                .map_err(|source| InputError::Rejects { source })
        };
        loop {
            match state {
                State::Done => return Ok(emitter.flush()),
                State::Csv {
                    records,
                    plan,
                    ready,
                } => {
                    if let Some(batch) = ready.pop_front() {
                        return Ok(Some(batch));
                    }
                    let parser = CompanyParser {
                        plan,
                        separator,
                        emitter,
                    };
                    let parts = records.next(&parser).map_err(&read_err)?;
                    if parts.is_empty() {
                        *state = State::Done;
                        continue;
                    }
                    if emitter.seen.is_empty() {
                        // The ids seen are sized once for the whole file, as the first
                        // chunks let guess it.
                        let ids = parts.iter().map(|p| p.ids.len()).sum();
                        emitter
                            .seen
                            .reserve(whole_file(ids, records.bytes_read(), *size));
                    }
                    for part in parts {
                        report.absorb(part.report);
                        write_rejects(rejects, part.rejects)?;
                        let first = part.batches.first().and_then(|b| b.ids.get(0));
                        let last = part.batches.last().and_then(|b| b.ids.last());
                        let order = first.zip(last).filter(|_| part.ascending);
                        emitter
                            .seen
                            .count(&part.ids, order, report)
                            .map_err(&read_err)?;
                        ready.extend(part.batches);
                    }
                }
                State::PerContact { pending, groups } => {
                    if let Some(pending) = pending.take() {
                        let (mut split, plan) = *pending;
                        let mut log = RejectLog::new();
                        let grouped = group_rows(
                            &mut split,
                            &plan,
                            separator,
                            emitter.special,
                            report,
                            &mut log,
                        );
                        write_rejects(rejects, log)?;
                        *groups = grouped.map_err(&read_err)?.into_iter();
                    }
                    let Some(row) = groups.next() else {
                        *state = State::Done;
                        continue;
                    };
                    if let Some(batch) = emitter.push(row, report).map_err(&read_err)? {
                        return Ok(Some(batch));
                    }
                }
                State::Jsonl {
                    source,
                    line,
                    buf,
                    keys,
                    columns,
                } => {
                    buf.clear();
                    let n = source.read_until(b'\n', buf).map_err(&read_err)?;
                    if n == 0 {
                        *state = State::Done;
                        continue;
                    }
                    *line += 1;
                    let mut text = trim_line_end(buf);
                    if *line == 1
                        && let Some(rest) = text.strip_prefix(b"\xEF\xBB\xBF")
                    {
                        text = rest;
                    }
                    if text.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    report.rows_read += 1;
                    let mapper = Mapper::with_columns(&emitter.schema, config, columns);
                    match json_row(
                        text,
                        *line,
                        &mapper,
                        &emitter.schema,
                        separator,
                        emitter.special,
                        keys,
                        report,
                    ) {
                        Ok(row) => {
                            if let Some(batch) = emitter.push(row, report).map_err(&read_err)? {
                                return Ok(Some(batch));
                            }
                        }
                        Err(reason) => {
                            report.rejected += 1;
                            reject(rejects, *line, &reason, text)?;
                        }
                    }
                }
            }
        }
    }

    /// Final counts of the contacts file, and the warnings of the rows rejected.
    fn finalize(&mut self) {
        self.rejects.add_warnings(&mut self.report);
        if let Some(index) = &self.emitter.contacts {
            let matched = index
                .matched
                .iter()
                .filter(|m| m.load(Ordering::Relaxed))
                .count() as u64;
            self.report.contacts_matched = matched;
            self.report.contacts_unmatched = index.matched.len() as u64 - matched + index.keyless;
        }
    }
}

impl Iterator for LeadReader {
    type Item = Result<Batch, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        match self.step() {
            Ok(Some(batch)) => Some(Ok(batch)),
            Ok(None) => {
                self.finished = true;
                self.finalize();
                self.rejects
                    .flush()
                    .err()
                    .map(|source| Err(InputError::Rejects { source }))
            }
            Err(e) => {
                self.finished = true;
                self.finalize();
                // The read already failed; a failure to flush the rejects adds nothing.
                let _ = self.rejects.flush();
                Some(Err(e))
            }
        }
    }
}

fn trim_line_end(mut bytes: &[u8]) -> &[u8] {
    while let [rest @ .., b'\n' | b'\r'] = bytes {
        bytes = rest;
    }
    bytes
}

/// One CSV event as a lead row (company values, and the row's contact in per-contact mode),
/// or `None` when it was rejected.
fn csv_row(
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

/// Which file a row is of: its rejects are counted apart, and a contacts file's reasons say
/// so.
#[derive(Clone, Copy, PartialEq)]
enum FileKind {
    Leads,
    Contacts,
}

/// The line and cells of a row, or `None` when it is rejected (and logged).
fn row_cells<'a>(
    event: Event<'a>,
    plan: &Plan,
    file: FileKind,
    report: &mut ReadReport,
    rejects: &mut RejectLog,
) -> Option<(u64, Cells<'a>)> {
    let reject =
        |rejects: &mut RejectLog, report: &mut ReadReport, line, reason: String, raw: &[u8]| {
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
        };
    let record = match event {
        Event::Broken {
            line,
            raw,
            lines,
            fields,
            runaway,
        } => {
            let reason = broken_reason(lines, fields, plan.width, runaway);
            reject(rejects, report, line, reason, raw);
            return None;
        }
        Event::Record(r) => r,
    };
    match cells(&record, plan) {
        Ok(cells) => Some((record.line, cells)),
        Err(reason) => {
            reject(rejects, report, record.line, reason, record.raw);
            None
        }
    }
}

/// Reads a one-row-per-contact file whole and groups its rows into leads.
fn group_rows(
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

/// The field a JSON key feeds in `role`, cached.
fn json_target(keys: &mut KeyCache, mapper: &Mapper<'_>, key: &str, role: Role) -> Option<Target> {
    let cache = match role {
        Role::Contacts => &mut keys.contact,
        Role::Companies | Role::PerContact => &mut keys.company,
    };
    if let Some(t) = cache.get(key) {
        return *t;
    }
    let target = mapper.resolve(key, role);
    let usable = match (target, role) {
        (Some(Target::Field { entity, .. }), Role::Contacts) => {
            target.filter(|_| entity == Entity::Contact)
        }
        (Some(Target::Field { entity, .. }), _) => target.filter(|_| entity == Entity::Company),
        (Some(Target::FirstName | Target::LastName), Role::Contacts) => target,
        _ => None,
    };
    if cache.len() < KEY_CACHE_LIMIT {
        cache.insert(key.to_string(), usable);
    }
    usable
}

fn note_unknown(keys: &mut KeyCache, report: &mut ReadReport, name: String) {
    if keys.unknown.len() < UNKNOWN_LIMIT && keys.unknown.insert(name.clone()) {
        report.unknown_columns.push(name);
    }
}

/// Reads one JSON value into `out` for the field `target` (first value wins).
#[allow(clippy::too_many_arguments)]
fn json_value(
    target: Target,
    value: &serde_json::Value,
    schema: &Schema,
    separator: &str,
    line: u64,
    out: &mut Values,
    report: &mut ReadReport,
) {
    let Target::Field {
        id, separator: own, ..
    } = target
    else {
        return;
    };
    if out.iter().any(|(f, _)| *f == id) {
        return;
    }
    let def = schema.field(id);
    let kind = Kind::for_field(def.entity, &def.name, def.ty);
    match parse_json(kind, value, own.unwrap_or(separator)) {
        Parsed::Value(v) => out.push((id, v)),
        Parsed::Missing => {}
        Parsed::Invalid => {
            let text = match value {
                serde_json::Value::String(s) => s.clone(),
                other => clip(&other.to_string(), 200),
            };
            report.field_error(def.path(), &text, line);
        }
    }
}

/// One JSON line as a lead row, or why it cannot be read.
#[allow(clippy::too_many_arguments)]
fn json_row(
    text: &[u8],
    line: u64,
    mapper: &Mapper<'_>,
    schema: &Schema,
    separator: &str,
    special: Special,
    keys: &mut KeyCache,
    report: &mut ReadReport,
) -> Result<LeadRow, String> {
    use serde_json::Value as J;
    let text = std::str::from_utf8(text)
        .map_err(|e| format!("invalid UTF-8 at byte {}", e.valid_up_to()))?;
    let value: J = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let J::Object(object) = value else {
        let what = match value {
            J::Null => "null",
            J::Bool(_) => "a boolean",
            J::Number(_) => "a number",
            J::String(_) => "a string",
            J::Array(_) => "an array",
            J::Object(_) => "an object",
        };
        return Err(format!("{what}, not a JSON object (one company per line)"));
    };
    let mut row = LeadRow {
        line,
        ..LeadRow::default()
    };
    let company_key = |keys: &mut KeyCache,
                       report: &mut ReadReport,
                       out: &mut Values,
                       key: &str,
                       value: &J,
                       shown: String| {
        match json_target(keys, mapper, key, Role::Companies) {
            Some(target) => json_value(target, value, schema, separator, line, out, report),
            None => note_unknown(keys, report, shown),
        }
    };
    for (key, value) in &object {
        if key.trim().eq_ignore_ascii_case("contacts") {
            let items: &[J] = match value {
                J::Array(items) => items,
                J::Null => &[],
                other => {
                    report.field_error("contacts", &clip(&other.to_string(), 200), line);
                    &[]
                }
            };
            for item in items {
                let J::Object(fields) = item else {
                    report.field_error("contacts", &clip(&item.to_string(), 200), line);
                    continue;
                };
                let mut contact = Values::new();
                let mut first = None;
                let mut last = None;
                for (k, v) in fields {
                    match json_target(keys, mapper, k, Role::Contacts) {
                        Some(Target::FirstName) => first = v.as_str().map(str::trim),
                        Some(Target::LastName) => last = v.as_str().map(str::trim),
                        Some(target) => {
                            json_value(target, v, schema, separator, line, &mut contact, report)
                        }
                        None => note_unknown(keys, report, format!("contacts[].{k}")),
                    }
                }
                if let Some(field) = special.contact_name
                    && !contact.iter().any(|(f, _)| *f == field)
                {
                    let parts: Vec<&str> = [first, last]
                        .into_iter()
                        .flatten()
                        .filter(|s| !crate::parse::is_missing(s))
                        .collect();
                    if !parts.is_empty() {
                        contact.push((field, Value::String(parts.join(" "))));
                    }
                }
                row.contacts.push(contact);
            }
        } else if let (true, J::Object(inner)) = (key.trim().eq_ignore_ascii_case("company"), value)
        {
            for (k, v) in inner {
                company_key(keys, report, &mut row.company, k, v, format!("company.{k}"));
            }
        } else {
            company_key(keys, report, &mut row.company, key, value, key.clone());
        }
    }
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::KeyRows;

    /// The contact numbers of a key, in order.
    fn contacts_of(rows: &KeyRows) -> Vec<u32> {
        match rows {
            KeyRows::Run(start, end) => (*start..*end).collect(),
            KeyRows::Many(all) => all.clone(),
        }
    }

    #[test]
    fn a_key_is_found_in_order_or_out_of_it() {
        use super::{ByShard, ContactIndex, PartKeys};
        // Keys of a contacts file in order (one unindexed shard), and out of order (spread
        // over indexed shards, the keys from the first out of order on indexed at the end):
        // each key has its contacts.
        for file in [&["b", "d", "d", "f", "h"][..], &["d", "b", "f", "d", "h"]] {
            let mut index = ContactIndex::new(false);
            let mut rest = PartKeys {
                keys: Default::default(),
                runs: Vec::new(),
                by_shard: ByShard::default(),
                base: 0,
            };
            for (n, key) in file.iter().enumerate() {
                if rest.keys.is_empty() && index.add_key(key, n as u32..n as u32 + 1) {
                    continue;
                }
                if rest.keys.is_empty() {
                    index.spread();
                    (index.pending_from, rest.base) = (0, n);
                }
                rest.keys.push(key);
                rest.runs.push(n - rest.base..n - rest.base + 1);
            }
            index.pending.push(rest);
            index.finish();
            assert_eq!(index.ascending(), file == ["b", "d", "d", "f", "h"]);
            let keys: usize = index.shards.iter().map(|s| s.keys.len()).sum();
            assert_eq!(keys, 4, "{file:?}");
            let mut next = 0;
            let mut found = |key: &str| index.rows_of(key, &mut next).map(contacts_of);
            let rows = |key: &str| {
                let rows: Vec<u32> = (0..)
                    .zip(file)
                    .filter(|(_, k)| **k == key)
                    .map(|(n, _)| n)
                    .collect();
                (!rows.is_empty()).then_some(rows)
            };
            // In order, out of order, again, and keys the file does not have: before the
            // first, between two, after the last.
            for key in [
                "b", "d", "h", "f", "f", "a", "c", "e", "i", "", "d", "e", "f", "g", "h",
            ] {
                assert_eq!(found(key), rows(key), "{key} in {file:?}");
            }
        }
    }

    #[test]
    fn key_rows_keep_every_contact_once_in_order() {
        let rows = |adds: &[u32]| {
            let mut k = KeyRows::Run(adds[0], adds[0]);
            for &n in adds {
                k.add(n);
            }
            (contacts_of(&k), matches!(k, KeyRows::Run(..)))
        };
        assert_eq!(rows(&[4, 5, 6]), (vec![4, 5, 6], true));
        assert_eq!(rows(&[4, 4, 5, 5]), (vec![4, 5], true));
        assert_eq!(rows(&[4, 5, 9, 9, 12]), (vec![4, 5, 9, 12], false));
    }
}
