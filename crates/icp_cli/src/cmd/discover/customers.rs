//! The best customers of `icp discover --customers FILE`.
//!
//! How it works: the file is either a list, one id or domain per line, or a CSV file whose
//! header names a `company_id`, `id` or `domain` column (first found in that order; header
//! names compare trimmed and case-insensitively). It is a CSV file when its first line, split
//! on commas, names one of those columns; a first line that holds a comma but names none is an
//! error. Blank lines and blank cells are skipped. In a list, each entry is tried as a lead's
//! `company.id` (exactly, trimmed) and, when it reads as a domain, as its `company.domain`
//! (normalised as the reader normalises domains: lower case, no scheme, no `www.`); a CSV
//! column is matched against ids or against domains only. A lead is a best customer when one
//! entry matches it; entries that match no lead are counted and reported.

use std::collections::HashMap;
use std::path::Path;

use crate::error::UsageError;

/// The best customers, by id and by domain, each an entry of the file.
#[derive(Debug, Default)]
pub struct Customers {
    /// Entries in file order (as written), for messages.
    pub entries: Vec<String>,
    by_id: HashMap<String, usize>,
    by_domain: HashMap<String, usize>,
}

impl Customers {
    /// Reads the file; a malformed one is a usage error naming it.
    pub fn read(path: &Path, shown: &str) -> Result<Customers, UsageError> {
        let bytes = std::fs::read(path).map_err(|e| UsageError::Read(shown.to_string(), e))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| UsageError::Customers(format!("{shown}: the file is not valid UTF-8")))?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let first = text.lines().next().unwrap_or_default();
        let header: Vec<String> = first.split(',').map(|h| h.trim().to_lowercase()).collect();
        let column = ["company_id", "id", "domain"]
            .iter()
            .find_map(|name| header.iter().position(|h| h == name).map(|i| (i, *name)));
        let mut customers = Customers::default();
        match column {
            Some((index, name)) => customers.read_csv(text, index, name == "domain", shown)?,
            None if first.contains(',') => {
                return Err(UsageError::Customers(format!(
                    "{shown}: a CSV file of customers needs a `company_id`, `id` or `domain` column; the header is {:?}",
                    first.trim()
                )));
            }
            None => {
                for line in text.lines() {
                    customers.add(line, true, true);
                }
            }
        }
        if customers.entries.is_empty() {
            return Err(UsageError::Customers(format!(
                "{shown}: no customers (write one id or domain per line, or a CSV file with a `company_id`, `id` or `domain` column)"
            )));
        }
        Ok(customers)
    }

    fn read_csv(
        &mut self,
        text: &str,
        index: usize,
        domains: bool,
        shown: &str,
    ) -> Result<(), UsageError> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.as_bytes());
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                UsageError::Customers(format!("{shown}:{line}: not a CSV record: {e}"))
            })?;
            if let Some(cell) = record.get(index) {
                self.add(cell, !domains, domains);
            }
        }
        Ok(())
    }

    /// Adds one entry, as an id and/or as a domain.
    fn add(&mut self, entry: &str, as_id: bool, as_domain: bool) {
        let entry = entry.trim();
        if entry.is_empty() {
            return;
        }
        let index = self.entries.len();
        let mut used = false;
        if as_id {
            self.by_id.entry(entry.to_string()).or_insert(index);
            used = true;
        }
        if as_domain && let Some(domain) = icp_io::parse::normalize_domain(entry) {
            self.by_domain.entry(domain).or_insert(index);
            used = true;
        }
        if used {
            self.entries.push(entry.to_string());
        }
    }

    /// The entry a lead matches, by id first, then by domain.
    pub fn find(&self, id: &str, domain: Option<&str>) -> Option<usize> {
        self.by_id
            .get(id.trim())
            .or_else(|| domain.and_then(|d| self.by_domain.get(d)))
            .copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Customers, UsageError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("best.csv");
        std::fs::write(&path, text).unwrap();
        Customers::read(&path, "best.csv")
    }

    #[test]
    fn a_list_matches_ids_and_domains() {
        let c = read("c-1\nhttps://www.Acme.com/\n\n").unwrap();
        assert_eq!(c.entries.len(), 2);
        assert_eq!(c.find("c-1", None), Some(0));
        assert_eq!(c.find("x", Some("acme.com")), Some(1));
        assert_eq!(c.find("x", Some("other.com")), None);
    }

    #[test]
    fn a_csv_file_uses_its_key_column() {
        let c = read("name,Domain\n\"Acme, Inc\",acme.com\nBeta,\n").unwrap();
        assert_eq!(c.entries, ["acme.com"]);
        assert_eq!(c.find("acme.com", None), None);
        assert_eq!(c.find("7", Some("acme.com")), Some(0));
    }

    #[test]
    fn malformed_files_are_refused() {
        let err = read("name,city\nAcme,Paris\n").unwrap_err().to_string();
        assert!(
            err.contains("`company_id`, `id` or `domain` column"),
            "{err}"
        );
        assert!(read("\n \n").is_err());
    }
}
