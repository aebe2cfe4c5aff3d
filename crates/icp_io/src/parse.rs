//! Value parsing: the raw text of a cell (or a JSON value) into a value of its field's type.
//!
//! How it works: every field gets a [`Kind`] once, from its type and the kind the schema gives
//! it ([`Kind::for_field`]): a headcount (`company.employees`) parses ranges, money
//! (`company.revenue`) currencies and notes, a domain (`company.domain`) is normalised, a year
//! (`company.founded`) may be a date, other numbers accept thousands separators, magnitudes and
//! a currency, and so on; a custom field declared with a kind parses as the canonical field of
//! that kind. [`parse_text`] and [`parse_json`] then turn one raw value into a
//! [`Parsed`]: a value, *missing* (an empty cell or a placeholder such as `n/a`), or *invalid*
//! (text that does not parse for the field's type — the reader counts it and stores the value
//! as missing). Each piece is a small pure function with its own tests; none of them panics on
//! any input.
//!
//! This module holds the kinds, what counts as missing, lists, domains and yes/no; numbers
//! (plain, employees, money, years: how separators and magnitudes are read) are in
//! `numbers`, dates and durations in `dates`.

mod dates;
mod numbers;

pub use dates::{parse_date, parse_duration};
pub use numbers::{parse_employees, parse_money, parse_number, parse_year};

use icp_engine::{FieldDef, FieldKind, Scalar, Type, Value};

/// What parsing one raw value gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    /// A value of the field's type.
    Value(Value),
    /// Empty, or a placeholder for "no value" (`n/a`, `-`, `null`, …).
    Missing,
    /// Present but not readable as the field's type; the reader stores it as missing and counts
    /// it.
    Invalid,
}

/// How the raw text of a field is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Trimmed text.
    Text,
    /// A web domain, normalised by [`normalize_domain`].
    Domain,
    /// An employee count or range, by [`parse_employees`].
    Employees,
    /// An amount of money, by [`parse_money`].
    Money,
    /// A year, by [`parse_year`].
    Year,
    /// Any other number, by [`parse_number`].
    Number,
    /// By [`parse_bool`].
    Bool,
    /// By [`parse_date`].
    Date,
    /// By [`parse_duration`].
    Duration,
    /// A list split on the list separator, each item read as the scalar type.
    List(Scalar),
}

impl Kind {
    /// The kind for a field of the schema: by its [`FieldKind`] (which always fits its type),
    /// else by its type.
    pub fn for_field(field: &FieldDef) -> Kind {
        match field.kind {
            FieldKind::Domain => return Kind::Domain,
            FieldKind::Headcount => return Kind::Employees,
            FieldKind::Money => return Kind::Money,
            FieldKind::Year => return Kind::Year,
            FieldKind::Plain | FieldKind::Country | FieldKind::Phone | FieldKind::Industry => {}
        }
        match field.ty {
            Type::Scalar(s) => Kind::scalar(s),
            Type::List(s) => Kind::List(s.unwrap_or(Scalar::String)),
            Type::Error => Kind::Text,
        }
    }

    fn scalar(s: Scalar) -> Kind {
        match s {
            Scalar::Bool => Kind::Bool,
            Scalar::Number => Kind::Number,
            Scalar::String => Kind::Text,
            Scalar::Date => Kind::Date,
            Scalar::Duration => Kind::Duration,
        }
    }
}

/// Placeholders that mean "no value", compared ignoring case and surrounding space.
pub const MISSING_TOKENS: &[&str] = &[
    "", "n/a", "-", "--", "null", "none", "unknown", "#n/a", "nan",
];

/// The longest of [`MISSING_TOKENS`].
const MISSING_MAX: usize = 7;

/// `text` without surrounding white space, as [`str::trim`] (which this is, with a shortcut
/// for the usual text that starts and ends with a visible ASCII character).
#[inline]
pub fn trim(text: &str) -> &str {
    let bytes = text.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) if first.is_ascii_graphic() && last.is_ascii_graphic() => text,
        _ => text.trim(),
    }
}

/// Whether a raw value means "no value".
pub fn is_missing(text: &str) -> bool {
    is_missing_trimmed(trim(text))
}

/// [`is_missing`] for text already trimmed.
#[inline]
pub(crate) fn is_missing_trimmed(t: &str) -> bool {
    // Every token is empty or starts with one of these (a shortcut for the usual value, and
    // inlined where it is called for every cell).
    let first = t.as_bytes().first().map(u8::to_ascii_lowercase);
    matches!(first, None | Some(b'n' | b'-' | b'u' | b'#')) && is_missing_token(t)
}

/// Whether `t` is one of [`MISSING_TOKENS`], in any case.
fn is_missing_token(t: &str) -> bool {
    t.len() <= MISSING_MAX && MISSING_TOKENS.iter().any(|m| t.eq_ignore_ascii_case(m))
}

/// The number a trimmed, present text holds for a numeric kind (`Employees`, `Money`, `Year`,
/// `Number`; `None` when it does not parse, or for another kind): [`parse_text`]'s reading,
/// without a [`Value`] in between.
pub(crate) fn parse_number_kind(kind: Kind, t: &str) -> Option<f64> {
    match kind {
        Kind::Employees => parse_employees(t),
        Kind::Money => parse_money(t),
        Kind::Year => parse_year(t),
        Kind::Number => parse_number(t),
        _ => None,
    }
}

/// Parses the raw text of a cell for a field of kind `kind`; `separator` splits lists.
pub fn parse_text(kind: Kind, text: &str, separator: &str) -> Parsed {
    let t = trim(text);
    if is_missing_trimmed(t) {
        return Parsed::Missing;
    }
    let value = match kind {
        Kind::Text => Some(Value::String(t.to_string())),
        Kind::Domain => normalize_domain(t).map(Value::String),
        Kind::Employees | Kind::Money | Kind::Year | Kind::Number => {
            parse_number_kind(kind, t).map(Value::Number)
        }
        Kind::Bool => parse_bool(t).map(Value::Bool),
        Kind::Date => parse_date(t).map(Value::Date),
        Kind::Duration => parse_duration(t).map(Value::Duration),
        Kind::List(item) => {
            let mut values = Vec::new();
            for raw in split_items(t, separator) {
                match parse_text(Kind::scalar(item), raw, separator) {
                    Parsed::Value(v) => values.push(v),
                    Parsed::Missing => {}
                    Parsed::Invalid => return Parsed::Invalid,
                }
            }
            if values.is_empty() {
                return Parsed::Missing;
            }
            Some(Value::List(values))
        }
    };
    value.map_or(Parsed::Invalid, Parsed::Value)
}

/// Parses a JSON value for a field of kind `kind`: strings as [`parse_text`] does, JSON
/// numbers and booleans directly, arrays as lists.
pub fn parse_json(kind: Kind, value: &serde_json::Value, separator: &str) -> Parsed {
    use serde_json::Value as J;
    match value {
        J::Null => Parsed::Missing,
        J::String(s) => parse_text(kind, s, separator),
        J::Number(n) => {
            let Some(f) = n.as_f64().filter(|f| f.is_finite()) else {
                return Parsed::Invalid;
            };
            match kind {
                Kind::Employees | Kind::Money | Kind::Number => Parsed::Value(Value::Number(f)),
                Kind::Year => parse_year(&n.to_string())
                    .map_or(Parsed::Invalid, |y| Parsed::Value(Value::Number(y))),
                Kind::Duration => Parsed::Value(Value::Duration(f)),
                Kind::Bool if f == 0.0 || f == 1.0 => Parsed::Value(Value::Bool(f == 1.0)),
                Kind::Text | Kind::List(Scalar::String) | Kind::List(Scalar::Number) => {
                    parse_text(kind, &n.to_string(), separator)
                }
                _ => Parsed::Invalid,
            }
        }
        J::Bool(b) => match kind {
            Kind::Bool => Parsed::Value(Value::Bool(*b)),
            Kind::Text => Parsed::Value(Value::String(b.to_string())),
            _ => Parsed::Invalid,
        },
        J::Array(items) => {
            let Kind::List(item) = kind else {
                return Parsed::Invalid;
            };
            let mut values = Vec::with_capacity(items.len());
            for v in items {
                if matches!(v, J::Array(_) | J::Object(_)) {
                    return Parsed::Invalid;
                }
                match parse_json(Kind::scalar(item), v, separator) {
                    Parsed::Value(v) => values.push(v),
                    Parsed::Missing => {}
                    Parsed::Invalid => return Parsed::Invalid,
                }
            }
            if values.is_empty() {
                Parsed::Missing
            } else {
                Parsed::Value(Value::List(values))
            }
        }
        J::Object(_) => Parsed::Invalid,
    }
}

/// Splits a list on `separator`, trims the items and drops the empty ones. An empty separator
/// does not split.
pub fn split_list<'a>(text: &'a str, separator: &str) -> Vec<&'a str> {
    split_items(text, separator).collect()
}

pub(crate) fn split_items<'a, 'b>(text: &'a str, separator: &'b str) -> Items<'a, 'b> {
    Items {
        rest: Some(text),
        separator,
    }
}

/// The trimmed, non-empty items of a list; see [`split_list`].
pub(crate) struct Items<'a, 'b> {
    rest: Option<&'a str>,
    separator: &'b str,
}

impl<'a> Iterator for Items<'a, '_> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        loop {
            let rest = self.rest?;
            let at = match self.separator.as_bytes() {
                [] => None,
                [byte] => rest.bytes().position(|b| b == *byte),
                many => memchr::memmem::find(rest.as_bytes(), many),
            };
            let item = match at {
                Some(i) => {
                    self.rest = rest.get(i + self.separator.len()..);
                    rest.get(..i).unwrap_or_default()
                }
                None => {
                    self.rest = None;
                    rest
                }
            };
            let item = trim(item);
            if !item.is_empty() {
                return Some(item);
            }
        }
    }
}

/// A domain in canonical form: lower case, no scheme, no user, no `www.`, no port, no path,
/// query or fragment, no trailing dot. `None` when what is left is not a host name (empty,
/// without a dot, or with characters a host name cannot have).
pub fn normalize_domain(text: &str) -> Option<String> {
    let lower = text.trim().to_lowercase();
    let mut s = lower.as_str();
    if let Some(i) = s.find("://") {
        s = &s[i + 3..];
    }
    s = s.trim_start_matches('/');
    let end = s.find(['/', '?', '#']).unwrap_or(s.len());
    s = &s[..end];
    if let Some(at) = s.rfind('@') {
        s = &s[at + 1..];
    }
    if let Some(colon) = s.find(':') {
        s = &s[..colon];
    }
    s = s.strip_prefix("www.").unwrap_or(s);
    s = s.trim_end_matches('.');
    let valid = !s.is_empty()
        && s.contains('.')
        && !s.starts_with(['.', '-'])
        && !s.contains("..")
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.' || c == '_');
    valid.then(|| s.to_string())
}

/// Yes/no: `true false yes no y n 1 0`, any case.
pub fn parse_bool(text: &str) -> Option<bool> {
    let t = trim(text);
    const TRUE: &[&str] = &["true", "yes", "y", "1"];
    const FALSE: &[&str] = &["false", "no", "n", "0"];
    if TRUE.iter().any(|w| t.eq_ignore_ascii_case(w)) {
        Some(true)
    } else if FALSE.iter().any(|w| t.eq_ignore_ascii_case(w)) {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_input_panics() {
        let pieces = [
            "",
            " ",
            "1",
            "5",
            ".",
            ",",
            "-",
            "–",
            "+",
            "$",
            "€",
            "k",
            "M",
            "billion",
            "ü",
            "é",
            "employees",
            " to ",
            "(",
            ")",
            "/",
            ":",
            "@",
            "www.",
            "http://",
            "T",
            "2024",
            "03",
            "Mar",
            "\u{a0}",
            "١٢٣",
            "'",
            "_",
            "0",
            "x",
            "USD",
            "mio.",
        ];
        let kinds = [
            Kind::Text,
            Kind::Domain,
            Kind::Employees,
            Kind::Money,
            Kind::Year,
            Kind::Number,
            Kind::Bool,
            Kind::Date,
            Kind::Duration,
            Kind::List(Scalar::String),
            Kind::List(Scalar::Number),
            Kind::List(Scalar::Date),
        ];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let text = format!("{a}{b}{c}");
                    let separator = if text.len() % 2 == 0 { ";" } else { "ü" };
                    for kind in kinds {
                        let _ = parse_text(kind, &text, separator);
                    }
                }
            }
        }
    }

    #[test]
    fn placeholders_are_missing() {
        for t in [
            "",
            "  ",
            "n/a",
            "N/A",
            "-",
            "null",
            "NULL",
            "none",
            "None",
            "unknown",
            " Unknown ",
        ] {
            assert!(is_missing(t), "{t:?}");
            assert_eq!(parse_text(Kind::Number, t, ";"), Parsed::Missing, "{t:?}");
            assert_eq!(parse_text(Kind::Text, t, ";"), Parsed::Missing, "{t:?}");
        }
        assert!(!is_missing("0"));
        assert!(!is_missing("no"));
    }

    #[test]
    fn bools() {
        for t in ["true", "TRUE", "yes", "Y", "y", "1"] {
            assert_eq!(parse_bool(t), Some(true), "{t:?}");
        }
        for t in ["false", "No", "n", "0"] {
            assert_eq!(parse_bool(t), Some(false), "{t:?}");
        }
        assert_eq!(parse_bool("maybe"), None);
        assert_eq!(parse_bool("2"), None);
    }

    #[test]
    fn items_are_what_str_split_gives_trimmed_and_non_empty() {
        let alphabet = [";", " ", "a", "b", "é", "|", ";;", " ;", "long word"];
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        for _ in 0..3_000 {
            let text = crate::random_text(&mut state, &alphabet, 11);
            for separator in [";", "|", "; ", ";;"] {
                let expected: Vec<&str> = text
                    .split(separator)
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .collect();
                assert_eq!(
                    split_list(&text, separator),
                    expected,
                    "{text:?} {separator:?}"
                );
            }
        }
    }

    #[test]
    fn lists_split_trim_and_drop_empty_items() {
        assert_eq!(
            split_list(" Software ; Internet;;  ;IT Services ", ";"),
            ["Software", "Internet", "IT Services"]
        );
        assert_eq!(split_list("a, b", ", "), ["a", "b"]);
        assert_eq!(split_list("a;b", ""), ["a;b"]);
        let s = |x: &str| Value::String(x.into());
        assert_eq!(
            parse_text(Kind::List(Scalar::String), "Software;Internet", ";"),
            Parsed::Value(Value::List(vec![s("Software"), s("Internet")]))
        );
        assert_eq!(
            parse_text(Kind::List(Scalar::String), " ; ;", ";"),
            Parsed::Missing
        );
        assert_eq!(
            parse_text(Kind::List(Scalar::Number), "1;2K", ";"),
            Parsed::Value(Value::List(vec![Value::Number(1.0), Value::Number(2000.0)]))
        );
        assert_eq!(
            parse_text(Kind::List(Scalar::Number), "1;x", ";"),
            Parsed::Invalid
        );
    }

    #[test]
    fn domains_are_normalised() {
        let cases = [
            ("acme.com", "acme.com"),
            ("  ACME.com ", "acme.com"),
            ("https://www.acme.com/about?x=1", "acme.com"),
            ("http://Acme.co.uk:8080", "acme.co.uk"),
            ("www.acme.io", "acme.io"),
            ("//cdn.acme.io/x", "cdn.acme.io"),
            ("acme.com.", "acme.com"),
            ("info@acme.com", "acme.com"),
            ("münchen.de", "münchen.de"),
        ];
        for (text, want) in cases {
            assert_eq!(normalize_domain(text).as_deref(), Some(want), "{text:?}");
        }
        for bad in [
            "acme",
            "acme com",
            "http://",
            ".com",
            "a..b",
            "acme.com;beta.com",
        ] {
            assert_eq!(normalize_domain(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn text_is_trimmed_and_kept_as_given() {
        assert_eq!(
            parse_text(Kind::Text, "  United States ", ";"),
            Parsed::Value(Value::String("United States".into()))
        );
        assert_eq!(parse_text(Kind::Number, "lots", ";"), Parsed::Invalid);
    }

    #[test]
    fn the_first_letter_shortcut_misses_no_missing_token() {
        for token in MISSING_TOKENS {
            for text in [token.to_string(), token.to_uppercase()] {
                assert!(is_missing_trimmed(&text), "{text:?}");
            }
        }
        for text in ["a", "nope", "US", "-1", "unknowns", "#1", "0"] {
            assert!(!is_missing_trimmed(text), "{text:?}");
        }
    }

    #[test]
    fn the_trim_shortcut_trims_as_str_trim_does() {
        for text in [
            "",
            " ",
            "a",
            " a",
            "a ",
            "\u{a0}a\u{a0}",
            "a\u{2003}",
            "\u{3000}x",
            "é",
            " é ",
            "x\t",
            "\u{85}y",
            "a b",
            "\n",
        ] {
            assert_eq!(trim(text), text.trim(), "{text:?}");
        }
    }

    /// The parsing kind of the field `path` of `schema`.
    fn kind_of(schema: &icp_engine::Schema, path: &str) -> Kind {
        let (entity, name) = icp_engine::Entity::split_path(path).expect("a field path");
        let id = schema.lookup(entity, name).expect("a field of the schema");
        Kind::for_field(schema.field(id))
    }

    #[test]
    fn kinds_follow_field_and_type() {
        use icp_engine::Entity;
        let mut schema = icp_engine::Schema::canonical();
        schema.add_custom(Entity::Company, "arr", "number").unwrap();
        schema
            .add_custom(Entity::Company, "last_order", "date")
            .unwrap();
        assert_eq!(kind_of(&schema, "company.employees"), Kind::Employees);
        assert_eq!(kind_of(&schema, "company.revenue"), Kind::Money);
        assert_eq!(kind_of(&schema, "company.domain"), Kind::Domain);
        assert_eq!(kind_of(&schema, "company.founded"), Kind::Year);
        assert_eq!(kind_of(&schema, "contact.title"), Kind::Text);
        assert_eq!(kind_of(&schema, "company.arr"), Kind::Number);
        assert_eq!(
            kind_of(&schema, "company.industry"),
            Kind::List(Scalar::String)
        );
        assert_eq!(kind_of(&schema, "company.last_order"), Kind::Date);
    }

    #[test]
    fn custom_fields_parse_as_their_kind() {
        use icp_engine::Entity;
        let mut schema = icp_engine::Schema::canonical();
        for (name, ty, kind) in [
            ("staff", "number", "headcount"),
            ("arr", "number", "money"),
            ("incorporated", "number", "year"),
            ("website", "string", "domain"),
            ("hq_country", "string", "country"),
            ("markets", "list", "country"),
        ] {
            schema
                .add_custom_of_kind(Entity::Company, name, ty, Some(kind))
                .unwrap();
        }
        assert_eq!(kind_of(&schema, "company.staff"), Kind::Employees);
        assert_eq!(kind_of(&schema, "company.arr"), Kind::Money);
        assert_eq!(kind_of(&schema, "company.incorporated"), Kind::Year);
        assert_eq!(kind_of(&schema, "company.website"), Kind::Domain);
        assert_eq!(kind_of(&schema, "company.hq_country"), Kind::Text);
        assert_eq!(
            kind_of(&schema, "company.markets"),
            Kind::List(Scalar::String)
        );
    }

    #[test]
    fn a_custom_money_field_parses_like_revenue() {
        let mut schema = icp_engine::Schema::canonical();
        schema
            .add_custom_of_kind(icp_engine::Entity::Company, "arr", "number", Some("money"))
            .unwrap();
        let arr = kind_of(&schema, "company.arr");
        let revenue = kind_of(&schema, "company.revenue");
        for text in [
            "$1.2M",
            "€ 1.996 billion (2024)",
            "£2.5m (est.)",
            "$1M-$5M",
            "lots",
        ] {
            assert_eq!(
                parse_text(arr, text, ";"),
                parse_text(revenue, text, ";"),
                "{text:?}"
            );
        }
        assert_eq!(
            parse_text(arr, "$1.2M", ";"),
            Parsed::Value(Value::Number(1_200_000.0))
        );
        // A plain number field reads no range.
        schema
            .add_custom(icp_engine::Entity::Company, "spend", "number")
            .unwrap();
        let plain = kind_of(&schema, "company.spend");
        assert_eq!(parse_text(plain, "$1M-$5M", ";"), Parsed::Invalid);
    }

    #[test]
    fn json_values() {
        use serde_json::json;
        assert_eq!(
            parse_json(Kind::Employees, &json!(120), ";"),
            Parsed::Value(Value::Number(120.0))
        );
        assert_eq!(
            parse_json(Kind::Employees, &json!("51-200"), ";"),
            Parsed::Value(Value::Number(125.5))
        );
        assert_eq!(
            parse_json(Kind::Text, &json!(12345), ";"),
            Parsed::Value(Value::String("12345".into()))
        );
        assert_eq!(parse_json(Kind::Text, &json!(null), ";"), Parsed::Missing);
        assert_eq!(
            parse_json(
                Kind::List(Scalar::String),
                &json!(["a", " b ", null, ""]),
                ";"
            ),
            Parsed::Value(Value::List(vec![
                Value::String("a".into()),
                Value::String("b".into())
            ]))
        );
        assert_eq!(
            parse_json(Kind::List(Scalar::String), &json!("a;b"), ";"),
            Parsed::Value(Value::List(vec![
                Value::String("a".into()),
                Value::String("b".into())
            ]))
        );
        assert_eq!(
            parse_json(Kind::Bool, &json!(true), ";"),
            Parsed::Value(Value::Bool(true))
        );
        assert_eq!(
            parse_json(Kind::Number, &json!({"a": 1}), ";"),
            Parsed::Invalid
        );
        assert_eq!(parse_json(Kind::Number, &json!([1]), ";"), Parsed::Invalid);
        assert_eq!(
            parse_json(Kind::List(Scalar::String), &json!([["nested"]]), ";"),
            Parsed::Invalid
        );
        assert_eq!(parse_json(Kind::Date, &json!(5), ";"), Parsed::Invalid);
        assert_eq!(
            parse_json(Kind::Year, &json!(1999), ";"),
            Parsed::Value(Value::Number(1999.0))
        );
    }
}
