//! Rules are shared, never expanded: checking, lowering and evaluating cost time linear in the
//! rule text. Each construct is a doubling chain — every level uses the previous one twice
//! (`let bK = bK-1 and bK-1`, `persona pK when pK-1 and pK-1`) — so that anything that
//! expands a let or persona at each use instead of sharing it does 2^64 steps and never
//! finishes.
//!
//! Nothing here is timed (the timed budget is the `rules/doubling` benchmark group in
//! `benches/check.rs`). Each test asserts that the typed rule set and the plan grow linearly
//! with the number of levels, and runs the chain through everything that walks rules:
//! checking with its lints, lowering, the reference evaluator (`icp test`), the columnar
//! evaluator (whole results and the columns of `icp score`, with the missing inputs of
//! unknown checks) and the explanations of `icp explain`; an exponential walk would not
//! finish within the test run.

use icp_diagnostics::Diagnostic;
use icp_engine::Entity;
use icp_engine::Value;
use icp_engine::ir::{Expr, RuleSet};
use icp_engine::plan::Plan;
use icp_tests::{LeadValues, batch_and_reference, check_sources, project_schema, test_signals};

/// The number of levels of every chain.
const LEVELS: usize = 64;

/// A chain of `levels` definitions after `base`, level `k` defined by `step(k)`, followed by
/// `tail` (the ICP and a test, which name the top of the chain as `{top}`).
fn chain(base: &str, step: impl Fn(usize) -> String, levels: usize, tail: &str) -> String {
    let mut text = format!("{base}\n");
    for k in 1..=levels {
        text.push_str(&step(k));
        text.push('\n');
    }
    text.push_str(&tail.replace("{top}", &levels.to_string()));
    text
}

/// A test block the chains share: one lead that qualifies through every chain.
const TEST_BLOCK: &str = r#"
test "the chain is evaluated" {
  company { employees: 20 }
  contact { seniority: "VP" }
  expect chain qualified
}
"#;

/// `let bK = bK-1 and bK-1`, used by a require, a score and a tier.
fn let_and_chain(levels: usize) -> String {
    chain(
        "let b0 = company.employees > 10",
        |k| format!("let b{k} = b{} and b{}", k - 1, k - 1),
        levels,
        &format!(
            "icp chain {{\n  require b{{top}}\n  score 10 when b{{top}}\n  \
             tier A when score >= 5 and b{{top}}\n}}\n{TEST_BLOCK}"
        ),
    )
}

/// `let bK = bK-1 or not bK-1`.
fn let_or_not_chain(levels: usize) -> String {
    chain(
        "let b0 = company.employees > 10",
        |k| format!("let b{k} = b{} or not b{}", k - 1, k - 1),
        levels,
        &format!(
            "icp chain {{\n  require b{{top}}\n  score 10 when b{{top}}\n  \
             tier A when score >= 5 and b{{top}}\n}}\n{TEST_BLOCK}"
        ),
    )
}

/// `let nK = nK-1 + nK-1`: numbers, compared with a constant and with the score.
fn arithmetic_chain(levels: usize) -> String {
    chain(
        "let n0 = company.employees",
        |k| format!("let n{k} = n{} + n{}", k - 1, k - 1),
        levels,
        &format!(
            "icp chain {{\n  require n{{top}} > 5\n  score 10 when n{{top}} > 5\n  \
             tier A when score >= n{{top}}\n  tier B otherwise\n}}\n{TEST_BLOCK}"
        ),
    )
}

/// `persona pK when pK-1 and pK-1`, used by `any`, `every` and `count contacts where`.
fn persona_chain(levels: usize) -> String {
    chain(
        r#"persona p0 when contact.seniority == "VP""#,
        |k| format!("persona p{k} when p{} and p{}", k - 1, k - 1),
        levels,
        &format!(
            "icp chain {{\n  require any contact where p{{top}}\n  \
             exclude count contacts >= 1 and every contact where not p{{top}}\n  \
             score 10 when (count contacts where p{{top}}) >= 1\n  \
             tier A when score >= 5\n}}\n{TEST_BLOCK}"
        ),
    )
}

/// A let chain used inside quantifier bodies (broadcast to each contact).
fn quantifier_chain(levels: usize) -> String {
    chain(
        "let b0 = company.employees > 10",
        |k| format!("let b{k} = b{} and b{}", k - 1, k - 1),
        levels,
        &format!(
            "icp chain {{\n  require any contact where b{{top}} and contact.seniority == \"VP\"\n  \
             exclude count contacts >= 1 and every contact where not b{{top}}\n  \
             score 10 when (count contacts where b{{top}}) >= 1\n  \
             tier A when score >= 5\n}}\n{TEST_BLOCK}"
        ),
    )
}

/// A let chain named by several score lines and tiers of one ICP.
fn tiers_and_scores_chain(levels: usize) -> String {
    chain(
        "let b0 = company.employees > 10",
        |k| format!("let b{k} = b{} or not b{}", k - 1, k - 1),
        levels,
        &format!(
            "icp chain {{\n  require company.employees is present\n  \
             score 10 \"top\" when b{{top}}\n  score 5 \"either\" when b{{top}} or b{{top}}\n  \
             score -3 \"not top\" when not b{{top}}\n  \
             group \"capped\" max 4 {{\n    score 3 \"g1\" when b{{top}}\n    \
             score 3 \"g2\" when b{{top}} and company.employees > 1\n  }}\n  \
             tier A when score >= 10 and b{{top}}\n  tier B when b{{top}} or score >= 5\n  \
             tier C otherwise\n}}\n{TEST_BLOCK}"
        ),
    )
}

/// How many IR nodes a rule set holds: a reference to a let or persona is one node, its
/// definition counted once where it is defined.
fn ir_size(rules: &RuleSet) -> usize {
    let count = |e: &Expr| {
        let mut n = 0;
        e.any(&mut |_| {
            n += 1;
            false
        });
        n
    };
    let mut size: usize = rules.lets.iter().map(|l| count(&l.value)).sum();
    size += rules
        .personas
        .iter()
        .map(|p| count(&p.condition))
        .sum::<usize>();
    for icp in &rules.icps {
        let clauses = icp.requires.iter().chain(&icp.excludes);
        size += clauses.map(|c| count(&c.condition)).sum::<usize>();
        size += icp
            .scores
            .iter()
            .map(|s| count(&s.condition))
            .sum::<usize>();
        size += icp
            .tiers
            .iter()
            .filter_map(|t| t.condition.as_ref())
            .map(count)
            .sum::<usize>();
    }
    size
}

/// Checks a rule text, which must have no error; returns the rule set and its warnings.
fn checked(text: &str) -> (RuleSet, Vec<Diagnostic>) {
    let (compiled, _, rendered) =
        check_sources(&[("chain.icp", text)], &project_schema(), &test_signals());
    assert!(!compiled.has_errors(), "{rendered}");
    (compiled.rules.expect("no errors"), compiled.diagnostics)
}

/// Leads that make every chain true, false and unknown (a missing field, a contact with a
/// missing field, no contacts), so that the missing-input walks run too.
fn leads(rules: &RuleSet) -> Vec<LeadValues> {
    let employees = rules
        .schema
        .lookup(Entity::Company, "employees")
        .expect("canonical");
    let seniority = rules
        .schema
        .lookup(Entity::Contact, "seniority")
        .expect("canonical");
    let company = |n: Option<f64>| n.map(|n| (employees, Value::Number(n))).into_iter();
    let contact = |s: Option<&str>| {
        s.map(|s| (seniority, Value::String(s.into())))
            .into_iter()
            .collect::<Vec<_>>()
    };
    vec![
        (company(Some(20.0)).collect(), vec![contact(Some("VP"))]),
        (company(None).collect(), vec![contact(None)]),
        (company(Some(5.0)).collect(), vec![]),
        (
            company(Some(20.0)).collect(),
            vec![
                contact(Some("VP")),
                contact(None),
                contact(Some("Director")),
            ],
        ),
        (
            company(None).collect(),
            vec![contact(Some("VP")), contact(None)],
        ),
    ]
}

/// Runs a chain of [`LEVELS`] levels through every stage, and asserts that its rule set and
/// plan are linear in the number of levels. Returns the warnings of the full chain.
fn assert_linear(construct: fn(usize) -> String) -> Vec<Diagnostic> {
    let (half, _) = checked(&construct(LEVELS / 2));
    let (full, warnings) = checked(&construct(LEVELS));

    // Sizes: doubling the levels at most doubles the rule set and the plan (plus the ICP's
    // own nodes, counted in both), where expanding would square them.
    let (ir_half, ir_full) = (ir_size(&half), ir_size(&full));
    assert!(
        ir_full <= 2 * ir_half + 16,
        "IR of {LEVELS} levels: {ir_full} nodes, of {}: {ir_half}",
        LEVELS / 2
    );
    let plan_half = Plan::new(&half);
    let plan = Plan::new(&full);
    let (nodes_half, nodes_full) = (plan_half.nodes.len(), plan.nodes.len());
    assert!(
        nodes_full <= 2 * nodes_half + 16,
        "plan of {LEVELS} levels: {nodes_full} nodes, of {}: {nodes_half}\n{plan}",
        LEVELS / 2
    );
    assert!(
        nodes_full <= 2 * LEVELS + 64,
        "a plan of {nodes_full} nodes for {LEVELS} levels\n{plan}"
    );

    // `icp test`: the reference evaluator on the test block.
    let today = icp_syntax::ast::days_from_civil(2026, 11, 23).expect("date");
    let reports = icp_engine::rule_tests::run_tests(&full, today);
    assert!(reports.iter().all(|r| r.passed()), "{reports:?}");

    // Both evaluators on the same leads reach the same results, whole and in columns.
    let values = leads(&full);
    let (batch, expected) = batch_and_reference(&full, &values, today);
    let got = icp_engine::eval::columnar::evaluate(&full, &plan, &batch, today, true);
    assert_eq!(got, expected);
    let columns = icp_engine::eval::columnar::evaluate_columns(&full, &plan, &batch, today);
    let mut scratch = icp_engine::result::RowScratch::default();
    for (i, e) in expected.iter().enumerate() {
        assert_eq!(columns.best(i), e.best, "best ICP of lead {i}");
        for (k, r) in e.icps.iter().enumerate() {
            let row = columns.row(i, k, &mut scratch);
            assert_eq!(
                (row.qualified, row.score, row.tier, row.unknown, row.reasons),
                (r.qualified, r.score, r.tier, &r.unknown[..], &r.reasons[..]),
                "lead {i}"
            );
        }
    }

    // `icp explain`: every result explained, with its near misses.
    let leads: Vec<_> = (0..batch.len()).map(|i| batch.lead(i)).collect();
    for (lead, result) in leads.iter().zip(&expected) {
        for r in &result.icps {
            assert!(!icp_engine::explain::explain_icp(r, 2).is_empty());
            icp_engine::explain::near_miss(&full, lead, r);
        }
        icp_engine::explain::explain_personas(result, 2);
    }
    warnings
}

#[test]
fn let_chain_with_and_is_linear() {
    assert_linear(let_and_chain);
}

#[test]
fn let_chain_with_or_not_is_linear() {
    assert_linear(let_or_not_chain);
}

#[test]
fn arithmetic_let_chain_is_linear() {
    assert_linear(arithmetic_chain);
}

#[test]
fn persona_chain_is_linear() {
    assert_linear(persona_chain);
}

#[test]
fn let_chain_in_quantifier_bodies_is_linear() {
    assert_linear(quantifier_chain);
}

#[test]
fn let_chain_in_scores_and_tiers_is_linear() {
    assert_linear(tiers_and_scores_chain);
}

/// The lints look through lets (a constant let, an unguarded `every contact` inside one) and
/// report what they find once per condition, however often the chain uses it.
#[test]
fn lints_through_let_chains_report_each_place_once() {
    let constant = chain(
        "let c0 = 3 > 2",
        |k| format!("let c{k} = c{} and c{}", k - 1, k - 1),
        LEVELS,
        &format!("icp chain {{\n  require company.employees > 1 and c{{top}}\n}}\n{TEST_BLOCK}"),
    );
    let (_, warnings) = checked(&constant);
    let codes: Vec<_> = warnings.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["W0003"], "{warnings:?}");

    let every = chain(
        r#"let e0 = every contact where contact.seniority == "VP""#,
        |k| format!("let e{k} = e{} and e{}", k - 1, k - 1),
        LEVELS,
        &format!("icp chain {{\n  require e{{top}}\n  score 1 when e{{top}}\n}}\n{TEST_BLOCK}"),
    );
    let (_, warnings) = checked(&every);
    let codes: Vec<_> = warnings.iter().map(|d| d.code.as_str()).collect();
    // Once for the `require`, once for the `score`.
    assert_eq!(codes, ["W0006", "W0006"], "{warnings:?}");

    let guarded = every.replace(
        "require e64",
        "require count contacts >= 1 and e64 and company.employees > 1",
    );
    let (_, warnings) = checked(&guarded);
    let codes: Vec<_> = warnings.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["W0006"], "only the unguarded score: {warnings:?}");
}
