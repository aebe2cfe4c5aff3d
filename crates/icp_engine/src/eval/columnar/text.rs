//! Text tests over text and text-list columns, decided once per distinct dictionary value.
//!
//! How it works: a predicate (`==`/`in` on keys, `contains`, `starts with`, `matches`) is
//! decided for each value of a column's [`Dict`], then each row's code is mapped through that
//! table; a missing text has the code [`MISSING`], clamped to a last entry that is unknown. A
//! list holds when one of its items does, its hits counted from running sums; a missing list
//! is unknown. `len` is counted once per distinct text the same way, and so is the rank of a
//! text in an ordered category.

use super::evaluator::Vector;
use super::quantifiers::range_counts;
use crate::batch::{Column, Dict, MISSING};
use crate::eval::reference;
use crate::ir::RuleSet;
use crate::plan::TextPred;
use crate::schema::{Order, Value};
use crate::semantics::{self, Truth};

/// `len` of each row of a text or text-list column: the number of items of a list, of
/// characters of a text (counted once per distinct value).
pub(super) fn length(column: &Column, rows: usize) -> Vector {
    let missing = f64::NAN;
    Vector::Numbers(match column {
        Column::TextList { offsets, valid, .. } => (offsets[..=rows].windows(2).zip(valid))
            .map(|(w, valid)| {
                if *valid {
                    (w[1] - w[0]) as f64
                } else {
                    missing
                }
            })
            .collect(),
        Column::Text { codes, dict } => {
            // The length of each code's text, then NaN for a missing value's code.
            let mut chars: Vec<f64> = dict.values().map(|v| v.chars().count() as f64).collect();
            let last = chars.len();
            chars.push(missing);
            codes[..rows]
                .iter()
                .map(|c| chars[(*c as usize).min(last)])
                .collect()
        }
        column => (0..rows)
            .map(|r| match column.get(r) {
                Some(Value::List(items)) => items.len() as f64,
                Some(Value::String(s)) => s.chars().count() as f64,
                _ => missing,
            })
            .collect(),
    })
}

/// The rank of each row's text in `order` (NaN when missing or not in the order), decided
/// once per distinct value of a dictionary column.
pub(super) fn ranks(column: &Column, rows: usize, order: &Order) -> Vector {
    let rank = |s: &str| order.rank(s).unwrap_or(f64::NAN);
    Vector::Numbers(match column {
        Column::Text { codes, dict } => {
            let mut by_code: Vec<f64> = dict.values().map(rank).collect();
            let last = by_code.len();
            by_code.push(f64::NAN);
            codes[..rows]
                .iter()
                .map(|c| by_code[(*c as usize).min(last)])
                .collect()
        }
        column => (0..rows)
            .map(|r| match column.get(r) {
                Some(Value::String(s)) => rank(&s),
                _ => f64::NAN,
            })
            .collect(),
    })
}

pub(super) fn pred_holds(rules: &RuleSet, pred: &TextPred, value: &str, country: bool) -> bool {
    match pred {
        TextPred::Keys(keys) => {
            let k = semantics::key(value, country);
            keys.contains(&k)
        }
        TextPred::Contains(n) => reference::text_test(false, value, n),
        TextPred::StartsWith(n) => reference::text_test(true, value, n),
        TextPred::Matches(re) => rules.regexes[re.0 as usize].regex.is_match(value),
    }
}

/// A predicate on a text or text-list column, decided once per distinct value.
pub(super) fn text_test(
    column: &Column,
    rows: usize,
    hits: impl Fn(&Dict) -> Vec<bool>,
    negate: bool,
) -> Vector {
    match column {
        Column::Text { codes, dict } => {
            // The truth of each code, then unknown for a missing value, whose code
            // (`MISSING`) is past the end: every code is clamped to that last entry.
            let mut truths: Vec<Truth> = hits(dict)
                .iter()
                .map(|hit| Truth::from_bool(*hit != negate))
                .collect();
            let last = truths.len();
            truths.push(Truth::Unknown);
            debug_assert!(MISSING as usize >= last);
            Vector::Truth(
                codes[..rows]
                    .iter()
                    .map(|c| truths[(*c as usize).min(last)])
                    .collect(),
            )
        }
        Column::TextList {
            offsets,
            codes,
            valid,
            dict,
        } => {
            let hit = hits(dict);
            let offsets = &offsets[..=rows];
            let items = &codes[..offsets[rows] as usize];
            let hits = range_counts(offsets, items.iter().map(|c| hit[*c as usize]));
            Vector::Truth(
                (hits.iter().zip(valid))
                    .map(|(n, valid)| Truth::known_if(*valid, (*n > 0) != negate))
                    .collect(),
            )
        }
        _ => Vector::Truth(vec![Truth::Unknown; rows]),
    }
}

pub(super) fn has_all(column: &Column, rows: usize, keys: &[String], country: bool) -> Vector {
    let Column::TextList {
        offsets,
        codes,
        valid,
        dict,
    } = column
    else {
        return Vector::Truth(vec![Truth::Unknown; rows]);
    };
    // For each wanted key, which dictionary codes carry it.
    let dict_keys: Vec<String> = dict.values().map(|v| semantics::key(v, country)).collect();
    Vector::Truth(
        (0..rows)
            .map(|r| {
                if !valid[r] {
                    return Truth::Unknown;
                }
                let row = &codes[offsets[r] as usize..offsets[r + 1] as usize];
                Truth::from_bool(
                    keys.iter()
                        .all(|k| row.iter().any(|c| dict_keys[*c as usize] == *k)),
                )
            })
            .collect(),
    )
}
