//! Each lead's results in columns together with whether its contacts match each persona:
//! what `icp backtest` reads to tell how often a criterion holds.
//!
//! How it works: [`evaluate_columns_with_lead_personas`] runs the evaluator once, reads the
//! results in columns as [`evaluate_columns`](super::evaluate_columns) does, and folds each
//! persona's truth vector (one truth per contact) over every lead's contacts with Kleene `or`:
//! a lead "has" a persona when one of its contacts matches it (true), unknown when none does
//! but one is unknown, false otherwise (a lead without contacts: false) — what `any contact
//! is P` says of it.

use super::evaluator::Evaluator;
use super::results::columns_of;
use crate::batch::Batch;
use crate::eval::AsOf;
use crate::ir::RuleSet;
use crate::plan::Plan;
use crate::result::BatchResults;
use crate::semantics::Truth;

/// The results in columns (as [`evaluate_columns`](super::evaluate_columns) gives them) and,
/// per persona of the rule set, one truth per lead: whether one of its contacts matches it.
pub fn evaluate_columns_with_lead_personas<'r, 'd>(
    rules: &'r RuleSet,
    plan: &Plan,
    batch: &Batch,
    today: impl Into<AsOf<'d>>,
) -> (BatchResults<'r>, Vec<Vec<Truth>>) {
    let ev = Evaluator::run_all(rules, plan, batch, today.into());
    let leads = batch.len();
    let personas = plan
        .personas
        .iter()
        .map(|node| {
            let contacts = ev.vector(*node);
            (0..leads)
                .map(|lead| {
                    batch
                        .contacts_of(lead)
                        .map(|c| contacts.truth(c))
                        .max()
                        .unwrap_or(Truth::False)
                })
                .collect()
        })
        .collect();
    (columns_of(&ev), personas)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::reference;

    #[test]
    fn a_lead_has_a_persona_when_one_of_its_contacts_matches_it() {
        let source = "persona cfo when contact.title contains \"CFO\"\n\
                      icp a { score 1 \"cfo\" when any contact where cfo\n tier A when score >= 1 }\n";
        let mut sources = icp_diagnostics::SourceMap::new();
        sources.add("t.icp", source);
        let schema = crate::schema::Schema::canonical();
        let signals = crate::schema::SignalCatalog::default();
        let rules = crate::compile(&sources, &schema, &signals)
            .rules
            .expect("the rules check");
        let schema = &rules.schema;
        let title = schema
            .lookup(crate::schema::Entity::Contact, "title")
            .expect("title");
        let mut builder = crate::batch::BatchBuilder::new(schema, 0);
        let titles: [&[Option<&str>]; 4] = [
            &[],
            &[Some("CEO"), Some("CFO")],
            &[None],
            &[Some("CTO"), None],
        ];
        for (i, contacts) in titles.iter().enumerate() {
            builder.add_lead(&format!("L{i}"), i as u64, Vec::new());
            for t in *contacts {
                let values = t
                    .map(|t| vec![(title, crate::schema::Value::String(t.to_string()))])
                    .unwrap_or_default();
                builder.add_contact(values);
            }
        }
        let batch = builder.finish();
        let plan = Plan::new(&rules);
        let (results, personas) = evaluate_columns_with_lead_personas(&rules, &plan, &batch, 0);
        assert_eq!(
            personas,
            [vec![
                Truth::False,
                Truth::True,
                Truth::Unknown,
                Truth::Unknown
            ]]
        );
        // The results are those of the reference evaluator.
        for lead in 0..batch.len() {
            let want = reference::evaluate(&rules, &batch.lead(lead), 0);
            assert_eq!(results.tier_and_score(lead, 0).1, want.icps[0].score);
        }
    }
}
