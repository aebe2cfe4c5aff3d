//! Outcomes files: real-shaped HubSpot and Salesforce deal exports and plain files read
//! unchanged, deals gathered per account, stage names mapped, a malformed corpus counted
//! with its rejects whole, JSON Lines.

mod common;

use std::path::Path;

use common::{Shared, inputs};
use icp_io::outcomes::{
    Account, DealOutcome, Outcomes, OutcomesConfig, OutcomesOptions, OutcomesPreset, read_outcomes,
};
use icp_io::{InputError, InputFormat};

/// Days since 1970-01-01 of an ISO date.
fn day(iso: &str) -> i32 {
    icp_io::parse::parse_date(iso).expect("a date")
}

fn read(path: &Path, config: &OutcomesConfig) -> (Outcomes, String) {
    let rejects = Shared::default();
    let outcomes = read_outcomes(
        path,
        config,
        OutcomesOptions {
            rejects: Some(Box::new(rejects.clone())),
            ..OutcomesOptions::default()
        },
    )
    .expect("read");
    assert!(outcomes.report().is_balanced(), "{:?}", outcomes.report());
    (outcomes, rejects.text())
}

fn account(
    outcome: DealOutcome,
    deals: u32,
    amount_won: f64,
    created: Option<&str>,
    closed: Option<&str>,
) -> Account {
    Account {
        outcome,
        deals,
        amount_won,
        created: created.map(day),
        closed: closed.map(day),
    }
}

#[test]
fn a_hubspot_deals_export_reads_unchanged() {
    let (outcomes, rejects) = read(
        &inputs().join("hubspot/deals.csv"),
        &OutcomesConfig::default(),
    );
    let report = outcomes.report();
    assert_eq!(report.preset, OutcomesPreset::Hubspot);
    assert_eq!((report.rows_read, report.deals, report.rejected), (5, 5, 0));
    assert_eq!((report.won, report.lost, report.open), (1, 2, 2));
    assert_eq!(
        report.unknown_stages_line().as_deref(),
        Some(
            "unknown stages: 12345678 (1) (read as open; list them under [outcomes] won, lost or open)"
        )
    );
    assert_eq!(
        report.unknown_columns,
        ["Deal Name", "Deal owner", "Pipeline", "Associated Company"]
    );
    assert_eq!(rejects, "line,reason,raw\n");
    assert_eq!(outcomes.len(), 4);
    use DealOutcome::*;
    assert_eq!(
        outcomes.account("5001", None),
        Some(&account(
            Won,
            2,
            24_000.0,
            Some("2023-12-01"),
            Some("2024-05-02")
        ))
    );
    // The bundle counts for both its companies.
    assert_eq!(
        outcomes.account("5002", None),
        Some(&account(
            Lost,
            1,
            0.0,
            Some("2024-01-15"),
            Some("2024-04-20")
        ))
    );
    assert_eq!(
        outcomes.account("5003", None),
        Some(&account(
            Lost,
            2,
            0.0,
            Some("2024-01-15"),
            Some("2024-04-20")
        ))
    );
    assert_eq!(
        outcomes.account("5004", None).map(|a| a.outcome),
        Some(Open)
    );
    assert_eq!(
        outcomes.account("9001", None),
        None,
        "the deal's own id is no company"
    );
}

#[test]
fn salesforce_opportunities_read_unchanged_and_is_won_decides() {
    let (outcomes, rejects) = read(
        &inputs().join("salesforce/opportunities.csv"),
        &OutcomesConfig::default(),
    );
    let report = outcomes.report();
    assert_eq!(report.preset, OutcomesPreset::Salesforce);
    assert_eq!(
        (report.deals, report.won, report.lost, report.open),
        (4, 1, 2, 1)
    );
    assert!(report.unknown_stages.is_empty(), "IsWon / IsClosed decided");
    assert_eq!(rejects, "line,reason,raw\n");
    use DealOutcome::*;
    // Leads from the accounts export (18 characters) and the contacts' 15-character form.
    assert_eq!(
        outcomes.account("001Dn00000A1b2cIAB", None),
        Some(&account(
            Won,
            1,
            24_000.0,
            Some("2023-12-01"),
            Some("2024-03-15")
        ))
    );
    assert_eq!(
        outcomes.account("001Dn00000A1b2d", None),
        Some(&account(
            Lost,
            2,
            0.0,
            Some("2024-01-15"),
            Some("2024-09-30")
        ))
    );
    assert_eq!(
        outcomes
            .account("001Dn00000A1b2eIAB", None)
            .map(|a| a.outcome),
        Some(Lost)
    );
}

#[test]
fn a_plain_file_reads_ids_domains_and_stage_names() {
    let (outcomes, rejects) = read(
        &inputs().join("outcomes/plain.csv"),
        &OutcomesConfig::default(),
    );
    let report = outcomes.report();
    assert_eq!(report.preset, OutcomesPreset::Plain);
    assert_eq!(
        (report.deals, report.won, report.lost, report.open),
        (6, 2, 2, 2)
    );
    assert_eq!(report.unknown_stages.get("Demo booked"), Some(&1));
    assert_eq!(rejects, "line,reason,raw\n");
    use DealOutcome::*;
    assert_eq!(
        outcomes.account("c1", None),
        Some(&account(
            Won,
            2,
            12_000.0,
            Some("2023-11-20"),
            Some("2024-03-01")
        ))
    );
    assert_eq!(outcomes.account("c2", None).map(|a| a.outcome), Some(Lost));
    assert_eq!(
        outcomes
            .account("x", Some("www.delta.io"))
            .map(|a| a.outcome),
        Some(Open)
    );
    assert_eq!(
        outcomes.account("c4", None).map(|a| a.amount_won),
        Some(1_500.0)
    );
}

#[test]
fn configured_stage_names_and_columns_override_the_defaults() {
    let config: OutcomesConfig = toml_like(&[("won", vec!["Demo booked"]), ("lost", vec!["won"])]);
    let (outcomes, _) = read(&inputs().join("outcomes/plain.csv"), &config);
    let report = outcomes.report();
    assert!(report.unknown_stages.is_empty());
    // "won" now means lost; "WON" too (compared ignoring case); "Demo booked" means won.
    assert_eq!(
        outcomes.account("c4", None).map(|a| a.outcome),
        Some(DealOutcome::Lost)
    );
    assert_eq!(
        outcomes.account("c3", None).map(|a| a.outcome),
        Some(DealOutcome::Won)
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deals.csv");
    std::fs::write(
        &path,
        "Account Key,Result,Value\nA,Signed,10\nB,closedwon,5\n",
    )
    .unwrap();
    let config = OutcomesConfig {
        columns: [
            ("account key", "company_id"),
            ("RESULT", "outcome"),
            ("Value", "amount"),
        ]
        .into_iter()
        .map(|(h, c)| (h.to_string(), c.to_string()))
        .collect(),
        won: vec!["signed".to_string()],
        ..OutcomesConfig::default()
    };
    let (outcomes, _) = read(&path, &config);
    assert_eq!(
        outcomes.account("A", None).map(|a| a.amount_won),
        Some(10.0)
    );
    assert_eq!(
        outcomes.account("B", None).map(|a| a.outcome),
        Some(DealOutcome::Won)
    );
}

/// A config with stage lists.
fn toml_like(lists: &[(&str, Vec<&str>)]) -> OutcomesConfig {
    let mut config = OutcomesConfig::default();
    for (key, names) in lists {
        let names = names.iter().map(|s| s.to_string()).collect();
        match *key {
            "won" => config.won = names,
            "lost" => config.lost = names,
            _ => config.open = names,
        }
    }
    config
}

#[test]
fn a_malformed_outcomes_file_is_counted_with_its_rejects_whole() {
    let path = inputs().join("malformed/outcomes.csv");
    let (outcomes, rejects) = read(&path, &OutcomesConfig::default());
    let report = outcomes.report();
    insta::assert_snapshot!("malformed_outcomes_rejects", rejects);
    insta::assert_json_snapshot!("malformed_outcomes_report", report);
    assert_eq!(report.rows_read, report.deals + report.rejected);
    assert!(rejects.contains("'=1+2,won,lots,,"), "formulas are guarded");

    let raw = Shared::default();
    read_outcomes(
        &path,
        &OutcomesConfig::default(),
        OutcomesOptions {
            rejects: Some(Box::new(raw.clone())),
            raw_cells: true,
            ..OutcomesOptions::default()
        },
    )
    .unwrap();
    assert!(
        raw.text()
            .contains("\n10,\"amount \"\"lots\"\" is not a number\",\"=1+2,won,lots,,\"\n"),
        "{}",
        raw.text()
    );
}

#[test]
fn json_lines_read_as_rows_do() {
    let (outcomes, rejects) = read(
        &inputs().join("outcomes/deals.jsonl"),
        &OutcomesConfig::default(),
    );
    let report = outcomes.report();
    assert_eq!((report.rows_read, report.deals, report.rejected), (6, 4, 2));
    assert_eq!(report.unknown_columns, ["owner"]);
    insta::assert_snapshot!("jsonl_outcomes_rejects", rejects);
    use DealOutcome::*;
    assert_eq!(
        outcomes.account("c1", None),
        Some(&account(
            Won,
            1,
            12_000.0,
            Some("2024-01-05"),
            Some("2024-03-01")
        ))
    );
    assert_eq!(outcomes.account("c3", None).map(|a| a.outcome), Some(Lost));
    assert_eq!(outcomes.account("42", None).map(|a| a.outcome), Some(Won));
    assert_eq!(
        outcomes.account("", Some("delta.io")).map(|a| a.outcome),
        Some(Open)
    );
    // The format may be given whatever the extension.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deals.txt");
    std::fs::write(&path, "{\"company_id\": \"z\", \"outcome\": \"lost\"}\n").unwrap();
    let outcomes = read_outcomes(
        &path,
        &OutcomesConfig::default(),
        OutcomesOptions {
            format: Some(InputFormat::JsonLines),
            ..OutcomesOptions::default()
        },
    )
    .unwrap();
    assert_eq!(outcomes.account("z", None).map(|a| a.outcome), Some(Lost));
}

#[test]
fn files_that_cannot_be_outcomes_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deals.csv");
    std::fs::write(&path, "name,stage\nAcme,won\n").unwrap();
    let err = read_outcomes(
        &path,
        &OutcomesConfig::default(),
        OutcomesOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, InputError::Outcomes { .. }));
    assert!(
        err.to_string().contains("no column names the company"),
        "{err}"
    );
    std::fs::write(&path, "company_id,amount\n1,5\n").unwrap();
    let err = read_outcomes(
        &path,
        &OutcomesConfig::default(),
        OutcomesOptions::default(),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("no column holds the outcome"),
        "{err}"
    );
    let err = read_outcomes(
        &dir.path().join("none.csv"),
        &OutcomesConfig::default(),
        OutcomesOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, InputError::Open { .. }));
    let config = OutcomesConfig {
        won: vec!["x".to_string()],
        open: vec!["X".to_string()],
        ..OutcomesConfig::default()
    };
    let err = read_outcomes(&path, &config, OutcomesOptions::default()).unwrap_err();
    assert!(matches!(err, InputError::OutcomesConfig(_)), "{err}");
    // An empty file is no deals.
    std::fs::write(&path, "").unwrap();
    let outcomes = read_outcomes(
        &path,
        &OutcomesConfig::default(),
        OutcomesOptions::default(),
    )
    .unwrap();
    assert!(outcomes.is_empty());
}

#[test]
fn random_bytes_never_panic_and_every_row_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deals.csv");
    let pieces: &[&[u8]] = &[
        b"c1",
        b",",
        b"\n",
        b"\"",
        b"won",
        b"lost",
        b"Closed Won",
        b"12",
        b"2024-01-01",
        b"\xff",
        b";",
        b"x",
        b"\r\n",
        b" ",
        b"=",
    ];
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    for _ in 0..300 {
        let mut bytes = b"company_id,outcome,amount,created,closed\n".to_vec();
        for _ in 0..(state % 60) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            bytes.extend_from_slice(pieces[(state % pieces.len() as u64) as usize]);
        }
        std::fs::write(&path, &bytes).unwrap();
        let outcomes = read_outcomes(
            &path,
            &OutcomesConfig::default(),
            OutcomesOptions::default(),
        )
        .expect("read");
        assert!(outcomes.report().is_balanced(), "{:?}", outcomes.report());
    }
}
