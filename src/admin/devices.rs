//! Known devices (OWASP's device cookies): a browser that signed in to an
//! account gets a cookie naming it, and its later sign-ins to that account
//! are throttled on their own (see [`super::throttle`]). The token is new at
//! every sign-in, so a cookie set from elsewhere never becomes one.

use axum::http::HeaderMap;
use axum::response::Response;
use time::Duration;

use super::gate::{cookie, set_cookie};
use crate::store::{Store, now};
use crate::{on_pool, on_write, secrets};

pub const COOKIE: &str = "pamphlet_device";
/// A browser unused for sign-in this long is a stranger again.
pub const LIFETIME: Duration = Duration::days(365);

/// This browser's key for the throttle, when it signed in to `user_id` before.
pub async fn known(store: &Store, headers: &HeaderMap, user_id: i64) -> anyhow::Result<Option<String>> {
    let Some(token) = cookie(headers, COOKIE) else { return Ok(None) };
    let digest = secrets::digest(&token);
    let found: Option<i64> =
        on_pool!(store, |pool| sqlx::query_scalar("SELECT user_id FROM known_devices WHERE id = $1 AND user_id = $2 AND created_at > $3")
            .bind(&digest)
            .bind(user_id)
            .bind(now() - LIFETIME)
            .fetch_optional(pool)
            .await)?;
    Ok(found.map(|_| digest))
}

/// After a right password: this browser is known to `user_id`, under a new token.
pub async fn remember(store: &Store, headers: &HeaderMap, user_id: i64, response: &mut Response, secure: bool) -> anyhow::Result<()> {
    let at = now();
    if let Some(old) = cookie(headers, COOKIE) {
        on_write!(store, |pool| sqlx::query("DELETE FROM known_devices WHERE id = $1 AND user_id = $2")
            .bind(secrets::digest(&old))
            .bind(user_id)
            .execute(pool)
            .await
            .map(drop))?;
    }
    let token = secrets::token();
    on_write!(store, |pool| sqlx::query("INSERT INTO known_devices (id, user_id, created_at) VALUES ($1, $2, $3)")
        .bind(secrets::digest(&token))
        .bind(user_id)
        .bind(at)
        .execute(pool)
        .await
        .map(drop))?;
    on_write!(store, |pool| sqlx::query("DELETE FROM known_devices WHERE created_at <= $1")
        .bind(at - LIFETIME)
        .execute(pool)
        .await
        .map(drop))?;
    set_cookie(response, COOKIE, Some(&token), "/admin", secure, LIFETIME.whole_seconds());
    Ok(())
}
