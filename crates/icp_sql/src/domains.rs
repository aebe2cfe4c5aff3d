//! A web domain read as `icp score` reads it (`icp_io::parse::normalize_domain`):
//! `https://www.Acme.com./about` is `acme.com`, and text that is no domain is missing.
//!
//! How it works: the reader's steps, each one regular expression over the previous step's
//! text, so that the column is named once per step (a chain of `CASE`s naming it at every step
//! would grow the query exponentially): lower-cased; everything up to the first `://` dropped
//! ([`SCHEME`] matches exactly the text before the first `://` and that separator, whatever
//! colons and slashes come before it); leading slashes dropped; cut at the first `/`, `?` or
//! `#`; everything up to the last `@` dropped; cut at the first `:`; one leading `www.` and
//! every trailing dot dropped. What is left is the domain when it is a letter, digit or `_`,
//! then letters, digits, `-` and `_` in dot-separated parts, at least two; else `NULL`.
//! "Letter or digit" is Rust's `char::is_alphanumeric`, written as an explicit class of
//! characters ([`alphanumeric_ranges`], from the Unicode tables of `regex-syntax`), so every
//! engine reads the same characters whatever its own classes mean. The patterns use no
//! backslash, no non-capturing group and no class shorthand, which every dialect's engine
//! (RE2, Java, PostgreSQL's AREs, Snowflake's POSIX expressions) reads alike; only the end
//! of the text is the dialect's ([`Dialect::end_of_text`]).

use regex_syntax::hir::{Class, HirKind};

use crate::dialect::Dialect;

/// Everything up to and including the first `://`: text avoiding `://` (a run of colons,
/// slashes only between colons, then another character), then `:` … `//`.
pub const SCHEME: &str = "^([^:]|:(:|/:)*/?[^:/])*:(:|/:)*//";

/// The characters of Rust's `char::is_alphanumeric` (Unicode's Alphabetic and Numeric) as
/// the inside of a bracket expression: ranges of literal characters, no escapes.
pub fn alphanumeric_ranges() -> String {
    // A constant pattern `regex-syntax` always parses; ASCII would be the floor.
    let Ok(hir) = regex_syntax::parse(r"[\p{Alphabetic}\p{N}]") else {
        return "0-9A-Za-z".to_string();
    };
    let mut out = String::new();
    if let HirKind::Class(Class::Unicode(class)) = hir.kind() {
        for range in class.ranges() {
            out.push(range.start());
            if range.end() != range.start() {
                out.push('-');
                out.push(range.end());
            }
        }
    }
    out
}

/// The pattern a normalised domain matches, ending with `end` (the dialect's end of text).
pub fn valid_pattern(end: &str) -> String {
    let alnum = alphanumeric_ranges();
    format!("^[{alnum}_][{alnum}_-]*([.][{alnum}_-]+)+{end}")
}

/// The SQL of the domain in `text`, a text already trimmed (`NULL` when missing).
pub fn normalised(d: &dyn Dialect, text: &str) -> String {
    let end = d.end_of_text();
    let s = d.regex_replace(&format!("LOWER({text})"), SCHEME, "");
    let s = d.regex_replace(&s, "^/+", "");
    let s = d.regex_extract(&s, "^[^/?#]*");
    let s = d.regex_replace(&s, "^([^@]*@)+", "");
    let s = d.regex_extract(&s, "^[^:]*");
    let s = d.regex_replace(&s, "^www[.]", "");
    let s = d.regex_replace(&s, &format!("[.]+{end}"), "");
    format!(
        "CASE WHEN {} THEN {s} END",
        d.regex_call(&s, &valid_pattern(end))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The patterns, read by Rust's `regex`, cut what the reader cuts and accept what it
    /// accepts.
    #[test]
    fn the_patterns_do_what_the_reader_does() {
        let scheme = regex::Regex::new(SCHEME).expect("a regex");
        for text in [
            "https://acme.com",
            "a:://b://c",
            "x:/:/://y",
            "::/::///z",
            "acme.com",
            ":/",
            "a:b:/c://d",
        ] {
            let cut = text.find("://").map_or(text, |i| &text[i + 3..]);
            assert_eq!(scheme.replace(text, ""), cut, "{text}");
        }
        let valid = regex::Regex::new(&valid_pattern("$")).expect("a regex");
        for (text, ok) in [
            ("acme.com", true),
            ("_a.b-c", true),
            ("-a.com", false),
            ("a..b", false),
            ("acme", false),
            ("ünï.de", true),
            ("a\u{301}.de", false),
            ("٣.com", true),
        ] {
            assert_eq!(valid.is_match(text), ok, "{text}");
        }
    }

    /// The steps, run by Rust's `regex` as the query runs them, give the reader's domain for
    /// every text of a small alphabet of separators, letters and marks, up to length 7.
    #[test]
    fn the_steps_read_every_short_text_as_the_reader_does() {
        let re = |p: &str| regex::Regex::new(p).expect("a regex");
        let (scheme, slashes, path, user, port, www, dots) = (
            re(SCHEME),
            re("^/+"),
            re("^[^/?#]*"),
            re("^([^@]*@)+"),
            re("^[^:]*"),
            re("^www[.]"),
            re("[.]+$"),
        );
        let replace = |x: &str, re: &regex::Regex| re.replace_all(x, "").into_owned();
        let extract = |x: &str, re: &regex::Regex| {
            re.find(x).map_or(String::new(), |m| m.as_str().to_string())
        };
        let valid = regex::Regex::new(&valid_pattern("$")).expect("a regex");
        let alphabet: Vec<char> = ":/?#@.w-_aÜ\u{301}\n".chars().collect();
        let mut state: u64 = 7;
        for _ in 0..20_000 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let len = (state >> 60) as usize % 8;
            let text: String = (0..len)
                .map(|i| alphabet[((state >> (i * 5)) as usize) % alphabet.len()])
                .collect();
            let text = text.trim().to_string();
            let s = replace(&text.to_lowercase(), &scheme);
            let s = replace(&s, &slashes);
            let s = extract(&s, &path);
            let s = replace(&s, &user);
            let s = extract(&s, &port);
            let s = replace(&s, &www);
            let s = replace(&s, &dots);
            let got = valid.is_match(&s).then_some(s);
            assert_eq!(got, icp_io::parse::normalize_domain(&text), "{text:?}");
        }
    }
}
