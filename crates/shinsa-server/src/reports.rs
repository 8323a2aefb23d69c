//! A register's screening as documents and tables: the screening report
//! (PDF/A and HTML, Japanese or English, with its chart and every
//! finding's evidence) and the findings as CSV or XLSX; the plan list as
//! CSV or XLSX for a reviewer's inbox.

use crate::i18n::Lang;
use crate::screening::today;
use crate::{Problem, Shared};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use shinsa_store::*;

/// The register, its current run and all its current findings.
async fn current(
    state: &Shared,
    principal: &Principal,
    id: &str,
) -> Result<(RegisterSummary, Option<Run>, Vec<FindingView>), Problem> {
    let tenant = principal.tenant();
    let register = state
        .store
        .register(&tenant, id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no register {id}")))?;
    let run = match &register.current_run {
        Some(run) => state.store.run(&tenant, run).await?,
        None => None,
    };
    let mut findings = Vec::new();
    loop {
        let page = state
            .store
            .findings(
                &tenant,
                &FindingFilter {
                    register_id: Some(id.to_owned()),
                    today: today().to_string(),
                    offset: findings.len() as i64,
                    limit: 500,
                    evidence: true,
                    ..FindingFilter::default()
                },
            )
            .await?;
        let done =
            page.items.is_empty() || findings.len() as i64 + page.items.len() as i64 >= page.total;
        findings.extend(page.items);
        if done {
            break;
        }
    }
    Ok((register, run, findings))
}

pub async fn screening_document(
    state: &Shared,
    principal: &Principal,
    id: &str,
    lang: Lang,
) -> Result<shinsa_report::Document, Problem> {
    let (register, run, findings) = current(state, principal, id).await?;
    let report = shinsa_report::ScreeningReport {
        lang: lang.code().to_owned(),
        operator_name: register.org_name.clone(),
        register_name: register.name.clone(),
        register_version: register.version,
        provenance: run
            .as_ref()
            .and_then(|run| run.provenance.clone())
            .unwrap_or_default(),
        screened_at: run
            .as_ref()
            .and_then(|run| run.finished_at.clone())
            .unwrap_or_default(),
        findings: findings
            .iter()
            .map(|view| {
                (
                    serde_json::from_str(&view.row.body).unwrap_or_default(),
                    lang.t(view.status.as_str()).to_owned(),
                    view.triage
                        .as_ref()
                        .and_then(|triage| triage.justification.clone()),
                )
            })
            .collect(),
        printed_on: today(),
    };
    Ok(shinsa_report::screening_document(&report))
}

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

const FINDING_COLUMNS: [&str; 12] = [
    "register",
    "key",
    "severity",
    "rule",
    "subject_kind",
    "subject_id",
    "subject_name",
    "title",
    "title_ja",
    "status",
    "justification",
    "legal_basis",
];

/// The register's current findings as rows of [`FINDING_COLUMNS`].
pub async fn finding_rows(
    state: &Shared,
    principal: &Principal,
    id: &str,
) -> Result<(String, Vec<Vec<String>>), Problem> {
    let (register, _, findings) = current(state, principal, id).await?;
    let rows = findings
        .into_iter()
        .map(|view| {
            let body: serde_json::Value = serde_json::from_str(&view.row.body).unwrap_or_default();
            vec![
                register.name.clone(),
                view.row.key,
                view.row.severity,
                view.row.rule_id,
                view.row.subject_kind,
                view.row.subject_id,
                view.row.subject_name,
                view.row.title,
                view.row.title_ja,
                view.status.as_str().to_owned(),
                view.triage
                    .and_then(|triage| triage.justification)
                    .unwrap_or_default(),
                body["rule"]["legal_basis"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            ]
        })
        .collect();
    Ok((register.name, rows))
}

pub fn finding_columns() -> &'static [&'static str] {
    &FINDING_COLUMNS
}

const PLAN_COLUMNS: [&str; 10] = [
    "id",
    "title",
    "operator",
    "sector",
    "status",
    "filed_at",
    "received_on",
    "due_on",
    "days_left",
    "gaps",
];

/// The plans the caller sees, the most urgent first, as rows of
/// [`PLAN_COLUMNS`].
pub async fn plan_rows(state: &Shared, principal: &Principal) -> Result<Vec<Vec<String>>, Problem> {
    let mut views = state
        .store
        .plans(&principal.tenant())
        .await?
        .into_iter()
        .map(|record| crate::plans::view(state, principal, record))
        .collect::<Result<Vec<_>, _>>()?;
    views.sort_by_key(|view| view.days_left.unwrap_or(i64::MAX));
    Ok(views
        .into_iter()
        .map(|view| {
            vec![
                view.record.id,
                view.record.title,
                view.record.org_name,
                view.record.sector,
                view.record.status,
                view.record.filed_at.unwrap_or_default(),
                view.record.received_on.unwrap_or_default(),
                view.record.due_on.unwrap_or_default(),
                view.days_left
                    .map(|days| days.to_string())
                    .unwrap_or_default(),
                view.gaps.len().to_string(),
            ]
        })
        .collect())
}

pub fn plan_columns() -> &'static [&'static str] {
    &PLAN_COLUMNS
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
