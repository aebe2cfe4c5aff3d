//! The columnar evaluator agrees with the reference evaluator: random rule sets (random
//! well-typed conditions over every kind of field, lets, personas, quantifiers, groups, tiers)
//! × random leads (missing values, empty contact lists, odd case and spacing, country names
//! and codes), compared result by result — qualification, reasons, score, tier, matched
//! labels, unknowns, explanation checks, personas and best ICP; and the columns `icp score`
//! writes from (`eval::columnar::evaluate_columns`) read back as the same rows, and each
//! contact's personas beside them (`evaluate_columns_with_personas`) are the reference's.
//! Ordered categories (seniority, a declared enum, employee bands, values outside the order)
//! and decaying scores (ages of numbers, durations, negative ages, unknown ages) are among
//! them.

use icp_diagnostics::SourceMap;
use icp_engine::plan::Plan;
use icp_engine::{Entity, SignalCatalog, Value};
use icp_tests::rule_gen::{leads, rule_set, schema};
use proptest::prelude::*;

// ------------------------------------------------------------------ the property

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    #[test]
    fn fast_evaluator_agrees_with_the_reference(src in rule_set(), leads in leads(), today in 19_500i32..20_500) {
        let schema = schema();
        let mut sources = SourceMap::new();
        sources.add("random.icp", src.clone());
        let compiled = icp_engine::compile(&sources, &schema, &SignalCatalog::new());
        let rendered = icp_diagnostics::render_text(&sources, &compiled.diagnostics, false);
        let rules = compiled.rules.unwrap_or_else(|| panic!("generated rules must check:\n{src}\n{rendered}"));
        let plan = Plan::new(&rules);

        let field = |entity, (name, value): &(&str, Value)| -> (icp_engine::FieldId, Value) {
            (rules.schema.lookup(entity, name).expect("a field"), value.clone())
        };
        let values: Vec<icp_tests::LeadValues> = leads
            .iter()
            .map(|(company, contacts)| {
                (
                    company.iter().map(|v| field(Entity::Company, v)).collect(),
                    contacts
                        .iter()
                        .map(|c| c.iter().map(|v| field(Entity::Contact, v)).collect())
                        .collect(),
                )
            })
            .collect();
        let (batch, expected) = icp_tests::batch_and_reference(&rules, &values, today);
        let got = icp_engine::eval::columnar::evaluate(&rules, &plan, &batch, today, true);
        for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
            prop_assert_eq!(g, e, "lead {} differs\nrules:\n{}\nplan:\n{}", i, src, plan);
        }

        // The columns `icp score` writes read back the same, row by row.
        let columns = icp_engine::eval::columnar::evaluate_columns(&rules, &plan, &batch, today);
        let mut scratch = icp_engine::result::RowScratch::default();
        for (i, e) in expected.iter().enumerate() {
            prop_assert_eq!(columns.best(i), e.best, "best ICP of lead {}\nrules:\n{}", i, src);
            for (k, r) in e.icps.iter().enumerate() {
                let row = columns.row(i, k, &mut scratch);
                let got = (
                    row.name, row.qualified, row.score, row.max_score, row.tier_index, row.tier,
                    row.matched, row.unknown, row.reasons,
                );
                let want = (
                    r.name, r.qualified, r.score, r.max_score, r.tier_index, r.tier,
                    &r.matched[..], &r.unknown[..], &r.reasons[..],
                );
                prop_assert_eq!(got, want, "lead {} ICP {}\nrules:\n{}", i, k, src);
            }
        }

        // The personas `icp score --contacts-out` writes: each contact's, as the reference
        // names them, beside the same columns.
        let (with_personas, personas) =
            icp_engine::eval::columnar::evaluate_columns_with_personas(&rules, &plan, &batch, today);
        for (i, e) in expected.iter().enumerate() {
            prop_assert_eq!(with_personas.best(i), e.best, "best ICP of lead {}", i);
            for (k, c) in batch.contacts_of(i).enumerate() {
                let got: Vec<&str> =
                    personas.matched(c).map(|p| rules.personas[p].name.as_str()).collect();
                prop_assert_eq!(&got, &e.personas[k], "lead {} contact {}\nrules:\n{}", i, k, src);
            }
        }
    }
}
