//! `/admin/people/erase` (editors and owners): a supporter asks to be
//! forgotten. The page shows what the site holds about an address (every
//! signature, message and subscription) and erases all of it at once. It
//! also lists the stored addresses that are not valid, to be erased.

use crate::admin::form::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

use super::AdminState;
use super::error::AdminResult;
use super::gate::Editor;
use crate::mail::EmailAddress;
use crate::people;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Person {
    email: String,
}

pub async fn confirm(State(state): State<AdminState>, editor: Editor, Query(person): Query<Person>) -> AdminResult {
    let invalid = people::invalid_addresses(&state.site.store).await?;
    let (status, email, error) = match person.email.trim() {
        "" => (StatusCode::OK, String::new(), String::new()),
        typed => match erasable(typed, &invalid) {
            Ok(email) => (StatusCode::OK, email, String::new()),
            Err(error) => (StatusCode::UNPROCESSABLE_ENTITY, typed.to_owned(), error),
        },
    };
    let holdings = if email.is_empty() || !error.is_empty() { None } else { Some(people::holdings(&state.site.store, &email).await?) };
    let values = context! { email, error, holdings => holdings.map(Serde), erased => None::<()>, invalid };
    Ok(state.views.page(status, "erase_person.html", Some(&editor), values))
}

pub async fn erase(State(state): State<AdminState>, editor: Editor, Form(person): Form<Person>) -> AdminResult {
    let invalid = people::invalid_addresses(&state.site.store).await?;
    let email = match erasable(&person.email, &invalid) {
        Ok(email) => email,
        Err(error) => {
            let values = context! { email => person.email, error, holdings => None::<()>, erased => None::<()>, invalid };
            return Ok(state.views.page(StatusCode::UNPROCESSABLE_ENTITY, "erase_person.html", Some(&editor), values));
        }
    };
    let erased = people::erase(&state.site.store, &email, editor.user.id).await?;
    let invalid = people::invalid_addresses(&state.site.store).await?;
    let values = context! { email, error => "", holdings => None::<()>, erased => Serde(erased), invalid };
    Ok(state.views.page(StatusCode::OK, "erase_person.html", Some(&editor), values))
}

/// A typed address as the store holds it: one that parses, or one of the
/// stored addresses that no longer parse, exactly as stored.
fn erasable(typed: &str, invalid: &[String]) -> Result<String, String> {
    EmailAddress::parse(typed)
        .map(|email| email.to_string())
        .or_else(|error| invalid.iter().find(|stored| stored.as_str() == typed.trim()).cloned().ok_or(error))
}
