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
//! Lints look through lets ([`Checker::let_value`]); a condition that holds an error is not
//! linted, since its placeholder would look constant.

mod constant;
mod score_labels;
mod tiers;
mod unguarded_every;
mod unused;

use crate::ir::{self, Expr, LetId};

use super::Checker;
use super::names::State;

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

    /// The checked value of a let, once it is resolved.
    fn let_value(&self, id: LetId) -> Option<&Expr> {
        match &self.let_state[id.0 as usize] {
            State::Done(d) => Some(&d.value),
            _ => None,
        }
    }
}
