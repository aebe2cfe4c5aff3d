//! The commands, one module each: `check`, `test`, `fmt`, `score`, `explain`, `backtest`,
//! `compile`, `signals`, `diff`, `discover`, `gen` (in `generate`: `gen` is a keyword), `init`,
//! `lsp` (the language server), `plugins` (with `plugins install`), `report` and `serve` (behind
//! the default `serve` feature).
//!
//! How it works: [`crate::run`] parses the arguments and calls the command's `run` with the
//! [`crate::project::Project`] (working directory, `icp.toml`, colour, `--plugin` flags) and
//! the command's own arguments. Each `run` returns the exit code (0, or 1 for rule errors,
//! failed tests or files that need formatting) or a [`crate::error::UsageError`] (exit 2).
//! What several commands share lives outside this folder: finding and compiling the rules in
//! `project`, the setup of `score` and `explain` in `setup`, the plugin search in
//! `plugin_search`.

pub mod backtest;
pub mod check;
pub mod compile;
pub mod diff;
pub mod discover;
pub mod explain;
pub mod fmt;
pub mod generate;
pub mod init;
pub mod lsp;
pub mod plugins;
pub mod report;
pub mod score;
#[cfg(feature = "serve")]
pub mod serve;
pub mod signals;
pub mod test;
