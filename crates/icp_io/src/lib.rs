//! Lead input and result output of `icp`: CSV and JSON Lines lead files into columnar batches,
//! and scored results back out.
//!
//! How it works: [`LeadReader`] ([`read`]) opens a lead file — CSV with one row per company
//! (optionally with a contacts CSV), CSV with one row per contact, or JSON Lines — maps its
//! headers to fields (the `mapping` module, driven by the `[input]` table of `icp.toml`,
//! [`config`], and the CRM export [`presets`]), parses every value for its field's type
//! ([`parse`]) — or only the fields asked for ([`ReadOptions::fields`]) — and yields
//! `icp_engine` batches of at most `[input] batch_size` leads, streaming; a CSV file is parsed in
//! chunks on every thread of the current rayon pool (the `chunks` module), results in file
//! order. Rows that cannot be read go to a rejects sink and values that do not parse are
//! counted; the [`ReadReport`] ([`report`]) accounts for every row. [`ResultWriter`]
//! ([`mod@write`]) writes the evaluator's results as CSV or JSON Lines, and its
//! [`RowFormatter`] formats batches of rows on any thread; [`contact_rows`] writes the contacts of
//! the qualified leads, best tier first.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use icp_io::{InputConfig, LeadReader, ReadOptions};
//! let schema = icp_engine::Schema::canonical();
//! let config = InputConfig::default();
//! let mut reader = LeadReader::open(
//!     std::path::Path::new("leads.csv"),
//!     &schema,
//!     &config,
//!     ReadOptions::default(),
//! )?;
//! for batch in &mut reader {
//!     let batch = batch?;
//!     println!("{} leads", batch.len());
//! }
//! assert!(reader.report().is_balanced());
//! # Ok(())
//! # }
//! ```

pub mod cells;
mod chunks;
pub mod config;
pub mod contact_rows;
mod csv_split;
mod encoding;
mod mapping;
pub mod outcomes;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod parse;
pub mod presets;
pub mod read;
pub mod report;
mod seen;
pub mod write;

/// The next number of a small deterministic pseudo-random sequence (xorshift64), for the
/// crate's randomised tests.
#[cfg(test)]
fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// Up to `most` of `pieces`, picked at random, end to end (for tests).
#[cfg(test)]
fn random_text(state: &mut u64, pieces: &[&str], most: u64) -> String {
    let n = xorshift(state) % (most + 1);
    (0..n)
        .map(|_| pieces[(xorshift(state) % pieces.len() as u64) as usize])
        .collect()
}

pub use config::{InputConfig, InputConfigError};
pub use outcomes::ReadError;
pub use presets::{JoinKind, Preset, PresetColumn, PresetTarget};
pub use read::{InputError, InputFormat, LeadReader, ReadOptions, ReadProgress};
pub use report::{FieldErrors, ReadMode, ReadReport};
pub use write::{LeadFilter, OutputFormat, ResultWriter, RowFormatter, WriteOptions};
