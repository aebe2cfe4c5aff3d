//! The hiring plugin's signals, called through the C table as icp calls them.

use std::path::Path;

use icp_plugin_api::sdk::testing::Harness;
use icp_plugin_api::sdk::{Date, Value};
use plugin_hiring::Hiring;

#[test]
fn signals_read_the_sample_postings() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let hiring = Harness::new::<Hiring>(r#"{"data": "postings.csv"}"#, dir).expect("init");
    let today = Date::parse("2026-11-23").expect("a date");
    // Each lead holds the input fields the signals read: a company of the file (its domain
    // written another way), a company the file does not list, and a lead without a domain.
    let leads: [&[(&str, Value)]; 3] = [
        &[("company.domain", Value::from("www.HooliLtd19.com/jobs"))],
        &[("company.domain", Value::from("contoso.example"))],
        &[],
    ];
    // One argument per parameter: `None` leaves an optional parameter out.
    let call = |signal: &str, arg: Option<Value>| {
        hiring.call(signal, &[arg], today, &leads).expect(signal)
    };
    let number = |n: f64| Some(Value::Number(n));
    let yes_no = |b: bool| Some(Value::Bool(b));

    assert_eq!(call("open_roles", None), [number(5.0), number(0.0), None]);
    assert_eq!(
        call("open_roles", Some(Value::from("sales"))),
        [number(3.0), number(0.0), None]
    );
    assert_eq!(
        call("hiring_for", Some(Value::from("Revenue Operations"))),
        [yes_no(true), yes_no(false), None]
    );
    assert_eq!(
        call("posted_within", Some(Value::Duration(30.0))),
        [number(3.0), number(0.0), None]
    );
}
