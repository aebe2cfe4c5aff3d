//! The `icp` command line: the only crate that touches the terminal.
//!
//! How it works: [`run`] parses the arguments with clap, loads `icp.toml` (found at or above
//! the working directory, or given with `--config`), collects the rule files (`.icp` files,
//! directories searched recursively), and runs one command. Diagnostics are rendered here and
//! only here. Exit codes (SPEC §5): 0 success, 1 rule errors / files that need formatting,
//! 2 usage or input errors, each with a one-line message on stderr and never a backtrace.

pub mod config;
mod score;
mod summary;

use std::ffi::OsString;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use icp_diagnostics::{Diagnostic, Severity, SourceMap};
use icp_plugin_host::{Host, PluginRequest};

use crate::config::Config;

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
struct LeadArgs {
    /// Rule files or directories (default: the `rules` of icp.toml, else `rules/`).
    #[arg(long = "rules", value_name = "PATH")]
    rules: Vec<PathBuf>,
    /// The companies: CSV (one row per company, or per contact with company columns
    /// repeated) or JSON Lines (default: `[score] leads` of icp.toml).
    #[arg(long, value_name = "FILE")]
    leads: Option<PathBuf>,
    /// A contacts CSV joined to the companies on its company key (`company_id`, the
    /// domain or the preset's key column; default: `[score] contacts` when `--leads` is not
    /// given).
    #[arg(long, value_name = "FILE")]
    contacts: Option<PathBuf>,
    /// The date `today` stands for, YYYY-MM-DD (default: the current UTC date).
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutFormat {
    Csv,
    Jsonl,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
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
    },
    /// Score and tier a lead set against every ICP of the rule set.
    Score {
        #[command(flatten)]
        input: LeadArgs,
        /// Where to write the results, `-` for standard output (default: `[score] output` when
        /// `--leads` is not given, else standard output).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// `csv` or `jsonl` (default: from the output's extension, else csv).
        #[arg(long, value_enum)]
        format: Option<OutFormat>,
        /// One row per lead and ICP instead of one per lead (its best ICP).
        #[arg(long)]
        all: bool,
        /// Add an `explain` column: every check, its result and its points, as JSON.
        #[arg(long)]
        explain: bool,
        /// Worker threads (default: one per core).
        #[arg(long, value_name = "N")]
        threads: Option<usize>,
        /// Where unreadable rows go, created only if a row is rejected (default: beside the
        /// output file, else beside the leads file, as `NAME.rejects.csv`).
        #[arg(long, value_name = "FILE")]
        rejects: Option<PathBuf>,
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
    /// Run every `test` block of a rule set; exit with 1 if any expectation fails.
    Test {
        /// Rule files or directories (default: as for `check`).
        paths: Vec<PathBuf>,
        /// The date `today` stands for, YYYY-MM-DD (default: the current UTC date).
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
    },
    /// List the loaded signal plugins, their files and their signals.
    Plugins {
        /// `json` prints one JSON document with every plugin and signal.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
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
    },
}

/// A failure that ends the command with exit code 2.
#[derive(Debug, thiserror::Error)]
enum UsageError {
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
    #[error("--threads must be at least 1")]
    Threads,
    #[error(transparent)]
    Run(#[from] score::RunError),
    #[error("--contacts-per-company {0}: write a range such as 1..5 (both included) or one number")]
    ContactsRange(String),
    #[error("--messy {0}: must be between 0 and 1")]
    Messy(f64),
    #[error("--contacts-out is for CSV output; JSON Lines hold the contacts in each company")]
    ContactsOutJsonl,
    #[error(transparent)]
    Plugin(#[from] icp_plugin_host::PluginError),
}

/// Runs the command line with these arguments (the first is the program name).
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
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

fn execute(cli: Cli) -> Result<ExitCode, UsageError> {
    let cwd = std::env::current_dir().map_err(UsageError::Cwd)?;
    let config = match &cli.config {
        Some(path) => Config::load(path)?,
        None => Config::discover(&cwd)?,
    };
    let color = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    // Only the commands that read rules or leads load plugins.
    let plugins = || load_plugins(&cwd, &config, &cli.plugins);
    match cli.command {
        Command::Check {
            paths,
            format,
            deny_warnings,
        } => check(
            &cwd,
            &config,
            &plugins()?,
            &paths,
            format,
            deny_warnings,
            color,
        ),
        Command::Fmt { paths, check } => fmt(&cwd, &config, &paths, check, color),
        Command::Test { paths, as_of } => {
            test(&cwd, &config, &plugins()?, &paths, as_of.as_deref(), color)
        }
        Command::Plugins { format } => list_plugins(&cwd, &plugins()?, format),
        Command::Score {
            input,
            output,
            format,
            all,
            explain,
            threads,
            rejects,
        } => {
            let host = plugins()?;
            let Some((compiled, _)) = compile_or_report(
                &cwd,
                &config,
                &host,
                &input.rules,
                color,
                "nothing was scored",
            )?
            else {
                return Ok(ExitCode::from(1));
            };
            let signals = host.prepare(&compiled)?;
            let today = as_of_date(input.as_of.as_deref())?;
            let files = lead_files(&cwd, &config, input.leads, input.contacts)?;
            let output = match output {
                Some(p) if p.as_os_str() == "-" => None,
                Some(p) => Some(cwd.join(p)),
                None => files.default(&config.score.output),
            };
            if threads == Some(0) {
                return Err(UsageError::Threads);
            }
            let format = if wants_jsonl(format, output.as_deref()) {
                icp_io::OutputFormat::JsonLines
            } else {
                icp_io::OutputFormat::Csv
            };
            let rejects = rejects
                .map(|p| cwd.join(p))
                .or_else(|| files.default(&config.score.rejects));
            let args = score::ScoreArgs {
                leads: files.leads,
                contacts: files.contacts,
                output,
                format,
                all,
                explain,
                today,
                threads,
                rejects,
            };
            Ok(score::score(&compiled, &signals, &config, &args, |p| {
                display(&cwd, p)
            })?)
        }
        Command::Gen {
            companies,
            seed,
            contacts_per_company,
            messy,
            format,
            output,
            contacts_out,
            signals_dir,
        } => {
            let (contacts_min, contacts_max) = contacts_range(&contacts_per_company)?;
            let format = if wants_jsonl(format, Some(&output)) {
                icp_gen::Format::JsonLines
            } else {
                icp_gen::Format::Csv
            };
            let options = icp_gen::GenOptions {
                companies,
                seed,
                contacts_min,
                contacts_max,
                messy,
                format,
            };
            let code = generate_leads(&cwd, &options, &output, contacts_out.as_deref())?;
            if let Some(dir) = signals_dir {
                let dir = cwd.join(dir);
                let report = icp_gen::signals::write_signals(&options, &dir)
                    .map_err(|e| UsageError::Write(display(&cwd, &dir), e))?;
                let _ = writeln!(
                    std::io::stderr(),
                    "wrote signal data to {}: {} funding records, {} event records, {} job changes, {} champions",
                    display(&cwd, &dir),
                    summary::group_digits(report.funding),
                    summary::group_digits(report.events),
                    summary::group_digits(report.job_changes),
                    summary::group_digits(report.champions),
                );
            }
            Ok(code)
        }
        Command::Explain { input, id } => {
            let host = plugins()?;
            let Some((compiled, _)) = compile_or_report(
                &cwd,
                &config,
                &host,
                &input.rules,
                color,
                "nothing was scored",
            )?
            else {
                return Ok(ExitCode::from(1));
            };
            let signals = host.prepare(&compiled)?;
            let files = lead_files(&cwd, &config, input.leads, input.contacts)?;
            let today = as_of_date(input.as_of.as_deref())?;
            Ok(score::explain(
                &compiled,
                &signals,
                &config,
                score::ExplainArgs {
                    leads: &files.leads,
                    contacts: files.contacts,
                    id: &id,
                    today,
                },
                |p| display(&cwd, p),
            )?)
        }
    }
}

/// Loads the plugins of `--plugin` flags, of icp.toml and of the `ICP_PLUGIN_PATH`
/// directories.
fn load_plugins(cwd: &Path, config: &Config, flags: &[PathBuf]) -> Result<Host, UsageError> {
    let request = PluginRequest {
        libraries: flags.iter().map(|p| cwd.join(p)).collect(),
        configured: config.plugins.clone(),
        directories: std::env::var_os("ICP_PLUGIN_PATH")
            .map(|v| {
                std::env::split_paths(&v)
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect()
            })
            .unwrap_or_default(),
    };
    Ok(Host::load(&request)?)
}

/// `icp plugins`: every loaded plugin with its file and signals.
fn list_plugins(cwd: &Path, host: &Host, format: Format) -> Result<ExitCode, UsageError> {
    let catalog = host.catalog();
    let plugins = host.plugins();
    let text = match format {
        Format::Json => {
            let list: Vec<serde_json::Value> = plugins
                .iter()
                .map(|p| {
                    let signals: Vec<serde_json::Value> = catalog
                        .signals_of(&p.name)
                        .map(|s| {
                            serde_json::json!({
                                "name": s.name,
                                "signature": s.signature(),
                                "doc": s.doc,
                                "params": s.params.iter().map(|p| serde_json::json!({
                                    "name": p.name,
                                    "type": p.ty.to_string(),
                                    "optional": p.optional,
                                })).collect::<Vec<_>>(),
                                "output": s.output.to_string(),
                                "inputs": s.inputs,
                            })
                        })
                        .collect();
                    serde_json::json!({
                        "name": p.name,
                        "version": p.version,
                        "doc": p.doc,
                        "file": display(cwd, &p.file),
                        "source": p.source,
                        "abi": format!("1.{}", p.abi_minor),
                        "signals": signals,
                    })
                })
                .collect();
            let mut text = serde_json::to_string_pretty(&serde_json::json!({ "plugins": list }))
                .unwrap_or_default();
            text.push('\n');
            text
        }
        Format::Text => {
            let mut out = String::new();
            if plugins.is_empty() {
                out.push_str(
                    "no plugins loaded: add a [plugins.NAME] table to icp.toml, pass --plugin PATH or set ICP_PLUGIN_PATH\n",
                );
            }
            for p in &plugins {
                out.push_str(&format!(
                    "{} {} ({})\n",
                    p.name,
                    p.version,
                    display(cwd, &p.file)
                ));
                if !p.doc.is_empty() {
                    out.push_str(&format!("  {}\n", p.doc));
                }
                for s in catalog.signals_of(&p.name) {
                    out.push_str(&format!("\n  {}\n", s.signature()));
                    if !s.doc.is_empty() {
                        out.push_str(&format!("      {}\n", s.doc));
                    }
                    if !s.inputs.is_empty() {
                        out.push_str(&format!("      reads {}\n", s.inputs.join(", ")));
                    }
                }
                out.push('\n');
            }
            out
        }
    };
    let _ = std::io::stdout().write_all(text.as_bytes());
    Ok(ExitCode::SUCCESS)
}

/// The rule files named by `paths` (or by the configuration), sorted, with display names.
fn rule_files(cwd: &Path, config: &Config, paths: &[PathBuf]) -> Result<Vec<PathBuf>, UsageError> {
    let roots: Vec<PathBuf> = if paths.is_empty() {
        config.rules.clone()
    } else {
        paths.iter().map(|p| cwd.join(p)).collect()
    };
    let mut files = Vec::new();
    for root in &roots {
        if root.is_dir() {
            let before = files.len();
            collect_icp_files(root, &mut files)
                .map_err(|e| UsageError::Read(display(cwd, root), e))?;
            if files.len() == before {
                return Err(UsageError::NoRules(display(cwd, root)));
            }
        } else if root.is_file() {
            files.push(root.clone());
        } else {
            return Err(UsageError::Missing(display(cwd, root)));
        }
    }
    // The same file named twice (directly, through an overlapping directory or another
    // spelling of its path) is read once.
    let mut seen = std::collections::HashSet::new();
    files.retain(|f| seen.insert(std::fs::canonicalize(f).unwrap_or_else(|_| f.clone())));
    Ok(files)
}

fn collect_icp_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_icp_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "icp") {
            out.push(path);
        }
    }
    Ok(())
}

/// A path as the user would write it: relative to the working directory (with `..` when it
/// lies above it), absolute only when the two share nothing.
fn display(cwd: &Path, path: &Path) -> String {
    use std::path::Component;
    let path: PathBuf = path
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect();
    let common = cwd
        .components()
        .zip(path.components())
        .take_while(|(a, b)| a == b)
        .count();
    if common == 0 {
        return path.display().to_string();
    }
    let mut relative = PathBuf::new();
    for _ in cwd.components().skip(common) {
        relative.push("..");
    }
    relative.extend(path.components().skip(common));
    let text = relative.display().to_string();
    if text.is_empty() {
        ".".to_string()
    } else {
        text
    }
}

/// Reads the rule files into a source map.
fn read_sources(cwd: &Path, files: &[PathBuf]) -> Result<SourceMap, UsageError> {
    let mut sources = SourceMap::new();
    for path in files {
        let name = display(cwd, path);
        let bytes = std::fs::read(path).map_err(|e| UsageError::Read(name.clone(), e))?;
        let text = String::from_utf8(bytes).map_err(|_| {
            UsageError::Read(
                name.clone(),
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "the file is not valid UTF-8",
                ),
            )
        })?;
        sources.add(name, text);
    }
    Ok(sources)
}

fn print_diagnostics(sources: &SourceMap, diagnostics: &[Diagnostic], format: Format, color: bool) {
    let text = match format {
        Format::Text => icp_diagnostics::render_text(sources, diagnostics, color),
        Format::Json => icp_diagnostics::render_json(sources, diagnostics),
    };
    let _ = std::io::stdout().write_all(text.as_bytes());
}

fn check(
    cwd: &Path,
    config: &Config,
    host: &Host,
    paths: &[PathBuf],
    format: Format,
    deny_warnings: bool,
    color: bool,
) -> Result<ExitCode, UsageError> {
    let files = rule_files(cwd, config, paths)?;
    let sources = read_sources(cwd, &files)?;
    let compiled = icp_engine::compile(&sources, &config.schema, host.catalog());
    print_diagnostics(&sources, &compiled.diagnostics, format, color);
    let errors = compiled
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = compiled.diagnostics.len() - errors;
    if format == Format::Text {
        let mut summary = format!(
            "checked {} ({})",
            plural(files.len(), "file"),
            describe_set(&compiled, files.len())
        );
        summary.push_str(&match (errors, warnings) {
            (0, 0) => ": no problems".to_string(),
            (e, 0) => format!(": {}", plural(e, "error")),
            (0, w) => format!(": {}", plural(w, "warning")),
            (e, w) => format!(": {}, {}", plural(e, "error"), plural(w, "warning")),
        });
        let _ = writeln!(std::io::stdout(), "{summary}");
    }
    Ok(if errors > 0 || (deny_warnings && warnings > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn describe_set(compiled: &icp_engine::Compiled, files: usize) -> String {
    use icp_syntax::ast::Item;
    if compiled.files.len() < files {
        return "some do not parse".to_string();
    }
    let items = || compiled.files.iter().flat_map(|f| &f.items);
    let icps = items().filter(|i| matches!(i, Item::Icp(_))).count();
    let tests = items().filter(|i| matches!(i, Item::Test(_))).count();
    format!("{}, {}", plural(icps, "ICP"), plural(tests, "test"))
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn fmt(
    cwd: &Path,
    config: &Config,
    paths: &[PathBuf],
    check_only: bool,
    color: bool,
) -> Result<ExitCode, UsageError> {
    if paths.len() == 1 && paths[0].as_os_str() == "-" {
        return fmt_stdin(color);
    }
    let files = rule_files(cwd, config, paths)?;
    let sources = read_sources(cwd, &files)?;
    let mut failed = false;
    let mut changed = 0;
    let mut out = std::io::stdout();
    for ((id, source), path) in sources.files().zip(&files) {
        let ast = match icp_syntax::parse(id, source.text()) {
            Ok(ast) => ast,
            Err(diagnostics) => {
                print_diagnostics(&sources, &diagnostics, Format::Text, color);
                failed = true;
                continue;
            }
        };
        let formatted = icp_syntax::format(&ast, source.text());
        if formatted == source.text() {
            continue;
        }
        changed += 1;
        if check_only {
            let _ = writeln!(out, "would reformat {}", source.name());
        } else {
            std::fs::write(path, formatted)
                .map_err(|e| UsageError::Write(source.name().to_string(), e))?;
            let _ = writeln!(out, "reformatted {}", source.name());
        }
    }
    let unchanged = files.len() - changed;
    let verb = if check_only {
        "would be reformatted"
    } else {
        "reformatted"
    };
    let _ = writeln!(
        out,
        "{} {verb}, {} already formatted{}",
        plural(changed, "file"),
        unchanged,
        if failed {
            "; some files have syntax errors"
        } else {
            ""
        }
    );
    Ok(if failed || (check_only && changed > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn fmt_stdin(color: bool) -> Result<ExitCode, UsageError> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| UsageError::Read("standard input".into(), e))?;
    let mut sources = SourceMap::new();
    let id = sources.add("<stdin>", text.clone());
    match icp_syntax::parse(id, &text) {
        Ok(ast) => {
            let _ = std::io::stdout().write_all(icp_syntax::format(&ast, &text).as_bytes());
            Ok(ExitCode::SUCCESS)
        }
        Err(diagnostics) => {
            let rendered = icp_diagnostics::render_text(&sources, &diagnostics, color);
            let _ = std::io::stderr().write_all(rendered.as_bytes());
            Ok(ExitCode::from(1))
        }
    }
}

/// The run's as-of date in days since 1970-01-01: `--as-of`, else the current UTC date.
fn as_of_date(as_of: Option<&str>) -> Result<i32, UsageError> {
    let Some(text) = as_of else {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        return Ok(i32::try_from(now / 86_400).unwrap_or(i32::MAX));
    };
    let parts: Vec<&str> = text.split('-').collect();
    let parsed = match parts.as_slice() {
        [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
            match (y.parse(), m.parse(), d.parse()) {
                (Ok(y), Ok(m), Ok(d)) => icp_syntax::ast::days_from_civil(y, m, d),
                _ => None,
            }
        }
        _ => None,
    };
    parsed.ok_or_else(|| UsageError::AsOf(text.to_string()))
}

/// Whether results go out as JSON Lines: `--format`, else the file's extension.
fn wants_jsonl(format: Option<OutFormat>, path: Option<&Path>) -> bool {
    match format {
        Some(f) => f == OutFormat::Jsonl,
        None => path
            .and_then(Path::extension)
            .is_some_and(|e| e == "jsonl" || e == "ndjson" || e == "json"),
    }
}

/// The lead files of `score` and `explain`.
struct LeadFiles {
    leads: PathBuf,
    contacts: Option<PathBuf>,
    /// Whether `--leads` was left out, so the `[score]` table supplies the files.
    from_config: bool,
}

impl LeadFiles {
    /// A `[score]` default, which applies only when the lead file came from `[score]` too:
    /// the table's files go together, and naming another lead set leaves them all out.
    fn default(&self, value: &Option<PathBuf>) -> Option<PathBuf> {
        if self.from_config {
            value.clone()
        } else {
            None
        }
    }
}

fn lead_files(
    cwd: &Path,
    config: &Config,
    leads: Option<PathBuf>,
    contacts: Option<PathBuf>,
) -> Result<LeadFiles, UsageError> {
    let from_config = leads.is_none();
    let leads = leads
        .map(|p| cwd.join(p))
        .or_else(|| config.score.leads.clone())
        .ok_or(UsageError::NoLeads)?;
    let mut files = LeadFiles {
        leads,
        contacts: None,
        from_config,
    };
    files.contacts = contacts
        .map(|p| cwd.join(p))
        .or_else(|| files.default(&config.score.contacts));
    Ok(files)
}

/// Compiles the rule set; on rule errors prints them with `then` ("nothing was scored") and
/// returns `None` (exit 1).
fn compile_or_report(
    cwd: &Path,
    config: &Config,
    host: &Host,
    paths: &[PathBuf],
    color: bool,
    then: &str,
) -> Result<Option<(icp_engine::ir::RuleSet, SourceMap)>, UsageError> {
    let files = rule_files(cwd, config, paths)?;
    let sources = read_sources(cwd, &files)?;
    let compiled = icp_engine::compile(&sources, &config.schema, host.catalog());
    let Some(rules) = compiled.rules else {
        let errors: Vec<Diagnostic> = compiled
            .diagnostics
            .into_iter()
            .filter(Diagnostic::is_error)
            .collect();
        print_diagnostics(&sources, &errors, Format::Text, color);
        let _ = writeln!(
            std::io::stdout(),
            "the rule set has {}; {then}",
            plural(errors.len(), "error")
        );
        return Ok(None);
    };
    Ok(Some((rules, sources)))
}

fn test(
    cwd: &Path,
    config: &Config,
    host: &Host,
    paths: &[PathBuf],
    as_of: Option<&str>,
    color: bool,
) -> Result<ExitCode, UsageError> {
    let today = as_of_date(as_of)?;
    let Some((rules, sources)) =
        compile_or_report(cwd, config, host, paths, color, "no test was run")?
    else {
        return Ok(ExitCode::from(1));
    };
    let reports = icp_engine::rule_tests::run_tests(&rules, today);
    let mut out = String::new();
    let mut failed = 0;
    for report in &reports {
        if report.passed() {
            out.push_str(&format!("test {} ... ok\n", report.label));
            continue;
        }
        failed += 1;
        out.push_str(&format!("test {} ... FAILED\n", report.label));
        let mut explained = Vec::new();
        for failure in &report.failures {
            let file = sources.file(failure.span.file);
            let at = sources.location(failure.span);
            out.push_str(&format!(
                "  {}:{}:{}: expected {}, got {}\n",
                file.name(),
                at.line,
                at.column,
                failure.expected,
                failure.actual
            ));
            if !explained.contains(&failure.icp) {
                explained.push(failure.icp);
            }
        }
        for icp in explained {
            out.push_str(&icp_engine::explain::explain_icp(
                &report.result.icps[icp],
                2,
            ));
        }
        out.push_str(&icp_engine::explain::explain_personas(&report.result, 2));
    }
    out.push_str(&format!(
        "{} passed, {failed} failed\n",
        reports.len() - failed
    ));
    let _ = std::io::stdout().write_all(out.as_bytes());
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `--contacts-per-company`: `A..B` or `A..=B` (both included), or one number.
fn contacts_range(text: &str) -> Result<(u32, u32), UsageError> {
    let bad = || UsageError::ContactsRange(text.to_string());
    let t = text.trim();
    let (lo, hi) = match t.split_once("..") {
        Some((lo, hi)) => (lo, hi.strip_prefix('=').unwrap_or(hi)),
        None => (t, t),
    };
    let lo: u32 = lo.trim().parse().map_err(|_| bad())?;
    let hi: u32 = hi.trim().parse().map_err(|_| bad())?;
    if lo > hi || hi > 10_000 {
        return Err(bad());
    }
    Ok((lo, hi))
}

/// `icp gen`: writes a generated lead set and prints one line of what was written.
fn generate_leads(
    cwd: &Path,
    options: &icp_gen::GenOptions,
    output: &Path,
    contacts_out: Option<&Path>,
) -> Result<ExitCode, UsageError> {
    if !(0.0..=1.0).contains(&options.messy) {
        return Err(UsageError::Messy(options.messy));
    }
    if options.format == icp_gen::Format::JsonLines && contacts_out.is_some() {
        return Err(UsageError::ContactsOutJsonl);
    }
    let started = std::time::Instant::now();
    let create = |p: &Path| {
        std::fs::File::create(cwd.join(p))
            .map(|f| std::io::BufWriter::with_capacity(1 << 16, f))
            .map_err(|e| UsageError::Write(display(cwd, &cwd.join(p)), e))
    };
    let to_stdout = output.as_os_str() == "-";
    let mut companies: Box<dyn Write> = if to_stdout {
        Box::new(std::io::BufWriter::new(std::io::stdout().lock()))
    } else {
        Box::new(create(output)?)
    };
    let mut contacts = contacts_out.map(create).transpose()?;
    let report = icp_gen::generate(
        options,
        &mut companies,
        contacts.as_mut().map(|w| w as &mut dyn Write),
    )
    .map_err(|e| UsageError::Write(display(cwd, &cwd.join(output)), e))?;
    let mut line = format!(
        "wrote {} companies to {}",
        summary::group_digits(report.companies),
        if to_stdout {
            "standard output".to_string()
        } else {
            display(cwd, &cwd.join(output))
        }
    );
    if let Some(path) = contacts_out {
        line.push_str(&format!(
            " and {} contacts to {}",
            summary::group_digits(report.contacts),
            display(cwd, &cwd.join(path))
        ));
    } else if options.format == icp_gen::Format::JsonLines {
        line.push_str(&format!(
            " with {} contacts",
            summary::group_digits(report.contacts)
        ));
    }
    let _ = writeln!(
        std::io::stderr(),
        "{line} in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}
