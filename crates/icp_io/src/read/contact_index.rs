//! The contacts file, indexed by company key.
//!
//! How it works: the contacts are held in columns — batches whose single lead has the
//! contacts of one chunk of the file — and numbered across them in file order; a company key
//! maps to its contacts' numbers (`KeyRows`, usually one run). While the keys ascend they
//! are kept in one unindexed shard, found beside the last key found or by a binary search;
//! the first key out of order spreads them over [`KEY_SHARDS`] hash shards, and the keys from
//! there on are indexed at the end of the file, a shard per thread, then regrouped in key
//! order when many contacts were scattered. A company's contacts are copied from the tables
//! into its batch a run at a time (`copy_contacts`, `defer_contacts`), and marked matched.
//! A key that is empty (or a domain that does not normalise) joins nothing.

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};

use icp_engine::batch::{Batch, BatchBuilder, CodeMap, Column, Dict, Texts};
use rayon::prelude::*;

use super::InputError;
use super::cells::write_rejects;
use super::contacts_file::ContactPart;
use crate::parse::normalize_domain;
use crate::presets::JoinKind;
use crate::report::{ReadReport, Rejects};
use crate::seen::hash_of;

/// The contacts file, indexed by company key. The contacts are held in columns — batches
/// whose single lead has the contacts of one chunk of the file — so a repeated text (a title,
/// a department) is stored once per chunk and a contact costs a code per field rather than a
/// vector of values. Contacts are numbered across the tables, in file order.
#[derive(Debug)]
pub(super) struct ContactIndex {
    pub(super) kind: JoinKind,
    pub(super) salesforce: bool,
    tables: Vec<Batch>,
    /// The number of the first contact of each table.
    starts: Vec<usize>,
    /// Whether each contact was attached to at least one company (set by the threads that
    /// read the companies).
    pub(super) matched: Vec<AtomicBool>,
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
    pub(super) keyless: u64,
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
pub(super) fn number(n: usize) -> u32 {
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
    pub(super) fn add(&mut self, code: u32, numbers: std::ops::Range<u32>) {
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
    pub(super) fn of(shards: &[u8]) -> ByShard {
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
pub(super) enum KeyRows {
    /// Contacts `start..end`.
    Run(u32, u32),
    Many(Vec<u32>),
}

impl KeyRows {
    /// Adds contact `n`, numbered after every contact already added (again: nothing).
    pub(super) fn add(&mut self, n: u32) {
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
    pub(super) fn new(salesforce: bool) -> ContactIndex {
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
    pub(super) fn add(
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
    pub(super) fn finish(&mut self) {
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
    pub(super) fn reserve(&mut self, keys: usize, bytes: usize, contacts: usize) {
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
    pub(super) fn rows_of(&self, key: &str, next: &mut u32) -> Option<&KeyRows> {
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
    pub(super) fn copy_contacts(
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
    pub(super) fn defer_contacts(
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
    pub(super) fn flush_contacts(
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
pub(super) fn search(keys: &Dict, key: &str, near: u32) -> Result<u32, u32> {
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
pub(super) fn join_key(kind: JoinKind, salesforce: bool, raw: &str) -> Option<Cow<'_, str>> {
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
