//! A register's findings and the plans as documents and tables: the
//! report on a register (PDF/A and HTML, Japanese or English, with its
//! chart and every finding's evidence) and the findings as rows for CSV or
//! XLSX; the plan list as rows for a reviewer's inbox. What is built here
//! is data; [`crate::respond`] turns it into responses.

use crate::Shared;
use crate::access;
use crate::clock::today;
use crate::error::{Error, Result};
use crate::i18n::Lang;
use shinsa_model::shown;
use shinsa_store::*;

/// The register, its current run and all its current findings.
async fn current(
    state: &Shared,
    principal: &Principal,
    id: &str,
) -> Result<(RegisterSummary, Option<Run>, Vec<FindingView>)> {
    let tenant = access::tenant(principal);
    let register = state
        .store
        .register(&tenant, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("no register {id}")))?;
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

/// A stored finding read back; a body that does not read is the server's
/// fault, never a blank line in a regulator's document.
pub(crate) fn stored_finding(view: &FindingView) -> Result<shinsa_model::Finding> {
    serde_json::from_str(&view.row.body).map_err(|error| {
        Error::Internal(format!(
            "stored finding {} of register {}: {error}",
            view.row.key, view.register_id
        ))
    })
}

/// The report on a register's current findings.
pub async fn register_document(
    state: &Shared,
    principal: &Principal,
    id: &str,
    lang: Lang,
) -> Result<shinsa_report::Document> {
    let (register, run, findings) = current(state, principal, id).await?;
    let (provenance, screened_at) = match &run {
        Some(run) => (
            match &run.provenance {
                Some(stored) => serde_json::from_value(stored.clone()).map_err(|error| {
                    Error::Internal(format!("stored provenance of run {}: {error}", run.id))
                })?,
                None => shinsa_model::Provenance::default(),
            },
            shown(run.finished_at.as_ref()),
        ),
        None => (shinsa_model::Provenance::default(), String::new()),
    };
    let report = shinsa_report::RegisterReport {
        lang: lang.code().to_owned(),
        operator_name: register.org_name.clone(),
        register_name: register.name.clone(),
        register_version: register.version,
        provenance,
        screened_at,
        findings: findings
            .iter()
            .map(|view| {
                Ok(shinsa_report::ReportedFinding {
                    finding: stored_finding(view)?,
                    status: lang.t(view.status.as_str()).to_owned(),
                    justification: view
                        .triage
                        .as_ref()
                        .and_then(|triage| triage.justification.clone()),
                })
            })
            .collect::<Result<_>>()?,
        printed_on: today(),
    };
    Ok(shinsa_report::register_document(&report))
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
) -> Result<(String, Vec<Vec<String>>)> {
    let (register, _, findings) = current(state, principal, id).await?;
    let rows = findings
        .into_iter()
        .map(|view| {
            let legal_basis = stored_finding(&view)?.rule.legal_basis.to_string();
            Ok(vec![
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
                shown(view.triage.and_then(|triage| triage.justification)),
                legal_basis,
            ])
        })
        .collect::<Result<_>>()?;
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
pub async fn plan_rows(state: &Shared, principal: &Principal) -> Result<Vec<Vec<String>>> {
    Ok(crate::plans::plans(state, principal)
        .await?
        .into_iter()
        .map(|view| {
            vec![
                view.record.id,
                view.record.title,
                view.record.org_name,
                view.record.sector,
                view.record.status,
                shown(view.record.filed_at),
                shown(view.record.received_on),
                shown(view.record.due_on),
                shown(view.days_left),
                view.gaps.len().to_string(),
            ]
        })
        .collect())
}

pub fn plan_columns() -> &'static [&'static str] {
    &PLAN_COLUMNS
}
