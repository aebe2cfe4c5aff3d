//! Unused definitions: a let or persona that no condition reaches. Whether a definition is used
//! is recorded by name resolution (`let_used`, `persona_used`) each time a name resolves to it,
//! also from inside other lets and personas, so a definition used only by an unused one still
//! counts as used.
//!
//! The lint is skipped when the rule set has errors: a misspelt name would make the definition
//! it meant look unused.

use icp_diagnostics::{Code, Diagnostic};

use crate::check::Checker;

impl Checker<'_> {
    /// Unused lets and personas; skipped when there are errors, whose typos would make
    /// definitions look unused.
    pub(in crate::check) fn warn_unused(&mut self) {
        if self.diags.iter().any(Diagnostic::is_error) {
            return;
        }
        for (i, l) in self.lets.clone().into_iter().enumerate() {
            if !self.let_used[i] {
                let d = Diagnostic::new(
                    Code::UNUSED_LET,
                    format!("`{}` is defined but never used", l.name.name),
                    l.name.span,
                )
                .with_help("use it in a condition or remove it");
                self.report(d);
            }
        }
        for (i, p) in self.personas.clone().into_iter().enumerate() {
            if !self.persona_used[i] {
                let d = Diagnostic::new(
                    Code::UNUSED_PERSONA,
                    format!("persona `{}` is defined but never used", p.name.name),
                    p.name.span,
                )
                .with_help(format!(
                    "use it as `any contact where {}` or remove it",
                    p.name.name
                ));
                self.report(d);
            }
        }
    }
}
