//! The value semantics every evaluator shares: three-valued truth, text and country keys,
//! equality and ordering of values.
//!
//! How it works: text compares by its *key* — trimmed and lower-cased — so `" Software "` and
//! `"software"` are equal; a country compares by its ISO-3166 alpha-2 code when the text names
//! a country (`"United States"`, `"USA"` and `"us"` all have the key `us`), else by its text
//! key. Missing values never reach these functions: the evaluators turn them into *unknown*
//! first, and [`Truth`] carries unknown through `and`, `or` and `not` (Kleene logic).

use std::cmp::Ordering;
use std::str::FromStr;

use serde::Serialize;

use crate::schema::Value;

/// A three-valued truth: a condition over missing data is `Unknown`, never false.
///
/// Ordered `False < Unknown < True`, one byte each, so that Kleene `and` is the smaller of two
/// truths and `or` the larger: a vector of truths is combined without a branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[repr(u8)]
pub enum Truth {
    False = 0,
    Unknown = 1,
    True = 2,
}

impl Truth {
    pub fn from_bool(b: bool) -> Truth {
        if b { Truth::True } else { Truth::False }
    }

    /// `from_bool(holds)` where the value is there (`known`), else `Unknown`: worked out as
    /// the truth's byte (`2·(known ∧ holds) + ¬known`), so that a loop of them needs no
    /// branch.
    pub fn known_if(known: bool, holds: bool) -> Truth {
        match 2 * u8::from(known & holds) + u8::from(!known) {
            0 => Truth::False,
            1 => Truth::Unknown,
            _ => Truth::True,
        }
    }

    /// Kleene `and`: false wins, then unknown.
    pub fn and(self, other: Truth) -> Truth {
        self.min(other)
    }

    /// Kleene `or`: true wins, then unknown.
    pub fn or(self, other: Truth) -> Truth {
        self.max(other)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Truth::True => "true",
            Truth::False => "false",
            Truth::Unknown => "unknown",
        }
    }
}

impl std::ops::Not for Truth {
    type Output = Truth;

    /// Kleene `not`: unknown stays unknown.
    fn not(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }
}

/// The comparison key of text: trimmed and lower-cased.
pub fn text_key(text: &str) -> String {
    text.trim().to_lowercase()
}

/// The comparison key of a country: its ISO-3166 alpha-2 code, lower-cased, when the text is
/// a code or an English name the ISO tables know; otherwise its text key.
pub fn country_key(text: &str) -> String {
    match country_alpha2(text) {
        Some(code) => code.to_lowercase(),
        None => text_key(text),
    }
}

/// The ISO-3166 alpha-2 code of a country's code or English name, when the ISO tables know it.
pub fn country_alpha2(text: &str) -> Option<&'static str> {
    let compact: String = text
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '.')
        .collect();
    celes::Country::from_str(&compact)
        .ok()
        .map(|country| country.alpha2)
}

/// The key a text is compared by, as a country or as plain text.
pub fn key(text: &str, country: bool) -> String {
    if country {
        country_key(text)
    } else {
        text_key(text)
    }
}

/// Equality of two scalar values (text by key). Values of different types are never equal.
pub fn equal(a: &Value, b: &Value, country: bool) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => key(x, country) == key(y, country),
        (Value::Number(x), Value::Number(y)) | (Value::Duration(x), Value::Duration(y)) => x == y,
        (Value::Date(x), Value::Date(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        _ => false,
    }
}

/// Ordering of two scalar values of an ordered type (numbers, dates, durations).
pub fn order(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) | (Value::Duration(x), Value::Duration(y)) => {
            x.partial_cmp(y)
        }
        (Value::Date(x), Value::Date(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// The elements of a value: a list's items, or the value itself.
pub fn elements(v: &Value) -> &[Value] {
    match v {
        Value::List(items) => items,
        other => std::slice::from_ref(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn and_or_not_truth_tables() {
        use Truth::*;
        let all = [True, False, Unknown];
        let and = [
            [True, False, Unknown],
            [False, False, False],
            [Unknown, False, Unknown],
        ];
        let or = [
            [True, True, True],
            [True, False, Unknown],
            [True, Unknown, Unknown],
        ];
        for (i, a) in all.iter().enumerate() {
            for (j, b) in all.iter().enumerate() {
                assert_eq!(a.and(*b), and[i][j], "{a:?} and {b:?}");
                assert_eq!(a.or(*b), or[i][j], "{a:?} or {b:?}");
            }
        }
        assert_eq!(!True, False);
        assert_eq!(!False, True);
        assert_eq!(!Unknown, Unknown);
    }

    #[test]
    fn text_ignores_case_and_surrounding_space() {
        let a = Value::String("  Software ".into());
        let b = Value::String("software".into());
        assert!(equal(&a, &b, false));
        assert!(!equal(&a, &Value::String("soft ware".into()), false));
    }

    #[test]
    fn countries_compare_by_iso_code_or_english_name() {
        for (x, y) in [
            ("US", "United States"),
            ("us", "USA"),
            ("GB", "United Kingdom"),
            ("DE", "Germany"),
            ("nl", "Netherlands"),
        ] {
            assert!(
                equal(&Value::String(x.into()), &Value::String(y.into()), true),
                "{x} == {y}"
            );
        }
        assert!(!equal(
            &Value::String("US".into()),
            &Value::String("CA".into()),
            true
        ));
        // Unknown places still compare as text.
        assert!(equal(
            &Value::String("Atlantis".into()),
            &Value::String(" atlantis".into()),
            true
        ));
        // Outside country fields, codes are just text.
        assert!(!equal(
            &Value::String("US".into()),
            &Value::String("United States".into()),
            false
        ));
    }
}
