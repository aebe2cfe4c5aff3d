//! `icp diff`: what changing the rules does to the same leads.
//!
//! How it works: [`run`] compiles the two rule sets against the same loaded plugins and the
//! same `icp.toml` schema — OLD and NEW given as rule paths, or with `--base REV` the
//! working tree's rules (NEW, else the `rules` of icp.toml) and the same paths read from git
//! at REV ([`git`]); a side with rule errors prints them, names the side and exits 1. The
//! leads are read once, parsing the fields either side reads (and `company.name`, for the
//! list of movers). Batches are read a window at a time (twice the worker threads) and each
//! batch is taken by a pool thread through both sides in turn: the old side's plugins fill
//! the batch's signal columns and the columnar evaluator scores it, then the new side's do
//! the same (plugins are initialised once per side, as `icp score` does), and the two
//! results are folded into a partial [`DiffFigures`] (`icp_learn::diff`), merged into the
//! total on the main thread; the figures do not depend on the order batches are merged in.
//! The report ([`render`]) goes to standard output or `-o FILE`, written whole through an
//! [`OutputSet`]. The criteria of a mover are read off the results' columns: each `require`,
//! `exclude` and `score` line's truth (a check of an ICP with more than 64 checks of a kind,
//! kept whole without its explanation, shows its `score` lines only). With `--outcomes`, the
//! outcomes file is read whole (`icp_io::outcomes`) and each batch also counts, per side, a
//! backtest of its leads joined to their accounts (`icp_learn::backtest`, no criteria); the
//! two are attached to the report (`icp_learn::diff::outcomes`). Every lead is evaluated as
//! of `--as-of` (no per-deal dating). Unreadable rows of the leads and of the outcomes go to
//! `NAME.rejects.csv` beside their file, in the same [`OutputSet`] as the report.

mod git;
pub mod render;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use icp_engine::batch::Batch;
use icp_engine::ir::RuleSet;
use icp_engine::plan::Plan;
use icp_engine::result::{BatchResults, Check, set_bits};
use icp_engine::{Entity, FieldId};
use icp_io::outcomes::{Outcomes, OutcomesOptions, read_outcomes};
use icp_learn::backtest::{Backtest, IcpLead, IcpSpec, LeadRow};
use icp_learn::diff::{Criterion, CriterionState, DiffFigures, IcpShape, Side};
use icp_plugin_host::Signals;
use rayon::prelude::*;

use crate::OutFormat;
use crate::args::as_of_date;
use crate::cmd::backtest::{Joined, rejects_beside};
use crate::error::{RunError, UsageError};
use crate::outputs::{OutputSet, same_file};
use crate::project::Project;
use crate::setup::{LeadFiles, LeadSetup};
use crate::show::group_digits;
use render::DiffFormat;

/// What `icp diff` was asked for.
#[derive(Debug)]
pub struct DiffRequest {
    /// The positional rule paths: OLD and NEW, or with `--base` only NEW (optional).
    pub paths: Vec<PathBuf>,
    pub base: Option<String>,
    pub leads: Option<PathBuf>,
    pub contacts: Option<PathBuf>,
    pub input_format: Option<OutFormat>,
    pub as_of: Option<String>,
    /// An outcomes file: each tier's win figures before and after.
    pub outcomes: Option<PathBuf>,
    pub format: DiffFormat,
    pub output: Option<PathBuf>,
    pub top: usize,
    pub threads: Option<usize>,
}

/// The most movers listed per ICP (`--top`).
pub const MAX_TOP: usize = 1000;

/// `icp diff`: exit 0 when compared, 1 when either rule set has errors.
pub fn run(project: &Project, request: DiffRequest) -> Result<ExitCode, UsageError> {
    let usage = UsageError::Diff;
    if request.top > MAX_TOP {
        return Err(usage(format!("--top {}: at most {MAX_TOP}", request.top)));
    }
    if let Some(n) = request.threads
        && !(1..=crate::cmd::score::MAX_THREADS).contains(&n)
    {
        return Err(UsageError::Threads(n));
    }
    let host = project.load_plugins()?;
    let catalog = host.catalog();
    // The two sides' sources, with how the report names them.
    let (old_sources, new_paths, old_name, new_name, mut old_files) = match &request.base {
        Some(rev) => {
            if request.paths.len() > 1 {
                return Err(usage(
                    "with --base give at most one rule path (NEW); OLD is NEW at the revision"
                        .into(),
                ));
            }
            let new_paths = request.paths.clone();
            let roots: Vec<PathBuf> = if new_paths.is_empty() {
                project.config.rules.clone()
            } else {
                new_paths.iter().map(|p| project.cwd.join(p)).collect()
            };
            let sources = git::rules_at(project, rev, &roots)?;
            let shown = roots
                .iter()
                .map(|r| project.show(r))
                .collect::<Vec<_>>()
                .join(", ");
            (
                sources,
                new_paths,
                format!("{rev}:{shown}"),
                shown,
                Vec::new(),
            )
        }
        None => {
            let [old, new] = request.paths.as_slice() else {
                return Err(usage(
                    "give the OLD and NEW rule paths, or --base REV to compare with a git revision"
                        .into(),
                ));
            };
            let old_files = project.rule_files(std::slice::from_ref(old))?;
            let sources = project.read_sources(&old_files)?;
            let name = |p: &PathBuf| project.show(&project.cwd.join(p));
            (sources, vec![new.clone()], name(old), name(new), old_files)
        }
    };
    let Some((old, _)) = project.compile_sources_or_report(
        catalog,
        old_sources,
        "nothing was compared (the old rules)",
    ) else {
        return Ok(ExitCode::from(1));
    };
    let Some((new, _)) =
        project.compile_or_report(catalog, &new_paths, "nothing was compared (the new rules)")?
    else {
        return Ok(ExitCode::from(1));
    };
    let today = as_of_date(request.as_of.as_deref())?;
    let files = LeadFiles::settle(
        project,
        request.leads.clone(),
        request.contacts.clone(),
        request.input_format,
    )?;
    let old_signals = host.prepare(&old)?;
    let (old, old_signals) = with_thresholds(old, old_signals, &files, today, project)?;
    let new_signals = host.prepare(&new)?;
    let (new, new_signals) = with_thresholds(new, new_signals, &files, today, project)?;
    let signals = [old_signals, new_signals];
    let mut read = crate::inputs::files_read(project, &host, &new_paths, &files.paths());
    read.append(&mut old_files);
    let output = request
        .output
        .as_ref()
        .filter(|p| p.as_os_str() != "-")
        .map(|p| project.cwd.join(p));
    let outcomes_file = request.outcomes.as_ref().map(|p| project.cwd.join(p));
    if let Some(file) = &outcomes_file {
        if !file.exists() {
            return Err(UsageError::Missing(project.show(file)));
        }
        read.push(file.clone());
    }
    let shown = |p: &std::path::Path| project.show(p);
    // The report, the leads' rejects, the outcomes' rejects: written together.
    let leads_rejects = rejects_beside(&files.leads, &project.cwd);
    let outcomes_rejects = outcomes_file
        .as_deref()
        .map(|f| rejects_beside(f, &project.cwd));
    let mut targets: Vec<PathBuf> = output.iter().cloned().collect();
    let leads_index = targets.len();
    targets.push(leads_rejects.clone());
    let outcomes_index = targets.len();
    targets.extend(outcomes_rejects.clone());
    if let Some(out) = targets
        .iter()
        .find(|out| read.iter().any(|input| same_file(input, out)))
    {
        return Err(RunError::Overwrite { output: shown(out) }.into());
    }
    let mut outputs = OutputSet::new(&targets).map_err(|same| RunError::SameOutput {
        first: shown(&same.first),
        second: shown(&same.second),
    })?;
    let rejects_of = |outputs: &mut OutputSet, index: usize, path: &std::path::Path| {
        outputs
            .create(index)
            .map(|f| Box::new(std::io::BufWriter::new(f)) as Box<dyn Write + Send>)
            .map_err(|e| RunError::Write(shown(path), e))
    };
    let outcomes = match &outcomes_file {
        Some(file) => {
            let rejects = rejects_of(&mut outputs, outcomes_index, file)?;
            let options = OutcomesOptions {
                format: None,
                rejects: Some(rejects),
                raw_cells: false,
            };
            Some(
                read_outcomes(file, &project.config.outcomes, options)
                    .map_err(|e| RunError::Outcomes(e.to_string()))?,
            )
        }
        None => None,
    };
    let lead_rejects = rejects_of(&mut outputs, leads_index, &leads_rejects)?;
    let threads = request
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let (report, read_report) = compare(
        project,
        &files,
        [&old, &new],
        &signals,
        Options {
            today,
            top: request.top,
            threads,
            outcomes: outcomes.as_ref(),
            rejects: lead_rejects,
        },
    )?;
    let text = render::render(&report, request.format, &old_name, &new_name);
    match &output {
        None => {
            let _ = std::io::stdout().write_all(text.as_bytes());
        }
        Some(path) => {
            let mut file = outputs
                .create(0)
                .map_err(|e| UsageError::Write(shown(path), e))?;
            file.write_all(text.as_bytes())
                .and_then(|()| file.flush())
                .map_err(|e| UsageError::Write(shown(path), e))?;
        }
    }
    let leads_rejected = read_report.rejected + read_report.contacts_rejected;
    if leads_rejected == 0 {
        outputs.discard(leads_index);
    }
    let deals = outcomes.as_ref().map(|o| o.report());
    if outcomes_rejects.is_some() && deals.is_none_or(|d| d.rejected == 0) {
        outputs.discard(outcomes_index);
    }
    outputs
        .commit()
        .map_err(|(p, e)| UsageError::Write(shown(&p), e))?;
    let mut summary = String::new();
    if leads_rejected > 0 {
        summary.push_str(&format!(
            "{} rows of the leads could not be read and were left out (see {})\n",
            group_digits(leads_rejected),
            shown(&leads_rejects)
        ));
    }
    if let (Some(deals), Some(file), Some(rejects)) = (deals, &outcomes_file, &outcomes_rejects) {
        summary.push_str(&format!(
            "read {} deals from {}: {} rejected{}\n",
            group_digits(deals.rows_read),
            shown(file),
            group_digits(deals.rejected),
            if deals.rejected > 0 {
                format!(" (see {})", shown(rejects))
            } else {
                String::new()
            },
        ));
        for line in deals.lines().into_iter().skip(1) {
            summary.push_str(&line);
            summary.push('\n');
        }
    }
    let _ = std::io::stderr().write_all(summary.as_bytes());
    Ok(ExitCode::SUCCESS)
}

/// How the leads are compared.
struct Options<'o> {
    today: i32,
    top: usize,
    threads: usize,
    outcomes: Option<&'o Outcomes>,
    /// Where the rows that cannot be read go.
    rejects: Box<dyn Write + Send>,
}

/// An ICP's name and tiers, as the figures pair them.
fn shapes(rules: &RuleSet) -> Vec<IcpShape> {
    rules
        .icps
        .iter()
        .map(|icp| IcpShape {
            name: icp.name.clone(),
            tiers: icp.tiers.iter().map(|t| t.name.clone()).collect(),
        })
        .collect()
}

/// The counts of one side against the outcomes: per ICP and tier, as `icp backtest` counts
/// them (no criteria).
fn backtest_of(rules: &RuleSet) -> Backtest {
    Backtest::new(
        rules
            .icps
            .iter()
            .map(|icp| IcpSpec {
                name: icp.name.clone(),
                tiers: icp.tiers.iter().map(|t| t.name.clone()).collect(),
                criteria: Vec::new(),
            })
            .collect(),
    )
}

/// What a batch adds up to: the diff's figures and, with outcomes, each side's backtest.
struct Part {
    figures: DiffFigures,
    backtests: Option<[Backtest; 2]>,
}

/// Reads every lead once and folds both sides' results into the report; also gives the
/// reader's report (rows read and rejected).
fn compare(
    project: &Project,
    files: &LeadFiles,
    sides: [&RuleSet; 2],
    signals: &[Signals<'_>; 2],
    options: Options<'_>,
) -> Result<(icp_learn::diff::DiffReport, icp_io::ReadReport), RunError> {
    let [old, new] = sides;
    let schema = &new.schema;
    // The fields either side reads, the name for the movers, the domain to join outcomes.
    let mut fields: Vec<bool> = old
        .fields_read()
        .iter()
        .zip(new.fields_read())
        .map(|(a, b)| *a || b)
        .collect();
    let name = schema.lookup(Entity::Company, "name");
    let domain = schema
        .lookup(Entity::Company, "domain")
        .filter(|_| options.outcomes.is_some());
    for f in name.iter().chain(&domain) {
        fields[f.0 as usize] = true;
    }
    let plans = [Plan::new(old), Plan::new(new)];
    let empty = DiffFigures::new(&shapes(old), &shapes(new), options.top);
    let empty_backtests = options
        .outcomes
        .map(|_| [backtest_of(old), backtest_of(new)]);
    let threads = options.threads;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| RunError::Threads(threads, e.to_string()))?;
    let mut reader = pool.install(|| {
        files.open_reader(
            schema,
            &project.config,
            Some(options.rejects),
            Some(fields),
            false,
        )
    })?;
    let mut total = empty.clone();
    let mut backtests = empty_backtests.clone();
    let mut next_lead: u64 = 0;
    let window = threads * 2;
    loop {
        let mut batches: Vec<(u64, Batch)> = Vec::with_capacity(window);
        while batches.len() < window {
            let Some(batch) = pool.install(|| reader.next()) else {
                break;
            };
            let batch = batch?;
            let start = next_lead;
            next_lead += batch.len() as u64;
            batches.push((start, batch));
        }
        if batches.is_empty() {
            break;
        }
        let context = Context {
            sides,
            plans: &plans,
            signals,
            today: options.today,
            name,
            domain,
            outcomes: options.outcomes,
            empty: &empty,
            empty_backtests: empty_backtests.as_ref(),
        };
        let parts: Vec<Result<Part, RunError>> = pool.install(|| {
            batches
                .into_par_iter()
                .map(|(start, batch)| context.figures(start, batch))
                .collect()
        });
        for part in parts {
            let part = part?;
            total.merge(part.figures);
            if let (Some(mine), Some(theirs)) = (&mut backtests, part.backtests) {
                let [o, n] = theirs;
                mine[0].merge(o);
                mine[1].merge(n);
            }
        }
    }
    let mut report = total.report();
    if let Some([o, n]) = backtests {
        // Accounts that matched no lead are the backtest's concern, not the diff's.
        icp_learn::diff::outcomes::attach(&mut report, &o.finish(0), &n.finish(0));
    }
    Ok((report, reader.into_report()))
}

/// What every batch is compared with.
struct Context<'a, 'h> {
    sides: [&'a RuleSet; 2],
    plans: &'a [Plan; 2],
    signals: &'a [Signals<'h>; 2],
    today: i32,
    name: Option<FieldId>,
    /// `company.domain`, read to join the outcomes.
    domain: Option<FieldId>,
    outcomes: Option<&'a Outcomes>,
    empty: &'a DiffFigures,
    empty_backtests: Option<&'a [Backtest; 2]>,
}

impl Context<'_, '_> {
    /// The figures of one batch, whose first lead is lead number `start`.
    fn figures(&self, start: u64, mut batch: Batch) -> Result<Part, RunError> {
        let mut results = Vec::with_capacity(2);
        for side in 0..2 {
            // Each side's plugins fill the signal columns its own calls are numbered for.
            self.signals[side].fill(&mut batch, self.today)?;
            results.push(icp_engine::eval::columnar::evaluate_columns(
                self.sides[side],
                &self.plans[side],
                &batch,
                self.today,
            ));
        }
        let mut figures = self.empty.clone();
        let pairs = figures.pairs().to_vec();
        for lead in 0..batch.len() {
            figures.count_lead();
            for (pair, &(oi, ni)) in pairs.iter().enumerate() {
                let side = |r: &BatchResults, icp: Option<usize>| {
                    icp.map(|i| {
                        let (tier, score) = r.tier_and_score(lead, i);
                        Side { tier, score }
                    })
                };
                let (o, n) = (side(&results[0], oi), side(&results[1], ni));
                figures.add(start + lead as u64, pair, o, n, || {
                    let id = batch.ids.get(lead).unwrap_or_default().to_string();
                    let name = self
                        .name
                        .and_then(|f| batch.company[f.0 as usize].text(lead))
                        .map(str::to_string);
                    (
                        id,
                        name,
                        criteria(&results[0], lead, oi),
                        criteria(&results[1], lead, ni),
                    )
                });
            }
        }
        let backtests = match (self.outcomes, self.empty_backtests) {
            (Some(outcomes), Some(empty)) => {
                Some(self.count_outcomes(outcomes, empty, &batch, &results))
            }
            _ => None,
        };
        Ok(Part { figures, backtests })
    }

    /// Each side's backtest of the batch: every lead with its account's outcome.
    fn count_outcomes(
        &self,
        outcomes: &Outcomes,
        empty: &[Backtest; 2],
        batch: &Batch,
        results: &[BatchResults],
    ) -> [Backtest; 2] {
        let mut counts = [empty[0].empty_like(), empty[1].empty_like()];
        for lead in 0..batch.len() {
            let domain = self
                .domain
                .and_then(|f| batch.company[f.0 as usize].text(lead));
            let joined = Joined::of(outcomes.account(&batch.ids[lead], domain));
            for (side, count) in counts.iter_mut().enumerate() {
                let rules = self.sides[side];
                let row = LeadRow {
                    outcome: joined.outcome,
                    amount_won: joined.amount_won,
                    icps: (0..rules.icps.len())
                        .map(|i| {
                            let (tier, score) = results[side].tier_and_score(lead, i);
                            IcpLead {
                                score,
                                max_score: rules.icps[i].max_score,
                                tier,
                                truths: Vec::new(),
                            }
                        })
                        .collect(),
                };
                count.add(&row);
            }
        }
        counts
    }
}

/// Each `require`, `exclude` and `score` line of ICP `icp` for lead `lead`: its truth and the
/// points it gave (before group caps).
fn criteria(results: &BatchResults, lead: usize, icp: Option<usize>) -> Vec<Criterion> {
    let Some(icp) = icp else {
        return Vec::new();
    };
    let def = &results.rules().icps[icp];
    let state = |truth: &'static str, points: f64| CriterionState { truth, points };
    if let Some(whole) = results.whole_result(lead, icp) {
        return def
            .scores
            .iter()
            .map(|s| {
                let holds = whole.matched.contains(&s.label.as_str());
                Criterion {
                    kind: "score",
                    label: s.label.clone(),
                    state: state(
                        if holds { "true" } else { "false" },
                        if holds { s.points } else { 0.0 },
                    ),
                }
            })
            .collect();
    }
    let columns = results.columns(icp);
    let unknown: Vec<Check> = columns.unknowns(lead).iter().map(|u| u.check).collect();
    let truth = |set: bool, check: Check, when_set: &'static str, otherwise: &'static str| {
        if set {
            when_set
        } else if unknown.contains(&check) {
            "unknown"
        } else {
            otherwise
        }
    };
    let bits = |word: u64| set_bits(word).collect::<Vec<_>>();
    let (failed, excluded, matched) = (
        bits(columns.failed[lead]),
        bits(columns.excluded[lead]),
        bits(columns.matched[lead]),
    );
    let mut list = Vec::new();
    for (i, c) in def.requires.iter().enumerate() {
        let t = truth(failed.contains(&i), Check::Require(i), "false", "true");
        list.push(Criterion {
            kind: "require",
            label: c.label.clone(),
            state: state(t, 0.0),
        });
    }
    for (i, c) in def.excludes.iter().enumerate() {
        let t = truth(excluded.contains(&i), Check::Exclude(i), "true", "false");
        list.push(Criterion {
            kind: "exclude",
            label: c.label.clone(),
            state: state(t, 0.0),
        });
    }
    for (i, s) in def.scores.iter().enumerate() {
        let holds = matched.contains(&i);
        let t = truth(holds, Check::Score(i), "true", "false");
        let points = if holds { s.points } else { 0.0 };
        list.push(Criterion {
            kind: "score",
            label: s.label.clone(),
            state: state(t, points),
        });
    }
    list
}

/// `rules` with its relative thresholds (`percentile`, `median`, `top` tiers) computed over
/// every lead as `icp score` computes them: each side of a diff gets passes of its own.
fn with_thresholds<'h>(
    rules: RuleSet,
    signals: Signals<'h>,
    files: &LeadFiles,
    today: i32,
    project: &Project,
) -> Result<(RuleSet, Signals<'h>), UsageError> {
    let mut setup = LeadSetup {
        rules,
        signals,
        files: files.clone(),
        today,
        read: Vec::new(),
        progress: false,
    };
    crate::thresholds::prepare(&mut setup, &project.config)?;
    Ok((setup.rules, setup.signals))
}
