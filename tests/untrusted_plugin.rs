//! A stranger's pull request can commit a shared library and name it in `icp.toml`; its
//! constructor runs the moment the library is opened. `icp check --no-plugin-code` must never
//! open it.
//!
//! How it works: `untrusted_plugin/constructor.c` is compiled with `cc -shared -fPIC` (the
//! helper of `c_plugin.rs`) into a project whose `icp.toml` names it as a plugin library; its
//! constructor creates a marker file. `icp check --no-plugin-code` fails (no manifest) and the
//! marker does not exist; plain `icp check` opens the library and the marker appears, which
//! proves the test can see the code run. Without a `cc` the test says so and passes.

use std::path::Path;
use std::process::Command;

use icp_tests::{c_compiler, cargo_build, compile_c, workspace};

#[test]
fn check_without_plugin_code_never_runs_a_library_named_by_the_project() {
    let Some(cc) = c_compiler() else { return };
    let icp = cargo_build(&["-p", "icp_cli", "--bin", "icp"]).join("icp");
    let project = tempfile::tempdir().expect("temp dir");
    let dir = project.path();
    std::fs::create_dir_all(dir.join("rules")).expect("mkdir");
    std::fs::write(
        dir.join("rules/demo.icp"),
        "icp demo {\n  require company.employees >= 1\n}\n",
    )
    .expect("write rules");
    let library = dir.join("libplugin_evil.so");
    compile_c(
        &cc,
        &[&workspace().join("tests/untrusted_plugin/constructor.c")],
        &["-shared", "-fPIC", "-o", library.to_str().expect("utf-8")],
    );
    std::fs::write(
        dir.join("icp.toml"),
        "[plugins.evil]\nlibrary = \"libplugin_evil.so\"\n",
    )
    .expect("write icp.toml");
    let marker = dir.join("marker");
    let run = |args: &[&str]| {
        Command::new(&icp)
            .args(args)
            .current_dir(dir)
            .env("ICP_TEST_MARKER", &marker)
            .output()
            .expect("icp runs")
    };

    let out = run(&["check", "--no-plugin-code"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("libplugin_evil.so has no manifest"), "{err}");
    assert!(
        !marker_exists(&marker),
        "--no-plugin-code opened the library"
    );
    let out = run(&["test", "--no-plugin-code"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !marker_exists(&marker),
        "--no-plugin-code opened the library"
    );

    // Loading it runs its code: the marker appears (so the test above could have failed).
    let out = run(&["check"]);
    assert_eq!(out.status.code(), Some(2), "it is no icp plugin");
    assert!(
        marker_exists(&marker),
        "the constructor did not run when loaded"
    );
}

fn marker_exists(path: &Path) -> bool {
    path.exists()
}
