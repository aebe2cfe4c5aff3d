//! Reading lead files into columnar batches.
//!
//! How it works: [`LeadReader::open`] opens the leads file, picks the format (by extension, or
//! [`ReadOptions::format`]), reads a CSV header and maps it (the `mapping` module), and — when a
//! contacts file is given — loads that whole file first into an index by company key. The
//! reader is then an iterator of batches of at most `[input] batch_size` leads. A CSV file
//! with one row per company, and the contacts file, are read in chunks of whole lines parsed
//! at once on the threads of the current rayon pool (the `chunks` module); with
//! [`ReadOptions::fields`] the values of other fields are never parsed. Every shape takes one
//! path from a cell (or a JSON value) to a column: the value is parsed for its field and put
//! straight into the row `icp_engine`'s `BatchBuilder` has open (`open_lead`, `put_text`,
//! `put_list`, `put_number`, `put`), and a field given no value is missing in one way, the
//! column's missing value, filled when the row closes. Memory is bounded by a window of
//! batches, the contacts index, and — only once the lead ids stop ascending — one 64-bit hash
//! per lead id (to count duplicate ids, the `seen` module).
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
//!   later row that has it. **This mode holds the whole file in memory**, in columns, until it
//!   is read (a company's rows may be anywhere in it); batches are then cut from the groups in
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
//! counted per field in the [`ReadReport`](crate::ReadReport). Only a file that cannot be
//! opened or read, a contacts file without a key column, or a rejects sink that cannot be
//! written stop the read ([`InputError`]).
//!
//! The pieces, one concern each:
//! - `reader`: [`LeadReader`], which opens the files and drives one of the three shapes;
//! - `cells`: a CSV record into its cells (or the reason it is rejected), and a row's cells
//!   into the columns of the row the batch builder has open (`put_slots`);
//! - `lead`: one lead assembled — its id, its key into the contacts file — and the `Emitter`
//!   that cuts the leads into batches;
//! - `companies`: a chunk of a companies CSV parsed into batches on one thread;
//! - `contacts_file` and `contact_index`: the contacts CSV parsed in chunks into contact
//!   tables, and the index of those tables by company key;
//! - `per_contact`: a file with one row per contact grouped into leads;
//! - `jsonl`: one JSON line into a lead.

mod cells;
mod companies;
mod contact_index;
mod contacts_file;
mod jsonl;
mod lead;
#[cfg(feature = "parquet")]
mod parquet_contacts;
#[cfg(feature = "parquet")]
mod parquet_leads;
mod per_contact;
mod progress;
mod reader;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::InputConfigError;

pub use progress::ReadProgress;
pub use reader::LeadReader;

// What the outcomes reader shares with the lead reader.
#[cfg(feature = "parquet")]
pub(crate) use cells::put_text_cell;
pub(crate) use cells::{event_cells, header_names};
pub(crate) use jsonl::json_object;

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

/// A problem that stops a read. Everything else is counted in the
/// [`ReadReport`](crate::ReadReport).
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
    /// An outcomes file that cannot be read as one: no company or no outcome column.
    #[error("outcomes file {}: {message}", path.display())]
    Outcomes { path: PathBuf, message: String },
    /// A Parquet file that cannot be read: corrupt, truncated, or a column of a type `icp`
    /// does not read.
    #[error("{}: {message}", path.display())]
    Parquet { path: PathBuf, message: String },
    /// A bad setting of the `[outcomes]` table.
    #[error("icp.toml {0}")]
    OutcomesConfig(String),
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
    /// Write the rejects' cells as they are, without a `'` in front of those that would open
    /// a spreadsheet formula (the `cells` module).
    pub raw_cells: bool,
}

impl std::fmt::Debug for ReadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadOptions")
            .field("format", &self.format)
            .field("contacts", &self.contacts)
            .field("rejects", &self.rejects.is_some())
            .field("fields", &self.fields)
            .field("raw_cells", &self.raw_cells)
            .finish()
    }
}
