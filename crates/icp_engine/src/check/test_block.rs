//! `test` blocks: a company, its contacts, signal values and expectations.
//!
//! How it works: each record field is looked up in the schema (with suggestions) and must be
//! set once to a literal of the field's type; a test has at most one `company` block. A signal
//! value names a signal call (checked like one in a condition) and a literal of its output type.
//! An expectation names an ICP of the rule set and, for `tier`, one of its tiers. A test with no
//! expectation is `W0007`. Fields and signals a test leaves out are missing when it runs (see
//! `Lead::from_test`).

use std::collections::HashMap;

use icp_diagnostics::{Code, Diagnostic, Span};
use icp_syntax::ast;

use crate::ir::{self, Expr, ExprKind};
use crate::schema::{Entity, Value};

use super::names::did_you_mean;
use super::operators::cmp_op;
use super::{Checker, Ctx, value_fits};

impl Checker<'_> {
    pub(super) fn test(&mut self, t: &ast::Test, icps: &[ir::IcpDef]) -> ir::TestDef {
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
}
