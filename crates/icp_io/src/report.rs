//! What a read did: the counts of the run summary, and the rejects file.
//!
//! How it works: the reader updates a [`ReadReport`] as it goes; it is complete once the batch
//! iterator has returned `None`. The counts are kept so that nothing can disappear unnoticed,
//! and [`ReadReport::is_balanced`] checks it:
//!
//! - every data row of the leads file is a lead, a rejected row, or (one row per contact) a row
//!   grouped into a lead an earlier row started: `rows_read == leads + rejected + grouped_rows`;
//! - every row of the contacts file is attached to a company, rejected, or unmatched:
//!   `contact_rows_read == contacts_matched + contacts_rejected + contacts_unmatched`.
//!
//! `Rejects` writes the rows that could not be read to an optional sink as CSV with the
//! header `line,reason,raw`; `raw` is the row as it was in the file (invalid UTF-8 replaced by
//! U+FFFD so the rejects file itself stays readable), and counts the rows rejected as invalid
//! UTF-8 for a warning naming `[input] encoding`.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

/// How the leads were read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadMode {
    /// A CSV with one row per company (contacts, if any, from a contacts file).
    #[default]
    Companies,
    /// A CSV with one row per contact and the company columns repeated, grouped into leads.
    PerContact,
    /// JSON Lines, one company per line.
    JsonLines,
}

/// Values of one field that did not parse for its type (and were read as missing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldErrors {
    pub count: u64,
    /// The first such value (cut to 100 characters).
    pub example: String,
    /// The line it was on.
    pub line: u64,
}

/// The counts of one read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReadReport {
    pub mode: ReadMode,
    /// Data rows (lines, for JSON Lines) of the leads file; blank lines are not rows.
    pub rows_read: u64,
    /// Leads produced.
    pub leads: u64,
    /// Rows of the leads file that could not be read; they went to the rejects sink.
    pub rejected: u64,
    /// One row per contact: rows that added a contact to a lead an earlier row started.
    pub grouped_rows: u64,
    /// Contacts attached to leads, from every source.
    pub contacts: u64,
    /// Leads whose id an earlier lead already had (both are kept).
    pub duplicate_ids: u64,
    /// Data rows of the contacts file.
    pub contact_rows_read: u64,
    /// Rows of the contacts file attached to at least one company.
    pub contacts_matched: u64,
    /// Rows of the contacts file that could not be read.
    pub contacts_rejected: u64,
    /// Rows of the contacts file whose key matches no company (or that have no key).
    pub contacts_unmatched: u64,
    /// The contacts file's key column and the company field it matches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contacts_join: Option<String>,
    /// Columns (JSON keys) of the leads file that feed no field.
    pub unknown_columns: Vec<String>,
    /// Columns of the contacts file that feed no field.
    pub contacts_unknown_columns: Vec<String>,
    /// Field path → values that did not parse for the field's type.
    pub field_errors: BTreeMap<String, FieldErrors>,
    /// What may make the leads read wrong though every row is accounted for: a header given
    /// twice, a file that is not UTF-8. Shown in the run summary.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl ReadReport {
    /// Whether every row is accounted for (see the module documentation).
    pub fn is_balanced(&self) -> bool {
        self.rows_read == self.leads + self.rejected + self.grouped_rows
            && self.contact_rows_read
                == self.contacts_matched + self.contacts_rejected + self.contacts_unmatched
    }

    /// Adds the row counts and unparseable values of `part`, a read of a later part of the
    /// same files (an earlier example of a field's errors is kept).
    pub(crate) fn absorb(&mut self, part: ReadReport) {
        self.rows_read += part.rows_read;
        self.leads += part.leads;
        self.rejected += part.rejected;
        self.grouped_rows += part.grouped_rows;
        self.contacts += part.contacts;
        self.duplicate_ids += part.duplicate_ids;
        self.contact_rows_read += part.contact_rows_read;
        self.contacts_rejected += part.contacts_rejected;
        for (path, errors) in part.field_errors {
            self.field_errors
                .entry(path)
                .and_modify(|e| e.count += errors.count)
                .or_insert(errors);
        }
    }

    /// Counts a value of `path` that did not parse.
    pub(crate) fn field_error(&mut self, path: &str, value: &str, line: u64) {
        match self.field_errors.get_mut(path) {
            Some(e) => e.count += 1,
            None => {
                self.field_errors.insert(
                    path.to_string(),
                    FieldErrors {
                        count: 1,
                        example: clip(value, 100),
                        line,
                    },
                );
            }
        }
    }
}

/// At most `max` characters of `text`, with `…` when cut.
pub(crate) fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// The rejects sink: CSV rows `line,reason,raw`, the text cells guarded against spreadsheet
/// formulas unless asked not to (the `cells` module).
pub(crate) struct Rejects {
    writer: Option<csv::Writer<Box<dyn Write + Send>>>,
    guard_formulas: bool,
    /// Rows rejected as invalid UTF-8, of the leads file and of the contacts file: how many,
    /// and the first one's line.
    not_utf8: [(u64, u64); 2],
}

impl std::fmt::Debug for Rejects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rejects")
            .field("enabled", &self.writer.is_some())
            .finish()
    }
}

impl Rejects {
    /// Writes the header at once, so an empty rejects file is still a valid CSV.
    pub(crate) fn new(
        sink: Option<Box<dyn Write + Send>>,
        guard_formulas: bool,
    ) -> std::io::Result<Rejects> {
        let mut writer = sink.map(|s| csv::WriterBuilder::new().from_writer(s));
        if let Some(w) = &mut writer {
            w.write_record(["line", "reason", "raw"])
                .map_err(std::io::Error::other)?;
        }
        Ok(Rejects {
            writer,
            guard_formulas,
            not_utf8: [(0, 0); 2],
        })
    }

    pub(crate) fn write(&mut self, line: u64, reason: &str, raw: &[u8]) -> std::io::Result<()> {
        if reason.contains("invalid UTF-8") {
            let file = usize::from(reason.starts_with("contacts file:"));
            let (rows, first) = &mut self.not_utf8[file];
            *first = if *rows == 0 { line } else { *first };
            *rows += 1;
        }
        if let Some(w) = &mut self.writer {
            let raw = String::from_utf8_lossy(raw);
            let guard = |text| crate::cells::guarded(text, self.guard_formulas);
            w.write_record([&*line.to_string(), &guard(reason), &guard(&raw)])
                .map_err(std::io::Error::other)?;
        }
        Ok(())
    }

    /// Adds to `report` the warnings of the rows written: a file with rows of invalid UTF-8 is
    /// probably in another encoding (`crate::encoding`).
    pub(crate) fn add_warnings(&self, report: &mut ReadReport) {
        for (file, (rows, first)) in ["the leads file", "the contacts file"]
            .into_iter()
            .zip(self.not_utf8)
        {
            if rows > 0 {
                let warning = crate::encoding::not_utf8_warning(file, rows, first);
                report.warnings.push(warning);
            }
        }
    }

    /// Rows written as invalid UTF-8 of a file that is not a contacts file: how many, and
    /// the first one's line.
    pub(crate) fn not_utf8_rows(&self) -> (u64, u64) {
        self.not_utf8[0]
    }

    pub(crate) fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.writer {
            Some(w) => w.flush(),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A shared buffer the rejects sink can own while the test reads it.
    #[derive(Clone, Default)]
    struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn rejected_rows_that_would_open_a_formula_are_guarded_unless_raw() {
        for (guard, expected) in [
            (
                true,
                "line,reason,raw\n7,bad row,\"'=HYPERLINK(\"\"x\"\"),1\"\n",
            ),
            (
                false,
                "line,reason,raw\n7,bad row,\"=HYPERLINK(\"\"x\"\"),1\"\n",
            ),
        ] {
            let out = Shared::default();
            let mut rejects = Rejects::new(Some(Box::new(out.clone())), guard).unwrap();
            rejects.write(7, "bad row", b"=HYPERLINK(\"x\"),1").unwrap();
            rejects.flush().unwrap();
            assert_eq!(
                String::from_utf8(out.0.lock().unwrap().clone()).unwrap(),
                expected
            );
        }
    }

    #[test]
    fn clip_cuts_on_characters() {
        assert_eq!(clip("héllo", 2), "hé…");
        assert_eq!(clip("hi", 2), "hi");
    }

    #[test]
    fn absorbed_parts_add_up_and_keep_the_first_example() {
        let mut whole = ReadReport {
            rows_read: 3,
            leads: 2,
            rejected: 1,
            ..ReadReport::default()
        };
        whole.field_error("company.employees", "lots", 3);
        let mut part = ReadReport {
            rows_read: 2,
            leads: 2,
            contact_rows_read: 5,
            contacts_rejected: 1,
            ..ReadReport::default()
        };
        part.field_error("company.employees", "many", 9);
        part.field_error("company.revenue", "much", 10);
        whole.absorb(part);
        assert_eq!((whole.rows_read, whole.leads, whole.rejected), (5, 4, 1));
        assert_eq!((whole.contact_rows_read, whole.contacts_rejected), (5, 1));
        let e = &whole.field_errors["company.employees"];
        assert_eq!((e.count, e.example.as_str(), e.line), (2, "lots", 3));
        assert_eq!(whole.field_errors["company.revenue"].line, 10);
    }

    #[test]
    fn field_errors_keep_the_first_example() {
        let mut r = ReadReport::default();
        r.field_error("company.employees", "lots", 3);
        r.field_error("company.employees", "many", 9);
        let e = &r.field_errors["company.employees"];
        assert_eq!((e.count, e.example.as_str(), e.line), (2, "lots", 3));
    }
}
