//! The VS Code extension's TextMate grammar (`editors/vscode/syntaxes/icp.tmLanguage.json`)
//! tokenised by VS Code's own tokeniser: `vscode-textmate` on `vscode-oniguruma`, installed
//! from npm by `scripts/vscode-grammar-deps.sh` into the target directory (quick and offline
//! once installed). The checks live in `editors/vscode/test/grammar.test.js`: every rule file
//! of `rules/` and `tests/semantics/` is tokenised, and its comments, strings, regexes,
//! keywords, numbers and field paths must get their scopes.
//!
//! Why node rather than a Rust regex crate: TextMate grammars are Oniguruma regexes run by a
//! tokeniser with its own rules (the first match on a line wins, begin/end rules, captures,
//! a rule stack across lines). Running the very engine VS Code runs checks what users see;
//! a Rust imitation would check an imitation.
//!
//! The extension's manifest is checked here too: the language, the grammar and the settings
//! it contributes point at files that exist; and the extension is packaged as docs/editor.md
//! says (`scripts/vscode-package.sh`: `npm ci`, then `vsce package`), the package holding the
//! client, its modules and the grammar, and none of the tests.

use std::path::Path;
use std::process::Command;

fn repo() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository root")
}

/// Runs `scripts/NAME` with cargo's target directory and returns the path it prints.
fn run_script(name: &str) -> String {
    let run = Command::new("bash")
        .arg(repo().join("scripts").join(name))
        .arg(icp_benches::target_dir())
        .output()
        .expect("bash runs");
    assert!(
        run.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    String::from_utf8_lossy(&run.stdout).trim().to_string()
}

#[test]
fn the_grammar_gives_every_rule_file_its_scopes() {
    let root = repo();
    let modules = run_script("vscode-grammar-deps.sh");
    let run = Command::new("node")
        .arg(root.join("editors/vscode/test/grammar.test.js"))
        .arg(&modules)
        .output()
        .expect("node runs");
    let out = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(out.contains(" 0 failed"), "{out}");
}

#[test]
fn the_extension_manifest_names_files_that_exist() {
    let dir = repo().join("editors/vscode");
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("package.json")).expect("package.json"),
    )
    .expect("package.json is JSON");
    let contributes = &manifest["contributes"];
    assert_eq!(contributes["languages"][0]["extensions"][0], ".icp");
    for file in [
        manifest["main"].as_str(),
        contributes["languages"][0]["configuration"].as_str(),
        contributes["grammars"][0]["path"].as_str(),
    ] {
        let file = file.expect("a path");
        assert!(dir.join(file).is_file(), "{file}");
    }
    for json in [
        "language-configuration.json",
        "syntaxes/icp.tmLanguage.json",
    ] {
        let text = std::fs::read_to_string(dir.join(json)).expect(json);
        serde_json::from_str::<serde_json::Value>(&text).expect(json);
    }
    let settings = &contributes["configuration"]["properties"];
    assert_eq!(settings["icp.server.path"]["default"], "icp");
    // A workspace the user has not trusted cannot choose the server to run.
    assert_eq!(
        manifest["capabilities"]["untrustedWorkspaces"]["restrictedConfigurations"],
        serde_json::json!(["icp.server.path", "icp.server.args"])
    );
}

#[test]
fn the_extension_packages_with_its_client_and_grammar() {
    let vsix = run_script("vscode-package.sh");
    assert!(vsix.ends_with(".vsix"), "{vsix}");
    let list = Command::new("python3")
        .args(["-m", "zipfile", "-l", &vsix])
        .output()
        .expect("python3 runs");
    assert!(list.status.success(), "{list:?}");
    let listing = String::from_utf8_lossy(&list.stdout);
    let files: Vec<&str> = listing
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    for want in [
        "extension.vsixmanifest",
        "extension/package.json",
        "extension/extension.js",
        "extension/language-configuration.json",
        "extension/syntaxes/icp.tmLanguage.json",
        "extension/node_modules/vscode-languageclient/node.js",
        "extension/node_modules/vscode-languageclient/package.json",
    ] {
        assert!(files.contains(&want), "{want} is not in {vsix}:\n{listing}");
    }
    for file in &files {
        assert!(
            !file.starts_with("extension/test/") && !file.ends_with(".vsix"),
            "{file} should not be packaged"
        );
    }
}
