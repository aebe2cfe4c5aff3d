//! Rows that are not in the file are never read: a correctly quoted multi-line field in a row
//! of the wrong width (issue 20, item 2) is rejected whole, as the one record a CSV parser
//! reads, and the lines of its value never become leads or contacts.

mod common;

use std::path::Path;

use common::{read_with, s};
use icp_engine::Schema;
use icp_io::{InputConfig, InputFormat, ReadOptions};

/// A note whose lines look like rows of the files below.
const NOTE: &str = "\"called them\n99,Injected Co,5000,\n1,Fake Boss,CEO,\nend\"";

fn read_in(path: &Path, contacts: Option<&Path>, batch_size: usize) -> common::Outcome {
    let config = InputConfig {
        batch_size,
        ..InputConfig::default()
    };
    let options = ReadOptions {
        format: Some(InputFormat::Csv),
        contacts: contacts.map(Path::to_path_buf),
        ..ReadOptions::default()
    };
    read_with(path, &Schema::canonical(), &config, options).expect("readable")
}

#[test]
fn a_multi_line_field_in_a_row_too_wide_makes_no_leads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("companies.csv");
    let record = format!("1,Acme,100,{NOTE},extra");
    std::fs::write(
        &path,
        format!("id,name,employees,note\n{record}\n2,Beta,200,\n"),
    )
    .unwrap();
    for batch_size in [1, 2, 3, 1_000_000] {
        let out = read_in(&path, None, batch_size);
        assert_eq!(out.ids(), ["2"], "chunks of {batch_size}");
        assert_eq!(out.report.rejected, 1, "chunks of {batch_size}");
        assert!(out.report.is_balanced(), "{:?}", out.report);
        assert_eq!(
            out.rejects,
            [(
                2,
                "wrong number of fields: expected 4, found 5".to_string(),
                record.clone()
            )],
            "chunks of {batch_size}"
        );
        assert_eq!(out.lead("2").line, 6);
    }
}

#[test]
fn a_multi_line_field_in_a_contact_too_wide_makes_no_contacts() {
    let dir = tempfile::tempdir().unwrap();
    let companies = dir.path().join("companies.csv");
    std::fs::write(&companies, "id,name\n1,Acme\n").unwrap();
    let contacts = dir.path().join("contacts.csv");
    let record = format!("1,Real Person,Analyst,{NOTE},extra");
    std::fs::write(
        &contacts,
        format!("company_id,name,title,note\n{record}\n1,Other Person,Engineer,\n"),
    )
    .unwrap();
    for batch_size in [1, 2, 1_000_000] {
        let out = read_in(&companies, Some(&contacts), batch_size);
        assert_eq!(out.ids(), ["1"]);
        assert_eq!(
            out.contacts("1", "title"),
            [s("Engineer")],
            "chunks of {batch_size}"
        );
        assert_eq!(out.report.contacts_rejected, 1);
        assert!(out.report.is_balanced(), "{:?}", out.report);
        assert_eq!(out.rejects.len(), 1);
        assert_eq!(out.rejects[0].0, 2);
        assert_eq!(out.rejects[0].2, record);
    }
}
