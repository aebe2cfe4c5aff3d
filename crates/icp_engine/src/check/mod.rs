//! The checker: from the AST of every file of a rule set to one typed [`RuleSet`].
//!
//! How it works, in four passes:
//! 1. **Declare**: every `let`, `persona` and `icp` name goes into one global namespace (and
//!    every test label into another); a second definition is `E0009`.
//! 2. **Resolve and type** lets and personas on demand, memoised, so definitions may come in
//!    any order and in any file; a let that reaches itself is `E0015`. Expressions are checked
//!    in a context that says whether a contact is in scope (inside a quantifier or persona) and
//!    whether `score` is allowed (tier conditions only).
//! 3. **ICPs and tests**: statements are checked and lowered into [`ir`] structures; the static
//!    max and min score are computed; test literals become [`Value`]s.
//! 4. **Lints**: tiers that can never match, tiers after `otherwise`, constant conditions,
//!    unused lets and personas, `every contact` unguarded against zero contacts, tests without
//!    expectations, duplicate score labels. Passes 3 and 4 interleave: a condition is linted as
//!    soon as it is typed, an ICP as soon as its score range is known, and unused definitions
//!    are looked for last.
//!
//! A rule set is returned only when there is no error; warnings never block.
//!
//! Checking costs time linear in the rule text: a let or persona is checked once and every use
//! is an index to it, never a copy, and the lints look through a let by facts worked out once
//! when it is resolved (`lints::LetFacts`), so a let used twice by the next one, 64 levels
//! deep, is 64 steps, not 2^64.
//!
//! One `Checker` carries the whole check; its methods are spread over one file per concern:
//!
//! - `names`: pass 1 (declarations) and name resolution: identifiers, `company.…` and
//!   `contact.…` paths, lets and personas resolved on demand with memo and cycle detection,
//!   and [`did_you_mean`] for suggestions;
//! - `expr`: expression typing: literals, lists, `not`/`and`/`or` chains, quantifiers,
//!   `between`, `is present`, and whole conditions;
//! - `operators`: comparisons, arithmetic and regexes;
//! - `calls`: builtin functions and plugin signal calls (arguments checked against the
//!   signal's declaration, each distinct call interned once);
//! - `icp`: ICP bodies (metadata, clauses, scores, groups, tiers) and their static score
//!   range;
//! - `test_block`: `test` blocks: records, signal values and expectations;
//! - `vocabulary`: `region("…")` and constants outside a categorical field's vocabulary;
//! - `lints`: the warnings, one family per file.
//!
//! Everything is reported into one list of diagnostics and checking goes on after an error:
//! an expression that failed becomes a placeholder typed `Error` (`error_expr`) that no later
//! check reports on again, so a mistake is reported where it is and not again by every
//! expression around it.
//!
//! [`RuleSet`]: ir::RuleSet

mod calls;
mod decay;
mod expr;
mod icp;
mod lints;
mod list_files;
mod names;
mod operators;
mod ordered;
mod relative;
mod test_block;
mod vocabulary;

use std::collections::HashMap;

use icp_diagnostics::{Code, Diagnostic, SourceMap, Span};
use icp_syntax::ast;

use crate::ir::{self, Expr, ExprKind};
use crate::schema::{Schema, SignalCatalog, Type, Value};

use names::{Def, State};

pub use names::did_you_mean;

/// What checking a rule set produced: the rule set when there was no error, and every
/// diagnostic (errors and warnings), sorted by position.
#[derive(Debug)]
pub struct CheckResult {
    pub rules: Option<ir::RuleSet>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Checks the parsed files of one rule set against a schema and a signal catalogue.
pub fn check(
    files: &[ast::File],
    sources: &SourceMap,
    schema: &Schema,
    signals: &SignalCatalog,
) -> CheckResult {
    let mut checker = Checker::new(sources, schema, signals);
    checker.declare(files);
    let rules = checker.run(files);
    let mut diagnostics = checker.diags;
    icp_diagnostics::sort(&mut diagnostics);
    let has_errors = diagnostics.iter().any(Diagnostic::is_error);
    CheckResult {
        rules: if has_errors { None } else { Some(rules) },
        diagnostics,
    }
}

/// Where an expression is being checked.
#[derive(Debug, Clone, Copy, Default)]
struct Ctx {
    /// A contact is in scope: inside a quantifier body or a persona.
    contact: bool,
    /// `score` may be used: a tier condition.
    tier: bool,
}

/// The state of one check: the inputs, the diagnostics so far, the declarations of pass 1 with
/// their resolution state, and what the rule set interns (signal calls, regexes).
struct Checker<'a> {
    sources: &'a SourceMap,
    schema: &'a Schema,
    catalog: &'a SignalCatalog,
    diags: Vec<Diagnostic>,
    names: HashMap<&'a str, (Def, Span)>,
    lets: Vec<&'a ast::Let>,
    personas: Vec<&'a ast::Persona>,
    icps: Vec<&'a ast::Icp>,
    tests: Vec<&'a ast::Test>,
    let_state: Vec<State<ir::LetDef>>,
    /// What the lints know of each resolved let (`None` until it is resolved).
    let_facts: Vec<Option<lints::LetFacts>>,
    persona_state: Vec<State<ir::PersonaDef>>,
    let_used: Vec<bool>,
    persona_used: Vec<bool>,
    signal_calls: Vec<ir::SignalCall>,
    regexes: Vec<ir::Regex>,
    /// The list files read (`lines`, `csv_column`), each once.
    list_files: list_files::ListFileCache,
    /// Their paths, in the order first used.
    list_paths: Vec<std::path::PathBuf>,
    /// The relative thresholds, each distinct one once.
    relatives: Vec<ir::Relative>,
    /// The constant lists named by a call (`region`, `lines`, `csv_column`).
    named_lists: Vec<ir::NamedList>,
    /// The ICP whose tiers are being checked (for `top`).
    tier_icp: usize,
}

impl<'a> Checker<'a> {
    fn new(sources: &'a SourceMap, schema: &'a Schema, catalog: &'a SignalCatalog) -> Self {
        Checker {
            sources,
            schema,
            catalog,
            diags: Vec::new(),
            names: HashMap::new(),
            lets: Vec::new(),
            personas: Vec::new(),
            icps: Vec::new(),
            tests: Vec::new(),
            let_state: Vec::new(),
            let_facts: Vec::new(),
            persona_state: Vec::new(),
            let_used: Vec::new(),
            persona_used: Vec::new(),
            signal_calls: Vec::new(),
            regexes: Vec::new(),
            list_files: HashMap::new(),
            list_paths: Vec::new(),
            relatives: Vec::new(),
            named_lists: Vec::new(),
            tier_icp: 0,
        }
    }

    fn error(&mut self, code: Code, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        self.diags.push(Diagnostic::new(code, message, span));
        let last = self.diags.len() - 1;
        &mut self.diags[last]
    }

    fn report(&mut self, diagnostic: Diagnostic) {
        self.diags.push(diagnostic);
    }

    fn text(&self, span: Span) -> String {
        normalize_space(self.sources.slice(span))
    }

    /// Short source text of an expression for messages.
    fn show(&self, span: Span) -> String {
        let text = self.text(span);
        if text.chars().count() > 40 {
            let cut: String = text.chars().take(37).collect();
            format!("{cut}...")
        } else {
            text
        }
    }

    /// Passes 2 to 4: resolves every let and persona, checks every ICP and test, runs the
    /// end-of-set lints and assembles the rule set.
    fn run(&mut self, files: &'a [ast::File]) -> ir::RuleSet {
        let _ = files;
        for i in 0..self.lets.len() {
            self.resolve_let(i);
        }
        for i in 0..self.personas.len() {
            self.resolve_persona(i);
        }
        let icps: Vec<ir::IcpDef> = (0..self.icps.len()).map(|i| self.icp(i)).collect();
        let tests: Vec<ir::TestDef> = (0..self.tests.len())
            .map(|i| self.test(self.tests[i], &icps))
            .collect();
        self.warn_unused();
        let lets = std::mem::take(&mut self.let_state)
            .into_iter()
            .filter_map(|s| match s {
                State::Done(d) => Some(d),
                _ => None,
            })
            .collect();
        let personas = std::mem::take(&mut self.persona_state)
            .into_iter()
            .filter_map(|s| match s {
                State::Done(d) => Some(d),
                _ => None,
            })
            .collect();
        ir::RuleSet {
            schema: self.schema.clone(),
            signals: self.catalog.clone(),
            lets,
            personas,
            icps,
            tests,
            signal_calls: std::mem::take(&mut self.signal_calls),
            regexes: std::mem::take(&mut self.regexes),
            list_files: std::mem::take(&mut self.list_paths),
            relatives: std::mem::take(&mut self.relatives),
            named_lists: std::mem::take(&mut self.named_lists),
        }
    }
}

/// The placeholder for an expression that has been reported: typed [`Type::Error`] so that
/// nothing reports on it again.
fn error_expr(span: Span) -> Expr {
    Expr {
        kind: ExprKind::Const(Value::Bool(false)),
        ty: Type::Error,
        span,
    }
}

/// Whether a constant may be stored in a field or parameter of a type.
fn value_fits(v: &Value, ty: Type) -> bool {
    match (v, ty) {
        (_, Type::Error) => true,
        (Value::List(items), Type::List(elem)) => {
            items.iter().all(|i| Some(i.ty()) == elem.map(Type::Scalar))
        }
        (v, t) => v.ty() == t,
    }
}

/// Collapses runs of white space (labels of multi-line conditions).
fn normalize_space(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
