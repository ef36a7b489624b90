//! Signing in and out. A failed sign-in says the same whether or not the
//! address has an account, takes as long, and counts against both the
//! address and the network it came from, or against the browser alone when
//! it signed in to the account before (see [`super::throttle`]). With
//! two-factor sign-in on, a right password leads to a second form for the
//! code ([`super::two_factor`]), and only that starts the session.

use crate::admin::form::Checked;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::error::AdminResult;
use super::gate::{Editor, cookie, safe_next, set_cookie, set_session_cookie, user_agent};
use super::{AdminState, accounts, devices, password, sessions, throttle, two_factor};
use crate::client_ip::ClientIp;
use crate::mail::EmailAddress;
use crate::secrets;

/// The sign-in form's CSRF cookie: a random value the form must repeat, so
/// another site cannot sign a browser into an account of its choosing.
const FORM_COOKIE: &str = "pamphlet_signin";

#[derive(Deserialize)]
pub struct Shown {
    #[serde(default)]
    next: String,
    #[serde(default)]
    done: String,
}

pub async fn form(State(state): State<AdminState>, headers: HeaderMap, Query(shown): Query<Shown>) -> AdminResult {
    if let Some(token) = cookie(&headers, sessions::COOKIE)
        && sessions::find(&state.site.store, &token).await?.is_some()
    {
        return Ok(Redirect::to(safe_next(&shown.next)).into_response());
    }
    let notice = match shown.done.as_str() {
        "signed-out" => "You are signed out.",
        "everywhere" => "You are signed out on every device.",
        "expired" => "Your session had ended, so that was not saved. Sign in again; then go back and send it again.",
        "removed" => "Your account was removed.",
        _ => "",
    };
    Ok(page(&state, StatusCode::OK, "", &shown.next, notice, ""))
}

#[derive(Deserialize)]
pub struct SignIn {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

pub async fn sign_in(State(state): State<AdminState>, client: ClientIp, headers: HeaderMap, Form(form): Form<SignIn>) -> AdminResult {
    if !form_token_matches(&headers, &form.csrf) {
        let message = "The sign-in form had expired. Enter your password again.";
        return Ok(page(&state, StatusCode::FORBIDDEN, &form.email, &form.next, "", message));
    }
    let store = &state.site.store;
    let found = match EmailAddress::parse(&form.email) {
        Ok(email) => accounts::with_hash(store, &email).await?,
        Err(_) => None,
    };
    let (user, stored) = found.map_or((None, None), |(user, hash)| (Some(user), Some(hash)));
    let device = match &user {
        Some(user) => devices::known(store, &headers, user.id).await?,
        None => None,
    };
    // The throttle counts the address as typed, known or not.
    let (key, network) = (form.email.trim().to_lowercase(), client.network());
    let who = throttle::Who { account: &key, network: &network, device: device.as_deref() };
    let counted = match throttle::attempt(store, &who).await? {
        Ok(counted) => counted,
        Err(wait) => {
            let message = format!("Too many failed sign-ins. For your safety, try again in {}.", throttle::minutes(wait));
            let mut response = page(&state, StatusCode::TOO_MANY_REQUESTS, &form.email, &form.next, "", &message);
            response.headers_mut().insert(header::RETRY_AFTER, wait.whole_seconds().max(1).into());
            return Ok(response);
        }
    };
    if !password::verify(&form.password, stored.as_deref()).await {
        let message = "That email address and password do not match an account. Check both and try again.";
        return Ok(page(&state, StatusCode::UNAUTHORIZED, &form.email, &form.next, "", message));
    }
    let user = user.ok_or_else(|| anyhow::anyhow!("a password matched without an account"))?;
    throttle::forgive(store, &who, counted).await?;
    if user.two_factor {
        let token = two_factor::wait_for_code(store, user.id, &form.next).await?;
        let mut response = code_page(&state, StatusCode::OK, "");
        set_cookie(
            &mut response,
            STEP_COOKIE,
            Some(&token),
            "/admin/login",
            state.secure_cookies,
            two_factor::STEP_LIFETIME.whole_seconds(),
        );
        return Ok(response);
    }
    start_session(&state, user.id, &client, &headers, &form.next).await
}

/// The cookie of a sign-in whose password was right, while its code is awaited.
const STEP_COOKIE: &str = "pamphlet_code";

#[derive(Deserialize)]
pub struct Code {
    #[serde(default)]
    code: String,
    #[serde(default)]
    csrf: String,
}

/// `POST /admin/login/code`: the second step, a code from the app or a
/// recovery code, counted against the account like a password.
pub async fn second_step(State(state): State<AdminState>, client: ClientIp, headers: HeaderMap, Form(form): Form<Code>) -> AdminResult {
    let store = &state.site.store;
    let token = cookie(&headers, STEP_COOKIE).unwrap_or_default();
    let waiting = if form_token_matches(&headers, &form.csrf) { two_factor::waiting(store, &token).await? } else { None };
    let user = match &waiting {
        Some(waiting) => accounts::by_id(store, waiting.user_id).await?,
        None => None,
    };
    let (Some(waiting), Some(user)) = (waiting, user) else {
        let message = "The sign-in had expired: the code must follow the password within five minutes. Sign in again.";
        return Ok(page(&state, StatusCode::FORBIDDEN, "", "", "", message));
    };
    let (network, device) = (client.network(), devices::known(store, &headers, user.id).await?);
    // Codes are counted apart from passwords, so a right password does not make room for more guesses.
    let key = format!("{} (code)", user.email);
    let who = throttle::Who { account: &key, network: &network, device: device.as_deref() };
    let counted = match throttle::attempt(store, &who).await? {
        Ok(counted) => counted,
        Err(wait) => {
            let message = format!("Too many wrong codes. For your safety, try again in {}.", throttle::minutes(wait));
            let mut response = code_page(&state, StatusCode::TOO_MANY_REQUESTS, &message);
            response.headers_mut().insert(header::RETRY_AFTER, wait.whole_seconds().max(1).into());
            return Ok(response);
        }
    };
    if !two_factor::accept(store, user.id, &form.code).await? {
        let message =
            "That code is not right. Type the six digits the app shows now (check the phone's clock), or one of your recovery codes.";
        return Ok(code_page(&state, StatusCode::UNAUTHORIZED, message));
    }
    throttle::forgive(store, &who, counted).await?;
    two_factor::stop_waiting(store, &token).await?;
    let mut response = start_session(&state, user.id, &client, &headers, &waiting.next).await?;
    set_cookie(&mut response, STEP_COOKIE, None, "/admin/login", state.secure_cookies, 0);
    Ok(response)
}

fn code_page(state: &AdminState, status: StatusCode, error: &str) -> Response {
    with_form_token(state, status, "login_code.html", context! { error })
}

/// A new session for an account whose sign-in is complete, and on to `next`.
async fn start_session(state: &AdminState, user_id: i64, client: &ClientIp, headers: &HeaderMap, next: &str) -> AdminResult {
    let store = &state.site.store;
    let (token, _) = sessions::start(store, user_id, &client.address(), &user_agent(headers)).await?;
    tracing::info!(user.id = user_id, "signed in");
    sessions::sweep(store).await?;
    let mut response = Redirect::to(safe_next(next)).into_response();
    set_session_cookie(&mut response, state, Some(&token));
    devices::remember(store, headers, user_id, &mut response, state.secure_cookies).await?;
    set_cookie(&mut response, FORM_COOKIE, None, "/admin/login", state.secure_cookies, 0);
    Ok(response)
}

/// The sign-in page with a fresh form token in its cookie and field.
fn page(state: &AdminState, status: StatusCode, email: &str, next: &str, notice: &str, error: &str) -> Response {
    with_form_token(state, status, "login.html", context! { email, next, notice, error })
}

/// A page of the signed-out forms under `/admin/login` with a fresh form
/// token in its cookie and in `form_token`, which [`form_token_matches`] checks.
pub(super) fn with_form_token(state: &AdminState, status: StatusCode, template: &str, values: minijinja::Value) -> Response {
    let token = secrets::token();
    let mut response = state.views.page(status, template, None, context! { form_token => token.as_str(), ..values });
    set_cookie(&mut response, FORM_COOKIE, Some(&token), "/admin/login", state.secure_cookies, 3600);
    response
}

/// Whether a signed-out form repeats the token its cookie holds.
pub(super) fn form_token_matches(headers: &HeaderMap, typed: &str) -> bool {
    let expected = cookie(headers, FORM_COOKIE).unwrap_or_default();
    !expected.is_empty() && secrets::same(typed, &expected)
}

/// `POST /admin/logout`: ends this session.
pub async fn sign_out(State(state): State<AdminState>, editor: Editor, _: Checked) -> AdminResult {
    sessions::end(&state.site.store, editor.user.id, &editor.session.id).await?;
    Ok(signed_out(&state, "signed-out"))
}

/// Clears the session cookie and shows the sign-in page with a notice.
pub fn signed_out(state: &AdminState, done: &str) -> Response {
    let mut response = Redirect::to(&format!("/admin/login?done={done}")).into_response();
    set_session_cookie(&mut response, state, None);
    response
}
