//! Every command output printed in `docs/backtest.md` and `README.md` is what the command
//! prints today, so none can go stale.
//!
//! The documents mark what is run:
//!
//! - a ```` ```console ```` fence holds commands, each on a line starting with `$ ` (a line
//!   ending with `\` continues on the next), each followed by its standard output. Every
//!   command runs in `sh -c` with the `icp` under test first on `PATH` (`cargo run --release
//!   --` in the README stands for `icp` too), in a scratch directory that holds a copy of the
//!   repository's `icp.toml` and links to its `demo/` and `rules/`, so the commands read the
//!   demo as a user's checkout does and write their files to the scratch directory. Standard
//!   error is not compared (it holds the row counts and where the report went).
//! - a ```` ```icp output=NAME ```` fence holds the file NAME as the commands before it wrote
//!   it (compared), and a ```` ```icp file=NAME ```` fence a file the reader writes by hand
//!   (written to the scratch directory for the commands after it). `tests/docs.rs` checks
//!   both as rule examples.
//!
//! Lines compare without their trailing spaces, and trailing empty lines are ignored. After a
//! change of an output, `UPDATE_DOCS=1 cargo test -p icp_cli --test doc_outputs` rewrites the
//! documents' outputs with what the commands print; review the change with `git diff`.

mod common;

use std::path::{Path, PathBuf};

use common::*;

/// What a document asks: run a command, compare a file a command wrote, or write a file.
#[derive(Debug, PartialEq)]
enum Step {
    Run(String),
    Compare(String),
    Write(String),
}

/// One step and the lines of the document holding its text: the command's output, or the
/// file's content (0-based, `lines.0..lines.1`).
#[derive(Debug)]
struct Documented {
    step: Step,
    line: usize,
    lines: (usize, usize),
    text: String,
}

fn fence_info(line: &str) -> Option<&str> {
    line.trim_start().strip_prefix("```")
}

/// The steps of `markdown`, in document order.
fn steps(markdown: &str) -> Vec<Documented> {
    let lines: Vec<&str> = markdown.lines().collect();
    let mut out = Vec::new();
    let mut n = 0;
    while n < lines.len() {
        let Some(info) = fence_info(lines[n]) else {
            n += 1;
            continue;
        };
        let info = info.trim();
        let body_start = n + 1;
        let body_end = (body_start..lines.len())
            .find(|&i| fence_info(lines[i]).is_some())
            .unwrap_or(lines.len());
        if info == "console" {
            out.extend(console_steps(&lines, body_start, body_end));
        } else if let Some(rest) = info.strip_prefix("icp ") {
            let file_step = rest.split_whitespace().find_map(|word| {
                if let Some(name) = word.strip_prefix("output=") {
                    Some(Step::Compare(name.to_string()))
                } else {
                    word.strip_prefix("file=")
                        .map(|name| Step::Write(name.to_string()))
                }
            });
            if let Some(step) = file_step {
                out.push(Documented {
                    step,
                    line: n + 1,
                    lines: (body_start, body_end),
                    text: joined(&lines[body_start..body_end]),
                });
            }
        }
        n = body_end + 1;
    }
    out
}

/// The commands of a console fence's body `lines[start..end]`, each with its output lines.
fn console_steps(lines: &[&str], start: usize, end: usize) -> Vec<Documented> {
    let mut out = Vec::new();
    let mut n = start;
    while n < end {
        let Some(first) = lines[n].strip_prefix("$ ") else {
            n += 1;
            continue;
        };
        let line = n + 1;
        let mut command = first.to_string();
        while command.ends_with('\\') && n + 1 < end {
            command.pop();
            n += 1;
            command.push(' ');
            command.push_str(lines[n].trim_start());
        }
        let output_start = n + 1;
        let output_end = (output_start..end)
            .find(|&i| lines[i].starts_with("$ "))
            .unwrap_or(end);
        out.push(Documented {
            step: Step::Run(command),
            line,
            lines: (output_start, output_end),
            text: joined(&lines[output_start..output_end]),
        });
        n = output_end;
    }
    out
}

/// Lines with their trailing spaces and the trailing empty lines dropped, each ending in `\n`.
fn joined(lines: &[&str]) -> String {
    let mut text: String = lines
        .iter()
        .map(|l| format!("{}\n", l.trim_end()))
        .collect();
    while text.ends_with("\n\n") {
        text.pop();
    }
    if text == "\n" {
        text.clear();
    }
    text
}

fn normalised(text: &str) -> String {
    joined(&text.lines().collect::<Vec<_>>())
}

/// A scratch checkout: the repository's `icp.toml`, and links to its demo and rules.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(repo().join("icp.toml"), dir.path().join("icp.toml")).expect("copy icp.toml");
    for name in ["demo", "rules"] {
        std::os::unix::fs::symlink(repo().join(name), dir.path().join(name)).expect("link");
    }
    dir
}

fn run(dir: &Path, command: &str) -> String {
    let command = command.replace("cargo run --release -- ", "icp ");
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin_dir()];
    paths.extend(std::env::split_paths(&path));
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(&command)
        .current_dir(dir)
        .env("PATH", std::env::join_paths(paths).expect("a PATH"))
        .env("NO_COLOR", "1")
        .env("XDG_CONFIG_HOME", user_config())
        .env_remove("ICP_PLUGIN_PATH")
        .env_remove("ICP_SAFE_DIRECTORIES")
        .output()
        .expect("sh runs");
    assert!(out.status.success(), "`{command}` failed: {}", stderr(&out));
    normalised(&stdout(&out))
}

/// Runs the steps of `doc` (relative to the repository); returns the differences, after
/// rewriting the document with what the commands print when `UPDATE_DOCS` is set.
fn check_document(doc: &str, min_commands: usize) -> Vec<String> {
    plugins_built();
    let path: PathBuf = repo().join(doc);
    let markdown = std::fs::read_to_string(&path).expect("readable document");
    let documented = steps(&markdown);
    let commands = documented
        .iter()
        .filter(|d| matches!(d.step, Step::Run(_)))
        .count();
    assert!(
        commands >= min_commands,
        "{doc}: only {commands} commands found"
    );
    let dir = scratch();
    let mut actual = Vec::new();
    let mut differences = Vec::new();
    for d in &documented {
        let got = match &d.step {
            Step::Run(command) => run(dir.path(), command),
            Step::Compare(name) => normalised(
                &std::fs::read_to_string(dir.path().join(name))
                    .unwrap_or_else(|e| panic!("{doc}:{}: {name} was not written: {e}", d.line)),
            ),
            Step::Write(name) => {
                std::fs::write(dir.path().join(name), &d.text).expect("write the file");
                d.text.clone()
            }
        };
        if got != d.text {
            differences.push(format!(
                "{doc}:{}: {:?} gives\n{got}\nbut the document shows\n{}",
                d.line, d.step, d.text
            ));
        }
        actual.push(got);
    }
    if !differences.is_empty() && std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, rewritten(&markdown, &documented, &actual)).expect("rewrite");
        eprintln!("{doc}: rewritten with the commands' outputs (UPDATE_DOCS)");
        return Vec::new();
    }
    differences
}

/// `markdown` with each step's lines replaced by `actual`.
fn rewritten(markdown: &str, documented: &[Documented], actual: &[String]) -> String {
    let mut lines: Vec<String> = markdown.lines().map(str::to_string).collect();
    for (d, text) in documented.iter().zip(actual).rev() {
        let mut new: Vec<String> = text.lines().map(str::to_string).collect();
        // Keep the empty line that separates an output from the next command.
        if d.lines.1 > d.lines.0 && lines[d.lines.1 - 1].trim().is_empty() {
            new.push(String::new());
        }
        lines.splice(d.lines.0..d.lines.1, new);
    }
    lines.iter().map(|l| format!("{l}\n")).collect()
}

#[test]
fn the_backtest_walkthrough_prints_what_the_commands_print() {
    let differences = check_document("docs/backtest.md", 6);
    assert!(
        differences.is_empty(),
        "{}\n(UPDATE_DOCS=1 rewrites the document)",
        differences.join("\n")
    );
}

#[test]
fn the_readme_backtest_prints_what_the_command_prints() {
    let differences = check_document("README.md", 1);
    assert!(
        differences.is_empty(),
        "{}\n(UPDATE_DOCS=1 rewrites the document)",
        differences.join("\n")
    );
}

#[test]
fn documents_are_read_into_commands_outputs_and_files() {
    let markdown = "text\n```console\n$ icp a \\\n    --b\nout 1  \n\n$ icp c\n```\n\n```icp output=d.icp\nicp d {}\n```\n```icp file=e.icp\nx\n```\n```icp\nno step\n```\n";
    let got = steps(markdown);
    let summary: Vec<(&Step, usize, (usize, usize), &str)> = got
        .iter()
        .map(|d| (&d.step, d.line, d.lines, d.text.as_str()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (&Step::Run("icp a  --b".into()), 3, (4, 6), "out 1\n"),
            (&Step::Run("icp c".into()), 7, (7, 7), ""),
            (&Step::Compare("d.icp".into()), 10, (10, 11), "icp d {}\n"),
            (&Step::Write("e.icp".into()), 13, (13, 14), "x\n"),
        ]
    );
    let actual = vec![
        "new\n".to_string(),
        "c out\n".to_string(),
        "icp d {}\n".to_string(),
        "x\n".to_string(),
    ];
    assert_eq!(
        rewritten(markdown, &got, &actual),
        "text\n```console\n$ icp a \\\n    --b\nnew\n\n$ icp c\nc out\n```\n\n```icp output=d.icp\nicp d {}\n```\n```icp file=e.icp\nx\n```\n```icp\nno step\n```\n"
    );
}
