//! `icp backtest`: how the leads of each tier of each ICP turned out, against an outcomes file.
//!
//! How it works: the rules, plugins and lead files are prepared as for `icp score`
//! ([`LeadSetup`]); the outcomes file (`--outcomes`, else `[outcomes] file` of icp.toml) is
//! read whole into accounts (`icp_io::outcomes`). Leads stream in batches, a window of them
//! (two per thread) evaluated at once on the pool, and each lead is joined to its account by
//! company id, else domain. **No leakage:** a lead whose account has a created date D is
//! evaluated as of D — `today` for the evaluator and for every plugin signal — and the other
//! leads as of `--as-of` (or today). A batch's undated leads are evaluated as of `--as-of`
//! (the whole batch when most of its leads are undated, else only those, selected); its
//! dated leads are copied out ([`Batch::select`]) and kept, so memory grows with the dated
//! leads only. Once every batch is read, the dated leads are sorted by date and gathered
//! ([`Batch::gather`]) into batches of [`DATED_BATCH`] leads, each lead with its own date
//! ([`AsOf::PerLead`]): the evaluator reads every lead's `today` from it in one run, and the
//! plugins are asked once per signal and distinct date of the batch
//! ([`Signals::fill_as_of`](icp_plugin_host::Signals::fill_as_of)), few since the leads are
//! in date order. The result is the same as evaluating each date's leads on their own
//! (tests/evaluator_props.rs, crates/icp_cli/tests/backtest.rs). Each evaluated lead becomes
//! one row of the backtest (`icp_learn`): per ICP its score, tier and the truth of every
//! criterion, read off the result columns (and persona truths folded over the contacts);
//! partial backtests are merged in input order, so the report is the same on any number of
//! threads. The report (text, JSON or markdown) goes to `-o` or standard output; the rejected
//! rows of the leads and of the outcomes file go beside their files (`NAME.rejects.csv`),
//! created only when a row is rejected; a summary goes to stderr.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use icp_engine::batch::Batch;
use icp_engine::eval::AsOf;
use icp_engine::ir::RuleSet;
use icp_engine::plan::Plan;
use icp_engine::result::{BatchResults, COLUMN_CHECKS, Check, CheckKind};
use icp_engine::schema::Entity;
use icp_engine::semantics::Truth;
use icp_io::ReadReport;
use icp_io::outcomes::{
    Account, AccountKey, DealOutcome, Outcomes, OutcomesOptions, read_outcomes,
};
use icp_learn::backtest::{
    Backtest, Criterion, CriterionKind, IcpLead, IcpSpec, LeadRow, Outcome, Report,
};
use rayon::prelude::*;

use crate::LeadArgs;
use crate::error::{RunError, UsageError};
use crate::outputs::{OutputSet, same_file};
use crate::project::Project;
use crate::setup::LeadSetup;
use crate::show::group_digits;
use crate::summary::reader_lines;

/// The most dated leads evaluated in one call (of one date or of several).
pub const DATED_BATCH: usize = 4096;

/// The report's form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    Markdown,
}

/// What `icp backtest` was asked for besides the leads.
#[derive(Debug)]
pub struct BacktestRequest {
    pub outcomes: Option<PathBuf>,
    pub format: Option<ReportFormat>,
    pub output: Option<PathBuf>,
}

/// `icp backtest`: exit 0 when the report is written, 1 when the rule set has errors.
pub fn run(
    project: &Project,
    input: LeadArgs,
    request: BacktestRequest,
) -> Result<ExitCode, UsageError> {
    let host = project.load_plugins()?;
    let Some(mut setup) = LeadSetup::prepare(project, &host, input)? else {
        return Ok(ExitCode::from(1));
    };
    // Relative thresholds: over every lead first, as `icp score` computes them.
    crate::thresholds::prepare(&mut setup, &project.config)?;
    let cwd = &project.cwd;
    let outcomes = request
        .outcomes
        .map(|p| cwd.join(p))
        .or_else(|| project.config.outcomes.file.clone())
        .ok_or(UsageError::NoOutcomes)?;
    if !outcomes.exists() {
        return Err(UsageError::Missing(project.show(&outcomes)));
    }
    let output = match request.output {
        Some(p) if p.as_os_str() == "-" => None,
        other => other.map(|p| cwd.join(p)),
    };
    let format = request.format.unwrap_or_else(|| {
        match output
            .as_deref()
            .and_then(Path::extension)
            .and_then(|e| e.to_str())
        {
            Some("json") => ReportFormat::Json,
            Some("md") => ReportFormat::Markdown,
            _ => ReportFormat::Text,
        }
    });
    Ok(backtest(
        project,
        &setup,
        &outcomes,
        output.as_deref(),
        format,
    )?)
}

/// `NAME.rejects.csv` beside `file` (`stdin.rejects.csv` in the working directory for
/// standard input).
pub(crate) fn rejects_beside(file: &Path, cwd: &Path) -> PathBuf {
    if file.as_os_str() == "-" {
        return cwd.join("stdin.rejects.csv");
    }
    let stem = file
        .file_stem()
        .map_or("leads".into(), |s| s.to_string_lossy().into_owned());
    file.with_file_name(format!("{stem}.rejects.csv"))
}

/// The personas an ICP's conditions use, directly or through lets and other personas, in
/// the rule set's order; each let and persona is visited once.
fn personas_used(rules: &RuleSet, icp: &icp_engine::ir::IcpDef) -> Vec<usize> {
    use icp_engine::ir::{Expr, ExprKind};
    let mut used = vec![false; rules.personas.len()];
    let mut seen_lets = vec![false; rules.lets.len()];
    let mut work: Vec<&Expr> = icp.requires.iter().map(|c| &c.condition).collect();
    work.extend(icp.excludes.iter().map(|c| &c.condition));
    work.extend(icp.scores.iter().map(|s| &s.condition));
    work.extend(icp.tiers.iter().filter_map(|t| t.condition.as_ref()));
    while let Some(expr) = work.pop() {
        let mut found = Vec::new();
        expr.any(&mut |e| {
            match e.kind {
                ExprKind::Let(l) if !seen_lets[l.0 as usize] => {
                    seen_lets[l.0 as usize] = true;
                    found.push(&rules.lets[l.0 as usize].value);
                }
                ExprKind::Persona(p) if !used[p.0 as usize] => {
                    used[p.0 as usize] = true;
                    found.push(&rules.personas[p.0 as usize].condition);
                }
                _ => {}
            }
            false
        });
        work.extend(found);
    }
    (0..used.len()).filter(|p| used[*p]).collect()
}

/// The ICPs as the backtest names them: tiers, and criteria in the order [`lead_row`] gives
/// their truths (every `require`, `exclude`, `score`, then every persona the ICP uses).
fn specs(rules: &RuleSet) -> Vec<IcpSpec> {
    rules
        .icps
        .iter()
        .map(|icp| {
            let mut criteria: Vec<Criterion> = Vec::new();
            let mut add = |label: &str, kind| {
                criteria.push(Criterion {
                    label: label.to_string(),
                    kind,
                })
            };
            icp.requires
                .iter()
                .for_each(|c| add(&c.label, CriterionKind::Require));
            icp.excludes
                .iter()
                .for_each(|c| add(&c.label, CriterionKind::Exclude));
            icp.scores
                .iter()
                .for_each(|s| add(&s.label, CriterionKind::Score(s.points)));
            personas_used(rules, icp)
                .into_iter()
                .for_each(|p| add(&rules.personas[p].label, CriterionKind::Persona));
            IcpSpec {
                name: icp.name.clone(),
                tiers: icp.tiers.iter().map(|t| t.name.clone()).collect(),
                criteria,
            }
        })
        .collect()
}

/// A lead's account, as the backtest counts it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Joined {
    pub outcome: Outcome,
    pub amount_won: f64,
}

impl Joined {
    pub(crate) fn of(account: Option<&Account>) -> Joined {
        match account {
            None => Joined {
                outcome: Outcome::None,
                amount_won: 0.0,
            },
            Some(a) => Joined {
                outcome: match a.outcome {
                    DealOutcome::Won => Outcome::Won,
                    DealOutcome::Lost => Outcome::Lost,
                    DealOutcome::Open => Outcome::Open,
                },
                amount_won: if a.outcome == DealOutcome::Won {
                    a.amount_won
                } else {
                    0.0
                },
            },
        }
    }
}

/// What the run shares with every task.
struct Run<'a, 'h> {
    setup: &'a LeadSetup<'h>,
    plan: &'a Plan,
    outcomes: &'a Outcomes,
    specs: &'a [IcpSpec],
    /// Per ICP, the personas among its criteria.
    used: &'a [Vec<usize>],
    domain: Option<usize>,
    /// Some ICP has more checks of a kind than the columns hold: results are built whole.
    whole: bool,
}

/// A batch's part: its counts, its dated leads copied out with their date and account, and
/// the accounts its leads matched (by address, to count the unmatched ones).
struct Part {
    counts: Backtest,
    dated: Option<(Batch, Vec<(i32, Joined)>)>,
    matched: Vec<usize>,
}

impl Run<'_, '_> {
    /// Evaluates `batch` as of `as_of` (one date, or each lead's) and counts rows `rows`
    /// (each with its account).
    fn count(
        &self,
        batch: &mut Batch,
        today: AsOf<'_>,
        rows: impl Iterator<Item = (usize, Joined)>,
        counts: &mut Backtest,
    ) -> Result<(), RunError> {
        let rules = &self.setup.rules;
        self.setup.signals.fill_as_of(batch, today)?;
        let (results, personas) = if self.whole {
            let leads = icp_engine::eval::columnar::evaluate(rules, self.plan, batch, today, true);
            let personas = persona_truths(rules, batch, &leads);
            (BatchResults::from_leads(rules, leads), personas)
        } else {
            icp_engine::eval::columnar::evaluate_columns_with_lead_personas(
                rules, self.plan, batch, today,
            )
        };
        let mut row = LeadRow {
            outcome: Outcome::None,
            amount_won: 0.0,
            icps: self
                .specs
                .iter()
                .map(|s| IcpLead {
                    truths: vec![None; s.criteria.len()],
                    ..IcpLead::default()
                })
                .collect(),
        };
        for (lead, joined) in rows {
            row.outcome = joined.outcome;
            row.amount_won = joined.amount_won;
            lead_row(rules, self.used, &results, &personas, lead, &mut row);
            counts.add(&row);
        }
        Ok(())
    }

    /// A batch read: its undated leads counted, its dated ones copied out.
    fn batch(&self, mut batch: Batch, empty: &Backtest) -> Result<Part, RunError> {
        let mut matched = Vec::new();
        let (mut undated, mut dated) = (Vec::new(), Vec::new());
        for lead in 0..batch.len() {
            let domain = self.domain.and_then(|f| batch.company[f].text(lead));
            let account = self.outcomes.account(&batch.ids[lead], domain);
            if let Some(a) = account {
                matched.push(std::ptr::from_ref(a) as usize);
            }
            match account.and_then(|a| a.created) {
                Some(date) => dated.push((lead, date, Joined::of(account))),
                None => undated.push((lead, Joined::of(account))),
            }
        }
        let mut counts = empty.empty_like();
        let today = AsOf::Date(self.setup.today);
        if dated.len() * 2 <= batch.len() {
            // Mostly undated: the whole batch, the dated leads' results left out.
            self.count(&mut batch, today, undated.iter().copied(), &mut counts)?;
        } else if !undated.is_empty() {
            let rows: Vec<usize> = undated.iter().map(|(l, _)| *l).collect();
            let mut selected = batch.select(&rows);
            let joined = undated.iter().enumerate().map(|(i, (_, j))| (i, *j));
            self.count(&mut selected, today, joined, &mut counts)?;
        }
        let dated = (!dated.is_empty()).then(|| {
            let rows: Vec<usize> = dated.iter().map(|(l, _, _)| *l).collect();
            let keep = dated.iter().map(|(_, d, j)| (*d, *j)).collect();
            (batch.select(&rows), keep)
        });
        Ok(Part {
            counts,
            dated,
            matched,
        })
    }
}

/// Per persona, whether each lead has a contact matching it, from whole results (which name
/// each contact's personas; an unknown match is not "holds", as in the columns).
fn persona_truths(
    rules: &RuleSet,
    batch: &Batch,
    leads: &[icp_engine::result::LeadResult<'_>],
) -> Vec<Vec<Truth>> {
    rules
        .personas
        .iter()
        .map(|p| {
            (0..batch.len())
                .map(|lead| {
                    let holds = leads[lead]
                        .personas
                        .iter()
                        .any(|names| names.contains(&p.name));
                    Truth::from_bool(holds)
                })
                .collect()
        })
        .collect()
}

/// Fills `row.icps` with lead `lead`'s results: score, tier and every criterion's truth.
fn lead_row(
    rules: &RuleSet,
    used: &[Vec<usize>],
    results: &BatchResults<'_>,
    personas: &[Vec<Truth>],
    lead: usize,
    row: &mut LeadRow,
) {
    let known = |t: Truth| match t {
        Truth::True => Some(true),
        Truth::False => Some(false),
        Truth::Unknown => None,
    };
    for (i, (icp, out)) in rules.icps.iter().zip(&mut row.icps).enumerate() {
        let (tier, score) = results.tier_and_score(lead, i);
        out.score = score;
        out.max_score = icp.max_score;
        out.tier = tier;
        let truths = &mut out.truths;
        let checks = icp.requires.len() + icp.excludes.len() + icp.scores.len();
        if let Some(whole) = results.whole_result(lead, i) {
            // Built with detail: every check of the ICP is there, tiers last.
            for (truth, check) in truths.iter_mut().zip(&whole.checks) {
                if !matches!(check.kind, CheckKind::Tier { .. }) {
                    *truth = known(check.result);
                }
            }
        } else {
            let c = results.columns(i);
            let unknowns = c.unknowns(lead);
            let unknown = |check: Check| unknowns.iter().any(|u| u.check == check);
            let bit = |word: u64, b: usize| word >> b & 1 == 1;
            let (requires, excludes) = (icp.requires.len(), icp.excludes.len());
            for (k, truth) in truths[..checks].iter_mut().enumerate() {
                *truth = if k < requires {
                    if bit(c.failed[lead], k) {
                        Some(false)
                    } else if unknown(Check::Require(k)) {
                        None
                    } else {
                        Some(true)
                    }
                } else if k < requires + excludes {
                    let e = k - requires;
                    if bit(c.excluded[lead], e) {
                        Some(true)
                    } else if unknown(Check::Exclude(e)) {
                        None
                    } else {
                        Some(false)
                    }
                } else {
                    let s = k - requires - excludes;
                    if bit(c.matched[lead], s) {
                        Some(true)
                    } else if unknown(Check::Score(s)) {
                        None
                    } else {
                        Some(false)
                    }
                };
            }
        }
        for (truth, p) in truths[checks..].iter_mut().zip(&used[i]) {
            *truth = known(personas[*p][lead]);
        }
    }
}

/// Reads the outcomes and the leads, evaluates, counts and writes the report.
fn backtest(
    project: &Project,
    setup: &LeadSetup,
    outcomes_file: &Path,
    output: Option<&Path>,
    format: ReportFormat,
) -> Result<ExitCode, RunError> {
    let shown = |p: &Path| project.show(p);
    let files = &setup.files;
    let leads_rejects = rejects_beside(&files.leads, &project.cwd);
    let outcomes_rejects = rejects_beside(outcomes_file, &project.cwd);
    let targets: Vec<PathBuf> = output
        .iter()
        .map(|p| p.to_path_buf())
        .chain([leads_rejects.clone(), outcomes_rejects.clone()])
        .collect();
    // Writing over a file the run reads would destroy it.
    for written in &targets {
        let mut inputs = setup.read.iter().map(PathBuf::as_path);
        if inputs.any(|input| same_file(input, written)) || same_file(outcomes_file, written) {
            return Err(RunError::Overwrite {
                output: shown(written),
            });
        }
    }
    let mut outputs = OutputSet::new(&targets).map_err(|same| RunError::SameOutput {
        first: shown(&same.first),
        second: shown(&same.second),
    })?;
    let (leads_index, outcomes_index) = (targets.len() - 2, targets.len() - 1);
    let rejects_of = |outputs: &mut OutputSet, index: usize, path: &Path| {
        outputs
            .create(index)
            .map(|f| Box::new(std::io::BufWriter::new(f)) as Box<dyn Write + Send>)
            .map_err(|e| RunError::Write(shown(path), e))
    };
    let outcome_rejects = rejects_of(&mut outputs, outcomes_index, &outcomes_rejects)?;
    let outcomes = read_outcomes(
        outcomes_file,
        &project.config.outcomes,
        OutcomesOptions {
            format: None,
            rejects: Some(outcome_rejects),
            raw_cells: false,
        },
    )
    .map_err(|e| RunError::Outcomes(e.to_string()))?;
    let lead_rejects = rejects_of(&mut outputs, leads_index, &leads_rejects)?;
    let Backtested {
        report,
        read,
        unmatched,
    } = evaluate(project, setup, &outcomes, Some(lead_rejects))?;
    let text = match format {
        ReportFormat::Text => report.to_text(),
        ReportFormat::Json => report.to_json(),
        ReportFormat::Markdown => report.to_markdown(),
    };
    let output_name = output.map_or("standard output".to_string(), &shown);
    let write_err = |e| RunError::Write(output_name.clone(), e);
    match output {
        Some(_) => {
            let mut file = outputs.create(0).map_err(write_err)?;
            file.write_all(text.as_bytes()).map_err(write_err)?;
        }
        None => std::io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .map_err(write_err)?,
    }
    let leads_rejected = read.rejected + read.contacts_rejected > 0;
    if !leads_rejected {
        outputs.discard(leads_index);
    }
    let deals = outcomes.report();
    if deals.rejected == 0 {
        outputs.discard(outcomes_index);
    }
    outputs
        .commit()
        .map_err(|(path, e)| RunError::Write(shown(&path), e))?;
    let mut summary = reader_lines(
        &read,
        &files.leads_shown(project),
        files.contacts.as_deref().map(&shown),
        leads_rejected.then(|| shown(&leads_rejects)),
    );
    summary.push_str(&format!(
        "read {} deals from {}: {} rejected{}; {} accounts, {} matched no lead\n",
        group_digits(deals.rows_read),
        shown(outcomes_file),
        group_digits(deals.rejected),
        if deals.rejected > 0 {
            format!(" (see {})", shown(&outcomes_rejects))
        } else {
            String::new()
        },
        group_digits(outcomes.len() as u64),
        group_digits(unmatched),
    ));
    // Unknown stages, columns not read and other warnings of the outcomes file.
    for line in deals.lines().into_iter().skip(1) {
        summary.push_str(&line);
        summary.push('\n');
    }
    summary.push_str(&format!("report written to {output_name}\n"));
    let _ = std::io::stderr().write_all(summary.as_bytes());
    Ok(ExitCode::SUCCESS)
}

/// What a backtest computed: the report, the lead reader's counts, and the accounts of the
/// outcomes file that no lead matched.
pub(crate) struct Backtested {
    pub report: Report,
    pub read: ReadReport,
    pub unmatched: u64,
}

/// Reads and evaluates every lead, each as of its deal's created date, joins it to its
/// account and counts the backtest (`icp report` runs the same). Rejected lead rows go to
/// `lead_rejects`, when given.
pub(crate) fn evaluate(
    project: &Project,
    setup: &LeadSetup,
    outcomes: &Outcomes,
    lead_rejects: Option<Box<dyn Write + Send>>,
) -> Result<Backtested, RunError> {
    let rules = &setup.rules;
    let plan = Plan::new(rules);
    let specs = specs(rules);
    let used: Vec<Vec<usize>> = rules
        .icps
        .iter()
        .map(|icp| personas_used(rules, icp))
        .collect();
    // The domain joins a lead only to an account keyed by domain: without one, it is not
    // parsed (a domain is normalised, which costs more than most cells).
    let by_domain = outcomes
        .accounts()
        .any(|(key, _)| matches!(key, AccountKey::Domain(_)));
    let domain = rules
        .schema
        .lookup(Entity::Company, "domain")
        .filter(|_| by_domain);
    let mut fields = rules.fields_read();
    if let Some(d) = domain {
        fields[d.0 as usize] = true;
    }
    let whole = rules.icps.iter().any(|icp| {
        [icp.requires.len(), icp.excludes.len(), icp.scores.len()]
            .iter()
            .any(|n| *n > COLUMN_CHECKS)
    });
    let run = Run {
        setup,
        plan: &plan,
        outcomes,
        specs: &specs,
        used: &used,
        domain: domain.map(|d| d.0 as usize),
        whole,
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| RunError::Threads(threads, e.to_string()))?;
    let mut reader =
        pool.install(|| setup.open_reader(&project.config, lead_rejects, Some(fields), false))?;
    let progress = setup.show_progress("backtesting", &reader);
    let mut total = Backtest::new(specs.clone());
    let mut matched: HashSet<usize> = HashSet::new();
    let mut dated_batches: Vec<Batch> = Vec::new();
    let mut dated_rows: Vec<(i32, u32, u32, Joined)> = Vec::new();
    // A window of batches at a time, evaluated in parallel, merged in input order.
    loop {
        let mut window = Vec::with_capacity(threads * 2);
        while window.len() < threads * 2 {
            match pool.install(|| reader.next()) {
                Some(batch) => window.push(batch?),
                None => break,
            }
        }
        if window.is_empty() {
            break;
        }
        let parts: Vec<Result<Part, RunError>> = pool.install(|| {
            window
                .into_par_iter()
                .map(|b| run.batch(b, &total))
                .collect()
        });
        for part in parts {
            let part = part?;
            total.merge(part.counts);
            matched.extend(part.matched);
            if let Some((batch, leads)) = part.dated {
                let b = dated_batches.len() as u32;
                for (row, (date, joined)) in leads.into_iter().enumerate() {
                    dated_rows.push((date, b, row as u32, joined));
                }
                dated_batches.push(batch);
            }
        }
    }
    drop(progress);
    // The dated leads in date order, DATED_BATCH at a time, each as of its own date.
    dated_rows.sort_by_key(|(date, b, row, _)| (*date, *b, *row));
    let sources: Vec<&Batch> = dated_batches.iter().collect();
    let parts: Vec<Result<Backtest, RunError>> = pool.install(|| {
        dated_rows
            .par_chunks(DATED_BATCH)
            .map(|group| {
                let pairs: Vec<(u32, u32)> = group.iter().map(|(_, b, r, _)| (*b, *r)).collect();
                let dates: Vec<i32> = group.iter().map(|(date, ..)| *date).collect();
                let mut batch = Batch::gather(&sources, &pairs);
                let mut counts = total.empty_like();
                let joined = group.iter().enumerate().map(|(i, g)| (i, g.3));
                run.count(&mut batch, AsOf::PerLead(&dates), joined, &mut counts)?;
                Ok(counts)
            })
            .collect()
    });
    for part in parts {
        total.merge(part?);
    }
    let unmatched = outcomes.len().saturating_sub(matched.len()) as u64;
    Ok(Backtested {
        report: total.finish(unmatched),
        read: reader.into_report(),
        unmatched,
    })
}
