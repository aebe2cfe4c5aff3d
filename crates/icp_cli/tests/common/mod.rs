//! What the `icp` end-to-end tests share: running the built binary, project directories
//! with rule files, the rule sets and lead files they score, and the shipped plugins built
//! beside the binary.

// Each test file uses its own part of these helpers.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

pub fn icp(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_icp"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("XDG_CONFIG_HOME", user_config())
        .output()
        .expect("the icp binary runs")
}

/// A per-user configuration directory whose `icp/trust.toml` allows the repository (its
/// demo data) and the target directory the plugins are built in (inside the repository, or
/// wherever `CARGO_TARGET_DIR` points) to the projects the tests make in temporary
/// directories.
pub fn user_config() -> &'static Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("icp")).expect("mkdir");
        std::fs::write(
            dir.path().join("icp/trust.toml"),
            format!(
                "allowed_paths = [{:?}, {:?}]\n",
                repo().display().to_string(),
                icp_benches::target_dir().display().to_string()
            ),
        )
        .expect("write trust.toml");
        dir
    })
    .path()
}

/// Builds the shipped plugins beside the `icp` binary under test (once per test binary), where
/// the repository's `icp.toml` finds them.
pub fn plugins_built() {
    static BUILT: std::sync::Once = std::sync::Once::new();
    BUILT.call_once(|| {
        icp_benches::cargo_build(&[
            "-p",
            "plugin_funding",
            "-p",
            "plugin_events",
            "-p",
            "plugin_job_changes",
        ]);
    });
}

/// `[plugins.*]` tables configuring the shipped plugins with the demo's data files.
pub fn demo_plugins() -> String {
    let demo = repo().join("demo");
    format!(
        "[plugins.funding]\ndata = {:?}\n\n[plugins.events]\ndata = {:?}\n\n[plugins.job_changes]\ndata = {:?}\nchampions = {:?}\n",
        demo.join("funding.csv").display().to_string(),
        demo.join("events.csv").display().to_string(),
        demo.join("job_changes.csv").display().to_string(),
        demo.join("champions.csv").display().to_string(),
    )
}

/// The names in `dir`, sorted.
pub fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Asserts that no temporary output file (`.NAME.PID-N.partial`) is left in `dir`.
pub fn no_temporary_file(dir: &Path) {
    let left: Vec<String> = listing(dir)
        .into_iter()
        .filter(|n| n.contains(".partial"))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A project directory with an icp.toml and the given rule files.
pub fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("icp.toml"),
        "rules = [\"rules\"]\n\n[fields.company]\nannual_spend = \"number\"\n",
    )
    .expect("write icp.toml");
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write rule file");
    }
    dir
}

/// The repository root, where icp.toml points at the example rules and the demo.
pub fn repo() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository root")
}

/// The directory the `icp` binary under test (and the plugins built beside it) lives in.
pub fn bin_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_BIN_EXE_icp"))
        .parent()
        .expect("the binary's directory")
        .to_path_buf()
}

/// The platform's file name of a library, as `icp_plugin_host::library_file` gives it.
pub fn libloading_name(name: &str) -> String {
    format!(
        "{}{name}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    )
}

pub const GOOD: &str = "icp demo {\n  require company.employees >= 50\n  score 10 \"spend\" when company.annual_spend > 1M\n  tier A when score >= 10\n  tier B otherwise\n}\n";

pub const BROKEN: &str = "icp demo {\n  require company.employes >= 50\n}\n";

pub const WARNING: &str =
    "let unused = company.employees > 5\n\nicp demo {\n  require company.employees >= 50\n}\n";

pub const TESTED: &str = "icp demo {\n  require company.employees >= 50\n  score 10 \"spend\" when company.annual_spend > 1M\n  tier A when score >= 10\n  tier B otherwise\n}\n\ntest \"big spender is tier A\" {\n  company { employees: 60, annual_spend: 2M }\n  expect demo tier A\n}\n\ntest \"small spender is tier B\" {\n  company { employees: 60, annual_spend: 5K }\n  expect demo tier B\n  expect demo score == 0\n}\n";

pub const SCORED: &str = "persona buyer when contact.seniority in [\"VP\", \"C-Level\"]\n\nicp demo \"Demo\" {\n  require company.employees >= 50\n  exclude company.industry has \"Gambling\"\n  score 20 \"software\" when company.industry has any [\"Software\", \"Internet\"]\n  score 10 \"buyer\"    when any contact where buyer\n  score 5  \"revenue\"  when company.revenue >= 10M\n  tier A when score >= 30\n  tier B otherwise\n}\n";

pub const COMPANIES: &str = "id,name,domain,industry,employees,revenue,country\nc1,Acme,acme.com,Software;Fintech,51-200,$40M,US\nc2,Beta,beta.io,Gambling,500,n/a,United Kingdom\nc3,Gamma,gamma.de,Retail,,€ 2 million,DE\nc4,Delta,delta.com,software,10000,lots,US\n\"broken,row\n";

pub const CONTACTS: &str = "company_id,name,title,seniority\nc1,Ann,CFO,C-Level\nc1,Bob,Engineer,Staff\nc4,Cid,VP Sales,VP\nc9,Nobody,CEO,C-Level\n";

pub fn scoring_project() -> tempfile::TempDir {
    project(&[
        ("rules/demo.icp", SCORED),
        ("leads.csv", COMPANIES),
        ("contacts.csv", CONTACTS),
    ])
}

/// The summary without its timing line, which differs from run to run.
pub fn without_timing(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with("elapsed "))
        .map(|l| format!("{l}\n"))
        .collect()
}
