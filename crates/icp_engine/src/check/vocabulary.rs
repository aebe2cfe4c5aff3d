//! The vocabularies in rules: `region("…")` calls, and string constants compared with a
//! categorical field that are not in its vocabulary (`W0032`).
//!
//! How it works: `region("DACH")` takes one string literal and becomes, at check time, the
//! constant list of the region's ISO alpha-2 codes (the schema's [`Regions`]), typed
//! `list<string>`: everything after the checker sees a list literal, so `in`, `has any` and
//! the columnar plan treat it as one, and a country field compares its values with the codes
//! by country ([`crate::semantics::country_key`]). An unknown region is `E0033` with the
//! nearest name.
//!
//! As each `==`, `!=`, `in`, `has`, `has any` and `has all` is typed, [`Checker::lint_vocabulary`]
//! looks for a field with a known vocabulary ([`FieldDef::category`]) on one side and string
//! constants on the other, and warns about each constant the vocabulary does not know, with
//! the nearest known value (or the canonical industry a taxonomy label means). Each
//! comparison is typed once, so this costs nothing per use of a let.
//!
//! [`Regions`]: crate::vocab::Regions
//! [`FieldDef::category`]: crate::schema::FieldDef::category

use icp_diagnostics::{Code, Span};
use icp_syntax::ast;

use crate::ir::{CmpOp, Expr, ExprKind};
use crate::schema::{Type, Value};

use super::names::did_you_mean;
use super::{Checker, error_expr};

impl Checker<'_> {
    /// `region("Name")`: the region's countries as a constant list of alpha-2 codes.
    pub(super) fn region_call(&mut self, args: &[ast::Arg], span: Span) -> Expr {
        let name = match args {
            [arg] if arg.name.is_none() => match &arg.value.kind {
                ast::ExprKind::String(name) => Some((name.as_str(), arg.value.span)),
                _ => None,
            },
            _ => None,
        };
        let Some((name, name_span)) = name else {
            self.error(
                Code::UNKNOWN_FUNCTION,
                span,
                "`region` takes one region name in double quotes",
            )
            .help = Some("for example `company.country in region(\"DACH\")`".into());
            return error_expr(span);
        };
        let regions = &self.schema.vocabulary().regions;
        let Some(region) = regions.get(name) else {
            let help = match did_you_mean(name, regions.names()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "regions are UN M49 regions (`Western Europe`), sales territories (`DACH`, `EMEA`) or those defined under [regions] in icp.toml".to_string(),
            };
            self.error(
                Code::UNKNOWN_REGION,
                name_span,
                format!("unknown region `{name}`"),
            )
            .help = Some(help);
            return error_expr(span);
        };
        let codes = region
            .countries
            .iter()
            .map(|code| Value::String(code.clone()))
            .collect();
        Expr {
            kind: ExprKind::Const(Value::List(codes)),
            ty: Type::STRING_LIST,
            span,
        }
    }

    /// Records a constant list named by a call (`region`, `lines`, `csv_column`), so the run
    /// summary can speak of the list as written rather than of each of its members.
    pub(super) fn named_list(&mut self, list: Expr) -> Expr {
        if matches!(list.kind, ExprKind::Const(_)) && list.ty != Type::Error {
            let shown = self.text(list.span);
            self.named_lists.push(crate::ir::NamedList {
                span: list.span,
                shown,
            });
        }
        list
    }

    /// Warns about string constants compared with a categorical field that its vocabulary
    /// does not know (`W0032`).
    pub(super) fn lint_vocabulary(&mut self, e: &Expr) {
        let (field, constant) = match &e.kind {
            ExprKind::Compare {
                op: CmpOp::Eq | CmpOp::Ne,
                lhs,
                rhs,
            } => match (self.category_of(lhs), self.category_of(rhs)) {
                (Some(c), _) => (c, rhs),
                (_, Some(c)) => (c, lhs),
                _ => return,
            },
            ExprKind::In { value, list, .. } => match self.category_of(value) {
                Some(c) => (c, list),
                None => return,
            },
            ExprKind::Has { list, item, .. } => match self.category_of(list) {
                Some(c) => (c, item),
                None => return,
            },
            _ => return,
        };
        let ExprKind::Const(value) = &constant.kind else {
            return;
        };
        let vocabulary = self.schema.vocabulary();
        let mut warnings = Vec::new();
        for item in crate::semantics::elements(value) {
            let Value::String(text) = item else { continue };
            if vocabulary.knows(field, text) {
                continue;
            }
            let help = match vocabulary.suggest(field, text) {
                Some(known) => format!("did you mean `{known}`?"),
                None => {
                    let mut known = vocabulary.values(field);
                    known.truncate(12);
                    format!("known values include {}", known.join(", "))
                }
            };
            warnings.push((format!("`{text}` is not a known {field}"), help));
        }
        for (message, help) in warnings {
            self.error(Code::NOT_IN_VOCABULARY, constant.span, message)
                .help = Some(help);
        }
    }

    /// The vocabulary of a field read directly (or through `lower`), if it has one.
    fn category_of(&self, e: &Expr) -> Option<crate::vocab::Category> {
        match &e.kind {
            ExprKind::Field(f) | ExprKind::ContactField(f) => self.schema.field(*f).category(),
            _ => None,
        }
    }
}
