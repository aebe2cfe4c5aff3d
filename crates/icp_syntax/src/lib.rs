//! The icp rule language: grammar, AST, parser and formatter.
//!
//! How it works: [`parse`] turns one source file into an [`ast::File`] (or diagnostics);
//! [`format()`] prints an AST back in the one canonical layout, keeping comments. Nothing
//! here knows about fields, types or plugins: that is the checker's job in `icp_engine`.
//! A bidirectional control character anywhere in a file is an error of its own (the
//! `text_direction` module), reported with the parser's.

pub mod ast;
mod format;
mod parser;
mod text_direction;

use icp_diagnostics::{Diagnostic, FileId};

pub use format::{FORMAT_WIDTH, format};
pub use parser::{MAX_NESTING, MAX_OPERATORS, parse_expr};

/// Parses one source file. On failure returns the diagnostics: the first syntax error, or
/// every literal error, and every line holding a bidirectional control character (`E0020`).
pub fn parse(file: FileId, source: &str) -> Result<ast::File, Vec<Diagnostic>> {
    let controls = text_direction::bidi_controls(file, source);
    match parser::parse(file, source) {
        Ok(ast) if controls.is_empty() => Ok(ast),
        Ok(_) => Err(controls),
        Err(mut diagnostics) => {
            diagnostics.extend(controls);
            Err(diagnostics)
        }
    }
}
