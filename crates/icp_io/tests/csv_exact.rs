//! The CSV reader reads what the `csv` crate reads: random files with quoted delimiters, quotes
//! and line ends (LF, CRLF, lone CR), ragged rows and broken quoting, read in chunks of every
//! size, give the records, rejects and counts of `csv::ReaderBuilder::new().flexible(true)`
//! reading the same bytes.
//!
//! What the `csv` crate's records are taken to mean (its first record is the header, as for
//! `icp`; every later one is a data row):
//!
//! - a record's *raw bytes* are those from where the `csv` crate began reading it
//!   (`position().byte()`) to where it began reading the next (or the end of the input), less
//!   the line ends before it (blank lines, which no record starts with) and after it;
//! - its *line* is one more than the number of `\n` bytes before its raw bytes;
//! - it is *open* when it is the last one and the input ends inside a quoted field: read with
//!   one more `\n` after the input, its last field takes that line end in;
//! - a data row is a *reject* when it is open ("unbalanced quote…"), else when its number of
//!   fields differs from the header's ("wrong number of fields…"), else when every field is
//!   blank ("empty row"); the reject carries the row's line and raw bytes. Every other data row
//!   is a lead, on its line.

mod common;

use std::path::Path;

use common::read_with;
use icp_engine::Schema;
use icp_io::{InputConfig, InputFormat, ReadOptions};

/// A data row as the `csv` crate reads it: a lead on a line, or a reject.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Row {
    Lead(u64),
    Reject(u64, String, String),
}

/// The rows of `bytes` as the `csv` crate reads them (see the module documentation).
fn rows_by_the_csv_crate(bytes: &[u8]) -> Vec<Row> {
    let records = |bytes: &[u8]| {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(false)
            .from_reader(bytes);
        (reader.byte_records())
            .map(|r| r.expect("csv reads any bytes"))
            .collect::<Vec<_>>()
    };
    let all = records(bytes);
    let open = records(&[bytes, b"\n"].concat()).last() != all.last();
    let Some((header, rows)) = all.split_first() else {
        return Vec::new();
    };
    let starts: Vec<usize> = (all.iter())
        .map(|r| r.position().expect("read").byte() as usize)
        .chain([bytes.len()])
        .collect();
    let mut out = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let span = &bytes[starts[i + 1]..starts[i + 2]];
        let lead = span
            .iter()
            .take_while(|b| matches!(b, b'\n' | b'\r'))
            .count();
        let body = &span[lead..];
        let trail = body
            .iter()
            .rev()
            .take_while(|b| matches!(b, b'\n' | b'\r'))
            .count();
        let raw = &body[..body.len() - trail];
        let before = starts[i + 1] + lead;
        let line = 1 + bytes[..before].iter().filter(|b| **b == b'\n').count() as u64;
        let raw = String::from_utf8(raw.to_vec()).expect("ASCII");
        let last = i + 1 == rows.len();
        let reason = if last && open {
            Some("unbalanced quote".to_string())
        } else if row.len() != header.len() {
            Some(format!(
                "wrong number of fields: expected {}, found {}",
                header.len(),
                row.len()
            ))
        } else if row.iter().all(|f| f.trim_ascii().is_empty()) {
            Some("empty row".to_string())
        } else {
            None
        };
        out.push(match reason {
            Some(reason) => Row::Reject(line, reason, raw),
            None => Row::Lead(line),
        });
    }
    out
}

/// The rows of the file at `path` as `icp` reads it, in chunks of `batch_size` lines, with
/// the contacts file `contacts`; the reason of an unbalanced quote cut to its first words (the
/// rest describes the row), a contacts file's without its prefix.
fn sorted_rows_by_icp(
    path: &Path,
    contacts: Option<&Path>,
    batch_size: usize,
) -> (Vec<Row>, icp_io::ReadReport) {
    let config = InputConfig {
        batch_size,
        ..InputConfig::default()
    };
    let options = ReadOptions {
        format: Some(InputFormat::Csv),
        contacts: contacts.map(Path::to_path_buf),
        ..ReadOptions::default()
    };
    let out = read_with(path, &Schema::canonical(), &config, options).expect("readable");
    let mut rows: Vec<Row> = out.leads.iter().map(|l| Row::Lead(l.line)).collect();
    for (line, reason, raw) in out.rejects {
        let reason = reason.strip_prefix("contacts file: ").unwrap_or(&reason);
        let reason = if reason.starts_with("unbalanced quote") {
            "unbalanced quote".to_string()
        } else {
            reason.to_string()
        };
        rows.push(Row::Reject(line, reason, raw));
    }
    // Leads and rejects come out separately, and rows ended by a lone CR share a line: the
    // rows are compared in order of line (then kind and bytes) on both sides.
    rows.sort();
    (rows, out.report)
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }
}

/// A random file: a header, then rows of two to four cells (the header has three) drawn from
/// cells with quoted delimiters, quotes and line ends, stray and unclosed quotes, ending in
/// LF, CRLF or a lone CR, with blank lines, and the last line end sometimes left out.
fn random_csv(rng: &mut Rng) -> Vec<u8> {
    let cells = [
        "1",
        "99",
        "Acme",
        "\"Acme, Inc.\"",
        "\"two\nlines\"",
        "\"two\r\nlines\"",
        "\"99,Injected Co,5000\n\"",
        "\"say \"\"hi\"\"\"",
        "\"open",
        "close\"",
        "x\"y",
        "\"\"",
        "",
        " ",
        "\"a\"b",
    ];
    let ends = ["\n", "\n", "\n", "\r\n", "\r", "\n\n"];
    let mut text = String::from("id,name,employees\n");
    for _ in 0..rng.next() % 12 {
        let width = 2 + rng.next() % 3;
        let row: Vec<&str> = (0..width).map(|_| rng.pick(&cells)).collect();
        text.push_str(&row.join(","));
        text.push_str(rng.pick(&ends));
    }
    if rng.next().is_multiple_of(3) {
        while text.ends_with(['\n', '\r']) {
            text.pop();
        }
    }
    text.into_bytes()
}

/// The rejects of `rows`.
fn rejects(rows: &[Row]) -> Vec<&Row> {
    rows.iter()
        .filter(|r| matches!(r, Row::Reject(..)))
        .collect()
}

#[test]
fn records_rejects_and_counts_are_the_csv_crates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leads.csv");
    let companies = dir.path().join("companies.csv");
    std::fs::write(&companies, "id,name\n1,Acme\n99,Other\n").unwrap();
    let contacts = dir.path().join("contacts.csv");
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    for case in 0..250 {
        let bytes = random_csv(&mut rng);
        std::fs::write(&path, &bytes).unwrap();
        let mut expected = rows_by_the_csv_crate(&bytes);
        expected.sort();
        let shown = String::from_utf8_lossy(&bytes);
        for batch_size in [1, 2, 3, 4, 5, 7, 1_000_000] {
            let (rows, report) = sorted_rows_by_icp(&path, None, batch_size);
            assert_eq!(
                rows, expected,
                "case {case}, chunks of {batch_size}: {shown:?}"
            );
            assert_eq!(
                (report.rows_read, report.rejected),
                (expected.len() as u64, rejects(&expected).len() as u64),
                "case {case}, chunks of {batch_size}: {shown:?}"
            );
            assert!(report.is_balanced(), "{report:?}");
        }
        // The same rows as a contacts file: the same rejects, counted against it.
        let keyed = [b"company_".as_slice(), &bytes].concat();
        std::fs::write(&contacts, keyed).unwrap();
        for batch_size in [1, 2, 3, 1_000_000] {
            let (rows, report) = sorted_rows_by_icp(&companies, Some(&contacts), batch_size);
            assert_eq!(
                rejects(&rows),
                rejects(&expected),
                "case {case} as contacts, chunks of {batch_size}: {shown:?}"
            );
            assert_eq!(
                (report.contact_rows_read, report.contacts_rejected),
                (expected.len() as u64, rejects(&expected).len() as u64),
                "case {case} as contacts, chunks of {batch_size}: {shown:?}"
            );
            assert!(report.is_balanced(), "{report:?}");
        }
    }
}
