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
            if errors.more() > 0 {
                format!(
                    "{} error(s); the first {} are listed, and {} more were found",
                    errors.total(),
                    errors.errors().len(),
                    errors.more()
                )
            } else {
                format!("{} error(s)", errors.total())
            },
        );
        problem.errors = errors
            .errors()
            .iter()
            .map(|error| {
                let mut value = serde_json::Map::new();
                let mut put = |key: &str, field: serde_json::Value| {
                    value.insert(key.to_owned(), field);
                };
                put("file", error.location.file().into());
                put("at", error.location.to_string().into());
                put("field", error.field.as_str().into());
                put("expected", error.expected.as_str().into());
                put("found", error.found.as_str().into());
                put("message", error.to_string().into());
                match &error.location {
                    shinsa_ingest::Location::Text { line, column, .. } => {
                        put("line", (*line).into());
                        put("column", (*column).into());
                    }
                    shinsa_ingest::Location::Cell { sheet, cell, .. } => {
                        put("sheet", sheet.as_str().into());
                        put("cell", cell.as_str().into());
                    }
                    shinsa_ingest::Location::Pointer { pointer, .. } => {
                        put("pointer", pointer.as_str().into());
                    }
                    shinsa_ingest::Location::File { .. } => {}
                }
                serde_json::Value::Object(value)
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

/// The HTTP edge of the services: each refusal becomes its status and
/// problem type here, and nowhere else.
impl From<crate::Error> for Problem {
    fn from(error: crate::Error) -> Self {
        use crate::Error;
        match error {
            Error::NotFound(detail) => Problem::not_found(detail),
            Error::Forbidden(detail) => Problem::forbidden(detail),
            Error::BadRequest(detail) => Problem::bad_request(detail),
            Error::BadInput(errors) => Problem::bad_input(&errors),
            Error::Conflict {
                kind,
                title,
                detail,
            } => Problem::new(StatusCode::CONFLICT, kind, title, detail),
            Error::Invalid {
                kind,
                title,
                detail,
                errors,
            } => {
                // The first hundred, as with an upload's errors: a body
                // made of mistakes gets an answer of bounded size.
                let kept = shinsa_ingest::ERRORS_KEPT;
                let detail = if errors.len() > kept {
                    format!(
                        "{detail}; the first {kept} are listed, and {} more were found",
                        errors.len() - kept
                    )
                } else {
                    detail
                };
                let mut problem =
                    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, kind, title, detail);
                problem.errors = errors
                    .iter()
                    .take(kept)
                    .filter_map(|error| serde_json::to_value(error).ok())
                    .collect();
                problem
            }
            Error::TooLarge(detail) => Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "Too large",
                detail,
            ),
            Error::Unsupported(detail) => Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-file",
                "Not a kind of file the server keeps",
                detail,
            ),
            Error::TooMany {
                detail,
                retry_after,
            } => {
                let mut problem = Problem::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too-many-requests",
                    "Too many requests",
                    detail,
                );
                problem.retry_after = Some(retry_after.max(1));
                problem
            }
            Error::Busy(detail) => {
                let mut problem =
                    Problem::new(StatusCode::SERVICE_UNAVAILABLE, "busy", "Busy", detail);
                problem.retry_after = Some(5);
                problem
            }
            Error::Store(error) => Problem::from(error),
            Error::Internal(detail) => Problem::internal(detail),
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = match serde_json::to_vec(&self) {
            Ok(body) => (
                status,
                [(header::CONTENT_TYPE, "application/problem+json")],
                body,
            )
                .into_response(),
            Err(error) => {
                tracing::error!(%error, "writing a problem document");
                (status, self.detail).into_response()
            }
        };
        if let Some(seconds) = self.retry_after
            && let Ok(value) = header::HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}
