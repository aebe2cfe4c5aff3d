//! Comparisons, list membership and `has` in SQL: the keys text and countries compare by
//! (lower-cased text, ISO codes through the query's country table), `==` / `<` / `between`
//! over scalars and lists (a list holds when any element does), `in` over constants and
//! computed lists, and `has` / `has any` / `has all`, each decided only where its operands are
//! known, as the parent module's doc says.

use icp_engine::ir::{Builtin, CmpOp, Expr, ExprKind, HasKind, RuleSet};
use icp_engine::schema::{Scalar, Type, Value};
use icp_engine::semantics;

use super::{Compiler, Scope, Sql};
use crate::CompileError;
use crate::names;

impl Compiler<'_> {
    /// The text key of a text value that is never null here: lower-cased (every text the
    /// query computes is trimmed already: fields and signals are trimmed when read, and
    /// constants are keyed here in Rust).
    pub(super) fn text_key(&self, x: &str) -> String {
        format!("LOWER({x})")
    }

    /// The comparison key of a text expression: as a country (by ISO code) or as text.
    pub(super) fn key(
        &self,
        e: &Expr,
        sql: &Sql,
        country: bool,
        scope: Scope,
    ) -> Result<String, CompileError> {
        if let ExprKind::Const(Value::String(s)) = &e.kind {
            return Ok(self.d.string(&semantics::key(s, country)));
        }
        if !country {
            return Ok(self.text_key(&sql.v));
        }
        match country_field(self.rules, e) {
            Some((f, false)) => Ok(Self::company_col(scope, &names::country_key(f))),
            Some((f, true)) => Ok(format!("k.{}", names::contact_country_key(f))),
            None => Err(CompileError::unsupported(
                "comparing a country with text that is not a country field or a constant",
                self.d.name(),
            )),
        }
    }

    /// Whether some element of `e` (a list, or the value itself) satisfies `pred`.
    pub(super) fn any_element(
        &self,
        e: &Expr,
        v: &str,
        pred: impl FnOnce(String) -> Result<String, CompileError>,
    ) -> Result<String, CompileError> {
        if e.ty.is_list() {
            let x = self.var();
            let p = pred(x.clone())?;
            Ok(self.d.list_any(v, &x, &p))
        } else {
            pred(v.to_string())
        }
    }

    /// Equality of two scalars (SQL never null where both are known).
    pub(super) fn scalar_equal(
        &self,
        (ea, a): (&Expr, &str),
        (eb, b): (&Expr, &str),
        ty: (Option<Scalar>, Option<Scalar>),
        country: bool,
        scope: Scope,
    ) -> Result<String, CompileError> {
        Ok(match ty {
            (Some(Scalar::String), Some(Scalar::String)) => {
                let ka = self.element_key(ea, a, country, scope)?;
                let kb = self.element_key(eb, b, country, scope)?;
                format!("({ka} = {kb})")
            }
            (Some(x), Some(y)) if x == y => format!("({a} = {b})"),
            _ => "FALSE".to_string(),
        })
    }

    /// The key of `x`, a scalar text of expression `e` (the expression itself, or an element
    /// of its list).
    pub(super) fn element_key(
        &self,
        e: &Expr,
        x: &str,
        country: bool,
        scope: Scope,
    ) -> Result<String, CompileError> {
        if !e.ty.is_list() {
            let sql = Sql::known(x.to_string(), false);
            return self.key(e, &sql, country, scope);
        }
        if let ExprKind::Const(Value::List(_)) = e.kind {
            // Elements of a constant list come as keys already (`any_equal`).
            return Ok(x.to_string());
        }
        if country {
            return Err(CompileError::unsupported(
                "comparing the items of a list as countries",
                self.d.name(),
            ));
        }
        Ok(self.text_key(x))
    }

    pub(super) fn compare(
        &self,
        op: CmpOp,
        (ea, a): (&Expr, &Sql),
        (eb, b): (&Expr, &Sql),
        country: bool,
        scope: Scope,
    ) -> Result<String, CompileError> {
        let holds = |x: &str, y: &str| -> Result<String, CompileError> {
            let ty = (ea.ty.element(), eb.ty.element());
            match op {
                CmpOp::Eq | CmpOp::Ne => self.scalar_equal((ea, x), (eb, y), ty, country, scope),
                _ => Ok(match ty {
                    (Some(s), Some(t)) if s == t && ordered(s) => {
                        format!("({x} {} {y})", op.as_str())
                    }
                    _ => "FALSE".to_string(),
                }),
            }
        };
        let any = match (ea.ty.is_list(), eb.ty.is_list()) {
            (true, false) => self.list_any_of(ea, &a.v, country, |x| holds(&x, &b.v))?,
            (false, true) => self.list_any_of(eb, &b.v, country, |y| holds(&a.v, &y))?,
            // Two lists are never equal and never ordered.
            (true, true) => "FALSE".to_string(),
            (false, false) => holds(&a.v, &b.v)?,
        };
        Ok(if op == CmpOp::Ne {
            format!("NOT {any}")
        } else {
            any
        })
    }

    /// `list_any` over a list expression; a constant list's elements are keyed in Rust.
    pub(super) fn list_any_of(
        &self,
        e: &Expr,
        v: &str,
        country: bool,
        pred: impl Fn(String) -> Result<String, CompileError>,
    ) -> Result<String, CompileError> {
        if let ExprKind::Const(Value::List(items)) = &e.kind {
            if items.is_empty() {
                return Ok("FALSE".to_string());
            }
            let parts: Vec<String> = items
                .iter()
                .map(|i| pred(self.element_constant(i, country)))
                .collect::<Result<_, _>>()?;
            return Ok(format!("({})", parts.join(" OR ")));
        }
        let x = self.var();
        let p = pred(x.clone())?;
        Ok(self.d.list_any(v, &x, &p))
    }

    /// An element of a constant list as `element_key` expects it: text as its key.
    pub(super) fn element_constant(&self, v: &Value, country: bool) -> String {
        match v {
            Value::String(s) => self.d.string(&semantics::key(s, country)),
            other => self.constant(other).unwrap_or_else(|_| "NULL".to_string()),
        }
    }

    /// `value in list`: some element of `value` equals some element of `list`.
    pub(super) fn any_equal(
        &self,
        (ev, v): (&Expr, &Sql),
        (el, l): (&Expr, &Sql),
        country: bool,
        scope: Scope,
    ) -> Result<String, CompileError> {
        // The usual case: a constant list, decided by its keys.
        if let ExprKind::Const(c) = &el.kind {
            let items = semantics::elements(c);
            return self.any_element(ev, &v.v, |x| {
                self.in_constants(ev, &x, items, country, scope)
            });
        }
        self.any_element(ev, &v.v, |x| {
            let ty = (ev.ty.element(), el.ty.element());
            let x_expr = scalar_view(ev);
            if el.ty.is_list() {
                let y = self.var();
                let eq = self.scalar_equal((&x_expr, &x), (el, &y), ty, country, scope)?;
                Ok(self.d.list_any(&l.v, &y, &eq))
            } else {
                self.scalar_equal((&x_expr, &x), (el, &l.v), ty, country, scope)
            }
        })
    }

    /// Whether scalar `x` (of expression `e`) equals one of the constants `items`.
    pub(super) fn in_constants(
        &self,
        e: &Expr,
        x: &str,
        items: &[Value],
        country: bool,
        scope: Scope,
    ) -> Result<String, CompileError> {
        let elem = e.ty.element();
        let mut keys = Vec::new();
        for item in items {
            match (item, elem) {
                (Value::String(s), Some(Scalar::String)) => {
                    keys.push(self.d.string(&semantics::key(s, country)))
                }
                (Value::Number(n), Some(Scalar::Number))
                | (Value::Duration(n), Some(Scalar::Duration)) => keys.push(self.double(*n)),
                (Value::Date(days), Some(Scalar::Date)) => keys.push(self.double(f64::from(*days))),
                (Value::Bool(b), Some(Scalar::Bool)) => {
                    keys.push(if *b { "2" } else { "0" }.to_string())
                }
                _ => {}
            }
        }
        if keys.is_empty() {
            return Ok("FALSE".to_string());
        }
        let key = if elem == Some(Scalar::String) {
            self.element_key(e, x, country, scope)?
        } else {
            x.to_string()
        };
        Ok(format!("({key} IN ({}))", keys.join(", ")))
    }

    pub(super) fn has(
        &self,
        kind: HasKind,
        (el, l): (&Expr, &Sql),
        (ei, i): (&Expr, &Sql),
        country: bool,
        scope: Scope,
    ) -> Result<String, CompileError> {
        // contains(x): some element of the list equals x.
        let contains = |x: &str, x_expr: &Expr| -> Result<String, CompileError> {
            let ty = (el.ty.element(), x_expr.ty.element());
            if !el.ty.is_list() {
                return self.scalar_equal((el, &l.v), (x_expr, x), ty, country, scope);
            }
            let y = self.var();
            let eq = self.scalar_equal((el, &y), (x_expr, x), ty, country, scope)?;
            Ok(self.d.list_any(&l.v, &y, &eq))
        };
        match kind {
            HasKind::One => {
                if ei.ty.is_list() {
                    // A list is never equal to an element.
                    return Ok("FALSE".to_string());
                }
                contains(&i.v, ei)
            }
            HasKind::Any | HasKind::All => {
                let all = kind == HasKind::All;
                if let ExprKind::Const(c) = &ei.kind {
                    let items = semantics::elements(c);
                    if items.is_empty() {
                        return Ok(if all { "TRUE" } else { "FALSE" }.to_string());
                    }
                    let parts: Vec<String> = items
                        .iter()
                        .map(|item| {
                            let one = Expr {
                                kind: ExprKind::Const(item.clone()),
                                ty: item.ty(),
                                span: ei.span,
                            };
                            let sql = self.constant(item)?;
                            contains(&sql, &one)
                        })
                        .collect::<Result<_, _>>()?;
                    let joiner = if all { " AND " } else { " OR " };
                    return Ok(format!("({})", parts.join(joiner)));
                }
                let item_view = scalar_view(ei);
                if !ei.ty.is_list() {
                    return contains(&i.v, &item_view);
                }
                let x = self.var();
                let c = contains(&x, &item_view)?;
                Ok(if all {
                    format!("NOT {}", self.d.list_any(&i.v, &x, &format!("NOT {c}")))
                } else {
                    self.d.list_any(&i.v, &x, &c)
                })
            }
        }
    }
}

/// Whether values of a scalar type are ordered (numbers, dates, durations).
pub(super) fn ordered(s: Scalar) -> bool {
    matches!(s, Scalar::Number | Scalar::Date | Scalar::Duration)
}

/// An element of a list expression, seen as a scalar of the element type (for keys: its
/// country-ness is that of the list, which `key` refuses for non-constant lists).
fn scalar_view(e: &Expr) -> Expr {
    match e.ty {
        Type::List(Some(s)) => Expr {
            kind: ExprKind::Const(Value::Bool(false)),
            ty: Type::Scalar(s),
            span: e.span,
        },
        _ => e.clone(),
    }
    .with_kind_of(e)
}

trait WithKind {
    fn with_kind_of(self, e: &Expr) -> Expr;
}

impl WithKind for Expr {
    /// Keeps the element type but marks a list's element as "not a constant, not a field"
    /// so that its key is the text key.
    fn with_kind_of(self, e: &Expr) -> Expr {
        if e.ty.is_list() {
            Expr {
                kind: ExprKind::Today,
                ..self
            }
        } else {
            self
        }
    }
}

/// Whether an expression reads a country field (so text compares by ISO code), as the
/// reference evaluator decides it.
pub fn is_country(rules: &RuleSet, e: &Expr) -> bool {
    icp_engine::eval::reference::is_country(rules, e)
}

/// The country field an expression reads, through lets and `lower`, and whether it is a
/// contact's.
fn country_field(rules: &RuleSet, e: &Expr) -> Option<(icp_engine::FieldId, bool)> {
    match &e.kind {
        ExprKind::Field(f) if rules.schema.field(*f).is_country() => Some((*f, false)),
        ExprKind::ContactField(f) if rules.schema.field(*f).is_country() => Some((*f, true)),
        ExprKind::Let(id) => country_field(rules, &rules.lets[id.0 as usize].value),
        ExprKind::Call {
            builtin: Builtin::Lower,
            arg,
        } => country_field(rules, arg),
        _ => None,
    }
}
