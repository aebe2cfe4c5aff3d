//! `icp gen` end to end: a deterministic lead set that scores cleanly, JSON Lines with
//! contacts inside each company, bad arguments, and its files written as one output set
//! (the same file twice and `icp.toml` refused, an interrupted run leaving the earlier files).

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

#[test]
fn gen_refuses_one_file_twice_and_its_own_config_before_writing() {
    let dir = project(&[("rules/demo.icp", GOOD)]);
    std::fs::create_dir_all(dir.path().join("s")).expect("mkdir");
    let before = listing(dir.path());
    for args in [
        &["-o", "x.csv", "--contacts-out", "x.csv"][..],
        &["-o", "x.csv", "--contacts-out", "./x.csv"],
        &["-o", "s/funding.csv", "--signals-dir", "s"],
        &[
            "-o",
            "c.csv",
            "--contacts-out",
            "s/events.csv",
            "--signals-dir",
            "./s",
        ],
    ] {
        let mut all = vec!["gen", "--companies", "10"];
        all.extend(args);
        let out = icp(dir.path(), &all);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("are one file"), "{}", stderr(&out));
        assert_eq!(listing(dir.path()), before, "{args:?}: nothing written");
        assert!(listing(&dir.path().join("s")).is_empty(), "{args:?}");
    }
    let config = std::fs::read(dir.path().join("icp.toml")).expect("icp.toml");
    let out = icp(dir.path(), &["gen", "--companies", "10", "-o", "icp.toml"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("icp.toml is read by this run"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read(dir.path().join("icp.toml")).expect("icp.toml"),
        config
    );
}

#[test]
fn gen_stopped_part_way_leaves_every_earlier_file_and_no_temporary_file() {
    let dir = project(&[("rules/demo.icp", GOOD)]);
    let files = [
        "c.csv",
        "p.csv",
        "s/funding.csv",
        "s/events.csv",
        "s/job_changes.csv",
        "s/champions.csv",
    ];
    let command = "gen --contacts-per-company 2 -o c.csv --contacts-out p.csv --signals-dir s";
    let args: Vec<&str> = command.split(' ').chain(["--companies", "40"]).collect();
    let out = icp(dir.path(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let read_all =
        || files.map(|f| std::fs::read(dir.path().join(f)).unwrap_or_else(|e| panic!("{f}: {e}")));
    let earlier = read_all();
    // 64 blocks of 512 bytes: far less than 20,000 companies.
    let script = format!(
        "ulimit -f 64 && exec '{}' {command} --companies 20000",
        env!("CARGO_BIN_EXE_icp")
    );
    let run = std::process::Command::new("sh")
        .args(["-c", &script])
        .current_dir(dir.path())
        .output()
        .expect("sh runs");
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    assert!(stderr(&run).contains("cannot write"), "{}", stderr(&run));
    assert!(read_all() == earlier, "the earlier files are untouched");
    no_temporary_file(dir.path());
    no_temporary_file(&dir.path().join("s"));

    // A run that succeeds replaces all of them, with nothing left beside them.
    let args: Vec<&str> = command.split(' ').chain(["--companies", "60"]).collect();
    let out = icp(dir.path(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(read_all()[0] != earlier[0], "the companies are rewritten");
    assert_eq!(
        listing(&dir.path().join("s")),
        [
            "champions.csv",
            "events.csv",
            "funding.csv",
            "job_changes.csv"
        ]
    );
    no_temporary_file(dir.path());
}
