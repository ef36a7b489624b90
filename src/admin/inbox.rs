//! `/admin/inbox` (editors and owners): the messages written on the site.
//! Opening one marks it read; it can be answered by email, archived,
//! marked unread again or deleted.

use crate::admin::form::{Checked, Form};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

use super::error::{AdminResult, Problem};
use super::gate::Editor;
use super::{AdminState, views};
use crate::inbox as contact;

const PER_PAGE: i64 = 50;

/// Everything but letters, digits and `@ . - _` is percent-encoded in a mailto link.
const ADDRESS_SAFE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC.remove(b'@').remove(b'.').remove(b'-').remove(b'_');

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    status: String,
    page: i64,
    done: String,
}

pub async fn list(State(state): State<AdminState>, editor: Editor, Query(query): Query<ListQuery>) -> AdminResult {
    let filter = contact::STATUSES.iter().find(|s| **s == query.status).copied();
    let paging = views::Paging::new(query.page, PER_PAGE);
    let (found, more) = paging.cut(contact::list(&state.site.store, filter, paging.limit(), paging.offset()).await?);
    let rows: Vec<_> = found
        .into_iter()
        .map(|m| context! { id => m.id, name => m.name, email => m.email, subject => m.subject, status => m.status, at => views::when(m.created_at) })
        .collect();
    let notice = match query.done.as_str() {
        "deleted" => "The message is deleted.",
        "archived" => "Archived.",
        "unread" => "Marked unread.",
        "read" => "Back in the inbox.",
        _ => "",
    };
    let values = context! { rows, more, page => paging.page, status => filter.unwrap_or(""), counts => Serde(contact::counts(&state.site.store).await?), notice };
    Ok(state.views.page(StatusCode::OK, "inbox.html", Some(&editor), values))
}

pub async fn show(State(state): State<AdminState>, editor: Editor, Path(id): Path<i64>) -> AdminResult {
    let mut message = contact::get(&state.site.store, id).await?.ok_or_else(Problem::not_found)?;
    if message.status == contact::UNREAD {
        contact::set_status(&state.site.store, id, contact::READ).await?;
        message.status = contact::READ.to_owned();
    }
    // Both parts encoded: an address may hold `?` or `&`, which would add to the draft.
    let encode = |text: &str| percent_encoding::utf8_percent_encode(text, ADDRESS_SAFE).to_string();
    let reply = format!("mailto:{}?subject={}", encode(&message.email), encode(&format!("Re: {}", message.subject)));
    let values = context! {
        message => context! {
            id => message.id, name => message.name, email => message.email, subject => message.subject, body => message.body,
            status => message.status, at => views::when(message.created_at), forwarded => message.forwarded_at.map(views::when),
            forward_error => message.forward_error,
        },
        reply,
    };
    Ok(state.views.page(StatusCode::OK, "inbox_message.html", Some(&editor), values))
}

#[derive(Debug, Deserialize)]
pub struct StatusForm {
    status: String,
}

pub async fn set_status(
    State(state): State<AdminState>,
    _editor: Editor,
    Path(id): Path<i64>,
    Form(form): Form<StatusForm>,
) -> AdminResult {
    if !contact::STATUSES.contains(&form.status.as_str()) {
        return Err(Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "A message is unread, read or archived.").into());
    }
    if !contact::set_status(&state.site.store, id, &form.status).await? {
        return Err(Problem::not_found().into());
    }
    let done = form.status.as_str();
    Ok(Redirect::to(&format!("/admin/inbox?done={done}")).into_response())
}

/// `POST /admin/inbox/{id}/forward`: sends a message to the contact address
/// once more, e.g. after the mail server or the settings were mended.
pub async fn forward(State(state): State<AdminState>, _editor: Editor, Path(id): Path<i64>, _: Checked) -> AdminResult {
    let message = contact::get(&state.site.store, id).await?.ok_or_else(Problem::not_found)?;
    let Some(mailer) = state.outgoing.mailer.clone() else {
        return Err(
            Problem::new(StatusCode::CONFLICT, "This server has no mail server: start Pamphlet with --smtp to forward messages.").into()
        );
    };
    let sent = async {
        let settings = crate::render::page::settings(&state.site).await?;
        let email = crate::mail::EmailAddress::parse(&message.email).map_err(anyhow::Error::msg)?;
        let writing = contact::Writing { name: message.name.clone(), email, subject: message.subject.clone(), body: message.body.clone() };
        let (letter, sender) = crate::inbox::letters::forward(&settings, &state.site.base_url, &writing, id)?;
        mailer.send(letter.build(&sender)?).await?;
        anyhow::Ok(())
    };
    let error = sent.await.err().map(|e| format!("{e:#}")).unwrap_or_default();
    contact::forwarded(&state.site.store, id, &error).await?;
    Ok(Redirect::to(&format!("/admin/inbox/{id}")).into_response())
}

pub async fn delete(State(state): State<AdminState>, editor: Editor, Path(id): Path<i64>, _: Checked) -> AdminResult {
    if !contact::delete(&state.site.store, id, editor.user.id).await? {
        return Err(Problem::not_found().into());
    }
    Ok(Redirect::to("/admin/inbox?done=deleted").into_response())
}
