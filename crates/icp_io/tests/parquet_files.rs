//! Parquet through the library: a typed table written by `parquet::table` read back as
//! leads and as outcomes, equal to its CSV form (the same deals, the same rejects with the
//! same lines); values that cannot be their field's counted as CSV counts them; a column of
//! a type not read refused by name.

mod common;

use std::borrow::Cow;
use std::path::Path;

use common::Shared;
use icp_io::outcomes::{OutcomesConfig, OutcomesOptions, read_outcomes};
use icp_io::parquet::table::{Cell, Column, ColumnType, TableWriter};
use icp_io::{InputConfig, LeadReader, ReadOptions};

fn text(t: &str) -> Cell<'_> {
    Cell::Text(Cow::Borrowed(t))
}

fn write_table(path: &Path, columns: &[Column], rows: &[Vec<Cell<'_>>]) {
    let file = std::fs::File::create(path).expect("create");
    let mut table = TableWriter::new(file, columns).expect("table");
    for row in rows {
        table.push_row(row).expect("row");
    }
    table.finish().expect("finish");
}

#[test]
fn outcomes_read_from_parquet_as_from_csv() {
    let dir = tempfile::tempdir().unwrap();
    let columns = [
        Column::new("company_id", ColumnType::Text),
        Column::new("outcome", ColumnType::Text),
        Column::new("amount", ColumnType::Number),
        Column::new("closed", ColumnType::Date),
    ];
    let day = |iso| icp_io::parse::parse_date(iso).unwrap();
    let rows = vec![
        vec![
            text("c1"),
            text("won"),
            Cell::Number(1200.0),
            Cell::Date(day("2026-01-15")),
        ],
        vec![text("c1"), text("lost"), Cell::Null, Cell::Null],
        vec![
            text("c2"),
            text("won"),
            Cell::Number(99.5),
            Cell::Date(day("2025-12-01")),
        ],
        vec![Cell::Null, text("won"), Cell::Null, Cell::Null],
        vec![text("c3"), text("maybe"), Cell::Null, Cell::Null],
    ];
    write_table(&dir.path().join("deals.parquet"), &columns, &rows);
    std::fs::write(
        dir.path().join("deals.csv"),
        "company_id,outcome,amount,closed\nc1,won,1200,2026-01-15\nc1,lost,,\nc2,won,99.5,2025-12-01\n,won,,\nc3,maybe,,\n",
    )
    .unwrap();
    let read = |name: &str| {
        let rejects = Shared::default();
        let options = OutcomesOptions {
            rejects: Some(Box::new(rejects.clone())),
            ..OutcomesOptions::default()
        };
        let outcomes = read_outcomes(&dir.path().join(name), &OutcomesConfig::default(), options)
            .expect("read");
        let accounts: Vec<String> = outcomes.accounts().map(|a| format!("{a:?}")).collect();
        (accounts, format!("{:?}", outcomes.report()), rejects.text())
    };
    let (csv, parquet) = (read("deals.csv"), read("deals.parquet"));
    assert_eq!(csv.0, parquet.0, "the accounts");
    assert_eq!(csv.1, parquet.1, "the report");
    assert_eq!(csv.2, parquet.2, "the rejects");
    assert!(csv.2.contains("\n5,no company"), "{}", csv.2);
}

#[test]
fn typed_leads_read_as_their_csv_form_with_the_same_errors() {
    let dir = tempfile::tempdir().unwrap();
    let columns = [
        Column::new("id", ColumnType::Text),
        Column::new("employees", ColumnType::Number),
        Column::new("founded", ColumnType::Number),
        Column::new("industry", ColumnType::TextList),
        Column::new("revenue", ColumnType::Text),
    ];
    let rows = vec![
        vec![
            text("a"),
            Cell::Number(120.0),
            Cell::Number(1998.0),
            Cell::TextList(vec!["Software".into(), "n/a".into()]),
            text("$10M"),
        ],
        vec![
            text("b"),
            Cell::Number(-4.0),
            Cell::Number(1998.5),
            Cell::TextList(vec![]),
            text("lots"),
        ],
        vec![text("c"), Cell::Null, Cell::Null, Cell::Null, Cell::Null],
    ];
    write_table(&dir.path().join("leads.parquet"), &columns, &rows);
    std::fs::write(
        dir.path().join("leads.csv"),
        "id,employees,founded,industry,revenue\na,120,1998,Software;n/a,$10M\nb,-4,1998.5,,lots\nc,,,,\n",
    )
    .unwrap();
    let schema = icp_engine::Schema::canonical();
    let config = InputConfig::default();
    let read = |name: &str| {
        let path = dir.path().join(name);
        let mut reader =
            LeadReader::open(&path, &schema, &config, ReadOptions::default()).expect("open");
        let mut leads = Vec::new();
        for batch in &mut reader {
            let batch = batch.expect("batch");
            for i in 0..batch.len() {
                leads.push(format!("{:?}", batch.lead(i)));
            }
        }
        assert!(reader.report().is_balanced());
        (
            leads,
            reader.report().field_errors.clone(),
            reader.report().leads,
        )
    };
    let (csv, parquet) = (read("leads.csv"), read("leads.parquet"));
    assert_eq!(csv, parquet);
    assert_eq!(parquet.1.len(), 3, "{:?}", parquet.1);
}
