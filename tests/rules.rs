//! Every shipped rule set (each project under `rules/`, and `rules/` whole as the repository's
//! `icp.toml` reads it) compiled by `icp compile --dialect duckdb` and executed by DuckDB on
//! generated leads with contacts, missing cells and messy values, returns what `icp score`
//! writes, row by row and column by column, for the best ICP and with `--all`; rules that call
//! plugin signals go through `icp signals` (the shipped funding, events and job-changes
//! plugins, on the data `icp gen --signals-dir` writes for the same leads) and
//! `--signals-table`.
//!
//! How it works: per rule set, a project in a temporary directory gets the repository's
//! `icp.toml` field declarations, its own `[plugins.*]` tables and an `[input.columns]` mapping
//! (two renamed columns, so the compiled query reads mapped names). `icp gen` writes the leads,
//! the contacts and the plugins' data; the test appends a column for every custom field the
//! generator does not write, with messy and missing values. The binary scores the leads and
//! writes the signals; the compiled query runs in DuckDB (`sql_harness::python`, the pinned
//! Python `duckdb`) on tables created as `icp compile --schema` declares them.
//!
//! What the tables hold: the values `icp score` read, not the raw cells. The lead readers parse
//! `$1.2M`, `51-200`, `10K` and the other messy number forms, booleans and dates by each
//! field's kind, which a warehouse table does not hold (its columns are typed); loading the raw
//! CSV into DuckDB would test DuckDB's CSV reader, not the compiled query. So the test reads
//! the files with `icp_io`'s `LeadReader` — the reader `icp score` runs — under the project's
//! configuration, and writes each value it read, typed, into the tables. The signals table is
//! the file `icp signals` wrote, as it is. A rule set with a relative threshold has no SQL
//! form: it must be refused with E0050 (none of the shipped ones has one today).

#[allow(dead_code)]
mod sql_harness;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use icp_engine::Entity;
use icp_engine::lead::LeadView;
use icp_tests::{trusting_user_config, workspace};
use serde_json::{Value as Json, json};
use sql_harness::{Case, Engine, Table, difference, expected_rows, query_rows, sorted};

/// The date `today` stands for in every run.
const AS_OF: &str = "2026-03-01";

/// Columns renamed in the generated leads and mapped back by `[input.columns]`.
const MAPPED: &[(&str, &str)] = &[
    ("employees", "Employees (est.)"),
    ("annual_spend", "Spend last 12 months"),
];

/// One rule set under test: its name and the path `--rules` names.
struct RuleSet {
    name: String,
    rules: PathBuf,
}

/// Each project directory under `rules/`, then `rules/` whole.
fn shipped_rule_sets() -> Vec<RuleSet> {
    let root = workspace().join("rules");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("rules/")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut sets: Vec<RuleSet> = dirs
        .into_iter()
        .map(|d| RuleSet {
            name: d
                .file_name()
                .expect("a name")
                .to_string_lossy()
                .into_owned(),
            rules: d,
        })
        .collect();
    sets.push(RuleSet {
        name: "all".into(),
        rules: root,
    });
    sets
}

/// The `icp` binary with the shipped plugins built beside it.
fn icp_binary() -> &'static Path {
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| {
        icp_benches::cargo_build(&[
            "-p",
            "icp_cli",
            "--bin",
            "icp",
            "-p",
            "plugin_funding",
            "-p",
            "plugin_events",
            "-p",
            "plugin_job_changes",
        ])
        .join("icp")
    })
}

fn icp(dir: &Path, args: &[&str]) -> Output {
    Command::new(icp_binary())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("XDG_CONFIG_HOME", trusting_user_config())
        .output()
        .expect("icp runs")
}

/// Runs `icp` and returns its standard output; panics with its messages unless it exits 0.
fn icp_ok(dir: &Path, args: &[&str]) -> String {
    let out = icp(dir, args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "icp {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// The repository's `icp.toml` without the tables a test project sets itself (`[score]`,
/// `[outcomes]`, `[plugins.*]`, `[input*]`) nor `rules`: its field declarations.
fn repository_fields() -> String {
    let text = std::fs::read_to_string(workspace().join("icp.toml")).expect("icp.toml");
    let mut kept = String::new();
    let mut keep = true;
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with('[') {
            keep = t.starts_with("[fields.");
        } else if t.starts_with("rules") {
            continue;
        }
        if keep {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    kept
}

/// The project's `icp.toml`: the repository's fields, the plugins on the generated data, and
/// the column mapping.
fn project_config() -> String {
    let mut text = repository_fields();
    text.push_str("\n[input.columns]\n");
    for (field, column) in MAPPED {
        let entity = if *field == "employees" || *field == "annual_spend" {
            "company"
        } else {
            "contact"
        };
        text.push_str(&format!("{column:?} = \"{entity}.{field}\"\n"));
    }
    text.push_str(
        "\n[plugins.funding]\ndata = \"signals/funding.csv\"\n\n[plugins.events]\ndata = \"signals/events.csv\"\n\n[plugins.job_changes]\ndata = \"signals/job_changes.csv\"\nchampions = \"signals/champions.csv\"\n",
    );
    text
}

/// A small deterministic generator of messy cells.
struct Cells(u64);

impl Cells {
    fn next(&mut self, m: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % m
    }

    fn pick<'a>(&mut self, options: &[&'a str]) -> &'a str {
        options[self.next(options.len() as u64) as usize]
    }

    /// A cell of a field of type `ty`: missing one time in five (empty, or a missing-value
    /// token), otherwise a value in one of the forms exports hold.
    fn cell(&mut self, ty: icp_engine::Type) -> String {
        use icp_engine::schema::Scalar;
        if self.next(5) == 0 {
            return self.pick(&["", "n/a", " ", "NULL", "-"]).to_string();
        }
        match ty {
            icp_engine::Type::Scalar(Scalar::Number | Scalar::Duration) => {
                let n = self.next(5_000);
                match self.next(6) {
                    0 => format!("{n}"),
                    1 => format!(" {}.{} ", n, self.next(100)),
                    2 => format!("{}K", n % 900),
                    3 => format!("${}.{}M", n % 40, self.next(10)),
                    4 => format!("{},{:03}", n % 90 + 1, self.next(1000)),
                    _ => format!("0.{}", self.next(300)),
                }
            }
            icp_engine::Type::Scalar(Scalar::Date) => {
                let day = self.next(28) + 1;
                let month = self.next(12) + 1;
                let year = 2024 + self.next(3);
                if self.next(4) == 0 {
                    format!(" {year}-{month:02}-{day:02} ")
                } else {
                    format!("{year}-{month:02}-{day:02}")
                }
            }
            icp_engine::Type::Scalar(Scalar::Bool) => self
                .pick(&["true", "false", "TRUE", "False", "yes", "no"])
                .to_string(),
            icp_engine::Type::List(_) => self
                .pick(&["Alpha;Beta", " alpha ; ;GAMMA", "beta", "Delta;n/a"])
                .to_string(),
            _ => self
                .pick(&["Alpha", " beta ", "GAMMA", "delta"])
                .to_string(),
        }
    }
}

/// Rewrites a CSV file: columns renamed by [`MAPPED`], and a column appended for every field
/// of `entity` the file lacks, filled by [`Cells`].
fn complete(path: &Path, schema: &icp_engine::Schema, entity: Entity, seed: u64) {
    let mut reader = csv::Reader::from_path(path).expect("a generated CSV");
    let header: Vec<String> = reader
        .headers()
        .expect("a header")
        .iter()
        .map(str::to_string)
        .collect();
    let added: Vec<(String, icp_engine::Type)> = schema
        .fields()
        .filter(|(_, f)| f.entity == entity && !header.contains(&f.name))
        .map(|(_, f)| (f.name.clone(), f.ty))
        .collect();
    let mut out = csv::Writer::from_writer(Vec::new());
    let renamed = header
        .iter()
        .chain(added.iter().map(|(n, _)| n))
        .map(|name| {
            MAPPED
                .iter()
                .find(|(f, _)| f == name)
                .map_or(name.as_str(), |(_, column)| column)
        });
    out.write_record(renamed).expect("a header");
    let mut cells = Cells(seed);
    for record in reader.records() {
        let record = record.expect("a record");
        let mut row: Vec<String> = record.iter().map(str::to_string).collect();
        row.extend(added.iter().map(|(_, ty)| cells.cell(*ty)));
        out.write_record(&row).expect("a row");
    }
    std::fs::write(path, out.into_inner().expect("bytes")).expect("rewrite the CSV");
}

/// A column of a table `icp compile --schema` declares: its name, its DuckDB type and what it
/// holds (a field's path, or words).
struct Column {
    name: String,
    ty: String,
    what: String,
}

/// The tables of `icp compile --schema`'s text, by name.
fn declared_tables(schema: &str) -> Vec<(String, Vec<Column>)> {
    let mut tables: Vec<(String, Vec<Column>)> = Vec::new();
    for line in schema.lines() {
        if let Some(rest) = line.strip_prefix("CREATE TABLE ") {
            let name = rest.trim_end_matches(" (").trim_matches('"').to_string();
            tables.push((name, Vec::new()));
        } else if let Some(rest) = line.strip_prefix("  \"") {
            let end = rest.find("\" ").expect("a quoted column name");
            let name = rest[..end].replace("\"\"", "\"");
            let (ty, what) = rest[end + 2..]
                .split_once("  -- ")
                .expect("a comment on every column");
            let column = Column {
                name,
                ty: ty.trim_end_matches(',').to_string(),
                what: what.to_string(),
            };
            tables.last_mut().expect("a table").1.push(column);
        }
    }
    tables
}

/// A value as the typed table holds it (the harness's form).
fn typed(v: Option<icp_engine::Value>) -> Json {
    v.as_ref().map_or(Json::Null, sql_harness::json_value)
}

/// A table's rows, as JSON objects by column name.
type Rows = Vec<serde_json::Map<String, Json>>;

/// The companies and contacts tables' rows: every value `icp score`'s reader read from the
/// project's lead files, under the column names `--schema` declares.
fn read_rows(dir: &Path, companies: &[Column], contacts: &[Column]) -> (Rows, Rows) {
    let config = icp_cli::config::Config::load(&dir.join("icp.toml")).expect("the project config");
    let schema = &config.schema;
    let options = icp_io::ReadOptions {
        format: Some(icp_io::InputFormat::Csv),
        contacts: Some(dir.join("contacts.csv")),
        rejects: None,
        fields: None,
        raw_cells: false,
    };
    let reader = icp_io::LeadReader::open(&dir.join("leads.csv"), schema, &config.input, options)
        .expect("the leads open");
    let field = |entity: Entity, what: &str| {
        let (e, name) = Entity::split_path(what)?;
        (e == entity).then(|| schema.lookup(entity, name)).flatten()
    };
    let mut company_rows = Vec::new();
    let mut contact_rows = Vec::new();
    for batch in reader {
        let batch = batch.expect("a batch");
        for row in 0..batch.len() {
            let id = batch.ids[row].to_string();
            let lead = batch.lead(row);
            let mut out = serde_json::Map::new();
            for c in companies {
                let value = match field(Entity::Company, &c.what) {
                    // The lead's id as the readers settle it (`icp score`'s `id` column).
                    _ if c.what == "company.id" => json!(id),
                    Some(f) => typed(lead.company(f)),
                    None => panic!("an unexpected companies column {:?}", c.name),
                };
                out.insert(c.name.clone(), value);
            }
            company_rows.push(out);
            for n in 0..lead.contact_count() {
                let mut out = serde_json::Map::new();
                for c in contacts {
                    let value = match field(Entity::Contact, &c.what) {
                        Some(f) => typed(lead.contact(n, f)),
                        None if c.name == "company_id" => json!(id),
                        None if c.name == "ord" => json!(n),
                        None => panic!("an unexpected contacts column {:?}", c.name),
                    };
                    out.insert(c.name.clone(), value);
                }
                contact_rows.push(out);
            }
        }
    }
    (company_rows, contact_rows)
}

/// A table of the case, its rows in `path`, typed as `--schema` declares it.
fn table(name: &str, path: PathBuf, columns: &[Column]) -> Table {
    Table {
        name: name.to_string(),
        path,
        columns: columns
            .iter()
            .map(|c| (c.name.clone(), c.ty.clone()))
            .collect(),
    }
}

/// Whether the rule files under `path` use a relative threshold.
fn uses_relative_thresholds(path: &Path) -> bool {
    let mut files = vec![path.to_path_buf()];
    let mut text = String::new();
    while let Some(p) = files.pop() {
        if p.is_dir() {
            files.extend(
                std::fs::read_dir(&p)
                    .expect("a directory")
                    .map(|e| e.expect("an entry").path()),
            );
        } else if p.extension().is_some_and(|e| e == "icp") {
            text.push_str(&std::fs::read_to_string(&p).expect("a rule file"));
        }
    }
    ["percentile(", "median(", "top "]
        .iter()
        .any(|t| text.contains(t))
}

/// A prepared rule set: its project directory, its tables and its two queries (`--all`, best).
struct Prepared {
    name: String,
    dir: PathBuf,
    /// Removes `dir` when dropped, unless `ICP_RULES_KEEP` asked to keep it.
    _temp: Option<tempfile::TempDir>,
    case: Case,
}

/// The project directory of a rule set: temporary, or `$ICP_RULES_KEEP/NAME` to run its
/// files by hand.
fn project_dir(name: &str) -> (PathBuf, Option<tempfile::TempDir>) {
    match std::env::var_os("ICP_RULES_KEEP") {
        Some(root) => {
            let dir = PathBuf::from(root).join(name);
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("the kept project directory");
            (dir, None)
        }
        None => {
            let temp = tempfile::tempdir().expect("temp dir");
            (temp.path().to_path_buf(), Some(temp))
        }
    }
}

/// Writes the project of `set`, scores its leads and compiles its queries; `None` when the
/// rules have no SQL form (a relative threshold: E0050, asserted).
fn prepare(set: &RuleSet, seed: u64) -> Option<Prepared> {
    let (dir, temp) = project_dir(&set.name);
    let d = dir.as_path();
    std::fs::write(d.join("icp.toml"), project_config()).expect("icp.toml");
    let rules = set.rules.to_str().expect("a UTF-8 path");
    icp_ok(
        d,
        &[
            "gen",
            "--companies",
            "400",
            "--seed",
            &seed.to_string(),
            "--messy",
            "0.35",
            "--contacts-per-company",
            "0..5",
            "-o",
            "leads.csv",
            "--contacts-out",
            "contacts.csv",
            "--signals-dir",
            "signals",
        ],
    );
    let config = icp_cli::config::Config::load(&d.join("icp.toml")).expect("the project config");
    complete(&d.join("leads.csv"), &config.schema, Entity::Company, seed);
    complete(
        &d.join("contacts.csv"),
        &config.schema,
        Entity::Contact,
        seed + 1,
    );

    let lead_args = [
        "--rules",
        rules,
        "--leads",
        "leads.csv",
        "--contacts",
        "contacts.csv",
        "--as-of",
        AS_OF,
    ];
    let schema_args = [
        "--rules",
        rules,
        "--dialect",
        "duckdb",
        "--contacts-table",
        "contacts",
        "--contacts-order",
        "ord",
        "--signals-table",
        "signals",
    ];
    let schema = icp(d, &[&["compile", "--schema"][..], &schema_args].concat());
    if uses_relative_thresholds(&set.rules) {
        assert_eq!(
            schema.status.code(),
            Some(2),
            "{}: relative thresholds compiled",
            set.name
        );
        let err = String::from_utf8_lossy(&schema.stderr);
        assert!(err.contains("(E0050)"), "{}: {err}", set.name);
        return None;
    }
    assert_eq!(
        schema.status.code(),
        Some(0),
        "{}: {}",
        set.name,
        String::from_utf8_lossy(&schema.stderr)
    );
    let tables = declared_tables(&String::from_utf8(schema.stdout).expect("UTF-8"));
    let columns = |name: &str| {
        &tables
            .iter()
            .find(|(t, _)| t == name)
            .unwrap_or_else(|| panic!("{}: no {name} table declared", set.name))
            .1
    };
    let (companies, contacts) = read_rows(d, columns("companies"), columns("contacts"));
    sql_harness::write_rows(&d.join("companies.jsonl"), &companies);
    sql_harness::write_rows(&d.join("contacts.jsonl"), &contacts);
    let mut case_tables = vec![
        table("companies", d.join("companies.jsonl"), columns("companies")),
        table("contacts", d.join("contacts.jsonl"), columns("contacts")),
    ];
    let with_signals = tables.iter().any(|(t, _)| t == "signals");
    if with_signals {
        icp_ok(
            d,
            &[&["signals"][..], &lead_args, &["-o", "signals.jsonl"]].concat(),
        );
        case_tables.push(table(
            "signals",
            d.join("signals.jsonl"),
            columns("signals"),
        ));
    }
    let mut queries = Vec::new();
    for all in [true, false] {
        let mut args = vec!["compile", "--as-of", AS_OF];
        args.extend(schema_args);
        if !with_signals {
            args.truncate(args.len() - 2);
        }
        let mut score = vec!["score"];
        score.extend(lead_args);
        let scored = if all {
            "scored_all.jsonl"
        } else {
            "scored.jsonl"
        };
        score.extend(["-o", scored]);
        if all {
            args.push("--all");
            score.push("--all");
        }
        queries.push(icp_ok(d, &args));
        icp_ok(d, &score);
    }
    Some(Prepared {
        name: set.name.clone(),
        dir,
        _temp: temp,
        case: Case {
            tables: case_tables,
            queries,
        },
    })
}

#[test]
fn every_shipped_rule_set_gives_icp_scores_rows_in_duckdb() {
    let sets = shipped_rule_sets();
    let prepared: Vec<Prepared> = sets
        .iter()
        .zip(1u64..)
        .filter_map(|(set, seed)| prepare(set, seed * 7))
        .collect();
    assert!(
        prepared.iter().any(|p| p.case.tables.len() == 3),
        "no rule set called a plugin signal"
    );
    let work = tempfile::tempdir().expect("temp dir");
    let cases: Vec<Case> = prepared.iter().map(|p| p.case.clone()).collect();
    let results = sql_harness::python::PythonEngine::duckdb().run(work.path(), &cases);
    for (p, result) in prepared.iter().zip(results) {
        let rows = result.unwrap_or_else(|e| panic!("{}: DuckDB refused the query: {e}", p.name));
        for (q, scored) in ["scored_all.jsonl", "scored.jsonl"].into_iter().enumerate() {
            let text = std::fs::read_to_string(p.dir.join(scored)).expect("scored");
            let want = sorted(expected_rows(&text));
            let got = sorted(query_rows(&rows[q]));
            assert!(
                want.len() > 300,
                "{}: only {} rows scored",
                p.name,
                want.len()
            );
            if let Some(diff) = difference(&want, &got) {
                panic!(
                    "{} ({scored}; ICP_RULES_KEEP=DIR keeps the project):\n{diff}",
                    p.name
                );
            }
        }
    }
}

/// The rule set the dbt test runs: the one calling all three shipped plugins.
const DBT_RULES: &str = "midmarket_saas";

#[test]
fn the_dbt_model_runs_tests_and_gives_icp_scores_rows() {
    let mut set = shipped_rule_sets()
        .into_iter()
        .find(|s| s.name == DBT_RULES)
        .expect("the rule set");
    // A project directory of its own, beside the other test's.
    set.name = format!("dbt_{}", set.name);
    let p = prepare(&set, 99).expect("the rules compile");
    let rules = set.rules.to_str().expect("a UTF-8 path");
    icp_ok(
        &p.dir,
        &[
            "compile",
            "--dialect",
            "duckdb",
            "--rules",
            rules,
            "--as-of",
            AS_OF,
            "--contacts-table",
            "contacts",
            "--contacts-order",
            "ord",
            "--signals-table",
            "signals",
            "--dbt",
            "dbt",
        ],
    );
    let manifest: Vec<Json> = p
        .case
        .tables
        .iter()
        .map(|t| json!({"name": t.name, "path": t.path, "columns": t.columns}))
        .collect();
    let manifest_path = p.dir.join("dbt_tables.json");
    std::fs::write(&manifest_path, Json::Array(manifest).to_string()).expect("manifest");
    let results = p.dir.join("dbt_rows.json");
    let out = Command::new(icp_benches::python_with_dbt())
        .arg(workspace().join("tests/sql/run_dbt.py"))
        .arg(&manifest_path)
        .arg(p.dir.join("dbt"))
        .arg(&results)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "run_dbt.py failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result: Json =
        serde_json::from_str(&std::fs::read_to_string(&results).expect("results")).expect("JSON");
    if let Some(e) = result.get("error") {
        panic!("{}", e.as_str().unwrap_or_default());
    }
    let rows: Vec<Vec<Json>> = serde_json::from_value(result["rows"].clone()).expect("rows");
    let text = std::fs::read_to_string(p.dir.join("scored.jsonl")).expect("scored");
    let want = sorted(expected_rows(&text));
    if let Some(diff) = difference(&want, &sorted(query_rows(&rows))) {
        panic!("the dbt model's rows:\n{diff}");
    }
}
