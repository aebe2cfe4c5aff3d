//! The formatter on every real rule file: `rules/` is already formatted, and formatting any
//! file of `rules/` or `tests/` that parses is idempotent and keeps its meaning and comments.

use icp_diagnostics::FileId;
use icp_tests::{icp_files, workspace};

fn ast_json(text: &str) -> serde_json::Value {
    let ast = icp_syntax::parse(FileId(0), text).expect("parses");
    serde_json::to_value(&ast.items).expect("serialisable")
}

#[test]
fn rules_are_formatted() {
    let mut unformatted = Vec::new();
    for path in icp_files(&workspace().join("rules")) {
        let text = std::fs::read_to_string(&path).expect("readable");
        let ast = icp_syntax::parse(FileId(0), &text).expect("rules/ files parse");
        if icp_syntax::format(&ast, &text) != text {
            unformatted.push(path.display().to_string());
        }
    }
    assert!(
        unformatted.is_empty(),
        "run `icp fmt`; not formatted: {unformatted:?}"
    );
}

#[test]
fn formatting_is_idempotent_and_keeps_meaning_and_comments() {
    let mut files = icp_files(&workspace().join("rules"));
    files.extend(icp_files(&workspace().join("tests")));
    files.extend(icp_files(&workspace().join("crates/icp_syntax/tests")));
    let mut checked = 0;
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable");
        let Ok(ast) = icp_syntax::parse(FileId(0), &text) else {
            continue;
        };
        let once = icp_syntax::format(&ast, &text);
        let reparsed = icp_syntax::parse(FileId(0), &once).unwrap_or_else(|d| {
            panic!(
                "{}: formatted output does not parse: {d:?}\n{once}",
                path.display()
            )
        });
        let twice = icp_syntax::format(&reparsed, &once);
        assert_eq!(
            once,
            twice,
            "{}: formatting is not idempotent",
            path.display()
        );
        assert_eq!(
            ast_json(&text),
            ast_json(&once),
            "{}: formatting changed the meaning",
            path.display()
        );
        let comments = |a: &icp_syntax::ast::File| {
            a.comments
                .iter()
                .map(|c| c.text.clone())
                .collect::<Vec<_>>()
        };
        let mut before = comments(&ast);
        let mut after = comments(&reparsed);
        before.sort();
        after.sort();
        assert_eq!(
            before,
            after,
            "{}: comments lost or changed",
            path.display()
        );
        checked += 1;
    }
    assert!(checked > 10, "only {checked} files checked");
}
