//! `icp check` end to end, through the built binary: exit codes, text and JSON output,
//! configuration discovery, and clear one-line errors for bad usage.

mod common;

use common::*;

#[test]
fn check_with_no_arguments_uses_the_rules_of_icp_toml() {
    let dir = project(&[("rules/demo.icp", GOOD)]);
    let out = icp(dir.path(), &["check"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    insta::assert_snapshot!(stdout(&out), @"checked 1 file (1 ICP, 0 tests): no problems");
}

#[test]
fn icp_toml_is_found_from_a_subdirectory() {
    let dir = project(&[("rules/demo.icp", GOOD)]);
    let sub = dir.path().join("rules");
    let out = icp(&sub, &["check"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
}

#[test]
fn rule_errors_exit_1_with_a_located_message() {
    let dir = project(&[("rules/demo.icp", BROKEN)]);
    let out = icp(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(stdout(&out), @r"
    error[E0004]: unknown company field `company.employes`
      ┌─ rules/demo.icp:2:11
      │
    2 │   require company.employes >= 50
      │           ^^^^^^^^^^^^^^^^
      │
      = help: did you mean `company.employees`?

    checked 1 file (1 ICP, 0 tests): 1 error
    ");
}

#[test]
fn json_format_prints_one_object_per_diagnostic() {
    let dir = project(&[
        ("rules/demo.icp", BROKEN),
        ("rules/warn.icp", WARNING.replace("demo", "other").as_str()),
    ]);
    let out = icp(dir.path(), &["check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "unused-let warnings are not reported alongside errors"
    );
    insta::assert_json_snapshot!(lines[0], @r#"
    {
      "code": "E0004",
      "column": 11,
      "end": {
        "column": 27,
        "line": 2
      },
      "file": "rules/demo.icp",
      "help": "did you mean `company.employees`?",
      "label": null,
      "line": 2,
      "message": "unknown company field `company.employes`",
      "severity": "error"
    }
    "#);
}

#[test]
fn warnings_exit_0_unless_denied() {
    let dir = project(&[("rules/demo.icp", WARNING)]);
    let out = icp(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("warning[W0004]"), "{}", stdout(&out));
    assert!(stdout(&out).ends_with("1 warning\n"), "{}", stdout(&out));
    let out = icp(dir.path(), &["check", "--deny-warnings"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn explicit_paths_override_the_configuration() {
    let dir = project(&[("rules/demo.icp", BROKEN), ("other/good.icp", GOOD)]);
    let out = icp(dir.path(), &["check", "other"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = icp(dir.path(), &["check", "other/good.icp"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn a_missing_path_exits_2_with_one_line() {
    let dir = project(&[("rules/demo.icp", GOOD)]);
    let out = icp(dir.path(), &["check", "nope.icp"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out), "error: nope.icp: no such file or directory\n");
    assert!(stdout(&out).is_empty());
}

#[test]
fn a_directory_without_rules_exits_2() {
    let dir = project(&[("rules/demo.icp", GOOD)]);
    std::fs::create_dir(dir.path().join("empty")).expect("mkdir");
    let out = icp(dir.path(), &["check", "empty"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out), "error: no .icp files found in empty\n");
}

#[test]
fn a_file_that_is_not_utf8_exits_2() {
    let dir = project(&[("rules/demo.icp", GOOD)]);
    std::fs::write(dir.path().join("rules/bad.icp"), [0x66, 0xff, 0xfe]).expect("write");
    let out = icp(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: cannot read rules/bad.icp: the file is not valid UTF-8\n"
    );
}

#[test]
fn a_bad_icp_toml_exits_2_naming_the_file() {
    let dir = project(&[("rules/demo.icp", GOOD)]);
    std::fs::write(
        dir.path().join("icp.toml"),
        "[fields.company]\narr = \"money\"\n",
    )
    .expect("write");
    let out = icp(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out)
            .contains("icp.toml: [fields.company]: field `company.arr` has unknown type \"money\""),
        "{}",
        stderr(&out)
    );
    std::fs::write(dir.path().join("icp.toml"), "rulez = [\"rules\"]\n").expect("write");
    let out = icp(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown field `rulez`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let dir = project(&[("rules/demo.icp", GOOD)]);
    assert_eq!(icp(dir.path(), &["chek"]).status.code(), Some(2));
    assert_eq!(
        icp(dir.path(), &["check", "--format", "xml"]).status.code(),
        Some(2)
    );
    let help = icp(dir.path(), &["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(stdout(&help).contains("check"));
}
