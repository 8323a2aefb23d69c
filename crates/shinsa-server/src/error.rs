//! What the server's services answer when they cannot do what was asked.
//!
//! The services (registers, plans, cases, files, publication, reports,
//! jobs) speak in these terms; the HTTP status, problem type and page a
//! person sees are chosen at the edge only ([`crate::Problem`]'s
//! `From<Error>`, the UI's error page), so a background job and a handler
//! share one service without either knowing about the other.

use shinsa_store::StoreError;

/// A field-level error of a request (a plan's gap, a list entry refused).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// RFC 6901 pointer, or the field's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_ja: Option<String>,
}

/// Why a service refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No such object, or one the caller may not see (the two are not told
    /// apart).
    #[error("{0}")]
    NotFound(String),
    /// The caller's role may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The request itself does not make sense (a parameter out of range).
    #[error("{0}")]
    BadRequest(String),
    /// A file that does not read: every error with its place; nothing kept.
    #[error("{} error(s)", .0.total())]
    BadInput(shinsa_ingest::InputErrors),
    /// The object's state does not allow it, or someone changed it since
    /// the caller read it.
    #[error("{detail}")]
    Conflict {
        /// A short name of the kind of conflict (`step-not-allowed`).
        kind: &'static str,
        title: &'static str,
        detail: String,
    },
    /// What was sent breaks a rule of the thing it changes (a plan that is
    /// not complete, a step without its note).
    #[error("{detail}")]
    Invalid {
        kind: &'static str,
        title: &'static str,
        detail: String,
        errors: Vec<FieldError>,
    },
    /// A file or text over its limit.
    #[error("{0}")]
    TooLarge(String),
    /// A file of a kind the server does not keep.
    #[error("{0}")]
    Unsupported(String),
    /// The server has no room for the work now (every reader of uploads
    /// busy); the same request may succeed shortly.
    #[error("{0}")]
    Busy(String),
    /// Too many requests of one kind; `retry_after` seconds until the next.
    #[error("{detail}")]
    TooMany { detail: String, retry_after: u64 },
    #[error(transparent)]
    Store(StoreError),
    /// A fault of the server (a stored value that does not read, a task
    /// that stopped): logged, never shown.
    #[error("{0}")]
    Internal(String),
}

impl Error {
    /// A rule of the object refuses what was sent.
    pub fn invalid(kind: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        Error::Invalid {
            kind,
            title,
            detail: detail.into(),
            errors: Vec::new(),
        }
    }
}

impl From<StoreError> for Error {
    fn from(error: StoreError) -> Self {
        match error {
            // Another tenant's object is reported exactly like a missing one.
            StoreError::NotFound(what) => Error::NotFound(format!("no {what}")),
            StoreError::Stale(detail) => Error::Conflict {
                kind: "stale",
                title: "Changed meanwhile",
                detail,
            },
            StoreError::Conflict(what) => Error::Conflict {
                kind: "conflict",
                title: "Already exists",
                detail: format!("{what} already exists"),
            },
            StoreError::Invalid(detail) => Error::BadRequest(detail),
            other => Error::Store(other),
        }
    }
}

impl From<tokio::task::JoinError> for Error {
    fn from(error: tokio::task::JoinError) -> Self {
        Error::Internal(format!("a task stopped: {error}"))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
