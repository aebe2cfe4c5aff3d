//! Isolated plugins: a plugin run in a child process, so that a crash or a hang in its
//! native code becomes an error naming it instead of taking `icp` down.
//!
//! How it works: a `[plugins.NAME]` table with `isolate = true` (or a `timeout`) loads its
//! library not into `icp` but into a worker: the same executable started as
//! `icp __plugin-worker LIBRARY` ([`WORKER_SUBCOMMAND`], served by [`serve_worker`] in
//! `worker.rs`). The worker opens and checks the library with the host's own loader and
//! answers with the plugin's declarations ([`protocol::Hello`]); the host builds the same
//! [`Loaded`](crate::load::Loaded) plugin from them, with a [`Backend::Worker`] instead of the
//! in-process table, so the catalogue, `Host::prepare` and `Signals::fill` are the same calls
//! in both modes. Each `init` and each signal call is one request over the worker's standard
//! input and one reply over its standard output ([`protocol`]); the worker replays it through
//! the host's in-process code (`call.rs`: the ABI views of the columns, the output's checks
//! and conversion), so a result is the same column either way. Both ends check what they
//! decode (`validate.rs`): the worker lends no column that does not hold together, and the
//! host takes no reply that is not a column of the declared type with a row per lead.
//!
//! Two threads per worker move the bytes (a writer, so a worker that stops reading cannot
//! block `icp`, and a reader), and the caller waits for the reply, up to the plugin's
//! `timeout` when it has one. A worker that ends — a segfault, an abort, `exit` — or that
//! overruns its timeout (it is then killed) fails the call with [`PluginError::Isolated`],
//! which says how it ended (`crashed (signal 11: SIGSEGV)`) and during what. Requests to one
//! worker are made one at a time (a mutex): an isolated plugin evaluates one call at a time,
//! whatever `--threads` says.

pub(crate) mod protocol;
mod status;
pub(crate) mod validate;
pub(crate) mod worker;

use std::borrow::Cow;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use icp_engine::batch::Column;
use icp_engine::{Type, Value};
use icp_plugin_api::PluginV1;

use crate::load::{Loaded, PluginSource};
use crate::{PluginError, PluginInfo, show};
use protocol::{Decoder, Evaluate, Hello, Request, decode_column, read_frame, write_frame};
pub use status::show_duration;
pub use worker::serve_worker;

/// The hidden first argument that makes the `icp` executable an isolated plugin's worker.
pub const WORKER_SUBCOMMAND: &str = "__plugin-worker";

/// How a configured plugin is isolated: `isolate = true` and `timeout` of its table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Isolation {
    /// The longest any one request (loading, `init`, a signal call over a batch) may take;
    /// `None` waits as long as it takes.
    pub timeout: Option<Duration>,
    /// The executable to start as the worker; `None` is the running executable, which must
    /// then dispatch [`WORKER_SUBCOMMAND`] to [`serve_worker`] (as `icp` does).
    pub worker: Option<PathBuf>,
}

/// How a loaded plugin runs: in this process through its table, or in a worker.
#[derive(Debug)]
pub(crate) enum Backend {
    InProcess(&'static PluginV1),
    Worker(Worker),
}

/// Why a request to a worker did not give a result.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The plugin answered with an error (its own message, or the host's checks').
    Plugin(String),
    /// The worker is gone: how it ended, such as `crashed (signal 11: SIGSEGV)`.
    Ended(String),
}

/// The host's end of a worker process.
pub(crate) struct Worker {
    connection: Mutex<Connection>,
    timeout: Option<Duration>,
}

struct Connection {
    child: Child,
    requests: Option<Sender<Vec<u8>>>,
    replies: Receiver<io::Result<Vec<u8>>>,
    /// How the worker ended, once it has.
    ended: Option<String>,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Starts the worker of `path` (the plugin `name`, as configured) and reads the plugin's declarations from it.
pub(crate) fn open(
    name: &str,
    path: &Path,
    source: PluginSource,
    isolation: &Isolation,
) -> Result<Loaded, PluginError> {
    let exe = match &isolation.worker {
        Some(exe) => exe.clone(),
        None => std::env::current_exe().map_err(|e| PluginError::NotLoadable {
            path: show(path),
            message: format!("cannot find the icp executable to isolate the plugin in: {e}"),
        })?,
    };
    let worker =
        Worker::start(&exe, path, isolation.timeout).map_err(|e| PluginError::NotLoadable {
            path: show(path),
            message: format!("cannot start its worker process {}: {e}", show(&exe)),
        })?;
    let ended = |what: String| PluginError::Isolated {
        name: name.to_string(),
        path: show(path),
        what,
        doing: "loading it".to_string(),
    };
    let hello = match worker.exchange(None) {
        Ok(frame) => Decoder::new(&frame)
            .reply(Hello::decode)
            .map_err(|e| ended(format!("sent a malformed reply ({e})")))?,
        Err(Failure::Ended(what)) => return Err(ended(what)),
        Err(Failure::Plugin(message)) => return Err(ended(message)),
    };
    let hello = hello.map_err(PluginError::Reported)?;
    Ok(Loaded {
        info: PluginInfo {
            name: hello.name,
            version: hello.version,
            doc: hello.doc,
            file: path.to_path_buf(),
            source,
            abi_minor: hello.abi_minor,
            config_keys: hello.config_keys,
        },
        backend: Backend::Worker(worker),
        signals: hello.signals,
        config: None,
    })
}

impl Worker {
    fn start(exe: &Path, library: &Path, timeout: Option<Duration>) -> io::Result<Worker> {
        let mut child = Command::new(exe)
            .arg(WORKER_SUBCOMMAND)
            .arg(library)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let (Some(mut stdin), Some(mut stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::other("no pipes to the worker"));
        };
        let (requests, to_write) = channel::<Vec<u8>>();
        let (send_reply, replies) = channel();
        // The writer ends when the host drops its sender or the worker's input closes.
        std::thread::spawn(move || {
            for request in to_write {
                if write_frame(&mut stdin, &request).is_err() {
                    break;
                }
            }
        });
        // The reader ends at the worker's end of output, reporting it as an error.
        std::thread::spawn(move || {
            loop {
                let frame = match read_frame(&mut stdout) {
                    Ok(Some(frame)) => Ok(frame),
                    Ok(None) => Err(io::ErrorKind::UnexpectedEof.into()),
                    Err(e) => Err(e),
                };
                let last = frame.is_err();
                if send_reply.send(frame).is_err() || last {
                    break;
                }
            }
        });
        Ok(Worker {
            connection: Mutex::new(Connection {
                child,
                requests: Some(requests),
                replies,
                ended: None,
            }),
            timeout,
        })
    }

    /// Sends a request (none: waits for the greeting) and returns the reply's frame.
    fn exchange(&self, request: Option<Vec<u8>>) -> Result<Vec<u8>, Failure> {
        let mut connection = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(ended) = &connection.ended {
            return Err(Failure::Ended(format!("had already {ended}")));
        }
        if let Some(request) = request {
            let sent = connection
                .requests
                .as_ref()
                .is_some_and(|r| r.send(request).is_ok());
            if !sent {
                return Err(connection.end(None));
            }
        }
        let reply = match self.timeout {
            Some(limit) => connection.replies.recv_timeout(limit),
            None => connection
                .replies
                .recv()
                .map_err(|_| RecvTimeoutError::Disconnected),
        };
        match reply {
            Ok(Ok(frame)) => Ok(frame),
            Ok(Err(_)) | Err(RecvTimeoutError::Disconnected) => Err(connection.end(None)),
            Err(RecvTimeoutError::Timeout) => Err(connection.end(self.timeout)),
        }
    }

    /// Initialises the plugin in the worker.
    pub(crate) fn init(&self, config_json: String, base_dir: String) -> Result<(), Failure> {
        let request = Request::Init {
            config_json,
            base_dir,
        };
        let frame = self.exchange(Some(request.encode()))?;
        reply_of(&frame, |_| Ok(()))
    }

    /// Evaluates one signal call in the worker: the column the in-process call would give.
    /// A reply that is not a column of the declared `output` type with `rows` rows fails
    /// the call: the engine indexes it by row.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn evaluate(
        &self,
        signal: u32,
        output: Type,
        today: i32,
        rows: usize,
        args: &[Option<Value>],
        inputs: Vec<(u32, &Column)>,
        contact_offsets: &[u32],
    ) -> Result<Column, Failure> {
        let request = Request::Evaluate(Evaluate {
            signal,
            today,
            rows,
            args: Cow::Borrowed(args),
            inputs: inputs
                .into_iter()
                .map(|(code, c)| (code, Cow::Borrowed(c)))
                .collect(),
            contact_offsets: Cow::Borrowed(contact_offsets),
        });
        let frame = self.exchange(Some(request.encode()))?;
        reply_of(&frame, |d| {
            let column = decode_column(d)?;
            validate::reply(&column, output, rows)?;
            Ok(column)
        })
    }
}

/// The result of a reply frame; a frame that does not decode ends nothing but fails the call.
fn reply_of<T>(
    frame: &[u8],
    body: impl FnOnce(&mut Decoder<'_>) -> io::Result<T>,
) -> Result<T, Failure> {
    match Decoder::new(frame).reply(body) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(message)) => Err(Failure::Plugin(message)),
        Err(e) => Err(Failure::Plugin(format!(
            "its worker sent a malformed reply ({e})"
        ))),
    }
}

impl Connection {
    /// Ends the worker (killing it if `overran` says it ran past its timeout, or if it
    /// lingers after closing its output) and says how it ended.
    fn end(&mut self, overran: Option<Duration>) -> Failure {
        self.requests = None;
        let how = match overran {
            Some(limit) => {
                let _ = self.child.kill();
                let status = self.child.wait().ok();
                format!(
                    "timed out after {} and was stopped ({})",
                    show_duration(limit),
                    status.map_or_else(|| "killed".to_string(), status::describe_end)
                )
            }
            None => match status::wait_briefly(&mut self.child) {
                Some(status) => status::describe(status),
                None => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    "stopped answering".to_string()
                }
            },
        };
        self.ended = Some(how.clone());
        Failure::Ended(how)
    }
}

impl Worker {
    /// Ends the worker if it still runs: closing its input ends it at its next read; one that
    /// does not end is killed. Later requests fail as to a worker that ended.
    pub(crate) fn stop(&self) {
        let mut connection = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        connection.stop();
    }
}

impl Connection {
    fn stop(&mut self) {
        if self.ended.is_none() {
            self.requests = None;
            if status::wait_briefly(&mut self.child).is_none() {
                let _ = self.child.kill();
                let _ = self.child.wait();
            }
            self.ended = Some("been stopped (icp had finished with its plugins)".to_string());
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.connection
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .stop();
    }
}
