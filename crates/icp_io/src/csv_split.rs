//! Splitting CSV input into records, with their line numbers and raw bytes, and recovery from
//! broken quoting.
//!
//! How it works: bytes are read in chunks into one buffer and handed to `csv_core`, which
//! never fails ("a parse over no parse") and writes the unescaped fields of one record to an
//! output buffer. The buffer keeps every byte of the current record, so a record comes out
//! with the exact bytes it had in the file (for the rejects file) and the line it starts on
//! (counting `\n`, quoted ones included; blank lines are skipped but counted). Memory is the
//! read chunk plus the largest record: a 10 MB field costs about 20 MB while it is read.
//!
//! The common record, one line without a quote or a stray carriage return, skips `csv_core`:
//! the buffer is looked at 64 bytes at a time, each block's delimiters, line ends, quotes and
//! carriage returns found at once as four bit masks ([`Marks`], SSE2 on x86-64; the `marks`
//! module), and the line's fields end at the delimiter bits before its line-end bit. Records
//! and broken lines, what the splitter hands out, are in the `record` module.
//!
//! Records are exactly those of a CSV reader (`csv_core`, which the `csv` crate is built on):
//! a quoted field runs over line ends until its closing quote, whatever the record's width, so
//! a row of the wrong width is one whole record (rejected by the reader, with all its bytes)
//! and the next record starts after it — never inside it, where lines of a multi-line value
//! would read as rows. A quote the input never closes runs to the end of the input, as in any
//! CSV reader: that last record is [`Event::Broken`], whole. (A stray quote closed by another
//! some lines later makes one record of the lines between, as it does for any CSV reader.) A
//! record that runs on over more than [`MAX_RUNAWAY`] bytes across lines is an error rather
//! than a guess at where it ends, which bounds memory.

use std::io::{self, Read};

use csv_core::ReadRecordResult;

mod marks;
mod record;

use marks::Marks;
pub(crate) use record::{Cells, Event, Record};

const CHUNK: usize = 64 * 1024;

/// How far a record may run over several lines before reading stops with an error (a quote
/// left open, most likely).
pub(crate) const MAX_RUNAWAY: usize = 64 << 20;

/// What a splitter splits: the bytes it reads into a buffer, or a whole input that is valid
/// UTF-8, kept as text so that a line's text needs no check of its own.
#[derive(Debug)]
enum Input {
    Read(Vec<u8>),
    Text(String),
}

impl Input {
    fn bytes(&self) -> &[u8] {
        match self {
            Input::Read(bytes) => bytes,
            Input::Text(text) => text.as_bytes(),
        }
    }

    /// The text of bytes `range`, when the input is text (and the range on boundaries).
    fn text(&self, range: std::ops::Range<usize>) -> Option<&str> {
        match self {
            Input::Read(_) => None,
            Input::Text(text) => text.get(range),
        }
    }

    fn into_bytes(self) -> Vec<u8> {
        match self {
            Input::Read(bytes) => bytes,
            Input::Text(text) => text.into_bytes(),
        }
    }
}

/// Splits CSV input from `R` into [`Event`]s.
pub(crate) struct CsvSplitter<R> {
    source: R,
    core: csv_core::Reader,
    buf: Input,
    /// Start of the current record in `buf`.
    start: usize,
    /// Next byte to hand to `csv_core`.
    pos: usize,
    /// End of the bytes read into `buf`.
    end: usize,
    eof: bool,
    out: Vec<u8>,
    ends: Vec<usize>,
    nout: usize,
    nend: usize,
    /// The line `buf[start]` is on.
    line: u64,
    max_runaway: usize,
    /// Whether a byte-order mark at the start has been looked for.
    bom_checked: bool,
    /// Whether a record was ended by the end of the input rather than a line end.
    ran_into_end: bool,
    delimiter: u8,
    /// The marks of the block of `buf` read last.
    scan: Scan,
}

impl<R> std::fmt::Debug for CsvSplitter<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvSplitter")
            .field("line", &self.line)
            .finish_non_exhaustive()
    }
}

fn newlines(bytes: &[u8]) -> u64 {
    // Counting a few bytes one by one is quicker than setting up the vector search.
    if bytes.len() < 64 {
        bytes.iter().filter(|b| **b == b'\n').count() as u64
    } else {
        memchr::memchr_iter(b'\n', bytes).count() as u64
    }
}

/// Sets field end `n` of a line: `ends` holds the ends of the line split last, and is
/// overwritten from the start rather than cleared.
fn put_end(ends: &mut Vec<usize>, n: usize, end: usize) {
    if n == ends.len() {
        ends.push(end);
    } else {
        ends[n] = end;
    }
}

/// The [`Marks`] of the `len` bytes of a buffer from `at`.
#[derive(Debug, Clone, Copy, Default)]
struct Scan {
    at: usize,
    len: usize,
    marks: Marks,
}

pub(crate) fn trim_line_end(mut bytes: &[u8]) -> &[u8] {
    while let [rest @ .., b'\n' | b'\r'] = bytes {
        bytes = rest;
    }
    bytes
}

impl CsvSplitter<io::Empty> {
    /// A splitter over `bytes`, the whole of its input, split where they lie (no copy), as
    /// [`CsvSplitter::resume`] would split them; `core` is a `csv_core` reader for `delimiter`,
    /// new ([`core_reader`]) or [`reset`](csv_core::Reader::reset) (building one costs about
    /// 250,000 instructions: a file's chunks share a few; see [`CsvSplitter::into_parts`]).
    pub(crate) fn whole(
        bytes: Vec<u8>,
        delimiter: u8,
        line: u64,
        core: csv_core::Reader,
    ) -> CsvSplitter<io::Empty> {
        // Only quoted records go through `csv_core`'s output; it grows as they need.
        let mut split =
            CsvSplitter::with_buffers(io::empty(), delimiter, Vec::new(), vec![0; 1024], core);
        // Valid throughout (the usual file), each line's text is a slice of it: one check of
        // the whole rather than one per line.
        split.buf = match String::from_utf8(bytes) {
            Ok(text) => Input::Text(text),
            Err(e) => Input::Read(e.into_bytes()),
        };
        split.end = split.buf.bytes().len();
        split.eof = true;
        split.line = line;
        split.bom_checked = true;
        split
    }
}

/// A new `csv_core` reader for `delimiter`. (Not a clone of one: `csv_core` 0.1.13 clones a
/// reader's state machine only in part, and the clone returns empty records without reading.)
pub(crate) fn core_reader(delimiter: u8) -> csv_core::Reader {
    csv_core::ReaderBuilder::new().delimiter(delimiter).build()
}

impl<R> CsvSplitter<R> {
    /// A splitter reading `source` after the bytes of `buf` up to `end` (none yet), parsing
    /// into `out`.
    fn with_buffers(
        source: R,
        delimiter: u8,
        buf: Vec<u8>,
        out: Vec<u8>,
        core: csv_core::Reader,
    ) -> Self {
        CsvSplitter {
            source,
            core,
            buf: Input::Read(buf),
            start: 0,
            pos: 0,
            end: 0,
            eof: false,
            out,
            ends: vec![0; 64],
            nout: 0,
            nend: 0,
            line: 1,
            max_runaway: MAX_RUNAWAY,
            bom_checked: false,
            ran_into_end: false,
            delimiter,
            scan: Scan::default(),
        }
    }
}

impl<R: Read> CsvSplitter<R> {
    pub(crate) fn new(source: R, delimiter: u8) -> Self {
        let core = core_reader(delimiter);
        CsvSplitter::with_buffers(source, delimiter, vec![0; CHUNK], vec![0; CHUNK], core)
    }

    /// A splitter for input that continues a CSV file at line `line` (after its header): no
    /// byte-order mark is looked for.
    pub(crate) fn resume(source: R, delimiter: u8, line: u64) -> Self {
        let mut split = CsvSplitter::new(source, delimiter);
        split.line = line;
        split.bom_checked = true;
        split
    }

    /// The bytes given back by a splitter made by [`CsvSplitter::whole`], as they were, and
    /// its `csv_core` reader, reset for another splitter.
    pub(crate) fn into_parts(self) -> (Vec<u8>, csv_core::Reader) {
        let mut core = self.core;
        core.reset();
        (self.buf.into_bytes(), core)
    }

    /// Whether a record so far was ended by the end of the input, not by a line end: for a
    /// part of a file cut at a line end, that its cut was inside a record.
    pub(crate) fn ran_into_end(&self) -> bool {
        self.ran_into_end
    }

    /// The bytes read but not yet split, the source of the rest, and the line they start on.
    pub(crate) fn into_rest(self) -> (Vec<u8>, R, u64) {
        let mut rest = self.buf.into_bytes();
        rest.truncate(self.end);
        rest.drain(..self.pos);
        (rest, self.source, self.line)
    }

    #[cfg(test)]
    fn with_max_runaway(mut self, max: usize) -> Self {
        self.max_runaway = max;
        self
    }

    /// Reads more input into `buf`, keeping the current record.
    fn fill(&mut self) -> io::Result<()> {
        // The bytes move: the marks are of other bytes now.
        self.scan = Scan::default();
        let Input::Read(buf) = &mut self.buf else {
            // A whole input: there is no more.
            self.eof = true;
            return Ok(());
        };
        if self.start > 0 {
            buf.copy_within(self.start..self.end, 0);
            self.pos -= self.start;
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == buf.len() {
            let grown = buf.len().saturating_mul(2).max(CHUNK);
            buf.resize(grown, 0);
        }
        loop {
            let Some(space) = buf.get_mut(self.end..) else {
                return Ok(());
            };
            match self.source.read(space) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// The current record's bytes after its leading blank lines, and how many lines those
    /// were.
    fn body(&self) -> (usize, u64) {
        let rec = self
            .buf
            .bytes()
            .get(self.start..self.pos)
            .unwrap_or_default();
        let lead = rec
            .iter()
            .take_while(|b| **b == b'\n' || **b == b'\r')
            .count();
        (self.start + lead, newlines(&rec[..lead]))
    }

    /// The error for a record that has run on over more than `max_runaway` bytes across
    /// lines: a quote left open, most likely, which leaves no way to tell where the record
    /// ends short of the end of the input.
    fn runaway(&self) -> io::Error {
        let (_, blank) = self.body();
        let line = self.line + blank;
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "the record starting on line {line} runs on over more than {} MiB across lines \
                 (a quote left open?); a CSV reader cannot tell where it ends",
                self.max_runaway >> 20
            ),
        )
    }

    /// Whether the current record, ended by the end of the input, ended inside a quoted
    /// field: read again by `csv_core` from its start, one more line end is taken into the
    /// field rather than ending the record.
    fn ended_in_quotes(&mut self, body: std::ops::Range<usize>) -> bool {
        let Some(mut input) = self.buf.bytes().get(body) else {
            return false;
        };
        let (mut out, mut ends) = ([0u8; 256], [0usize; 16]);
        self.core.reset();
        let open = loop {
            let (res, nin, _, _) = self.core.read_record(input, &mut out, &mut ends);
            input = input.get(nin..).unwrap_or_default();
            match res {
                ReadRecordResult::InputEmpty if input.is_empty() => {
                    let (res, nin, _, _) = self.core.read_record(b"\n", &mut out, &mut ends);
                    break !(matches!(res, ReadRecordResult::Record) && nin == 1);
                }
                ReadRecordResult::Record | ReadRecordResult::End => break false,
                _ => {}
            }
        };
        self.core.reset();
        open
    }

    /// The next record, broken line, or `None` at the end of the input.
    pub(crate) fn next_event(&mut self) -> io::Result<Option<Event<'_>>> {
        // The previous record is done with.
        self.start = self.pos;
        self.nout = 0;
        self.nend = 0;
        loop {
            if !self.bom_checked {
                if self.end - self.pos < 3 && !self.eof {
                    self.fill()?;
                    continue;
                }
                if self
                    .buf
                    .bytes()
                    .get(self.pos..self.end)
                    .is_some_and(|b| b.starts_with(b"\xEF\xBB\xBF"))
                {
                    self.pos += 3;
                    self.start = self.pos;
                }
                self.bom_checked = true;
            }
            if self.pos == self.start
                && let Some(nl) = self.plain_line()
            {
                return Ok(Some(self.plain_record(nl)));
            }
            if self.pos == self.end && !self.eof {
                if self.pos - self.start > self.max_runaway {
                    let (body_start, _) = self.body();
                    let spans = self
                        .buf
                        .bytes()
                        .get(body_start..self.pos)
                        .is_some_and(|b| b.contains(&b'\n'));
                    if spans {
                        return Err(self.runaway());
                    }
                }
                self.fill()?;
                continue;
            }
            let input = self.buf.bytes().get(self.pos..self.end).unwrap_or_default();
            if self.nout == self.out.len() {
                let grown = self.out.len().saturating_mul(2);
                self.out.resize(grown, 0);
            }
            if self.nend == self.ends.len() {
                let grown = self.ends.len().saturating_mul(2);
                self.ends.resize(grown, 0);
            }
            let (Some(out), Some(ends)) = (
                self.out.get_mut(self.nout..),
                self.ends.get_mut(self.nend..),
            ) else {
                return Ok(None);
            };
            let at_end = input.is_empty();
            let (res, nin, nout, nend) = self.core.read_record(input, out, ends);
            self.pos += nin;
            self.nout += nout;
            self.nend += nend;
            match res {
                // At the end of the input a record still open (after a recovery, its quote
                // never closed) is ended by one more call with no input.
                ReadRecordResult::InputEmpty => {
                    if self.eof && at_end {
                        return Ok(None);
                    }
                }
                ReadRecordResult::OutputFull | ReadRecordResult::OutputEndsFull => {}
                ReadRecordResult::End => return Ok(None),
                ReadRecordResult::Record => {
                    self.ran_into_end |= at_end;
                    return Ok(Some(self.finish_record(at_end)));
                }
            }
        }
    }

    /// The common record, a line without quotes or carriage returns inside it, is split here
    /// on its delimiters rather than by `csv_core`, which would give the same fields: when
    /// the next record is one, its line end's offset from `pos`, with `ends` filled. The line
    /// is read from the [`Marks`] of its blocks, each block's marks computed once for all the
    /// lines in it.
    fn plain_line(&mut self) -> Option<usize> {
        let start = self.pos;
        let rest = self.buf.bytes().get(start..self.end)?;
        if matches!(rest.first(), None | Some(b'\n' | b'\r')) {
            return None;
        }
        let mut nend = 0;
        let mut at = start;
        // Where a carriage return was: only one right before the line end is plain.
        let mut cr = None;
        loop {
            let (marks, len) = self.marks_from(at)?;
            let newline = marks.newlines.trailing_zeros() as usize;
            let before = if newline < 64 {
                (1u64 << newline) - 1
            } else {
                u64::MAX
            };
            if marks.quotes & before != 0 {
                return None;
            }
            let returns = marks.returns & before;
            if returns != 0 {
                if cr.is_some() || returns.count_ones() > 1 {
                    return None;
                }
                cr = Some(at + returns.trailing_zeros() as usize);
            }
            let mut delimiters = marks.delimiters & before;
            while delimiters != 0 {
                put_end(
                    &mut self.ends,
                    nend,
                    at + delimiters.trailing_zeros() as usize - start,
                );
                nend += 1;
                delimiters &= delimiters - 1;
            }
            if newline < len {
                let nl = at + newline;
                let end = match cr {
                    None => nl,
                    Some(r) if r + 1 == nl => r,
                    Some(_) => return None,
                };
                put_end(&mut self.ends, nend, end - start);
                self.nend = nend + 1;
                return Some(nl - start);
            }
            // No line end in what was read: `csv_core` takes the record on.
            at += len;
            if at >= self.end {
                return None;
            }
        }
    }

    /// The marks of the bytes of `buf` from `at` (bit 0 for `buf[at]`) and how many bytes they
    /// cover (up to 64; `None` at the end of what was read). Consecutive lines share the block
    /// computed for the first.
    fn marks_from(&mut self, at: usize) -> Option<(Marks, usize)> {
        let scan = &mut self.scan;
        if !(scan.at <= at && at < scan.at + scan.len) {
            let bytes = self.buf.bytes().get(at..self.end)?;
            let (marks, len) = match bytes.first_chunk::<64>() {
                Some(block) => (Marks::of(block, self.delimiter), 64),
                None if bytes.is_empty() => return None,
                None => {
                    let mut block = [0; 64];
                    block[..bytes.len()].copy_from_slice(bytes);
                    let marks = Marks::of(&block, self.delimiter);
                    (marks.first(bytes.len()), bytes.len())
                }
            };
            *scan = Scan { at, len, marks };
        }
        let skip = at - scan.at;
        Some((scan.marks.after(skip), scan.len - skip))
    }

    fn plain_record(&mut self, nl: usize) -> Event<'_> {
        let start = self.pos;
        self.pos += nl + 1;
        let line = self.line;
        self.line += 1;
        // The parser starts the next record afresh, as it would after this line's end.
        self.core.reset();
        let raw = trim_line_end(self.buf.bytes().get(start..start + nl).unwrap_or_default());
        Event::Record(Record {
            line,
            raw,
            text: self.buf.text(start..start + raw.len()),
            out: raw,
            ends: self.ends.get(..self.nend).unwrap_or_default(),
            gap: 1,
        })
    }

    /// The record `csv_core` has just ended (`at_end`: by the end of the input), whole: a
    /// record left inside a quoted field by the end of the input is [`Event::Broken`].
    fn finish_record(&mut self, at_end: bool) -> Event<'_> {
        let (body_start, blank) = self.body();
        let line = self.line + blank;
        if at_end && self.eof && self.ended_in_quotes(body_start..self.pos) {
            let all = self.buf.bytes().get(self.start..self.pos);
            self.line += newlines(all.unwrap_or_default());
            let body = self.buf.bytes().get(body_start..self.pos);
            let raw = trim_line_end(body.unwrap_or_default());
            return Event::Broken {
                line,
                raw,
                lines: newlines(raw) + 1,
                fields: self.nend,
            };
        }
        let body = self
            .buf
            .bytes()
            .get(body_start..self.pos)
            .unwrap_or_default();
        let raw = trim_line_end(body);
        let raw_end = body_start + raw.len();
        // Most records are one line: no line break inside, and then no count of them needed.
        let multiline = memchr::memchr(b'\n', raw).is_some();
        // The lines the record took: its leading blank lines, those inside it, its line end.
        let inside = if multiline { newlines(raw) } else { 0 };
        let end = self.buf.bytes().get(raw_end..self.pos).unwrap_or_default();
        self.line += blank + inside + newlines(end);
        Event::Record(Record {
            line,
            raw: self
                .buf
                .bytes()
                .get(body_start..raw_end)
                .unwrap_or_default(),
            text: None,
            out: self.out.get(..self.nout).unwrap_or_default(),
            ends: self.ends.get(..self.nend).unwrap_or_default(),
            gap: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    enum E {
        R(u64, Vec<String>, String),
        B(u64, String, u64, usize),
    }

    /// An event as an `E`, with the record's cells as text when it has them.
    fn seen(e: Event<'_>) -> (E, Option<Vec<String>>) {
        match e {
            Event::Record(r) => (
                E::R(
                    r.line,
                    r.fields()
                        .map(|f| String::from_utf8_lossy(f).into_owned())
                        .collect(),
                    String::from_utf8_lossy(r.raw).into_owned(),
                ),
                r.cells().map(|c| c.iter().map(str::to_string).collect()),
            ),
            Event::Broken {
                line,
                raw,
                lines,
                fields,
                ..
            } => (
                E::B(
                    line,
                    String::from_utf8_lossy(raw).into_owned(),
                    lines,
                    fields,
                ),
                None,
            ),
        }
    }

    fn split_with(input: &[u8], runaway: usize, chunked: bool) -> Vec<(E, Option<Vec<String>>)> {
        // A reader that hands out one byte at a time exercises every refill path.
        struct OneByte<'a>(&'a [u8]);
        impl Read for OneByte<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                match (self.0.split_first(), buf.first_mut()) {
                    (Some((b, rest)), Some(slot)) => {
                        *slot = *b;
                        self.0 = rest;
                        Ok(1)
                    }
                    _ => Ok(0),
                }
            }
        }
        let source: Box<dyn Read> = if chunked {
            Box::new(OneByte(input))
        } else {
            Box::new(input)
        };
        let mut s = CsvSplitter::new(source, b',').with_max_runaway(runaway);
        let mut events = Vec::new();
        while let Some(e) = s.next_event().unwrap() {
            events.push(seen(e));
        }
        events
    }

    fn split(input: &[u8]) -> Vec<E> {
        let a = split_with(input, MAX_RUNAWAY, false);
        let b = split_with(input, MAX_RUNAWAY, true);
        assert_eq!(a, b, "chunking changes nothing");
        // After a plain header line, the rest split whole, as a chunk of a file is (its text
        // checked once): the same events, and the same cells.
        let header = memchr::memchr(b'\n', input).map(|nl| (nl, &input[..nl]));
        if let (Some((nl, line)), Some((E::R(1, ..), _))) = (header, a.first())
            && !line.is_empty()
            && !line.contains(&b'"')
            && !line.contains(&b'\r')
        {
            let mut s = CsvSplitter::whole(input[nl + 1..].to_vec(), b',', 2, core_reader(b','));
            let mut whole = Vec::new();
            while let Some(e) = s.next_event().unwrap() {
                whole.push(seen(e));
            }
            assert_eq!(whole, a[1..], "split whole: {input:?}");
        }
        events_of(a)
    }

    /// A `csv_core` reader given back by a splitter — even one left inside a quoted field by
    /// a chunk cut there — reads the next chunk as a new reader does.
    #[test]
    fn a_reader_given_back_reads_as_a_new_one() {
        let all = |mut split: CsvSplitter<io::Empty>| {
            let mut got = Vec::new();
            while let Some(e) = split.next_event().expect("in memory") {
                got.push(seen(e));
            }
            (got, split)
        };
        let (_, cut) = all(CsvSplitter::whole(
            b"a,\"open\nstill".to_vec(),
            b',',
            1,
            core_reader(b','),
        ));
        assert!(cut.ran_into_end());
        let (_, core) = cut.into_parts();
        let text = b"x,\"y,z\"\n\"q\"\"r\",s\nt,u\n".to_vec();
        let (reused, _) = all(CsvSplitter::whole(text.clone(), b',', 7, core));
        let (fresh, _) = all(CsvSplitter::whole(text, b',', 7, core_reader(b',')));
        assert_eq!(reused, fresh);
        assert_eq!(fresh.len(), 3);
    }

    /// The events without their cells.
    fn events_of(seen: Vec<(E, Option<Vec<String>>)>) -> Vec<E> {
        seen.into_iter().map(|(e, _)| e).collect()
    }

    fn r(line: u64, fields: &[&str], raw: &str) -> E {
        E::R(
            line,
            fields.iter().map(|s| s.to_string()).collect(),
            raw.to_string(),
        )
    }

    #[test]
    fn plain_lines_split_as_csv_core_splits_them() {
        // Read one byte at a time, lines go through `csv_core`; read whole, the plain ones are
        // split on their delimiters. `split` checks both give the same events.
        let pieces: &[&[u8]] = &[
            b"a",
            b",",
            b",,",
            b"\n",
            b"\r\n",
            b"\r",
            b"\"",
            b"\"x,y\"",
            b" ",
            b"\xc3\xa9",
            b"\t",
            b"\n\n",
            b"\"\"",
            b"12",
            // Not UTF-8: a stray continuation byte, a sequence cut short.
            b"\xa9",
            b"\xc3",
        ];
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        for round in 0..1_000 {
            let mut input = b"h1,h2,h3\n".to_vec();
            // Long inputs too, whose lines cross the 64-byte blocks the marks are read in.
            let len = crate::xorshift(&mut state) % if round % 2 == 0 { 40 } else { 400 };
            for _ in 0..len {
                let pick = crate::xorshift(&mut state) % pieces.len() as u64;
                input.extend_from_slice(pieces[pick as usize]);
            }
            split(&input);
        }
    }

    #[test]
    fn records_carry_lines_and_raw_bytes() {
        let events = split(b"\xEF\xBB\xBFa,b\r\n1,\"x,y\"\r\n\r\n2,\"multi\nline\"\n3,z");
        assert_eq!(
            events,
            [
                r(1, &["a", "b"], "a,b"),
                r(2, &["1", "x,y"], "1,\"x,y\""),
                r(4, &["2", "multi\nline"], "2,\"multi\nline\""),
                r(6, &["3", "z"], "3,z"),
            ]
        );
    }

    #[test]
    fn ragged_rows_come_out_as_they_are() {
        let events = split(b"a,b\n1\n1,2,3\n");
        assert_eq!(
            events,
            [
                r(1, &["a", "b"], "a,b"),
                r(2, &["1"], "1"),
                r(3, &["1", "2", "3"], "1,2,3"),
            ]
        );
    }

    #[test]
    fn a_record_is_whole_whatever_its_width() {
        // A quoted value over lines that look like rows, in a row with one field too many: one
        // record, as any CSV reader reads it; the rows inside it are not rows.
        let events = split(b"a,b\n1,\"x\n2,y\n\",z\n3,w\n");
        assert_eq!(
            events,
            [
                r(1, &["a", "b"], "a,b"),
                r(2, &["1", "x\n2,y\n", "z"], "1,\"x\n2,y\n\",z"),
                r(5, &["3", "w"], "3,w"),
            ]
        );
        // A stray quote closed by another lines later: one record, with the quote's text.
        let events = split(b"a,b\n1,\"oops\n2,x\n3,\"y\",4\n5,z\n");
        assert_eq!(
            events[1],
            r(
                2,
                &["1", "oops\n2,x\n3,y\"", "4"],
                "1,\"oops\n2,x\n3,\"y\",4"
            )
        );
        assert_eq!(events[2], r(5, &["5", "z"], "5,z"));
    }

    #[test]
    fn a_quote_open_at_the_end_breaks_its_record_whole() {
        let events = split(b"a,b\n1,\"oops\n2,x\n3,y\n");
        assert_eq!(
            events,
            [
                r(1, &["a", "b"], "a,b"),
                E::B(2, "1,\"oops\n2,x\n3,y".into(), 3, 2)
            ]
        );
        // A quote in the middle of a field is text, not an opening quote.
        let events = split(b"a,b\n1,x\"y");
        assert_eq!(events[1], r(2, &["1", "x\"y"], "1,x\"y"));
        // Closed, with no line end after it: a record.
        let events = split(b"a,b\n1,\"x\ny\"");
        assert_eq!(events[1], r(2, &["1", "x\ny"], "1,\"x\ny\""));
    }

    #[test]
    fn a_runaway_quote_is_an_error() {
        let mut input = b"a,b\n\n1,\"oops\n".to_vec();
        for i in 0..100 {
            input.extend_from_slice(format!("{i},x\n").as_bytes());
        }
        let mut s = CsvSplitter::new(&input[..], b',').with_max_runaway(64);
        assert!(matches!(s.next_event(), Ok(Some(Event::Record(_)))));
        let err = s.next_event().expect_err("runs on");
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(err.to_string().contains("starting on line 3"), "{err}");
    }

    #[test]
    fn empty_and_header_only_inputs() {
        assert_eq!(split(b""), []);
        assert_eq!(split(b"\n\n"), []);
        assert_eq!(split(b"a,b\n"), [r(1, &["a", "b"], "a,b")]);
    }

    #[test]
    fn a_big_field_is_read_whole() {
        let mut input = b"a,b\n1,\"".to_vec();
        input.extend(std::iter::repeat_n(b'x', 3 * CHUNK + 17));
        input.extend_from_slice(b"\"\n2,y\n");
        let events = events_of(split_with(&input, MAX_RUNAWAY, false));
        let E::R(line, fields, _) = &events[1] else {
            panic!("a record")
        };
        assert_eq!((*line, fields[1].len()), (2, 3 * CHUNK + 17));
        assert_eq!(events[2], r(3, &["2", "y"], "2,y"));
    }
}
