//! The supporters' side: the signup form's answer, the confirmation page
//! (a button, so a mail scanner opening the link confirms nothing), and the
//! unsubscribe page and its RFC 8058 one-click POST.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::{letters, subscribers};
use crate::client_ip::ClientIp;
use crate::content::blocks::Block;
use crate::mail::EmailAddress;
use crate::mail::queue::Queued;
use crate::public_forms::answers::{Answer, PublicError, PublicResult, form_again};
use crate::public_forms::attempts::Limits;
use crate::public_forms::guard::Guard;
use crate::public_forms::submit::{self, Admitted, PublicForm};
use crate::public_forms::{Errors, Forms, NAME_LIMIT};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Signup {
    email: String,
    name: String,
    #[serde(flatten)]
    guard: Guard,
}

/// Every answer of the newsletter's pages shows this address.
const PATH: &str = "/newsletter/";

/// A signup's checked fields.
pub struct NewSubscriber {
    email: EmailAddress,
    name: String,
}

/// The signup form shown again: `signup` of `message.html`.
#[derive(Serialize)]
struct Again<'a> {
    signup: SignupAgain<'a>,
}

#[derive(Serialize)]
struct SignupAgain<'a> {
    email: &'a str,
    name: &'a str,
    error: &'a str,
}

impl PublicForm for Signup {
    type Input = NewSubscriber;
    const LIMITS: Limits = subscribers::SIGNUP_LIMITS;

    fn guard(&self) -> &Guard {
        &self.guard
    }

    fn email(input: &NewSubscriber) -> &EmailAddress {
        &input.email
    }

    fn read(&self) -> Result<NewSubscriber, Errors> {
        let email = EmailAddress::parse(&self.email).map_err(|error| Errors::from([("email", error)]))?;
        let name = self.name.trim();
        if name.chars().count() > NAME_LIMIT || name.chars().any(char::is_control) {
            return Err(Errors::from([("name", format!("A name is one line of at most {NAME_LIMIT} characters."))]));
        }
        Ok(NewSubscriber { email, name: name.to_owned() })
    }

    fn paused(&self, _again: crate::public_forms::answers::FormAgain) -> Option<Answer> {
        let text = "This site cannot send email at the moment, so it cannot confirm new subscriptions. Please try again later, or follow the news by feed.";
        Some(Answer::new(StatusCode::SERVICE_UNAVAILABLE, "Signups are paused").lines([text]).link("/feed.xml", "Atom feed"))
    }

    fn invalid_title(errors: &Errors) -> &'static str {
        if errors.contains_key("email") { "Please check your address" } else { "Please check your name" }
    }
}

pub async fn subscribe(
    State(state): State<Forms>,
    client: ClientIp,
    headers: HeaderMap,
    form: Result<Form<Signup>, FormRejection>,
) -> PublicResult {
    let Form(form) = form.map_err(|rejection| PublicError::from(rejection).at(PATH))?;
    let again = |errors: &Errors| {
        let error = errors.values().next().map_or("", String::as_str);
        form_again(Again { signup: SignupAgain { email: &form.email, name: &form.name, error } })
    };
    let admitted = submit::admit(&state, &client.network(), &headers, &form, again).await.map_err(|error| error.at(PATH))?;
    if let Some(Admitted { input, settings, mailer: Some(_) }) = admitted {
        let base_url = &state.site.base_url;
        let letter = |token: &str| {
            let letter = letters::confirmation(&settings, base_url, &input.email, token)?;
            Queued::new(&letter, &crate::mail::site::sender_needed(&settings)?)
        };
        if subscribers::sign_up(&state.site.store, &input.email, &input.name, &client.address(), letter).await? {
            state.outgoing.queued.notify_one();
        }
    }
    Ok(Answer::ok("Check your inbox")
        .lines([
            "If this address is not subscribed yet, we have sent it an email with a link. Open it and press “Confirm” to start receiving the newsletter.",
            "No email after a few minutes? Look in the spam folder, or sign up again in ten minutes.",
        ])
        .at(PATH))
}

pub async fn confirm_form(State(state): State<Forms>, Path(token): Path<String>) -> PublicResult {
    let Some(subscriber) = subscribers::by_confirmation(&state.site.store, &token).await? else { return Ok(invalid_confirmation()) };
    let text = format!("Press the button to receive the newsletter at {}.", subscriber.email);
    Ok(Answer::ok("Confirm your subscription").lines([text]).button("Confirm").at(PATH))
}

pub async fn confirm(State(state): State<Forms>, Path(token): Path<String>) -> PublicResult {
    let Some(email) = subscribers::confirm(&state.site.store, &token).await? else { return Ok(invalid_confirmation()) };
    let text = format!("The newsletter will come to {email}. Every issue has a link to unsubscribe.");
    let store = &state.site.store;
    let settings = crate::render::page::settings(&state.site).await?;
    let mut answer = Answer::ok("You are subscribed")
        .lines([text])
        .share(&format!("Follow {} with me", settings.name), &format!("{}/", state.site.base_url));
    let petition = |b: &Block| matches!(b, Block::Petition { petition: Some(_), .. });
    if let Some(page) = crate::content::pages::first_with(store, petition).await? {
        answer = answer.link(page, "Sign the petition");
    }
    Ok(answer.home_link().at(PATH))
}

fn invalid_confirmation() -> Answer {
    Answer::new(StatusCode::GONE, "This link no longer works")
        .lines([
            "A confirmation link works once, for 48 hours. If you pressed “Confirm” already, you are subscribed and need do nothing.",
            "Otherwise, sign up again and use the link in the newest email.",
        ])
        .again(form_again(Again { signup: SignupAgain { email: "", name: "", error: "" } }))
        .at(PATH)
}

pub async fn unsubscribe_form(State(state): State<Forms>, Path(key): Path<String>) -> PublicResult {
    match subscribers::by_unsubscribe_key(&state.site.store, &key).await? {
        Some(subscriber) if subscriber.status == subscribers::UNSUBSCRIBED => Ok(already_unsubscribed(&subscriber.email)),
        Some(subscriber) => {
            let text = format!("Press the button and {} will receive no more issues.", subscriber.email);
            Ok(Answer::ok("Unsubscribe from the newsletter").lines([text]).button("Unsubscribe").at(PATH))
        }
        None => Ok(invalid_unsubscribe()),
    }
}

/// The page's button, or a mail program's one-click request (RFC 8058),
/// which gets a short answer instead of a page.
pub async fn unsubscribe(State(state): State<Forms>, Path(key): Path<String>, body: String) -> PublicResult<Response> {
    let one_click = body.split('&').any(|pair| pair == "List-Unsubscribe=One-Click");
    Ok(match (subscribers::unsubscribe(&state.site.store, &key).await?, one_click) {
        (Some(_), true) => (StatusCode::OK, [(header::CACHE_CONTROL, "no-store")], "Unsubscribed.\n").into_response(),
        (None, true) => (StatusCode::NOT_FOUND, "This unsubscribe link is not valid.\n").into_response(),
        (Some(email), false) => already_unsubscribed(&email).into_response(),
        (None, false) => invalid_unsubscribe().into_response(),
    })
}

fn already_unsubscribed(email: &str) -> Answer {
    Answer::ok("You are unsubscribed")
        .lines([
            format!("{email} will receive no more issues of the newsletter."),
            "Changed your mind? You can sign up again at any time.".into(),
        ])
        .link("/newsletter/", "The newsletter page")
        .at(PATH)
}

fn invalid_unsubscribe() -> Answer {
    Answer::new(StatusCode::NOT_FOUND, "This unsubscribe link is not valid")
        .lines(["Check that the whole link was copied from the email. If you still receive the newsletter, write to us and we will take you off the list."])
        .at(PATH)
}
