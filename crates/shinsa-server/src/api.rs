//! `/api/v1`: the JSON API, the HTTP edge of the services. Every handler
//! takes the caller's [`Auth`], reads the request, calls the service that
//! owns the operation (which asks [`crate::access`] who may do it and
//! passes the caller's tenant to the store: another tenant's object is a
//! 404, indistinguishable from a missing one) and turns its answer or its
//! [`crate::Error`] into a response.

use crate::access::{self, ADMINS, AUDIT_READERS, AUDIT_VERIFIERS, DELIVERY_READERS};
use crate::auth::Auth;
use crate::cases::{CaseChange, CaseView, OpenCase};
use crate::plans::{PlanView, StepRequest};
use crate::publication::{PackSummary, PublishedAdvisories, PublishedLists};
use crate::registers::UploadAccepted;
use crate::vulnerabilities::{SectorVulnerability, VulnerabilityQuery};
use crate::{Problem, Shared};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use shinsa_store::*;
use utoipa::{IntoParams, OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "shinsa",
        description = "Supply-chain screening of critical-infrastructure registers: operators upload registers, screening runs in the background, findings are triaged; regulators see their sectors. Errors are RFC 9457 problem+json.",
        version = "1"
    ),
    paths(
        me, organisations, registers, upload, register, start_run, runs, run, findings,
        finding, triage, lists, publish_list, advisories, publish_advisories, vulnerabilities, packs, publish_pack, tokens, create_token, revoke_token,
        set_webhook, audit_events, audit_verify, plans, create_plan, plan, amend_plan, plan_step,
        plan_history, filing_pdf, filing_html, cases, open_case, case, change_case,
        screening_report, findings_table, plans_table, deliveries, delivery_attempts, resend,
        add_case_document, case_document, attach_to_plan, plan_attachment, jobs
    ),
    components(schemas(
        Problem, UploadAccepted, FindingPage, TokenRequest, CreatedToken, WebhookRequest,
        PublishedLists, PublishedAdvisories, PackSummary, PlanView, NewPlanRequest, AmendRequest, StepRequest,
        PlanDetail, CaseView, OpenCase, CaseChange, RunPage
    )),
    modifiers(&BearerToken)
)]
#[derive(Debug)]
pub struct ApiDoc;

struct BearerToken;

impl utoipa::Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        openapi.security = Some(vec![SecurityRequirement::new(
            "token",
            Vec::<String>::new(),
        )]);
    }
}

/// The OpenAPI document, as committed in `openapi.json`.
pub fn openapi_json() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"))
        + "\n"
}

pub fn routes(state: &Shared) -> Router<Shared> {
    use crate::limits::{takes_document, takes_upload};
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/me", get(me))
        .route("/api/v1/organisations", get(organisations))
        .route(
            "/api/v1/registers",
            get(registers).merge(takes_upload(state, post(upload))),
        )
        .route("/api/v1/registers/{id}", get(register))
        .route("/api/v1/registers/{id}/runs", post(start_run))
        .route("/api/v1/runs", get(runs))
        .route("/api/v1/runs/{id}", get(run))
        .route("/api/v1/findings", get(findings))
        .route("/api/v1/registers/{id}/findings/{key}", get(finding))
        .route("/api/v1/registers/{id}/findings/{key}/triage", put(triage))
        .route(
            "/api/v1/lists",
            get(lists).merge(takes_upload(state, post(publish_list))),
        )
        .route("/api/v1/vulnerabilities", get(vulnerabilities))
        .route(
            "/api/v1/advisories",
            get(advisories).merge(takes_upload(state, post(publish_advisories))),
        )
        .route(
            "/api/v1/packs",
            get(packs).merge(takes_upload(state, post(publish_pack))),
        )
        .route("/api/v1/tokens", get(tokens).post(create_token))
        .route("/api/v1/tokens/{id}", delete(revoke_token))
        .route("/api/v1/webhook", put(set_webhook))
        .route("/api/v1/audit", get(audit_events))
        .route("/api/v1/audit/verify", get(audit_verify))
        .route("/api/v1/plans", get(plans).post(create_plan))
        .route("/api/v1/plans/{id}", get(plan).put(amend_plan))
        .route("/api/v1/plans/{id}/steps", post(plan_step))
        .route("/api/v1/plans/{id}/history", get(plan_history))
        .route(
            "/api/v1/plans/{id}/attachments",
            takes_document(state, post(attach_to_plan)),
        )
        .route(
            "/api/v1/plans/{id}/attachments/{sha256}",
            get(plan_attachment),
        )
        .route("/api/v1/plans/{id}/filing.pdf", get(filing_pdf))
        .route("/api/v1/plans/{id}/filing.html", get(filing_html))
        .route(
            "/api/v1/registers/{id}/report/{file}",
            get(screening_report),
        )
        .route(
            "/api/v1/registers/{id}/findings/export/{file}",
            get(findings_table),
        )
        .route("/api/v1/plans/export/{file}", get(plans_table))
        .route("/api/v1/cases", get(cases).post(open_case))
        .route("/api/v1/cases/{id}", get(case).post(change_case))
        .route(
            "/api/v1/cases/{id}/documents",
            takes_document(state, post(add_case_document)),
        )
        .route("/api/v1/cases/{id}/documents/{sha256}", get(case_document))
        .route("/api/v1/deliveries", get(deliveries))
        .route("/api/v1/deliveries/{id}/attempts", get(delivery_attempts))
        .route("/api/v1/deliveries/{id}/resend", post(resend))
        .route("/api/v1/jobs", get(jobs))
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], openapi_json()).into_response()
}

type ApiResult<T> = Result<T, Problem>;

/// Who the caller is.
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = Principal), (status = 401, body = Problem)))]
async fn me(auth: Auth) -> Json<Principal> {
    Json(auth.0)
}

/// The caller's organisation, and for a regulator the operators of its sectors.
#[utoipa::path(get, path = "/api/v1/organisations", responses((status = 200, body = Vec<Organisation>)))]
async fn organisations(
    State(state): State<Shared>,
    auth: Auth,
) -> ApiResult<Json<Vec<Organisation>>> {
    Ok(Json(
        state.store.organisations(&access::tenant(&auth.0)).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/registers", responses((status = 200, body = Vec<RegisterSummary>)))]
async fn registers(
    State(state): State<Shared>,
    auth: Auth,
) -> ApiResult<Json<Vec<RegisterSummary>>> {
    Ok(Json(state.store.registers(&access::tenant(&auth.0)).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub(crate) struct UploadQuery {
    /// The register's name within the organisation; a new upload under the
    /// same name is its next version.
    #[serde(default = "default_register_name")]
    name: String,
    /// For a bare BOM: the system it describes is a critical facility.
    #[serde(default)]
    critical: bool,
}

fn default_register_name() -> String {
    "main".into()
}

/// Uploads a register (operators): a bundle as JSON, an XLSX workbook, a zip of the bundle folder, or a BOM of one system — CycloneDX JSON or XML, SPDX 2 JSON or tag-value, SPDX 3 JSON-LD, told by content (`critical=true` when that system is a critical facility). Nothing is stored unless all of it reads.
#[utoipa::path(
    post, path = "/api/v1/registers", params(UploadQuery),
    request_body(content = Vec<u8>, description = "The register file", content_type = "application/octet-stream"),
    responses((status = 202, body = UploadAccepted), (status = 422, body = Problem, description = "Every error with file, line and column or JSON pointer; a sector the organisation does not have"), (status = 403, body = Problem), (status = 429, body = Problem, description = "The organisation's uploads this hour reached uploads_per_hour; Retry-After says when the next may come"))
)]
async fn upload(
    State(state): State<Shared>,
    auth: Auth,
    Query(query): Query<UploadQuery>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<UploadAccepted>)> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok());
    let accepted = crate::registers::accept(
        &state,
        &auth.0,
        &query.name,
        content_type,
        body.to_vec(),
        query.critical,
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(accepted)))
}

#[utoipa::path(get, path = "/api/v1/registers/{id}", responses((status = 200, body = RegisterSummary), (status = 404, body = Problem)))]
async fn register(
    State(state): State<Shared>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<RegisterSummary>> {
    state
        .store
        .register(&access::tenant(&auth.0), &id)
        .await?
        .map(Json)
        .ok_or_else(|| Problem::not_found(format!("no register {id}")))
}

/// Screens a register again (operators).
#[utoipa::path(post, path = "/api/v1/registers/{id}/runs", responses((status = 202, body = Run), (status = 404, body = Problem)))]
async fn start_run(
    State(state): State<Shared>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<Run>)> {
    let run = crate::registers::screen_again(&state, &auth.0, &id).await?;
    Ok((StatusCode::ACCEPTED, Json(run)))
}

#[derive(Debug, Deserialize, IntoParams)]
struct RunsQuery {
    register: Option<String>,
    /// From 1.
    page: Option<i64>,
    /// 50 unless given, at most 500.
    per_page: Option<i64>,
}

/// A page of runs.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunPage {
    pub items: Vec<Run>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// Screening runs, newest first, a page at a time, with progress and the
/// lease of a run in progress.
#[utoipa::path(get, path = "/api/v1/runs", params(RunsQuery), responses((status = 200, body = RunPage)))]
async fn runs(
    State(state): State<Shared>,
    auth: Auth,
    Query(query): Query<RunsQuery>,
) -> ApiResult<Json<RunPage>> {
    let (page, per_page, offset) = paging(query.page, query.per_page, 50, 500)?;
    let runs = state
        .store
        .runs(
            &access::tenant(&auth.0),
            query.register.as_deref(),
            offset,
            per_page,
        )
        .await?;
    Ok(Json(RunPage {
        items: runs.items,
        total: runs.total,
        page,
        per_page,
    }))
}

#[utoipa::path(get, path = "/api/v1/runs/{id}", responses((status = 200, body = Run), (status = 404, body = Problem)))]
async fn run(
    State(state): State<Shared>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Run>> {
    state
        .store
        .run(&access::tenant(&auth.0), &id)
        .await?
        .map(Json)
        .ok_or_else(|| Problem::not_found(format!("no run {id}")))
}

/// Which findings to list.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct FindingQuery {
    pub register: Option<String>,
    /// `prohibited`, `review` or `notice`.
    pub severity: Option<String>,
    /// `open`, `accepted_risk`, `false_positive` or `remediated`.
    pub status: Option<String>,
    pub rule: Option<String>,
    /// What the findings are about: `asset`, `party`, `contract`, `dataflow`, `device`, `connection`, or `exposure` (a known vulnerability of an asset).
    pub kind: Option<String>,
    /// Text in the subject, the title or the key.
    pub q: Option<String>,
    /// Each finding's evidence and legal basis too (`true`); by default a
    /// page is the summary (key, severity, rule, subject, title, status,
    /// triage) and the evidence is at `/registers/{id}/findings/{key}`.
    pub evidence: Option<bool>,
    /// From 1.
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

impl FindingQuery {
    pub fn filter(&self) -> ApiResult<FindingFilter> {
        let blank = |value: &Option<String>| value.clone().filter(|text| !text.trim().is_empty());
        let status = match blank(&self.status) {
            Some(status) => Some(TriageStatus::parse(&status).ok_or_else(|| {
                Problem::bad_request(format!(
                    "status: expected open, accepted_risk, false_positive or remediated, found {status:?}"
                ))
            })?),
            None => None,
        };
        if let Some(severity) = blank(&self.severity)
            && !["prohibited", "review", "notice"].contains(&severity.as_str())
        {
            return Err(Problem::bad_request(format!(
                "severity: expected prohibited, review or notice, found {severity:?}"
            )));
        }
        let (_, per_page, offset) = paging(self.page, self.per_page, 50, 500)?;
        Ok(FindingFilter {
            register_id: blank(&self.register),
            severity: blank(&self.severity),
            status,
            rule_id: blank(&self.rule),
            subject_kind: blank(&self.kind),
            text: blank(&self.q),
            today: crate::clock::today().to_string(),
            evidence: self.evidence.unwrap_or(false),
            offset,
            limit: per_page,
        })
    }
}

/// A page of findings.
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingPage {
    pub items: Vec<FindingView>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// The current findings of every register the caller may see, most severe
/// first, as a summary unless `evidence=true`. The `ETag` is keyed by the
/// findings' generation (it moves when a run becomes current or a triage is
/// decided), the caller and the query: `If-None-Match` with it answers 304
/// without reading the page, and a page served once for the generation is
/// served again from memory (`list_cache.rs`).
#[utoipa::path(get, path = "/api/v1/findings", params(FindingQuery), responses((status = 200, body = FindingPage), (status = 304, description = "Unchanged since the ETag sent in If-None-Match"), (status = 400, body = Problem)))]
async fn findings(
    State(state): State<Shared>,
    auth: Auth,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> ApiResult<Response> {
    let Query(query) = Query::<FindingQuery>::try_from_uri(&uri)
        .map_err(|error| Problem::bad_request(error.body_text()))?;
    let filter = query.filter()?;
    let generation = state.store.findings_generation().await?;
    let tag = list_etag(generation, &auth.0, &filter.today, uri.query());
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|sent| sent.split(',').any(|one| one.trim() == tag))
    {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, tag)]).into_response());
    }
    let headers = [
        (header::ETAG, tag.clone()),
        (header::CONTENT_TYPE, "application/json".to_owned()),
        (header::CACHE_CONTROL, "private, no-cache".to_owned()),
    ];
    if let Some(page) = state.list_pages.get(generation, &tag) {
        return Ok((headers, page).into_response());
    }
    let page = state
        .store
        .findings(&access::tenant(&auth.0), &filter)
        .await?;
    let body = serde_json::to_vec(&FindingPage {
        items: page.items,
        total: page.total,
        page: page.offset / page.limit + 1,
        per_page: page.limit,
    })
    .map_err(|error| Problem::internal(format!("writing the page: {error}")))?;
    let body = axum::body::Bytes::from(body);
    state.list_pages.put(generation, tag, body.clone());
    Ok((headers, body).into_response())
}

/// A weak ETag for a list page: the data's generation, the day (accepted
/// risks expire by day), and a hash of who asks and what (two callers
/// never share a tag, so one cannot probe another's page by its tag).
fn list_etag(generation: i64, principal: &Principal, today: &str, query: Option<&str>) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(
        format!(
            "{}\u{1f}{}\u{1f}{:?}\u{1f}{}",
            principal.user.id,
            principal.org.id,
            principal.user.role,
            shinsa_model::shown(query)
        )
        .as_bytes(),
    );
    let short: String = hex::encode(digest).chars().take(16).collect();
    format!("W/\"{generation}-{today}-{short}\"")
}

#[utoipa::path(get, path = "/api/v1/registers/{id}/findings/{key}", responses((status = 200, body = FindingView), (status = 404, body = Problem)))]
async fn finding(
    State(state): State<Shared>,
    auth: Auth,
    Path((id, key)): Path<(String, String)>,
) -> ApiResult<Json<FindingView>> {
    state
        .store
        .finding(
            &access::tenant(&auth.0),
            &id,
            &key,
            &crate::clock::today().to_string(),
        )
        .await?
        .map(Json)
        .ok_or_else(|| Problem::not_found(format!("no finding {key} in register {id}")))
}

/// Records a triage decision (operators). It is kept by register and finding key, so it holds for the same finding after re-screening.
#[utoipa::path(put, path = "/api/v1/registers/{id}/findings/{key}/triage", request_body = TriageDecision, responses((status = 200, body = Triage), (status = 400, body = Problem), (status = 404, body = Problem)))]
async fn triage(
    State(state): State<Shared>,
    auth: Auth,
    Path((id, key)): Path<(String, String)>,
    Json(decision): Json<TriageDecision>,
) -> ApiResult<Json<Triage>> {
    Ok(Json(
        crate::registers::triage(&state, &auth.0, &id, &key, decision).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/lists", responses((status = 200, body = Vec<ListVersionSummary>)))]
async fn lists(
    State(state): State<Shared>,
    _auth: Auth,
) -> ApiResult<Json<Vec<ListVersionSummary>>> {
    Ok(Json(state.store.list_versions().await?))
}

#[derive(Debug, Deserialize, IntoParams)]
struct PublishQuery {
    /// The file's name, which tells its format (`sdn.csv`, `consolidated.xml`, `covered.json` …).
    file: String,
    /// The list id, by default from the format and file name.
    id: Option<String>,
    /// The publication day (YYYY-MM-DD), by default the one the file gives.
    version: Option<String>,
}

/// Publishes a list version (platform-admin: lists apply to every sector, so no one ministry publishes them): every register is re-screened in the background and each operator's changes are recorded.
#[utoipa::path(
    post, path = "/api/v1/lists", params(PublishQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = PublishedLists), (status = 422, body = Problem), (status = 403, body = Problem))
)]
async fn publish_list(
    State(state): State<Shared>,
    auth: Auth,
    Query(query): Query<PublishQuery>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<PublishedLists>)> {
    let version = match query.version.as_deref() {
        Some(text) => Some(shinsa_model::parse_date(text).map_err(|_| {
            Problem::bad_request(format!("version: expected YYYY-MM-DD, found {text:?}"))
        })?),
        None => None,
    };
    let file = shinsa_ingest::lists::ListFile {
        name: query.file,
        bytes: body.to_vec(),
    };
    let published =
        crate::publication::publish_lists(&state, &auth.0, file, query.id, version).await?;
    Ok((StatusCode::CREATED, Json(published)))
}

/// The vulnerability data published through the API, oldest first (a server may also read a folder `shinsa vulns import` wrote: `advisories_dir`).
#[utoipa::path(get, path = "/api/v1/advisories", responses((status = 200, body = Vec<AdvisoryVersionSummary>)))]
async fn advisories(
    State(state): State<Shared>,
    _auth: Auth,
) -> ApiResult<Json<Vec<AdvisoryVersionSummary>>> {
    Ok(Json(state.store.advisory_versions().await?))
}

#[derive(Debug, Deserialize, IntoParams)]
struct PublishAdvisoriesQuery {
    /// The file's name (`known_exploited_vulnerabilities.json`, `CVE-2024-1234.json`, `icsa-23-001-01.json`, `jvndb.xml`, `records.tgz` …); the content tells the format.
    file: String,
}

/// Publishes vulnerability data (platform-admin: it applies to every sector): CISA KEV (JSON or CSV), CVE JSON 5 or NVD API 2.0 records, CSAF 2.0 advisories, MyJVN XML, vendor VEX, or a `.tgz` of them. Each source's set is laid over what was published of it before (KEV replaces), records that cannot be read are refused with their pointer and counted, and every register is re-screened in the background with each operator's changes recorded.
#[utoipa::path(
    post, path = "/api/v1/advisories", params(PublishAdvisoriesQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = PublishedAdvisories), (status = 422, body = Problem), (status = 403, body = Problem))
)]
async fn publish_advisories(
    State(state): State<Shared>,
    auth: Auth,
    Query(query): Query<PublishAdvisoriesQuery>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<PublishedAdvisories>)> {
    let file = shinsa_ingest::advisories::AdvisoryFile {
        name: query.file,
        bytes: body.to_vec(),
        in_folder: false,
    };
    let published = crate::publication::publish_advisories(&state, &auth.0, file).await?;
    Ok((StatusCode::CREATED, Json(published)))
}

/// Known vulnerabilities across the registers the caller sees: for a ministry its sectors' operators, for an operator its own. Each with the operators and models it reaches and how many assets of critical facilities; those on CISA's KEV catalogue first, newest added first.
#[utoipa::path(get, path = "/api/v1/vulnerabilities", params(VulnerabilityQuery), responses((status = 200, body = Vec<SectorVulnerability>)))]
async fn vulnerabilities(
    State(state): State<Shared>,
    auth: Auth,
    Query(query): Query<VulnerabilityQuery>,
) -> ApiResult<Json<Vec<SectorVulnerability>>> {
    Ok(Json(
        crate::vulnerabilities::across_registers(&state, &auth.0, &query).await?,
    ))
}

/// The bundled and published packs.
#[utoipa::path(get, path = "/api/v1/packs", responses((status = 200, body = Vec<PackSummary>)))]
async fn packs(State(state): State<Shared>, _auth: Auth) -> ApiResult<Json<Vec<PackSummary>>> {
    Ok(Json(crate::publication::packs(&state).await?))
}

/// Publishes a pack version (a regulator-admin for the sectors its ministry oversees, named in `pack.toml`'s `sectors`; a platform-admin for any): a zip of the pack folder (`pack.toml`, `schema.cedarschema`, `policies.cedar`), checked like `shinsa policy validate`. Screening uses the version in force each day; every register is re-screened.
#[utoipa::path(
    post, path = "/api/v1/packs",
    request_body(content = Vec<u8>, content_type = "application/zip"),
    responses((status = 201, body = PackSummary), (status = 409, body = Problem), (status = 422, body = Problem), (status = 403, body = Problem))
)]
async fn publish_pack(
    State(state): State<Shared>,
    auth: Auth,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<PackSummary>)> {
    let summary = crate::publication::publish_pack(&state, &auth.0, &body).await?;
    Ok((StatusCode::CREATED, Json(summary)))
}

#[utoipa::path(get, path = "/api/v1/tokens", responses((status = 200, body = Vec<TokenInfo>)))]
async fn tokens(State(state): State<Shared>, auth: Auth) -> ApiResult<Json<Vec<TokenInfo>>> {
    Ok(Json(state.store.tokens(&access::tenant(&auth.0)).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    pub name: String,
    /// Days until it expires: 1 to 365; the server's `token_days` (90) by
    /// default.
    pub days: Option<i64>,
    /// `read-only` or `read-write` (the default).
    pub scope: Option<TokenScope>,
}

/// A new token: the secret is shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    pub token: TokenInfo,
    pub secret: String,
}

/// Creates an API token for the caller, read-only or read-write, expiring after the days asked (90 by default, a year at most).
#[utoipa::path(post, path = "/api/v1/tokens", request_body = TokenRequest, responses((status = 201, body = CreatedToken), (status = 400, body = Problem)))]
async fn create_token(
    State(state): State<Shared>,
    auth: Auth,
    Json(new): Json<TokenRequest>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    crate::limits::check(crate::limits::TOKEN_NAME, &new.name)?;
    let days = new.days.unwrap_or(state.config.token_days);
    if !(1..=365).contains(&days) {
        return Err(Problem::bad_request(format!(
            "days: expected 1 to 365, found {days}"
        )));
    }
    let secret = crate::auth::new_secret("shinsa_")?;
    let hash = crate::auth::secret_hash(&secret);
    let token = state
        .store
        .create_token(
            &auth.0.actor(),
            &auth.0.user.id,
            shinsa_store::NewToken {
                name: &new.name,
                secret_hash: &hash,
                expires_at: Some(shinsa_store::timestamp(
                    time::OffsetDateTime::now_utc() + time::Duration::days(days),
                )),
                scope: new.scope.unwrap_or(TokenScope::ReadWrite),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { token, secret })))
}

/// Revokes a token of the caller's organisation.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", responses((status = 204), (status = 404, body = Problem)))]
async fn revoke_token(
    State(state): State<Shared>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let own = state
        .store
        .tokens(&access::tenant(&auth.0))
        .await?
        .into_iter()
        .any(|token| token.id == id && token.user_id == auth.0.user.id);
    if !own {
        access::require(&auth.0, ADMINS, "revoking another user's token")?;
    }
    state
        .store
        .revoke_token(&access::tenant(&auth.0), &auth.0.actor(), &id)
        .await?;
    state.principals.clear();
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct WebhookRequest {
    /// Where changes are posted; none to stop.
    pub url: Option<String>,
    /// Signs each delivery (`shinsa-signature: t=…,v1=HMAC-SHA256`).
    pub secret: Option<String>,
}

/// Sets the organisation's webhook (operator-admin): a public http(s) address (one inside a private, loopback or link-local network is refused unless the server's `webhook_allow_hosts` names its host).
#[utoipa::path(put, path = "/api/v1/webhook", request_body = WebhookRequest, responses((status = 200, body = Organisation), (status = 400, body = Problem)))]
async fn set_webhook(
    State(state): State<Shared>,
    auth: Auth,
    Json(request): Json<WebhookRequest>,
) -> ApiResult<Json<Organisation>> {
    access::require(&auth.0, ADMINS, "setting the webhook")?;
    crate::limits::check_optional(crate::limits::WEBHOOK_URL, request.url.as_deref())?;
    crate::limits::check_optional(crate::limits::WEBHOOK_SECRET, request.secret.as_deref())?;
    let webhook = match (request.url, request.secret) {
        (Some(url), Some(secret)) if secret.len() >= 16 => {
            crate::outbound::check_webhook_url(&url, &state.config.webhook_allow_hosts)
                .await
                .map_err(|refused| Problem::bad_request(refused.0))?;
            Some(Webhook { url, secret })
        }
        (None, _) => None,
        _ => {
            return Err(Problem::bad_request(
                "a webhook needs an http(s) url and a secret of at least 16 characters",
            ));
        }
    };
    Ok(Json(
        state
            .store
            .set_webhook(&access::tenant(&auth.0), &auth.0.actor(), webhook)
            .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditQuery {
    /// One chain (an organisation's id) of those the caller may read.
    pub chain: Option<String>,
    /// From 1.
    pub page: Option<i64>,
    /// 1 to 1000; 500 by default.
    pub per_page: Option<i64>,
}

/// A page of audit events, or of verified chains.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// The audit chains the caller may read, a page at a time: an organisation's own; a ministry's also those of the operators of its sectors.
#[utoipa::path(get, path = "/api/v1/audit", params(AuditQuery), responses((status = 200, body = AuditPage<AuditEvent>), (status = 400, body = Problem), (status = 403, body = Problem)))]
async fn audit_events(
    State(state): State<Shared>,
    auth: Auth,
    Query(query): Query<AuditQuery>,
) -> ApiResult<Json<AuditPage<AuditEvent>>> {
    access::require(&auth.0, AUDIT_READERS, "reading the audit log")?;
    let (page, per_page, offset) = paging(query.page, query.per_page, 500, 1000)?;
    let (items, total) = state
        .store
        .audit_events(
            &access::tenant(&auth.0),
            query.chain.as_deref(),
            offset,
            Some(per_page),
        )
        .await?;
    Ok(Json(AuditPage {
        items,
        total,
        page,
        per_page,
    }))
}

/// The page, its size and the offset of its first row, checked: `page`
/// from 1 (default 1), `per_page` within 1..=`most` (default `usual`).
pub fn paging(
    page: Option<i64>,
    per_page: Option<i64>,
    usual: i64,
    most: i64,
) -> ApiResult<(i64, i64, i64)> {
    let page = page.unwrap_or(1).max(1);
    let per_page = per_page.unwrap_or(usual).clamp(1, most);
    let offset = (page - 1)
        .checked_mul(per_page)
        .ok_or_else(|| Problem::bad_request(format!("page: {page} is past any result")))?;
    Ok((page, per_page, offset))
}

/// Re-walks the audit chains the caller may read (regulator-admin, auditor: its own organisation's; a ministry's also its sectors' operators'), a page of chains at a time, and names the first broken link of each.
#[utoipa::path(get, path = "/api/v1/audit/verify", params(AuditQuery), responses((status = 200, body = AuditPage<ChainReport>), (status = 403, body = Problem)))]
async fn audit_verify(
    State(state): State<Shared>,
    auth: Auth,
    Query(query): Query<AuditQuery>,
) -> ApiResult<Json<AuditPage<ChainReport>>> {
    access::require(&auth.0, AUDIT_VERIFIERS, "verifying the audit log")?;
    let (page, per_page, offset) = paging(query.page, query.per_page, 100, 1000)?;
    let readable: Vec<String> = state
        .store
        .audit_chains(&access::tenant(&auth.0))
        .await?
        .into_iter()
        .filter(|chain| query.chain.as_ref().is_none_or(|wanted| wanted == chain))
        .collect();
    let total = readable.len() as i64;
    let chains: Vec<String> = readable
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(per_page).unwrap_or(usize::MAX))
        .collect();
    let items = if chains.is_empty() {
        Vec::new()
    } else {
        state.store.verify_audit(Some(&chains)).await?
    };
    Ok(Json(AuditPage {
        items,
        total,
        page,
        per_page,
    }))
}

/// Installation plans: an operator's own (drafts included); a regulator's
/// the filed plans of its sectors, whose clock runs out first at the top.
#[utoipa::path(get, path = "/api/v1/plans", responses((status = 200, body = Vec<PlanView>)))]
async fn plans(State(state): State<Shared>, auth: Auth) -> ApiResult<Json<Vec<PlanView>>> {
    Ok(Json(crate::plans::plans(&state, &auth.0).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewPlanRequest {
    pub title: String,
    /// A register of the operator's to draw the draft from: its critical
    /// facilities, their components and the contracts on them.
    #[serde(default)]
    pub register_id: Option<String>,
}

/// Drafts a plan (operators), from a register when one is named.
#[utoipa::path(post, path = "/api/v1/plans", request_body = NewPlanRequest,
    responses((status = 201, body = PlanView), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn create_plan(
    State(state): State<Shared>,
    auth: Auth,
    Json(request): Json<NewPlanRequest>,
) -> ApiResult<(StatusCode, Json<PlanView>)> {
    let record = crate::plans::create_draft(
        &state,
        &auth.0,
        request.register_id.as_deref(),
        &request.title,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(crate::plans::view(&state, &auth.0, record)?),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanDetail {
    #[serde(flatten)]
    pub plan: PlanView,
    /// Every step, oldest first, with the plan as filed or amended and the
    /// screening frozen at that moment.
    pub history: Vec<PlanEvent>,
}

/// One plan with where its review stands and what it still lacks.
#[utoipa::path(get, path = "/api/v1/plans/{id}", responses((status = 200, body = PlanView), (status = 404, body = Problem)))]
async fn plan(
    State(state): State<Shared>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<PlanView>> {
    Ok(Json(crate::plans::plan(&state, &auth.0, &id).await?))
}

/// A plan's history: every step with the plan as filed or amended and the screening frozen with it.
#[utoipa::path(get, path = "/api/v1/plans/{id}/history", responses((status = 200, body = PlanDetail), (status = 404, body = Problem)))]
async fn plan_history(
    State(state): State<Shared>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<PlanDetail>> {
    Ok(Json(PlanDetail {
        plan: crate::plans::plan(&state, &auth.0, &id).await?,
        history: crate::plans::events(&state, &auth.0, &id).await?,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AmendRequest {
    /// The plan's revision the change was made on.
    pub revision: i64,
    /// The whole plan (see `shinsa_model::plan::Plan`).
    #[schema(value_type = Object)]
    pub body: shinsa_model::plan::Plan,
}

/// Changes a plan (operators): a draft freely; a filed plan until a decision closes it, screened again and announced to the ministry.
#[utoipa::path(put, path = "/api/v1/plans/{id}", request_body = AmendRequest,
    responses((status = 200, body = PlanView), (status = 409, body = Problem, description = "Changed meanwhile, or closed"), (status = 403, body = Problem)))]
async fn amend_plan(
    State(state): State<Shared>,
    auth: Auth,
    Path(id): Path<String>,
    Json(request): Json<AmendRequest>,
) -> ApiResult<Json<PlanView>> {
    let record = crate::plans::amend(&state, &auth.0, &id, request.revision, request.body).await?;
    Ok(Json(crate::plans::view(&state, &auth.0, record)?))
}

#[derive(Debug, Deserialize, IntoParams)]
struct AttachmentQuery {
    /// The plan's revision the caller saw.
    revision: i64,
    /// The file's name.
    name: String,
}

/// Attaches a file to a plan (operators): the body is the file (the kinds
/// and limit of case documents). It is an amendment: kept by its SHA-256
/// in the plan's history, and after filing the ministry is told.
#[utoipa::path(post, path = "/api/v1/plans/{id}/attachments", params(AttachmentQuery), request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = PlanView), (status = 409, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem)))]
async fn attach_to_plan(
    State(state): State<Shared>,
    auth: Auth,
    Path(id): Path<String>,
    Query(query): Query<AttachmentQuery>,
    body: axum::body::Body,
) -> ApiResult<Json<PlanView>> {
    let upload =
        crate::files::Upload::read(query.name, body, state.config.document_limit_mb).await?;
    let record = crate::plans::attach(&state, &auth.0, &id, query.revision, upload).await?;
    Ok(Json(crate::plans::view(&state, &auth.0, record)?))
}

/// A plan attachment's file, for whoever may see the plan.
#[utoipa::path(get, path = "/api/v1/plans/{id}/attachments/{sha256}",
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 404, body = Problem)))]
async fn plan_attachment(
    State(state): State<Shared>,
    auth: Auth,
    Path((id, sha256)): Path<(String, String)>,
) -> ApiResult<Response> {
    let (name, media_type, bytes) = crate::plans::attachment(&state, &auth.0, &id, &sha256).await?;
    Ok(crate::respond::file(&name, &media_type, bytes))
}

/// Takes a step in a plan's review: the operator files, answers, accepts, declines or withdraws; the ministry receives, requests information, recommends, orders, clears or moves the last day.
#[utoipa::path(post, path = "/api/v1/plans/{id}/steps", request_body = StepRequest,
    responses((status = 200, body = PlanView), (status = 409, body = Problem, description = "Not allowed in the plan's state, or changed meanwhile"), (status = 422, body = Problem, description = "Incomplete plan (every gap by JSON pointer), a missing note, or a date outside the allowed period")))]
async fn plan_step(
    State(state): State<Shared>,
    auth: Auth,
    Path(id): Path<String>,
    Json(request): Json<StepRequest>,
) -> ApiResult<Json<PlanView>> {
    let record = crate::plans::take_step(&state, &auth.0, &id, request).await?;
    Ok(Json(crate::plans::view(&state, &auth.0, record)?))
}

/// The plan as the filing document (導入等計画書) in Japanese, PDF/A-2b with embedded fonts; the screening frozen with it is the annex.
#[utoipa::path(get, path = "/api/v1/plans/{id}/filing.pdf",
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>,
        headers(("shinsa-warning" = String, description = "One per character that no embedded font has, drawn as [U+XXXX] instead"))),
        (status = 404, body = Problem)))]
async fn filing_pdf(
    State(state): State<Shared>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let document = crate::plans::filing(&state, &auth.0, &id).await?;
    crate::respond::pdf(document, "inline", &format!("{id}.pdf")).await
}

/// The filing document as a printable HTML page.
#[utoipa::path(get, path = "/api/v1/plans/{id}/filing.html",
    responses((status = 200, content_type = "text/html", body = String), (status = 404, body = Problem)))]
async fn filing_html(
    State(state): State<Shared>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let document = crate::plans::filing(&state, &auth.0, &id).await?;
    Ok(crate::respond::html(&document))
}

/// Enforcement cases: an operator's own; a regulator's against the operators of its sectors.
#[utoipa::path(get, path = "/api/v1/cases", responses((status = 200, body = Vec<CaseView>)))]
async fn cases(State(state): State<Shared>, auth: Auth) -> ApiResult<Json<Vec<CaseView>>> {
    Ok(Json(crate::cases::cases(&state, &auth.0).await?))
}

/// Opens a case against an operator of the caller's sectors (regulator reviewers and admins); the operator is notified.
#[utoipa::path(post, path = "/api/v1/cases", request_body = OpenCase,
    responses((status = 201, body = CaseView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn open_case(
    State(state): State<Shared>,
    auth: Auth,
    Json(request): Json<OpenCase>,
) -> ApiResult<(StatusCode, Json<CaseView>)> {
    let record = crate::cases::open(&state, &auth.0, request).await?;
    Ok((
        StatusCode::CREATED,
        Json(crate::cases::view(&state, &auth.0, record).await?),
    ))
}

/// One case with its documents, and each milestone's progress and burn-down read from the register.
#[utoipa::path(get, path = "/api/v1/cases/{id}", responses((status = 200, body = CaseView), (status = 404, body = Problem)))]
async fn case(
    State(state): State<Shared>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<CaseView>> {
    Ok(Json(crate::cases::case(&state, &auth.0, &id).await?))
}

/// Adds a document (either side) or a remediation milestone, or closes the case (reviewers).
#[utoipa::path(post, path = "/api/v1/cases/{id}", request_body = CaseChange,
    responses((status = 200, body = CaseView), (status = 409, body = Problem, description = "Changed meanwhile, or closed"), (status = 422, body = Problem)))]
async fn change_case(
    State(state): State<Shared>,
    auth: Auth,
    Path(id): Path<String>,
    Json(change): Json<CaseChange>,
) -> ApiResult<Json<CaseView>> {
    let record = crate::cases::change(&state, &auth.0, &id, change).await?;
    Ok(Json(crate::cases::view(&state, &auth.0, record).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
struct DocumentQuery {
    /// The case's revision the caller saw.
    revision: i64,
    /// What the document is (the demand, the report, the inspection record…).
    title: String,
    note: Option<String>,
    /// The file's name.
    name: String,
}

/// Adds a document with its file (either side): the body is the file
/// (PDF, PNG, JPEG, GIF, TIFF, docx, xlsx, pptx, odt, ods, doc, xls, ppt;
/// the kind is read from its bytes), at most `document_limit_mb`. It is
/// kept by its SHA-256, which the case's audit record carries.
#[utoipa::path(post, path = "/api/v1/cases/{id}/documents", params(DocumentQuery), request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = CaseView), (status = 409, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem)))]
async fn add_case_document(
    State(state): State<Shared>,
    auth: Auth,
    Path(id): Path<String>,
    Query(query): Query<DocumentQuery>,
    body: axum::body::Body,
) -> ApiResult<Json<CaseView>> {
    let change = CaseChange::Document {
        revision: query.revision,
        title: query.title,
        note: query.note,
    };
    let upload =
        crate::files::Upload::read(query.name, body, state.config.document_limit_mb).await?;
    let record = crate::cases::change_with_file(&state, &auth.0, &id, change, Some(upload)).await?;
    Ok(Json(crate::cases::view(&state, &auth.0, record).await?))
}

/// A case document's file, for whoever may see the case; always as an
/// attachment, under the type read when it was uploaded.
#[utoipa::path(get, path = "/api/v1/cases/{id}/documents/{sha256}",
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 404, body = Problem)))]
async fn case_document(
    State(state): State<Shared>,
    auth: Auth,
    Path((id, sha256)): Path<(String, String)>,
) -> ApiResult<Response> {
    let (name, media_type, bytes) =
        crate::cases::document_file(&state, &auth.0, &id, &sha256).await?;
    Ok(crate::respond::file(&name, &media_type, bytes))
}

#[derive(Debug, Deserialize, IntoParams)]
struct ReportQuery {
    /// `ja` (default) or `en`.
    lang: Option<String>,
}

/// A register's screening report: `report.pdf` (PDF/A-2b) or `report.html`, with the findings by severity as a chart, every finding with its triage, and every finding's evidence and legal basis.
#[utoipa::path(get, path = "/api/v1/registers/{id}/report/{file}", params(ReportQuery),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>,
        headers(("shinsa-warning" = String, description = "One per character that no embedded font has, drawn as [U+XXXX] instead (PDF only)"))),
        (status = 404, body = Problem)))]
async fn screening_report(
    State(state): State<Shared>,
    auth: Auth,
    Path((id, file)): Path<(String, String)>,
    Query(query): Query<ReportQuery>,
) -> ApiResult<Response> {
    let lang = query
        .lang
        .as_deref()
        .and_then(crate::i18n::Lang::parse)
        .unwrap_or(crate::i18n::Lang::Ja);
    let document = crate::reports::register_document(&state, &auth.0, &id, lang).await?;
    match file.as_str() {
        "report.pdf" => {
            crate::respond::pdf(document, "attachment", &format!("{id}-report.pdf")).await
        }
        "report.html" => Ok(crate::respond::html(&document)),
        other => Err(Problem::not_found(format!(
            "no report {other}; report.pdf or report.html"
        ))),
    }
}

fn table(file: &str, sheet: &str, header: &[&str], rows: &[Vec<String>]) -> ApiResult<Response> {
    let failed = |error: shinsa_report::ReportError| Problem::internal(error.to_string());
    match file.rsplit_once('.').map(|(_, extension)| extension) {
        Some("csv") => Ok(crate::respond::download(
            shinsa_report::export::csv(header, rows).map_err(failed)?,
            "text/csv; charset=utf-8",
            "attachment",
            file,
        )),
        Some("xlsx") => Ok(crate::respond::download(
            shinsa_report::export::xlsx(sheet, header, rows).map_err(failed)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "attachment",
            file,
        )),
        _ => Err(Problem::not_found(format!(
            "no export {file}; NAME.csv or NAME.xlsx"
        ))),
    }
}

/// A register's current findings as `findings.csv` (UTF-8 with BOM) or `findings.xlsx`.
#[utoipa::path(get, path = "/api/v1/registers/{id}/findings/export/{file}",
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = Problem)))]
async fn findings_table(
    State(state): State<Shared>,
    auth: Auth,
    Path((id, file)): Path<(String, String)>,
) -> ApiResult<Response> {
    let (_, rows) = crate::reports::finding_rows(&state, &auth.0, &id).await?;
    table(&file, "findings", crate::reports::finding_columns(), &rows)
}

/// The plans the caller sees, the most urgent first, as `plans.csv` or `plans.xlsx`.
#[utoipa::path(get, path = "/api/v1/plans/export/{file}",
    responses((status = 200, content_type = "text/csv", body = String)))]
async fn plans_table(
    State(state): State<Shared>,
    auth: Auth,
    Path(file): Path<String>,
) -> ApiResult<Response> {
    let rows = crate::reports::plan_rows(&state, &auth.0).await?;
    table(&file, "plans", crate::reports::plan_columns(), &rows)
}

#[derive(Debug, Deserialize, IntoParams)]
struct DeliveriesQuery {
    /// `pending`, `sent` or `dead` (the dead letters).
    status: Option<String>,
}

/// The organisation's own webhooks and mail (a regulator's are its
/// people's mail, not its operators'), newest first (500 at most), with
/// each one's status, attempts and last outcome.
#[utoipa::path(get, path = "/api/v1/deliveries", params(DeliveriesQuery), responses((status = 200, body = Vec<OutboxMessage>), (status = 400, body = Problem), (status = 403, body = Problem)))]
async fn deliveries(
    State(state): State<Shared>,
    auth: Auth,
    Query(query): Query<DeliveriesQuery>,
) -> ApiResult<Json<Vec<OutboxMessage>>> {
    access::require(&auth.0, DELIVERY_READERS, "reading deliveries")?;
    let status = match query.status.as_deref().filter(|text| !text.is_empty()) {
        Some(text) => Some(DeliveryStatus::parse(text).ok_or_else(|| {
            Problem::bad_request(format!(
                "status: expected pending, sent or dead, found {text:?}"
            ))
        })?),
        None => None,
    };
    Ok(Json(
        state.store.outbox(&access::tenant(&auth.0), status).await?,
    ))
}

/// Every attempt at one delivery: when, by which replica, and what came of it.
#[utoipa::path(get, path = "/api/v1/deliveries/{id}/attempts", responses((status = 200, body = Vec<DeliveryAttempt>), (status = 403, body = Problem)))]
async fn delivery_attempts(
    State(state): State<Shared>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<DeliveryAttempt>>> {
    access::require(&auth.0, DELIVERY_READERS, "reading deliveries")?;
    Ok(Json(
        state
            .store
            .delivery_attempts(&access::tenant(&auth.0), delivery_id(&id)?)
            .await?,
    ))
}

/// A delivery's number from the path (after the role check, so that a
/// caller without the role learns nothing from the answer).
fn delivery_id(text: &str) -> ApiResult<i64> {
    text.parse()
        .map_err(|_| Problem::not_found(format!("no delivery {text}")))
}

/// Sends a dead letter again (operator-admin, regulator-admin): it is
/// retried from now for the configured age.
#[utoipa::path(post, path = "/api/v1/deliveries/{id}/resend", responses((status = 200, body = OutboxMessage), (status = 404, body = Problem)))]
async fn resend(
    State(state): State<Shared>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<OutboxMessage>> {
    access::require(&auth.0, ADMINS, "sending a delivery again")?;
    let message = state
        .store
        .resend(&access::tenant(&auth.0), &auth.0.actor(), delivery_id(&id)?)
        .await?;
    state.outbox.notify_one();
    Ok(Json(message))
}

#[derive(Debug, Deserialize, IntoParams)]
struct JobsQuery {
    /// `queued`, `running`, `done` or `dead`.
    status: Option<String>,
}

/// Background jobs on the organisation's registers (a ministry's: on its
/// sectors' registers), newest first (500 at most): re-reviewing cleared
/// plans after a list or pack publication re-screened a register, with
/// attempts, the last error and what the last attempt did.
#[utoipa::path(get, path = "/api/v1/jobs", params(JobsQuery), responses((status = 200, body = Vec<Job>), (status = 400, body = Problem), (status = 403, body = Problem)))]
async fn jobs(
    State(state): State<Shared>,
    auth: Auth,
    Query(query): Query<JobsQuery>,
) -> ApiResult<Json<Vec<Job>>> {
    access::require(&auth.0, DELIVERY_READERS, "reading jobs")?;
    let status = match query.status.as_deref().filter(|text| !text.is_empty()) {
        Some(text) => Some(JobStatus::parse(text).ok_or_else(|| {
            Problem::bad_request(format!(
                "status: expected queued, running, done or dead, found {text:?}"
            ))
        })?),
        None => None,
    };
    Ok(Json(
        state.store.jobs(&access::tenant(&auth.0), status).await?,
    ))
}
