//! `icp serve`: the scoring service — leads posted as JSON, scored as `icp score --format jsonl
//! --explain` would score them, by rules that reload themselves when their files change.
//!
//! How it works: [`run`] loads the plugins once (as `icp score` does, under the same trust
//! rules) and leaks the host, so every version of the rules can borrow it for the life of the
//! process; each plugin is initialised once, by the first version that uses it, and every
//! reload reuses its state (a changed `[plugins.NAME]` table waits for a restart), and the
//! plugins are shut down once, after the server stops. The first version of the rules is loaded and checked like any reload
//! ([`ruleset`]); a rule set that does not load is a usage error (exit 2) at start. The
//! listener is bound (loopback by default), its address printed on stderr as
//! `icp serve: listening on http://ADDR`, and a tokio runtime serves the axum router of
//! [`routes`] until SIGTERM or SIGINT, after which the requests in flight finish and the
//! command exits 0. A polling thread ([`watch`]) re-reads the rule files, their list files
//! and `icp.toml` every `--watch-interval` (200 ms by default); a change is loaded and checked in full and swapped in
//! whole, and a broken one leaves the working version serving and `/healthz` degraded.
//! Scoring runs on tokio's blocking threads ([`scoring`]), a pool of `--max-concurrent`
//! threads that stay (so the process's memory stays flat under load), at most that many
//! requests at once and `--max-queue` admitted (429 beyond); counters for `/metrics` are in
//! [`metrics`].

mod api_error;
mod metrics;
mod routes;
mod ruleset;
mod scoring;
mod state;
mod watch;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use crate::args::as_of_date;
use crate::error::UsageError;
use crate::project::Project;

/// What `icp serve` was asked for on the command line.
#[derive(Debug)]
pub struct ServeRequest {
    /// `--addr`: where to listen, `HOST:PORT` (port 0 picks a free one).
    pub addr: String,
    /// `--rules`: rule files or directories (default: the `rules` of icp.toml).
    pub rules: Vec<PathBuf>,
    /// `--as-of`: the date `today` stands for in every request (default: the current date).
    pub as_of: Option<String>,
    /// `--max-body`: the largest request body accepted, in bytes.
    pub max_body: usize,
    /// `--max-concurrent`: requests scored at once.
    pub max_concurrent: usize,
    /// `--max-queue`: requests admitted at once, scoring or waiting; more get 429.
    pub max_queue: usize,
    /// `--watch-interval`: how often the files of the rules are checked for edits.
    pub watch_interval: std::time::Duration,
}

/// How long an idle scoring thread waits for work before it exits: long, since a thread
/// that exits takes its allocator heap with it and the next request builds a new one.
const SCORING_THREAD_KEEP_ALIVE: std::time::Duration = std::time::Duration::from_secs(3600);

/// The limits a request is held to.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_body: usize,
    pub max_concurrent: usize,
    pub max_queue: usize,
}

/// `icp serve`: runs until SIGTERM or SIGINT, then exits 0.
pub fn run(project: Project, request: ServeRequest) -> Result<ExitCode, UsageError> {
    let limits = Limits {
        max_body: request.max_body,
        max_concurrent: request.max_concurrent,
        max_queue: request.max_queue,
    };
    if limits.max_body == 0 || limits.max_concurrent == 0 || limits.max_queue == 0 {
        return Err(UsageError::Serve(
            "--max-body, --max-concurrent and --max-queue must each be at least 1".to_string(),
        ));
    }
    if request.watch_interval.is_zero() {
        return Err(UsageError::Serve(
            "--watch-interval must be at least 1 (milliseconds)".to_string(),
        ));
    }
    if limits.max_queue < limits.max_concurrent {
        return Err(UsageError::Serve(format!(
            "--max-queue {} is below --max-concurrent {}: the queue counts the requests being scored too",
            limits.max_queue, limits.max_concurrent
        )));
    }
    let addr: SocketAddr = request.addr.parse().map_err(|_| {
        UsageError::Serve(format!(
            "--addr {}: write HOST:PORT with an IP address, such as 127.0.0.1:8787",
            request.addr
        ))
    })?;
    // Checked now, so a bad date is a usage error and not a failure of every request.
    let as_of = match &request.as_of {
        Some(text) => Some(as_of_date(Some(text))?),
        None => None,
    };
    // The plugins are loaded once and live as long as the process: every version of the
    // rules prepares its signal calls against them.
    let host: &'static icp_plugin_host::Host = Box::leak(Box::new(project.load_plugins()?));
    let loader = ruleset::Loader::new(project, request.rules, host);
    let first = loader.load().map_err(|failure| {
        UsageError::Serve(format!(
            "the rules cannot be served: {}\n{}",
            failure.message,
            failure.text.trim_end()
        ))
    })?;
    // Scoring runs on blocking threads, `--max-concurrent` at a time. Capping the pool there
    // and keeping its threads keeps the process's threads (and the allocator's per-thread
    // heaps) fixed: uncapped, a request landing while a thread was still handing back its
    // last result started a new one, and a 3-minute soak grew from 13 threads to 20 and
    // its resident memory with them.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("icp-serve")
        .max_blocking_threads(limits.max_concurrent)
        .thread_keep_alive(SCORING_THREAD_KEEP_ALIVE)
        .build()
        .map_err(|e| UsageError::Serve(format!("cannot start the server's runtime: {e}")))?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(addr))
        .map_err(|e| UsageError::Serve(format!("cannot listen on {addr}: {e}")))?;
    let bound = listener
        .local_addr()
        .map_err(|e| UsageError::Serve(format!("cannot listen on {addr}: {e}")))?;
    if !bound.ip().is_loopback() {
        eprintln!(
            "warning: icp serve listens on {bound}, which other machines can reach; it has no \
             authentication of its own (docs/security.md)"
        );
    }
    eprintln!(
        "icp serve: rules version {} ({}, {} files)",
        first.number,
        first.hash,
        first.files.len()
    );
    let state = Arc::new(state::State::new(first, limits, as_of));
    let watcher = watch::Watcher::start(loader, Arc::clone(&state), request.watch_interval)
        .map_err(|e| UsageError::Serve(format!("cannot start the rules watcher: {e}")))?;
    eprintln!("icp serve: listening on http://{bound}");
    let served = runtime.block_on(async move {
        axum::serve(listener, routes::router(state))
            .with_graceful_shutdown(shutdown_signal())
            .await
    });
    watcher.stop();
    // Blocking tasks still running (none once every request has been answered) are not
    // waited for.
    runtime.shutdown_background();
    // Once, now that no request will call them: isolated plugins' workers end here.
    host.shutdown();
    served.map_err(|e| UsageError::Serve(format!("the server stopped: {e}")))?;
    eprintln!("icp serve: stopped");
    Ok(ExitCode::SUCCESS)
}

/// Resolves on SIGTERM or SIGINT (Ctrl-C): the server stops accepting connections and
/// finishes the requests in flight.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    eprintln!("icp serve: stopping; finishing the requests in flight");
}
