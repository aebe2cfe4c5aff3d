//! The differential tests of `icp compile` (`sql_duckdb.rs`, `sql_postgres.rs`): typed tables
//! written as JSON Lines, the cases run by an [`Engine`] ([`python::PythonEngine`] for DuckDB and
//! Spark, `sql_postgres.rs`'s for PostgreSQL through `psql`), and result rows compared with what `icp score`
//! writes, column by column. [`random`] generates the cases and runs the comparison.

pub mod python;
pub mod random;

use std::path::{Path, PathBuf};

use icp_engine::ir::RuleSet;
use icp_engine::{Entity, Schema, Value};
use serde_json::{Value as Json, json};

/// One table of a case: its name, file and typed columns.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub path: PathBuf,
    pub columns: Vec<(String, String)>,
}

/// One case: its tables and its queries.
#[derive(Debug, Clone)]
pub struct Case {
    pub tables: Vec<Table>,
    pub queries: Vec<String>,
}

/// Per case, the rows of each query (columns in the order of `icp_io::write::COLUMNS`), or the
/// database's error.
pub type CaseResult = Result<Vec<Vec<Vec<Json>>>, String>;

/// A database that runs compiled queries on typed tables.
pub trait Engine {
    /// The dialect its queries are compiled to.
    fn dialect(&self) -> icp_sql::DialectName;

    /// How many units in the last place a number may differ from `icp score`'s: 0, except
    /// for an engine whose `POWER` is not correctly rounded (Spark's Java `Math.pow`).
    fn float_ulps(&self) -> u64 {
        0
    }

    /// Runs every case (each on fresh tables); `dir` is free for the engine's files.
    fn run(&self, dir: &Path, cases: &[Case]) -> Vec<CaseResult>;
}

/// A value as the typed table holds it.
pub fn json_value(v: &Value) -> Json {
    match v {
        Value::Bool(b) => json!(b),
        Value::Number(n) | Value::Duration(n) => json!(n),
        Value::String(s) => json!(s),
        Value::Date(d) => {
            let (y, m, day) = icp_syntax::ast::civil_from_days(*d);
            json!(format!("{y:04}-{m:02}-{day:02}"))
        }
        Value::List(items) => Json::Array(items.iter().map(json_value).collect()),
    }
}

/// The column type in `dialect` of every field of `entity`, by field name.
pub fn typed_columns(
    schema: &Schema,
    entity: Entity,
    dialect: icp_sql::DialectName,
) -> Vec<(String, String)> {
    let d = dialect.dialect();
    schema
        .fields()
        .filter(|(_, f)| f.entity == entity)
        .map(|(_, f)| {
            let ty = icp_sql::input::sql_type(f.ty);
            (f.name.clone(), d.type_name(ty).to_string())
        })
        .collect()
}

/// Writes JSON Lines rows.
pub fn write_rows(path: &Path, rows: &[serde_json::Map<String, Json>]) {
    let mut text = String::new();
    for row in rows {
        text.push_str(&Json::Object(row.clone()).to_string());
        text.push('\n');
    }
    std::fs::write(path, text).expect("write a table");
}

/// A result row as comparable text: `icp score`'s JSON Lines row (lists joined by `|`, as its
/// CSV cells) or a row of the query, each column in order.
pub type Row = Vec<String>;

fn cell(v: &Json) -> String {
    match v {
        Json::Null => "∅".to_string(),
        Json::Array(items) => items
            .iter()
            .map(|i| i.as_str().unwrap_or_default().to_string())
            .collect::<Vec<_>>()
            .join("|"),
        Json::Number(n) => format!("{:?}", n.as_f64().expect("a number")),
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The rows `icp score` writes as JSON Lines, as [`Row`]s.
pub fn expected_rows(jsonl: &str) -> Vec<Row> {
    jsonl
        .lines()
        .map(|line| {
            let row: serde_json::Map<String, Json> = serde_json::from_str(line).expect("a row");
            icp_io::write::COLUMNS
                .iter()
                .map(|c| {
                    let v = row.get(*c).cloned().unwrap_or(Json::Null);
                    // An empty list cell and an empty string are one CSV cell.
                    match v {
                        Json::Array(a) if a.is_empty() => String::new(),
                        other => cell(&other),
                    }
                })
                .collect()
        })
        .collect()
}

/// The rows of a query, as [`Row`]s.
pub fn query_rows(rows: &[Vec<Json>]) -> Vec<Row> {
    rows.iter().map(|r| r.iter().map(cell).collect()).collect()
}

/// Sorts rows by id and ICP (SQL has no row order), for comparison.
pub fn sorted(mut rows: Vec<Row>) -> Vec<Row> {
    rows.sort_by(|a, b| (&a[0], &a[2]).cmp(&(&b[0], &b[2])));
    rows
}

/// The first difference between two row sets, shown with the column names.
pub fn difference(expected: &[Row], got: &[Row]) -> Option<String> {
    difference_within(expected, got, 0)
}

/// Whether two cells are the same, numbers within `ulps` units in the last place.
fn same_cell(a: &str, b: &str, ulps: u64) -> bool {
    if a == b {
        return true;
    }
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y))
            if ulps > 0 && x.is_finite() && y.is_finite() && x.signum() == y.signum() =>
        {
            x.to_bits().abs_diff(y.to_bits()) <= ulps
        }
        _ => false,
    }
}

/// As [`difference`], with numbers equal within `ulps` units in the last place (an engine
/// whose `POWER` is not correctly rounded: Java's `Math.pow` may be 1 ulp off).
pub fn difference_within(expected: &[Row], got: &[Row], ulps: u64) -> Option<String> {
    if expected.len() != got.len() {
        return Some(format!(
            "{} rows expected, {} returned\nexpected: {expected:#?}\ngot: {got:#?}",
            expected.len(),
            got.len()
        ));
    }
    for (e, g) in expected.iter().zip(got) {
        if e.iter().zip(g).any(|(a, b)| !same_cell(a, b, ulps)) {
            let cols: Vec<String> = icp_io::write::COLUMNS
                .iter()
                .zip(e.iter().zip(g))
                .filter(|(_, (a, b))| !same_cell(a, b, ulps))
                .map(|(c, (a, b))| format!("  {c}: icp score {a:?}, sql {b:?}"))
                .collect();
            return Some(format!("lead {} ICP {}:\n{}", e[0], e[2], cols.join("\n")));
        }
    }
    None
}

/// The companies and contacts tables of a rule set's leads, written under `dir`, typed for
/// `dialect`.
pub fn lead_tables(
    dir: &Path,
    rules: &RuleSet,
    leads: &[icp_tests::LeadValues],
    dialect: icp_sql::DialectName,
) -> Vec<Table> {
    let schema = &rules.schema;
    let mut companies = Vec::new();
    let mut contacts = Vec::new();
    for (i, (company, people)) in leads.iter().enumerate() {
        let id = format!("lead{i}");
        let mut row = serde_json::Map::new();
        row.insert("id".into(), json!(id));
        for (f, v) in company {
            row.insert(schema.field(*f).name.clone(), json_value(v));
        }
        companies.push(row);
        for (n, person) in people.iter().enumerate() {
            let mut row = serde_json::Map::new();
            row.insert("company_id".into(), json!(id));
            row.insert("ord".into(), json!(n));
            for (f, v) in person {
                row.insert(schema.field(*f).name.clone(), json_value(v));
            }
            contacts.push(row);
        }
    }
    let companies_path = dir.join("companies.jsonl");
    let contacts_path = dir.join("contacts.jsonl");
    write_rows(&companies_path, &companies);
    write_rows(&contacts_path, &contacts);
    let text = dialect.dialect().type_name(icp_sql::SqlType::Text);
    let mut contact_columns = vec![
        ("company_id".to_string(), text.to_string()),
        ("ord".to_string(), "INTEGER".to_string()),
    ];
    contact_columns.extend(typed_columns(schema, Entity::Contact, dialect));
    vec![
        Table {
            name: "companies".into(),
            path: companies_path,
            columns: typed_columns(schema, Entity::Company, dialect),
        },
        Table {
            name: "contacts".into(),
            path: contacts_path,
            columns: contact_columns,
        },
    ]
}
