//! Generates large, realistic rule sets for the benchmarks: `n` files, each with lets, personas,
//! an ICP of about ten criteria (regex on titles, a contact quantifier, list tests, a capped
//! group, tiers) and a test block. Deterministic: file `i` is always the same text.

mod cargo;
/// The load generator of `icp serve` (benches/serve/run.sh).
#[path = "serve/load.rs"]
pub mod serve_load;

pub use cargo::{
    cargo_build, profile_dir, python_with_dbt, python_with_engines, python_with_spark, target_dir,
};

use icp_diagnostics::SourceMap;

const INDUSTRIES: &[&str] = &[
    "Software",
    "Internet",
    "IT Services",
    "Fintech",
    "Healthcare",
    "Retail",
];
const COUNTRIES: &[&str] = &["US", "CA", "GB", "DE", "NL", "FR", "SE", "AU"];

/// The text of generated rule file `i`.
pub fn rule_file(i: usize) -> String {
    let ind = |k: usize| INDUSTRIES[(i + k) % INDUSTRIES.len()];
    let cty = |k: usize| COUNTRIES[(i + k) % COUNTRIES.len()];
    let low = 10 + (i % 7) * 10;
    format!(
        r#"# Generated rule file {i}.
let geo_{i} = company.country in ["{c0}", "{c1}", "{c2}"]

persona buyer_{i} "Economic buyer" when
    contact.seniority in ["C-Level", "VP"] and contact.department in ["Finance", "Operations"]
persona champion_{i} when contact.title matches /\b(head|director) of (revops|sales ops)\b/i

icp segment_{i} "Segment {i}" {{
  product "Product {p}"
  version "2026.{i}"

  require geo_{i}
  require company.employees between {low} and 5000
  exclude company.industry has any ["Gambling", "Tobacco"]

  score 20 "core industry" when company.industry has any ["{i0}", "{i1}"]
  score 15 "revenue fit"   when company.revenue >= 10M
  score 10 "finance buyer" when any contact where buyer_{i}
  score  5 "buying group"  when (count contacts where champion_{i} or buyer_{i}) >= 2
  score -30 "competitor"   when company.technologies has "Salesforce"

  group "fit" max 20 {{
    score 10 "b2b"    when company.business_model == "B2B"
    score 10 "young"  when company.founded >= 2010
    score  5 "stack"  when len(company.technologies) >= 5
  }}

  tier A when score >= 50
  tier B when score >= 25
  tier C otherwise
}}

test "segment {i} tier A" {{
  company {{ country: "{c0}", employees: 320, industry: ["{i0}"], revenue: 40M, business_model: "B2B" }}
  contact {{ title: "CFO", seniority: "C-Level", department: "Finance" }}
  expect segment_{i} tier A
}}
"#,
        c0 = cty(0),
        c1 = cty(1),
        c2 = cty(2),
        i0 = ind(0),
        i1 = ind(1),
        p = i % 3,
    )
}

/// A source map holding `n` generated files.
pub fn rule_set(n: usize) -> SourceMap {
    let mut sources = SourceMap::new();
    for i in 0..n {
        sources.add(format!("rules/segment_{i}.icp"), rule_file(i));
    }
    sources
}
