//! The random rule sets and leads of the differential tests, shared by `evaluator_props`
//! (the columnar evaluator against the reference) and `sql_duckdb` (the compiled SQL against
//! `icp score`): well-typed conditions over every kind of field, lets, personas, quantifiers,
//! groups, tiers, ordered categories, regions and decaying scores, as source text; leads with missing
//! values, empty contact lists, odd case and spacing, country names and codes.

use icp_engine::{Entity, Schema, Value};
use proptest::prelude::*;

pub fn schema() -> Schema {
    let mut s = Schema::canonical();
    s.add_custom(Entity::Company, "last_seen", "date")
        .expect("custom");
    s.add_custom(Entity::Company, "is_partner", "bool")
        .expect("custom");
    s.add_custom(Entity::Contact, "met", "date")
        .expect("custom");
    let stages: Vec<String> = ["Lead", "MQL", "SQL", "Customer"]
        .map(String::from)
        .to_vec();
    let stage_order = s.declare_order("stage", &stages).expect("an enum");
    let stage = s
        .add_custom(Entity::Company, "stage", "string")
        .expect("custom");
    assert!(s.set_order(stage, stage_order));
    let band = s
        .add_custom(Entity::Company, "band", "string")
        .expect("custom");
    let bands = s.orders().lookup("employee_band").expect("built in");
    assert!(s.set_order(band, bands));
    s
}

// ------------------------------------------------------------------ conditions as source text

pub fn pick<T: Clone + std::fmt::Debug + 'static>(items: &'static [T]) -> impl Strategy<Value = T> {
    prop::sample::select(items)
}

pub fn quoted(items: &'static [&'static str]) -> impl Strategy<Value = String> {
    pick(items).prop_map(|s| format!("{s:?}"))
}

pub fn list(items: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::sample::subsequence(items, 0..=3).prop_map(|xs| {
        format!(
            "[{}]",
            xs.iter()
                .map(|x| format!("{x:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

pub const INDUSTRIES: &[&str] = &["Software", "software ", "Retail", "Fintech", "IT Services"];
pub const COUNTRIES: &[&str] = &["US", "United States", "Germany", "DE", "france", "Atlantis"];
/// Regions holding some of [`COUNTRIES`] and none: a UN M49 sub-region, sales territories.
pub const REGIONS: &[&str] = &["Western Europe", "DACH", "North America", "Nordics", "APAC"];
pub const NAMES: &[&str] = &["Acme", "acme corp", " ACME ", "Beta", "Zeta Inc"];
pub const TITLES: &[&str] = &[
    "VP Sales",
    "Head of RevOps",
    "cfo",
    "Engineer",
    "director of sales ops",
];
pub const SENIORITY: &[&str] = &["VP", "C-Level", "Director", "Staff", "c_suite", "Wizard"];
pub const STAGES: &[&str] = &["Lead", "mql", " SQL ", "customer", "Churned"];
pub const BANDS: &[&str] = &[
    "1-10",
    "11-50",
    "51-200",
    "201 to 500",
    "10,001+",
    "unknown",
];
pub const ORDERED: &[&str] = &["<", "<=", ">", ">="];
/// Ages of decaying scores: a number of days, a duration, one that may be below 0.
pub const AGES: &[&str] = &[
    "days_since(company.last_seen)",
    "today - company.last_seen",
    "company.employees - 100",
    "company.founded - 2000",
];
pub const TECH: &[&str] = &["Salesforce", "HubSpot", "aws", "AWS Lambda", "Snowflake"];
pub const CMP: &[&str] = &["==", "!=", "<", "<=", ">", ">="];

pub fn company_leaf() -> impl Strategy<Value = String> {
    prop_oneof![
        (pick(CMP), pick(&[0.0, 5.0, 50.0, 500.0][..]))
            .prop_map(|(op, n)| format!("company.employees {op} {n}")),
        (pick(&[0u32, 1, 10][..]), pick(&[5u32, 100, 1000][..]))
            .prop_map(|(a, b)| format!("company.revenue between {a}M and {b}M")),
        list(INDUSTRIES).prop_map(|l| format!("company.industry has any {l}")),
        list(TECH).prop_map(|l| format!("company.technologies has all {l}")),
        quoted(TECH).prop_map(|t| format!("company.technologies has {t}")),
        (pick(&["==", "!="][..]), quoted(INDUSTRIES))
            .prop_map(|(op, s)| format!("company.industry {op} {s}")),
        (pick(&["in", "not in"][..]), list(COUNTRIES))
            .prop_map(|(op, l)| format!("company.country {op} {l}")),
        (pick(&["in", "not in"][..]), quoted(REGIONS))
            .prop_map(|(op, r)| format!("company.country {op} region({r})")),
        (pick(&["==", "!="][..]), quoted(COUNTRIES))
            .prop_map(|(op, s)| format!("company.country {op} {s}")),
        quoted(&["ac", "ME", "corp", ""]).prop_map(|s| format!("company.name contains {s}")),
        quoted(&["acme", "Be", " z"]).prop_map(|s| format!("company.name starts with {s}")),
        pick(&["/^acme/i", "/Corp|Inc/", "/^\\s*ACME/"][..])
            .prop_map(|r| format!("company.name matches {r}")),
        pick(&["/^aws/i", "/force$/"][..])
            .prop_map(|r| format!("company.technologies matches {r}")),
        pick(
            &[
                "company.founded",
                "company.revenue",
                "company.industry",
                "company.last_seen"
            ][..]
        )
        .prop_flat_map(
            |f| pick(&["is missing", "is present"][..]).prop_map(move |w| format!("{f} {w}"))
        ),
        pick(CMP).prop_map(|op| format!("len(company.technologies) {op} 2")),
        pick(CMP).prop_map(|op| format!("4 {op} len(company.name)")),
        pick(CMP).prop_map(|op| format!("len(company.technologies) + 1 {op} 3")),
        quoted(NAMES).prop_map(|s| format!("lower(company.name) == {s}")),
        pick(&[">", "<="][..])
            .prop_map(|op| format!("company.revenue / company.employees {op} 100K")),
        pick(&[">=", "<"][..]).prop_map(|op| format!("company.last_seen {op} 2024-01-01")),
        pick(&["<", ">="][..]).prop_map(|op| format!("days_since(company.last_seen) {op} 200")),
        pick(&["<", ">="][..]).prop_map(|op| format!("company.last_seen - 30d {op} today - 1y")),
        Just("company.is_partner".to_string()),
        Just("company.is_partner == false".to_string()),
        Just("company.founded + 10 > year(today)".to_string()),
        Just("-company.employees < -10".to_string()),
        // The numeric lane: arithmetic of number fields, a division by zero, an overflow.
        (pick(CMP), pick(&["+", "-", "*", "/"][..]))
            .prop_map(|(op, a)| format!("company.employees {a} company.revenue / 1M {op} 50")),
        Just("company.revenue / (company.employees - company.employees) > 1".to_string()),
        Just(format!("company.revenue{} > 0", " * 1000B".repeat(30))),
        Just("company.founded - 2000 * 1 <= -company.employees / -100".to_string()),
        (pick(&["in", "not in"][..]), list(COUNTRIES)).prop_map(|(op, l)| format!("hq {op} {l}")),
        quoted(COUNTRIES).prop_map(|s| format!("hq == {s}")),
        (pick(ORDERED), quoted(&["Lead", "MQL", "sql", "Customer"]))
            .prop_map(|(op, s)| format!("company.stage {op} {s}")),
        Just("company.stage between \"MQL\" and \"SQL\"".to_string()),
        (pick(ORDERED), quoted(&["11-50", "51-200", "1001-5000"]))
            .prop_map(|(op, s)| format!("company.band {op} {s}")),
        Just("company.band between \"11-50\" and \"501-1000\"".to_string()),
    ]
}

pub fn contact_leaf() -> impl Strategy<Value = String> {
    prop_oneof![
        pick(&["/\\b(vp|head)\\b/i", "/sales/", "/^CFO$/i"][..])
            .prop_map(|r| format!("contact.title matches {r}")),
        list(SENIORITY).prop_map(|l| format!("contact.seniority in {l}")),
        (pick(ORDERED), quoted(&["Manager", "Director", "VP", "cxo"]))
            .prop_map(|(op, s)| format!("contact.seniority {op} {s}")),
        Just("contact.seniority between \"manager\" and \"VP\"".to_string()),
        quoted(SENIORITY).prop_map(|s| format!("contact.seniority != {s}")),
        quoted(COUNTRIES).prop_map(|s| format!("contact.country == {s}")),
        Just("contact.email is present".to_string()),
        Just("contact.title contains \"sales\"".to_string()),
        Just("days_since(contact.met) < 90".to_string()),
        pick(CMP).prop_map(|op| format!("len(contact.title) {op} 7")),
        Just("persona_a".to_string()),
        Just("lead_fit".to_string()),
    ]
}

pub fn combine(leaf: BoxedStrategy<String>) -> BoxedStrategy<String> {
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} and {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} or {b})")),
            inner.prop_map(|a| format!("not ({a})")),
        ]
    })
    .boxed()
}

pub fn contact_cond() -> BoxedStrategy<String> {
    combine(contact_leaf().boxed())
}

pub fn lead_cond() -> BoxedStrategy<String> {
    let quantified = prop_oneof![
        contact_cond().prop_map(|c| format!("(any contact where {c})")),
        contact_cond().prop_map(|c| format!("(every contact where {c})")),
        (contact_cond(), pick(&[0u32, 1, 2][..]))
            .prop_map(|(c, n)| format!("(count contacts where {c}) >= {n}")),
        pick(&[0u32, 1, 2][..]).prop_map(|n| format!("count contacts > {n}")),
        pick(&[0u32, 1, 2][..]).prop_map(|n| format!("{n} <= count contacts")),
        Just("lead_fit".to_string()),
    ];
    combine(prop_oneof![3 => company_leaf(), 1 => quantified].boxed())
}

#[derive(Debug, Clone)]
pub struct Score {
    points: i32,
    grouped: bool,
    cond: String,
    /// `Some((age, half-life))` for a decaying score (`cond` unused).
    decay: Option<(&'static str, &'static str)>,
}

impl Score {
    /// What follows the label: `when COND` or `decaying(AGE, half_life = D)`.
    fn body(&self) -> String {
        match self.decay {
            Some((age, half_life)) => format!("decaying({age}, half_life = {half_life})"),
            None => format!("when {}", self.cond),
        }
    }
}

/// An ICP: requires, excludes, scores, the group's cap, tiers (threshold and an optional
/// extra condition) and whether it ends with `otherwise`.
pub type IcpParts = (
    Vec<String>,
    Vec<String>,
    Vec<Score>,
    u32,
    Vec<(u32, Option<String>)>,
    bool,
);

pub fn icp() -> impl Strategy<Value = IcpParts> {
    (
        prop::collection::vec(lead_cond(), 0..=2),
        prop::collection::vec(lead_cond(), 0..=2),
        prop::collection::vec(
            (
                pick(&[-20, -5, 5, 10, 15, 25][..]),
                any::<bool>(),
                lead_cond(),
                prop::option::weighted(0.25, (pick(AGES), pick(&["1d", "90d", "6mo"][..]))),
            )
                .prop_map(|(points, grouped, cond, decay)| Score {
                    points,
                    grouped,
                    cond,
                    decay,
                }),
            1..=5,
        ),
        pick(&[5u32, 20, 40][..]),
        prop::collection::vec(
            (
                pick(&[0u32, 10, 20, 35][..]),
                prop::option::weighted(0.3, lead_cond()),
            ),
            0..=3,
        ),
        any::<bool>(),
    )
}

pub fn rule_set() -> impl Strategy<Value = String> {
    (
        lead_cond(),
        contact_cond(),
        prop::collection::vec(icp(), 1..=3),
    )
        .prop_map(|(fit, persona, icps)| {
            // The let and the persona may not refer to each other in a cycle.
            let fit = fit
                .replace("lead_fit", "company.employees > 1")
                .replace("persona_a", "contact.title == \"cfo\"");
            let persona = persona.replace("persona_a", "contact.title == \"cfo\"");
            let mut src = format!(
                "let hq = company.country\nlet lead_fit = {fit}\npersona persona_a when {persona}\n"
            );
            for (i, (requires, excludes, scores, max, tiers, otherwise)) in
                icps.into_iter().enumerate()
            {
                src.push_str(&format!("icp icp{i} {{\n"));
                for r in requires {
                    src.push_str(&format!("  require {r}\n"));
                }
                for x in excludes {
                    src.push_str(&format!("  exclude {x}\n"));
                }
                let (grouped, loose): (Vec<_>, Vec<_>) =
                    scores.into_iter().partition(|s| s.grouped);
                for (j, s) in loose.iter().enumerate() {
                    src.push_str(&format!("  score {} \"s{j}\" {}\n", s.points, s.body()));
                }
                if !grouped.is_empty() {
                    src.push_str(&format!("  group \"g\" max {max} {{\n"));
                    for (j, s) in grouped.iter().enumerate() {
                        src.push_str(&format!("    score {} \"g{j}\" {}\n", s.points, s.body()));
                    }
                    src.push_str("  }\n");
                }
                for (k, (threshold, extra)) in tiers.iter().enumerate() {
                    match extra {
                        Some(c) => src
                            .push_str(&format!("  tier T{k} when score >= {threshold} and {c}\n")),
                        None => src.push_str(&format!("  tier T{k} when score >= {threshold}\n")),
                    }
                }
                if otherwise {
                    src.push_str("  tier Z otherwise\n");
                }
                src.push_str("}\n");
            }
            src
        })
}

// ------------------------------------------------------------------ leads

pub type Row = Vec<(&'static str, Value)>;

pub fn maybe<T: std::fmt::Debug + Clone + 'static>(
    s: impl Strategy<Value = T> + 'static,
) -> BoxedStrategy<Option<T>> {
    prop::option::weighted(0.7, s).boxed()
}

pub fn text(items: &'static [&'static str]) -> BoxedStrategy<Value> {
    pick(items)
        .prop_map(|s| Value::String(s.to_string()))
        .boxed()
}

pub fn text_list(items: &'static [&'static str]) -> BoxedStrategy<Value> {
    prop::sample::subsequence(items, 0..=3)
        .prop_map(|xs| {
            Value::List(
                xs.into_iter()
                    .map(|x| Value::String(x.to_string()))
                    .collect(),
            )
        })
        .boxed()
}

pub fn date() -> BoxedStrategy<Value> {
    (19_000i32..20_600).prop_map(Value::Date).boxed()
}

pub fn company_row() -> impl Strategy<Value = Row> {
    (
        maybe(text(NAMES)),
        maybe(pick(&[0.0, 3.0, 50.0, 120.5, 5000.0][..]).prop_map(Value::Number)),
        maybe(pick(&[0.0, 2e6, 5e7, 1e9][..]).prop_map(Value::Number)),
        maybe(text_list(INDUSTRIES)),
        maybe(text_list(TECH)),
        maybe(text(COUNTRIES)),
        maybe(pick(&[1990.0, 2015.0, 2024.0][..]).prop_map(Value::Number)),
        maybe(date()),
        maybe(any::<bool>().prop_map(Value::Bool)),
        maybe(text(STAGES)),
        maybe(text(BANDS)),
    )
        .prop_map(
            |(
                name,
                employees,
                revenue,
                industry,
                technologies,
                country,
                founded,
                last_seen,
                partner,
                stage,
                band,
            )| {
                let mut row = Vec::new();
                let mut put = |k: &'static str, v: Option<Value>| {
                    if let Some(v) = v {
                        row.push((k, v));
                    }
                };
                put("name", name);
                put("employees", employees);
                put("revenue", revenue);
                put("industry", industry);
                put("technologies", technologies);
                put("country", country);
                put("founded", founded);
                put("last_seen", last_seen);
                put("is_partner", partner);
                put("stage", stage);
                put("band", band);
                row
            },
        )
}

pub fn contact_row() -> impl Strategy<Value = Row> {
    (
        maybe(text(TITLES)),
        maybe(text(SENIORITY)),
        maybe(text(COUNTRIES)),
        maybe(text(&["a@x.com"])),
        maybe(date()),
    )
        .prop_map(|(title, seniority, country, email, met)| {
            let mut row = Vec::new();
            let mut put = |k: &'static str, v: Option<Value>| {
                if let Some(v) = v {
                    row.push((k, v));
                }
            };
            put("title", title);
            put("seniority", seniority);
            put("country", country);
            put("email", email);
            put("met", met);
            row
        })
}

pub fn leads() -> impl Strategy<Value = Vec<(Row, Vec<Row>)>> {
    prop::collection::vec(
        (company_row(), prop::collection::vec(contact_row(), 0..=3)),
        1..=24,
    )
}
