//! The summary's list of rule constants that matched no lead.
//!
//! How it works: for each string constant the rules compare a company field with whose
//! value no lead has (`icp_engine::vocab::unmatched`), one line names the comparison as
//! `field == "constant"` (or `field in region("DACH")` for a list the rules name), the leads scored, and the three values most often seen in that
//! field with their counts, so a rule written `Software` against data saying
//! `Computer Software` is pointed out before anyone wonders why a tier is empty. The list is
//! data first ([`UnmatchedConstant`], which `icp report` shows too), then text.

use std::fmt::Write as _;

use icp_engine::ir::RuleSet;
use icp_engine::vocab::unmatched::{RuleConstant, ValueCounts};

use super::Count;
use crate::show::group_digits;

/// How many of a field's values the line shows.
const MOST_COMMON: usize = 3;

/// A rule constant no lead matched, as the summary lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UnmatchedConstant {
    /// The comparison as the rules mean it: `company.industry == "Fintek"`,
    /// `company.country in region("Nordics")`, `company.technologies has any competitors`.
    pub comparison: String,
    /// The field's most common values, most frequent first (at most three).
    pub most_common: Vec<Count>,
}

/// The rule constants that matched none of the `leads` scored (none when no lead was).
pub(super) fn unmatched_constants(
    rules: &RuleSet,
    constants: &[RuleConstant],
    values: &ValueCounts,
    leads: u64,
) -> Vec<UnmatchedConstant> {
    if leads == 0 {
        return Vec::new();
    }
    (values.unmatched(rules, constants, MOST_COMMON).into_iter())
        .map(|(constant, common)| {
            let field = rules.schema.field(constant.field);
            let comparison = if !constant.names_list {
                format!("{} == {:?}", field.path(), constant.text)
            } else if field.ty.is_list() {
                format!("{} has any {}", field.path(), constant.text)
            } else {
                format!("{} in {}", field.path(), constant.text)
            };
            let most_common = (common.into_iter())
                .map(|(value, leads)| Count {
                    name: value.to_string(),
                    leads,
                })
                .collect();
            UnmatchedConstant {
                comparison,
                most_common,
            }
        })
        .collect()
}

/// Writes the lines about unmatched constants, if any.
pub(super) fn render(out: &mut String, unmatched: &[UnmatchedConstant], leads: u64) {
    if unmatched.is_empty() {
        return;
    }
    let _ = writeln!(out, "rule constants that matched no lead:");
    for constant in unmatched {
        let seen = if constant.most_common.is_empty() {
            "no lead has a value there".to_string()
        } else {
            let list: Vec<String> = (constant.most_common.iter())
                .map(|c| format!("{} {}", c.name, group_digits(c.leads)))
                .collect();
            format!("most common: {}", list.join(", "))
        };
        let _ = writeln!(
            out,
            "  {} matched 0 of {} leads; {seen}",
            constant.comparison,
            group_digits(leads)
        );
    }
}
