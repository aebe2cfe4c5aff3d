//! `icp score` and `icp explain`: read leads, evaluate them, write results and a summary.
//!
//! How it works: the rule set is compiled and lowered to a plan once. The reader streams
//! batches on its own thread and hands each one to the rayon pool as soon as it is read; a
//! pool thread runs it through the plugins and the fast evaluator, formats its rows and counts
//! its summary, and the main thread writes the batches in input order as they come back. At
//! most a window of batches (twice the worker threads) is between the reader and the output,
//! so memory stays bounded by the window and the contacts table whatever the number of
//! companies, and no thread waits for a whole window to finish. A progress line runs on stderr
//! when it is a terminal; the summary follows on stderr. `icp explain` reads until it finds
//! the lead, evaluates it with the reference evaluator and prints every check.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use icp_engine::ir::RuleSet;
use icp_engine::lead::Lead;
use icp_engine::plan::Plan;
use icp_engine::result::BatchResults;
use icp_io::{LeadReader, OutputFormat, ReadOptions, ReadReport, ResultWriter, WriteOptions};
use icp_plugin_host::Signals;

use crate::summary::{Summary, group_digits};

/// What `icp score` was asked to do, with icp.toml defaults already applied.
#[derive(Debug)]
pub struct ScoreArgs {
    pub leads: PathBuf,
    pub contacts: Option<PathBuf>,
    pub output: Option<PathBuf>,
    pub format: OutputFormat,
    pub all: bool,
    pub explain: bool,
    pub today: i32,
    pub threads: Option<usize>,
    pub rejects: Option<PathBuf>,
}

/// A failure of the run itself (not of a lead): exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Input(#[from] icp_io::InputError),
    #[error("cannot write {0}: {1}")]
    Write(String, std::io::Error),
    #[error("cannot start {0} worker threads: {1}")]
    Threads(usize, String),
    #[error("no lead with id {id:?} in {file}")]
    NotFound { id: String, file: String },
    #[error("{output} is also an input file; write the results somewhere else")]
    Overwrite { output: String },
    #[error(transparent)]
    Plugin(#[from] icp_plugin_host::PluginError),
}

/// The rejects file, created only when the first rejected row arrives: until then what is
/// written (the header line) waits in memory.
struct LazyFile {
    path: PathBuf,
    pending: Vec<u8>,
    file: Option<std::fs::File>,
}

impl Write for LazyFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Some(f) = &mut self.file {
            return f.write(buf);
        }
        self.pending.extend_from_slice(buf);
        // A header and at least one row: now the file is worth creating.
        if self.pending.iter().filter(|b| **b == b'\n').count() >= 2 {
            let mut f = std::fs::File::create(&self.path)?;
            f.write_all(&self.pending)?;
            self.pending.clear();
            self.file = Some(f);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

/// Whether two paths name one existing file.
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// A results file being written: `.NAME.PID.partial` beside the output, removed unless
/// [`Partial::commit`] puts it in the output's place.
struct Partial {
    path: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl Partial {
    /// The partial file for `target`, created and open for writing.
    fn create(target: &Path) -> std::io::Result<(Partial, std::fs::File)> {
        // A device or a pipe (`-o /dev/null`) is written directly.
        if target.metadata().is_ok_and(|m| !m.is_file()) {
            let file = std::fs::OpenOptions::new().write(true).open(target)?;
            let partial = Partial {
                path: target.to_path_buf(),
                target: target.to_path_buf(),
                committed: true,
            };
            return Ok((partial, file));
        }
        let name = target
            .file_name()
            .map_or("results".into(), |n| n.to_string_lossy());
        // The process id keeps two runs writing the same output from sharing a partial file.
        let path = target.with_file_name(format!(".{name}.{}.partial", std::process::id()));
        let file = std::fs::File::create(&path)?;
        let partial = Partial {
            path,
            target: target.to_path_buf(),
            committed: false,
        };
        Ok((partial, file))
    }

    /// Puts the partial file in the output's place. An earlier output is removed first rather
    /// than renamed over: on ext4 (its `auto_da_alloc` default) a rename over a file writes the
    /// new one back to disk at once, in the rename, which kept a run on a million companies
    /// waiting 50–70 ms for the disk. Removed first, the results are written back later in
    /// the background, like any new file's. The output is gone for the moment between the two
    /// calls; a run that fails before it leaves any earlier output untouched, and should the
    /// rename fail after the removal, the partial file is kept and named in the error.
    fn commit(mut self) -> std::io::Result<()> {
        if !self.committed {
            match std::fs::remove_file(&self.target) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
            if let Err(e) = std::fs::rename(&self.path, &self.target) {
                self.committed = true;
                let kept = format!("{e} (the results are in {})", self.path.display());
                return Err(std::io::Error::new(e.kind(), kept));
            }
            self.committed = true;
        }
        Ok(())
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Where rejected rows go: `--rejects`, else beside the output (`out.csv` →
/// `out.rejects.csv`), else `rejects.csv` beside the leads file.
fn rejects_path(args: &ScoreArgs) -> PathBuf {
    if let Some(p) = &args.rejects {
        return p.clone();
    }
    let base = args.output.as_deref().unwrap_or(&args.leads);
    let stem = base
        .file_stem()
        .map_or("leads".into(), |s| s.to_string_lossy().into_owned());
    base.with_file_name(format!("{stem}.rejects.csv"))
}

fn open_reader(
    rules: &RuleSet,
    config: &crate::config::Config,
    leads: &Path,
    contacts: Option<PathBuf>,
    rejects: Option<Box<dyn Write + Send>>,
    fields: Option<Vec<bool>>,
) -> Result<LeadReader, RunError> {
    let options = ReadOptions {
        format: None,
        contacts,
        rejects,
        fields,
    };
    Ok(LeadReader::open(
        leads,
        &rules.schema,
        &config.input,
        options,
    )?)
}

pub fn score(
    rules: &RuleSet,
    signals: &Signals,
    config: &crate::config::Config,
    args: &ScoreArgs,
    shown: impl Fn(&Path) -> String,
) -> Result<ExitCode, RunError> {
    let started = Instant::now();
    let plan = Plan::new(rules);
    let rejects_file = rejects_path(args);
    // Writing over an input would truncate it before it is read.
    let inputs: Vec<&Path> = std::iter::once(args.leads.as_path())
        .chain(args.contacts.as_deref())
        .collect();
    for written in args.output.iter().chain(std::iter::once(&rejects_file)) {
        if inputs.iter().any(|input| same_file(input, written)) {
            return Err(RunError::Overwrite {
                output: shown(written),
            });
        }
    }
    let rejects: Box<dyn Write + Send> = Box::new(LazyFile {
        path: rejects_file.clone(),
        pending: Vec::new(),
        file: None,
    });
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| RunError::Threads(threads, e.to_string()))?;
    // The reader parses in parallel in the pool (the contacts file now, the leads as they are
    // read), as the evaluation does.
    let mut reader = pool.install(|| {
        open_reader(
            rules,
            config,
            &args.leads,
            args.contacts.clone(),
            Some(rejects),
            // Only what the rules (and the plugins they call) read is parsed.
            Some(rules.fields_read()),
        )
    })?;
    // Results go to a partial file renamed over the output only when the run succeeds, so a
    // failure part-way (a plugin error, a full disk) never leaves results that look complete.
    let (partial, out): (Option<Partial>, Box<dyn Write>) = match &args.output {
        Some(path) => {
            let (partial, file) =
                Partial::create(path).map_err(|e| RunError::Write(shown(path), e))?;
            (Some(partial), Box::new(std::io::BufWriter::new(file)))
        }
        None => (
            None,
            Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
        ),
    };
    let output_name = args
        .output
        .as_deref()
        .map_or("standard output".to_string(), &shown);
    let write_err = |e| RunError::Write(output_name.clone(), e);
    let mut writer = ResultWriter::new(
        out,
        &rules.schema,
        WriteOptions {
            format: args.format,
            all: args.all,
            explain: args.explain,
        },
    )
    .map_err(write_err)?;
    let progress = std::io::stderr().is_terminal();
    let mut summary = Summary::new(rules);
    // At most this many batches are between the reader and the output at once.
    let window = threads * 2;
    // Byte buffers of written batches, for formatting the next ones (memory already touched,
    // not fresh pages the kernel must clear).
    let spare: std::sync::Mutex<Vec<Vec<u8>>> = std::sync::Mutex::default();
    // A batch as it comes back from the pool: its rows formatted, how many, its summary; or
    // the panic that stopped its scoring, for the main thread to resume.
    type Scored = std::thread::Result<Result<(Vec<u8>, u64, Summary), RunError>>;
    let (done, finished) = std::sync::mpsc::channel::<(usize, Scored)>();
    // A permit per batch that may be read; the writer hands one back per batch written.
    let (permit, permits) = std::sync::mpsc::sync_channel::<()>(window);
    // Set when the writer stops, however it stops: no more batches are read then.
    let stop = std::sync::atomic::AtomicBool::new(false);
    let report = std::thread::scope(|scope| -> Result<ReadReport, RunError> {
        let (pool, spare, plan, stop, write_err) = (&pool, &spare, &plan, &stop, &write_err);
        let formatter = writer.formatter().clone();
        // The reader runs on its own thread and hands each batch to the pool as soon as it is
        // read: the pool takes it through the plugins and the evaluator, formats its rows and
        // counts its summary, while the reader goes on (parsing in the same pool).
        let producer = scope.spawn(move || {
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
                            signals.fill(b, args.today)?;
                            // Columns, or every result whole with its explanation.
                            let results = if args.explain {
                                let leads =
                                    icp_engine::fast::evaluate(rules, plan, b, args.today, true);
                                BatchResults::from_leads(rules, leads)
                            } else {
                                icp_engine::fast::evaluate_columns(rules, plan, b, args.today)
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
                            Ok((bytes, rows, part))
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
                    let (mut bytes, rows, part) =
                        scored.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
                    writer.write_formatted(&bytes, rows).map_err(write_err)?;
                    summary.merge(part);
                    bytes.clear();
                    if let Ok(mut spare) = spare.lock() {
                        spare.push(bytes);
                    }
                    next += 1;
                    let _ = permit.send(());
                    if progress {
                        let secs = started.elapsed().as_secs_f64().max(1e-9);
                        eprint!(
                            "\r  scored {} leads ({} leads/s)   ",
                            group_digits(summary.leads),
                            group_digits((summary.leads as f64 / secs) as u64)
                        );
                    }
                }
            }
            Ok(())
        })();
        let read = producer.join();
        // A writing error first: the reader only stopped because of it.
        written?;
        read.map_err(|_| RunError::Threads(1, "the reader thread stopped".to_string()))
    })?;
    if progress {
        eprint!("\r{}\r", " ".repeat(60));
    }
    let mut out = writer.finish().map_err(write_err)?;
    out.flush().map_err(write_err)?;
    drop(out);
    if let Some(partial) = partial {
        partial.commit().map_err(write_err)?;
    }
    let rejects_shown =
        (report.rejected + report.contacts_rejected > 0).then(|| shown(&rejects_file));
    let mut text = reader_lines(
        &report,
        &shown(&args.leads),
        args.contacts.as_deref().map(&shown),
        rejects_shown,
    );
    text.push_str(&format!("results written to {output_name}\n"));
    let rendered = summary.render(rules, &text, started.elapsed());
    let _ = std::io::stderr().write_all(rendered.as_bytes());
    Ok(ExitCode::SUCCESS)
}

/// The reader's part of the summary: rows read and what became of them.
fn reader_lines(
    r: &ReadReport,
    leads: &str,
    contacts: Option<String>,
    rejects: Option<String>,
) -> String {
    let mut out = format!(
        "read {} rows from {leads}: {} leads, {} rejected",
        group_digits(r.rows_read),
        group_digits(r.leads),
        group_digits(r.rejected)
    );
    if r.grouped_rows > 0 {
        out.push_str(&format!(
            ", {} contact rows grouped into their company",
            group_digits(r.grouped_rows)
        ));
    }
    if r.duplicate_ids > 0 {
        out.push_str(&format!(
            ", {} duplicate ids",
            group_digits(r.duplicate_ids)
        ));
    }
    out.push('\n');
    if let Some(contacts) = contacts {
        out.push_str(&format!(
            "read {} rows from {contacts}: {} contacts joined, {} without a matching company, {} rejected\n",
            group_digits(r.contact_rows_read),
            group_digits(r.contacts_matched),
            group_digits(r.contacts_unmatched),
            group_digits(r.contacts_rejected)
        ));
    }
    if let Some(rejects) = rejects {
        out.push_str(&format!(
            "rejected rows, with their line numbers, are in {rejects}\n"
        ));
    }
    if !r.field_errors.is_empty() {
        out.push_str("values that did not parse (kept as missing):\n");
        for (field, e) in &r.field_errors {
            out.push_str(&format!(
                "  {field:<28} {:>9}  e.g. {:?} on line {}\n",
                group_digits(e.count),
                e.example,
                e.line
            ));
        }
    }
    if !r.unknown_columns.is_empty() {
        out.push_str(&format!(
            "columns ignored (not mapped to a field): {}\n",
            r.unknown_columns.join(", ")
        ));
    }
    if !r.contacts_unknown_columns.is_empty() {
        out.push_str(&format!(
            "contacts columns ignored (not mapped to a field): {}\n",
            r.contacts_unknown_columns.join(", ")
        ));
    }
    for warning in &r.warnings {
        out.push_str(&format!("warning: {warning}\n"));
    }
    out
}

/// What `icp explain` looks for: the lead `id` in these files, as of `today`.
#[derive(Debug)]
pub struct ExplainArgs<'a> {
    pub leads: &'a Path,
    pub contacts: Option<PathBuf>,
    pub id: &'a str,
    pub today: i32,
}

/// `icp explain`: one lead against every ICP, check by check.
pub fn explain(
    rules: &RuleSet,
    signals: &Signals,
    config: &crate::config::Config,
    args: ExplainArgs,
    shown: impl Fn(&Path) -> String,
) -> Result<ExitCode, RunError> {
    let ExplainArgs {
        leads,
        contacts,
        id,
        today,
    } = args;
    let reader = open_reader(rules, config, leads, contacts, None, None)?;
    let mut found: Option<(Lead, u64)> = None;
    let mut same_id = 0usize;
    for batch in reader {
        let mut batch = batch?;
        let rows: Vec<usize> = (0..batch.len()).filter(|&r| batch.ids[r] == *id).collect();
        same_id += rows.len();
        if let (Some(&row), None) = (rows.first(), &found) {
            // Only the batch holding the lead is sent to the plugins.
            signals.fill(&mut batch, today)?;
            found = Some((batch.lead(row), batch.lines[row]));
        }
    }
    if let Some((lead, line)) = found {
        let result = icp_engine::reference::evaluate(rules, &lead, today);
        let mut out = format!("lead {id} (line {line} of {})\n", shown(leads));
        if same_id > 1 {
            out.push_str(&format!(
                "note: {same_id} leads have this id; this is the first of them\n"
            ));
        }
        if let Some(best) = result.best {
            let b = &result.icps[best];
            out.push_str(&format!(
                "best ICP: {}, tier {}\n",
                b.name,
                b.tier.unwrap_or("-")
            ));
        } else {
            out.push_str("best ICP: none (no ICP gives this lead a tier)\n");
        }
        for r in &result.icps {
            out.push('\n');
            out.push_str(&icp_engine::explain::explain_icp(r, 0));
            let misses = icp_engine::explain::near_miss(rules, &lead, r);
            if !misses.is_empty() {
                out.push_str(if r.qualified {
                    "  what would change the tier:\n"
                } else {
                    "  what disqualified it:\n"
                });
                for m in misses {
                    out.push_str(&format!("    {m}\n"));
                }
            }
        }
        if !result.personas.is_empty() {
            out.push_str("\ncontacts:\n");
            out.push_str(&icp_engine::explain::explain_personas(&result, 2));
        }
        let _ = std::io::stdout().write_all(out.as_bytes());
        return Ok(ExitCode::SUCCESS);
    }
    Err(RunError::NotFound {
        id: id.to_string(),
        file: shown(leads),
    })
}
