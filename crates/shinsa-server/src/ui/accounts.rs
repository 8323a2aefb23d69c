//! The users page of an organisation's administrator: everyone of the
//! organisation with their role and whether they may sign in; disable or
//! enable an account, give another role, set a new password. Each change
//! goes through the store's `change_account` (on the audit chain, ending
//! the user's sessions). An administrator cannot disable or demote
//! themselves, so an organisation is never left without one by accident;
//! the platform-admin role is given from the command line only.

use super::{Frame, Page, render};
use crate::access::{self, ADMINS};
use crate::i18n::Lang;
use crate::{Problem, Shared};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use shinsa_store::*;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/ui/users", get(users_page))
        .route("/ui/users/{login}", post(change))
}

struct Row {
    login: String,
    name: String,
    role: String,
    disabled: bool,
    is_self: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    frame: Frame,
    t: Lang,
    users: Vec<Row>,
    roles: Vec<&'static str>,
    message: String,
    errors: Vec<String>,
}

fn refuse_unless_admin(page: &Page) -> Result<(), Problem> {
    Ok(access::require(&page.principal, ADMINS, "managing users")?)
}

async fn users_page(State(state): State<Shared>, page: Page) -> Result<Response, Problem> {
    refuse_unless_admin(&page)?;
    view(&state, &page, String::new(), Vec::new()).await
}

async fn view(
    state: &Shared,
    page: &Page,
    message: String,
    errors: Vec<String>,
) -> Result<Response, Problem> {
    let accounts = state
        .store
        .accounts(&access::tenant(&page.principal))
        .await?;
    let users = accounts
        .into_iter()
        .map(|account| Row {
            is_self: account.user.id == page.principal.user.id,
            login: account.user.login,
            name: account.user.name,
            role: account.user.role.as_str().to_owned(),
            disabled: account.disabled_at.is_some(),
        })
        .collect();
    let kind = page.principal.org.kind;
    let roles = access::assignable_roles(kind)
        .into_iter()
        .map(Role::as_str)
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut response = render(
        &UsersPage {
            frame: Frame::new(page, "/ui/users"),
            t: page.lang,
            users,
            roles,
            message,
            errors,
        },
        page.lang,
    );
    *response.status_mut() = status;
    Ok(response)
}

#[derive(Deserialize)]
pub(crate) struct ChangeForm {
    /// `disable`, `enable`, `role` or `password`.
    action: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

async fn change(
    State(state): State<Shared>,
    page: Page,
    Path(login): Path<String>,
    Form(form): Form<ChangeForm>,
) -> Result<Response, Problem> {
    refuse_unless_admin(&page)?;
    let lang = page.lang;
    // Only a user of the administrator's own organisation; another's is
    // "not found", like a missing one.
    let accounts = state
        .store
        .accounts(&access::tenant(&page.principal))
        .await?;
    let Some(target) = accounts.iter().find(|account| account.user.login == login) else {
        return Err(Problem::not_found(format!("no user {login}")));
    };
    let is_self = target.user.id == page.principal.user.id;
    let refuse = |key: &str| vec![lang.t(key).to_owned()];
    let change = match form.action.as_str() {
        "disable" if is_self => {
            return view(&state, &page, String::new(), refuse("not_yourself")).await;
        }
        "disable" => AccountChange::Disable,
        "enable" => AccountChange::Enable,
        "role" => {
            let role = Role::parse(&form.role)
                .filter(|role| access::assignable_roles(page.principal.org.kind).contains(role));
            match role {
                None => return view(&state, &page, String::new(), refuse("bad_role")).await,
                Some(role) if is_self && !ADMINS.contains(&role) => {
                    return view(&state, &page, String::new(), refuse("not_yourself")).await;
                }
                Some(role) => AccountChange::Role(role),
            }
        }
        "password"
            if form.password.chars().count() < 12
                || crate::limits::check(crate::limits::SIGN_IN_PASSWORD, &form.password)
                    .is_err() =>
        {
            return view(&state, &page, String::new(), refuse("short_password")).await;
        }
        "password" => {
            let password = form.password.clone();
            let hash = tokio::task::spawn_blocking(move || crate::auth::hash_password(&password))
                .await
                .map_err(|error| Problem::internal(error.to_string()))?
                .map_err(Problem::internal)?;
            AccountChange::Password(hash)
        }
        other => return Err(Problem::bad_request(format!("no action {other}"))),
    };
    state
        .store
        .change_account(&page.principal.actor(), &login, change)
        .await?;
    // This server forgets the signed-in principals at once (a disabled
    // user's session stops here now; other replicas within seconds).
    state.principals.clear();
    view(
        &state,
        &page,
        format!("{login}: {}", lang.t("account_changed")),
        Vec::new(),
    )
    .await
}
