//! Plugins that misbehave in native code, run by the `icp` binary: isolated (`isolate = true`,
//! `timeout`) a segfault, an abort or a hang is an error naming the plugin with exit code 2
//! and the earlier output untouched; in-process the same crash still ends `icp` (as
//! docs/plugins.md says); an isolated plugin scores the demo exactly as in-process; unknown
//! configuration keys are warned; two plugin directories holding one plugin name are an
//! error.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use icp_plugin_host::{Host, PluginError, PluginRequest, library_file};
use icp_tests::{SHIPPED_PLUGINS, cargo_build, shipped_plugins, trusting_user_config, workspace};

fn fault(name: &str) -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = DIR
        .get_or_init(|| cargo_build(&["-p", "icp_fault_plugins", "--examples"]).join("examples"));
    dir.join(library_file(name))
}

fn icp_binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        cargo_build(&["-p", "icp_cli"]).join(format!("icp{}", std::env::consts::EXE_SUFFIX))
    })
}

/// Runs `icp score -o scored.csv` in a fresh project whose rules call `NAME.flag` of the
/// fault plugin `name`, configured with `table` (extra lines of its `[plugins.NAME]`), over
/// leads one of which (`boom.example`) triggers the fault. Returns the run and what
/// `scored.csv` holds afterwards (it held "earlier results").
fn score(name: &str, table: &str) -> (Output, String) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::create_dir(dir.path().join("rules")).expect("rules/");
    std::fs::write(
        dir.path().join("rules/probe.icp"),
        format!("icp probe \"Probe\" {{\n  score 10 \"probed\" when {name}.flag\n  tier A when score >= 10\n  tier B otherwise\n}}\n"),
    )
    .expect("written");
    std::fs::write(
        dir.path().join("leads.csv"),
        "id,name,domain\nL1,Acme,acme.com\nL4,Boom,boom.example\nL5,Initech,initech.com\n",
    )
    .expect("written");
    std::fs::write(
        dir.path().join("icp.toml"),
        format!(
            "[plugins.{name}]\nlibrary = {:?}\n{table}\n",
            fault(name).display().to_string()
        ),
    )
    .expect("written");
    std::fs::write(dir.path().join("scored.csv"), "earlier results\n").expect("written");
    let run = Command::new(icp_binary())
        .current_dir(dir.path())
        .env_remove("ICP_PLUGIN_PATH")
        .env("XDG_CONFIG_HOME", trusting_user_config())
        .args(["score", "--leads", "leads.csv", "--as-of", "2026-11-23"])
        .args(["--output", "scored.csv"])
        .output()
        .expect("icp runs");
    let kept = std::fs::read_to_string(dir.path().join("scored.csv")).unwrap_or_default();
    (run, kept)
}

fn assert_fails_naming(name: &str, table: &str, how: &str) {
    let (run, kept) = score(name, table);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "stderr:\n{stderr}");
    let expected = format!(
        "error: plugin `{name}` ({}) {how} while evaluating `{name}.flag`",
        fault(name).display()
    );
    assert!(stderr.contains(&expected), "{expected}\nnot in:\n{stderr}");
    assert_eq!(kept, "earlier results\n", "the earlier output changed");
}

#[cfg(unix)]
#[test]
fn an_isolated_plugin_that_segfaults_is_an_error_naming_it() {
    assert_fails_naming(
        "segfaults",
        "isolate = true",
        "crashed (signal 11: SIGSEGV)",
    );
}

#[cfg(unix)]
#[test]
fn an_isolated_plugin_that_aborts_is_an_error_naming_it() {
    assert_fails_naming("aborts", "isolate = true", "crashed (signal 6: SIGABRT)");
}

#[cfg(unix)]
#[test]
fn a_plugin_that_hangs_past_its_timeout_is_killed_and_named() {
    // A timeout implies isolation.
    assert_fails_naming(
        "hangs",
        "timeout = \"1s\"",
        "timed out after 1s and was stopped (signal 9: SIGKILL)",
    );
}

#[cfg(unix)]
#[test]
fn in_process_a_native_crash_still_ends_icp_as_documented() {
    use std::os::unix::process::ExitStatusExt;
    let (run, kept) = score("segfaults", "");
    assert_eq!(run.status.signal(), Some(11), "{:?}", run.status);
    assert_eq!(kept, "earlier results\n", "the earlier output changed");
}

#[test]
fn unknown_configuration_keys_are_warned() {
    let (run, _) = score("aborts", "isolate = true\ndta = \"funding.csv\"");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("warning: plugins.aborts: unknown key `dta` (known: data)"),
        "stderr:\n{stderr}"
    );
}

#[test]
fn an_isolated_plugin_scores_the_demo_exactly_as_in_process() {
    let root = workspace();
    let run = |isolate: bool| -> String {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut config =
            std::fs::read_to_string(root.join("icp.toml")).expect("the repository's icp.toml");
        config = config.replace("\"demo/", &format!("\"{}/demo/", root.display()));
        config = config.replace(
            "rules = [\"rules\"]",
            &format!("rules = [\"{}/rules\"]", root.display()),
        );
        if isolate {
            for plugin in ["funding", "events", "job_changes"] {
                config = config.replace(
                    &format!("[plugins.{plugin}]\n"),
                    &format!("[plugins.{plugin}]\nisolate = true\n"),
                );
            }
        }
        std::fs::write(dir.path().join("icp.toml"), config).expect("written");
        let mut command = Command::new(icp_binary());
        command
            .current_dir(dir.path())
            .env_remove("ICP_PLUGIN_PATH")
            .env("XDG_CONFIG_HOME", trusting_user_config());
        for p in SHIPPED_PLUGINS {
            command
                .arg("--plugin")
                .arg(shipped_plugins().join(library_file(p)));
        }
        let out = command
            .args([
                "score",
                "--as-of",
                "2026-11-23",
                "--all",
                "--output",
                "scored.csv",
            ])
            .output()
            .expect("icp runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "stderr:\n{stderr}");
        std::fs::read_to_string(dir.path().join("scored.csv")).expect("results")
    };
    let in_process = run(false);
    let isolated = run(true);
    assert!(in_process.lines().count() > 100, "{in_process}");
    assert!(
        in_process == isolated,
        "the isolated plugins scored the demo differently"
    );
}

#[test]
fn one_plugin_name_in_two_plugin_directories_is_an_error() {
    let a = tempfile::tempdir().expect("a temporary directory");
    let b = tempfile::tempdir().expect("a temporary directory");
    // Named as a plugin, so that a plugin directory loads it.
    let file = library_file("plugin_good");
    std::fs::copy(fault("good"), a.path().join(&file)).expect("copied");
    std::fs::copy(fault("good"), b.path().join(&file)).expect("copied");
    let err = Host::load(&PluginRequest {
        directories: vec![a.path().to_path_buf(), b.path().to_path_buf()],
        ..PluginRequest::default()
    })
    .expect_err("two files declaring `good`");
    assert!(matches!(err, PluginError::Duplicate { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("plugin `good` is loaded twice")
            && message.contains(&a.path().join(&file).display().to_string())
            && message.contains(&b.path().join(&file).display().to_string()),
        "{message}"
    );
    // One directory named twice is the same file: loaded once.
    let host = Host::load(&PluginRequest {
        directories: vec![a.path().to_path_buf(), a.path().to_path_buf()],
        ..PluginRequest::default()
    })
    .expect("the same file twice loads once");
    assert_eq!(host.plugins().len(), 1);
}
