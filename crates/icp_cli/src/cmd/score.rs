//! `icp score`: read leads, evaluate them, write results and a summary.
//!
//! How it works: [`run`] applies the defaults of `icp.toml` to the arguments and prepares the
//! rules, plugins and lead files ([`LeadSetup`], shared with `icp explain`); the rule set is
//! lowered to a plan once. The reader streams batches on its own thread and hands each one to
//! the rayon pool as soon as it is read; a pool thread runs it through the plugins and the
//! columnar evaluator, formats its rows and counts its summary, and the main thread writes the
//! batches in input order as they come back. At most a window of batches (twice the worker
//! threads) is between the reader and the output, so memory stays bounded by the window and
//! the contacts table whatever the number of companies, and no thread waits for a whole window
//! to finish. The results and the rejects are one [`OutputSet`]: each written to a temporary
//! file, and both put in their places together only when the run succeeds. A progress bar
//! runs on stderr when it is a terminal, or with `--progress` (`crate::progress`); the
//! summary follows on stderr.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use icp_engine::eval::columnar::{self, ContactPersonas};
use icp_engine::ir::RuleSet;
use icp_engine::plan::Plan;
use icp_engine::result::BatchResults;
use icp_io::contact_rows::{ContactFormatter, ContactRows, ContactTable, contact_fields_read};
use icp_io::{LeadFilter, OutputFormat, ReadReport, ResultWriter, WriteOptions};

use crate::args::{file_format, format_of_extension};
use crate::error::{RunError, UsageError};
use crate::outputs::{OutputSet, same_file};
use crate::project::Project;
use crate::setup::{LeadFiles, LeadSetup};
use crate::show::group_digits;
use crate::summary::{Summary, reader_lines};
use crate::thresholds;
use crate::{LeadArgs, OutFormat};

/// The most worker threads `icp score` runs (`--threads`, and one per core by default). Far
/// more than any machine's cores; every thread reserves a stack and a signal stack, and tens
/// of thousands of them exhaust the process's memory maps, which aborts the program from
/// inside the thread library where no error can be returned.
pub const MAX_THREADS: usize = 1024;

/// What `icp score` was asked for besides its input, as given on the command line.
#[derive(Debug)]
pub struct ScoreRequest {
    pub output: Option<PathBuf>,
    pub format: Option<OutFormat>,
    pub all: bool,
    pub explain: bool,
    pub threads: Option<usize>,
    pub rejects: Option<PathBuf>,
    pub raw_cells: bool,
    /// `--contacts-out`: the contacts of the qualified leads, best tier first.
    pub contacts_out: Option<PathBuf>,
    /// `--top N`: only the N best leads are written.
    pub top: Option<u64>,
    /// `--tier A,B`: only the leads of these tiers are written.
    pub tiers: Option<Vec<String>>,
}

/// What `icp score` writes, with icp.toml defaults already applied.
#[derive(Debug)]
struct ScoreArgs {
    output: Option<PathBuf>,
    /// The results are written as a typed Parquet table (`-o NAME.parquet`).
    parquet_out: bool,
    format: OutputFormat,
    all: bool,
    explain: bool,
    threads: Option<usize>,
    rejects: PathBuf,
    /// CSV text cells written as they are, formulas not escaped.
    raw_cells: bool,
    /// Where the contacts to call go, and in which format.
    contacts_out: Option<(PathBuf, OutputFormat)>,
    /// `--top`, `--tier`: which leads are written.
    filter: LeadFilter,
    /// When the command started: the summary's elapsed time counts loading and initialising
    /// the plugins and compiling the rules too.
    started: Instant,
}

/// `icp score`: exit 0 when scored, 1 when the rule set has errors.
pub fn run(
    project: &Project,
    input: LeadArgs,
    request: ScoreRequest,
) -> Result<ExitCode, UsageError> {
    let started = Instant::now();
    let host = project.load_plugins()?;
    let Some(mut setup) = LeadSetup::prepare(project, &host, input)? else {
        return Ok(ExitCode::from(1));
    };
    let mut filter = LeadFilter {
        tiers: check_tiers(&setup.rules, request.tiers)?,
        min_score: None,
    };
    if request.top == Some(0) {
        return Err(UsageError::Thresholds(
            "--top 0: give the number of leads to write, at least 1".to_string(),
        ));
    }
    let cwd = &project.cwd;
    let config = &project.config;
    let output = match request.output {
        Some(p) if p.as_os_str() == "-" => None,
        Some(p) => Some(cwd.join(p)),
        None => setup.files.default(&config.score.output),
    };
    if let Some(n) = request.threads
        && !(1..=MAX_THREADS).contains(&n)
    {
        return Err(UsageError::Threads(n));
    }
    let parquet_out = parquet_output(output.as_deref(), request.format)?;
    let format = match parquet_out {
        // Rows formatted as JSON Lines become the typed table.
        true => OutputFormat::JsonLines,
        false => output_format(file_format("--format", request.format, output.as_deref())?),
    };
    let rejects = request
        .rejects
        .map(|p| cwd.join(p))
        .or_else(|| setup.files.default(&config.score.rejects));
    let rejects = rejects_path(rejects, output.as_deref(), &setup.files, cwd);
    let parquet_name = rejects
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    if parquet_name || format_of_extension(&rejects).is_some_and(|(f, _)| f != OutFormat::Csv) {
        return Err(UsageError::FormatMismatch(format!(
            "{}: the rejects file is CSV; give it a name ending in .csv",
            project.show(&rejects)
        )));
    }
    let contacts_out = contacts_out_path(project, &setup.files, request.contacts_out)?
        .map(|path| {
            if parquet_output(Some(&path), request.format)? {
                return Ok((path, OutputFormat::JsonLines));
            }
            let format = file_format("--format", request.format, Some(&path))?;
            Ok::<_, UsageError>((path, output_format(format)))
        })
        .transpose()?;
    // Relative thresholds and `--top`: first passes over the leads, before anything is
    // written.
    if thresholds::needed(&setup.rules, request.top) {
        if setup.files.reads_stdin() {
            return Err(thresholds::refuse_stdin(&setup.rules, request.top));
        }
        let pool = worker_pool(request.threads)?;
        let first = thresholds::resolve(&mut setup, config, &pool, request.top)?;
        filter.min_score = first.top_cut;
    }
    let args = ScoreArgs {
        output,
        parquet_out,
        format,
        all: request.all,
        explain: request.explain,
        threads: request.threads,
        rejects,
        raw_cells: request.raw_cells || config.score.escape_formulas == Some(false),
        contacts_out,
        filter,
        started,
    };
    Ok(score(project, &setup, &args)?)
}

/// Whether `path` is written as Parquet: it ends in `.parquet` (and `--format` is not given,
/// which would contradict it). Refused when `icp` is built without Parquet.
fn parquet_output(path: Option<&Path>, format: Option<OutFormat>) -> Result<bool, UsageError> {
    let named = path.is_some_and(|p| {
        p.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
    });
    match (named, format, cfg!(feature = "parquet")) {
        (false, _, _) => Ok(false),
        (true, Some(_), _) => Err(UsageError::FormatMismatch(format!(
            "--format does not apply to {}: a .parquet file is Parquet; leave out --format",
            path.map_or(String::new(), |p| p.display().to_string())
        ))),
        (true, None, false) => Err(UsageError::FormatMismatch(
            "this icp was built without Parquet (the `parquet` feature)".to_string(),
        )),
        (true, None, true) => Ok(true),
    }
}

/// Where formatted rows go: the file as it is, or (`parquet`) a typed Parquet table of
/// `columns` made from their JSON Lines.
#[cfg(feature = "parquet")]
type RowsOut<W> = icp_io::parquet::results::Output<W>;

#[cfg(feature = "parquet")]
fn rows_out<W: Write>(
    out: W,
    parquet: bool,
    columns: impl FnOnce() -> Vec<icp_io::parquet::table::Column>,
) -> std::io::Result<RowsOut<W>> {
    match parquet {
        true => RowsOut::parquet(out, &columns()),
        false => Ok(RowsOut::Plain(out)),
    }
}

/// Without Parquet, rows go to the file as they are (a `.parquet` output is refused earlier).
#[cfg(not(feature = "parquet"))]
fn rows_out<W: Write>(out: W, _parquet: bool, _columns: impl FnOnce()) -> std::io::Result<W> {
    Ok(out)
}

/// Writes what `out` still holds: a Parquet table's last rows and footer.
#[cfg(feature = "parquet")]
fn finish_rows<W: Write>(out: RowsOut<W>) -> std::io::Result<W> {
    out.finish()
}

#[cfg(not(feature = "parquet"))]
fn finish_rows<W: Write>(out: W) -> std::io::Result<W> {
    Ok(out)
}

fn output_format(format: OutFormat) -> OutputFormat {
    match format {
        OutFormat::Csv => OutputFormat::Csv,
        OutFormat::Jsonl => OutputFormat::JsonLines,
    }
}

/// Where the contacts to call go: `--contacts-out`, else `[score] contacts_out` (when the
/// `[score]` table gives the leads too). Standard output is refused: the file is written
/// after every lead is read, sorted, and the results may be on standard output already.
fn contacts_out_path(
    project: &Project,
    files: &LeadFiles,
    given: Option<PathBuf>,
) -> Result<Option<PathBuf>, UsageError> {
    match given {
        Some(p) if p.as_os_str() == "-" => Err(UsageError::FormatMismatch(
            "--contacts-out needs a file name; standard output (`-`) is not one".to_string(),
        )),
        Some(p) => Ok(Some(project.cwd.join(p))),
        None => Ok(files.default(&project.config.score.contacts_out)),
    }
}

/// Where rejected rows go: `--rejects` (or `[score] rejects`), else beside the output
/// (`out.csv` → `out.rejects.csv`), else beside the leads file, else (the leads on standard
/// input) `stdin.rejects.csv` in the working directory.
fn rejects_path(
    given: Option<PathBuf>,
    output: Option<&Path>,
    files: &LeadFiles,
    cwd: &Path,
) -> PathBuf {
    if let Some(p) = given {
        return p;
    }
    if output.is_none() && files.reads_stdin() {
        return cwd.join("stdin.rejects.csv");
    }
    let base = output.unwrap_or(&files.leads);
    let stem = base
        .file_stem()
        .map_or("leads".into(), |s| s.to_string_lossy().into_owned());
    base.with_file_name(format!("{stem}.rejects.csv"))
}

/// Reads, scores and writes every lead, then prints the summary.
fn score(project: &Project, setup: &LeadSetup, args: &ScoreArgs) -> Result<ExitCode, RunError> {
    let LeadSetup {
        rules,
        signals,
        files,
        today,
        read,
        ..
    } = setup;
    let (today, shown) = (*today, |p: &Path| project.show(p));
    let started = args.started;
    let plan = Plan::new(rules);
    let rejects_file = &args.rejects;
    // Writing over a file the run reads (leads, rules, icp.toml, plugins and their data)
    // would destroy it, or truncate it before it is read.
    let contacts_file = args.contacts_out.as_ref().map(|(path, _)| path);
    for written in (args.output.iter())
        .chain(contacts_file)
        .chain(std::iter::once(rejects_file))
    {
        if read.iter().any(|input| same_file(input, written)) {
            return Err(RunError::Overwrite {
                output: shown(written),
            });
        }
    }
    // Every file the run writes, checked to be distinct before any is created, and put in
    // place together when the run succeeds: the results (if not on standard output), the
    // contacts to call (if asked for), then the rejects.
    let targets: Vec<PathBuf> = (args.output.iter())
        .chain(contacts_file)
        .chain([rejects_file])
        .cloned()
        .collect();
    let mut outputs = OutputSet::new(&targets).map_err(|same| RunError::SameOutput {
        first: shown(&same.first),
        second: shown(&same.second),
    })?;
    let rejects_index = targets.len() - 1;
    let contacts_index = usize::from(args.output.is_some());
    let rejects: Box<dyn Write + Send> = Box::new(
        outputs
            .create(rejects_index)
            .map_err(|e| RunError::Write(shown(rejects_file), e))?,
    );
    let pool = worker_pool(args.threads)?;
    let threads = pool.current_num_threads();
    // The reader parses in parallel in the pool (the contacts file now, the leads as they are
    // read), as the evaluation does.
    let mut reader = pool.install(|| {
        setup.open_reader(
            &project.config,
            Some(rejects),
            // Only what the rules (and the plugins they call) read is parsed, and the
            // contacts' fields when they are written.
            Some({
                let mut read = rules.fields_read();
                if args.contacts_out.is_some() {
                    contact_fields_read(&rules.schema, &mut read);
                }
                read
            }),
            args.raw_cells,
        )
    })?;
    let out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            outputs
                .create(0)
                .map_err(|e| RunError::Write(shown(path), e))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let output_name = args
        .output
        .as_deref()
        .map_or("standard output".to_string(), &shown);
    let write_err = |e| RunError::Write(output_name.clone(), e);
    #[cfg(feature = "parquet")]
    let out = rows_out(out, args.parquet_out, || {
        icp_io::parquet::results::result_columns(args.explain)
    })
    .map_err(write_err)?;
    let mut writer = ResultWriter::new(
        out,
        &rules.schema,
        WriteOptions {
            format: args.format,
            all: args.all,
            explain: args.explain,
        },
    )
    .map_err(write_err)?
    .guard_formulas(!args.raw_cells)
    .filter(args.filter.clone());
    // The contacts to call: formatted with each batch, kept, and written sorted at the end.
    let (mut contacts_file, mut contact_table, mut contact_formatter) = (None, None, None);
    if let Some((path, format)) = &args.contacts_out {
        let file = outputs
            .create(contacts_index)
            .map_err(|e| RunError::Write(shown(path), e))?;
        contacts_file = Some(file);
        contact_table = Some(ContactTable::new(*format));
        contact_formatter = Some(ContactFormatter::new(
            &rules.schema,
            *format,
            args.all,
            !args.raw_cells,
        ));
    }
    let progress = setup.show_progress("scoring", &reader);
    let mut summary = Summary::new(rules);
    // At most this many batches are between the reader and the output at once.
    let window = threads * 2;
    // Byte buffers of written batches, for formatting the next ones (memory already touched,
    // not fresh pages the kernel must clear).
    let spare: std::sync::Mutex<Vec<Vec<u8>>> = std::sync::Mutex::default();
    // A batch as it comes back from the pool: its rows formatted, how many, its summary; or
    // the panic that stopped its scoring, for the main thread to resume.
    type Scored =
        std::thread::Result<Result<(Vec<u8>, u64, Summary, Option<ContactRows>), RunError>>;
    let (done, finished) = std::sync::mpsc::channel::<(usize, Scored)>();
    // A permit per batch that may be read; the writer hands one back per batch written.
    let (permit, permits) = std::sync::mpsc::sync_channel::<()>(window);
    // Set when the writer stops, however it stops: no more batches are read then.
    let stop = std::sync::atomic::AtomicBool::new(false);
    let report = std::thread::scope(|scope| -> Result<ReadReport, RunError> {
        let (pool, spare, plan, stop, write_err) = (&pool, &spare, &plan, &stop, &write_err);
        let contact_formatter = &contact_formatter;
        let formatter = writer.formatter().clone();
        // The reader runs on its own thread and hands each batch to the pool as soon as it is
        // read: the pool takes it through the plugins and the evaluator, formats its rows and
        // counts its summary, while the reader goes on (parsing in the same pool).
        let reader_thread = std::thread::Builder::new().name("icp-reader".into());
        let producer = reader_thread.spawn_scoped(scope, move || {
            pool.in_place_scope(|tasks| {
                let mut seq = 0;
                let stopped = || stop.load(std::sync::atomic::Ordering::Relaxed);
                while !stopped() && permits.recv().is_ok() && !stopped() {
                    let Some(next) = pool.install(|| reader.next()) else {
                        break;
                    };
                    let mut batch = match next {
                        Ok(batch) => batch,
                        Err(e) => {
                            let _ = done.send((seq, Ok(Err(e.into()))));
                            break;
                        }
                    };
                    let (done, formatter) = (done.clone(), &formatter);
                    tasks.spawn(move |_| {
                        // Every batch sends back a result, a panic included, so the writer
                        // never waits for one that will not come.
                        let scored = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            let b = &mut batch;
                            signals.fill(b, today)?;
                            // Columns, or every result whole with its explanation; and each
                            // contact's personas when the contacts are written.
                            let (results, personas) = evaluate(
                                rules,
                                plan,
                                b,
                                today,
                                args.explain,
                                contact_formatter.is_some(),
                            );
                            let contact_rows = match (contact_formatter, &personas) {
                                (Some(f), Some(p)) => {
                                    Some(f.format_batch(seq, b, &results, p).map_err(write_err)?)
                                }
                                _ => None,
                            };
                            let mut bytes = spare
                                .lock()
                                .ok()
                                .and_then(|mut s| s.pop())
                                .unwrap_or_default();
                            let rows = formatter
                                .format_batch(b, &results, &mut bytes)
                                .map_err(write_err)?;
                            let mut part = Summary::new(rules);
                            part.add_batch(&results);
                            part.count_values(b);
                            Ok((bytes, rows, part, contact_rows))
                        }));
                        // The batch is dropped here, on the thread that scored it.
                        let _ = done.send((seq, scored));
                    });
                    seq += 1;
                }
                drop(done);
            });
            reader.into_report()
        });
        let producer = producer.map_err(|e| RunError::Thread("reader", e))?;
        // The writer: results in reading order, whatever order the pool finishes them in. It
        // owns the permits and the results, and however it ends (done, an error, a panic) it
        // drops them and sets `stop`, which stops the reader.
        let written = (|| -> Result<(), RunError> {
            let (permit, finished) = (permit, finished);
            struct Stop<'a>(&'a std::sync::atomic::AtomicBool);
            impl Drop for Stop<'_> {
                fn drop(&mut self) {
                    self.0.store(true, std::sync::atomic::Ordering::Relaxed);
                }
            }
            let _stop = Stop(stop);
            for _ in 0..window {
                let _ = permit.send(());
            }
            let mut waiting = std::collections::BTreeMap::new();
            let mut next = 0;
            for (seq, scored) in finished.iter() {
                waiting.insert(seq, scored);
                while let Some(scored) = waiting.remove(&next) {
                    let (mut bytes, rows, part, contact_rows) =
                        scored.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
                    if let (Some(table), Some(rows)) = (&mut contact_table, contact_rows) {
                        table.add(rows);
                    }
                    writer.write_formatted(&bytes, rows).map_err(write_err)?;
                    summary.merge(part);
                    bytes.clear();
                    if let Ok(mut spare) = spare.lock() {
                        spare.push(bytes);
                    }
                    next += 1;
                    let _ = permit.send(());
                }
            }
            Ok(())
        })();
        let read = producer.join();
        // A writing error first: the reader only stopped because of it.
        written?;
        read.map_err(|_| RunError::Threads(1, "the reader thread stopped".to_string()))
    })?;
    drop(progress);
    let out = writer.finish().map_err(write_err)?;
    let mut out = finish_rows(out).map_err(write_err)?;
    out.flush().map_err(write_err)?;
    drop(out);
    // The contacts to call, sorted now that every lead is in.
    let mut contacts_written = None;
    if let (Some(file), Some(table), Some((path, _))) =
        (contacts_file, &contact_table, &args.contacts_out)
    {
        let failed = |e| RunError::Write(shown(path), e);
        #[cfg(feature = "parquet")]
        let parquet = icp_io::parquet::results::is_parquet_name(path);
        #[cfg(feature = "parquet")]
        let columns = icp_io::parquet::results::contact_columns;
        #[cfg(not(feature = "parquet"))]
        let (parquet, columns) = (false, || ());
        let mut out = rows_out(std::io::BufWriter::new(file), parquet, columns).map_err(failed)?;
        let rows = table.write_sorted(&mut out).map_err(failed)?;
        let mut out = finish_rows(out).map_err(failed)?;
        out.flush().map_err(failed)?;
        contacts_written = Some((shown(path), rows));
    }
    drop(contact_table);
    let any_rejected = report.rejected + report.contacts_rejected > 0;
    // No rejects file when no row was rejected (and none left from an earlier run).
    if !any_rejected {
        outputs.discard(rejects_index);
    }
    outputs
        .commit()
        .map_err(|(path, e)| RunError::Write(shown(&path), e))?;
    let rejects_shown = any_rejected.then(|| shown(rejects_file));
    let mut text = reader_lines(
        &report,
        &files.leads_shown(project),
        files.contacts.as_deref().map(shown),
        rejects_shown,
    );
    text.push_str(&format!("results written to {output_name}\n"));
    if let Some((path, rows)) = contacts_written {
        text.push_str(&format!(
            "{} contacts to call written to {path}\n",
            group_digits(rows)
        ));
    }
    let rendered = summary.render(rules, &text, started.elapsed());
    let _ = std::io::stderr().write_all(rendered.as_bytes());
    Ok(ExitCode::SUCCESS)
}

/// The pool of `--threads` workers (one per core by default).
pub(crate) fn worker_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, RunError> {
    let threads = threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .min(MAX_THREADS);
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| RunError::Threads(threads, e.to_string()))
}

/// `--tier A,B`: every name must be a tier of some ICP.
fn check_tiers(
    rules: &RuleSet,
    tiers: Option<Vec<String>>,
) -> Result<Option<Vec<String>>, UsageError> {
    let Some(tiers) = tiers else {
        return Ok(None);
    };
    let known: Vec<&str> = (rules.icps.iter())
        .flat_map(|i| i.tiers.iter().map(|t| t.name.as_str()))
        .collect();
    for name in &tiers {
        if !known.contains(&name.as_str()) {
            let mut listed: Vec<&str> = known.clone();
            listed.sort_unstable();
            listed.dedup();
            let names = if listed.is_empty() {
                "the rules declare no tier".to_string()
            } else {
                format!("the tiers are {}", listed.join(", "))
            };
            return Err(UsageError::Thresholds(format!(
                "--tier {name}: no ICP has a tier `{name}`; {names}"
            )));
        }
    }
    Ok(Some(tiers))
}

/// One batch's results: in columns, or whole with their explanations (`explain`); with each
/// contact's personas when `personas` (from the same run of the evaluator either way).
/// `icp report` and `icp serve` score their batches with it too.
pub(crate) fn evaluate<'r>(
    rules: &'r RuleSet,
    plan: &Plan,
    batch: &icp_engine::batch::Batch,
    today: i32,
    explain: bool,
    personas: bool,
) -> (BatchResults<'r>, Option<ContactPersonas>) {
    match (explain, personas) {
        (true, _) => {
            let leads = columnar::evaluate(rules, plan, batch, today, true);
            let personas = personas.then(|| ContactPersonas::from_leads(rules, &leads));
            (BatchResults::from_leads(rules, leads), personas)
        }
        (false, true) => {
            let (results, personas) =
                columnar::evaluate_columns_with_personas(rules, plan, batch, today);
            (results, Some(personas))
        }
        (false, false) => (columnar::evaluate_columns(rules, plan, batch, today), None),
    }
}
