//! The SDK: write a signal plugin in safe Rust.
//!
//! How it works: a plugin implements [`Plugin`] — its name, an `init` that reads its
//! configuration and data, and the list of its [`Signal`]s, each a name, a documentation line,
//! typed parameters, the lead fields it reads and a closure computing the value for one lead —
//! and exports it with [`export_plugin!`](crate::export_plugin). The SDK builds the C table
//! from the declarations, and at each batch call turns the host's columns into safe views,
//! runs the closure for every lead, checks that each result has the declared type, and hands
//! back one output column it frees when the host releases it. Every entry point runs inside
//! `catch_unwind`: a panic, like an `Err`, becomes an error message for the host (with the
//! panic's location), never an abort.
//!
//! Its files, one concern each: the [`Plugin`] trait, [`Signal`] and
//! the values a signal returns (`types.rs`); what a plugin reads at `init`, its
//! [`Config`] and data files ([`read_csv`], [`domain_key`], `data.rs`), whose paths
//! [`confine`] keeps inside the project, and the companies the data covers ([`Coverage`],
//! `coverage.rs`: "known: none" apart from unknown); what a signal's
//! closure sees, a [`Lead`] and its [`Args`] (`lead.rs`); the C glue — the table
//! [`export_plugin!`](crate::export_plugin) exports (`table.rs`) with the configuration keys
//! beside it (`keys.rs`), the three `extern "C"`
//! entry points (`call.rs`), the output column they own until the host releases it
//! (`output.rs`) and the `catch_unwind` around each (`guard.rs`); and [`testing::Harness`],
//! which calls a plugin through that table as `icp` does (`testing.rs`).
//!
//! ```
//! use icp_plugin_api::sdk::*;
//!
//! struct Hello;
//!
//! impl Plugin for Hello {
//!     const NAME: &'static str = "hello";
//!     const VERSION: &'static str = "0.1.0";
//!
//!     fn init(_config: &Config) -> Result<Self> {
//!         Ok(Hello)
//!     }
//!
//!     fn signals() -> Vec<Signal<Self>> {
//!         vec![Signal::new("domain_length", Type::Number)
//!             .doc("The number of characters in the company's domain.")
//!             .input("company.domain")
//!             .eval(|_, lead, _| Ok(lead.text("company.domain").map(|d| d.len() as f64)))]
//!     }
//! }
//!
//! icp_plugin_api::export_plugin!(Hello);
//! ```

mod call;
pub mod confine;
mod coverage;
mod data;
mod guard;
mod keys;
mod lead;
mod output;
mod table;
pub mod testing;
mod types;

pub use coverage::{COVERS_KEY, Coverage};
pub use data::{Config, CsvRow, domain_key, read_csv};
pub use keys::config_keys;
pub use lead::{Args, Lead};
pub use table::entry;
pub use types::{Date, Error, Plugin, Result, Signal, Type, Value};
