//! `icp gen`: write a realistic, deterministic lead set for demos, tests and benchmarks.
//!
//! How it works: the arguments become `icp_gen`'s options (the contacts range parsed from
//! `A..B`, the format from `--format` or the output's extension, the messiness checked to lie
//! in 0..=1); the generator writes the companies (to a file or standard output) and, in CSV,
//! the contacts to `--contacts-out`, and `--signals-dir` adds matching data for the shipped
//! plugins and `--deals-out` a deals file drawn from the generator's planted ICP. Every file
//! is one [`OutputSet`], as `icp score`'s outputs are: the same file named
//! twice, or a file the run reads (`icp.toml`), is refused before anything is written; each
//! is written to a temporary file beside its target and all are put in place together when
//! the whole set is written, so an error or a signal leaves the earlier files as they were
//! and no `.partial` file behind. Companies written to standard output are not in the set.
//! One line on stderr says what was written and how long it took.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::OutFormat;
use crate::args::file_format;
use crate::error::UsageError;
use crate::outputs::{OutputSet, same_file};
use crate::project::Project;
use crate::show::{display, group_digits};

/// What `icp gen` was asked for, as given on the command line.
#[derive(Debug)]
pub struct GenRequest {
    pub companies: u64,
    pub seed: u64,
    pub contacts_per_company: String,
    pub messy: f64,
    pub format: Option<OutFormat>,
    pub output: PathBuf,
    pub contacts_out: Option<PathBuf>,
    pub signals_dir: Option<PathBuf>,
    pub deals_out: Option<PathBuf>,
    pub deals_preset: DealsShape,
}

/// The shape of `--deals-out`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DealsShape {
    /// `company_id,outcome,amount,created,closed`.
    Plain,
    /// HubSpot's deals export.
    Hubspot,
}

/// `icp gen --companies N -o FILE …`.
pub fn run(project: &Project, request: GenRequest) -> Result<ExitCode, UsageError> {
    let (contacts_min, contacts_max) = contacts_range(&request.contacts_per_company)?;
    let to_stdout = request.output.as_os_str() == "-";
    let named = (!to_stdout).then_some(request.output.as_path());
    let format = if file_format("--format", request.format, named)? == OutFormat::Jsonl {
        icp_gen::Format::JsonLines
    } else {
        icp_gen::Format::Csv
    };
    let options = icp_gen::GenOptions {
        companies: request.companies,
        seed: request.seed,
        contacts_min,
        contacts_max,
        messy: request.messy,
        format,
    };
    generate(project, &options, &request)
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

/// Where each output of a run goes in its [`OutputSet`].
#[derive(Debug, Default)]
struct Slots {
    companies: Option<usize>,
    contacts: Option<usize>,
    /// The first of the four signal files, in `SIGNAL_FILES` order.
    signals: Option<usize>,
    deals: Option<usize>,
}

/// The files of a run, checked before any is created: none twice, none the run reads.
fn plan_outputs(
    project: &Project,
    request: &GenRequest,
    signals_dir: Option<&Path>,
) -> Result<(OutputSet, Vec<PathBuf>, Slots), UsageError> {
    let cwd = &project.cwd;
    let mut targets = Vec::new();
    let mut slots = Slots::default();
    let add = |path: PathBuf, targets: &mut Vec<PathBuf>| {
        targets.push(path);
        Some(targets.len() - 1)
    };
    if request.output.as_os_str() != "-" {
        slots.companies = add(cwd.join(&request.output), &mut targets);
    }
    if let Some(contacts) = &request.contacts_out {
        slots.contacts = add(cwd.join(contacts), &mut targets);
    }
    if let Some(dir) = signals_dir {
        for name in icp_gen::signals::SIGNAL_FILES {
            let slot = add(dir.join(name), &mut targets);
            slots.signals = slots.signals.or(slot);
        }
    }
    if let Some(deals) = &request.deals_out {
        slots.deals = add(cwd.join(deals), &mut targets);
    }
    if let Some(config) = &project.config.path
        && let Some(target) = targets.iter().find(|t| same_file(config, t))
    {
        return Err(UsageError::GenOverwrite(project.show(target)));
    }
    let set = OutputSet::new(&targets).map_err(|same| UsageError::GenSameOutput {
        first: project.show(&same.first),
        second: project.show(&same.second),
    })?;
    Ok((set, targets, slots))
}

/// Writes a generated lead set (and the signal data) through one output set, then prints
/// what was written.
fn generate(
    project: &Project,
    options: &icp_gen::GenOptions,
    request: &GenRequest,
) -> Result<ExitCode, UsageError> {
    let cwd = &project.cwd;
    if !(0.0..=1.0).contains(&options.messy) {
        return Err(UsageError::Messy(options.messy));
    }
    if options.format == icp_gen::Format::JsonLines && request.contacts_out.is_some() {
        return Err(UsageError::ContactsOutJsonl);
    }
    let started = std::time::Instant::now();
    let signals_dir = request.signals_dir.as_ref().map(|d| cwd.join(d));
    if let Some(dir) = &signals_dir {
        std::fs::create_dir_all(dir).map_err(|e| UsageError::Write(project.show(dir), e))?;
    }
    let (mut set, targets, slots) = plan_outputs(project, request, signals_dir.as_deref())?;
    let mut files: Vec<BufWriter<File>> = (0..targets.len())
        .map(|i| {
            set.create(i)
                .map(|f| BufWriter::with_capacity(1 << 16, f))
                .map_err(|e| UsageError::Write(project.show(&targets[i]), e))
        })
        .collect::<Result<_, _>>()?;
    let failed = |slot: Option<usize>| {
        let shown = slot.map_or("standard output".to_string(), |i| project.show(&targets[i]));
        move |e| UsageError::Write(shown, e)
    };
    // The set's writers in the order `plan_outputs` made them: each borrowed once.
    let mut writers = files.iter_mut();
    let companies_file = slots.companies.and_then(|_| writers.next());
    let contacts = slots.contacts.and_then(|_| writers.next());
    let mut signal_writer = || slots.signals.and_then(|_| writers.next());
    let signal_files = (
        signal_writer(),
        signal_writer(),
        signal_writer(),
        signal_writer(),
    );
    let deals_file = slots.deals.and_then(|_| writers.next());
    let mut stdout;
    let companies: &mut dyn Write = match companies_file {
        Some(file) => file,
        None => {
            stdout = BufWriter::new(std::io::stdout().lock());
            &mut stdout
        }
    };
    let report = icp_gen::generate(options, companies, contacts.map(|f| f as &mut dyn Write))
        .and_then(|report| companies.flush().map(|()| report))
        .map_err(failed(slots.companies))?;
    let signals = match signal_files {
        (Some(funding), Some(events), Some(job_changes), Some(champions)) => Some(
            icp_gen::signals::generate_signals(
                options,
                icp_gen::signals::SignalWriters {
                    funding,
                    events,
                    job_changes,
                    champions,
                },
            )
            .map_err(failed(slots.signals))?,
        ),
        _ => None,
    };
    let deals = match deals_file {
        Some(out) => {
            let shape = match request.deals_preset {
                DealsShape::Plain => icp_gen::deals::DealsPreset::Plain,
                DealsShape::Hubspot => icp_gen::deals::DealsPreset::Hubspot,
            };
            Some(icp_gen::deals::generate_deals(options, shape, out).map_err(failed(slots.deals))?)
        }
        None => None,
    };
    for (i, file) in files.iter_mut().enumerate() {
        file.flush().map_err(failed(Some(i)))?;
    }
    drop(files);
    set.commit()
        .map_err(|(path, e)| UsageError::Write(project.show(&path), e))?;
    report_written(project, request, &report, options.format, started);
    if let (Some(report), Some(dir)) = (signals, &signals_dir) {
        let _ = writeln!(
            std::io::stderr(),
            "wrote signal data to {}: {} funding records, {} event records, {} job changes, {} champions",
            project.show(dir),
            group_digits(report.funding),
            group_digits(report.events),
            group_digits(report.job_changes),
            group_digits(report.champions),
        );
    }
    if let (Some(report), Some(path)) = (deals, &request.deals_out) {
        let _ = writeln!(
            std::io::stderr(),
            "wrote {} deals of {} companies to {}: {} won, {} lost, {} open",
            group_digits(report.deals),
            group_digits(report.companies),
            display(cwd, &cwd.join(path)),
            group_digits(report.won),
            group_digits(report.lost),
            group_digits(report.open),
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The line saying what the leads went where, and how long it took.
fn report_written(
    project: &Project,
    request: &GenRequest,
    report: &icp_gen::GenReport,
    format: icp_gen::Format,
    started: std::time::Instant,
) {
    let cwd = &project.cwd;
    let mut line = format!(
        "wrote {} companies to {}",
        group_digits(report.companies),
        if request.output.as_os_str() == "-" {
            "standard output".to_string()
        } else {
            display(cwd, &cwd.join(&request.output))
        }
    );
    if let Some(path) = &request.contacts_out {
        line.push_str(&format!(
            " and {} contacts to {}",
            group_digits(report.contacts),
            display(cwd, &cwd.join(path))
        ));
    } else if format == icp_gen::Format::JsonLines {
        line.push_str(&format!(" with {} contacts", group_digits(report.contacts)));
    }
    let _ = writeln!(
        std::io::stderr(),
        "{line} in {:.2} s",
        started.elapsed().as_secs_f64()
    );
}
