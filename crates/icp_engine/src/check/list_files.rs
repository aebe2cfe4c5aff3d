//! Lists kept in files: `lines("lists/competitors.txt")` and
//! `csv_column("lists/named_accounts.csv", "domain")`.
//!
//! How it works: a call of `lines` or `csv_column` takes string literals only. Its path is
//! relative to the rule file that writes it and confined to that file's directory: an
//! absolute path, or one whose `..` climbs above the directory (lexically, or through a
//! symbolic link once resolved), is `E0032`. Each file is read once per check (memoised by
//! path) and the call becomes a constant list of strings, so `x in competitors` is decided
//! like any constant list. `lines` takes every line, trimmed, skipping blank lines and lines
//! starting with `#`; `csv_column` takes the named column (header matched ignoring case) of a
//! CSV file with a header row, skipping empty cells. A file that cannot be read, is not UTF-8,
//! or lacks the column is `E0031` on the path; an empty list is `W0030` and a value listed
//! twice (as text compares: ignoring case and surrounding space) `W0031`. The files read are
//! kept in the rule set ([`ir::RuleSet::list_files`]) so that no output may overwrite them.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use icp_diagnostics::{Code, Diagnostic, Span};
use icp_syntax::ast;

use crate::ir::{Expr, ExprKind};
use crate::schema::{Type, Value};
use crate::semantics;

use super::{Checker, did_you_mean, error_expr};

/// The files of list calls read so far in a check: their text, or why they cannot be read.
pub(super) type ListFileCache = HashMap<PathBuf, Result<String, String>>;

impl Checker<'_> {
    /// `lines(…)` or `csv_column(…)` as a constant list; `None` when `name` is neither.
    pub(super) fn list_file(&mut self, name: &str, args: &[ast::Arg], span: Span) -> Option<Expr> {
        let columns = match name {
            "lines" => 0,
            "csv_column" => 1,
            _ => return None,
        };
        let literals: Vec<(&str, Span)> = args
            .iter()
            .filter(|a| a.name.is_none())
            .filter_map(|a| match &a.value.kind {
                ast::ExprKind::String(s) => Some((s.as_str(), a.value.span)),
                _ => None,
            })
            .collect();
        if literals.len() != args.len() || args.len() != 1 + columns {
            let example = if columns == 0 {
                "lines(\"lists/competitors.txt\")"
            } else {
                "csv_column(\"lists/named_accounts.csv\", \"domain\")"
            };
            self.error(
                Code::UNKNOWN_FUNCTION,
                span,
                format!(
                    "`{name}` takes {} in double quotes",
                    if columns == 0 {
                        "a path"
                    } else {
                        "a path and a column name"
                    }
                ),
            )
            .help = Some(format!("for example `{example}`"));
            return Some(error_expr(span));
        }
        let (written, path_span) = literals[0];
        let Some(path) = self.confined(written, path_span) else {
            return Some(error_expr(span));
        };
        let text = self
            .list_files
            .entry(path.clone())
            .or_insert_with(|| read_text(&path))
            .clone();
        let text = match text {
            Ok(text) => text,
            Err(why) => {
                self.error(
                    Code::LIST_FILE_UNREADABLE,
                    path_span,
                    format!("cannot read the list file `{written}`: {why}"),
                )
                .help = Some("paths are relative to the rule file that names them".into());
                return Some(error_expr(span));
            }
        };
        let values = if columns == 0 {
            lines(&text)
        } else {
            let (column, column_span) = literals[1];
            match csv_column(&text, column) {
                Ok(values) => values,
                Err(why) => {
                    self.error(Code::LIST_FILE_UNREADABLE, column_span, why);
                    return Some(error_expr(span));
                }
            }
        };
        self.lint_list(written, path_span, &values);
        if !self.list_paths.contains(&path) {
            self.list_paths.push(path);
        }
        Some(Expr {
            kind: ExprKind::Const(Value::List(
                values.into_iter().map(|(v, _)| Value::String(v)).collect(),
            )),
            ty: Type::STRING_LIST,
            span,
        })
    }

    /// The path of a list file written in the rule file of `span`, when it stays inside that
    /// file's directory; `E0032` otherwise.
    fn confined(&mut self, written: &str, span: Span) -> Option<PathBuf> {
        let rule_file = Path::new(self.sources.file(span.file).name());
        let dir = match rule_file.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let refuse = |this: &mut Self, why: &str| {
            this.error(
                Code::LIST_FILE_OUTSIDE,
                span,
                format!("the list file `{written}` {why}"),
            )
            .help = Some(
                "keep lists beside the rules, in the rule file's directory or below it, and name them relative to it"
                    .into(),
            );
            None
        };
        let relative = Path::new(written);
        if written.is_empty() {
            return refuse(self, "is an empty path");
        }
        if relative.has_root() || relative.is_absolute() {
            return refuse(self, "is an absolute path");
        }
        let mut depth = 0i32;
        for part in relative.components() {
            match part {
                Component::Normal(_) => depth += 1,
                Component::CurDir => {}
                Component::ParentDir => depth -= 1,
                Component::RootDir | Component::Prefix(_) => {
                    return refuse(self, "is an absolute path");
                }
            }
            if depth < 0 {
                return refuse(self, "is outside the rule file's directory");
            }
        }
        let path = dir.join(relative);
        // Through symbolic links: the file, once resolved, must still be under the directory.
        if let (Ok(real), Ok(real_dir)) = (path.canonicalize(), dir.canonicalize())
            && !real.starts_with(&real_dir)
        {
            return refuse(self, "leads outside the rule file's directory");
        }
        Some(path)
    }

    /// `W0030` for an empty list, `W0031` for each value listed again.
    fn lint_list(&mut self, written: &str, span: Span, values: &[(String, usize)]) {
        if values.is_empty() {
            self.report(
                Diagnostic::new(
                    Code::EMPTY_LIST_FILE,
                    format!("the list file `{written}` holds no value"),
                    span,
                )
                .with_help("a test of membership in an empty list is never true"),
            );
            return;
        }
        let mut first: HashMap<String, usize> = HashMap::new();
        for (value, line) in values {
            let key = semantics::text_key(value);
            match first.get(&key) {
                Some(earlier) => self.report(
                    Diagnostic::new(
                        Code::DUPLICATE_LIST_VALUE,
                        format!(
                            "the list file `{written}` lists \"{value}\" again on line {line} (first on line {earlier})"
                        ),
                        span,
                    )
                    .with_help("values compare ignoring case and surrounding space; remove the repeat"),
                ),
                None => {
                    first.insert(key, *line);
                }
            }
        }
    }
}

/// The text of a list file, or why it cannot be read.
fn read_text(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("no such file ({})", path.display()),
        _ => format!("{e} ({})", path.display()),
    })?;
    let text = String::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_string())?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(&text).to_string())
}

/// The values of a `lines` file with their line numbers: each line trimmed, blank lines and
/// `#` comments skipped.
fn lines(text: &str) -> Vec<(String, usize)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (l.trim(), i + 1))
        .filter(|(l, _)| !l.is_empty() && !l.starts_with('#'))
        .map(|(l, n)| (l.to_string(), n))
        .collect()
}

/// The non-empty cells of column `name` of a CSV text with a header row, with their line
/// numbers (the header is line 1).
fn csv_column(text: &str, name: &str) -> Result<Vec<(String, usize)>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| format!("cannot read the CSV header: {e}"))?
        .clone();
    let wanted = name.trim().to_lowercase();
    let Some(index) = headers
        .iter()
        .position(|h| h.trim().to_lowercase() == wanted)
    else {
        let names: Vec<&str> = headers.iter().collect();
        let hint = match did_you_mean(name, names.iter().copied()) {
            Some(s) => format!("; did you mean \"{s}\"?"),
            None => String::new(),
        };
        return Err(format!(
            "the CSV file has no column \"{name}\"; its columns are {}{hint}",
            names
                .iter()
                .map(|n| format!("\"{n}\""))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    };
    let mut values = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("cannot read the CSV file: {e}"))?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        if let Some(cell) = record.get(index).map(str::trim)
            && !cell.is_empty()
        {
            values.push((cell.to_string(), line));
        }
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_skip_blanks_and_comments() {
        let got = lines("# competitors\nacme.com\n\n  globex.io  \n#x\n");
        assert_eq!(
            got,
            vec![("acme.com".to_string(), 2), ("globex.io".to_string(), 4)]
        );
    }

    #[test]
    fn csv_columns_are_found_ignoring_case() {
        let text = "Name,Domain\nAcme,acme.com\nBeta,\n\"Globex, Inc\",globex.io\n";
        let got = csv_column(text, "domain").expect("a column");
        assert_eq!(
            got,
            vec![("acme.com".to_string(), 2), ("globex.io".to_string(), 4)]
        );
        let err = csv_column(text, "domian").expect_err("no such column");
        assert!(err.contains("did you mean \"Domain\""), "{err}");
    }
}
