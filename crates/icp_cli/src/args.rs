//! Argument values that need more than clap: the as-of date and the output format.
//!
//! How it works: each function takes the raw value (or its absence) and returns what the
//! commands use, or a [`UsageError`] that names the flag and says what to write instead.

use std::path::Path;

use crate::OutFormat;
use crate::error::UsageError;

/// The run's as-of date in days since 1970-01-01: `--as-of`, else the current UTC date.
pub fn as_of_date(as_of: Option<&str>) -> Result<i32, UsageError> {
    let Some(text) = as_of else {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        return Ok(i32::try_from(now / 86_400).unwrap_or(i32::MAX));
    };
    let parts: Vec<&str> = text.split('-').collect();
    let parsed = match parts.as_slice() {
        [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
            match (y.parse(), m.parse(), d.parse()) {
                (Ok(y), Ok(m), Ok(d)) => icp_syntax::ast::days_from_civil(y, m, d),
                _ => None,
            }
        }
        _ => None,
    };
    parsed.ok_or_else(|| UsageError::AsOf(text.to_string()))
}

/// Whether results go out as JSON Lines: `--format`, else the file's extension.
pub fn wants_jsonl(format: Option<OutFormat>, path: Option<&Path>) -> bool {
    match format {
        Some(f) => f == OutFormat::Jsonl,
        None => path
            .and_then(Path::extension)
            .is_some_and(|e| e == "jsonl" || e == "ndjson" || e == "json"),
    }
}
