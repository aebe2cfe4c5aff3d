//! A batch of leads: their company, contact and signal columns side by side.
//!
//! How it works: a [`Batch`] has one column per field for the companies (a row per lead) and
//! for the contacts (a row per contact, every lead's contacts end to end, `contact_offsets`
//! saying where each lead's start), one per signal call (a row per lead), and each lead's id
//! and input line. A field of the other entity, or one not read, is [`Column::Absent`].

use super::{Column, Texts};
use crate::lead::Lead;

/// A batch of leads in columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// `company.id` of each lead, as the output names it.
    pub ids: Texts,
    /// The input line each lead starts on.
    pub lines: Vec<u64>,
    /// Indexed by [`FieldId`](crate::schema::FieldId); contact fields are [`Column::Absent`].
    pub company: Vec<Column>,
    /// Indexed by [`FieldId`](crate::schema::FieldId); company fields are
    /// [`Column::Absent`]. One row per contact.
    pub contacts: Vec<Column>,
    /// Lead `i` has contacts `contact_offsets[i]..contact_offsets[i + 1]`.
    pub contact_offsets: Vec<u32>,
    /// Indexed by signal call; one row per lead (filled by the plugin host).
    pub signals: Vec<Column>,
}

impl Batch {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The columns of the companies (`entity` 0) or of the contacts (1).
    pub(super) fn columns_mut(&mut self, entity: usize) -> &mut Vec<Column> {
        if entity == 0 {
            &mut self.company
        } else {
            &mut self.contacts
        }
    }

    pub fn contact_count(&self) -> usize {
        self.contact_offsets.last().copied().unwrap_or(0) as usize
    }

    /// The contacts of lead `i`, as row numbers in the contact columns.
    pub fn contacts_of(&self, lead: usize) -> std::ops::Range<usize> {
        self.contact_offsets[lead] as usize..self.contact_offsets[lead + 1] as usize
    }

    /// Lead `i` in row form, for the reference evaluator and explanations.
    pub fn lead(&self, i: usize) -> Lead {
        Lead {
            company: self.company.iter().map(|c| c.get(i)).collect(),
            contacts: self
                .contacts_of(i)
                .map(|row| self.contacts.iter().map(|c| c.get(row)).collect())
                .collect(),
            signals: self.signals.iter().map(|c| c.get(i)).collect(),
        }
    }
}
