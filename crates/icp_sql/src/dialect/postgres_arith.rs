//! Double arithmetic for PostgreSQL without its range errors.
//!
//! PostgreSQL raises an error ("value out of range") where an operation on finite doubles
//! overflows to infinity or underflows to zero, and where `POWER` does; `icp score` (IEEE
//! arithmetic) gets infinity, which makes the result unknown, or zero, which is a number. So
//! the query must never let Postgres compute an operation that would overflow or underflow.
//!
//! How it works: each operation is a `CASE` that decides from its operands whether the exact
//! IEEE result overflows or underflows, and computes the operation only where it does
//! neither. It names each operand several times, so the compiler gives this dialect's
//! operands columns of their own (`Dialect::arith_repeats_operands`, `hoist`): an operand is
//! a column name or a short text, and a chain of operations is a chain of columns, linear in
//! size. The decision is exact: a product or quotient is decided on the operands rescaled by
//! powers of two into [2⁻⁵⁰⁰, 2⁵⁰⁰] (rescaling by a power of two is exact there, and the
//! rescaled operation can neither overflow nor underflow), compared with the overflow and
//! underflow bounds rescaled the same way; a sum of operands of at least 1 is decided on
//! their halves. Infinite, NaN and zero operands never raise an error in Postgres and go
//! straight to the operation.

use super::{Dialect, Postgres};

/// 2^`e`, for `e` in the normal exponent range.
fn pow2(e: i32) -> f64 {
    debug_assert!((-1022..=1023).contains(&e));
    f64::from_bits(((1023 + e) as u64) << 52)
}

/// Operands above this magnitude are scaled down by 2⁻⁶⁰⁰, below its inverse up by 2⁶⁰⁰.
const SCALE_LIMIT: i32 = 500;
const SCALE: i32 = 600;

/// `x op y` (`op` one of `+ - * /`, the divisor never zero; `x` and `y` short: a column or a
/// literal): the IEEE result, `NULL` where it would overflow, and zero where it would
/// underflow.
pub(super) fn arith(d: &Postgres, x: &str, op: char, y: &str) -> String {
    let max = d.double(f64::MAX);
    let finite = |v: &str| format!("ABS({v}) <= {max}");
    match op {
        '+' | '-' => format!(
            "(CASE WHEN NOT (ABS({x}) >= 1 AND ABS({y}) >= 1 AND {} AND {}) THEN {x} {op} {y} \
             WHEN ABS({x} * {half} {op} {y} * {half}) >= {top} THEN NULL ELSE {x} {op} {y} END)",
            finite(x),
            finite(y),
            half = d.double(0.5),
            top = d.double(pow2(1023)),
        ),
        '*' | '/' => {
            // The scale class of an operand: 1 above 2^500, -1 below 2^-500, else 0; the
            // operand rescaled by 2^(-600 class) lies in [2^-500, 2^500].
            let class = |v: &str| {
                format!(
                    "(CASE WHEN ABS({v}) > {} THEN 1 WHEN ABS({v}) < {} THEN -1 ELSE 0 END)",
                    d.double(pow2(SCALE_LIMIT)),
                    d.double(pow2(-SCALE_LIMIT))
                )
            };
            let scaled = |v: &str| {
                format!(
                    "({v} * CASE WHEN ABS({v}) > {} THEN {} WHEN ABS({v}) < {} THEN {} ELSE 1 END)",
                    d.double(pow2(SCALE_LIMIT)),
                    d.double(pow2(-SCALE)),
                    d.double(pow2(-SCALE_LIMIT)),
                    d.double(pow2(SCALE))
                )
            };
            // The result is the rescaled one, `s`, times 2^(600 k).
            let k = format!(
                "({} {} {})",
                class(x),
                if op == '*' { '+' } else { '-' },
                class(y)
            );
            let s = format!("ABS({} {op} {})", scaled(x), scaled(y));
            // Overflow: at least 2^1024 once rounded; underflow: at most 2^-1075.
            let over = |k: i32| d.double(pow2(1024 - SCALE * k));
            let under = |k: i32| d.double(pow2(-1075 - SCALE * k));
            format!(
                "(CASE WHEN NOT ({x} <> 0 AND {y} <> 0 AND {} AND {}) THEN {x} {op} {y} \
                 WHEN {s} >= CASE {k} WHEN 2 THEN {} WHEN 1 THEN {} END THEN NULL \
                 WHEN {s} <= CASE {k} WHEN -2 THEN {} WHEN -1 THEN {} END THEN SIGN({x}) * SIGN({y}) * 0 \
                 ELSE {x} {op} {y} END)",
                finite(x),
                finite(y),
                over(2),
                over(1),
                under(-2),
                under(-1),
            )
        }
        _ => format!("({x} {op} {y})"),
    }
}

/// `x` (short: the compiler gives a long one a column) when finite, else null.
pub(super) fn finite(d: &Postgres, x: &str) -> String {
    format!(
        "(CASE WHEN ABS({x}) <= {} THEN {x} END)",
        d.double(f64::MAX)
    )
}

/// 0.5 to the power `e` (never negative): Postgres' `POWER` raises an error where the result
/// underflows to zero (`e` at least 1075, where IEEE rounds 2^-1075 to zero).
pub(super) fn half_power(d: &Postgres, e: &str) -> String {
    format!(
        "(SELECT CASE WHEN e >= 1075 THEN {} ELSE POWER({}, e) END FROM (SELECT {e} AS e OFFSET 0) AS o)",
        d.double(0.0),
        d.double(0.5)
    )
}

#[cfg(test)]
mod tests {
    use super::pow2;

    #[test]
    fn powers_of_two_are_exact() {
        assert_eq!(pow2(0), 1.0);
        assert_eq!(pow2(-1), 0.5);
        assert_eq!(pow2(1023), 2f64.powi(1023));
        assert_eq!(pow2(-176), 2f64.powi(-176));
    }
}
