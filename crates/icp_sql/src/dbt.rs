//! A dbt model of the compiled query: `models/icp_scores.sql` and its `schema.yml`.
//!
//! How it works: the model is the compiled query with its input tables as dbt sources
//! (`{{ source('icp', 'companies') }}`), so dbt's lineage sees them; `schema.yml` declares the
//! sources and documents every result column. dbt gives each source one schema (and database),
//! so the tables are grouped by the schema their dotted name gives ([`SourceTable`]): the
//! companies' group is the source `icp`, any other `icp_SCHEMA`; a table named without a
//! schema is in the schema the dbt profile targets (`{{ target.schema }}`), as the bare
//! query would read it. `schema.yml` also holds with `not_null` tests on the columns every row
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
    let sources: Vec<SourceTable> = tables
        .iter()
        .flatten()
        .map(|t| SourceTable::of(t, &options.companies_table))
        .collect();
    // dbt renders the model with Jinja: text of the rules that looks like Jinja (`{{`, `{%`,
    // `{#` in a label or a pattern) is kept as it is inside `{% raw %}`, which the source
    // calls step out of.
    let raw = ["{{", "{%", "{#"].iter().any(|t| sql.contains(t));
    for (i, table) in tables.iter().enumerate() {
        if let Some(table) = table {
            let s = SourceTable::of(table, &options.companies_table);
            let mut source = format!("{{{{ source('{}', '{}') }}}}", s.source, s.identifier);
            if raw {
                source = format!("{{% endraw %}}{source}{{% raw %}}");
            }
            sql = sql.replace(&d.table(&placeholder(i)), &source);
        }
    }
    let mut sql = sql.trim_end().trim_end_matches(';').to_string();
    if raw {
        sql = format!("{{% raw %}}{sql}{{% endraw %}}");
    }
    let sql = sql + "\n";
    let sql = format!("{{{{ config(materialized='view') }}}}\n\n{sql}");

    let mut yml = String::from("version: 2\n\nsources:\n");
    let mut declared: Vec<&str> = Vec::new();
    for s in &sources {
        if declared.contains(&s.source.as_str()) {
            continue;
        }
        declared.push(&s.source);
        yml.push_str(&format!("  - name: {}\n", s.source));
        if let Some(database) = &s.database {
            yml.push_str(&format!("    database: {}\n", yaml_string(database)));
        }
        let schema = s.schema.as_deref().unwrap_or("{{ target.schema }}");
        yml.push_str(&format!(
            "    schema: {}\n    tables:\n",
            yaml_string(schema)
        ));
        for t in sources.iter().filter(|t| t.source == s.source) {
            yml.push_str(&format!("      - name: {}\n", t.identifier));
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

/// An input table as a dbt source table: `[[database.]schema.]identifier`, and the source it
/// belongs to (`icp` for the companies' schema, `icp_SCHEMA` for another, `icp_target` for
/// the profile's schema when the companies are elsewhere).
#[derive(Debug, Clone, PartialEq, Eq)]
struct SourceTable {
    source: String,
    database: Option<String>,
    schema: Option<String>,
    identifier: String,
}

impl SourceTable {
    fn of(table: &str, companies: &str) -> SourceTable {
        let mut parts: Vec<&str> = table.split('.').collect();
        let identifier = parts.pop().unwrap_or(table).to_string();
        let schema = parts.pop().map(str::to_string);
        let database = (!parts.is_empty()).then(|| parts.join("."));
        let qualifier = |t: &str| t.rsplit_once('.').map(|(q, _)| q.to_string());
        let source = match qualifier(table) {
            q if q == qualifier(companies) => "icp".to_string(),
            Some(q) => format!("icp_{}", crate::signals::column_key(&q)),
            None => "icp_target".to_string(),
        };
        SourceTable {
            source,
            database,
            schema,
            identifier,
        }
    }
}

/// A YAML double-quoted string.
fn yaml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_grouped_into_sources_by_their_schema() {
        let companies = SourceTable::of("companies", "companies");
        assert_eq!((companies.source.as_str(), companies.schema), ("icp", None));
        let crm = SourceTable::of("crm.contacts", "companies");
        assert_eq!(crm.source, "icp_crm");
        assert_eq!(crm.schema.as_deref(), Some("crm"));
        assert_eq!(crm.identifier, "contacts");
        let far = SourceTable::of("lake.crm.contacts", "lake.crm.companies");
        assert_eq!(far.source, "icp");
        assert_eq!(far.database.as_deref(), Some("lake"));
        let bare = SourceTable::of("signals", "crm.companies");
        assert_eq!((bare.source.as_str(), bare.schema), ("icp_target", None));
    }
}
