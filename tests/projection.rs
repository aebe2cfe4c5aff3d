//! `icp score` parses only the fields its rules read (`RuleSet::fields_read`, passed to the
//! reader as `ReadOptions::fields`). For every shipped rule set, scoring the demo reading only
//! those fields must give exactly what reading every field gives.

use icp_diagnostics::SourceMap;
use icp_engine::batch::{Batch, Column};
use icp_engine::plan::Plan;
use icp_engine::{Entity, Schema};
use icp_io::{LeadReader, ReadOptions};
use icp_tests::{icp_files, shipped_host, workspace};

fn batches(rules: &icp_engine::ir::RuleSet, fields: Option<Vec<bool>>) -> Vec<Batch> {
    let config = icp_cli::config::Config::load(&workspace().join("icp.toml")).expect("icp.toml");
    let options = ReadOptions {
        contacts: Some(workspace().join("demo/contacts.csv")),
        fields,
        ..ReadOptions::default()
    };
    LeadReader::open(
        &workspace().join("demo/companies.csv"),
        &rules.schema,
        &config.input,
        options,
    )
    .expect("the demo opens")
    .map(|b| b.expect("a batch"))
    .collect()
}

fn unread(schema: &Schema, batch: &Batch) -> Vec<String> {
    schema
        .fields()
        .filter(|(id, f)| {
            let column = match f.entity {
                Entity::Company => &batch.company[id.0 as usize],
                Entity::Contact => &batch.contacts[id.0 as usize],
            };
            matches!(column, Column::Absent)
        })
        .map(|(_, f)| f.path().to_string())
        .collect()
}

#[test]
fn reading_only_the_fields_the_rules_read_scores_the_same() {
    let host = shipped_host();
    let config = icp_cli::config::Config::load(&workspace().join("icp.toml")).expect("icp.toml");
    let today = icp_syntax::ast::days_from_civil(2026, 11, 23).expect("a date");
    let mut dirs: Vec<_> = std::fs::read_dir(workspace().join("rules"))
        .expect("rules/")
        .map(|e| e.expect("an entry").path())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 5);
    for dir in dirs {
        let mut sources = SourceMap::new();
        for file in icp_files(&dir) {
            let text = std::fs::read_to_string(&file).expect("readable");
            sources.add(file.display().to_string(), text);
        }
        let compiled = icp_engine::compile(&sources, &config.schema, host.catalog());
        let rules = compiled.rules.expect("the shipped rules check");
        let signals = host.prepare(&rules).expect("the plugins start");
        let plan = Plan::new(&rules);
        let score = |mut batches: Vec<Batch>| -> Vec<String> {
            batches
                .iter_mut()
                .flat_map(|b| {
                    signals.fill(b, today).expect("signals");
                    icp_engine::eval::columnar::evaluate(&rules, &plan, b, today, true)
                })
                .map(|r| format!("{r:?}"))
                .collect()
        };
        let all = batches(&rules, None);
        let projected = batches(&rules, Some(rules.fields_read()));
        let left_out = unread(&rules.schema, &projected[0]);
        assert!(
            left_out.contains(&"company.city".to_string()),
            "{}: {left_out:?}",
            dir.display()
        );
        assert_eq!(unread(&rules.schema, &all[0]), Vec::<String>::new());
        let (all, projected) = (score(all), score(projected));
        assert_eq!(all.len(), 3000, "{}", dir.display());
        assert!(all == projected, "{}: results differ", dir.display());
    }
}

#[test]
fn fields_read_are_those_the_rules_name() {
    let mut sources = SourceMap::new();
    sources.add(
        "a.icp",
        r#"
let big = company.employees >= 100
persona buyer when contact.seniority == "VP"
icp a {
  require big
  score 10 "x" when any contact where buyer
  score 5 "y" when company.technologies has "Salesforce"
  tier A when score >= 10 and company.country == "US"
  tier B otherwise
}
"#
        .to_string(),
    );
    let schema = Schema::canonical();
    let compiled = icp_engine::compile(&sources, &schema, &icp_engine::SignalCatalog::new());
    let rules = compiled.rules.expect("checks");
    let read: Vec<String> = rules
        .fields_read()
        .iter()
        .enumerate()
        .filter(|(_, r)| **r)
        .map(|(i, _)| {
            schema
                .field(icp_engine::FieldId(i as u32))
                .path()
                .to_string()
        })
        .collect();
    let mut sorted = read;
    sorted.sort();
    assert_eq!(
        sorted,
        [
            "company.country",
            "company.employees",
            "company.technologies",
            "contact.seniority"
        ]
    );
}
