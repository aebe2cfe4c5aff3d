//! Building workspace packages from a test or a benchmark: `cargo test` and `cargo bench` do
//! not build `cdylib` plugins by themselves, so what loads them builds them first.

use std::path::{Path, PathBuf};

/// Runs `cargo build` with `args`, in the workspace, into the target directory and profile the
/// running test or benchmark was built with, and returns that profile's directory (where
/// libraries and binaries land). Panics with cargo's output when the build fails.
pub fn cargo_build(args: &[&str]) -> PathBuf {
    let exe = std::env::current_exe().expect("the running binary's path");
    // target/<profile>/deps/<binary>
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("a test or bench binary lives in target/<profile>/deps")
        .to_path_buf();
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
