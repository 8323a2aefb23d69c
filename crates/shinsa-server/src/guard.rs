//! What every request and response passes through: browser protections
//! in the headers, and the refusal of cross-site requests that would
//! act with a user's session.
//!
//! A session cookie is `SameSite=Strict`, but a sibling subdomain is
//! "same-site", so the cookie alone is not proof that the user's own page
//! sent a request. A request that changes something and is signed in by
//! the cookie (not by a bearer token, which a browser never adds on its
//! own) must come from this server's own pages: `Sec-Fetch-Site` says
//! `same-origin` (every current browser sends it), or, from an older
//! browser, `Origin` names this server's host. The sign-in form is held to
//! the same rule, so another site cannot sign a browser into an account of
//! its choosing.

use crate::Shared;
use crate::auth::SESSION_COOKIE;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The pages' policy: scripts, styles and images from this server only
/// (htmx and shinsa.js are files; the pages carry no inline script or
/// style), no plugins, no framing, forms only to this server.
const PAGE_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The policy of a standalone document (the filing or screening report as
/// HTML): its own inline style, no script at all.
pub const DOCUMENT_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub async fn guard(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let mut response = match cross_site(&request) {
        Some(why) => crate::Problem::forbidden(format!(
            "a request signed in by the session cookie must come from this server's own pages ({why}); scripts use an API token"
        ))
        .into_response(),
        None => next.run(request).await,
    };
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(PAGE_POLICY),
        );
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if state.config.secure_cookies() {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}

/// Why a request is refused as cross-site, if it is.
fn cross_site(request: &Request) -> Option<String> {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return None;
    }
    let headers = request.headers();
    let signs_in = request.uri().path() == "/login";
    let by_cookie = !headers.contains_key(header::AUTHORIZATION)
        && headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .any(|value| value.contains(&format!("{SESSION_COOKIE}=")));
    if !(by_cookie || signs_in) {
        return None;
    }
    if let Some(site) = text(headers, "sec-fetch-site") {
        return match site {
            "same-origin" => None,
            other => Some(format!("Sec-Fetch-Site: {other}")),
        };
    }
    let Some(origin) = text(headers, header::ORIGIN.as_str()) else {
        return Some("no Sec-Fetch-Site or Origin header".into());
    };
    let origin_host = origin.split_once("://").map_or("", |(_, host)| host);
    match text(headers, header::HOST.as_str()) {
        Some(host) if host.eq_ignore_ascii_case(origin_host) => None,
        _ => Some(format!("Origin: {origin}")),
    }
}

fn text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}
