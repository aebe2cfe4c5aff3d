//! The errors of `icp serve`'s requests: a status and a JSON body `{"error": "…"}`.
//!
//! How it works: every handler returns `Result<Response, ApiError>`; an [`ApiError`] becomes
//! its status with the JSON body, plus any fields of `detail` beside `error` (the rejected
//! leads of a request, the diagnostics of a failed reload). Nothing a client sends reaches a
//! panic: a panic while scoring is caught and answered 500 like any other error.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

/// An error answered to the client.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    /// More fields of the body, beside `error`.
    pub detail: Map<String, Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            detail: Map::new(),
        }
    }

    /// 400: the request cannot be read.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    /// 500: something failed on the server's side (a plugin, a panic).
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    pub fn with(mut self, key: &str, value: Value) -> ApiError {
        self.detail.insert(key.to_string(), value);
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = Map::new();
        body.insert("error".to_string(), Value::String(self.message));
        body.extend(self.detail);
        let mut response = (self.status, axum::Json(Value::Object(body))).into_response();
        if self.status == StatusCode::TOO_MANY_REQUESTS {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("1"),
            );
        }
        response
    }
}
