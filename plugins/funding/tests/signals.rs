//! Every signal of the funding plugin, called through the C table on `tests/fixture.csv`.

use std::path::{Path, PathBuf};

use icp_plugin_api::sdk::testing::Harness;
use icp_plugin_api::sdk::{Date, Value};
use plugin_funding::Funding;

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
    Harness::new::<Funding>(r#"{"data": "fixture.csv"}"#, &dir()).expect("init")
}

/// The leads of every call: three companies of the fixture (one written in another form),
/// one the fixture does not have, one without a domain and one with an empty domain.
const LEADS: [Option<&str>; 6] = [
    Some("acme.com"),
    Some("https://www.GLOBEX.io/about"),
    Some("initech.com"),
    Some("unknown.org"),
    None,
    Some(""),
];

fn call_on(h: &Harness, signal: &str, args: &[Value], today: Date) -> Vec<Option<Value>> {
    let leads: Vec<Vec<(&str, Value)>> = LEADS
        .iter()
        .map(|d| {
            d.map(|d| vec![("company.domain", Value::from(d))])
                .unwrap_or_default()
        })
        .collect();
    let args: Vec<Option<Value>> = args.iter().cloned().map(Some).collect();
    h.call(signal, &args, today, &leads)
        .unwrap_or_else(|e| panic!("{signal}: {e}"))
}

fn call(signal: &str, args: &[Value]) -> Vec<Option<Value>> {
    call_on(&harness(), signal, args, today())
}

fn days(n: f64) -> Value {
    Value::Duration(n)
}

fn n(x: f64) -> Option<Value> {
    Some(Value::Number(x))
}

fn s(x: &str) -> Option<Value> {
    Some(Value::from(x))
}

const T: Option<Value> = Some(Value::Bool(true));
const F: Option<Value> = Some(Value::Bool(false));

#[test]
fn days_since_last_round() {
    // acme: Series B 90 days ago (Series C is after the as-of date); globex: the IPO
    // (the later acquisition is not a round); initech: Series A 91 days ago.
    assert_eq!(
        call("days_since_last_round", &[]),
        [n(90.0), n(691.0), n(91.0), None, None, None]
    );
}

#[test]
fn last_round_type_has_the_canonical_spelling() {
    assert_eq!(
        call("last_round_type", &[]),
        [
            s("Series B"),
            s("IPO"),
            s("Series A"),
            s("None"),
            None,
            None
        ]
    );
}

#[test]
fn last_round_amount_is_unknown_when_not_disclosed() {
    assert_eq!(
        call("last_round_amount", &[]),
        [n(40e6), None, n(5e6), None, None, None]
    );
}

#[test]
fn total_raised_sums_the_disclosed_rounds() {
    assert_eq!(
        call("total_raised", &[]),
        [n(54e6), n(0.0), n(5e6), n(0.0), None, None]
    );
}

#[test]
fn raised_within_includes_the_boundary_day() {
    assert_eq!(
        call("raised_within", &[days(90.0)]),
        [T, F, F, F, None, None]
    );
    assert_eq!(
        call("raised_within", &[days(89.0)]),
        [F, F, F, F, None, None]
    );
    assert_eq!(
        call("raised_within", &[days(91.0)]),
        [T, F, T, F, None, None]
    );
}

#[test]
fn raised_at_least_needs_one_round_that_large() {
    assert_eq!(
        call("raised_at_least", &[Value::Number(40e6), days(90.0)]),
        [T, F, F, F, None, None]
    );
    assert_eq!(
        call(
            "raised_at_least",
            &[Value::Number(40e6 + 1.0), days(3650.0)]
        ),
        [F, F, F, F, None, None]
    );
    // Undisclosed amounts never count: initech's seed and globex's IPO.
    assert_eq!(
        call("raised_at_least", &[Value::Number(0.0), days(3650.0)]),
        [T, F, T, F, None, None]
    );
}

#[test]
fn event_within_sees_every_type_case_insensitively() {
    assert_eq!(
        call("event_within", &[Value::from("acquisition"), days(0.0)]),
        [F, T, F, F, None, None]
    );
    assert_eq!(
        call("event_within", &[Value::from("Divestment"), days(90.0)]),
        [F, F, F, F, None, None]
    );
    assert_eq!(
        call("event_within", &[Value::from("DIVESTMENT"), days(91.0)]),
        [F, T, F, F, None, None]
    );
    assert_eq!(
        call("event_within", &[Value::from("series a"), days(91.0)]),
        [F, F, T, F, None, None]
    );
    // acme's Series C is dated after the as-of date.
    assert_eq!(
        call("event_within", &[Value::from("Series C"), days(36500.0)]),
        [F, F, F, F, None, None]
    );
}

#[test]
fn acquisitions_and_divestments_are_dated_events() {
    // globex was acquired on the as-of date and divested a unit 91 days before it.
    assert_eq!(
        call("acquired_within", &[days(0.0)]),
        [F, T, F, F, None, None]
    );
    assert_eq!(
        call("divested_within", &[days(90.0)]),
        [F, F, F, F, None, None]
    );
    assert_eq!(
        call("divested_within", &[days(91.0)]),
        [F, T, F, F, None, None]
    );
    // Neither is a round: globex's last round is still its IPO.
    assert_eq!(call("last_round_type", &[])[1], s("IPO"));
    // Before the acquisition was announced it is not seen.
    let h = harness();
    let before = date("2026-11-22");
    assert_eq!(
        call_on(&h, "acquired_within", &[days(3650.0)], before)[1],
        F
    );
}

/// The harness with a coverage file: acme and hooli.com (which has no record) are covered,
/// and so are the companies of the data file; unknown.org is not.
fn covered_harness() -> Harness {
    Harness::new::<Funding>(
        r#"{"data": "fixture.csv", "covers": "fixture_covers.csv"}"#,
        &dir(),
    )
    .expect("init")
}

#[test]
fn known_none_is_a_covered_company_without_records() {
    let h = covered_harness();
    let leads: [&[(&str, Value)]; 3] = [
        &[("company.domain", Value::from("hooli.com"))],
        &[("company.domain", Value::from("initech.com"))],
        &[("company.domain", Value::from("www.hooli.com"))],
    ];
    let call =
        |signal: &str, args: &[Option<Value>]| h.call(signal, args, today(), &leads).expect(signal);
    // hooli.com is covered and has no record: definite answers, "None" as its round.
    assert_eq!(
        call("last_round_type", &[]),
        [s("None"), s("Series A"), s("None")]
    );
    assert_eq!(call("total_raised", &[]), [n(0.0), n(5e6), n(0.0)]);
    assert_eq!(call("raised_within", &[Some(days(365.0))]), [F, T, F]);
    assert_eq!(call("acquired_within", &[Some(days(365.0))]), [F, F, F]);
    // There is no number of days since a round that never happened.
    assert_eq!(call("days_since_last_round", &[]), [None, n(91.0), None]);
}

#[test]
fn unknown_is_a_company_the_data_does_not_cover() {
    let h = covered_harness();
    for (signal, args) in [
        ("last_round_type", vec![]),
        ("total_raised", vec![]),
        ("raised_within", vec![Some(days(365.0))]),
        ("acquired_within", vec![Some(days(365.0))]),
        (
            "event_within",
            vec![Some(Value::from("Seed")), Some(days(365.0))],
        ),
    ] {
        let values = h
            .call(
                signal,
                &args,
                today(),
                &[&[("company.domain", Value::from("unknown.org"))]],
            )
            .expect(signal);
        assert_eq!(values, [None], "{signal}");
    }
    // Without `covers`, the data is complete: unknown.org is known to have no round.
    assert_eq!(call("last_round_type", &[])[3], s("None"));
}

#[test]
fn a_coverage_file_that_lists_nothing_is_an_init_error() {
    let e = Harness::new::<Funding>(
        r#"{"data": "fixture.csv", "covers": "fixture_covers_bad.csv"}"#,
        &dir(),
    )
    .expect_err("no domain column");
    assert!(
        e.0.contains("fixture_covers_bad.csv") && e.0.contains("no `domain` column"),
        "{e}"
    );
}

#[test]
fn event_within_rejects_an_unknown_type() {
    let e = harness()
        .call(
            "event_within",
            &[Some(Value::from("Series Z")), Some(days(90.0))],
            today(),
            &[&[("company.domain", Value::from("acme.com"))]],
        )
        .expect_err("an unknown type");
    assert!(e.0.contains("`Series Z` is not a type"), "{e}");
    assert!(e.0.contains("Series A"), "{e}");
}

#[test]
fn records_after_the_as_of_date_are_ignored() {
    let h = harness();
    // On the day of acme's Series C it is the last round.
    let later = date("2027-01-10");
    assert_eq!(call_on(&h, "days_since_last_round", &[], later)[0], n(0.0));
    assert_eq!(call_on(&h, "last_round_type", &[], later)[0], s("Series C"));
    assert_eq!(call_on(&h, "total_raised", &[], later)[0], n(144e6));
    // Before initech's Series A and globex's IPO.
    let earlier = date("2024-06-01");
    assert_eq!(
        call_on(&h, "last_round_type", &[], earlier),
        [s("Series A"), s("None"), s("Seed"), s("None"), None, None]
    );
    assert_eq!(
        call_on(&h, "total_raised", &[], earlier),
        [n(14e6), n(0.0), n(0.0), n(0.0), None, None]
    );
}

#[test]
fn a_bad_row_is_an_init_error_with_file_and_line() {
    let e =
        Harness::new::<Funding>(r#"{"data": "fixture_bad.csv"}"#, &dir()).expect_err("a bad type");
    assert!(e.0.contains("fixture_bad.csv:3:"), "{e}");
    assert!(e.0.contains("`Series G` is not a type"), "{e}");
}

#[test]
fn bad_dates_amounts_and_domains_are_init_errors() {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("plugin_funding");
    std::fs::create_dir_all(&tmp).expect("tmp dir");
    for (row, message) in [
        ("acme.com,2026-13-01,Seed,", "`2026-13-01` is not a date"),
        ("acme.com,2026-01-01,Seed,$5M", "`$5M` is not an amount"),
        ("acme.com,2026-01-01,Seed,-5", "`-5` is not an amount"),
        (",2026-01-01,Seed,", "the domain is empty"),
    ] {
        let file = tmp.join("bad.csv");
        std::fs::write(
            &file,
            format!("domain,date,type,amount_usd\nok.com,2026-01-01,IPO,\n{row}\n"),
        )
        .expect("write");
        let e = Harness::new::<Funding>(r#"{"data": "bad.csv"}"#, &tmp).expect_err(row);
        assert!(e.0.contains("bad.csv:3: "), "{e}");
        assert!(e.0.contains(message), "{e}");
    }
}

#[test]
fn the_configuration_must_name_a_readable_file() {
    let e = Harness::new::<Funding>("{}", &dir()).expect_err("no data");
    assert!(e.0.contains("the configuration needs `data`"), "{e}");
    let e = Harness::new::<Funding>(r#"{"data": 3}"#, &dir()).expect_err("not a path");
    assert!(e.0.contains("`data` must be a string"), "{e}");
    let e = Harness::new::<Funding>(r#"{"data": "nowhere.csv"}"#, &dir()).expect_err("no file");
    assert!(
        e.0.contains("cannot read") && e.0.contains("nowhere.csv"),
        "{e}"
    );
}
