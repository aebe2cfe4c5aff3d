//! The draft rule file of `icp discover --draft`: one ICP made of the strongest attributes.
//!
//! How it works, in the order the command calls it:
//!
//! 1. [`choose`] takes the ranked findings. A draftable finding held by at least
//!    [`REQUIRE_BEST`] (95%) of the best customers and by less than [`REQUIRE_BASE`] (80%) of
//!    the base becomes a `require` (at most [`MAX_REQUIRES`], in rank order: what nearly every
//!    best customer has and many leads lack). The first `attributes` other draftable findings,
//!    in rank order, become `score` lines worth [`points`] = `max(1, round(10 · ln lift))`
//!    (lift 2 → 7 points, lift 6.9 → 19); an attribute no base lead holds (infinite lift)
//!    gets the points of lift 100.
//! 2. The command evaluates the draft on every best customer and calls [`tier_cuts`]: tier A
//!    takes the scores at or above the best customers' median score, tier B those at or above
//!    their 25th percentile (nearest rank, over the qualified best customers), C the rest;
//!    a cut of 0 or below, or equal to the one before, is dropped.
//! 3. [`write`] prints the file: each `require` and `score` line after a comment giving its
//!    evidence (`62% of best vs 9% of all, lift 6.9, n = 412`), the tiers after theirs, and the
//!    `test` blocks the command built from real best customers.
//!
//! The text is then put in the formatter's canonical layout by the command, so the file passes
//! `icp fmt --check` as written.

use super::{Base, Finding, Population};

/// Share of the best customers an attribute must reach to become a `require`.
pub const REQUIRE_BEST: f64 = 0.95;
/// Share of the base an attribute must stay below to become a `require`.
pub const REQUIRE_BASE: f64 = 0.80;
/// At most this many `require` lines.
pub const MAX_REQUIRES: usize = 3;
/// The name of the drafted ICP.
pub const ICP_NAME: &str = "discovered";

/// The findings a draft uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Chosen<'f> {
    pub requires: Vec<&'f Finding>,
    /// Each score line's finding and points.
    pub scores: Vec<(&'f Finding, i64)>,
}

/// Points of a score line for an attribute of this lift: `max(1, round(10 · ln lift))`.
pub fn points(lift: f64) -> i64 {
    let lift = if lift.is_finite() { lift } else { 100.0 };
    ((10.0 * lift.ln()).round() as i64).max(1)
}

/// Splits the ranked findings into `require`s and the top `attributes` score lines.
pub fn choose(findings: &[Finding], attributes: usize) -> Chosen<'_> {
    let mut requires = Vec::new();
    let mut scores = Vec::new();
    for finding in findings.iter().filter(|f| f.candidate.draftable) {
        if requires.len() < MAX_REQUIRES
            && finding.support_best >= REQUIRE_BEST
            && finding.support_base < REQUIRE_BASE
        {
            requires.push(finding);
        } else if scores.len() < attributes {
            scores.push((finding, points(finding.lift)));
        }
    }
    Chosen { requires, scores }
}

/// A tier and the score it starts at (`None`: `otherwise`).
#[derive(Debug, Clone, PartialEq)]
pub struct Tier {
    pub name: &'static str,
    pub at_least: Option<f64>,
    /// How many best customers score at least this, out of how many (for the comment).
    pub best_at_or_above: usize,
    pub best: usize,
}

/// The tiers cut at the median and the 25th percentile of the qualified best customers'
/// scores (nearest rank), then `C otherwise`.
pub fn tier_cuts(best_scores: &[f64]) -> Vec<Tier> {
    let mut sorted = best_scores.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut tiers = Vec::new();
    let mut last_cut = f64::INFINITY;
    if let Some(top) = sorted.len().checked_sub(1) {
        for (name, quantile) in [("A", 0.5), ("B", 0.25)] {
            let cut = sorted[(quantile * top as f64).round() as usize];
            if cut > 0.0 && cut < last_cut {
                tiers.push(Tier {
                    name,
                    at_least: Some(cut),
                    best_at_or_above: sorted.iter().filter(|s| **s >= cut).count(),
                    best: sorted.len(),
                });
                last_cut = cut;
            }
        }
    }
    let name = ["A", "B", "C"][tiers.len()];
    tiers.push(Tier {
        name,
        at_least: None,
        best_at_or_above: sorted.len(),
        best: sorted.len(),
    });
    tiers
}

/// What a test block expects of its lead.
#[derive(Debug, Clone, PartialEq)]
pub enum Expect {
    Tier(String),
    Qualified,
    Disqualified,
}

/// A test block from a real best customer: fields and signals as rule literals.
#[derive(Debug, Clone, PartialEq)]
pub struct TestCase {
    /// The customer's id, for the label.
    pub id: String,
    pub company: Vec<(String, String)>,
    pub contacts: Vec<Vec<(String, String)>>,
    pub signals: Vec<(String, String)>,
    pub expect: Expect,
}

/// The evidence of a finding: `62% of best vs 9% of all, lift 6.9, n = 412`.
pub fn evidence(finding: &Finding, population: Population) -> String {
    let base = match population.base {
        Base::All => "all",
        Base::Rest => "the rest",
    };
    format!(
        "{} of best vs {} of {base}, lift {}, n = {}",
        percent(finding.support_best),
        percent(finding.support_base),
        lift_text(finding.lift),
        population.best
    )
}

/// A share as a whole percentage (one decimal below 1%).
pub fn percent(share: f64) -> String {
    let p = share * 100.0;
    if p > 0.0 && p < 1.0 {
        format!("{p:.1}%")
    } else {
        format!("{p:.0}%")
    }
}

/// A lift with one decimal, `inf` when no base lead holds the attribute.
pub fn lift_text(lift: f64) -> String {
    if lift.is_finite() {
        format!("{lift:.1}")
    } else {
        "inf".to_string()
    }
}

/// A string literal of the rule language.
pub fn string_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The draft's text (before formatting).
pub fn write(
    chosen: &Chosen<'_>,
    tiers: &[Tier],
    tests: &[TestCase],
    population: Population,
) -> String {
    let mut out = String::new();
    out.push_str("# Drafted by `icp discover`: edit it, then hold it against outcomes with\n");
    out.push_str("# `icp backtest`. Each line's comment gives its evidence.\n");
    out.push_str(&format!(
        "icp {ICP_NAME} \"Discovered ICP\" {{\n  product \"TODO\"\n  version \"draft\"\n  owner \"TODO\"\n  description {}\n\n",
        string_literal(&format!(
            "Drafted from {} best customers among {} leads",
            population.best, population.all
        ))
    ));
    for finding in &chosen.requires {
        out.push_str(&format!("  # {}\n", evidence(finding, population)));
        out.push_str(&format!("  require {}\n", finding.candidate.condition));
    }
    if !chosen.requires.is_empty() {
        out.push('\n');
    }
    for (finding, points) in &chosen.scores {
        let c = &finding.candidate;
        out.push_str(&format!("  # {}\n", evidence(finding, population)));
        out.push_str(&format!(
            "  score {points} {} when {}\n",
            string_literal(&format!("{} {}", short_field(&c.field), c.value)),
            c.condition
        ));
    }
    out.push('\n');
    for tier in tiers {
        match tier.at_least {
            Some(cut) => {
                out.push_str(&format!(
                    "  # {} of {} qualified best customers score {} or more\n",
                    tier.best_at_or_above,
                    tier.best,
                    number(cut)
                ));
                out.push_str(&format!(
                    "  tier {} when score >= {}\n",
                    tier.name,
                    number(cut)
                ));
            }
            None => {
                out.push_str("  # every other qualified lead\n");
                out.push_str(&format!("  tier {} otherwise\n", tier.name));
            }
        }
    }
    out.push_str("}\n");
    for test in tests {
        out.push('\n');
        write_test(&mut out, test);
    }
    out
}

/// `company.industry` → `industry`; other fields as they are.
fn short_field(field: &str) -> &str {
    field.strip_prefix("company.").unwrap_or(field)
}

/// A number as a literal: whole numbers without a fraction.
pub fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

fn write_test(out: &mut String, test: &TestCase) {
    let expect = match &test.expect {
        Expect::Tier(tier) => format!("tier {tier}"),
        Expect::Qualified => "qualified".to_string(),
        Expect::Disqualified => "disqualified".to_string(),
    };
    out.push_str(&format!(
        "# A real best customer, with the values the draft reads.\ntest {} {{\n",
        string_literal(&format!("best customer {} is {expect}", test.id))
    ));
    let fields = |pairs: &[(String, String)]| {
        pairs
            .iter()
            .map(|(name, value)| format!("{name}: {value}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !test.company.is_empty() {
        out.push_str(&format!("  company {{ {} }}\n", fields(&test.company)));
    }
    for contact in &test.contacts {
        out.push_str(&format!("  contact {{ {} }}\n", fields(contact)));
    }
    for (call, value) in &test.signals {
        out.push_str(&format!("  signal {call} = {value}\n"));
    }
    out.push_str(&format!("  expect {ICP_NAME} {expect}\n}}\n"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_ten_times_the_log_of_the_lift() {
        assert_eq!(points(2.0), 7);
        assert_eq!(points(6.9), 19);
        assert_eq!(points(1.01), 1);
        assert_eq!(points(f64::INFINITY), 46);
    }

    #[test]
    fn tiers_cut_at_the_median_and_the_quartile() {
        let scores: Vec<f64> = (0..=20).map(f64::from).collect();
        let tiers = tier_cuts(&scores);
        let cuts: Vec<_> = tiers.iter().map(|t| (t.name, t.at_least)).collect();
        assert_eq!(cuts, [("A", Some(10.0)), ("B", Some(5.0)), ("C", None)]);
        // All equal: one cut, then otherwise.
        let tiers = tier_cuts(&[7.0, 7.0]);
        assert_eq!(tiers.len(), 2);
        // No positive score: one tier.
        assert_eq!(tier_cuts(&[0.0]).len(), 1);
    }

    #[test]
    fn string_literals_escape_quotes_and_backslashes() {
        assert_eq!(
            string_literal("a \"b\" \\ c\n"),
            "\"a \\\"b\\\" \\\\ c\\n\""
        );
    }
}
