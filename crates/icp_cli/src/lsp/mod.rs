//! `icp lsp`: a language server for `.icp` files over standard input and output.
//!
//! How it works: [`serve`] speaks JSON-RPC through `lsp-server` (synchronous: one thread
//! reads messages, this one handles them in order, one writes the answers). After the
//! `initialize` handshake it handles each message in turn: document notifications update the
//! [`workspace::Workspace`] (full text sync; range edits are applied too), requests —
//! hover, completion, definition, formatting — are answered from the document's project,
//! analysed afresh when an edit made it stale. When no message is waiting, and before
//! answering a request, the diagnostics of every project edited since are published, so a
//! burst of edits is checked once. Each
//! handler runs under `catch_unwind`: a bug answers one request with an error instead of
//! ending the server, and a request about a document the server does not have, a position
//! past the end or a half-typed file is answered (with nothing), never refused. `shutdown`
//! then `exit` ends the server with exit code 0; `exit` without `shutdown`, or the editor
//! closing the pipe, with 1, as the protocol says; a message that is not JSON-RPC with 2 and
//! a one-line error (an input error, as for every command).
//!
//! The modules: `text` (byte offsets and UTF-16 positions), `uri` (file URIs), `lexer`
//! (tokens of half-typed text), `projects` (a document's `icp.toml`, trust and plugins),
//! `analysis` (a project checked whole, its definitions indexed), `workspace` (documents and
//! projects), `diagnostics`, `hover`, `completion` and `navigate` (definition, formatting).

mod analysis;
mod completion;
mod diagnostics;
mod hover;
mod lexer;
mod navigate;
mod projects;
mod text;
mod uri;
mod workspace;

use std::panic::AssertUnwindSafe;
use std::process::ExitCode;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{self as notif, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{
    CompletionOptions, HoverProviderCapability, MessageType, OneOf, Position,
    PublishDiagnosticsParams, ServerCapabilities, ShowMessageParams, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Uri,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use projects::ServerOptions;
use text::LineIndex;
use workspace::{View, Workspace};

use crate::trust::Trust;

/// Runs the server on standard input and output until the editor ends it.
pub fn serve(options: ServerOptions, trust: Trust, trust_problem: Option<String>) -> ExitCode {
    let (connection, io_threads) = Connection::stdio();
    let mut code = match run(&connection, options, trust, trust_problem) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("icp lsp: {message}");
            ExitCode::from(1)
        }
    };
    drop(connection);
    // A message that is not JSON-RPC ends the reader: an input error, exit code 2.
    if let Err(e) = io_threads.join() {
        eprintln!("icp lsp: malformed message from the editor: {e}");
        code = ExitCode::from(2);
    }
    code
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::FULL),
                save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                ..TextDocumentSyncOptions::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into(), "(".into(), " ".into(), "{".into()]),
            ..CompletionOptions::default()
        }),
        definition_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        ..ServerCapabilities::default()
    }
}

fn run(
    connection: &Connection,
    options: ServerOptions,
    trust: Trust,
    trust_problem: Option<String>,
) -> Result<ExitCode, String> {
    let (id, _params) = connection.initialize_start().map_err(|e| e.to_string())?;
    let result = serde_json::json!({
        "capabilities": capabilities(),
        "serverInfo": { "name": "icp", "version": env!("CARGO_PKG_VERSION") },
    });
    connection
        .initialize_finish(id, result)
        .map_err(|e| e.to_string())?;
    let mut workspace = Workspace::new(options, trust);
    workspace.messages.extend(trust_problem);
    loop {
        if connection.receiver.is_empty() {
            flush(connection, &mut workspace)?;
        }
        let Ok(message) = connection.receiver.recv() else {
            return Ok(ExitCode::from(1));
        };
        match message {
            Message::Request(request) => {
                if connection
                    .handle_shutdown(&request)
                    .map_err(|e| e.to_string())?
                {
                    return Ok(ExitCode::SUCCESS);
                }
                // The diagnostics of the edits before a request go out before its answer.
                flush(connection, &mut workspace)?;
                let id = request.id.clone();
                let response = std::panic::catch_unwind(AssertUnwindSafe(|| {
                    handle_request(&mut workspace, request)
                }))
                .unwrap_or_else(|_| {
                    Response::new_err(
                        id,
                        ErrorCode::InternalError as i32,
                        "internal error in icp lsp; please report it".to_string(),
                    )
                });
                send(connection, Message::Response(response))?;
            }
            Message::Notification(notification) => {
                if notification.method == notif::Exit::METHOD {
                    return Ok(ExitCode::from(1));
                }
                let handled = std::panic::catch_unwind(AssertUnwindSafe(|| {
                    handle_notification(&mut workspace, notification);
                }));
                if handled.is_err() {
                    workspace
                        .messages
                        .push("internal error in icp lsp; please report it".to_string());
                }
            }
            Message::Response(_) => {}
        }
    }
}

fn send(connection: &Connection, message: Message) -> Result<(), String> {
    connection
        .sender
        .send(message)
        .map_err(|_| "the editor closed the connection".to_string())
}

/// Publishes the diagnostics of the projects edited since the last call, after the messages
/// gathered (a project's problems found while loading it).
fn flush(connection: &Connection, workspace: &mut Workspace) -> Result<(), String> {
    let published =
        std::panic::catch_unwind(AssertUnwindSafe(|| workspace.publish())).unwrap_or_default();
    for message in std::mem::take(&mut workspace.messages) {
        eprintln!("icp lsp: {message}");
        let params = ShowMessageParams {
            typ: MessageType::WARNING,
            message,
        };
        send(
            connection,
            Message::Notification(Notification::new(
                notif::ShowMessage::METHOD.to_string(),
                params,
            )),
        )?;
    }
    for (uri, diagnostics) in published {
        let params = PublishDiagnosticsParams {
            uri,
            diagnostics,
            version: None,
        };
        send(
            connection,
            Message::Notification(Notification::new(
                notif::PublishDiagnostics::METHOD.to_string(),
                params,
            )),
        )?;
    }
    Ok(())
}

fn handle_notification(workspace: &mut Workspace, notification: Notification) {
    let method = notification.method.clone();
    let params = notification.params;
    let bad = |e: serde_json::Error| eprintln!("icp lsp: {method}: {e}");
    match method.as_str() {
        notif::DidOpenTextDocument::METHOD => {
            match serde_json::from_value::<lsp_types::DidOpenTextDocumentParams>(params) {
                // Rule files only: a client may send every file it opens.
                Ok(p) if is_rule_file(&p.text_document) => {
                    workspace.open(p.text_document.uri, p.text_document.text);
                }
                Ok(_) => {}
                Err(e) => bad(e),
            }
        }
        notif::DidChangeTextDocument::METHOD => {
            match serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(params) {
                Ok(p) => workspace.change(&p.text_document.uri, p.content_changes),
                Err(e) => bad(e),
            }
        }
        notif::DidCloseTextDocument::METHOD => {
            match serde_json::from_value::<lsp_types::DidCloseTextDocumentParams>(params) {
                Ok(p) => workspace.close(&p.text_document.uri),
                Err(e) => bad(e),
            }
        }
        notif::DidSaveTextDocument::METHOD | notif::DidChangeWatchedFiles::METHOD => {
            workspace.invalidate_all();
        }
        _ => {}
    }
}

/// A document of the `icp` language, or a file ending in `.icp`.
fn is_rule_file(document: &lsp_types::TextDocumentItem) -> bool {
    document.language_id == "icp" || document.uri.path().as_str().ends_with(".icp")
}

fn handle_request(workspace: &mut Workspace, request: Request) -> Response {
    match request.method.as_str() {
        req::HoverRequest::METHOD => answer(request, |p: lsp_types::HoverParams| {
            let at = p.text_document_position_params;
            with_view(workspace, &at.text_document.uri, at.position, hover::hover)
        }),
        req::Completion::METHOD => answer(request, |p: lsp_types::CompletionParams| {
            let at = p.text_document_position;
            with_view(
                workspace,
                &at.text_document.uri,
                at.position,
                |view, offset| {
                    Some(lsp_types::CompletionResponse::Array(completion::complete(
                        view, offset,
                    )))
                },
            )
        }),
        req::GotoDefinition::METHOD => answer(request, |p: lsp_types::GotoDefinitionParams| {
            let at = p.text_document_position_params;
            with_view(
                workspace,
                &at.text_document.uri,
                at.position,
                |view, offset| {
                    Some(lsp_types::GotoDefinitionResponse::Array(
                        navigate::definition(view, offset),
                    ))
                },
            )
        }),
        req::Formatting::METHOD => answer(request, |p: lsp_types::DocumentFormattingParams| {
            workspace
                .document(&p.text_document.uri)
                .map(|doc| navigate::format(&doc.text))
        }),
        _ => Response::new_err(
            request.id,
            ErrorCode::MethodNotFound as i32,
            format!("icp lsp does not handle {}", request.method),
        ),
    }
}

/// The answer to a request: its parameters read (else an InvalidParams error) and handled.
fn answer<P: DeserializeOwned, R: Serialize>(
    request: Request,
    handle: impl FnOnce(P) -> R,
) -> Response {
    match serde_json::from_value::<P>(request.params) {
        Ok(params) => Response::new_ok(request.id, handle(params)),
        Err(e) => Response::new_err(request.id, ErrorCode::InvalidParams as i32, e.to_string()),
    }
}

/// Runs `handle` on the document's view at the byte offset of `position`; `None` (a null
/// answer) for a document the server does not have.
fn with_view<R>(
    workspace: &mut Workspace,
    uri: &Uri,
    position: Position,
    handle: impl FnOnce(&View<'_>, usize) -> Option<R>,
) -> Option<R> {
    let view = workspace.view(uri)?;
    let offset = LineIndex::new(view.text).offset(view.text, position);
    handle(&view, offset)
}
