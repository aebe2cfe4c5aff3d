//! Constant conditions (`W0003`): a condition that reads nothing from the lead, the score or the
//! date is the same for every lead, which is almost always a mistake (`require false`, a let
//! holding a literal used as a condition). A condition that is not constant as a whole is
//! searched for constant operands of `and`, `or` and `not`: `company.employees > 5 and false`.
//!
//! A let counts as constant when its resolved value is (a fact worked out once per let, see
//! `LetFacts`); a let not yet resolved (a cycle, which is an error reported elsewhere) counts
//! as reading the lead.

use icp_diagnostics::{Code, Diagnostic};

use crate::ir::{Expr, ExprKind};

use crate::check::Checker;

impl Checker<'_> {
    /// Warns on a condition constant as a whole, or else on its constant operands.
    pub(super) fn lint_constant_condition(&mut self, e: &Expr) {
        if self.is_constant(e) {
            self.warn_constant(e, "this does not depend on the lead");
        } else {
            self.lint_constant_operands(e);
        }
    }

    fn warn_constant(&mut self, e: &Expr, label: &str) {
        let d = Diagnostic::new(
            Code::CONSTANT_CONDITION,
            format!("`{}` is the same for every lead", self.show(e.span)),
            e.span,
        )
        .with_label(label)
        .with_help("a condition should read a field, a contact, a signal or the score");
        self.report(d);
    }

    /// Warns on constant operands of `and`, `or` and `not` inside a condition that is not
    /// constant as a whole: `company.employees > 5 and false`.
    fn lint_constant_operands(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::And(a, b) | ExprKind::Or(a, b) => {
                for operand in [a, b] {
                    if self.is_constant(operand) {
                        self.warn_constant(operand, "this operand does not depend on the lead");
                    } else {
                        self.lint_constant_operands(operand);
                    }
                }
            }
            ExprKind::Not(inner) => self.lint_constant_operands(inner),
            _ => {}
        }
    }

    /// True when the expression reads nothing from the lead, the score or the date (looking
    /// through lets, by their facts).
    pub(super) fn is_constant(&self, e: &Expr) -> bool {
        !e.any(&mut |node| match &node.kind {
            ExprKind::Field(_)
            | ExprKind::ContactField(_)
            | ExprKind::Persona(_)
            | ExprKind::Signal(_)
            | ExprKind::Score
            | ExprKind::Today
            | ExprKind::Relative(_)
            | ExprKind::AnyContact(_)
            | ExprKind::EveryContact(_)
            | ExprKind::CountContacts(_) => true,
            ExprKind::Let(id) => self.let_facts(*id).is_none_or(|facts| !facts.constant),
            _ => false,
        })
    }
}
