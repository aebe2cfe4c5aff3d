//! Duplicate score labels: explanations list the labels of the scores that matched, so two
//! scores of one ICP with one label make an explanation ambiguous. The label of a score is its
//! quoted label, or the source text of its condition when it has none.

use std::collections::HashMap;

use icp_diagnostics::{Code, Diagnostic, Span};

use crate::ir;

use crate::check::Checker;

impl Checker<'_> {
    /// Warns on the second and later scores of an ICP that reuse a label.
    pub(super) fn lint_score_labels(&mut self, def: &ir::IcpDef) {
        // Duplicate score labels make explanations ambiguous.
        let mut labels: HashMap<&str, Span> = HashMap::new();
        for s in &def.scores {
            if let Some(first) = labels.get(s.label.as_str()) {
                let d = Diagnostic::new(
                    Code::DUPLICATE_LABEL,
                    format!(
                        "two scores of ICP `{}` are labelled \"{}\"",
                        def.name, s.label
                    ),
                    s.span,
                )
                .with_note_at(*first, "first used here")
                .with_help("explanations list labels; give each score its own");
                self.report(d);
            } else {
                labels.insert(&s.label, s.span);
            }
        }
    }
}
