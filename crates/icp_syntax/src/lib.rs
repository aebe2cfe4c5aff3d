//! The icp rule language: grammar, AST, parser and formatter.
//!
//! How it works: [`parse`] turns one source file into an [`ast::File`] (or diagnostics);
//! [`format()`] prints an AST back in the one canonical layout, keeping comments. Nothing
//! here knows about fields, types or plugins: that is the checker's job in `icp_engine`.

pub mod ast;
mod format;
mod parser;

pub use format::{FORMAT_WIDTH, format};
pub use parser::{MAX_NESTING, MAX_OPERATORS, parse, parse_expr};
