//! One lead in row form: the company's values, each contact's values and the signal values,
//! indexed by the ids the checker resolved. The reference evaluator and `test` blocks use it;
//! large lead sets travel in columnar batches instead.

use crate::batch::Batch;
use crate::ir::{RuleSet, SignalCallId, TestDef};
use crate::schema::{FieldId, Value};

/// Read access to one lead's values, whether it is held in row form ([`Lead`]) or is a row
/// of a batch ([`BatchRow`], read in place without copying the rest of the lead).
pub trait LeadView: std::fmt::Debug {
    fn company(&self, field: FieldId) -> Option<Value>;
    fn contact_count(&self) -> usize;
    fn contact(&self, contact: usize, field: FieldId) -> Option<Value>;
    fn signal(&self, call: SignalCallId) -> Option<Value>;
}

impl LeadView for Lead {
    fn company(&self, field: FieldId) -> Option<Value> {
        self.company.get(field.0 as usize).cloned().flatten()
    }

    fn contact_count(&self) -> usize {
        self.contacts.len()
    }

    fn contact(&self, contact: usize, field: FieldId) -> Option<Value> {
        self.contacts
            .get(contact)
            .and_then(|row| row.get(field.0 as usize).cloned().flatten())
    }

    fn signal(&self, call: SignalCallId) -> Option<Value> {
        self.signals.get(call.0 as usize).cloned().flatten()
    }
}

/// One lead of a batch, read in place.
#[derive(Debug, Clone, Copy)]
pub struct BatchRow<'b> {
    pub batch: &'b Batch,
    pub row: usize,
}

impl LeadView for BatchRow<'_> {
    fn company(&self, field: FieldId) -> Option<Value> {
        self.batch.company.get(field.0 as usize)?.get(self.row)
    }

    fn contact_count(&self) -> usize {
        self.batch.contacts_of(self.row).len()
    }

    fn contact(&self, contact: usize, field: FieldId) -> Option<Value> {
        let row = self.batch.contacts_of(self.row).nth(contact)?;
        self.batch.contacts.get(field.0 as usize)?.get(row)
    }

    fn signal(&self, call: SignalCallId) -> Option<Value> {
        self.batch.signals.get(call.0 as usize)?.get(self.row)
    }
}

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
