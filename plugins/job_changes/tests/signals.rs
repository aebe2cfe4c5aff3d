//! Every signal of the job_changes plugin, called through the C table on `tests/fixture.csv`
//! and `tests/fixture_champions.csv`.

use std::path::{Path, PathBuf};

use icp_plugin_api::sdk::testing::Harness;
use icp_plugin_api::sdk::{Date, Value};
use plugin_job_changes::{JobChanges, is_executive};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

fn date(text: &str) -> Date {
    Date::parse(text).expect("a date")
}

/// The as-of date of the tests; the fixture has changes on both sides of it.
fn today() -> Date {
    date("2026-11-23")
}

fn harness() -> Harness {
    Harness::new::<JobChanges>(
        r#"{"data": "fixture.csv", "champions": "fixture_champions.csv"}"#,
        &dir(),
    )
    .expect("init")
}

/// The leads of every call: three companies of the fixture (one written in another form),
/// one the fixture does not have, one without a domain and one with an empty domain.
const LEADS: [Option<&str>; 6] = [
    Some("acme.com"),
    Some("https://globex.io"),
    Some("INITECH.COM"),
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

const T: Option<Value> = Some(Value::Bool(true));
const F: Option<Value> = Some(Value::Bool(false));

#[test]
fn executive_titles() {
    for title in [
        "CEO",
        "Founder & CEO",
        "cfo",
        "CISO",
        "Chief Revenue Officer",
        "VP Sales",
        "SVP, Engineering",
        "vp of marketing",
        "Vice President of Finance",
        "President",
        "Head of Data",
        "General Manager, EMEA",
    ] {
        assert!(is_executive(title), "{title}");
    }
    for title in [
        "Director of Sales",
        "Co-Founder",
        "Sales Manager",
        "Account Executive",
        "Controller",
        "Head Nurse",
        "",
    ] {
        assert!(!is_executive(title), "{title}");
    }
}

#[test]
fn new_exec_within_includes_the_boundary_day() {
    // acme: Ana (CRO) joined 90 days ago; Chloe's VP title is a new team, not a new exec.
    // globex: Eva (VP, domain from her email) promoted 91 days ago. initech: Jon (CISO)
    // promoted yesterday.
    assert_eq!(
        call("new_exec_within", &[days(90.0)]),
        [T, F, T, F, None, None]
    );
    assert_eq!(
        call("new_exec_within", &[days(89.0)]),
        [F, F, T, F, None, None]
    );
    assert_eq!(
        call("new_exec_within", &[days(91.0)]),
        [T, T, T, F, None, None]
    );
}

#[test]
fn promotions_within_counts_every_promotion() {
    assert_eq!(
        call("promotions_within", &[days(90.0)]),
        [n(1.0), n(1.0), n(1.0), n(0.0), None, None]
    );
    assert_eq!(
        call("promotions_within", &[days(91.0)]),
        [n(1.0), n(2.0), n(1.0), n(0.0), None, None]
    );
    // Farid was promoted today.
    assert_eq!(
        call("promotions_within", &[days(0.0)]),
        [n(0.0), n(1.0), n(0.0), n(0.0), None, None]
    );
}

#[test]
fn days_since_last_exec_hire() {
    assert_eq!(
        call("days_since_last_exec_hire", &[]),
        [n(90.0), n(91.0), n(1.0), None, None, None]
    );
}

#[test]
fn champion_joined_matches_by_email_else_by_name() {
    // Hugo (champion by email) joined initech 3 days ago; Ines (by name, in another case
    // and spacing) 175 days ago; Jon is a champion by name but was promoted, not hired.
    assert_eq!(
        call("champion_joined", &[days(3.0)]),
        [F, F, T, F, None, None]
    );
    assert_eq!(
        call("champion_joined", &[days(2.0)]),
        [F, F, F, F, None, None]
    );
    let before_hugo = date("2026-11-19");
    let h = harness();
    assert_eq!(
        call_on(&h, "champion_joined", &[days(171.0)], before_hugo)[2],
        T
    );
    assert_eq!(
        call_on(&h, "champion_joined", &[days(170.0)], before_hugo)[2],
        F
    );
}

#[test]
fn without_a_champions_file_no_champion_joins() {
    let h = Harness::new::<JobChanges>(r#"{"data": "fixture.csv"}"#, &dir()).expect("init");
    assert_eq!(
        call_on(&h, "champion_joined", &[days(36500.0)], today()),
        [F, F, F, F, None, None]
    );
}

#[test]
fn changes_after_the_as_of_date_are_ignored() {
    let h = harness();
    // Dev (CEO) joins acme on 2026-12-15.
    let later = date("2026-12-15");
    assert_eq!(
        call_on(&h, "days_since_last_exec_hire", &[], later)[0],
        n(0.0)
    );
    assert_eq!(call_on(&h, "new_exec_within", &[days(0.0)], later)[0], T);
    // Before any of initech's changes.
    let earlier = date("2024-12-31");
    assert_eq!(
        call_on(&h, "days_since_last_exec_hire", &[], earlier),
        [None, None, None, None, None, None]
    );
    assert_eq!(
        call_on(&h, "champion_joined", &[days(36500.0)], earlier)[2],
        F
    );
}

#[test]
fn a_bad_row_is_an_init_error_with_file_and_line() {
    let e = Harness::new::<JobChanges>(r#"{"data": "fixture_bad.csv"}"#, &dir())
        .expect_err("a bad kind");
    assert!(e.0.contains("fixture_bad.csv:3:"), "{e}");
    assert!(e.0.contains("`hired` is not a kind"), "{e}");
}

#[test]
fn bad_dates_and_missing_keys_are_init_errors() {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("plugin_job_changes");
    std::fs::create_dir_all(&tmp).expect("tmp dir");
    let header = "person,email,domain,date,kind,title,previous_company";
    let good = "Ana Martin,ana@acme.com,acme.com,2026-01-01,joined,CEO,";
    for (row, message) in [
        (
            "Ben,,acme.com,2026-02-30,joined,CFO,",
            "`2026-02-30` is not a date",
        ),
        (
            ",,acme.com,2026-01-01,joined,CFO,",
            "needs a person or an email",
        ),
        ("Ben,,,2026-01-01,joined,CFO,", "needs a domain or an email"),
    ] {
        std::fs::write(tmp.join("bad.csv"), format!("{header}\n{good}\n{row}\n")).expect("write");
        let e = Harness::new::<JobChanges>(r#"{"data": "bad.csv"}"#, &tmp).expect_err(row);
        assert!(e.0.contains("bad.csv:3: "), "{e}");
        assert!(e.0.contains(message), "{e}");
    }
    std::fs::write(tmp.join("changes.csv"), format!("{header}\n{good}\n")).expect("write");
    std::fs::write(
        tmp.join("champions.csv"),
        "email,name,customer\na@b.com,A B,Acme\n,,Acme\n",
    )
    .expect("write");
    let e = Harness::new::<JobChanges>(
        r#"{"data": "changes.csv", "champions": "champions.csv"}"#,
        &tmp,
    )
    .expect_err("an empty champion");
    assert!(e.0.contains("champions.csv:3: "), "{e}");
    assert!(e.0.contains("needs an email or a name"), "{e}");
}

#[test]
fn the_configuration_must_name_readable_files() {
    let e = Harness::new::<JobChanges>(r#"{"champions": "fixture_champions.csv"}"#, &dir())
        .expect_err("no data");
    assert!(e.0.contains("the configuration needs `data`"), "{e}");
    let e = Harness::new::<JobChanges>(
        r#"{"data": "fixture.csv", "champions": "nowhere.csv"}"#,
        &dir(),
    )
    .expect_err("no champions file");
    assert!(
        e.0.contains("cannot read") && e.0.contains("nowhere.csv"),
        "{e}"
    );
}

/// `count` on the fixture's leads with its five arguments in parameter order (`within`,
/// `title`, `seniority`, `department`, `kind`), `None` leaving an optional one out.
fn count_on(h: &Harness, args: [Option<Value>; 5]) -> Result<Vec<Option<Value>>, String> {
    let leads: Vec<Vec<(&str, Value)>> = LEADS
        .iter()
        .map(|d| {
            d.map(|d| vec![("company.domain", Value::from(d))])
                .unwrap_or_default()
        })
        .collect();
    h.call("count", &args, today(), &leads).map_err(|e| e.0)
}

fn count(args: [Option<Value>; 5]) -> Vec<Option<Value>> {
    count_on(&harness(), args).expect("count")
}

fn text(x: &str) -> Option<Value> {
    Some(Value::from(x))
}

#[test]
fn count_counts_every_change_in_the_window() {
    // acme: Ana (90 days), Ben, Chloe (Dev is after the as-of date); globex: Farid (Eva is
    // 91 days old); initech: Hugo and Jon.
    assert_eq!(
        count([Some(days(90.0)), None, None, None, None]),
        [n(3.0), n(1.0), n(2.0), n(0.0), None, None]
    );
}

#[test]
fn count_keeps_a_seniority_at_least_the_one_given() {
    // acme: the CRO (C-Level) and the VP, not the manager; globex: the director;
    // initech: the CISO, not the account executive.
    assert_eq!(
        count([Some(days(90.0)), None, text("Director"), None, None]),
        [n(2.0), n(1.0), n(1.0), n(0.0), None, None]
    );
    // The file's seniority wins over the title's: Ines, a "General Manager", is a VP
    // (with initech's CISO); globex's VP of Marketing is 91 days old.
    assert_eq!(
        count([Some(days(200.0)), None, text("vp"), None, None]),
        [n(2.0), n(1.0), n(2.0), n(0.0), None, None]
    );
}

#[test]
fn count_matches_the_title_pattern_ignoring_case() {
    // A data leader who joined in the window: initech's Head of Data, 691 days ago.
    let data_leader = |within: f64| {
        count([
            Some(days(within)),
            text("data|analytics"),
            text("Director"),
            None,
            text("joined"),
        ])
    };
    assert_eq!(
        data_leader(691.0),
        [n(0.0), n(0.0), n(1.0), n(0.0), None, None]
    );
    assert_eq!(
        data_leader(690.0),
        [n(0.0), n(0.0), n(0.0), n(0.0), None, None]
    );
    assert_eq!(
        count([Some(days(90.0)), text("^vp"), None, None, None]),
        [n(1.0), n(0.0), n(0.0), n(0.0), None, None]
    );
}

#[test]
fn count_filters_by_department_and_kind() {
    assert_eq!(
        count([
            Some(days(90.0)),
            None,
            None,
            text(" SALES "),
            text("joined")
        ]),
        [n(1.0), n(0.0), n(1.0), n(0.0), None, None]
    );
    assert_eq!(
        count([Some(days(90.0)), None, None, text("sales"), None]),
        [n(3.0), n(1.0), n(1.0), n(0.0), None, None]
    );
}

#[test]
fn count_rejects_a_bad_pattern_seniority_or_kind() {
    let h = harness();
    let bad = |args| count_on(&h, args).expect_err("an error");
    let e = bad([Some(days(90.0)), text("data("), None, None, None]);
    assert!(
        e.contains("`title = \"data(\"` is not a valid pattern"),
        "{e}"
    );
    let e = bad([Some(days(90.0)), None, text("Wizard"), None, None]);
    assert!(
        e.contains("`seniority = \"Wizard\"` is not a seniority"),
        "{e}"
    );
    let e = bad([Some(days(90.0)), None, None, None, text("hired")]);
    assert!(e.contains("`kind = \"hired\"` is not a kind"), "{e}");
}

#[test]
fn a_bad_seniority_in_the_file_is_an_init_error() {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("plugin_job_changes_seniority");
    std::fs::create_dir_all(&tmp).expect("tmp dir");
    std::fs::write(
        tmp.join("bad.csv"),
        "person,email,domain,date,kind,title,seniority\nA B,,acme.com,2026-01-01,joined,CEO,Boss\n",
    )
    .expect("write");
    let e = Harness::new::<JobChanges>(r#"{"data": "bad.csv"}"#, &tmp).expect_err("a bad level");
    assert!(e.0.contains("bad.csv:2: `Boss` is not a seniority"), "{e}");
}

#[test]
fn known_none_and_unknown_follow_the_coverage() {
    let h = Harness::new::<JobChanges>(
        r#"{"data": "fixture.csv", "covers": "fixture_covers.csv"}"#,
        &dir(),
    )
    .expect("init");
    let leads: [&[(&str, Value)]; 3] = [
        &[("company.domain", Value::from("hooli.com"))],
        &[("company.domain", Value::from("globex.io"))],
        &[("company.domain", Value::from("unknown.org"))],
    ];
    let call =
        |signal: &str, args: &[Option<Value>]| h.call(signal, args, today(), &leads).expect(signal);
    // hooli.com is covered with no change; globex is in the data; unknown.org is not covered.
    assert_eq!(
        call("count", &[Some(days(90.0)), None, None, None, None]),
        [n(0.0), n(1.0), None]
    );
    assert_eq!(call("new_exec_within", &[Some(days(90.0))]), [F, F, None]);
    assert_eq!(
        call("promotions_within", &[Some(days(90.0))]),
        [n(0.0), n(1.0), None]
    );
    assert_eq!(call("champion_joined", &[Some(days(90.0))]), [F, F, None]);
}
