//! The deliveries page of an organisation's administrators and auditors:
//! its webhooks and mail with their status, attempts and last outcome, the
//! dead letters first, each of which an administrator may send again.

use super::{Frame, Page, render};
use crate::i18n::Lang;
use crate::{Problem, Shared};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use shinsa_store::*;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/ui/deliveries", get(deliveries_page))
        .route("/ui/deliveries/{id}/resend", post(resend))
}

/// Who sees the page; administrators may also send again.
const READERS: &[Role] = &[Role::OperatorAdmin, Role::RegulatorAdmin, Role::Auditor];

struct Row {
    message: OutboxMessage,
    attempts: Vec<DeliveryAttempt>,
}

#[derive(Template)]
#[template(path = "deliveries.html")]
struct DeliveriesPage {
    frame: Frame,
    t: Lang,
    rows: Vec<Row>,
    /// The status shown, or all.
    status: String,
    may_resend: bool,
    /// Mail is listed pending because no relay is configured.
    mail_waits: bool,
}

#[derive(Deserialize)]
struct Filter {
    #[serde(default)]
    status: String,
}

async fn deliveries_page(
    State(state): State<Shared>,
    page: Page,
    Query(filter): Query<Filter>,
) -> Result<Response, Problem> {
    if !READERS.contains(&page.principal.user.role) {
        return Err(Problem::forbidden(
            "deliveries are shown to the organisation's administrators and auditors",
        ));
    }
    let status = DeliveryStatus::parse(&filter.status);
    let tenant = crate::access::tenant(&page.principal);
    let mut messages = state.store.outbox(&tenant, status).await?;
    // Dead letters first: they are what needs someone.
    messages.sort_by_key(|message| message.status != DeliveryStatus::Dead);
    let mut rows = Vec::with_capacity(messages.len());
    for message in messages {
        let attempts = if message.attempts > 0 && message.status != DeliveryStatus::Sent {
            state.store.delivery_attempts(&tenant, message.id).await?
        } else {
            Vec::new()
        };
        rows.push(Row { message, attempts });
    }
    let mail_waits = state.mailer.is_none()
        && rows
            .iter()
            .any(|row| row.message.kind == "mail" && row.message.status == DeliveryStatus::Pending);
    let view = DeliveriesPage {
        frame: Frame::new(&page, "/ui/deliveries"),
        t: page.lang,
        rows,
        status: status.map_or("", DeliveryStatus::as_str).to_owned(),
        may_resend: matches!(
            page.principal.user.role,
            Role::OperatorAdmin | Role::RegulatorAdmin
        ),
        mail_waits,
    };
    Ok(render(&view, page.lang))
}

async fn resend(
    State(state): State<Shared>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Redirect, Problem> {
    if !matches!(
        page.principal.user.role,
        Role::OperatorAdmin | Role::RegulatorAdmin
    ) {
        return Err(Problem::forbidden(
            "sending a delivery again needs the operator-admin or regulator-admin role",
        ));
    }
    let id: i64 = id
        .parse()
        .map_err(|_| Problem::not_found(format!("no delivery {id}")))?;
    state
        .store
        .resend(
            &crate::access::tenant(&page.principal),
            &page.principal.actor(),
            id,
        )
        .await?;
    state.outbox.notify_one();
    Ok(Redirect::to("/ui/deliveries"))
}
