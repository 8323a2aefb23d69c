//! Errors as RFC 9457 problem details (`application/problem+json`).

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use shinsa_store::StoreError;

/// An error a client is told about.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// For bad input: each error with its file, line, column or pointer,
    /// field, expected and found.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<serde_json::Value>,
    /// Seconds until the request may be made again (`Retry-After`).
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

impl Problem {
    pub fn new(status: StatusCode, slug: &str, title: &str, detail: impl Into<String>) -> Self {
        Problem {
            kind: format!("https://shinsa.example/problems/{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
        }
    }
    pub fn unauthorized() -> Self {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Sign-in required",
            "send an API token as `Authorization: Bearer …` or sign in",
        )
    }
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Problem::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Not allowed for your role",
            detail,
        )
    }
    pub fn not_found(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::NOT_FOUND, "not-found", "Not found", detail)
    }
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "Bad request",
            detail,
        )
    }
    /// A register or list that did not read: every error, none imported.
    pub fn bad_input(errors: &shinsa_ingest::InputErrors) -> Self {
        let mut problem = Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad-input",
            "The upload has errors; nothing was imported",
            format!("{} error(s)", errors.errors().len()),
        );
        problem.errors = errors
            .errors()
            .iter()
            .map(|error| {
                let mut value = serde_json::json!({
                    "file": error.location.file(),
                    "at": error.location.to_string(),
                    "field": error.field,
                    "expected": error.expected,
                    "found": error.found,
                    "message": error.to_string(),
                });
                match &error.location {
                    shinsa_ingest::Location::Text { line, column, .. } => {
                        value["line"] = (*line).into();
                        value["column"] = (*column).into();
                    }
                    shinsa_ingest::Location::Cell { sheet, cell, .. } => {
                        value["sheet"] = sheet.as_str().into();
                        value["cell"] = cell.as_str().into();
                    }
                    shinsa_ingest::Location::Pointer { pointer, .. } => {
                        value["pointer"] = pointer.as_str().into();
                    }
                    shinsa_ingest::Location::File { .. } => {}
                }
                value
            })
            .collect();
        problem
    }
    /// A fault of the server; the detail is logged, not shown.
    pub fn internal(detail: impl Into<String>) -> Self {
        let detail = detail.into();
        tracing::error!(%detail, "internal error");
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            "the server could not complete the request; it has been logged",
        )
    }
}

impl From<StoreError> for Problem {
    fn from(error: StoreError) -> Self {
        match error {
            // Another tenant's object is reported exactly like a missing one.
            StoreError::NotFound(what) => Problem::not_found(format!("no {what}")),
            StoreError::Conflict(what) => Problem::new(
                StatusCode::CONFLICT,
                "conflict",
                "Already exists",
                format!("{what} already exists"),
            ),
            StoreError::Stale(what) => {
                Problem::new(StatusCode::CONFLICT, "stale", "Changed meanwhile", what)
            }
            StoreError::Invalid(what) => Problem::bad_request(what),
            other => Problem::internal(other.to_string()),
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response();
        if let Some(seconds) = self.retry_after
            && let Ok(value) = header::HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}
