//! The `icp` command line: the only crate that touches the terminal.
//!
//! How it works: [`run`] parses the arguments with clap (the definitions are in this file),
//! loads `icp.toml` (found at or above the working directory, or given with `--config`) into a
//! [`project::Project`], and calls one command's `run` in [`cmd`], one module per command.
//! What commands share has its own module: `project` finds, reads and compiles the rule files
//! (`.icp` files, directories searched recursively); `setup` prepares what `score` and
//! `explain` both need (rules, plugins, lead files, as-of date); `plugin_search` says where
//! plugins are looked for; `outputs` writes a run's files whole, together, or not at all;
//! `trust` says which configurations, libraries and paths are trusted (docs/security.md);
//! `args` parses the values clap cannot; `show` writes paths and
//! counts for people; `summary` is the end-of-run summary of `score`; `error` the failures.
//! Diagnostics are rendered here and only here.
//!
//! Exit codes (SPEC §5): 0 success; 1 rule errors, failed tests or files that need
//! formatting; 2 usage or input errors, each with a one-line message on stderr and never a
//! backtrace (clap's own errors keep clap's code, 2, and help and version exit 0).

mod args;
mod cmd;
pub mod config;
mod error;
mod inputs;
mod lsp;
mod outputs;
mod plugin_keys;
mod plugin_options;
mod plugin_search;
mod progress;
mod project;
mod setup;
mod show;
mod summary;
mod thresholds;
mod trust;
mod vocabulary;

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::config::Config;
use crate::error::UsageError;
use crate::project::Project;
use crate::trust::Trust;

/// Ideal Customer Profiles as code: check, format and test ICP rule files.
#[derive(Debug, Parser)]
#[command(name = "icp", version, about, propagate_version = true)]
struct Cli {
    /// Use this icp.toml instead of searching the working directory and its parents.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,

    /// When to colour the output.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    color: Color,

    /// Load this signal plugin library too (repeatable); plugins are also loaded from the
    /// `[plugins.NAME]` tables of icp.toml and from the directories in `ICP_PLUGIN_PATH`.
    #[arg(long = "plugin", global = true, value_name = "PATH")]
    plugins: Vec<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

/// The rules, lead files and date that `score` and `explain` share.
#[derive(Debug, clap::Args)]
pub struct LeadArgs {
    /// Rule files or directories (default: the `rules` of icp.toml, else `rules/`).
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// The companies: CSV (one row per company, or per contact with company columns
    /// repeated) or JSON Lines; `-` reads standard input (default: `[score] leads` of
    /// icp.toml).
    #[arg(long, value_name = "FILE")]
    pub leads: Option<PathBuf>,
    /// `csv` or `jsonl`: the leads' format (default: from the file's extension, else csv; it
    /// must agree with the extension).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<OutFormat>,
    /// A contacts CSV joined to the companies on its company key (`company_id`, the
    /// domain or the preset's key column; default: `[score] contacts` when `--leads` is not
    /// given).
    #[arg(long, value_name = "FILE")]
    pub contacts: Option<PathBuf>,
    /// The date `today` stands for, YYYY-MM-DD (default: the current UTC date).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Show the progress of reading the leads on stderr even when it is not a terminal (on a
    /// terminal a progress bar is always shown).
    #[arg(long)]
    pub progress: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutFormat {
    Csv,
    Jsonl,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// The base of `icp discover`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BaseArg {
    All,
    Rest,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start a project: write icp.toml, a rule file with tests and a sample lead set into DIR
    /// (default: the working directory), then say what to run next. Existing files are never
    /// overwritten.
    Init {
        /// The project's directory, created if needed.
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
        /// The ICP to start from (see --list; default: midmarket-saas).
        #[arg(long, value_name = "NAME")]
        template: Option<String>,
        /// List the templates and write nothing.
        #[arg(long, conflicts_with_all = ["dir", "template"])]
        list: bool,
    },
    /// Parse and type-check a rule set; report errors and warnings.
    Check {
        /// Rule files or directories (default: the `rules` of icp.toml, else `rules/`).
        paths: Vec<PathBuf>,
        /// `json` prints one JSON object per diagnostic, for editors and CI.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Exit with 1 when there are warnings, not only errors.
        #[arg(long)]
        deny_warnings: bool,
        /// Open no plugin library: read the signals from the manifests beside the libraries
        /// (written by `icp plugins manifest` and `icp plugins install`). For checking rules
        /// from people whose code you would not run.
        #[arg(long)]
        no_plugin_code: bool,
    },
    /// Score and tier a lead set against every ICP of the rule set.
    Score {
        #[command(flatten)]
        input: LeadArgs,
        /// Where to write the results, `-` for standard output (default: `[score] output` when
        /// `--leads` is not given, else standard output).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// `csv` or `jsonl` (default: from the output's extension, else csv; it must agree
        /// with the extension).
        #[arg(long, value_enum)]
        format: Option<OutFormat>,
        /// One row per lead and ICP instead of one per lead (its best ICP).
        #[arg(long)]
        all: bool,
        /// Add an `explain` column: every check, its result and its points, as JSON.
        #[arg(long)]
        explain: bool,
        /// Worker threads, 1 to 1024 (default: one per core).
        #[arg(long, value_name = "N")]
        threads: Option<usize>,
        /// Where unreadable rows go, created only if a row is rejected (default: beside the
        /// output file, else beside the leads file, as `NAME.rejects.csv`).
        #[arg(long, value_name = "FILE")]
        rejects: Option<PathBuf>,
        /// Write CSV text cells as they are, without the `'` put in front of those that
        /// would open a spreadsheet formula (`=`, `+`, `-`, `@`, tab, carriage return).
        #[arg(long)]
        raw_cells: bool,
        /// Also write the contacts to call: one row per contact of every qualified lead,
        /// best tier first, with the personas each matches (CSV, or JSON Lines for a .jsonl
        /// file; default: `[score] contacts_out` when `--leads` is not given).
        #[arg(long, value_name = "FILE")]
        contacts_out: Option<PathBuf>,
        /// Write only the N leads with the best scores (in their best ICP; leads tied with
        /// the N-th are written too). The summary still counts every lead.
        #[arg(long, value_name = "N")]
        top: Option<u64>,
        /// Write only the leads whose best ICP gives them one of these tiers (`A,B`). The
        /// summary still counts every lead.
        #[arg(long, value_name = "TIERS", value_delimiter = ',')]
        tier: Option<Vec<String>>,
    },
    /// Compare two versions of the rules on the same leads: per ICP, how many leads move
    /// between tiers, the scores before and after, and the leads that moved most with the
    /// criteria that moved them.
    ///
    /// `icp diff OLD NEW --leads L` compares two rule paths; `icp diff --base REV [NEW]`
    /// compares the working tree's rules (NEW, else the `rules` of icp.toml) with the same
    /// paths at a git revision (icp.toml and the plugins stay the working tree's).
    Diff {
        /// OLD and NEW rule paths (files or directories); with --base, at most NEW.
        #[arg(value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Compare with the same rule paths at this git revision (a branch, tag or commit).
        #[arg(long, value_name = "REV")]
        base: Option<String>,
        /// The companies, as for `icp score` (default: `[score] leads` of icp.toml).
        #[arg(long, value_name = "FILE")]
        leads: Option<PathBuf>,
        /// `csv` or `jsonl`: the leads' format (default: from the file's extension).
        #[arg(long, value_enum, value_name = "FORMAT")]
        input_format: Option<OutFormat>,
        /// A contacts CSV joined to the companies, as for `icp score`.
        #[arg(long, value_name = "FILE")]
        contacts: Option<PathBuf>,
        /// The date `today` stands for, YYYY-MM-DD (default: the current UTC date).
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// An outcomes file (as `icp backtest` reads it): each tier's win rate and lift,
        /// old and new.
        #[arg(long, value_name = "FILE")]
        outcomes: Option<PathBuf>,
        /// `text`, `json` or `markdown` (for a pull-request comment).
        #[arg(long, value_enum, default_value_t = cmd::diff::render::DiffFormat::Text)]
        format: cmd::diff::render::DiffFormat,
        /// Where to write the report, `-` for standard output (the default).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// How many of the leads that moved most to list per ICP (0 to 1000).
        #[arg(long, value_name = "N", default_value_t = 10)]
        top: usize,
        /// Worker threads, 1 to 1024 (default: one per core).
        #[arg(long, value_name = "N")]
        threads: Option<usize>,
    },
    /// Rank the attributes the best customers have more often than the other leads, and
    /// draft an ICP from them (docs/backtest.md, "Discover").
    Discover {
        #[command(flatten)]
        input: LeadArgs,
        /// The best customers: one id or domain per line, or a CSV file with a `company_id`,
        /// `id` or `domain` column.
        #[arg(long, value_name = "FILE", required_unless_present = "outcomes")]
        customers: Option<PathBuf>,
        /// Or the won accounts of an outcomes file (as `icp backtest --outcomes` reads it).
        #[arg(long, value_name = "FILE", conflicts_with = "customers")]
        outcomes: Option<PathBuf>,
        /// Also write a draft rule file: one ICP from the top attributes.
        #[arg(long, value_name = "FILE")]
        draft: Option<PathBuf>,
        /// Attributes that become score lines of the draft, 1 to 50.
        #[arg(long, value_name = "N", default_value_t = 7)]
        attributes: usize,
        /// `text` (a ranked table) or `json`.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Where to write the report, `-` for standard output (the default).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// What the best customers are compared with: `all` leads (the best among them) or
        /// the `rest`.
        #[arg(long, value_enum, default_value_t = BaseArg::All)]
        base: BaseArg,
    },
    /// Hold the rules against outcomes: per ICP and tier how many leads were won and lost,
    /// win rates with intervals, lift, AUC, calibration and every criterion's figures. Each
    /// lead is evaluated as of its deal's created date (docs/backtest.md).
    Backtest {
        #[command(flatten)]
        input: LeadArgs,
        /// The deals: CSV with `company_id` (or `domain`), `outcome`, `amount`, `created`,
        /// `closed` (default: `[outcomes] file` of icp.toml).
        #[arg(long, value_name = "FILE")]
        outcomes: Option<PathBuf>,
        /// `text`, `json` or `markdown` (default: from the output's extension, .json or .md,
        /// else text).
        #[arg(long, value_enum)]
        format: Option<cmd::backtest::ReportFormat>,
        /// Where to write the report, `-` for standard output (the default).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Compile the rules to one SQL query returning `icp score`'s columns, for DuckDB, Spark,
    /// Postgres, BigQuery or Snowflake (docs/warehouses.md).
    Compile {
        /// duckdb, spark, postgres, bigquery or snowflake.
        #[arg(long, value_name = "DIALECT")]
        dialect: String,
        /// Rule files or directories (default: the `rules` of icp.toml, else `rules/`).
        #[arg(long = "rules", value_name = "PATH")]
        rules: Vec<PathBuf>,
        /// The companies table.
        #[arg(long, value_name = "TABLE", default_value = "companies")]
        companies_table: String,
        /// The contacts table, joined on its `company_id` (default: no contacts).
        #[arg(long, value_name = "TABLE")]
        contacts_table: Option<String>,
        /// The contacts' column giving their order within a company (the export's order),
        /// which orders the missing inputs of `any`/`every contact` in `unknown`.
        #[arg(long, value_name = "COLUMN")]
        contacts_order: Option<String>,
        /// The table of signal values written by `icp signals`, joined on `id`.
        #[arg(long, value_name = "TABLE")]
        signals_table: Option<String>,
        /// One row per lead and ICP instead of one per lead (its best ICP).
        #[arg(long)]
        all: bool,
        /// The date `today` stands for, YYYY-MM-DD (default: the database's current date).
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// Write `CREATE OR REPLACE VIEW NAME AS …` instead of a bare query.
        #[arg(long, value_name = "NAME")]
        view: Option<String>,
        /// Where to write the SQL (default: standard output).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Print the typed input tables the query reads instead of the query.
        #[arg(long, conflicts_with = "dbt")]
        schema: bool,
        /// Write a dbt model (models/icp_scores.sql and models/schema.yml) under DIR.
        #[arg(long, value_name = "DIR", conflicts_with = "output")]
        dbt: Option<PathBuf>,
    },
    /// Write the value of every plugin signal the rules call, per company, as a table for
    /// `icp compile --signals-table` (CSV, or JSON Lines for a .jsonl file).
    Signals {
        #[command(flatten)]
        input: LeadArgs,
        /// The signals file (.csv or .jsonl).
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Write one self-contained HTML page of the leads against the rules: per ICP the leads
    /// per tier, the score distribution, the funnel of requires, the disqualification reasons,
    /// missing data, the best leads with their contacts to call, and with outcomes the win
    /// rates and calibration of the backtest (docs/report.md).
    Report {
        #[command(flatten)]
        input: LeadArgs,
        /// An outcomes file (as `icp backtest` reads it): win rate and lift per tier and the
        /// calibration curve.
        #[arg(long, value_name = "FILE")]
        outcomes: Option<PathBuf>,
        /// The HTML file to write.
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
        /// Open the page with the platform's opener (xdg-open, open) when there is one.
        #[arg(long)]
        open: bool,
    },
    /// Explain one lead against every ICP: each check, its result, its points, what was
    /// missing, and what would have changed its tier.
    Explain {
        #[command(flatten)]
        input: LeadArgs,
        /// The lead's `company.id` (as in the `id` column of `icp score`).
        #[arg(long)]
        id: String,
    },
    /// Serve the rules over HTTP: POST leads as JSON to /score or /explain; the rules reload
    /// when their files change (docs/serve.md). Stops on SIGTERM or Ctrl-C.
    #[cfg(feature = "serve")]
    Serve(ServeArgs),
    /// Run every `test` block of a rule set; exit with 1 if any expectation fails.
    Test {
        /// Rule files or directories (default: as for `check`).
        paths: Vec<PathBuf>,
        /// The date `today` stands for, YYYY-MM-DD (default: the current UTC date).
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// Open no plugin library: read the signals from the manifests beside the libraries
        /// (tests give signal values themselves, so no plugin runs anyway).
        #[arg(long)]
        no_plugin_code: bool,
    },
    /// List the loaded signal plugins, their files and their signals; `icp plugins install`
    /// adds plugins for every project.
    Plugins {
        /// `json` prints one JSON document with every plugin and signal.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[command(subcommand)]
        action: Option<PluginsAction>,
    },
    /// Run the language server on standard input and output, for editors (docs/editor.md):
    /// diagnostics as you type, hover, completion, go to definition and formatting.
    ///
    /// Plugin code runs only for a project whose directory the user trusts
    /// (ICP_SAFE_DIRECTORIES or the trust file); other projects' signals come from the
    /// plugins' manifests, as with `icp check --no-plugin-code`.
    Lsp {
        /// Open no plugin library even in a trusted project.
        #[arg(long)]
        no_plugin_code: bool,
    },
    /// Rewrite rule files in the canonical layout.
    Fmt {
        /// Rule files or directories (default: as for `check`); `-` formats standard input to
        /// standard output.
        paths: Vec<PathBuf>,
        /// Change nothing; list the files that would change and exit with 1 if there are any.
        #[arg(long)]
        check: bool,
    },
    /// Generate a realistic, deterministic lead set (companies and contacts) for demos,
    /// tests and benchmarks.
    ///
    /// In CSV, contacts are written only with --contacts-out; without it, only the companies
    /// file is written. In JSON Lines each company holds its contacts in a `contacts` array.
    Gen {
        /// Number of companies.
        #[arg(long, value_name = "N")]
        companies: u64,
        /// Seed of the generator: the same arguments give the same bytes.
        #[arg(long, value_name = "S", default_value_t = 1)]
        seed: u64,
        /// Contacts per company, a range of whole numbers `A..B` (both included) or one number.
        #[arg(long, value_name = "A..B", default_value = "0..4")]
        contacts_per_company: String,
        /// Share of values written in messy real-world forms ("51-200", "$12M", "n/a",
        /// blanks, mixed case, "United States" for "US"), from 0 (clean) to 1.
        #[arg(long, value_name = "RATE", default_value_t = 0.1)]
        messy: f64,
        /// `csv` or `jsonl` (default: from the output's extension, else csv).
        #[arg(long, value_enum)]
        format: Option<OutFormat>,
        /// The companies file, `-` for standard output.
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
        /// The contacts CSV (CSV only; joined to the companies by `company_id`).
        #[arg(long, value_name = "FILE")]
        contacts_out: Option<PathBuf>,
        /// Also write data for the shipped signal plugins that matches these companies and
        /// contacts: funding.csv, events.csv, job_changes.csv and champions.csv in DIR.
        #[arg(long, value_name = "DIR")]
        signals_dir: Option<PathBuf>,
        /// Also write a deals file (an outcomes file) for these companies, drawn from the
        /// planted ICP the generator documents (docs/scoring.md, `icp gen`).
        #[arg(long, value_name = "FILE")]
        deals_out: Option<PathBuf>,
        /// The shape of `--deals-out`: `plain` columns or a `hubspot` deals export.
        #[arg(long, value_enum, default_value_t = cmd::generate::DealsShape::Plain)]
        deals_preset: cmd::generate::DealsShape,
    },
}

/// The arguments of `icp serve`.
#[cfg(feature = "serve")]
#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Where to listen, IP:PORT (port 0 picks a free port; the address is printed on stderr).
    /// Anything but a loopback address is reachable from other machines (docs/security.md).
    #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:8787")]
    addr: String,
    /// Rule files or directories (default: the `rules` of icp.toml, else `rules/`); reloaded
    /// when they change.
    #[arg(long = "rules", value_name = "PATH")]
    rules: Vec<PathBuf>,
    /// The date `today` stands for, YYYY-MM-DD (default: the current UTC date of each
    /// request).
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    /// The largest request body accepted, in bytes; larger ones get 413.
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
    max_body: usize,
    /// Requests scored at once (default: twice the cores).
    #[arg(long, value_name = "N")]
    max_concurrent: Option<usize>,
    /// Requests admitted at once, scored or waiting; more get 429.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    max_queue: usize,
    /// How often the rule files, their list files and icp.toml are checked for edits, in
    /// milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 200)]
    watch_interval: u64,
}

#[derive(Debug, Subcommand)]
enum PluginsAction {
    /// Build plugin crates (or take built libraries) and copy them into the plugin home.
    ///
    /// The plugin home is `$ICP_PLUGIN_HOME`, else `$XDG_DATA_HOME/icp/plugins`, else
    /// `~/.local/share/icp/plugins`; a `[plugins.NAME]` table of any project finds a library
    /// there by name, after the `ICP_PLUGIN_PATH` directories and the directory of `icp`.
    Install {
        /// Plugin crate directories (built with `cargo build --release`) or plugin libraries
        /// (`.so`, `.dylib`, `.dll`).
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Load plugin libraries and write each one's manifest beside it
    /// (`LIBRARY.manifest.json`), which `--no-plugin-code` reads instead of the library.
    ///
    /// Loading runs the library's code: name only libraries you trust. Without LIBRARY, the
    /// plugins of the project (icp.toml, --plugin, ICP_PLUGIN_PATH) are loaded.
    Manifest {
        /// Plugin libraries (`.so`, `.dylib`, `.dll`).
        #[arg(value_name = "LIBRARY")]
        libraries: Vec<PathBuf>,
    },
}

/// Runs the command line with these arguments (the first is the program name).
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    // `icp __plugin-worker LIBRARY`: this process is an isolated plugin's worker.
    if args
        .get(1)
        .is_some_and(|a| a == icp_plugin_host::WORKER_SUBCOMMAND)
    {
        return icp_plugin_host::serve_worker(&args[2..]);
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(2));
        }
    };
    match execute(cli) {
        Ok(code) => code,
        Err(err) => {
            let _ = writeln!(std::io::stderr(), "error: {err}");
            ExitCode::from(2)
        }
    }
}

/// Loads the project and runs the command in it.
fn execute(cli: Cli) -> Result<ExitCode, UsageError> {
    let cwd = std::env::current_dir().map_err(UsageError::Cwd)?;
    // Installing plugins needs no project: it is how a project whose plugins are missing
    // gets them, so neither icp.toml nor its plugins are loaded.
    if let Command::Plugins {
        action: Some(PluginsAction::Install { paths }),
        ..
    } = &cli.command
    {
        return Ok(cmd::plugins::install::run(&cwd, paths)?);
    }
    // The language server finds each document's project itself.
    if let Command::Lsp { no_plugin_code } = cli.command {
        return Ok(cmd::lsp::run(cli.config, cli.plugins, no_plugin_code));
    }
    // Starting a project needs none either.
    if let Command::Init {
        dir,
        template,
        list,
    } = cli.command
    {
        let request = cmd::init::InitRequest {
            dir,
            template,
            list,
        };
        return cmd::init::run(&cwd, request);
    }
    let trust = Trust::load()?;
    let config = match &cli.config {
        Some(path) => Config::load(path)?,
        None => Config::discover(&cwd)?,
    };
    // A configuration another user may have written, or pointing outside its project, is
    // refused before anything it names is read or loaded.
    if let Some(path) = &config.path {
        trust.check_config(path)?;
    }
    trust.confine_config(&config)?;
    let color = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let project = Project {
        cwd,
        config,
        color,
        plugin_flags: cli.plugins,
        trust,
    };
    // Only the commands that read rules or leads load plugins.
    match cli.command {
        // Handled above.
        Command::Init { .. } | Command::Lsp { .. } => Ok(ExitCode::SUCCESS),
        Command::Check {
            paths,
            format,
            deny_warnings,
            no_plugin_code,
        } => cmd::check::run(&project, &paths, format, deny_warnings, !no_plugin_code),
        Command::Fmt { paths, check } => cmd::fmt::run(&project, &paths, check),
        Command::Test {
            paths,
            as_of,
            no_plugin_code,
        } => cmd::test::run(&project, &paths, as_of.as_deref(), !no_plugin_code),
        Command::Plugins {
            action: Some(PluginsAction::Manifest { libraries }),
            ..
        } => cmd::plugins::manifest::run(&project, &libraries),
        Command::Plugins { format, .. } => cmd::plugins::run(&project, format),
        Command::Score {
            input,
            output,
            format,
            all,
            explain,
            threads,
            rejects,
            raw_cells,
            contacts_out,
            top,
            tier,
        } => cmd::score::run(
            &project,
            input,
            cmd::score::ScoreRequest {
                output,
                format,
                all,
                explain,
                threads,
                rejects,
                raw_cells,
                contacts_out,
                top,
                tiers: tier,
            },
        ),
        Command::Diff {
            paths,
            base,
            leads,
            input_format,
            contacts,
            as_of,
            outcomes,
            format,
            output,
            top,
            threads,
        } => cmd::diff::run(
            &project,
            cmd::diff::DiffRequest {
                paths,
                base,
                leads,
                contacts,
                input_format,
                as_of,
                outcomes,
                format,
                output,
                top,
                threads,
            },
        ),
        Command::Discover {
            input,
            customers,
            outcomes,
            draft,
            attributes,
            format,
            output,
            base,
        } => cmd::discover::run(
            &project,
            input,
            cmd::discover::DiscoverRequest {
                best: match (customers, outcomes) {
                    (_, Some(file)) => cmd::discover::BestSource::Outcomes(file),
                    (Some(file), None) => cmd::discover::BestSource::Customers(file),
                    (None, None) => {
                        return Err(UsageError::Customers(
                            "give the best customers: --customers FILE or --outcomes FILE".into(),
                        ));
                    }
                },
                draft,
                attributes,
                format,
                output,
                base: match base {
                    BaseArg::All => icp_learn::discover::Base::All,
                    BaseArg::Rest => icp_learn::discover::Base::Rest,
                },
            },
        ),
        Command::Backtest {
            input,
            outcomes,
            format,
            output,
        } => cmd::backtest::run(
            &project,
            input,
            cmd::backtest::BacktestRequest {
                outcomes,
                format,
                output,
            },
        ),
        Command::Compile {
            dialect,
            rules,
            companies_table,
            contacts_table,
            contacts_order,
            signals_table,
            all,
            as_of,
            view,
            output,
            schema,
            dbt,
        } => cmd::compile::run(
            &project,
            cmd::compile::CompileRequest {
                dialect,
                rules,
                companies_table,
                contacts_table,
                contacts_order,
                signals_table,
                all,
                as_of,
                view,
                output,
                schema,
                dbt,
            },
        ),
        Command::Signals { input, output } => cmd::signals::run(&project, input, output),
        Command::Report {
            input,
            outcomes,
            output,
            open,
        } => cmd::report::run(
            &project,
            input,
            cmd::report::ReportRequest {
                outcomes,
                output,
                open,
            },
        ),
        Command::Explain { input, id } => cmd::explain::run(&project, input, &id),
        #[cfg(feature = "serve")]
        Command::Serve(args) => cmd::serve::run(
            project,
            cmd::serve::ServeRequest {
                addr: args.addr,
                rules: args.rules,
                as_of: args.as_of,
                max_body: args.max_body,
                max_concurrent: args.max_concurrent.unwrap_or_else(|| {
                    2 * std::thread::available_parallelism().map_or(1, |n| n.get())
                }),
                max_queue: args.max_queue,
                watch_interval: std::time::Duration::from_millis(args.watch_interval),
            },
        ),
        Command::Gen {
            companies,
            seed,
            contacts_per_company,
            messy,
            format,
            output,
            contacts_out,
            signals_dir,
            deals_out,
            deals_preset,
        } => cmd::generate::run(
            &project,
            cmd::generate::GenRequest {
                companies,
                seed,
                contacts_per_company,
                messy,
                format,
                output,
                contacts_out,
                signals_dir,
                deals_out,
                deals_preset,
            },
        ),
    }
}
