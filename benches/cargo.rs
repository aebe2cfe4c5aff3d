//! Building workspace packages from a test or a benchmark: `cargo test` and `cargo bench` do
//! not build `cdylib` plugins by themselves, so what loads them builds them first.

use std::path::{Path, PathBuf};

/// The profile directory the running test or benchmark was built into,
/// `target/<profile>` (wherever `CARGO_TARGET_DIR` puts `target`).
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the running binary's path");
    // target/<profile>/deps/<binary>
    exe.parent()
        .and_then(Path::parent)
        .expect("a test or bench binary lives in target/<profile>/deps")
        .to_path_buf()
}

/// The target directory the running test or benchmark was built into: the repository's
/// `target/`, or `CARGO_TARGET_DIR`, which may lie anywhere.
pub fn target_dir() -> PathBuf {
    profile_dir()
        .parent()
        .expect("a target directory")
        .to_path_buf()
}

/// Runs `cargo build` with `args`, in the workspace, into the target directory and profile the
/// running test or benchmark was built with, and returns that profile's directory (where
/// libraries and binaries land). Panics with cargo's output when the build fails.
pub fn cargo_build(args: &[&str]) -> PathBuf {
    let profile_dir = profile_dir();
    let target = profile_dir.parent().expect("a target directory");
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => "dev",
        Some(other) => other,
    };
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("benches/ sits in the workspace");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = std::process::Command::new(cargo)
        .current_dir(workspace)
        .args(["build", "--quiet", "--profile", profile, "--target-dir"])
        .arg(target)
        .args(args)
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo build {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    profile_dir
}

/// The Python interpreter of the pinned test environment (DuckDB and PyArrow, made by
/// `scripts/python-deps.sh` under the target directory the running test was built into), for
/// tests that execute icp's output with an independent engine. Installs it on first use; panics
/// with the script's output when the install fails.
pub fn python_with_engines() -> PathBuf {
    python_deps(&[])
}

/// The same with PySpark too (`scripts/python-deps.sh --spark`, an environment of its own),
/// for tests that run a local Spark; it needs Java 17 or newer.
pub fn python_with_spark() -> PathBuf {
    python_deps(&["--spark"])
}

/// The same with dbt-core and dbt-duckdb (`scripts/python-deps.sh --dbt`, an environment of
/// its own; its `bin/dbt` runs dbt), for the test that runs `icp compile --dbt`'s model.
pub fn python_with_dbt() -> PathBuf {
    python_deps(&["--dbt"])
}

fn python_deps(args: &[&str]) -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("benches/ sits in the workspace");
    let output = std::process::Command::new(workspace.join("scripts/python-deps.sh"))
        .args(args)
        .arg(target_dir())
        .output()
        .expect("scripts/python-deps.sh runs");
    assert!(
        output.status.success(),
        "scripts/python-deps.sh {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
}
