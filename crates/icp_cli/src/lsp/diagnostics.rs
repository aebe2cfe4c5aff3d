//! The checker's diagnostics as LSP diagnostics.
//!
//! How it works: each diagnostic whose primary span lies in the document becomes one LSP
//! diagnostic: its range is the primary span converted from bytes to UTF-16 positions, its
//! code the stable code (`E0001`), its severity the checker's, and its message the checker's
//! message followed by the primary label's text and the help line (`help: …`), as the text
//! rendering shows them. Every secondary label ("first defined here"), in this file or another
//! of the project, is related information at its own place.

use icp_diagnostics::{FileId, Severity};
use lsp_types::{DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Uri};

use super::analysis::Analysis;
use super::text::LineIndex;
use super::uri;

/// The LSP diagnostics of file `file` of the analysis.
pub fn for_file(analysis: &Analysis, file: FileId) -> Vec<lsp_types::Diagnostic> {
    let text = analysis.sources.file(file).text();
    let index = LineIndex::new(text);
    analysis
        .diagnostics
        .iter()
        .filter(|d| d.span().file == file)
        .map(|d| {
            let span = d.span();
            let mut message = d.message.clone();
            if let Some(label) = d.labels.iter().find(|l| l.primary && !l.message.is_empty()) {
                message.push_str(&format!("\n{}", label.message));
            }
            if let Some(help) = &d.help {
                message.push_str(&format!("\nhelp: {help}"));
            }
            let related: Vec<DiagnosticRelatedInformation> = d
                .labels
                .iter()
                .filter(|l| !l.primary)
                .filter_map(|l| {
                    Some(DiagnosticRelatedInformation {
                        location: location(analysis, l.span.file, l.span.start, l.span.end)?,
                        message: if l.message.is_empty() {
                            "here".to_string()
                        } else {
                            l.message.clone()
                        },
                    })
                })
                .collect();
            lsp_types::Diagnostic {
                range: index.range(text, span.start as usize, span.end as usize),
                severity: Some(match d.severity {
                    Severity::Error => DiagnosticSeverity::ERROR,
                    Severity::Warning => DiagnosticSeverity::WARNING,
                }),
                code: Some(NumberOrString::String(d.code.as_str().to_string())),
                source: Some("icp".to_string()),
                message,
                related_information: (!related.is_empty()).then_some(related),
                ..lsp_types::Diagnostic::default()
            }
        })
        .collect()
}

/// The location of a byte range of a file of the analysis, if the file has a URI.
pub fn location(analysis: &Analysis, file: FileId, start: u32, end: u32) -> Option<Location> {
    let member = analysis.members.get(file.0 as usize)?;
    let uri: Uri = match &member.uri {
        Some(uri) => uri.clone(),
        None => uri::from_path(member.path.as_deref()?)?,
    };
    let text = analysis.sources.file(file).text();
    let range = LineIndex::new(text).range(text, start as usize, end as usize);
    Some(Location { uri, range })
}
