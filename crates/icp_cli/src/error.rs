//! The failures that end a command with exit code 2, each printed as one line on stderr.
//!
//! How it works: [`UsageError`] is what every command returns besides its exit code; bad
//! arguments, unreadable or unwritable files, a bad `icp.toml` and plugin failures are its
//! variants, and [`RunError`] (the failures of scoring or explaining itself, not of one lead)
//! converts into it. [`crate::run`] prints the message after `error: ` and exits with 2. Rule
//! errors are not here: they are diagnostics, printed by the command, with exit code 1.

use crate::config;

/// A failure that ends the command with exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum UsageError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("{0}: no such file or directory")]
    Missing(String),
    #[error("cannot read {0}: {1}")]
    Read(String, std::io::Error),
    #[error("cannot write {0}: {1}")]
    Write(String, std::io::Error),
    #[error("no .icp files found in {0}")]
    NoRules(String),
    #[error("cannot determine the working directory: {0}")]
    Cwd(std::io::Error),
    #[error("--as-of {0}: not a date; write YYYY-MM-DD, such as 2026-11-23")]
    AsOf(String),
    #[error("no lead file: give --leads FILE, or set `leads` under [score] in icp.toml")]
    NoLeads,
    #[error("no outcomes file: give --outcomes FILE, or set `file` under [outcomes] in icp.toml")]
    NoOutcomes,
    #[error("{0}")]
    FormatMismatch(String),
    #[error("--threads {0}: must be between 1 and {max}", max = crate::cmd::score::MAX_THREADS)]
    Threads(usize),
    #[error(transparent)]
    Run(#[from] RunError),
    #[error("--contacts-per-company {0}: write a range such as 1..5 (both included) or one number")]
    ContactsRange(String),
    #[error("--messy {0}: must be between 0 and 1")]
    Messy(f64),
    #[error("--contacts-out is for CSV output; JSON Lines hold the contacts in each company")]
    ContactsOutJsonl,
    #[error("{first} and {second} are one file; give each file `icp gen` writes a name of its own")]
    GenSameOutput { first: String, second: String },
    #[error("{0} is read by this run; write the generated files somewhere else")]
    GenOverwrite(String),
    #[error(transparent)]
    Plugin(#[from] icp_plugin_host::PluginError),
    #[error(transparent)]
    Install(#[from] crate::cmd::plugins::install::InstallError),
    #[error(transparent)]
    Trust(#[from] crate::trust::TrustError),
    /// `icp diff`'s own usage errors (its arguments, `--base`).
    #[error("{0}")]
    Diff(String),
    #[error("{0}")]
    Customers(String),
    /// `icp compile` and `icp signals`: a rule set with no SQL form in the dialect.
    #[error("{0}")]
    Compile(String),
    #[error("--attributes {0}: must be between 1 and 50")]
    Attributes(usize),
    #[error("{0}")]
    Draft(String),
    /// `icp init`'s own errors (an unknown template, files that exist).
    #[error("{0}")]
    Init(String),
    #[error(
        "no icp.toml here or above, and no {0} directory; run `icp init` to start a project, \
         or give the rules with --rules (`icp check FILE.icp` for check, test and fmt)"
    )]
    NoProject(String),
    /// `icp serve`'s own usage errors (its address, limits, rules that cannot be served).
    #[cfg(feature = "serve")]
    #[error("{0}")]
    Serve(String),
    /// `--top`, `--tier`, and relative thresholds on standard input.
    #[error("{0}")]
    Thresholds(String),
    /// `icp report`'s own usage errors (`-o -`, `--outcomes` with the leads on standard input).
    #[error("{0}")]
    Report(String),
}

/// A failure of a `score` or `explain` run itself (not of a lead): exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Input(#[from] icp_io::InputError),
    #[error("cannot write {0}: {1}")]
    Write(String, std::io::Error),
    #[error("cannot start {0} worker threads: {1}")]
    Threads(usize, String),
    #[error("cannot start the {0} thread: {1}")]
    Thread(&'static str, std::io::Error),
    #[error("no lead with id {id:?} in {file}")]
    NotFound { id: String, file: String },
    #[error("{first} and {second} are one file; give the results and the rejects a file each")]
    SameOutput { first: String, second: String },
    #[error("{output} is also an input file; write the results somewhere else")]
    Overwrite { output: String },
    #[error(transparent)]
    Plugin(#[from] icp_plugin_host::PluginError),
    /// The outcomes file of `icp backtest` cannot be read.
    #[error("{0}")]
    Outcomes(String),
}
