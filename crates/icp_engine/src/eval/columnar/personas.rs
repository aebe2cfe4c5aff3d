//! Which personas each contact of a batch matches, read off the evaluator's vectors.
//!
//! How it works: [`Plan::new`](crate::plan::Plan::new) lowers every persona of the rule set,
//! so every run of the evaluator already has each persona's truth on every contact.
//! [`ContactPersonas::read`] packs them into bit sets, a run of 64-bit words per contact (one
//! word for up to 64 personas), bit `p` set when persona `p` (rule order) is **true** for
//! the contact: a persona that came out unknown (the contact lacks a field it reads) is not a
//! match, as the reference evaluator's `personas` say. Only `icp score --contacts-out` asks
//! for them ([`evaluate_columns_with_personas`](super::evaluate_columns_with_personas)), so a
//! run without it pays nothing.

use super::evaluator::Evaluator;
use crate::ir::RuleSet;
use crate::result::{LeadResult, set_bits};
use crate::semantics::Truth;

/// Each contact's personas in a batch; see the module documentation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactPersonas {
    /// Words per contact: personas / 64, rounded up.
    words: usize,
    /// Contact `c`'s words at `c * words..(c + 1) * words`.
    bits: Vec<u64>,
}

impl ContactPersonas {
    /// The personas of each of the batch's `contacts` contacts, from the vectors of a run.
    pub(super) fn read(ev: &Evaluator<'_, '_>, contacts: usize) -> ContactPersonas {
        let words = ev.plan.personas.len().div_ceil(64);
        let mut bits = vec![0u64; contacts * words];
        for (p, node) in ev.plan.personas.iter().enumerate() {
            let (word, bit) = (p / 64, 1u64 << (p % 64));
            let vector = ev.vector(*node);
            for c in 0..contacts {
                if vector.truth(c) == Truth::True {
                    bits[c * words + word] |= bit;
                }
            }
        }
        ContactPersonas { words, bits }
    }

    /// The same bits from whole results ([`evaluate`](super::evaluate) with `detail`, which
    /// names each contact's personas), lead after lead as the batch lays its contacts out.
    pub fn from_leads(rules: &RuleSet, leads: &[LeadResult<'_>]) -> ContactPersonas {
        let words = rules.personas.len().div_ceil(64);
        let contacts = leads.iter().map(|l| l.personas.len()).sum::<usize>();
        let mut bits = vec![0u64; contacts * words];
        let named = leads.iter().flat_map(|l| &l.personas);
        for (c, names) in named.enumerate() {
            for name in names {
                if let Some(p) = rules.personas.iter().position(|d| d.name == *name) {
                    bits[c * words + p / 64] |= 1u64 << (p % 64);
                }
            }
        }
        ContactPersonas { words, bits }
    }

    /// The personas contact `contact` (a row of the batch's contact columns) matches, as
    /// indexes into [`RuleSet::personas`](crate::ir::RuleSet::personas), in rule order.
    pub fn matched(&self, contact: usize) -> impl Iterator<Item = usize> + '_ {
        let words = &self.bits[contact * self.words..(contact + 1) * self.words];
        words
            .iter()
            .enumerate()
            .flat_map(|(w, word)| set_bits(*word).map(move |b| w * 64 + b))
    }
}
