//! `icp lsp` driven as an editor drives it: the real binary, JSON-RPC over its standard input
//! and output (the client is `lsp/client.rs`).
//!
//! Diagnostics as a file is opened broken and then fixed (with UTF-16 ranges on non-ASCII
//! lines), a `let` defined in another file, hover on fields, lets and signals (from loaded
//! plugins in a trusted project, from manifests in any other), completion, go to definition
//! across files, formatting equal to `icp fmt`, and the end of the session. The replies are
//! snapshotted with the temporary directory's URI written `file:///PROJECT`.

#[path = "lsp/client.rs"]
mod client;
mod common;

use std::path::Path;

use client::{Client, uri};
use common::{icp, project, stdout};
use serde_json::{Value, json};

/// The position (line, UTF-16 column) of the `nth` occurrence of `needle` in `text`, moved
/// `delta` characters on.
fn position(text: &str, needle: &str, delta: usize) -> Value {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} in the text"));
    let offset = at
        + text[at..]
            .chars()
            .take(delta)
            .map(char::len_utf8)
            .sum::<usize>();
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |n| n + 1);
    let character: usize = before[line_start..].chars().map(char::len_utf16).sum();
    json!({ "line": line, "character": character })
}

fn at(uri: &str, position: Value) -> Value {
    json!({ "textDocument": { "uri": uri }, "position": position })
}

/// A reply as snapshotted: pretty JSON with the project's URI and path replaced.
fn shown(value: &Value, dir: &Path) -> String {
    let real = dir.canonicalize().expect("canonical");
    serde_json::to_string_pretty(value)
        .expect("json")
        .replace(&uri(&real), "file:///PROJECT")
        .replace(&uri(dir), "file:///PROJECT")
}

const BROKEN: &str = "icp demo {\n  require company.employes >= 50\n  score 5 \"𝄞 é\" when company.employes > 1\n}\n";
const FIXED: &str = "icp demo {\n  require company.employees >= 50\n  score 5 \"𝄞 é\" when company.employees > 1\n  tier A when score >= 5\n  tier B otherwise\n}\n";

#[test]
fn diagnostics_follow_the_edits_with_codes_and_utf16_ranges() {
    let dir = project(&[]);
    let file = dir.path().join("rules/demo.icp");
    let uri = uri(&file);
    let mut client = Client::start(dir.path(), &[]);
    client.open(&uri, BROKEN);
    let diagnostics = client.diagnostics(&uri);
    // The second error is after `"𝄞 é"`: 4 UTF-16 units for 7 bytes, so column 22, not 25.
    let second = &diagnostics[1]["range"]["start"];
    assert_eq!(*second, position(BROKEN, "company.employes > 1", 0));
    assert_eq!(second["character"], 22, "{second}");
    insta::assert_snapshot!("lsp_broken_field", shown(&diagnostics, dir.path()));

    client.change(&uri, 2, "icp demo {\n  require company.employees >=\n}\n");
    let diagnostics = client.diagnostics(&uri);
    insta::assert_snapshot!("lsp_syntax_error", shown(&diagnostics, dir.path()));

    client.change(&uri, 3, FIXED);
    assert_eq!(client.diagnostics(&uri), json!([]));

    // Closing the document clears its diagnostics.
    client.change(&uri, 4, BROKEN);
    assert_ne!(client.diagnostics(&uri), json!([]));
    client.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": uri } }),
    );
    assert_eq!(client.diagnostics(&uri), json!([]));
    let (code, stderr) = client.shutdown();
    assert_eq!(code, Some(0), "{stderr}");
}

const DEFS: &str = "# Shared definitions.\nlet big = company.employees > 100\n\npersona buyer \"Buyer\" when contact.seniority in [\"VP\", \"C-Level\"]\n";
const MAIN: &str = "icp demo \"Demo\" {\n  require big\n  score 10 \"buyer\" when any contact where buyer\n  score 5 \"spend\" when company.annual_spend > 1M\n  tier A when score >= 10\n  tier B otherwise\n}\n\ntest \"big\" {\n  company { employees: 200, annual_spend: 2M }\n  expect demo tier A\n}\n";

#[test]
fn names_resolve_across_files_for_diagnostics_hover_and_definition() {
    let dir = project(&[("rules/defs.icp", DEFS), ("rules/main.icp", MAIN)]);
    let main = uri(&dir.path().join("rules/main.icp"));
    let defs = uri(&dir.path().join("rules/defs.icp"));
    let mut client = Client::start(dir.path(), &[]);
    client.open(&main, MAIN);
    // `big` and `buyer` are defined in defs.icp, read from disk.
    assert_eq!(client.diagnostics(&main), json!([]));

    let definition = client.request(
        "textDocument/definition",
        at(&main, position(MAIN, "big\n", 1)),
    );
    insta::assert_snapshot!("lsp_definition", shown(&definition, dir.path()));
    assert!(
        definition[0]["uri"]
            .as_str()
            .is_some_and(|u| u.ends_with("/rules/defs.icp")),
        "{definition}"
    );

    let hover = client.request(
        "textDocument/hover",
        at(&main, position(MAIN, "buyer\n", 2)),
    );
    insta::assert_snapshot!("lsp_hover_persona", shown(&hover, dir.path()));
    let hover = client.request("textDocument/hover", at(&main, position(MAIN, "big\n", 0)));
    assert!(
        hover["contents"]["value"]
            .as_str()
            .is_some_and(|h| h.contains("let big = company.employees > 100")),
        "{hover}"
    );

    // An unsaved edit of the other file is what the project sees.
    client.open(&defs, DEFS);
    client.change(&defs, 2, &DEFS.replace("let big", "let huge"));
    let diagnostics = loop {
        let diagnostics = client.diagnostics(&main);
        if diagnostics != json!([]) {
            break diagnostics;
        }
    };
    assert_eq!(diagnostics[0]["code"], "E0008", "{diagnostics}");
    let (code, _) = client.shutdown();
    assert_eq!(code, Some(0));
}

#[test]
fn a_closed_file_an_edit_breaks_gets_its_diagnostics_and_loses_them_when_fixed() {
    let dir = project(&[("rules/defs.icp", DEFS), ("rules/main.icp", MAIN)]);
    let main = uri(&dir.path().join("rules/main.icp"));
    let defs = uri(&dir.path().join("rules/defs.icp"));
    let mut client = Client::start(dir.path(), &[]);
    // Only defs.icp is open; main.icp, which uses `big`, is read from disk.
    client.open(&defs, DEFS);
    assert_eq!(client.diagnostics(&defs), json!([]));
    client.change(&defs, 2, &DEFS.replace("let big", "let huge"));
    let diagnostics = client.diagnostics(&main);
    assert_eq!(diagnostics[0]["code"], "E0008", "{diagnostics}");
    assert!(
        diagnostics[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("big")),
        "{diagnostics}"
    );
    // Fixed: main.icp is cleared once, then left alone while it stays clean.
    client.change(&defs, 3, DEFS);
    assert_eq!(client.diagnostics(&main), json!([]));
    client.change(&defs, 4, &DEFS.replace("# Shared", "# The shared"));
    client.request("textDocument/hover", at(&defs, position(DEFS, "big", 0)));
    assert_eq!(client.last_diagnostics(&main), None);
    let (code, stderr) = client.shutdown();
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn fields_hover_and_complete_from_the_project_schema() {
    let dir = project(&[("rules/main.icp", MAIN), ("rules/defs.icp", DEFS)]);
    let main = uri(&dir.path().join("rules/main.icp"));
    let mut client = Client::start(dir.path(), &[]);
    client.open(&main, MAIN);
    let hover = client.request(
        "textDocument/hover",
        at(&main, position(MAIN, "annual_spend >", 3)),
    );
    insta::assert_snapshot!("lsp_hover_custom_field", shown(&hover, dir.path()));
    let hover = client.request(
        "textDocument/hover",
        at(&main, position(MAIN, "employees: 200", 1)),
    );
    assert!(
        hover["contents"]["value"]
            .as_str()
            .is_some_and(|h| h.contains("company.employees: number") && h.contains("51-200")),
        "{hover}"
    );

    // Half-typed: `company.` at the end of a require.
    let typing = MAIN.replace("require big", "require big and company.");
    client.change(&main, 2, &typing);
    let items = client.request(
        "textDocument/completion",
        at(&main, position(&typing, "company.\n", 8)),
    );
    let fields = labels(&items);
    assert!(fields.contains(&"employees".to_string()), "{fields:?}");
    assert!(fields.contains(&"annual_spend".to_string()), "{fields:?}");
    assert!(!fields.contains(&"title".to_string()), "{fields:?}");
    let contact = typing.replace("company.\n", "contact.\n");
    client.change(&main, 3, &contact);
    let items = client.request(
        "textDocument/completion",
        at(&main, position(&contact, "contact.\n", 8)),
    );
    assert!(labels_of(&items, "seniority"), "{items}");

    // ICP and tier names in a test.
    let test = MAIN.replace("expect demo tier A", "expect ");
    client.change(&main, 4, &test);
    let items = client.request(
        "textDocument/completion",
        at(&main, position(&test, "expect \n", 7)),
    );
    assert!(
        labels_of(&items, "demo") && labels_of(&items, "best"),
        "{items}"
    );
    let tier = MAIN.replace("expect demo tier A", "expect demo tier ");
    client.change(&main, 5, &tier);
    let items = client.request(
        "textDocument/completion",
        at(&main, position(&tier, "tier \n", 5)),
    );
    assert_eq!(labels(&items), vec!["A", "B"]);
    // Fields of a test record.
    let record = MAIN.replace("employees: 200, ", "");
    client.change(&main, 6, &record);
    let items = client.request(
        "textDocument/completion",
        at(&main, position(&record, "{ annual_spend", 2)),
    );
    assert!(labels_of(&items, "employees"), "{items}");
    // Nothing inside a string or comment.
    let items = client.request(
        "textDocument/completion",
        at(&main, position(&record, "buyer\" when", 2)),
    );
    assert_eq!(items, json!([]));
    let (code, _) = client.shutdown();
    assert_eq!(code, Some(0));
}

fn labels(items: &Value) -> Vec<String> {
    items
        .as_array()
        .expect("a list of items")
        .iter()
        .map(|i| i["label"].as_str().unwrap_or("").to_string())
        .collect()
}

fn labels_of(items: &Value, label: &str) -> bool {
    labels(items).iter().any(|l| l == label)
}

/// A project whose plugin `hiring` is a library that is not one (loading it would fail) with
/// a manifest beside it.
fn manifest_project() -> tempfile::TempDir {
    let dir = project(&[]);
    std::fs::create_dir_all(dir.path().join("lib")).expect("mkdir");
    let library = dir.path().join("lib/libplugin_hiring.so");
    std::fs::write(&library, b"not a library").expect("write");
    let manifest = json!({
        "name": "hiring",
        "version": "1.2.0",
        "doc": "Hiring signals.",
        "abi": "1.0",
        "signals": [{
            "name": "open_roles_within",
            "doc": "Whether the company posted an open role within the window.",
            "params": [{ "name": "within", "type": "duration", "optional": false }],
            "output": "bool",
            "inputs": ["company.domain"]
        }]
    });
    std::fs::write(
        dir.path().join("lib/libplugin_hiring.so.manifest.json"),
        manifest.to_string(),
    )
    .expect("write manifest");
    let toml = std::fs::read_to_string(dir.path().join("icp.toml")).expect("icp.toml");
    std::fs::write(
        dir.path().join("icp.toml"),
        format!("{toml}\n[plugins.hiring]\nlibrary = \"lib/libplugin_hiring.so\"\n"),
    )
    .expect("write icp.toml");
    dir
}

const SIGNALS: &str =
    "icp demo {\n  require hiring.open_roles_within(90d)\n  tier A otherwise\n}\n";

#[test]
fn an_untrusted_project_reads_signals_from_manifests_without_loading_code() {
    let dir = manifest_project();
    let file = uri(&dir.path().join("rules/demo.icp"));
    let mut client = Client::start(dir.path(), &[]);
    client.open(&file, SIGNALS);
    assert_eq!(client.diagnostics(&file), json!([]));
    let hover = client.request(
        "textDocument/hover",
        at(&file, position(SIGNALS, "open_roles", 0)),
    );
    insta::assert_snapshot!("lsp_hover_signal_manifest", shown(&hover, dir.path()));

    let typing = SIGNALS.replace("hiring.open_roles_within(90d)", "hiring.");
    client.change(&file, 2, &typing);
    let items = client.request(
        "textDocument/completion",
        at(&file, position(&typing, "hiring.\n", 7)),
    );
    insta::assert_snapshot!("lsp_complete_signals", shown(&items, dir.path()));
    let args = SIGNALS.replace("(90d)", "(");
    client.change(&file, 3, &args);
    let items = client.request(
        "textDocument/completion",
        at(&file, position(&args, "(\n", 1)),
    );
    assert_eq!(labels(&items), vec!["within"]);
    let (code, _) = client.shutdown();
    assert_eq!(code, Some(0));
}

#[test]
fn a_trusted_project_loads_its_plugins() {
    common::plugins_built();
    let dir = project(&[]);
    let toml = std::fs::read_to_string(dir.path().join("icp.toml")).expect("icp.toml");
    std::fs::write(
        dir.path().join("icp.toml"),
        format!("{toml}\n{}", common::demo_plugins()),
    )
    .expect("write icp.toml");
    let text = "icp demo {\n  require funding.raised_within(90d)\n  tier A otherwise\n}\n";
    let file = uri(&dir.path().join("rules/demo.icp"));
    let safe = dir.path().to_string_lossy().into_owned();
    let mut client = Client::start(dir.path(), &[("ICP_SAFE_DIRECTORIES", &safe)]);
    client.open(&file, text);
    assert_eq!(client.diagnostics(&file), json!([]));
    let hover = client.request(
        "textDocument/hover",
        at(&file, position(text, "raised_within", 0)),
    );
    let value = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(
        value.contains("funding.raised_within(") && value.contains("loaded"),
        "{hover}"
    );
    // Untrusted, the same project needs manifests, which its libraries lack: the user is told.
    let mut client2 = Client::start(dir.path(), &[]);
    client2.open(&file, text);
    let message = client2.notification();
    assert_eq!(message["method"], "window/showMessage", "{message}");
    assert!(
        message["params"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("manifest")),
        "{message}"
    );
    for client in [client, client2] {
        assert_eq!(client.shutdown().0, Some(0));
    }
}

#[test]
fn formatting_equals_icp_fmt_and_a_broken_file_gets_no_edits() {
    let dir = project(&[]);
    let file = uri(&dir.path().join("rules/demo.icp"));
    let messy = "# demo\nicp   demo{\nrequire company.employees>=50 # big\n    tier A otherwise}\n";
    std::fs::write(dir.path().join("messy.icp"), messy).expect("write");
    let mut client = Client::start(dir.path(), &[]);
    client.open(&file, messy);
    let edits = client.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": file }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    let formatted = apply(messy, &edits);
    let out = icp(dir.path(), &["fmt", "messy.icp"]);
    assert!(out.status.success(), "{}", stdout(&out));
    let expected = std::fs::read_to_string(dir.path().join("messy.icp")).expect("read");
    assert_eq!(formatted, expected);
    insta::assert_snapshot!("lsp_formatting", shown(&edits, dir.path()));

    client.change(&file, 2, "icp demo {\n  require\n");
    let edits = client.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": file }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    assert_eq!(edits, json!([]));
    let (code, _) = client.shutdown();
    assert_eq!(code, Some(0));
}

/// Applies whole-line-range edits (the server sends one edit from the start to the end).
fn apply(text: &str, edits: &Value) -> String {
    let edits = edits.as_array().expect("edits");
    assert_eq!(edits.len(), 1, "{edits:?}");
    let range = &edits[0]["range"];
    assert_eq!(range["start"], json!({ "line": 0, "character": 0 }));
    let lines = text.matches('\n').count();
    assert_eq!(range["end"], json!({ "line": lines, "character": 0 }));
    edits[0]["newText"].as_str().expect("text").to_string()
}

#[test]
fn unknown_documents_and_wild_positions_get_empty_answers() {
    let dir = project(&[]);
    let known = uri(&dir.path().join("rules/demo.icp"));
    let unknown = uri(&dir.path().join("rules/none.icp"));
    let mut client = Client::start(dir.path(), &[]);
    client.open(&known, "let s = \"é𝄞\" == \"x\" or big\nlet big = true\n");
    client.diagnostics(&known);
    let far = json!({ "line": 99, "character": 99 });
    for method in [
        "textDocument/hover",
        "textDocument/definition",
        "textDocument/completion",
    ] {
        assert_eq!(
            client.request(method, at(&unknown, far.clone())),
            Value::Null
        );
        client.request(method, at(&known, far.clone()));
        client.request(method, at(&known, json!({ "line": 0, "character": 5 })));
    }
    assert_eq!(
        client.request(
            "textDocument/formatting",
            json!({ "textDocument": { "uri": unknown }, "options": { "tabSize": 2, "insertSpaces": true } })
        ),
        Value::Null
    );
    // A document of another language is not the server's.
    let toml = uri(&dir.path().join("icp.toml"));
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": toml, "languageId": "toml", "version": 1, "text": "rules = [" } }),
    );
    assert_eq!(
        client.request("textDocument/hover", at(&toml, far.clone())),
        Value::Null
    );
    // Malformed parameters and unknown methods are errors of that request only.
    let bad = client.request_raw("textDocument/hover", json!({ "nonsense": true }));
    assert_eq!(bad["error"]["code"], -32602, "{bad}");
    let unknown_method = client.request_raw("textDocument/rename", json!({}));
    assert_eq!(unknown_method["error"]["code"], -32601, "{unknown_method}");
    client.notify("textDocument/didChange", json!({ "garbage": 1 }));
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": unknown, "version": 2 }, "contentChanges": [{ "text": "x" }] }),
    );
    // The document is still served, a name after multi-byte text included.
    let hover = client.request(
        "textDocument/hover",
        at(&known, json!({ "line": 0, "character": 25 })),
    );
    assert!(
        hover["contents"]["value"]
            .as_str()
            .is_some_and(|h| h.contains("let big")),
        "{hover}"
    );
    let (code, stderr) = client.shutdown();
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn exit_without_shutdown_is_code_1_and_a_malformed_message_code_2() {
    let dir = project(&[]);
    let client = Client::start(dir.path(), &[]);
    let mut client = client;
    client.notify("exit", Value::Null);
    assert_eq!(client.finish().0, Some(1));

    let mut client = Client::spawn(dir.path(), &[]);
    client.send_raw(b"Content-Length: 5\r\n\r\nhello");
    let (code, stderr) = client.finish();
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.starts_with("icp lsp: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn an_edited_icp_toml_is_read_again_and_a_refused_one_is_reported() {
    let dir = project(&[]);
    let file = uri(&dir.path().join("rules/demo.icp"));
    let text = "icp demo {\n  require company.headcount_band == \"x\"\n  tier A otherwise\n}\n";
    let mut client = Client::start(dir.path(), &[]);
    client.open(&file, text);
    assert_eq!(client.diagnostics(&file)[0]["code"], "E0004");
    // Declare the field; the modification time moves on (a coarse clock must not hide it).
    let toml = dir.path().join("icp.toml");
    let declared =
        std::fs::read_to_string(&toml).expect("icp.toml") + "headcount_band = \"string\"\n";
    std::fs::write(&toml, declared).expect("write");
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(10);
    std::fs::File::options()
        .write(true)
        .open(&toml)
        .and_then(|f| f.set_modified(later))
        .expect("set the modification time");
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": uri(&toml), "type": 2 }] }),
    );
    let hover = client.request(
        "textDocument/hover",
        at(&file, position(text, "headcount_band", 0)),
    );
    assert!(
        hover["contents"]["value"]
            .as_str()
            .is_some_and(|h| h.contains("custom field")),
        "{hover}"
    );
    assert_eq!(client.last_diagnostics(&file), Some(json!([])));
    assert_eq!(client.shutdown().0, Some(0));

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&toml, std::fs::Permissions::from_mode(0o666)).expect("chmod");
        let mut client = Client::start(dir.path(), &[]);
        client.open(&file, text);
        let message = client.notification();
        assert_eq!(message["method"], "window/showMessage", "{message}");
        let shown = message["params"]["message"].as_str().unwrap_or_default();
        assert!(
            shown.contains("refused") && shown.contains("every user may write it"),
            "{shown}"
        );
        // Checked with the canonical fields: the custom one is unknown again.
        assert_eq!(client.diagnostics(&file)[0]["code"], "E0004");
        assert_eq!(client.shutdown().0, Some(0));
    }
}
