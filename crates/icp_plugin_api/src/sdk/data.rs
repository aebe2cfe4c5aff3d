//! What a plugin reads when it starts: its configuration ([`Config`], the `[plugins.NAME]`
//! table of `icp.toml` as JSON) and its data files ([`read_csv`]), and the key its lookups
//! share with `icp`'s reader ([`domain_key`]).
//!
//! How it works: relative paths of the configuration are joined to the directory of
//! `icp.toml` and must stay inside it (or inside a directory the user allowed; see
//! `confine.rs`), symbolic links and `..` included; a CSV file is read whole with its header, columns picked by name (case and
//! surrounding spaces ignored), a missing optional column or cell reading as "". Errors name
//! the file and, for a row, its line; a file without the required columns is said to be "not
//! a CSV with columns …" without echoing its first line, which may be anything (the first line
//! of `/etc/passwd`, say).

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

use super::confine;
use super::types::{Error, Result};

/// The plugin's configuration: its `[plugins.NAME]` table from `icp.toml`.
#[derive(Debug, Clone)]
pub struct Config {
    values: serde_json::Map<String, serde_json::Value>,
    base_dir: PathBuf,
    /// Directories outside `base_dir` the user allowed paths to lead to.
    allowed: Vec<PathBuf>,
}

impl Config {
    /// A configuration from a JSON object; relative paths are resolved against `base_dir`.
    pub fn from_json(json: &str, base_dir: &Path) -> Result<Config> {
        let mut values: serde_json::Map<String, serde_json::Value> = if json.trim().is_empty() {
            serde_json::Map::new()
        } else {
            match serde_json::from_str(json) {
                Ok(serde_json::Value::Object(values)) => values,
                Ok(_) => return Err("the configuration is not a table".into()),
                Err(e) => return Err(format!("the configuration is not valid JSON: {e}").into()),
            }
        };
        let allowed = confine::allowed_paths(&values);
        values.remove(confine::ALLOWED_PATHS_KEY);
        Ok(Config {
            values,
            base_dir: base_dir.to_path_buf(),
            allowed,
        })
    }

    /// The raw value of a key.
    pub fn get(&self, key: &str) -> Option<&serde_json::Value> {
        self.values.get(key)
    }

    /// A text value, if the key is set.
    pub fn opt_str(&self, key: &str) -> Result<Option<&str>> {
        match self.values.get(key) {
            None => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(format!("`{key}` must be a string, not {other}").into()),
        }
    }

    /// A text value that must be set.
    pub fn str(&self, key: &str) -> Result<&str> {
        self.opt_str(key)?
            .ok_or_else(|| format!("the configuration needs `{key}`").into())
    }

    /// A path, relative to the directory of `icp.toml`, if the key is set; a path leading
    /// outside the project (and the directories the user allowed) is an error.
    pub fn opt_path(&self, key: &str) -> Result<Option<PathBuf>> {
        self.opt_str(key)?
            .map(|p| {
                confine::within(&self.base_dir, Path::new(p), &self.allowed)
                    .map_err(|e| Error(format!("`{key}`: {e}")))
            })
            .transpose()
    }

    /// A path, relative to the directory of `icp.toml`, that must be set; see
    /// [`Config::opt_path`].
    pub fn path(&self, key: &str) -> Result<PathBuf> {
        self.opt_path(key)?
            .ok_or_else(|| format!("the configuration needs `{key}`").into())
    }
}

/// A data file's rows, for plugins that read CSV: the requested columns of each row.
#[derive(Debug, Clone)]
pub struct CsvRow {
    /// The line the row starts on, for error messages.
    pub line: u64,
    pub values: Vec<String>,
    path: PathBuf,
}

impl CsvRow {
    /// The value of the `i`th requested column, trimmed.
    pub fn get(&self, i: usize) -> &str {
        self.values.get(i).map_or("", |v| v.trim())
    }

    /// An error located at this row: `data/funding.csv:17: …`.
    pub fn error(&self, message: impl fmt::Display) -> Error {
        Error(format!("{}:{}: {message}", self.path.display(), self.line))
    }
}

/// Reads a CSV file with a header row, returning the named columns of every row in the
/// order asked. A required column the header lacks is an error; `optional` ones read as "".
pub fn read_csv(path: &Path, required: &[&str], optional: &[&str]) -> Result<Vec<CsvRow>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| Error(format!("cannot read {}: {}", path.display(), csv_error(&e))))?;
    let headers = reader
        .headers()
        .map_err(|e| Error(format!("{}: {}", path.display(), csv_error(&e))))?
        .clone();
    let find = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let mut columns = Vec::new();
    for name in required {
        // The header is not echoed: the file may be anything but the expected CSV.
        columns.push(Some(find(name).ok_or_else(|| {
            Error(format!(
                "{}: not a CSV with columns {} (its header has no `{name}` column)",
                path.display(),
                required.join(", ")
            ))
        })?));
    }
    columns.extend(optional.iter().map(|name| find(name)));
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| Error(format!("{}: {}", path.display(), csv_error(&e))))?;
        let line = record.position().map_or(0, |p| p.line());
        let values = columns
            .iter()
            .map(|c| c.and_then(|c| record.get(c)).unwrap_or("").to_string())
            .collect();
        rows.push(CsvRow {
            line,
            values,
            path: path.to_path_buf(),
        });
    }
    Ok(rows)
}

fn csv_error(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Io(io) => io.to_string(),
        _ => e.to_string(),
    }
}

/// Normalises a company domain for lookups: lower case, no scheme, no `www.`, no path.
/// Domains from `icp` already have this form (its reader normalises them), so they are
/// borrowed as they are, with no allocation; anything else is rewritten.
pub fn domain_key(text: &str) -> Cow<'_, str> {
    let normal = !text.is_empty()
        && !text.starts_with("www.")
        && text
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b.is_ascii_uppercase() && !b"/?#:".contains(&b));
    if normal || text.is_empty() {
        return Cow::Borrowed(text);
    }
    let t = text.trim().to_ascii_lowercase();
    let t = t
        .strip_prefix("https://")
        .or_else(|| t.strip_prefix("http://"))
        .unwrap_or(&t);
    let t = t.strip_prefix("www.").unwrap_or(t);
    Cow::Owned(t.split(['/', '?', '#']).next().unwrap_or("").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_key_borrows_normal_domains_and_rewrites_the_rest() {
        assert!(matches!(
            domain_key("hooli.com"),
            Cow::Borrowed("hooli.com")
        ));
        assert!(matches!(domain_key(""), Cow::Borrowed("")));
        for messy in [
            "https://www.Hooli.com/jobs",
            "http://hooli.com",
            "www.hooli.com",
            " HOOLI.COM ",
            "hooli.com?ref=x",
        ] {
            let key = domain_key(messy);
            assert_eq!(key, "hooli.com", "{messy}");
            assert!(matches!(key, Cow::Owned(_)), "{messy}");
        }
    }
}
