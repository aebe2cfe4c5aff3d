//! Completion: what may be written at the cursor.
//!
//! How it works: the text before the cursor is read as tokens (the file is usually broken
//! while it is typed), and the tokens just before the cursor say what is expected:
//!
//! - after `company.` or `contact.`: that entity's fields of the project's schema;
//! - after `PLUGIN.`: the plugin's signals; inside `PLUGIN.SIGNAL(`: its parameters, as
//!   named arguments;
//! - in a test, after `expect` (or `expect best`): the ICP names; after `expect ICP tier`: that
//!   ICP's tiers; after `expect ICP`: what may be expected of it; after `signal`: every signal;
//!   inside `company { … }` or `contact { … }`: the entity's field names;
//! - anywhere else: the project's lets and personas, `company`, `contact`, the plugins and
//!   the keywords.
//!
//! Nothing is offered inside a string, comment or regex literal. The editor filters the
//! items by what is typed of the current word.

use icp_engine::Entity;
use lsp_types::{
    CompletionItem, CompletionItemKind, Documentation, InsertTextFormat, MarkupContent, MarkupKind,
};

use super::analysis::SymbolKind;
use super::hover::{enclosing_record, field_text, signal_text};
use super::lexer::{self, Kind, Token};
use super::workspace::View;

/// The keywords of the language, offered where a name may start.
const KEYWORDS: &[&str] = &[
    "let",
    "persona",
    "icp",
    "test",
    "require",
    "exclude",
    "score",
    "group",
    "max",
    "tier",
    "when",
    "otherwise",
    "and",
    "or",
    "not",
    "in",
    "has",
    "any",
    "all",
    "every",
    "count",
    "contacts",
    "where",
    "contains",
    "starts with",
    "matches",
    "between",
    "is missing",
    "is present",
    "true",
    "false",
    "today",
    "decaying",
    "half_life",
    "top",
    "product",
    "version",
    "owner",
    "description",
    "company",
    "contact",
    "signal",
    "expect",
    "best",
];

/// The completion items at byte `offset`.
pub fn complete(view: &View<'_>, offset: usize) -> Vec<CompletionItem> {
    let text = view.text;
    let tokens = lexer::tokens(text);
    let mut before = lexer::index_after(&tokens, offset);
    // A literal or comment holding the cursor: nothing to offer.
    if let Some(t) = tokens.get(before)
        && t.start < offset
        && t.kind != Kind::Name
    {
        return Vec::new();
    }
    if let Some(t) = before.checked_sub(1).map(|i| tokens[i])
        && t.end == offset
        && is_open_literal(text, t)
    {
        return Vec::new();
    }
    // The word being typed, if the cursor ends one.
    let mut typed = "";
    if let Some(t) = before.checked_sub(1).map(|i| tokens[i])
        && t.kind == Kind::Name
        && t.end == offset
    {
        typed = t.text(text);
        before -= 1;
    }
    let previous: Vec<&str> = tokens[..before]
        .iter()
        .rev()
        .take(3)
        .map(|t| t.text(text))
        .collect();
    if let Some((head, _)) = typed.rsplit_once('.') {
        return members(view, head);
    }
    match previous.as_slice() {
        ["expect", ..] | ["best", "expect", ..] => {
            let mut items = icps(view);
            if previous[0] == "expect" {
                items.push(keyword("best"));
            }
            return items;
        }
        ["tier", icp, "expect", ..] => return tiers(view, icp),
        [_, "expect", ..] => {
            return ["tier", "score", "qualified", "disqualified"]
                .into_iter()
                .map(keyword)
                .collect();
        }
        ["signal", ..] => return all_signals(view),
        _ => {}
    }
    if let Some(items) = arguments(view, &tokens, before) {
        return items;
    }
    if let Some(entity) = enclosing_record(text, &tokens, before)
        && matches!(previous.first(), Some(&"{") | Some(&","))
    {
        return record_fields(view, entity);
    }
    names(view)
}

/// Whether a string, comment or regex token is still open at its end (the cursor there is
/// inside it).
fn is_open_literal(text: &str, token: Token) -> bool {
    let body = token.text(text);
    match token.kind {
        Kind::Comment => true,
        Kind::String => body.len() < 2 || !body.ends_with('"') || body.ends_with("\\\""),
        Kind::Regex => body.len() < 2 || !body[1..].contains('/'),
        _ => false,
    }
}

fn markdown(value: String) -> Option<Documentation> {
    Some(Documentation::MarkupContent(MarkupContent {
        kind: MarkupKind::Markdown,
        value,
    }))
}

fn keyword(word: &str) -> CompletionItem {
    CompletionItem {
        label: word.to_string(),
        kind: Some(CompletionItemKind::KEYWORD),
        ..CompletionItem::default()
    }
}

/// After `HEAD.`: fields of an entity, or signals of a plugin.
fn members(view: &View<'_>, head: &str) -> Vec<CompletionItem> {
    let entity = match head {
        "company" => Entity::Company,
        "contact" => Entity::Contact,
        plugin => {
            return view
                .state
                .signals
                .signals_of(plugin)
                .map(|s| signal_item(view, s, false))
                .collect();
        }
    };
    entity_fields(view, entity, false)
}

fn entity_fields(view: &View<'_>, entity: Entity, as_record: bool) -> Vec<CompletionItem> {
    let schema = &view.state.project.config.schema;
    schema
        .fields()
        .filter(|(_, f)| f.entity == entity)
        .map(|(_, f)| CompletionItem {
            label: f.name.clone(),
            kind: Some(CompletionItemKind::FIELD),
            detail: Some(f.ty.to_string()),
            documentation: markdown(field_text(schema, f)),
            insert_text: as_record.then(|| format!("{}: ", f.name)),
            ..CompletionItem::default()
        })
        .collect()
}

fn record_fields(view: &View<'_>, entity: Entity) -> Vec<CompletionItem> {
    entity_fields(view, entity, true)
}

fn signal_item(view: &View<'_>, signal: &icp_engine::SignalDecl, full: bool) -> CompletionItem {
    let label = if full {
        format!("{}.{}", signal.plugin, signal.name)
    } else {
        signal.name.clone()
    };
    // A signal with parameters is called: `name($1)`, the cursor between the parentheses.
    let (insert_text, format) = if signal.params.is_empty() {
        (None, None)
    } else {
        (
            Some(format!("{label}($1)")),
            Some(InsertTextFormat::SNIPPET),
        )
    };
    CompletionItem {
        label,
        kind: Some(CompletionItemKind::FUNCTION),
        detail: Some(signal.signature()),
        documentation: markdown(signal_text(view, signal)),
        insert_text,
        insert_text_format: format,
        ..CompletionItem::default()
    }
}

fn all_signals(view: &View<'_>) -> Vec<CompletionItem> {
    view.state
        .signals
        .plugins()
        .into_iter()
        .flat_map(|p| view.state.signals.signals_of(p))
        .map(|s| signal_item(view, s, true))
        .collect()
}

/// Inside the parentheses of `PLUGIN.SIGNAL(`: its parameters as named arguments.
fn arguments(view: &View<'_>, tokens: &[Token], before: usize) -> Option<Vec<CompletionItem>> {
    let text = view.text;
    let mut depth = 0usize;
    for i in (0..before).rev() {
        let token = tokens[i];
        if token.kind != Kind::Punct {
            continue;
        }
        match token.text(text) {
            ")" => depth += 1,
            "(" if depth > 0 => depth -= 1,
            "(" => {
                let callee = tokens.get(i.checked_sub(1)?)?;
                let (plugin, name) = callee.text(text).split_once('.')?;
                let id = view.state.signals.lookup(plugin, name)?;
                let signal = view.state.signals.signal(id);
                return Some(
                    signal
                        .params
                        .iter()
                        .map(|p| CompletionItem {
                            label: p.name.clone(),
                            kind: Some(CompletionItemKind::VARIABLE),
                            detail: Some(format!(
                                "{}{}",
                                p.ty,
                                if p.optional { " (optional)" } else { "" }
                            )),
                            documentation: markdown(signal_text(view, signal)),
                            insert_text: Some(format!("{}: ", p.name)),
                            ..CompletionItem::default()
                        })
                        .collect(),
                );
            }
            // A statement boundary: not inside a call.
            "{" | "}" => return None,
            _ => {}
        }
    }
    None
}

fn icps(view: &View<'_>) -> Vec<CompletionItem> {
    view.analysis
        .of_kind(SymbolKind::Icp)
        .map(|s| CompletionItem {
            label: s.name.clone(),
            kind: Some(CompletionItemKind::CLASS),
            detail: Some(s.text.clone()),
            ..CompletionItem::default()
        })
        .collect()
}

fn tiers(view: &View<'_>, icp: &str) -> Vec<CompletionItem> {
    view.analysis
        .lookup(icp)
        .filter(|s| s.kind == SymbolKind::Icp)
        .flat_map(|s| {
            s.tiers.iter().map(|tier| CompletionItem {
                label: tier.clone(),
                kind: Some(CompletionItemKind::ENUM_MEMBER),
                detail: Some(format!("a tier of {icp}")),
                ..CompletionItem::default()
            })
        })
        .collect()
}

/// Where a name may start: lets, personas, entities, plugins and keywords.
fn names(view: &View<'_>) -> Vec<CompletionItem> {
    let mut items: Vec<CompletionItem> = view
        .analysis
        .symbols
        .iter()
        .filter(|s| s.kind != SymbolKind::Icp)
        .map(|s| CompletionItem {
            label: s.name.clone(),
            kind: Some(if s.kind == SymbolKind::Let {
                CompletionItemKind::VARIABLE
            } else {
                CompletionItemKind::CLASS
            }),
            detail: Some(s.text.lines().next().unwrap_or("").to_string()),
            documentation: markdown(format!("```icp\n{}\n```", s.text)),
            ..CompletionItem::default()
        })
        .collect();
    items.extend(
        view.state
            .signals
            .plugins()
            .into_iter()
            .map(|p| CompletionItem {
                label: p.to_string(),
                kind: Some(CompletionItemKind::MODULE),
                detail: Some("signal plugin".to_string()),
                ..CompletionItem::default()
            }),
    );
    items.extend(KEYWORDS.iter().map(|k| keyword(k)));
    let mut seen = std::collections::HashSet::new();
    items.retain(|item| seen.insert(item.label.clone()));
    items
}
