//! The columnar evaluator: a [`Plan`] run over a [`Batch`] of leads, column by column.
//!
//! How it works: nodes are evaluated in plan order into vectors — truth vectors (a byte per
//! row, Kleene `and`/`or` as min/max), numbers (NaN where missing) or values — one entry per
//! lead or per contact (`evaluator`). Number fields and signals are read into the numeric lane,
//! `f64` vectors with NaN where missing, and number arithmetic runs over them (`arith`). The
//! common loops are written to run without a branch
//! per row: text tests look each distinct dictionary value up once and then map codes through
//! a table (`text`); a comparison with a constant is one loop per operator over the raw
//! column (`compare`); a quantifier (and a list test) counts the true and unknown items of
//! each lead's range from running sums instead of folding each range (`quantifiers`). Nodes
//! that read an ICP's score run once that score is known. [`evaluate_columns`] (what `icp
//! score` writes) then reads each ICP's qualification, tier and the checks that failed, held,
//! matched or came out unknown off the truth vectors into
//! [`BatchResults`](crate::result::BatchResults) columns; [`evaluate`] builds every result
//! whole, with the same [`IcpResult::build`](crate::result::IcpResult::build) the reference
//! evaluator uses (`results`). A missing value is unknown, never zero. For a condition that
//! came out unknown, the inputs whose absence made it so are found by walking its nodes on
//! that one row (`Evaluator::missing`): only the unknown operands are visited, so both
//! evaluators name the same inputs in the same order without evaluating anything again.
//!
//! [`evaluate_columns_with_lead_personas`] adds, per persona, whether each lead's contacts
//! match it (`lead_personas`, for `icp backtest`); [`evaluate_columns_with_personas`] adds
//! which personas each contact matches (`personas`, for `icp score --contacts-out`).
//!
//! [`Plan`]: crate::plan::Plan
//! [`Batch`]: crate::batch::Batch

mod arith;
mod compare;
mod evaluator;
mod lead_personas;
mod personas;
mod quantifiers;
mod results;
mod text;

pub use lead_personas::evaluate_columns_with_lead_personas;
pub use personas::ContactPersonas;
pub use results::{evaluate, evaluate_columns, evaluate_columns_with_personas};
