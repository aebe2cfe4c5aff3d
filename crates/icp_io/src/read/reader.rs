//! [`LeadReader`]: opens a lead file and reads it, in one of its three shapes, as an
//! iterator of batches.
//!
//! How it works: `open` / `from_reader` validate `[input]`, load the contacts file (if any)
//! into its index, read and map the CSV header, and pick the shape: a companies CSV (read in
//! parallel chunks, `companies`), one row per contact (`per_contact`, read whole on the first
//! call), or JSON Lines (`jsonl`, a line at a time). Each call of `next` returns the next
//! batch; after the last, the contacts file's matched and unmatched rows are counted and the
//! rejects sink is flushed.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use icp_engine::Schema;
use icp_engine::batch::{Batch, BatchBuilder};

use super::cells::{RejectLog, header_names, project, write_rejects};
use super::companies::{CompanyParser, CompanyPart, whole_file};
use super::contacts_file::ContactsFile;
use super::jsonl::{JsonLeads, KeyCache, json_object};
use super::lead::{Emitter, Filling, Leads, Special};
#[cfg(feature = "parquet")]
use super::parquet_leads::ParquetLeads;
use super::per_contact::Grouped;
use super::progress::ReadProgress;
use super::{InputError, InputFormat, ReadOptions};
use crate::chunks::Records;
use crate::config::InputConfig;
use crate::csv_split::{CsvSplitter, Event, trim_line_end};
use crate::mapping::{Mapper, Plan, Role};
use crate::presets::{JoinKind, Preset};
use crate::report::{ReadMode, ReadReport, Rejects};
use crate::seen::SeenIds;

/// A byte source of lead files.
type Source = Box<dyn Read + Send>;

enum State {
    Csv {
        records: Records,
        plan: Plan,
        /// Batches read and not yet handed out.
        ready: VecDeque<Batch>,
    },
    PerContact {
        pending: Option<Box<(CsvSplitter<Source>, Plan)>>,
        groups: Option<Grouped>,
    },
    Jsonl {
        source: BufReader<Box<dyn Read + Send>>,
        line: u64,
        buf: Vec<u8>,
        keys: KeyCache,
        /// `[input.columns]`, normalised once.
        columns: Vec<(String, String)>,
    },
    /// A Parquet file of companies (`parquet_leads`).
    #[cfg(feature = "parquet")]
    Parquet {
        leads: Box<ParquetLeads>,
        ready: VecDeque<Batch>,
    },
    Done,
}

/// Where the leads come from.
enum Input {
    /// A byte stream of CSV or JSON Lines.
    Stream(Source, InputFormat),
    /// A Parquet file, its footer read.
    #[cfg(feature = "parquet")]
    Parquet(crate::parquet::ParquetSource),
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            State::Csv { .. } => "Csv",
            State::PerContact { .. } => "PerContact",
            State::Jsonl { .. } => "Jsonl",
            #[cfg(feature = "parquet")]
            State::Parquet { .. } => "Parquet",
            State::Done => "Done",
        })
    }
}

/// Reads a lead file as an iterator of batches; see the module documentation.
#[derive(Debug)]
pub struct LeadReader {
    path: PathBuf,
    config: InputConfig,
    state: State,
    emitter: Emitter,
    rejects: Rejects,
    report: ReadReport,
    finished: bool,
    /// The size of the lead file, when known: with the first chunks, a guess of how many
    /// leads it has.
    size: Option<u64>,
    /// How much of the lead file has been read (a file opened by [`LeadReader::open`]).
    progress: Option<ReadProgress>,
}

impl LeadReader {
    /// Opens a lead file (and the contacts file of `options`, read whole now).
    pub fn open(
        path: &Path,
        schema: &Schema,
        config: &InputConfig,
        options: ReadOptions,
    ) -> Result<LeadReader, InputError> {
        // A Parquet file by its name or its magic bytes, whatever the format asked for.
        #[cfg(feature = "parquet")]
        if crate::parquet::is_parquet(path) {
            let input = Input::Parquet(crate::parquet::ParquetSource::open(path)?);
            return LeadReader::build(input, path, schema, config, options);
        }
        let file = File::open(path).map_err(|source| InputError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        let format = options
            .format
            .unwrap_or_else(|| InputFormat::from_path(path));
        let size = file.metadata().map(|m| m.len()).ok();
        let progress = ReadProgress::new(size);
        let mut reader = LeadReader::from_reader(
            crate::encoding::decoded(progress.counted(file), path, config)?,
            path,
            format,
            schema,
            config,
            options,
        )?;
        reader.size = size;
        reader.progress = Some(progress);
        Ok(reader)
    }

    /// Reads leads from any byte source; `name` stands for it in messages (and its extension
    /// picks a `.tsv` file's tab delimiter). A source that starts with Parquet's magic bytes
    /// is copied into an anonymous temporary file and read as a Parquet file, whatever
    /// `format` says (`crate::parquet::spool`).
    pub fn from_reader(
        source: Box<dyn Read + Send>,
        name: &Path,
        format: InputFormat,
        schema: &Schema,
        config: &InputConfig,
        options: ReadOptions,
    ) -> Result<LeadReader, InputError> {
        #[cfg(feature = "parquet")]
        let source = {
            use crate::parquet::spool::{Sniffed, sniff};
            let sniffed = sniff(source).map_err(|source| InputError::Read {
                path: name.to_path_buf(),
                source,
            })?;
            match sniffed {
                Sniffed::Other(source) => source,
                Sniffed::Parquet(file) => {
                    let parquet = crate::parquet::ParquetSource::of_file(file, name)?;
                    return LeadReader::build(
                        Input::Parquet(parquet),
                        name,
                        schema,
                        config,
                        options,
                    );
                }
            }
        };
        LeadReader::build(Input::Stream(source, format), name, schema, config, options)
    }

    fn build(
        input: Input,
        name: &Path,
        schema: &Schema,
        config: &InputConfig,
        options: ReadOptions,
    ) -> Result<LeadReader, InputError> {
        config.validate(schema)?;
        let mut rejects = Rejects::new(options.rejects, !options.raw_cells)
            .map_err(|source| InputError::Rejects { source })?;
        let mut report = ReadReport::default();
        let special = Special::of(schema);
        let mapper = Mapper::new(schema, config);
        let delimiter_for =
            |path: &Path| -> Result<u8, InputError> { Ok(config.delimiter_for(path)?) };
        let separator = config.list_separator.as_str();
        // Whether the rules themselves read the domain (it is read for every row then).
        let rules_read_domain = special.domain.is_some_and(|d| {
            options
                .fields
                .as_ref()
                .is_some_and(|r| r.get(d.0 as usize).copied().unwrap_or(false))
        });
        let read = options.fields.map(|mut read| {
            read.resize(schema.len(), false);
            for field in [special.id, special.domain, special.name]
                .into_iter()
                .flatten()
            {
                read[field.0 as usize] = true;
            }
            read
        });
        let contacts = match &options.contacts {
            Some(path) => Some(
                ContactsFile {
                    path,
                    mapper: &mapper,
                    special,
                    separator,
                    delimiter: delimiter_for(path)?,
                    salesforce: config.preset == Some(Preset::Salesforce),
                    read: read.as_deref(),
                    chunk_lines: config.batch_size,
                }
                .load(&mut rejects, &mut report)?,
            ),
            None => None,
        };
        let mut projected = false;
        let read_err = |source| InputError::Read {
            path: name.to_path_buf(),
            source,
        };
        // Leaves out of a companies file's plan what the run does not read.
        let mut project_companies = |plan: &mut Plan| {
            if let Some(read) = &read {
                project(plan, read, special);
                projected = true;
                // The domain, kept for the leads without an id, is read only for them unless
                // the rules or the join need it.
                let by_domain = contacts
                    .as_ref()
                    .is_some_and(|c| c.kind == JoinKind::Domain);
                if let (Some(domain), false) = (special.domain, by_domain || rules_read_domain) {
                    plan.defer(domain);
                }
            }
        };
        let (source, format) = match input {
            Input::Stream(source, format) => (source, format),
            #[cfg(feature = "parquet")]
            Input::Parquet(source) => {
                let leads = ParquetLeads::open(
                    source,
                    &mapper,
                    config.batch_size,
                    &mut report,
                    &mut project_companies,
                )?;
                let progress = leads.progress();
                let state = State::Parquet {
                    leads: Box::new(leads),
                    ready: VecDeque::new(),
                };
                let finish = (state, read.filter(|_| projected));
                let mut reader = LeadReader::with_state(
                    finish, name, schema, config, special, contacts, rejects, report,
                );
                reader.size = progress.total();
                reader.progress = Some(progress);
                return Ok(reader);
            }
        };
        let state = match format {
            InputFormat::JsonLines => {
                report.mode = ReadMode::JsonLines;
                State::Jsonl {
                    source: BufReader::with_capacity(64 * 1024, source),
                    line: 0,
                    buf: Vec::new(),
                    keys: KeyCache::default(),
                    columns: Mapper::normalized_columns(config),
                }
            }
            InputFormat::Csv => {
                let delimiter = delimiter_for(name)?;
                let mut split = CsvSplitter::new(source, delimiter);
                let headers = match split.next_event().map_err(read_err)? {
                    Some(Event::Record(r)) => Some(header_names(&r)),
                    _ => None,
                };
                match headers {
                    None => State::Done,
                    Some(headers) => {
                        let per_contact =
                            options.contacts.is_none() && mapper.has_person_columns(&headers);
                        let role = if per_contact {
                            Role::PerContact
                        } else {
                            Role::Companies
                        };
                        let mut plan =
                            Plan::for_header(&mapper, headers, role).map_err(|message| {
                                InputError::Contacts {
                                    path: name.to_path_buf(),
                                    message,
                                }
                            })?;
                        report.unknown_columns = plan.unused.clone();
                        report.warnings.extend(plan.warnings.iter().cloned());
                        if per_contact && plan.reads_contacts() {
                            report.mode = ReadMode::PerContact;
                            State::PerContact {
                                pending: Some(Box::new((split, plan))),
                                groups: None,
                            }
                        } else {
                            project_companies(&mut plan);
                            State::Csv {
                                records: Records::after_header(split, delimiter, config.batch_size),
                                plan,
                                ready: VecDeque::new(),
                            }
                        }
                    }
                }
            }
        };
        let finish = (state, read.filter(|_| projected));
        Ok(LeadReader::with_state(
            finish, name, schema, config, special, contacts, rejects, report,
        ))
    }

    /// The reader of a file opened: its state, and the fields its batches keep.
    #[allow(clippy::too_many_arguments)]
    fn with_state(
        (state, read): (State, Option<Vec<bool>>),
        name: &Path,
        schema: &Schema,
        config: &InputConfig,
        special: Special,
        contacts: Option<super::contact_index::ContactIndex>,
        rejects: Rejects,
        report: ReadReport,
    ) -> LeadReader {
        let mut emitter = Emitter {
            schema: schema.clone(),
            batch_size: config.batch_size.max(1),
            filling: Filling::new(BatchBuilder::reading(schema, 0, read.as_deref())),
            read,
            special,
            seen: SeenIds::new(),
            contacts,
        };
        // The first batch is built as every other one is.
        emitter.filling.builder = emitter.new_builder();
        LeadReader {
            path: name.to_path_buf(),
            config: config.clone(),
            state,
            emitter,
            rejects,
            report,
            finished: false,
            size: None,
            progress: None,
        }
    }

    /// The counts so far; complete once the iterator has returned `None`.
    pub fn report(&self) -> &ReadReport {
        &self.report
    }

    /// How much of the lead file has been read, for a progress bar: a handle another thread
    /// may poll (`None` for a reader of a CSV or JSON Lines stream other than a file).
    pub fn progress(&self) -> Option<ReadProgress> {
        self.progress.clone()
    }

    pub fn into_report(self) -> ReadReport {
        self.report
    }

    fn read_err(&self) -> impl Fn(io::Error) -> InputError + use<> {
        let path = self.path.clone();
        move |source| InputError::Read {
            path: path.clone(),
            source,
        }
    }

    fn step(&mut self) -> Result<Option<Batch>, InputError> {
        let read_err = self.read_err();
        let LeadReader {
            config,
            state,
            emitter,
            rejects,
            report,
            size,
            ..
        } = self;
        let separator = config.list_separator.as_str();
        let reject = |rejects: &mut Rejects, line: u64, reason: &str, raw: &[u8]| {
            rejects
                .write(line, reason, raw)
                .map_err(|source| InputError::Rejects { source })
        };
        loop {
            match state {
                State::Done => return Ok(emitter.flush()),
                State::Csv {
                    records,
                    plan,
                    ready,
                } => {
                    if let Some(batch) = ready.pop_front() {
                        return Ok(Some(batch));
                    }
                    let parser = CompanyParser {
                        plan,
                        separator,
                        emitter,
                    };
                    let parts = records.next(&parser).map_err(&read_err)?;
                    if parts.is_empty() {
                        *state = State::Done;
                        continue;
                    }
                    if emitter.seen.is_empty() {
                        // The ids seen are sized once for the whole file, as the first
                        // chunks let guess it.
                        let ids = parts.iter().map(|p| p.ids.len()).sum();
                        emitter
                            .seen
                            .reserve(whole_file(ids, records.bytes_read(), *size));
                    }
                    absorb_parts(parts, emitter, report, rejects, ready, &read_err)?;
                }
                #[cfg(feature = "parquet")]
                State::Parquet { leads, ready } => {
                    if let Some(batch) = ready.pop_front() {
                        return Ok(Some(batch));
                    }
                    let parts = leads.next_parts(emitter, separator)?;
                    if parts.is_empty() {
                        *state = State::Done;
                        continue;
                    }
                    if emitter.seen.is_empty() {
                        emitter.seen.reserve(leads.rows() as usize);
                    }
                    absorb_parts(parts, emitter, report, rejects, ready, &read_err)?;
                }
                State::PerContact { pending, groups } => {
                    if let Some(pending) = pending.take() {
                        let (mut split, plan) = *pending;
                        let mut log = RejectLog::new();
                        let grouped = Grouped::read(
                            &mut split,
                            &plan,
                            separator,
                            &emitter.schema,
                            emitter.special,
                            report,
                            &mut log,
                        );
                        write_rejects(rejects, log)?;
                        *groups = Some(grouped.map_err(&read_err)?);
                    }
                    let Some(grouped) = groups.as_mut() else {
                        *state = State::Done;
                        continue;
                    };
                    let (leads, fill) = emitter.filling();
                    let Some(hash) = grouped.add_next(leads, fill, report) else {
                        *state = State::Done;
                        continue;
                    };
                    if let Some(batch) = emitter.counted(hash, report).map_err(&read_err)? {
                        grouped.new_batch();
                        return Ok(Some(batch));
                    }
                }
                State::Jsonl {
                    source,
                    line,
                    buf,
                    keys,
                    columns,
                } => {
                    buf.clear();
                    let n = source.read_until(b'\n', buf).map_err(&read_err)?;
                    if n == 0 {
                        *state = State::Done;
                        continue;
                    }
                    *line += 1;
                    let mut text = trim_line_end(buf);
                    if *line == 1
                        && let Some(rest) = text.strip_prefix(b"\xEF\xBB\xBF")
                    {
                        text = rest;
                    }
                    if text.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    report.rows_read += 1;
                    match json_object(text) {
                        Ok(object) => {
                            let hash = {
                                let Emitter {
                                    schema,
                                    filling,
                                    special,
                                    contacts,
                                    ..
                                } = &mut *emitter;
                                let mapper = Mapper::with_columns(schema, config, columns);
                                let json = JsonLeads {
                                    leads: Leads {
                                        special: *special,
                                        contacts: contacts.as_ref(),
                                    },
                                    mapper: &mapper,
                                    separator,
                                };
                                json.add_lead(&object, *line, keys, filling, report)
                            };
                            if let Some(batch) = emitter.counted(hash, report).map_err(&read_err)? {
                                return Ok(Some(batch));
                            }
                        }
                        Err(reason) => {
                            report.rejected += 1;
                            reject(rejects, *line, &reason, text)?;
                        }
                    }
                }
            }
        }
    }

    /// Final counts of the contacts file, and the warnings of the rows rejected.
    fn finalize(&mut self) {
        self.rejects.add_warnings(&mut self.report);
        if let Some(index) = &self.emitter.contacts {
            let matched = index
                .matched
                .iter()
                .filter(|m| m.load(Ordering::Relaxed))
                .count() as u64;
            self.report.contacts_matched = matched;
            self.report.contacts_unmatched = index.matched.len() as u64 - matched + index.keyless;
        }
    }
}

/// Takes in the parts of a file of companies read in parallel, in file order: their counts
/// and rejects, their ids counted for repeats, their batches made ready. Fails only as the
/// rejects sink or [`SeenIds::count`] do (`read_err` names the file then).
fn absorb_parts(
    parts: Vec<CompanyPart>,
    emitter: &mut Emitter,
    report: &mut ReadReport,
    rejects: &mut Rejects,
    ready: &mut VecDeque<Batch>,
    read_err: impl Fn(io::Error) -> InputError,
) -> Result<(), InputError> {
    for part in parts {
        report.absorb(part.report);
        write_rejects(rejects, part.rejects)?;
        let first = part.batches.first().and_then(|b| b.ids.get(0));
        let last = part.batches.last().and_then(|b| b.ids.last());
        let order = first.zip(last).filter(|_| part.ascending);
        emitter
            .seen
            .count(&part.ids, order, report)
            .map_err(&read_err)?;
        ready.extend(part.batches);
    }
    Ok(())
}

impl Iterator for LeadReader {
    type Item = Result<Batch, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        match self.step() {
            Ok(Some(batch)) => Some(Ok(batch)),
            Ok(None) => {
                self.finished = true;
                self.finalize();
                self.rejects
                    .flush()
                    .err()
                    .map(|source| Err(InputError::Rejects { source }))
            }
            Err(e) => {
                self.finished = true;
                self.finalize();
                // The read already failed; a failure to flush the rejects adds nothing.
                let _ = self.rejects.flush();
                Some(Err(e))
            }
        }
    }
}
