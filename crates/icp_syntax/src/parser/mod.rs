//! From source text to the AST.
//!
//! How it works: `grammar.pest` is compiled by `pest_derive` into a PEG parser. A syntax error
//! becomes one `E0001` diagnostic at the furthest position pest reached, with the tokens it
//! expected in readable words. A successful parse tree is turned into the AST by one builder
//! function per grammar rule, named after the rule; keyword tokens are skipped by
//! [`children`]. Literals are decoded here (`10M`, `6mo`, dates, string escapes) and a literal
//! that cannot be decoded is an `E0002` diagnostic. Finally the comments are recovered from the
//! source (every `#` outside a string or regex literal) for the formatter.
//!
//! The files: [`limits`] refuses input too deeply nested or too long before pest sees it;
//! [`syntax_error`](mod@syntax_error) words the `E0001` diagnostic; [`items`] builds items
//! and statements, [`expr`] expressions, [`literals`] names and literals; [`trivia`] finds
//! where a node's last token ends and recovers the comments.

use icp_diagnostics::{Code, Diagnostic, FileId, Span};
use pest::Parser as _;
use pest::iterators::Pair;

use crate::ast::*;

/// Takes the next child; the grammar guarantees it exists, so a miss is a bug in this parser.
macro_rules! next {
    ($iter:expr) => {
        $iter.next().expect("the grammar guarantees this child")
    };
}

mod expr;
mod items;
mod limits;
mod literals;
mod syntax_error;
mod trivia;

pub use limits::{MAX_NESTING, MAX_OPERATORS};

use limits::{too_big, too_big_diagnostic};
use syntax_error::syntax_error;
use trivia::{find_comments, token_end};

#[derive(pest_derive::Parser)]
#[grammar = "grammar.pest"]
struct Grammar;

/// Parses one source file. On failure returns the diagnostics (a syntax error stops at the
/// first error; literal errors are all reported).
pub fn parse(file: FileId, source: &str) -> Result<File, Vec<Diagnostic>> {
    if let Some(why) = too_big(source) {
        return Err(vec![too_big_diagnostic(file, source, why)]);
    }
    let mut pairs = match Grammar::parse(Rule::file, source) {
        Ok(pairs) => pairs,
        Err(err) => return Err(vec![syntax_error(file, source, &err)]),
    };
    let Some(root) = pairs.next() else {
        return Err(vec![Diagnostic::new(
            Code::SYNTAX,
            "empty parse",
            Span::new(file, 0, 0),
        )]);
    };
    let mut builder = Builder {
        file,
        diagnostics: Vec::new(),
        literal_spans: Vec::new(),
    };
    let items = children(root).map(|p| builder.item(p)).collect();
    if !builder.diagnostics.is_empty() {
        return Err(builder.diagnostics);
    }
    let comments = find_comments(file, source, &builder.literal_spans);
    Ok(File {
        file,
        items,
        comments,
    })
}

/// Parses a single expression (used by tests and tools).
pub fn parse_expr(file: FileId, source: &str) -> Result<Expr, Vec<Diagnostic>> {
    if let Some(why) = too_big(source) {
        return Err(vec![too_big_diagnostic(file, source, why)]);
    }
    let pairs =
        Grammar::parse(Rule::expr, source).map_err(|err| vec![syntax_error(file, source, &err)])?;
    let mut builder = Builder {
        file,
        diagnostics: Vec::new(),
        literal_spans: Vec::new(),
    };
    let mut result = None;
    for pair in pairs {
        result = Some(builder.expr(pair));
    }
    let end = result.as_ref().map_or(0, |e: &Expr| e.span.end as usize);
    if end < source.trim_end().len() {
        return Err(vec![Diagnostic::new(
            Code::SYNTAX,
            "unexpected text after the expression",
            Span::new(file, end, source.len()),
        )]);
    }
    match result {
        Some(expr) if builder.diagnostics.is_empty() => Ok(expr),
        _ => Err(builder.diagnostics),
    }
}

/// The rules of keywords and punctuation, which the AST does not keep.
fn is_keyword(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::kw_let
            | Rule::kw_persona
            | Rule::kw_when
            | Rule::kw_icp
            | Rule::kw_test
            | Rule::kw_require
            | Rule::kw_exclude
            | Rule::kw_score
            | Rule::kw_group
            | Rule::kw_max
            | Rule::kw_tier
            | Rule::kw_top
            | Rule::kw_company
            | Rule::kw_contact
            | Rule::kw_contacts
            | Rule::kw_signal
            | Rule::kw_expect
            | Rule::kw_best
            | Rule::kw_or
            | Rule::kw_and
            | Rule::kw_not
            | Rule::kw_in
            | Rule::kw_has
            | Rule::kw_any
            | Rule::kw_all
            | Rule::kw_every
            | Rule::kw_count
            | Rule::kw_where
            | Rule::kw_contains
            | Rule::kw_starts
            | Rule::kw_with
            | Rule::kw_matches
            | Rule::kw_between
            | Rule::kw_is
            | Rule::kw_missing
            | Rule::kw_present
            | Rule::assign
            | Rule::colon
            | Rule::comma
            | Rule::lparen
            | Rule::rparen
            | Rule::lbracket
            | Rule::rbracket
            | Rule::lbrace
            | Rule::rbrace
            | Rule::EOI
    )
}

/// The meaningful children of a pair: keywords, punctuation and end of input are skipped.
fn children(pair: Pair<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
    pair.into_inner().filter(|p| !is_keyword(p.as_rule()))
}

/// Turns a parse tree into the AST, collecting the diagnostics of literals that cannot be
/// decoded and the spans of string and regex literals (inside which `#` is no comment).
struct Builder {
    file: FileId,
    diagnostics: Vec<Diagnostic>,
    /// Spans of string and regex literals, inside which `#` is not a comment.
    literal_spans: Vec<(usize, usize)>,
}

impl Builder {
    /// The span of a pair without the white space and comments pest consumes after its last
    /// token (a rule ending in an optional or repeated part swallows them).
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        Span::new(self.file, s.start(), token_end(pair))
    }

    fn error(&mut self, code: Code, message: impl Into<String>, span: Span, help: &str) {
        let mut d = Diagnostic::new(code, message, span);
        if !help.is_empty() {
            d = d.with_help(help);
        }
        self.diagnostics.push(d);
    }
}
