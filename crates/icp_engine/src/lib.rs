//! The engine of `icp`: the lead schema, the checker and the typed IR it produces.
//!
//! How it works: [`compile`] parses every file of a [`SourceMap`] with `icp_syntax` (files in
//! parallel), then
//! [`check()`] resolves names and types against a [`Schema`] and a [`SignalCatalog`] and lowers
//! the rule set into [`ir::RuleSet`], the form the evaluator consumes. Problems are returned
//! as diagnostics; nothing here prints.

pub mod batch;
pub mod check;
pub mod eval;
pub mod explain;
pub mod ir;
pub mod lead;
pub mod plan;
pub mod relative;
pub mod result;
pub mod rule_tests;
pub mod schema;
pub mod semantics;
pub mod vocab;

use icp_diagnostics::{Diagnostic, SourceMap};
use icp_syntax::ast;

pub use check::{CheckResult, check, did_you_mean};
pub use schema::{
    Entity, FieldDef, FieldId, FieldKind, ParamDecl, Scalar, Schema, SchemaError, SignalCatalog,
    SignalDecl, SignalId, Type, Value, format_number, whole_number,
};

/// The outcome of compiling a rule set: its files' ASTs (those that parsed), the checked rule
/// set when there is no error anywhere, and every diagnostic sorted by position.
#[derive(Debug)]
pub struct Compiled {
    pub files: Vec<ast::File>,
    pub rules: Option<ir::RuleSet>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Compiled {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parses and checks every file of `sources` as one rule set. When a file does not parse, the
/// others are still parsed so all syntax errors are reported, but the set is not checked
/// (names it defines would be missing and give misleading errors).
pub fn compile(sources: &SourceMap, schema: &Schema, signals: &SignalCatalog) -> Compiled {
    use rayon::prelude::*;
    let inputs: Vec<_> = sources.files().collect();
    let parsed: Vec<_> = inputs
        .par_iter()
        .map(|(id, file)| icp_syntax::parse(*id, file.text()))
        .collect();
    let mut files = Vec::new();
    let mut diagnostics = Vec::new();
    for result in parsed {
        match result {
            Ok(ast) => files.push(ast),
            Err(errors) => diagnostics.extend(errors),
        }
    }
    if !diagnostics.is_empty() {
        icp_diagnostics::sort(&mut diagnostics);
        return Compiled {
            files,
            rules: None,
            diagnostics,
        };
    }
    let result = check(&files, sources, schema, signals);
    Compiled {
        files,
        rules: result.rules,
        diagnostics: result.diagnostics,
    }
}
