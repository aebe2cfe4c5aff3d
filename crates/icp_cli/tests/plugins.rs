//! Signal plugins end to end: type-checking calls against loaded plugins, `ICP_PLUGIN_PATH`,
//! broken setups, plugin data errors while scoring, and `icp plugins install`. (The listing
//! snapshotted to a file is tested in `cli.rs`.)

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

#[test]
fn signals_are_type_checked_against_the_loaded_plugins() {
    plugins_built();
    let dir = project(&[(
        "rules/demo.icp",
        "icp demo {\n  require funding.raised_within(\"soon\")\n  score 10 \"x\" when funding.total_raisd > 1M\n}\n",
    )]);
    let library = bin_dir().join(libloading_name("plugin_funding"));
    let out = icp(
        dir.path(),
        &["check", "--plugin", library.to_str().expect("utf-8")],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("error[E0012]"), "{text}");
    assert!(
        text.contains("funding.raised_within(within: duration) -> bool"),
        "{text}"
    );
    assert!(
        text.contains("did you mean `funding.total_raised`?"),
        "{text}"
    );

    // Without the plugin, the namespace is unknown.
    let out = icp(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("error[E0010]"), "{}", stdout(&out));
}

#[test]
fn plugin_path_directories_are_loaded_and_broken_setups_exit_2() {
    plugins_built();
    let dir = project(&[("rules/demo.icp", GOOD)]);
    // Every library in an ICP_PLUGIN_PATH directory is loaded.
    let out = Command::new(env!("CARGO_BIN_EXE_icp"))
        .args(["plugins"])
        .current_dir(dir.path())
        .env("ICP_PLUGIN_PATH", bin_dir())
        .output()
        .expect("icp runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for name in ["funding 0.1.0", "events 0.1.0", "job_changes 0.1.0"] {
        assert!(text.contains(name), "{text}");
    }

    // A configured plugin whose library is missing, or not a library, is a usage error.
    std::fs::write(
        dir.path().join("icp.toml"),
        "[plugins.funding]\nlibrary = \"lib/missing.so\"\n",
    )
    .expect("write icp.toml");
    let out = icp(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: plugin `funding`: library not found: ")
            && err.contains("lib/missing.so"),
        "{err}"
    );
    std::fs::create_dir_all(dir.path().join("lib")).expect("mkdir");
    std::fs::write(dir.path().join("lib/missing.so"), "not a library").expect("write");
    let out = icp(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("not a loadable shared library"), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");

    // A table whose name is not the library's plugin.
    let events = bin_dir().join(libloading_name("plugin_events"));
    std::fs::write(
        dir.path().join("icp.toml"),
        format!(
            "[plugins.funding]\nlibrary = {:?}\n",
            events.display().to_string()
        ),
    )
    .expect("write icp.toml");
    let out = icp(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("configures [plugins.funding], but")
            && stderr(&out).contains("is the plugin `events`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_plugin_data_error_stops_scoring_with_exit_2_naming_the_plugin() {
    plugins_built();
    let dir = project(&[(
        "rules/demo.icp",
        "icp demo {\n  require company.employees >= 1\n  score 10 \"funded\" when funding.raised_within(90d)\n  tier A when score >= 10\n  tier B otherwise\n}\n",
    )]);
    std::fs::write(
        dir.path().join("icp.toml"),
        "[plugins.funding]\ndata = \"funding.csv\"\n",
    )
    .expect("write icp.toml");
    std::fs::write(
        dir.path().join("leads.csv"),
        "id,domain,employees\n1,acme.com,10\n",
    )
    .expect("write leads");
    std::fs::write(
        dir.path().join("funding.csv"),
        "domain,date,type,amount_usd\nacme.com,2026-10-01,Series Z,1000\n",
    )
    .expect("write funding data");
    let out = icp(
        dir.path(),
        &["score", "--leads", "leads.csv", "-o", "out.csv"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: plugin `funding` (") && err.contains("funding.csv:2"),
        "{err}"
    );

    // Fixed data: scored, the signal read through the plugin.
    std::fs::write(
        dir.path().join("funding.csv"),
        "domain,date,type,amount_usd\nacme.com,2026-10-01,Series A,1000\n",
    )
    .expect("write funding data");
    let out = icp(
        dir.path(),
        &[
            "score",
            "--leads",
            "leads.csv",
            "-o",
            "-",
            "--as-of",
            "2026-11-23",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = stdout(&out);
    assert!(
        rows.lines().nth(1).is_some_and(|l| l.contains(",A,")),
        "{rows}"
    );
}

#[test]
fn known_none_is_not_missing_and_an_uncovered_company_is() {
    plugins_built();
    let dir = project(&[(
        "rules/demo.icp",
        "icp demo {\n  score 10 \"B+\" when funding.last_round_type >= \"Series B\"\n  score 5 \"data lead\" when job_changes.count(within: 90d, title: \"data\", seniority: \"Director\") >= 1\n  tier A when score >= 10\n  tier B otherwise\n}\n",
    )]);
    std::fs::write(
        dir.path().join("icp.toml"),
        "[plugins.funding]\ndata = \"funding.csv\"\ncovers = \"covered.csv\"\n\n[plugins.job_changes]\ndata = \"jobs.csv\"\ncovers = \"covered.csv\"\n",
    )
    .expect("write icp.toml");
    std::fs::write(
        dir.path().join("leads.csv"),
        "id,domain\n1,acme.com\n2,hooli.com\n3,unknown.org\n",
    )
    .expect("write leads");
    std::fs::write(
        dir.path().join("covered.csv"),
        "domain\nacme.com\nhooli.com\n",
    )
    .expect("write coverage");
    std::fs::write(
        dir.path().join("funding.csv"),
        "domain,date,type,amount_usd\nacme.com,2026-10-01,Series C,1000\n",
    )
    .expect("write funding data");
    std::fs::write(
        dir.path().join("jobs.csv"),
        "person,email,domain,date,kind,title,seniority,department\nAna Lee,,acme.com,2026-11-01,joined,VP Data,,Data\n",
    )
    .expect("write job changes");
    let score = |dir: &Path| {
        icp(
            dir,
            &[
                "score",
                "--leads",
                "leads.csv",
                "-o",
                "-",
                "--as-of",
                "2026-11-23",
            ],
        )
    };
    let out = score(dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // acme: Series C and a new VP Data; hooli: covered, never raised, no change (definite,
    // nothing missing); unknown.org: not covered, both signals unknown.
    let rows: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    assert!(rows[1] == "1,,demo,true,15,15,A,B+|data lead,,", "{rows:?}");
    assert!(rows[2] == "2,,demo,true,0,15,B,,,", "{rows:?}");
    assert!(
        rows[3].contains("funding.last_round_type")
            && rows[3].contains("job_changes.count(within: 90d"),
        "{rows:?}"
    );
    let err = stderr(&out);
    insta::assert_snapshot!(
        "known_none_scored",
        format!("{}\n{}", stdout(&out), without_timing(&err))
    );
    let missing = err
        .split("fields most often missing where they mattered:")
        .nth(1)
        .expect("a missing section");
    assert!(
        missing.contains("funding.last_round_type") && missing.contains("1  (33.3%)"),
        "{err}"
    );

    // A coverage file without a `domain` column stops the run, naming the file.
    std::fs::write(dir.path().join("covered.csv"), "name\nAcme\n").expect("write coverage");
    let out = score(dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("covered.csv: not a CSV with columns domain"),
        "{}",
        stderr(&out)
    );
}

/// `icp plugins install` puts a built plugin library in the plugin home, where an `icp`
/// installed elsewhere (a copy of the binary, with no plugins beside it) finds the plugin a
/// `[plugins.NAME]` table names; what cannot be installed exits 2 with one line.
#[test]
fn plugins_install_puts_a_library_in_the_plugin_home_that_any_icp_finds() {
    plugins_built();
    let dir = project(&[(
        "rules/demo.icp",
        "icp demo {\n  require company.employees >= 1\n  score 10 \"funded\" when funding.raised_within(90d)\n}\n",
    )]);
    std::fs::write(
        dir.path().join("icp.toml"),
        "rules = [\"rules\"]\n\n[plugins.funding]\ndata = \"funding.csv\"\n",
    )
    .expect("write icp.toml");
    let home = tempfile::tempdir().expect("temp dir");
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let binary = Path::new(env!("CARGO_BIN_EXE_icp"));
    let copy = elsewhere
        .path()
        .join(binary.file_name().expect("a file name"));
    std::fs::copy(binary, &copy).expect("copy the binary");
    let run = |args: &[&str]| {
        Command::new(&copy)
            .args(args)
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .env("ICP_PLUGIN_HOME", home.path())
            .env_remove("ICP_PLUGIN_PATH")
            .output()
            .expect("the copied icp runs")
    };
    let library = libloading_name("plugin_funding");

    // Before the install: not beside the copy, not in the home.
    let out = run(&["check"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.starts_with(&format!(
            "error: plugin `funding`: library not found: {library}"
        )) && err.contains("icp plugins install"),
        "{err}"
    );

    let built = bin_dir().join(&library);
    let out = run(&["plugins", "install", built.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let said = stdout(&out);
    assert!(
        said.starts_with("installed funding 0.1.0 to ") && said.ends_with(&format!("{library}\n")),
        "{said}"
    );
    assert!(home.path().join(&library).is_file());
    // Installing again replaces the copy.
    let again = run(&["plugins", "install", built.to_str().expect("utf-8")]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(stdout(&again), said);

    // The copy of icp now finds the plugin in the home, and says so.
    let out = run(&["plugins", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let funding = &json["plugins"][0];
    assert_eq!(funding["name"], "funding");
    assert_eq!(funding["source"], "config");
    let file = dir
        .path()
        .join(funding["file"].as_str().expect("a file"))
        .canonicalize()
        .expect("the listed file exists");
    assert_eq!(
        file,
        home.path()
            .join(&library)
            .canonicalize()
            .expect("installed")
    );
    let out = run(&["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("checked 1 file (1 ICP, 0 tests)"),
        "{}",
        stdout(&out)
    );

    // What cannot be installed: one line, exit 2.
    std::fs::write(dir.path().join("fake.so"), "not a library").expect("write");
    std::fs::create_dir_all(dir.path().join("broken")).expect("mkdir");
    std::fs::write(dir.path().join("broken/Cargo.toml"), "[package\n").expect("write");
    for (path, message) in [
        ("missing.so", "error: missing.so: no such file or directory"),
        ("fake.so", "not a loadable shared library"),
        (
            "rules",
            "error: rules: not a plugin crate (a directory with a Cargo.toml)",
        ),
        ("icp.toml", "error: icp.toml: not a plugin crate"),
        ("broken", "error: cargo build --release failed for broken ("),
    ] {
        let out = run(&["plugins", "install", path]);
        assert_eq!(out.status.code(), Some(2), "{path}: {}", stderr(&out));
        let err = stderr(&out);
        // cargo's own messages come first; icp's is the last line.
        let last = err.lines().last().unwrap_or_default();
        assert!(
            last.starts_with("error: ") && last.contains(message),
            "{path}: {err}"
        );
        if path != "broken" {
            assert_eq!(err.lines().count(), 1, "{path}: {err}");
        }
    }
    let out = run(&["plugins", "install"]);
    assert_eq!(out.status.code(), Some(2), "a path is required");
}
