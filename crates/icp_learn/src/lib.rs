//! Learning from outcomes: the figures behind `icp backtest`, `icp discover` and `icp diff`.
//!
//! How it works: this crate holds the statistics only, as plain functions over counts and
//! plain rows; it reads no file and evaluates no rule. The commands gather per-account rows
//! (a lead's tier, score and criteria truths, and its account's outcome) and hand them here.
//! [`rates`] holds what every report shares: win rates with their Wilson interval, lift.
//! [`backtest`] holds the figures of `icp backtest`.

pub mod backtest;
pub mod rates;
