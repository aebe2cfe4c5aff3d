//! Numbers in cells: plain numbers, employee counts and ranges, money, and years.
//!
//! How it works: a number is a sign, a currency (symbols such as `$ € £`, ISO codes such as
//! `USD`, forms such as `US$`), digits with separators, and a magnitude (`K`, `M`, `B`, `T`,
//! `thousand`, `million`, `billion`, `mn`, `bn`, …). Separators: when both `,` and `.` occur
//! the last one is the decimal point; a lone `,` followed by exactly three digits groups
//! thousands (`10,001`), otherwise it is a decimal comma (`1,5`); a lone `.` is a decimal
//! point (`1.996`), several group thousands (`1.000.000`); spaces and `'` group thousands
//! only in groups of three. Magnitudes are applied in decimal, so `1.996 billion` is exactly
//! 1 996 000 000. Employee counts take a range's midpoint, money ignores notes around the
//! amount, a year is a whole number from 1 to 9999 (or a date's year). Every function gives
//! `None` for text that does not parse — the caller decides that it is an invalid value.

use super::dates::parse_date;
use super::trim;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
