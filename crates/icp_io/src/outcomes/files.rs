//! Reading an outcomes file, CSV or JSON Lines, row by row into deals.
//!
//! How it works: the file is opened through the lead reader's encoding detection
//! (`crate::encoding`, `[outcomes] encoding`). A CSV file goes through the exact CSV splitter
//! the leads go through (`crate::csv_split`, one record at a time: memory is one record plus
//! the accounts), its header mapped once (`columns::Layout`), every row checked as a lead row
//! is (`read::event_cells`: wrong width, invalid UTF-8, a quote left open, an empty row). A
//! JSON Lines file is read a line at a time (`read::json_object`); its keys map as headers
//! do, the preset told from the first object's keys; a string, number or yes / no is a value,
//! `null` is missing, an array of company ids is several ids. Each row then becomes a deal
//! (`deal`) or a reject. A Parquet file is read by its columns (`parquet_rows`).

use std::borrow::Cow;
use std::collections::HashSet;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde_json::Value as J;

use super::columns::{DealColumn, Layout, Resolver, detect};
use super::config::{OutcomesConfig, OutcomesPreset, StageMap};
use super::deal::{DealReader, RowValues};
use super::{Outcomes, OutcomesOptions, ReadError};
use crate::csv_split::{CsvSplitter, Event, trim_line_end};
use crate::read::{InputError, InputFormat, event_cells, header_names, json_object};
use crate::report::Rejects;

/// At most this many unknown JSON keys are listed.
const UNKNOWN_LIMIT: usize = 1_000;

/// Reads the file at `path` (see the module documentation).
pub(super) fn read(
    path: &Path,
    config: &OutcomesConfig,
    options: OutcomesOptions,
) -> Result<Outcomes, ReadError> {
    config.validate().map_err(InputError::OutcomesConfig)?;
    let stages = config.stage_map().map_err(InputError::OutcomesConfig)?;
    let file = File::open(path).map_err(|source| InputError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let input = config.input_config();
    #[cfg(feature = "parquet")]
    let parquet = crate::parquet::is_parquet(path);
    #[cfg(not(feature = "parquet"))]
    let parquet = false;
    // A Parquet file is read by its columns, not as text.
    let source: Box<dyn Read + Send> = match parquet {
        true => Box::new(std::io::empty()),
        false => crate::encoding::decoded(file, path, &input)?,
    };
    let mut rejects = Rejects::new(options.rejects, !options.raw_cells)
        .map_err(|source| InputError::Rejects { source })?;
    let mut reading = Reading {
        path,
        config,
        stages: &stages,
        rejects: &mut rejects,
        outcomes: Outcomes::default(),
    };
    match options
        .format
        .unwrap_or_else(|| InputFormat::from_path(path))
    {
        #[cfg(feature = "parquet")]
        _ if parquet => reading.parquet()?,
        InputFormat::Csv => reading.csv(source, input.delimiter_for(path)?)?,
        InputFormat::JsonLines => reading.json_lines(source)?,
    }
    let mut outcomes = reading.outcomes;
    rejects
        .flush()
        .map_err(|source| InputError::Rejects { source })?;
    let (rows, first) = rejects.not_utf8_rows();
    if rows > 0 {
        let warning = crate::encoding::not_utf8_warning("the outcomes file", rows, first);
        let warning = warning.replace("[input] encoding", "[outcomes] encoding");
        outcomes.report.warnings.push(warning);
    }
    Ok(outcomes)
}

/// One read under way.
pub(super) struct Reading<'r> {
    pub(super) path: &'r Path,
    pub(super) config: &'r OutcomesConfig,
    stages: &'r StageMap,
    rejects: &'r mut Rejects,
    pub(super) outcomes: Outcomes,
}

impl Reading<'_> {
    fn read_err(&self) -> impl Fn(std::io::Error) -> InputError + use<> {
        let path = self.path.to_path_buf();
        move |source| InputError::Read {
            path: path.clone(),
            source,
        }
    }

    /// Sets the preset the columns read by.
    pub(super) fn start(&mut self, preset: OutcomesPreset) -> Resolver {
        self.outcomes.report.preset = preset;
        self.outcomes.salesforce = preset == OutcomesPreset::Salesforce;
        Resolver::new(self.config, preset)
    }

    fn reject(&mut self, line: u64, reason: &str, raw: &[u8]) -> Result<(), InputError> {
        self.outcomes.report.rejected += 1;
        self.rejects
            .write(line, reason, raw)
            .map_err(|source| InputError::Rejects { source })
    }

    /// A row's values into a deal, counted, or rejected.
    pub(super) fn row(
        &mut self,
        line: u64,
        row: &RowValues<'_>,
        raw: &[u8],
    ) -> Result<(), InputError> {
        let reader = DealReader {
            preset: self.outcomes.report.preset,
            stages: self.stages,
            separator: self.config.separator(),
        };
        match reader.deal(row) {
            Ok(deal) => {
                self.outcomes.add(&deal);
                Ok(())
            }
            Err(reason) => self.reject(line, &reason, raw),
        }
    }

    fn csv(&mut self, source: Box<dyn Read + Send>, delimiter: u8) -> Result<(), InputError> {
        let read_err = self.read_err();
        let mut split = CsvSplitter::new(source, delimiter);
        let headers = match split.next_event().map_err(&read_err)? {
            Some(Event::Record(r)) => header_names(&r),
            _ => return Ok(()),
        };
        let preset = self
            .config
            .preset
            .unwrap_or_else(|| detect(headers.iter().map(String::as_str)));
        let resolver = self.start(preset);
        let layout = Layout::of(&resolver, &headers);
        if let Some(message) = layout.missing(preset) {
            return Err(InputError::Outcomes {
                path: self.path.to_path_buf(),
                message,
            });
        }
        self.outcomes.report.unknown_columns = layout.unused.clone();
        while let Some(event) = split.next_event().map_err(&read_err)? {
            self.outcomes.report.rows_read += 1;
            match event_cells(event, &headers) {
                Err((line, reason, raw)) => self.reject(line, &reason, raw)?,
                Ok((line, cells, raw)) => {
                    let row = layout
                        .values(|column| column.and_then(|i| cells.get(i)).map(Cow::Borrowed));
                    self.row(line, &row, raw)?;
                }
            }
        }
        Ok(())
    }

    fn json_lines(&mut self, source: Box<dyn Read + Send>) -> Result<(), InputError> {
        let read_err = self.read_err();
        let mut source = BufReader::with_capacity(64 * 1024, source);
        let mut buf = Vec::new();
        let mut line = 0u64;
        let mut resolver: Option<Resolver> = None;
        let mut unknown: HashSet<String> = HashSet::new();
        loop {
            buf.clear();
            if source.read_until(b'\n', &mut buf).map_err(&read_err)? == 0 {
                return Ok(());
            }
            line += 1;
            let mut text = trim_line_end(&buf);
            if line == 1
                && let Some(rest) = text.strip_prefix(b"\xEF\xBB\xBF")
            {
                text = rest;
            }
            if text.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            self.outcomes.report.rows_read += 1;
            let object = match json_object(text) {
                Ok(object) => object,
                Err(reason) => {
                    self.reject(line, &reason, text)?;
                    continue;
                }
            };
            let resolver = match &resolver {
                Some(r) => r,
                None => {
                    let preset = self
                        .config
                        .preset
                        .unwrap_or_else(|| detect(object.keys().map(String::as_str)));
                    resolver.insert(self.start(preset))
                }
            };
            let separator = self.config.separator();
            let mut row = RowValues::default();
            let mut bad = None;
            for (key, value) in &object {
                let slot = match resolver.column(key) {
                    Some(DealColumn::CompanyId) => &mut row.company_id,
                    Some(DealColumn::Domain) => &mut row.domain,
                    Some(DealColumn::Outcome) => &mut row.outcome,
                    Some(DealColumn::Amount) => &mut row.amount,
                    Some(DealColumn::Created) => &mut row.created,
                    Some(DealColumn::Closed) => &mut row.closed,
                    Some(DealColumn::IsWon) => &mut row.is_won,
                    Some(DealColumn::IsClosed) => &mut row.is_closed,
                    Some(DealColumn::Ignore) => continue,
                    None => {
                        if unknown.len() < UNKNOWN_LIMIT && unknown.insert(key.clone()) {
                            self.outcomes.report.unknown_columns.push(key.clone());
                        }
                        continue;
                    }
                };
                if slot.is_some() {
                    continue;
                }
                match json_text(value, separator) {
                    Ok(text) => *slot = text,
                    Err(what) => {
                        bad.get_or_insert(format!("{key:?} holds {what}, not a value"));
                    }
                }
            }
            match bad {
                Some(reason) => self.reject(line, &reason, text)?,
                None => self.row(line, &row, text)?,
            }
        }
    }
}

/// A JSON value as a cell's text: `None` for `null`; an array's items joined by `separator`
/// (a list of company ids); an object is no value (`Err` names it).
fn json_text<'v>(value: &'v J, separator: &str) -> Result<Option<Cow<'v, str>>, &'static str> {
    Ok(match value {
        J::Null => None,
        J::String(s) => Some(Cow::Borrowed(s.as_str())),
        J::Number(n) => Some(Cow::Owned(n.to_string())),
        J::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        J::Array(items) => {
            let mut texts = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    J::Array(_) | J::Object(_) => return Err("a nested array or object"),
                    other => texts.extend(json_text(other, separator)?),
                }
            }
            Some(Cow::Owned(texts.join(separator)))
        }
        J::Object(_) => return Err("an object"),
    })
}
