//! Parquet bytes on a stream (standard input): copied to an anonymous temporary file first.
//!
//! How it works: a Parquet file is read from its end (the footer says where each row group
//! lies), so a stream cannot be decoded as it arrives. [`sniff`] reads the stream's first four
//! bytes; when they are Parquet's magic `PAR1`, the whole stream is copied into an anonymous
//! temporary file in the system's temporary directory (`TMPDIR`, else `/tmp`), which is then
//! read as any Parquet file. Memory stays bounded (a copy buffer); the disk holds the file once,
//! and the system deletes it when it is closed, however the process ends. Any other stream is
//! handed back whole (the bytes read to sniff put back in front), to be read as CSV or JSON
//! Lines.

use std::fs::File;
use std::io::{self, Cursor, Read};

/// What a stream holds.
pub(crate) enum Sniffed {
    /// Parquet bytes, copied into this temporary file.
    Parquet(File),
    /// Anything else: the stream, whole.
    Other(Box<dyn Read + Send>),
}

/// Reads the first bytes of `source` and copies it into a temporary file if it is Parquet;
/// see the module documentation.
pub(crate) fn sniff(mut source: Box<dyn Read + Send>) -> io::Result<Sniffed> {
    let mut head = [0u8; 4];
    let mut filled = 0;
    while filled < head.len() {
        match source.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let head = Cursor::new(head[..filled].to_vec());
    if head.get_ref().as_slice() != b"PAR1" {
        return Ok(Sniffed::Other(Box::new(head.chain(source))));
    }
    let mut file = tempfile::tempfile()?;
    io::copy(&mut head.chain(source), &mut file)?;
    Ok(Sniffed::Parquet(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sniffed(bytes: &'static [u8]) -> Sniffed {
        sniff(Box::new(bytes)).unwrap()
    }

    #[test]
    fn parquet_bytes_go_to_a_file_and_others_come_back_whole() {
        let Sniffed::Parquet(mut file) = sniffed(b"PAR1 rest PAR1") else {
            panic!("not taken for Parquet");
        };
        let mut copied = Vec::new();
        std::io::Seek::rewind(&mut file).unwrap();
        file.read_to_end(&mut copied).unwrap();
        assert_eq!(copied, b"PAR1 rest PAR1");
        for text in [&b"id,name\na,b\n"[..], b"PA", b""] {
            let Sniffed::Other(mut stream) = sniff(Box::new(text)).unwrap() else {
                panic!("taken for Parquet");
            };
            let mut back = Vec::new();
            stream.read_to_end(&mut back).unwrap();
            assert_eq!(back, text);
        }
    }
}
