//! The lead ids seen so far, to count the repeated ones in constant memory while a file's ids
//! ascend.
//!
//! How it works: every id is counted by its 64-bit hash (`hash_of`, the same on every thread
//! and run). While the ids come in ascending order (a file sorted by id), none can repeat, so
//! their hashes are only kept, and every [`SPILL_AT`] of them are written to an anonymous
//! temporary file (`tempfile::tempfile`, removed by the system even if the process dies): a
//! sorted file of any size holds at most that many in memory. The first id out of order reads
//! the written hashes back into a set, sized once for the whole file's guess, and from then on
//! the set counts the repeats. A system without a writable temporary directory keeps the hashes
//! in memory, as if none were ever written.

use std::collections::HashSet;
use std::fs::File;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};

use crate::report::ReadReport;

/// The 64-bit hash an id is counted by among the ids seen: the same on every thread and run
/// (a fixed seed).
pub(crate) fn hash_of(s: &str) -> u64 {
    let seeded = foldhash::fast::FixedState::with_seed(0x0001_c9a5_e1d5);
    icp_engine::batch::hash_text(&seeded, s.as_bytes())
}

/// How many hashes an ascending run keeps in memory before it writes them out (1 MiB).
const SPILL_AT: usize = 1 << 17;

/// The ids seen so far (see the module's documentation).
#[derive(Debug)]
pub(crate) struct SeenIds {
    state: State,
    /// The number of ids the whole input is guessed to hold (sizes the set).
    expected: usize,
    spill_at: usize,
}

#[derive(Debug)]
enum State {
    /// No id has fallen out of order yet.
    Ascending {
        /// The hashes not yet written out.
        hashes: Vec<u64>,
        /// The greatest id so far.
        last: Option<String>,
        spill: Spill,
    },
    /// The hashes, stored as they are (already hashed).
    Set(HashSet<u64, BuildHasherDefault<IdentityHasher>>),
}

/// The hashes an ascending run has written out.
#[derive(Debug, Default)]
struct Spill {
    file: Option<File>,
    /// How many hashes the file holds, each written whole.
    written: u64,
    /// No temporary file could be made or written: the hashes stay in memory.
    off: bool,
    bytes: Vec<u8>,
}

impl Spill {
    /// Writes `hashes` out and empties it; keeps them when they cannot be written.
    fn write(&mut self, hashes: &mut Vec<u64>) {
        if self.off {
            return;
        }
        if self.file.is_none() {
            self.file = tempfile::tempfile().ok();
        }
        let Some(file) = self.file.as_mut() else {
            self.off = true;
            return;
        };
        self.bytes.clear();
        self.bytes
            .extend(hashes.iter().flat_map(|h| h.to_le_bytes()));
        // A write that fails part way leaves bytes past `written`, which are never read.
        if file.write_all(&self.bytes).is_ok() {
            self.written += hashes.len() as u64;
            hashes.clear();
        } else {
            self.off = true;
        }
    }

    /// Reads every hash written out into `set`.
    fn read_into(
        self,
        set: &mut HashSet<u64, BuildHasherDefault<IdentityHasher>>,
    ) -> io::Result<()> {
        let Some(mut file) = self.file else {
            return Ok(());
        };
        let read = |e: io::Error| {
            io::Error::new(
                e.kind(),
                format!("reading back the lead ids written to a temporary file: {e}"),
            )
        };
        file.seek(SeekFrom::Start(0)).map_err(read)?;
        let mut source = BufReader::with_capacity(1 << 16, file.take(self.written * 8));
        let mut hash = [0; 8];
        for _ in 0..self.written {
            source.read_exact(&mut hash).map_err(read)?;
            set.insert(u64::from_le_bytes(hash));
        }
        Ok(())
    }
}

impl SeenIds {
    pub(crate) fn new() -> SeenIds {
        SeenIds::spilling_at(SPILL_AT)
    }

    /// Ids that write out every `n` hashes of an ascending run.
    fn spilling_at(n: usize) -> SeenIds {
        SeenIds {
            state: State::Ascending {
                hashes: Vec::new(),
                last: None,
                spill: Spill::default(),
            },
            expected: 0,
            spill_at: n.max(1),
        }
    }

    /// Counts the repeats among `hashes`, the ids of the next rows, whose first and last ids
    /// are `order` when they ascend. Fails only when hashes written out cannot be read back.
    pub(crate) fn count(
        &mut self,
        hashes: &[u64],
        order: Option<(&str, &str)>,
        report: &mut ReadReport,
    ) -> io::Result<()> {
        if hashes.is_empty() {
            return Ok(());
        }
        if let State::Ascending {
            hashes: kept,
            last,
            spill,
        } = &mut self.state
        {
            let ascends = order.filter(|(first, _)| last.as_deref().is_none_or(|l| l < *first));
            if let Some((_, end)) = ascends {
                kept.extend_from_slice(hashes);
                match last {
                    Some(last) => {
                        last.clear();
                        last.push_str(end);
                    }
                    None => *last = Some(end.to_owned()),
                }
                if kept.len() >= self.spill_at {
                    spill.write(kept);
                }
                return Ok(());
            }
            let total = spill.written as usize + kept.len() + hashes.len();
            let mut set = HashSet::with_capacity_and_hasher(
                self.expected.max(total),
                BuildHasherDefault::default(),
            );
            set.extend(kept.drain(..));
            std::mem::take(spill).read_into(&mut set)?;
            self.state = State::Set(set);
        }
        if let State::Set(set) = &mut self.state {
            for &hash in hashes {
                if !set.insert(hash) {
                    report.duplicate_ids += 1;
                }
            }
        }
        Ok(())
    }

    /// Whether no id has been counted yet.
    pub(crate) fn is_empty(&self) -> bool {
        match &self.state {
            State::Ascending { hashes, spill, .. } => hashes.is_empty() && spill.written == 0,
            State::Set(set) => set.is_empty(),
        }
    }

    /// Expects `n` more ids: the set, when there is one, makes room for them; an ascending run
    /// makes room for what it keeps before writing out, and remembers `n` to size its set.
    pub(crate) fn reserve(&mut self, n: usize) {
        self.expected += n;
        match &mut self.state {
            State::Ascending { hashes, .. } => hashes.reserve(n.min(self.spill_at)),
            State::Set(set) => set.reserve(n),
        }
    }
}

/// A hasher for keys that are hashes already.
#[derive(Debug, Default)]
struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts `ids` in parts of `part` ids, as the reader does, with a spill every `spill_at`.
    fn repeats(ids: &[String], part: usize, spill_at: usize) -> (u64, SeenIds) {
        let mut seen = SeenIds::spilling_at(spill_at);
        let mut report = ReadReport::default();
        for part in ids.chunks(part) {
            let hashes: Vec<u64> = part.iter().map(|id| hash_of(id)).collect();
            let ascending = part.windows(2).all(|w| w[0] < w[1]);
            let order = ascending.then(|| (part[0].as_str(), part[part.len() - 1].as_str()));
            seen.count(&hashes, order, &mut report).unwrap();
        }
        (report.duplicate_ids, seen)
    }

    /// What a set of every id seen counts.
    fn expected(ids: &[String]) -> u64 {
        let mut set = HashSet::new();
        ids.iter().filter(|id| !set.insert(*id)).count() as u64
    }

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("c{i:06}")).collect()
    }

    #[test]
    fn an_ascending_run_keeps_no_more_than_it_writes_out_at() {
        let all = ids(10_000);
        let (count, seen) = repeats(&all, 7, 64);
        assert_eq!(count, 0);
        let State::Ascending { hashes, spill, .. } = &seen.state else {
            panic!("the ids ascend");
        };
        assert!(hashes.len() < 64 + 7, "{} kept", hashes.len());
        assert_eq!(spill.written as usize + hashes.len(), all.len());
        assert!(!seen.is_empty());
    }

    #[test]
    fn repeats_after_a_written_out_run_are_counted_as_a_set_would() {
        let mut state = 0x5eed_u64;
        let run = ids(1_000);
        for case in 0..40 {
            // An ascending run, then ids drawn from it and beyond it, in any order.
            let mut all = run[..200 + case * 20].to_vec();
            for _ in 0..300 {
                let i = crate::xorshift(&mut state) as usize % 1_200;
                all.push(format!("c{i:06}"));
            }
            for (part, spill_at) in [(1, 1), (3, 16), (50, 64), (1_000, 1 << 20)] {
                let (count, seen) = repeats(&all, part, spill_at);
                assert_eq!(count, expected(&all), "case {case}, parts of {part}");
                assert!(matches!(seen.state, State::Set(_)));
            }
        }
    }

    #[test]
    fn a_set_is_sized_for_the_ids_expected() {
        let mut seen = SeenIds::spilling_at(8);
        seen.reserve(5_000);
        let all = ids(100);
        let mut report = ReadReport::default();
        let hashes: Vec<u64> = all.iter().map(|id| hash_of(id)).collect();
        seen.count(&hashes[..50], Some((&all[0], &all[49])), &mut report)
            .unwrap();
        seen.count(&hashes[..1], None, &mut report).unwrap();
        let State::Set(set) = &seen.state else {
            panic!("an id fell out of order");
        };
        assert!(set.capacity() >= 5_000);
        assert_eq!((set.len(), report.duplicate_ids), (50, 1));
    }
}
