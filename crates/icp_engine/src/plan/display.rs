//! The text forms of a plan: the structural key that shares identical nodes while lowering
//! ([`OpKey`]), and `Plan`'s `Display`, the reviewable form snapshotted in tests.
//!
//! How it works: both print an operation with its children's ids (never their trees), and an
//! [`Op::Apply`] by a short description of its shallow IR operator (`describe`).

use std::fmt;

use super::*;

/// A structural key of an operation for sharing identical nodes (spans left out).
pub(super) struct OpKey<'a>(pub(super) &'a Op);

impl fmt::Display for OpKey<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Op::Apply { expr, args } => {
                write!(f, "apply {} {:?}", describe(expr), args)
            }
            other => write!(f, "{other:?}"),
        }
    }
}

/// A short description of a shallow IR operator.
fn describe(e: &Expr) -> String {
    let country = |x: &Expr| matches!(x.kind, ExprKind::Field(_) | ExprKind::ContactField(_));
    match &e.kind {
        ExprKind::List(items) => format!("list/{}", items.len()),
        ExprKind::Not(_) => "not".into(),
        ExprKind::Neg(_) => "neg".into(),
        ExprKind::Arith { op, .. } => format!("{op:?}").to_lowercase(),
        ExprKind::Compare { op, lhs, rhs } => {
            let field = [lhs, rhs]
                .iter()
                .find(|x| country(x))
                .map_or(String::new(), |x| match x.kind {
                    ExprKind::Field(f) | ExprKind::ContactField(f) => format!(" on field {}", f.0),
                    _ => String::new(),
                });
            format!("{}{field}", op.as_str())
        }
        ExprKind::In { negated, .. } => {
            if *negated {
                "not in".into()
            } else {
                "in".into()
            }
        }
        ExprKind::Has { kind, .. } => format!("has {kind:?}").to_lowercase(),
        ExprKind::Contains { .. } => "contains".into(),
        ExprKind::StartsWith { .. } => "starts with".into(),
        ExprKind::Matches { regex, .. } => format!("matches /{}/", regex.0),
        ExprKind::Between { .. } => "between".into(),
        ExprKind::Is { present, .. } => {
            if *present {
                "is present".into()
            } else {
                "is missing".into()
            }
        }
        ExprKind::Call { builtin, .. } => builtin.name().into(),
        ExprKind::Rank { order, .. } => format!("rank in order {}", order.0),
        other => format!("{other:?}"),
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = |f: &FieldId| {
            self.field_names
                .get(f.0 as usize)
                .cloned()
                .unwrap_or_default()
        };
        for (i, node) in self.nodes.iter().enumerate() {
            let level = match node.level {
                Level::Lead => "lead",
                Level::Contact => "contact",
            };
            let score = node
                .score_of
                .map_or(String::new(), |icp| format!("  [after score of icp {icp}]"));
            let op = match &node.op {
                Op::Const(v) => format!("const {v}"),
                Op::Field(field) | Op::ContactField(field) => name(field),
                Op::Signal(s) => format!("signal #{}", s.0),
                Op::Today => "today".into(),
                Op::Score => "score".into(),
                Op::Text {
                    field,
                    pred,
                    negate,
                    ..
                } => format!(
                    "{} {}{} (per distinct value)",
                    name(field),
                    if *negate { "not " } else { "" },
                    match pred {
                        TextPred::Keys(keys) => format!("in keys {keys:?}"),
                        TextPred::Contains(n) => format!("contains {n:?}"),
                        TextPred::StartsWith(n) => format!("starts with {n:?}"),
                        TextPred::Matches(r) => format!("matches regex #{}", r.0),
                    }
                ),
                Op::HasAll { field, keys, .. } => {
                    format!("{} has all keys {keys:?}", name(field))
                }
                Op::Cmp {
                    field, op, value, ..
                } => format!("{} {} {value}", name(field), op.as_str()),
                Op::SignalCmp { call, op, value } => {
                    format!("signal #{} {} {value}", call.0, op.as_str())
                }
                Op::Len { field, .. } => format!("len({})", name(field)),
                Op::Rank { field, order, .. } => {
                    format!(
                        "rank({}) in order {} (per distinct value)",
                        name(field),
                        order.0
                    )
                }
                Op::NumCmp { input, op, value } => format!("{input} {} {value}", op.as_str()),
                Op::Present { input, present } => format!(
                    "{input} is {}",
                    if *present { "present" } else { "missing" }
                ),
                Op::Not(x) => format!("not {x}"),
                Op::And(a, b) => format!("{a} and {b}"),
                Op::Or(a, b) => format!("{a} or {b}"),
                Op::Broadcast(x) => format!("broadcast {x} to contacts"),
                Op::Any(x) => format!("any contact {x}"),
                Op::Every(x) => format!("every contact {x}"),
                Op::Count(None) => "count contacts".into(),
                Op::Count(Some(x)) => format!("count contacts {x}"),
                Op::Apply { expr, args } => {
                    let args: Vec<String> = args.iter().map(ToString::to_string).collect();
                    format!("apply {} ({}) row by row", describe(expr), args.join(", "))
                }
            };
            writeln!(f, "%{i:<3} {level:<7} {op}{score}")?;
        }
        for (i, icp) in self.icps.iter().enumerate() {
            let list = |ids: &[NodeId]| {
                ids.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let tiers: Vec<String> = icp
                .tiers
                .iter()
                .map(|t| t.map_or_else(|| "otherwise".to_string(), |n| n.to_string()))
                .collect();
            // The ages of decaying scores, only when there are some.
            let ages: Vec<String> = icp
                .ages
                .iter()
                .enumerate()
                .filter_map(|(s, a)| a.map(|a| format!("{s}:{a}")))
                .collect();
            let ages = if ages.is_empty() {
                String::new()
            } else {
                format!(" ages [{}]", ages.join(" "))
            };
            writeln!(
                f,
                "icp {i}: require [{}] exclude [{}] score [{}]{ages} tiers [{}]",
                list(&icp.requires),
                list(&icp.excludes),
                list(&icp.scores),
                tiers.join(" ")
            )?;
        }
        let personas: Vec<String> = self.personas.iter().map(ToString::to_string).collect();
        writeln!(f, "personas [{}]", personas.join(" "))
    }
}
