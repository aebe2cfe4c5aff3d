//! Leads in columnar batches, the form the columnar evaluator reads.
//!
//! How it works: a [`Batch`] holds a few thousand leads. Each field is one [`Column`] — a
//! vector of values plus validity (missing is invalid) — for company fields one entry per
//! lead, for contact fields one entry per contact, all contacts of all leads laid end to end
//! with `contact_offsets` saying where each lead's contacts start. Text is dictionary-encoded:
//! a column stores a `u32` code per row into a [`Dict`] of the distinct values of the batch, so
//! `==`, `in`, `contains` or `matches` are decided once per dictionary value and then looked up
//! per row (a column of nearly distinct values — ids, names — has an unindexed dictionary, a
//! value per row, repeated or not); a missing text has the code [`MISSING`]. A dictionary
//! keeps its values end to end in one string, and the batch's lead ids are kept so too
//! ([`Texts`]): filling a batch allocates per column, not per text. Readers fill a batch
//! through [`BatchBuilder`], one lead and contact at a time, and never see the layout.
//!
//! The parts: `dict` (dictionaries and text equality), `texts` (texts end to end), `column`
//! (a field's values over the rows), `table` (the [`Batch`] itself) and `builder`
//! ([`BatchBuilder`], and [`CodeMap`] for copying contacts between batches), `select` (some
//! leads of several batches as one batch: [`Batch::gather`]).

mod builder;
mod column;
mod dict;
mod select;
mod table;
mod texts;

pub use builder::{BatchBuilder, CodeMap};
pub use column::Column;
use dict::DICT_ROOM;
pub use dict::{Dict, MISSING, hash_text};
pub use table::Batch;
pub use texts::Texts;
