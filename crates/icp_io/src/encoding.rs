//! Lead files that are not UTF-8: UTF-16 with or without a byte-order mark, and the legacy
//! encodings named by `[input] encoding` (Excel on Windows writes Windows-1252).
//!
//! How it works: [`decoded`] is called once per file the reader opens, before any byte is
//! parsed. It peeks at the first four bytes (the file is rewound after; a pipe, which cannot
//! be, gets the four bytes back in front of the rest) and picks
//! - a UTF-16 byte-order mark (`FF FE`, `FE FF`): that UTF-16, whatever `encoding` says;
//! - a UTF-8 byte-order mark: UTF-8 (the CSV and JSON Lines readers drop the mark);
//! - else the configured encoding, when it is not UTF-8;
//! - else, with no encoding configured, two ASCII characters each beside a zero byte (`a\0b\0`
//!   or `\0a\0b`): UTF-16 without a mark, which would otherwise read as text full of NULs;
//! - else UTF-8.
//!
//! A UTF-8 file is handed back as the `File` itself: the fast path pays nothing. Any other
//! goes through [`Decoding`], a `Read` adapter that streams the file through an
//! `encoding_rs` decoder into UTF-8 with two fixed buffers (64 KiB of input; a small spill for
//! callers that ask for a few bytes at a time), never the whole file. The readers after it see
//! plain UTF-8, so line numbers count lines of the decoded text. Bytes that are not valid in
//! the encoding (a lone UTF-16 surrogate, a byte Shift_JIS does not use) become U+FFFD.
//!
//! A file read as UTF-8 that is not, without `encoding` set, keeps its rows rejected one by
//! one ("invalid UTF-8 …"), and the [`crate::ReadReport`] warns that the file is not UTF-8
//! and names the setting ([`not_utf8_warning`]).

use std::io::{self, Read};
use std::path::Path;

use encoding_rs::{CoderResult, Decoder, Encoding, UTF_8, UTF_16BE, UTF_16LE};

use crate::config::InputConfig;
use crate::read::InputError;

/// How many bytes of the file are read at a time before decoding.
const INPUT_BUFFER: usize = 64 * 1024;

/// Reads shorter than this are decoded into the spill buffer first (a decoder needs room
/// for at least one whole character).
const SPILL: usize = 64;

/// The file as a source of UTF-8 text: the file itself when it is UTF-8, else a decoder in
/// front of it (see the module documentation).
pub(crate) fn decoded<F: Read + io::Seek + Send + 'static>(
    mut file: F,
    path: &Path,
    config: &InputConfig,
) -> Result<Box<dyn Read + Send>, InputError> {
    let configured = config.encoding()?;
    let read_err = |source| InputError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut head = [0u8; 4];
    let mut peeked = 0;
    while peeked < head.len() {
        match file.read(&mut head[peeked..]) {
            Ok(0) => break,
            Ok(n) => peeked += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(read_err(e)),
        }
    }
    let head = &head[..peeked];
    let encoding = match Encoding::for_bom(head) {
        Some((bom, _)) => Some(bom).filter(|&e| e != UTF_8),
        None => configured.or_else(|| utf16_without_bom(head)),
    };
    // Back to the first byte: the decoder removes a UTF-16 mark itself.
    let source: Box<dyn Read + Send> = match file.rewind() {
        Ok(()) => Box::new(file),
        Err(_) => Box::new(io::Cursor::new(head.to_vec()).chain(file)),
    };
    Ok(match encoding {
        None => source,
        Some(encoding) => Box::new(Decoding::new(source, encoding)),
    })
}

/// UTF-16 written without a byte-order mark, told by its first two characters being ASCII
/// (as a CSV header's or a JSON object's are): `a\0b\0` little-endian, `\0a\0b` big-endian.
fn utf16_without_bom(head: &[u8]) -> Option<&'static Encoding> {
    let ascii = |b: u8| b != 0 && b.is_ascii();
    match *head {
        [a, 0, b, 0] if ascii(a) && ascii(b) => Some(UTF_16LE),
        [0, a, 0, b] if ascii(a) && ascii(b) => Some(UTF_16BE),
        _ => None,
    }
}

/// The label of `[input] encoding` as an encoding (any label of the WHATWG Encoding Standard,
/// as `encoding_rs` knows them), `None` for UTF-8 (read as is), or why it is not one.
pub(crate) fn configured(label: &str) -> Result<Option<&'static Encoding>, String> {
    match Encoding::for_label_no_replacement(label.trim().as_bytes()) {
        Some(encoding) if encoding == UTF_8 => Ok(None),
        Some(encoding) => Ok(Some(encoding)),
        None => Err(format!(
            "{label:?} is not an encoding this reader knows; write a label of the WHATWG \
             Encoding Standard such as \"windows-1252\" (what Excel on Windows writes), \
             \"iso-8859-1\", \"utf-16le\", \"shift_jis\" or \"utf-8\""
        )),
    }
}

/// The warning of a read that rejected `rows` rows of `file` ("the leads file") for invalid
/// UTF-8: the file is probably in another encoding, which `[input] encoding` names.
pub(crate) fn not_utf8_warning(file: &str, rows: u64, first_line: u64) -> String {
    let rows = if rows == 1 {
        "1 row".to_string()
    } else {
        format!("{rows} rows")
    };
    format!(
        "{rows} of {file} rejected as invalid UTF-8 (the first on line {first_line}): the file \
         is not UTF-8; name its encoding with [input] encoding in icp.toml, e.g. encoding = \
         \"windows-1252\" for an export of Excel on Windows"
    )
}

/// A `Read` adapter decoding its source from `encoding` into UTF-8, streaming.
pub(crate) struct Decoding<R> {
    source: R,
    decoder: Decoder,
    /// Bytes read from the source, `input[start..end]` not decoded yet.
    input: Box<[u8]>,
    start: usize,
    end: usize,
    /// The source has no more bytes.
    exhausted: bool,
    /// The decoder was told the input ended and has given out everything.
    finished: bool,
    /// Decoded text not handed out yet (only for reads shorter than [`SPILL`]).
    spill: Vec<u8>,
    spilled: usize,
}

impl<R> std::fmt::Debug for Decoding<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decoding")
            .field("encoding", &self.decoder.encoding().name())
            .finish()
    }
}

impl<R: Read> Decoding<R> {
    /// A decoder of `encoding` in front of `source`; a byte-order mark of that encoding at the
    /// start is removed.
    pub(crate) fn new(source: R, encoding: &'static Encoding) -> Self {
        Decoding {
            source,
            decoder: encoding.new_decoder_with_bom_removal(),
            input: vec![0; INPUT_BUFFER].into_boxed_slice(),
            start: 0,
            end: 0,
            exhausted: false,
            finished: false,
            spill: Vec::with_capacity(SPILL),
            spilled: 0,
        }
    }

    /// Decodes into `out` as much as fits; 0 only at the end of the text.
    fn decode_into(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.finished {
                return Ok(0);
            }
            if self.start == self.end && !self.exhausted {
                let n = loop {
                    match self.source.read(&mut self.input) {
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        other => break other?,
                    }
                };
                (self.start, self.end) = (0, n);
                self.exhausted = n == 0;
            }
            let last = self.exhausted;
            let (result, read, written, _) =
                self.decoder
                    .decode_to_utf8(&self.input[self.start..self.end], out, last);
            self.start += read;
            if last && result == CoderResult::InputEmpty {
                self.finished = true;
            }
            if written > 0 {
                return Ok(written);
            }
            // Nothing written yet: the input held only part of a character (or a mark); more
            // is read on the next turn.
        }
    }
}

impl<R: Read> Read for Decoding<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.spilled == self.spill.len() && buf.len() >= SPILL {
            return self.decode_into(buf);
        }
        if self.spilled == self.spill.len() {
            self.spill.resize(SPILL, 0);
            let mut spill = std::mem::take(&mut self.spill);
            let written = self.decode_into(&mut spill);
            spill.truncate(written.as_ref().map_or(0, |n| *n));
            self.spill = spill;
            self.spilled = 0;
            written?;
        }
        let pending = &self.spill[self.spilled..];
        let n = pending.len().min(buf.len());
        buf[..n].copy_from_slice(&pending[..n]);
        self.spilled += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads all of `bytes` through a decoder of `encoding`, `step` bytes at a time.
    fn decode(bytes: &[u8], encoding: &'static Encoding, step: usize) -> String {
        let mut reader = Decoding::new(io::Cursor::new(bytes.to_vec()), encoding);
        let mut out = Vec::new();
        let mut buf = vec![0; step];
        loop {
            let n = reader.read(&mut buf).expect("reads");
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        String::from_utf8(out).expect("the output is UTF-8")
    }

    fn utf16le(text: &str, bom: bool) -> Vec<u8> {
        let mark: &[u8] = if bom { b"\xFF\xFE" } else { b"" };
        mark.iter()
            .copied()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect()
    }

    #[test]
    fn utf16_and_windows_1252_decode_at_every_read_size() {
        let text = "id,name\n1,Café “Zürich” €\n2,😀\n".repeat(50);
        let le = utf16le(&text, true);
        let be: Vec<u8> = b"\xFE\xFF"
            .iter()
            .copied()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        let narrow = text.replace('😀', "x");
        let (cp1252, _, _) = encoding_rs::WINDOWS_1252.encode(&narrow);
        for step in [1, 2, 3, 7, 63, 64, 1000, 100_000] {
            assert_eq!(decode(&le, UTF_16LE, step), text, "LE, reads of {step}");
            assert_eq!(decode(&be, UTF_16BE, step), text, "BE, reads of {step}");
            let latin = decode(&cp1252, encoding_rs::WINDOWS_1252, step);
            assert_eq!(latin, narrow, "1252, reads of {step}");
        }
    }

    #[test]
    fn a_lone_surrogate_becomes_a_replacement_character() {
        let mut bytes = utf16le("a,b\n", true);
        bytes.extend_from_slice(&[0x00, 0xD8, b'c', 0]);
        assert_eq!(decode(&bytes, UTF_16LE, 4096), "a,b\n\u{fffd}c");
    }

    #[test]
    fn marks_and_zero_bytes_pick_the_encoding() {
        assert_eq!(utf16_without_bom(b"i\0d\0"), Some(UTF_16LE));
        assert_eq!(utf16_without_bom(b"\0i\0d"), Some(UTF_16BE));
        assert_eq!(utf16_without_bom(b"id,n"), None);
        assert_eq!(utf16_without_bom(b"i\0"), None);
    }

    #[test]
    fn labels_are_checked() {
        assert_eq!(
            configured("windows-1252"),
            Ok(Some(encoding_rs::WINDOWS_1252))
        );
        assert_eq!(configured(" Latin1 "), Ok(Some(encoding_rs::WINDOWS_1252)));
        assert_eq!(configured("UTF-8"), Ok(None));
        assert!(
            configured("klingon")
                .unwrap_err()
                .contains("\"windows-1252\"")
        );
        // A label the standard maps to its "replacement" decoder is refused, not read as one
        // replacement character.
        assert!(configured("iso-2022-kr").is_err());
    }
}
