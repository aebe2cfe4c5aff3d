//! Dates and durations in cells.
//!
//! How it works: a date is read as days since 1970-01-01 from the usual numeric forms (ISO,
//! US month first — day first when the first number is above 12 — and EU with dots) and from
//! forms with a month's name; a time after the date is ignored. A duration is a number of
//! days, or a number with a unit (days, weeks, months of 30 days, years of 365). Text that
//! does not parse gives `None`, which the caller counts as an invalid value.

use super::numbers::parse_number;
use super::trim;

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
}
