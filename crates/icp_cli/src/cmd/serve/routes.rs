//! The endpoints of `icp serve`, their limits and their errors.
//!
//! How it works: [`router`] maps `POST /score`, `POST /explain`, `GET /rules`,
//! `GET /healthz` and `GET /metrics`; any other path is a 404 and another method a 405, each
//! with a JSON error body. A middleware counts every request and its latency for
//! `/metrics`. A scoring request is admitted only while fewer than `--max-queue` are (429
//! otherwise, with `Retry-After`), must say it is JSON (`application/json`, a `+json` type, or
//! `application/x-ndjson` for JSON Lines; 415 otherwise) and is read up to `--max-body` bytes
//! (413 beyond, refused from its `Content-Length` before it is read when it says so), within
//! 30 s of its headers (408 after). It then
//! waits for one of `--max-concurrent` workers, takes the version of the rules in force and is
//! scored on a blocking thread ([`scoring`]), a panic there answered 500. The answer mirrors
//! the request: one object for one object, an array for an array, JSON Lines when the body
//! was JSON Lines or the client accepts only `application/x-ndjson`.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Query, Request, State as Shared};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::{Value, json};

use super::api_error::ApiError;
use super::metrics::{Metrics, PluginFigures};
use super::scoring::{self, BodyKind, Leads, Options};
use super::state::State;

/// How long a request's body may take to arrive once its headers have: a client that stops
/// sending holds its place in the queue no longer (408).
const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The routes, as `/metrics` labels them.
const ROUTES: [&str; 5] = ["/score", "/explain", "/rules", "/healthz", "/metrics"];

/// The server's router over `state`.
pub fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/score", post(score))
        .route("/explain", post(explain))
        .route("/rules", get(rules))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(Arc::clone(&state), track))
        .with_state(state)
}

/// Counts a request and its latency, however it ends (a client that hangs up included).
async fn track(Shared(state): Shared<Arc<State>>, request: Request, next: Next) -> Response {
    struct InFlight<'a> {
        metrics: &'a Metrics,
        route: &'static str,
        started: Instant,
        status: u16,
    }
    impl Drop for InFlight<'_> {
        fn drop(&mut self) {
            let elapsed = self.started.elapsed();
            self.metrics.finished(self.route, self.status, elapsed);
        }
    }
    let matched = request.extensions().get::<MatchedPath>();
    let route = (ROUTES.iter())
        .find(|r| matched.is_some_and(|m| m.as_str() == **r))
        .copied()
        .unwrap_or("other");
    state.metrics.started();
    let mut in_flight = InFlight {
        metrics: &state.metrics,
        route,
        started: Instant::now(),
        // A request dropped before its answer (the client hung up) counts as 499, as
        // nginx logs it.
        status: 499,
    };
    let response = next.run(request).await;
    in_flight.status = response.status().as_u16();
    response
}

#[derive(Debug, serde::Deserialize)]
struct ScoreQuery {
    all: Option<bool>,
}

/// `POST /score`: the leads scored as `icp score --format jsonl --explain` writes them.
async fn score(Shared(state): Shared<Arc<State>>, request: Request) -> Result<Response, ApiError> {
    let _admitted = admit(&state)?;
    let options = options(&request)?;
    let (kind, lines_out) = body_kind(request.headers())?;
    let body = read_body(request, state.limits.max_body).await?;
    let _worker = Arc::clone(&state.workers)
        .acquire_owned()
        .await
        .map_err(|_| ApiError::internal("the server is stopping"))?;
    let (version, today) = (state.current.load_full(), state.today());
    let (leads, one, scored) = blocking(move || {
        let leads = Leads::parse(&body, kind)?;
        let (count, one) = (leads.count, leads.one);
        Ok((count, one, scoring::score(&version, leads, today, options)?))
    })
    .await?;
    state.metrics.scored(leads as u64);
    let lines = scored.lines;
    if lines_out {
        return Ok(([(header::CONTENT_TYPE, "application/x-ndjson")], lines).into_response());
    }
    let body = if one && scored.rows == 1 {
        lines.strip_suffix(b"\n").unwrap_or(&lines).to_vec()
    } else {
        json_array(&lines)
    };
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// `POST /explain`: each lead as `icp explain` shows it, with its id, best ICP and tier.
async fn explain(
    Shared(state): Shared<Arc<State>>,
    request: Request,
) -> Result<Response, ApiError> {
    let _admitted = admit(&state)?;
    let (kind, _) = body_kind(request.headers())?;
    let body = read_body(request, state.limits.max_body).await?;
    let _worker = Arc::clone(&state.workers)
        .acquire_owned()
        .await
        .map_err(|_| ApiError::internal("the server is stopping"))?;
    let (version, today) = (state.current.load_full(), state.today());
    let (one, mut explained) = blocking(move || {
        let leads = Leads::parse(&body, kind)?;
        let one = leads.one;
        Ok((one, scoring::explain(&version, leads, today)?))
    })
    .await?;
    state.metrics.scored(explained.len() as u64);
    let body = match (one, explained.len()) {
        (true, 1) => explained.remove(0),
        _ => Value::Array(explained),
    };
    Ok(axum::Json(body).into_response())
}

/// `GET /rules`: the version in force, its files and hashes.
async fn rules(Shared(state): Shared<Arc<State>>) -> Response {
    let version = state.current.load_full();
    let icps: Vec<&str> = version.rules.icps.iter().map(|i| i.name.as_str()).collect();
    axum::Json(json!({
        "version": version.number,
        "hash": version.hash,
        "loaded_at": version.loaded_at,
        "files": version.files,
        "config": version.config,
        "icps": icps,
    }))
    .into_response()
}

/// `GET /healthz`: `ok`, or `degraded` with the diagnostics of the edit that did not load
/// (200 either way: the version in force is serving).
async fn healthz(Shared(state): Shared<Arc<State>>) -> Response {
    let version = state.current.load_full();
    let mut body = json!({
        "status": "ok",
        "version": version.number,
        "hash": version.hash,
    });
    if let Some(degraded) = state.degraded() {
        body["status"] = json!("degraded");
        body["reload_error"] = json!({
            "message": degraded.failure.message,
            "at": degraded.at,
            "diagnostics": degraded.failure.diagnostics,
            "text": degraded.failure.text,
        });
    }
    axum::Json(body).into_response()
}

/// `GET /metrics`: the Prometheus text exposition.
async fn metrics(Shared(state): Shared<Arc<State>>) -> Response {
    let current = state.current.load();
    let plugins = PluginFigures::of(current.signals.host());
    let text = (state.metrics).render(current.number, state.degraded().is_none(), plugins);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

async fn not_found(request: Request) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!(
            "no endpoint {} {}; the endpoints are POST /score, POST /explain, GET /rules, GET /healthz and GET /metrics",
            request.method(),
            request.uri().path()
        ),
    )
}

async fn method_not_allowed(request: Request) -> ApiError {
    let path = request.uri().path();
    let allowed = if matches!(path, "/score" | "/explain") {
        "POST"
    } else {
        "GET"
    };
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{} {path}: use {allowed}", request.method()),
    )
}

/// A place in the queue, or 429.
fn admit(state: &State) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
    Arc::clone(&state.queue).try_acquire_owned().map_err(|_| {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "the server is busy: {} requests are being scored or waiting; retry later",
                state.limits.max_queue
            ),
        )
    })
}

/// `?all=true`.
fn options(request: &Request) -> Result<Options, ApiError> {
    let Query(query) = Query::<ScoreQuery>::try_from_uri(request.uri())
        .map_err(|e| ApiError::bad_request(format!("the query string: {}", e.body_text())))?;
    Ok(Options {
        all: query.all.unwrap_or(false),
    })
}

/// How the body holds its leads (from `Content-Type`), and whether the answer is JSON Lines.
fn body_kind(headers: &HeaderMap) -> Result<(BodyKind, bool), ApiError> {
    let essence = |value: Option<&HeaderValue>| {
        value.and_then(|v| v.to_str().ok()).map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
    };
    let kind = match essence(headers.get(header::CONTENT_TYPE)).as_deref() {
        Some("application/x-ndjson" | "application/jsonl" | "application/jsonlines") => {
            BodyKind::JsonLines
        }
        Some(t)
            if t == "application/json"
                || (t.starts_with("application/") && t.ends_with("+json")) =>
        {
            BodyKind::Json
        }
        other => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!(
                    "{}; send the leads as application/json (an object or an array of objects) or application/x-ndjson (JSON Lines)",
                    match other {
                        Some(t) => format!("Content-Type {t} is not JSON"),
                        None => "the request has no Content-Type".to_string(),
                    }
                ),
            ));
        }
    };
    let lines_out = kind == BodyKind::JsonLines
        || essence(headers.get(header::ACCEPT)).as_deref() == Some("application/x-ndjson");
    Ok((kind, lines_out))
}

/// The body, at most `limit` bytes (413 beyond).
async fn read_body(request: Request, limit: usize) -> Result<Vec<u8>, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the body is larger than {limit} bytes (--max-body); send fewer leads per request"
            ),
        )
    };
    let declared = (request.headers().get(header::CONTENT_LENGTH))
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let body: Body = request.into_body();
    let read = tokio::time::timeout(BODY_TIMEOUT, Limited::new(body, limit).collect()).await;
    match read {
        Ok(Ok(collected)) => Ok(collected.to_bytes().to_vec()),
        Ok(Err(e)) if e.is::<LengthLimitError>() => Err(too_large()),
        Ok(Err(e)) => Err(ApiError::bad_request(format!("cannot read the body: {e}"))),
        Err(_) => Err(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the body did not arrive within {} s",
                BODY_TIMEOUT.as_secs()
            ),
        )),
    }
}

/// Runs `work` on a blocking thread; a panic is a 500.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let caught = tokio::task::spawn_blocking(move || {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
    })
    .await;
    match caught {
        Ok(Ok(result)) => result,
        Ok(Err(_)) | Err(_) => Err(ApiError::internal(
            "internal error in icp while scoring; please report it with the request",
        )),
    }
}

/// JSON Lines as one JSON array.
fn json_array(lines: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(lines.len() + 2);
    out.push(b'[');
    for (i, line) in lines
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(line);
    }
    out.push(b']');
    out
}
