//! `every contact where …` over no contacts: a universal quantifier is true for a lead with no
//! contacts at all, so `every contact where contact.seniority == "VP"` qualifies an empty lead.
//!
//! How it works: the condition is walked; a run of `and`s is flattened into its conjuncts, and
//! if one of them proves a contact exists (`any contact where …`, `count contacts >= 1`, `> 0`,
//! `== N` with N ≥ 1, `!= 0`, also through a let), every `every contact` among the conjuncts
//! counts as guarded. Lets are looked through by the facts worked out once per let (`LetFacts`:
//! whether it proves a contact, the unguarded places it holds), never by walking their values
//! again; `not every …` is false for no contacts (the cautious answer) and is not reported.

use icp_diagnostics::{Code, Diagnostic, Span};

use crate::ir::{CmpOp, Expr, ExprKind};
use crate::schema::Value;

use crate::check::Checker;

impl Checker<'_> {
    /// Warns on every unguarded `every contact` of a condition (each place once).
    pub(super) fn lint_unguarded_every(&mut self, e: &Expr) {
        let mut unguarded = Vec::new();
        self.find_unguarded_every(e, &mut unguarded);
        for span in unguarded {
            let d = Diagnostic::new(
                Code::EVERY_OVER_NO_CONTACTS,
                "`every contact where …` is true for a lead with no contacts",
                span,
            )
            .with_help("guard it: `count contacts >= 1 and every contact where …`");
            self.report(d);
        }
    }

    /// Adds to `out` (each place once) the `every contact` nodes of `e` (also inside lets) not
    /// conjoined with a guard that proves a contact exists. Once a guard is found nothing below
    /// it is reported, so the walk stops there; a let contributes the places worked out when it
    /// was resolved.
    pub(super) fn find_unguarded_every(&self, e: &Expr, out: &mut Vec<Span>) {
        let mut add = |span: Span| {
            if !out.contains(&span) {
                out.push(span);
            }
        };
        match &e.kind {
            ExprKind::EveryContact(_) => add(e.span),
            ExprKind::And(..) => {
                let mut conjuncts = Vec::new();
                flatten_and(e, &mut conjuncts);
                if conjuncts.iter().any(|c| self.proves_contact(c)) {
                    return;
                }
                for c in conjuncts {
                    self.find_unguarded_every(c, out);
                }
            }
            ExprKind::Let(id) => {
                if let Some(facts) = self.let_facts(*id) {
                    facts.unguarded_every.iter().for_each(|span| add(*span));
                }
            }
            // `not every …` is false for no contacts, which is the cautious answer.
            ExprKind::Not(_) => {}
            _ => e.for_each_child(|c| self.find_unguarded_every(c, out)),
        }
    }

    /// `any contact where …`, or `count contacts … > N` / `>= N` making it at least one, also
    /// through a let.
    pub(super) fn proves_contact(&self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::AnyContact(_) => true,
            ExprKind::Let(id) => self.let_facts(*id).is_some_and(|f| f.proves_contact),
            ExprKind::And(a, b) => self.proves_contact(a) || self.proves_contact(b),
            ExprKind::Compare { op, lhs, rhs } => {
                let n = match (&lhs.kind, &rhs.kind) {
                    (ExprKind::CountContacts(_), ExprKind::Const(Value::Number(n))) => {
                        Some((*op, *n))
                    }
                    (ExprKind::Const(Value::Number(n)), ExprKind::CountContacts(_)) => {
                        Some((op.flipped(), *n))
                    }
                    _ => None,
                };
                match n {
                    Some((CmpOp::Ge, n)) => n >= 1.0,
                    Some((CmpOp::Gt, n)) => n >= 0.0,
                    Some((CmpOp::Eq, n)) => n >= 1.0,
                    Some((CmpOp::Ne, n)) => n == 0.0,
                    _ => false,
                }
            }
            _ => false,
        }
    }
}

fn flatten_and<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    if let ExprKind::And(a, b) = &e.kind {
        flatten_and(a, out);
        flatten_and(b, out);
    } else {
        out.push(e);
    }
}
