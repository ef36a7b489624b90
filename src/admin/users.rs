//! `/admin/users` (owners only): who has an account, invitations, roles,
//! reset links, turning off a lost phone's two-factor sign-in, removing an
//! account.

use std::collections::BTreeMap;

use crate::admin::form::{Checked, Form};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

use super::accounts::{self, AccountError, Role};
use super::error::{AdminError, AdminResult, Problem};
use super::gate::Editor;
use super::{AdminState, letters, links};
use crate::mail::EmailAddress;

pub async fn list(State(state): State<AdminState>, editor: Editor) -> AdminResult {
    page(&state, &editor, StatusCode::OK, &Invite::default(), &BTreeMap::new(), None).await
}

/// A one-time link just made, shown once: for whom, what it does, and
/// whether it went out by email.
#[derive(serde::Serialize)]
struct Handed {
    email: String,
    link: String,
    /// "invite" or "reset".
    purpose: &'static str,
    /// "sent", "failed" (with `mail_error`), or "none" when the site cannot send mail.
    mail: &'static str,
    mail_error: String,
}

impl Handed {
    fn new(email: String, link: String, purpose: &'static str, mailed: Option<Result<(), String>>) -> Self {
        let (mail, mail_error) = match mailed {
            None => ("none", String::new()),
            Some(Ok(())) => ("sent", String::new()),
            Some(Err(error)) => ("failed", error),
        };
        Handed { email, link, purpose, mail, mail_error }
    }
}

async fn page(
    state: &AdminState,
    editor: &Editor,
    status: StatusCode,
    typed: &Invite,
    errors: &BTreeMap<&str, String>,
    handed: Option<Handed>,
) -> AdminResult {
    let users = accounts::all(&state.site.store).await?;
    let invites: Vec<_> = links::pending_invites(&state.site.store)
        .await?
        .into_iter()
        .map(|i| context! { id => i.id, email => i.email, role => i.role, until => super::views::when(i.expires_at) })
        .collect();
    let roles: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
    let values = context! { users => Serde(&users), invites, roles, errors, email => typed.email.as_str(), role => typed.role.as_str(), handed => Serde(&handed) };
    Ok(state.views.page(status, "users.html", Some(editor), values))
}

#[derive(Deserialize, Default)]
pub struct Invite {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

/// Makes an invitation link, emails it when the site can send mail, and
/// shows it once for the owner to pass on otherwise.
pub async fn invite(State(state): State<AdminState>, editor: Editor, Form(input): Form<Invite>) -> AdminResult {
    let mut errors = BTreeMap::new();
    let email = EmailAddress::parse(&input.email).map_err(|m| errors.insert("email", m)).ok();
    let role = Role::parse(&input.role).map_err(|m| errors.insert("role", m)).ok();
    if let Some(email) = &email
        && accounts::by_email(&state.site.store, email).await?.is_some()
    {
        errors.insert("email", "This address already has an account.".to_owned());
    }
    let (Some(email), Some(role), true) = (email, role, errors.is_empty()) else {
        return page(&state, &editor, StatusCode::UNPROCESSABLE_ENTITY, &input, &errors, None).await;
    };
    let token = links::issue_invite(&state.site.store, &email, role, editor.user.id).await?;
    let link = format!("{}{}", state.site.base_url, links::path(&token));
    tracing::info!(by = editor.user.id, role = role.as_str(), "invitation made");
    let base_url = &state.site.base_url;
    let mailed = letters::send_if_ready(&state, |s| letters::invitation(s, base_url, &email, &editor.user.name, role, &link)).await?;
    let handed = Handed::new(email.to_string(), link, "invite", mailed);
    page(&state, &editor, StatusCode::OK, &Invite::default(), &errors, Some(handed)).await
}

/// Makes a link for an editor who forgot their password: emailed when the
/// site can send mail, and shown once for the owner to pass on.
pub async fn reset_link(State(state): State<AdminState>, editor: Editor, Path(id): Path<i64>, _: Checked) -> AdminResult {
    let user = accounts::by_id(&state.site.store, id).await?.ok_or_else(Problem::not_found)?;
    let token = links::issue_reset(&state.site.store, &user, Some(editor.user.id)).await?;
    let link = format!("{}{}", state.site.base_url, links::path(&token));
    tracing::info!(by = editor.user.id, user.id = user.id, "password reset link made");
    let email = EmailAddress::parse(&user.email).map_err(anyhow::Error::msg)?;
    let base_url = &state.site.base_url;
    let mailed = letters::send_if_ready(&state, |s| letters::password_reset(s, base_url, &email, &link)).await?;
    let handed = Handed::new(user.email, link, "reset", mailed);
    page(&state, &editor, StatusCode::OK, &Invite::default(), &BTreeMap::new(), Some(handed)).await
}

/// For an editor who lost their phone and their recovery codes: they sign
/// in with the password alone, and set it up again.
pub async fn turn_off_two_factor(State(state): State<AdminState>, editor: Editor, Path(id): Path<i64>, _: Checked) -> AdminResult {
    let user = accounts::by_id(&state.site.store, id).await?.ok_or_else(Problem::not_found)?;
    super::two_factor::turn_off(&state.site.store, user.id).await?;
    tracing::info!(by = editor.user.id, user.id = user.id, "two-factor sign-in turned off by an owner");
    Ok(Redirect::to("/admin/users").into_response())
}

#[derive(Deserialize)]
pub struct NewRole {
    role: String,
}

pub async fn set_role(State(state): State<AdminState>, Path(id): Path<i64>, Form(input): Form<NewRole>) -> AdminResult {
    let role = Role::parse(&input.role).map_err(|m| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, m))?;
    accounts::by_id(&state.site.store, id).await?.ok_or_else(Problem::not_found)?;
    accounts::set_role(&state.site.store, id, role).await.map_err(account_error)?;
    Ok(Redirect::to("/admin/users").into_response())
}

/// Asks before removing: a page with one button, so no script is needed.
pub async fn confirm_remove(State(state): State<AdminState>, editor: Editor, Path(id): Path<i64>) -> AdminResult {
    let user = accounts::by_id(&state.site.store, id).await?.ok_or_else(Problem::not_found)?;
    Ok(state.views.page(StatusCode::OK, "remove_user.html", Some(&editor), context! { user => Serde(&user) }))
}

pub async fn remove(State(state): State<AdminState>, editor: Editor, Path(id): Path<i64>, _: Checked) -> AdminResult {
    accounts::by_id(&state.site.store, id).await?.ok_or_else(Problem::not_found)?;
    accounts::remove(&state.site.store, id).await.map_err(account_error)?;
    tracing::info!(by = editor.user.id, removed = id, "account removed");
    Ok(if id == editor.user.id { super::login::signed_out(&state, "removed") } else { Redirect::to("/admin/users").into_response() })
}

#[derive(Deserialize)]
pub struct Withdraw {
    id: String,
}

pub async fn withdraw_invite(State(state): State<AdminState>, Form(input): Form<Withdraw>) -> AdminResult {
    links::withdraw(&state.site.store, &input.id).await?;
    Ok(Redirect::to("/admin/users").into_response())
}

fn account_error(error: AccountError) -> AdminError {
    match error {
        AccountError::LastOwner | AccountError::Taken => Problem::new(StatusCode::CONFLICT, error.to_string()).into(),
        AccountError::Store(e) => e.into(),
    }
}
