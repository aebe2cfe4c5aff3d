//! Every signal of the events plugin, called through the C table on `tests/fixture.csv`.

use std::path::{Path, PathBuf};

use icp_plugin_api::sdk::testing::Harness;
use icp_plugin_api::sdk::{Date, Value};
use plugin_events::Events;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

fn date(text: &str) -> Date {
    Date::parse(text).expect("a date")
}

/// The as-of date of the tests; the fixture has records on both sides of it.
fn today() -> Date {
    date("2026-11-23")
}

fn harness() -> Harness {
    Harness::new::<Events>(r#"{"data": "fixture.csv"}"#, &dir()).expect("init")
}

/// The leads of every call: a company domain (or none) and its contacts' emails.
const LEADS: [(Option<&str>, &[&str]); 8] = [
    // 0: acme, matched by domain and by Jane's email.
    (Some("acme.com"), &["jane.doe@acme.com", "x@acme.com"]),
    // 1: no domain, Bob's email only.
    (None, &["bob.smith@globex.io"]),
    // 2: globex by domain, no contacts.
    (Some("https://globex.io"), &[]),
    // 3: a company the file does not mention.
    (Some("unknown.org"), &["nobody@unknown.org"]),
    // 4: nothing to match on.
    (None, &[]),
    // 5: nothing to match on either: an empty email.
    (None, &[""]),
    // 6: initech, matched by emails only, one of them Jane's in another case.
    (
        Some("initech.com"),
        &["Jane.Doe@ACME.com", "ceo@initech.com"],
    ),
    // 7: globex by domain and Bob's email: the Web Summit record counts once.
    (Some("GLOBEX.IO"), &["bob.smith@globex.io"]),
];

fn call_on(h: &Harness, signal: &str, args: &[Value], today: Date) -> Vec<Option<Value>> {
    let leads: Vec<Vec<(&str, Value)>> = LEADS
        .iter()
        .map(|(domain, emails)| {
            let mut lead: Vec<(&str, Value)> = domain
                .iter()
                .map(|d| ("company.domain", Value::from(*d)))
                .collect();
            lead.extend(emails.iter().map(|e| ("contact.email", Value::from(*e))));
            lead
        })
        .collect();
    let args: Vec<Option<Value>> = args.iter().cloned().map(Some).collect();
    h.call(signal, &args, today, &leads)
        .unwrap_or_else(|e| panic!("{signal}: {e}"))
}

fn call(signal: &str, args: &[Value]) -> Vec<Option<Value>> {
    call_on(&harness(), signal, args, today())
}

fn name(text: &str) -> Value {
    Value::from(text)
}

fn days(n: f64) -> Value {
    Value::Duration(n)
}

fn n(x: f64) -> Option<Value> {
    Some(Value::Number(x))
}

const T: Option<Value> = Some(Value::Bool(true));
const F: Option<Value> = Some(Value::Bool(false));

#[test]
fn attended_matches_names_case_insensitively_in_any_role() {
    assert_eq!(
        call("attended", &[name("saastr annual")]),
        [T, F, T, F, None, None, F, T]
    );
    assert_eq!(
        call("attended", &[name(" Dreamforce ")]),
        [T, F, F, F, None, None, T, F]
    );
    assert_eq!(
        call("attended", &[name("Money20/20")]),
        [F, F, F, F, None, None, F, F]
    );
}

#[test]
fn sponsored_needs_the_sponsor_role() {
    assert_eq!(
        call("sponsored", &[name("Dreamforce")]),
        [T, F, F, F, None, None, T, F]
    );
    assert_eq!(
        call("sponsored", &[name("SaaStr Annual")]),
        [F, F, T, F, None, None, F, T]
    );
}

#[test]
fn spoke_at_needs_the_speaker_role() {
    assert_eq!(
        call("spoke_at", &[name("WEB SUMMIT")]),
        [F, T, T, F, None, None, F, T]
    );
    assert_eq!(
        call("spoke_at", &[name("Gartner Symposium")]),
        [F, F, F, F, None, None, T, F]
    );
}

#[test]
fn count_within_counts_distinct_events_boundary_included() {
    // 180 days back is Web Summit's day; HIMSS is one day older.
    assert_eq!(
        call("count_within", &[days(180.0)]),
        [n(2.0), n(1.0), n(1.0), n(0.0), None, None, n(2.0), n(1.0)]
    );
    assert_eq!(
        call("count_within", &[days(179.0)]),
        [n(2.0), n(0.0), n(0.0), n(0.0), None, None, n(2.0), n(0.0)]
    );
    // Two editions of SaaStr Annual are two events.
    assert_eq!(
        call("count_within", &[days(36500.0)]),
        [n(2.0), n(1.0), n(4.0), n(0.0), None, None, n(2.0), n(4.0)]
    );
    // Gartner Symposium is today: a window of 0 days holds it.
    assert_eq!(
        call("count_within", &[days(0.0)]),
        [n(0.0), n(0.0), n(0.0), n(0.0), None, None, n(1.0), n(0.0)]
    );
}

#[test]
fn attended_any_matches_any_listed_name() {
    let names = Value::List(vec![
        "HIMSS Global Conference".to_string(),
        "gartner symposium".to_string(),
    ]);
    assert_eq!(
        call("attended_any", &[names]),
        [F, F, T, F, None, None, T, T]
    );
    assert_eq!(
        call("attended_any", &[Value::List(Vec::new())]),
        [F, F, F, F, None, None, F, F]
    );
}

#[test]
fn records_after_the_as_of_date_are_ignored() {
    let h = harness();
    let re_invent = [name("AWS re:Invent")];
    assert_eq!(call_on(&h, "spoke_at", &re_invent, today())[0], F);
    assert_eq!(
        call_on(&h, "spoke_at", &re_invent, date("2026-12-01"))[0],
        T
    );
    // Before Web Summit, Bob has no events.
    assert_eq!(
        call_on(&h, "count_within", &[days(36500.0)], date("2026-05-26"))[1],
        n(0.0)
    );
}

#[test]
fn a_bad_row_is_an_init_error_with_file_and_line() {
    let e =
        Harness::new::<Events>(r#"{"data": "fixture_bad.csv"}"#, &dir()).expect_err("a bad role");
    assert!(e.0.contains("fixture_bad.csv:4:"), "{e}");
    assert!(e.0.contains("`visitor` is not a role"), "{e}");
}

#[test]
fn bad_names_dates_and_missing_keys_are_init_errors() {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("plugin_events");
    std::fs::create_dir_all(&tmp).expect("tmp dir");
    for (row, message) in [
        (",2026-01-01,acme.com,,attendee", "the event name is empty"),
        (
            "Dreamforce,14/10/2026,acme.com,,attendee",
            "`14/10/2026` is not a date",
        ),
        (
            "Dreamforce,2026-10-14,,,attendee",
            "needs a domain or an email",
        ),
        ("Dreamforce,2026-10-14,acme.com,,", "`` is not a role"),
    ] {
        let file = tmp.join("bad.csv");
        std::fs::write(
            &file,
            format!("event,date,domain,email,role\nWeb Summit,2026-01-01,ok.com,,speaker\n{row}\n"),
        )
        .expect("write");
        let e = Harness::new::<Events>(r#"{"data": "bad.csv"}"#, &tmp).expect_err(row);
        assert!(e.0.contains("bad.csv:3: "), "{e}");
        assert!(e.0.contains(message), "{e}");
    }
}

#[test]
fn the_configuration_must_name_a_readable_file() {
    let e = Harness::new::<Events>("{}", &dir()).expect_err("no data");
    assert!(e.0.contains("the configuration needs `data`"), "{e}");
    let e = Harness::new::<Events>(r#"{"data": "nowhere.csv"}"#, &dir()).expect_err("no file");
    assert!(
        e.0.contains("cannot read") && e.0.contains("nowhere.csv"),
        "{e}"
    );
}

#[test]
fn known_none_and_unknown_follow_the_coverage() {
    let h = Harness::new::<Events>(
        r#"{"data": "fixture.csv", "covers": "fixture_covers.csv"}"#,
        &dir(),
    )
    .expect("init");
    // hooli.com is covered with no record; acme.com is in the data; unknown.org is neither;
    // initech.com is not covered but its CEO's email is in the data; a lead with only an
    // email the data does not hold is unknown.
    let leads: [&[(&str, Value)]; 5] = [
        &[("company.domain", Value::from("hooli.com"))],
        &[("company.domain", Value::from("acme.com"))],
        &[("company.domain", Value::from("unknown.org"))],
        &[
            ("company.domain", Value::from("initech.com")),
            ("contact.email", Value::from("CEO@initech.com")),
        ],
        &[("contact.email", Value::from("someone@unknown.org"))],
    ];
    let counts = h
        .call("count_within", &[Some(days(365.0))], today(), &leads)
        .expect("count_within");
    assert_eq!(counts, [n(0.0), n(2.0), None, n(1.0), None]);
    let attended = h
        .call("attended", &[Some(name("SaaStr Annual"))], today(), &leads)
        .expect("attended");
    assert_eq!(
        attended,
        [
            Some(Value::Bool(false)),
            Some(Value::Bool(true)),
            None,
            Some(Value::Bool(false)),
            None
        ]
    );
}
