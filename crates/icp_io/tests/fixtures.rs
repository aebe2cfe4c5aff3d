//! Real-shaped exports under `tests/inputs/`: every lead, its ids, values and contacts.

mod common;

use common::{inputs, list, n, read, s};
use icp_io::{InputConfig, InputFormat, Preset, ReadMode, ReadOptions};

fn preset(p: Preset) -> InputConfig {
    InputConfig {
        preset: Some(p),
        ..InputConfig::default()
    }
}

#[test]
fn hubspot_companies_with_contacts() {
    let dir = inputs().join("hubspot");
    let out = read(
        &dir.join("companies.csv"),
        &preset(Preset::Hubspot),
        Some(dir.join("contacts.csv")),
    );
    let r = &out.report;
    assert_eq!(out.ids(), ["5001", "5002", "5003", "5004"]);
    assert_eq!(r.mode, ReadMode::Companies);
    assert_eq!((r.rows_read, r.leads, r.rejected), (4, 4, 0));
    assert_eq!(
        (
            r.contact_rows_read,
            r.contacts_matched,
            r.contacts_unmatched,
            r.contacts_rejected
        ),
        (5, 3, 2, 0)
    );
    assert_eq!(r.contacts, 4, "Alan is attached to 5002 and 5003");
    assert!(r.is_balanced());
    assert_eq!(r.unknown_columns, ["Type", "Phone Number", "Create Date"]);
    assert_eq!(r.contacts_unknown_columns, ["Record ID", "Lifecycle Stage"]);
    assert_eq!(
        r.contacts_join.as_deref(),
        Some("Associated Company IDs → company.id")
    );
    assert!(r.field_errors.is_empty(), "{:?}", r.field_errors);

    assert_eq!(out.company("5001", "id"), s("5001"));
    assert_eq!(out.company("5001", "name"), s("Acme Analytics"));
    assert_eq!(
        out.company("5001", "industry"),
        list(&["Computer Software"])
    );
    assert_eq!(out.company("5001", "employees"), n(320.0));
    assert_eq!(out.company("5001", "revenue"), n(40_000_000.0));
    assert_eq!(out.company("5001", "country"), s("United States"));
    assert_eq!(out.company("5001", "state"), s("California"));
    assert_eq!(out.company("5001", "founded"), n(2012.0));
    assert_eq!(
        out.company("5001", "technologies"),
        list(&["Salesforce", "Google Analytics", "Segment"])
    );
    // The CRM's "Type" is a status, not an institution type: not read.
    assert_eq!(out.company("5001", "type"), None);
    assert_eq!(
        out.contacts("5001", "name"),
        [s("Ada Lovelace"), s("Grace Hopper")]
    );
    assert_eq!(
        out.contacts("5001", "title"),
        [s("CFO"), s("Head of RevOps")]
    );
    assert_eq!(
        out.contacts("5001", "seniority"),
        [s("Executive"), s("Director")]
    );
    assert_eq!(out.contacts("5001", "phone"), [None, s("+1 415 555 0101")]);
    assert_eq!(
        out.contacts("5001", "country"),
        [s("United States"), s("United States")]
    );

    assert_eq!(out.company("5002", "domain"), s("betabank.de"));
    assert_eq!(out.company("5002", "employees"), n(10_001.0));
    assert_eq!(out.company("5002", "revenue"), n(1_996_000_000.0));
    assert_eq!(
        out.company("5002", "industry"),
        list(&["Banking", "Financial Services"])
    );
    assert_eq!(out.company("5002", "state"), None);
    assert_eq!(out.contacts("5002", "email"), [s("alan@betabank.de")]);

    assert_eq!(out.company("5003", "employees"), n(125.5));
    assert_eq!(out.company("5003", "revenue"), n(10_000_000.0));
    assert_eq!(out.company("5003", "founded"), None, "n/a is missing");
    assert_eq!(out.contacts("5003", "name"), [s("Alan Turing")]);

    assert_eq!(out.company("5004", "employees"), n(1200.0));
    assert_eq!(out.company("5004", "revenue"), None);
    assert!(out.contacts("5004", "name").is_empty());
    assert_eq!(out.lead("5004").line, 5);
}

#[test]
fn salesforce_accounts_with_report_contacts() {
    let dir = inputs().join("salesforce");
    let out = read(
        &dir.join("accounts.csv"),
        &preset(Preset::Salesforce),
        Some(dir.join("contacts.csv")),
    );
    let r = &out.report;
    assert_eq!(
        out.ids(),
        [
            "001Dn00000A1b2cIAB",
            "001Dn00000A1b2dIAB",
            "001Dn00000A1b2eIAB"
        ]
    );
    assert_eq!((r.rows_read, r.leads, r.rejected), (3, 3, 0));
    assert_eq!(r.unknown_columns, ["Type", "Rating"]);
    assert_eq!(r.contacts_join.as_deref(), Some("Account ID → company.id"));
    assert_eq!(
        (
            r.contact_rows_read,
            r.contacts_matched,
            r.contacts_unmatched
        ),
        (3, 2, 1)
    );
    assert!(r.is_balanced());

    let acme = "001Dn00000A1b2cIAB";
    assert_eq!(out.company(acme, "name"), s("Acme Analytics"));
    assert_eq!(out.company(acme, "domain"), s("acme-analytics.com"));
    assert_eq!(out.company(acme, "industry"), list(&["Technology"]));
    assert_eq!(out.company(acme, "employees"), n(320.0));
    assert_eq!(out.company(acme, "country"), s("United States"));
    assert_eq!(out.company(acme, "state"), s("CA"));
    assert_eq!(out.company(acme, "city"), s("San Francisco"));
    assert_eq!(out.company(acme, "ownership"), s("Private"));
    assert_eq!(out.company(acme, "type"), None);
    assert_eq!(out.company(acme, "founded"), n(2012.0));
    assert_eq!(
        out.contacts(acme, "name"),
        [s("Ada Lovelace")],
        "a 15-character Account ID matches the 18-character Id"
    );
    assert_eq!(out.contacts(acme, "department"), [s("Finance")]);

    let beta = "001Dn00000A1b2dIAB";
    assert_eq!(out.company(beta, "name"), s("Beta Bank, AG"));
    assert_eq!(out.company(beta, "revenue"), n(1_996_000_000.0));
    assert_eq!(out.company(beta, "ownership"), s("Public"));
    assert_eq!(out.contacts(beta, "phone"), [s("+49 69 000")]);
    assert_eq!(out.contacts(beta, "country"), [s("Germany")]);

    let gamma = "001Dn00000A1b2eIAB";
    assert_eq!(out.company(gamma, "employees"), None);
    let e = &r.field_errors["company.employees"];
    assert_eq!((e.count, e.example.as_str(), e.line), (1, "lots", 4));
}

#[test]
fn apollo_people_export_is_grouped_into_companies() {
    let out = read(
        &inputs().join("apollo/people.csv"),
        &preset(Preset::Apollo),
        None,
    );
    let r = &out.report;
    assert_eq!(r.mode, ReadMode::PerContact);
    assert_eq!(out.ids(), ["a1", "a2"]);
    assert_eq!(
        (r.rows_read, r.leads, r.grouped_rows, r.rejected, r.contacts),
        (3, 2, 1, 0, 3)
    );
    assert!(r.is_balanced());
    assert_eq!(
        r.unknown_columns,
        [
            "Company Name for Emails",
            "Email Status",
            "City",
            "State",
            "Apollo Contact Id"
        ]
    );

    assert_eq!(out.company("a1", "name"), s("Acme Analytics"));
    assert_eq!(out.company("a1", "domain"), s("acme-analytics.com"));
    assert_eq!(out.company("a1", "employees"), n(320.0));
    assert_eq!(out.company("a1", "industry"), list(&["computer software"]));
    assert_eq!(
        out.company("a1", "tags"),
        list(&["analytics", "saas", "b2b"])
    );
    assert_eq!(
        out.company("a1", "technologies"),
        list(&["Salesforce", "Segment", "Google Analytics"])
    );
    assert_eq!(out.company("a1", "country"), s("United States"));
    assert_eq!(out.company("a1", "city"), s("San Francisco"));
    assert_eq!(out.company("a1", "revenue"), n(40_000_000.0));
    assert_eq!(out.company("a1", "founded"), n(2012.0));
    assert_eq!(
        out.contacts("a1", "name"),
        [s("Ada Lovelace"), s("Grace Hopper")]
    );
    assert_eq!(
        out.contacts("a1", "country"),
        [s("United Kingdom"), s("United States")],
        "Apollo's Country is the person's"
    );
    assert_eq!(
        out.contacts("a1", "department"),
        [s("Finance, Executive"), s("Sales")]
    );
    assert_eq!(
        out.contacts("a1", "seniority"),
        [s("c_suite"), s("director")]
    );
    assert_eq!(
        out.contacts("a1", "linkedin"),
        [s("http://www.linkedin.com/in/ada-lovelace"), None]
    );

    assert_eq!(out.company("a2", "revenue"), n(1_996_000_000.0));
    assert_eq!(out.company("a2", "tags"), None);
    assert_eq!(out.contacts("a2", "title"), [s("VP Operations")]);
}

#[test]
fn a_csv_per_contact_groups_by_domain_then_name() {
    let out = read(
        &inputs().join("per_contact.csv"),
        &InputConfig::default(),
        None,
    );
    let r = &out.report;
    assert_eq!(r.mode, ReadMode::PerContact);
    assert_eq!(out.ids(), ["acme-analytics.com", "betabank.de", "6"]);
    assert_eq!(
        (r.rows_read, r.leads, r.grouped_rows, r.rejected, r.contacts),
        (6, 3, 3, 0, 6)
    );
    assert!(r.is_balanced());
    assert!(r.unknown_columns.is_empty(), "{:?}", r.unknown_columns);

    let acme = "acme-analytics.com";
    assert_eq!(
        out.company(acme, "id"),
        s(acme),
        "the domain stands for a missing id"
    );
    assert_eq!(
        out.company(acme, "employees"),
        n(320.0),
        "the first row wins"
    );
    assert_eq!(
        out.company(acme, "industry"),
        list(&["Software", "Internet"])
    );
    assert_eq!(out.company(acme, "country"), s("US"));
    assert_eq!(
        out.contacts(acme, "name"),
        [s("Ada Lovelace"), s("Grace Hopper"), s("Linus T")]
    );
    assert_eq!(out.lead(acme).line, 2);
    assert_eq!(out.company("betabank.de", "employees"), n(10_001.0));
    // No domain and no id: grouped by name, and the id is the first row's line.
    assert_eq!(out.company("6", "name"), s("Solo Co"));
    assert_eq!(out.company("6", "employees"), n(12.0));
    assert_eq!(out.contacts("6", "title"), [s("Founder"), s("Engineer")]);
}

#[test]
fn json_lines_with_nested_company_and_contacts() {
    let out = read(&inputs().join("leads.jsonl"), &InputConfig::default(), None);
    let r = &out.report;
    assert_eq!(r.mode, ReadMode::JsonLines);
    assert_eq!(out.ids(), ["j1", "betabank.de", "42", "j4"]);
    assert_eq!((r.rows_read, r.leads, r.rejected, r.contacts), (5, 4, 1, 3));
    assert!(r.is_balanced());
    assert_eq!(out.rejects.len(), 1);
    assert_eq!(out.rejects[0].0, 5);
    assert!(
        out.rejects[0].1.contains("an array, not a JSON object"),
        "{:?}",
        out.rejects
    );
    assert_eq!(out.rejects[0].2, "[1, 2, 3]");
    assert_eq!(
        r.unknown_columns,
        ["favourite_colour", "contacts[].shoe_size"]
    );
    let e = &r.field_errors["company.employees"];
    assert_eq!((e.count, e.example.as_str(), e.line), (1, "lots", 3));
    assert_eq!(r.field_errors["contacts"].line, 6);

    assert_eq!(out.company("j1", "domain"), s("acme-analytics.com"));
    assert_eq!(out.company("j1", "employees"), n(125.5));
    assert_eq!(
        out.company("j1", "industry"),
        list(&["Software", "Internet"])
    );
    assert_eq!(out.company("j1", "revenue"), n(40_000_000.0));
    assert_eq!(
        out.contacts("j1", "name"),
        [s("Ada Lovelace"), s("Grace Hopper")]
    );
    assert_eq!(out.contacts("j1", "title"), [s("CFO"), s("Head of RevOps")]);

    assert_eq!(out.company("betabank.de", "name"), s("Beta Bank"));
    assert_eq!(out.company("betabank.de", "employees"), n(25_000.0));
    assert_eq!(
        out.company("betabank.de", "industry"),
        list(&["Banking", "Finance"])
    );
    assert!(out.contacts("betabank.de", "name").is_empty());

    assert_eq!(out.company("42", "id"), s("42"));
    assert_eq!(out.company("42", "tags"), list(&["x"]));
    assert_eq!(out.contacts("j4", "title"), [s("CEO")]);
    assert_eq!(out.lead("j4").line, 6);
}

#[test]
fn the_format_can_be_forced() {
    // A JSON Lines file with a .txt name.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leads.txt");
    std::fs::write(&path, "{\"id\": \"x\", \"employees\": 5}\n").unwrap();
    let schema = icp_engine::Schema::canonical();
    let out = common::read_with(
        &path,
        &schema,
        &InputConfig::default(),
        ReadOptions {
            format: Some(InputFormat::JsonLines),
            ..ReadOptions::default()
        },
    )
    .unwrap();
    assert_eq!(out.ids(), ["x"]);
    assert_eq!(out.company("x", "employees"), n(5.0));
}

#[test]
fn config_columns_custom_fields_and_separator() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leads.tsv");
    std::fs::write(
        &path,
        "Org\tStaff\tARR\tCustomer?\tLast order\tVerticals\tGiven\tSurname\tRole\n\
         Acme\t51-200\t$1.2M\tyes\t05.03.2024\tSaaS|Fintech\tAda\tLovelace\tCFO\n",
    )
    .unwrap();
    let mut schema = icp_engine::Schema::canonical();
    schema
        .add_custom(icp_engine::Entity::Company, "arr", "number")
        .unwrap();
    schema
        .add_custom(icp_engine::Entity::Company, "is_customer", "bool")
        .unwrap();
    schema
        .add_custom(icp_engine::Entity::Company, "last_order", "date")
        .unwrap();
    let mut config = InputConfig {
        list_separator: "|".into(),
        ..InputConfig::default()
    };
    for (h, p) in [
        ("Org", "company.name"),
        ("Staff", "employees"),
        ("ARR", "company.arr"),
        ("Customer?", "is_customer"),
        ("last order", "company.last_order"),
        ("Verticals", "company.industry"),
        ("Given", "contact.first_name"),
        ("Surname", "contact.last_name"),
        ("Role", "contact.title"),
    ] {
        config.columns.insert(h.into(), p.into());
    }
    let out = common::read_with(&path, &schema, &config, ReadOptions::default()).unwrap();
    assert_eq!(out.report.mode, ReadMode::PerContact);
    assert_eq!(out.ids(), ["2"]);
    assert_eq!(out.company("2", "employees"), n(125.5));
    assert_eq!(out.company("2", "arr"), n(1_200_000.0));
    assert_eq!(
        out.company("2", "is_customer"),
        Some(icp_engine::Value::Bool(true))
    );
    assert_eq!(out.company("2", "last_order"), icp_syntax_date(2024, 3, 5));
    assert_eq!(out.company("2", "industry"), list(&["SaaS", "Fintech"]));
    assert_eq!(out.contacts("2", "name"), [s("Ada Lovelace")]);
    assert_eq!(out.contacts("2", "title"), [s("CFO")]);
}

fn icp_syntax_date(y: i32, m: u32, d: u32) -> Option<icp_engine::Value> {
    // 2024-03-05 is 19 787 days after 1970-01-01.
    assert_eq!((y, m, d), (2024, 3, 5));
    Some(icp_engine::Value::Date(19_787))
}

#[test]
fn batches_are_cut_at_batch_size() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.csv");
    let mut text = String::from("id,employees\n");
    for i in 0..1000 {
        text.push_str(&format!("c{i},{i}\n"));
    }
    std::fs::write(&path, text).unwrap();
    let config = InputConfig {
        batch_size: 128,
        ..InputConfig::default()
    };
    let out = read(&path, &config, None);
    assert_eq!(out.batches, 8);
    assert_eq!(out.leads.len(), 1000);
    assert_eq!(out.leads[999].id, "c999");
    assert_eq!(out.leads[999].line, 1001);
    assert_eq!(out.company("c500", "employees"), n(500.0));
}

#[test]
fn byte_order_marks_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("bom.csv");
    std::fs::write(&csv, "\u{feff}id,employees\r\n1,5\r\n").unwrap();
    let out = read(&csv, &InputConfig::default(), None);
    assert_eq!(out.report.unknown_columns, Vec::<String>::new());
    assert_eq!(out.company("1", "employees"), n(5.0));
    let jsonl = dir.path().join("bom.jsonl");
    std::fs::write(&jsonl, "\u{feff}{\"id\": \"1\", \"employees\": 5}\r\n").unwrap();
    let out = read(&jsonl, &InputConfig::default(), None);
    assert_eq!(out.report.rejected, 0);
    assert_eq!(out.company("1", "employees"), n(5.0));
}

#[test]
fn contacts_never_join_to_an_id_made_up_from_a_line_number() {
    let dir = tempfile::tempdir().expect("temp dir");
    let leads = dir.path().join("leads.csv");
    let contacts = dir.path().join("contacts.csv");
    std::fs::write(
        &leads,
        "name,country,employees\nA,US,10\nB,DE,20\nC,FR,30\n",
    )
    .expect("write");
    std::fs::write(&contacts, "company_id,name,title\n2,Ann,CEO\n3,Bob,CTO\n").expect("write");
    let out = read(&leads, &InputConfig::default(), Some(contacts));
    // The leads' ids are their line numbers (2, 3, 4): the contacts' company ids mean other
    // companies and must not attach to them.
    assert_eq!(out.ids(), ["2", "3", "4"]);
    assert_eq!(out.report.contacts_matched, 0);
    assert_eq!(out.report.contacts_unmatched, 2);
    assert!(out.contacts("2", "name").is_empty());
}
