//! Rule constants that match no lead: `company.industry == "Software"` when every lead says
//! `Computer Software`.
//!
//! How it works: [`rule_constants`] walks the rule set once (lets, personas, every ICP
//! condition; a let is walked once, at its definition) for the string constants a company
//! text field is compared with (`==`, `!=`, `in`, `not in`, `has`, `has any`, `has all`), each
//! (field, constant) once, keyed as the evaluators compare it (by country code for a country
//! field). [`ValueCounts`] then counts, batch by batch, how many leads have each value of
//! those fields only: a text column is counted per dictionary code and the codes are looked
//! up once per batch; a list counts a lead once per distinct item. Counts of batches add up
//! ([`ValueCounts::merge`]), and [`ValueCounts::unmatched`] lists the constants no counted
//! value equals, with the values most often seen in their column.

use std::collections::HashMap;

use crate::batch::{Batch, Column, MISSING};
use crate::ir::{CmpOp, Expr, ExprKind, RuleSet};
use crate::schema::{FieldId, Value};
use crate::semantics;

/// A string constant a company field is compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleConstant {
    pub field: FieldId,
    /// The constant as written.
    pub text: String,
    /// Its comparison key.
    key: String,
}

/// The constants of `rules` compared with company text fields, each (field, key) once, in
/// the order the rules give them.
pub fn rule_constants(rules: &RuleSet) -> Vec<RuleConstant> {
    let mut found = Vec::new();
    let mut visit = |e: &Expr| collect(rules, e, &mut found);
    for def in &rules.lets {
        walk(&def.value, &mut visit);
    }
    for persona in &rules.personas {
        walk(&persona.condition, &mut visit);
    }
    for icp in &rules.icps {
        for clause in icp.requires.iter().chain(&icp.excludes) {
            walk(&clause.condition, &mut visit);
        }
        for score in &icp.scores {
            walk(&score.condition, &mut visit);
        }
    }
    found
}

fn walk<'e>(e: &'e Expr, f: &mut impl FnMut(&'e Expr)) {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        f(e);
        e.for_each_child(|c| stack.push(c));
    }
}

fn collect(rules: &RuleSet, e: &Expr, found: &mut Vec<RuleConstant>) {
    let (field, constant) = match &e.kind {
        ExprKind::Compare {
            op: CmpOp::Eq | CmpOp::Ne,
            lhs,
            rhs,
        } => match (&lhs.kind, &rhs.kind) {
            (ExprKind::Field(f), ExprKind::Const(v)) | (ExprKind::Const(v), ExprKind::Field(f)) => {
                (*f, v)
            }
            _ => return,
        },
        ExprKind::In { value, list, .. } => match (&value.kind, &list.kind) {
            (ExprKind::Field(f), ExprKind::Const(v)) => (*f, v),
            _ => return,
        },
        ExprKind::Has { list, item, .. } => match (&list.kind, &item.kind) {
            (ExprKind::Field(f), ExprKind::Const(v)) => (*f, v),
            _ => return,
        },
        _ => return,
    };
    let country = rules.schema.field(field).is_country();
    for item in semantics::elements(constant) {
        let Value::String(text) = item else { continue };
        let key = semantics::key(text, country);
        if !found.iter().any(|c| c.field == field && c.key == key) {
            found.push(RuleConstant {
                field,
                text: text.clone(),
                key,
            });
        }
    }
}

/// How many leads have each value of some company text fields (values as read).
#[derive(Debug, Clone, Default)]
pub struct ValueCounts {
    counts: HashMap<FieldId, HashMap<String, u64>>,
}

impl ValueCounts {
    /// Counts for the fields of `constants`.
    pub fn for_constants(constants: &[RuleConstant]) -> ValueCounts {
        let mut counts = HashMap::new();
        for c in constants {
            counts.entry(c.field).or_insert_with(HashMap::new);
        }
        ValueCounts { counts }
    }

    /// Counts the values of one batch.
    pub fn add_batch(&mut self, batch: &Batch) {
        for (field, counts) in &mut self.counts {
            let Some(column) = batch.company.get(field.0 as usize) else {
                continue;
            };
            match column {
                Column::Text { codes, dict } => {
                    let mut per_code = vec![0u64; dict.len()];
                    for &code in codes {
                        if code != MISSING {
                            per_code[code as usize] += 1;
                        }
                    }
                    add_codes(counts, dict, &per_code);
                }
                Column::TextList {
                    offsets,
                    codes,
                    dict,
                    ..
                } => {
                    let mut per_code = vec![0u64; dict.len()];
                    let mut seen: Vec<u32> = Vec::new();
                    for range in offsets.windows(2) {
                        seen.clear();
                        seen.extend_from_slice(&codes[range[0] as usize..range[1] as usize]);
                        seen.sort_unstable();
                        seen.dedup();
                        for &code in &seen {
                            per_code[code as usize] += 1;
                        }
                    }
                    add_codes(counts, dict, &per_code);
                }
                _ => {}
            }
        }
    }

    /// Adds the counts of other leads.
    pub fn merge(&mut self, other: ValueCounts) {
        for (field, theirs) in other.counts {
            let mine = self.counts.entry(field).or_default();
            for (value, n) in theirs {
                *mine.entry(value).or_default() += n;
            }
        }
    }

    /// The constants no counted lead's value equals, each with the `top` values most often
    /// seen in its field (most frequent first, ties by value).
    pub fn unmatched<'c>(
        &self,
        rules: &RuleSet,
        constants: &'c [RuleConstant],
        top: usize,
    ) -> Vec<(&'c RuleConstant, Vec<(&str, u64)>)> {
        let mut out = Vec::new();
        for c in constants {
            let Some(counts) = self.counts.get(&c.field) else {
                continue;
            };
            let country = rules.schema.field(c.field).is_country();
            let matched = counts
                .iter()
                .any(|(value, n)| *n > 0 && semantics::key(value, country) == c.key);
            if matched {
                continue;
            }
            let mut common: Vec<(&str, u64)> =
                counts.iter().map(|(v, n)| (v.as_str(), *n)).collect();
            common.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            common.truncate(top);
            out.push((c, common));
        }
        out
    }
}

fn add_codes(counts: &mut HashMap<String, u64>, dict: &crate::batch::Dict, per_code: &[u64]) {
    for (code, &n) in per_code.iter().enumerate() {
        if n == 0 {
            continue;
        }
        if let Some(value) = dict.get(code as u32) {
            match counts.get_mut(value) {
                Some(c) => *c += n,
                None => {
                    counts.insert(value.to_string(), n);
                }
            }
        }
    }
}
