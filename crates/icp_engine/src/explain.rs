//! Human-readable explanations of a lead's result against an ICP (`icp test` failures and
//! `icp explain`).
//!
//! The layout, one line per check in statement order:
//!
//! ```text
//! midmarket_saas: qualified, score 45 of 50 (90%), tier A
//!   require  true     target_geo
//!   exclude  false    company.industry has any ["Gambling", "Tobacco"]
//!   score    +20      core industry
//!   score    0        revenue fit  (unknown: company.revenue missing)
//!   tier A   true     score >= 40
//! ```
//!
//! A decaying score shows the points it gave, to two decimals, and the age they came from
//! (`score  +14.14  recent round  (age 45 days: 14.14 of 20 points left)`).
//!
//! and, after every ICP, the value each signal call of the rules returned for the lead, read
//! from its signal columns (`unknown` when the plugin gave no value):
//!
//! ```text
//! signals:
//!   funding.days_since_last_round   12
//!   job_changes.new_exec_within(90d) true
//!   events.attended("SaaStr Annual") unknown
//! ```
//!
//! The values a near miss shows are those of the fields its condition reads, looked for
//! through lets, each let's value walked once however often it is used.

use std::fmt::Write;

use icp_diagnostics::columns::{column_width, pad_end};

use crate::ir::{CmpOp, Expr, ExprKind, RuleSet};
use crate::lead::LeadView;
use crate::result::{CheckKind, IcpResult, LeadResult};
use crate::schema::Value;
use crate::schema::format_number as fmt;
use crate::semantics::Truth;

/// The explanation of one ICP's result, indented by `indent` spaces.
pub fn explain_icp(r: &IcpResult, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut out = String::new();
    let status = if r.qualified {
        "qualified"
    } else {
        "disqualified"
    };
    let fit = r
        .fit()
        .map_or(String::new(), |f| format!(" ({}%)", fmt(f.round())));
    let tier = r
        .tier
        .as_ref()
        .map_or_else(|| ", no tier".to_string(), |t| format!(", tier {t}"));
    let _ = writeln!(
        out,
        "{pad}{}: {status}, score {} of {}{fit}{tier}",
        r.name,
        fmt(r.score),
        fmt(r.max_score)
    );
    let mut rows = Vec::new();
    for check in &r.checks {
        let (what, result) = match &check.kind {
            CheckKind::Require => ("require".to_string(), check.result.as_str().to_string()),
            CheckKind::Exclude => ("exclude".to_string(), check.result.as_str().to_string()),
            CheckKind::Score {
                weight: points,
                group,
            } => {
                let shown = match (check.result, check.age) {
                    (Truth::True, Some(_)) => format!("{:+.2}", check.points),
                    (Truth::True, None) => format!("{points:+}"),
                    _ => "0".to_string(),
                };
                let what = match group {
                    Some(g) => format!("score [{g}]"),
                    None => "score".to_string(),
                };
                (what, shown)
            }
            CheckKind::Tier { name } => (format!("tier {name}"), check.result.as_str().to_string()),
        };
        let note = match (check.result, check.age, &check.kind) {
            (Truth::Unknown, ..) if check.missing.is_empty() => "  (unknown)".to_string(),
            (Truth::Unknown, ..) => {
                format!("  (unknown: {} missing)", check.missing.join(", "))
            }
            // A decaying score: the age it was given and the points left of its weight.
            (_, Some(age), CheckKind::Score { weight, .. }) => format!(
                "  (age {} days: {:.2} of {} points left)",
                fmt(age),
                check.points,
                fmt(*weight)
            ),
            _ => String::new(),
        };
        rows.push((what, result, format!("{}{note}", check.label)));
    }
    // Columns as wide as their widest entry (group names can be long), padded through
    // `columns`: a name may be far wider than `format!` can pad.
    let what_width = column_width(rows.iter().map(|r| r.0.as_str()), 8);
    let result_width = column_width(rows.iter().map(|r| r.1.as_str()), 8);
    for (what, result, label) in rows {
        let (what, result) = (pad_end(&what, what_width), pad_end(&result, result_width));
        let _ = writeln!(out, "{pad}  {what} {result} {label}");
    }
    for g in &r.groups {
        if g.raw > g.max {
            let _ = writeln!(
                out,
                "{pad}  group \"{}\" scored {}, capped at {}",
                g.label,
                fmt(g.raw),
                fmt(g.max)
            );
        }
    }
    if !r.reasons.is_empty() {
        let _ = writeln!(out, "{pad}  why not qualified: {}", r.reasons.join("; "));
    }
    out
}

/// The personas of each contact, one line per contact.
pub fn explain_personas(result: &LeadResult, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut out = String::new();
    for (i, personas) in result.personas.iter().enumerate() {
        let list = if personas.is_empty() {
            "no persona".to_string()
        } else {
            personas.join(", ")
        };
        let _ = writeln!(out, "{pad}contact {}: {list}", i + 1);
    }
    out
}

/// The value each signal call the rules make returned for the lead, one line per distinct
/// call as the rules write it, in the order the checker met them; empty when the rules call
/// no signal. Values are shown as in near misses; a missing one is `unknown`.
pub fn explain_signals(rules: &RuleSet, lead: &dyn LeadView, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let rows: Vec<(&str, String)> = rules
        .signal_calls_used()
        .into_iter()
        .map(|call| {
            let value = lead
                .signal(call)
                .map_or_else(|| "unknown".to_string(), |v| v.to_string());
            (rules.signal_calls[call.0 as usize].text.as_str(), value)
        })
        .collect();
    let width = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    for (text, value) in rows {
        let _ = writeln!(out, "{pad}{text:<width$}  {value}");
    }
    out
}

/// What would have changed the outcome for a lead close to a better one: for a disqualified
/// lead, the conditions that disqualified it and the values they read; for a qualified lead
/// below the ICP's top tier, the score the next tier up needs and the scores that could close
/// the gap (false ones, and unknown ones with the data they miss).
pub fn near_miss(rules: &RuleSet, lead: &dyn LeadView, r: &IcpResult) -> Vec<String> {
    let icp = &rules.icps[r.icp];
    let mut out = Vec::new();
    if !r.qualified {
        let conditions = icp
            .requires
            .iter()
            .zip(r.checks.iter().filter(|c| c.kind == CheckKind::Require))
            .filter(|(_, c)| c.result != Truth::True)
            .map(|(clause, _)| ("require", clause))
            .chain(
                icp.excludes
                    .iter()
                    .zip(r.checks.iter().filter(|c| c.kind == CheckKind::Exclude))
                    .filter(|(_, c)| c.result == Truth::True)
                    .map(|(clause, _)| ("exclude", clause)),
            );
        for (what, clause) in conditions {
            out.push(format!(
                "{what} {} — {}",
                clause.label,
                values_read(rules, lead, &clause.condition)
            ));
        }
        return out;
    }
    let current = r.tier_index.unwrap_or(icp.tiers.len());
    let Some(next) = current.checked_sub(1) else {
        return out;
    };
    let Some((strict, threshold)) = icp.tiers[next].condition.as_ref().and_then(score_threshold)
    else {
        return out;
    };
    let gap = threshold - r.score;
    let needs = if strict {
        format!("> {}", fmt(threshold))
    } else {
        format!("≥ {}", fmt(threshold))
    };
    out.push(format!(
        "tier {} needs score {needs}, this lead has {} ({} short)",
        icp.tiers[next].name,
        fmt(r.score),
        fmt(gap.max(0.0))
    ));
    for (rule, check) in icp.scores.iter().zip(
        r.checks
            .iter()
            .filter(|c| matches!(c.kind, CheckKind::Score { .. })),
    ) {
        if check.result == Truth::True || rule.points <= 0.0 {
            continue;
        }
        // A line of a group counts only up to what is left below the group's cap.
        let points = match rule.group.and_then(|g| r.groups.get(g)) {
            Some(g) => rule.points.min(g.max - g.points),
            None => rule.points,
        };
        if points <= 0.0 {
            continue;
        }
        let why = match check.result {
            Truth::Unknown => format!("unknown: {} missing", check.missing.join(", ")),
            _ => values_read(rules, lead, &rule.condition),
        };
        out.push(format!("  +{} \"{}\" — {why}", fmt(points), rule.label));
    }
    out
}

/// `score >= N` (or `score > N`) as (strict, N).
fn score_threshold(e: &Expr) -> Option<(bool, f64)> {
    match &e.kind {
        ExprKind::Compare { op, lhs, rhs } => match (&lhs.kind, &rhs.kind, op) {
            (ExprKind::Score, ExprKind::Const(Value::Number(n)), CmpOp::Ge) => Some((false, *n)),
            (ExprKind::Score, ExprKind::Const(Value::Number(n)), CmpOp::Gt) => Some((true, *n)),
            _ => None,
        },
        ExprKind::And(a, b) => score_threshold(a).or_else(|| score_threshold(b)),
        _ => None,
    }
}

/// The lead's values of the company fields a condition reads: `company.employees is 30`.
fn values_read(rules: &RuleSet, lead: &dyn LeadView, e: &Expr) -> String {
    let mut fields = Vec::new();
    let mut lets_seen = vec![false; rules.lets.len()];
    collect_fields(rules, e, &mut lets_seen, &mut fields);
    if fields.is_empty() {
        return "decided by its contacts or signals".to_string();
    }
    fields
        .iter()
        .map(|f| {
            let name = rules.schema.field(*f).path();
            match lead.company(*f) {
                Some(v) => format!("{name} is {v}"),
                None => format!("{name} is missing"),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The company fields `e` reads (through lets), each once in the order first met. A let's
/// value is walked at its first use only (`lets_seen`): a second walk would find nothing new.
fn collect_fields(
    rules: &RuleSet,
    e: &Expr,
    lets_seen: &mut [bool],
    out: &mut Vec<crate::schema::FieldId>,
) {
    match &e.kind {
        ExprKind::Field(f) => {
            if !out.contains(f) {
                out.push(*f);
            }
        }
        ExprKind::Let(id) => {
            if !std::mem::replace(&mut lets_seen[id.0 as usize], true) {
                collect_fields(rules, &rules.lets[id.0 as usize].value, lets_seen, out);
            }
        }
        _ => e.for_each_child(|c| collect_fields(rules, c, lets_seen, out)),
    }
}
