//! Learning from outcomes: the figures behind `icp backtest`, `icp discover` and `icp diff`.
//!
//! How it works: this crate holds the statistics only, as plain functions over counts and
//! plain rows; it reads no file and evaluates no rule. The commands gather per-account rows
//! (a lead's tier, score and criteria truths, and its account's outcome) and hand them here.
//! [`rates`] holds what every report shares: win rates with their Wilson interval, lift.
//! [`diff`] holds the figures of `icp diff` (moves between tiers, score distributions, the
//! leads that moved most); [`discover`] the attribute statistics and the draft rule file of
//! `icp discover`; [`backtest`] the figures of `icp backtest`.

pub mod backtest;
pub mod diff;
pub mod discover;
pub mod rates;
