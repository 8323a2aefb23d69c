//! Installation plans and their review, shared by the API and the UI.
//!
//! The review's rules are the model's (`shinsa_model::review`): this module
//! works out who is acting (an operator's writers, a regulator's reviewers
//! and admins), applies the step to the plan's review, screens the plan
//! when it is filed or amended after filing (the snapshot is frozen in the
//! step's event with its list and pack versions), and tells the other side
//! by webhook and mail in the same transaction. Officers' dates of birth
//! and nationalities reach only the filing operator and the reviewing
//! ministry: an auditor reads plans without them, and the audit log keeps
//! a digest of the plan, not the plan.

use crate::auth::OPERATOR_WRITERS;
use crate::screening::today;
use crate::{Problem, Shared};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;
use shinsa_model::plan::{Gap, Plan};
use shinsa_model::review::{Action, PlanStatus, Review, ReviewError, Side};
use shinsa_model::{CountryCode, Date, Operator};
use shinsa_store::*;
use utoipa::ToSchema;

/// Roles that decide on plans for a ministry.
pub const REVIEWERS: &[Role] = &[Role::RegulatorReviewer, Role::RegulatorAdmin];

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
pub(crate) fn action_of(request: &StepRequest, day: Date) -> Result<Action, Problem> {
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
            return Err(Problem::bad_request(format!(
                "action: unknown {other:?}; expected file, receive, request_information, answer, recommend, accept, decline, order, clear, set_due or withdraw"
            )));
        }
    })
}

fn parse_day(field: &str, text: &str) -> Result<Date, Problem> {
    shinsa_model::parse_date(text.trim()).map_err(|_| {
        unprocessable(format!(
            "{field}: expected a date as YYYY-MM-DD, found {text:?}"
        ))
    })
}

fn unprocessable(detail: String) -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-plan-step",
        "The step cannot be taken",
        detail,
    )
}

fn day_text(day: Option<Date>) -> Option<String> {
    day.map(|day| day.to_string())
}

fn stored_day(text: &Option<String>) -> Result<Option<Date>, Problem> {
    text.as_deref()
        .map(|text| {
            shinsa_model::parse_date(text)
                .map_err(|_| Problem::internal(format!("stored date {text:?}")))
        })
        .transpose()
}

/// The review as stored in a plan record.
pub(crate) fn review_of(record: &PlanRecord) -> Result<Review, Problem> {
    Ok(Review {
        status: PlanStatus::parse(&record.status)
            .ok_or_else(|| Problem::internal(format!("stored plan status {:?}", record.status)))?,
        received_on: stored_day(&record.received_on)?,
        due_on: stored_day(&record.due_on)?,
        response_due_on: stored_day(&record.response_due_on)?,
    })
}

pub(crate) fn plan_of(record: &PlanRecord) -> Result<Plan, Problem> {
    serde_json::from_value(record.body.clone())
        .map_err(|error| Problem::internal(format!("stored plan {}: {error}", record.id)))
}

/// Whether `principal` may see officers' personal data of plans it can
/// read at all (the store already keeps plans to their operator and the
/// sector's ministry).
fn sees_personal_data(principal: &Principal) -> bool {
    OPERATOR_WRITERS.contains(&principal.user.role) || REVIEWERS.contains(&principal.user.role)
}

/// The plan body `principal` may see.
fn shown_body(principal: &Principal, body: &serde_json::Value) -> serde_json::Value {
    if sees_personal_data(principal) {
        return body.clone();
    }
    serde_json::from_value::<Plan>(body.clone())
        .map(|plan| serde_json::to_value(plan.without_personal_data()).unwrap_or_default())
        .unwrap_or(serde_json::Value::Null)
}

pub fn view(
    state: &Shared,
    principal: &Principal,
    mut record: PlanRecord,
) -> Result<PlanView, Problem> {
    let review = review_of(&record)?;
    let plan = plan_of(&record)?;
    record.body = shown_body(principal, &record.body);
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

/// The events of a plan, with bodies as `principal` may see them.
pub async fn events(
    state: &Shared,
    principal: &Principal,
    id: &str,
) -> Result<Vec<PlanEvent>, Problem> {
    let mut events = state.store.plan_events(&principal.tenant(), id).await?;
    for event in &mut events {
        if let Some(body) = &event.body {
            event.body = Some(shown_body(principal, body));
        }
        if let Some(snapshot) = &mut event.snapshot {
            shown_snapshot(principal, snapshot);
        }
    }
    Ok(events)
}

/// The frozen screening `principal` may see: who of the plan's people a
/// list names is personal data, kept to the filing operator and the
/// reviewing ministry; others see how many there are.
fn shown_snapshot(principal: &Principal, snapshot: &mut serde_json::Value) {
    if sees_personal_data(principal) {
        return;
    }
    if let Some(object) = snapshot.as_object_mut()
        && let Some(people) = object.remove("people")
    {
        let count = people.as_array().map_or(0, Vec::len);
        object.insert("people_withheld".to_owned(), serde_json::json!(count));
    }
}

pub async fn plan(state: &Shared, principal: &Principal, id: &str) -> Result<PlanView, Problem> {
    let record = state
        .store
        .plan(&principal.tenant(), id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no plan {id}")))?;
    view(state, principal, record)
}

/// A new draft, drawn from a register when one is named.
pub async fn create_draft(
    state: &Shared,
    principal: &Principal,
    register_id: Option<&str>,
    title: &str,
) -> Result<PlanRecord, Problem> {
    if !OPERATOR_WRITERS.contains(&principal.user.role) {
        return Err(Problem::forbidden("drafting a plan needs an operator role"));
    }
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(Problem::bad_request("a plan title of 1 to 200 characters"));
    }
    let id = new_id("plan");
    let tenant = principal.tenant();
    let plan = match register_id.filter(|register| !register.is_empty()) {
        Some(register) => {
            let stored = state
                .store
                .register_inventory(&tenant, register)
                .await?
                .ok_or_else(|| Problem::not_found(format!("no register {register}")))?;
            let inventory: shinsa_model::Inventory = serde_json::from_str(&stored)
                .map_err(|error| Problem::internal(format!("stored register: {error}")))?;
            Plan::draft_from_register(&id, title, &inventory, today())
        }
        None => Plan {
            id: id.clone(),
            title: title.to_owned(),
            items: Vec::new(),
            measures: Vec::new(),
            attachments: Vec::new(),
        },
    };
    let body = serde_json::to_value(&plan).map_err(|error| Problem::internal(error.to_string()))?;
    Ok(state
        .store
        .create_plan(
            &tenant,
            &principal.actor(),
            NewPlan {
                id,
                register_id: register_id.filter(|r| !r.is_empty()).map(str::to_owned),
                title: title.to_owned(),
                body,
            },
        )
        .await?)
}

/// The screening of what a plan proposes, frozen as it is now: every
/// finding with its evidence, and the list and pack versions behind them.
async fn snapshot(
    state: &Shared,
    record: &PlanRecord,
    plan: &Plan,
) -> Result<serde_json::Value, Problem> {
    let screening = state.screening().await?;
    // Installation plans are an ESPA filing: the operator is Japanese
    // (organisations carry no country of their own yet).
    let operator = Operator {
        id: record.org_id.clone(),
        name: record.org_name.clone(),
        sector: record.sector.clone(),
        country: CountryCode::parse("JP").map_err(|error| Problem::internal(error.to_string()))?,
        licence: None,
        regulator: None,
        internal_networks: Vec::new(),
        public_networks: Vec::new(),
    };
    let inventory = plan.inventory(&operator);
    // The plan's digest stands where a register's file digest would.
    let digest = hex::encode(sha2::Sha256::digest(
        serde_json::to_vec(plan).map_err(|error| Problem::internal(error.to_string()))?,
    ));
    let named = plan.clone();
    let (findings, provenance, people) = tokio::task::spawn_blocking(move || {
        let people = screening.people(&named);
        screening
            .screen(&inventory, &digest, &mut |_, _| {})
            .map(|(findings, provenance)| (findings, provenance, people))
    })
    .await
    .map_err(|error| Problem::internal(error.to_string()))?
    .map_err(|error| Problem::internal(error.to_string()))?;
    let findings: Vec<serde_json::Value> = findings
        .iter()
        .map(|finding| {
            serde_json::from_str(&crate::screening::finding_row(finding).body).unwrap_or_default()
        })
        .collect();
    Ok(serde_json::json!({
        "taken_at": now(),
        "as_of": today().to_string(),
        "provenance": provenance,
        "findings": findings,
        // Officers and holders found on a list: personal data, shown only
        // to whom may see the officers' (`shown_snapshot`).
        "people": people,
    }))
}

/// The side `principal` acts for, if any.
pub(crate) fn side_of(principal: &Principal) -> Option<Side> {
    if OPERATOR_WRITERS.contains(&principal.user.role) {
        Some(Side::Operator)
    } else if REVIEWERS.contains(&principal.user.role) {
        Some(Side::Reviewer)
    } else {
        None
    }
}

fn refused(error: ReviewError) -> Problem {
    match error {
        ReviewError::NotAllowed { .. } | ReviewError::AnswerStillDue { .. } => Problem::new(
            StatusCode::CONFLICT,
            "step-not-allowed",
            "Not allowed in the plan's state",
            error.to_string(),
        ),
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

fn notice(
    record: &PlanRecord,
    action: &str,
    next: &Review,
    note: Option<&str>,
) -> serde_json::Value {
    serde_json::json!({
        "event": format!("plan.{action}"),
        "plan": record.id, "organisation": record.org_id, "title": record.title,
        "status": next.status.as_str(), "due_on": day_text(next.due_on),
        "response_due_on": day_text(next.response_due_on), "note": note,
    })
}

/// Applies a step to a plan and records it.
pub async fn take_step(
    state: &Shared,
    principal: &Principal,
    id: &str,
    request: StepRequest,
) -> Result<PlanRecord, Problem> {
    let side = side_of(principal)
        .ok_or_else(|| Problem::forbidden("steps on a plan need an operator or reviewer role"))?;
    let tenant = principal.tenant();
    let record = state
        .store
        .plan(&tenant, id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no plan {id}")))?;
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
            let mut problem = unprocessable(format!(
                "the plan is not complete: {} item(s) missing",
                gaps.len()
            ));
            problem.errors = gaps
                .iter()
                .map(|gap| serde_json::json!({"pointer": gap.pointer, "message": gap.missing, "message_ja": gap.missing_ja}))
                .collect();
            return Err(problem);
        }
        Some(snapshot(state, &record, &plan).await?)
    } else {
        None
    };
    let step = PlanStep {
        note: note.map(str::to_owned),
        body: (action == Action::File).then(|| record.body.clone()),
        snapshot,
        notify: Some((audience(side), notice(&record, action.name(), &next, note))),
        ..step_to(request.revision, side, action, &next)
    };
    let stored = state
        .store
        .plan_step(&tenant, &principal.actor(), id, step)
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
) -> Result<PlanRecord, Problem> {
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
) -> Result<PlanRecord, Problem> {
    let record = state
        .store
        .plan(&principal.tenant(), id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no plan {id}")))?;
    let mut plan = plan_of(&record)?;
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
) -> Result<(String, String, Vec<u8>), Problem> {
    let tenant = principal.tenant();
    let missing = || Problem::not_found(format!("no attachment {sha256} in plan {id}"));
    let record = state.store.plan(&tenant, id).await?.ok_or_else(missing)?;
    let name = plan_of(&record)?
        .attachments
        .into_iter()
        .find(|file| file.sha256 == sha256)
        .map(|file| file.name)
        .ok_or_else(missing)?;
    let (media_type, bytes) = state
        .store
        .plan_file(&tenant, id, sha256)
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
) -> Result<PlanRecord, Problem> {
    if !OPERATOR_WRITERS.contains(&principal.user.role) {
        return Err(Problem::forbidden("changing a plan needs an operator role"));
    }
    let tenant = principal.tenant();
    let record = state
        .store
        .plan(&tenant, id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no plan {id}")))?;
    plan.id = record.id.clone();
    if plan.title.trim().is_empty() {
        return Err(unprocessable("title: a plan needs a title".into()));
    }
    let review = review_of(&record)?;
    let next = review
        .apply(Side::Operator, Action::Amend, &state.review_rules, today())
        .map_err(refused)?;
    let filed = review.status != PlanStatus::Draft;
    let snapshot = if filed {
        Some(snapshot(state, &record, &plan).await?)
    } else {
        None
    };
    let body = serde_json::to_value(&plan).map_err(|error| Problem::internal(error.to_string()))?;
    let step = PlanStep {
        body: Some(body),
        snapshot,
        notify: filed.then(|| (Audience::Regulators, notice(&record, "amend", &next, None))),
        file,
        ..step_to(revision, Side::Operator, Action::Amend, &next)
    };
    let stored = state
        .store
        .plan_step(&tenant, &principal.actor(), id, step)
        .await?;
    state.outbox.notify_one();
    Ok(stored)
}

/// After a list or pack change re-screened a register: every cleared plan
/// drawn from it is screened again, and one with findings its frozen
/// screening did not have goes back to its ministry for re-review.
pub async fn rereview_cleared(state: &Shared, register_id: &str) -> Result<usize, Problem> {
    let mut moved = 0;
    for record in state.store.cleared_plans(register_id).await? {
        let plan = plan_of(&record)?;
        let events = state.store.plan_events(&Tenant::System, &record.id).await?;
        let frozen: std::collections::BTreeSet<String> = events
            .iter()
            .rev()
            .find_map(|event| event.snapshot.as_ref())
            .map(finding_ids)
            .unwrap_or_default();
        let fresh = snapshot(state, &record, &plan).await?;
        let added: Vec<String> = fresh["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|finding| {
                finding["id"]
                    .as_str()
                    .is_some_and(|id| !frozen.contains(id))
            })
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
            notify: Some((
                Audience::Regulators,
                notice(&record, "re_review", &next, Some(&note)),
            )),
            note: Some(note),
            snapshot: Some(fresh),
            ..step_to(record.revision, Side::System, Action::ReReview, &next)
        };
        state
            .store
            .plan_step(
                &Tenant::System,
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

fn finding_ids(snapshot: &serde_json::Value) -> std::collections::BTreeSet<String> {
    snapshot["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|finding| finding["id"].as_str().map(str::to_owned))
        .collect()
}

/// A finding as a note names it: its id and the lists its evidence cites.
fn described(finding: &serde_json::Value) -> String {
    let lists: std::collections::BTreeSet<&str> = finding["evidence"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|evidence| evidence["list"].as_str())
        .collect();
    let id = finding["id"].as_str().unwrap_or_default();
    if lists.is_empty() {
        id.to_owned()
    } else {
        format!(
            "{id} ({})",
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
) -> Result<shinsa_report::Document, Problem> {
    let view = plan(state, principal, id).await?;
    let history = events(state, principal, id).await?;
    let record = view.record;
    let screening = state.screening().await?;
    let sector = screening
        .reference()
        .sectors
        .iter()
        .find(|sector| sector.regime == "jp-espa" && sector.code == record.sector);
    let digest = hex::encode(sha2::Sha256::digest(record.body.to_string().as_bytes()));
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
            .plan_events(&Tenant::System, id)
            .await?
            .iter()
            .filter(|event| matches!(event.action.as_str(), "create" | "amend"))
            .count() as i64,
        digest,
        filed_at: record.filed_at.clone(),
        received_on: record.received_on.clone(),
        due_on: record.due_on.clone(),
        snapshot: history
            .iter()
            .rev()
            .find_map(|event| event.snapshot.clone()),
        printed_on: today(),
    };
    Ok(shinsa_report::filing_document(&filing))
}

/// Queues the reminders due on `today`: for a plan under review, to the
/// sector's reviewers; for a recommendation awaiting its answer, to the
/// operator. A clock at `d` days left is reminded at the smallest
/// configured number of days (`[review] reminder_days`) not below `d`,
/// so a server that was down still reminds; an overdue clock once.
pub async fn send_reminders(state: &Shared, today: Date) -> Result<usize, Problem> {
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
        let payload = serde_json::json!({
            "event": "plan.reminder", "plan": record.id, "organisation": record.org_id,
            "title": record.title, "clock": clock, "due_on": due.to_string(), "days_left": days_left,
        });
        if state
            .store
            .remind(&record, clock, threshold, audience, payload)
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
