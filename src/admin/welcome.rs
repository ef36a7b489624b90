//! `/admin/welcome/{token}`: a one-time link opens a form that creates the
//! account (first-run setup or an invitation) or sets a new password (a
//! reset), and signs it in.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use minijinja::context;
use serde::Deserialize;

use super::accounts::AccountError;
use super::error::{AdminResult, Problem};
use super::gate::{set_session_cookie, user_agent};
use super::links::{self, Link, RedeemError};
use super::password::{self, Password};
use super::{AdminState, sessions};
use crate::client_ip::ClientIp;
use crate::mail::EmailAddress;

fn gone() -> Problem {
    Problem::new(
        StatusCode::GONE,
        "This link has expired or was already used. Ask an owner of the site for a new invitation; \
         whoever runs the server can also add an account with `pamphlet user add`.",
    )
}

pub async fn form(State(state): State<AdminState>, Path(token): Path<String>) -> AdminResult {
    let link = links::open(&state.site.store, &token).await?.ok_or_else(gone)?;
    Ok(show(&state, StatusCode::OK, &link, &token, &NewAccount::default(), &BTreeMap::new()))
}

#[derive(Deserialize, Default)]
pub struct NewAccount {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_again: String,
}

impl NewAccount {
    /// The password typed twice, or the message at the field that needs one.
    fn chosen_password(&self, errors: &mut BTreeMap<&str, String>, known: &[&str]) -> Option<Password> {
        let password = Password::parse(&self.password, known).map_err(|message| errors.insert("password", message)).ok();
        if password.is_some() && self.password != self.password_again {
            errors.insert("password_again", "The two passwords differ; type the same password twice.".to_owned());
        }
        password
    }
}

pub async fn create_account(
    State(state): State<AdminState>,
    Path(token): Path<String>,
    client: ClientIp,
    headers: HeaderMap,
    Form(input): Form<NewAccount>,
) -> AdminResult {
    let ip = client.address();
    let link = links::open(&state.site.store, &token).await?.ok_or_else(gone)?;
    if link.is_reset() {
        return new_password(&state, &link, &token, &ip, &headers, &input).await;
    }
    let mut errors = BTreeMap::new();
    // An invitation's address is fixed; the setup form asks for one.
    let email = EmailAddress::parse(link.email.as_deref().unwrap_or(&input.email)).map_err(|message| errors.insert("email", message)).ok();
    if input.name.trim().is_empty() {
        errors.insert("name", "Enter your name as other editors should see it.".to_owned());
    }
    let site_name = password::site_name(&state.site.store).await?;
    let address = link.email.as_deref().unwrap_or(&input.email);
    let password = input.chosen_password(&mut errors, &[address, &input.name, &site_name]);
    let (Some(email), Some(password), true) = (email, password, errors.is_empty()) else {
        return Ok(show(&state, StatusCode::UNPROCESSABLE_ENTITY, &link, &token, &input, &errors));
    };
    let user = match links::redeem(&state.site.store, &token, &email, &input.name, &password).await {
        Ok(user) => user,
        Err(RedeemError::Gone) => return Err(gone().into()),
        Err(RedeemError::Account(AccountError::Taken)) => {
            errors.insert("email", "An account with this address already exists; sign in instead.".to_owned());
            return Ok(show(&state, StatusCode::CONFLICT, &link, &token, &input, &errors));
        }
        Err(RedeemError::Account(AccountError::Store(e)) | RedeemError::Store(e)) => return Err(e.into()),
        Err(RedeemError::Account(e @ AccountError::LastOwner)) => return Err(anyhow::Error::new(e).into()),
    };
    tracing::info!(user.id = user.id, role = user.role, "account created from a one-time link");
    let (session, _) = sessions::start(&state.site.store, user.id, &ip, &user_agent(&headers)).await?;
    let mut response = Redirect::to("/admin").into_response();
    set_session_cookie(&mut response, &state, Some(&session));
    Ok(response)
}

/// A reset link's form: a new password twice; then every other session
/// ends and this browser is signed in.
async fn new_password(state: &AdminState, link: &Link, token: &str, ip: &str, headers: &HeaderMap, input: &NewAccount) -> AdminResult {
    let mut errors = BTreeMap::new();
    let site_name = password::site_name(&state.site.store).await?;
    let password = input.chosen_password(&mut errors, &[link.email.as_deref().unwrap_or_default(), &site_name]);
    let (Some(password), true) = (password, errors.is_empty()) else {
        return Ok(show(state, StatusCode::UNPROCESSABLE_ENTITY, link, token, input, &errors));
    };
    let user = match links::reset(&state.site.store, token, &password).await {
        Ok(user) => user,
        Err(RedeemError::Gone) => return Err(gone().into()),
        Err(RedeemError::Account(e)) => return Err(anyhow::Error::new(e).into()),
        Err(RedeemError::Store(e)) => return Err(e.into()),
    };
    tracing::info!(user.id = user.id, "password reset");
    let (session, _) = sessions::start(&state.site.store, user.id, ip, &user_agent(headers)).await?;
    let mut response = Redirect::to("/admin/account?done=password").into_response();
    set_session_cookie(&mut response, state, Some(&session));
    Ok(response)
}

/// The form, with what was typed (never the passwords) and a message at each field that needs one.
fn show(
    state: &AdminState,
    status: StatusCode,
    link: &Link,
    token: &str,
    typed: &NewAccount,
    errors: &BTreeMap<&str, String>,
) -> axum::response::Response {
    let values = context! {
        setup => link.is_setup(),
        reset => link.is_reset(),
        invited_email => link.email.as_deref(),
        role => link.role.as_str(),
        action => links::path(token),
        email => typed.email.as_str(),
        name => typed.name.as_str(),
        errors,
    };
    state.views.page(status, "welcome.html", None, values)
}
