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
//!   score      0      revenue fit  (unknown: company.revenue is missing)
//!   tier A   true     score >= 40
//! ```

use std::fmt::Write;

use crate::result::{CheckKind, IcpResult, LeadResult};
use crate::semantics::Truth;
use crate::testing::fmt;

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
    for check in &r.checks {
        let (what, result) = match &check.kind {
            CheckKind::Require => ("require".to_string(), check.result.as_str().to_string()),
            CheckKind::Exclude => ("exclude".to_string(), check.result.as_str().to_string()),
            CheckKind::Score { points, group } => {
                let shown = if check.result == Truth::True {
                    format!("{points:+}")
                } else {
                    "0".to_string()
                };
                let what = match group {
                    Some(g) => format!("score [{g}]"),
                    None => "score".to_string(),
                };
                (what, shown)
            }
            CheckKind::Tier { name } => (format!("tier {name}"), check.result.as_str().to_string()),
        };
        let note = match check.result {
            Truth::Unknown if check.missing.is_empty() => "  (unknown)".to_string(),
            Truth::Unknown => format!("  (unknown: {} missing)", check.missing.join(", ")),
            _ => String::new(),
        };
        let _ = writeln!(out, "{pad}  {what:<8} {result:<8} {}{note}", check.label);
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
