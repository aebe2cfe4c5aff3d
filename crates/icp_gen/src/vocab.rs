//! The vocabularies the generator draws from, with weights. They are shaped so that the example
//! rules of `rules/` find leads in most of their tiers.

/// A country: ISO code, English name, sales region, cities, top-level domain.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Country {
    pub(crate) code: &'static str,
    pub(crate) name: &'static str,
    pub(crate) region: &'static str,
    pub(crate) cities: &'static [&'static str],
    pub(crate) tld: &'static str,
}

const fn c(
    code: &'static str,
    name: &'static str,
    region: &'static str,
    cities: &'static [&'static str],
    tld: &'static str,
) -> Country {
    Country {
        code,
        name,
        region,
        cities,
        tld,
    }
}

pub(crate) static COUNTRIES: &[(Country, u32)] = &[
    (
        c(
            "US",
            "United States",
            "North America",
            &[
                "New York",
                "San Francisco",
                "Austin",
                "Chicago",
                "Boston",
                "Seattle",
                "Denver",
                "Atlanta",
            ],
            "com",
        ),
        38,
    ),
    (
        c(
            "CA",
            "Canada",
            "North America",
            &["Toronto", "Vancouver", "Montreal"],
            "ca",
        ),
        5,
    ),
    (
        c(
            "GB",
            "United Kingdom",
            "EMEA",
            &["London", "Manchester", "Edinburgh", "Bristol"],
            "co.uk",
        ),
        9,
    ),
    (
        c(
            "DE",
            "Germany",
            "EMEA",
            &["Berlin", "Munich", "Hamburg", "Cologne"],
            "de",
        ),
        7,
    ),
    (
        c(
            "NL",
            "Netherlands",
            "EMEA",
            &["Amsterdam", "Rotterdam", "Utrecht"],
            "nl",
        ),
        4,
    ),
    (c("IE", "Ireland", "EMEA", &["Dublin", "Cork"], "ie"), 3),
    (
        c("FR", "France", "EMEA", &["Paris", "Lyon", "Toulouse"], "fr"),
        4,
    ),
    (c("ES", "Spain", "EMEA", &["Madrid", "Barcelona"], "es"), 2),
    (c("IT", "Italy", "EMEA", &["Milan", "Rome"], "it"), 2),
    (
        c("SE", "Sweden", "EMEA", &["Stockholm", "Gothenburg"], "se"),
        2,
    ),
    (
        c("CH", "Switzerland", "EMEA", &["Zurich", "Geneva"], "ch"),
        1,
    ),
    (c("PL", "Poland", "EMEA", &["Warsaw", "Kraków"], "pl"), 1),
    (
        c(
            "AU",
            "Australia",
            "APAC",
            &["Sydney", "Melbourne"],
            "com.au",
        ),
        3,
    ),
    (
        c(
            "IN",
            "India",
            "APAC",
            &["Bangalore", "Mumbai", "Pune"],
            "in",
        ),
        4,
    ),
    (c("JP", "Japan", "APAC", &["Tokyo", "Osaka"], "jp"), 2),
    (c("SG", "Singapore", "APAC", &["Singapore"], "sg"), 1),
    (
        c(
            "BR",
            "Brazil",
            "LATAM",
            &["São Paulo", "Rio de Janeiro"],
            "com.br",
        ),
        3,
    ),
    (
        c("MX", "Mexico", "LATAM", &["Mexico City", "Monterrey"], "mx"),
        1,
    ),
];

/// Other spellings of a country's name seen in exports (compare equal to the code).
pub(crate) fn country_alias(code: &str) -> Option<&'static str> {
    match code {
        "US" => Some("USA"),
        "GB" => Some("UK"),
        "NL" => Some("The Netherlands"),
        _ => None,
    }
}

/// Industry, weight, and the institution-type family it suggests.
pub(crate) const INDUSTRIES: &[(&str, u32)] = &[
    ("Software", 14),
    ("Internet", 6),
    ("IT Services", 8),
    ("Fintech", 3),
    ("Retail", 8),
    ("E-commerce", 4),
    ("Consumer Goods", 5),
    ("Manufacturing", 9),
    ("Healthcare", 5),
    ("Hospital & Health Care", 4),
    ("Financial Services", 5),
    ("Banking", 2),
    ("Insurance", 3),
    ("Education", 4),
    ("Hospitality", 4),
    ("Logistics", 4),
    ("Media", 3),
    ("Marketing & Advertising", 3),
    ("Professional Services", 4),
    ("Construction", 3),
    ("Real Estate", 2),
    ("Energy", 2),
    ("Telecommunications", 2),
    ("Automotive", 2),
    ("Pharmaceuticals", 2),
    ("Government", 2),
    ("Gambling", 1),
    ("Tobacco", 1),
];

pub(crate) fn is_health(industry: &str) -> bool {
    matches!(industry, "Healthcare" | "Hospital & Health Care")
}

pub(crate) fn is_consumer(industry: &str) -> bool {
    matches!(
        industry,
        "Retail" | "E-commerce" | "Consumer Goods" | "Hospitality" | "Media"
    )
}

pub(crate) const HEALTH_TYPES: &[(&str, u32)] = &[
    ("Hospital", 4),
    ("Health system", 2),
    ("Clinic", 4),
    ("Company", 3),
];

pub(crate) const OTHER_TYPES: &[(&str, u32)] = &[
    ("Company", 40),
    ("Agency", 2),
    ("Nonprofit", 2),
    ("University", 1),
];

pub(crate) const OWNERSHIP_SMALL: &[(&str, u32)] = &[
    ("private", 80),
    ("subsidiary", 6),
    ("nonprofit", 4),
    ("public", 2),
    ("private equity", 3),
];

pub(crate) const OWNERSHIP_LARGE: &[(&str, u32)] = &[
    ("public", 45),
    ("private", 30),
    ("subsidiary", 15),
    ("private equity", 10),
];

pub(crate) const TECHNOLOGIES: &[(&str, u32)] = &[
    ("AWS", 20),
    ("Google Cloud", 8),
    ("Azure", 10),
    ("Kubernetes", 8),
    ("Salesforce", 10),
    ("HubSpot", 12),
    ("Pipedrive", 4),
    ("Snowflake", 5),
    ("BigQuery", 4),
    ("Databricks", 3),
    ("Shopify", 6),
    ("Adobe Commerce", 2),
    ("Salesforce Commerce Cloud", 1),
    ("Segment", 3),
    ("mParticle", 1),
    ("Tealium", 1),
    ("Klaviyo", 3),
    ("Stripe", 8),
    ("Workday", 4),
    ("SAP", 4),
    ("NetSuite", 5),
    ("Microsoft Dynamics", 3),
    ("Xero", 5),
    ("QuickBooks", 6),
    ("Gusto", 2),
    ("Rippling", 2),
    ("Deel", 2),
    ("Zendesk", 6),
    ("Marketo", 3),
    ("ServiceNow", 3),
    ("Datadog", 3),
    ("New Relic", 2),
    ("Slack", 14),
    ("Jira", 10),
    ("Okta", 4),
    ("Google Workspace", 14),
    ("Microsoft 365", 12),
];

pub(crate) const CLINICAL: &[&str] = &["Epic", "Cerner", "Meditech"];

pub(crate) const TAGS: &[(&str, u32)] = &[
    ("bant:budget-approved", 6),
    ("bant:need-confirmed", 6),
    ("bant:timing-quarter", 4),
    ("bant:timing-year", 5),
    ("bant:rfp-open", 2),
    ("goal:retention", 4),
    ("goal:personalisation", 3),
    ("goal:expansion", 3),
    ("pain:fragmented-data", 4),
    ("source:referral", 4),
    ("source:partner", 3),
    ("source:webinar", 5),
    ("relationship:existing", 3),
    ("status:do-not-contact", 1),
    ("named-account", 1),
    ("renewal:Q1", 1),
    ("renewal:Q2", 1),
    ("renewal:Q3", 1),
    ("renewal:Q4", 1),
    ("renewal:next-90-days", 1),
    ("incident:ransomware-2025", 1),
];

/// The seniority and department [`ROLES`] or [`HEALTH_ROLES`] give a title, if it is one of
/// theirs.
pub(crate) fn role_of(title: &str) -> Option<(&'static str, &'static str)> {
    ROLES
        .iter()
        .map(|(role, _)| role)
        .chain(HEALTH_ROLES)
        .find(|(t, _, _)| *t == title)
        .map(|(_, seniority, department)| (*seniority, *department))
}

/// Title, seniority, department; weight.
pub(crate) const ROLES: &[((&str, &str, &str), u32)] = &[
    (("Founder & CEO", "Owner", "Management"), 3),
    (("Co-Founder", "Owner", "Management"), 2),
    (("Owner", "Owner", "Management"), 2),
    (("CEO", "C-Level", "Executive"), 3),
    (("COO", "C-Level", "Operations"), 2),
    (("CFO", "C-Level", "Finance"), 4),
    (("VP Finance", "VP", "Finance"), 3),
    (("Finance Director", "Director", "Finance"), 3),
    (("Controller", "Manager", "Finance"), 3),
    (("Accountant", "Individual Contributor", "Finance"), 3),
    (("Chief People Officer", "C-Level", "People"), 1),
    (("VP People", "VP", "People"), 2),
    (("HR Director", "Director", "HR"), 2),
    (("HR Manager", "Manager", "HR"), 3),
    (("Recruiter", "Individual Contributor", "HR"), 3),
    (("CIO", "C-Level", "IT"), 2),
    (("CISO", "C-Level", "Security"), 2),
    (("IT Director", "Director", "IT"), 3),
    (("IT Manager", "Manager", "IT"), 3),
    (("IT Security Manager", "Manager", "Security"), 2),
    (("Systems Administrator", "Individual Contributor", "IT"), 3),
    (("IT Support Specialist", "Entry", "IT"), 2),
    (("CTO", "C-Level", "Engineering"), 3),
    (("VP Engineering", "VP", "Engineering"), 3),
    (
        (
            "Director of Platform Engineering",
            "Director",
            "Engineering",
        ),
        2,
    ),
    (("Staff SRE", "Senior", "Engineering"), 2),
    (
        ("DevOps Engineer", "Individual Contributor", "Engineering"),
        3,
    ),
    (
        ("Software Engineer", "Individual Contributor", "Engineering"),
        6,
    ),
    (("Head of Data", "Director", "Engineering"), 2),
    (("Chief Data Officer", "C-Level", "Data"), 1),
    (("Data Engineering Manager", "Manager", "Engineering"), 2),
    (("Chief Marketing Officer", "C-Level", "Marketing"), 2),
    (("VP Marketing", "VP", "Marketing"), 3),
    (("Head of Marketing", "Director", "Marketing"), 3),
    (("Marketing Manager", "Manager", "Marketing"), 4),
    (("Marketing Coordinator", "Entry", "Marketing"), 3),
    (("Marketing Intern", "Intern", "Marketing"), 1),
    (("VP Sales", "VP", "Sales"), 3),
    (("Head of RevOps", "Director", "Sales"), 2),
    (("Director of Sales Ops", "Director", "Sales"), 2),
    (("Sales Manager", "Manager", "Sales"), 4),
    (("Account Executive", "Individual Contributor", "Sales"), 6),
    (("Sales Development Representative", "Entry", "Sales"), 4),
    (("VP Operations", "VP", "Operations"), 3),
    (("Operations Manager", "Manager", "Operations"), 3),
    (("Office Manager", "Manager", "Administration"), 2),
    (("Chief Medical Officer", "C-Level", "Medical"), 1),
];

/// Roles a healthcare provider's contacts are drawn from half of the time.
pub(crate) const HEALTH_ROLES: &[(&str, &str, &str)] = &[
    ("CISO", "C-Level", "Security"),
    ("CIO", "C-Level", "IT"),
    ("Chief Information Security Officer", "C-Level", "Security"),
    ("IT Director", "Director", "IT"),
    ("IT Security Manager", "Manager", "Security"),
    ("Chief Medical Officer", "C-Level", "Medical"),
    ("Nurse Manager", "Manager", "Clinical"),
    ("Office Manager", "Manager", "Administration"),
];

pub(crate) const NAME_WORDS: &[&str] = &[
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Stark",
    "Wayne",
    "Vandelay",
    "Pied",
    "Soylent",
    "Tyrell",
    "Cyberdyne",
    "Wonka",
    "Oscorp",
    "Nakatomi",
    "Aperture",
    "Monarch",
    "Dunder",
    "Northwind",
    "Contoso",
    "Fabrikam",
    "Tailspin",
    "Litware",
    "Proseware",
    "Adatum",
    "Bluebird",
    "Redwood",
    "Silverline",
    "Brightline",
    "Northstar",
    "Harbor",
    "Pinecrest",
    "Lakeside",
    "Summit",
    "Evergreen",
    "Ironclad",
    "Keystone",
    "Meridian",
    "Orchard",
    "Quantum",
    "Sterling",
    "Vertex",
    "Willow",
    "Zenith",
    "Atlas",
    "Beacon",
    "Cascade",
    "Falcon",
    "Granite",
    "Horizon",
];

pub(crate) const NAME_SUFFIXES: &[&str] = &[
    "Inc",
    "GmbH",
    "Ltd",
    "Labs",
    "Group",
    "Health",
    "Pay",
    "Systems",
    "AG",
    "SA",
    "Logistics",
    "Foods",
    "Retail",
    "Software",
    "Analytics",
    "Partners",
    "Industries",
    "Media",
    "Clinic",
    "Capital",
    "& Co",
];

pub(crate) const FIRST_NAMES: &[&str] = &[
    "Ana", "Ben", "Chloe", "Dev", "Eva", "Farid", "Grace", "Hugo", "Ines", "Jon", "Kai", "Lena",
    "Maya", "Noah", "Olga", "Priya", "Quinn", "Rosa", "Sam", "Tara", "Umar", "Vera", "Will",
    "Yuki", "Zoe", "Liam", "Emma", "Lucas", "Sofia", "Mateo", "Aisha", "Chen", "Fatima", "Jonas",
    "Mia", "Oscar", "Sara", "Tom", "Nina", "Raj",
];

pub(crate) const LAST_NAMES: &[&str] = &[
    "Martin",
    "Okafor",
    "Schmidt",
    "Rossi",
    "Nguyen",
    "Silva",
    "Kowalski",
    "Berg",
    "Smith",
    "Johnson",
    "Garcia",
    "Müller",
    "Dubois",
    "Tanaka",
    "Patel",
    "Kim",
    "Brown",
    "Lopez",
    "Andersson",
    "Murphy",
    "O'Brien",
    "van Dijk",
    "Novak",
    "Costa",
    "Fischer",
    "Wilson",
    "Khan",
    "Ito",
    "Moreau",
    "Jensen",
];
