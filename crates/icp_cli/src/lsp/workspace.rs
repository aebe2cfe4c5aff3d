//! The server's state: the open documents, their projects, and each project's analysis.
//!
//! How it works: a document's text is held as the editor last sent it (full text, or range
//! edits applied to it). Each document belongs to a project ([`ProjectKey`]); a project is
//! loaded on first use and again when its `icp.toml` changes. Any edit, opening or closing
//! marks its project's [`Analysis`] out of date and its diagnostics unpublished; an analysis
//! is recomputed only when something needs it — a request about one of its documents, or
//! [`Workspace::publish`], which the server calls once the messages already queued are
//! handled, so a burst of keystrokes is checked once. Every file of the project gets its
//! diagnostics, not only the open ones: an open document always (an empty list clears it), a
//! closed rule file when it has problems, and once more, empty, when they are gone — so
//! renaming a `let` shows the error in the file that uses it, open or not. A closed document
//! that is no rule file of its project is cleared.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use icp_diagnostics::FileId;
use lsp_types::{TextDocumentContentChangeEvent, Uri};

use super::analysis::{Analysis, Input, Member};
use super::diagnostics;
use super::projects::{ProjectKey, ProjectState, ServerOptions};
use super::text::apply_change;
use super::uri;
use crate::trust::Trust;

/// Diagnostics to send: a file's URI and its whole list (empty to clear it).
pub type Published = Vec<(Uri, Vec<lsp_types::Diagnostic>)>;

/// An open document.
#[derive(Debug)]
pub struct Document {
    pub text: String,
    pub path: Option<PathBuf>,
    pub key: ProjectKey,
}

#[derive(Debug)]
struct Loaded {
    state: ProjectState,
    analysis: Option<Analysis>,
}

/// Everything the server knows.
#[derive(Debug)]
pub struct Workspace {
    options: ServerOptions,
    trust: Trust,
    docs: HashMap<Uri, Document>,
    projects: HashMap<ProjectKey, Loaded>,
    unpublished: HashSet<ProjectKey>,
    /// Documents whose diagnostics must be cleared (closed ones).
    cleared: Vec<Uri>,
    /// Per project, the files not open in the editor that were last published with problems:
    /// they get an empty list once their problems are gone.
    closed_with_problems: HashMap<ProjectKey, Vec<Uri>>,
    /// Messages for the user (window/showMessage), taken by the server.
    pub messages: Vec<String>,
}

/// What a request about a document sees: the document, its project and its analysis.
#[derive(Debug)]
pub struct View<'a> {
    pub text: &'a str,
    pub state: &'a ProjectState,
    pub analysis: &'a Analysis,
}

impl Workspace {
    pub fn new(options: ServerOptions, trust: Trust) -> Workspace {
        Workspace {
            options,
            trust,
            docs: HashMap::new(),
            projects: HashMap::new(),
            unpublished: HashSet::new(),
            cleared: Vec::new(),
            closed_with_problems: HashMap::new(),
            messages: Vec::new(),
        }
    }

    pub fn open(&mut self, uri: Uri, text: String) {
        let path = uri::to_path(&uri);
        let key = ProjectKey::of(&self.options, path.as_deref(), uri.as_str());
        self.invalidate(&key);
        self.docs.insert(uri, Document { text, path, key });
    }

    /// Applies the content changes of a `didChange`; an unknown document is ignored.
    pub fn change(&mut self, uri: &Uri, changes: Vec<TextDocumentContentChangeEvent>) {
        let Some(doc) = self.docs.get_mut(uri) else {
            return;
        };
        for change in changes {
            apply_change(&mut doc.text, change);
        }
        let key = doc.key.clone();
        self.invalidate(&key);
    }

    pub fn close(&mut self, uri: &Uri) {
        if let Some(doc) = self.docs.remove(uri) {
            self.invalidate(&doc.key);
            self.cleared.push(uri.clone());
        }
    }

    /// Files may have changed on disk (a save, a watched file): every analysis is redone.
    pub fn invalidate_all(&mut self) {
        let keys: Vec<ProjectKey> = self.projects.keys().cloned().collect();
        for key in keys {
            self.invalidate(&key);
        }
    }

    fn invalidate(&mut self, key: &ProjectKey) {
        if let Some(loaded) = self.projects.get_mut(key) {
            loaded.analysis = None;
        }
        self.unpublished.insert(key.clone());
    }

    pub fn document(&self, uri: &Uri) -> Option<&Document> {
        self.docs.get(uri)
    }

    /// The document, its project and an up-to-date analysis, for a request.
    pub fn view(&mut self, uri: &Uri) -> Option<View<'_>> {
        let key = self.docs.get(uri)?.key.clone();
        self.ensure(&key);
        let loaded = self.projects.get(&key)?;
        let analysis = loaded.analysis.as_ref()?;
        analysis.file_of(uri)?;
        Some(View {
            text: &self.docs.get(uri)?.text,
            state: &loaded.state,
            analysis,
        })
    }

    /// The diagnostics to publish for the projects edited since the last call (see the
    /// module documentation), and an empty list for each document closed since that is no
    /// longer a file of its project.
    pub fn publish(&mut self) -> Published {
        // Keyed by the URI's text (a `Uri` caches parts of itself, so it is no hash key).
        let mut out: HashMap<String, (Uri, Vec<lsp_types::Diagnostic>)> = HashMap::new();
        let keys: Vec<ProjectKey> = self.unpublished.drain().collect();
        for key in keys {
            self.ensure(&key);
            let Some(analysis) = self.projects.get(&key).and_then(|l| l.analysis.as_ref()) else {
                continue;
            };
            let before = self.closed_with_problems.remove(&key).unwrap_or_default();
            let mut now = Vec::new();
            for (i, member) in analysis.members.iter().enumerate() {
                let on_disk = || member.path.as_deref().and_then(uri::from_path);
                let Some(uri) = member.uri.clone().or_else(on_disk) else {
                    continue;
                };
                let list = diagnostics::for_file(analysis, FileId(i as u32));
                let open = self.docs.contains_key(&uri);
                if !open && !list.is_empty() {
                    now.push(uri.clone());
                }
                if open || !list.is_empty() || before.contains(&uri) {
                    out.insert(uri.as_str().to_string(), (uri, list));
                }
            }
            // A file that had problems and is no longer in the project (deleted, moved).
            for uri in before {
                out.entry(uri.as_str().to_string())
                    .or_insert_with(|| (uri, Vec::new()));
            }
            self.closed_with_problems.insert(key, now);
        }
        for uri in self.cleared.drain(..) {
            if !self.docs.contains_key(&uri) {
                out.entry(uri.as_str().to_string())
                    .or_insert_with(|| (uri, Vec::new()));
            }
        }
        let mut out: Published = out.into_values().collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// Loads the project (again if its `icp.toml` changed) and analyses it if it is out of
    /// date.
    fn ensure(&mut self, key: &ProjectKey) {
        let stale = self
            .projects
            .get(key)
            .is_none_or(|loaded| loaded.state.is_stale(key));
        if stale {
            let state = ProjectState::load(key, &self.options, &self.trust);
            self.messages.extend(state.problems.iter().cloned());
            self.projects.insert(
                key.clone(),
                Loaded {
                    state,
                    analysis: None,
                },
            );
        }
        let Some(loaded) = self.projects.get(key) else {
            return;
        };
        if loaded.analysis.is_some() {
            return;
        }
        let inputs = self.inputs(key, &loaded.state);
        let analysis = Analysis::run(
            inputs,
            &loaded.state.project.config.schema,
            &loaded.state.signals,
        );
        if let Some(loaded) = self.projects.get_mut(key) {
            loaded.analysis = Some(analysis);
        }
    }

    /// The files of a project: its rule files, an open document's text in place of its
    /// file's, then the open documents of the project that are not among its rule files.
    fn inputs(&self, key: &ProjectKey, state: &ProjectState) -> Vec<Input> {
        let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        let mut open: Vec<(&Uri, &Document, Option<PathBuf>)> = self
            .docs
            .iter()
            .filter(|(_, d)| &d.key == key)
            .map(|(uri, d)| (uri, d, d.path.as_deref().map(canonical)))
            .collect();
        open.sort_by(|a, b| a.0.cmp(b.0));
        let mut used = vec![false; open.len()];
        let mut inputs = Vec::new();
        for path in state.rule_files() {
            let real = canonical(&path);
            let name = state.project.show(&path);
            if let Some(i) = open.iter().position(|(_, _, p)| p.as_ref() == Some(&real)) {
                used[i] = true;
                inputs.push(Input {
                    name,
                    member: Member {
                        path: Some(path),
                        uri: Some(open[i].0.clone()),
                    },
                    text: open[i].1.text.clone(),
                });
            } else if let Some(text) = std::fs::read(&path)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
            {
                inputs.push(Input {
                    name,
                    member: Member {
                        path: Some(path),
                        uri: None,
                    },
                    text,
                });
            }
        }
        for ((uri, doc, _), used) in open.into_iter().zip(used) {
            if used {
                continue;
            }
            let name = doc
                .path
                .as_deref()
                .map_or_else(|| uri.as_str().to_string(), |p| state.project.show(p));
            inputs.push(Input {
                name,
                member: Member {
                    path: doc.path.clone(),
                    uri: Some(uri.clone()),
                },
                text: doc.text.clone(),
            });
        }
        inputs
    }
}
