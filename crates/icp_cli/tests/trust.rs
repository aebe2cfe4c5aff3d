//! The trust model end to end (docs/security.md): configurations other users may have
//! written, paths leading out of the project, outputs over inputs, `ICP_PLUGIN_PATH` naming,
//! and plugin manifests read by `--no-plugin-code`.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::*;

const FUNDED: &str = "icp demo {\n  require company.employees >= 1\n  score 10 \"funded\" when funding.raised_within(90d)\n  tier A when score >= 10\n  tier B otherwise\n}\n";

/// One company the funding plugin knows.
const LEADS: &str = "id,domain,employees\n1,acme.com,10\n";

fn icp_with(dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_icp"));
    command
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("XDG_CONFIG_HOME", user_config());
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("the icp binary runs")
}

#[cfg(unix)]
#[test]
fn an_icp_toml_other_users_may_write_is_refused_unless_allowed() {
    use std::os::unix::fs::PermissionsExt;
    let dir = project(&[("rules/demo.icp", GOOD)]);
    let config = dir.path().join("icp.toml");
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o666)).expect("chmod");
    let out = icp(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("every user may write it") && err.contains("ICP_SAFE_DIRECTORIES"),
        "{err}"
    );
    let out = icp_with(
        dir.path(),
        &["check"],
        &[("ICP_SAFE_DIRECTORIES", dir.path())],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).expect("chmod");

    // Owned by another user (only root can make one here).
    if running_as_root() {
        std::os::unix::fs::chown(&config, Some(4242), None).expect("chown");
        let out = icp(dir.path(), &["check"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            stderr(&out).contains("owned by user 4242"),
            "{}",
            stderr(&out)
        );
        let out = icp_with(
            dir.path(),
            &["check"],
            &[("ICP_SAFE_DIRECTORIES", Path::new("*"))],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
}

/// Whether the tests run as root, from the owner of a file they create.
#[cfg(unix)]
fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    let file = tempfile::NamedTempFile::new().expect("temp file");
    file.as_file().metadata().expect("metadata").uid() == 0
}

#[test]
fn a_configured_output_outside_the_project_is_refused_and_left_untouched() {
    let outer = tempfile::tempdir().expect("temp dir");
    let victim = outer.path().join("victim.txt");
    std::fs::write(&victim, "precious\n").expect("write victim");
    let dir = outer.path().join("project");
    std::fs::create_dir_all(dir.join("rules")).expect("mkdir");
    std::fs::write(dir.join("rules/demo.icp"), GOOD).expect("write rules");
    std::fs::write(
        dir.join("leads.csv"),
        "id,domain,employees\n1,acme.com,60\n",
    )
    .expect("leads");
    std::fs::write(
        dir.join("icp.toml"),
        "[fields.company]\nannual_spend = \"number\"\n\n[score]\nleads = \"leads.csv\"\noutput = \"../victim.txt\"\n",
    )
    .expect("write icp.toml");
    let out = icp(&dir, &["score"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("[score] output") && err.contains("leads outside the project"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "precious\n"
    );
    // Given on the command line (with a configuration that does not try), the same path is
    // the user's choice.
    std::fs::write(
        dir.join("icp.toml"),
        "[fields.company]\nannual_spend = \"number\"\n\n[score]\nleads = \"leads.csv\"\n",
    )
    .expect("write icp.toml");
    let out = icp(&dir, &["score", "-o", "../victim.txt"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        std::fs::read_to_string(&victim)
            .expect("victim")
            .starts_with("id,")
    );
}

#[test]
fn an_outcomes_file_outside_the_project_is_refused() {
    let outer = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        outer.path().join("deals.csv"),
        "company_id,outcome\n1,won\n",
    )
    .expect("deals");
    let dir = outer.path().join("project");
    std::fs::create_dir_all(dir.join("rules")).expect("mkdir");
    std::fs::write(dir.join("rules/demo.icp"), GOOD).expect("write rules");
    std::fs::write(
        dir.join("leads.csv"),
        "id,domain,employees\n1,acme.com,60\n",
    )
    .expect("leads");
    std::fs::write(
        dir.join("icp.toml"),
        "[fields.company]\nannual_spend = \"number\"\n\n[score]\nleads = \"leads.csv\"\n\n[outcomes]\nfile = \"../deals.csv\"\n",
    )
    .expect("write icp.toml");
    let out = icp(&dir, &["score", "-o", "scored.csv"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("[outcomes] file") && err.contains("leads outside the project"),
        "{err}"
    );
}

#[test]
fn plugin_data_outside_the_project_is_refused_and_never_echoed() {
    plugins_built();
    let dir = project(&[
        ("rules/demo.icp", FUNDED),
        ("leads.csv", LEADS),
        ("secret.txt", "root:x:0:0:secret:/root:/bin/sh\n"),
    ]);
    // Scores with the funding plugin reading `data`: exit 2, and what it said.
    let refused = |data: &str| {
        std::fs::write(
            dir.path().join("icp.toml"),
            format!("[plugins.funding]\ndata = {data:?}\n"),
        )
        .expect("write icp.toml");
        let out = icp(
            dir.path(),
            &["score", "--leads", "leads.csv", "-o", "out.csv"],
        );
        assert_eq!(out.status.code(), Some(2));
        stderr(&out)
    };
    let err = refused("/etc/passwd");
    assert!(err.contains("leads outside the project"), "{err}");
    assert!(!err.contains("root:"), "{err}");

    // Inside the project but not the expected CSV: its first line is not echoed.
    let err = refused("secret.txt");
    assert!(err.contains("not a CSV with columns"), "{err}");
    assert!(!err.contains("root:x"), "{err}");
    assert!(!err.contains("/bin/sh"), "{err}");
}

#[test]
fn no_output_may_overwrite_a_file_the_run_reads() {
    plugins_built();
    let dir = project(&[
        ("rules/demo.icp", FUNDED),
        ("leads.csv", LEADS),
        (
            "funding.csv",
            "domain,date,type,amount_usd\nacme.com,2026-10-01,Series A,1000\n",
        ),
        ("icp.toml", "[plugins.funding]\ndata = \"funding.csv\"\n"),
    ]);
    for target in ["icp.toml", "rules/demo.icp", "funding.csv"] {
        let before = std::fs::read(dir.path().join(target)).expect("read");
        for flag in ["-o", "--rejects"] {
            let out = icp(
                dir.path(),
                &[
                    "score",
                    "--leads",
                    "leads.csv",
                    "--as-of",
                    "2026-11-01",
                    flag,
                    target,
                ],
            );
            assert_eq!(out.status.code(), Some(2), "{target}: {}", stderr(&out));
            assert!(
                stderr(&out).contains("is also an input file"),
                "{}",
                stderr(&out)
            );
            assert_eq!(
                std::fs::read(dir.path().join(target)).expect("read"),
                before
            );
        }
    }
}

#[test]
fn plugin_path_directories_load_only_files_named_as_plugins() {
    plugins_built();
    let dir = project(&[("rules/demo.icp", GOOD)]);
    let plugins = dir.path().join("plugins");
    std::fs::create_dir_all(&plugins).expect("mkdir");
    let funding = bin_dir().join(libloading_name("plugin_funding"));
    std::fs::copy(&funding, plugins.join(libloading_name("funding"))).expect("copy");
    let out = icp_with(dir.path(), &["plugins"], &[("ICP_PLUGIN_PATH", &plugins)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("no plugins loaded"),
        "{}",
        stdout(&out)
    );
    std::fs::copy(&funding, plugins.join(libloading_name("plugin_money"))).expect("copy");
    let out = icp_with(dir.path(), &["plugins"], &[("ICP_PLUGIN_PATH", &plugins)]);
    assert!(stdout(&out).contains("funding 0.1.0"), "{}", stdout(&out));
}

#[test]
fn check_reads_signals_from_manifests_without_loading_plugins() {
    plugins_built();
    let dir = project(&[("rules/demo.icp", FUNDED)]);
    let lib = dir.path().join("lib");
    std::fs::create_dir_all(&lib).expect("mkdir");
    let library = lib.join(libloading_name("plugin_funding"));
    std::fs::copy(bin_dir().join(libloading_name("plugin_funding")), &library).expect("copy");
    let configured = format!(
        "[plugins.funding]\nlibrary = \"lib/{}\"\n",
        libloading_name("plugin_funding")
    );
    std::fs::write(dir.path().join("icp.toml"), configured).expect("write icp.toml");

    // No manifest yet: a clear error naming the library and the command that writes one.
    let out = icp(dir.path(), &["check", "--no-plugin-code"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("has no manifest") && err.contains("icp plugins manifest"),
        "{err}"
    );

    let out = icp(dir.path(), &["plugins", "manifest"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let manifest = lib.join(format!(
        "{}.manifest.json",
        libloading_name("plugin_funding")
    ));
    assert!(manifest.is_file(), "{}", stdout(&out));
    for args in [
        &["check", "--no-plugin-code"][..],
        &["check"],
        &["test", "--no-plugin-code"],
    ] {
        let out = icp(dir.path(), args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}{}",
            stdout(&out),
            stderr(&out)
        );
    }

    // A manifest that no longer matches its library is an error when the library is loaded.
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    std::fs::write(&manifest, text.replace("\"0.1.0\"", "\"9.9.9\"")).expect("write");
    let out = icp(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("does not match the library") && err.contains("9.9.9"),
        "{err}"
    );
}

/// A project whose `lib/` holds a copy of the funding plugin with its manifest, configured
/// with an unknown key; returns the project and the manifest's path.
fn project_with_manifest() -> (tempfile::TempDir, std::path::PathBuf) {
    plugins_built();
    let dir = project(&[("rules/demo.icp", FUNDED)]);
    let lib = dir.path().join("lib");
    std::fs::create_dir_all(&lib).expect("mkdir");
    let name = libloading_name("plugin_funding");
    std::fs::copy(bin_dir().join(&name), lib.join(&name)).expect("copy");
    let configured = format!("[plugins.funding]\nlibrary = \"lib/{name}\"\ndta = \"x.csv\"\n");
    std::fs::write(dir.path().join("icp.toml"), configured).expect("write icp.toml");
    let out = icp(dir.path(), &["plugins", "manifest"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let manifest = lib.join(format!("{name}.manifest.json"));
    (dir, manifest)
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("JSON")
}

fn write_json(path: &Path, value: &serde_json::Value) {
    std::fs::write(path, serde_json::to_string_pretty(value).expect("JSON")).expect("write");
}

#[test]
fn manifests_carry_the_configuration_keys_and_older_ones_still_read() {
    let (dir, manifest) = project_with_manifest();
    let written = read_json(&manifest);
    assert_eq!(
        written["config_keys"],
        serde_json::json!(["data", "covers"]),
        "{written}"
    );
    let unknown = "warning: plugins.funding: unknown key `dta` (known: data, covers)";
    for args in [&["check", "--no-plugin-code"][..], &["check"]] {
        let out = icp(dir.path(), args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(unknown), "{args:?}: {}", stderr(&out));
    }

    // A manifest written before the keys were recorded reads, and is not stale.
    let mut older = written.clone();
    older
        .as_object_mut()
        .expect("an object")
        .remove("config_keys");
    write_json(&manifest, &older);
    let out = icp(dir.path(), &["check", "--no-plugin-code"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("unknown key"), "{}", stderr(&out));
    let out = icp(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // Other keys than the library's are a stale manifest.
    let mut other = written;
    other["config_keys"] = serde_json::json!(["data", "dta"]);
    write_json(&manifest, &other);
    let out = icp(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "configuration keys: [data, dta] in the manifest, [data, covers] in the library"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_signal_declared_twice_by_manifests_is_an_error() {
    let (dir, manifest) = project_with_manifest();
    let mut twice = read_json(&manifest);
    let signals = twice["signals"].as_array_mut().expect("signals");
    signals.push(signals[0].clone());
    let name = signals[0]["name"].as_str().expect("a name").to_string();
    write_json(&manifest, &twice);
    let out = icp(dir.path(), &["check", "--no-plugin-code"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: plugin manifest ")
            && err.contains(&format!("declares signal `{name}` twice")),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");

    // Two plugin directories with one plugin each declaring the same signals: "loaded
    // twice", with the manifests as with the libraries.
    let out = icp(dir.path(), &["plugins", "manifest"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let copy = dir.path().join("copy");
    std::fs::create_dir_all(&copy).expect("mkdir");
    let library = libloading_name("plugin_funding");
    for file in [library.clone(), format!("{library}.manifest.json")] {
        std::fs::copy(dir.path().join("lib").join(&file), copy.join(&file)).expect("copy");
    }
    std::fs::write(dir.path().join("icp.toml"), "").expect("write icp.toml");
    let path = std::env::join_paths([dir.path().join("lib"), copy]).expect("a path list");
    for args in [&["check", "--no-plugin-code"][..], &["check"]] {
        let out = icp_with(dir.path(), args, &[("ICP_PLUGIN_PATH", Path::new(&path))]);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stdout(&out));
        assert!(
            stderr(&out).contains("plugin `funding` is loaded twice"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}
