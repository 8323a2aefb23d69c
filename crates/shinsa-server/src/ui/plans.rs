//! Plan pages: the list (an operator's plans with a form to draft one; a
//! reviewer's inbox by days left), and one plan with its clock, what it
//! still lacks as a form to fill, its items, the frozen screening, the
//! steps the caller may take now, and its history.

use super::{Frame, Page, blank, render};
use crate::i18n::Lang;
use crate::plans::{PlanView, StepRequest};
use crate::{Problem, Shared};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use shinsa_model::plan::{Plan, Snapshot};
use shinsa_model::review::{Action, Review, Side};
use shinsa_store::*;
use std::collections::BTreeMap;

pub fn routes(state: &Shared) -> Router<Shared> {
    Router::new()
        .route("/ui/plans", get(plans_page).post(create))
        .route("/ui/plans/{id}", get(plan_page))
        .route("/ui/plans/{id}/fill", post(fill))
        .route("/ui/plans/{id}/edit", post(edit))
        .route("/ui/plans/{id}/step", post(step))
        .route(
            "/ui/plans/{id}/attachments",
            crate::limits::takes_document(state, post(attach)),
        )
        .route("/ui/plans/{id}/attachments/{sha256}", get(attachment))
}

/// A plan as a list row shows it.
struct Listed {
    id: String,
    title: String,
    org_name: String,
    status: String,
    status_label: String,
    received_on: String,
    due_on: String,
    days_left: String,
    /// `overdue`, `due-soon` or empty.
    urgency: &'static str,
    gaps: usize,
}

/// Days left at which a review counts as due soon.
const DUE_SOON_DAYS: i64 = 7;

fn urgency(days_left: Option<i64>) -> &'static str {
    match days_left {
        Some(days) if days < 0 => "overdue",
        Some(days) if days <= DUE_SOON_DAYS => "due-soon",
        _ => "",
    }
}

fn status_label(view: &PlanView, lang: Lang) -> String {
    match lang {
        Lang::Ja => view.status_label_ja.clone(),
        Lang::En => view.status_label_en.clone(),
    }
}

fn listed(view: PlanView, lang: Lang) -> Listed {
    Listed {
        status_label: status_label(&view, lang),
        urgency: urgency(view.days_left),
        days_left: blank(view.days_left),
        gaps: view.gaps.len(),
        id: view.record.id,
        title: view.record.title,
        org_name: view.record.org_name,
        status: view.record.status,
        received_on: blank(view.record.received_on),
        due_on: blank(view.record.due_on),
    }
}

#[derive(Template)]
#[template(path = "plans.html")]
struct PlansPage {
    frame: Frame,
    t: Lang,
    plans: Vec<Listed>,
    can_draft: bool,
    registers: Vec<(String, String)>,
    overdue: usize,
    due_soon: usize,
}

async fn plans_page(State(state): State<Shared>, page: Page) -> Result<Response, Problem> {
    let tenant = crate::access::tenant(&page.principal);
    let plans: Vec<Listed> = crate::plans::plans(&state, &page.principal)
        .await?
        .into_iter()
        .map(|view| listed(view, page.lang))
        .collect();
    let can_draft = crate::access::has(&page.principal, crate::access::OPERATOR_WRITERS);
    let registers = if can_draft {
        state
            .store
            .registers(&tenant)
            .await?
            .into_iter()
            .map(|register| (register.id, register.name))
            .collect()
    } else {
        Vec::new()
    };
    let view = PlansPage {
        frame: Frame::new(&page, "/ui/plans"),
        t: page.lang,
        overdue: plans
            .iter()
            .filter(|plan| plan.urgency == "overdue")
            .count(),
        due_soon: plans
            .iter()
            .filter(|plan| plan.urgency == "due-soon")
            .count(),
        plans,
        can_draft,
        registers,
    };
    Ok(render(&view, page.lang))
}

#[derive(Deserialize)]
struct NewPlanForm {
    title: String,
    #[serde(default)]
    register: String,
}

async fn create(
    State(state): State<Shared>,
    page: Page,
    Form(form): Form<NewPlanForm>,
) -> Result<Response, Problem> {
    let record = crate::plans::create_draft(
        &state,
        &page.principal,
        Some(form.register.as_str()),
        &form.title,
    )
    .await?;
    Ok(Redirect::to(&format!("/ui/plans/{}", record.id)).into_response())
}

/// How a missing field is asked for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Input {
    Date,
    Country,
    Text,
    Percent,
    /// One officer per line: `name, YYYY-MM-DD, country`.
    Officers,
    /// One holder per line: `name, percent, country`; `none` for none.
    Holders,
    /// One entry per line.
    Lines,
    /// A whole supplier, by its name.
    Party,
    /// A measure against a known vulnerability: `KIND: what is done or why`
    /// (update, mitigation, isolation, accepted risk; or 更新, 緩和策, 隔離,
    /// リスク受容).
    Measure,
}

impl Input {
    fn for_pointer(pointer: &str) -> Option<Input> {
        Some(match pointer.rsplit('/').next()? {
            "timing" | "date_of_birth" | "period_from" | "period_until" => Input::Date,
            "country_of_manufacture" | "country_of_incorporation" | "nationality" => Input::Country,
            "foreign_government_ties" | "scope" | "name" | "facility" => Input::Text,
            "voting_percent" => Input::Percent,
            "officers" => Input::Officers,
            "major_holders" => Input::Holders,
            "measures" => Input::Lines,
            "supplier" | "contractor" => Input::Party,
            "measure" if pointer.contains("/exposures/") => Input::Measure,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Input::Date => "date",
            Input::Country => "country",
            Input::Text => "text",
            Input::Percent => "percent",
            Input::Officers => "officers",
            Input::Holders => "holders",
            Input::Lines => "lines",
            Input::Party => "party",
            Input::Measure => "measure",
        }
    }

    fn multiline(self) -> bool {
        matches!(self, Input::Officers | Input::Holders | Input::Lines)
    }

    /// The value a field's text stands for, or what was expected.
    fn value(self, text: &str) -> Result<serde_json::Value, String> {
        let text = text.trim();
        let lines = || {
            text.lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .enumerate()
        };
        let parts = |line: &str| -> Vec<String> {
            line.split([',', '、', '，'])
                .map(|part| part.trim().to_owned())
                .collect()
        };
        let country = |text: &str| {
            shinsa_model::CountryCode::parse(text)
                .map(|code| serde_json::json!(code))
                .map_err(|_| format!("a country code such as JP or CN, not {text:?}"))
        };
        let date = |text: &str| {
            shinsa_model::parse_date(text)
                .map(|day| serde_json::json!(day.to_string()))
                .map_err(|_| format!("a date as YYYY-MM-DD, not {text:?}"))
        };
        match self {
            Input::Date => date(text),
            Input::Country => country(text),
            Input::Text => Ok(serde_json::json!(text)),
            Input::Party => Ok(serde_json::json!({"name": text})),
            Input::Measure => {
                let (word, detail) = text
                    .split_once([':', '：'])
                    .unwrap_or((text, ""));
                let kind = shinsa_model::plan::MeasureKind::parse(word).ok_or_else(|| {
                    format!(
                        "update, mitigation, isolation or accepted risk (更新, 緩和策, 隔離, リスク受容), then `:` and what is done or why, not {text:?}"
                    )
                })?;
                Ok(serde_json::json!({"kind": kind, "detail": detail.trim()}))
            }
            Input::Percent => text
                .trim_end_matches('%')
                .trim()
                .parse::<f64>()
                .map(|percent| serde_json::json!(percent))
                .map_err(|_| format!("a percentage, not {text:?}")),
            Input::Lines => Ok(serde_json::json!(
                lines().map(|(_, line)| line).collect::<Vec<_>>()
            )),
            Input::Holders if matches!(text.to_lowercase().as_str(), "none" | "なし") => {
                Ok(serde_json::json!([]))
            }
            Input::Holders => lines()
                .map(|(number, line)| match parts(line).as_slice() {
                    [name, percent, rest @ ..] if !name.is_empty() => {
                        let percent: f64 = percent.trim_end_matches('%').parse().map_err(|_| {
                            format!("line {}: a percentage, not {percent:?}", number + 1)
                        })?;
                        let mut holder = serde_json::Map::new();
                        holder.insert("name".into(), serde_json::Value::String(name.to_string()));
                        holder.insert("voting_percent".into(), percent.into());
                        if let Some(code) = rest.first().filter(|code| !code.is_empty()) {
                            let code = country(code)
                                .map_err(|error| format!("line {}: {error}", number + 1))?;
                            holder.insert("country".into(), code);
                        }
                        Ok(serde_json::Value::Object(holder))
                    }
                    _ => Err(format!(
                        "line {}: name, percentage, country (or `none`)",
                        number + 1
                    )),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(serde_json::Value::Array),
            Input::Officers => lines()
                .map(|(number, line)| match parts(line).as_slice() {
                    [name, born, nationality] if !name.is_empty() => Ok(serde_json::json!({
                        "name": name,
                        "date_of_birth": date(born).map_err(|error| format!("line {}: {error}", number + 1))?,
                        "nationality": country(nationality).map_err(|error| format!("line {}: {error}", number + 1))?,
                    })),
                    _ => Err(format!(
                        "line {}: name, date of birth (YYYY-MM-DD), nationality",
                        number + 1
                    )),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(serde_json::Value::Array),
        }
    }
}

/// Sets `value` at a JSON pointer whose parent exists.
fn set_at(body: &mut serde_json::Value, pointer: &str, value: serde_json::Value) -> bool {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        return false;
    };
    let last = last.replace("~1", "/").replace("~0", "~");
    match body.pointer_mut(parent) {
        Some(serde_json::Value::Object(object)) => {
            object.insert(last, value);
            true
        }
        Some(serde_json::Value::Array(array)) => {
            match last
                .parse::<usize>()
                .ok()
                .and_then(|index| array.get_mut(index))
            {
                Some(slot) => {
                    *slot = value;
                    true
                }
                None => false,
            }
        }
        _ => false,
    }
}

/// A gap as the fill-in form shows it.
struct Field {
    pointer: String,
    label: String,
    input: &'static str,
    multiline: bool,
    /// What the operator typed, kept when the form comes back with errors.
    value: String,
}

/// One finding of the frozen screening.
struct Frozen {
    severity: String,
    rule: String,
    subject: String,
    title: String,
    explanation: String,
    legal_basis: String,
}

/// One step as the history lists it.
struct Step {
    at: String,
    actor: String,
    action: String,
    status: String,
    note: String,
}

/// A known vulnerability of an item and the measure stated for it.
struct ExposureRow {
    item: String,
    vulnerability: String,
    summary: String,
    measure: String,
}

/// An item as the page lists it.
struct ItemRow {
    id: String,
    kind: String,
    facility: String,
    party: String,
    country: String,
    holders: String,
    officers: String,
    others: String,
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    frame: Frame,
    t: Lang,
    id: String,
    title: String,
    org_name: String,
    status: String,
    status_label: String,
    revision: i64,
    received_on: String,
    due_on: String,
    days_left: String,
    urgency: &'static str,
    latest_extension: String,
    response_due_on: String,
    fields: Vec<Field>,
    unfillable: Vec<String>,
    can_edit: bool,
    is_draft: bool,
    actions: Vec<&'static str>,
    items: Vec<ItemRow>,
    measures: Vec<String>,
    exposures: Vec<ExposureRow>,
    attachments: Vec<shinsa_model::AttachedFile>,
    findings: Vec<Frozen>,
    snapshot_note: String,
    history: Vec<Step>,
    json: String,
    errors: Vec<String>,
}

fn supplier_cells(
    supplier: Option<&shinsa_model::plan::Supplier>,
    lang: Lang,
) -> (String, String, String, String) {
    let Some(supplier) = supplier else {
        return Default::default();
    };
    let holders = match &supplier.major_holders {
        Some(holders) if holders.is_empty() => lang.t("there_are_none").to_owned(),
        holders => holders
            .iter()
            .flatten()
            .map(|holder| {
                format!(
                    "{} {}%{}",
                    holder.name,
                    holder.voting_percent,
                    blank(
                        holder
                            .country
                            .as_ref()
                            .map(|country| format!(" ({country})"))
                    )
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
    };
    let officers = supplier
        .officers
        .iter()
        .flatten()
        .map(|officer| {
            let mut shown = officer.name.clone();
            if let Some(born) = officer.date_of_birth {
                shown.push_str(&format!(" {born}"));
            }
            if let Some(nationality) = &officer.nationality {
                shown.push_str(&format!(" {}", nationality.as_str()));
            }
            shown
        })
        .collect::<Vec<_>>()
        .join("; ");
    (
        supplier.name.clone(),
        blank(supplier.country_of_incorporation.as_ref()),
        holders,
        officers,
    )
}

fn item_rows(plan: &Plan, lang: Lang) -> Vec<ItemRow> {
    use shinsa_model::plan::PlanItemKind;
    plan.items
        .iter()
        .map(|item| {
            let introduction = item.kind == PlanItemKind::Introduction;
            let (party, country, holders, officers) = supplier_cells(
                if introduction {
                    item.supplier.as_ref()
                } else {
                    item.contractor.as_ref()
                },
                lang,
            );
            let others = if introduction {
                let made = blank(
                    item.country_of_manufacture
                        .as_ref()
                        .map(|country| format!("{}: {country}", lang.t("made_in"))),
                );
                let parts: Vec<String> = item
                    .components
                    .iter()
                    .map(|component| component.name.clone())
                    .collect();
                format!(
                    "{made}{}{}",
                    if parts.is_empty() { "" } else { " · " },
                    parts.join(", ")
                )
            } else {
                let subs: Vec<String> = item
                    .subcontractors
                    .iter()
                    .map(|sub| sub.name.clone())
                    .collect();
                format!(
                    "{} {} – {} · {}",
                    blank(item.scope.as_ref()),
                    blank(item.period_from),
                    blank(item.period_until),
                    subs.join(", ")
                )
            };
            ItemRow {
                id: item.id.clone(),
                kind: lang
                    .t(if introduction {
                        "introduction"
                    } else {
                        "entrustment"
                    })
                    .to_owned(),
                facility: item.facility.clone(),
                party,
                country,
                holders,
                officers,
                others,
            }
        })
        .collect()
}

/// The steps `side` may take on `review` today, in the order offered.
fn allowed(
    review: &Review,
    side: Side,
    rules: &shinsa_model::review::ReviewRules,
) -> Vec<&'static str> {
    let today = crate::clock::today();
    [
        Action::File,
        Action::Receive { on: today },
        Action::RequestInformation,
        Action::Answer,
        Action::Recommend,
        Action::Accept,
        Action::Decline,
        Action::Clear,
        Action::Order,
        Action::SetDue {
            until: review.due_on.unwrap_or(today),
        },
        Action::Withdraw,
    ]
    .into_iter()
    .filter(|action| review.apply(side, *action, rules, today).is_ok())
    .map(Action::name)
    .collect()
}

async fn plan_view(
    state: &Shared,
    page: &Page,
    id: &str,
    errors: Vec<String>,
    typed: &BTreeMap<String, String>,
) -> Result<Response, Problem> {
    let view = crate::plans::plan(state, &page.principal, id).await?;
    let history = crate::plans::events(state, &page.principal, id).await?;
    let lang = page.lang;
    // The body as this reader may see it (officers' data already taken
    // out for an auditor).
    let plan = crate::plans::plan_of(&view.record)?;
    let review = crate::plans::review_of(&view.record)?;
    let side = crate::access::side_of(&page.principal);
    let can_edit = side == Some(Side::Operator)
        && review
            .apply(
                Side::Operator,
                Action::Amend,
                &state.review_rules,
                crate::clock::today(),
            )
            .is_ok();
    let mut fields = Vec::new();
    let mut unfillable = Vec::new();
    for gap in &view.gaps {
        let label = match lang {
            Lang::Ja => gap.missing_ja.clone(),
            Lang::En => gap.missing.clone(),
        };
        match Input::for_pointer(&gap.pointer) {
            Some(input) if can_edit => fields.push(Field {
                value: blank(typed.get(&gap.pointer)),
                pointer: gap.pointer.clone(),
                label,
                input: input.name(),
                multiline: input.multiline(),
            }),
            _ => unfillable.push(format!("{} — {label}", gap.pointer)),
        }
    }
    let latest_snapshot: Option<Snapshot> = history
        .iter()
        .rev()
        .find_map(|event| event.snapshot.as_ref())
        .map(|stored| {
            serde_json::from_value(stored.clone()).map_err(|error| {
                Problem::internal(format!("the frozen screening of plan {id}: {error}"))
            })
        })
        .transpose()?;
    let findings = latest_snapshot
        .iter()
        .flat_map(|snapshot| &snapshot.findings)
        .map(|finding| Frozen {
            severity: finding.severity.as_str().to_owned(),
            rule: finding.rule.id.clone(),
            subject: format!("{} {}", finding.subject.id, finding.subject_name),
            title: match lang {
                Lang::Ja => finding.title_ja.to_string(),
                Lang::En => finding.title.to_string(),
            },
            explanation: finding.explanation.clone(),
            legal_basis: finding.rule.legal_basis.to_string(),
        })
        .collect();
    let snapshot_note = blank(latest_snapshot.as_ref().map(|snapshot| {
        format!(
            "{} {} · {}",
            lang.t("frozen_at"),
            lang.when(&snapshot.taken_at),
            snapshot.provenance.policy
        )
    }));
    let history = history
        .into_iter()
        .map(|event| {
            Ok(Step {
                at: event.at,
                actor: event.actor,
                action: lang.t(&format!("step_{}", event.action)).to_owned(),
                status: shinsa_model::review::PlanStatus::parse(&event.status)
                    .map(|status| match lang {
                        Lang::Ja => status.label_ja(),
                        Lang::En => status.label_en(),
                    })
                    .ok_or_else(|| {
                        Problem::internal(format!("stored plan status {:?}", event.status))
                    })?
                    .to_owned(),
                note: blank(event.note),
            })
        })
        .collect::<Result<_, Problem>>()?;
    let page_view = PlanPage {
        frame: Frame::new(page, &format!("/ui/plans/{id}")),
        t: lang,
        id: id.to_owned(),
        title: view.record.title.clone(),
        org_name: view.record.org_name.clone(),
        status: view.record.status.clone(),
        status_label: status_label(&view, lang),
        revision: view.record.revision,
        received_on: blank(view.record.received_on.as_ref()),
        due_on: blank(view.record.due_on.as_ref()),
        days_left: blank(view.days_left),
        urgency: urgency(view.days_left),
        latest_extension: blank(view.latest_extension.as_ref()),
        response_due_on: blank(view.record.response_due_on.as_ref()),
        fields,
        unfillable,
        can_edit,
        is_draft: review.status == shinsa_model::review::PlanStatus::Draft,
        actions: match side {
            Some(side) => allowed(&review, side, &state.review_rules),
            None => Vec::new(),
        },
        items: item_rows(&plan, lang),
        measures: plan.measures.clone(),
        exposures: plan
            .items
            .iter()
            .flat_map(|item| {
                item.exposures.iter().map(|exposure| ExposureRow {
                    item: item.id.clone(),
                    vulnerability: exposure.vulnerability.clone(),
                    summary: blank(exposure.summary.as_ref()),
                    measure: blank(exposure.measure.as_ref().map(|measure| {
                        let kind = match lang {
                            Lang::Ja => measure.kind.label_ja(),
                            Lang::En => measure.kind.label_en(),
                        };
                        format!("{kind}: {}", measure.detail)
                    })),
                })
            })
            .collect(),
        attachments: plan.attachments.clone(),
        findings,
        snapshot_note,
        history,
        json: serde_json::to_string_pretty(&view.record.body)
            .map_err(|error| Problem::internal(format!("plan {id} as JSON: {error}")))?,
        errors,
    };
    let status = if page_view.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut response = render(&page_view, lang);
    if response.status() == StatusCode::OK {
        *response.status_mut() = status;
    }
    Ok(response)
}

async fn plan_page(
    State(state): State<Shared>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    plan_view(&state, &page, &id, Vec::new(), &BTreeMap::new()).await
}

/// The messages of a refused request, one per line.
fn refusal_lines(error: &crate::Error, lang: Lang) -> Vec<String> {
    let mut lines = vec![error.to_string()];
    if let crate::Error::Invalid { errors, .. } = error {
        lines.extend(errors.iter().map(|error| {
            let message = match lang {
                Lang::Ja => error.message_ja.as_ref().unwrap_or(&error.message),
                Lang::En => &error.message,
            };
            match &error.pointer {
                Some(pointer) => format!("{pointer}: {message}"),
                None => message.clone(),
            }
        }));
    }
    lines
}

/// Whether a refusal is the person's to mend on the page (a step not
/// allowed now, a gap, a bad value), rather than an error page.
fn mendable(error: &crate::Error) -> bool {
    matches!(
        error,
        crate::Error::Conflict { .. }
            | crate::Error::Invalid { .. }
            | crate::Error::BadRequest(_)
            | crate::Error::BadInput(_)
            | crate::Error::TooLarge(_)
            | crate::Error::Unsupported(_)
    )
}

/// Fills the plan's gaps from the form (`gap:POINTER` fields); blank
/// fields are left as they were.
async fn fill(
    State(state): State<Shared>,
    page: Page,
    Path(id): Path<String>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Result<Response, Problem> {
    let view = crate::plans::plan(&state, &page.principal, &id).await?;
    let revision: i64 = form
        .get("revision")
        .and_then(|revision| revision.parse().ok())
        .ok_or_else(|| Problem::bad_request("revision: the plan's revision the page showed"))?;
    let typed: BTreeMap<String, String> = form
        .iter()
        .filter_map(|(name, value)| {
            name.strip_prefix("gap:")
                .filter(|_| !value.trim().is_empty())
                .map(|pointer| (pointer.to_owned(), value.clone()))
        })
        .collect();
    let mut body = view.record.body.clone();
    let mut errors = Vec::new();
    for (pointer, text) in &typed {
        let Some(input) = Input::for_pointer(pointer) else {
            errors.push(format!("{pointer}: {}", page.lang.t("not_fillable")));
            continue;
        };
        match input.value(text) {
            Ok(value) if set_at(&mut body, pointer, value.clone()) => {}
            Ok(_) => errors.push(format!("{pointer}: {}", page.lang.t("not_fillable"))),
            Err(expected) => errors.push(format!("{pointer}: {expected}")),
        }
    }
    if errors.is_empty() {
        match serde_json::from_value::<Plan>(body) {
            Ok(plan) => {
                match crate::plans::amend(&state, &page.principal, &id, revision, plan).await {
                    Ok(_) => return Ok(Redirect::to(&format!("/ui/plans/{id}")).into_response()),
                    Err(error) if mendable(&error) => errors = refusal_lines(&error, page.lang),
                    Err(error) => return Err(error.into()),
                }
            }
            Err(error) => errors.push(error.to_string()),
        }
    }
    plan_view(&state, &page, &id, errors, &typed).await
}

#[derive(Deserialize)]
struct EditForm {
    revision: i64,
    json: String,
}

/// Saves the plan as edited in full (JSON).
async fn edit(
    State(state): State<Shared>,
    page: Page,
    Path(id): Path<String>,
    Form(form): Form<EditForm>,
) -> Result<Response, Problem> {
    let outcome = match serde_json::from_str::<Plan>(&form.json) {
        Ok(plan) => {
            match crate::plans::amend(&state, &page.principal, &id, form.revision, plan).await {
                Ok(record) => Ok(record),
                Err(error) if mendable(&error) => Err(refusal_lines(&error, page.lang)),
                Err(error) => return Err(error.into()),
            }
        }
        Err(error) => Err(vec![format!(
            "JSON line {}, column {}: {error}",
            error.line(),
            error.column()
        )]),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/ui/plans/{id}")).into_response()),
        Err(errors) => plan_view(&state, &page, &id, errors, &BTreeMap::new()).await,
    }
}

/// Takes a step from the page's buttons.
async fn step(
    State(state): State<Shared>,
    page: Page,
    Path(id): Path<String>,
    Form(request): Form<StepRequest>,
) -> Result<Response, Problem> {
    match crate::plans::take_step(&state, &page.principal, &id, request).await {
        Ok(_) => Ok(Redirect::to(&format!("/ui/plans/{id}")).into_response()),
        Err(error) if mendable(&error) => {
            let errors = refusal_lines(&error, page.lang);
            plan_view(&state, &page, &id, errors, &BTreeMap::new()).await
        }
        Err(error) => Err(error.into()),
    }
}

/// The attachment form: the plan's revision and a file.
async fn attach(
    State(state): State<Shared>,
    page: Page,
    Path(id): Path<String>,
    multipart: axum::extract::Multipart,
) -> Result<Response, Problem> {
    let form = crate::files::FileForm::read(multipart).await?;
    let upload = form
        .upload
        .ok_or_else(|| Problem::bad_request("file: choose a file to attach"))?;
    let revision = form.revision;
    crate::plans::attach(&state, &page.principal, &id, revision, upload).await?;
    Ok(Redirect::to(&format!("/ui/plans/{id}")).into_response())
}

async fn attachment(
    State(state): State<Shared>,
    page: Page,
    Path((id, sha256)): Path<(String, String)>,
) -> Result<Response, Problem> {
    let (name, media_type, bytes) =
        crate::plans::attachment(&state, &page.principal, &id, &sha256).await?;
    Ok(crate::respond::file(&name, &media_type, bytes))
}
