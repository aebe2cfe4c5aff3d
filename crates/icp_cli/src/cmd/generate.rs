//! `icp gen`: write a realistic, deterministic lead set for demos, tests and benchmarks.
//!
//! How it works: the arguments become `icp_gen`'s options (the contacts range parsed from
//! `A..B`, the format from `--format` or the output's extension, the messiness checked to lie
//! in 0..=1); the generator writes the companies (to a file or standard output) and, in CSV,
//! the contacts to `--contacts-out`, and `--signals-dir` adds matching data for the shipped
//! plugins and `--deals-out` a deals file drawn from the generator's planted ICP. One line on
//! stderr says what was written and how long it took.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::OutFormat;
use crate::args::file_format;
use crate::error::UsageError;
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
    let cwd = &project.cwd;
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
    let code = generate_leads(
        cwd,
        &options,
        &request.output,
        request.contacts_out.as_deref(),
    )?;
    if let Some(dir) = request.signals_dir {
        let dir = cwd.join(dir);
        let report = icp_gen::signals::write_signals(&options, &dir)
            .map_err(|e| UsageError::Write(display(cwd, &dir), e))?;
        let _ = writeln!(
            std::io::stderr(),
            "wrote signal data to {}: {} funding records, {} event records, {} job changes, {} champions",
            display(cwd, &dir),
            group_digits(report.funding),
            group_digits(report.events),
            group_digits(report.job_changes),
            group_digits(report.champions),
        );
    }
    if let Some(path) = request.deals_out {
        let file = cwd.join(&path);
        let shape = match request.deals_preset {
            DealsShape::Plain => icp_gen::deals::DealsPreset::Plain,
            DealsShape::Hubspot => icp_gen::deals::DealsPreset::Hubspot,
        };
        let write_err = |e| UsageError::Write(display(cwd, &file), e);
        let mut out = std::fs::File::create(&file)
            .map(|f| std::io::BufWriter::with_capacity(1 << 16, f))
            .map_err(write_err)?;
        let report =
            icp_gen::deals::generate_deals(&options, shape, &mut out).map_err(write_err)?;
        let _ = writeln!(
            std::io::stderr(),
            "wrote {} deals of {} companies to {}: {} won, {} lost, {} open",
            group_digits(report.deals),
            group_digits(report.companies),
            display(cwd, &file),
            group_digits(report.won),
            group_digits(report.lost),
            group_digits(report.open),
        );
    }
    Ok(code)
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

/// Writes a generated lead set and prints one line of what was written.
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
        group_digits(report.companies),
        if to_stdout {
            "standard output".to_string()
        } else {
            display(cwd, &cwd.join(output))
        }
    );
    if let Some(path) = contacts_out {
        line.push_str(&format!(
            " and {} contacts to {}",
            group_digits(report.contacts),
            display(cwd, &cwd.join(path))
        ));
    } else if options.format == icp_gen::Format::JsonLines {
        line.push_str(&format!(" with {} contacts", group_digits(report.contacts)));
    }
    let _ = writeln!(
        std::io::stderr(),
        "{line} in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}
