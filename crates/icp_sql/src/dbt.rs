//! A dbt model of the compiled query: `models/icp_scores.sql` and its `schema.yml`.
//!
//! How it works: the model is the compiled query with its input tables as dbt sources
//! (`{{ source('icp', 'companies') }}`), so dbt's lineage sees them; `schema.yml` declares the
//! sources and documents every result column, with `not_null` tests on the columns every row
//! has and an `accepted_values` test on `tier` listing the tiers the rules declare.

use icp_engine::ir::RuleSet;

use crate::{CompileError, Options};

/// The model's name and its files' names.
pub const MODEL: &str = "icp_scores";

/// The result columns and what they hold.
pub const COLUMNS: &[(&str, &str)] = &[
    ("id", "The company's id."),
    ("name", "The company's name."),
    (
        "icp",
        "The ICP of the row: the lead's best ICP (the first tier, then the higher score, then the ICP declared first), or every ICP with --all.",
    ),
    (
        "qualified",
        "Whether every require holds and no exclude does.",
    ),
    (
        "score",
        "The points of the scores that hold, each group capped at its maximum.",
    ),
    ("max_score", "The highest score the ICP can give."),
    (
        "tier",
        "The first tier whose condition holds, on a qualified lead; empty otherwise.",
    ),
    (
        "matched",
        "The labels of the scores that hold, joined by |.",
    ),
    (
        "unknown",
        "The inputs whose absence left a check unknown, joined by |.",
    ),
    ("reasons", "Why the lead is not qualified, joined by |."),
];

/// The model's SQL file and `schema.yml`.
pub fn model(rules: &RuleSet, options: &Options) -> Result<(String, String), CompileError> {
    let mut sourced = options.clone();
    sourced.view = None;
    let tables = [
        Some(options.companies_table.clone()),
        options.contacts_table.clone(),
        options.signals_table.clone(),
    ];
    // Placeholders the source calls replace after the query is written.
    let placeholder = |i: usize| format!("icp_dbt_source_{i}");
    sourced.companies_table = placeholder(0);
    sourced.contacts_table = options.contacts_table.as_ref().map(|_| placeholder(1));
    sourced.signals_table = options.signals_table.as_ref().map(|_| placeholder(2));
    let mut sql = crate::compile(rules, &sourced)?;
    let d = options.dialect.dialect();
    for (i, table) in tables.iter().enumerate() {
        if let Some(table) = table {
            let source = format!("{{{{ source('icp', '{}') }}}}", source_name(table));
            sql = sql.replace(&d.table(&placeholder(i)), &source);
        }
    }
    let sql = sql.trim_end().trim_end_matches(';').to_string() + "\n";
    let sql = format!("{{{{ config(materialized='view') }}}}\n\n{sql}");

    let mut yml = String::from("version: 2\n\nsources:\n  - name: icp\n    tables:\n");
    for table in tables.iter().flatten() {
        yml.push_str(&format!("      - name: {}\n", source_name(table)));
        if table.contains('.') {
            yml.push_str(&format!("        identifier: {}\n", yaml_string(table)));
        }
    }
    yml.push_str(&format!(
        "\nmodels:\n  - name: {MODEL}\n    description: {}\n    columns:\n",
        yaml_string("Every lead scored against the ICPs, as `icp score` scores it.")
    ));
    let mut tiers: Vec<&str> = Vec::new();
    for icp in &rules.icps {
        for t in &icp.tiers {
            if !tiers.contains(&t.name.as_str()) {
                tiers.push(&t.name);
            }
        }
    }
    for (name, doc) in COLUMNS {
        yml.push_str(&format!(
            "      - name: {name}\n        description: {}\n",
            yaml_string(doc)
        ));
        let not_null = *name == "id"
            || (!rules.icps.is_empty()
                && matches!(*name, "icp" | "qualified" | "score" | "max_score"));
        if not_null {
            yml.push_str("        data_tests:\n          - not_null\n");
        } else if *name == "tier" && !tiers.is_empty() {
            let values: Vec<String> = tiers.iter().map(|t| yaml_string(t)).collect();
            yml.push_str(&format!(
                "        data_tests:\n          - accepted_values:\n              arguments:\n                values: [{}]\n",
                values.join(", ")
            ));
        }
    }
    Ok((sql, yml))
}

/// A table's name as a dbt source: its last dotted part.
fn source_name(table: &str) -> &str {
    table.rsplit('.').next().unwrap_or(table)
}

/// A YAML double-quoted string.
fn yaml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}
