//! Declarations and name resolution.
//!
//! How it works: pass 1 ([`Checker::declare`]) walks every item of every file and records each
//! `let`, `persona` and `icp` in one namespace shared by all files ([`Def`]), and each test
//! label in its own; a second definition of a name or label is `E0009`, and the first one is
//! kept. Lets and personas are then resolved on demand: each has a [`State`] that goes from
//! `Pending` to `InProgress` while its body is checked to `Done` with the checked definition,
//! so a reference is checked once however often it is used, definitions may come in any order,
//! and a reference met while its own definition is `InProgress` is a cycle (`E0015`). Each
//! resolution also marks the definition used, for the unused-definition lint. A reference
//! becomes an index ([`ExprKind::Let`], [`ExprKind::Persona`]), never a copy of the
//! definition, so the typed rule set is as large as the rule text however the definitions use
//! one another; when a let is resolved, the lints' facts about it are worked out once too.
//!
//! A path is a field (`company.x`, `contact.x`: the latter only where a contact is in scope),
//! a plugin signal (`plugin.signal`, see `calls`), or a single name (a let, or a persona where
//! a contact is in scope). Unknown names get suggestions from [`did_you_mean`], from fields of
//! the other entity, from plugins and from functions.

use std::collections::HashMap;

use icp_diagnostics::{Code, Diagnostic, Span};
use icp_syntax::ast;

use crate::ir::{self, Expr, ExprKind, LetId, PersonaId};
use crate::schema::{Entity, Type};

use super::calls::FUNCTIONS;
use super::{Checker, Ctx, error_expr};

impl<'a> Checker<'a> {
    pub(super) fn declare(&mut self, files: &'a [ast::File]) {
        let mut test_labels: HashMap<&'a str, Span> = HashMap::new();
        for file in files {
            for item in &file.items {
                let (name, def) = match item {
                    ast::Item::Let(l) => {
                        self.lets.push(l);
                        self.let_state.push(State::Pending);
                        self.let_facts.push(None);
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

    /// Checks a let (once) and returns its type.
    pub(super) fn resolve_let(&mut self, index: usize) -> Option<Type> {
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
        self.let_facts[index] = Some(self.let_facts_of(&value));
        self.let_state[index] = State::Done(ir::LetDef {
            name: ast.name.name.clone(),
            value,
            constant,
            span: ast.span,
        });
        Some(ty)
    }

    pub(super) fn resolve_persona(&mut self, index: usize) -> bool {
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

    pub(super) fn name(&mut self, ident: &ast::Ident, ctx: Ctx) -> Expr {
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

    pub(super) fn path(&mut self, path: &ast::Path, ctx: Ctx) -> Expr {
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

    /// Looks a field up; reports `E0004` with a suggestion when it does not exist.
    pub(super) fn field_id(
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
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Def {
    Let(usize),
    Persona(usize),
    Icp,
}

pub(super) enum State<T> {
    Pending,
    InProgress,
    Done(T),
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
