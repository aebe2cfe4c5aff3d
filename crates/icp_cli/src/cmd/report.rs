//! `icp report`: one self-contained HTML page of a lead set against the rules, for people
//! who look at pictures before tables (docs/report.md).
//!
//! How it works: the rules, plugins and lead files are prepared as for `icp score`
//! ([`LeadSetup`], relative thresholds resolved first as `icp backtest` does). One pass reads
//! the leads in windows of batches (two per thread), each batch evaluated on the pool as `icp
//! score` evaluates it (`score::evaluate`, with each contact's personas) and counted twice:
//! by the score summary itself ([`Summary`], so the page's numbers are the summary's) and by
//! the report's own counts (`collect`: score bands, funnel, missing fields per ICP, best
//! leads per tier with their contacts); the parts merge in input order. With `--outcomes`,
//! the backtest runs unchanged (`backtest::evaluate`, each lead as of its deal's created
//! date) and its report is taken whole. `data` puts it all into one value, `page` and
//! `sections` write the HTML with `charts` (plotters to inline SVG) and embed the value as
//! JSON. The page is written through an [`OutputSet`] (whole or not at all); no rejects file
//! is written (rejected rows are counted: `icp score` writes them). `--open` hands the file
//! to the platform's opener (`open` on macOS, `xdg-open` elsewhere) when there is one, else
//! says where the file is.

mod charts;
mod collect;
mod data;
mod page;
mod sections;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use icp_engine::plan::Plan;
use icp_engine::result::COLUMN_CHECKS;
use icp_io::contact_rows::contact_fields_read;
use icp_io::outcomes::{OutcomesOptions, read_outcomes};
use rayon::prelude::*;

use self::collect::{Collected, ContactFields};
use self::data::{Inputs, ReadCounts, ReportData, date_text};
use crate::LeadArgs;
use crate::error::{RunError, UsageError};
use crate::outputs::{OutputSet, same_file};
use crate::project::Project;
use crate::setup::LeadSetup;
use crate::summary::{Summary, reader_lines};

/// What `icp report` was asked for besides the leads.
#[derive(Debug)]
pub struct ReportRequest {
    pub outcomes: Option<PathBuf>,
    pub output: PathBuf,
    pub open: bool,
}

/// `icp report`: exit 0 when the page is written, 1 when the rule set has errors.
pub fn run(
    project: &Project,
    input: LeadArgs,
    request: ReportRequest,
) -> Result<ExitCode, UsageError> {
    if request.output.as_os_str() == "-" {
        return Err(UsageError::Report(
            "-o needs a file name: the report is a page to open, not standard output".to_string(),
        ));
    }
    let host = project.load_plugins()?;
    let Some(mut setup) = LeadSetup::prepare(project, &host, input)? else {
        return Ok(ExitCode::from(1));
    };
    crate::thresholds::prepare(&mut setup, &project.config)?;
    let cwd = &project.cwd;
    let outcomes = request.outcomes.map(|p| cwd.join(p));
    // The backtest reads the leads a second time, which standard input cannot give.
    if outcomes.is_some() && setup.files.reads_stdin() {
        return Err(UsageError::Report(
            "--outcomes reads the leads twice (once as of each deal's date), and standard \
             input cannot be read twice: write them to a file and give --leads FILE"
                .to_string(),
        ));
    }
    if let Some(file) = &outcomes
        && !file.exists()
    {
        return Err(UsageError::Missing(project.show(file)));
    }
    let output = cwd.join(&request.output);
    let written = report(project, &setup, outcomes.as_deref(), &output)?;
    if request.open {
        open(project, &written);
    }
    Ok(ExitCode::SUCCESS)
}

/// Computes the report and writes the page to `output`; returns its path.
fn report(
    project: &Project,
    setup: &LeadSetup,
    outcomes_file: Option<&Path>,
    output: &Path,
) -> Result<PathBuf, RunError> {
    let shown = |p: &Path| project.show(p);
    let mut inputs = setup.read.iter().map(PathBuf::as_path).chain(outcomes_file);
    if inputs.any(|input| same_file(input, output)) {
        return Err(RunError::Overwrite {
            output: shown(output),
        });
    }
    let targets = [output.to_path_buf()];
    let mut outputs = OutputSet::new(&targets).map_err(|same| RunError::SameOutput {
        first: shown(&same.first),
        second: shown(&same.second),
    })?;
    let (summary, collected, read) = score_pass(project, setup)?;
    let backtest = match outcomes_file {
        None => None,
        Some(file) => {
            let outcomes = read_outcomes(
                file,
                &project.config.outcomes,
                OutcomesOptions {
                    format: None,
                    rejects: None,
                    raw_cells: false,
                },
            )
            .map_err(|e| RunError::Outcomes(e.to_string()))?;
            Some(crate::cmd::backtest::evaluate(project, setup, &outcomes, None)?.report)
        }
    };
    let rules = &setup.rules;
    let files = &setup.files;
    let data = ReportData::build(
        rules,
        date_text(setup.today),
        Inputs {
            leads: files.leads_shown(project),
            contacts: files.contacts.as_deref().map(shown),
            outcomes: outcomes_file.map(shown),
        },
        ReadCounts {
            rows_read: read.rows_read,
            leads: read.leads,
            rejected: read.rejected,
            contacts_joined: read.contacts_matched,
        },
        summary.figures(rules),
        collected,
        backtest,
    );
    let html = page::render(&data);
    let write_err = |e| RunError::Write(shown(output), e);
    let mut file = outputs.create(0).map_err(write_err)?;
    file.write_all(html.as_bytes()).map_err(write_err)?;
    drop(file);
    outputs
        .commit()
        .map_err(|(path, e)| RunError::Write(shown(&path), e))?;
    let mut text = reader_lines(
        &read,
        &files.leads_shown(project),
        files.contacts.as_deref().map(shown),
        None,
    );
    text.push_str(&format!("report written to {}\n", shown(output)));
    let _ = std::io::stderr().write_all(text.as_bytes());
    Ok(output.to_path_buf())
}

/// Reads and evaluates every lead once, counting the summary and the report's own figures.
fn score_pass(
    project: &Project,
    setup: &LeadSetup,
) -> Result<(Summary, Collected, icp_io::ReadReport), RunError> {
    let rules = &setup.rules;
    let plan = Plan::new(rules);
    // An ICP with more checks of a kind than the columns hold is evaluated whole, with its
    // checks, so that the funnel can read each clause's outcome.
    let whole = rules.icps.iter().any(|icp| {
        [icp.requires.len(), icp.excludes.len(), icp.scores.len()]
            .iter()
            .any(|n| *n > COLUMN_CHECKS)
    });
    let fields = ContactFields::of(rules);
    let mut read = rules.fields_read();
    contact_fields_read(&rules.schema, &mut read);
    let pool = crate::cmd::score::worker_pool(None)?;
    let threads = pool.current_num_threads();
    let mut reader =
        pool.install(|| setup.open_reader(&project.config, None, Some(read), false))?;
    let mut summary = Summary::new(rules);
    let mut collected = Collected::new(rules);
    let mut seq = 0;
    loop {
        let mut window = Vec::with_capacity(threads * 2);
        while window.len() < threads * 2 {
            match pool.install(|| reader.next()) {
                Some(batch) => window.push((seq + window.len(), batch?)),
                None => break,
            }
        }
        if window.is_empty() {
            break;
        }
        seq += window.len();
        let parts: Vec<Result<(Summary, Collected), RunError>> = pool.install(|| {
            window
                .into_par_iter()
                .map(|(seq, mut batch)| {
                    setup.signals.fill(&mut batch, setup.today)?;
                    let (results, personas) =
                        crate::cmd::score::evaluate(rules, &plan, &batch, setup.today, whole, true);
                    let mut part = Summary::new(rules);
                    part.add_batch(&results);
                    part.count_values(&batch);
                    let mut counts = Collected::new(rules);
                    if let Some(personas) = &personas {
                        counts.add_batch(seq, &batch, &results, personas, fields);
                    }
                    Ok((part, counts))
                })
                .collect()
        });
        for part in parts {
            let (part, counts) = part?;
            summary.merge(part);
            collected.merge(counts);
        }
    }
    Ok((summary, collected, reader.into_report()))
}

/// Opens the page with the platform's opener, or says where it is.
fn open(project: &Project, page: &Path) {
    let shown = project.show(page);
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let found = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(opener).is_file()));
    let opened = found
        && std::process::Command::new(opener)
            .arg(page)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
    let _ = if opened {
        writeln!(std::io::stderr(), "opened {shown} with {opener}")
    } else {
        writeln!(
            std::io::stderr(),
            "no browser opener ({opener}) found: open {shown} in a browser"
        )
    };
}
