//! Source locations and diagnostics shared by every stage of `icp`.
//!
//! How it works: every source file read by a run is added to one [`SourceMap`], which hands out a
//! [`FileId`] and keeps the line starts so any byte offset turns into a 1-based line and column.
//! Every node the parser builds carries a [`Span`] (file, start, end), and every problem any
//! stage finds is a [`Diagnostic`]: a severity, a stable [`Code`], a message, labelled spans and
//! an optional help line. Stages only *produce* diagnostics; the command line renders them, as
//! text with the source line and a caret ([`render_text`], through `codespan-reporting`, with
//! control characters escaped) or as one JSON object per diagnostic ([`to_json`]) for editors
//! and CI.

mod codes;
pub mod columns;
mod escape;

use std::fmt;
use std::ops::Range;

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::{self as cs_files, Files};
use codespan_reporting::term;
use serde::Serialize;

pub use codes::{ALL_CODES, Code};
pub use escape::bidi_control_name;

/// Identifies one file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        Span {
            file,
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }

    /// The smallest span covering both (they must be in the same file).
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

/// One source file: its display name, its text and where its lines start.
#[derive(Debug, Clone)]
pub struct SourceFile {
    name: String,
    text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    fn new(name: String, text: String) -> Self {
        let line_starts = cs_files::line_starts(&text).collect();
        SourceFile {
            name,
            text,
            line_starts,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The 0-based line holding a byte offset.
    fn line_index(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    fn line_range(&self, line: usize) -> Option<Range<usize>> {
        let start = *self.line_starts.get(line)?;
        let end = self
            .line_starts
            .get(line + 1)
            .copied()
            .unwrap_or(self.text.len());
        Some(start..end)
    }

    /// The 1-based line and column (in characters) of a byte offset.
    pub fn location(&self, offset: usize) -> Location {
        let offset = offset.min(self.text.len());
        let line = self.line_index(offset);
        let start = self.line_starts[line];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        Location {
            line: line + 1,
            column: column + 1,
        }
    }
}

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

/// Every source file of a run.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(SourceFile::new(name.into(), text.into()));
        id
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The source text a span covers.
    pub fn slice(&self, span: Span) -> &str {
        self.file(span.file).text.get(span.range()).unwrap_or("")
    }

    pub fn location(&self, span: Span) -> Location {
        self.file(span.file).location(span.start as usize)
    }
}

impl<'a> Files<'a> for SourceMap {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, cs_files::Error> {
        self.files
            .get(id.0 as usize)
            .map(|f| f.name.as_str())
            .ok_or(cs_files::Error::FileMissing)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, cs_files::Error> {
        self.files
            .get(id.0 as usize)
            .map(|f| f.text.as_str())
            .ok_or(cs_files::Error::FileMissing)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, cs_files::Error> {
        let file = self
            .files
            .get(id.0 as usize)
            .ok_or(cs_files::Error::FileMissing)?;
        Ok(file.line_index(byte_index.min(file.text.len())))
    }

    fn line_range(&'a self, id: FileId, line: usize) -> Result<Range<usize>, cs_files::Error> {
        let file = self
            .files
            .get(id.0 as usize)
            .ok_or(cs_files::Error::FileMissing)?;
        file.line_range(line).ok_or(cs_files::Error::LineTooLarge {
            given: line,
            max: file.line_starts.len() - 1,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// A span with a message; the primary label is where the problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
    pub primary: bool,
}

/// One problem found in the rules, with where it is and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    pub message: String,
    pub labels: Vec<Label>,
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with the severity its code implies (`E…` errors, `W…` warnings).
    pub fn new(code: Code, message: impl Into<String>, span: Span) -> Self {
        Diagnostic {
            severity: code.severity(),
            code,
            message: message.into(),
            labels: vec![Label {
                span,
                message: String::new(),
                primary: true,
            }],
            help: None,
        }
    }

    /// Sets the message shown under the caret of the primary span.
    pub fn with_label(mut self, message: impl Into<String>) -> Self {
        if let Some(primary) = self.labels.iter_mut().find(|l| l.primary) {
            primary.message = message.into();
        }
        self
    }

    /// Adds a secondary span, such as "first defined here".
    pub fn with_note_at(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: false,
        });
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The primary span (every diagnostic has one).
    pub fn span(&self) -> Span {
        self.labels
            .iter()
            .find(|l| l.primary)
            .map(|l| l.span)
            .unwrap_or_default()
    }

    fn to_codespan(&self) -> cs::Diagnostic<FileId> {
        let severity = match self.severity {
            Severity::Error => cs::Severity::Error,
            Severity::Warning => cs::Severity::Warning,
        };
        let labels = self
            .labels
            .iter()
            .map(|l| {
                let style = if l.primary {
                    cs::LabelStyle::Primary
                } else {
                    cs::LabelStyle::Secondary
                };
                cs::Label::new(style, l.span.file, l.span.range()).with_message(&l.message)
            })
            .collect();
        let notes = self.help.iter().map(|h| format!("help: {h}")).collect();
        cs::Diagnostic::new(severity)
            .with_code(self.code.as_str())
            .with_message(&self.message)
            .with_labels(labels)
            .with_notes(notes)
    }
}

/// Renders diagnostics as text: `error[E0101]: message`, `┌─ file:line:col`, the source line,
/// a caret under the span and the help line. `color` adds ANSI colours. Control characters
/// and bidirectional controls, in the source or a message, are shown escaped (`\0`,
/// `\u{1b}`; the `escape` module).
pub fn render_text(sources: &SourceMap, diagnostics: &[Diagnostic], color: bool) -> String {
    let escaped = escape::escaped(sources, diagnostics);
    let (sources, diagnostics) = match &escaped {
        Some((sources, diagnostics)) => (sources, diagnostics.as_slice()),
        None => (sources, diagnostics),
    };
    let config = term::Config::default();
    let mut out = String::new();
    for diagnostic in diagnostics {
        let cs_diag = diagnostic.to_codespan();
        let rendered = if color {
            let styles = term::Styles::default();
            let mut buffer = term::termcolor::Buffer::ansi();
            let mut writer = term::StylesWriter::new(&mut buffer, &styles);
            term::emit_to_write_style(&mut writer, &config, sources, &cs_diag)
                .ok()
                .map(|()| String::from_utf8_lossy(buffer.as_slice()).into_owned())
        } else {
            term::emit_into_string(&config, sources, &cs_diag).ok()
        };
        match rendered {
            Some(text) => out.push_str(&text),
            // The span does not fit its file: never lose the message itself.
            None => {
                let loc = sources.location(diagnostic.span());
                out.push_str(&format!(
                    "{}[{}]: {}\n  at {}:{}:{}\n",
                    diagnostic.severity,
                    diagnostic.code,
                    diagnostic.message,
                    sources.file(diagnostic.span().file).name(),
                    loc.line,
                    loc.column
                ));
            }
        }
    }
    out
}

/// The JSON form of one diagnostic, for editors and CI (`--format json`).
#[derive(Debug, Clone, Serialize)]
pub struct JsonDiagnostic<'a> {
    pub file: &'a str,
    pub line: usize,
    pub column: usize,
    pub end: Location,
    pub severity: Severity,
    pub code: &'static str,
    pub message: &'a str,
    pub label: Option<&'a str>,
    pub help: Option<&'a str>,
}

pub fn to_json<'a>(sources: &'a SourceMap, diagnostic: &'a Diagnostic) -> JsonDiagnostic<'a> {
    let span = diagnostic.span();
    let file = sources.file(span.file);
    let start = file.location(span.start as usize);
    let end = file.location(span.end as usize);
    let label = diagnostic
        .labels
        .iter()
        .find(|l| l.primary)
        .map(|l| l.message.as_str())
        .filter(|m| !m.is_empty());
    JsonDiagnostic {
        file: file.name(),
        line: start.line,
        column: start.column,
        end,
        severity: diagnostic.severity,
        code: diagnostic.code.as_str(),
        message: &diagnostic.message,
        label,
        help: diagnostic.help.as_deref(),
    }
}

/// Diagnostics as JSON Lines: one object per line.
pub fn render_json(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        if let Ok(line) = serde_json::to_string(&to_json(sources, d)) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// Sorts diagnostics by file and position, errors first at equal positions.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_key(|d| {
        let s = d.span();
        (s.file, s.start, d.severity, d.code.as_str())
    });
}
