//! Every sample output in `docs/` and the README that is marked with the command it comes
//! from is what that command prints today, so none can go stale.
//!
//! A fence ```` ```text run="ARGS" ```` (any language) holds what `icp ARGS` prints on
//! standard output; `stream=stderr` compares standard error instead, and `file=PATH head=N`
//! the first N lines of a file the command wrote. Every command runs in one copy of the
//! repository's project (`icp.toml`, `rules/`, `demo/`) in a temporary directory, so the
//! repository is never written, with the shipped plugins built beside the binary. Lines
//! starting with `elapsed ` (the timing, different on every run) are left out of the
//! comparison. `UPDATE_DOCS=1 cargo test -p icp_cli --test docs_outputs` writes each
//! command's real output into its fence instead (docs/testing.md).

mod common;

use std::path::{Path, PathBuf};

use common::{icp, plugins_built, repo, stderr, stdout};

/// One marked fence: where its body is, and what produced it.
struct Fence {
    file: PathBuf,
    /// The line numbers (0-based) of the body: `start..end`.
    start: usize,
    end: usize,
    run: Vec<String>,
    stream_stderr: bool,
    file_head: Option<(String, usize)>,
}

/// `key="a b"` and `key=value` pairs of a fence's info string.
fn attributes(info: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = info.trim();
    while let Some(eq) = rest.find('=') {
        let key = rest[..eq]
            .trim()
            .rsplit(' ')
            .next()
            .unwrap_or("")
            .to_string();
        let after = &rest[eq + 1..];
        let (value, next) = match after.strip_prefix('"') {
            Some(quoted) => match quoted.find('"') {
                Some(close) => (&quoted[..close], &quoted[close + 1..]),
                None => (quoted, ""),
            },
            None => after.split_once(' ').unwrap_or((after, "")),
        };
        out.push((key, value.to_string()));
        rest = next;
    }
    out
}

fn marked_fences(path: &Path) -> Vec<Fence> {
    let text = std::fs::read_to_string(path).expect("readable markdown");
    let lines: Vec<&str> = text.lines().collect();
    let mut fences = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_start();
        let Some(info) = line.strip_prefix("```").filter(|_| !line.trim().eq("```")) else {
            i += 1;
            continue;
        };
        let start = i + 1;
        let mut end = start;
        while end < lines.len() && !lines[end].trim_start().starts_with("```") {
            end += 1;
        }
        let attrs = attributes(info);
        let get = |k: &str| {
            attrs
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        };
        if let Some(run) = get("run") {
            fences.push(Fence {
                file: path.to_path_buf(),
                start,
                end,
                run: run.split_whitespace().map(str::to_string).collect(),
                stream_stderr: get("stream").as_deref() == Some("stderr"),
                file_head: get("file").map(|f| {
                    let n = get("head")
                        .and_then(|n| n.parse().ok())
                        .unwrap_or(usize::MAX);
                    (f, n)
                }),
            });
        }
        i = end + 1;
    }
    fences
}

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

/// What the fence's command produces now, in the project copy `dir`.
fn produce(dir: &Path, fence: &Fence) -> String {
    let args: Vec<&str> = fence.run.iter().map(String::as_str).collect();
    let out = icp(dir, &args);
    match &fence.file_head {
        Some((file, n)) => {
            assert!(out.status.success(), "icp {args:?}: {}", stderr(&out));
            let text = std::fs::read_to_string(dir.join(file)).expect("the command wrote it");
            text.lines().take(*n).map(|l| format!("{l}\n")).collect()
        }
        None if fence.stream_stderr => stderr(&out),
        None => stdout(&out),
    }
}

fn without_timing(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| !l.starts_with("elapsed "))
        .collect()
}

#[test]
fn every_marked_sample_output_in_the_docs_is_what_its_command_prints() {
    plugins_built();
    let project = tempfile::tempdir().expect("tempdir");
    std::fs::copy(repo().join("icp.toml"), project.path().join("icp.toml")).expect("copy");
    copy_dir(&repo().join("rules"), &project.path().join("rules"));
    copy_dir(&repo().join("demo"), &project.path().join("demo"));
    let update = std::env::var_os("UPDATE_DOCS").is_some_and(|v| v == "1");
    let mut docs: Vec<PathBuf> = std::fs::read_dir(repo().join("docs"))
        .expect("docs/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.push(repo().join("README.md"));
    docs.sort();
    let mut checked = 0;
    let mut stale = Vec::new();
    for doc in &docs {
        let fences = marked_fences(doc);
        let text = std::fs::read_to_string(doc).expect("readable");
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        // Last first, so the line numbers of the others stay right while rewriting.
        for fence in fences.iter().rev() {
            checked += 1;
            let now = produce(project.path(), fence);
            let documented = lines[fence.start..fence.end].join("\n");
            if without_timing(&now) != without_timing(&documented) {
                if update {
                    lines.splice(fence.start..fence.end, now.lines().map(str::to_string));
                } else {
                    stale.push(format!(
                        "{}:{}: `icp {}` prints\n{now}",
                        fence
                            .file
                            .strip_prefix(repo())
                            .unwrap_or(&fence.file)
                            .display(),
                        fence.start,
                        fence.run.join(" ")
                    ));
                }
            }
        }
        if update {
            let mut rewritten = lines.join("\n");
            rewritten.push('\n');
            if rewritten != text {
                std::fs::write(doc, rewritten).expect("rewrite the doc");
            }
        }
    }
    assert!(checked >= 3, "only {checked} marked outputs in the docs");
    assert!(
        stale.is_empty(),
        "stale sample outputs (UPDATE_DOCS=1 rewrites them):\n{}",
        stale.join("\n")
    );
}

#[test]
fn fence_attributes_are_read_with_and_without_quotes() {
    assert_eq!(
        attributes(r#"text run="score --as-of 2026-11-23" stream=stderr head=4"#),
        [
            ("run".to_string(), "score --as-of 2026-11-23".to_string()),
            ("stream".to_string(), "stderr".to_string()),
            ("head".to_string(), "4".to_string()),
        ]
    );
    assert!(attributes("text").is_empty());
}
