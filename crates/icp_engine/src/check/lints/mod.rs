//! Lints: warnings about rules that check but cannot mean what their author meant. They never
//! block a rule set.
//!
//! How it works: the checker calls two entry points while it lowers a rule set, and one at the
//! end. [`Checker::lint_condition`] runs on every whole condition once it is typed (a `require`,
//! `exclude`, `score`, tier or persona condition); [`Checker::lint_icp`] runs on every ICP once
//! its score range is known; [`Checker::warn_unused`] runs after every ICP and test is checked.
//! Each family of lints lives in its own file:
//!
//! - [`constant`]: conditions, or operands of `and`/`or`/`not`, that read nothing from the lead
//!   (`W0003`);
//! - [`unguarded_every`]: `every contact where …` not conjoined with a guard proving a contact
//!   exists, true for a lead with no contacts (`W0006`);
//! - [`score_labels`]: two scores of one ICP with the same label (`W0008`);
//! - [`tiers`]: tiers after `tier … otherwise`, and tiers whose score threshold lies outside the
//!   ICP's reachable score range (`W0002`, `W0001`);
//! - [`unused`]: lets and personas that nothing uses (`W0004`, `W0005`).
//!
//! Two warnings are reported where their facts are found rather than here: `between` with its
//! low bound above its high bound (`W0003`, in expression typing) and a test without
//! expectations (`W0007`, in test checking).
//!
//! Lints look through lets without walking a let's value again at each use: what they need to
//! know of a let ([`LetFacts`]: whether it is constant, whether it proves a contact exists,
//! the unguarded `every contact` nodes it holds) is worked out once, when the let is resolved,
//! from its value and the facts of the lets it uses ([`Checker::let_facts_of`]). A let used
//! twice by the next one, 64 times over, is still one step per use, so linting costs time
//! linear in the rule text. A condition that holds an error is not linted, since its
//! placeholder would look constant.

mod constant;
mod score_labels;
mod tiers;
mod unguarded_every;
mod unused;

use icp_diagnostics::Span;

use crate::ir::{self, Expr, LetId};

use super::Checker;

/// What the lints need to know of a resolved let, so that a reference to it is looked through
/// in constant time.
#[derive(Debug, Clone, Default)]
pub(super) struct LetFacts {
    /// The value reads nothing from the lead, the score or the date (`constant`).
    constant: bool,
    /// The value proves that the lead has a contact (`unguarded_every`).
    proves_contact: bool,
    /// The `every contact` nodes the value reaches (through other lets too) without a guard
    /// within it, each once, in the order they are met (`unguarded_every`).
    unguarded_every: Vec<Span>,
}

impl Checker<'_> {
    /// Lints one typed condition as a whole.
    pub(super) fn lint_condition(&mut self, e: &Expr) {
        // A condition holding an error has been reported already; its placeholder would look
        // constant.
        if e.any(&mut |n| n.ty.is_error()) {
            return;
        }
        self.lint_constant_condition(e);
        self.lint_unguarded_every(e);
    }

    /// Lints one ICP once its static score range is known.
    pub(super) fn lint_icp(&mut self, def: &ir::IcpDef) {
        self.lint_score_labels(def);
        self.lint_tiers(def);
    }

    /// The facts of a let's checked value, from the facts of the lets it uses: called once per
    /// let, when it is resolved (every let its value names is resolved by then: a reference to
    /// a let still in progress is a cycle, reported and replaced by a placeholder).
    pub(super) fn let_facts_of(&self, value: &Expr) -> LetFacts {
        let mut unguarded_every = Vec::new();
        self.find_unguarded_every(value, &mut unguarded_every);
        LetFacts {
            constant: self.is_constant(value),
            proves_contact: self.proves_contact(value),
            unguarded_every,
        }
    }

    /// The facts of a resolved let; `None` while it is not resolved.
    fn let_facts(&self, id: LetId) -> Option<&LetFacts> {
        self.let_facts[id.0 as usize].as_ref()
    }
}
