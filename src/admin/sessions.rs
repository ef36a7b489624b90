//! Sign-in sessions, kept in the store so any node can serve a signed-in
//! editor. The browser holds a random token in an HttpOnly cookie; the
//! store holds only its digest, the account, and a CSRF token for forms.
//! A session ends after two idle days, and 30 days after sign-in however
//! much it is used (ASVS 3.3), so a stolen cookie does not last for ever.

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use super::accounts::User;
use crate::store::Store;
use crate::{on_pool, on_write, secrets};

pub const COOKIE: &str = "pamphlet_session";
/// A session ends after this long without use …
pub const IDLE_LIFETIME: Duration = Duration::days(2);
/// … and this long after its sign-in, even in use; also the cookie's age.
pub const ABSOLUTE_LIFETIME: Duration = Duration::days(30);
/// An owner's changes need the password typed at most this long ago.
pub const CONFIRMED_FOR: Duration = Duration::hours(1);
/// Last-seen times are written at most this often, not on every request.
const TOUCH_EVERY: Duration = Duration::minutes(5);

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Session {
    /// The digest of the cookie's token.
    pub id: String,
    pub user_id: i64,
    pub csrf: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub ip: String,
    pub user_agent: String,
    /// When the password was last typed for this session.
    pub confirmed_at: Option<OffsetDateTime>,
}

impl Session {
    /// The password was typed recently enough for an owner's change.
    pub fn recently_confirmed(&self, now: OffsetDateTime) -> bool {
        self.confirmed_at.is_some_and(|at| now - at < CONFIRMED_FOR)
    }

    /// When the session ends if it is not used again.
    fn ends(&self, now: OffsetDateTime) -> OffsetDateTime {
        (now + IDLE_LIFETIME).min(self.created_at + ABSOLUTE_LIFETIME)
    }
}

const COLUMNS: &str = "s.id, s.user_id, s.csrf, s.created_at, s.last_seen_at, s.expires_at, s.ip, s.user_agent, s.confirmed_at";

/// Starts a session for a password just typed; returns the cookie's token
/// (shown once) and the session.
pub async fn start(store: &Store, user_id: i64, ip: &str, user_agent: &str) -> anyhow::Result<(String, Session)> {
    let token = secrets::token();
    let now = crate::store::now();
    let session = Session {
        id: secrets::digest(&token),
        user_id,
        csrf: secrets::token(),
        created_at: now,
        last_seen_at: now,
        expires_at: now + IDLE_LIFETIME,
        ip: ip.chars().take(64).collect(),
        user_agent: user_agent.chars().take(200).collect(),
        confirmed_at: Some(now),
    };
    on_write!(store, |pool| {
        sqlx::query(
        "INSERT INTO sessions (id, user_id, csrf, created_at, last_seen_at, expires_at, ip, user_agent, confirmed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    )
    .bind(&session.id)
    .bind(session.user_id)
    .bind(&session.csrf)
    .bind(session.created_at)
    .bind(session.last_seen_at)
    .bind(session.expires_at)
    .bind(&session.ip)
    .bind(&session.user_agent)
    .bind(session.confirmed_at)
    .execute(pool)
    .await
        .map(drop)
    })?;
    Ok((token, session))
}

/// The live session a cookie's token opens, with its account; keeps it alive.
pub async fn find(store: &Store, token: &str) -> anyhow::Result<Option<(Session, User)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        session: Session,
        email: String,
        name: String,
        role: String,
        user_created_at: OffsetDateTime,
        two_factor: bool,
    }
    let sql = format!(
        "SELECT {COLUMNS}, u.email, u.name, u.role, u.created_at AS user_created_at, u.totp_secret IS NOT NULL AS two_factor FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1"
    );
    let row: Option<Row> =
        on_pool!(store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(secrets::digest(token)).fetch_optional(pool).await)?;
    let now = crate::store::now();
    // Rows from before the absolute lifetime may hold a later expiry; the sign-in time decides.
    let Some(row) = row.filter(|r| r.session.expires_at > now && r.session.created_at + ABSOLUTE_LIFETIME > now) else { return Ok(None) };
    let mut session = row.session;
    if now - session.last_seen_at >= TOUCH_EVERY {
        session.last_seen_at = now;
        session.expires_at = session.ends(now);
        on_write!(store, |pool| sqlx::query("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id = $3")
            .bind(session.last_seen_at)
            .bind(session.expires_at)
            .bind(&session.id)
            .execute(pool)
            .await
            .map(drop))?;
    }
    let user = User {
        id: session.user_id,
        email: row.email,
        name: row.name,
        role: row.role,
        created_at: row.user_created_at,
        two_factor: row.two_factor,
    };
    Ok(Some((session, user)))
}

/// The account's live sessions, most recently used first.
pub async fn of_user(store: &Store, user_id: i64) -> anyhow::Result<Vec<Session>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM sessions s WHERE s.user_id = $1 AND s.expires_at > $2 AND s.created_at > $3 ORDER BY s.last_seen_at DESC"
    );
    let now = crate::store::now();
    Ok(on_pool!(store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(user_id)
        .bind(now)
        .bind(now - ABSOLUTE_LIFETIME)
        .fetch_all(pool)
        .await)?)
}

/// Notes that the session's password was just typed again.
pub async fn confirm(store: &Store, id: &str) -> anyhow::Result<()> {
    on_write!(store, |pool| sqlx::query("UPDATE sessions SET confirmed_at = $1 WHERE id = $2")
        .bind(crate::store::now())
        .bind(id)
        .execute(pool)
        .await
        .map(drop))?;
    Ok(())
}

/// Ends one session of the account (the id is the session's digest).
pub async fn end(store: &Store, user_id: i64, id: &str) -> anyhow::Result<()> {
    on_write!(store, |pool| sqlx::query("DELETE FROM sessions WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .execute(pool)
        .await
        .map(drop))?;
    Ok(())
}

/// Ends every session of the account ("sign out everywhere").
pub async fn end_all(store: &Store, user_id: i64) -> anyhow::Result<()> {
    on_write!(store, |pool| sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(pool).await.map(drop))?;
    Ok(())
}

/// Removes expired sessions; run now and then.
pub async fn sweep(store: &Store) -> anyhow::Result<()> {
    let now = crate::store::now();
    on_write!(store, |pool| sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR created_at <= $2")
        .bind(now)
        .bind(now - ABSOLUTE_LIFETIME)
        .execute(pool)
        .await
        .map(drop))?;
    Ok(())
}
