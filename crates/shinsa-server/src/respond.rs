//! Documents and files as HTTP responses: PDF/A laid out off the async
//! threads with its substitutions in headers, standalone HTML under its own
//! policy, downloads with one RFC 6266 header.

use crate::Problem;
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// At most this many `Shinsa-Warning` headers on one response; the log has
/// them all.
const MAX_WARNING_HEADERS: usize = 20;

/// A document as PDF/A: laid out on a blocking thread (typst takes
/// milliseconds to seconds). Characters no embedded font has are drawn as
/// `[U+XXXX]`; each is logged and named in a `Shinsa-Warning` header, so the
/// caller knows the document differs from the data.
pub async fn pdf(
    document: shinsa_report::Document,
    disposition: &str,
    filename: &str,
) -> Result<Response, Problem> {
    let rendered = tokio::task::spawn_blocking(move || shinsa_report::pdf(&document))
        .await
        .map_err(|error| Problem::internal(error.to_string()))?
        .map_err(|error| Problem::internal(error.to_string()))?;
    let mut response = download(rendered.bytes, "application/pdf", disposition, filename);
    for substitution in &rendered.substitutions {
        tracing::warn!(%filename, "{substitution}");
    }
    let mut warnings: Vec<String> = rendered
        .substitutions
        .iter()
        .map(ToString::to_string)
        .collect();
    if rendered.shortened > 0 {
        warnings.push(format!(
            "{} text(s) longer than {} characters were cut in the PDF; the HTML form has them whole",
            rendered.shortened,
            shinsa_report::fonts::LONGEST_TEXT
        ));
        tracing::warn!(%filename, shortened = rendered.shortened, "long texts cut");
    }
    for warning in warnings.iter().take(MAX_WARNING_HEADERS) {
        if let Ok(value) = header::HeaderValue::from_str(warning) {
            response.headers_mut().append("shinsa-warning", value);
        }
    }
    Ok(response)
}

/// A document as a standalone HTML page, under a policy that lets it keep
/// its own style and run nothing.
pub fn html(document: &shinsa_report::Document) -> Response {
    (
        [(
            header::CONTENT_SECURITY_POLICY,
            crate::guard::DOCUMENT_POLICY,
        )],
        axum::response::Html(shinsa_report::html(document)),
    )
        .into_response()
}

/// `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266): the
/// quoted name in plain ASCII for old clients, the exact name percent-
/// encoded for the rest. Part of a name comes from the request's path, so
/// nothing in it may end the quoted string or the header.
pub fn content_disposition(disposition: &str, filename: &str) -> String {
    let plain: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = filename
        .bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
                char::from(byte).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect();
    format!("{disposition}; filename=\"{plain}\"; filename*=UTF-8''{encoded}")
}

/// A file to download (`attachment`) or to show (`inline`).
pub fn download(
    bytes: Vec<u8>,
    content_type: &'static str,
    disposition: &str,
    filename: &str,
) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                content_disposition(disposition, filename),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// A kept file as a download under its own name.
pub fn file(name: &str, media_type: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, media_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                content_disposition("attachment", name),
            ),
            (header::CACHE_CONTROL, "private, max-age=0".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filename_cannot_break_its_header() {
        assert_eq!(
            content_disposition("attachment", "findings.csv"),
            "attachment; filename=\"findings.csv\"; filename*=UTF-8''findings.csv"
        );
        assert_eq!(
            content_disposition("attachment", "x\";evil=1\r\n台帳.csv"),
            "attachment; filename=\"x__evil_1____.csv\"; filename*=UTF-8''x%22%3Bevil%3D1%0D%0A%E5%8F%B0%E5%B8%B3.csv"
        );
    }
}
