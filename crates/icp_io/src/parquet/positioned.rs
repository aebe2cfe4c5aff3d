//! One open Parquet file shared by every thread that decodes it, read at explicit offsets.
//!
//! How it works: the Parquet decoder asks its source for bytes at an offset
//! (`parquet::file::reader::ChunkReader`). The crate's own implementation for `File` clones the
//! handle and seeks it, and clones of a handle share one offset, so decoders on several threads
//! would move it under each other. [`PositionedFile`] holds the handle once (an `Arc`) and
//! reads with positioned reads (`pread` on Unix, `seek_read` on Windows), which take the offset
//! with each call and leave no shared state: every thread reads its row groups from the same
//! handle without reopening the file. That also lets a file without a name be read — the
//! anonymous temporary file that holds Parquet bytes read from standard input
//! ([`spool`](super::spool)), deleted by the system when the handle closes, even when the
//! process is killed.

use std::fs::File;
use std::io::{self, Read};
use std::sync::Arc;

use bytes::Bytes;
use parquet::errors::{ParquetError, Result};
use parquet::file::reader::{ChunkReader, Length};

/// An open file read at explicit offsets; cheap to clone (see the module documentation).
#[derive(Debug, Clone)]
pub(crate) struct PositionedFile {
    file: Arc<File>,
    len: u64,
}

impl PositionedFile {
    /// Takes `file`, whose size is read now.
    pub(crate) fn new(file: File) -> io::Result<PositionedFile> {
        let len = file.metadata()?.len();
        Ok(PositionedFile {
            file: Arc::new(file),
            len,
        })
    }

    /// Reads at most `buf.len()` bytes at `offset`: how many, 0 at the end of the file.
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        #[cfg(unix)]
        {
            std::os::unix::fs::FileExt::read_at(&*self.file, buf, offset)
        }
        #[cfg(windows)]
        {
            std::os::windows::fs::FileExt::seek_read(&*self.file, buf, offset)
        }
    }
}

impl Length for PositionedFile {
    fn len(&self) -> u64 {
        self.len
    }
}

/// A reader of a [`PositionedFile`] from an offset on.
#[derive(Debug)]
pub(crate) struct ReadFrom {
    file: PositionedFile,
    offset: u64,
}

impl Read for ReadFrom {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read_at(buf, self.offset)?;
        self.offset += n as u64;
        Ok(n)
    }
}

impl ChunkReader for PositionedFile {
    type T = io::BufReader<ReadFrom>;

    fn get_read(&self, start: u64) -> Result<Self::T> {
        Ok(io::BufReader::new(ReadFrom {
            file: self.clone(),
            offset: start,
        }))
    }

    fn get_bytes(&self, start: u64, length: usize) -> Result<Bytes> {
        let mut buffer = vec![0; length];
        let mut filled = 0;
        while filled < length {
            let n = self
                .read_at(&mut buffer[filled..], start + filled as u64)
                .map_err(|e| ParquetError::External(Box::new(e)))?;
            if n == 0 {
                return Err(ParquetError::EOF(format!(
                    "expected {length} bytes at offset {start}, the file ends after {filled}"
                )));
            }
            filled += n;
        }
        Ok(buffer.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn readers_at_different_offsets_do_not_move_each_other() {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(b"0123456789").unwrap();
        let shared = PositionedFile::new(file).unwrap();
        let mut a = shared.get_read(2).unwrap();
        let mut b = shared.get_read(6).unwrap();
        let (mut x, mut y) = ([0u8; 2], [0u8; 2]);
        a.read_exact(&mut x).unwrap();
        b.read_exact(&mut y).unwrap();
        assert_eq!((&x, &y), (b"23", b"67"));
        assert_eq!(&shared.get_bytes(8, 2).unwrap()[..], b"89");
        assert!(shared.get_bytes(8, 3).is_err());
        assert_eq!(shared.len(), 10);
    }
}
