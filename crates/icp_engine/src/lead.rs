//! One lead in row form: the company's values, each contact's values and the signal values,
//! indexed by the ids the checker resolved. The reference evaluator and `test` blocks use it;
//! large lead sets travel in columnar batches instead.

use crate::ir::{RuleSet, SignalCallId, TestDef};
use crate::schema::{FieldId, Value};

/// A value that is `None` is missing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lead {
    /// Indexed by [`FieldId`] (contact fields stay `None` here).
    pub company: Vec<Option<Value>>,
    /// One row per contact, indexed by [`FieldId`] (company fields stay `None` there).
    pub contacts: Vec<Vec<Option<Value>>>,
    /// Indexed by [`SignalCallId`].
    pub signals: Vec<Option<Value>>,
}

impl Lead {
    /// A lead with every value missing and no contacts.
    pub fn empty(rules: &RuleSet) -> Lead {
        Lead {
            company: vec![None; rules.schema.len()],
            contacts: Vec::new(),
            signals: vec![None; rules.signal_calls.len()],
        }
    }

    /// The lead a `test` block describes; signals it does not set are missing.
    pub fn from_test(rules: &RuleSet, test: &TestDef) -> Lead {
        let mut lead = Lead::empty(rules);
        for (field, value) in &test.company {
            lead.set_company(*field, value.clone());
        }
        for contact in &test.contacts {
            let row = lead.add_contact(rules);
            for (field, value) in contact {
                lead.contacts[row][field.0 as usize] = Some(value.clone());
            }
        }
        for (call, value) in &test.signals {
            lead.set_signal(*call, value.clone());
        }
        lead
    }

    pub fn set_company(&mut self, field: FieldId, value: Value) {
        self.company[field.0 as usize] = Some(value);
    }

    pub fn set_signal(&mut self, call: SignalCallId, value: Value) {
        self.signals[call.0 as usize] = Some(value);
    }

    /// Adds a contact with every value missing and returns its index.
    pub fn add_contact(&mut self, rules: &RuleSet) -> usize {
        self.contacts.push(vec![None; rules.schema.len()]);
        self.contacts.len() - 1
    }
}
