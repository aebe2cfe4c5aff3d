//! The summary's list of rule constants that matched no lead.
//!
//! How it works: for each string constant the rules compare a company field with whose
//! value no lead has (`icp_engine::vocab::unmatched`), one line names the comparison as
//! `field == "constant"` (or `field in region("DACH")` for a list the rules name), the leads scored, and the three values most often seen in that
//! field with their counts, so a rule written `Software` against data saying
//! `Computer Software` is pointed out before anyone wonders why a tier is empty.

use std::fmt::Write as _;

use icp_engine::ir::RuleSet;
use icp_engine::vocab::unmatched::{RuleConstant, ValueCounts};

use crate::show::group_digits;

/// How many of a field's values the line shows.
const MOST_COMMON: usize = 3;

/// Writes the lines about unmatched constants, if any (and only when leads were scored).
pub(super) fn render(
    out: &mut String,
    rules: &RuleSet,
    constants: &[RuleConstant],
    values: &ValueCounts,
    leads: u64,
) {
    if leads == 0 {
        return;
    }
    let unmatched = values.unmatched(rules, constants, MOST_COMMON);
    if unmatched.is_empty() {
        return;
    }
    let _ = writeln!(out, "rule constants that matched no lead:");
    for (constant, common) in unmatched {
        let field = rules.schema.field(constant.field);
        let comparison = if !constant.names_list {
            format!("{} == {:?}", field.path(), constant.text)
        } else if field.ty.is_list() {
            format!("{} has any {}", field.path(), constant.text)
        } else {
            format!("{} in {}", field.path(), constant.text)
        };
        let seen = if common.is_empty() {
            "no lead has a value there".to_string()
        } else {
            let list: Vec<String> = common
                .iter()
                .map(|(value, n)| format!("{value} {}", group_digits(*n)))
                .collect();
            format!("most common: {}", list.join(", "))
        };
        let _ = writeln!(
            out,
            "  {comparison} matched 0 of {} leads; {seen}",
            group_digits(leads)
        );
    }
}
