//! `/admin/login/forgot`: a forgotten password. The answer is the same
//! whether or not the address has an account, and the email goes out after
//! it; requests count like failed sign-ins, so nobody can flood a mailbox.
//! Without mail, the page says who can make a reset link instead.

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use minijinja::context;
use serde::Deserialize;

use super::error::AdminResult;
use super::login::{form_token_matches, with_form_token};
use super::{AdminState, accounts, letters, links, throttle};
use crate::client_ip::ClientIp;
use crate::mail::EmailAddress;

pub async fn form(State(state): State<AdminState>) -> AdminResult {
    let can_mail = letters::ready(&state).await?.is_some();
    Ok(with_form_token(&state, StatusCode::OK, "forgot.html", context! { can_mail, email => "" }))
}

#[derive(Deserialize)]
pub struct Forgot {
    #[serde(default)]
    email: String,
    #[serde(default)]
    csrf: String,
}

pub async fn ask(State(state): State<AdminState>, client: ClientIp, headers: HeaderMap, Form(form): Form<Forgot>) -> AdminResult {
    let ready = letters::ready(&state).await?;
    let can_mail = ready.is_some();
    let again = |status, error: String| with_form_token(&state, status, "forgot.html", context! { can_mail, email => &form.email, error });
    if !form_token_matches(&headers, &form.csrf) {
        return Ok(again(StatusCode::FORBIDDEN, "The form had expired. Send it once more.".to_owned()));
    }
    let Some((mailer, settings)) = ready else {
        let error =
            "This site cannot send email yet, so no link can be mailed. Ask an owner of the site to make you a reset link under People.";
        return Ok(again(StatusCode::SERVICE_UNAVAILABLE, error.to_owned()));
    };
    let email = match EmailAddress::parse(&form.email) {
        Ok(email) => email,
        Err(message) => return Ok(again(StatusCode::UNPROCESSABLE_ENTITY, message)),
    };
    let key = format!("reset:{email}");
    // Every request counts, as a failed sign-in does; none is forgiven.
    let network = client.network();
    let who = throttle::Who { account: &key, network: &network, device: None };
    if let Err(wait) = throttle::attempt(&state.site.store, &who).await? {
        return Ok(again(StatusCode::TOO_MANY_REQUESTS, format!("Too many requests. Try again in {}.", throttle::minutes(wait))));
    }
    if let Some(user) = accounts::by_email(&state.site.store, &email).await? {
        let token = links::issue_reset(&state.site.store, &user, None).await?;
        let url = format!("{}{}", state.site.base_url, links::path(&token));
        let base_url = state.site.base_url.clone();
        let build = move || letters::password_reset(&settings, &base_url, &email, &url);
        crate::public_forms::send_later(mailer, build, |sent| async move {
            if let Err(error) = sent {
                tracing::warn!(error, "cannot send a password reset");
            }
        });
        tracing::info!(user.id = user.id, "password reset asked for");
    }
    let values = context! { sent_to => form.email.trim(), can_mail, email => "" };
    Ok(with_form_token(&state, StatusCode::OK, "forgot.html", values))
}
