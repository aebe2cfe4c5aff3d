//! How far a lead file has been read, for progress bars.
//!
//! How it works: [`LeadReader::open`](super::LeadReader::open) wraps the file in a
//! [`Counted`] reader that adds every byte it hands on to a shared counter, before any
//! decoding or buffering; [`ReadProgress`] is a handle on that counter and the file's size,
//! which another thread may poll while the reader runs. The count runs ahead of the leads
//! parsed by at most the reader's buffers.
//!
//! A Parquet file is not read front to back through one reader: its row groups are decoded
//! by the threads of the pool, only the columns the run reads. Its progress counts, as each
//! unit of rows is decoded, that unit's share of its row group's compressed bytes
//! ([`ReadProgress::advance`]), and the whole file once every row group is read
//! ([`ReadProgress::complete`]), so the count ends at the file's size as for CSV.

use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The bytes of a lead file read so far, and its size when known.
#[derive(Debug, Clone)]
pub struct ReadProgress {
    read: Arc<AtomicU64>,
    total: Option<u64>,
}

impl ReadProgress {
    pub(crate) fn new(total: Option<u64>) -> ReadProgress {
        ReadProgress {
            read: Arc::new(AtomicU64::new(0)),
            total,
        }
    }

    /// Bytes read so far.
    pub fn read(&self) -> u64 {
        self.read.load(Ordering::Relaxed)
    }

    /// The file's size in bytes, when known.
    pub fn total(&self) -> Option<u64> {
        self.total
    }

    /// Counts `bytes` more as read.
    pub(crate) fn advance(&self, bytes: u64) {
        self.read.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Counts the whole file as read (its size, when known).
    pub(crate) fn complete(&self) {
        if let Some(total) = self.total {
            self.read.fetch_max(total, Ordering::Relaxed);
        }
    }

    /// `inner`, counting its bytes into this progress.
    pub(crate) fn counted<R: Read>(&self, inner: R) -> Counted<R> {
        Counted {
            inner,
            read: Arc::clone(&self.read),
        }
    }
}

/// A reader that counts the bytes it reads.
#[derive(Debug)]
pub(crate) struct Counted<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

/// Seeking sets the count to the new position (the reader rewinds after sniffing the
/// encoding), so the count is the position in the file.
impl<R: Seek> Seek for Counted<R> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let position = self.inner.seek(to)?;
        self.read.store(position, Ordering::Relaxed);
        Ok(position)
    }
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_read_is_counted() {
        let progress = ReadProgress::new(Some(11));
        let mut text = String::new();
        progress
            .counted("hello world".as_bytes())
            .read_to_string(&mut text)
            .expect("read");
        assert_eq!(progress.read(), 11);
        assert_eq!(progress.total(), Some(11));
    }
}
