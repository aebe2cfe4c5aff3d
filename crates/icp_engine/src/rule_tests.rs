//! Running the `test` blocks of a rule set (`icp test`).
//!
//! How it works: each test's literals become one [`Lead`], the reference evaluator scores it
//! against every ICP, and each `expect` is compared with the result. A failed expectation keeps
//! what was expected, what happened, and the lead's result for the explanation.
//!
//! Relative thresholds (`percentile`, `top` tiers) need a lead set: in `icp test` the leads
//! of all the test blocks form it ([`with_test_thresholds`]), computed with the same
//! functions as `icp score`'s first passes — percentiles over the test companies' present
//! values, rank cuts over the scores of the test leads that qualify.

use crate::eval::reference;
use crate::ir::{CmpOp, ExpectationKind, RuleSet, TestDef};
use crate::lead::{Lead, LeadView};
use crate::relative::{self, Relative, Threshold};
use crate::result::LeadResult;
use crate::schema::Value;
use crate::schema::format_number;
use icp_diagnostics::Span;

/// One failed expectation.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub span: Span,
    /// Index into [`RuleSet::icps`] of the ICP the expectation is about.
    pub icp: usize,
    pub expected: String,
    pub actual: String,
}

/// The outcome of one test block.
#[derive(Debug, Clone)]
pub struct TestReport<'r> {
    pub label: String,
    pub span: Span,
    pub failures: Vec<Failure>,
    pub result: LeadResult<'r>,
}

impl TestReport<'_> {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// The rule set with its relative thresholds computed over the leads of its test blocks
/// (a copy; the rule set itself when it has none).
pub fn with_test_thresholds(rules: &RuleSet, today: i32) -> std::borrow::Cow<'_, RuleSet> {
    if rules.relatives.is_empty() {
        return std::borrow::Cow::Borrowed(rules);
    }
    let leads: Vec<Lead> = (rules.tests.iter())
        .map(|t| Lead::from_test(rules, t))
        .collect();
    let mut values = vec![Threshold::Unknown; rules.relatives.len()];
    for (value, r) in values.iter_mut().zip(&rules.relatives) {
        if let Relative::Percentile { field, p } = r {
            let mut column: Vec<f64> = (leads.iter())
                .filter_map(|l| match l.company(*field) {
                    Some(Value::Number(n)) => Some(n),
                    _ => None,
                })
                .collect();
            relative::sort_values(&mut column);
            *value = relative::percentile(&column, *p).map_or(Threshold::Empty, Threshold::Known);
        }
    }
    let mut resolved = rules.clone();
    resolved.resolve_relatives(&values);
    if rules.has_rank_tiers() {
        let results: Vec<_> = (leads.iter())
            .map(|l| reference::evaluate(&resolved, l, today))
            .collect();
        for (value, r) in values.iter_mut().zip(&rules.relatives) {
            if let Relative::Top { icp, rank } = r {
                let mut scores: Vec<f64> = (results.iter())
                    .map(|res| &res.icps[*icp])
                    .filter(|r| r.qualified)
                    .map(|r| r.score)
                    .collect();
                *value = relative::rank_cut(&mut scores, *rank)
                    .map_or(Threshold::Empty, Threshold::Known);
            }
        }
        resolved = rules.clone();
        resolved.resolve_relatives(&values);
    }
    std::borrow::Cow::Owned(resolved)
}

/// Runs every test of the rule set, in order, as of the given date (relative thresholds
/// unknown unless resolved first: [`with_test_thresholds`]).
pub fn run_tests(rules: &RuleSet, today: i32) -> Vec<TestReport<'_>> {
    rules
        .tests
        .iter()
        .map(|t| run_test(rules, t, today))
        .collect()
}

pub fn run_test<'r>(rules: &'r RuleSet, test: &TestDef, today: i32) -> TestReport<'r> {
    let lead = Lead::from_test(rules, test);
    let result = reference::evaluate(rules, &lead, today);
    let mut failures = Vec::new();
    for exp in &test.expects {
        let r = &result.icps[exp.icp];
        let name = &rules.icps[exp.icp].name;
        let tier = || {
            r.tier
                .map_or_else(|| "no tier".to_string(), |t| format!("tier {t}"))
        };
        let (ok, expected, actual) = match &exp.kind {
            ExpectationKind::Tier(t) => (r.tier == Some(t.as_str()), format!("tier {t}"), tier()),
            ExpectationKind::Score(op, n) => (
                score_holds(*op, r.score, *n),
                format!("score {} {}", op.as_str(), format_number(*n)),
                format!("score {}", format_number(r.score)),
            ),
            ExpectationKind::Qualified => (r.qualified, "qualified".into(), qualification(r)),
            ExpectationKind::Disqualified => {
                (!r.qualified, "disqualified".into(), qualification(r))
            }
            ExpectationKind::Best => {
                let best = result.best.map(|b| result.icps[b].name);
                (
                    best == Some(name.as_str()),
                    format!("best ICP {name}"),
                    best.map_or_else(
                        || "no best ICP (no ICP gives a tier)".to_string(),
                        |b| format!("best ICP {b}"),
                    ),
                )
            }
        };
        if !ok {
            failures.push(Failure {
                span: exp.span,
                icp: exp.icp,
                expected,
                actual,
            });
        }
    }
    TestReport {
        label: test.label.clone(),
        span: test.span,
        failures,
        result,
    }
}

fn score_holds(op: CmpOp, score: f64, n: f64) -> bool {
    score.partial_cmp(&n).is_some_and(|o| op.holds(o))
}

fn qualification(r: &crate::result::IcpResult<'_>) -> String {
    if r.qualified {
        "qualified".to_string()
    } else {
        format!("disqualified ({})", r.reasons.join("; "))
    }
}
