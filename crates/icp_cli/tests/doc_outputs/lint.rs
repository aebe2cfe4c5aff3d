//! Every fence that looks like what a program prints says where it comes from, so a new page
//! cannot add a sample nothing checks.
//!
//! A fence whose language is one of [`SAMPLE_LANGUAGES`] must be marked:
//!
//! - as produced: a ```` ```console ```` fence with at least one `$ ` command, `run="ARGS"`,
//!   or `output=NAME` (the runner checks these; in `docs/plugins.md`, the guide's own test);
//!   or `checked=TEST`: the test file `crates/icp_cli/tests/TEST.rs` reads the page and
//!   checks the fence itself (`docs/serve.md`'s webhook payloads are posted to a running
//!   service), in which case the fence's other attributes are that test's own;
//! - as written by the reader, and not checked: `file=NAME` (also written to the scratch
//!   directory for the commands after it), `project=PATH` (the plugin guide's project), or
//!   the flag `input` (a lead file, a configuration, a fragment of a rule);
//! - or as neither a program's output nor an input: the flag `figure` (a diagram, a grammar,
//!   the shape of a JSON contract), or `measured` (the output of a timed run, which differs
//!   on every machine: `docs/performance.md`).
//!
//! A word of a sample fence's info string that is none of these, nor `stream`, `head`,
//! `exit`, `compare` (the options of `run=`), is reported too, as a misspelt marking would
//! otherwise pass; and so is a fence with no language at all, which would slip past.

use crate::fences::fences;

/// The languages of fences that show what a command prints or writes.
pub const SAMPLE_LANGUAGES: [&str; 5] = ["text", "csv", "json", "jsonl", "console"];

/// Attributes that say a sample is produced by a command and checked.
const PRODUCED: [&str; 3] = ["run", "output", "checked"];
/// Attributes and flags that say a fence is not a program's output.
const NOT_OUTPUT: [&str; 5] = ["file", "project", "input", "figure", "measured"];
/// The options of `run=`.
const OPTIONS: [&str; 4] = ["stream", "head", "exit", "compare"];

/// The unmarked or mismarked sample fences of `markdown`, each as `name:line: why`.
pub fn unmarked(markdown: &str, name: &str) -> Vec<String> {
    let lines: Vec<&str> = markdown.lines().collect();
    let mut out = Vec::new();
    for fence in fences(markdown) {
        if fence.language.is_empty() {
            out.push(format!(
                "{name}:{}: a fence with no language: name one (`text figure` for a diagram)",
                fence.line
            ));
            continue;
        }
        if !SAMPLE_LANGUAGES.contains(&fence.language.as_str()) {
            continue;
        }
        let at = format!("{name}:{}: ```{}", fence.line, fence.language);
        let checked_by = fence.attributes.iter().find(|(key, _)| key == "checked");
        if let Some((_, test)) = checked_by {
            let test = test.as_deref().unwrap_or("");
            if let Some(why) = not_checking(test, name) {
                out.push(format!("{at}: checked={test}: {why}"));
            }
            continue;
        }
        for (key, _) in &fence.attributes {
            let known = [PRODUCED.as_slice(), &NOT_OUTPUT, &OPTIONS]
                .iter()
                .any(|set| set.contains(&key.as_str()));
            if !known {
                out.push(format!(
                    "{at}: `{key}` is not a marking (run=, output=, checked=, file=, project=, input, figure, measured)"
                ));
            }
        }
        let marked = fence
            .attributes
            .iter()
            .any(|(key, _)| PRODUCED.contains(&key.as_str()) || NOT_OUTPUT.contains(&key.as_str()));
        if fence.language == "console" {
            let (start, end) = fence.body;
            let commands = lines[start..end].iter().any(|l| l.starts_with("$ "));
            if !commands && !marked {
                out.push(format!(
                    "{at}: a console fence with no `$ ` command; show the command that prints it"
                ));
            }
        } else if !marked {
            out.push(format!(
                "{at}: a sample with no marking: add run=\"ARGS\" (or output=NAME) for what a command prints, `input` for what the reader writes (docs/testing.md, \"Sample outputs in the docs\")"
            ));
        }
    }
    out
}

/// Why the test `test` (a file of `crates/icp_cli/tests/`) cannot be what checks the page
/// `page`, if it cannot: it does not exist, or it never names the page.
fn not_checking(test: &str, page: &str) -> Option<String> {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(format!("{test}.rs"));
    let Ok(text) = std::fs::read_to_string(&file) else {
        return Some(format!("no test file crates/icp_cli/tests/{test}.rs"));
    };
    let page_name = page.rsplit('/').next().unwrap_or(page);
    (!text.contains(page_name))
        .then(|| format!("crates/icp_cli/tests/{test}.rs never reads {page_name}"))
}
