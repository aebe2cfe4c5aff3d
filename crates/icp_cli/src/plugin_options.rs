//! The keys of a `[plugins.NAME]` table that are `icp`'s rather than the plugin's:
//! `isolate` and `timeout` (besides `library`, read in `config.rs`).
//!
//! How it works: [`take_isolation`] removes both keys from the table, so the plugin never
//! sees them, and turns them into an [`Isolation`]. A timeout implies isolation — a call
//! running inside `icp` cannot be stopped safely, only a worker process can be killed — so
//! `timeout` alone turns isolation on, and `isolate = false` with a `timeout` is an error.
//! A timeout is a number of seconds (`timeout = 5`, `timeout = 0.5`) or a string with a unit
//! (`"5s"`, `"500ms"`, `"2m"`).

use std::time::Duration;

use icp_plugin_host::Isolation;

/// Removes `isolate` and `timeout` from a plugin table; `None` when the plugin runs in
/// `icp` itself. The error is the message, without the table's name.
pub fn take_isolation(table: &mut toml::Table) -> Result<Option<Isolation>, String> {
    let isolate = match table.remove("isolate") {
        None => None,
        Some(toml::Value::Boolean(b)) => Some(b),
        Some(other) => return Err(format!("`isolate` must be true or false, not {other}")),
    };
    let timeout = match table.remove("timeout") {
        None => None,
        Some(value) => Some(timeout(&value)?),
    };
    match (isolate, timeout) {
        (Some(false), Some(_)) => Err(
            "`timeout` needs the plugin isolated (a call inside icp cannot be stopped); remove `isolate = false`"
                .to_string(),
        ),
        (Some(true), timeout) | (None, timeout @ Some(_)) => Ok(Some(Isolation {
            timeout,
            worker: None,
        })),
        (Some(false) | None, None) => Ok(None),
    }
}

/// A timeout: seconds as a number, or a string such as `"5s"`, `"500ms"`, `"2m"`.
fn timeout(value: &toml::Value) -> Result<Duration, String> {
    let bad = || {
        format!(
            "`timeout` must be a number of seconds or a duration such as \"5s\", \"500ms\" or \"2m\", not {value}"
        )
    };
    let seconds = match value {
        toml::Value::Integer(n) => *n as f64,
        toml::Value::Float(x) => *x,
        toml::Value::String(s) => {
            let s = s.trim();
            let (number, unit) = s
                .find(|c: char| c.is_ascii_alphabetic())
                .map_or((s, ""), |at| s.split_at(at));
            let number: f64 = number.trim().parse().map_err(|_| bad())?;
            match unit.trim() {
                "ms" => number / 1000.0,
                "s" | "" => number,
                "m" | "min" => number * 60.0,
                _ => return Err(bad()),
            }
        }
        _ => return Err(bad()),
    };
    if !seconds.is_finite() || seconds <= 0.0 || seconds > 86_400.0 {
        return Err(format!(
            "`timeout` must be more than 0 and at most a day, not {value}"
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Option<Isolation>, String> {
        let mut table: toml::Table = text.parse().expect("toml");
        let result = take_isolation(&mut table);
        assert!(!table.contains_key("isolate") && !table.contains_key("timeout"));
        result
    }

    #[test]
    fn a_timeout_implies_isolation_and_reads_units() {
        assert_eq!(parse("data = 1").unwrap(), None);
        assert_eq!(parse("isolate = false").unwrap(), None);
        assert_eq!(parse("isolate = true").unwrap(), Some(Isolation::default()));
        for (text, millis) in [
            ("timeout = 5", 5000),
            ("timeout = 0.5", 500),
            ("timeout = \"5s\"", 5000),
            ("timeout = \"250ms\"", 250),
            ("timeout = \"2m\"", 120_000),
        ] {
            let isolation = parse(text).unwrap().expect("isolated");
            assert_eq!(
                isolation.timeout,
                Some(Duration::from_millis(millis)),
                "{text}"
            );
        }
    }

    #[test]
    fn contradictions_and_nonsense_are_errors() {
        let err = parse("isolate = false\ntimeout = 5").unwrap_err();
        assert!(err.contains("needs the plugin isolated"), "{err}");
        for text in [
            "timeout = \"soon\"",
            "timeout = 0",
            "timeout = -1",
            "isolate = 1",
            "timeout = \"5h\"",
        ] {
            assert!(parse(text).is_err(), "{text}");
        }
    }
}
