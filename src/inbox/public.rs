//! The contact form: a supporter writes to the team; the message is kept in
//! the inbox and forwarded to the contact address.

use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};

use super::letters;
use crate::client_ip::ClientIp;
use crate::content::settings::SiteSettings;
use crate::mail::{EmailAddress, Mailer};
use crate::public_forms::answers::{Answer, PublicResult, form_again};
use crate::public_forms::attempts::Limits;
use crate::public_forms::guard::Guard;
use crate::public_forms::submit::{self, Admitted, PublicForm};
use crate::public_forms::{Errors, Forms, NAME_LIMIT, one_line};

pub const CONTACT_LIMITS: Limits = Limits { form: "contact", per_ip: 5, per_ip_proven: 10, per_address: 3 };

const SUBJECT_LIMIT: usize = 150;
const MESSAGE_LIMIT: usize = 10_000;

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

/// The contact form shown again: `contact_form` of `message.html`.
#[derive(Serialize)]
struct Again<'a> {
    contact_form: ContactForm<'a>,
}

#[derive(Serialize)]
struct ContactForm<'a> {
    values: Typed<'a>,
    errors: &'a Errors,
}

/// What was typed.
#[derive(Serialize)]
struct Typed<'a> {
    name: &'a str,
    email: &'a str,
    subject: &'a str,
    message: &'a str,
}

impl MessageForm {
    fn values(&self) -> Typed<'_> {
        Typed { name: &self.name, email: &self.email, subject: &self.subject, message: &self.message }
    }
}

impl PublicForm for MessageForm {
    type Input = super::Writing;
    const LIMITS: Limits = CONTACT_LIMITS;

    fn guard(&self) -> &Guard {
        &self.guard
    }

    fn email(writing: &Self::Input) -> &EmailAddress {
        &writing.email
    }

    fn read(&self) -> Result<super::Writing, Errors> {
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
            Some(email) if errors.is_empty() => Ok(super::Writing { name, email, subject, body }),
            _ => Err(errors),
        }
    }
}

pub async fn send_message(
    State(state): State<Forms>,
    client: ClientIp,
    headers: HeaderMap,
    form: Result<Form<MessageForm>, FormRejection>,
) -> PublicResult {
    let Form(form) = form?;
    let again = |errors: &Errors| form_again(Again { contact_form: ContactForm { values: form.values(), errors } });
    if let Some(Admitted { input: writing, settings, mailer }) = submit::admit(&state, &client.network(), &headers, &form, again).await? {
        let id = super::save(&state.site.store, &writing, &client.address()).await?;
        forward(&state, mailer, id, settings, writing).await;
    }
    Ok(Answer::ok("Thank you for writing")
        .lines(["Your message has reached the team. We read every message and answer by email, usually within a few days."])
        .home_link())
}

/// Sends a stored message on to the team, and notes in the inbox how that went.
async fn forward(state: &Forms, mailer: Option<Mailer>, id: i64, settings: SiteSettings, writing: super::Writing) {
    let store = state.site.store.clone();
    let Some(mailer) = mailer else {
        let _ = super::forwarded(&store, id, "This server has no mail server (--smtp), so the message is kept only here.").await;
        return;
    };
    let base_url = state.site.base_url.clone();
    let build = move || letters::forward(&settings, &base_url, &writing, id);
    crate::public_forms::send_later(mailer, build, move |sent| async move {
        let error = sent.err().unwrap_or_default();
        if !error.is_empty() {
            tracing::warn!(error, "cannot forward a contact message; it is kept in the inbox");
        }
        let _ = super::forwarded(&store, id, &error).await;
    });
}
