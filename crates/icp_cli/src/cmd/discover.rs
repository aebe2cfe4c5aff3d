//! `icp discover`: what the best customers have in common, ranked, and a draft ICP from it.
//!
//! How it works: the best customers come from `--customers` ([`customers`]) or are the won
//! accounts of `--outcomes` ([`best`]); the rules (for
//! their personas and signal calls), plugins and lead files are prepared as for `icp score`
//! ([`LeadSetup`]: `--leads`, else `[score]` of icp.toml). The leads are read once, batch by
//! batch on the pool, every field parsed, signals filled; each batch is counted
//! ([`count::count_batch`]: per attribute value, by dictionary code) and the tallies merged.
//! The counts become candidates — every value of a text, list or bool field, signal or
//! persona held by a best customer, and per number field the band chosen by
//! `icp_learn::discover::bands` — which `icp_learn::discover::rank` tests and ranks. The report
//! goes to standard output or `-o` ([`report`]); `--draft` writes a rule file ([`draft`]).
//! The files written (report, draft, the rejects of the leads and of the outcomes, beside
//! their files) form one [`OutputSet`], put in place together when the run succeeds.

mod best;
mod count;
mod customers;
mod draft;
mod report;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use icp_io::ReadReport;
use icp_io::outcomes::{OutcomesOptions, read_outcomes};
use icp_learn::discover::bands::best_band;
use icp_learn::discover::draft::{number, string_literal};
use icp_learn::discover::{Base, Candidate, Population, rank};
use rayon::iter::{ParallelBridge, ParallelIterator};

use crate::cmd::backtest::rejects_beside;
use crate::error::{RunError, UsageError};
use crate::outputs::{OutputSet, same_file};
use crate::project::Project;
use crate::setup::LeadSetup;
use crate::show::group_digits;
use crate::{Format, LeadArgs};

use best::{Best, WonAccounts};
use count::{How, Lane, Source, Tally};
use customers::Customers;

/// Where the best customers come from.
#[derive(Debug)]
pub enum BestSource {
    /// `--customers FILE`.
    Customers(PathBuf),
    /// `--outcomes FILE`: its won accounts.
    Outcomes(PathBuf),
}

/// What `icp discover` was asked for besides its input.
#[derive(Debug)]
pub struct DiscoverRequest {
    pub best: BestSource,
    pub draft: Option<PathBuf>,
    pub attributes: usize,
    pub format: Format,
    pub output: Option<PathBuf>,
    pub base: Base,
}

/// `icp discover`: exit 0 when the report is written, 1 when the rule set has errors.
pub fn run(
    project: &Project,
    input: LeadArgs,
    request: DiscoverRequest,
) -> Result<ExitCode, UsageError> {
    if !(1..=50).contains(&request.attributes) {
        return Err(UsageError::Attributes(request.attributes));
    }
    let shown = |p: &Path| project.show(p);
    let (best_path, listed) = match &request.best {
        BestSource::Customers(p) => {
            let path = project.cwd.join(p);
            let customers = Customers::read(&path, &shown(&path))?;
            (path, Some(customers))
        }
        BestSource::Outcomes(p) => {
            let path = project.cwd.join(p);
            if !path.exists() {
                return Err(UsageError::Missing(shown(&path)));
            }
            (path, None)
        }
    };
    let host = project.load_plugins()?;
    let Some(setup) = LeadSetup::prepare(project, &host, input)? else {
        return Ok(ExitCode::from(1));
    };
    let output = request
        .output
        .as_ref()
        .filter(|p| p.as_os_str() != "-")
        .map(|p| project.cwd.join(p));
    let draft_path = request.draft.as_ref().map(|p| project.cwd.join(p));
    let leads_rejects = rejects_beside(&setup.files.leads, &project.cwd);
    let outcomes_rejects = listed
        .is_none()
        .then(|| rejects_beside(&best_path, &project.cwd));
    let mut targets: Vec<PathBuf> = output.iter().chain(&draft_path).cloned().collect();
    let leads_index = targets.len();
    targets.push(leads_rejects.clone());
    let outcomes_index = targets.len();
    targets.extend(outcomes_rejects.clone());
    for written in &targets {
        if setup
            .read
            .iter()
            .chain([&best_path])
            .any(|r| same_file(r, written))
        {
            return Err(RunError::Overwrite {
                output: shown(written),
            }
            .into());
        }
    }
    let mut outputs = OutputSet::new(&targets).map_err(|same| RunError::SameOutput {
        first: shown(&same.first),
        second: shown(&same.second),
    })?;
    let rejects_of = |outputs: &mut OutputSet, index: usize, path: &Path| {
        outputs
            .create(index)
            .map(|f| Box::new(std::io::BufWriter::new(f)) as Box<dyn Write + Send>)
            .map_err(|e| RunError::Write(shown(path), e))
    };
    let best = match listed {
        Some(customers) => Best::Listed(customers),
        None => {
            let rejects = rejects_of(&mut outputs, outcomes_index, &best_path)?;
            let outcomes = read_outcomes(
                &best_path,
                &project.config.outcomes,
                OutcomesOptions {
                    format: None,
                    rejects: Some(rejects),
                    raw_cells: false,
                },
            )
            .map_err(|e| RunError::Outcomes(e.to_string()))?;
            Best::Won(WonAccounts::new(outcomes))
        }
    };
    let lead_rejects = rejects_of(&mut outputs, leads_index, &leads_rejects)?;

    let rules = &setup.rules;
    let sources = count::sources(rules);
    let (tally, read) = count_leads(
        project,
        &setup,
        &sources,
        &best,
        lead_rejects,
        draft_path.is_some(),
    )?;
    let population = Population {
        best: tally.best,
        all: tally.leads,
        base: request.base,
    };
    let (candidates, tried) = candidates(&sources, &tally, population);
    let findings = rank(population, candidates, tried);
    let mut matched = tally.matched.clone();
    matched.sort_unstable();
    matched.dedup();
    let header = report::Header {
        population,
        customers: best.entries(),
        not_found: best.entries() - matched.len(),
        tried,
    };
    let text = match request.format {
        Format::Text => report::text(&header, &findings),
        Format::Json => report::json(&header, &findings),
    };
    if let Some(path) = &draft_path {
        let mut best_leads = tally.best_leads;
        best_leads.sort_by(|a, b| a.0.cmp(&b.0));
        let draft = draft::build(&draft::DraftInput {
            rules,
            sources: &sources,
            findings: &findings,
            attributes: request.attributes,
            population,
            best_leads: &best_leads,
            today: setup.today,
        })
        .map_err(UsageError::Draft)?;
        let index = output.iter().count();
        let mut file = outputs
            .create(index)
            .map_err(|e| RunError::Write(shown(path), e))?;
        file.write_all(draft.as_bytes())
            .map_err(|e| RunError::Write(shown(path), e))?;
    }
    match &output {
        Some(path) => {
            let mut file = outputs
                .create(0)
                .map_err(|e| RunError::Write(shown(path), e))?;
            file.write_all(text.as_bytes())
                .map_err(|e| RunError::Write(shown(path), e))?;
        }
        None => {
            let _ = std::io::stdout().write_all(text.as_bytes());
        }
    }
    let leads_rejected = read.rejected + read.contacts_rejected;
    if leads_rejected == 0 {
        outputs.discard(leads_index);
    }
    let deals_rejected = match &best {
        Best::Won(won) => won.outcomes().report().rejected,
        Best::Listed(_) => 0,
    };
    if outcomes_rejects.is_some() && deals_rejected == 0 {
        outputs.discard(outcomes_index);
    }
    outputs
        .commit()
        .map_err(|(path, e)| RunError::Write(shown(&path), e))?;
    let mut summary = String::new();
    if leads_rejected > 0 {
        summary.push_str(&format!(
            "{} rows of the leads could not be read and were left out (see {})\n",
            group_digits(leads_rejected),
            shown(&leads_rejects)
        ));
    }
    if let (Best::Won(won), Some(rejects)) = (&best, &outcomes_rejects) {
        let deals = won.outcomes().report();
        summary.push_str(&format!(
            "read {} deals from {}: {} rejected{}; {} won accounts\n",
            group_digits(deals.rows_read),
            shown(&best_path),
            group_digits(deals.rejected),
            if deals.rejected > 0 {
                format!(" (see {})", shown(rejects))
            } else {
                String::new()
            },
            group_digits(best.entries() as u64),
        ));
        for line in deals.lines().into_iter().skip(1) {
            summary.push_str(&line);
            summary.push('\n');
        }
    }
    if header.not_found > 0 {
        summary.push_str(&format!(
            "{} of {} {} in {} were not found among the leads\n",
            header.not_found,
            header.customers,
            best.noun(),
            shown(&best_path)
        ));
    }
    let _ = std::io::stderr().write_all(summary.as_bytes());
    Ok(ExitCode::SUCCESS)
}

/// Reads every lead once and counts the attributes of the sources; the reader's report
/// tells how many rows were rejected (written to `rejects`).
fn count_leads(
    project: &Project,
    setup: &LeadSetup,
    sources: &[Source],
    best: &Best,
    rejects: Box<dyn Write + Send>,
    keep_best: bool,
) -> Result<(Tally, ReadReport), RunError> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| RunError::Threads(threads, e.to_string()))?;
    let (rules, signals, today) = (&setup.rules, &setup.signals, setup.today);
    let personas = count::Personas::new(rules);
    let fields = count::fields_read(rules, sources);
    pool.install(|| {
        let mut reader = setup.open_reader(&project.config, Some(rejects), Some(fields), false)?;
        let progress = setup.show_progress("reading", &reader);
        let tally = reader
            .by_ref()
            .par_bridge()
            .map(|batch| -> Result<Tally, RunError> {
                let mut batch = batch?;
                signals.fill(&mut batch, today)?;
                Ok(count::count_batch(
                    rules, &personas, sources, best, &batch, today, keep_best,
                ))
            })
            .try_reduce(|| Tally::new(sources.len()), |a, b| Ok(a.merge(b)))?;
        drop(progress);
        Ok((tally, reader.into_report()))
    })
}

/// The candidates of the counts, and the number of attributes tried (every value held by a
/// best customer, and every band tried).
fn candidates(
    sources: &[Source],
    tally: &Tally,
    population: Population,
) -> (Vec<Candidate>, usize) {
    let mut candidates = Vec::new();
    let mut tried = 0;
    for (s, source) in sources.iter().enumerate() {
        let target = |op: &str, literal: &str| match source.lane {
            Lane::Contact(_) => format!("any contact where {} {op} {literal}", source.name),
            _ => format!("{} {op} {literal}", source.name),
        };
        if source.ty == icp_engine::schema::Type::NUMBER && source.how == How::Values {
            let bands = best_band(
                &tally.numbers[s],
                population.best,
                population.all,
                population.base == Base::Rest,
            );
            tried += bands.tried;
            if let Some(band) = bands.chosen {
                let (lo, hi) = (number(band.lo), number(band.hi));
                candidates.push(Candidate {
                    field: source.name.clone(),
                    value: format!("{lo}..{hi}"),
                    condition: format!("{} between {lo} and {hi}", source.name),
                    draftable: true,
                    held_best: band.held_best,
                    held_all: band.held_all,
                });
            }
            continue;
        }
        let mut keys: Vec<(&String, &(u64, u64))> = tally.keys[s].iter().collect();
        keys.sort();
        for (key, &(held_best, held_all)) in keys {
            if held_best == 0 {
                continue;
            }
            tried += 1;
            let (value, condition, draftable) = match source.how {
                How::Persona(_) => (key.clone(), format!("any contact where {key}"), false),
                How::Words => (
                    key.clone(),
                    format!("any contact where {} matches /\\b{key}\\b/i", source.name),
                    true,
                ),
                How::Values if source.ty == icp_engine::schema::Type::BOOL => {
                    (key.clone(), target("==", key), true)
                }
                How::Values => {
                    let value = if source.country && key.len() == 2 {
                        key.to_uppercase()
                    } else {
                        key.clone()
                    };
                    let op = if source.ty.is_list() { "has" } else { "==" };
                    let condition = target(op, &string_literal(&value));
                    (value, condition, true)
                }
            };
            candidates.push(Candidate {
                field: source.name.clone(),
                value,
                condition,
                draftable,
                held_best,
                held_all,
            });
        }
    }
    (candidates, tried)
}
