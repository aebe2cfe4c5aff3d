//! The canonical layout of `.icp` source (`icp fmt`).
//!
//! How it works: [`format`] walks the AST once and prints it through a small line writer of
//! its own (no general pretty-printing algorithm: the layout rules are few and specific).
//!
//! - **Layout.** Every statement is first tried on one line. A statement with a condition
//!   (`let … =`, `persona … when`, `score … when`, `require`, …) that does not fit in
//!   [`FORMAT_WIDTH`] columns breaks after its keyword with a 4-space continuation indent if
//!   the condition then fits; a condition that is an `and`/`or` chain and still does not fit
//!   is broken before each of its top-level operators; anything else keeps to the statement
//!   line and breaks inside: lists, call arguments and test records one element per line with
//!   a trailing comma, parentheses around their content, quantifier bodies after `where` (by
//!   the same rules as a condition). Runs of `score` lines are aligned. Numbers, dates,
//!   durations and points are copied from the source as written; strings are re-escaped.
//! - **Comments** are not in the tree: the parser lists them with their positions. The printer
//!   holds a cursor into that list and takes comments at *slots*, the places of the layout
//!   where a comment can stand: on its own lines before an item, statement, list element,
//!   argument, record field or chain operand, or before a closing `}`/`]`/`)`; or at the end
//!   of the line after one of them (a comment is taken there when it was on the same source
//!   line, with nothing but a comma in between). A list, record, call, parenthesis or chain
//!   that contains a comment is always broken, so its slots exist. Because comments are only
//!   taken from the cursor, in order, none is ever lost, duplicated or reordered.
//! - A comment at a place with no slot (inside `a >= # …` for instance) would come out after
//!   code that followed it. Each statement is therefore printed as a trial: if a comment was
//!   taken late, or is left over, the trial is undone and every comment up to that one is
//!   printed on its own lines just before the statement, then the statement is printed again.
//! - **Blank lines** between statements, and between comments and code, are kept (at most
//!   one), except right after `{` and right before `}`; an `icp` or `test` block has one blank
//!   line before and after it, while lets and personas keep the source's choice so related
//!   definitions can stay together.
//!
//! Everything the printer decides depends only on the tree, the comments and where the source
//! had blank lines, so formatting its own output again changes nothing.

mod comments;
mod expr;
mod flat;
mod items;
mod source;
mod writer;

use crate::ast::*;

/// The column limit of the canonical layout.
pub const FORMAT_WIDTH: usize = 100;

/// Indentation of the statements of a block, per level.
const BLOCK_INDENT: usize = 2;
/// Indentation of a continuation line, of list elements and call arguments.
const CONTINUATION: usize = 4;

/// Prints `file` (the parsed AST of `source`) in the canonical layout, keeping every comment.
pub fn format(file: &File, source: &str) -> String {
    let mut comments: Vec<Remark<'_>> = file
        .comments
        .iter()
        .map(|c| Remark {
            start: c.span.start as usize,
            end: c.span.end as usize,
            text: c.text.as_str(),
        })
        .collect();
    comments.sort_by_key(|c| c.start);
    let mut printer = Printer {
        src: source,
        comments,
        cursor: 0,
        out: String::new(),
        line_start: 0,
        pending: None,
        line_indent: 0,
        line_has_comment: false,
        want_blank: false,
        last_code: 0,
        misplaced: None,
    };
    printer.items(&file.items);
    printer.finish()
}

/// A comment of the source: where it starts and ends, and its text.
#[derive(Debug, Clone, Copy)]
struct Remark<'a> {
    start: usize,
    end: usize,
    text: &'a str,
}

/// What [`Printer::restore`] needs to undo a trial print.
#[derive(Debug, Clone, Copy)]
struct Snapshot {
    len: usize,
    line_start: usize,
    pending: Option<usize>,
    line_indent: usize,
    line_has_comment: bool,
    want_blank: bool,
    cursor: usize,
    last_code: usize,
}

#[derive(Debug)]
struct Printer<'a> {
    src: &'a str,
    comments: Vec<Remark<'a>>,
    /// The next comment to print; all before it are printed.
    cursor: usize,
    out: String,
    /// Byte offset in `out` where the current line starts.
    line_start: usize,
    /// Indentation not yet written on the current (empty) line.
    pending: Option<usize>,
    line_indent: usize,
    /// The current line ends with a comment: any more code needs a new line.
    line_has_comment: bool,
    /// The next line break leaves one blank line.
    want_blank: bool,
    /// Source offset just past the last code printed; a comment before it is out of place.
    last_code: usize,
    /// Index of the last comment taken out of place during the current statement.
    misplaced: Option<usize>,
}
