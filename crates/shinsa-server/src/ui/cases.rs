//! Case pages: the list (with the form a ministry opens a case with) and
//! one case with its documents, its remediation milestones (progress and
//! burn-down drawn from the register's versions), and what the caller may
//! add.

use super::{Frame, Page, blank, render};
use crate::access::{self, OPERATOR_WRITERS, REVIEWERS};
use crate::cases::{CaseChange, CaseView, OpenCase};
use crate::i18n::Lang;
use crate::{Problem, Shared};
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use shinsa_model::enforcement::{AssetSelector, CaseKind};
use shinsa_report::charts::{Bar, bars};
use shinsa_store::*;

pub fn routes(state: &Shared) -> Router<Shared> {
    Router::new()
        .route("/ui/cases", get(cases_page).post(open))
        .route("/ui/cases/{id}", get(case_page))
        .route("/ui/cases/{id}/change", post(change))
        .route(
            "/ui/cases/{id}/documents",
            crate::limits::takes_document(state, post(add_document)),
        )
        .route("/ui/cases/{id}/documents/{sha256}", get(download))
}

/// The document form: a title, a note, and a file or none.
async fn add_document(
    State(state): State<Shared>,
    page: Page,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Result<Response, Problem> {
    let form = crate::files::FileForm::read(multipart).await?;
    let note = form.text("note");
    let change = CaseChange::Document {
        revision: form.revision,
        title: form.text("title"),
        note: Some(note).filter(|note| !note.is_empty()),
    };
    let upload = form.upload;
    crate::cases::change_with_file(&state, &page.principal, &id, change, upload).await?;
    Ok(Redirect::to(&format!("/ui/cases/{id}")).into_response())
}

async fn download(
    State(state): State<Shared>,
    page: Page,
    Path((id, sha256)): Path<(String, String)>,
) -> Result<Response, Problem> {
    let (name, media_type, bytes) =
        crate::cases::document_file(&state, &page.principal, &id, &sha256).await?;
    Ok(crate::respond::file(&name, &media_type, bytes))
}

fn kind_label(view: &CaseView, lang: Lang) -> String {
    match lang {
        Lang::Ja => view.kind_label_ja.clone(),
        Lang::En => view.kind_label_en.clone(),
    }
}

struct Listed {
    id: String,
    title: String,
    org_name: String,
    kind: String,
    status: String,
    opened_on: String,
    due_on: String,
    behind: usize,
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
    frame: Frame,
    t: Lang,
    cases: Vec<Listed>,
    can_open: bool,
    operators: Vec<(String, String)>,
    registers: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
}

async fn cases_page(State(state): State<Shared>, page: Page) -> Result<Response, Problem> {
    let tenant = access::tenant(&page.principal);
    let mut cases = Vec::new();
    for view in crate::cases::cases(&state, &page.principal).await? {
        cases.push(Listed {
            kind: kind_label(&view, page.lang),
            behind: view
                .milestones
                .iter()
                .filter(|milestone| milestone.progress.is_some_and(|progress| progress.overdue))
                .count(),
            id: view.record.id,
            title: view.record.title,
            org_name: view.record.org_name,
            status: view.record.status,
            opened_on: view.record.opened_on,
            due_on: blank(view.record.due_on),
        });
    }
    let can_open = access::has(&page.principal, REVIEWERS);
    let (operators, registers) = if can_open {
        (
            state
                .store
                .organisations(&tenant)
                .await?
                .into_iter()
                .filter(|org| org.kind == OrgKind::Operator)
                .map(|org| (org.id, org.name))
                .collect(),
            state
                .store
                .registers(&tenant)
                .await?
                .into_iter()
                .map(|register| {
                    (
                        register.id,
                        format!("{} / {}", register.org_name, register.name),
                    )
                })
                .collect(),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let view = CasesPage {
        frame: Frame::new(&page, "/ui/cases"),
        t: page.lang,
        cases,
        can_open,
        operators,
        registers,
        kinds: CaseKind::ALL
            .iter()
            .map(|kind| {
                (
                    kind.as_str().to_owned(),
                    match page.lang {
                        Lang::Ja => kind.label_ja(),
                        Lang::En => kind.label_en(),
                    }
                    .to_owned(),
                )
            })
            .collect(),
    };
    Ok(render(&view, page.lang))
}

async fn open(
    State(state): State<Shared>,
    page: Page,
    Form(request): Form<OpenCase>,
) -> Result<Response, Problem> {
    let record = crate::cases::open(&state, &page.principal, request).await?;
    Ok(Redirect::to(&format!("/ui/cases/{}", record.id)).into_response())
}

struct MilestoneRow {
    id: String,
    title: String,
    due: String,
    selector: String,
    baseline: u64,
    remaining: String,
    percent: String,
    state: &'static str,
    burn_down: String,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    frame: Frame,
    t: Lang,
    id: String,
    title: String,
    org_name: String,
    kind: String,
    status: String,
    revision: i64,
    opened_on: String,
    due_on: String,
    documents: Vec<shinsa_model::enforcement::CaseDocument>,
    milestones: Vec<MilestoneRow>,
    can_change: bool,
    can_close: bool,
    has_register: bool,
}

fn describe(selector: &AssetSelector, lang: Lang) -> String {
    let mut parts = Vec::new();
    if let Some(category) = &selector.category {
        parts.push(format!("{}: {category}", lang.t("category")));
    }
    if let Some(vendor) = &selector.vendor {
        parts.push(format!("{}: {vendor}", lang.t("vendor")));
    }
    if let Some(country) = selector.made_in {
        parts.push(format!("{}: {}", lang.t("made_in"), country.as_str()));
    }
    if let Some(country) = selector.not_made_in {
        parts.push(format!("{} {}", lang.t("not_made_in"), country.as_str()));
    }
    if selector.critical_only {
        parts.push(lang.t("critical").to_owned());
    }
    parts.join(" · ")
}

async fn case_page(
    State(state): State<Shared>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let view = crate::cases::case(&state, &page.principal, &id).await?;
    let lang = page.lang;
    let open = view.record.status == "open";
    let file: shinsa_model::enforcement::CaseFile =
        serde_json::from_value(view.record.body.clone()).map_err(|error| {
            Problem::internal(format!("stored case {}: {error}", view.record.id))
        })?;
    let milestones = view
        .milestones
        .iter()
        .map(|item| {
            let milestone = &item.milestone;
            let progress = item.progress;
            MilestoneRow {
                id: milestone.id.clone(),
                title: milestone.title.clone(),
                due: milestone.due.to_string(),
                selector: describe(&milestone.selector, lang),
                baseline: milestone.baseline,
                remaining: blank(progress.map(|p| p.remaining)),
                percent: blank(progress.map(|p| format!("{} %", p.percent_done))),
                state: match progress {
                    Some(p) if p.met => "met",
                    Some(p) if p.overdue => "overdue",
                    _ => "",
                },
                burn_down: bars(
                    &format!("{} {}", lang.t("burn_down"), milestone.title),
                    &item
                        .burn_down
                        .iter()
                        .map(|(version, at, remaining)| Bar {
                            label: format!("v{version} {}", at.get(..10).unwrap_or(at)),
                            value: *remaining,
                            href: None,
                            tone: if *remaining == 0 { "plan" } else { "review" },
                        })
                        .collect::<Vec<_>>(),
                ),
            }
        })
        .collect();
    let can_change = open
        && (access::has(&page.principal, REVIEWERS)
            || access::has(&page.principal, OPERATOR_WRITERS));
    let view_page = CasePage {
        frame: Frame::new(&page, &format!("/ui/cases/{id}")),
        t: lang,
        kind: kind_label(&view, lang),
        id: view.record.id.clone(),
        title: view.record.title.clone(),
        org_name: view.record.org_name.clone(),
        status: view.record.status.clone(),
        revision: view.record.revision,
        opened_on: view.record.opened_on.clone(),
        due_on: blank(view.record.due_on.as_ref()),
        documents: file.documents,
        milestones,
        can_change,
        can_close: open && access::has(&page.principal, REVIEWERS),
        has_register: view.record.register_id.is_some(),
    };
    Ok(render(&view_page, lang))
}

/// The milestone and close forms (a document comes with a file, as
/// multipart: [`add_document`]).
#[derive(Deserialize)]
struct ChangeForm {
    change: String,
    revision: i64,
    #[serde(default)]
    title: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    due: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    vendor: String,
    #[serde(default)]
    not_made_in: String,
    #[serde(default)]
    critical_only: Option<String>,
}

async fn change(
    State(state): State<Shared>,
    page: Page,
    Path(id): Path<String>,
    Form(form): Form<ChangeForm>,
) -> Result<Response, Problem> {
    let text = |value: &str| Some(value.trim().to_owned()).filter(|value| !value.is_empty());
    let change = match form.change.as_str() {
        "milestone" => CaseChange::Milestone {
            revision: form.revision,
            title: form.title,
            due: form.due,
            selector: AssetSelector {
                category: text(&form.category),
                vendor: text(&form.vendor),
                made_in: None,
                not_made_in: match text(&form.not_made_in) {
                    Some(code) => Some(shinsa_model::CountryCode::parse(&code).map_err(|_| {
                        Problem::bad_request(format!("not_made_in: a country code, not {code:?}"))
                    })?),
                    None => None,
                },
                critical_only: form.critical_only.is_some(),
            },
        },
        "close" => CaseChange::Close {
            revision: form.revision,
            note: text(&form.note),
        },
        other => return Err(Problem::bad_request(format!("change: unknown {other:?}"))),
    };
    crate::cases::change(&state, &page.principal, &id, change).await?;
    Ok(Redirect::to(&format!("/ui/cases/{id}")).into_response())
}
