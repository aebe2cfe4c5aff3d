//! Columns compared with a constant: one loop per operator over the raw values.
//!
//! How it works: a number, duration or date column against a constant of its own type is
//! compared in place, the operator matched once for the whole column rather than per row, and
//! a row whose value is missing is unknown. Any other pairing is compared value by value as the
//! reference evaluator compares.

use super::evaluator::Vector;
use crate::batch::Column;
use crate::eval::reference;
use crate::ir::CmpOp;
use crate::schema::Value;
use crate::semantics::Truth;

/// A column compared with a constant, row by row: unknown where the value is missing. Number,
/// duration and date columns against a constant of their own type are read in place; any
/// other pairing is compared as the reference evaluator compares.
pub(super) fn compare(column: &Column, rows: usize, op: CmpOp, value: &Value) -> Vector {
    fn each<T: PartialOrd + Copy>(values: &[T], valid: &[bool], op: CmpOp, c: &T) -> Vector {
        let mut truths = compare_each(values, op, c, |_, holds| Truth::from_bool(holds));
        // Unknown where the value is missing.
        for (t, valid) in truths.iter_mut().zip(valid) {
            *t = Truth::known_if(*valid, *t == Truth::True);
        }
        Vector::Truth(truths)
    }
    match (column, value) {
        (Column::Number { values, valid }, Value::Number(c))
        | (Column::Duration { values, valid }, Value::Duration(c)) => {
            each(&values[..rows], &valid[..rows], op, c)
        }
        (Column::Date { values, valid }, Value::Date(c)) => {
            each(&values[..rows], &valid[..rows], op, c)
        }
        _ => Vector::Truth(
            (0..rows)
                .map(|r| match column.get(r) {
                    None => Truth::Unknown,
                    Some(v) => Truth::from_bool(reference::compare(op, &v, value, false)),
                })
                .collect(),
        ),
    }
}

/// `v op c` for each value `v`, made a truth by `truth(v, holds)`: one loop per operator, so
/// the operator is not matched again for every value. As `CmpOp::holds` on `partial_cmp`:
/// nothing holds of an unordered pair (`!=` included).
pub(super) fn compare_each<T: PartialOrd + Copy>(
    values: &[T],
    op: CmpOp,
    c: &T,
    truth: impl Fn(T, bool) -> Truth,
) -> Vec<Truth> {
    use std::cmp::Ordering::{Greater, Less};
    fn each<T: Copy>(
        values: &[T],
        holds: impl Fn(&T) -> bool,
        truth: impl Fn(T, bool) -> Truth,
    ) -> Vec<Truth> {
        values.iter().map(|v| truth(*v, holds(v))).collect()
    }
    match op {
        CmpOp::Eq => each(values, |v| v == c, truth),
        // Not `v != c`, which holds of NaN.
        CmpOp::Ne => each(
            values,
            |v| matches!(v.partial_cmp(c), Some(Less | Greater)),
            truth,
        ),
        CmpOp::Lt => each(values, |v| v < c, truth),
        CmpOp::Le => each(values, |v| v <= c, truth),
        CmpOp::Gt => each(values, |v| v > c, truth),
        CmpOp::Ge => each(values, |v| v >= c, truth),
    }
}
