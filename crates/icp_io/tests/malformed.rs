//! The malformed-input corpus (`tests/inputs/malformed/`): never a panic, counts add up,
//! rejects carry line numbers and reasons.

mod common;

use std::io::Write;
use std::path::Path;

use common::{inputs, n, read, read_with, s};
use icp_engine::Schema;
use icp_io::{InputConfig, InputError, InputFormat, LeadReader, Preset, ReadOptions};

fn corpus(name: &str) -> std::path::PathBuf {
    inputs().join("malformed").join(name)
}

fn plain(name: &str) -> common::Outcome {
    let out = read(&corpus(name), &InputConfig::default(), None);
    assert!(out.report.is_balanced(), "{name}: {:?}", out.report);
    assert_eq!(
        out.rejects.len() as u64,
        out.report.rejected + out.report.contacts_rejected,
        "{name}: every rejected row is in the rejects sink"
    );
    out
}

#[test]
fn ragged_rows_are_rejected_with_their_lines() {
    let out = plain("ragged.csv");
    assert_eq!(out.ids(), ["1", "4"]);
    assert_eq!((out.report.rows_read, out.report.rejected), (4, 2));
    assert_eq!(out.rejects[0].0, 3);
    assert_eq!(
        out.rejects[0].1,
        "wrong number of fields: expected 3, found 2"
    );
    assert_eq!(out.rejects[0].2, "2,Beta");
    assert_eq!(out.rejects[1].0, 4);
    assert_eq!(
        out.rejects[1].1,
        "wrong number of fields: expected 3, found 4"
    );
    assert_eq!(out.rejects[1].2, "3,Gamma,300,extra");
    assert_eq!(out.lead("4").line, 5);
}

/// A quote never closed runs to the end of the file, as in any CSV reader: the one record it
/// makes is rejected whole, and the lines inside it are not rows.
#[test]
fn an_unclosed_quote_rejects_its_record_to_the_end() {
    let out = plain("bad_quotes_unclosed.csv");
    assert!(out.ids().is_empty());
    assert_eq!((out.report.rows_read, out.report.rejected), (1, 1));
    assert_eq!(out.rejects[0].0, 2);
    assert!(
        out.rejects[0].1.starts_with("unbalanced quote"),
        "{:?}",
        out.rejects
    );
    assert_eq!(out.rejects[0].2, "1,\"Acme,100\n2,Beta,200\n3,Gamma,300");
}

/// A stray quote closed by another rows later makes one record of the lines between, as in
/// any CSV reader; here it has the header's width, so it is a lead with a multi-line name.
#[test]
fn a_quote_closed_rows_later_makes_one_record() {
    let out = plain("bad_quotes_closed_later.csv");
    assert_eq!(out.ids(), ["1", "4"]);
    assert_eq!((out.report.rows_read, out.report.rejected), (2, 0));
    assert_eq!(
        out.company("1", "name"),
        s("Acme,100\n2,Beta,200\n3,Gamma\"")
    );
    assert_eq!(out.company("1", "employees"), n(300.0));
    assert_eq!(out.lead("4").line, 5);
}

#[test]
fn invalid_utf8_rejects_the_row() {
    let out = plain("invalid_utf8.csv");
    assert_eq!(out.ids(), ["1", "3"]);
    assert_eq!(out.rejects.len(), 1);
    assert_eq!(out.rejects[0].0, 3);
    assert_eq!(
        out.rejects[0].1,
        "invalid UTF-8 in column \"name\" at byte 1"
    );
    assert_eq!(out.rejects[0].2, "2,B\u{fffd}ta,200", "raw, made readable");
}

#[test]
fn empty_file_and_header_only() {
    for name in ["empty.csv", "header_only.csv"] {
        let out = plain(name);
        assert!(out.leads.is_empty(), "{name}");
        assert_eq!(out.report.rows_read, 0, "{name}");
        assert_eq!(out.batches, 0, "{name}");
    }
}

#[test]
fn blank_lines_are_skipped_and_empty_rows_rejected() {
    let out = plain("blank_and_empty_rows.csv");
    assert_eq!(out.ids(), ["1", "2"]);
    assert_eq!((out.report.rows_read, out.report.rejected), (4, 2));
    let lines: Vec<u64> = out.rejects.iter().map(|r| r.0).collect();
    assert_eq!(lines, [4, 5]);
    assert!(out.rejects.iter().all(|r| r.1 == "empty row"));
    assert_eq!(out.lead("2").line, 6);
}

#[test]
fn unknown_columns_are_listed() {
    let out = plain("unknown_columns.csv");
    assert_eq!(out.report.unknown_columns, ["colour", "Favourite Food"]);
    assert_eq!(out.company("1", "employees"), n(100.0));
}

#[test]
fn duplicate_ids_are_kept_and_counted() {
    let out = plain("duplicate_ids.csv");
    assert_eq!(out.ids(), ["1", "2", "1", "1"]);
    assert_eq!(out.report.duplicate_ids, 2);
    assert_eq!(out.report.leads, 4);
}

#[test]
fn duplicate_ids_are_counted_in_files_in_id_order_or_not() {
    // Read in chunks of two lines: ids in order are kept as hashes only until one is out of
    // order; each case counts what a set of every id seen would.
    let cases: &[(&[&str], u64)] = &[
        (&["a1", "a2", "a3", "a4", "a5", "a6"], 0),
        (&["a1", "a2", "a3", "a4", "a5", "a2"], 1),
        (&["a1", "a2", "a2", "a3", "a4", "a5"], 1),
        (&["a1", "a2", "a3", "a3", "a4", "a5"], 1),
        (&["a4", "a5", "a1", "a2", "a5", "a4", "a4"], 3),
        (&["b", "a", "c", "d", "a", "e"], 1),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (ids, duplicates) in cases {
        let path = dir.path().join("leads.csv");
        let rows: String = ids.iter().map(|id| format!("{id},Co {id}\n")).collect();
        std::fs::write(&path, format!("id,name\n{rows}")).unwrap();
        let config = InputConfig {
            batch_size: 2,
            ..InputConfig::default()
        };
        let out = read(&path, &config, None);
        assert_eq!(out.ids(), *ids);
        assert_eq!(out.report.duplicate_ids, *duplicates, "{ids:?}");
    }
}

#[test]
fn duplicate_ids_are_counted_after_a_sorted_run_longer_than_is_kept_in_memory() {
    // 200,000 ascending ids are more than the reader keeps before writing their hashes out;
    // the repeats after them are found among the hashes read back.
    let dir = tempfile::tempdir().unwrap();
    let mut ids: Vec<String> = (0..200_000).map(|i| format!("c{i:06}")).collect();
    ids.extend(["c000005", "c150000", "d", "c199999", "d"].map(String::from));
    for jsonl in [false, true] {
        let name = if jsonl { "leads.jsonl" } else { "leads.csv" };
        let path = dir.path().join(name);
        let rows: String = ids
            .iter()
            .map(|id| match jsonl {
                true => format!("{{\"id\": \"{id}\"}}\n"),
                false => format!("{id},Co\n"),
            })
            .collect();
        let header = if jsonl { "" } else { "id,name\n" };
        std::fs::write(&path, format!("{header}{rows}")).unwrap();
        let out = read(&path, &InputConfig::default(), None);
        assert_eq!(out.report.leads, 200_005, "{name}");
        assert_eq!(out.report.duplicate_ids, 4, "{name}");
    }
}

#[test]
fn unparseable_numbers_become_missing_and_are_counted() {
    let out = plain("unparseable_numbers.csv");
    let r = &out.report;
    assert_eq!(r.rejected, 0);
    assert_eq!(out.company("1", "employees"), None);
    assert_eq!(out.company("1", "revenue"), n(10_000_000.0));
    assert_eq!(out.company("2", "employees"), n(125.5));
    assert_eq!(out.company("2", "revenue"), None);
    assert_eq!(out.company("3", "revenue"), n(5_000_000.0));
    let e = |f: &str| {
        let e = &r.field_errors[f];
        (e.count, e.example.clone(), e.line)
    };
    assert_eq!(e("company.employees"), (2, "lots".into(), 2));
    assert_eq!(e("company.revenue"), (1, "about a million".into(), 3));
    assert_eq!(e("company.founded"), (1, "nineteen".into(), 3));
    assert_eq!(r.field_errors.len(), 3);
}

#[test]
fn json_lines_that_are_not_objects_are_rejected() {
    let out = plain("not_objects.jsonl");
    assert_eq!(out.ids(), ["1", "4"]);
    assert_eq!((out.report.rows_read, out.report.rejected), (6, 4));
    let lines: Vec<u64> = out.rejects.iter().map(|r| r.0).collect();
    assert_eq!(lines, [2, 3, 4, 5]);
    assert!(
        out.rejects[0].1.contains("an array"),
        "{:?}",
        out.rejects[0]
    );
    assert!(
        out.rejects[1].1.contains("a string"),
        "{:?}",
        out.rejects[1]
    );
    assert!(
        out.rejects[2].1.starts_with("invalid JSON"),
        "{:?}",
        out.rejects[2]
    );
    assert!(
        out.rejects[3].1.starts_with("invalid UTF-8"),
        "{:?}",
        out.rejects[3]
    );
}

#[test]
fn every_corpus_file_reads_without_panic_in_every_setting() {
    let dir = inputs().join("malformed");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    files.sort();
    assert!(files.len() >= 10);
    let schema = Schema::canonical();
    for file in &files {
        for format in [InputFormat::Csv, InputFormat::JsonLines] {
            for preset in [None, Some(Preset::Hubspot), Some(Preset::Apollo)] {
                for contacts in [None, Some(inputs().join("per_contact.csv"))] {
                    let config = InputConfig {
                        preset,
                        batch_size: 2,
                        ..InputConfig::default()
                    };
                    let options = ReadOptions {
                        format: Some(format),
                        contacts,
                        ..ReadOptions::default()
                    };
                    let out = read_with(file, &schema, &config, options).unwrap();
                    assert!(
                        out.report.is_balanced(),
                        "{}: {:?}",
                        file.display(),
                        out.report
                    );
                    assert!(out.rejects.iter().all(|r| r.0 >= 1 && !r.1.is_empty()));
                }
            }
        }
    }
}

#[test]
fn missing_files_are_fatal_with_their_path() {
    let schema = Schema::canonical();
    let config = InputConfig::default();
    let err = LeadReader::open(
        Path::new("/nonexistent/leads.csv"),
        &schema,
        &config,
        ReadOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, InputError::Open { .. }));
    assert!(err.to_string().contains("/nonexistent/leads.csv"), "{err}");

    let err = LeadReader::open(
        &corpus("ragged.csv"),
        &schema,
        &config,
        ReadOptions {
            contacts: Some("/nonexistent/contacts.csv".into()),
            ..ReadOptions::default()
        },
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("/nonexistent/contacts.csv"),
        "{err}"
    );

    // A contacts file without a key column.
    let err = LeadReader::open(
        &corpus("ragged.csv"),
        &schema,
        &config,
        ReadOptions {
            contacts: Some(corpus("unknown_columns.csv")),
            ..ReadOptions::default()
        },
    )
    .unwrap_err();
    assert!(matches!(err, InputError::Contacts { .. }), "{err}");
    assert!(err.to_string().contains("company key"), "{err}");

    // A directory cannot be read: an error when opening or on the first batch.
    match LeadReader::open(&inputs(), &schema, &config, ReadOptions::default()) {
        Err(e) => assert!(matches!(e, InputError::Read { .. }), "{e}"),
        Ok(mut reader) => assert!(matches!(
            reader.next(),
            None | Some(Err(InputError::Read { .. }))
        )),
    }
}

fn big(dir: &Path, name: &str, body: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(body).unwrap();
    path
}

#[test]
fn a_10_mb_single_field_is_read() {
    const SIZE: usize = 10 * 1024 * 1024;
    let dir = tempfile::tempdir().unwrap();
    let field: Vec<u8> = (0..SIZE).map(|i| b"abcdefghij"[i % 10]).collect();

    // Unquoted.
    let mut body = b"id,name,employees\n1,".to_vec();
    body.extend_from_slice(&field);
    body.extend_from_slice(b",100\n2,Beta,200\n");
    let out = plain_at(&big(dir.path(), "unquoted.csv", &body));
    assert_eq!(out.ids(), ["1", "2"]);
    match out.company("1", "name") {
        Some(icp_engine::Value::String(s)) => assert_eq!(s.len(), SIZE),
        other => panic!("{:?}", other.map(|_| "not a string")),
    }

    // Quoted, with line breaks inside.
    let mut body = b"id,name,employees\n1,\"".to_vec();
    for chunk in field.chunks(1000) {
        body.extend_from_slice(chunk);
        body.push(b'\n');
    }
    body.extend_from_slice(b"\",100\n2,Beta,200\n");
    let out = plain_at(&big(dir.path(), "quoted.csv", &body));
    assert_eq!(out.ids(), ["1", "2"]);
    assert_eq!(out.lead("2").line, 3 + (SIZE as u64).div_ceil(1000));

    // In a number column: read as missing and counted, the example cut short.
    let mut body = b"id,employees\n1,".to_vec();
    body.extend_from_slice(&field);
    body.push(b'\n');
    let out = plain_at(&big(dir.path(), "number.csv", &body));
    let e = &out.report.field_errors["company.employees"];
    assert_eq!(e.count, 1);
    assert!(e.example.chars().count() <= 101);

    // One JSON line.
    let mut body = b"{\"id\": \"1\", \"name\": \"".to_vec();
    body.extend_from_slice(&field);
    body.extend_from_slice(b"\"}\n{\"id\": \"2\"}\n");
    let out = plain_at(&big(dir.path(), "big.jsonl", &body));
    assert_eq!(out.ids(), ["1", "2"]);
}

fn plain_at(path: &Path) -> common::Outcome {
    let out = read(path, &InputConfig::default(), None);
    assert!(out.report.is_balanced(), "{:?}", out.report);
    out
}

/// A small deterministic generator, so the fuzzing below needs no extra crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[(self.next() % items.len() as u64) as usize]
    }
}

#[test]
fn random_bytes_never_panic_and_always_balance() {
    let pieces: &[&[u8]] = &[
        b",",
        b"\"",
        b"\"\"",
        b"\n",
        b"\r\n",
        b"\r",
        b" ",
        b"a",
        b"Acme",
        b"51-200",
        b"$10M",
        b"\xff",
        b"\xe2\x82",
        b"\xef\xbb\xbf",
        b"{",
        b"}",
        b"[",
        b"]",
        b":",
        b"\"id\"",
        b"\"contacts\"",
        b"1",
        b"-",
        b"n/a",
        b";",
        b"\t",
        b"\0",
        b"\xc3\xa9",
    ];
    let headers: &[&[u8]] = &[
        b"id,name,employees,industry,title\n",
        b"company_id,name,email\n",
        b"",
        b"Record ID,Company name,Number of Employees\n",
    ];
    let schema = Schema::canonical();
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for case in 0..400 {
        let mut body = rng.pick(headers).to_vec();
        for _ in 0..(rng.next() % 200) {
            body.extend_from_slice(rng.pick(pieces));
        }
        let path = big(dir.path(), "fuzz.csv", &body);
        for format in [InputFormat::Csv, InputFormat::JsonLines] {
            let config = InputConfig {
                preset: rng.pick(&[None, Some(Preset::Hubspot), Some(Preset::Salesforce)]),
                batch_size: 1 + (rng.next() % 4) as usize,
                ..InputConfig::default()
            };
            let options = ReadOptions {
                format: Some(format),
                ..ReadOptions::default()
            };
            let out = read_with(&path, &schema, &config, options).unwrap();
            assert!(
                out.report.is_balanced(),
                "case {case}: {:?}\n{:?}",
                out.report,
                String::from_utf8_lossy(&body)
            );
            assert_eq!(out.leads.len() as u64, out.report.leads);
        }
    }
}

/// Everything a read gives, in a form two reads can be compared in.
fn everything(out: &common::Outcome) -> String {
    let leads: Vec<String> = out
        .leads
        .iter()
        .map(|l| format!("{} line {}: {:?}", l.id, l.line, l.lead))
        .collect();
    format!(
        "{:#?}\n{:#?}\n{}",
        out.report,
        out.rejects,
        leads.join("\n")
    )
}

/// Large files are cut into chunks read in parallel (one batch of lines each); where quoting is
/// broken across a cut, reading goes on serially from that chunk. Either way the leads, the
/// rejects and every count must be what one pass over the file gives (here: one chunk).
#[test]
fn chunked_reading_gives_what_one_pass_gives() {
    let schema = Schema::canonical();
    let read_in = |path: &Path, batch_size: usize, contacts: Option<std::path::PathBuf>| {
        let config = InputConfig {
            batch_size,
            ..InputConfig::default()
        };
        let options = ReadOptions {
            format: Some(InputFormat::Csv),
            contacts,
            ..ReadOptions::default()
        };
        everything(&read_with(path, &schema, &config, options).unwrap())
    };
    let mut files: Vec<_> = std::fs::read_dir(inputs().join("malformed"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    files.sort();
    let dir = tempfile::tempdir().unwrap();
    // Random rows with stray quotes and line breaks in quoted values.
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let cells: &[&str] = &[
        "Acme",
        "\"Acme, Inc.\"",
        "\"two\nlines\"",
        "\"open",
        "close\"",
        "51-200",
        "",
        "\"\"",
        "n/a",
        "x\"y",
    ];
    for case in 0..60 {
        let mut body = String::from("id,name,employees\n");
        for row in 0..(rng.next() % 40) {
            let row = [
                row.to_string(),
                rng.pick(cells).into(),
                rng.pick(cells).into(),
            ];
            body.push_str(&row.join(","));
            body.push_str(if rng.next().is_multiple_of(5) {
                "\r\n"
            } else {
                "\n"
            });
        }
        files.push(big(
            dir.path(),
            &format!("random{case}.csv"),
            body.as_bytes(),
        ));
    }
    // Companies with the ids the contacts files below name (row numbers, the corpus's 1–4),
    // so contacts attach and their copying into batches is compared too.
    let companies = dir.path().join("companies.csv");
    let rows: String = (0..40).map(|i| format!("{i},Company {i}\n")).collect();
    std::fs::write(&companies, format!("id,name\n{rows}")).unwrap();
    let mut joined = 0;
    for file in &files {
        let whole = read_in(file, 1_000_000, None);
        for batch_size in [1, 2, 3, 5] {
            assert_eq!(
                read_in(file, batch_size, None),
                whole,
                "{} in chunks of {batch_size} lines: {:?}",
                file.display(),
                String::from_utf8_lossy(&std::fs::read(file).unwrap())
            );
        }
        // The same file as a contacts file (its `id` column read as the key).
        let contacts = dir.path().join("contacts.csv");
        let text = std::fs::read(file).unwrap();
        if !text.starts_with(b"id,") {
            continue;
        }
        let keyed = [b"company_".as_slice(), &text].concat();
        std::fs::write(&contacts, keyed).unwrap();
        let whole = read_in(&companies, 1_000_000, Some(contacts.clone()));
        joined += whole.matches("contacts: [").count() - whole.matches("contacts: []").count();
        for batch_size in [1, 2] {
            assert_eq!(
                read_in(&companies, batch_size, Some(contacts.clone())),
                whole,
                "{} as contacts, in chunks of {} lines",
                file.display(),
                batch_size * 4
            );
        }
    }
    assert!(joined > 100, "only {joined} leads got contacts");
}

/// A contacts file in any order joins as one in company order: every company gets the
/// contacts that name it, in the contacts file's order, and the counts of contacts joined and
/// not are the same — whether the keys ascend throughout, stop ascending part-way (in the first
/// chunk or a later one), or never do, read in chunks of every size.
#[test]
fn contacts_in_any_order_join_each_company_its_own() {
    let schema = Schema::canonical();
    let dir = tempfile::tempdir().unwrap();
    let companies = dir.path().join("companies.csv");
    let ids: Vec<String> = (0..400).map(|i| format!("C{i:04}")).collect();
    let rows: String = ids
        .iter()
        .map(|id| format!("{id},Company {id}\n"))
        .collect();
    std::fs::write(&companies, format!("id,name\n{rows}")).unwrap();
    // Up to three contacts per company, and two for each key that names no company: before
    // the first, between two (`C0100x`, after `C0100`), after the last.
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut contacts: Vec<(String, String)> = Vec::new();
    for id in &ids {
        for k in 0..rng.next() % 4 {
            contacts.push((id.clone(), format!("{id} #{k}")));
        }
        if id == "C0100" {
            contacts.extend((0..2).map(|k| ("C0100x".to_string(), format!("C0100x #{k}"))));
        }
        // Now and then a contact of two companies (joined to both), or of one that is not.
        if id.ends_with("7") {
            contacts.push((format!("{id};C9999"), format!("{id} and C9999")));
            contacts.push((format!("C0003;{id}"), format!("C0003 and {id}")));
        }
    }
    contacts.splice(
        0..0,
        (0..2).map(|k| ("A0001".to_string(), format!("A0001 #{k}"))),
    );
    contacts.extend((0..2).map(|k| ("D0002".to_string(), format!("D0002 #{k}"))));
    let n = contacts.len();
    let mut shuffled = contacts.clone();
    for i in (1..n).rev() {
        shuffled.swap(i, (rng.next() % (i as u64 + 1)) as usize);
    }
    let mut late = contacts.clone();
    late[n * 3 / 4..].reverse();
    let mut early = contacts.clone();
    early.swap(1, 2);
    let reversed: Vec<_> = contacts.iter().rev().cloned().collect();
    for (order, file) in [
        ("ascending", &contacts),
        ("out of order from the second row", &early),
        ("out of order after three quarters", &late),
        ("shuffled", &shuffled),
        ("reversed", &reversed),
    ] {
        let path = dir.path().join("contacts.csv");
        let body: String = file.iter().map(|(k, t)| format!("{k},{t}\n")).collect();
        std::fs::write(&path, format!("company_id,title\n{body}")).unwrap();
        for batch_size in [1, 3, 50, 1_000_000] {
            let config = InputConfig {
                batch_size,
                ..InputConfig::default()
            };
            let options = ReadOptions {
                format: Some(InputFormat::Csv),
                contacts: Some(path.clone()),
                ..ReadOptions::default()
            };
            let out = read_with(&companies, &schema, &config, options).unwrap();
            assert_eq!(
                out.leads.len(),
                ids.len(),
                "{order}, chunks of {batch_size}"
            );
            for id in &ids {
                let expected: Vec<_> = file
                    .iter()
                    .filter(|(k, _)| k.split(';').any(|k| k == id))
                    .map(|(_, t)| s(t))
                    .collect();
                assert_eq!(
                    out.contacts(id, "title"),
                    expected,
                    "{id}, {order}, chunks of {batch_size}"
                );
            }
            let unmatched = (file.iter())
                .filter(|(k, _)| !k.split(';').any(|k| ids.iter().any(|id| id == k)))
                .count();
            assert_eq!(unmatched, 6);
            assert_eq!(
                out.report.contacts_matched as usize,
                n - unmatched,
                "{order}"
            );
            assert_eq!(out.report.contacts_unmatched as usize, unmatched, "{order}");
        }
    }
}
