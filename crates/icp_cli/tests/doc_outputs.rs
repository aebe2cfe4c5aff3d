//! Every sample output in `docs/` and the README is what its command prints today, so none
//! can go stale; and every fence that looks like a sample says where it comes from.
//!
//! The documents are every Markdown file under `docs/` and `README.md`. How a document marks
//! what is run is in `fences.rs` (the two syntaxes: ```` ```console ```` fences of `$ `
//! commands, and fences marked `run="ARGS"`, plus `output=NAME` and `file=NAME` for the
//! files the commands write and read), how they are played in `runner.rs`, and which fences
//! must be marked in `lint.rs`; docs/testing.md ("Sample outputs in the docs") is the
//! reader's version.
//!
//! `docs/plugins.md` is played by `tests/plugin_example.rs` (in `icp_tests`) instead: its
//! commands need the guide's `hiring` plugin, a crate outside the workspace that test builds
//! with cargo, and its `file=PATH` fences are files of the repository shown byte for byte,
//! not files to write. It is still linted.
//!
//! After a deliberate change of an output, `UPDATE_DOCS=1 cargo test -p icp_cli --test
//! doc_outputs` rewrites the documents' outputs with what the commands print; review the
//! change with `git diff`.

mod common;
#[path = "doc_outputs/fences.rs"]
mod fences;
#[path = "doc_outputs/lint.rs"]
mod lint;
#[path = "doc_outputs/runner.rs"]
mod runner;

use std::path::{Path, PathBuf};

use common::{plugins_built, repo};
use fences::{Action, Run, Stream, steps};

/// Documents whose commands another test plays (see the module doc).
const PLAYED_ELSEWHERE: [&str; 1] = ["docs/plugins.md"];

fn markdown_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir)
        .expect("a readable directory")
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            markdown_under(&path, out);
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
}

/// Every Markdown file under `docs/`, and the README, relative to the repository.
fn documents() -> Vec<String> {
    let mut paths = vec![repo().join("README.md")];
    markdown_under(&repo().join("docs"), &mut paths);
    let mut names: Vec<String> = paths
        .iter()
        .map(|p| {
            p.strip_prefix(repo())
                .expect("inside")
                .display()
                .to_string()
        })
        .collect();
    names.sort();
    names
}

#[test]
fn every_sample_output_in_the_docs_is_what_its_command_prints() {
    plugins_built();
    let update = std::env::var_os("UPDATE_DOCS").is_some();
    let docs: Vec<String> = documents()
        .into_iter()
        .filter(|d| !PLAYED_ELSEWHERE.contains(&d.as_str()))
        .collect();
    let results: Vec<runner::Checked> = std::thread::scope(|scope| {
        let handles: Vec<_> = docs
            .iter()
            .map(|doc| scope.spawn(move || runner::check_document(&repo().join(doc), doc, update)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("no panic"))
            .collect()
    });
    let compared: usize = results.iter().map(|r| r.compared).sum();
    let differences: Vec<&String> = results.iter().flat_map(|r| &r.differences).collect();
    let failures: Vec<&String> = results.iter().flat_map(|r| &r.failures).collect();
    assert!(
        failures.is_empty(),
        "commands of the docs that did not run as marked:\n{}",
        failures
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        update || differences.is_empty(),
        "stale sample outputs (UPDATE_DOCS=1 rewrites them):\n{}",
        differences
            .iter()
            .map(|d| d.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(compared >= 25, "only {compared} sample outputs found");
}

#[test]
fn every_sample_fence_in_the_docs_is_marked() {
    let mut problems = Vec::new();
    for doc in documents() {
        let markdown = std::fs::read_to_string(repo().join(&doc)).expect("readable");
        problems.extend(lint::unmarked(&markdown, &doc));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_stale_sample_is_reported_and_rewritten_and_a_failing_command_is_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let page = dir.path().join("page.md");
    let markdown = "```text file=note.txt\nhello\n```\n\n```console\n$ cat note.txt\nbye\n```\n\n```text run=\"check --no-such-flag\" stream=stderr\nx\n```\n\n```text output=note.txt\nhello\n```\n";
    std::fs::write(&page, markdown).expect("write");
    let checked = runner::check_document(&page, "page.md", false);
    assert_eq!(checked.compared, 3);
    assert_eq!(checked.differences.len(), 1, "{:?}", checked.differences);
    assert!(checked.differences[0].starts_with("page.md:6: `cat note.txt` gives\nhello\n"));
    assert_eq!(checked.failures.len(), 1, "{:?}", checked.failures);
    assert!(
        checked.failures[0]
            .starts_with("page.md:10: `icp check --no-such-flag` exited with 2, not 0"),
        "{}",
        checked.failures[0]
    );
    assert_eq!(std::fs::read_to_string(&page).expect("read"), markdown);

    let checked = runner::check_document(&page, "page.md", true);
    assert_eq!(checked.failures.len(), 1);
    let rewritten = std::fs::read_to_string(&page).expect("read");
    assert_eq!(
        rewritten,
        markdown.replace("$ cat note.txt\nbye", "$ cat note.txt\nhello")
    );
}

#[test]
fn an_unmarked_or_misspelt_sample_is_reported_with_its_line() {
    let markdown = "# Page\n\n```text\nscore 3\n```\n\n```csv input\na,b\n```\n\n```json run=\"score\"\n{}\n```\n\n```console\nno command\n```\n\n```text inptu\nx\n```\n\n```sh\nicp score\n```\n\n```text figure\n a -> b\n```\n\n```\nbare\n```\n";
    let problems = lint::unmarked(markdown, "docs/new.md");
    assert_eq!(problems.len(), 5, "{problems:#?}");
    assert!(problems[0].starts_with("docs/new.md:3: ```text: a sample with no marking"));
    assert!(problems[1].starts_with("docs/new.md:15: ```console: a console fence with no"));
    assert!(problems[2].starts_with("docs/new.md:19: ```text: `inptu` is not a marking"));
    assert!(problems[3].starts_with("docs/new.md:19: ```text: a sample with no marking"));
    assert!(problems[4].starts_with("docs/new.md:31: a fence with no language"));
}

#[test]
fn a_sample_checked_by_a_test_names_a_test_that_reads_the_page() {
    // tests/serve.rs reads docs/serve.md; it does not read docs/other.md, and there is no
    // tests/nothing.rs. The checking test's own attributes (`crm=`) are not linted.
    let fence = |test: &str| format!("```json checked={test} crm=hubspot\n{{}}\n```\n");
    assert!(lint::unmarked(&fence("serve"), "docs/serve.md").is_empty());
    let other = lint::unmarked(&fence("serve"), "docs/other.md");
    assert_eq!(other.len(), 1, "{other:?}");
    assert!(
        other[0].contains("serve.rs never reads other.md"),
        "{other:?}"
    );
    let missing = lint::unmarked(&fence("nothing"), "docs/serve.md");
    assert!(missing[0].contains("no test file"), "{missing:?}");
}

#[test]
fn fence_attributes_are_read_with_and_without_quotes() {
    let value = |v: &str| Some(v.to_string());
    assert_eq!(
        fences::attributes(r#"run="score --as-of 2026-11-23" stream=stderr head=4 input"#),
        [
            ("run".to_string(), value("score --as-of 2026-11-23")),
            ("stream".to_string(), value("stderr")),
            ("head".to_string(), value("4")),
            ("input".to_string(), None),
        ]
    );
    assert!(fences::attributes("").is_empty());
}

#[test]
fn inline_code_at_the_start_of_a_line_opens_no_fence() {
    let markdown = "```` ```icp output=NAME ```` is a block\n````text input\n```\nshown\n````\n";
    let got = fences::fences(markdown);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!((got[0].line, got[0].body), (2, (2, 4)));
    assert!(got[0].has_flag("input"));
}

#[test]
fn documents_are_read_into_commands_outputs_and_files() {
    let markdown = "text\n```console\n$ icp a \\\n    --b\nout 1  \n\n$ icp c\n```\n\n```icp output=d.icp\nicp d {}\n```\n```icp file=e.icp\nx\n```\n```icp\nno step\n```\n```text run=\"score --x\" stream=stderr exit=2\nerr\n```\n";
    let got = steps(markdown).expect("well-formed");
    let run = |command: &str| Action::Run(Run::printing(command.into()));
    let summary: Vec<(&Action, usize, (usize, usize), &str)> = got
        .iter()
        .map(|d| (&d.action, d.line, d.lines, d.text.as_str()))
        .collect();
    let stderr_run = Action::Run(Run {
        stream: Stream::Stderr,
        exit: 2,
        ..Run::printing("icp score --x".into())
    });
    assert_eq!(
        summary,
        vec![
            (&run("icp a  --b"), 3, (4, 6), "out 1\n"),
            (&run("icp c"), 7, (7, 7), ""),
            (&Action::Compare("d.icp".into()), 10, (10, 11), "icp d {}\n"),
            (&Action::Write("e.icp".into()), 13, (13, 14), "x\n"),
            (&stderr_run, 19, (19, 20), "err\n"),
        ]
    );
    let actual = vec![
        "new\n".to_string(),
        "c out\n".to_string(),
        "icp d {}\n".to_string(),
        "x\n".to_string(),
        "error\n".to_string(),
    ];
    assert_eq!(
        runner::rewritten(markdown, &got, &actual),
        "text\n```console\n$ icp a \\\n    --b\nnew\n\n$ icp c\nc out\n```\n\n```icp output=d.icp\nicp d {}\n```\n```icp file=e.icp\nx\n```\n```icp\nno step\n```\n```text run=\"score --x\" stream=stderr exit=2\nerror\n```\n"
    );
}

#[test]
fn json_samples_compare_as_values_whatever_their_layout() {
    let shown = "{\n  \"id\": \"a\",\n  \"tiers\": [1, 2]\n}\n";
    assert!(runner::same_json(shown, "{\"tiers\":[1,2],\"id\":\"a\"}\n"));
    assert!(!runner::same_json(
        shown,
        "{\"tiers\":[2,1],\"id\":\"a\"}\n"
    ));
    // JSON Lines: one value per line, in order.
    assert!(runner::same_json(
        "{\"a\": 1}\n{\"b\": 2}\n",
        "{\"a\":1}\n\n{\"b\":2}\n"
    ));
    assert!(!runner::same_json("{\"a\": 1}\n", "{\"a\":1}\n{\"b\":2}\n"));
    assert!(!runner::same_json("not json", "not json"));
}

#[test]
fn a_malformed_run_option_is_an_error_naming_its_line() {
    let err = steps("```text run=\"score\" stream=both\nx\n```\n").expect_err("malformed");
    assert_eq!(
        err,
        "line 1: stream=both: the streams are stdout and stderr"
    );
    let err = steps("```text run=\"score\" exit=two\nx\n```\n").expect_err("malformed");
    assert_eq!(err, "line 1: exit=two is not a number");
    let err = steps("```json run=\"score\" compare=yaml\nx\n```\n").expect_err("malformed");
    assert_eq!(
        err,
        "line 1: compare=yaml: the only comparison is compare=json"
    );
}
