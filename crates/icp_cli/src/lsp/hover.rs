//! Hover: what the name under the cursor is.
//!
//! How it works: the name is read from the document's tokens (so a half-typed file is
//! answered too), then resolved as the checker would: `company.NAME` and `contact.NAME` are
//! fields of the project's schema (its type, its kind — how values are read and compared —
//! and whether it is canonical, with its notes from the data model table of
//! `docs/language.md`, compiled in, or declared in `icp.toml`); `PLUGIN.SIGNAL` is a signal of the
//! project's plugins (its signature, documentation, the fields it reads and the library or
//! manifest it was declared by); a bare name is a `let`, `persona` or ICP of the project
//! (its definition's text and file); a field name inside a test's `company { … }` or
//! `contact { … }` record is that entity's field.

use icp_engine::{Entity, FieldDef, FieldKind, Schema, SignalDecl};
use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};

use super::analysis::SymbolKind;
use super::lexer::{self, Kind, Token};
use super::text::LineIndex;
use super::workspace::View;

/// The hover of the name at byte `offset`, if it names something.
pub fn hover(view: &View<'_>, offset: usize) -> Option<Hover> {
    let text = view.text;
    let tokens = lexer::tokens(text);
    let token = lexer::name_at(&tokens, offset)?;
    let name = token.text(text).trim_end_matches('.');
    let markdown = describe(view, &tokens, token, name)?;
    let index = LineIndex::new(text);
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: markdown,
        }),
        range: Some(index.range(text, token.start, token.start + name.len())),
    })
}

fn describe(view: &View<'_>, tokens: &[Token], token: Token, name: &str) -> Option<String> {
    let schema = &view.state.project.config.schema;
    if let Some((entity, field)) = Entity::split_path(name) {
        return schema
            .lookup(entity, field)
            .map(|id| field_text(schema, schema.field(id)));
    }
    if let Some((plugin, signal)) = name.split_once('.') {
        let id = view.state.signals.lookup(plugin, signal)?;
        return Some(signal_text(view, view.state.signals.signal(id)));
    }
    let position = tokens.iter().position(|t| *t == token)?;
    let is_record_field = tokens
        .get(position + 1)
        .is_some_and(|t| t.kind == Kind::Punct && t.text(view.text) == ":");
    if is_record_field && let Some(entity) = enclosing_record(view.text, tokens, position) {
        return schema
            .lookup(entity, name)
            .map(|id| field_text(schema, schema.field(id)));
    }
    let symbols: Vec<String> = view
        .analysis
        .lookup(name)
        .map(|symbol| {
            let file = view.analysis.sources.file(symbol.file).name();
            let mut out = format!("```icp\n{}\n```\n", symbol.text);
            if symbol.kind == SymbolKind::Icp && !symbol.tiers.is_empty() {
                out.push_str(&format!("\nTiers: {}\n", symbol.tiers.join(", ")));
            }
            let kind = match symbol.kind {
                SymbolKind::Let => "let",
                SymbolKind::Persona => "persona",
                SymbolKind::Icp => "ICP",
            };
            out.push_str(&format!("\nA {kind} defined in `{file}`."));
            out
        })
        .collect();
    (!symbols.is_empty()).then(|| symbols.join("\n\n---\n\n"))
}

/// The entity of the test record (`company { … }`, `contact { … }`) the token at `position`
/// sits in, if any.
pub fn enclosing_record(text: &str, tokens: &[Token], position: usize) -> Option<Entity> {
    let mut depth = 0usize;
    for i in (0..position).rev() {
        let token = tokens[i];
        if token.kind != Kind::Punct {
            continue;
        }
        match token.text(text) {
            "}" => depth += 1,
            "{" if depth > 0 => depth -= 1,
            "{" => {
                return match tokens.get(i.checked_sub(1)?)?.text(text) {
                    "company" => Some(Entity::Company),
                    "contact" => Some(Entity::Contact),
                    _ => None,
                };
            }
            _ => {}
        }
    }
    None
}

/// A field's type, kind and origin.
pub fn field_text(schema: &Schema, field: &FieldDef) -> String {
    let mut out = format!(
        "```icp\n{}: {}\n```\n{}\n",
        field.path(),
        field.ty,
        kind_text(field.kind)
    );
    if let Some(order) = field.order {
        out.push_str(&format!(
            "\nIts values follow the ordered category `{}`, so `<` and `>` compare them by rank.\n",
            schema.orders().get(order).name
        ));
    }
    if field.custom {
        out.push_str("\nA custom field, declared in `icp.toml` under `[fields]`.");
    } else {
        if let Some(note) = data_model_note(field.path()) {
            out.push_str(&format!("\n{note}\n"));
        }
        out.push_str("\nA canonical field of the data model (`docs/language.md`).");
    }
    out
}

/// The data model table of the language reference: `| `company.x`, `company.y` | type |
/// notes |` rows.
const LANGUAGE_DOC: &str = include_str!("../../../../docs/language.md");

/// The notes of a canonical field in the data model table, if it has any.
fn data_model_note(path: &str) -> Option<&'static str> {
    let table = LANGUAGE_DOC.split("## The data model").nth(1)?;
    let wanted = format!("`{path}`");
    table
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .find_map(|line| {
            let mut cells = line.split('|').map(str::trim).skip(1);
            let fields = cells.next()?;
            let _ty = cells.next()?;
            let note = cells.next()?;
            let named = fields.split(',').any(|f| f.trim() == wanted);
            (named && !note.is_empty()).then_some(note)
        })
}

/// How values of a kind are read and compared (the kinds of `icp_engine::FieldKind`).
fn kind_text(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Plain => "Read and compared as any value of its type.",
        FieldKind::Country => {
            "A country: compared by ISO-3166 alpha-2 code when the text names one, so `\"Germany\"` equals `\"DE\"`."
        }
        FieldKind::Domain => {
            "A web domain, normalised as it is read: `https://www.Acme.com/x` is `acme.com`."
        }
        FieldKind::Phone => "A phone number, read as text.",
        FieldKind::Headcount => {
            "An employee count, read from a count or a range: `51-200` is 125.5."
        }
        FieldKind::Money => {
            "An amount of money, with any currency and magnitude: `$1.2M` is 1,200,000."
        }
        FieldKind::Year => "A year, or the year of a date: `2001-06-30` is 2001.",
        FieldKind::Industry => {
            "An industry, read as its canonical industry when the project chose a taxonomy (`[input] industry_taxonomy`)."
        }
    }
}

/// A signal's signature, documentation and origin.
pub fn signal_text(view: &View<'_>, signal: &SignalDecl) -> String {
    let mut out = format!("```icp\n{}\n```\n", signal.signature());
    if !signal.doc.is_empty() {
        out.push_str(&format!("{}\n", signal.doc));
    }
    if !signal.inputs.is_empty() {
        out.push_str(&format!("\nReads {}.\n", signal.inputs.join(", ")));
    }
    if let Some(plugin) = view.state.plugins.iter().find(|p| p.name == signal.plugin) {
        let file = plugin
            .file
            .file_name()
            .map_or_else(String::new, |f| f.to_string_lossy().into_owned());
        out.push_str(&format!(
            "\nFrom plugin `{}` {} (`{file}`, {}).",
            plugin.name,
            plugin.version,
            if view.state.plugin_code {
                "loaded"
            } else {
                "declared by its manifest"
            }
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_canonical_field_is_in_the_data_model_table() {
        let table = LANGUAGE_DOC
            .split("## The data model")
            .nth(1)
            .expect("the data model section");
        for (_, field) in Schema::canonical().fields() {
            assert!(
                table.contains(&format!("`{}`", field.path())),
                "{} is missing from docs/language.md",
                field.path()
            );
        }
        assert_eq!(
            data_model_note("company.employees"),
            Some("`\"51-200\"` → 125.5 (midpoint), `\"10,001+\"` → 10001, `\"1.2K\"` → 1200")
        );
        assert_eq!(data_model_note("company.name"), None);
        assert_eq!(data_model_note("company.headcount"), None);
    }
}
