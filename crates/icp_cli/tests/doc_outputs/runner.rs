//! Plays a document's steps in a scratch project and compares what they print with what
//! the document shows.
//!
//! The scratch directory holds copies of the repository's `icp.toml`, `rules/`, `demo/` and
//! `tests/inputs/` (copies, so a command writing beside its input never writes the
//! repository), so the commands read the demo as a user's checkout does. Each command runs in
//! `sh -c` there, with the `icp` under test first on `PATH` (`cargo run --release --` in the
//! README stands for `icp` too), colours off, no plugin path from the environment, and a
//! per-user configuration that trusts the repository and the built plugins. The path of the
//! scratch directory is shown as [`SHOWN_PROJECT`] wherever an output prints it.
//!
//! Texts compare as [`normalised`] gives them, without the lines starting with `elapsed `
//! (the timing, different on every run). With `UPDATE_DOCS` set, a document whose outputs
//! differ is rewritten with the real ones instead.

use std::path::Path;

use crate::common::{bin_dir, repo, user_config};
use crate::fences::{Action, Run, Step, Stream, normalised, steps};

/// What the scratch directory's path is shown as in the documents.
pub const SHOWN_PROJECT: &str = "/home/revops/project";

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("list").flatten() {
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).expect("copy");
        }
    }
}

/// A scratch checkout of the repository's project and its lead-file fixtures.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(repo().join("icp.toml"), dir.path().join("icp.toml")).expect("copy icp.toml");
    for name in ["demo", "rules", "tests/inputs"] {
        copy_dir(&repo().join(name), &dir.path().join(name));
    }
    dir
}

/// `text` with the scratch directory's path, in any spelling, shown as [`SHOWN_PROJECT`].
fn shown(dir: &Path, text: &str) -> String {
    let mut text = text.to_string();
    let canonical = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    for path in [canonical.as_path(), dir] {
        text = text.replace(&path.display().to_string(), SHOWN_PROJECT);
    }
    text
}

/// What the step's command produces now in `dir`, or why it failed.
fn produce(dir: &Path, run: &Run) -> Result<String, String> {
    let Run {
        command,
        stream,
        file,
        head,
        exit,
    } = run;
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
        .stdin(std::process::Stdio::null())
        .output()
        .expect("sh runs");
    let code = out.status.code().unwrap_or(-1);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if code != *exit {
        return Err(format!(
            "`{command}` exited with {code}, not {exit}:\n{stderr}"
        ));
    }
    let text = match (file, stream) {
        (Some(file), _) => std::fs::read_to_string(dir.join(file))
            .map_err(|e| format!("`{command}` wrote no {file}: {e}"))?,
        (None, Stream::Stderr) => stderr,
        (None, Stream::Stdout) => String::from_utf8_lossy(&out.stdout).into_owned(),
    };
    let text: String = match head {
        Some(n) => text.lines().take(*n).map(|l| format!("{l}\n")).collect(),
        None => text,
    };
    Ok(normalised(&shown(dir, &text)))
}

/// `text` without the timing lines, for comparing.
fn comparable(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| !l.starts_with("elapsed "))
        .collect()
}

/// `text` as JSON: one value, else JSON Lines (a value per non-empty line).
fn json_values(text: &str) -> Result<Vec<serde_json::Value>, serde_json::Error> {
    match serde_json::from_str(text) {
        Ok(value) => Ok(vec![value]),
        Err(_) => text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(serde_json::from_str)
            .collect(),
    }
}

/// Whether `shown` and `got` are the same JSON values, whatever their layout.
pub fn same_json(shown: &str, got: &str) -> bool {
    match (json_values(shown), json_values(got)) {
        (Ok(shown), Ok(got)) => shown == got,
        _ => false,
    }
}

/// Whether the step's text shows `got`.
fn shows(step: &Step, got: &str) -> bool {
    if step.as_json {
        same_json(&step.text, got)
    } else {
        comparable(got) == comparable(&step.text)
    }
}

/// What UPDATE_DOCS writes for a step that produced `got`: a JSON value laid out over lines
/// when the step compares as JSON.
fn as_shown(step: &Step, got: String) -> String {
    match json_values(&got) {
        Ok(values) if step.as_json && values.len() == 1 => {
            serde_json::to_string_pretty(&values[0]).expect("a value") + "\n"
        }
        _ => got,
    }
}

/// What checking one document found.
pub struct Checked {
    /// The number of steps that printed or compared something.
    pub compared: usize,
    /// Outputs that differ from what the document shows (rewritten with `UPDATE_DOCS`).
    pub differences: Vec<String>,
    /// Steps that could not run as asked: a command that failed, a file not written, a
    /// malformed marking. `UPDATE_DOCS` cannot fix these.
    pub failures: Vec<String>,
}

/// Plays the steps of the document at `path`, named `doc` in messages; after rewriting it
/// with the real outputs when `update` is set, returns what differed or failed.
pub fn check_document(path: &Path, doc: &str, update: bool) -> Checked {
    let markdown = std::fs::read_to_string(path).expect("readable document");
    let documented = match steps(&markdown) {
        Ok(steps) => steps,
        Err(e) => {
            return Checked {
                compared: 0,
                differences: Vec::new(),
                failures: vec![format!("{doc}: {e}")],
            };
        }
    };
    let mut checked = Checked {
        compared: 0,
        differences: Vec::new(),
        failures: Vec::new(),
    };
    if documented.is_empty() {
        return checked;
    }
    let dir = scratch();
    let mut actual = Vec::new();
    for step in &documented {
        let got = match &step.action {
            Action::Run(run) => produce(dir.path(), run),
            Action::Compare(name) => std::fs::read_to_string(dir.path().join(name))
                .map(|text| normalised(&shown(dir.path(), &text)))
                .map_err(|e| format!("{name} was not written: {e}")),
            Action::Write(name) => {
                let file = dir.path().join(name);
                std::fs::create_dir_all(file.parent().expect("a parent")).expect("mkdir");
                std::fs::write(file, &step.text).expect("write the file");
                Ok(step.text.clone())
            }
        };
        let got = match got {
            Ok(got) => got,
            Err(e) => {
                checked.failures.push(format!("{doc}:{}: {e}", step.line));
                step.text.clone()
            }
        };
        if !matches!(step.action, Action::Write(_)) {
            checked.compared += 1;
        }
        if shows(step, &got) {
            // Kept as shown: its timing line, its layout.
            actual.push(step.text.clone());
        } else {
            checked.differences.push(format!(
                "{doc}:{}: {} gives\n{got}\nbut the document shows\n{}",
                step.line,
                describe(&step.action),
                step.text
            ));
            actual.push(as_shown(step, got));
        }
    }
    if update && !checked.differences.is_empty() {
        let new = rewritten(&markdown, &documented, &actual);
        if new != markdown {
            std::fs::write(path, new).expect("rewrite the document");
            eprintln!("{doc}: rewritten with the commands' outputs (UPDATE_DOCS)");
        }
    }
    checked
}

fn describe(action: &Action) -> String {
    match action {
        Action::Run(Run {
            command,
            stream,
            file,
            ..
        }) => match (file, stream) {
            (Some(file), _) => format!("the file {file} written by `{command}`"),
            (None, Stream::Stderr) => format!("the standard error of `{command}`"),
            (None, Stream::Stdout) => format!("`{command}`"),
        },
        Action::Compare(name) => format!("the file {name}"),
        Action::Write(name) => format!("writing {name}"),
    }
}

/// `markdown` with each step's lines replaced by `actual`.
pub fn rewritten(markdown: &str, documented: &[Step], actual: &[String]) -> String {
    let mut lines: Vec<String> = markdown.lines().map(str::to_string).collect();
    for (step, text) in documented.iter().zip(actual).rev() {
        let mut new: Vec<String> = text.lines().map(str::to_string).collect();
        // Keep the empty line that separates an output from the next command.
        if step.lines.1 > step.lines.0 && lines[step.lines.1 - 1].trim().is_empty() {
            new.push(String::new());
        }
        lines.splice(step.lines.0..step.lines.1, new);
    }
    lines.iter().map(|l| format!("{l}\n")).collect()
}
