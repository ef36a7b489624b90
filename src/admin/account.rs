//! `/admin/account`: your own account: change the password, the way to
//! two-factor sign-in, see where you are signed in, sign out one device or
//! everywhere.

use std::collections::BTreeMap;

use crate::admin::form::{Checked, Form};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

use super::confirm;
use super::done::Done;
use super::error::AdminResult;
use super::gate::{Editor, set_session_cookie, user_agent};
use super::login::signed_out;
use super::password::{self, Password};
use super::{AdminState, accounts, sessions};
use crate::client_ip::ClientIp;

pub async fn show(State(state): State<AdminState>, editor: Editor, Query(done): Query<Done>) -> AdminResult {
    let notice = match done.done.as_str() {
        "password" => "Your password is changed. Every other device was signed out.",
        "session" => "That device is signed out.",
        "two-factor-off" => "Two-factor sign-in is off: your password alone signs you in.",
        _ => "",
    };
    page(&state, &editor, StatusCode::OK, notice, &BTreeMap::new()).await
}

async fn page(state: &AdminState, editor: &Editor, status: StatusCode, notice: &str, errors: &BTreeMap<&str, String>) -> AdminResult {
    let sessions: Vec<_> = sessions::of_user(&state.site.store, editor.user.id)
        .await?
        .into_iter()
        .map(|s| context! { id => s.id, user_agent => s.user_agent, ip => s.ip, last_seen => super::views::when(s.last_seen_at) })
        .collect();
    let values = context! { notice, errors, sessions, current => editor.session.id.as_str(), user => Serde(&editor.user), two_factor => editor.user.two_factor };
    Ok(state.views.page(status, "account.html", Some(editor), values))
}

#[derive(Deserialize)]
pub struct NewPassword {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_again: String,
}

pub async fn change_password(
    State(state): State<AdminState>,
    editor: Editor,
    client: ClientIp,
    headers: HeaderMap,
    Form(input): Form<NewPassword>,
) -> AdminResult {
    let mut errors = BTreeMap::new();
    // Guessing the current password from a borrowed session is throttled like signing in.
    let store = &state.site.store;
    let typed = confirm::own_password(&state, &editor, &headers, &client, &input.current).await?;
    if let Some((status, message)) = typed.refusal() {
        errors.insert("current", message);
        if status == StatusCode::TOO_MANY_REQUESTS {
            return page(&state, &editor, status, "", &errors).await;
        }
    }
    let site_name = password::site_name(store).await?;
    let known = [editor.user.email.as_str(), editor.user.name.as_str(), site_name.as_str()];
    let password = Password::parse(&input.password, &known).map_err(|message| errors.insert("password", message)).ok();
    if password.is_some() && input.password != input.password_again {
        errors.insert("password_again", "The two new passwords differ; type the same one twice.".to_owned());
    }
    let (Some(password), true) = (password, errors.is_empty()) else {
        return page(&state, &editor, StatusCode::UNPROCESSABLE_ENTITY, "", &errors).await;
    };
    accounts::set_password(&state.site.store, editor.user.id, &password).await?;
    // Every session ended with the old password; this browser gets a new one.
    let (token, _) = sessions::start(&state.site.store, editor.user.id, &client.address(), &user_agent(&headers)).await?;
    let mut response = Redirect::to("/admin/account?done=password").into_response();
    set_session_cookie(&mut response, &state, Some(&token));
    Ok(response)
}

#[derive(Deserialize)]
pub struct Which {
    id: String,
}

/// Signs out one of your sessions (this one included).
pub async fn end_session(State(state): State<AdminState>, editor: Editor, Form(which): Form<Which>) -> AdminResult {
    sessions::end(&state.site.store, editor.user.id, &which.id).await?;
    Ok(if which.id == editor.session.id {
        signed_out(&state, "signed-out")
    } else {
        Redirect::to("/admin/account?done=session").into_response()
    })
}

/// Signs out every session of the account, this one included.
pub async fn end_all_sessions(State(state): State<AdminState>, editor: Editor, _: Checked) -> Result<Response, super::error::AdminError> {
    sessions::end_all(&state.site.store, editor.user.id).await?;
    Ok(signed_out(&state, "everywhere"))
}
