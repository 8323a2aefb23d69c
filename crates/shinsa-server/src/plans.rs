//! The plans service: installation plans and their review, for the API,
//! the UI and the re-review job alike.
//!
//! The review's rules are the model's (`shinsa_model::review`) and who may
//! act or see what is [`crate::access`]'s: this service loads a plan as the
//! caller may see it, applies the step to its review, has the engine screen
//! the plan when it is filed or amended after filing (the snapshot is
//! frozen in the step's event with its list and pack versions), and tells
//! the other side by webhook and mail in the same transaction. It answers
//! in the services' terms ([`crate::Error`]); the HTTP edge chooses
//! statuses.

use crate::Shared;
use crate::access::{self, OPERATOR_WRITERS};
use crate::clock::today;
use crate::error::{Error, FieldError, Result};
use serde::{Deserialize, Serialize};
use sha2::Digest as _;
use shinsa_model::plan::{FoundExposure, Gap, Plan, Snapshot};
use shinsa_model::review::{Action, PlanStatus, Review, ReviewError, Side};
use shinsa_model::{CountryCode, Date, Operator};
use shinsa_store::*;
use utoipa::ToSchema;

/// A plan as a caller sees it: where it stands and what is still missing.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanView {
    #[serde(flatten)]
    pub record: PlanRecord,
    pub status_label_en: String,
    pub status_label_ja: String,
    /// Days until the review's last day while its clock runs.
    pub days_left: Option<i64>,
    /// The latest day the review may be extended to.
    pub latest_extension: Option<String>,
    /// What the ministry will ask for that the plan does not say.
    #[schema(value_type = Vec<Object>)]
    pub gaps: Vec<Gap>,
    pub may_install: bool,
}

/// A step requested by a caller.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct StepRequest {
    /// The plan's revision the caller saw.
    pub revision: i64,
    /// `file`, `receive`, `request_information`, `answer`, `recommend`,
    /// `accept`, `decline`, `order`, `clear`, `set_due`, `withdraw`.
    pub action: String,
    /// `receive`: the day of receipt (default today).
    #[serde(default)]
    pub on: Option<String>,
    /// `set_due`: the new last day of the review.
    #[serde(default)]
    pub until: Option<String>,
    /// The request, the required changes, the reasons: required for
    /// `request_information`, `recommend`, `order` and `decline`.
    #[serde(default)]
    pub note: Option<String>,
}

/// The step a request asks for, its dates read (`receive` defaults to
/// `day`).
pub(crate) fn action_of(request: &StepRequest, day: Date) -> Result<Action> {
    Ok(match request.action.as_str() {
        "file" => Action::File,
        "receive" => Action::Receive {
            on: match request.on.as_deref().filter(|on| !on.trim().is_empty()) {
                Some(on) => parse_day("on", on)?,
                None => day,
            },
        },
        "request_information" => Action::RequestInformation,
        "answer" => Action::Answer,
        "recommend" => Action::Recommend,
        "accept" => Action::Accept,
        "decline" => Action::Decline,
        "order" => Action::Order,
        "clear" => Action::Clear,
        "set_due" => Action::SetDue {
            until: parse_day(
                "until",
                request
                    .until
                    .as_deref()
                    .ok_or_else(|| unprocessable("until: the new last day is required".into()))?,
            )?,
        },
        "withdraw" => Action::Withdraw,
        other => {
            return Err(Error::BadRequest(format!(
                "action: unknown {other:?}; expected file, receive, request_information, answer, recommend, accept, decline, order, clear, set_due or withdraw"
            )));
        }
    })
}

fn parse_day(field: &str, text: &str) -> Result<Date> {
    shinsa_model::parse_date(text.trim()).map_err(|_| {
        unprocessable(format!(
            "{field}: expected a date as YYYY-MM-DD, found {text:?}"
        ))
    })
}

fn unprocessable(detail: String) -> Error {
    Error::invalid("invalid-plan-step", "The step cannot be taken", detail)
}

fn day_text(day: Option<Date>) -> Option<String> {
    day.map(|day| day.to_string())
}

fn stored_day(text: &Option<String>) -> Result<Option<Date>> {
    text.as_deref()
        .map(|text| {
            shinsa_model::parse_date(text)
                .map_err(|_| Error::Internal(format!("stored date {text:?}")))
        })
        .transpose()
}

/// The review as stored in a plan record.
pub(crate) fn review_of(record: &PlanRecord) -> Result<Review> {
    Ok(Review {
        status: PlanStatus::parse(&record.status)
            .ok_or_else(|| Error::Internal(format!("stored plan status {:?}", record.status)))?,
        received_on: stored_day(&record.received_on)?,
        due_on: stored_day(&record.due_on)?,
        response_due_on: stored_day(&record.response_due_on)?,
    })
}

pub(crate) fn plan_of(record: &PlanRecord) -> Result<Plan> {
    read_body(&record.id, &record.body)
}

fn read_body(id: &str, body: &serde_json::Value) -> Result<Plan> {
    serde_json::from_value(body.clone())
        .map_err(|error| Error::Internal(format!("stored plan {id}: {error}")))
}

fn json<T: Serialize>(value: &T) -> Result<serde_json::Value> {
    serde_json::to_value(value).map_err(|error| Error::Internal(error.to_string()))
}

/// The plan body `principal` may see (without officers' personal data for
/// those who may not see it).
fn shown_body(
    principal: &Principal,
    id: &str,
    body: &serde_json::Value,
) -> Result<serde_json::Value> {
    if access::sees_personal_data(principal) {
        return Ok(body.clone());
    }
    json(&read_body(id, body)?.without_personal_data())
}

/// A frozen screening as stored.
fn snapshot_of(id: &str, stored: &serde_json::Value) -> Result<Snapshot> {
    serde_json::from_value(stored.clone())
        .map_err(|error| Error::Internal(format!("stored snapshot of plan {id}: {error}")))
}

pub fn view(state: &Shared, principal: &Principal, mut record: PlanRecord) -> Result<PlanView> {
    let review = review_of(&record)?;
    let plan = plan_of(&record)?;
    record.body = shown_body(principal, &record.id, &record.body)?;
    let status = review.status;
    Ok(PlanView {
        status_label_en: status.label_en().to_owned(),
        status_label_ja: status.label_ja().to_owned(),
        days_left: review.days_left(today()),
        latest_extension: review.received_on.map(|received| {
            state
                .review_rules
                .clock
                .latest_extension(received)
                .to_string()
        }),
        gaps: plan.completeness(),
        may_install: status.may_install(),
        record,
    })
}

/// The events of a plan, with bodies and snapshots as `principal` may see
/// them.
pub async fn events(state: &Shared, principal: &Principal, id: &str) -> Result<Vec<PlanEvent>> {
    let mut events = state
        .store
        .plan_events(
            &access::tenant(principal),
            access::plan_reach(principal),
            id,
        )
        .await?;
    for event in &mut events {
        if let Some(body) = &event.body {
            event.body = Some(shown_body(principal, id, body)?);
        }
        if let Some(stored) = &event.snapshot
            && !access::sees_personal_data(principal)
        {
            event.snapshot = Some(json(&snapshot_of(id, stored)?.without_personal_data())?);
        }
    }
    Ok(events)
}

/// The plan record `principal` may see.
async fn record(state: &Shared, principal: &Principal, id: &str) -> Result<PlanRecord> {
    state
        .store
        .plan(
            &access::tenant(principal),
            access::plan_reach(principal),
            id,
        )
        .await?
        .ok_or_else(|| Error::NotFound(format!("no plan {id}")))
}

pub async fn plan(state: &Shared, principal: &Principal, id: &str) -> Result<PlanView> {
    view(state, principal, record(state, principal, id).await?)
}

/// The plans `principal` may see, the clock that runs out first at the top.
pub async fn plans(state: &Shared, principal: &Principal) -> Result<Vec<PlanView>> {
    let mut views = state
        .store
        .plans(&access::tenant(principal), access::plan_reach(principal))
        .await?
        .into_iter()
        .map(|record| view(state, principal, record))
        .collect::<Result<Vec<_>>>()?;
    views.sort_by_key(|view| view.days_left.unwrap_or(i64::MAX));
    Ok(views)
}

/// A new draft, drawn from a register when one is named.
pub async fn create_draft(
    state: &Shared,
    principal: &Principal,
    register_id: Option<&str>,
    title: &str,
) -> Result<PlanRecord> {
    access::require(principal, OPERATOR_WRITERS, "drafting a plan")?;
    let title = title.trim();
    if title.is_empty() {
        return Err(Error::BadRequest("title: a plan needs a title".into()));
    }
    crate::limits::check(crate::limits::PLAN_TITLE, title)?;
    let id = new_id("plan");
    let tenant = access::tenant(principal);
    let register_id = register_id.filter(|register| !register.is_empty());
    let plan = match register_id {
        Some(register) => {
            let stored = state
                .store
                .register_inventory(&tenant, register)
                .await?
                .ok_or_else(|| Error::NotFound(format!("no register {register}")))?;
            let inventory: shinsa_model::Inventory = serde_json::from_str(&stored)
                .map_err(|error| Error::Internal(format!("stored register: {error}")))?;
            let mut draft = Plan::draft_from_register(&id, title, &inventory, today());
            // The facilities' known vulnerabilities, each asking for its
            // measure.
            let sector = principal.org.sectors.first().cloned().ok_or_else(|| {
                Error::Internal(format!(
                    "{} is an operator without a sector",
                    principal.org.id
                ))
            })?;
            let operator = filer(&principal.org.id, &principal.org.name, &sector)?;
            let screened = snapshot(state, operator, &draft).await?;
            draft.ask_for_measures(&found_exposures(&screened.findings));
            draft
        }
        None => Plan {
            id: id.clone(),
            title: title.to_owned(),
            items: Vec::new(),
            measures: Vec::new(),
            attachments: Vec::new(),
        },
    };
    Ok(state
        .store
        .create_plan(
            &tenant,
            &principal.actor(),
            NewPlan {
                id,
                register_id: register_id.map(str::to_owned),
                title: title.to_owned(),
                body: json(&plan)?,
            },
        )
        .await?)
}

/// The engine's screening of what a plan proposes, frozen as it is now:
/// every finding with its evidence, the people a list names, the warnings,
/// and the list and pack versions behind them.
async fn snapshot(state: &Shared, operator: Operator, plan: &Plan) -> Result<Snapshot> {
    let engine = state.engine().await?;
    // The plan's digest stands where a register's file digest would.
    let digest = hex::encode(sha2::Sha256::digest(
        serde_json::to_vec(plan).map_err(|error| Error::Internal(error.to_string()))?,
    ));
    let plan = plan.clone();
    let day = today();
    let screened =
        tokio::task::spawn_blocking(move || engine.screen_plan(&plan, &operator, &digest, day))
            .await?
            .map_err(|error| Error::Internal(format!("screening the plan: {error}")))?;
    let mut findings = screened.screened.findings;
    for finding in &mut findings {
        finding.detach_provenance();
    }
    Ok(Snapshot {
        taken_at: now(),
        as_of: day.to_string(),
        provenance: screened.screened.provenance,
        findings,
        warnings: screened.screened.warnings,
        people: Some(screened.people),
        people_withheld: None,
    })
}

/// Filing refused for `gaps`, each named by its pointer in both languages.
fn cannot_file(detail: String, gaps: Vec<Gap>) -> Error {
    Error::Invalid {
        kind: "invalid-plan-step",
        title: "The step cannot be taken",
        detail,
        errors: gaps
            .into_iter()
            .map(|gap| FieldError {
                pointer: Some(gap.pointer),
                message: gap.missing,
                message_ja: Some(gap.missing_ja),
            })
            .collect(),
    }
}

/// The screening of a stored plan, as its operator's.
async fn screen_filed(state: &Shared, record: &PlanRecord, plan: &Plan) -> Result<Snapshot> {
    let operator = filer(&record.org_id, &record.org_name, &record.sector)?;
    snapshot(state, operator, plan).await
}

/// The operator filing a plan. Installation plans are an ESPA filing: the
/// operator is Japanese (organisations carry no country of their own yet).
fn filer(id: &str, name: &str, sector: &str) -> Result<Operator> {
    Ok(Operator {
        id: id.to_owned(),
        name: name.to_owned(),
        sector: sector.to_owned(),
        country: CountryCode::parse("JP").map_err(|error| Error::Internal(error.to_string()))?,
        licence: None,
        regulator: None,
        internal_networks: Vec::new(),
        public_networks: Vec::new(),
    })
}

/// The exposures a plan's screening found, per item, each summarised for
/// the reader of the filing (the record's title, and KEV's due date and
/// ransomware use when it is on the catalogue).
fn found_exposures(findings: &[shinsa_model::Finding]) -> Vec<FoundExposure> {
    let mut found: Vec<FoundExposure> = Vec::new();
    for finding in findings {
        if finding.subject.kind != shinsa_model::SubjectKind::Exposure {
            continue;
        }
        let summary = finding
            .evidence
            .iter()
            .find_map(|evidence| match evidence {
                shinsa_model::Evidence::Exposure {
                    title,
                    kev_due,
                    ransomware,
                    fixed_in,
                    ..
                } => Some(
                    [
                        Some(title.clone()),
                        kev_due.as_ref().map(|due| format!("KEV due {due}")),
                        ransomware.then(|| "ransomware".to_owned()),
                        fixed_in.as_ref().map(|fixed| format!("fixed in {fixed}")),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join("; "),
                ),
                _ => None,
            })
            .unwrap_or_else(|| finding.title.to_string());
        if let Some(exposure) = FoundExposure::from_subject(&finding.subject.id, summary)
            && !found.iter().any(|seen| {
                seen.item == exposure.item && seen.vulnerability == exposure.vulnerability
            })
        {
            found.push(exposure);
        }
    }
    found
}

fn refused(error: ReviewError) -> Error {
    match error {
        ReviewError::NotAllowed { .. } | ReviewError::AnswerStillDue { .. } => Error::Conflict {
            kind: "step-not-allowed",
            title: "Not allowed in the plan's state",
            detail: error.to_string(),
        },
        other => unprocessable(other.to_string()),
    }
}

/// Who hears of a step taken by `side`.
fn audience(side: Side) -> Audience {
    match side {
        Side::Operator => Audience::Regulators,
        Side::Reviewer | Side::System => Audience::Operator,
    }
}

/// The notice of a step: to its audience's webhooks and to the people
/// [`access::mailed`] names.
fn notice(
    audience: Audience,
    record: &PlanRecord,
    action: &str,
    next: &Review,
    note: Option<&str>,
) -> Notice {
    Notice {
        audience,
        mailed: access::mailed(audience).to_vec(),
        payload: serde_json::json!({
            "event": format!("plan.{action}"),
            "plan": record.id, "organisation": record.org_id, "title": record.title,
            "status": next.status.as_str(), "due_on": day_text(next.due_on),
            "response_due_on": day_text(next.response_due_on), "note": note,
        }),
    }
}

/// Applies a step to a plan and records it.
pub async fn take_step(
    state: &Shared,
    principal: &Principal,
    id: &str,
    request: StepRequest,
) -> Result<PlanRecord> {
    let side = access::side_of(principal).ok_or_else(|| {
        Error::Forbidden("steps on a plan need an operator or reviewer role".into())
    })?;
    crate::limits::check_optional(crate::limits::STEP_NOTE, request.note.as_deref())?;
    let record = record(state, principal, id).await?;
    let day = today();
    let action = action_of(&request, day)?;
    let note = request
        .note
        .as_deref()
        .map(str::trim)
        .filter(|note| !note.is_empty());
    let needs_note = matches!(
        action,
        Action::RequestInformation | Action::Recommend | Action::Order | Action::Decline
    );
    if needs_note && note.is_none() {
        return Err(unprocessable(format!(
            "note: {} needs a note saying what is asked, required or why",
            action.name()
        )));
    }
    let next = review_of(&record)?
        .apply(side, action, &state.review_rules, day)
        .map_err(refused)?;
    let plan = plan_of(&record)?;
    let snapshot = if action == Action::File {
        let gaps = plan.completeness();
        if !gaps.is_empty() {
            let detail = format!("the plan is not complete: {} item(s) missing", gaps.len());
            return Err(cannot_file(detail, gaps));
        }
        let frozen = screen_filed(state, &record, &plan).await?;
        let unlisted = plan.unlisted_exposures(&found_exposures(&frozen.findings));
        if !unlisted.is_empty() {
            let detail = format!(
                "the screening found {} known vulnerabilit(ies) the plan does not list with a measure",
                unlisted.len()
            );
            return Err(cannot_file(detail, unlisted));
        }
        Some(json(&frozen)?)
    } else {
        None
    };
    let step = PlanStep {
        note: note.map(str::to_owned),
        body: (action == Action::File).then(|| record.body.clone()),
        snapshot,
        notify: Some(notice(audience(side), &record, action.name(), &next, note)),
        ..step_to(request.revision, side, action, &next)
    };
    let stored = state
        .store
        .plan_step(
            (&access::tenant(principal), access::plan_reach(principal)),
            &principal.actor(),
            id,
            step,
        )
        .await?;
    state.outbox.notify_one();
    Ok(stored)
}

/// The step `side` takes with `action` from `revision`, leading to
/// `next`: nothing kept with it yet (note, body, snapshot, notice).
fn step_to(revision: i64, side: Side, action: Action, next: &Review) -> PlanStep {
    PlanStep {
        expected_revision: revision,
        side: side_as_str(side).to_owned(),
        action: action.name().to_owned(),
        status: next.status.as_str().to_owned(),
        received_on: day_text(next.received_on),
        due_on: day_text(next.due_on),
        response_due_on: day_text(next.response_due_on),
        note: None,
        body: None,
        snapshot: None,
        notify: None,
        file: None,
    }
}

fn side_as_str(side: Side) -> &'static str {
    match side {
        Side::Operator => "operator",
        Side::Reviewer => "reviewer",
        Side::System => "system",
    }
}

/// Saves a changed plan. After filing the change is screened again and
/// the reviewing ministry is told.
pub async fn amend(
    state: &Shared,
    principal: &Principal,
    id: &str,
    revision: i64,
    plan: Plan,
) -> Result<PlanRecord> {
    amend_with_file(state, principal, id, revision, plan, None).await
}

/// Attaches a file to a plan: an amendment of the plan as it stands that
/// adds the file to its attachments (filed with it when the plan is filed;
/// after filing, its ministry is told like of any amendment).
pub async fn attach(
    state: &Shared,
    principal: &Principal,
    id: &str,
    revision: i64,
    upload: crate::files::Upload,
) -> Result<PlanRecord> {
    let mut plan = plan_of(&record(state, principal, id).await?)?;
    let (attached, file) = crate::files::keep(upload, state.config.document_limit_mb)?;
    plan.attachments
        .retain(|kept| kept.sha256 != attached.sha256);
    plan.attachments.push(attached);
    amend_with_file(state, principal, id, revision, plan, Some(file)).await
}

/// A file a plan names (as it stands), for whoever may see the plan: its
/// name, type and bytes.
pub async fn attachment(
    state: &Shared,
    principal: &Principal,
    id: &str,
    sha256: &str,
) -> Result<(String, String, Vec<u8>)> {
    let missing = || Error::NotFound(format!("no attachment {sha256} in plan {id}"));
    let record = record(state, principal, id).await.map_err(|_| missing())?;
    let name = plan_of(&record)?
        .attachments
        .into_iter()
        .find(|file| file.sha256 == sha256)
        .map(|file| file.name)
        .ok_or_else(missing)?;
    let (media_type, bytes) = state
        .store
        .plan_file(
            &access::tenant(principal),
            access::plan_reach(principal),
            id,
            sha256,
        )
        .await?
        .ok_or_else(missing)?;
    Ok((name, media_type, bytes))
}

async fn amend_with_file(
    state: &Shared,
    principal: &Principal,
    id: &str,
    revision: i64,
    mut plan: Plan,
    file: Option<shinsa_store::NewFile>,
) -> Result<PlanRecord> {
    access::require(principal, OPERATOR_WRITERS, "changing a plan")?;
    let record = record(state, principal, id).await?;
    plan.id = record.id.clone();
    if plan.title.trim().is_empty() {
        return Err(unprocessable("title: a plan needs a title".into()));
    }
    let body = json(&plan)?;
    crate::limits::check_json(&body)?;
    attachments_are_kept(state, principal, &record, &plan, file.as_ref()).await?;
    let review = review_of(&record)?;
    let next = review
        .apply(Side::Operator, Action::Amend, &state.review_rules, today())
        .map_err(refused)?;
    let filed = review.status != PlanStatus::Draft;
    let snapshot = if filed {
        Some(json(&screen_filed(state, &record, &plan).await?)?)
    } else {
        None
    };
    let step = PlanStep {
        body: Some(body),
        snapshot,
        notify: filed.then(|| notice(Audience::Regulators, &record, "amend", &next, None)),
        file,
        ..step_to(revision, Side::Operator, Action::Amend, &next)
    };
    let stored = state
        .store
        .plan_step(
            (&access::tenant(principal), access::plan_reach(principal)),
            &principal.actor(),
            id,
            step,
        )
        .await?;
    state.outbox.notify_one();
    Ok(stored)
}

/// Refuses a plan naming an attachment that is not the file being attached
/// now nor one kept for the plan already (a hash made up in the JSON, or
/// another organisation's file): every attachment a plan names can be
/// downloaded by those who may see it.
async fn attachments_are_kept(
    state: &Shared,
    principal: &Principal,
    record: &PlanRecord,
    plan: &Plan,
    file: Option<&shinsa_store::NewFile>,
) -> Result<()> {
    if plan.attachments.is_empty() {
        return Ok(());
    }
    let kept_files = state
        .store
        .plan_file_hashes(
            &access::tenant(principal),
            access::plan_reach(principal),
            &record.id,
        )
        .await?;
    let mut errors = Vec::new();
    for (index, attached) in plan.attachments.iter().enumerate() {
        let pointer = format!("/attachments/{index}/sha256");
        let kept = file.is_some_and(|file| file.sha256 == attached.sha256)
            || kept_files.contains(&attached.sha256);
        if !kept {
            errors.push(FieldError {
                pointer: Some(pointer),
                message: format!(
                    "{:?} is not a file attached to this plan (attach files with POST /api/v1/plans/{}/attachments)",
                    attached.sha256, record.id
                ),
                message_ja: Some("この計画書に添付されたファイルではありません".into()),
            });
        }
    }
    if errors.is_empty() {
        return Ok(());
    }
    Err(Error::Invalid {
        kind: "unknown-attachment",
        title: "The plan names files it does not have",
        detail: format!("{} attachment(s) are not files of this plan", errors.len()),
        errors,
    })
}

/// After a list or pack change re-screened a register: every cleared plan
/// drawn from it is screened again, and one with findings its frozen
/// screening did not have goes back to its ministry for re-review. Run by
/// the re-review job ([`crate::jobs`]) as the system; returns how many
/// plans went back.
pub async fn rereview_cleared(state: &Shared, register_id: &str) -> Result<usize> {
    let mut moved = 0;
    for record in state.store.cleared_plans(register_id).await? {
        let plan = plan_of(&record)?;
        let events = state
            .store
            .plan_events(&Tenant::System, PlanReach::WHOLE, &record.id)
            .await?;
        let frozen = events
            .iter()
            .rev()
            .find_map(|event| event.snapshot.as_ref())
            .map(|stored| snapshot_of(&record.id, stored))
            .transpose()?;
        let fresh = screen_filed(state, &record, &plan).await?;
        let added: Vec<String> = fresh
            .added_since(frozen.as_ref())
            .into_iter()
            .map(described)
            .collect();
        if added.is_empty() {
            continue;
        }
        let next = review_of(&record)?
            .apply(Side::System, Action::ReReview, &state.review_rules, today())
            .map_err(refused)?;
        let note = format!("new findings since clearance: {}", added.join("; "));
        let step = PlanStep {
            notify: Some(notice(
                Audience::Regulators,
                &record,
                "re_review",
                &next,
                Some(&note),
            )),
            note: Some(note),
            snapshot: Some(json(&fresh)?),
            ..step_to(record.revision, Side::System, Action::ReReview, &next)
        };
        state
            .store
            .plan_step(
                (&Tenant::System, PlanReach::WHOLE),
                &Actor::system("re-review"),
                &record.id,
                step,
            )
            .await?;
        moved += 1;
    }
    if moved > 0 {
        state.outbox.notify_one();
    }
    Ok(moved)
}

/// A finding as a note names it: its id and the lists its evidence cites.
fn described(finding: &shinsa_model::Finding) -> String {
    let lists: std::collections::BTreeSet<&str> = finding
        .evidence
        .iter()
        .filter_map(|evidence| match evidence {
            shinsa_model::Evidence::ListMatch { list, .. }
            | shinsa_model::Evidence::Categorical { list, .. } => Some(list.as_str()),
            _ => None,
        })
        .collect();
    if lists.is_empty() {
        finding.id.clone()
    } else {
        format!(
            "{} ({})",
            finding.id,
            lists.into_iter().collect::<Vec<_>>().join(", ")
        )
    }
}

/// The plan as the filing document the ministry receives, with the
/// screening frozen last (officers' data as `principal` may see it).
pub async fn filing(
    state: &Shared,
    principal: &Principal,
    id: &str,
) -> Result<shinsa_report::Document> {
    let view = plan(state, principal, id).await?;
    let history = events(state, principal, id).await?;
    let record = view.record;
    let engine = state.engine().await?;
    let sector = engine
        .reference()
        .sectors
        .iter()
        .find(|sector| sector.regime == "jp-espa" && sector.code == record.sector);
    let digest = hex::encode(sha2::Sha256::digest(record.body.to_string().as_bytes()));
    let snapshot = history
        .iter()
        .rev()
        .find_map(|event| event.snapshot.as_ref())
        .map(|stored| snapshot_of(id, stored))
        .transpose()?;
    let filing = shinsa_report::Filing {
        plan: plan_of(&record)?,
        operator_name: record.org_name.clone(),
        sector_name_ja: sector
            .map_or_else(|| record.sector.clone(), |sector| sector.name_ja.clone()),
        ministry: sector.map_or_else(|| "主務大臣".to_owned(), |sector| sector.ministry.clone()),
        status_label_ja: view.status_label_ja,
        // Counted on the whole history: a ministry's view of it starts at
        // the filing.
        edition: state
            .store
            .plan_events(&Tenant::System, PlanReach::WHOLE, id)
            .await?
            .iter()
            .filter(|event| matches!(event.action.as_str(), "create" | "amend"))
            .count() as i64,
        digest,
        filed_at: record.filed_at.clone(),
        received_on: record.received_on.clone(),
        due_on: record.due_on.clone(),
        snapshot,
        printed_on: today(),
    };
    Ok(shinsa_report::filing_document(&filing))
}

/// Queues the reminders due on `today`: for a plan under review, to the
/// sector's reviewers; for a recommendation awaiting its answer, to the
/// operator. A clock at `d` days left is reminded at the smallest
/// configured number of days (`[review] reminder_days`) not below `d`,
/// so a server that was down still reminds; an overdue clock once.
pub async fn send_reminders(state: &Shared, today: Date) -> Result<usize> {
    let mut thresholds = state.config.review.reminder_days.clone();
    thresholds.sort_unstable();
    let mut sent = 0;
    for record in state.store.plans_with_clocks().await? {
        let review = review_of(&record)?;
        let (clock, due, audience) = match review.status {
            PlanStatus::UnderReview | PlanStatus::InformationRequested => {
                ("review", review.due_on, Audience::Regulators)
            }
            PlanStatus::Recommended => ("response", review.response_due_on, Audience::Operator),
            _ => continue,
        };
        let Some(due) = due else {
            continue;
        };
        let days_left = shinsa_model::clock::days_left(due, today);
        let threshold = if days_left < 0 {
            -1
        } else {
            match thresholds.iter().find(|threshold| **threshold >= days_left) {
                Some(threshold) => *threshold,
                None => continue,
            }
        };
        let notice = Notice {
            audience,
            mailed: access::mailed(audience).to_vec(),
            payload: serde_json::json!({
                "event": "plan.reminder", "plan": record.id, "organisation": record.org_id,
                "title": record.title, "clock": clock, "due_on": due.to_string(), "days_left": days_left,
            }),
        };
        if state
            .store
            .remind(&record, clock, threshold, notice)
            .await?
        {
            sent += 1;
        }
    }
    if sent > 0 {
        state.outbox.notify_one();
    }
    Ok(sent)
}
