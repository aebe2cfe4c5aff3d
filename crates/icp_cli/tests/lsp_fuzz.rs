//! `icp lsp` never crashes on what an editor may send: random edits (random text with
//! multi-byte characters, at random positions, some past the end or inside a surrogate
//! pair) interleaved with hover, completion, definition and formatting requests at random
//! positions. Every request is answered without an error, the session ends with exit code
//! 0, and the server's text is the client's: the last diagnostics published are those
//! `icp_engine::compile` gives for the text the client holds (codes, messages and UTF-16
//! ranges), and formatting gives what `icp_syntax::format` gives for it. The document is
//! outside any project, so it is checked alone against the canonical schema.
//!
//! The client applies each range edit with the protocol's rules (a position past a line's
//! end is the line's end, a line past the last is the end of the text, a column inside a
//! surrogate pair is the character's start), independently of the server's code.

#[path = "lsp/client.rs"]
mod client;
mod common;

use client::{Client, uri};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Non-ASCII text before the code on most lines, so that edits after it land where bytes,
/// characters and UTF-16 units all differ.
const START: &str = "let big = company.name == \"Ünïcödé 𝄞\" or company.employees > 100\n\nicp demo \"Démo 𝄞\" {\n  require big and company.city in [\"Zürich\", \"東京\"] and company.employees > 5\n  score 5 \"𝄞x\" when funding.raised_within(90d)\n  tier A otherwise\n}\n\ntest \"tëst 𝄞\" {\n  company { name: \"Ünï\", employees: 200 }\n  expect demo tier A\n}\n";

/// Pieces of text edits are made of: names, punctuation, keywords and multi-byte characters.
const PIECES: &[&str] = &[
    "company.",
    "contact.",
    "funding.",
    "big",
    "demo",
    "expect ",
    "tier ",
    "{",
    "}",
    "(",
    ")",
    "\"",
    "#",
    "\n",
    " ",
    "é",
    "𝄞",
    "日本",
    "let x = ",
    "matches /a",
    "/",
    ":",
    ",",
    "1M",
    "90d",
    "when ",
    "and ",
    "\\",
];

#[derive(Debug, Clone)]
enum Op {
    Edit {
        start: (u32, u32),
        end: (u32, u32),
        text: String,
    },
    Whole(String),
    Ask {
        method: usize,
        at: (u32, u32),
    },
}

fn position() -> impl Strategy<Value = (u32, u32)> {
    (0u32..13, 0u32..80)
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..6).prop_map(|p| p.concat())
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        12 => (position(), position(), text()).prop_map(|(start, end, text)| Op::Edit { start, end, text }),
        1 => text().prop_map(Op::Whole),
        4 => (0usize..4, position()).prop_map(|(method, at)| Op::Ask { method, at }),
    ]
}

/// The byte offset of a position, by the protocol's rules.
fn offset(text: &str, (line, character): (u32, u32)) -> usize {
    let mut start = 0;
    for _ in 0..line {
        match text[start..].find('\n') {
            Some(n) => start += n + 1,
            None => return text.len(),
        }
    }
    let end = text[start..].find('\n').map_or(text.len(), |n| start + n);
    let mut units = 0;
    for (i, c) in text[start..end].char_indices() {
        if units + c.len_utf16() > character as usize {
            return start + i;
        }
        units += c.len_utf16();
    }
    end
}

/// The UTF-16 position of a byte offset, counted afresh.
fn utf16_position(text: &str, offset: usize) -> Value {
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |n| n + 1);
    json!({
        "line": before.matches('\n').count(),
        "character": before[line_start..].encode_utf16().count(),
    })
}

/// Code, first line of the message and range of each diagnostic the checker gives `text`.
fn expected_diagnostics(text: &str) -> Vec<Value> {
    let mut sources = icp_diagnostics::SourceMap::new();
    sources.add("demo.icp", text.to_string());
    let compiled = icp_engine::compile(
        &sources,
        &icp_engine::Schema::canonical(),
        &icp_engine::SignalCatalog::new(),
    );
    compiled
        .diagnostics
        .iter()
        .map(|d| {
            let span = d.span();
            json!({
                "code": d.code.as_str(),
                "message": d.message.lines().next().unwrap_or(""),
                "start": utf16_position(text, span.start as usize),
                "end": utf16_position(text, span.end as usize),
            })
        })
        .collect()
}

/// The same of the published diagnostics.
fn summary(published: &Value) -> Vec<Value> {
    published
        .as_array()
        .expect("a list")
        .iter()
        .map(|d| {
            json!({
                "code": d["code"],
                "message": d["message"].as_str().unwrap_or("").lines().next().unwrap_or(""),
                "start": d["range"]["start"],
                "end": d["range"]["end"],
            })
        })
        .collect()
}

fn json_position((line, character): (u32, u32)) -> Value {
    json!({ "line": line, "character": character })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn random_edits_and_requests_never_crash_the_server(ops in prop::collection::vec(op(), 1..40)) {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = uri(&dir.path().join("demo.icp"));
        let mut client = Client::start(dir.path(), &[]);
        client.open(&file, START);
        let mut model = START.to_string();
        for (version, op) in ops.into_iter().enumerate() {
            match op {
                Op::Edit { start, end, text } => {
                    let from = offset(&model, start);
                    let to = offset(&model, end).max(from);
                    model.replace_range(from..to, &text);
                    client.notify("textDocument/didChange", json!({
                        "textDocument": { "uri": file, "version": version + 2 },
                        "contentChanges": [{
                            "range": { "start": json_position(start), "end": json_position(end) },
                            "text": text,
                        }],
                    }));
                }
                Op::Whole(text) => {
                    model = text.clone();
                    client.change(&file, version as i64 + 2, &text);
                }
                Op::Ask { method, at } => {
                    let method = ["textDocument/hover", "textDocument/completion",
                        "textDocument/definition", "textDocument/formatting"][method];
                    let params = json!({
                        "textDocument": { "uri": file },
                        "position": json_position(at),
                        "options": { "tabSize": 2, "insertSpaces": true },
                    });
                    let response = client.request_raw(method, params);
                    prop_assert!(response.get("error").is_none(), "{method}: {response}");
                }
            }
        }
        let edits = client.request("textDocument/formatting", json!({
            "textDocument": { "uri": file },
            "options": { "tabSize": 2, "insertSpaces": true },
        }));
        let published = client.last_diagnostics(&file).expect("diagnostics published");
        prop_assert_eq!(summary(&published), expected_diagnostics(&model));
        let expected = match icp_syntax::parse(icp_diagnostics::FileId(0), &model) {
            Ok(ast) => icp_syntax::format(&ast, &model),
            Err(_) => model.clone(),
        };
        let formatted = match edits.as_array().map(Vec::as_slice) {
            Some([]) => model.clone(),
            Some([edit]) => edit["newText"].as_str().unwrap_or_default().to_string(),
            _ => panic!("unexpected edits {edits}"),
        };
        prop_assert_eq!(formatted, expected);
        let (code, stderr) = client.shutdown();
        prop_assert_eq!(code, Some(0), "{}", stderr);
    }
}
