//! Rust regular expressions as PostgreSQL advanced regular expressions (AREs).
//!
//! The rules' patterns are Rust `regex` syntax; Postgres reads AREs, which spell some things
//! differently: a word boundary is `\y` (`\b` is a backspace), Unicode classes are POSIX
//! bracket classes, the end of the text is `\Z`, `\xHH` reads every hex digit that follows,
//! and Rust's default newline handling (`.` stops at a newline, `^`/`$` anchor the text) is
//! the ARE option `p`.
//!
//! How it works: [`translate`] walks the pattern once, copying what both read alike and
//! rewriting the escapes above, inside and outside bracket expressions; what an ARE cannot
//! express (nested classes and class set operations, inline flags after the start, a Unicode
//! class other than letters, digits, case and space) is an [`Unsupported`] naming it, which
//! the compiler reports as a compile error instead of writing a query that matches
//! differently. [`flags`] turns the rule's flags into the ARE's leading embedded options.

use super::Unsupported;

fn unsupported(what: &str) -> Unsupported {
    Unsupported(format!("{what} has no postgres regular-expression form"))
}

/// The POSIX class of a Unicode class name (`L`, `Letter`, `N`, …).
fn posix_class(name: &str) -> Result<&'static str, Unsupported> {
    Ok(match name {
        "L" | "Letter" | "Alphabetic" => "alpha",
        "N" | "Nd" | "Number" | "Decimal_Number" => "digit",
        "Lu" | "Uppercase_Letter" | "Uppercase" => "upper",
        "Ll" | "Lowercase_Letter" | "Lowercase" => "lower",
        "Z" | "Zs" | "White_Space" => "space",
        other => return Err(unsupported(&format!("the Unicode class `\\p{{{other}}}`"))),
    })
}

/// The text up to the next `}` (which is consumed), or the next `n` characters.
fn braced_or(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, n: usize) -> String {
    if chars.peek() == Some(&'{') {
        chars.next();
        chars.by_ref().take_while(|&c| c != '}').collect()
    } else {
        chars.by_ref().take(n).collect()
    }
}

/// The ARE for Rust regular expression `pattern`.
pub fn translate(pattern: &str) -> Result<String, Unsupported> {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(e) = chars.next() else {
                    return Err(unsupported("a trailing `\\`"));
                };
                match e {
                    'b' if !in_class => out.push_str("\\y"),
                    'B' if !in_class => out.push_str("\\Y"),
                    'A' if !in_class => out.push_str("\\A"),
                    'z' if !in_class => out.push_str("\\Z"),
                    'd' | 's' | 'w' | 'n' | 't' | 'r' | 'f' | 'v' => out.extend(['\\', e]),
                    'D' | 'S' | 'W' if !in_class => out.extend(['\\', e]),
                    'p' | 'P' => {
                        let class = posix_class(&braced_or(&mut chars, 1))?;
                        match (e, in_class) {
                            ('p', true) => out.push_str(&format!("[:{class}:]")),
                            ('p', false) => out.push_str(&format!("[[:{class}:]]")),
                            ('P', false) => out.push_str(&format!("[^[:{class}:]]")),
                            _ => return Err(unsupported("a negated Unicode class in a class")),
                        }
                    }
                    'x' => {
                        let hex = braced_or(&mut chars, 2);
                        let code = u32::from_str_radix(&hex, 16)
                            .map_err(|_| unsupported(&format!("the escape `\\x{hex}`")))?;
                        out.push_str(&format!("\\U{code:08x}"));
                    }
                    e if e.is_ascii_alphanumeric() => {
                        return Err(unsupported(&format!("the escape `\\{e}`")));
                    }
                    // An escaped punctuation character is itself in both.
                    e => out.extend(['\\', e]),
                }
            }
            '[' if in_class => {
                if chars.peek() != Some(&':') {
                    return Err(unsupported("a class nested in a class"));
                }
                // A POSIX class `[:name:]`, copied whole.
                out.push('[');
                for c in chars.by_ref() {
                    out.push(c);
                    if c == ']' {
                        break;
                    }
                }
            }
            '[' => {
                in_class = true;
                out.push('[');
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                // A `]` first in a class is itself.
                if chars.peek() == Some(&']') {
                    out.push_str("\\]");
                    chars.next();
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '&' | '-' | '~' if in_class && chars.peek() == Some(&c) => {
                return Err(unsupported("a class set operation (`&&`, `--`, `~~`)"));
            }
            '(' if !in_class && chars.peek() == Some(&'?') => {
                chars.next();
                match chars.peek() {
                    Some(':') => {
                        chars.next();
                        out.push_str("(?:");
                    }
                    Some('P') | Some('<') => {
                        // A named group: its name plays no part in matching.
                        for c in chars.by_ref() {
                            if c == '>' {
                                break;
                            }
                        }
                        out.push('(');
                    }
                    _ => return Err(unsupported("an inline flag group inside the pattern")),
                }
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

/// A pattern the compiler itself writes (always translatable; no `.`, so Postgres' default
/// newline mode reads it as Rust does).
pub fn internal(pattern: &str) -> String {
    translate(pattern).unwrap_or_else(|_| pattern.to_string())
}

/// The rule's flags as the ARE's leading embedded options: `i` as is, and the newline mode —
/// Rust's default is ARE `p` (`.` stops at a newline, `^`/`$` anchor the text), `m` is `n`,
/// `s` is `s`, `ms` is `w`. (One difference remains: in mode `p` a negated bracket such as
/// `[^a]` does not match a newline, where Rust's does.)
pub fn flags(flags: &str) -> Result<String, Unsupported> {
    let (mut case, mut multi_line, mut dot_all) = (false, false, false);
    for flag in flags.chars() {
        match flag {
            'i' => case = true,
            'm' => multi_line = true,
            's' => dot_all = true,
            other => {
                return Err(Unsupported(format!(
                    "the regular-expression flag `{other}` has no postgres form"
                )));
            }
        }
    }
    let newline = match (multi_line, dot_all) {
        (false, false) => 'p',
        (true, false) => 'n',
        (false, true) => 's',
        (true, true) => 'w',
    };
    Ok(format!("(?{}{newline})", if case { "i" } else { "" }))
}

#[cfg(test)]
mod tests {
    use super::{flags, translate};

    #[test]
    fn word_boundaries_and_unicode_classes_are_spelt_as_postgres_reads_them() {
        assert_eq!(translate(r"\b(vp|head)\b").unwrap(), r"\y(vp|head)\y");
        assert_eq!(translate(r"[^\pL\pN]+").unwrap(), "[^[:alpha:][:digit:]]+");
        assert_eq!(translate(r"\p{Lu}\PL").unwrap(), "[[:upper:]][^[:alpha:]]");
        assert_eq!(translate(r"^\s*ACME\z").unwrap(), r"^\s*ACME\Z");
        assert_eq!(translate(r"\x41B").unwrap(), r"\U00000041B");
        assert_eq!(
            translate(r"[]a]\.[[:digit:]]").unwrap(),
            r"[\]a]\.[[:digit:]]"
        );
        assert_eq!(translate(r"(?P<n>a)(?:b)").unwrap(), "(a)(?:b)");
    }

    #[test]
    fn what_postgres_cannot_express_is_refused() {
        for pattern in [r"a(?i)b", r"[a[b]]", r"[a&&b]", r"\pS", r"\h", r"[\D]"] {
            assert!(translate(pattern).is_err(), "{pattern}");
        }
        assert!(flags("x").is_err());
    }

    #[test]
    fn flags_set_rusts_newline_mode() {
        assert_eq!(flags("").unwrap(), "(?p)");
        assert_eq!(flags("i").unwrap(), "(?ip)");
        assert_eq!(flags("m").unwrap(), "(?n)");
        assert_eq!(flags("ms").unwrap(), "(?w)");
    }
}
