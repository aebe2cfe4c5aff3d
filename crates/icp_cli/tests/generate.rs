//! `icp gen` end to end: a deterministic lead set that scores cleanly, JSON Lines with
//! contacts inside each company, and bad arguments.

mod common;

use common::*;

#[test]
fn gen_writes_a_lead_set_that_scores_cleanly() {
    plugins_built();
    let dir = tempfile::tempdir().expect("temp dir");
    let root = repo();
    std::fs::copy(root.join("icp.toml"), dir.path().join("icp.toml")).expect("copy icp.toml");
    let rules = root.join("rules");
    let args = [
        "gen",
        "--companies",
        "500",
        "--seed",
        "7",
        "--messy",
        "0",
        "--contacts-per-company",
        "1..3",
        "-o",
        "c.csv",
        "--contacts-out",
        "p.csv",
    ];
    let out = icp(dir.path(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with("wrote 500 companies to c.csv and "),
        "{}",
        stderr(&out)
    );
    let first = std::fs::read(dir.path().join("c.csv")).expect("companies");
    let out = icp(dir.path(), &args);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        std::fs::read(dir.path().join("c.csv")).expect("companies"),
        first,
        "same arguments, same bytes"
    );
    for messy in ["0", "0.3"] {
        let out = icp(
            dir.path(),
            &[
                "gen",
                "--companies",
                "500",
                "--messy",
                messy,
                "-o",
                "c.csv",
                "--contacts-out",
                "p.csv",
                // Where the copied icp.toml's plugins find their data.
                "--signals-dir",
                "demo",
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let out = icp(
            dir.path(),
            &[
                "score",
                "--rules",
                rules.to_str().expect("utf-8 path"),
                "--leads",
                "c.csv",
                "--contacts",
                "p.csv",
                "-o",
                "s.csv",
                "--as-of",
                "2026-11-23",
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let summary = stderr(&out);
        assert!(
            summary.starts_with("read 500 rows from c.csv: 500 leads, 0 rejected"),
            "{summary}"
        );
        assert!(
            summary.contains("0 without a matching company, 0 rejected"),
            "{summary}"
        );
        assert!(
            !summary.contains("did not parse"),
            "--messy {messy}: {summary}"
        );
    }
}

#[test]
fn gen_refuses_bad_arguments_with_exit_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    for bad in [
        &["--contacts-per-company", "5..1"][..],
        &["--contacts-per-company", "a..b"],
        &["--contacts-per-company", "1..x"],
        &["--messy", "1.5"],
        &["--format", "jsonl", "--contacts-out", "p.csv"],
        &["--deals-out", "no/such/dir/deals.csv"],
    ] {
        let out = icp(
            dir.path(),
            &[&["gen", "--companies", "10", "-o", "c.csv"][..], bad].concat(),
        );
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        let written = stderr(&out)
            .lines()
            .filter(|l| l.starts_with("wrote "))
            .count();
        assert_eq!(
            stderr(&out).lines().count() - written,
            1,
            "{}",
            stderr(&out)
        );
        assert!(
            stderr(&out)
                .lines()
                .last()
                .is_some_and(|l| l.starts_with("error: "))
        );
    }
    let out = icp(
        dir.path(),
        &[
            "gen",
            "--companies",
            "10",
            "-o",
            "c.csv",
            "--deals-out",
            "d.csv",
            "--deals-preset",
            "pipedrive",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn gen_jsonl_puts_contacts_inside_each_company() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = icp(dir.path(), &["gen", "--companies", "50", "-o", "c.jsonl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(dir.path().join("c.jsonl")).expect("jsonl");
    assert_eq!(text.lines().count(), 50);
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("one JSON object a line");
        assert!(v["contacts"].is_array(), "{line}");
    }
}

#[test]
fn the_demo_is_what_the_documented_gen_command_writes_deals_included() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = icp(
        dir.path(),
        &[
            "gen",
            "--companies",
            "3000",
            "--seed",
            "20261123",
            "-o",
            "companies.csv",
            "--contacts-out",
            "contacts.csv",
            "--signals-dir",
            ".",
            "--deals-out",
            "deals.csv",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("wrote 370 deals of 281 companies to deals.csv: 68 won, 259 lost, 43 open"),
        "{}",
        stderr(&out)
    );
    for file in [
        "companies.csv",
        "contacts.csv",
        "funding.csv",
        "events.csv",
        "job_changes.csv",
        "champions.csv",
        "deals.csv",
    ] {
        assert!(
            std::fs::read(dir.path().join(file)).expect("written")
                == std::fs::read(repo().join("demo").join(file)).expect("demo file"),
            "demo/{file} is not what `icp gen` writes"
        );
    }
    // The HubSpot shape reads back as the same deals.
    let out = icp(
        dir.path(),
        &[
            "gen",
            "--companies",
            "3000",
            "--seed",
            "20261123",
            "-o",
            "companies.csv",
            "--deals-out",
            "hubspot.csv",
            "--deals-preset",
            "hubspot",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let config = icp_io::outcomes::OutcomesConfig::default();
    let read = |name: &str| {
        icp_io::outcomes::read_outcomes(&dir.path().join(name), &config, Default::default())
            .expect("read deals")
    };
    let (plain, hubspot) = (read("deals.csv"), read("hubspot.csv"));
    let counts = |o: &icp_io::outcomes::Outcomes| {
        let r = o.report();
        (r.deals, r.won, r.lost, r.open, r.rejected, r.accounts)
    };
    assert_eq!(counts(&plain), (370, 68, 259, 43, 0, 281));
    assert_eq!(counts(&plain), counts(&hubspot));
    assert_eq!(
        hubspot.report().preset,
        icp_io::outcomes::OutcomesPreset::Hubspot
    );
    for (key, account) in plain.accounts() {
        let icp_io::outcomes::AccountKey::Id(id) = key else {
            panic!("generated deals name company ids");
        };
        assert_eq!(hubspot.account(id, None), Some(account), "{id}");
    }
}
