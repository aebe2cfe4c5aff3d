//! One project's rule set as the editor sees it: checked whole, and its definitions indexed.
//!
//! How it works: [`Analysis::run`] reads the project's rule files (as `icp check` lists them)
//! and every open document of the project, the editor's text taking the place of the file's
//! on disk, into one source map, and compiles them as one rule set, so a `let` used in one
//! file and defined in another resolves, and every diagnostic is the checker's own. Then each
//! file is parsed alone to index its definitions (lets, personas, ICPs with their tiers) for
//! hover, completion and go-to-definition. A file that does not parse, typically the one
//! being typed, is indexed from its tokens instead (`let NAME`, `persona NAME`, `icp NAME`,
//! `tier NAME`), so its names stay known while it is broken.

use std::path::PathBuf;

use icp_diagnostics::{Diagnostic, FileId, SourceMap};
use icp_syntax::ast::{IcpStmt, Item};
use lsp_types::Uri;

use super::lexer::{self, Kind};

/// What a definition is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolKind {
    Let,
    Persona,
    Icp,
}

/// One named definition of the rule set.
#[derive(Debug, Clone)]
pub struct Symbol {
    pub kind: SymbolKind,
    pub name: String,
    pub file: FileId,
    /// The byte range of the name where it is defined.
    pub name_range: (usize, usize),
    /// The definition's source text (`let x = …`).
    pub text: String,
    /// The tiers of an ICP, in order.
    pub tiers: Vec<String>,
}

/// One file of the analysis: where it is, and its document's URI when the editor has it open.
#[derive(Debug, Clone)]
pub struct Member {
    pub path: Option<PathBuf>,
    pub uri: Option<Uri>,
}

/// A project's files, checked together, and their definitions.
#[derive(Debug)]
pub struct Analysis {
    pub sources: SourceMap,
    /// Indexed by `FileId`.
    pub members: Vec<Member>,
    pub diagnostics: Vec<Diagnostic>,
    pub symbols: Vec<Symbol>,
}

/// A file to analyse: its name in messages, where it is, its open document and its text.
#[derive(Debug)]
pub struct Input {
    pub name: String,
    pub member: Member,
    pub text: String,
}

impl Analysis {
    /// Checks `inputs` as one rule set against the project's schema and signals.
    pub fn run(
        inputs: Vec<Input>,
        schema: &icp_engine::Schema,
        signals: &icp_engine::SignalCatalog,
    ) -> Analysis {
        let mut sources = SourceMap::new();
        let mut members = Vec::new();
        for input in inputs {
            sources.add(input.name, input.text);
            members.push(input.member);
        }
        let compiled = icp_engine::compile(&sources, schema, signals);
        let mut symbols = Vec::new();
        for (id, file) in sources.files() {
            index_file(id, file.text(), &mut symbols);
        }
        Analysis {
            sources,
            members,
            diagnostics: compiled.diagnostics,
            symbols,
        }
    }

    /// The file of an open document.
    pub fn file_of(&self, uri: &Uri) -> Option<FileId> {
        self.members
            .iter()
            .position(|m| m.uri.as_ref() == Some(uri))
            .map(|i| FileId(i as u32))
    }

    /// The definitions named `name`, of any kind.
    pub fn lookup<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Symbol> {
        self.symbols.iter().filter(move |s| s.name == name)
    }

    pub fn of_kind(&self, kind: SymbolKind) -> impl Iterator<Item = &Symbol> {
        self.symbols.iter().filter(move |s| s.kind == kind)
    }
}

/// Indexes the definitions of one file: from its AST, or from its tokens when it does not
/// parse.
fn index_file(id: FileId, text: &str, out: &mut Vec<Symbol>) {
    let Ok(ast) = icp_syntax::parse(id, text) else {
        index_tokens(id, text, out);
        return;
    };
    let slice = |start: u32, end: u32| {
        text.get(start as usize..end as usize)
            .unwrap_or("")
            .to_string()
    };
    for item in &ast.items {
        let (kind, name, tiers) = match item {
            Item::Let(x) => (SymbolKind::Let, &x.name, Vec::new()),
            Item::Persona(x) => (SymbolKind::Persona, &x.name, Vec::new()),
            Item::Icp(x) => {
                let tiers = x
                    .body
                    .iter()
                    .filter_map(|s| match s {
                        IcpStmt::Tier(t) => Some(t.name.name.clone()),
                        _ => None,
                    })
                    .collect();
                (SymbolKind::Icp, &x.name, tiers)
            }
            Item::Test(_) => continue,
        };
        let span = item.span();
        // An ICP's text is its head line; its body can be long.
        let text = match item {
            Item::Icp(x) => x.label.as_ref().map_or_else(
                || slice(span.start, x.name.span.end),
                |label| slice(span.start, label.span.end),
            ),
            _ => slice(span.start, span.end),
        };
        out.push(Symbol {
            kind,
            name: name.name.clone(),
            file: id,
            name_range: (name.span.start as usize, name.span.end as usize),
            text,
            tiers,
        });
    }
}

/// The definitions of a file that does not parse: a definition keyword first on its line
/// followed by a name; its text runs to the next item (`let`, `persona`, `icp`, `test` first
/// on a line). `tier NAME` adds a tier to the ICP above it.
fn index_tokens(id: FileId, text: &str, out: &mut Vec<Symbol>) {
    let tokens = lexer::tokens(text);
    // Nothing but white space between the previous token and this one holds a line break.
    let first_on_line =
        |i: usize| i == 0 || text[tokens[i - 1].end..tokens[i].start].contains('\n');
    let first = out.len();
    let mut starts = Vec::new();
    // Where items start: the ends of the definitions' texts.
    let mut boundaries = Vec::new();
    let mut current_icp: Option<usize> = None;
    for (i, pair) in tokens.windows(2).enumerate() {
        let (keyword, name) = (pair[0], pair[1]);
        if keyword.kind != Kind::Name || !first_on_line(i) {
            continue;
        }
        if matches!(keyword.text(text), "let" | "persona" | "icp" | "test") {
            boundaries.push(keyword.start);
            current_icp = None;
        }
        if name.kind != Kind::Name {
            continue;
        }
        let name_text = name.text(text);
        if name_text.contains('.') {
            continue;
        }
        let kind = match keyword.text(text) {
            "let" => SymbolKind::Let,
            "persona" => SymbolKind::Persona,
            "icp" => SymbolKind::Icp,
            "tier" => {
                if let Some(icp) = current_icp {
                    out[icp].tiers.push(name_text.to_string());
                }
                continue;
            }
            _ => continue,
        };
        current_icp = (kind == SymbolKind::Icp).then_some(out.len());
        starts.push(keyword.start);
        out.push(Symbol {
            kind,
            name: name_text.to_string(),
            file: id,
            name_range: (name.start, name.end),
            text: String::new(),
            tiers: Vec::new(),
        });
    }
    // Each definition's text: from its keyword to the next item, at most its line for an ICP.
    for (k, symbol) in out[first..].iter_mut().enumerate() {
        let start = starts[k];
        let mut end = boundaries
            .iter()
            .copied()
            .find(|&b| b > start)
            .unwrap_or(text.len());
        if symbol.kind == SymbolKind::Icp {
            end = end.min(text[start..].find('\n').map_or(text.len(), |n| start + n));
        }
        symbol.text = text[start..end].trim_end().to_string();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_files_are_indexed_from_their_tokens() {
        let text = "let big = company.employees > 100\ntest \"t\" {\n}\npersona cfo when contact.title ==\nicp acme \"Acme\" {\n  tier A when score > 5\n  tier B otherwise\n  require\n";
        let mut symbols = Vec::new();
        index_file(FileId(0), text, &mut symbols);
        let names: Vec<(&str, &str)> = symbols
            .iter()
            .map(|s| (s.name.as_str(), s.text.as_str()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("big", "let big = company.employees > 100"),
                ("cfo", "persona cfo when contact.title =="),
                ("acme", "icp acme \"Acme\" {"),
            ]
        );
        assert_eq!(symbols[2].tiers, vec!["A", "B"]);
        assert_eq!(symbols[0].name_range, (4, 7));
    }
}
