//! `icp compile`: the rule set as one SQL query, a view, a dbt model, or the input schema.
//!
//! How it works: the rules are compiled as for `icp check` (against the plugins' signal
//! declarations; rule errors are printed, exit 1), then `icp_sql` writes the query for the
//! dialect, reading the tables and columns the flags and `[input.columns]` name. The query
//! (or, with `--schema`, the typed `CREATE TABLE` statements of the tables it reads) goes to
//! `-o FILE` or standard output; `--dbt DIR` writes `models/icp_scores.sql` and
//! `models/schema.yml` under DIR. Files are written as one output set: all of them or none.
//! A construct the dialect cannot express, or a signal without a signals table, is an error
//! naming it (E0050–E0059), exit 2.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use icp_engine::{Entity, FieldId, Schema};
use icp_sql::{DialectName, Options};

use crate::args::as_of_date;
use crate::error::{RunError, UsageError};
use crate::outputs::OutputSet;
use crate::project::Project;

/// What `icp compile` was asked for.
#[derive(Debug)]
pub struct CompileRequest {
    pub dialect: String,
    pub rules: Vec<PathBuf>,
    pub companies_table: String,
    pub contacts_table: Option<String>,
    pub contacts_order: Option<String>,
    pub signals_table: Option<String>,
    pub all: bool,
    pub as_of: Option<String>,
    pub view: Option<String>,
    pub output: Option<PathBuf>,
    pub schema: bool,
    pub dbt: Option<PathBuf>,
}

/// `icp compile`: exit 0 when written, 1 when the rule set has errors.
pub fn run(project: &Project, request: CompileRequest) -> Result<ExitCode, UsageError> {
    let dialect = DialectName::parse(&request.dialect).ok_or_else(|| {
        let names: Vec<&str> = DialectName::ALL.iter().map(|d| d.as_str()).collect();
        UsageError::Compile(format!(
            "--dialect {}: not a dialect; the dialects are {}",
            request.dialect,
            names.join(", ")
        ))
    })?;
    let plugins = project.plugin_signals(true)?;
    let Some((rules, _)) =
        project.compile_or_report(plugins.catalog(), &request.rules, "nothing was compiled")?
    else {
        return Ok(ExitCode::from(1));
    };
    let mut options = Options::new(dialect);
    options.companies_table = request.companies_table.clone();
    options.contacts_table = request.contacts_table.clone();
    options.contacts_order = request.contacts_order.clone();
    options.signals_table = request.signals_table.clone();
    options.all = request.all;
    options.as_of = match &request.as_of {
        Some(_) => Some(as_of_date(request.as_of.as_deref())?),
        None => None,
    };
    options.view = request.view.clone();
    options.columns = mapped_columns(&project.config.input.columns, &rules.schema);
    if !matches!(
        project.config.input.industry_taxonomy.as_deref(),
        None | Some("none")
    ) {
        return Err(UsageError::Compile(
            "`[input] industry_taxonomy` translates industry labels while reading files, which the compiled query does not do (E0052)\n  help: load the industries already canonical, and remove industry_taxonomy for `icp compile`".into(),
        ));
    }
    let failed = |e: icp_sql::CompileError| UsageError::Compile(e.to_string());

    if let Some(dir) = &request.dbt {
        let (sql, yml) = icp_sql::dbt::model(&rules, &options).map_err(failed)?;
        let models = dir.join("models");
        std::fs::create_dir_all(&models)
            .map_err(|e| UsageError::Write(project.show(&models), e))?;
        let files = [
            (models.join(format!("{}.sql", icp_sql::dbt::MODEL)), sql),
            (models.join("schema.yml"), yml),
        ];
        return write_all(project, &files);
    }
    let text = if request.schema {
        icp_sql::schema_text(&rules, &options).map_err(failed)?
    } else {
        icp_sql::compile(&rules, &options).map_err(failed)?
    };
    match &request.output {
        Some(path) if path.as_os_str() != "-" => write_all(project, &[(path.clone(), text)]),
        _ => {
            std::io::stdout()
                .write_all(text.as_bytes())
                .map_err(|e| UsageError::Write("standard output".into(), e))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `[input.columns]` (column → field path) as each field's column.
fn mapped_columns(
    columns: &std::collections::BTreeMap<String, String>,
    schema: &Schema,
) -> HashMap<FieldId, String> {
    let mut out = HashMap::new();
    for (column, path) in columns {
        let field = match Entity::split_path(path) {
            Some((entity, name)) => schema.lookup(entity, name),
            None => schema.lookup(Entity::Company, path),
        };
        if let Some(f) = field {
            out.entry(f).or_insert_with(|| column.clone());
        }
    }
    out
}

/// Writes the files as one output set: every one of them, or none.
fn write_all(project: &Project, files: &[(PathBuf, String)]) -> Result<ExitCode, UsageError> {
    let targets: Vec<PathBuf> = files.iter().map(|(p, _)| p.clone()).collect();
    let mut outputs = OutputSet::new(&targets).map_err(|same| RunError::SameOutput {
        first: project.show(&same.first),
        second: project.show(&same.second),
    })?;
    for (i, (path, text)) in files.iter().enumerate() {
        let mut file = outputs
            .create(i)
            .map_err(|e| UsageError::Write(project.show(path), e))?;
        file.write_all(text.as_bytes())
            .map_err(|e| UsageError::Write(project.show(path), e))?;
    }
    outputs
        .commit()
        .map_err(|(path, e)| UsageError::Write(project.show(&path), e))?;
    Ok(ExitCode::SUCCESS)
}
