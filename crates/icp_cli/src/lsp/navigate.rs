//! Go to definition and format document.
//!
//! How it works: the name under the cursor (from the document's tokens) is looked up among the
//! project's definitions — lets, personas and ICPs, in any of its files, open or not — and
//! each is answered with the place of its name. An ICP name is found where it is used too: in
//! a test's `expect NAME …`. Formatting parses the document alone and prints it with
//! `icp_syntax::format`, the formatter of `icp fmt`; the answer is one edit replacing the
//! whole text, or none when the text is already formatted or does not parse (a document
//! being typed is not an error).

use icp_diagnostics::FileId;
use lsp_types::{Location, TextEdit};

use super::diagnostics::location;
use super::lexer;
use super::text::LineIndex;
use super::workspace::View;

/// The definitions of the name at byte `offset`.
pub fn definition(view: &View<'_>, offset: usize) -> Vec<Location> {
    let tokens = lexer::tokens(view.text);
    let Some(token) = lexer::name_at(&tokens, offset) else {
        return Vec::new();
    };
    let name = token.text(view.text);
    if name.contains('.') {
        return Vec::new();
    }
    view.analysis
        .lookup(name)
        .filter_map(|symbol| {
            let (start, end) = symbol.name_range;
            location(
                view.analysis,
                symbol.file,
                u32::try_from(start).ok()?,
                u32::try_from(end).ok()?,
            )
        })
        .collect()
}

/// The edits that format `text` as `icp fmt` does: none when it is formatted or does not
/// parse.
pub fn format(text: &str) -> Vec<TextEdit> {
    let Ok(ast) = icp_syntax::parse(FileId(0), text) else {
        return Vec::new();
    };
    let formatted = icp_syntax::format(&ast, text);
    if formatted == text {
        return Vec::new();
    }
    let index = LineIndex::new(text);
    vec![TextEdit {
        range: index.range(text, 0, text.len()),
        new_text: formatted,
    }]
}
