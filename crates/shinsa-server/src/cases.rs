//! The cases service: enforcement cases and remediation, for the API and
//! the UI. Who may open, change and close a case is [`crate::access`]'s;
//! refusals are [`crate::Error`]s.
//!
//! A ministry's reviewers open a case against an operator of their
//! sectors (report demand, inspection, recommendation, order, licence
//! measure, penalty referral) and close it; both sides add documents (the
//! demand, the report, the inspection record). Remediation milestones say
//! which assets must be gone by when; their progress is read from the
//! case's register as it is now, and the burn-down from every version of
//! it, so nobody reports progress by hand.

use crate::Shared;
use crate::access::{self, OPERATOR_WRITERS, REVIEWERS};
use crate::clock::today;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use shinsa_model::enforcement::{
    AssetSelector, CaseDocument, CaseFile, CaseKind, Milestone, Progress,
};
use shinsa_model::{Date, Inventory};
use shinsa_store::*;
use utoipa::ToSchema;

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct OpenCase {
    /// The operator the case is against.
    pub org_id: String,
    /// The register remediation is measured on.
    #[serde(default)]
    pub register_id: Option<String>,
    /// `report_demand`, `on_site_inspection`, `recommendation`, `order`,
    /// `licence_suspension`, `licence_revocation`, `penalty_referral`.
    pub kind: String,
    pub title: String,
    /// The day the operator must answer or comply by (YYYY-MM-DD).
    #[serde(default)]
    pub due_on: Option<String>,
    /// What is demanded, found or ordered.
    #[serde(default)]
    pub note: Option<String>,
}

/// A change to a case.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum CaseChange {
    /// A document from either side.
    Document {
        revision: i64,
        title: String,
        #[serde(default)]
        note: Option<String>,
    },
    /// A remediation milestone; its baseline is counted on the register now.
    Milestone {
        revision: i64,
        title: String,
        due: String,
        #[schema(value_type = Object)]
        selector: AssetSelector,
    },
    /// Closes the case (reviewers).
    Close {
        revision: i64,
        #[serde(default)]
        note: Option<String>,
    },
}

/// A milestone with its progress and its burn-down over the register's
/// versions.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MilestoneView {
    #[schema(value_type = Object)]
    pub milestone: Milestone,
    #[schema(value_type = Object)]
    pub progress: Option<Progress>,
    /// (register version, uploaded at, assets remaining), oldest first.
    pub burn_down: Vec<(i64, String, u64)>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseView {
    #[serde(flatten)]
    pub record: CaseRecord,
    pub kind_label_en: String,
    pub kind_label_ja: String,
    pub milestones: Vec<MilestoneView>,
}

fn unprocessable(detail: String) -> Error {
    Error::invalid("invalid-case", "The case cannot be changed so", detail)
}

fn day(field: &str, text: &str) -> Result<Date> {
    shinsa_model::parse_date(text.trim())
        .map_err(|_| unprocessable(format!("{field}: expected YYYY-MM-DD, found {text:?}")))
}

fn case_file(record: &CaseRecord) -> Result<CaseFile> {
    serde_json::from_value(record.body.clone())
        .map_err(|error| Error::Internal(format!("stored case {}: {error}", record.id)))
}

fn to_value(file: &CaseFile) -> Result<serde_json::Value> {
    serde_json::to_value(file).map_err(|error| Error::Internal(error.to_string()))
}

fn note_text(note: Option<String>) -> Option<String> {
    note.map(|note| note.trim().to_owned())
        .filter(|note| !note.is_empty())
}

/// Every version of the case's register, read once.
async fn register_versions(
    state: &Shared,
    principal: &Principal,
    record: &CaseRecord,
) -> Result<Vec<(i64, String, Inventory)>> {
    let Some(register) = &record.register_id else {
        return Ok(Vec::new());
    };
    state
        .store
        .register_history(&access::tenant(principal), register)
        .await?
        .into_iter()
        .map(|(version, at, stored)| {
            serde_json::from_str(&stored)
                .map(|inventory| (version, at, inventory))
                .map_err(|error| Error::Internal(format!("stored register: {error}")))
        })
        .collect()
}

pub async fn view(state: &Shared, principal: &Principal, record: CaseRecord) -> Result<CaseView> {
    let file = case_file(&record)?;
    let versions = register_versions(state, principal, &record).await?;
    let current = versions.last().map(|(_, _, inventory)| inventory);
    let milestones = file
        .milestones
        .into_iter()
        .map(|milestone| MilestoneView {
            progress: current.map(|inventory| milestone.progress(inventory, today())),
            burn_down: versions
                .iter()
                .map(|(version, at, inventory)| {
                    (*version, at.clone(), milestone.selector.count(inventory))
                })
                .collect(),
            milestone,
        })
        .collect();
    let kind = CaseKind::parse(&record.kind);
    Ok(CaseView {
        kind_label_en: kind.map_or_else(|| record.kind.clone(), |kind| kind.label_en().to_owned()),
        kind_label_ja: kind.map_or_else(|| record.kind.clone(), |kind| kind.label_ja().to_owned()),
        milestones,
        record,
    })
}

pub async fn case(state: &Shared, principal: &Principal, id: &str) -> Result<CaseView> {
    let record = state
        .store
        .case(&access::tenant(principal), id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("no case {id}")))?;
    view(state, principal, record).await
}

/// The cases `principal` may see, newest change first.
pub async fn cases(state: &Shared, principal: &Principal) -> Result<Vec<CaseView>> {
    let mut views = Vec::new();
    for record in state.store.cases(&access::tenant(principal)).await? {
        views.push(view(state, principal, record).await?);
    }
    Ok(views)
}

pub async fn open(state: &Shared, principal: &Principal, request: OpenCase) -> Result<CaseRecord> {
    access::require(principal, REVIEWERS, "opening a case")?;
    crate::limits::check(crate::limits::CASE_TITLE, &request.title)?;
    crate::limits::check_optional(crate::limits::CASE_NOTE, request.note.as_deref())?;
    let tenant = access::tenant(principal);
    let operator = state
        .store
        .organisations(&tenant)
        .await?
        .into_iter()
        .find(|org| org.id == request.org_id)
        .ok_or_else(|| Error::NotFound(format!("no operator {}", request.org_id)))?;
    let sector = access::case_sector(principal, &operator)?;
    let kind = CaseKind::parse(&request.kind).ok_or_else(|| {
        unprocessable(format!(
            "kind: expected one of {}, found {:?}",
            CaseKind::ALL.map(CaseKind::as_str).join(", "),
            request.kind
        ))
    })?;
    if request.title.trim().is_empty() {
        return Err(unprocessable("title: a case needs a title".into()));
    }
    let due_on = match request
        .due_on
        .as_deref()
        .filter(|due| !due.trim().is_empty())
    {
        Some(due) => Some(day("due_on", due)?.to_string()),
        None => None,
    };
    let file = CaseFile {
        documents: vec![CaseDocument {
            on: today(),
            title: kind.label_ja().to_owned(),
            by: principal.actor().0,
            note: note_text(request.note),
            file: None,
        }],
        milestones: Vec::new(),
    };
    let id = new_id("case");
    let title = request.title.trim().to_owned();
    let notify = Notice {
        audience: Audience::Operator,
        mailed: access::mailed(Audience::Operator).to_vec(),
        payload: serde_json::json!({"event": "case.open", "case": id, "kind": kind.as_str(), "title": title, "due_on": due_on}),
    };
    Ok(state
        .store
        .create_case(
            &tenant,
            &principal.actor(),
            NewCase {
                id,
                org_id: request.org_id,
                sector,
                register_id: request.register_id.filter(|register| !register.is_empty()),
                kind: kind.as_str().to_owned(),
                title,
                opened_on: today().to_string(),
                due_on,
                body: to_value(&file)?,
                notify: Some(notify),
            },
        )
        .await?)
}

pub async fn change(
    state: &Shared,
    principal: &Principal,
    id: &str,
    change: CaseChange,
) -> Result<CaseRecord> {
    change_with_file(state, principal, id, change, None).await
}

/// A change that may attach a file (to a document): the file is checked
/// (kind, size), kept by its SHA-256 with the change, and the hash is on
/// the case's audit record with the rest of the case.
pub async fn change_with_file(
    state: &Shared,
    principal: &Principal,
    id: &str,
    change: CaseChange,
    upload: Option<crate::files::Upload>,
) -> Result<CaseRecord> {
    crate::limits::check_json(
        &serde_json::to_value(&change).map_err(|error| Error::Internal(error.to_string()))?,
    )?;
    let kept = upload
        .map(|upload| crate::files::keep(upload, state.config.document_limit_mb))
        .transpose()?;
    if kept.is_some() && !matches!(change, CaseChange::Document { .. }) {
        return Err(unprocessable("a file goes with a document".into()));
    }
    let reviewer = access::has(principal, REVIEWERS);
    if !reviewer {
        access::require(principal, OPERATOR_WRITERS, "changing a case")?;
    }
    let tenant = access::tenant(principal);
    let record = state
        .store
        .case(&tenant, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("no case {id}")))?;
    if record.status == "closed" {
        return Err(Error::Conflict {
            kind: "case-closed",
            title: "The case is closed",
            detail: format!("case {id} is closed"),
        });
    }
    let mut file = case_file(&record)?;
    let (revision, action, status) = match change {
        CaseChange::Document {
            revision,
            title,
            note,
        } => {
            if title.trim().is_empty() {
                return Err(unprocessable("title: a document needs a title".into()));
            }
            file.documents.push(CaseDocument {
                on: today(),
                title: title.trim().to_owned(),
                by: principal.actor().0,
                note: note_text(note),
                file: kept.as_ref().map(|(attached, _)| attached.clone()),
            });
            (revision, "document", "open")
        }
        CaseChange::Milestone {
            revision,
            title,
            due,
            selector,
        } => {
            let versions = register_versions(state, principal, &record).await?;
            let Some((_, _, current)) = versions.last() else {
                return Err(unprocessable(
                    "register_id: a milestone is measured on the case's register; the case has none".into(),
                ));
            };
            if selector == AssetSelector::default() {
                return Err(unprocessable(
                    "selector: say which assets (category, vendor, made_in or not_made_in)".into(),
                ));
            }
            file.milestones.push(Milestone {
                id: format!("M-{}", file.milestones.len() + 1),
                title: title.trim().to_owned(),
                due: day("due", &due)?,
                baseline: selector.count(current),
                selector,
            });
            (revision, "milestone", "open")
        }
        CaseChange::Close { revision, note } => {
            access::require(principal, REVIEWERS, "closing a case")?;
            file.documents.push(CaseDocument {
                on: today(),
                title: "終結".to_owned(),
                by: principal.actor().0,
                note: note_text(note),
                file: None,
            });
            (revision, "close", "closed")
        }
    };
    let audience = if reviewer {
        Audience::Operator
    } else {
        Audience::Regulators
    };
    let stored = state
        .store
        .update_case(
            &tenant,
            &principal.actor(),
            id,
            CaseUpdate {
                expected_revision: revision,
                action: action.to_owned(),
                status: status.to_owned(),
                due_on: record.due_on.clone(),
                body: to_value(&file)?,
                notify: Some(Notice {
                    audience,
                    mailed: access::mailed(audience).to_vec(),
                    payload: serde_json::json!({"event": format!("case.{action}"), "case": id, "title": record.title, "status": status}),
                }),
                file: kept.map(|(_, file)| file),
            },
        )
        .await?;
    state.outbox.notify_one();
    Ok(stored)
}

/// A file a case names, for whoever may see the case: its name, type and
/// bytes. A hash the case does not name is not found.
pub async fn document_file(
    state: &Shared,
    principal: &Principal,
    id: &str,
    sha256: &str,
) -> Result<(String, String, Vec<u8>)> {
    let tenant = access::tenant(principal);
    let missing = || Error::NotFound(format!("no document {sha256} in case {id}"));
    let record = state.store.case(&tenant, id).await?.ok_or_else(missing)?;
    let name = case_file(&record)?
        .documents
        .into_iter()
        .filter_map(|document| document.file)
        .find(|file| file.sha256 == sha256)
        .map(|file| file.name)
        .ok_or_else(missing)?;
    let (media_type, bytes) = state
        .store
        .case_file(&tenant, id, sha256)
        .await?
        .ok_or_else(missing)?;
    Ok((name, media_type, bytes))
}
