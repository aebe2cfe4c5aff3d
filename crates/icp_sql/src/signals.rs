//! The route of plugin signals into SQL: a table of signal values per company.
//!
//! How it works: a plugin signal has no SQL form, so `icp signals` evaluates every signal call
//! the rules make, with the plugins, on the lead set and writes one row per company: its id,
//! then one column per call, named by the call's stable key ([`column_key`]:
//! `funding.raised_within(90d)` is `funding_raised_within_90d`). The compiled query joins that
//! table by id (`--signals-table`); a company without a row, or an empty cell, is a missing
//! signal, unknown as in `icp score`. Compiling rules that call signals without a signals
//! table is E0051, naming the calls and the way to make the table.

use icp_engine::ir::RuleSet;

use crate::{CompileError, Options};

/// The stable column key of a signal call: its text lower-cased, every run of characters other
/// than letters and digits one `_`, without `_` at either end.
pub fn column_key(text: &str) -> String {
    let mut out = String::new();
    let mut gap = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            if gap && !out.is_empty() {
                out.push('_');
            }
            gap = false;
            out.push(c);
        } else {
            gap = true;
        }
    }
    out
}

/// The signal calls the rules make (by index), each with its column in the signals table:
/// its [`column_key`], with `_2`, `_3`, … after a key an earlier call already has.
pub fn signal_columns(rules: &RuleSet) -> Vec<(usize, String)> {
    let mut taken: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for call in rules.signal_calls_used() {
        let base = column_key(&rules.signal_calls[call.0 as usize].text);
        let mut key = base.clone();
        let mut n = 1;
        while taken.contains(&key) || key == "id" {
            n += 1;
            key = format!("{base}_{n}");
        }
        taken.push(key.clone());
        out.push((call.0 as usize, key));
    }
    out
}

/// The signal columns, or E0051 when the rules call signals and no signals table is given.
pub fn routed(rules: &RuleSet, options: &Options) -> Result<Vec<(usize, String)>, CompileError> {
    let columns = signal_columns(rules);
    if columns.is_empty() || options.signals_table.is_some() {
        return Ok(columns);
    }
    let calls: Vec<String> = columns
        .iter()
        .map(|(c, _)| format!("`{}`", rules.signal_calls[*c].text))
        .collect();
    Err(CompileError {
        code: "E0051",
        message: format!(
            "the rules call plugin signals, which have no SQL form by themselves: {}",
            calls.join(", ")
        ),
        help: Some(
            "write their values per company with `icp signals --leads FILE -o signals.csv`, load that file into a table, and pass it with `--signals-table TABLE`".into(),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_lower_snake_case_of_the_call() {
        assert_eq!(
            column_key("funding.raised_within(90d)"),
            "funding_raised_within_90d"
        );
        assert_eq!(
            column_key("events.attended(\"RSA 2026\")"),
            "events_attended_rsa_2026"
        );
        assert_eq!(column_key("job_changes.new_exec()"), "job_changes_new_exec");
    }
}
