//! Two-factor sign-in: after the password, a code from an authenticator
//! app ([`super::totp`]) or one of ten single-use recovery codes. Anyone
//! signed in turns it on and off at `/admin/account/two-factor`; owners can
//! require it of everyone in the settings, and then the gate sends those
//! without it here before anything else.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use minijinja::context;
use serde::Deserialize;
use time::Duration;

use super::confirm;
use super::error::AdminResult;
use super::form::Form;
use super::gate::Editor;
use super::totp::Secret;
use super::{AdminState, password};
use crate::client_ip::ClientIp;
use crate::store::{Store, now};
use crate::{on_pool, on_tx, on_write, secrets};

/// Where the setup lives; the gate lets those who must set it up through to it.
pub const PAGE: &str = "/admin/account/two-factor";
/// How long a right password waits for its code.
pub const STEP_LIFETIME: Duration = Duration::minutes(5);
const RECOVERY_CODES: usize = 10;

/// Paths open to someone who must still set it up: its own pages, and signing out.
pub fn may_set_it_up_from(path: &str) -> bool {
    path == PAGE || path.starts_with(&format!("{PAGE}/")) || path == "/admin/logout"
}

/// The gate's answer to anyone else without it while the site requires it.
pub fn required(request: &axum::extract::Request) -> axum::response::Response {
    if matches!(*request.method(), axum::http::Method::GET | axum::http::Method::HEAD) {
        Redirect::to(&format!("{PAGE}?required=yes")).into_response()
    } else {
        let message = "The site's owners require two-factor sign-in. Turn it on first, under Your account → Two-factor sign-in; what you sent was not saved.";
        super::error::Problem::new(StatusCode::FORBIDDEN, message).into_response()
    }
}

// The store's side.

async fn secret(store: &Store, user_id: i64) -> anyhow::Result<Option<(Secret, i64)>> {
    let row: Option<(Option<String>, i64)> =
        on_pool!(store, |pool| sqlx::query_as("SELECT totp_secret, totp_last_step FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(pool)
            .await)?;
    Ok(row.and_then(|(hex, last)| Some((Secret::from_hex(&hex?)?, last))))
}

/// Turns two-factor sign-in on with `secret`, whose code for `step` was
/// just typed; returns the new recovery codes, to be shown once.
async fn turn_on(store: &Store, user_id: i64, secret: &Secret, step: i64) -> anyhow::Result<Vec<String>> {
    let mut tx = store.begin().await?;
    on_tx!(tx, |conn| sqlx::query("UPDATE users SET totp_secret = $1, totp_last_step = $2 WHERE id = $3")
        .bind(secret.hex())
        .bind(step)
        .bind(user_id)
        .execute(conn)
        .await
        .map(drop))?;
    let codes = replace_recovery_codes(&mut tx, user_id).await?;
    tx.commit().await?;
    Ok(codes)
}

/// Ten new recovery codes in place of the old ones.
async fn replace_recovery_codes(tx: &mut crate::store::Tx, user_id: i64) -> anyhow::Result<Vec<String>> {
    on_tx!(tx, |conn| sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id).execute(conn).await.map(drop))?;
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| recovery_code()).collect();
    for code in &codes {
        on_tx!(tx, |conn| sqlx::query("INSERT INTO recovery_codes (user_id, digest) VALUES ($1, $2)")
            .bind(user_id)
            .bind(secrets::digest(&normalised(code)))
            .execute(conn)
            .await
            .map(drop))?;
    }
    Ok(codes)
}

/// `xxxxx-xxxxx` from letters and digits that cannot be mistaken for one another (49 bits).
fn recovery_code() -> String {
    const LETTERS: &[u8; 31] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 10];
    getrandom::fill(&mut bytes).expect("the operating system provides random bytes");
    let letters: String = bytes.iter().map(|b| char::from(LETTERS[usize::from(b % 31)])).collect();
    format!("{}-{}", &letters[..5], &letters[5..])
}

fn normalised(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_lowercase()
}

/// Turns it off: the secret and the recovery codes go.
pub async fn turn_off(store: &Store, user_id: i64) -> anyhow::Result<()> {
    let mut tx = store.begin().await?;
    on_tx!(tx, |conn| sqlx::query("UPDATE users SET totp_secret = NULL, totp_last_step = 0 WHERE id = $1")
        .bind(user_id)
        .execute(conn)
        .await
        .map(drop))?;
    on_tx!(tx, |conn| sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id).execute(conn).await.map(drop))?;
    tx.commit().await?;
    Ok(())
}

async fn recovery_codes_left(store: &Store, user_id: i64) -> anyhow::Result<i64> {
    Ok(on_pool!(store, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .fetch_one(pool)
        .await)?)
}

/// Whether `typed` is the account's current code (each works once: the
/// step is taken in the same statement that checks it is new) or one of
/// its unused recovery codes (used up by this).
pub async fn accept(store: &Store, user_id: i64, typed: &str) -> anyhow::Result<bool> {
    let Some((secret, last_step)) = secret(store, user_id).await? else { return Ok(false) };
    if let Some(step) = secret.check(typed, now(), last_step) {
        let taken = on_write!(store, |pool| sqlx::query("UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1")
            .bind(step)
            .bind(user_id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected() == 1))?;
        return Ok(taken);
    }
    let code = normalised(typed);
    if code.len() != 10 {
        return Ok(false);
    }
    Ok(on_write!(store, |pool| sqlx::query(
        "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND digest = $3 AND used_at IS NULL"
    )
    .bind(now())
    .bind(user_id)
    .bind(secrets::digest(&code))
    .execute(pool)
    .await
    .map(|r| r.rows_affected() == 1))?)
}

/// A sign-in whose password was right and whose code is awaited.
pub struct Waiting {
    pub user_id: i64,
    pub next: String,
}

/// Starts waiting for the code; returns the token for the browser's cookie.
pub async fn wait_for_code(store: &Store, user_id: i64, next: &str) -> anyhow::Result<String> {
    let token = secrets::token();
    let at = now();
    on_write!(store, |pool| sqlx::query("DELETE FROM sign_in_steps WHERE expires_at < $1").bind(at).execute(pool).await.map(drop))?;
    on_write!(store, |pool| sqlx::query("INSERT INTO sign_in_steps (digest, user_id, next, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(secrets::digest(&token))
        .bind(user_id)
        .bind(next)
        .bind(at + STEP_LIFETIME)
        .execute(pool)
        .await
        .map(drop))?;
    Ok(token)
}

pub async fn waiting(store: &Store, token: &str) -> anyhow::Result<Option<Waiting>> {
    let row: Option<(i64, String)> =
        on_pool!(store, |pool| sqlx::query_as("SELECT user_id, next FROM sign_in_steps WHERE digest = $1 AND expires_at > $2")
            .bind(secrets::digest(token))
            .bind(now())
            .fetch_optional(pool)
            .await)?;
    Ok(row.map(|(user_id, next)| Waiting { user_id, next }))
}

pub async fn stop_waiting(store: &Store, token: &str) -> anyhow::Result<()> {
    on_write!(store, |pool| sqlx::query("DELETE FROM sign_in_steps WHERE digest = $1")
        .bind(secrets::digest(token))
        .execute(pool)
        .await
        .map(drop))?;
    Ok(())
}

// The account page's side.

pub async fn show(State(state): State<AdminState>, editor: Editor) -> AdminResult {
    setup_page(&state, &editor, StatusCode::OK, &Secret::generate(), "").await
}

/// The page as it is: the setup (with `secret` in its QR code) while it is
/// off, what is left to do with it while it is on.
async fn setup_page(state: &AdminState, editor: &Editor, status: StatusCode, secret: &Secret, error: &str) -> AdminResult {
    let store = &state.site.store;
    let on = editor.user.two_factor;
    let values = if on {
        context! { on, left => recovery_codes_left(store, editor.user.id).await?, error, required => editor.bar.two_factor_required }
    } else {
        let uri = secret.uri(&password::site_name(store).await?, &editor.user.email);
        context! {
            on, error, required => editor.bar.two_factor_required, qr => minijinja::Value::from_safe_string(super::totp::qr_svg(&uri)),
            key => secret.for_typing(), secret => secret.hex(),
        }
    };
    Ok(state.views.page(status, "two_factor.html", Some(editor), values))
}

#[derive(Deserialize)]
pub struct TurningOn {
    #[serde(default)]
    secret: String,
    #[serde(default)]
    code: String,
}

/// `POST /admin/account/two-factor`: the first code from the app proves it
/// holds the secret; then the recovery codes are shown, once.
pub async fn start(State(state): State<AdminState>, editor: Editor, Form(form): Form<TurningOn>) -> AdminResult {
    let Some(secret) = Secret::from_hex(&form.secret) else {
        return setup_page(
            &state,
            &editor,
            StatusCode::UNPROCESSABLE_ENTITY,
            &Secret::generate(),
            "The setup had expired; scan this new code.",
        )
        .await;
    };
    let Some(step) = secret.check(&form.code, now(), 0) else {
        let error =
            "That is not the code the app shows now. Type the six digits it shows for this site (check that the phone's clock is right).";
        return setup_page(&state, &editor, StatusCode::UNPROCESSABLE_ENTITY, &secret, error).await;
    };
    let codes = turn_on(&state.site.store, editor.user.id, &secret, step).await?;
    tracing::info!(user.id = editor.user.id, "turned two-factor sign-in on");
    Ok(codes_page(&state, &editor, codes, "Two-factor sign-in is on. From now on you sign in with your password and a code from the app."))
}

fn codes_page(state: &AdminState, editor: &Editor, codes: Vec<String>, notice: &str) -> axum::response::Response {
    state.views.page(StatusCode::OK, "two_factor_codes.html", Some(editor), context! { codes, notice })
}

#[derive(Deserialize)]
pub struct WithPassword {
    #[serde(default)]
    current: String,
}

/// `POST /admin/account/two-factor/codes`: ten new recovery codes; the old ones stop working.
pub async fn new_codes(
    State(state): State<AdminState>,
    editor: Editor,
    client: ClientIp,
    headers: HeaderMap,
    Form(form): Form<WithPassword>,
) -> AdminResult {
    if let Some((status, message)) = confirm::own_password(&state, &editor, &headers, &client, &form.current).await?.refusal() {
        return setup_page(&state, &editor, status, &Secret::generate(), &message).await;
    }
    let mut tx = state.site.store.begin().await?;
    let codes = replace_recovery_codes(&mut tx, editor.user.id).await?;
    tx.commit().await?;
    Ok(codes_page(&state, &editor, codes, "Here are your new recovery codes. The old ones no longer work."))
}

/// `POST /admin/account/two-factor/off`: with the password, unless the site requires it.
pub async fn stop(
    State(state): State<AdminState>,
    editor: Editor,
    client: ClientIp,
    headers: HeaderMap,
    Form(form): Form<WithPassword>,
) -> AdminResult {
    if editor.bar.two_factor_required {
        let message =
            "The site's owners require two-factor sign-in, so it stays on. If you lost your phone, use a recovery code, or ask an owner.";
        return setup_page(&state, &editor, StatusCode::CONFLICT, &Secret::generate(), message).await;
    }
    if let Some((status, message)) = confirm::own_password(&state, &editor, &headers, &client, &form.current).await?.refusal() {
        return setup_page(&state, &editor, status, &Secret::generate(), &message).await;
    }
    turn_off(&state.site.store, editor.user.id).await?;
    tracing::info!(user.id = editor.user.id, "turned two-factor sign-in off");
    Ok(Redirect::to("/admin/account?done=two-factor-off").into_response())
}
