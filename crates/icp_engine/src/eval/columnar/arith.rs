//! The numeric lane: number fields, signals and arithmetic over `f64` vectors.
//!
//! How it works: a number column is read once into a vector of `f64` with NaN where the value
//! is missing ([`Column::numbers`] is the one place the batch's validity flags become NaN);
//! `+`, `-`, `*`, `/` and unary `-` of two such vectors (or of a vector and a constant) are one
//! loop each, with no [`Value`] built per row. Missing values: NaN in, NaN out, so a missing
//! operand makes the result unknown as in the reference evaluator; a division by zero and a
//! result that is not finite are NaN too, exactly where the reference evaluator's arithmetic
//! says unknown. Durations and dates keep the row-by-row path (their vectors are values).
//!
//! [`Column::numbers`]: crate::batch::Column::numbers

use std::borrow::Cow;

use super::evaluator::Vector;
use crate::ir::{ArithOp, Expr, ExprKind};
use crate::schema::Value;

/// `expr` over its operands' vectors when it is number arithmetic whose operands are all
/// numbers (a number vector or a number constant); `None` sends it down the row-by-row path.
pub(super) fn number_arith(expr: &Expr, args: &[&Vector], rows: usize) -> Option<Vector> {
    match (&expr.kind, args) {
        (ExprKind::Neg(_), [x]) => {
            let x = numbers(x, rows)?;
            Some(Vector::Numbers(x.iter().map(|x| -x).collect()))
        }
        (ExprKind::Arith { op, .. }, [x, y]) => {
            let f: fn(f64, f64) -> f64 = match op {
                ArithOp::Add => |a, b| a + b,
                ArithOp::Sub => |a, b| a - b,
                ArithOp::Mul => |a, b| a * b,
                // Unknown, as the reference evaluator says of a division by zero.
                ArithOp::Div => |a, b| if b == 0.0 { f64::NAN } else { a / b },
                ArithOp::DateAdd | ArithOp::DateSub | ArithOp::DateDiff => return None,
            };
            let (x, y) = (numbers(x, rows)?, numbers(y, rows)?);
            let finite = |n: f64| if n.is_finite() { n } else { f64::NAN };
            Some(Vector::Numbers(
                x.iter()
                    .zip(y.iter())
                    .map(|(a, b)| finite(f(*a, *b)))
                    .collect(),
            ))
        }
        _ => None,
    }
}

/// A vector's numbers, NaN where missing: a number vector as it is, a number constant (or an
/// unknown one) repeated; `None` for anything else, including a number vector of another
/// type's values.
fn numbers(v: &Vector, rows: usize) -> Option<Cow<'_, [f64]>> {
    match v {
        Vector::Numbers(n) => Some(Cow::Borrowed(&n[..rows])),
        Vector::Scalar(Some(Value::Number(c))) => Some(Cow::Owned(vec![*c; rows])),
        Vector::Scalar(None) => Some(Cow::Owned(vec![f64::NAN; rows])),
        _ => None,
    }
}
