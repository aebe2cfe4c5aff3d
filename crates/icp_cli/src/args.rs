//! Argument values that need more than clap: the as-of date and the format of a file.
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

/// The format a file's extension says: `.csv` is CSV; `.jsonl`, `.ndjson` and
/// `.json` are JSON Lines; any other extension, or none, says nothing.
pub fn format_of_extension(path: &Path) -> Option<(OutFormat, String)> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    let format = match ext.as_str() {
        "csv" => OutFormat::Csv,
        "jsonl" | "ndjson" | "json" => OutFormat::Jsonl,
        _ => return None,
    };
    Some((format, ext))
}

/// The format of a file written or read: the one `flag` (`--format`) gives, else the one its
/// extension says, else CSV. A flag that contradicts the extension is refused, so a `.csv`
/// file never holds JSON Lines nor a `.jsonl` file CSV; standard output or input (`path` is
/// `None`) and other extensions take the flag's format.
pub fn file_format(
    flag: &str,
    given: Option<OutFormat>,
    path: Option<&Path>,
) -> Result<OutFormat, UsageError> {
    let said = path.and_then(format_of_extension);
    match (given, said) {
        (Some(given), Some((format, ext))) if given != format => {
            let name = |f: OutFormat| match f {
                OutFormat::Csv => "csv",
                OutFormat::Jsonl => "jsonl",
            };
            Err(UsageError::FormatMismatch(format!(
                "{flag} {} does not match {}: a .{ext} file is {}; change the extension or leave out {flag}",
                name(given),
                path.map_or(String::new(), |p| p.display().to_string()),
                if format == OutFormat::Csv {
                    "CSV"
                } else {
                    "JSON Lines"
                },
            )))
        }
        (Some(given), _) => Ok(given),
        (None, Some((format, _))) => Ok(format),
        (None, None) => Ok(OutFormat::Csv),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_follows_the_extension_and_a_contradiction_is_refused() {
        let csv = Some(Path::new("out/scored.csv"));
        let jsonl = Some(Path::new("out/scored.JSONL"));
        let other = Some(Path::new("out/scored.txt"));
        let ok = |given, path| file_format("--format", given, path).expect("agrees");
        assert_eq!(ok(None, csv), OutFormat::Csv);
        assert_eq!(ok(None, jsonl), OutFormat::Jsonl);
        assert_eq!(ok(None, Some(Path::new("x.ndjson"))), OutFormat::Jsonl);
        assert_eq!(ok(None, other), OutFormat::Csv);
        assert_eq!(ok(None, None), OutFormat::Csv);
        assert_eq!(ok(Some(OutFormat::Jsonl), other), OutFormat::Jsonl);
        assert_eq!(ok(Some(OutFormat::Jsonl), None), OutFormat::Jsonl);
        assert_eq!(ok(Some(OutFormat::Csv), csv), OutFormat::Csv);
        let err = file_format("--format", Some(OutFormat::Jsonl), csv).expect_err("mismatch");
        assert_eq!(
            err.to_string(),
            "--format jsonl does not match out/scored.csv: a .csv file is CSV; change the extension or leave out --format"
        );
        assert!(file_format("--format", Some(OutFormat::Csv), jsonl).is_err());
    }
}
