//! `icp signals`: every plugin signal value the rules use, per company, as a table a compiled
//! query joins (`icp compile --signals-table`).
//!
//! How it works: the rules, plugins and lead files are prepared as for `icp score`
//! ([`LeadSetup`]); each batch goes through the plugins exactly as when scoring, and each lead
//! becomes one row: its id, then the value of every signal call the rules make, one column per
//! call named by its stable key (`icp_sql::signals::signal_columns`:
//! `funding.raised_within(90d)` → `funding_raised_within_90d`). A missing value is an empty
//! cell (CSV) or `null` (JSON Lines, Parquet); numbers as `icp score` writes them, dates
//! `YYYY-MM-DD`, booleans `true`/`false`, lists joined by `;` in CSV and arrays in JSON
//! Lines. `-o NAME.parquet` writes the JSON Lines rows as a typed Parquet table
//! (`icp_io::parquet::table::JsonLinesToParquet`): the id text, each column typed by its
//! signal's output (boolean, double, date32, string, list<string>). A lead whose id came
//! earlier is written once. Rules that call no signal have nothing to write: a usage error
//! (E0058) before any lead is read. The file is written as one output set: complete, or not
//! at all.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use icp_engine::Value;
use icp_engine::ir::SignalCallId;
use icp_engine::lead::LeadView;

use crate::LeadArgs;
use crate::error::{RunError, UsageError};
use crate::outputs::OutputSet;
use crate::project::Project;
use crate::setup::LeadSetup;

/// The format of the signals file, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SignalsFormat {
    Csv,
    Jsonl,
    Parquet,
}

fn signals_format(project: &Project, output: &Path) -> Result<SignalsFormat, UsageError> {
    let parquet = output
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    match crate::args::format_of_extension(output) {
        Some((crate::OutFormat::Jsonl, _)) => Ok(SignalsFormat::Jsonl),
        Some((crate::OutFormat::Csv, _)) => Ok(SignalsFormat::Csv),
        None if parquet && cfg!(feature = "parquet") => Ok(SignalsFormat::Parquet),
        None if parquet => Err(UsageError::FormatMismatch(
            "this icp was built without Parquet (the `parquet` feature)".to_string(),
        )),
        None => Err(UsageError::Compile(format!(
            "-o {}: write the signals to a .csv, .jsonl or .parquet file",
            project.show(output)
        ))),
    }
}

/// `icp signals -o FILE`: exit 0 when written, 1 when the rule set has errors.
pub fn run(project: &Project, input: LeadArgs, output: PathBuf) -> Result<ExitCode, UsageError> {
    let format = signals_format(project, &output)?;
    let host = project.load_plugins()?;
    let Some(setup) = LeadSetup::prepare(project, &host, input)? else {
        return Ok(ExitCode::from(1));
    };
    let columns = icp_sql::signals::signal_columns(&setup.rules);
    if columns.is_empty() {
        return Err(UsageError::Compile(
            "the rules call no plugin signal, so there are no signal values to write (E0058)\n  help: compile these rules without --signals-table; `icp signals` is for rules that call signals such as `funding.raised_within(90d)`".into(),
        ));
    }
    if setup
        .read
        .iter()
        .any(|r| crate::outputs::same_file(r, &output))
    {
        return Err(RunError::Overwrite {
            output: project.show(&output),
        }
        .into());
    }
    let mut outputs =
        OutputSet::new(std::slice::from_ref(&output)).map_err(|same| RunError::SameOutput {
            first: project.show(&same.first),
            second: project.show(&same.second),
        })?;
    let shown = project.show(&output);
    let file = outputs
        .create(0)
        .map_err(|e| UsageError::Write(shown.clone(), e))?;
    let write_err = |e: std::io::Error| UsageError::Write(shown.clone(), e);
    let mut out = SignalsOut::new(
        std::io::BufWriter::new(file),
        format,
        &parquet_columns(&setup.rules, &columns),
    )
    .map_err(write_err)?;
    let jsonl = format != SignalsFormat::Csv;
    if !jsonl {
        let mut header = csv::Writer::from_writer(Vec::new());
        let names = std::iter::once("id").chain(columns.iter().map(|(_, c)| c.as_str()));
        header
            .write_record(names)
            .map_err(csv_err)
            .map_err(write_err)?;
        out.write_all(
            &header
                .into_inner()
                .map_err(|e| e.into_error())
                .map_err(write_err)?,
        )
        .map_err(write_err)?;
    }
    let reader = setup.open_reader(
        &project.config,
        None,
        Some(setup.rules.fields_read()),
        false,
    )?;
    let mut seen = HashSet::new();
    let mut rows = 0u64;
    for batch in reader {
        let mut batch = batch.map_err(RunError::from)?;
        setup.signals.fill(&mut batch, setup.today)?;
        for row in 0..batch.len() {
            let id = batch.ids[row].to_string();
            if !seen.insert(id.clone()) {
                continue;
            }
            let lead = batch.lead(row);
            let values: Vec<Option<Value>> = columns
                .iter()
                .map(|(call, _)| lead.signal(SignalCallId(*call as u32)))
                .collect();
            let line = if jsonl {
                json_row(&id, &columns, &values)
            } else {
                csv_row(&id, &values)
            };
            out.write_all(line.as_bytes()).map_err(write_err)?;
            rows += 1;
        }
    }
    out.finish()
        .map_err(write_err)?
        .flush()
        .map_err(write_err)?;
    outputs
        .commit()
        .map_err(|(path, e)| UsageError::Write(project.show(&path), e))?;
    let _ = writeln!(
        std::io::stderr(),
        "signals of {rows} companies ({} calls) written to {shown}",
        columns.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// The columns of the Parquet table: the id, then each signal column typed by its signal's
/// output type.
#[cfg(feature = "parquet")]
fn parquet_columns(
    rules: &icp_engine::ir::RuleSet,
    columns: &[(usize, String)],
) -> Vec<icp_io::parquet::table::Column> {
    use icp_engine::schema::{Scalar, Type};
    use icp_io::parquet::table::{Column, ColumnType};
    let typed = |call: usize| {
        let signal = rules.signal_calls[call].signal;
        match rules.signals.signal(signal).output {
            Type::Scalar(Scalar::Bool) => ColumnType::Bool,
            Type::Scalar(Scalar::Number | Scalar::Duration) => ColumnType::Number,
            Type::Scalar(Scalar::Date) => ColumnType::Date,
            Type::List(_) => ColumnType::TextList,
            Type::Scalar(Scalar::String) | Type::Error => ColumnType::Text,
        }
    };
    std::iter::once(Column::new("id", ColumnType::Text))
        .chain(
            columns
                .iter()
                .map(|(call, name)| Column::new(name, typed(*call))),
        )
        .collect()
}

#[cfg(not(feature = "parquet"))]
fn parquet_columns(_: &icp_engine::ir::RuleSet, _: &[(usize, String)]) -> Vec<()> {
    Vec::new()
}

/// Where the rows go: the file, or a Parquet table made from their JSON Lines.
enum SignalsOut<W: Write> {
    Plain(W),
    #[cfg(feature = "parquet")]
    Parquet(Box<icp_io::parquet::table::JsonLinesToParquet<W>>),
}

impl<W: Write> SignalsOut<W> {
    #[cfg(feature = "parquet")]
    fn new(
        out: W,
        format: SignalsFormat,
        columns: &[icp_io::parquet::table::Column],
    ) -> std::io::Result<SignalsOut<W>> {
        Ok(match format {
            SignalsFormat::Parquet => SignalsOut::Parquet(Box::new(
                icp_io::parquet::table::JsonLinesToParquet::new(out, columns)?,
            )),
            _ => SignalsOut::Plain(out),
        })
    }

    #[cfg(not(feature = "parquet"))]
    fn new(out: W, _: SignalsFormat, _: &[()]) -> std::io::Result<SignalsOut<W>> {
        Ok(SignalsOut::Plain(out))
    }

    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            SignalsOut::Plain(w) => w.write_all(bytes),
            #[cfg(feature = "parquet")]
            SignalsOut::Parquet(p) => p.write_all(bytes),
        }
    }

    /// The destination, with every row (and the Parquet footer) written to it.
    fn finish(self) -> std::io::Result<W> {
        match self {
            SignalsOut::Plain(w) => Ok(w),
            #[cfg(feature = "parquet")]
            SignalsOut::Parquet(p) => p.finish(),
        }
    }
}

fn csv_err(e: csv::Error) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

/// A value as a CSV cell.
fn cell(v: &Value) -> String {
    match v {
        Value::Bool(b) => b.to_string(),
        Value::Number(n) | Value::Duration(n) => icp_engine::format_number(*n),
        Value::String(s) => s.clone(),
        Value::Date(_) => v.to_string(),
        Value::List(items) => items.iter().map(cell).collect::<Vec<_>>().join(";"),
    }
}

fn csv_row(id: &str, values: &[Option<Value>]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let cells = std::iter::once(id.to_string()).chain(
        values
            .iter()
            .map(|v| v.as_ref().map(cell).unwrap_or_default()),
    );
    // Writing to a vector cannot fail.
    let _ = w.write_record(cells);
    w.into_inner()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

fn json(v: &Value) -> serde_json::Value {
    match v {
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Number(n) | Value::Duration(n) => serde_json::json!(n),
        Value::String(s) => serde_json::Value::String(s.clone()),
        Value::Date(_) => serde_json::Value::String(v.to_string()),
        Value::List(items) => serde_json::Value::Array(items.iter().map(json).collect()),
    }
}

fn json_row(id: &str, columns: &[(usize, String)], values: &[Option<Value>]) -> String {
    let mut row = serde_json::Map::new();
    row.insert("id".into(), serde_json::Value::String(id.to_string()));
    for ((_, name), v) in columns.iter().zip(values) {
        row.insert(
            name.clone(),
            v.as_ref().map_or(serde_json::Value::Null, json),
        );
    }
    serde_json::Value::Object(row).to_string() + "\n"
}
