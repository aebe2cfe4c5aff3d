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
//!    expectations, duplicate score labels.
//!
//! A rule set is returned only when there is no error; warnings never block.

use std::collections::HashMap;

use icp_diagnostics::{Code, Diagnostic, SourceMap, Span};
use icp_syntax::ast;

use crate::ir::{self, Builtin, CmpOp, Expr, ExprKind, HasKind, LetId, PersonaId};
use crate::schema::{Entity, Scalar, Schema, SignalCatalog, Type, Value, format_number};

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

#[derive(Debug, Clone, Copy)]
enum Def {
    Let(usize),
    Persona(usize),
    Icp,
}

enum State<T> {
    Pending,
    InProgress,
    Done(T),
}

/// Where an expression is being checked.
#[derive(Debug, Clone, Copy, Default)]
struct Ctx {
    /// A contact is in scope: inside a quantifier body or a persona.
    contact: bool,
    /// `score` may be used: a tier condition.
    tier: bool,
}

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
    persona_state: Vec<State<ir::PersonaDef>>,
    let_used: Vec<bool>,
    persona_used: Vec<bool>,
    signal_calls: Vec<ir::SignalCall>,
    regexes: Vec<ir::Regex>,
}

const FUNCTIONS: [&str; 4] = ["len", "lower", "days_since", "year"];

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
            persona_state: Vec::new(),
            let_used: Vec::new(),
            persona_used: Vec::new(),
            signal_calls: Vec::new(),
            regexes: Vec::new(),
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

    // ---------------------------------------------------------------- pass 1: declare

    fn declare(&mut self, files: &'a [ast::File]) {
        let mut test_labels: HashMap<&'a str, Span> = HashMap::new();
        for file in files {
            for item in &file.items {
                let (name, def) = match item {
                    ast::Item::Let(l) => {
                        self.lets.push(l);
                        self.let_state.push(State::Pending);
                        self.let_used.push(false);
                        (&l.name, Def::Let(self.lets.len() - 1))
                    }
                    ast::Item::Persona(p) => {
                        self.personas.push(p);
                        self.persona_state.push(State::Pending);
                        self.persona_used.push(false);
                        (&p.name, Def::Persona(self.personas.len() - 1))
                    }
                    ast::Item::Icp(i) => {
                        self.icps.push(i);
                        (&i.name, Def::Icp)
                    }
                    ast::Item::Test(t) => {
                        if let Some(first) = test_labels.get(t.label.value.as_str()) {
                            let d = Diagnostic::new(
                                Code::DUPLICATE_NAME,
                                format!("a test named \"{}\" already exists", t.label.value),
                                t.label.span,
                            )
                            .with_label("second test with this label")
                            .with_note_at(*first, "first defined here")
                            .with_help("give every test a unique label");
                            self.report(d);
                        } else {
                            test_labels.insert(&t.label.value, t.label.span);
                        }
                        self.tests.push(t);
                        continue;
                    }
                };
                if let Some((_, first)) = self.names.get(name.name.as_str()) {
                    let d = Diagnostic::new(
                        Code::DUPLICATE_NAME,
                        format!("the name `{}` is defined more than once", name.name),
                        name.span,
                    )
                    .with_label("defined again here")
                    .with_note_at(*first, "first defined here")
                    .with_help(
                        "lets, personas and ICPs share one namespace across all files of the rule set; rename one of them",
                    );
                    self.report(d);
                } else {
                    self.names.insert(&name.name, (def, name.span));
                }
            }
        }
    }

    // ---------------------------------------------------------------- pass 2-4

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
        }
    }

    /// Checks a let (once) and returns its type.
    fn resolve_let(&mut self, index: usize) -> Option<Type> {
        match &self.let_state[index] {
            State::Done(d) => return Some(d.value.ty),
            State::InProgress => return None,
            State::Pending => {}
        }
        self.let_state[index] = State::InProgress;
        let ast = self.lets[index];
        let value = self.expr(&ast.value, Ctx::default());
        let constant = match &value.kind {
            ExprKind::Const(v) => Some(v.clone()),
            _ => None,
        };
        let ty = value.ty;
        self.let_state[index] = State::Done(ir::LetDef {
            name: ast.name.name.clone(),
            value,
            constant,
            span: ast.span,
        });
        Some(ty)
    }

    fn resolve_persona(&mut self, index: usize) -> bool {
        match &self.persona_state[index] {
            State::Done(_) => return true,
            State::InProgress => return false,
            State::Pending => {}
        }
        self.persona_state[index] = State::InProgress;
        let ast = self.personas[index];
        let condition = self.condition(
            &ast.condition,
            Ctx {
                contact: true,
                tier: false,
            },
        );
        let label = ast
            .label
            .as_ref()
            .map_or_else(|| ast.name.name.clone(), |l| l.value.clone());
        self.persona_state[index] = State::Done(ir::PersonaDef {
            name: ast.name.name.clone(),
            label,
            condition,
            span: ast.span,
        });
        true
    }

    /// Unused lets and personas; skipped when there are errors, whose typos would make
    /// definitions look unused.
    fn warn_unused(&mut self) {
        if self.diags.iter().any(Diagnostic::is_error) {
            return;
        }
        for (i, l) in self.lets.clone().into_iter().enumerate() {
            if !self.let_used[i] {
                let d = Diagnostic::new(
                    Code::UNUSED_LET,
                    format!("`{}` is defined but never used", l.name.name),
                    l.name.span,
                )
                .with_help("use it in a condition or remove it");
                self.report(d);
            }
        }
        for (i, p) in self.personas.clone().into_iter().enumerate() {
            if !self.persona_used[i] {
                let d = Diagnostic::new(
                    Code::UNUSED_PERSONA,
                    format!("persona `{}` is defined but never used", p.name.name),
                    p.name.span,
                )
                .with_help(format!(
                    "use it as `any contact where {}` or remove it",
                    p.name.name
                ));
                self.report(d);
            }
        }
    }

    // ---------------------------------------------------------------- ICPs

    fn icp(&mut self, index: usize) -> ir::IcpDef {
        let ast = self.icps[index];
        let mut def = ir::IcpDef {
            name: ast.name.name.clone(),
            label: ast
                .label
                .as_ref()
                .map_or_else(|| ast.name.name.clone(), |l| l.value.clone()),
            product: None,
            version: None,
            owner: None,
            description: None,
            requires: Vec::new(),
            excludes: Vec::new(),
            scores: Vec::new(),
            groups: Vec::new(),
            tiers: Vec::new(),
            max_score: 0.0,
            min_score: 0.0,
            span: ast.span,
        };
        let mut meta_spans: HashMap<ast::MetaKey, Span> = HashMap::new();
        let mut tier_spans: HashMap<String, Span> = HashMap::new();
        let mut tier_ast: Vec<&ast::Tier> = Vec::new();
        for stmt in &ast.body {
            match stmt {
                ast::IcpStmt::Meta(meta) => {
                    if let Some(first) = meta_spans.get(&meta.key) {
                        let d = Diagnostic::new(
                            Code::DUPLICATE_STATEMENT,
                            format!(
                                "`{}` is given twice in ICP `{}`",
                                meta.key.as_str(),
                                def.name
                            ),
                            meta.span,
                        )
                        .with_note_at(*first, "first given here")
                        .with_help("keep one of them");
                        self.report(d);
                        continue;
                    }
                    meta_spans.insert(meta.key, meta.span);
                    let value = Some(meta.value.value.clone());
                    match meta.key {
                        ast::MetaKey::Product => def.product = value,
                        ast::MetaKey::Version => def.version = value,
                        ast::MetaKey::Owner => def.owner = value,
                        ast::MetaKey::Description => def.description = value,
                    }
                }
                ast::IcpStmt::Require(c) => {
                    let clause = self.clause(c, "failed");
                    def.requires.push(clause);
                }
                ast::IcpStmt::Exclude(c) => {
                    let clause = self.clause(c, "excluded");
                    def.excludes.push(clause);
                }
                ast::IcpStmt::Score(s) => {
                    let rule = self.score(s, None);
                    def.scores.push(rule);
                }
                ast::IcpStmt::Group(g) => {
                    let group_index = def.groups.len();
                    if g.max.value <= 0.0 {
                        self.error(
                            Code::INVALID_GROUP,
                            g.max.span,
                            format!("the cap of group \"{}\" must be above zero", g.label.value),
                        )
                        .help = Some(
                            "a group caps the sum of its scores: `group \"intent\" max 30 { … }`"
                                .into(),
                        );
                    }
                    if g.scores.is_empty() {
                        self.error(
                            Code::INVALID_GROUP,
                            g.label.span,
                            format!("group \"{}\" has no scores", g.label.value),
                        )
                        .help = Some(
                            "add `score N \"label\" when …` lines inside it, or remove it".into(),
                        );
                    }
                    def.groups.push(ir::GroupDef {
                        label: g.label.value.clone(),
                        max: g.max.value,
                        span: g.span,
                    });
                    for s in &g.scores {
                        let rule = self.score(s, Some(group_index));
                        def.scores.push(rule);
                    }
                }
                ast::IcpStmt::Tier(t) => {
                    if let Some(first) = tier_spans.get(&t.name.name) {
                        let d = Diagnostic::new(
                            Code::DUPLICATE_STATEMENT,
                            format!(
                                "tier `{}` is declared twice in ICP `{}`",
                                t.name.name, def.name
                            ),
                            t.name.span,
                        )
                        .with_note_at(*first, "first declared here")
                        .with_help("tier names are unique within an ICP");
                        self.report(d);
                    } else {
                        tier_spans.insert(t.name.name.clone(), t.name.span);
                    }
                    let condition = t.condition.as_ref().map(|c| {
                        self.condition(
                            c,
                            Ctx {
                                contact: false,
                                tier: true,
                            },
                        )
                    });
                    tier_ast.push(t);
                    def.tiers.push(ir::TierDef {
                        name: t.name.name.clone(),
                        label: t
                            .condition
                            .as_ref()
                            .map_or_else(|| "otherwise".to_string(), |c| self.text(c.span)),
                        condition,
                        span: t.span,
                    });
                }
            }
        }
        let (min, max) = score_range(&def);
        def.min_score = min;
        def.max_score = max;
        self.lint_icp(&def);
        def
    }

    /// A clause; `verb` says what its reason calls a lead it disqualifies (`failed`,
    /// `excluded`).
    fn clause(&mut self, c: &ast::Clause, verb: &str) -> ir::Clause {
        let condition = self.condition(&c.condition, Ctx::default());
        let label = self.text(c.condition.span);
        ir::Clause {
            reason: format!("{verb}: {label}"),
            unknown: format!("unknown: {label}"),
            label,
            condition,
            span: c.span,
        }
    }

    fn score(&mut self, s: &ast::Score, group: Option<usize>) -> ir::ScoreRule {
        let condition = self.condition(&s.condition, Ctx::default());
        let label = s
            .label
            .as_ref()
            .map_or_else(|| self.text(s.condition.span), |l| l.value.clone());
        ir::ScoreRule {
            points: s.points.value,
            label,
            condition,
            group,
            span: s.span,
        }
    }

    fn lint_icp(&mut self, def: &ir::IcpDef) {
        // Duplicate score labels make explanations ambiguous.
        let mut labels: HashMap<&str, Span> = HashMap::new();
        for s in &def.scores {
            if let Some(first) = labels.get(s.label.as_str()) {
                let d = Diagnostic::new(
                    Code::DUPLICATE_LABEL,
                    format!(
                        "two scores of ICP `{}` are labelled \"{}\"",
                        def.name, s.label
                    ),
                    s.span,
                )
                .with_note_at(*first, "first used here")
                .with_help("explanations list labels; give each score its own");
                self.report(d);
            } else {
                labels.insert(&s.label, s.span);
            }
        }
        // Tiers after `otherwise`, and thresholds above the reachable score.
        let mut otherwise: Option<&ir::TierDef> = None;
        for tier in &def.tiers {
            if let Some(o) = otherwise {
                let d = Diagnostic::new(
                    Code::TIER_AFTER_OTHERWISE,
                    format!(
                        "tier `{}` comes after `tier {} otherwise` and can never be given",
                        tier.name, o.name
                    ),
                    tier.span,
                )
                .with_note_at(o.span, "every lead that reaches the tiers stops here")
                .with_help("tiers are tried in order; put `otherwise` last");
                self.report(d);
                continue;
            }
            match &tier.condition {
                None => otherwise = Some(tier),
                Some(cond) => {
                    if possible(cond, def.min_score, def.max_score) == Some(false) {
                        let d = Diagnostic::new(
                            Code::UNREACHABLE_TIER,
                            format!("tier `{}` can never match", tier.name),
                            cond.span,
                        )
                        .with_label(format!(
                            "scores of `{}` range from {} to {}",
                            def.name,
                            format_number(def.min_score),
                            format_number(def.max_score)
                        ))
                        .with_help(
                            "change the threshold to fall within that range; the maximum counts positive points, each group at most its cap",
                        );
                        self.report(d);
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- tests

    fn test(&mut self, t: &ast::Test, icps: &[ir::IcpDef]) -> ir::TestDef {
        let mut def = ir::TestDef {
            label: t.label.value.clone(),
            company: Vec::new(),
            contacts: Vec::new(),
            signals: Vec::new(),
            expects: Vec::new(),
            span: t.span,
        };
        let mut company_span: Option<Span> = None;
        for stmt in &t.body {
            match stmt {
                ast::TestStmt::Company(record) => {
                    if let Some(first) = company_span {
                        let d = Diagnostic::new(
                            Code::DUPLICATE_STATEMENT,
                            "a test describes one company, but this test has two `company` blocks",
                            record.span,
                        )
                        .with_note_at(first, "first company here")
                        .with_help("merge the fields into one `company { … }` block");
                        self.report(d);
                        continue;
                    }
                    company_span = Some(record.span);
                    def.company = self.record(record, Entity::Company);
                }
                ast::TestStmt::Contact(record) => {
                    let fields = self.record(record, Entity::Contact);
                    def.contacts.push(fields);
                }
                ast::TestStmt::Signal(set) => {
                    if let Some(entry) = self.signal_set(set) {
                        def.signals.push(entry);
                    }
                }
                ast::TestStmt::Expect(e) => {
                    if let Some(exp) = self.expectation(e, icps) {
                        def.expects.push(exp);
                    }
                }
            }
        }
        if !t.body.iter().any(|s| matches!(s, ast::TestStmt::Expect(_))) {
            let d = Diagnostic::new(
                Code::TEST_WITHOUT_EXPECT,
                format!("test \"{}\" checks nothing", def.label),
                t.label.span,
            )
            .with_help(
                "add an expectation such as `expect my_icp tier A` or `expect my_icp qualified`",
            );
            self.report(d);
        }
        def
    }

    fn record(&mut self, record: &ast::Record, entity: Entity) -> Vec<(crate::FieldId, Value)> {
        let mut out: Vec<(crate::FieldId, Value)> = Vec::new();
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for init in &record.fields {
            if let Some(first) = seen.get(init.name.name.as_str()) {
                let d = Diagnostic::new(
                    Code::DUPLICATE_STATEMENT,
                    format!("field `{}` is set twice", init.name.name),
                    init.name.span,
                )
                .with_note_at(*first, "first set here")
                .with_help("keep one value; list fields take a list: `industry: [\"A\", \"B\"]`");
                self.report(d);
                continue;
            }
            seen.insert(&init.name.name, init.name.span);
            let Some(id) = self.field_id(entity, &init.name.name, init.name.span, true) else {
                continue;
            };
            let field_ty = self.schema.field(id).ty;
            let value = self.expr(&init.value, Ctx::default());
            let Some(v) = self.constant(&value, "a test value") else {
                continue;
            };
            if !value_fits(&v, field_ty) {
                let help = if field_ty.is_list() {
                    format!("write a list: `{}: [{}]`", init.name.name, v)
                } else {
                    format!(
                        "`{}.{}` takes a {field_ty}",
                        entity.as_str(),
                        init.name.name
                    )
                };
                self.error(
                    Code::TYPE_MISMATCH,
                    init.value.span,
                    format!(
                        "`{}.{}` is a {field_ty}, but this value is a {}",
                        entity.as_str(),
                        init.name.name,
                        v.ty()
                    ),
                )
                .help = Some(help);
                continue;
            }
            out.push((id, v));
        }
        out
    }

    fn signal_set(&mut self, set: &ast::SignalSet) -> Option<(ir::SignalCallId, Value)> {
        let root = set.path.segments[0].name.as_str();
        if root == "company" || root == "contact" {
            self.error(
                Code::UNKNOWN_SIGNAL,
                set.path.span,
                format!("`{}` is a field, not a signal", set.path.dotted()),
            )
            .help = Some(format!(
                "set fields in the test's `{root} {{ … }}` block, such as `{root} {{ {}: … }}`",
                set.path.segments.get(1).map_or("name", |s| s.name.as_str())
            ));
            return None;
        }
        let call = self.signal(&set.path, set.args.as_deref(), set.span)?;
        let output = self
            .catalog
            .signal(self.signal_calls[call.0 as usize].signal)
            .output;
        let value = self.expr(&set.value, Ctx::default());
        let v = self.constant(&value, "a signal value")?;
        if !value_fits(&v, output) {
            let text = self.signal_calls[call.0 as usize].text.clone();
            self.error(
                Code::TYPE_MISMATCH,
                set.value.span,
                format!("`{text}` gives a {output}, but this value is a {}", v.ty()),
            );
            return None;
        }
        Some((call, v))
    }

    fn expectation(&mut self, e: &ast::Expect, icps: &[ir::IcpDef]) -> Option<ir::Expectation> {
        let icp_name = e.kind.icp();
        let Some(icp) = icps.iter().position(|i| i.name == icp_name.name) else {
            let names: Vec<&str> = icps.iter().map(|i| i.name.as_str()).collect();
            let help = match did_you_mean(&icp_name.name, names.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None if names.is_empty() => "this rule set defines no ICP".to_string(),
                None => format!("the ICPs of this rule set are: {}", names.join(", ")),
            };
            self.error(
                Code::UNKNOWN_ICP,
                icp_name.span,
                format!("there is no ICP named `{}`", icp_name.name),
            )
            .help = Some(help);
            return None;
        };
        let kind = match &e.kind {
            ast::ExpectKind::Tier { tier, .. } => {
                if icps[icp].tier(&tier.name).is_none() {
                    let names: Vec<&str> =
                        icps[icp].tiers.iter().map(|t| t.name.as_str()).collect();
                    let help = match did_you_mean(&tier.name, names.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None if names.is_empty() => {
                            format!("ICP `{}` declares no tiers", icp_name.name)
                        }
                        None => {
                            format!("the tiers of `{}` are: {}", icp_name.name, names.join(", "))
                        }
                    };
                    self.error(
                        Code::UNKNOWN_TIER,
                        tier.span,
                        format!("ICP `{}` has no tier `{}`", icp_name.name, tier.name),
                    )
                    .help = Some(help);
                    return None;
                }
                ir::ExpectationKind::Tier(tier.name.clone())
            }
            ast::ExpectKind::Score { op, value, .. } => {
                let v = self.expr(value, Ctx::default());
                let c = self.constant(&v, "an expected score")?;
                let Value::Number(n) = c else {
                    self.error(
                        Code::TYPE_MISMATCH,
                        value.span,
                        format!("a score is a number, but this is a {}", c.ty()),
                    );
                    return None;
                };
                ir::ExpectationKind::Score(cmp_op(*op), n)
            }
            ast::ExpectKind::Qualified { .. } => ir::ExpectationKind::Qualified,
            ast::ExpectKind::Disqualified { .. } => ir::ExpectationKind::Disqualified,
            ast::ExpectKind::Best { .. } => ir::ExpectationKind::Best,
        };
        Some(ir::Expectation {
            icp,
            kind,
            span: e.span,
        })
    }

    /// The value of a constant expression, or an error naming what needed a constant.
    fn constant(&mut self, e: &Expr, what: &str) -> Option<Value> {
        match &e.kind {
            ExprKind::Const(v) => Some(v.clone()),
            _ if e.ty.is_error() => None,
            _ => {
                self.error(
                    Code::TYPE_MISMATCH,
                    e.span,
                    format!("{what} must be a literal, such as 42, \"text\", 2026-01-15 or [\"a\", \"b\"]"),
                );
                None
            }
        }
    }

    // ---------------------------------------------------------------- expressions

    /// Checks an expression that must be true or false, and lints it as a whole condition.
    fn condition(&mut self, e: &ast::Expr, ctx: Ctx) -> Expr {
        let out = self.expr(e, ctx);
        if !out.ty.is_error() && out.ty != Type::BOOL {
            self.error(
                Code::TYPE_MISMATCH,
                e.span,
                format!(
                    "a condition must be true or false, but `{}` is a {}",
                    self.show(e.span),
                    out.ty
                ),
            )
            .help = Some(
                "compare it, for example `company.employees >= 50` or `company.revenue is present`"
                    .into(),
            );
            return out;
        }
        if !out.ty.is_error() {
            self.lint_condition(&out);
        }
        out
    }

    fn lint_condition(&mut self, e: &Expr) {
        // A condition holding an error has been reported already; its placeholder would look
        // constant.
        if e.any(&mut |n| n.ty.is_error()) {
            return;
        }
        if self.is_constant(e) {
            self.warn_constant(e, "this does not depend on the lead");
        } else {
            self.lint_constant_operands(e);
        }
        let mut unguarded = Vec::new();
        self.find_unguarded_every(e, false, &mut unguarded);
        unguarded.dedup();
        for span in unguarded {
            let d = Diagnostic::new(
                Code::EVERY_OVER_NO_CONTACTS,
                "`every contact where …` is true for a lead with no contacts",
                span,
            )
            .with_help("guard it: `count contacts >= 1 and every contact where …`");
            self.report(d);
        }
    }

    fn warn_constant(&mut self, e: &Expr, label: &str) {
        let d = Diagnostic::new(
            Code::CONSTANT_CONDITION,
            format!("`{}` is the same for every lead", self.show(e.span)),
            e.span,
        )
        .with_label(label)
        .with_help("a condition should read a field, a contact, a signal or the score");
        self.report(d);
    }

    /// Warns on constant operands of `and`, `or` and `not` inside a condition that is not
    /// constant as a whole: `company.employees > 5 and false`.
    fn lint_constant_operands(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::And(a, b) | ExprKind::Or(a, b) => {
                for operand in [a, b] {
                    if self.is_constant(operand) {
                        self.warn_constant(operand, "this operand does not depend on the lead");
                    } else {
                        self.lint_constant_operands(operand);
                    }
                }
            }
            ExprKind::Not(inner) => self.lint_constant_operands(inner),
            _ => {}
        }
    }

    /// True when the expression reads nothing from the lead, the score or the date (looking
    /// through lets).
    fn is_constant(&self, e: &Expr) -> bool {
        !e.any(&mut |node| match &node.kind {
            ExprKind::Field(_)
            | ExprKind::ContactField(_)
            | ExprKind::Persona(_)
            | ExprKind::Signal(_)
            | ExprKind::Score
            | ExprKind::Today
            | ExprKind::AnyContact(_)
            | ExprKind::EveryContact(_)
            | ExprKind::CountContacts(_) => true,
            ExprKind::Let(id) => self.let_value(*id).is_none_or(|v| !self.is_constant(v)),
            _ => false,
        })
    }

    /// The checked value of a let, once it is resolved.
    fn let_value(&self, id: LetId) -> Option<&Expr> {
        match &self.let_state[id.0 as usize] {
            State::Done(d) => Some(&d.value),
            _ => None,
        }
    }

    /// Collects `every contact` nodes (also inside lets) not conjoined with a guard that proves
    /// a contact exists.
    fn find_unguarded_every(&self, e: &Expr, guarded: bool, out: &mut Vec<Span>) {
        match &e.kind {
            ExprKind::EveryContact(_) if !guarded => out.push(e.span),
            ExprKind::And(..) => {
                let mut conjuncts = Vec::new();
                flatten_and(e, &mut conjuncts);
                let guarded = guarded || conjuncts.iter().any(|c| self.proves_contact(c));
                for c in conjuncts {
                    self.find_unguarded_every(c, guarded, out);
                }
            }
            ExprKind::Let(id) => {
                if let Some(value) = self.let_value(*id) {
                    self.find_unguarded_every(value, guarded, out);
                }
            }
            // `not every …` is false for no contacts, which is the cautious answer.
            ExprKind::Not(_) => {}
            _ => e.for_each_child(|c| self.find_unguarded_every(c, guarded, out)),
        }
    }

    /// `any contact where …`, or `count contacts … > N` / `>= N` making it at least one, also
    /// through a let.
    fn proves_contact(&self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::AnyContact(_) => true,
            ExprKind::Let(id) => self.let_value(*id).is_some_and(|v| self.proves_contact(v)),
            ExprKind::And(a, b) => self.proves_contact(a) || self.proves_contact(b),
            ExprKind::Compare { op, lhs, rhs } => {
                let n = match (&lhs.kind, &rhs.kind) {
                    (ExprKind::CountContacts(_), ExprKind::Const(Value::Number(n))) => {
                        Some((*op, *n))
                    }
                    (ExprKind::Const(Value::Number(n)), ExprKind::CountContacts(_)) => {
                        Some((op.flipped(), *n))
                    }
                    _ => None,
                };
                match n {
                    Some((CmpOp::Ge, n)) => n >= 1.0,
                    Some((CmpOp::Gt, n)) => n >= 0.0,
                    Some((CmpOp::Eq, n)) => n >= 1.0,
                    Some((CmpOp::Ne, n)) => n == 0.0,
                    _ => false,
                }
            }
            _ => false,
        }
    }

    fn expr(&mut self, e: &ast::Expr, ctx: Ctx) -> Expr {
        let span = e.span;
        let (kind, ty) = match &e.kind {
            ast::ExprKind::Number(n) => (ExprKind::Const(Value::Number(*n)), Type::NUMBER),
            ast::ExprKind::String(s) => (ExprKind::Const(Value::String(s.clone())), Type::STRING),
            ast::ExprKind::Bool(b) => (ExprKind::Const(Value::Bool(*b)), Type::BOOL),
            ast::ExprKind::Date(d) => (ExprKind::Const(Value::Date(*d)), Type::DATE),
            ast::ExprKind::Duration(d) => (ExprKind::Const(Value::Duration(*d)), Type::DURATION),
            ast::ExprKind::List(items) => return self.list(items, span, ctx),
            ast::ExprKind::Path(path) => return self.path(path, ctx),
            ast::ExprKind::Call { callee, args } => return self.call(callee, args, span, ctx),
            ast::ExprKind::Today => (ExprKind::Today, Type::DATE),
            ast::ExprKind::Score => {
                if !ctx.tier {
                    self.error(
                        Code::SCORE_OUTSIDE_TIER,
                        span,
                        "`score` can only be used in a tier condition",
                    )
                    .help = Some("the score is known once every `score` line has run: use it as `tier A when score >= 60`".into());
                    return error_expr(span);
                }
                (ExprKind::Score, Type::NUMBER)
            }
            ast::ExprKind::Paren(inner) => {
                let mut out = self.expr(inner, ctx);
                out.span = span;
                return out;
            }
            ast::ExprKind::Not(inner) => {
                let operand = self.expr(inner, ctx);
                self.expect_type(&operand, Type::BOOL, "`not`");
                (ExprKind::Not(Box::new(operand)), Type::BOOL)
            }
            ast::ExprKind::Neg(inner) => {
                let operand = self.expr(inner, ctx);
                match (&operand.kind, operand.ty) {
                    (ExprKind::Const(Value::Number(n)), _) => {
                        (ExprKind::Const(Value::Number(-n)), Type::NUMBER)
                    }
                    (_, Type::Error) => return error_expr(span),
                    (_, t) if t == Type::NUMBER || t == Type::DURATION => {
                        (ExprKind::Neg(Box::new(operand)), t)
                    }
                    (_, t) => {
                        self.error(
                            Code::TYPE_MISMATCH,
                            span,
                            format!(
                                "`-` needs a number, but `{}` is a {t}",
                                self.show(inner.span)
                            ),
                        );
                        return error_expr(span);
                    }
                }
            }
            ast::ExprKind::Logic { .. } | ast::ExprKind::Arith { .. } => return self.chain(e, ctx),
            ast::ExprKind::Compare { op, lhs, rhs } => {
                return self.compare(*op, lhs, rhs, span, ctx);
            }
            ast::ExprKind::Matches { value, regex } => {
                let text = self.expr(value, ctx);
                self.expect_text(&text, "`matches`", "a regex is matched against text");
                match self.regex(regex) {
                    Some(id) => (
                        ExprKind::Matches {
                            text: Box::new(text),
                            regex: id,
                        },
                        Type::BOOL,
                    ),
                    None => return error_expr(span),
                }
            }
            ast::ExprKind::Between { value, low, high } => {
                let v = self.expr(value, ctx);
                let lo = self.expr(low, ctx);
                let hi = self.expr(high, ctx);
                if !v.ty.is_error()
                    && v.ty != Type::NUMBER
                    && v.ty != Type::DATE
                    && v.ty != Type::DURATION
                {
                    self.error(
                        Code::TYPE_MISMATCH,
                        value.span,
                        format!(
                            "`between` needs a number or a date, but `{}` is a {}",
                            self.show(value.span),
                            v.ty
                        ),
                    );
                } else {
                    for bound in [&lo, &hi] {
                        if !bound.ty.is_error() && !v.ty.is_error() && bound.ty != v.ty {
                            self.error(
                                Code::TYPE_MISMATCH,
                                bound.span,
                                format!(
                                    "`{}` is a {}, so its bounds must be too, but `{}` is a {}",
                                    self.show(value.span),
                                    v.ty,
                                    self.show(bound.span),
                                    bound.ty
                                ),
                            );
                        }
                    }
                }
                if let (ExprKind::Const(a), ExprKind::Const(b)) = (&lo.kind, &hi.kind)
                    && value_cmp(a, b) == Some(std::cmp::Ordering::Greater)
                {
                    let d = Diagnostic::new(
                        Code::CONSTANT_CONDITION,
                        format!("`between {a} and {b}` is never true: the low bound is above the high bound"),
                        lo.span.to(hi.span),
                    )
                    .with_help(format!("write `between {b} and {a}`"));
                    self.report(d);
                }
                (
                    ExprKind::Between {
                        value: Box::new(v),
                        low: Box::new(lo),
                        high: Box::new(hi),
                    },
                    Type::BOOL,
                )
            }
            ast::ExprKind::Is { value, present } => {
                let v = self.expr(value, ctx);
                (
                    ExprKind::Is {
                        value: Box::new(v),
                        present: *present,
                    },
                    Type::BOOL,
                )
            }
            ast::ExprKind::Quantifier { kind, body } => {
                if !self.quantifier_allowed(ctx, span) {
                    return error_expr(span);
                }
                let inner_ctx = Ctx {
                    contact: true,
                    tier: ctx.tier,
                };
                let b = self.expr(body, inner_ctx);
                self.expect_type(&b, Type::BOOL, "the `where` condition");
                let kind = match kind {
                    ast::QuantifierKind::Any => ExprKind::AnyContact(Box::new(b)),
                    ast::QuantifierKind::Every => ExprKind::EveryContact(Box::new(b)),
                };
                (kind, Type::BOOL)
            }
            ast::ExprKind::Count { filter } => {
                if !self.quantifier_allowed(ctx, span) {
                    return error_expr(span);
                }
                let inner_ctx = Ctx {
                    contact: true,
                    tier: ctx.tier,
                };
                let f = filter.as_ref().map(|f| {
                    let b = self.expr(f, inner_ctx);
                    self.expect_type(&b, Type::BOOL, "the `where` condition");
                    Box::new(b)
                });
                (ExprKind::CountContacts(f), Type::NUMBER)
            }
        };
        Expr { kind, ty, span }
    }

    fn quantifier_allowed(&mut self, ctx: Ctx, span: Span) -> bool {
        if ctx.contact {
            self.error(
                Code::NESTED_QUANTIFIER,
                span,
                "a contact quantifier cannot be used where a contact is already in scope",
            )
            .help = Some("inside `any contact where …` or a persona, conditions are about one contact; move this quantifier out".into());
            return false;
        }
        true
    }

    /// Reports `E0007` unless the expression has the type (or already an error).
    fn expect_type(&mut self, e: &Expr, ty: Type, what: &str) {
        if e.ty.is_error() || e.ty == ty {
            return;
        }
        let help = if ty == Type::BOOL {
            Some("compare it, for example `company.employees >= 50`".to_string())
        } else {
            None
        };
        let d = self.error(
            Code::TYPE_MISMATCH,
            e.span,
            format!(
                "{what} needs a {ty}, but `{}` is a {}",
                self.show(e.span),
                e.ty
            ),
        );
        d.help = help;
    }

    /// Reports `E0007` unless the expression is text or a list of text.
    fn expect_text(&mut self, e: &Expr, what: &str, why: &str) -> bool {
        if e.ty.is_error() || e.ty == Type::STRING || e.ty == Type::STRING_LIST {
            return true;
        }
        let d = self.error(
            Code::TYPE_MISMATCH,
            e.span,
            format!(
                "{what} needs text, but `{}` is a {}",
                self.show(e.span),
                e.ty
            ),
        );
        d.help = Some(why.to_string());
        false
    }

    fn list(&mut self, items: &[ast::Expr], span: Span, ctx: Ctx) -> Expr {
        let checked: Vec<Expr> = items.iter().map(|i| self.expr(i, ctx)).collect();
        let mut elem: Option<Scalar> = None;
        for item in &checked {
            match item.ty {
                Type::Error => return error_expr(span),
                Type::List(_) => {
                    self.error(Code::TYPE_MISMATCH, item.span, "lists cannot contain lists")
                        .help = Some("flatten it into one list".into());
                    return error_expr(span);
                }
                Type::Scalar(s) => match elem {
                    None => elem = Some(s),
                    Some(first) if first != s => {
                        self.error(
                            Code::TYPE_MISMATCH,
                            item.span,
                            format!(
                                "the elements of a list must all have one type, but this is a {} after a {}",
                                Type::Scalar(s),
                                Type::Scalar(first)
                            ),
                        );
                        return error_expr(span);
                    }
                    Some(_) => {}
                },
            }
        }
        let ty = Type::List(elem);
        if checked.iter().all(|i| matches!(i.kind, ExprKind::Const(_))) {
            let values = checked
                .into_iter()
                .filter_map(|i| match i.kind {
                    ExprKind::Const(v) => Some(v),
                    _ => None,
                })
                .collect();
            return Expr {
                kind: ExprKind::Const(Value::List(values)),
                ty,
                span,
            };
        }
        Expr {
            kind: ExprKind::List(checked),
            ty,
            span,
        }
    }

    /// A left-nested chain of `and`, `or` and arithmetic (`a and b and c …`), walked along its
    /// left spine iteratively so that a long chain cannot exhaust the stack.
    fn chain(&mut self, e: &ast::Expr, ctx: Ctx) -> Expr {
        let mut spine = Vec::new();
        let mut leftmost = e;
        while let ast::ExprKind::Logic { lhs, .. } | ast::ExprKind::Arith { lhs, .. } =
            &leftmost.kind
        {
            spine.push(leftmost);
            leftmost = lhs;
        }
        let mut acc = self.expr(leftmost, ctx);
        for node in spine.into_iter().rev() {
            acc = match &node.kind {
                ast::ExprKind::Logic { op, rhs, .. } => {
                    let r = self.expr(rhs, ctx);
                    let word = format!("`{}`", op.as_str());
                    self.expect_type(&acc, Type::BOOL, &word);
                    self.expect_type(&r, Type::BOOL, &word);
                    let kind = match op {
                        ast::LogicOp::And => ExprKind::And(Box::new(acc), Box::new(r)),
                        ast::LogicOp::Or => ExprKind::Or(Box::new(acc), Box::new(r)),
                    };
                    Expr {
                        kind,
                        ty: Type::BOOL,
                        span: node.span,
                    }
                }
                ast::ExprKind::Arith { op, rhs, .. } => {
                    let r = self.expr(rhs, ctx);
                    self.arith(*op, acc, r, node.span)
                }
                _ => unreachable!("the spine holds only chains"),
            };
        }
        acc
    }

    fn arith(&mut self, op: ast::ArithOp, l: Expr, r: Expr, span: Span) -> Expr {
        use ast::ArithOp as A;
        if l.ty.is_error() || r.ty.is_error() {
            return error_expr(span);
        }
        let (n, d, date) = (Type::NUMBER, Type::DURATION, Type::DATE);
        let result = match (op, l.ty, r.ty) {
            (_, a, b) if a == n && b == n => Some((arith_op(op), n)),
            (A::Add | A::Sub, a, b) if a == d && b == d => Some((arith_op(op), d)),
            (A::Mul, a, b) if (a == d && b == n) || (a == n && b == d) => {
                Some((ir::ArithOp::Mul, d))
            }
            (A::Div, a, b) if a == d && b == n => Some((ir::ArithOp::Div, d)),
            (A::Add, a, b) if a == date && b == d => Some((ir::ArithOp::DateAdd, date)),
            (A::Sub, a, b) if a == date && b == d => Some((ir::ArithOp::DateSub, date)),
            (A::Sub, a, b) if a == date && b == date => Some((ir::ArithOp::DateDiff, d)),
            _ => None,
        };
        let Some((ir_op, ty)) = result else {
            let help = if (l.ty == date && r.ty == n) || (l.ty == n && r.ty == date) {
                "add or subtract a duration such as `90d` to a date".to_string()
            } else {
                "arithmetic works on numbers, on durations, and on dates with durations".to_string()
            };
            self.error(
                Code::TYPE_MISMATCH,
                span,
                format!(
                    "cannot apply `{}` to a {} and a {}",
                    op.as_str(),
                    l.ty,
                    r.ty
                ),
            )
            .help = Some(help);
            return error_expr(span);
        };
        Expr {
            kind: ExprKind::Arith {
                op: ir_op,
                lhs: Box::new(l),
                rhs: Box::new(r),
            },
            ty,
            span,
        }
    }

    fn compare(
        &mut self,
        op: ast::CompareOp,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        span: Span,
        ctx: Ctx,
    ) -> Expr {
        use ast::CompareOp as C;
        let l = self.expr(lhs, ctx);
        let r = self.expr(rhs, ctx);
        if l.ty.is_error() || r.ty.is_error() {
            return error_expr(span);
        }
        let word = op.as_str();
        let (lt, rt) = (l.ty, r.ty);
        let mismatch = |this: &mut Self, message: String, help: Option<&str>| {
            let d = this.error(Code::TYPE_MISMATCH, span, message);
            d.help = help.map(str::to_string);
            error_expr(span)
        };
        let kind = match op {
            C::Eq | C::Ne | C::Lt | C::Le | C::Gt | C::Ge => {
                let ordered = !matches!(op, C::Eq | C::Ne);
                // A list on either side compares element-wise (true if any element does).
                let (le, re) = (lt.element(), rt.element());
                let both_lists = lt.is_list() && rt.is_list();
                let ok = !both_lists
                    && le.is_some()
                    && le == re
                    && (!ordered
                        || matches!(le, Some(Scalar::Number | Scalar::Date | Scalar::Duration)));
                if !ok {
                    let help = if ordered && lt == Type::STRING {
                        Some(
                            "text cannot be ordered; compare it with `==`, `in`, `contains` or `matches`",
                        )
                    } else if both_lists {
                        Some("to compare two lists use `has any` or `has all`")
                    } else if lt.element() == Some(Scalar::Number) && rt == Type::STRING {
                        Some("numbers are written without quotes, such as 50 or 10M")
                    } else if (lt == Type::DURATION && rt == Type::NUMBER)
                        || (lt == Type::NUMBER && rt == Type::DURATION)
                    {
                        Some("write the number as a duration, such as `90d`")
                    } else {
                        None
                    };
                    return mismatch(
                        self,
                        format!(
                            "cannot compare `{}` ({lt}) {word} `{}` ({rt})",
                            self.show(lhs.span),
                            self.show(rhs.span)
                        ),
                        help,
                    );
                }
                ExprKind::Compare {
                    op: cmp_op(op),
                    lhs: Box::new(l),
                    rhs: Box::new(r),
                }
            }
            C::In | C::NotIn => {
                let ok = match rt {
                    Type::List(None) => true,
                    Type::List(Some(e)) => lt.element() == Some(e),
                    _ => false,
                };
                if !ok {
                    let help = if !rt.is_list() && rt == Type::STRING && lt == Type::STRING {
                        Some(
                            "`in` needs a list such as [\"US\", \"CA\"]; to look for text inside text use `contains`",
                        )
                    } else if !rt.is_list() {
                        Some("`in` needs a list on its right, such as [\"US\", \"CA\"]")
                    } else {
                        None
                    };
                    return mismatch(
                        self,
                        format!(
                            "`{word}` needs a list of {}s on its right, but `{}` is a {rt}",
                            lt.element()
                                .map_or("value".to_string(), |s| Type::Scalar(s).to_string()),
                            self.show(rhs.span)
                        ),
                        help,
                    );
                }
                ExprKind::In {
                    value: Box::new(l),
                    list: Box::new(r),
                    negated: op == C::NotIn,
                }
            }
            C::Has | C::HasAny | C::HasAll => {
                let Type::List(elem) = lt else {
                    let help = if lt == Type::STRING {
                        "`has` asks whether a list holds an item; for text inside text use `contains`"
                    } else {
                        "`has` works on list fields such as `company.industry` or `company.technologies`"
                    };
                    return mismatch(
                        self,
                        format!(
                            "`{word}` needs a list on its left, but `{}` is a {lt}",
                            self.show(lhs.span)
                        ),
                        Some(help),
                    );
                };
                let kind = match op {
                    C::Has => HasKind::One,
                    C::HasAny => HasKind::Any,
                    _ => HasKind::All,
                };
                let ok = match kind {
                    HasKind::One => !rt.is_list() && (elem.is_none() || rt.element() == elem),
                    _ => match rt {
                        Type::List(None) => true,
                        Type::List(Some(e)) => elem.is_none() || elem == Some(e),
                        _ => false,
                    },
                };
                if !ok {
                    let help = match kind {
                        HasKind::One if rt.is_list() => {
                            Some("to test several items use `has any [..]` or `has all [..]`")
                        }
                        HasKind::Any | HasKind::All if !rt.is_list() => Some(
                            "`has any` and `has all` take a list, such as [\"Software\", \"Internet\"]; for one item use `has`",
                        ),
                        _ => None,
                    };
                    return mismatch(
                        self,
                        format!(
                            "`{}` is a {lt}, so `{word}` cannot take `{}` ({rt})",
                            self.show(lhs.span),
                            self.show(rhs.span)
                        ),
                        help,
                    );
                }
                ExprKind::Has {
                    kind,
                    list: Box::new(l),
                    item: Box::new(r),
                }
            }
            C::Contains | C::StartsWith => {
                if !self.expect_text(
                    &l,
                    &format!("`{word}`"),
                    "it looks for text inside text; for lists of numbers use `has`",
                ) {
                    return error_expr(span);
                }
                if rt != Type::STRING {
                    return mismatch(
                        self,
                        format!(
                            "`{word}` looks for text, but `{}` is a {rt}",
                            self.show(rhs.span)
                        ),
                        Some("write the text in double quotes"),
                    );
                }
                if op == C::Contains {
                    ExprKind::Contains {
                        text: Box::new(l),
                        needle: Box::new(r),
                    }
                } else {
                    ExprKind::StartsWith {
                        text: Box::new(l),
                        prefix: Box::new(r),
                    }
                }
            }
        };
        Expr {
            kind,
            ty: Type::BOOL,
            span,
        }
    }

    fn regex(&mut self, r: &ast::Regex) -> Option<ir::RegexId> {
        if let Some(i) = self
            .regexes
            .iter()
            .position(|x| x.pattern == r.pattern && x.flags == r.flags)
        {
            return Some(ir::RegexId(i as u32));
        }
        let mut builder = regex::RegexBuilder::new(&r.pattern);
        for flag in r.flags.chars() {
            match flag {
                'i' => builder.case_insensitive(true),
                'm' => builder.multi_line(true),
                's' => builder.dot_matches_new_line(true),
                'x' => builder.ignore_whitespace(true),
                other => {
                    self.error(
                        Code::INVALID_REGEX,
                        r.span,
                        format!("unknown regex flag `{other}`"),
                    )
                    .help = Some("the flags are i (ignore case), m (multi-line), s (dot matches newline) and x (verbose)".into());
                    return None;
                }
            };
        }
        match builder.build() {
            Ok(regex) => {
                self.regexes.push(ir::Regex {
                    pattern: r.pattern.clone(),
                    flags: r.flags.clone(),
                    regex,
                });
                Some(ir::RegexId(self.regexes.len() as u32 - 1))
            }
            Err(err) => {
                let text = err.to_string();
                let reason = text
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("invalid pattern")
                    .trim()
                    .trim_start_matches("error: ")
                    .to_string();
                self.error(
                    Code::INVALID_REGEX,
                    r.span,
                    format!("invalid regular expression: {reason}"),
                )
                .help = Some(
                    "the syntax is that of the Rust `regex` crate (like RE2); escape `/` as `\\/`"
                        .into(),
                );
                None
            }
        }
    }

    // ---------------------------------------------------------------- names

    fn path(&mut self, path: &ast::Path, ctx: Ctx) -> Expr {
        let span = path.span;
        let first = &path.segments[0];
        match first.name.as_str() {
            root @ ("company" | "contact") => {
                let entity = if root == "company" {
                    Entity::Company
                } else {
                    Entity::Contact
                };
                if path.segments.len() != 2 {
                    let message = if path.segments.len() == 1 {
                        format!("`{root}` needs a field name, such as `{root}.name`")
                    } else {
                        format!(
                            "`{}` is not a field: fields have no sub-fields",
                            path.dotted()
                        )
                    };
                    self.error(Code::UNKNOWN_FIELD, span, message);
                    return error_expr(span);
                }
                let name = &path.segments[1];
                let Some(id) = self.field_id(entity, &name.name, span, false) else {
                    return error_expr(span);
                };
                let ty = self.schema.field(id).ty;
                if entity == Entity::Contact {
                    if !ctx.contact {
                        self.error(
                            Code::CONTACT_OUTSIDE_QUANTIFIER,
                            span,
                            format!(
                                "`{}` is about one contact, but no contact is in scope here",
                                path.dotted()
                            ),
                        )
                        .help = Some(format!(
                            "a lead has many contacts: say which, as in `any contact where {} …`, or define a persona",
                            path.dotted()
                        ));
                        return error_expr(span);
                    }
                    return Expr {
                        kind: ExprKind::ContactField(id),
                        ty,
                        span,
                    };
                }
                Expr {
                    kind: ExprKind::Field(id),
                    ty,
                    span,
                }
            }
            name => {
                if path.segments.len() == 1 {
                    return self.name(first, ctx);
                }
                if let Some((def, _)) = self.names.get(name).copied() {
                    let what = match def {
                        Def::Let(_) => "a let",
                        Def::Persona(_) => "a persona",
                        Def::Icp => "an ICP",
                    };
                    self.error(
                        Code::UNKNOWN_FIELD,
                        span,
                        format!(
                            "`{name}` is {what} and has no fields, so `{}` means nothing",
                            path.dotted()
                        ),
                    );
                    return error_expr(span);
                }
                match self.signal(path, None, span) {
                    Some(call) => self.signal_expr(call, span),
                    None => error_expr(span),
                }
            }
        }
    }

    fn signal_expr(&self, call: ir::SignalCallId, span: Span) -> Expr {
        let decl = self
            .catalog
            .signal(self.signal_calls[call.0 as usize].signal);
        Expr {
            kind: ExprKind::Signal(call),
            ty: decl.output,
            span,
        }
    }

    /// Looks a field up; reports `E0004` with a suggestion when it does not exist.
    fn field_id(
        &mut self,
        entity: Entity,
        name: &str,
        span: Span,
        in_test: bool,
    ) -> Option<crate::FieldId> {
        if let Some(id) = self.schema.lookup(entity, name) {
            return Some(id);
        }
        let root = entity.as_str();
        let candidates: Vec<&str> = self
            .schema
            .fields()
            .filter(|(_, f)| f.entity == entity)
            .map(|(_, f)| f.name.as_str())
            .collect();
        let other = match entity {
            Entity::Company => Entity::Contact,
            Entity::Contact => Entity::Company,
        };
        let help = if let Some(s) = did_you_mean(name, candidates.iter().copied()) {
            if in_test {
                format!("did you mean `{s}`?")
            } else {
                format!("did you mean `{root}.{s}`?")
            }
        } else if self.schema.lookup(other, name).is_some() {
            format!(
                "`{name}` is a {} field: `{}.{name}`",
                other.as_str(),
                other.as_str()
            )
        } else {
            format!(
                "the {root} fields are {}; declare your own in icp.toml under [fields.{root}]",
                candidates.join(", ")
            )
        };
        let shown = if in_test {
            format!("`{name}`")
        } else {
            format!("`{root}.{name}`")
        };
        self.error(
            Code::UNKNOWN_FIELD,
            span,
            format!("unknown {root} field {shown}"),
        )
        .help = Some(help);
        None
    }

    fn name(&mut self, ident: &ast::Ident, ctx: Ctx) -> Expr {
        let span = ident.span;
        match self.names.get(ident.name.as_str()).copied() {
            Some((Def::Let(i), _)) => {
                self.let_used[i] = true;
                match self.resolve_let(i) {
                    Some(ty) => {
                        let kind = ExprKind::Let(LetId(i as u32));
                        Expr { kind, ty, span }
                    }
                    None => {
                        self.error(
                            Code::CYCLIC_LET,
                            span,
                            format!("`{}` is defined in terms of itself", ident.name),
                        )
                        .help = Some(
                            "a let cannot refer back to itself, directly or through other lets"
                                .into(),
                        );
                        error_expr(span)
                    }
                }
            }
            Some((Def::Persona(i), _)) => {
                self.persona_used[i] = true;
                if !ctx.contact {
                    self.error(
                        Code::CONTACT_OUTSIDE_QUANTIFIER,
                        span,
                        format!(
                            "persona `{}` describes one contact, but no contact is in scope here",
                            ident.name
                        ),
                    )
                    .help = Some(format!(
                        "say which contacts: `any contact where {0}` or `count contacts where {0}`",
                        ident.name
                    ));
                    return error_expr(span);
                }
                if !self.resolve_persona(i) {
                    self.error(
                        Code::CYCLIC_LET,
                        span,
                        format!("persona `{}` is defined in terms of itself", ident.name),
                    );
                    return error_expr(span);
                }
                Expr {
                    kind: ExprKind::Persona(PersonaId(i as u32)),
                    ty: Type::BOOL,
                    span,
                }
            }
            Some((Def::Icp, _)) => {
                self.error(
                    Code::UNKNOWN_NAME,
                    span,
                    format!("`{}` is an ICP, not a value", ident.name),
                )
                .help = Some("conditions can use lets, personas, fields and signals".into());
                error_expr(span)
            }
            None => {
                let help = if FUNCTIONS.contains(&ident.name.as_str()) {
                    format!("`{0}` is a function: call it as `{0}(…)`", ident.name)
                } else if self.catalog.has_plugin(&ident.name) {
                    let signals: Vec<String> = self
                        .catalog
                        .signals_of(&ident.name)
                        .map(|s| format!("{}.{}", s.plugin, s.name))
                        .collect();
                    format!(
                        "`{}` is a plugin; name one of its signals: {}",
                        ident.name,
                        signals.join(", ")
                    )
                } else if self.schema.lookup(Entity::Company, &ident.name).is_some() {
                    format!("did you mean the field `company.{}`?", ident.name)
                } else if self.schema.lookup(Entity::Contact, &ident.name).is_some() {
                    format!("did you mean the field `contact.{}`?", ident.name)
                } else {
                    let defined: Vec<&str> = self
                        .names
                        .iter()
                        .filter(|(_, (d, _))| !matches!(d, Def::Icp))
                        .map(|(n, _)| *n)
                        .collect();
                    match did_you_mean(&ident.name, defined.into_iter()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => {
                            "define it with `let` or `persona`, or write a field as `company.…`"
                                .to_string()
                        }
                    }
                };
                self.error(
                    Code::UNKNOWN_NAME,
                    span,
                    format!("unknown name `{}`", ident.name),
                )
                .help = Some(help);
                error_expr(span)
            }
        }
    }

    fn call(&mut self, callee: &ast::Path, args: &[ast::Arg], span: Span, ctx: Ctx) -> Expr {
        if callee.segments.len() > 1 {
            let first = callee.segments[0].name.as_str();
            if first == "company" || first == "contact" {
                self.error(
                    Code::UNKNOWN_FUNCTION,
                    span,
                    format!("`{}` is a field, not a function", callee.dotted()),
                )
                .help = Some("remove the parentheses".into());
                return error_expr(span);
            }
            return match self.signal(callee, Some(args), span) {
                Some(call) => self.signal_expr(call, span),
                None => error_expr(span),
            };
        }
        let name = callee.segments[0].name.as_str();
        let builtin = Builtin::ALL.into_iter().find(|b| b.name() == name);
        let Some(builtin) = builtin else {
            let help = match did_you_mean(name, FUNCTIONS.into_iter()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!(
                    "the functions are {}; signals are called as `plugin.signal(…)`",
                    FUNCTIONS.join(", ")
                ),
            };
            self.error(
                Code::UNKNOWN_FUNCTION,
                callee.span,
                format!("unknown function `{name}`"),
            )
            .help = Some(help);
            return error_expr(span);
        };
        if args.len() != 1 || args[0].name.is_some() {
            self.error(
                Code::UNKNOWN_FUNCTION,
                span,
                format!("`{name}` takes exactly one argument, without a name"),
            )
            .help = Some(format!("for example `{name}({})`", example_arg(builtin)));
            return error_expr(span);
        }
        let arg = self.expr(&args[0].value, ctx);
        if arg.ty.is_error() {
            return error_expr(span);
        }
        let ty = match builtin {
            Builtin::Len if arg.ty.is_list() || arg.ty == Type::STRING => Some(Type::NUMBER),
            Builtin::Lower if arg.ty == Type::STRING || arg.ty == Type::STRING_LIST => Some(arg.ty),
            Builtin::DaysSince | Builtin::Year if arg.ty == Type::DATE => Some(Type::NUMBER),
            _ => None,
        };
        let Some(ty) = ty else {
            let needs = match builtin {
                Builtin::Len => "a list or text",
                Builtin::Lower => "text",
                Builtin::DaysSince | Builtin::Year => "a date",
            };
            self.error(
                Code::TYPE_MISMATCH,
                arg.span,
                format!(
                    "`{name}` needs {needs}, but `{}` is a {}",
                    self.show(arg.span),
                    arg.ty
                ),
            );
            return error_expr(span);
        };
        Expr {
            kind: ExprKind::Call {
                builtin,
                arg: Box::new(arg),
            },
            ty,
            span,
        }
    }

    /// Resolves `plugin.signal[(args)]` to an interned signal call.
    fn signal(
        &mut self,
        path: &ast::Path,
        args: Option<&[ast::Arg]>,
        span: Span,
    ) -> Option<ir::SignalCallId> {
        let plugin = &path.segments[0];
        if !self.catalog.has_plugin(&plugin.name) {
            let rest: Vec<&str> = path.segments[1..].iter().map(|s| s.name.as_str()).collect();
            if let Some(root) = did_you_mean(&plugin.name, ["company", "contact"].into_iter()) {
                self.error(
                    Code::UNKNOWN_FIELD,
                    plugin.span,
                    format!("unknown name `{}`", plugin.name),
                )
                .help = Some(format!("did you mean `{root}.{}`?", rest.join(".")));
                return None;
            }
            let loaded = self.catalog.plugins();
            let help = if let Some(s) = did_you_mean(&plugin.name, loaded.iter().copied()) {
                format!("did you mean `{s}`?")
            } else if loaded.is_empty() {
                format!(
                    "no signal plugin is loaded, so `{}.{}` cannot be resolved; fields are written `company.…` or `contact.…`",
                    plugin.name,
                    rest.join(".")
                )
            } else {
                format!("the loaded plugins are: {}", loaded.join(", "))
            };
            self.error(
                Code::UNKNOWN_PLUGIN,
                plugin.span,
                format!("unknown plugin namespace `{}`", plugin.name),
            )
            .help = Some(help);
            return None;
        }
        if path.segments.len() < 2 {
            let names: Vec<&str> = self
                .catalog
                .signals_of(&plugin.name)
                .map(|s| s.name.as_str())
                .collect();
            self.error(
                Code::UNKNOWN_SIGNAL,
                path.span,
                format!("`{}` is a plugin, not a signal", plugin.name),
            )
            .help = Some(format!(
                "name one of its signals: {}",
                names
                    .iter()
                    .map(|n| format!("{}.{n}", plugin.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            return None;
        }
        let signal_name = &path.segments[1];
        let id = if path.segments.len() == 2 {
            self.catalog.lookup(&plugin.name, &signal_name.name)
        } else {
            None
        };
        let Some(id) = id else {
            let names: Vec<&str> = self
                .catalog
                .signals_of(&plugin.name)
                .map(|s| s.name.as_str())
                .collect();
            let help = match did_you_mean(&signal_name.name, names.iter().copied()) {
                Some(s) => format!("did you mean `{}.{s}`?", plugin.name),
                None => format!("the signals of `{}` are: {}", plugin.name, names.join(", ")),
            };
            self.error(
                Code::UNKNOWN_SIGNAL,
                path.span,
                format!(
                    "plugin `{}` has no signal `{}`",
                    plugin.name,
                    path.segments[1..]
                        .iter()
                        .map(|s| s.name.as_str())
                        .collect::<Vec<_>>()
                        .join(".")
                ),
            )
            .help = Some(help);
            return None;
        };
        let decl = self.catalog.signal(id).clone();
        let args = args.unwrap_or(&[]);
        let mut values: Vec<Option<Value>> = vec![None; decl.params.len()];
        let mut given: Vec<bool> = vec![false; decl.params.len()];
        let mut ok = true;
        let mut next_positional = 0;
        for arg in args {
            let index = match &arg.name {
                Some(n) => match decl.params.iter().position(|p| p.name == n.name) {
                    Some(i) => i,
                    None => {
                        let names: Vec<&str> =
                            decl.params.iter().map(|p| p.name.as_str()).collect();
                        let help = match did_you_mean(&n.name, names.iter().copied()) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => format!("signature: {}", decl.signature()),
                        };
                        self.error(
                            Code::SIGNAL_ARGUMENTS,
                            n.span,
                            format!(
                                "`{}.{}` has no parameter `{}`",
                                decl.plugin, decl.name, n.name
                            ),
                        )
                        .help = Some(help);
                        ok = false;
                        continue;
                    }
                },
                None => {
                    let i = next_positional;
                    next_positional += 1;
                    if i >= decl.params.len() {
                        self.error(
                            Code::SIGNAL_ARGUMENTS,
                            arg.value.span,
                            format!(
                                "`{}.{}` takes {} argument(s), but more are given",
                                decl.plugin,
                                decl.name,
                                decl.params.len()
                            ),
                        )
                        .help = Some(format!("signature: {}", decl.signature()));
                        ok = false;
                        continue;
                    }
                    i
                }
            };
            if given[index] {
                self.error(
                    Code::SIGNAL_ARGUMENTS,
                    arg.value.span,
                    format!("parameter `{}` is given twice", decl.params[index].name),
                );
                ok = false;
                continue;
            }
            given[index] = true;
            let value = self.expr(&arg.value, Ctx::default());
            if value.ty.is_error() {
                ok = false;
                continue;
            }
            let ExprKind::Const(v) = &value.kind else {
                self.error(
                    Code::SIGNAL_ARGUMENTS,
                    arg.value.span,
                    "signal arguments must be literals, such as 90d, \"SaaStr Annual\" or 5M",
                )
                .help = Some(
                    "a signal is computed once per batch of leads for each distinct argument list"
                        .into(),
                );
                ok = false;
                continue;
            };
            let param = &decl.params[index];
            if !value_fits(v, param.ty) {
                let help = if param.ty == Type::DURATION && v.ty() == Type::NUMBER {
                    format!(
                        "signature: {}; write a duration such as `90d`",
                        decl.signature()
                    )
                } else {
                    format!("signature: {}", decl.signature())
                };
                self.error(
                    Code::SIGNAL_ARGUMENTS,
                    arg.value.span,
                    format!(
                        "parameter `{}` of `{}.{}` is a {}, but this is a {}",
                        param.name,
                        decl.plugin,
                        decl.name,
                        param.ty,
                        v.ty()
                    ),
                )
                .help = Some(help);
                ok = false;
                continue;
            }
            values[index] = Some(v.clone());
        }
        for (i, p) in decl.params.iter().enumerate() {
            if !given[i] && !p.optional && ok {
                self.error(
                    Code::SIGNAL_ARGUMENTS,
                    span,
                    format!(
                        "`{}.{}` needs its parameter `{}` ({})",
                        decl.plugin, decl.name, p.name, p.ty
                    ),
                )
                .help = Some(format!("signature: {}", decl.signature()));
                ok = false;
            }
        }
        if !ok {
            return None;
        }
        let text = normalize_space(self.sources.slice(span));
        if let Some(i) = self
            .signal_calls
            .iter()
            .position(|c| c.signal == id && c.args == values)
        {
            return Some(ir::SignalCallId(i as u32));
        }
        self.signal_calls.push(ir::SignalCall {
            signal: id,
            args: values,
            text,
        });
        Some(ir::SignalCallId(self.signal_calls.len() as u32 - 1))
    }
}

fn example_arg(builtin: Builtin) -> &'static str {
    match builtin {
        Builtin::Len => "company.technologies",
        Builtin::Lower => "company.name",
        Builtin::DaysSince | Builtin::Year => "2024-01-15",
    }
}

/// The ordering or equality operator of a comparison (the grammar gives `expect … score`
/// only these).
fn cmp_op(op: ast::CompareOp) -> CmpOp {
    match op {
        ast::CompareOp::Eq => CmpOp::Eq,
        ast::CompareOp::Ne => CmpOp::Ne,
        ast::CompareOp::Lt => CmpOp::Lt,
        ast::CompareOp::Le => CmpOp::Le,
        ast::CompareOp::Gt => CmpOp::Gt,
        _ => CmpOp::Ge,
    }
}

fn arith_op(op: ast::ArithOp) -> ir::ArithOp {
    match op {
        ast::ArithOp::Add => ir::ArithOp::Add,
        ast::ArithOp::Sub => ir::ArithOp::Sub,
        ast::ArithOp::Mul => ir::ArithOp::Mul,
        ast::ArithOp::Div => ir::ArithOp::Div,
    }
}

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

fn value_cmp(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) | (Value::Duration(x), Value::Duration(y)) => {
            x.partial_cmp(y)
        }
        (Value::Date(x), Value::Date(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// Collapses runs of white space (labels of multi-line conditions).
fn normalize_space(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The static score range of an ICP: positive points (groups capped) and negative points.
fn score_range(def: &ir::IcpDef) -> (f64, f64) {
    let mut min = 0.0;
    let mut max = 0.0;
    let mut group_pos = vec![0.0; def.groups.len()];
    let mut group_neg = vec![0.0; def.groups.len()];
    for s in &def.scores {
        match s.group {
            None if s.points > 0.0 => max += s.points,
            None => min += s.points,
            Some(g) if s.points > 0.0 => group_pos[g] += s.points,
            Some(g) => group_neg[g] += s.points,
        }
    }
    for (g, group) in def.groups.iter().enumerate() {
        max += f64::min(group_pos[g], group.max.max(0.0));
        min += f64::min(group_neg[g], group.max);
    }
    (min, max)
}

/// Whether a tier condition can hold for some score in `[min, max]`: `Some(false)` when it
/// certainly cannot, `None` when the analysis cannot tell.
fn possible(e: &Expr, min: f64, max: f64) -> Option<bool> {
    let number = |e: &Expr| match &e.kind {
        ExprKind::Const(Value::Number(n)) => Some(*n),
        _ => None,
    };
    match &e.kind {
        ExprKind::Compare { op, lhs, rhs } => {
            let (op, n) = match (&lhs.kind, &rhs.kind) {
                (ExprKind::Score, _) => (*op, number(rhs)?),
                (_, ExprKind::Score) => (op.flipped(), number(lhs)?),
                _ => return None,
            };
            Some(match op {
                CmpOp::Eq => min <= n && n <= max,
                CmpOp::Ne => !(min == n && max == n),
                CmpOp::Lt => min < n,
                CmpOp::Le => min <= n,
                CmpOp::Gt => max > n,
                CmpOp::Ge => max >= n,
            })
        }
        ExprKind::Between { value, low, high } if matches!(value.kind, ExprKind::Score) => {
            let (lo, hi) = (number(low)?, number(high)?);
            Some(lo <= hi && lo <= max && hi >= min)
        }
        ExprKind::And(a, b) => match (possible(a, min, max), possible(b, min, max)) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            _ => None,
        },
        ExprKind::Or(a, b) => match (possible(a, min, max), possible(b, min, max)) {
            (Some(false), Some(false)) => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn flatten_and<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    if let ExprKind::And(a, b) = &e.kind {
        flatten_and(a, out);
        flatten_and(b, out);
    } else {
        out.push(e);
    }
}

/// The closest candidate by edit distance, if it is close enough to be a likely typo. Names
/// shorter than three characters (tier names like `A`) only match ignoring case.
pub fn did_you_mean<'c>(name: &str, candidates: impl Iterator<Item = &'c str>) -> Option<&'c str> {
    let lower = name.to_ascii_lowercase();
    candidates
        .map(|c| {
            (
                strsim::damerau_levenshtein(&lower, &c.to_ascii_lowercase()),
                c,
            )
        })
        .filter(|(d, c)| {
            if name.len() < 3 || c.len() < 3 {
                *d == 0
            } else {
                *d <= (c.len().max(name.len()) / 3).max(1)
            }
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}
