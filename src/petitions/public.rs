//! The supporters' side of the petition: sign, open the emailed link to
//! make the signature count, watch the counter. Every answer is a page in
//! the site's layout that says what happened and what to do next.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::signatures::Verified;
use super::{Petition, countries, letters, signatures};
use crate::client_ip::ClientIp;
use crate::content::blocks::Block;
use crate::mail::EmailAddress;
use crate::mail::queue::Queued;
use crate::public_forms::answers::{Answer, PublicResult, form_again};
use crate::public_forms::attempts::Limits;
use crate::public_forms::guard::Guard;
use crate::public_forms::submit::{self, Admitted, PublicForm};
use crate::public_forms::{Errors, Forms, NAME_LIMIT, one_line};

pub const PETITION_LIMITS: Limits = Limits { form: "petition", per_ip: 10, per_ip_proven: 30, per_address: 5 };

const POSTCODE_LIMIT: usize = 20;
const COMMENT_LIMIT: usize = 1000;

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

/// The signing form shown again: `petition_form` of `message.html`.
#[derive(Serialize)]
struct Again<'a> {
    petition_form: SigningAgain<'a>,
}

#[derive(Serialize)]
struct SigningAgain<'a> {
    petition: super::PetitionView,
    values: Typed<'a>,
    errors: &'a Errors,
    countries: &'static [(&'static str, &'static str)],
}

/// What was typed.
#[derive(Serialize)]
struct Typed<'a> {
    email: &'a str,
    name: &'a str,
    country: &'a str,
    postcode: &'a str,
    comment: &'a str,
    show_name: bool,
    subscribe: bool,
}

impl SignForm {
    fn values(&self) -> Typed<'_> {
        Typed {
            email: &self.email,
            name: &self.name,
            country: &self.country,
            postcode: &self.postcode,
            comment: &self.comment,
            show_name: self.show_name == "yes",
            subscribe: self.subscribe == "yes",
        }
    }
}

impl PublicForm for SignForm {
    type Input = signatures::Signing;
    const LIMITS: Limits = PETITION_LIMITS;

    fn guard(&self) -> &Guard {
        &self.guard
    }

    fn email(signing: &Self::Input) -> &EmailAddress {
        &signing.email
    }

    fn paused(&self, again: crate::public_forms::answers::FormAgain) -> Option<Answer> {
        let text = "A signature counts once its email address is confirmed, and this site cannot send email at the moment. Please try again later.";
        Some(Answer::new(StatusCode::SERVICE_UNAVAILABLE, "Signing is paused").lines([text]).again(again))
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

pub async fn sign(
    State(state): State<Forms>,
    Path(slug): Path<String>,
    client: ClientIp,
    headers: HeaderMap,
    form: Result<Form<SignForm>, FormRejection>,
) -> PublicResult {
    let Form(form) = form?;
    let store = &state.site.store;
    let Some(petition) = super::by_slug(store, &slug).await? else {
        return Ok(Answer::new(StatusCode::NOT_FOUND, "There is no such petition"));
    };
    if !petition.is_open() {
        return closed(&state, &petition).await;
    }
    let zone = crate::content::zone::Zone::of_site(store).await?;
    let again = |errors: &Errors| {
        let tally = signatures::Tally { count: 0, names: vec![] };
        let petition = super::view(&petition, &tally, &zone);
        form_again(Again { petition_form: SigningAgain { petition, values: form.values(), errors, countries: countries::COUNTRIES } })
    };
    let Some(Admitted { input: signing, settings, mailer: Some(_) }) =
        submit::admit(&state, &client.network(), &headers, &form, again).await?
    else {
        return Ok(signed());
    };
    let base_url = &state.site.base_url;
    let letter = |token: &str| {
        let letter = letters::verification(&settings, base_url, &signing.email, &petition.title, signing.subscribe, token)?;
        Queued::new(&letter, &crate::mail::site::sender_needed(&settings)?)
    };
    if signatures::sign(store, petition.id, &signing, &client.address(), letter).await? {
        state.outgoing.queued.notify_one();
    }
    Ok(signed())
}

/// The one answer to a signature, whether new, repeated or dropped.
fn signed() -> Answer {
    Answer::ok("Check your inbox").lines([
        "If this address has not signed yet, we have sent it an email with a link. Your signature counts once you open it and press “Confirm”.",
        "No email after a few minutes? Look in the spam folder, or sign again in ten minutes.",
    ])
}

async fn closed(state: &Forms, petition: &Petition) -> PublicResult {
    let count = signatures::tally(&state.site.store, petition.id).await.map(|t| t.count).unwrap_or_default();
    let text = format!("“{}” takes no more signatures. {count} people signed it.", petition.title);
    let result = crate::render::markdown::to_html(&petition.result);
    Ok(Answer::new(StatusCode::GONE, "This petition is closed").lines([text]).html(result).at(format!("/petitions/{}/sign", petition.slug)))
}

pub async fn verify_form(State(state): State<Forms>, Path(token): Path<String>) -> PublicResult {
    let store = &state.site.store;
    let Some(signature) = signatures::by_token(store, &token).await? else { return Ok(invalid_link()) };
    match super::get(store, signature.petition_id).await? {
        Some(petition) if petition.is_open() => {
            let text = format!("Press the button to add your signature to “{}”.", petition.title);
            Ok(Answer::ok("Confirm your signature").lines([text]).button("Confirm").at(CONFIRM_PATH))
        }
        Some(petition) => closed(&state, &petition).await,
        None => Ok(invalid_link()),
    }
}

pub async fn verify(State(state): State<Forms>, Path(token): Path<String>) -> PublicResult {
    let store = &state.site.store;
    match signatures::verify(store, &token).await? {
        Verified::Counted(signature) => {
            state.recount.notify_one();
            let petition = super::get(store, signature.petition_id).await.ok().flatten();
            state.counters.forget();
            let title = petition.as_ref().map_or("the petition", |p| p.title.as_str());
            let mut answer = Answer::ok("Thank you for signing").lines([format!("Your signature on “{title}” now counts.")]);
            if signature.subscribe {
                answer = answer.lines(["You will also receive the newsletter; every issue has a link to unsubscribe."]);
            }
            // Where the petition is signed is what others should see; then the next thing to do.
            let slug = petition.as_ref().map(|p| p.slug.clone()).unwrap_or_default();
            let at =
                crate::content::pages::first_with(store, |b| matches!(b, Block::Petition { petition: Some(s), .. } if s.as_str() == slug))
                    .await?;
            let url = format!("{}{}", state.site.base_url, at.as_deref().unwrap_or("/"));
            answer = answer.share(&format!("I signed “{title}”. Will you sign too?"), &url);
            if !signature.subscribe
                && let Some(signup) = crate::content::pages::first_with(store, |b| matches!(b, Block::NewsletterSignup { .. })).await?
            {
                answer = answer.link(signup, "Get the newsletter: hear what the petition achieves");
            }
            Ok(answer.home_link().at(CONFIRM_PATH))
        }
        Verified::Closed(petition) => closed(&state, &petition).await,
        Verified::Invalid => Ok(invalid_link()),
    }
}

/// The confirmation pages show this address, not the one with the token.
const CONFIRM_PATH: &str = "/signatures/confirm";

fn invalid_link() -> Answer {
    Answer::new(StatusCode::GONE, "This link no longer works")
        .lines([
            "A confirmation link works once, for 48 hours, while the petition is open. If you pressed “Confirm” already, your signature counts and you need do nothing.",
            "Otherwise, sign again and use the link in the newest email.",
        ])
        .at(CONFIRM_PATH)
}

/// `GET /petitions/{slug}/tally`: the counter, for pages that update it without a reload.
pub async fn tally(State(state): State<Forms>, Path(slug): Path<String>, headers: HeaderMap) -> PublicResult<Response> {
    let store = &state.site.store;
    let count = async || {
        let Some(petition) = super::by_slug(store, &slug).await? else { return Ok(None) };
        // Only the counter is answered, which no time zone changes.
        let counter = super::view(&petition, &signatures::tally(store, petition.id).await?, &Default::default()).counter;
        Ok(Some(serde_json::to_vec(&counter)?.into()))
    };
    let Some(counter) = state.counters.get(&slug, count).await? else {
        return Ok((StatusCode::NOT_FOUND, Json(json!({ "error": "no such petition" }))).into_response());
    };
    let headers_out = [(header::CACHE_CONTROL, "public, max-age=5"), (header::CONTENT_TYPE, "application/json")];
    let mut response = (headers_out, counter).into_response();
    state.allow_copies(&headers, &mut response);
    Ok(response)
}
