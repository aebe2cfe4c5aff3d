//! Rule constants that match no lead: `company.industry == "Software"` when every lead says
//! `Computer Software`.
//!
//! How it works: [`rule_constants`] walks the rule set once (lets, personas, every ICP
//! condition; a let is walked once, at its definition) for the string constants a company
//! text field is compared with (`==`, `!=`, `in`, `not in`, `has`, `has any`, `has all`), each
//! (field, constant) once, keyed as the evaluators compare it (by country code for a country
//! field). A list the rules name — `region("DACH")`, `lines(…)`, a let bound to a constant
//! list — is one constant with all its keys, not one per member: thirty countries of a region
//! that no lead is in are one line, and only when none of them matched. [`ValueCounts`] then counts, batch by batch, how many leads have each value of
//! those fields only: a text column is counted per dictionary code and the codes are looked
//! up once per batch; a list counts a lead once per distinct item. Counts of batches add up
//! ([`ValueCounts::merge`]), and [`ValueCounts::unmatched`] lists the constants no counted
//! value equals, with the values most often seen in their column.

use std::collections::{HashMap, HashSet};

use crate::batch::{Batch, Column, MISSING};
use crate::ir::{CmpOp, Expr, ExprKind, RuleSet};
use crate::schema::{FieldId, Value};
use crate::semantics;

/// A string constant a company field is compared with, or a list the rules name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleConstant {
    pub field: FieldId,
    /// The constant as the summary names it: a string as written, or the call or let that
    /// names a list (`region("Western Europe")`, `competitors`).
    pub text: String,
    /// Whether `text` names a whole list, which matched no lead when none of its values did.
    pub names_list: bool,
    /// The comparison keys of its values (one for a string).
    keys: Vec<String>,
}

/// The constants of `rules` compared with company text fields, each (field, constant) once,
/// in the order the rules give them. A list written out in the rules gives one constant per
/// value (a typo in one of them is worth a line); a list named by a call (`region("DACH")`,
/// `lines(…)`, `csv_column(…)`) or by a let bound to a constant list gives one for the list.
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
            (ExprKind::Field(f), _) => (*f, &**rhs),
            (_, ExprKind::Field(f)) => (*f, &**lhs),
            _ => return,
        },
        ExprKind::In { value, list, .. } => match &value.kind {
            ExprKind::Field(f) => (*f, &**list),
            _ => return,
        },
        ExprKind::Has { list, item, .. } => match &list.kind {
            ExprKind::Field(f) => (*f, &**item),
            _ => return,
        },
        _ => return,
    };
    let country = rules.schema.field(field).is_country();
    let strings = |value: &Value| -> Vec<String> {
        semantics::elements(value)
            .iter()
            .filter_map(|item| match item {
                Value::String(text) => Some(text.clone()),
                _ => None,
            })
            .collect()
    };
    if let Some((name, value)) = named_list(rules, constant) {
        if !found
            .iter()
            .any(|c| c.field == field && c.names_list && c.text == name)
        {
            let keys: Vec<String> = strings(value)
                .iter()
                .map(|text| semantics::key(text, country))
                .collect();
            if keys.is_empty() {
                return;
            }
            found.push(RuleConstant {
                field,
                text: name.to_string(),
                names_list: true,
                keys,
            });
        }
        return;
    }
    let ExprKind::Const(value) = &constant.kind else {
        return;
    };
    for text in strings(value) {
        let key = semantics::key(&text, country);
        if !found
            .iter()
            .any(|c| c.field == field && !c.names_list && c.keys[0] == key)
        {
            found.push(RuleConstant {
                field,
                text,
                names_list: false,
                keys: vec![key],
            });
        }
    }
}

/// The name and value of a constant list the rules name: a call recorded by the checker
/// (`region("DACH")`), or a let bound to a constant list.
fn named_list<'r>(rules: &'r RuleSet, e: &'r Expr) -> Option<(&'r str, &'r Value)> {
    match &e.kind {
        ExprKind::Const(value) => rules
            .named_lists
            .iter()
            .find(|named| named.span == e.span)
            .map(|named| (named.shown.as_str(), value)),
        ExprKind::Let(id) => {
            let def = rules.lets.get(id.0 as usize)?;
            match &def.value.kind {
                ExprKind::Const(value @ Value::List(_)) => Some((def.name.as_str(), value)),
                _ => None,
            }
        }
        _ => None,
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
        let mut seen_keys: HashMap<FieldId, HashSet<String>> = HashMap::new();
        for c in constants {
            let Some(counts) = self.counts.get(&c.field) else {
                continue;
            };
            let seen = seen_keys.entry(c.field).or_insert_with(|| {
                let country = rules.schema.field(c.field).is_country();
                counts
                    .iter()
                    .filter(|(_, n)| **n > 0)
                    .map(|(value, _)| semantics::key(value, country))
                    .collect()
            });
            if c.keys.iter().any(|key| seen.contains(key)) {
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
