//! `icp init`: every template makes a project that checks, tests, is formatted and scores out
//! of the box; nothing is ever overwritten; the figures it prints are the files' own; and
//! every command run outside a project says how to start one.

mod common;

use std::path::Path;

use common::{icp, listing, no_temporary_file, stderr, stdout};

/// The template names, as `icp init --list` prints them.
fn template_names(dir: &Path) -> Vec<String> {
    let out = icp(dir, &["init", "--list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

fn exit_code(out: &std::process::Output) -> Option<i32> {
    out.status.code()
}

/// Data rows of a CSV file without quoted line breaks (the sample has none).
fn data_rows(path: &Path) -> usize {
    let text = std::fs::read_to_string(path).expect("readable");
    text.lines().skip(1).filter(|l| !l.is_empty()).count()
}

#[test]
fn every_template_makes_a_project_that_checks_tests_formats_and_scores() {
    let dir = tempfile::tempdir().expect("tempdir");
    let names = template_names(dir.path());
    assert!(
        names.len() >= 5
            && names.iter().any(|n| n == "midmarket-saas")
            && names.iter().any(|n| n == "bant"),
        "{names:?}"
    );
    for name in &names {
        let out = icp(dir.path(), &["init", name, "--template", name]);
        assert_eq!(exit_code(&out), Some(0), "{name}: {}", stderr(&out));
        let project = dir.path().join(name);
        for args in [
            &["check", "--deny-warnings"][..],
            &["test"],
            &["fmt", "--check"],
            &["score"],
        ] {
            let run = icp(&project, args);
            assert_eq!(
                exit_code(&run),
                Some(0),
                "{name}: icp {args:?}\n{}{}",
                stdout(&run),
                stderr(&run)
            );
        }
        // The summary's counts are the sample's rows, and every lead has a result row.
        let companies = data_rows(&project.join("leads/companies.csv"));
        let contacts = data_rows(&project.join("leads/contacts.csv"));
        let score = icp(&project, &["score", "-o", "again.csv"]);
        let summary = stderr(&score);
        assert!(
            summary.contains(&format!(
                "read {companies} rows from leads/companies.csv: {companies} leads, 0 rejected"
            )),
            "{name}: {summary}"
        );
        assert!(
            summary.contains(&format!("{contacts} contacts joined")),
            "{name}: {summary}"
        );
        assert_eq!(data_rows(&project.join("scored.csv")), companies, "{name}");
    }
}

#[test]
fn init_says_what_it_wrote_and_what_to_run_next() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = icp(dir.path(), &["init", "acme"]);
    assert_eq!(exit_code(&out), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let project = dir.path().join("acme");
    let companies = data_rows(&project.join("leads/companies.csv"));
    let contacts = data_rows(&project.join("leads/contacts.csv"));
    assert!(
        text.contains(&format!("sample leads: {companies} companies")),
        "{text}"
    );
    assert!(
        text.contains(&format!("their {contacts} contacts")),
        "{text}"
    );
    insta::assert_snapshot!("init_default_project", text);
    assert_eq!(
        listing(&project),
        ["icp.toml", "leads", "rules"],
        "only the project's files"
    );
    no_temporary_file(&project);
    no_temporary_file(&project.join("leads"));
    no_temporary_file(&project.join("rules"));
}

#[test]
fn init_lists_its_templates() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = icp(dir.path(), &["init", "--list"]);
    assert_eq!(exit_code(&out), Some(0));
    insta::assert_snapshot!("init_list", stdout(&out));
    assert!(listing(dir.path()).is_empty(), "--list writes nothing");
}

#[test]
fn init_writes_the_same_bytes_every_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    for name in ["one", "two"] {
        let out = icp(dir.path(), &["init", name, "--template", "bant"]);
        assert_eq!(exit_code(&out), Some(0), "{}", stderr(&out));
    }
    for file in [
        "icp.toml",
        "rules/bant.icp",
        "leads/companies.csv",
        "leads/contacts.csv",
    ] {
        let read = |p: &str| std::fs::read(dir.path().join(p).join(file)).expect("written");
        assert_eq!(read("one"), read("two"), "{file}");
    }
}

#[test]
fn init_overwrites_nothing_and_writes_nothing_when_a_file_exists() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = dir.path().join("acme");
    std::fs::create_dir_all(project.join("rules")).expect("mkdir");
    std::fs::write(project.join("rules/midmarket_saas.icp"), "# mine\n").expect("write");
    let out = icp(dir.path(), &["init", "acme"]);
    assert_eq!(exit_code(&out), Some(2));
    assert_eq!(
        stderr(&out),
        "error: acme/rules/midmarket_saas.icp already exists; icp init writes only new files, \
         so nothing was written (start the project in another directory, or move it away)\n"
    );
    assert_eq!(
        std::fs::read_to_string(project.join("rules/midmarket_saas.icp")).expect("kept"),
        "# mine\n"
    );
    assert_eq!(listing(&project), ["rules"]);
    assert_eq!(listing(&project.join("rules")), ["midmarket_saas.icp"]);

    // In the working directory itself: an existing icp.toml is kept.
    std::fs::write(dir.path().join("icp.toml"), "rules = [\"mine\"]\n").expect("write");
    let out = icp(dir.path(), &["init"]);
    assert_eq!(exit_code(&out), Some(2));
    assert!(
        stderr(&out).starts_with("error: icp.toml already exists;"),
        "{}",
        stderr(&out)
    );
    assert_eq!(listing(dir.path()), ["acme", "icp.toml"]);
}

#[test]
fn init_refuses_an_unknown_template_and_a_file_for_a_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = icp(dir.path(), &["init", "--template", "midmarket"]);
    assert_eq!(exit_code(&out), Some(2));
    assert_eq!(
        stderr(&out),
        "error: --template midmarket: no such template; the templates are midmarket-saas, \
         bant, five-point, grasp, abc-xyz (icp init --list)\n"
    );
    std::fs::write(dir.path().join("notes.txt"), "x").expect("write");
    let out = icp(dir.path(), &["init", "notes.txt"]);
    assert_eq!(exit_code(&out), Some(2));
    assert_eq!(
        stderr(&out),
        "error: notes.txt is a file; give a directory for the new project\n"
    );
    let out = icp(dir.path(), &["init", "x", "--list"]);
    assert_eq!(exit_code(&out), Some(2), "--list takes no directory");
    assert_eq!(listing(dir.path()), ["notes.txt"]);
}

#[test]
fn commands_outside_a_project_say_how_to_start_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let expected = "error: no icp.toml here or above, and no rules directory; run `icp init` to \
                    start a project, or give the rules with --rules (`icp check FILE.icp` for \
                    check, test and fmt)\n";
    for args in [
        &["check"][..],
        &["test"],
        &["fmt", "--check"],
        &["score", "--leads", "leads.csv"],
        &["explain", "--leads", "leads.csv", "--id", "C1"],
    ] {
        let out = icp(dir.path(), args);
        assert_eq!(exit_code(&out), Some(2), "icp {args:?}");
        assert_eq!(stderr(&out), expected, "icp {args:?}");
    }
    // Rules given by path need no project.
    std::fs::write(dir.path().join("a.icp"), "let x = company.employees > 10\n").expect("write");
    let out = icp(dir.path(), &["check", "a.icp"]);
    assert_ne!(exit_code(&out), Some(2), "{}", stderr(&out));
}
