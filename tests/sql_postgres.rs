//! The SQL `icp compile --dialect postgres` writes, executed by a real PostgreSQL server,
//! returns what `icp score` writes, row by row and column by column: the random rule sets and
//! leads of `sql_duckdb.rs` (`sql_harness::random`), with `--all` and without.
//!
//! How it works: `scripts/postgres.sh start DIR` starts a throwaway server (installing Debian's
//! `postgresql` when it is missing) on a Unix socket only, in a UTF-8 database with the C.UTF-8
//! locale; a [`Server`] guard stops it when the test ends, failed or not. Each case runs in one
//! `psql` process, inside a transaction rolled back at the end: the typed tables (`text`,
//! `double precision`, `date`, `boolean`, `text[]`) are created, filled from the harness's JSON
//! Lines files (`\copy` into a `jsonb` column, then `jsonb_populate_record`, so no second file
//! format), and each query's rows are written by `json_agg` to a file of their own.
//! The tables are analysed, as a warehouse's are. `ICP_SQL_CASES` sets how many rule sets the
//! random test runs (default [`CI_CASES`]).

#[allow(dead_code)] // the harness serves several test binaries; each uses a part of it
mod sql_harness;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value as Json;
use sql_harness::{Case, CaseResult, Engine};

/// The random rule sets of a normal run: about a minute.
const CI_CASES: usize = 100;

/// A throwaway PostgreSQL server, stopped when dropped.
struct Server {
    dir: tempfile::TempDir,
    /// psql's connection options.
    connection: Vec<String>,
}

fn script() -> PathBuf {
    icp_tests::workspace().join("scripts/postgres.sh")
}

impl Server {
    fn start() -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let output = Command::new("bash")
            .arg(script())
            .arg("start")
            .arg(dir.path().join("pg"))
            .output()
            .expect("bash runs");
        assert!(
            output.status.success(),
            "scripts/postgres.sh start failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let connection = String::from_utf8(output.stdout)
            .expect("UTF-8")
            .split_whitespace()
            .map(String::from)
            .collect();
        Server { dir, connection }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let stopped = Command::new("bash")
            .arg(script())
            .arg("stop")
            .arg(self.dir.path().join("pg"))
            .status();
        if !matches!(stopped, Ok(s) if s.success()) {
            eprintln!("scripts/postgres.sh stop failed: {stopped:?}");
        }
    }
}

/// PostgreSQL through `psql`.
struct Postgres<'s> {
    server: &'s Server,
}

/// The psql commands creating and filling `table` from its JSON Lines file.
fn load_table(table: &sql_harness::Table) -> String {
    let columns: Vec<String> = table
        .columns
        .iter()
        .map(|(name, ty)| format!("\"{name}\" {ty}"))
        .collect();
    let name = &table.name;
    // CSV with a quote and a delimiter no JSON line holds: each line is one `jsonb` cell.
    // Analysed, as a warehouse's tables are: without statistics the planner guesses
    // thousands of rows, and the query's cost sets off JIT compilation of all its
    // expressions, seconds a case (docs/warehouses.md).
    format!(
        "CREATE TABLE \"{name}\" ({});\n\
         TRUNCATE raw_lines;\n\
         \\copy raw_lines FROM '{}' WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')\n\
         INSERT INTO \"{name}\" SELECT r.* FROM raw_lines, \
         jsonb_populate_record(NULL::\"{name}\", raw_lines.doc) AS r;\n\
         ANALYZE \"{name}\";\n",
        columns.join(", "),
        table.path.display()
    )
}

/// A result file's rows, each an object, as rows of values in `icp score`'s column order.
fn rows_of(path: &Path) -> Vec<Vec<Json>> {
    let text = std::fs::read_to_string(path).expect("a result file");
    let rows: Vec<serde_json::Map<String, Json>> =
        serde_json::from_str(text.trim()).expect("json_agg's rows");
    rows.into_iter()
        .map(|row| {
            icp_io::write::COLUMNS
                .iter()
                .map(|c| row.get(*c).cloned().unwrap_or(Json::Null))
                .collect()
        })
        .collect()
}

impl Postgres<'_> {
    fn run_case(&self, dir: &Path, case: &Case) -> CaseResult {
        let mut script = String::from(
            "\\set ON_ERROR_STOP on\nBEGIN;\nCREATE TEMP TABLE raw_lines (doc jsonb);\n",
        );
        for table in &case.tables {
            script.push_str(&load_table(table));
        }
        let mut outputs = Vec::new();
        for (q, query) in case.queries.iter().enumerate() {
            let out = dir.join(format!("rows{q}.json"));
            let body = query.trim_end().trim_end_matches(';');
            script.push_str(&format!(
                "\\o '{}'\nSELECT COALESCE(json_agg(r), '[]') FROM (\n{body}\n) AS r;\n\\o\n",
                out.display()
            ));
            outputs.push(out);
        }
        script.push_str("ROLLBACK;\n");
        let script_path = dir.join("case.psql");
        std::fs::write(&script_path, script).expect("the psql script");
        let output = Command::new("psql")
            .args(["-X", "-q", "-t", "-A"])
            .args(&self.server.connection)
            .arg("-f")
            .arg(&script_path)
            .output()
            .expect("psql runs");
        if !output.status.success() {
            return Err(String::from_utf8_lossy(&output.stderr).into_owned());
        }
        Ok(outputs.iter().map(|p| rows_of(p)).collect())
    }
}

impl Engine for Postgres<'_> {
    fn dialect(&self) -> icp_sql::DialectName {
        icp_sql::DialectName::Postgres
    }

    /// Runs each case in its own psql process, its files beside the case's tables.
    fn run(&self, dir: &Path, cases: &[Case]) -> Vec<CaseResult> {
        cases
            .iter()
            .map(|case| {
                let case_dir = case.tables[0].path.parent().unwrap_or(dir);
                self.run_case(case_dir, case)
            })
            .collect()
    }
}

/// Rules aimed at what PostgreSQL does differently from `icp score`'s Rust, one score each:
/// its range errors on double overflow and underflow (also in `POWER`), its regular
/// expressions (`\b` is a backspace there; Unicode classes), `lower()` of non-ASCII text.
const FOCUSED: &str = r#"
icp focus {
  score 1 "product overflows" when company.revenue * 1000B > 0
  score 2 "quotient underflows" when company.revenue / 1000B / 1000B / 1000B == 0
  score 4 "sum overflows" when company.revenue + company.revenue > 0
  score 8 "decay underflows" decaying(company.employees - 100, half_life = 1d)
  score 16 "word boundary" when company.name matches /\bcorp\b/i
  score 32 "unicode class" when company.name matches /^\p{Lu}\w+/
  score 64 "unicode lower" when company.name == "ÉCOLE ÄÖÜ" or company.name contains "straße"
  score 128 "month rounding" when company.last_seen + 1mo > 2024-01-01
  tier A when score >= 100
  tier B when score >= 10
  tier C otherwise
}
"#;

/// Leads for [`FOCUSED`]: revenues near the overflow bounds, names in and out of ASCII.
fn focused_leads() -> Vec<(icp_tests::rule_gen::Row, Vec<icp_tests::rule_gen::Row>)> {
    use icp_engine::Value::{Date, Number, String as Text};
    let company = |name: &str, employees: f64, revenue: f64, last_seen: i32| {
        vec![
            ("name", Text(name.to_string())),
            ("employees", Number(employees)),
            ("revenue", Number(revenue)),
            ("last_seen", Date(last_seen)),
        ]
    };
    vec![
        (company("Acme Corp", 5000.0, 1e9, 19_722), vec![]),
        (company("Acme Corporation", 3.0, 1e7, 19_723), vec![]),
        (company("école äöü", 120.5, 2e6, 19_700), vec![]),
        (company("Ötzi Straße", 0.0, 0.0, 19_000), vec![]),
        (company("ÉCOLE ÄÖÜ", 101.0, 5e-300, 20_000), vec![]),
        (company("Huge Corp", 7.0, 1e300, 19_900), vec![]),
        (company("huger corp", 7.0, 1.7e308, 19_900), vec![]),
        (company("lower case", 50.0, 1.5e8, 20_100), vec![]),
    ]
}

/// `CI_CASES` random rule sets; `ICP_SQL_CASES=N` runs N (300 take about 3 minutes).
#[test]
fn random_rule_sets_give_icp_scores_rows_in_postgres() {
    let server = Server::start();
    sql_harness::random::random_rule_sets_match(&Postgres { server: &server }, CI_CASES);
}

#[test]
fn range_errors_regexes_and_unicode_text_give_icp_scores_rows_in_postgres() {
    let server = Server::start();
    let (_dir, root) = sql_harness::random::cases_dir();
    let case = sql_harness::random::case_of(FOCUSED.to_string(), &focused_leads(), 20_200);
    sql_harness::random::run_and_compare(&Postgres { server: &server }, &root, [case]);
}
