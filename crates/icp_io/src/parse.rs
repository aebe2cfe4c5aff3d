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
//! Numbers: a sign, a currency (symbols such as `$ € £`, ISO codes such as `USD`, forms such as
//! `US$`), digits with separators, and a magnitude (`K`, `M`, `B`, `T`, `thousand`,
//! `million`, `billion`, `mn`, `bn`, …). Separators: when both `,` and `.` occur the last one is
//! the decimal point; a lone `,` followed by exactly three digits groups thousands
//! (`10,001`), otherwise it is a decimal comma (`1,5`); a lone `.` is a decimal point
//! (`1.996`), several group thousands (`1.000.000`); spaces and `'` group thousands only in
//! groups of three. Magnitudes are applied in decimal, so `1.996 billion` is exactly
//! 1 996 000 000.

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
            FieldKind::Plain | FieldKind::Country | FieldKind::Phone => {}
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

const CURRENCY_SYMBOLS: &[char] = &['$', '€', '£', '¥', '₹', '₩', '₽', '¢', '₺', '₪', '฿', '₫'];

const CURRENCY_CODES: &[&str] = &[
    "usd", "eur", "gbp", "jpy", "cny", "rmb", "chf", "cad", "aud", "nzd", "sek", "nok", "dkk",
    "pln", "czk", "huf", "inr", "brl", "mxn", "zar", "sgd", "hkd", "krw", "rub", "try", "ils",
    "aed", "sar", "idr", "myr", "thb", "php", "vnd", "ars", "clp", "cop", "ngn", "egp", "kes",
    "twd", "ron", "bgn", "uah", "isk",
];

/// The power of ten a magnitude word stands for.
fn magnitude(word: &str) -> Option<i32> {
    const WORDS: &[(&str, i32)] = &[
        ("k", 3),
        ("thousand", 3),
        ("thousands", 3),
        ("m", 6),
        ("mm", 6),
        ("mn", 6),
        ("mio", 6),
        ("mln", 6),
        ("million", 6),
        ("millions", 6),
        ("b", 9),
        ("bn", 9),
        ("bln", 9),
        ("billion", 9),
        ("billions", 9),
        ("t", 12),
        ("tn", 12),
        ("trillion", 12),
        ("trillions", 12),
    ];
    WORDS
        .iter()
        .find(|(w, _)| word.eq_ignore_ascii_case(w))
        .map(|(_, p)| *p)
}

fn is_currency_code(word: &str) -> bool {
    CURRENCY_CODES.iter().any(|c| word.eq_ignore_ascii_case(c))
}

/// Splits the leading run of ASCII letters off `s`.
fn take_word(s: &str) -> (&str, &str) {
    let n = s.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
    s.split_at(n)
}

/// A number: sign, currency, digits with separators, magnitude, currency — see the module
/// documentation. `"1.2K"` → 1200, `"$10M"` → 10 000 000, `"USD 5.2M"` → 5 200 000,
/// `"1,000,000"` → 1 000 000.
pub fn parse_number(text: &str) -> Option<f64> {
    let mut rest = text.trim();
    if let Some(n) = whole_digits(rest) {
        return Some(n);
    }
    // The common case, plain digits with at most one decimal point, parses directly.
    let plain = rest.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && rest.bytes().filter(|b| *b == b'.').count() <= 1
        && rest.bytes().any(|b| b.is_ascii_digit());
    if plain {
        return rest.parse().ok().filter(|f: &f64| f.is_finite());
    }
    let mut negative = false;
    let mut signed = false;
    // Prefix: signs and currencies in any order.
    loop {
        rest = rest.trim_start();
        let c = rest.chars().next()?;
        if c == '-' || c == '−' || c == '+' {
            if signed {
                return None;
            }
            signed = true;
            negative = c != '+';
            rest = &rest[c.len_utf8()..];
        } else if CURRENCY_SYMBOLS.contains(&c) {
            rest = &rest[c.len_utf8()..];
        } else if c.is_ascii_alphabetic() {
            let (word, after) = take_word(rest);
            // `US$`, `A$`, `HK$`: a short prefix glued to a currency symbol.
            let glued = word.len() <= 3
                && after
                    .chars()
                    .next()
                    .is_some_and(|c| CURRENCY_SYMBOLS.contains(&c));
            if !(glued || is_currency_code(word)) {
                return None;
            }
            rest = after;
        } else {
            break;
        }
    }
    let (digits, after) = take_numeric(rest)?;
    let normalized = normalize_digits(digits)?;
    // Suffix: at most one magnitude, then currencies.
    let mut exponent = 0;
    let mut seen_magnitude = false;
    let mut rest = after;
    loop {
        rest = rest.trim_start();
        let Some(c) = rest.chars().next() else {
            break;
        };
        if CURRENCY_SYMBOLS.contains(&c) {
            rest = &rest[c.len_utf8()..];
        } else if c.is_ascii_alphabetic() {
            let (word, after) = take_word(rest);
            match magnitude(word) {
                Some(p) if !seen_magnitude => {
                    exponent = p;
                    seen_magnitude = true;
                }
                _ if is_currency_code(word) => {}
                _ => return None,
            }
            rest = after;
        } else if c == '.' && seen_magnitude && rest.len() == 1 {
            // "5 mio." — an abbreviation's dot.
            rest = "";
        } else {
            return None;
        }
    }
    let value: f64 = format!("{normalized}e{exponent}").parse().ok()?;
    if !value.is_finite() {
        return None;
    }
    Some(if negative { -value } else { value })
}

/// A run of 1 to 15 ASCII digits, the usual number of a lead file, read without the general
/// parser: such an integer is exactly an `f64`, so this is what `str::parse` gives.
fn whole_digits(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    if bytes.is_empty() || bytes.len() > 15 {
        return None;
    }
    let mut n: u64 = 0;
    for &b in bytes {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        n = n * 10 + u64::from(digit);
    }
    // At most 15 digits: below 2^53, so the conversion is exact.
    Some(n as f64)
}

/// Splits the numeric run (digits and separators) off the start of `s`.
fn take_numeric(s: &str) -> Option<(&str, &str)> {
    let bytes = s.as_bytes();
    let starts = match bytes.first() {
        Some(b) if b.is_ascii_digit() => true,
        Some(b'.' | b',') => bytes.get(1).is_some_and(u8::is_ascii_digit),
        _ => false,
    };
    if !starts {
        return None;
    }
    let mut end = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_digit() {
            i += 1;
            end = i;
        } else if matches!(b, b',' | b'.' | b'\'' | b' ' | b'_')
            && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)
        {
            i += 1;
        } else {
            break;
        }
    }
    Some(s.split_at(end))
}

/// Turns digits with separators into plain `123.45` form, deciding which separator is the
/// decimal point (see the module documentation).
fn normalize_digits(run: &str) -> Option<String> {
    // Spaces, apostrophes and underscores only group thousands, in groups of three.
    let mut plain = String::with_capacity(run.len());
    let mut groups = run.split([' ', '\'', '_']);
    if let Some(first) = groups.next() {
        plain.push_str(first);
    }
    for g in groups {
        let lead = g.bytes().take_while(u8::is_ascii_digit).count();
        if lead != 3 {
            return None;
        }
        plain.push_str(g);
    }
    let commas = plain.matches(',').count();
    let dots = plain.matches('.').count();
    let decimal = match (commas, dots) {
        (0, 0) => None,
        (_, 0) if commas > 1 => None,
        (1, 0) => {
            let (before, after) = plain.split_once(',')?;
            if after.len() == 3 && !before.is_empty() && before.len() <= 3 && before != "0" {
                None
            } else {
                Some(',')
            }
        }
        (0, 1) => Some('.'),
        (0, _) => None,
        _ => {
            let last_comma = plain.rfind(',')?;
            let last_dot = plain.rfind('.')?;
            let d = if last_comma > last_dot { ',' } else { '.' };
            let other = if d == ',' { '.' } else { ',' };
            // The decimal separator occurs once, after every group separator.
            if plain.matches(d).count() != 1 || plain.rfind(other) > plain.rfind(d) {
                return None;
            }
            Some(d)
        }
    };
    let mut out = String::with_capacity(plain.len());
    let mut integer_groups = Vec::new();
    let (integer, fraction) = match decimal {
        Some(d) => {
            let (i, f) = plain.split_once(d)?;
            (i, Some(f))
        }
        None => (plain.as_str(), None),
    };
    for g in integer.split([',', '.']) {
        integer_groups.push(g);
    }
    // Thousands groups after the first have three digits (Indian lakh grouping aside).
    for (n, g) in integer_groups.iter().enumerate() {
        if n > 0 && !(g.len() == 3 || g.len() == 2) {
            return None;
        }
        out.push_str(g);
    }
    if out.is_empty() {
        out.push('0');
    }
    if let Some(f) = fraction {
        if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        out.push('.');
        out.push_str(f);
    }
    Some(out)
}

/// Splits `"51-200"`, `"1K – 5K"`, `"51 to 200"` into its two ends; `None` when the text is not
/// a range (a leading `-` is a sign, not a range).
fn split_range(text: &str) -> Option<(&str, &str)> {
    for dash in ['–', '—'] {
        if let Some((a, b)) = text.split_once(dash) {
            return Some((a, b));
        }
    }
    let lower = text.to_ascii_lowercase();
    if let Some(i) = lower.find(" to ") {
        return Some((&text[..i], &text[i + 4..]));
    }
    let bytes = text.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'-' {
            let before = text[..i].trim_end();
            if before
                .chars()
                .last()
                .is_some_and(|c| c.is_ascii_alphanumeric())
            {
                return Some((&text[..i], &text[i + 1..]));
            }
        }
    }
    None
}

/// A range `lo-hi` becomes its midpoint; `None` unless both ends are numbers and `lo <= hi`.
fn parse_range(text: &str) -> Option<f64> {
    let (a, b) = split_range(text)?;
    let lo = parse_number(a)?;
    let hi = parse_number(b)?;
    (lo <= hi).then(|| (lo + hi) / 2.0)
}

/// An employee count: `"51-200"` → 125.5 (the midpoint), `"10,001+"` → 10001,
/// `"1.2K"` → 1200, `"250 employees"` → 250.
pub fn parse_employees(text: &str) -> Option<f64> {
    let mut t = trim(text);
    if let Some(n) = whole_digits(t) {
        return Some(n);
    }
    for word in ["employees", "employee", "people", "staff"] {
        let cut = t.len().saturating_sub(word.len());
        if cut > 0
            && let (Some(head), Some(tail)) = (t.get(..cut), t.get(cut..))
            && tail.eq_ignore_ascii_case(word)
        {
            t = head.trim_end();
            break;
        }
    }
    if let Some(base) = t.strip_suffix('+') {
        return parse_number(base).filter(|n| *n >= 0.0);
    }
    parse_number(t)
        .or_else(|| parse_range(t))
        .filter(|n| *n >= 0.0)
}

/// An amount of money, currency ignored: `"$10M"`, `"€ 1.996 billion (2024)"`,
/// `"1,000,000"`, `"USD 5.2M"`; a range gives its midpoint.
pub fn parse_money(text: &str) -> Option<f64> {
    let mut t = trim(text);
    if let Some(n) = whole_digits(t) {
        return Some(n);
    }
    // Trailing notes in parentheses: "(2024)", "(est.)".
    while let Some(inner) = t.strip_suffix(')') {
        let open = inner.rfind('(')?;
        let before = inner[..open].trim_end();
        if before.is_empty() {
            return None;
        }
        t = before;
    }
    parse_number(t).or_else(|| parse_range(t))
}

/// A year: `"1998"`, `"1998.0"`, or the year of a date.
pub fn parse_year(text: &str) -> Option<f64> {
    // The common case, up to four digits, is a year or nothing (no date is written so).
    let t = trim(text);
    if t.len() <= 4
        && let Some(n) = whole_digits(t)
    {
        return (1.0..=9999.0).contains(&n).then_some(n);
    }
    if let Some(days) = parse_date(text) {
        let (y, _, _) = icp_syntax::ast::civil_from_days(days);
        return Some(f64::from(y));
    }
    let n = parse_number(text)?;
    (n.fract() == 0.0 && (1.0..=9999.0).contains(&n)).then_some(n)
}

const MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

fn month_number(word: &str) -> Option<u32> {
    let w = word.to_ascii_lowercase();
    let w = w.trim_end_matches('.');
    if w == "sept" {
        return Some(9);
    }
    MONTHS
        .iter()
        .position(|m| w.len() >= 3 && m.starts_with(w))
        .and_then(|i| u32::try_from(i + 1).ok())
}

fn number_of(s: &str, min_digits: usize, max_digits: usize) -> Option<u32> {
    let ok = (min_digits..=max_digits).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    if ok { s.parse().ok() } else { None }
}

fn civil(year: u32, month: u32, day: u32) -> Option<i32> {
    icp_syntax::ast::days_from_civil(i32::try_from(year).ok()?, month, day)
}

/// A date as days since 1970-01-01: ISO `2024-03-05` (a time after it, `T10:00:00Z` or
/// ` 10:00`, is ignored), `2024/03/05`, US `03/05/2024` (month first, unless the first number
/// is above 12, then day first), EU `05.03.2024`, and month names: `5 Mar 2024`,
/// `March 5, 2024`, `05-Mar-2024`.
pub fn parse_date(text: &str) -> Option<i32> {
    let t = trim(text);
    // Numeric forms: cut a time off at 'T' or a space.
    let date_part = t.split([' ', 'T', ',']).next().unwrap_or(t);
    let numeric_rest_is_time = {
        let rest = t[date_part.len()..].trim_start_matches([' ', 'T', ',']);
        rest.is_empty() || rest.starts_with(|c: char| c.is_ascii_digit())
    };
    if numeric_rest_is_time {
        for sep in ['-', '/', '.'] {
            let parts: Vec<&str> = date_part.split(sep).collect();
            if let [a, b, c] = parts.as_slice() {
                if let (Some(y), Some(m), Some(d)) =
                    (number_of(a, 4, 4), number_of(b, 1, 2), number_of(c, 1, 2))
                {
                    return civil(y, m, d);
                }
                if let (Some(x), Some(z), Some(y)) =
                    (number_of(a, 1, 2), number_of(b, 1, 2), number_of(c, 4, 4))
                {
                    let (m, d) = match sep {
                        '.' => (z, x),
                        '/' if x > 12 => (z, x),
                        '/' => (x, z),
                        _ => (z, x),
                    };
                    return civil(y, m, d);
                }
            }
        }
    }
    // Month names: any order of day, month name and four-digit year.
    let tokens: Vec<&str> = t
        .split([' ', ',', '-', '/', '.'])
        .filter(|s| !s.is_empty())
        .collect();
    if tokens.len() != 3 {
        return None;
    }
    let mut month = None;
    let mut year = None;
    let mut day = None;
    for tok in tokens {
        if let Some(m) = month_number(tok) {
            month = month.xor(Some(m));
        } else if let Some(y) = number_of(tok, 4, 4) {
            year = year.xor(Some(y));
        } else {
            let d = tok.trim_end_matches(['s', 't', 'n', 'd', 'r', 'h']);
            day = day.xor(number_of(d, 1, 2));
        }
    }
    civil(year?, month?, day?)
}

/// A duration in days: a number of days, or `90d`, `12w`, `6mo` (30 days), `1y` (365 days),
/// or the words `days`, `weeks`, `months`, `years`.
pub fn parse_duration(text: &str) -> Option<f64> {
    let t = text.trim();
    let split = t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n = parse_number(number)?;
    let days = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "d" | "day" | "days" => 1.0,
        "w" | "wk" | "week" | "weeks" => 7.0,
        "mo" | "month" | "months" => 30.0,
        "y" | "yr" | "year" | "years" => 365.0,
        _ => return None,
    };
    Some(n * days)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> Option<i32> {
        icp_syntax::ast::days_from_civil(y, m, d)
    }

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
    fn numbers_with_separators_and_magnitudes() {
        let cases = [
            ("42", 42.0),
            ("-5", -5.0),
            ("+5", 5.0),
            ("1,000,000", 1_000_000.0),
            ("1.000.000", 1_000_000.0),
            ("1 000 000", 1_000_000.0),
            ("1'000'000", 1_000_000.0),
            ("10,001", 10_001.0),
            ("1,5", 1.5),
            ("0,125", 0.125),
            ("1,234.56", 1234.56),
            ("1.234,56", 1234.56),
            ("1.996", 1.996),
            (".5", 0.5),
            ("1.2K", 1200.0),
            ("1.2k", 1200.0),
            ("10M", 10_000_000.0),
            ("3 million", 3_000_000.0),
            ("1.996 billion", 1_996_000_000.0),
            ("2B", 2_000_000_000.0),
            ("2 bn", 2_000_000_000.0),
            ("5 Mio.", 5_000_000.0),
            ("1T", 1e12),
            ("$10M", 10_000_000.0),
            ("USD 5.2M", 5_200_000.0),
            ("5.2M USD", 5_200_000.0),
            ("US$ 3K", 3000.0),
            ("-$5", -5.0),
            ("€1.5", 1.5),
        ];
        for (text, want) in cases {
            assert_eq!(parse_number(text), Some(want), "{text:?}");
        }
        for bad in [
            "",
            "abc",
            "12abc",
            "1.2.3,4",
            "1,2,3.4.5",
            "M",
            "$",
            "--5",
            "2024 2025",
            "1 00",
            "5 apples",
            "1e5",
            "10 M M",
            "inf",
            "NaN",
        ] {
            assert_eq!(parse_number(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn employee_ranges_take_the_midpoint() {
        let cases = [
            ("51-200", 125.5),
            ("51 - 200", 125.5),
            ("51–200", 125.5),
            ("51 to 200", 125.5),
            ("1,001-5,000", 3000.5),
            ("1K-5K", 3000.0),
            ("10,001+", 10_001.0),
            ("10001+", 10_001.0),
            ("1.2K", 1200.0),
            ("250", 250.0),
            ("250 employees", 250.0),
            ("1 employee", 1.0),
        ];
        for (text, want) in cases {
            assert_eq!(parse_employees(text), Some(want), "{text:?}");
        }
        for bad in ["lots", "200-51", "-5", "self-employed", "+"] {
            assert_eq!(parse_employees(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn money_ignores_currency_and_notes() {
        let cases = [
            ("$10M", 10_000_000.0),
            ("€ 1.996 billion (2024)", 1_996_000_000.0),
            ("1,000,000", 1_000_000.0),
            ("USD 5.2M", 5_200_000.0),
            ("10000000", 10_000_000.0),
            ("£2.5m (est.)", 2_500_000.0),
            ("$1M-$5M", 3_000_000.0),
            ("EUR 12,5 Mio", 12_500_000.0),
        ];
        for (text, want) in cases {
            assert_eq!(parse_money(text), Some(want), "{text:?}");
        }
        for bad in ["(2024)", "lots", "$", "10M (", "about 5M"] {
            assert_eq!(parse_money(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn years() {
        assert_eq!(parse_year("1998"), Some(1998.0));
        assert_eq!(parse_year("1998.0"), Some(1998.0));
        assert_eq!(parse_year("2001-06-30"), Some(2001.0));
        assert_eq!(parse_year("1998.5"), None);
        assert_eq!(parse_year("founded"), None);
        assert_eq!(parse_year("0"), None);
    }

    #[test]
    fn dates_in_iso_us_eu_and_words() {
        let march5 = date(2024, 3, 5);
        for text in [
            "2024-03-05",
            "2024-3-5",
            "2024-03-05T10:00:00Z",
            "2024-03-05 10:00",
            "2024/03/05",
            "03/05/2024",
            "3/5/2024",
            "3/5/2024, 10:00 AM",
            "05.03.2024",
            "5 Mar 2024",
            "5 March 2024",
            "March 5, 2024",
            "Mar 5 2024",
            "05-Mar-2024",
            "5th March 2024",
        ] {
            assert_eq!(parse_date(text), march5, "{text:?}");
        }
        assert_eq!(parse_date("25/03/2024"), date(2024, 3, 25));
        assert_eq!(parse_date("1970-01-01"), Some(0));
        for bad in [
            "2024-02-30",
            "2024-13-01",
            "13/13/2024",
            "yesterday",
            "2024",
            "5 Foo 2024",
            "2024-03-05 lunch",
            "",
            "Mar Mar 2024",
        ] {
            assert_eq!(parse_date(bad), None, "{bad:?}");
        }
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
    fn durations() {
        assert_eq!(parse_duration("90"), Some(90.0));
        assert_eq!(parse_duration("90d"), Some(90.0));
        assert_eq!(parse_duration("12w"), Some(84.0));
        assert_eq!(parse_duration("6mo"), Some(180.0));
        assert_eq!(parse_duration("1y"), Some(365.0));
        assert_eq!(parse_duration("2 weeks"), Some(14.0));
        assert_eq!(parse_duration("5 parsecs"), None);
        assert_eq!(parse_duration("d"), None);
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
    fn the_year_shortcut_reads_short_digit_runs_as_the_full_parse_does() {
        let full = |text: &str| match parse_date(text) {
            Some(days) => Some(f64::from(icp_syntax::ast::civil_from_days(days).0)),
            None => parse_number(text).filter(|n| n.fract() == 0.0 && (1.0..=9999.0).contains(n)),
        };
        for n in 0..10_000 {
            for text in [n.to_string(), format!("{n:04}"), format!(" {n} ")] {
                assert_eq!(parse_year(&text), full(&text), "{text:?}");
            }
        }
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
    fn whole_digits_read_as_the_full_parse_reads_them() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || crate::xorshift(&mut state);
        let mut texts: Vec<String> = ["0", "00", "007", "9", "999999999999999", "1000000000000000"]
            .map(String::from)
            .to_vec();
        for _ in 0..20_000 {
            let len = 1 + (next() % 17) as usize;
            texts.push(
                (0..len)
                    .map(|_| char::from(b'0' + (next() % 10) as u8))
                    .collect(),
            );
        }
        for text in &texts {
            let parsed: f64 = text.parse().expect("digits parse");
            match whole_digits(text) {
                Some(n) => assert_eq!(n, parsed, "{text:?}"),
                None => assert!(text.len() > 15, "{text:?}"),
            }
            assert_eq!(parse_number(text), Some(parsed), "{text:?}");
            assert_eq!(parse_money(text), Some(parsed), "{text:?}");
            assert_eq!(parse_employees(text), Some(parsed), "{text:?}");
        }
        for text in ["", "1a", "-1", "+1", "1.5", " 1", "١٢"] {
            assert_eq!(whole_digits(text), None, "{text:?}");
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
