//! `icp signals`: every plugin signal value the rules use, per company, as a table a compiled
//! query joins (`icp compile --signals-table`).
//!
//! How it works: the rules, plugins and lead files are prepared as for `icp score`
//! ([`LeadSetup`]); each batch goes through the plugins exactly as when scoring, and each lead
//! becomes one row: its id, then the value of every signal call the rules make, one column per
//! call named by its stable key (`icp_sql::signals::signal_columns`:
//! `funding.raised_within(90d)` → `funding_raised_within_90d`). A missing value is an empty
//! cell (CSV) or `null` (JSON Lines); numbers as `icp score` writes them, dates
//! `YYYY-MM-DD`, booleans `true`/`false`, lists joined by `;` in CSV and arrays in JSON
//! Lines. A lead whose id came earlier is written once. The file is written as one output
//! set: complete, or not at all.

use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use icp_engine::Value;
use icp_engine::ir::SignalCallId;
use icp_engine::lead::LeadView;

use crate::LeadArgs;
use crate::error::{RunError, UsageError};
use crate::outputs::OutputSet;
use crate::project::Project;
use crate::setup::LeadSetup;

/// `icp signals -o FILE`: exit 0 when written, 1 when the rule set has errors.
pub fn run(project: &Project, input: LeadArgs, output: PathBuf) -> Result<ExitCode, UsageError> {
    let jsonl = match crate::args::format_of_extension(&output) {
        Some((crate::OutFormat::Jsonl, _)) => true,
        Some((crate::OutFormat::Csv, _)) => false,
        None => {
            return Err(UsageError::Compile(format!(
                "-o {}: write the signals to a .csv or .jsonl file",
                project.show(&output)
            )));
        }
    };
    let host = project.load_plugins()?;
    let Some(setup) = LeadSetup::prepare(project, &host, input)? else {
        return Ok(ExitCode::from(1));
    };
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
    let columns = icp_sql::signals::signal_columns(&setup.rules);
    let mut outputs =
        OutputSet::new(std::slice::from_ref(&output)).map_err(|same| RunError::SameOutput {
            first: project.show(&same.first),
            second: project.show(&same.second),
        })?;
    let shown = project.show(&output);
    let file = outputs
        .create(0)
        .map_err(|e| UsageError::Write(shown.clone(), e))?;
    let mut out = std::io::BufWriter::new(file);
    let write_err = |e: std::io::Error| UsageError::Write(shown.clone(), e);
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
    out.flush().map_err(write_err)?;
    drop(out);
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
