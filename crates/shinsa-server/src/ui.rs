//! The web UI: server-rendered pages (askama) that htmx updates in place —
//! the findings table when a filter changes, one row when it is triaged,
//! the runs table while a run is in progress. No JavaScript is built; htmx
//! is served from the binary. Japanese and English (`?lang=ja`, then a
//! cookie, then the browser's `Accept-Language`).

use crate::access::{self, ADMINS, DELIVERY_READERS, OPERATOR_WRITERS};
use crate::api::FindingQuery;
use crate::auth::{SESSION_COOKIE, cookie};
use crate::i18n::Lang;
use crate::{Problem, Shared};
use askama::Template;
use axum::extract::{FromRequestParts, Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header, request::Parts};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use shinsa_model::shown as blank;
use shinsa_store::*;

pub(crate) mod accounts;
mod cases;
mod dashboard;
mod deliveries;
mod plans;

const HTMX: &str = include_str!("../assets/htmx.min.js");
const SCRIPT: &str = include_str!("../assets/shinsa.js");
const STYLE: &str = include_str!("../assets/shinsa.css");
const LANG_COOKIE: &str = "shinsa_lang";

pub fn routes(state: &Shared) -> Router<Shared> {
    Router::new()
        .route("/", get(home))
        .route(
            "/assets/htmx.min.js",
            get(|| async { asset(HTMX, "text/javascript") }),
        )
        .route(
            "/assets/shinsa.js",
            get(|| async { asset(SCRIPT, "text/javascript") }),
        )
        .route(
            "/assets/shinsa.css",
            get(|| async { asset(STYLE, "text/css") }),
        )
        // A sign-in is a few hundred bytes: a large body is refused
        // before anything is read or hashed.
        .route(
            "/login",
            get(login_page)
                .post(login)
                .layer(axum::extract::DefaultBodyLimit::max(16 * 1024)),
        )
        .route("/logout", post(logout))
        .route(
            "/ui/registers",
            get(registers_page).merge(crate::limits::takes_upload(state, post(upload))),
        )
        .route("/ui/registers/{id}/runs", post(screen_again))
        .route("/ui/findings", get(findings_page))
        .route("/ui/triage", post(triage))
        .route("/ui/runs", get(runs_page))
        .merge(plans::routes(state))
        .merge(dashboard::routes())
        .merge(cases::routes(state))
        .merge(accounts::routes())
        .merge(deliveries::routes())
        .layer(axum::middleware::map_response(problem_as_page))
}

/// The findings page, keeping the query (`?lang=ja`).
async fn home(uri: axum::http::Uri) -> Redirect {
    match uri.query() {
        Some(query) => Redirect::to(&format!("/ui/findings?{query}")),
        None => Redirect::to("/ui/findings"),
    }
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
        .into_response()
}

/// The language of a request.
fn language(parts: &Parts) -> Lang {
    if let Some(lang) = parts
        .uri
        .query()
        .into_iter()
        .flat_map(|query| query.split('&'))
        .filter_map(|pair| pair.strip_prefix("lang="))
        .find_map(Lang::parse)
    {
        return lang;
    }
    if let Some(lang) = cookie(parts, LANG_COOKIE).and_then(Lang::parse) {
        return lang;
    }
    let accepts_japanese = parts
        .headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.trim_start().starts_with("ja"));
    if accepts_japanese { Lang::Ja } else { Lang::En }
}

/// A signed-in page request: the principal and the language. Without a
/// session the browser is sent to the sign-in page.
struct Page {
    principal: Principal,
    lang: Lang,
}

struct Lost(Response);

impl IntoResponse for Lost {
    fn into_response(self) -> Response {
        self.0
    }
}

impl FromRequestParts<Shared> for Page {
    type Rejection = Lost;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, Lost> {
        let lang = language(parts);
        // Only a session signs a page in (a bearer token is for the API).
        let principal = if cookie(parts, SESSION_COOKIE).is_some() {
            crate::auth::principal(parts, state)
                .await
                .map_err(|problem| Lost(problem.into_response()))?
        } else {
            None
        };
        match principal {
            Some(principal) => Ok(Page { principal, lang }),
            None => Err(Lost(
                Redirect::to(&format!("/login?lang={}", lang.code())).into_response(),
            )),
        }
    }
}

/// A rendered page, remembering the language chosen.
fn render(template: &impl Template, lang: Lang) -> Response {
    match template.render() {
        Ok(html) => {
            let mut response = Html(html).into_response();
            if let Ok(cookie) = HeaderValue::from_str(&format!(
                "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
                lang.code()
            )) {
                response.headers_mut().append(header::SET_COOKIE, cookie);
            }
            response
        }
        Err(error) => Problem::internal(format!("rendering a page: {error}")).into_response(),
    }
}

/// A page's refusal or failure as a page: an error of the web UI (a
/// problem document, a template that would not render) reaches a person as
/// HTML in both languages with its status, never as JSON nor a dropped
/// connection.
async fn problem_as_page(response: Response) -> Response {
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|kind| kind.as_bytes().starts_with(b"application/problem+json"));
    if !is_problem {
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, crate::limits::BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::error!(%error, "reading a problem document");
            axum::body::Bytes::new()
        }
    };
    let problem: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_else(|error| {
        serde_json::json!({"title": "Error", "detail": format!("the error could not be read: {error}")})
    });
    let text = |key: &str| {
        escape(
            problem
                .get(key)
                .and_then(serde_json::Value::as_str)
                .unwrap_or(""),
        )
    };
    let page = format!(
        "<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\"><title>{status} {title}</title>\
         <link rel=\"stylesheet\" href=\"/assets/shinsa.css\"></head><body><main class=\"error-page\">\
         <h1>{status} {title}</h1><p>{detail}</p>\
         <p lang=\"ja\">要求を処理できませんでした。前のページに戻って、もう一度お試しください。</p>\
         <p lang=\"en\">The request could not be completed. Go back to the page and try again.</p>\
         <p><a href=\"/ui/findings\">shinsa</a></p></main></body></html>",
        status = parts.status.as_u16(),
        title = text("title"),
        detail = text("detail"),
    );
    let mut page = Html(page).into_response();
    *page.status_mut() = parts.status;
    if let Some(retry) = parts.headers.get(header::RETRY_AFTER) {
        page.headers_mut()
            .insert(header::RETRY_AFTER, retry.clone());
    }
    page
}

/// Text made safe inside HTML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// What every page's frame shows.
struct Frame {
    t: Lang,
    user: String,
    org: String,
    role: String,
    /// The page's path, for the language switch.
    here: String,
    /// Whether the users page is offered (organisation administrators).
    manages_users: bool,
    /// Whether the deliveries page is offered (administrators, auditors).
    sees_deliveries: bool,
}

impl Frame {
    fn new(page: &Page, here: &str) -> Self {
        Frame {
            t: page.lang,
            user: page.principal.user.name.clone(),
            org: page.principal.org.name.clone(),
            role: page.principal.user.role.as_str().to_owned(),
            here: here.to_owned(),
            manages_users: access::has(&page.principal, ADMINS),
            sees_deliveries: access::has(&page.principal, DELIVERY_READERS),
        }
    }
    fn other_lang(&self) -> &'static str {
        self.t.other().code()
    }
    /// The navigation: each section's path and word.
    fn sections(&self) -> [(&'static str, &'static str); 6] {
        [
            ("/ui/dashboard", "dashboard"),
            ("/ui/registers", "registers"),
            ("/ui/findings", "findings"),
            ("/ui/runs", "runs"),
            ("/ui/plans", "plans"),
            ("/ui/cases", "cases"),
        ]
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    t: Lang,
    /// The word for what went wrong (`bad_login`, `locked`), or empty.
    error: &'static str,
}

async fn login_page(parts: Parts) -> Response {
    let lang = language(&parts);
    render(&LoginPage { t: lang, error: "" }, lang)
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    pub(crate) login: String,
    password: String,
}

/// The sign-in page again, saying what went wrong, with its status.
fn login_refused(lang: Lang, error: &'static str, status: StatusCode) -> Response {
    let mut response = render(&LoginPage { t: lang, error }, lang);
    *response.status_mut() = status;
    response
}

async fn login(State(state): State<Shared>, parts: Parts, Form(form): Form<LoginForm>) -> Response {
    use crate::throttle::Key;
    let lang = language(&parts);
    let login_name = form.login.trim();
    // A sign-in beyond any real login or password is a wrong one, refused
    // before anything is hashed.
    if crate::limits::check(crate::limits::SIGN_IN_LOGIN, login_name).is_err()
        || crate::limits::check(crate::limits::SIGN_IN_PASSWORD, &form.password).is_err()
    {
        return login_refused(lang, "bad_login", StatusCode::UNAUTHORIZED);
    }
    let address = crate::throttle::client_address(&parts, &state.config.trusted_proxies);
    let keys = [Key::Login(login_name), Key::Address(&address)];
    if let Some(wait) = state.sign_ins.locked(&keys, std::time::Instant::now()) {
        let mut response = login_refused(lang, "locked", StatusCode::TOO_MANY_REQUESTS);
        if let Ok(value) = HeaderValue::from_str(&(wait.as_secs() + 1).to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return response;
    }
    let principal = match crate::auth::sign_in(&state, login_name, &form.password).await {
        Ok(principal) => principal,
        Err(problem) => return problem.into_response(),
    };
    let Some(principal) = principal else {
        for (key, length) in state.sign_ins.failed(&keys, std::time::Instant::now()) {
            tracing::warn!(%key, seconds = length.as_secs(), "sign-in locked after wrong passwords");
            let detail = serde_json::json!({"address": address, "seconds": length.as_secs()});
            if let Err(error) = state
                .store
                .record_sign_in_lockout(login_name, &key, detail)
                .await
            {
                tracing::error!(%error, %key, "recording a sign-in lock-out");
            }
        }
        return login_refused(lang, "bad_login", StatusCode::UNAUTHORIZED);
    };
    state.sign_ins.succeeded(login_name);
    let secret = match crate::auth::new_secret("") {
        Ok(secret) => secret,
        Err(problem) => return problem.into_response(),
    };
    let hours = state.config.session_hours;
    let expires =
        shinsa_store::timestamp(time::OffsetDateTime::now_utc() + time::Duration::hours(hours));
    if let Err(error) = state
        .store
        .create_session(
            &principal.user.id,
            &crate::auth::secret_hash(&secret),
            &expires,
        )
        .await
    {
        return Problem::from(error).into_response();
    }
    let cookie = crate::auth::session_cookie(&secret, hours, state.config.secure_cookies());
    let mut response = Redirect::to(&format!("/ui/findings?lang={}", lang.code())).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

async fn logout(State(state): State<Shared>, parts: Parts) -> Response {
    if let Some(session) = cookie(&parts, SESSION_COOKIE) {
        let _ = state
            .store
            .delete_session(&crate::auth::secret_hash(session))
            .await;
        state.principals.clear();
    }
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("shinsa_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    response
}

#[derive(Template)]
#[template(path = "registers.html")]
struct RegistersPage {
    frame: Frame,
    t: Lang,
    registers: Vec<RegisterSummary>,
    can_upload: bool,
    message: String,
    errors: Vec<String>,
}

async fn registers_page(State(state): State<Shared>, page: Page) -> Result<Response, Problem> {
    registers_view(&state, &page, String::new(), Vec::new()).await
}

async fn registers_view(
    state: &Shared,
    page: &Page,
    message: String,
    errors: Vec<String>,
) -> Result<Response, Problem> {
    let registers = state
        .store
        .registers(&access::tenant(&page.principal))
        .await?;
    let view = RegistersPage {
        frame: Frame::new(page, "/ui/registers"),
        t: page.lang,
        registers,
        can_upload: access::has(&page.principal, OPERATOR_WRITERS),
        message,
        errors,
    };
    Ok(render(&view, page.lang))
}

async fn upload(
    State(state): State<Shared>,
    page: Page,
    mut multipart: Multipart,
) -> Result<Response, Problem> {
    access::require(&page.principal, OPERATOR_WRITERS, "uploading a register")?;
    let mut name = String::from("main");
    let mut critical = false;
    let mut file: Option<(Option<String>, Vec<u8>)> = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|error| Problem::bad_request(error.body_text()))?
    {
        match field.name() {
            Some("name") => {
                name = field
                    .text()
                    .await
                    .map_err(|error| Problem::bad_request(error.body_text()))?;
            }
            Some("critical") => {
                critical = field.text().await.is_ok_and(|value| value == "true");
            }
            Some("file") => {
                let content_type = field.content_type().map(str::to_owned);
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|error| Problem::bad_request(error.body_text()))?;
                file = Some((content_type, bytes.to_vec()));
            }
            _ => {}
        }
    }
    let Some((content_type, bytes)) = file.filter(|(_, bytes)| !bytes.is_empty()) else {
        return registers_view(
            &state,
            &page,
            String::new(),
            vec![page.lang.t("upload_help").to_owned()],
        )
        .await;
    };
    match crate::registers::accept(
        &state,
        &page.principal,
        &name,
        content_type.as_deref(),
        bytes,
        critical,
    )
    .await
    {
        Ok(_) => {
            registers_view(
                &state,
                &page,
                page.lang.t("uploaded_ok").to_owned(),
                Vec::new(),
            )
            .await
        }
        Err(error) => {
            let problem = Problem::from(error);
            let mut errors: Vec<String> = problem
                .errors
                .iter()
                .filter_map(|error| error["message"].as_str().map(str::to_owned))
                .collect();
            if errors.is_empty() {
                errors.push(problem.detail.clone());
            }
            let mut response = registers_view(&state, &page, problem.title.clone(), errors).await?;
            *response.status_mut() =
                StatusCode::from_u16(problem.status).unwrap_or(StatusCode::BAD_REQUEST);
            Ok(response)
        }
    }
}

async fn screen_again(
    State(state): State<Shared>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    crate::registers::screen_again(&state, &page.principal, &id).await?;
    Ok(Redirect::to("/ui/runs").into_response())
}

/// A finding as a table row shows it.
struct Row {
    register_id: String,
    key: String,
    /// The key made safe for an HTML id.
    dom_id: String,
    severity: String,
    rule_id: String,
    subject: String,
    org_name: String,
    title: String,
    explanation: String,
    legal_basis: String,
    status: String,
    justification: String,
    expires_at: String,
    decided_by: String,
    can_triage: bool,
    statuses: Vec<(String, bool)>,
}

fn row(view: FindingView, lang: Lang, can_triage: bool) -> Result<Row, Problem> {
    let finding: shinsa_model::Finding = serde_json::from_str(&view.row.body)
        .map_err(|error| Problem::internal(format!("stored finding {}: {error}", view.row.key)))?;
    let triage = view.triage.clone();
    let status = view.status.as_str().to_owned();
    Ok(Row {
        dom_id: format!(
            "f-{}-{}",
            view.register_id,
            view.row
                .key
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect::<String>()
        ),
        register_id: view.register_id,
        severity: view.row.severity,
        rule_id: view.row.rule_id,
        subject: format!(
            "{} {} {}",
            view.row.subject_kind, view.row.subject_id, view.row.subject_name
        ),
        org_name: view.org_name,
        title: match lang {
            Lang::Ja => view.row.title_ja,
            Lang::En => view.row.title,
        },
        explanation: finding.explanation,
        legal_basis: finding.rule.legal_basis.to_string(),
        justification: blank(triage.as_ref().and_then(|t| t.justification.as_ref())),
        expires_at: blank(triage.as_ref().and_then(|t| t.expires_at.as_ref())),
        decided_by: blank(triage.map(|t| t.decided_by)),
        statuses: TriageStatus::ALL
            .iter()
            .map(|option| (option.as_str().to_owned(), option.as_str() == status))
            .collect(),
        status,
        key: view.row.key,
        can_triage,
    })
}

#[derive(Template)]
#[template(path = "findings.html")]
struct FindingsPage {
    frame: Frame,
    t: Lang,
    rows: Vec<Row>,
    total: i64,
    page: i64,
    pages: i64,
    registers: Vec<(String, String, bool)>,
    severities: Vec<(String, bool)>,
    statuses: Vec<(String, bool)>,
    q: String,
    /// The filter as a query string, for the page links.
    query: String,
}

#[derive(Template)]
#[template(path = "finding_row.html")]
struct RowFragment {
    t: Lang,
    f: Row,
}

async fn findings_page(
    State(state): State<Shared>,
    page: Page,
    Query(query): Query<FindingQuery>,
) -> Result<Response, Problem> {
    // The page shows each finding's explanation and legal basis: the
    // whole bodies, not the summary.
    let filter = FindingFilter {
        evidence: true,
        ..query.filter()?
    };
    let tenant = access::tenant(&page.principal);
    let found = state.store.findings(&tenant, &filter).await?;
    let can_triage = access::has(&page.principal, OPERATOR_WRITERS);
    let chosen = |value: &Option<String>, option: &str| value.as_deref() == Some(option);
    let registers = state
        .store
        .registers(&tenant)
        .await?
        .into_iter()
        .map(|register| {
            let selected = chosen(&query.register, &register.id);
            (
                register.id,
                format!("{} / {}", register.org_name, register.name),
                selected,
            )
        })
        .collect();
    let mut link = Vec::new();
    for (key, value) in [
        ("register", &query.register),
        ("severity", &query.severity),
        ("status", &query.status),
        ("q", &query.q),
    ] {
        if let Some(value) = value.as_deref().filter(|value| !value.is_empty()) {
            link.push(format!("{key}={}", urlencode(value)));
        }
    }
    let view = FindingsPage {
        frame: Frame::new(&page, "/ui/findings"),
        t: page.lang,
        rows: found
            .items
            .into_iter()
            .map(|view| row(view, page.lang, can_triage))
            .collect::<Result<_, _>>()?,
        total: found.total,
        page: found.offset / found.limit + 1,
        pages: ((found.total + found.limit - 1) / found.limit).max(1),
        registers,
        severities: ["prohibited", "review", "notice"]
            .iter()
            .map(|option| (option.to_string(), chosen(&query.severity, option)))
            .collect(),
        statuses: TriageStatus::ALL
            .iter()
            .map(|option| {
                (
                    option.as_str().to_owned(),
                    chosen(&query.status, option.as_str()),
                )
            })
            .collect(),
        q: blank(query.q.as_ref()),
        query: link.join("&"),
    };
    Ok(render(&view, page.lang))
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

#[derive(Deserialize)]
struct TriageForm {
    register: String,
    key: String,
    status: String,
    #[serde(default)]
    justification: String,
    #[serde(default)]
    expires_at: String,
}

/// Triages one finding; answers with its row, re-rendered.
async fn triage(
    State(state): State<Shared>,
    page: Page,
    Form(form): Form<TriageForm>,
) -> Result<Response, Problem> {
    let status = TriageStatus::parse(&form.status)
        .ok_or_else(|| Problem::bad_request(format!("status: unknown {:?}", form.status)))?;
    let blank_to_none = |text: String| Some(text.trim().to_owned()).filter(|text| !text.is_empty());
    let decision = TriageDecision {
        status,
        justification: blank_to_none(form.justification),
        expires_at: blank_to_none(form.expires_at),
    };
    crate::registers::triage(&state, &page.principal, &form.register, &form.key, decision).await?;
    let tenant = access::tenant(&page.principal);
    let view = state
        .store
        .finding(
            &tenant,
            &form.register,
            &form.key,
            &crate::clock::today().to_string(),
        )
        .await?
        .ok_or_else(|| Problem::not_found(format!("no finding {}", form.key)))?;
    Ok(render(
        &RowFragment {
            t: page.lang,
            f: row(view, page.lang, true)?,
        },
        page.lang,
    ))
}

#[derive(Template)]
#[template(path = "runs.html")]
struct RunsPage {
    frame: Frame,
    t: Lang,
    runs: Vec<Run>,
    /// Some run is queued or running: the table refreshes itself.
    live: bool,
}

/// The newest runs the runs page shows.
const RUNS_SHOWN: i64 = 200;

async fn runs_page(State(state): State<Shared>, page: Page) -> Result<Response, Problem> {
    let runs = state
        .store
        .runs(&access::tenant(&page.principal), None, 0, RUNS_SHOWN)
        .await?
        .items;
    let live = runs
        .iter()
        .any(|run| matches!(run.status, RunStatus::Queued | RunStatus::Running));
    let view = RunsPage {
        frame: Frame::new(&page, "/ui/runs"),
        t: page.lang,
        runs,
        live,
    };
    Ok(render(&view, page.lang))
}
