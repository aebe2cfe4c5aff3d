//! The worked example of the plugin guide, run for real, so the guide cannot go stale.
//!
//! `docs/plugins.md` writes the `hiring` plugin (`examples/plugins/hiring/`, a crate outside
//! the workspace) and uses it in a project. This test builds that crate with cargo, as a user
//! would, takes the `icp` binary as it is (not rebuilt with the plugin), sets up the guide's
//! project in a temporary directory and runs every command the guide shows. Fences of the
//! guide it reads, by their info string:
//!
//! - ```` ```rust file=PATH ````: a file of the repository, shown byte for byte;
//! - ```` ```toml project=PATH ````: a file of the guide's project, written there;
//! - ```` ```icp needs=hiring ````: a rule file of the project, its path on the first line
//!   (`# rules/hiring.icp`); `tests/docs.rs` skips these, having no `hiring` plugin;
//! - ```` ```text output=NAME ````: what a command prints, compared with what it prints here.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;

use icp_tests::{cargo_build, workspace};

const GUIDE: &str = "docs/plugins.md";
const CRATE: &str = "examples/plugins/hiring";
/// The as-of date of the guide's `icp score`.
const AS_OF: &str = "2026-11-23";

/// One fenced block of the guide.
struct Fence {
    /// The line of the opening fence, for messages.
    line: usize,
    info: String,
    body: String,
}

impl Fence {
    /// The value of a `key=value` word of the info string.
    fn attr(&self, key: &str) -> Option<&str> {
        self.info
            .split_whitespace()
            .find_map(|word| word.strip_prefix(key)?.strip_prefix('='))
    }
}

fn fences(markdown: &str) -> Vec<Fence> {
    let mut out = Vec::new();
    let mut lines = markdown.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        let Some(info) = line.strip_prefix("```") else {
            continue;
        };
        let mut body = String::new();
        for (_, line) in lines.by_ref() {
            if line.starts_with("```") {
                break;
            }
            body.push_str(line);
            body.push('\n');
        }
        out.push(Fence {
            line: n + 1,
            info: info.trim().to_string(),
            body,
        });
    }
    out
}

fn guide() -> &'static [Fence] {
    static FENCES: OnceLock<Vec<Fence>> = OnceLock::new();
    FENCES.get_or_init(|| {
        let text = std::fs::read_to_string(workspace().join(GUIDE)).expect("the guide exists");
        fences(&text)
    })
}

/// The body of the fence `key=value`, which must be there once.
fn fence(key: &str, value: &str) -> &'static str {
    let found: Vec<&Fence> = guide()
        .iter()
        .filter(|f| f.attr(key) == Some(value))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{GUIDE} should have one fence with {key}={value}"
    );
    &found[0].body
}

/// The platform's file name of the example's library (`libplugin_hiring.so` on Linux, as
/// the guide shows it).
fn library_file() -> String {
    icp_plugin_host::library_file("plugin_hiring")
}

/// The guide as written for Linux, turned into this platform's library name.
fn on_this_platform(text: &str) -> String {
    text.replace("libplugin_hiring.so", &library_file())
}

#[test]
fn the_guide_shows_the_example_crate_byte_for_byte() {
    let mut shown = Vec::new();
    for f in guide() {
        let Some(path) = f.attr("file") else {
            continue;
        };
        let file = std::fs::read_to_string(workspace().join(path))
            .unwrap_or_else(|e| panic!("{GUIDE}:{}: cannot read {path}: {e}", f.line));
        assert!(
            f.body == file,
            "{GUIDE}:{}: the fence differs from {path}; copy the file into the guide again",
            f.line
        );
        shown.push(path);
    }
    for file in [
        "Cargo.toml",
        "src/lib.rs",
        "tests/signals.rs",
        "postings.csv",
    ] {
        let path = format!("{CRATE}/{file}");
        assert!(
            shown.contains(&path.as_str()),
            "{GUIDE} does not show {path} (a fence ```LANG file={path})"
        );
    }
    // What users copy stays short: about 30 lines for a simple signal (SPEC §4).
    let lines = fence("file", &format!("{CRATE}/src/lib.rs"))
        .lines()
        .count();
    assert!(
        lines <= 100,
        "the example plugin has grown to {lines} lines"
    );
}

/// The directory cargo builds the example crate into: `hiring-example` in the profile
/// directory of this test (`target/<profile>/deps/<this test>`).
fn example_target() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("a test binary lives in target/<profile>/deps");
    profile_dir.join("hiring-example")
}

/// Runs cargo on the example crate exactly as the guide says, with the committed lock file.
fn cargo_on_example(command: &str) -> Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = Command::new(cargo)
        .arg(command)
        .arg("--manifest-path")
        .arg(workspace().join(CRATE).join("Cargo.toml"))
        .arg("--target-dir")
        .arg(example_target())
        .arg("--locked")
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo {command} of {CRATE} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[test]
fn the_example_crate_passes_its_own_tests() {
    let output = cargo_on_example("test");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("test signals_read_the_sample_postings ... ok"),
        "the Harness test of the guide did not run:\n{stdout}"
    );
}

/// The guide's project, set up in a temporary directory, and the `icp` binary.
struct Project {
    dir: tempfile::TempDir,
    icp: PathBuf,
}

impl Project {
    fn new() -> Project {
        cargo_on_example("build");
        let library = example_target().join("debug").join(library_file());
        assert!(library.is_file(), "{} was not built", library.display());
        // The icp binary as it is: nothing in it knows the hiring plugin.
        let icp =
            cargo_build(&["-p", "icp_cli"]).join(format!("icp{}", std::env::consts::EXE_SUFFIX));
        assert!(icp.is_file(), "{} was not built", icp.display());

        let dir = tempfile::tempdir().expect("a temporary directory");
        let write = |path: &str, text: &str| {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
            std::fs::write(&path, text).expect("write");
        };
        for f in guide() {
            if let Some(path) = f.attr("project") {
                write(path, &on_this_platform(&f.body));
            } else if f.info.starts_with("icp") && f.attr("needs") == Some("hiring") {
                let path = f
                    .body
                    .lines()
                    .next()
                    .and_then(|l| l.strip_prefix("# "))
                    .filter(|p| p.starts_with("rules/") && p.ends_with(".icp"))
                    .unwrap_or_else(|| {
                        panic!(
                            "{GUIDE}:{}: the first line should be `# rules/NAME.icp`",
                            f.line
                        )
                    });
                write(path, &f.body);
            }
        }
        // The layout of step 6: the library in plugins/, the sample postings in data/.
        std::fs::create_dir_all(dir.path().join("plugins")).expect("mkdir");
        std::fs::copy(&library, dir.path().join("plugins").join(library_file()))
            .expect("copy the library");
        std::fs::create_dir_all(dir.path().join("data")).expect("mkdir");
        std::fs::copy(
            workspace().join(CRATE).join("postings.csv"),
            dir.path().join("data/postings.csv"),
        )
        .expect("copy the postings");
        Project { dir, icp }
    }

    fn path(&self, file: &str) -> PathBuf {
        self.dir.path().join(file)
    }

    /// Runs `icp ARGS` in the project: exit code, standard output, standard error.
    fn icp(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(&self.icp)
            .current_dir(self.dir.path())
            .args(args)
            .env_remove("ICP_PLUGIN_PATH")
            .env("NO_COLOR", "1")
            .output()
            .expect("icp runs");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

/// Asserts that a command printed what the guide's `output=NAME` fence shows.
fn assert_output(name: &str, got: &str) {
    let shown = on_this_platform(fence("output", name));
    assert!(
        got == shown,
        "{GUIDE}: output={name} differs from the real output; the guide shows:\n{shown}\nicp printed:\n{got}"
    );
}

/// (id, qualified, score, tier) of each row of a results CSV.
fn results(csv: &str) -> Vec<(String, String, String, String)> {
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("id,name,icp,qualified,score,max_score,tier,matched,unknown,reasons")
    );
    lines
        .map(|l| {
            let cells: Vec<&str> = l.splitn(8, ',').collect();
            (
                cells[0].to_string(),
                cells[3].to_string(),
                cells[4].to_string(),
                cells[6].to_string(),
            )
        })
        .collect()
}

#[test]
fn the_guide_walkthrough_runs_as_shown() {
    let project = Project::new();

    // Step 6: icp plugins lists the plugin from icp.toml, with its declarations.
    let (code, stdout, stderr) = project.icp(&["plugins"]);
    assert_eq!(code, 0, "icp plugins failed: {stderr}");
    assert_output("plugins", &stdout);
    let (code, stdout, stderr) = project.icp(&["plugins", "--format", "json"]);
    assert_eq!(code, 0, "icp plugins --format json failed: {stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    let signatures: Vec<&str> = json["plugins"][0]["signals"]
        .as_array()
        .expect("signals")
        .iter()
        .filter_map(|s| s["signature"].as_str())
        .collect();
    assert_eq!(
        signatures,
        [
            "hiring.open_roles(department?: string) -> number",
            "hiring.hiring_for(title: string) -> bool",
            "hiring.posted_within(within: duration) -> number",
        ]
    );

    // Step 7: the rules check clean against the plugin's declarations.
    let (code, stdout, stderr) = project.icp(&["check"]);
    assert_eq!(code, 0, "icp check failed:\n{stdout}{stderr}");
    assert_output("check", &stdout);

    // Step 8: the test block passes with the signal values it sets.
    let (code, stdout, stderr) = project.icp(&["test"]);
    assert_eq!(code, 0, "icp test failed:\n{stdout}{stderr}");
    assert_output("test", &stdout);

    // Step 9: scoring calls the plugin on the sample postings.
    let (code, stdout, stderr) = project.icp(&[
        "score",
        "--leads",
        "leads.csv",
        "-o",
        "scored.csv",
        "--as-of",
        AS_OF,
    ]);
    assert_eq!(code, 0, "icp score failed:\n{stdout}{stderr}");
    let scored = std::fs::read_to_string(project.path("scored.csv")).expect("scored.csv");
    assert_output("scored", &scored);
    let expected = [
        // 3 sales openings, a Head of Revenue Operations, 3 postings in 30 days.
        ("L1", "true", "80", "A"),
        // 3 sales openings, all older than 30 days; the domain is written as a URL.
        ("L2", "true", "40", "B"),
        // 1 sales opening.
        ("L3", "true", "0", "C"),
        // A Revenue Operations Manager and 2 postings in 30 days.
        ("L4", "true", "40", "B"),
        // 41 employees.
        ("L5", "false", "0", ""),
        // Not in the postings file: 0 open roles.
        ("L6", "false", "0", ""),
        // No domain: every hiring signal is unknown.
        ("L7", "false", "0", ""),
    ];
    let got = results(&scored);
    let got: Vec<(&str, &str, &str, &str)> = got
        .iter()
        .map(|(a, b, c, d)| (a.as_str(), b.as_str(), c.as_str(), d.as_str()))
        .collect();
    assert_eq!(got, expected);
    assert!(
        scored.contains("unknown: hiring.open_roles is missing"),
        "{scored}"
    );
    // The summary, but for its last line (the elapsed time and rate).
    let shown = fence("output", "summary");
    let (shown_body, shown_last) = shown.trim_end().rsplit_once('\n').expect("lines");
    let (got_body, got_last) = stderr.trim_end().rsplit_once('\n').expect("lines");
    assert_eq!(got_body, shown_body, "{GUIDE}: output=summary differs");
    assert!(got_last.starts_with("elapsed ") && shown_last.starts_with("elapsed "));

    // Step 10: a misspelled signal is an error with a did-you-mean, before any scoring.
    let rules = std::fs::read_to_string(project.path("rules/hiring.icp")).expect("rules");
    let wrong = "hiring.open_role(\"Sales\")";
    assert_eq!(rules.matches("hiring.open_roles(\"Sales\")").count(), 1);
    std::fs::write(
        project.path("rules/hiring.icp"),
        rules.replace("hiring.open_roles(\"Sales\")", wrong),
    )
    .expect("write");
    let (code, stdout, _) = project.icp(&["check"]);
    assert_eq!(
        code, 1,
        "a misspelled signal must fail the check:\n{stdout}"
    );
    assert!(
        stdout.contains("E0011") && stdout.contains("did you mean `hiring.open_roles`?"),
        "{stdout}"
    );
    assert_output("typo", &stdout);
}
