use super::*;

fn gen_csv(options: &GenOptions) -> (String, String, GenReport) {
    let mut companies = Vec::new();
    let mut contacts = Vec::new();
    let report = generate(options, &mut companies, Some(&mut contacts)).expect("generate");
    (
        String::from_utf8(companies).expect("utf-8"),
        String::from_utf8(contacts).expect("utf-8"),
        report,
    )
}

fn options(companies: u64, messy: f64) -> GenOptions {
    GenOptions {
        companies,
        seed: 42,
        messy,
        ..GenOptions::default()
    }
}

/// A small RFC 4180 reader: rows of fields, quotes honoured.
pub(crate) fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
        } else {
            match c {
                '"' if field.is_empty() => quoted = true,
                '"' => panic!("a quote inside an unquoted field: {field}"),
                ',' => row.push(std::mem::take(&mut field)),
                '\n' => {
                    row.push(std::mem::take(&mut field));
                    rows.push(std::mem::take(&mut row));
                }
                _ => field.push(c),
            }
        }
    }
    assert!(!quoted, "an unterminated quoted field");
    assert!(
        field.is_empty() && row.is_empty(),
        "the last row ends in a newline"
    );
    rows
}

fn column(rows: &[Vec<String>], name: &str) -> usize {
    rows[0]
        .iter()
        .position(|c| c == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

#[test]
fn same_options_same_bytes() {
    for format in [Format::Csv, Format::JsonLines] {
        let o = GenOptions {
            format,
            ..options(500, 0.2)
        };
        let run = || {
            let mut out = Vec::new();
            let contacts: Option<&mut dyn Write> = None;
            generate(&o, &mut out, contacts).expect("generate");
            out
        };
        assert_eq!(run(), run());
    }
    let (a, ac, _) = gen_csv(&options(300, 0.1));
    let (b, bc, _) = gen_csv(&options(300, 0.1));
    assert_eq!((a.as_str(), ac.as_str()), (b.as_str(), bc.as_str()));
    let other = GenOptions {
        seed: 43,
        ..options(300, 0.1)
    };
    assert_ne!(gen_csv(&other).0, a);
}

#[test]
fn messiness_does_not_change_the_companies() {
    let (clean, _, _) = gen_csv(&options(200, 0.0));
    let (messy, _, report) = gen_csv(&options(200, 0.5));
    assert!(report.messy_values > 1000);
    let clean = parse_csv(&clean);
    let messy = parse_csv(&messy);
    let id = column(&clean, "id");
    let customers = column(&clean, "annual_spend");
    for (c, m) in clean.iter().zip(&messy).skip(1) {
        assert_eq!(c[id], m[id]);
        // Customers stay customers: a messy row never gains spend it did not have.
        if c[customers].is_empty() {
            assert!(m[customers].is_empty());
        }
    }
}

#[test]
fn every_row_has_every_column_even_when_messy() {
    let (companies, contacts, report) = gen_csv(&options(2000, 1.0));
    let rows = parse_csv(&companies);
    assert_eq!(rows.len(), 2001);
    assert_eq!(rows[0], COMPANY_COLUMNS);
    assert!(rows.iter().all(|r| r.len() == COMPANY_COLUMNS.len()));
    let crow = parse_csv(&contacts);
    assert_eq!(crow.len() as u64, report.contacts + 1);
    assert!(crow.iter().all(|r| r.len() == CONTACT_COLUMNS.len()));
    // Values with commas and quotes were written, and quoted.
    assert!(companies.contains("\"10,001+\"") || companies.contains("\"1,001-5,000\""));
    assert!(companies.contains("(\"\""), "a name with quotes");
    assert!(companies.contains("n/a"));
    assert!(companies.contains("https://www."));
    assert!(companies.contains("United States"));
}

fn is_int(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[test]
fn messy_zero_writes_only_canonical_values() {
    let (companies, contacts, report) = gen_csv(&options(3000, 0.0));
    assert_eq!(report.messy_values, 0);
    let rows = parse_csv(&companies);
    let col = |n| column(&rows, n);
    let (employees, revenue, country, domain) = (
        col("employees"),
        col("revenue"),
        col("country"),
        col("domain"),
    );
    let (founded, customer, spend, date, variability) = (
        col("founded"),
        col("is_customer"),
        col("annual_spend"),
        col("last_order_date"),
        col("demand_variability"),
    );
    let (region, model) = (col("region"), col("business_model"));
    for r in &rows[1..] {
        for v in r {
            assert_eq!(v.trim(), v, "no padding: {r:?}");
            assert!(!v.eq_ignore_ascii_case("n/a"));
        }
        assert!(is_int(&r[employees]), "{r:?}");
        assert!(is_int(&r[revenue]), "{r:?}");
        assert!(is_int(&r[founded]) && r[founded].len() == 4, "{r:?}");
        assert!(
            r[country].len() == 2 && r[country].bytes().all(|b| b.is_ascii_uppercase()),
            "{r:?}"
        );
        assert!(
            ["North America", "EMEA", "APAC", "LATAM"].contains(&r[region].as_str()),
            "{r:?}"
        );
        assert!(["B2B", "B2C", "B2B2C"].contains(&r[model].as_str()));
        let d = &r[domain];
        assert!(
            !d.contains("://")
                && !d.starts_with("www.")
                && d.contains('.')
                && *d == d.to_lowercase(),
            "{d}"
        );
        match r[customer].as_str() {
            "yes" => {
                assert!(is_int(&r[spend]), "{r:?}");
                let date = r[date].as_bytes();
                assert!(
                    date.len() == 10 && date[4] == b'-' && date[7] == b'-',
                    "{r:?}"
                );
                assert!(r[variability].parse::<f64>().is_ok());
            }
            "no" => assert!(r[spend].is_empty() && r[date].is_empty()),
            other => panic!("is_customer {other}"),
        }
    }
    for r in &parse_csv(&contacts)[1..] {
        assert!(r.iter().all(|v| !v.is_empty() && v.trim() == v), "{r:?}");
        assert!(r[2].contains('@'), "{r:?}");
    }
}

#[test]
fn sizes_are_plausible_and_revenue_follows_employees() {
    let (companies, _, _) = gen_csv(&options(20_000, 0.0));
    let rows = parse_csv(&companies);
    let (e, r) = (column(&rows, "employees"), column(&rows, "revenue"));
    let mut pairs: Vec<(f64, f64)> = rows[1..]
        .iter()
        .map(|row| {
            (
                row[e].parse::<f64>().expect("employees").ln(),
                row[r].parse::<f64>().expect("revenue").ln(),
            )
        })
        .collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let median = pairs[pairs.len() / 2].0.exp();
    assert!(
        (20.0..=120.0).contains(&median),
        "median employees {median}"
    );
    let large = pairs.iter().filter(|p| p.0.exp() >= 1000.0).count();
    assert!(large > 200 && large < 4000, "{large} companies of 1,000+");
    let n = pairs.len() as f64;
    let (mx, my) = (
        pairs.iter().map(|p| p.0).sum::<f64>() / n,
        pairs.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let cov: f64 = pairs.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let vx: f64 = pairs.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let vy: f64 = pairs.iter().map(|p| (p.1 - my).powi(2)).sum();
    let corr = cov / (vx * vy).sqrt();
    assert!(corr > 0.8 && corr < 0.999, "log correlation {corr}");
}

#[test]
fn contacts_are_in_range_and_join_their_company() {
    let o = GenOptions {
        contacts_min: 1,
        contacts_max: 3,
        ..options(1000, 0.0)
    };
    let (companies, contacts, report) = gen_csv(&o);
    let ids: std::collections::HashSet<String> = parse_csv(&companies)[1..]
        .iter()
        .map(|r| r[0].clone())
        .collect();
    let mut per: std::collections::HashMap<String, u32> = Default::default();
    for r in &parse_csv(&contacts)[1..] {
        assert!(ids.contains(&r[0]));
        *per.entry(r[0].clone()).or_default() += 1;
    }
    assert_eq!(per.len(), 1000, "every company has at least one contact");
    assert!(per.values().all(|n| (1..=3).contains(n)));
    assert_eq!(
        per.values().map(|n| u64::from(*n)).sum::<u64>(),
        report.contacts
    );
}

#[test]
fn json_lines_hold_one_company_and_its_contacts_per_line() {
    let o = GenOptions {
        format: Format::JsonLines,
        ..options(300, 0.3)
    };
    let mut out = Vec::new();
    let report = generate(&o, &mut out, None).expect("generate");
    let text = String::from_utf8(out).expect("utf-8");
    assert_eq!(text.lines().count(), 300);
    assert!(
        text.lines()
            .all(|l| l.starts_with("{\"id\":\"C") && l.ends_with("]}"))
    );
    assert_eq!(text.matches("\"email\":").count() as u64, report.contacts);
    let mut sink = Vec::new();
    let err = generate(&o, &mut Vec::new(), Some(&mut sink)).expect_err("no contacts file");
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}

#[test]
fn bad_options_are_refused() {
    let bad = [
        GenOptions {
            contacts_min: 3,
            contacts_max: 1,
            ..GenOptions::default()
        },
        GenOptions {
            messy: 1.5,
            ..GenOptions::default()
        },
    ];
    for o in bad {
        let contacts: Option<&mut dyn Write> = None;
        assert!(generate(&o, &mut Vec::new(), contacts).is_err());
    }
}

#[test]
fn dates_round_trip() {
    for day in [-1000, 0, 19_000, 20_780] {
        let (y, m, d) = civil_from_days(day);
        assert_eq!(days_from_civil(y as i32, m, d), day);
    }
    assert_eq!(
        civil_from_days(days_from_civil(2026, 11, 23)),
        (2026, 11, 23)
    );
}
