//! Parquet lead files and results: the same leads as CSV and as Parquet score to the same
//! bytes and the same summary; Parquet written by PyArrow (typed: integers, floats, booleans,
//! dates, timestamps, lists, nulls, dictionary-encoded strings, several row groups) and by
//! DuckDB is read as its CSV form is; `-o scored.parquet` read back by PyArrow and DuckDB
//! equals the CSV results row by row with its types checked; and unreadable files (corrupt,
//! truncated, bit-flipped, a nested struct, a column of a type not read) stop the run with a
//! clear error and exit 2, never a panic.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{icp, stderr};

/// Rules reading every kind of value: numbers, a year, money, a country, text, a list, a
/// date, a boolean, contacts and their personas.
const RULES: &str = r#"persona buyer "Buyer" when contact.seniority in ["VP", "C-Level"]

icp typed "Typed" {
  require company.employees >= 20
  exclude company.is_customer
  score 20 "software"  when company.industry has any ["Software", "Internet"]
  score 10 "buyer"     when any contact where buyer
  score 10 "revenue"   when company.revenue >= 10M
  score 5  "young"     when company.founded >= 2010
  score 5  "aws"       when company.technologies has "AWS"
  score 5  "recent"    when days_since(company.last_order_date) <= 365
  score 5  "eu"        when company.country in ["DE", "FR", "ES"]
  score 5  "spend"     when company.annual_spend >= 100K
  tier A when score >= 40
  tier B when score >= 20
  tier C otherwise
}
"#;

const CONFIG: &str = r#"[fields.company]
annual_spend = "number"
last_order_date = "date"
is_customer = "bool"
"#;

/// Writes the lead set `n` companies long as CSV (companies.csv, contacts.csv) and as
/// Parquet: typed by PyArrow (companies.parquet in row groups of 97 rows with dictionary
/// strings, timestamps, lists; contacts.parquet) and by DuckDB from the CSV files
/// (duck_companies.parquet, duck_contacts.parquet, columns typed by DuckDB's detection).
const MAKE_LEADS: &str = r#"
import csv, datetime, random, sys
import pyarrow as pa, pyarrow.parquet as pq, duckdb

n = int(sys.argv[1])
rng = random.Random(7)
industries = ["Software", "Internet", "Retail", "Banking", None]
countries = ["DE", "FR", "US", "ES", "Germany", None]
techs = ["AWS", "GCP", "Stripe", "n/a", "Snowflake"]
rows = []
for i in range(n):
    has_list = rng.random() < 0.8
    rows.append(dict(
        id=f"C{i:05d}",
        name=rng.choice([f"Company {i}", None, f"  Spaced {i}  "]),
        industry=rng.choice(industries),
        employees=rng.choice([None, 5, 20, 120, 5000, -3]),
        revenue=rng.choice([None, 2.5e6, 12e6, 1.5e8, 0.1]),
        country=rng.choice(countries),
        founded=rng.choice([None, 1998, 2012, 2021]),
        technologies=[rng.choice(techs) for _ in range(rng.randint(0, 3))] if has_list else None,
        last_order_date=rng.choice([None, datetime.datetime(2026, 3, 1, 23, 30), datetime.datetime(2019, 6, 30, 0, 0)]),
        annual_spend=rng.choice([None, 50000.0, 250000.0, float("nan")]),
        is_customer=rng.choice([None, True, False, False]),
    ))
contacts = []
for i in range(n):
    for _ in range(rng.randint(0, 3)):
        contacts.append(dict(
            company_id=f"C{i:05d}",
            name=rng.choice(["Ann Lee", None]),
            seniority=rng.choice(["VP", "C-Level", "Entry", None]),
            title=rng.choice(["Engineer", "CFO", None]),
        ))

schema = pa.schema([
    ("id", pa.string()), ("name", pa.large_string()),
    ("industry", pa.dictionary(pa.int32(), pa.string())),
    ("employees", pa.int64()), ("revenue", pa.float64()),
    ("country", pa.dictionary(pa.int8(), pa.string())),
    ("founded", pa.int32()), ("technologies", pa.list_(pa.string())),
    ("last_order_date", pa.timestamp("ms")), ("annual_spend", pa.float64()),
    ("is_customer", pa.bool_()),
])
table = pa.Table.from_pylist(rows, schema=schema)
pq.write_table(table, "companies.parquet", row_group_size=97)
pq.write_table(pa.Table.from_pylist(contacts), "contacts.parquet", row_group_size=50)

def cell(v):
    if v is None: return ""
    if isinstance(v, bool): return "true" if v else "false"
    if isinstance(v, float):
        if v != v: return "NaN"
        return repr(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, datetime.datetime): return v.date().isoformat()
    if isinstance(v, list): return ";".join(v)
    return str(v)

for name, data, cols in [("companies", rows, schema.names), ("contacts", contacts, ["company_id", "name", "seniority", "title"])]:
    with open(f"{name}.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(cols)
        for r in data:
            w.writerow([cell(r[c]) for c in cols])

con = duckdb.connect()
con.execute("COPY (SELECT * FROM read_csv('companies.csv', header=true, types={'technologies': 'VARCHAR'})) TO 'duck_companies.parquet' (FORMAT parquet, ROW_GROUP_SIZE 64)")
con.execute("COPY (SELECT * FROM read_csv('contacts.csv', header=true)) TO 'duck_contacts.parquet' (FORMAT parquet)")
"#;

fn python() -> PathBuf {
    icp_benches::python_with_engines()
}

fn run_python(dir: &Path, script: &str, args: &[&str]) -> String {
    let out = Command::new(python())
        .arg("-c")
        .arg(script)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "python failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A project with the rules, icp.toml and the lead set of `n` companies in every form.
fn project(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("rules.icp"), RULES).expect("rules");
    std::fs::write(dir.path().join("icp.toml"), CONFIG).expect("config");
    run_python(dir.path(), MAKE_LEADS, &[&n.to_string()]);
    dir
}

/// `icp score` of `leads` and `contacts` into `out`: its stderr, the file names and the
/// elapsed time taken out of it.
fn score(dir: &Path, leads: &str, contacts: &str, out: &str) -> String {
    let output = icp(
        dir,
        &[
            "score",
            "--rules",
            "rules.icp",
            "--leads",
            leads,
            "--contacts",
            contacts,
            "-o",
            out,
            "--as-of",
            "2026-06-01",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    stderr(&output)
        .lines()
        .filter(|l| !l.starts_with("elapsed"))
        .map(|l| {
            l.replace(leads, "LEADS")
                .replace(contacts, "CONTACTS")
                .replace(out, "OUT")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_same_leads_as_csv_and_as_parquet_score_to_the_same_bytes() {
    let dir = project(600);
    let d = dir.path();
    let csv = score(d, "companies.csv", "contacts.csv", "csv.csv");
    let typed = score(d, "companies.parquet", "contacts.parquet", "pyarrow.csv");
    let duck = score(
        d,
        "duck_companies.parquet",
        "duck_contacts.parquet",
        "duck.csv",
    );
    let read = |name: &str| std::fs::read(d.join(name)).expect("results");
    assert_eq!(
        read("csv.csv"),
        read("pyarrow.csv"),
        "PyArrow's typed Parquet"
    );
    assert_eq!(read("csv.csv"), read("duck.csv"), "DuckDB's Parquet");
    assert_eq!(csv, typed, "the summaries");
    assert_eq!(csv, duck, "the summaries");
    // The leads do qualify, in several tiers, and values were counted as unreadable.
    let text = String::from_utf8(read("csv.csv")).unwrap();
    for tier in [",A,", ",B,", ",C,"] {
        assert!(text.contains(tier), "{tier} in\n{text}");
    }
    insta::assert_snapshot!("summary_csv_and_parquet", csv);
}

#[test]
fn scored_parquet_reads_back_as_the_csv_results_with_its_types() {
    let dir = project(300);
    let d = dir.path();
    score(d, "companies.parquet", "contacts.parquet", "scored.csv");
    score(d, "companies.parquet", "contacts.parquet", "scored.parquet");
    let check = r#"
import csv, pyarrow.parquet as pq, duckdb
import pyarrow as pa
t = pq.read_table("scored.parquet")
types = {f.name: f.type for f in t.schema}
texts = pa.list_(pa.string())
assert types == {"id": pa.string(), "name": pa.string(), "icp": pa.string(), "qualified": pa.bool_(),
    "score": pa.float64(), "max_score": pa.float64(), "tier": pa.string(), "matched": texts,
    "unknown": texts, "reasons": texts}, types
def num(v):
    return str(int(v)) if float(v).is_integer() else repr(v)
def cell(v):
    if v is None: return ""
    if isinstance(v, bool): return "true" if v else "false"
    if isinstance(v, float): return num(v)
    if isinstance(v, list): return "|".join(v)
    return v
rows = [[cell(r[c]) for c in t.column_names] for r in t.to_pylist()]
with open("scored.csv", newline="") as f:
    expected = list(csv.reader(f))
assert expected[0] == t.column_names, expected[0]
assert rows == expected[1:], (rows[:3], expected[1:4])
duck = duckdb.connect().execute("SELECT count(*), count(*) FILTER (WHERE qualified) FROM 'scored.parquet'").fetchone()
qualified = sum(1 for r in expected[1:] if r[3] == "true")
assert duck == (len(expected) - 1, qualified), duck
print(len(rows))
"#;
    assert_eq!(run_python(d, check, &[]).trim(), "300");
}

#[test]
fn contacts_to_call_are_written_as_parquet_too() {
    let dir = project(200);
    let d = dir.path();
    let output = icp(
        d,
        &[
            "score",
            "--rules",
            "rules.icp",
            "--leads",
            "companies.parquet",
            "--contacts",
            "contacts.parquet",
            "-o",
            "scored.csv",
            "--contacts-out",
            "calls.csv",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let output = icp(
        d,
        &[
            "score",
            "--rules",
            "rules.icp",
            "--leads",
            "companies.parquet",
            "--contacts",
            "contacts.parquet",
            "-o",
            "scored2.csv",
            "--contacts-out",
            "calls.parquet",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let check = r#"
import csv, pyarrow.parquet as pq
import pyarrow as pa
t = pq.read_table("calls.parquet")
assert t.schema.field("score").type == pa.float64()
assert t.schema.field("personas").type == pa.list_(pa.string())
with open("calls.csv", newline="") as f:
    expected = list(csv.reader(f))
def cell(v):
    if v is None: return ""
    if isinstance(v, float): return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, list): return ";".join(v)
    return v
rows = [[cell(r[c]) for c in t.column_names] for r in t.to_pylist()]
assert rows == expected[1:], (rows[:2], expected[1:3])
print(len(rows))
"#;
    let rows: usize = run_python(d, check, &[]).trim().parse().unwrap();
    assert!(rows > 0);
}

/// The error of `icp score` on the leads file `name`, which must exit 2 without a panic.
fn refused(dir: &Path, name: &str) -> String {
    let output = icp(
        dir,
        &[
            "score",
            "--rules",
            "rules.icp",
            "--leads",
            name,
            "-o",
            "out.csv",
        ],
    );
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{name}: {err}");
    assert!(!err.contains("panicked"), "{name}: {err}");
    assert!(
        !dir.join("out.csv").exists(),
        "{name}: no results on an error"
    );
    err.replace(&dir.display().to_string(), "DIR")
}

#[test]
fn nested_structs_and_unread_types_are_refused_by_column() {
    let dir = project(20);
    let d = dir.path();
    let make = r#"
import pyarrow as pa, pyarrow.parquet as pq
pq.write_table(pa.table({"id": ["a"], "employees": [{"lo": 1, "hi": 5}]}), "struct.parquet")
pq.write_table(pa.table({"id": ["a"], "tags": pa.array([{"k": "v"}], pa.map_(pa.string(), pa.string()))}), "map.parquet")
pq.write_table(pa.table({"id": ["a"], "founded": pa.array([1], pa.time32("s"))}), "time.parquet")
pq.write_table(pa.table({"id": ["a"], "unmapped": [{"x": 1}]}), "unmapped.parquet")
"#;
    run_python(d, make, &[]);
    let err = refused(d, "struct.parquet");
    assert!(
        err.contains("column \"employees\"") && err.contains("nested struct"),
        "{err}"
    );
    let err = refused(d, "map.parquet");
    assert!(
        err.contains("column \"tags\"") && err.contains("map"),
        "{err}"
    );
    let err = refused(d, "time.parquet");
    assert!(
        err.contains("column \"founded\"") && err.contains("Time32"),
        "{err}"
    );
    insta::assert_snapshot!("nested_struct_refused", err);
    // A column that feeds no field is never read, whatever its type.
    let output = icp(
        d,
        &[
            "score",
            "--rules",
            "rules.icp",
            "--leads",
            "unmapped.parquet",
            "-o",
            "-",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn corrupt_truncated_and_bit_flipped_files_are_clear_errors() {
    let dir = project(200);
    let d = dir.path();
    let whole = std::fs::read(d.join("companies.parquet")).expect("parquet");
    let err = refused(d, {
        std::fs::write(d.join("empty.parquet"), b"").unwrap();
        "empty.parquet"
    });
    assert!(
        err.contains("empty.parquet") && err.contains("Parquet"),
        "{err}"
    );
    insta::assert_snapshot!("empty_file_refused", err);
    // Cut anywhere: the footer is gone or points past the end.
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    for cut in [4, 8, whole.len() / 2, whole.len() - 9, whole.len() - 1] {
        std::fs::write(d.join("cut.parquet"), &whole[..cut]).unwrap();
        refused(d, "cut.parquet");
    }
    // Flipped bits: in the pages (a clear error, or values read differently but a run
    // that completes), in the footer (a clear error, or the same).
    for round in 0..24 {
        let mut bytes = whole.clone();
        for _ in 0..1 + round % 3 {
            let at = if round % 2 == 0 {
                4 + next(bytes.len() - 8)
            } else {
                bytes.len() - 8 - next(600.min(bytes.len() - 12))
            };
            bytes[at] ^= 1 << next(8);
        }
        std::fs::write(d.join("flipped.parquet"), &bytes).unwrap();
        let output = icp(
            d,
            &[
                "score",
                "--rules",
                "rules.icp",
                "--leads",
                "flipped.parquet",
                "-o",
                "-",
            ],
        );
        let err = stderr(&output);
        assert!(
            matches!(output.status.code(), Some(0 | 2)),
            "round {round}: {:?} {err}",
            output.status
        );
        assert!(!err.contains("panicked"), "round {round}: {err}");
    }
}

#[test]
fn the_rejects_file_stays_csv_and_format_flags_do_not_apply_to_parquet() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    std::fs::write(d.join("rules.icp"), RULES).unwrap();
    std::fs::write(d.join("icp.toml"), CONFIG).unwrap();
    std::fs::write(d.join("leads.csv"), "id,employees\na,50\n").unwrap();
    let run = |args: &[&str]| {
        let mut all = vec!["score", "--rules", "rules.icp", "--leads", "leads.csv"];
        all.extend_from_slice(args);
        let output = icp(d, &all);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        stderr(&output)
    };
    let err = run(&["-o", "out.csv", "--rejects", "bad.parquet"]);
    assert!(err.contains("the rejects file is CSV"), "{err}");
    let err = run(&["-o", "out.parquet", "--format", "csv"]);
    assert!(err.contains("a .parquet file is Parquet"), "{err}");
    assert!(!d.join("out.parquet").exists());
}
