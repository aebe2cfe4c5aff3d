//! `icp signals` from the command line: the signal values per company in CSV, JSON Lines and
//! typed Parquet, each equal to a plain computation from the plugins' data files in the test
//! (the funding plugin's rules of plugins/funding/README.md: rounds up to the as-of date, the
//! most recent one, days since it), and the clear errors: a malformed leads file (a Parquet file that is not one), a plugin
//! that cannot be found, rules that call no signal, a bad `--as-of`, an output format that
//! does not exist (exit 2), rule errors (exit 1). The outputs are snapshotted.

mod common;

use std::path::Path;

use common::*;

const RULES: &str = "icp demo {\n  require company.employees >= 10\n  score 10 \"fresh\" when funding.raised_within(90d)\n  score 5 \"late stage\" when funding.last_round_type >= \"Series B\"\n  score 3 \"recent\" when funding.days_since_last_round < 400\n  score 2 \"summit\" when events.attended(\"SaaStr Annual\")\n  tier A when score >= 10\n  tier B otherwise\n}\n";

const LEADS: &str = "id,name,domain,employees\nc1,Acme,acme.com,50\nc2,Beta,https://www.BETA.io/about,20\nc3,Gamma,gamma.de,30\nc4,Nodomain,,40\nc1,Acme again,acme.com,50\n";

const FUNDING: &str = "domain,date,type,amount_usd\nacme.com,2024-05-01,Series A,5000000\nacme.com,2026-01-10,Series B,20000000\nbeta.io,2025-01-01,Seed,\nbeta.io,2026-06-01,Series C,\n";

const EVENTS: &str = "event,date,domain,email,role\nSaaStr Annual,2025-09-10,beta.io,,attendee\n";

const AS_OF: &str = "2026-03-01";

/// A project with the rules, the leads and the funding and events plugins on small data files.
fn signals_project() -> tempfile::TempDir {
    plugins_built();
    let dir = project(&[
        ("rules/demo.icp", RULES),
        ("leads.csv", LEADS),
        ("funding.csv", FUNDING),
        ("events.csv", EVENTS),
    ]);
    let config = dir.path().join("icp.toml");
    let mut text = std::fs::read_to_string(&config).expect("icp.toml");
    text.push_str(
        "\n[plugins.funding]\ndata = \"funding.csv\"\n\n[plugins.events]\ndata = \"events.csv\"\n",
    );
    std::fs::write(&config, text).expect("icp.toml");
    dir
}

fn signals(dir: &Path, output: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "signals",
        "--leads",
        "leads.csv",
        "--as-of",
        AS_OF,
        "-o",
        output,
    ];
    args.extend(extra);
    icp(dir, &args)
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date.
fn days(date: &str) -> i64 {
    let parts: Vec<i64> = date
        .split('-')
        .map(|p| p.parse().expect("a number"))
        .collect();
    let (y, m, d) = (parts[0], parts[1], parts[2]);
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

/// The expected row of a domain, computed from the data files: raised within 90 days, the
/// most recent round's type (`None` without rounds), days since it (missing without rounds),
/// attended SaaStr Annual; every value missing without a domain.
fn expected_row(id: &str, domain: Option<&str>) -> Vec<String> {
    let Some(domain) = domain else {
        return vec![
            id.to_string(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ];
    };
    let today = days(AS_OF);
    let rounds: Vec<(i64, &str)> = FUNDING
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|c| c[0] == domain && days(c[1]) <= today)
        .map(|c| (days(c[1]), c[2]))
        .collect();
    let last = rounds.iter().max_by_key(|(d, _)| *d);
    let attended = EVENTS.lines().skip(1).any(|l| {
        l.starts_with("SaaStr Annual,") && l.contains(domain) && days(&l[14..24]) <= today
    });
    vec![
        id.to_string(),
        rounds.iter().any(|(d, _)| today - d <= 90).to_string(),
        last.map_or("None".to_string(), |(_, t)| t.to_string()),
        last.map_or(String::new(), |(d, _)| (today - d).to_string()),
        attended.to_string(),
    ]
}

fn expected_rows() -> Vec<Vec<String>> {
    vec![
        expected_row("c1", Some("acme.com")),
        expected_row("c2", Some("beta.io")),
        expected_row("c3", Some("gamma.de")),
        expected_row("c4", None),
    ]
}

#[test]
fn csv_rows_equal_a_plain_computation_from_the_data_files() {
    let dir = signals_project();
    let out = signals(dir.path(), "signals.csv", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("signals of 4 companies (4 calls) written to signals.csv"),
        "{}",
        stderr(&out)
    );
    let text = std::fs::read_to_string(dir.path().join("signals.csv")).expect("the file");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("a header")
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(
        header,
        [
            "id",
            "funding_raised_within_90d",
            "funding_last_round_type",
            "funding_days_since_last_round",
            "events_attended_saastr_annual"
        ]
    );
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.expect("a record").iter().map(String::from).collect())
        .collect();
    assert_eq!(rows, expected_rows(), "{text}");
    insta::assert_snapshot!("signals_csv", text);
}

#[test]
fn json_lines_hold_typed_values_and_nulls() {
    let dir = signals_project();
    let out = signals(dir.path(), "signals.jsonl", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(dir.path().join("signals.jsonl")).expect("the file");
    let rows: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON row"))
        .collect();
    for (row, want) in rows.iter().zip(expected_rows()) {
        let cells = [
            "id",
            "funding_raised_within_90d",
            "funding_last_round_type",
            "funding_days_since_last_round",
            "events_attended_saastr_annual",
        ]
        .map(|k| match &row[k] {
            serde_json::Value::Null => String::new(),
            serde_json::Value::String(s) => s.clone(),
            // A whole number as the CSV writes it.
            serde_json::Value::Number(n) => {
                icp_engine::format_number(n.as_f64().expect("a number"))
            }
            other => other.to_string(),
        });
        assert_eq!(cells.to_vec(), want, "{text}");
    }
    assert_eq!(rows.len(), 4, "{text}");
    assert!(rows[0]["funding_raised_within_90d"].is_boolean(), "{text}");
    assert!(
        rows[0]["funding_days_since_last_round"].is_number(),
        "{text}"
    );
    insta::assert_snapshot!("signals_jsonl", text);
}

#[test]
fn parquet_is_typed_as_the_signals_declare() {
    let dir = signals_project();
    let out = signals(dir.path(), "signals.parquet", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let script = "import sys, pyarrow.parquet as pq\nt = pq.read_table(sys.argv[1])\nprint(t.schema.to_string(show_schema_metadata=False))\nfor r in t.to_pylist():\n    print(r)\n";
    let read = std::process::Command::new(icp_benches::python_with_engines())
        .args(["-c", script])
        .arg(dir.path().join("signals.parquet"))
        .output()
        .expect("python runs");
    assert!(
        read.status.success(),
        "{}",
        String::from_utf8_lossy(&read.stderr)
    );
    let text = String::from_utf8_lossy(&read.stdout).into_owned();
    assert!(text.contains("funding_raised_within_90d: bool"), "{text}");
    assert!(
        text.contains("funding_days_since_last_round: double"),
        "{text}"
    );
    insta::assert_snapshot!("signals_parquet", text);
}

#[test]
fn as_of_moves_the_window() {
    let dir = signals_project();
    // On 2026-07-01 beta.io's Series C (2026-06-01) is a month old; acme's Series B is not
    // within 90 days any more.
    let out = icp(
        dir.path(),
        &[
            "signals",
            "--leads",
            "leads.csv",
            "--as-of",
            "2026-07-01",
            "-o",
            "later.csv",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(dir.path().join("later.csv")).expect("the file");
    assert!(text.contains("c1,false,Series B,172,false\n"), "{text}");
    assert!(text.contains("c2,true,Series C,30,true\n"), "{text}");

    let out = icp(
        dir.path(),
        &[
            "signals",
            "--leads",
            "leads.csv",
            "--as-of",
            "March 1st",
            "-o",
            "x.csv",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--as-of March 1st: not a date"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.path().join("x.csv").exists());
}

#[test]
fn clear_errors_exit_2_and_write_nothing() {
    let dir = signals_project();
    let d = dir.path();
    let errors: Vec<(String, i32)> = [
        // An output format that does not exist.
        (signals(d, "signals.xlsx", &[]), "signals.xlsx"),
        // A leads file that is not there.
        (
            icp(d, &["signals", "--leads", "nowhere.csv", "-o", "a.csv"]),
            "a.csv",
        ),
    ]
    .into_iter()
    .map(|(out, file)| {
        assert!(!d.join(file).exists(), "{file} written");
        (stderr(&out), out.status.code().unwrap_or(-1))
    })
    .collect();
    assert!(errors.iter().all(|(_, code)| *code == 2), "{errors:?}");
    assert!(
        errors[0]
            .0
            .contains("write the signals to a .csv, .jsonl or .parquet file"),
        "{errors:?}"
    );
    assert!(errors[1].0.contains("nowhere.csv"), "{errors:?}");

    // A malformed leads file: a Parquet file that is not one. (The CSV and JSON Lines readers
    // set a row they cannot read aside, as `icp score` does, rather than stop.)
    std::fs::write(d.join("broken.parquet"), "not parquet at all").expect("write");
    let out = icp(d, &["signals", "--leads", "broken.parquet", "-o", "b.csv"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("broken.parquet: not a readable Parquet file"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    assert!(!d.join("b.csv").exists());

    // Rules that call no signal.
    std::fs::write(d.join("rules/demo.icp"), GOOD).expect("write rules");
    let out = signals(d, "c.csv", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    insta::assert_snapshot!("signals_without_signals", stderr(&out));
    assert!(!d.join("c.csv").exists());

    // Rule errors: exit 1.
    std::fs::write(d.join("rules/demo.icp"), BROKEN).expect("write rules");
    let out = signals(d, "e.csv", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(!d.join("e.csv").exists());
}

#[test]
fn a_missing_plugin_library_is_named() {
    let dir = signals_project();
    let config = dir.path().join("icp.toml");
    let text = std::fs::read_to_string(&config).expect("icp.toml");
    std::fs::write(
        &config,
        text.replace(
            "[plugins.events]\n",
            "[plugins.events]\nlibrary = \"plugin_nowhere\"\n",
        ),
    )
    .expect("icp.toml");
    let out = signals(dir.path(), "signals.csv", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("plugin_nowhere"), "{}", stderr(&out));
    assert!(!dir.path().join("signals.csv").exists());
}
