//! Lead files that are not UTF-8 (UTF-16 with or without a byte-order mark, Windows-1252 by
//! `[input] encoding`) read as their UTF-8 twin does; a file that is not UTF-8, read without
//! the setting, is said to be; a header given twice is warned of.

mod common;

use std::path::{Path, PathBuf};

use common::{Outcome, read};
use icp_engine::Schema;
use icp_io::{InputConfig, InputError, LeadReader, Preset, ReadOptions};

/// Companies with accents, a euro sign and smart quotes, a row split over two lines by a
/// quoted note, and a ragged row (rejected, by its line number).
const COMPANIES: &str = "id,name,domain,employees,industry,description\r\n\
    1,Café Zürich,cafe.ch,120,Software,“Best” coffee – for €5\r\n\
    2,Société Générale,socgen.fr,5000,Banking,\"two\r\nlines\"\r\n\
    3,Broken,row\r\n\
    4,Œuvre,oeuvre.fr,12,Software,naïve ‘quotes’\r\n";

const CONTACTS: &str = "company_id,first_name,last_name,title\n\
    1,José,Müller,Directeur Général\n\
    4,Zoë,Ångström,“VP” Sales\n";

const JSONL: &str = "{\"id\":\"1\",\"name\":\"Café “Zürich”\",\"employees\":120}\n\
    {\"id\":\"2\",\"name\":\"€uro\",\"contacts\":[{\"title\":\"Directeur Général\"}]}\n";

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let units = text.encode_utf16();
    let mut bytes: Vec<u8> = Vec::new();
    if bom {
        bytes.extend(if big_endian {
            [0xFE, 0xFF]
        } else {
            [0xFF, 0xFE]
        });
    }
    for unit in units {
        bytes.extend(if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    bytes
}

fn windows_1252(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
    assert!(!unmappable, "the text fits Windows-1252");
    bytes.into_owned()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("writes");
    path
}

/// Everything a read produced, to compare reads of the same text in two encodings.
fn seen(out: &Outcome) -> String {
    format!(
        "{:#?}\n{:#?}\n{:#?}",
        out.leads
            .iter()
            .map(|l| (&l.id, l.line, &l.lead))
            .collect::<Vec<_>>(),
        out.rejects,
        out.report
    )
}

#[test]
fn utf16_and_windows_1252_read_as_utf8_does() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let plain = InputConfig::default();
    let cp1252 = InputConfig {
        encoding: Some("windows-1252".into()),
        ..InputConfig::default()
    };
    let reference = {
        let leads = write(dir.path(), "utf8.csv", COMPANIES.as_bytes());
        let contacts = write(dir.path(), "utf8_contacts.csv", CONTACTS.as_bytes());
        read(&leads, &plain, Some(contacts))
    };
    assert_eq!(reference.ids(), ["1", "2", "4"]);
    assert_eq!(reference.rejects[0].0, 5, "the ragged row, by its line");
    assert_eq!(reference.lead("4").line, 6, "after a row of two lines");
    assert_eq!(
        reference.company("1", "name"),
        common::s("Café Zürich"),
        "the reference is read right"
    );
    let variants: [(&str, Vec<u8>, Vec<u8>, &InputConfig); 5] = [
        (
            "UTF-16LE with a mark",
            utf16(COMPANIES, false, true),
            utf16(CONTACTS, false, true),
            &plain,
        ),
        (
            "UTF-16BE with a mark",
            utf16(COMPANIES, true, true),
            utf16(CONTACTS, true, true),
            &plain,
        ),
        (
            "UTF-16LE without a mark",
            utf16(COMPANIES, false, false),
            utf16(CONTACTS, false, false),
            &plain,
        ),
        (
            "Windows-1252",
            windows_1252(COMPANIES),
            windows_1252(CONTACTS),
            &cp1252,
        ),
        (
            "a UTF-16 mark wins over the setting",
            utf16(COMPANIES, false, true),
            utf16(CONTACTS, true, true),
            &cp1252,
        ),
    ];
    for (name, leads, contacts, config) in variants {
        let leads = write(dir.path(), "leads.csv", &leads);
        let contacts = write(dir.path(), "contacts.csv", &contacts);
        let out = read(&leads, config, Some(contacts));
        assert_eq!(seen(&out), seen(&reference), "{name}");
        assert!(out.report.warnings.is_empty(), "{name}");
    }
}

#[test]
fn json_lines_in_utf16_read_as_in_utf8() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let config = InputConfig::default();
    let reference = read(
        &write(dir.path(), "utf8.jsonl", JSONL.as_bytes()),
        &config,
        None,
    );
    assert_eq!(reference.ids(), ["1", "2"]);
    for big_endian in [false, true] {
        let path = write(dir.path(), "utf16.jsonl", &utf16(JSONL, big_endian, true));
        assert_eq!(seen(&read(&path, &config, None)), seen(&reference));
    }
}

#[test]
fn a_file_that_is_not_utf8_is_said_to_be_and_the_setting_named() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let leads = write(dir.path(), "leads.csv", &windows_1252(COMPANIES));
    let contacts = write(dir.path(), "contacts.csv", &windows_1252(CONTACTS));
    let out = read(&leads, &InputConfig::default(), Some(contacts));
    // Today's behaviour: the rows that are not UTF-8 are rejected one by one…
    assert_eq!(out.report.rejected, 4);
    assert!(
        out.rejects.iter().any(|r| r.1.starts_with("invalid UTF-8")),
        "{:?}",
        out.rejects
    );
    // … and the report says why, and what to do.
    assert_eq!(out.report.warnings.len(), 2, "{:?}", out.report.warnings);
    for (warning, file) in out.report.warnings.iter().zip(["leads", "contacts"]) {
        assert!(
            warning.contains(&format!("of the {file} file")),
            "{warning}"
        );
        assert!(warning.contains("the file is not UTF-8"), "{warning}");
        assert!(warning.contains("[input] encoding"), "{warning}");
    }
    let first = &out.report.warnings[0];
    assert!(
        first.starts_with(
            "3 rows of the leads file rejected as invalid UTF-8 (the first on line 2)"
        ),
        "{first}"
    );
}

#[test]
fn an_unknown_encoding_is_a_configuration_error() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let leads = write(dir.path(), "leads.csv", COMPANIES.as_bytes());
    let config = InputConfig {
        encoding: Some("windows-1253x".into()),
        ..InputConfig::default()
    };
    let schema = Schema::canonical();
    let err = LeadReader::open(&leads, &schema, &config, ReadOptions::default()).unwrap_err();
    assert!(matches!(err, InputError::Config(_)), "{err:?}");
    let message = err.to_string();
    assert!(
        message.starts_with("icp.toml [input] encoding: \"windows-1253x\" is not an encoding"),
        "{message}"
    );
    assert!(config.validate(&schema).is_err());
}

#[test]
fn headers_given_twice_are_warned_of() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let leads = write(
        dir.path(),
        "leads.csv",
        b"id,Employees,name,company.employees,Notes,notes,,\n1,,Acme,50,a,b,,\n",
    );
    let out = read(&leads, &InputConfig::default(), None);
    assert_eq!(
        out.company("1", "employees"),
        common::n(50.0),
        "the first with a value"
    );
    assert_eq!(
        out.report.warnings,
        [
            "the leads file has two columns named \"notes\" (columns 5 and 6); where they feed a \
             field, in each row the first with a value is read",
            "in the leads file the columns \"Employees\", \"company.employees\" all feed \
             company.employees; in each row the first with a value is read",
        ]
    );
}

#[test]
fn a_presets_own_pair_of_columns_is_no_surprise() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let leads = write(
        dir.path(),
        "leads.csv",
        b"Record ID,Company name,Company Domain Name,Website URL\n1,Acme,acme.com,acme.com\n",
    );
    let config = InputConfig {
        preset: Some(Preset::Hubspot),
        ..InputConfig::default()
    };
    let out = read(&leads, &config, None);
    assert_eq!(out.ids(), ["1"]);
    assert!(out.report.warnings.is_empty(), "{:?}", out.report.warnings);
}
