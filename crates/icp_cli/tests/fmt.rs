//! `icp fmt` end to end: `--check`, rewriting files, syntax errors and standard input.

mod common;

use std::process::Command;

use common::*;

#[test]
fn fmt_check_lists_files_that_would_change_and_fmt_fixes_them() {
    let messy = "icp   other{\nrequire company.employees>=50\n  tier A when company.revenue>1M}\n";
    let dir = project(&[("rules/a.icp", GOOD), ("rules/b.icp", messy)]);
    let out = icp(dir.path(), &["fmt", "--check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("would reformat rules/b.icp"),
        "{}",
        stdout(&out)
    );
    assert!(!stdout(&out).contains("rules/a.icp"), "{}", stdout(&out));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("rules/b.icp")).expect("read"),
        messy
    );

    let out = icp(dir.path(), &["fmt"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let fixed = std::fs::read_to_string(dir.path().join("rules/b.icp")).expect("read");
    assert_ne!(fixed, messy);
    let out = icp(dir.path(), &["fmt", "--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(icp(dir.path(), &["check"]).status.code(), Some(0));
}

#[test]
fn fmt_refuses_a_file_with_a_syntax_error() {
    let dir = project(&[("rules/a.icp", "icp demo {\n")]);
    let out = icp(dir.path(), &["fmt"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("error[E0001]"), "{}", stdout(&out));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("rules/a.icp")).expect("read"),
        "icp demo {\n"
    );
}

#[test]
fn fmt_dash_formats_standard_input() {
    use std::io::Write;
    let dir = project(&[("rules/a.icp", GOOD)]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_icp"))
        .args(["fmt", "-"])
        .current_dir(dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"let  x=company.employees>5\nicp a{require x}\n")
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).starts_with("let x = company.employees > 5\n"),
        "{}",
        stdout(&out)
    );
}
