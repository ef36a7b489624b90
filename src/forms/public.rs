//! The supporters' side of the petition and the contact form: sign, open
//! the emailed link to make the signature count, watch the counter; write
//! to the team. Every answer is a page in the site's layout that says what
//! happened and what to do next.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::answers::{self, page};
use super::attempts::{self, Limits};
use super::guard::{self, Guard, Verdict};
use super::petitions::{self, Petition};
use super::signatures::Verified;
use super::{Forms, contact, countries, letters, signatures};
use crate::client_ip::ClientIp;
use crate::content::settings::SiteSettings;
use crate::mail::EmailAddress;
use crate::site::server_error;

pub const PETITION_LIMITS: Limits = Limits { form: "petition", per_ip: 10, per_ip_proven: 30, per_address: 5 };
pub const CONTACT_LIMITS: Limits = Limits { form: "contact", per_ip: 5, per_ip_proven: 10, per_address: 3 };

const NAME_LIMIT: usize = 100;
const SUBJECT_LIMIT: usize = 150;
const POSTCODE_LIMIT: usize = 20;
const COMMENT_LIMIT: usize = 1000;
const MESSAGE_LIMIT: usize = 10_000;

type Errors = BTreeMap<&'static str, String>;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignForm {
    email: String,
    name: String,
    country: String,
    postcode: String,
    comment: String,
    show_name: String,
    subscribe: String,
    #[serde(flatten)]
    guard: Guard,
}

impl SignForm {
    /// The typed values, for the form shown again.
    fn values(&self) -> Value {
        json!({
            "email": self.email, "name": self.name, "country": self.country, "postcode": self.postcode,
            "comment": self.comment, "show_name": self.show_name == "yes", "subscribe": self.subscribe == "yes",
        })
    }

    fn read(&self) -> Result<signatures::Signing, Errors> {
        let mut errors = Errors::new();
        let email = EmailAddress::parse(&self.email).map_err(|e| errors.insert("email", e)).ok();
        let name = one_line(&self.name, "name", "Your name", NAME_LIMIT, true, &mut errors);
        let postcode = one_line(&self.postcode, "postcode", "A postcode", POSTCODE_LIMIT, false, &mut errors);
        let country = self.country.trim();
        if !country.is_empty() && countries::name(country).is_none() {
            errors.insert("country", "Choose a country from the list, or leave it empty.".into());
        }
        let comment = self.comment.trim().replace("\r\n", "\n");
        if comment.chars().count() > COMMENT_LIMIT {
            errors
                .insert("comment", format!("A comment has at most {COMMENT_LIMIT} characters; this one has {}.", comment.chars().count()));
        }
        match email {
            Some(email) if errors.is_empty() => Ok(signatures::Signing {
                email,
                name,
                country: country.to_owned(),
                postcode,
                comment,
                show_name: self.show_name == "yes",
                subscribe: self.subscribe == "yes",
            }),
            _ => Err(errors),
        }
    }
}

/// A one-line field, trimmed: line breaks are refused (in a name or a
/// subject they would split a mail header), as are control characters.
fn one_line(value: &str, key: &'static str, label: &str, limit: usize, required: bool, errors: &mut Errors) -> String {
    let value = value.trim();
    if value.chars().any(char::is_control) {
        errors.insert(key, format!("{label} must be one line, without line breaks."));
    } else if value.chars().count() > limit {
        errors.insert(key, format!("{label} has at most {limit} characters."));
    } else if value.is_empty() && required {
        errors.insert(key, format!("{label} is needed."));
    }
    value.to_owned()
}

/// A petition as its block and pages show it.
pub fn petition_view(petition: &Petition, tally: &signatures::Tally) -> Value {
    let percent = if petition.goal > 0 { (tally.count * 100 / petition.goal).min(100) } else { 100 };
    json!({
        "slug": petition.slug, "title": petition.title, "addressee": petition.addressee, "goal": petition.goal,
        "open": petition.is_open(), "status": petition.status, "result_html": crate::render::markdown::to_html(&petition.result),
        "body_html": crate::render::markdown::to_html(&petition.body),
        "ends": petition.ends_at.map(|t| crate::site::views::date(t.date())),
        "count": tally.count, "names": tally.names, "percent": percent,
    })
}

/// The country list the form offers.
pub fn country_options() -> Value {
    json!(countries::COUNTRIES)
}

pub async fn sign(
    State(state): State<Forms>,
    Path(slug): Path<String>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    form: Result<Form<SignForm>, FormRejection>,
) -> Response {
    let path = format!("/petitions/{slug}/sign");
    let Form(form) = match form {
        Ok(form) => form,
        Err(rejection) => return answers::rejected(&state, &path, rejection).await,
    };
    let petition = match petitions::by_slug(&state.site.store, &slug).await {
        Ok(Some(petition)) => petition,
        Ok(None) => return page(&state, StatusCode::NOT_FOUND, &path, "There is no such petition", &[], json!({})).await,
        Err(error) => return server_error(&error),
    };
    let again = |errors: &Errors| {
        let tally = signatures::Tally { count: 0, names: vec![] };
        json!({ "petition_form": { "petition": petition_view(&petition, &tally), "values": form.values(), "errors": errors, "countries": country_options() } })
    };
    if !petition.is_open() {
        return closed(&state, &petition).await;
    }
    let proof = match guard::check(&state.key, &headers, &form.guard, &state.origins) {
        Verdict::CrossSite => return answers::cross_site(&state, &path).await,
        Verdict::Drop => return signed(&state, &path).await,
        Verdict::Stale => return answers::stale(&state, &path, again(&Errors::new())).await,
        Verdict::Pass { proof } => proof,
    };
    let signing = match form.read() {
        Ok(signing) => signing,
        Err(errors) => {
            return page(&state, StatusCode::UNPROCESSABLE_ENTITY, &path, "Please check the form", &[], again(&errors)).await;
        }
    };
    let Some(mailer) = state.outgoing.mailer.clone() else {
        let text = "A signature counts once its email address is confirmed, and this site cannot send email at the moment. Please try again later.";
        return page(&state, StatusCode::SERVICE_UNAVAILABLE, &path, "Signing is paused", &[text], again(&Errors::new())).await;
    };
    let result = async {
        if let Some(wait) = attempts::admit(&state.site.store, PETITION_LIMITS, &ip, signing.email.as_str(), proof.as_deref()).await? {
            return Ok(Err(wait));
        }
        let settings = crate::site::routes::settings(&state.site).await?;
        if answers::is_blocked(&settings, &signing.email) {
            return Ok(Ok(None));
        }
        let token = signatures::sign(&state.site.store, petition.id, &signing, &ip).await?;
        anyhow::Ok(Ok(token.map(|t| (t, settings))))
    };
    match result.await {
        Ok(Err(wait)) => answers::too_many(&state, &path, wait, again(&Errors::new())).await,
        Ok(Ok(token)) => {
            if let Some((token, settings)) = token {
                let (store, base_url) = (state.site.store.clone(), state.site.base_url.clone());
                let (petition_id, title, email) = (petition.id, petition.title.clone(), signing.email.clone());
                let build = move || {
                    let letter = letters::verification(&settings, &base_url, &signing.email, &title, signing.subscribe, &token)?;
                    Ok((letter, letters::sender(&settings)?))
                };
                super::send_later(mailer, build, move |sent| async move {
                    if let Err(error) = sent {
                        tracing::warn!(error, "cannot send a signature's confirmation; the person may sign again at once");
                        let _ = signatures::sending_failed(&store, petition_id, &email).await;
                    }
                });
            }
            signed(&state, &path).await
        }
        Err(error) => server_error(&error),
    }
}

/// The one answer to a signature, whether new, repeated or dropped.
async fn signed(state: &Forms, path: &str) -> Response {
    let lines = [
        "If this address has not signed yet, we have sent it an email with a link. Your signature counts once you open it and press “Confirm”.",
        "No email after a few minutes? Look in the spam folder, or sign again in ten minutes.",
    ];
    page(state, StatusCode::OK, path, "Check your inbox", &lines, json!({})).await
}

async fn closed(state: &Forms, petition: &Petition) -> Response {
    let count = signatures::tally(&state.site.store, petition.id).await.map(|t| t.count).unwrap_or_default();
    let text = format!("“{}” takes no more signatures. {count} people signed it.", petition.title);
    let result = crate::render::markdown::to_html(&petition.result);
    let path = format!("/petitions/{}/sign", petition.slug);
    page(state, StatusCode::GONE, &path, "This petition is closed", &[&text], json!({ "html": result })).await
}

pub async fn verify_form(State(state): State<Forms>, Path(token): Path<String>) -> Response {
    let path = "/signatures/confirm";
    match signatures::by_token(&state.site.store, &token).await {
        Ok(Some(signature)) => match petitions::get(&state.site.store, signature.petition_id).await {
            Ok(Some(petition)) if petition.is_open() => {
                let text = format!("Press the button to add your signature to “{}”.", petition.title);
                page(&state, StatusCode::OK, path, "Confirm your signature", &[&text], json!({ "button": "Confirm" })).await
            }
            Ok(Some(petition)) => closed(&state, &petition).await,
            Ok(None) => invalid_link(&state).await,
            Err(error) => server_error(&error),
        },
        Ok(None) => invalid_link(&state).await,
        Err(error) => server_error(&error),
    }
}

pub async fn verify(State(state): State<Forms>, Path(token): Path<String>) -> Response {
    let store = &state.site.store;
    match signatures::verify(store, &token).await {
        Ok(Verified::Counted(signature)) => {
            state.recount.notify_one();
            let petition = petitions::get(store, signature.petition_id).await.ok().flatten();
            let title = petition.as_ref().map_or("the petition", |p| p.title.as_str());
            let mut lines = vec![format!("Your signature on “{title}” now counts.")];
            if signature.subscribe {
                lines.push("You will also receive the newsletter; every issue has a link to unsubscribe.".into());
            }
            let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
            let links = json!({ "links": [{ "href": "/", "label": "Back to the home page" }] });
            page(&state, StatusCode::OK, "/signatures/confirm", "Thank you for signing", &lines, links).await
        }
        Ok(Verified::Closed(petition)) => closed(&state, &petition).await,
        Ok(Verified::Invalid) => invalid_link(&state).await,
        Err(error) => server_error(&error),
    }
}

async fn invalid_link(state: &Forms) -> Response {
    let lines = [
        "A confirmation link works once, for 48 hours, while the petition is open. If you pressed “Confirm” already, your signature counts and you need do nothing.",
        "Otherwise, sign again and use the link in the newest email.",
    ];
    page(state, StatusCode::GONE, "/signatures/confirm", "This link no longer works", &lines, json!({})).await
}

/// `GET /petitions/{slug}/tally`: the counter, for pages that update it without a reload.
pub async fn tally(State(state): State<Forms>, Path(slug): Path<String>, headers: HeaderMap) -> Response {
    let store = &state.site.store;
    let petition = match petitions::by_slug(store, &slug).await {
        Ok(Some(petition)) => petition,
        Ok(None) => return (StatusCode::NOT_FOUND, Json(json!({ "error": "no such petition" }))).into_response(),
        Err(error) => return server_error(&error),
    };
    match signatures::tally(store, petition.id).await {
        Ok(tally) => {
            let view = petition_view(&petition, &tally);
            let body = json!({ "count": view["count"], "goal": view["goal"], "percent": view["percent"], "names": view["names"], "open": view["open"] });
            let mut response = ([(header::CACHE_CONTROL, "public, max-age=5")], Json(body)).into_response();
            state.allow_copies(&headers, &mut response);
            response
        }
        Err(error) => server_error(&error),
    }
}

/// `GET /forms/challenge`: a fresh stamp and the proof of work's size, for `forms.js`.
pub async fn challenge(State(state): State<Forms>, headers: HeaderMap) -> Response {
    let mut response =
        ([(header::CACHE_CONTROL, "no-store")], Json(json!({ "stamp": state.key.stamp(), "bits": guard::PROOF_BITS }))).into_response();
    state.allow_copies(&headers, &mut response);
    response
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MessageForm {
    name: String,
    email: String,
    subject: String,
    message: String,
    #[serde(flatten)]
    guard: Guard,
}

impl MessageForm {
    fn values(&self) -> Value {
        json!({ "name": self.name, "email": self.email, "subject": self.subject, "message": self.message })
    }

    fn read(&self) -> Result<contact::Writing, Errors> {
        let mut errors = Errors::new();
        let name = one_line(&self.name, "name", "Your name", NAME_LIMIT, true, &mut errors);
        let email = EmailAddress::parse(&self.email).map_err(|e| errors.insert("email", e)).ok();
        let subject = one_line(&self.subject, "subject", "The subject", SUBJECT_LIMIT, true, &mut errors);
        let body = self.message.trim().replace("\r\n", "\n");
        let length = body.chars().count();
        if body.is_empty() {
            errors.insert("message", "Write your message.".into());
        } else if length > MESSAGE_LIMIT {
            errors.insert("message", format!("A message has at most {MESSAGE_LIMIT} characters; this one has {length}."));
        }
        match email {
            Some(email) if errors.is_empty() => Ok(contact::Writing { name, email, subject, body }),
            _ => Err(errors),
        }
    }
}

pub async fn send_message(
    State(state): State<Forms>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    form: Result<Form<MessageForm>, FormRejection>,
) -> Response {
    let path = "/contact/send";
    let Form(form) = match form {
        Ok(form) => form,
        Err(rejection) => return answers::rejected(&state, path, rejection).await,
    };
    let again = |errors: &Errors| json!({ "contact_form": { "values": form.values(), "errors": errors } });
    let proof = match guard::check(&state.key, &headers, &form.guard, &state.origins) {
        Verdict::CrossSite => return answers::cross_site(&state, path).await,
        Verdict::Drop => return message_sent(&state).await,
        Verdict::Stale => return answers::stale(&state, path, again(&Errors::new())).await,
        Verdict::Pass { proof } => proof,
    };
    let writing = match form.read() {
        Ok(writing) => writing,
        Err(errors) => return page(&state, StatusCode::UNPROCESSABLE_ENTITY, path, "Please check the form", &[], again(&errors)).await,
    };
    let result = async {
        if let Some(wait) = attempts::admit(&state.site.store, CONTACT_LIMITS, &ip, writing.email.as_str(), proof.as_deref()).await? {
            return Ok(Err(wait));
        }
        let settings = crate::site::routes::settings(&state.site).await?;
        if answers::is_blocked(&settings, &writing.email) {
            return Ok(Ok(None));
        }
        let id = contact::save(&state.site.store, &writing, &ip).await?;
        anyhow::Ok(Ok(Some((id, settings))))
    };
    match result.await {
        Ok(Err(wait)) => answers::too_many(&state, path, wait, again(&Errors::new())).await,
        Ok(Ok(saved)) => {
            if let Some((id, settings)) = saved {
                forward(&state, id, settings, writing).await;
            }
            message_sent(&state).await
        }
        Err(error) => server_error(&error),
    }
}

/// Sends a stored message on to the team, and notes in the inbox how that went.
async fn forward(state: &Forms, id: i64, settings: SiteSettings, writing: contact::Writing) {
    let store = state.site.store.clone();
    let Some(mailer) = state.outgoing.mailer.clone() else {
        let _ = contact::forwarded(&store, id, "This server has no mail server (--smtp), so the message is kept only here.").await;
        return;
    };
    let base_url = state.site.base_url.clone();
    let build = move || letters::forward(&settings, &base_url, &writing, id);
    super::send_later(mailer, build, move |sent| async move {
        let error = sent.err().unwrap_or_default();
        if !error.is_empty() {
            tracing::warn!(error, "cannot forward a contact message; it is kept in the inbox");
        }
        let _ = contact::forwarded(&store, id, &error).await;
    });
}

async fn message_sent(state: &Forms) -> Response {
    let lines = ["Your message has reached the team. We read every message and answer by email, usually within a few days."];
    page(
        state,
        StatusCode::OK,
        "/contact/send",
        "Thank you for writing",
        &lines,
        json!({ "links": [{ "href": "/", "label": "Back to the home page" }] }),
    )
    .await
}
