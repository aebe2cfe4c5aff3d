//! Reading the records of a large CSV file on every core, with the results in file order.
//!
//! How it works: after the header, a [`Chunker`] cuts the rest of the input into chunks of
//! whole lines — about `lines` each, so a chunk of a companies file makes one batch — cutting
//! only after a line end preceded by an even number of quote characters since the last cut,
//! which is outside any quoted field when the quoting is sound. [`Records`] hands a window of
//! chunks ([`PER_THREAD`] per thread of the current rayon pool) to a [`ChunkParser`] in
//! parallel, each chunk through its own [`CsvSplitter`] starting at the chunk's line, so every
//! record — its line, its raw bytes, whether it is rejected — is the one the splitter would
//! give reading the file from the start: the first chunk starts where a record starts (after
//! the header), and a chunk that starts where a record starts and whose last record is ended
//! by a line end, not by the chunk's end, leaves the next one starting where a record starts.
//! (The quote count can be wrong — a quote inside an unquoted field is text to a CSV reader —
//! but only ever makes a cut unsound, which is caught.)
//!
//! The chunker reads the next window while the current one is parsed, into the spare capacity
//! of its buffer (nothing cleared first), and takes back the buffers of parsed chunks for the
//! next ones.
//!
//! Except where the quoting is broken across a cut: a chunk whose splitter had to end a record
//! at the end of the chunk (not of the file) was cut inside a record. Its result, and those
//! after it (the window read ahead included), are dropped, and the rest of the file — from that
//! chunk on — is read serially by one splitter, `lines` records per call, exactly as a serial
//! reader would. So a broken file still reads correctly, only slower from the first doubtful
//! cut.

use std::io::{self, Cursor, Read};

use rayon::prelude::*;

use crate::csv_split::{CsvSplitter, core_reader};

/// The largest chunk: past this without a safe cut (a quote left open), the chunk is cut at the
/// end of what was read, its splitter finds it unsound, and reading goes serial.
const MAX_CHUNK: usize = 64 << 20;

/// Chunks parsed at once per thread of the pool. Four rather than two keep both cores busier
/// between windows (1.84 cores used rather than 1.78 on a million companies, 8% less wall
/// time), for about 40 MB more memory there.
const PER_THREAD: usize = 4;

/// How much is read at a time.
const READ: usize = 256 << 10;

/// How much is scanned for quotes at a time: a block without any only has its line ends
/// counted.
const BLOCK: usize = 16 << 10;

/// Whole lines of a CSV file, starting at line `line`.
#[derive(Debug)]
pub(crate) struct Chunk {
    bytes: Vec<u8>,
    line: u64,
    /// Whether the chunk ends the file.
    last: bool,
}

/// Cuts input into [`Chunk`]s; see the module documentation.
pub(crate) struct Chunker<R> {
    source: R,
    /// Read and not yet handed out.
    buf: Vec<u8>,
    /// The line `buf[0]` is on.
    line: u64,
    eof: bool,
    lines: usize,
    /// Bytes handed out in chunks so far.
    handed: u64,
    /// Buffers of chunks already parsed, for the next chunks: memory the process has touched
    /// already, rather than fresh pages the kernel must clear.
    spare: Vec<Vec<u8>>,
}

impl<R: Read> Chunker<R> {
    /// Chunks of about `lines` lines from `rest` (already read) and then `source`, starting at
    /// line `line`.
    pub(crate) fn new(rest: Vec<u8>, source: R, line: u64, lines: usize) -> Self {
        Chunker {
            source,
            buf: rest,
            line,
            eof: false,
            lines: lines.max(1),
            handed: 0,
            spare: Vec::new(),
        }
    }

    /// Reads up to [`READ`] more bytes into `buf` (into its spare capacity, which is not
    /// cleared first); false at the end of the input.
    fn fill(&mut self) -> io::Result<bool> {
        self.buf.reserve(READ);
        let n = (&mut self.source)
            .take(READ as u64)
            .read_to_end(&mut self.buf)?;
        // Short of `READ` only at the end of the input (`read_to_end` reads on until then).
        self.eof = n < READ;
        Ok(n > 0)
    }

    /// Hands back the buffer of a chunk that has been read, for a later chunk.
    pub(crate) fn recycle(&mut self, mut bytes: Vec<u8>) {
        bytes.clear();
        self.spare.push(bytes);
    }

    /// The next `n` chunks, fewer at the end of the input.
    fn window(&mut self, n: usize) -> io::Result<Vec<Chunk>> {
        let mut chunks = Vec::with_capacity(n);
        while chunks.len() < n {
            match self.next_chunk()? {
                Some(chunk) => chunks.push(chunk),
                None => break,
            }
        }
        Ok(chunks)
    }

    /// The next chunk, or `None` at the end of the input.
    pub(crate) fn next_chunk(&mut self) -> io::Result<Option<Chunk>> {
        let (mut scanned, mut odd, mut lines, mut newlines) = (0, false, 0, 0u64);
        loop {
            let mut cut = None;
            while cut.is_none() && scanned < self.buf.len() {
                let end = (scanned + BLOCK).min(self.buf.len());
                let block = &self.buf[scanned..end];
                if memchr::memchr(b'"', block).is_none() {
                    // No quote: only the line ends matter, counted at once.
                    let n = memchr::memchr_iter(b'\n', block).count();
                    if odd || lines + n < self.lines {
                        newlines += n as u64;
                        lines += if odd { 0 } else { n };
                        scanned = end;
                        continue;
                    }
                    let need = self.lines - lines;
                    let at = memchr::memchr_iter(b'\n', block).nth(need - 1);
                    // There are at least `need` line ends in the block.
                    cut = at.map(|at| scanned + at + 1);
                    newlines += need as u64;
                    break;
                }
                for at in memchr::memchr2_iter(b'"', b'\n', block) {
                    if block[at] == b'"' {
                        odd = !odd;
                        continue;
                    }
                    newlines += 1;
                    if !odd {
                        lines += 1;
                        if lines == self.lines {
                            cut = Some(scanned + at + 1);
                            break;
                        }
                    }
                }
                scanned = end;
            }
            if cut.is_none() {
                let more = !self.eof && self.buf.len() < MAX_CHUNK && self.fill()?;
                if more {
                    continue;
                }
                if self.buf.is_empty() {
                    return Ok(None);
                }
            }
            let end = cut.unwrap_or(self.buf.len());
            // The next chunk is about as long as this one: room for it and a read, so that
            // filling it never moves it. A spare buffer too small is not grown (that would
            // copy its old bytes): a new one is taken.
            let room = end + READ;
            let mut rest = match self.spare.pop() {
                Some(spare) if spare.capacity() >= room => spare,
                _ => Vec::with_capacity(room),
            };
            rest.extend_from_slice(&self.buf[end..]);
            self.buf.truncate(end);
            let bytes = std::mem::replace(&mut self.buf, rest);
            let chunk = Chunk {
                bytes,
                line: self.line,
                last: self.eof && self.buf.is_empty(),
            };
            // Every line end up to the cut (or in the whole chunk) has been counted.
            self.line += newlines;
            self.handed += chunk.bytes.len() as u64;
            return Ok(Some(chunk));
        }
    }
}

/// What reads the events of a splitter into one result (one batch, one part of a table).
pub(crate) trait ChunkParser: Sync {
    type Out: Send;

    /// Reads at most `max` events of `split` (all of them when `max` is `usize::MAX`); the
    /// result and how many events there were.
    fn parse<R: Read>(
        &self,
        split: &mut CsvSplitter<R>,
        max: usize,
    ) -> io::Result<(Self::Out, usize)>;
}

type Source = Box<dyn Read + Send>;

enum Mode {
    Chunked(Chunker<Source>),
    Serial(Box<CsvSplitter<Source>>),
    Done,
}

/// The records of a CSV file after its header, parsed in parallel, results in file order.
pub(crate) struct Records {
    mode: Mode,
    /// The next window of chunks, read while the window before it was parsed.
    ahead: Vec<Chunk>,
    /// `csv_core` readers of chunks parsed, reset, for the next chunks.
    cores: std::sync::Mutex<Vec<csv_core::Reader>>,
    delimiter: u8,
    lines: usize,
}

impl std::fmt::Debug for Records {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mode = match self.mode {
            Mode::Chunked(_) => "chunked",
            Mode::Serial(_) => "serial",
            Mode::Done => "done",
        };
        f.debug_struct("Records").field("mode", &mode).finish()
    }
}

impl Records {
    /// The records that follow the header `split` has read, in results of
    /// about `lines` records.
    pub(crate) fn after_header(split: CsvSplitter<Source>, delimiter: u8, lines: usize) -> Records {
        let (rest, source, line) = split.into_rest();
        Records {
            mode: Mode::Chunked(Chunker::new(rest, source, line, lines)),
            ahead: Vec::new(),
            cores: std::sync::Mutex::default(),
            delimiter,
            lines: lines.max(1),
        }
    }

    /// How many bytes after the header have been parsed so far (while the file is read in
    /// chunks): with the file's size, how far through it reading is.
    pub(crate) fn bytes_read(&self) -> u64 {
        match &self.mode {
            Mode::Chunked(chunker) => {
                let ahead: usize = self.ahead.iter().map(|c| c.bytes.len()).sum();
                chunker.handed.saturating_sub(ahead as u64)
            }
            Mode::Serial(_) | Mode::Done => 0,
        }
    }

    /// The next results in file order; empty at the end of the file.
    pub(crate) fn next<P: ChunkParser>(&mut self, parser: &P) -> io::Result<Vec<P::Out>> {
        loop {
            match &mut self.mode {
                Mode::Done => return Ok(Vec::new()),
                Mode::Serial(split) => {
                    let (out, events) = parser.parse(split, self.lines)?;
                    if events == 0 {
                        self.mode = Mode::Done;
                        return Ok(Vec::new());
                    }
                    return Ok(vec![out]);
                }
                Mode::Chunked(chunker) => {
                    let window = rayon::current_num_threads().max(1) * PER_THREAD;
                    let chunks = match std::mem::take(&mut self.ahead) {
                        ahead if ahead.is_empty() => chunker.window(window)?,
                        ahead => ahead,
                    };
                    if chunks.is_empty() {
                        self.mode = Mode::Done;
                        continue;
                    }
                    let (delimiter, cores) = (self.delimiter, &self.cores);
                    // Each chunk is split where it lies, and its bytes come back with the
                    // result (for reading serially from it if its cut proves unsound). The
                    // next window is read meanwhile.
                    let (parsed, ahead) = rayon::join(
                        || {
                            chunks
                                .into_par_iter()
                                .map(|chunk| {
                                    let Chunk { bytes, line, last } = chunk;
                                    let core = (cores.lock().ok().and_then(|mut c| c.pop()))
                                        .unwrap_or_else(|| core_reader(delimiter));
                                    let mut split =
                                        CsvSplitter::whole(bytes, delimiter, line, core);
                                    let (out, _) = parser.parse(&mut split, usize::MAX)?;
                                    let sound = last || !split.ran_into_end();
                                    let (bytes, core) = split.into_parts();
                                    if let Ok(mut cores) = cores.lock() {
                                        cores.push(core);
                                    }
                                    Ok((out, sound, Chunk { bytes, line, last }))
                                })
                                .collect::<io::Result<Vec<_>>>()
                        },
                        || chunker.window(window),
                    );
                    let (parsed, ahead) = (parsed?, ahead?);
                    self.ahead = ahead;
                    let sound = parsed.iter().take_while(|(_, sound, _)| *sound).count();
                    let mut outs = Vec::with_capacity(sound);
                    let mut unread = Vec::new();
                    for (i, (out, _, chunk)) in parsed.into_iter().enumerate() {
                        if i < sound {
                            outs.push(out);
                            chunker.recycle(chunk.bytes);
                        } else {
                            unread.push(chunk);
                        }
                    }
                    if !unread.is_empty() {
                        unread.append(&mut self.ahead);
                        self.go_serial(unread);
                    }
                    if !outs.is_empty() {
                        return Ok(outs);
                    }
                }
            }
        }
    }

    /// Reads serially from the first of `unread` on.
    fn go_serial(&mut self, unread: Vec<Chunk>) {
        let Mode::Chunked(chunker) = std::mem::replace(&mut self.mode, Mode::Done) else {
            return;
        };
        let line = unread.first().map_or(chunker.line, |c| c.line);
        let mut bytes = Vec::new();
        for chunk in unread {
            bytes.extend_from_slice(&chunk.bytes);
        }
        bytes.extend_from_slice(&chunker.buf);
        let source: Source = Box::new(Cursor::new(bytes).chain(chunker.source));
        self.mode = Mode::Serial(Box::new(CsvSplitter::resume(source, self.delimiter, line)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cut points, one byte at a time: after the `lines`-th line end outside quotes.
    fn cuts_by_hand(input: &[u8], lines: usize) -> Vec<(usize, u64)> {
        let (mut odd, mut count, mut line, mut start_line) = (false, 0, 1u64, 1u64);
        let mut cuts = Vec::new();
        let mut start = 0;
        for (i, b) in input.iter().enumerate() {
            match b {
                b'"' => odd = !odd,
                b'\n' => {
                    line += 1;
                    if !odd {
                        count += 1;
                        if count == lines {
                            cuts.push((i + 1 - start, start_line));
                            (start, start_line, count) = (i + 1, line, 0);
                        }
                    }
                }
                _ => {}
            }
        }
        if start < input.len() {
            cuts.push((input.len() - start, start_line));
        }
        cuts
    }

    #[test]
    fn chunks_are_cut_after_line_ends_outside_quotes_across_blocks() {
        let mut input = Vec::new();
        for i in 0..40_000u32 {
            let row = match i % 997 {
                0 => format!("{i},\"two\nlines\",x\n"),
                1 => format!("{i},\"a \"\"quoted\"\" word\",y\n"),
                _ => format!("{i},plain,{}\n", "z".repeat((i % 50) as usize)),
            };
            input.extend_from_slice(row.as_bytes());
        }
        input.extend_from_slice(b"last,row,without line end");
        for lines in [1, 7, 1000, 4096, 100_000] {
            let mut chunker = Chunker::new(Vec::new(), &input[..], 1, lines);
            let mut got = Vec::new();
            let mut joined = Vec::new();
            while let Some(chunk) = chunker.next_chunk().unwrap() {
                got.push((chunk.bytes.len(), chunk.line));
                joined.extend_from_slice(&chunk.bytes);
            }
            assert_eq!(joined, input, "{lines} lines");
            assert_eq!(got, cuts_by_hand(&input, lines), "{lines} lines");
        }
    }
}
