//! Compiles a checked rule set to one SQL query that returns what `icp score` writes, for
//! DuckDB, Spark, Postgres, BigQuery and Snowflake.
//!
//! How it works: [`compile`] takes the checked IR (`icp_engine::ir::RuleSet`, the same the
//! reference evaluator runs) and writes a chain of CTEs ([`query`]): the input tables read as
//! the lead readers read a file ([`input`]), lets and quantifiers in dependency order
//! ([`stages`]), every condition as a three-valued truth with its missing inputs ([`expr`]),
//! scores, tiers, the result strings, and the best ICP per lead. Every semantic decision is
//! made here, once, for all dialects; a [`dialect::Dialect`] only spells it. What a dialect
//! cannot express, and what has no SQL form at all (a relative threshold, a signal without a
//! signals table), is a [`CompileError`] with a code from E0050–E0059 naming the construct.
//! [`signals::signal_columns`] names the columns of the signals table (`icp signals`), and
//! [`dbt`] writes a dbt model.

pub mod countries;
pub mod countries_used;
pub mod dbt;
pub mod dialect;
pub mod domains;
pub mod expr;
pub mod hoist;
pub mod input;
pub mod names;
pub mod query;
pub mod signals;
pub mod stages;

use std::collections::HashMap;
use std::fmt;

use icp_engine::FieldId;
use icp_engine::ir::RuleSet;

pub use dialect::{DialectName, SqlType};

/// What to compile and where the query reads.
#[derive(Debug, Clone)]
pub struct Options {
    pub dialect: DialectName,
    pub companies_table: String,
    /// Without a contacts table every lead has no contacts (as `icp score` without
    /// `--contacts`).
    pub contacts_table: Option<String>,
    /// The table of signal values `icp signals` writes, joined by company id.
    pub signals_table: Option<String>,
    /// One row per lead and ICP instead of the best ICP's.
    pub all: bool,
    /// `today`, in days since 1970-01-01 (default: the database's current date).
    pub as_of: Option<i32>,
    /// Write `CREATE OR REPLACE VIEW NAME AS …`.
    pub view: Option<String>,
    /// A field's column where it is not the field's name (`[input.columns]`).
    pub columns: HashMap<FieldId, String>,
    /// The contacts' column holding their company's id.
    pub contacts_key: String,
    /// The contacts' column giving their order within a company (the order of the export),
    /// which orders the missing inputs of quantifiers in `unknown` and `reasons`.
    pub contacts_order: Option<String>,
    /// The signals table's column holding the company's id.
    pub signals_key: String,
}

impl Options {
    pub fn new(dialect: DialectName) -> Options {
        Options {
            dialect,
            companies_table: "companies".to_string(),
            contacts_table: None,
            signals_table: None,
            all: false,
            as_of: None,
            view: None,
            columns: HashMap::new(),
            contacts_key: "company_id".to_string(),
            contacts_order: None,
            signals_key: "id".to_string(),
        }
    }
}

/// Why a rule set cannot be compiled for a dialect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    /// E0050–E0059.
    pub code: &'static str,
    pub message: String,
    pub help: Option<String>,
}

impl CompileError {
    pub fn new(code: &'static str, message: impl Into<String>) -> CompileError {
        CompileError {
            code,
            message: message.into(),
            help: None,
        }
    }

    /// E0050: a construct with no faithful SQL form in the dialect.
    pub fn unsupported(construct: &str, dialect: DialectName) -> CompileError {
        CompileError {
            code: "E0050",
            message: format!("{construct} cannot be compiled to {dialect} SQL"),
            help: Some(
                "score these leads with `icp score`, or rewrite the condition without it".into(),
            ),
        }
    }

    /// E0050 from a dialect's own refusal.
    pub fn dialect(u: dialect::Unsupported, dialect: DialectName) -> CompileError {
        CompileError {
            code: "E0050",
            message: format!("{} (compiling to {dialect} SQL)", u.0),
            help: Some("rewrite the pattern without it, or score with `icp score`".into()),
        }
    }
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CompileError {}

/// The query returning `icp score`'s columns for the leads of the tables in `options`.
pub fn compile(rules: &RuleSet, options: &Options) -> Result<String, CompileError> {
    let signal_columns = signals::routed(rules, options)?;
    let mut sql = query::build(rules, options, &signal_columns)?;
    sql.push_str(if options.dialect == DialectName::BigQuery {
        "\n"
    } else {
        ";\n"
    });
    Ok(sql)
}

/// The input tables the query reads, their columns and types, as text (`icp compile
/// --schema`).
pub fn schema_text(rules: &RuleSet, options: &Options) -> Result<String, CompileError> {
    let signal_columns = signals::routed(rules, options)?;
    let d = options.dialect.dialect();
    let mut out = String::new();
    for (table, columns) in input::expected_schema(rules, options, &signal_columns) {
        out.push_str(&format!("-- {table}\nCREATE TABLE {} (\n", d.table(&table)));
        let last = columns.len().saturating_sub(1);
        for (n, (col, ty, what)) in columns.iter().enumerate() {
            let comma = if n < last { "," } else { "" };
            out.push_str(&format!(
                "  {} {}{comma}  -- {what}\n",
                d.ident(col),
                d.type_name(*ty)
            ));
        }
        out.push_str(");\n");
    }
    Ok(out)
}
