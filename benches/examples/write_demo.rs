//! Writes the demo lead set bundled in `demo/`: a few thousand companies and their contacts,
//! deterministic (same bytes every run), shaped so the example rules of `rules/` find every
//! tier, with the messy values real exports have ("51-200", "$12M", "United States" next to
//! "US", blanks, "n/a").
//!
//! `cargo run -p icp_benches --example write_demo -- demo 3000`

use std::fmt::Write as _;

/// splitmix64: a tiny, well-known deterministic generator; enough for demo data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// A log-normal-ish size: mostly small, a long tail of large.
    fn size(&mut self) -> f64 {
        let u = (self.below(1_000_000) as f64 + 0.5) / 1_000_000.0;
        (3.5 + 1.6 * (u / (1.0 - u)).ln() * 0.6)
            .exp()
            .round()
            .max(1.0)
    }
}

const INDUSTRIES: &[&str] = &[
    "Software",
    "Internet",
    "IT Services",
    "Fintech",
    "Retail",
    "Manufacturing",
    "Healthcare",
    "Hospital & Health Care",
    "Financial Services",
    "Education",
    "Gambling",
    "Logistics",
    "Media",
    "Consumer Goods",
    "Banking",
    "Government",
];
const COUNTRIES: &[&str] = &[
    "US",
    "United States",
    "CA",
    "Canada",
    "GB",
    "United Kingdom",
    "DE",
    "Germany",
    "NL",
    "FR",
    "France",
    "ES",
    "IT",
    "SE",
    "AU",
    "BR",
    "IN",
    "JP",
];
const TECH: &[&str] = &[
    "Salesforce",
    "HubSpot",
    "Snowflake",
    "AWS",
    "Google Cloud",
    "Azure",
    "Shopify",
    "Segment",
    "Stripe",
    "Workday",
    "SAP",
    "Zendesk",
    "Marketo",
    "Kubernetes",
    "Epic",
];
const TAGS: &[&str] = &[
    "bant:budget-approved",
    "bant:need-confirmed",
    "bant:timing-quarter",
    "bant:timing-year",
    "bant:rfp-open",
    "goal:retention",
    "goal:personalisation",
    "pain:fragmented-data",
    "source:referral",
    "source:partner",
    "relationship:existing",
    "status:do-not-contact",
    "named-account",
];
const TYPES: &[&str] = &[
    "Hospital",
    "Health system",
    "Clinic",
    "University",
    "Agency",
    "Company",
];
const OWNERSHIP: &[&str] = &["private", "public", "Private", "subsidiary"];
const MODELS: &[&str] = &["B2B", "B2B", "B2B", "B2C", "B2B2C"];
const FIRST: &[&str] = &[
    "Ana", "Ben", "Chloe", "Dev", "Eva", "Farid", "Grace", "Hugo", "Ines", "Jon",
];
const LAST: &[&str] = &[
    "Martin", "Okafor", "Schmidt", "Rossi", "Nguyen", "Silva", "Kowalski", "Berg",
];
const ROLES: &[(&str, &str, &str)] = &[
    ("CFO", "C-Level", "Finance"),
    ("CEO", "C-Level", "Executive"),
    ("Founder & CEO", "C-Level", "Executive"),
    ("VP Finance", "VP", "Finance"),
    ("VP Operations", "VP", "Operations"),
    ("VP Sales", "VP", "Sales"),
    ("CMO", "C-Level", "Marketing"),
    ("Head of RevOps", "Director", "Sales"),
    ("Director of Sales Ops", "Director", "Sales"),
    ("Head of Marketing", "Director", "Marketing"),
    ("Chief Medical Officer", "C-Level", "Medical"),
    ("IT Security Manager", "Manager", "IT"),
    ("Software Engineer", "Individual Contributor", "Engineering"),
    ("Account Executive", "Individual Contributor", "Sales"),
    ("Marketing Coordinator", "Entry", "Marketing"),
];
const WORDS: &[&str] = &[
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Vandelay",
    "Hooli",
    "Pied",
    "Soylent",
    "Tyrell",
    "Cyberdyne",
    "Wonka",
    "Gringotts",
    "Oscorp",
    "Nakatomi",
    "Aperture",
    "Black Mesa",
    "Monarch",
    "Dunder",
];
const SUFFIX: &[&str] = &[
    "Inc", "GmbH", "Ltd", "Labs", "Group", "Health", "Pay", "Systems", "AG", "SA",
];

/// The sales region of a country as the demo writes it.
fn region(country: &str) -> &'static str {
    match country {
        "US" | "United States" | "CA" | "Canada" => "North America",
        "BR" => "LATAM",
        "AU" | "IN" | "JP" => "APAC",
        "" => "",
        _ => "EMEA",
    }
}

fn csv(field: &str) -> String {
    if field.contains([',', '"', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().unwrap_or_else(|| "demo".into()));
    let n: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(3000);
    let mut rng = Rng(20_261_123);
    let mut companies = String::from(
        "id,name,domain,industry,employees,revenue,country,region,city,founded,ownership,business_model,type,technologies,tags,annual_spend,purchase_frequency,demand_variability,last_order_date,is_customer\n",
    );
    let mut contacts = String::from("company_id,name,email,title,seniority,department,country\n");
    for i in 0..n {
        let id = format!("C{:05}", i + 1);
        let name = format!("{} {}", rng.pick(WORDS), rng.pick(SUFFIX));
        let domain = format!("{}{}.com", name.to_lowercase().replace([' ', '&'], ""), i);
        let industries: Vec<&str> = (0..1 + rng.below(2))
            .map(|_| rng.pick(INDUSTRIES))
            .collect();
        let size = rng.size();
        let employees = match rng.below(10) {
            0 => String::new(),
            1 => "n/a".to_string(),
            2..=4 => {
                let bands = [
                    (1.0, 10.0),
                    (11.0, 50.0),
                    (51.0, 200.0),
                    (201.0, 500.0),
                    (501.0, 1000.0),
                    (1001.0, 5000.0),
                    (5001.0, 10000.0),
                ];
                match bands.iter().find(|(_, hi)| size <= *hi) {
                    Some((lo, hi)) => format!("{lo}-{hi}"),
                    None => "10,001+".to_string(),
                }
            }
            _ => format!("{size}"),
        };
        let revenue_musd = (size * (0.08 + rng.below(300) as f64 / 1000.0)).max(0.1);
        let revenue = match rng.below(8) {
            0 => String::new(),
            1 => format!("{}", (revenue_musd * 1e6).round()),
            2 => format!("€ {:.1} million", revenue_musd * 0.92),
            _ => format!("${:.1}M", revenue_musd),
        };
        let country = if rng.chance(5) {
            String::new()
        } else {
            rng.pick(COUNTRIES).to_string()
        };
        let founded = if rng.chance(10) {
            String::new()
        } else {
            (1950 + rng.below(75)).to_string()
        };
        let techs: Vec<&str> = (0..rng.below(5)).map(|_| rng.pick(TECH)).collect();
        let tags: Vec<&str> = (0..rng.below(4)).map(|_| rng.pick(TAGS)).collect();
        let customer = rng.chance(30);
        let (spend, frequency, variability, last_order) = if customer {
            (
                format!("{}", (rng.size() * 400.0).round()),
                format!("{}", 1 + rng.below(40)),
                format!("{:.2}", rng.below(120) as f64 / 100.0),
                format!(
                    "20{:02}-{:02}-{:02}",
                    23 + rng.below(4),
                    1 + rng.below(12),
                    1 + rng.below(28)
                ),
            )
        } else {
            (String::new(), String::new(), String::new(), String::new())
        };
        let row = [
            id.clone(),
            name.clone(),
            if rng.chance(3) {
                String::new()
            } else {
                format!("https://www.{domain}")
            },
            industries.join(";"),
            employees,
            revenue,
            country.clone(),
            region(&country).to_string(),
            rng.pick(&[
                "New York",
                "Toronto",
                "London",
                "Berlin",
                "Amsterdam",
                "Paris",
                "Madrid",
                "Sydney",
                "",
            ])
            .to_string(),
            founded,
            rng.pick(OWNERSHIP).to_string(),
            rng.pick(MODELS).to_string(),
            rng.pick(TYPES).to_string(),
            techs.join(";"),
            tags.join(";"),
            spend,
            frequency,
            variability,
            last_order,
            if customer { "yes".into() } else { "no".into() },
        ];
        let line: Vec<String> = row.iter().map(|f| csv(f)).collect();
        let _ = writeln!(companies, "{}", line.join(","));
        for _ in 0..rng.below(5) {
            let (title, seniority, department) = ROLES[rng.below(ROLES.len())];
            let person = format!("{} {}", rng.pick(FIRST), rng.pick(LAST));
            let email = format!("{}@{domain}", person.to_lowercase().replace(' ', "."));
            let seniority = if rng.chance(10) { "" } else { seniority };
            let fields = [
                id.as_str(),
                &person,
                &email,
                title,
                seniority,
                department,
                &country,
            ];
            let line: Vec<String> = fields.iter().map(|f| csv(f)).collect();
            let _ = writeln!(contacts, "{}", line.join(","));
        }
    }
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("companies.csv"), companies)?;
    std::fs::write(dir.join("contacts.csv"), contacts)?;
    println!("wrote {n} companies to {}", dir.display());
    Ok(())
}
