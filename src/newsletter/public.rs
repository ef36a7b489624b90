//! The supporters' side: the signup form's answer, the confirmation page
//! (a button, so a mail scanner opening the link confirms nothing), and the
//! unsubscribe page and its RFC 8058 one-click POST.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{letters, subscribers};
use crate::client_ip::ClientIp;
use crate::forms::guard::{self, Guard, Verdict};
use crate::forms::{Forms, answers, attempts};
use crate::mail::EmailAddress;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Signup {
    email: String,
    name: String,
    #[serde(flatten)]
    guard: Guard,
}

const NAME_LIMIT: usize = 100;
const PATH: &str = "/newsletter";

pub async fn subscribe(
    State(state): State<Forms>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    form: Result<Form<Signup>, FormRejection>,
) -> Response {
    let Form(form) = match form {
        Ok(form) => form,
        Err(rejection) => return answers::rejected(&state, PATH, rejection).await,
    };
    let check_inbox = || async {
        page(
            &state,
            StatusCode::OK,
            "Check your inbox",
            &[
                "If this address is not subscribed yet, we have sent it an email with a link. Open it and press “Confirm” to start receiving the newsletter.",
                "No email after a few minutes? Look in the spam folder, or sign up again in ten minutes.",
            ],
            json!({}),
        )
        .await
    };
    let again = |error: &str| json!({ "signup": { "email": form.email, "name": form.name, "error": error } });
    let proof = match guard::check(&state.key, &headers, &form.guard, &state.origins) {
        Verdict::CrossSite => return answers::cross_site(&state, PATH).await,
        Verdict::Drop => return check_inbox().await,
        Verdict::Stale => return answers::stale(&state, PATH, again("")).await,
        Verdict::Pass { proof } => proof,
    };
    let email = match EmailAddress::parse(&form.email) {
        Ok(email) => email,
        Err(error) => return page(&state, StatusCode::UNPROCESSABLE_ENTITY, "Please check your address", &[], again(&error)).await,
    };
    let name = form.name.trim();
    if name.chars().count() > NAME_LIMIT || name.chars().any(char::is_control) {
        let error = format!("A name is one line of at most {NAME_LIMIT} characters.");
        return page(&state, StatusCode::UNPROCESSABLE_ENTITY, "Please check your name", &[], again(&error)).await;
    }
    let Some(mailer) = state.outgoing.mailer.clone() else {
        return page(
            &state,
            StatusCode::SERVICE_UNAVAILABLE,
            "Signups are paused",
            &["This site cannot send email at the moment, so it cannot confirm new subscriptions. Please try again later, or follow the news by feed."],
            json!({ "links": [{ "href": "/feed.xml", "label": "Atom feed" }] }),
        )
        .await;
    };
    let result = async {
        if let Some(wait) = attempts::admit(&state.site.store, subscribers::SIGNUP_LIMITS, &ip, email.as_str(), proof.as_deref()).await? {
            return Ok(Err(wait));
        }
        let settings = crate::site::routes::settings(&state.site).await?;
        if answers::is_blocked(&settings, &email) {
            return Ok(Ok(None));
        }
        let confirmation = subscribers::sign_up(&state.site.store, &email, name, &ip).await?;
        anyhow::Ok(Ok(confirmation.map(|c| (c, settings))))
    };
    match result.await {
        Ok(Err(wait)) => answers::too_many(&state, PATH, wait, again("")).await,
        Ok(Ok(confirmation)) => {
            if let Some((confirmation, settings)) = confirmation {
                let (store, base_url, email) = (state.site.store.clone(), state.site.base_url.clone(), confirmation.email.clone());
                let build = move || {
                    let sender = crate::forms::letters::sender(&settings)?;
                    Ok((letters::confirmation(&settings, &base_url, &confirmation.email, &confirmation.token)?, sender))
                };
                crate::forms::send_later(mailer, build, move |sent| async move {
                    if let Err(error) = sent {
                        tracing::warn!(error, "cannot send a newsletter confirmation; the person may sign up again at once");
                        let _ = subscribers::confirmation_failed(&store, &email).await;
                    }
                });
            }
            check_inbox().await
        }
        Err(error) => crate::site::server_error(&error),
    }
}

pub async fn confirm_form(State(state): State<Forms>, Path(token): Path<String>) -> Response {
    match subscribers::by_confirmation(&state.site.store, &token).await {
        Ok(Some(subscriber)) => {
            let text = format!("Press the button to receive the newsletter at {}.", subscriber.email);
            page(&state, StatusCode::OK, "Confirm your subscription", &[&text], json!({ "button": "Confirm" })).await
        }
        Ok(None) => invalid_confirmation(&state).await,
        Err(error) => crate::site::server_error(&error),
    }
}

pub async fn confirm(State(state): State<Forms>, Path(token): Path<String>) -> Response {
    match subscribers::confirm(&state.site.store, &token).await {
        Ok(Some(email)) => {
            let text = format!("The newsletter will come to {email}. Every issue has a link to unsubscribe.");
            page(
                &state,
                StatusCode::OK,
                "You are subscribed",
                &[&text],
                json!({ "links": [{ "href": "/", "label": "Back to the home page" }] }),
            )
            .await
        }
        Ok(None) => invalid_confirmation(&state).await,
        Err(error) => crate::site::server_error(&error),
    }
}

async fn invalid_confirmation(state: &Forms) -> Response {
    page(
        state,
        StatusCode::GONE,
        "This link no longer works",
        &[
            "A confirmation link works once, for 48 hours. If you pressed “Confirm” already, you are subscribed and need do nothing.",
            "Otherwise, sign up again and use the link in the newest email.",
        ],
        json!({ "signup": { "email": "", "name": "", "error": "" } }),
    )
    .await
}

pub async fn unsubscribe_form(State(state): State<Forms>, Path(key): Path<String>) -> Response {
    match subscribers::by_unsubscribe_key(&state.site.store, &key).await {
        Ok(Some(subscriber)) if subscriber.status == subscribers::UNSUBSCRIBED => already_unsubscribed(&state, &subscriber.email).await,
        Ok(Some(subscriber)) => {
            let text = format!("Press the button and {} will receive no more issues.", subscriber.email);
            page(&state, StatusCode::OK, "Unsubscribe from the newsletter", &[&text], json!({ "button": "Unsubscribe" })).await
        }
        Ok(None) => invalid_unsubscribe(&state).await,
        Err(error) => crate::site::server_error(&error),
    }
}

/// The page's button, or a mail program's one-click request (RFC 8058),
/// which gets a short answer instead of a page.
pub async fn unsubscribe(State(state): State<Forms>, Path(key): Path<String>, body: String) -> Response {
    let one_click = body.split('&').any(|pair| pair == "List-Unsubscribe=One-Click");
    match (subscribers::unsubscribe(&state.site.store, &key).await, one_click) {
        (Err(error), _) => crate::site::server_error(&error),
        (Ok(Some(_)), true) => (StatusCode::OK, [(header::CACHE_CONTROL, "no-store")], "Unsubscribed.\n").into_response(),
        (Ok(None), true) => (StatusCode::NOT_FOUND, "This unsubscribe link is not valid.\n").into_response(),
        (Ok(Some(email)), false) => already_unsubscribed(&state, &email).await,
        (Ok(None), false) => invalid_unsubscribe(&state).await,
    }
}

async fn already_unsubscribed(state: &Forms, email: &str) -> Response {
    let text = format!("{email} will receive no more issues of the newsletter.");
    page(
        state,
        StatusCode::OK,
        "You are unsubscribed",
        &[&text, "Changed your mind? You can sign up again at any time."],
        json!({ "links": [{ "href": "/newsletter", "label": "The newsletter page" }] }),
    )
    .await
}

async fn invalid_unsubscribe(state: &Forms) -> Response {
    page(
        state,
        StatusCode::NOT_FOUND,
        "This unsubscribe link is not valid",
        &["Check that the whole link was copied from the email. If you still receive the newsletter, write to us and we will take you off the list."],
        json!({}),
    )
    .await
}

async fn page(state: &Forms, status: StatusCode, title: &str, paragraphs: &[&str], extra: Value) -> Response {
    answers::page(state, status, PATH, title, paragraphs, extra).await
}
