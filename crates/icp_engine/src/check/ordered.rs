//! Ordered categories in comparisons: `funding.last_round_type >= "Series B"`.
//!
//! How it works: [`Checker::order_of`] says which ordered category an expression's text
//! follows — a field's `order` in the schema, a signal's declared order, or the order of the
//! let it names. When a side of `<`, `<=`, `>`, `>=` or `between` has one, every side is
//! lowered to a rank: the ordered expression to [`ExprKind::Rank`] (a number, unknown when a
//! lead's text is not in the order), a string constant to its rank, found once here. A
//! constant that is not in the order is `E0030` with the closest spelling as a help; a side of
//! another type or order is a type mismatch. `==`, `!=` and `in` keep comparing text.

use icp_diagnostics::Code;

use crate::ir::{Expr, ExprKind};
use crate::schema::{OrderId, Type, Value};

use super::{Checker, did_you_mean, error_expr};

impl Checker<'_> {
    /// The ordered category the text of `e` follows, if any.
    pub(super) fn order_of(&self, e: &Expr) -> Option<OrderId> {
        if e.ty != Type::STRING {
            return None;
        }
        match &e.kind {
            ExprKind::Field(f) | ExprKind::ContactField(f) => self.schema.field(*f).order,
            ExprKind::Signal(call) => {
                let signal = self.signal_calls[call.0 as usize].signal;
                let name = self.catalog.signal(signal).order.as_deref()?;
                self.schema.orders().lookup(name)
            }
            ExprKind::Let(id) => match &self.let_state.get(id.0 as usize)? {
                super::State::Done(def) => self.order_of(&def.value),
                _ => None,
            },
            _ => None,
        }
    }

    /// The order shared by the sides of an ordering comparison, when one of them has one.
    pub(super) fn shared_order(&self, sides: &[&Expr]) -> Option<OrderId> {
        sides.iter().find_map(|e| self.order_of(e))
    }

    /// One side of an ordered comparison as a rank in `order`: the expression's rank, or a
    /// string constant's. Reports and returns an error placeholder otherwise.
    pub(super) fn ranked(&mut self, order: OrderId, e: Expr) -> Expr {
        let span = e.span;
        if e.ty.is_error() {
            return e;
        }
        if self.order_of(&e) == Some(order) {
            return Expr {
                kind: ExprKind::Rank {
                    order,
                    value: Box::new(e),
                },
                ty: Type::NUMBER,
                span,
            };
        }
        let the_order = self.schema.orders().get(order);
        let (name, values) = (the_order.name.clone(), the_order.describe());
        if let ExprKind::Const(Value::String(text)) = &e.kind {
            if let Some(rank) = the_order.rank(text) {
                return Expr {
                    kind: ExprKind::Const(Value::Number(rank)),
                    ty: Type::NUMBER,
                    span,
                };
            }
            let names = the_order.level_names();
            let suggestion = did_you_mean(text, names.into_iter()).map(str::to_string);
            let d = self.error(
                Code::NOT_IN_ORDER,
                span,
                format!("\"{text}\" is not a value of the ordered category `{name}`"),
            );
            d.help = Some(match suggestion {
                Some(s) => format!("did you mean \"{s}\"? the values are {values}"),
                None => format!("the values are {values}"),
            });
            return error_expr(span);
        }
        let shown = self.show(span);
        let d = self.error(
            Code::TYPE_MISMATCH,
            span,
            format!(
                "`{shown}` ({}) cannot be ordered against the ordered category `{name}`",
                e.ty
            ),
        );
        d.help = Some(format!(
            "compare with a constant such as \"{}\", or a field or signal of the same category",
            first_value(&values)
        ));
        error_expr(span)
    }
}

/// The first value a description of an order names, for a help's example.
fn first_value(values: &str) -> &str {
    values.split(" < ").next().unwrap_or(values)
}
