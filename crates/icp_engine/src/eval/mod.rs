//! The two evaluators of a checked rule set, which must reach the same result for every lead.
//!
//! How it works: [`reference`](mod@reference) takes one lead at a time straight from the IR,
//! written to be obviously correct rather than fast; `icp test` runs on it, and so does `icp
//! explain` for the one lead it shows. [`columnar`] runs a [`Plan`] over a [`Batch`] of a few
//! thousand leads column by column, without a branch per row in its common loops; it is what
//! `icp score` runs. Both treat a missing value as unknown, never as zero, and name the same
//! missing inputs for an unknown outcome. There are two so that speed can be bought without
//! risking correctness: the columnar evaluator is held to the reference one by property tests
//! (random rule sets over random leads, `tests/evaluator_props.rs`) and by the differential
//! tests of `tests/semantics.rs` and `tests/plugin_differential.rs`.
//!
//! Both evaluate a lead as of a date ([`AsOf`]): one for the run, or each lead its own.
//!
//! [`Plan`]: crate::plan::Plan
//! [`Batch`]: crate::batch::Batch

mod as_of;
pub mod columnar;
pub mod reference;

pub use as_of::AsOf;
