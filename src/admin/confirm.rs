//! Owners' changes (roles, invitations, removals, settings) ask for the
//! password again once the one typed for the session is an hour old
//! ([`sessions::CONFIRMED_FOR`]), so a borrowed or stolen session cannot
//! hand the site over (ASVS 3.3.2). An owner's page asks first, at
//! `/admin/confirm`; a form sent after the hour comes back with its fields
//! kept beside a password field, and goes through once the password is right.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::{FromRequestParts, Query, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;
use time::Duration;

use super::error::AdminResult;
use super::form::Form;
use super::gate::{self, Editor, safe_next};
use super::{AdminState, FORM_LIMIT, accounts, devices, password, sessions, throttle};
use crate::client_ip::ClientIp;

/// The password field's name; the gate takes it out before the handler reads the form.
const FIELD: &str = "confirm_password";

/// What typing one's own password came to.
pub enum Typed {
    Right,
    Wrong,
    /// Too many wrong ones lately; try again after this long.
    TooMany(Duration),
}

impl Typed {
    /// For a wrong password or too many: the answer's status and the message at the field.
    pub fn refusal(&self) -> Option<(StatusCode, String)> {
        match self {
            Typed::Right => None,
            Typed::Wrong => Some((StatusCode::UNAUTHORIZED, "This is not your current password.".to_owned())),
            Typed::TooMany(wait) => {
                Some((StatusCode::TOO_MANY_REQUESTS, format!("Too many wrong passwords. Try again in {}.", throttle::minutes(*wait))))
            }
        }
    }
}

/// Checks the signed-in editor's own password, under the sign-in throttle,
/// so a borrowed session cannot be used to guess it.
pub async fn own_password(
    state: &AdminState,
    editor: &Editor,
    headers: &HeaderMap,
    client: &ClientIp,
    typed: &str,
) -> anyhow::Result<Typed> {
    let store = &state.site.store;
    let (network, device) = (client.network(), devices::known(store, headers, editor.user.id).await?);
    let who = throttle::Who { account: &editor.user.email, network: &network, device: device.as_deref() };
    let counted = match throttle::attempt(store, &who).await? {
        Ok(counted) => counted,
        Err(wait) => return Ok(Typed::TooMany(wait)),
    };
    let email = crate::mail::EmailAddress::parse(&editor.user.email).map_err(|e| anyhow::anyhow!(e))?;
    let stored = accounts::with_hash(store, &email).await?.map(|(_, hash)| hash);
    if password::verify(typed, stored.as_deref()).await {
        throttle::forgive(store, &who, counted).await?;
        Ok(Typed::Right)
    } else {
        Ok(Typed::Wrong)
    }
}

/// In the gate, for an owner's route whose session has not typed its
/// password lately: the request to go on with, or the answer that asks.
pub async fn demand(state: &AdminState, editor: &Editor, request: Request) -> Result<Request, Response> {
    let (mut parts, body) = request.into_parts();
    if matches!(parts.method, Method::GET | Method::HEAD) || !gate::is_urlencoded(&parts.headers) {
        return Err(gate::then_back("/admin/confirm", &parts.uri));
    }
    let bytes = axum::body::to_bytes(body, FORM_LIMIT).await.map_err(|_| gate::too_large().into_response())?;
    let mut fields: Vec<(String, String)> = form_urlencoded::parse(&bytes).into_owned().collect();
    let typed = fields.iter().position(|(name, _)| name == FIELD).map(|at| fields.remove(at).1);
    // The form's own token first: no password is checked for a form another page made.
    if parts.extensions.get::<gate::TokenChecked>().is_none() {
        let sent = fields.iter().find(|(name, _)| name == "csrf").map(|(_, value)| value.as_str());
        gate::check_token(editor, sent).map_err(IntoResponse::into_response)?;
    }
    let action = parts.uri.path_and_query().map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned());
    let mut errors = BTreeMap::new();
    let status = match typed {
        None => StatusCode::FORBIDDEN,
        Some(typed) => {
            let client = ClientIp::from_request_parts(&mut parts, state).await.unwrap_or_else(|never| match never {});
            let typed = own_password(state, editor, &parts.headers, &client, &typed).await.map_err(internal)?;
            let Some((status, message)) = typed.refusal() else {
                sessions::confirm(&state.site.store, &editor.session.id).await.map_err(internal)?;
                let body: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(&fields).finish();
                parts.headers.remove(header::CONTENT_LENGTH);
                return Ok(Request::from_parts(parts, Body::from(body)));
            };
            errors.insert(FIELD, message);
            status
        }
    };
    Err(page(state, editor, status, &action, "", &fields, &errors))
}

fn internal(error: anyhow::Error) -> Response {
    super::error::AdminError::Internal(error).into_response()
}

/// The page that asks: `kept` are the fields of a form sent meanwhile, sent
/// again with the password to `action`; with none, it goes to `next`.
fn page(
    state: &AdminState,
    editor: &Editor,
    status: StatusCode,
    action: &str,
    next: &str,
    kept: &[(String, String)],
    errors: &BTreeMap<&str, String>,
) -> Response {
    state.views.page(status, "confirm.html", Some(editor), context! { action, next, kept => minijinja::value::Serde(kept), errors })
}

#[derive(Deserialize)]
pub struct Next {
    #[serde(default)]
    next: String,
}

/// `GET /admin/confirm?next=…`
pub async fn form(State(state): State<AdminState>, editor: Editor, Query(next): Query<Next>) -> Response {
    page(&state, &editor, StatusCode::OK, "/admin/confirm", safe_next(&next.next), &[], &BTreeMap::new())
}

#[derive(Deserialize)]
pub struct Confirmation {
    #[serde(default)]
    confirm_password: String,
    #[serde(default)]
    next: String,
}

/// `POST /admin/confirm`: the password again, then on to the page that asked.
pub async fn submit(
    State(state): State<AdminState>,
    editor: Editor,
    client: ClientIp,
    headers: HeaderMap,
    Form(input): Form<Confirmation>,
) -> AdminResult {
    let next = safe_next(&input.next);
    let typed = own_password(&state, &editor, &headers, &client, &input.confirm_password).await?;
    let Some((status, message)) = typed.refusal() else {
        sessions::confirm(&state.site.store, &editor.session.id).await?;
        return Ok(Redirect::to(next).into_response());
    };
    Ok(page(&state, &editor, status, "/admin/confirm", next, &[], &BTreeMap::from([(FIELD, message)])))
}
