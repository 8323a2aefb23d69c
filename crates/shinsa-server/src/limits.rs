//! How much people may send: every stored text's length, and the size of
//! every request body, in one table. A request over a body limit is
//! refused (413) before it is read further; a text over its limit is
//! refused (422) with the field and the limit, before anything is stored.
//!
//! The limits are chosen from what a real value needs, with room: a name
//! of a company or person is at most a few hundred characters even in the
//! longest official forms; a title a line; a note or justification a few
//! paragraphs; a URL what browsers and proxies accept.

use crate::Shared;
use crate::error::{Error, FieldError, Result};
use axum::routing::MethodRouter;

/// A text field and the most characters it may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub field: &'static str,
    pub chars: usize,
}

/// A name of something shinsa keeps (a register, a token, an organisation,
/// a user) or of a party or person in a plan.
pub const NAME: usize = 200;
/// A title (a plan's, a case's, a document's).
pub const TITLE: usize = 200;
/// A note, a justification, a plan's measure or answer: a few paragraphs.
pub const NOTE: usize = 4_000;
/// A file name as sent.
pub const FILE_NAME: usize = 255;
/// A URL (a webhook's).
pub const URL: usize = 2_048;
/// A webhook's signing secret.
pub const SECRET: usize = 256;
/// A sign-in name (an e-mail address's greatest length).
pub const LOGIN: usize = 320;
/// A password (argon2 hashes any length; longer is an attack on time).
pub const PASSWORD: usize = 1_024;
/// Any other text of a JSON body (an id, a code, a date, a country).
pub const OTHER_TEXT: usize = 1_000;

pub const REGISTER_NAME: Limit = Limit {
    field: "name",
    chars: NAME,
};
pub const TOKEN_NAME: Limit = Limit {
    field: "name",
    chars: NAME,
};
pub const PLAN_TITLE: Limit = Limit {
    field: "title",
    chars: TITLE,
};
pub const CASE_TITLE: Limit = Limit {
    field: "title",
    chars: TITLE,
};
pub const STEP_NOTE: Limit = Limit {
    field: "note",
    chars: NOTE,
};
pub const CASE_NOTE: Limit = Limit {
    field: "note",
    chars: NOTE,
};
pub const JUSTIFICATION: Limit = Limit {
    field: "justification",
    chars: NOTE,
};
pub const WEBHOOK_URL: Limit = Limit {
    field: "url",
    chars: URL,
};
pub const WEBHOOK_SECRET: Limit = Limit {
    field: "secret",
    chars: SECRET,
};
pub const UPLOADED_FILE_NAME: Limit = Limit {
    field: "name",
    chars: FILE_NAME,
};
pub const SIGN_IN_LOGIN: Limit = Limit {
    field: "login",
    chars: LOGIN,
};
pub const SIGN_IN_PASSWORD: Limit = Limit {
    field: "password",
    chars: PASSWORD,
};

/// The largest JSON or form body of a request that is not a file upload
/// (a plan of a hundred items with their suppliers is a few hundred KB).
pub const BODY_BYTES: usize = 2 * 1024 * 1024;

/// The body limit of every route but the uploads ([`BODY_BYTES`]).
pub fn body_limit() -> axum::extract::DefaultBodyLimit {
    axum::extract::DefaultBodyLimit::max(BODY_BYTES)
}

/// A route that takes a register, list or pack file: bodies up to
/// `upload_limit_mb`, received and read by one of the readers.
pub fn takes_upload(state: &Shared, route: MethodRouter<Shared>) -> MethodRouter<Shared> {
    let limit = state.config.upload_limit_mb.saturating_mul(1024 * 1024);
    takes_file(state, limit, route)
}

/// A route whose form carries a case document or plan attachment: bodies
/// up to `document_limit_mb` (and room for the form's fields), received by
/// one of the readers.
pub fn takes_document(state: &Shared, route: MethodRouter<Shared>) -> MethodRouter<Shared> {
    let limit = state
        .config
        .document_limit_mb
        .saturating_mul(1024 * 1024)
        .saturating_add(BODY_BYTES);
    takes_file(state, limit, route)
}

fn takes_file(state: &Shared, limit: usize, route: MethodRouter<Shared>) -> MethodRouter<Shared> {
    route
        .layer(axum::extract::DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            one_reader,
        ))
}

/// Lets a request that carries a file in only once one of the
/// `reads_at_once` readers is free (waiting at most `read_wait_seconds`,
/// then 503), and holds the reader until the answer is made: the file's
/// bytes and everything built from them belong to that reader, so however
/// many files are sent at once, at most `reads_at_once` are in memory, each
/// under its share of `upload_memory_mb` ([`shinsa_ingest::budget`]) beside
/// its own bytes (at most `upload_limit_mb`).
async fn one_reader(
    axum::extract::State(state): axum::extract::State<Shared>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    match state.reader().await {
        Ok(reader) => {
            let response = next.run(request).await;
            drop(reader);
            response
        }
        Err(error) => crate::problem::Problem::from(error).into_response(),
    }
}

/// The keys of a plan's (or case's) JSON whose texts are notes, and names;
/// every other string of such a body is [`OTHER_TEXT`].
const NOTE_KEYS: &[&str] = &[
    "measures",
    "foreign_government_ties",
    "note",
    "scope",
    "facility",
];
const NAME_KEYS: &[&str] = &["name", "title"];

/// Refuses `value` when it is longer than `limit`.
pub fn check(limit: Limit, value: &str) -> Result<()> {
    check_at(limit.field, limit.chars, value)
}

/// Refuses an optional value longer than `limit`.
pub fn check_optional(limit: Limit, value: Option<&str>) -> Result<()> {
    value.map_or(Ok(()), |value| check(limit, value))
}

fn check_at(field: &str, chars: usize, value: &str) -> Result<()> {
    // Counting stops one past the limit: a 16 MiB string costs no more
    // than a short one.
    if value.chars().take(chars + 1).count() <= chars {
        return Ok(());
    }
    Err(Error::Invalid {
        kind: "too-long",
        title: "A text is too long",
        detail: format!("{field}: at most {chars} characters"),
        errors: vec![FieldError {
            pointer: Some(field.to_owned()),
            message: format!("at most {chars} characters"),
            message_ja: Some(format!("{chars} 文字以内")),
        }],
    })
}

/// Refuses a JSON body (a plan, a case's content) with any string over its
/// key's limit, naming it by JSON pointer: names and titles [`NAME`], notes
/// and measures [`NOTE`], anything else [`OTHER_TEXT`].
pub fn check_json(value: &serde_json::Value) -> Result<()> {
    let mut pending = vec![(String::new(), "", value)];
    while let Some((pointer, key, value)) = pending.pop() {
        match value {
            serde_json::Value::String(text) => {
                let chars = if NOTE_KEYS.contains(&key) {
                    NOTE
                } else if NAME_KEYS.contains(&key) {
                    NAME
                } else {
                    OTHER_TEXT
                };
                check_at(&pointer, chars, text)?;
            }
            serde_json::Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    pending.push((format!("{pointer}/{index}"), key, item));
                }
            }
            serde_json::Value::Object(fields) => {
                for (name, item) in fields {
                    pending.push((format!("{pointer}/{name}"), name.as_str(), item));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_over_its_limit_is_refused_with_its_field() {
        assert!(check(TOKEN_NAME, &"a".repeat(NAME)).is_ok());
        let refused = check(TOKEN_NAME, &"名".repeat(NAME + 1)).unwrap_err();
        assert!(
            refused.to_string().contains("name: at most 200"),
            "{refused}"
        );
        let plan = serde_json::json!({"title": "t", "items": [{"facility": "ok",
            "supplier": {"name": "x".repeat(NAME + 1)}}], "measures": ["m".repeat(NOTE)]});
        let refused = check_json(&plan).unwrap_err();
        assert!(
            refused.to_string().contains("/items/0/supplier/name"),
            "{refused}"
        );
        let fine = serde_json::json!({"measures": ["m".repeat(NOTE)], "id": "plan_1"});
        assert!(check_json(&fine).is_ok());
    }
}
