//! One-time account links: the first-run setup link that creates the owner
//! (printed by `pamphlet serve` while no account exists, valid one hour),
//! invitations an owner hands to a new editor (valid a week) and password
//! resets (valid an hour). Each works once; the store keeps only the
//! token's digest.

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use super::accounts::{self, AccountError, Role, User};
use super::password::Password;
use crate::mail::EmailAddress;
use crate::store::Store;
use crate::{on_pool, on_tx, on_write, secrets};

pub const SETUP_LIFETIME: Duration = Duration::hours(1);
pub const INVITE_LIFETIME: Duration = Duration::days(7);
pub const RESET_LIFETIME: Duration = Duration::hours(1);

/// The path a link's token opens.
pub fn path(token: &str) -> String {
    format!("/admin/welcome/{token}")
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Link {
    pub id: String,
    /// "setup" (creates the first owner), "invite" or "reset" (a new password).
    pub purpose: String,
    /// The invited address, or the account's to reset; none for setup, where the owner types it.
    pub email: Option<String>,
    pub role: String,
    pub expires_at: OffsetDateTime,
}

impl Link {
    pub fn is_setup(&self) -> bool {
        self.purpose == "setup"
    }

    pub fn is_reset(&self) -> bool {
        self.purpose == "reset"
    }
}

/// A setup link for the first owner; returns its token.
pub async fn issue_setup(store: &Store) -> anyhow::Result<String> {
    issue(store, "setup", None, Role::Owner, None, SETUP_LIFETIME).await
}

/// An invitation for `email` with `role`, made by the owner `by`; returns its token.
pub async fn issue_invite(store: &Store, email: &EmailAddress, role: Role, by: i64) -> anyhow::Result<String> {
    issue(store, "invite", Some(email.as_str()), role, Some(by), INVITE_LIFETIME).await
}

/// A password reset for `user`, asked for by its owner (`by` none) or made by
/// an owner of the site; returns its token. Earlier unused resets stop working.
pub async fn issue_reset(store: &Store, user: &User, by: Option<i64>) -> anyhow::Result<String> {
    on_write!(store, |pool| sqlx::query("DELETE FROM account_links WHERE purpose = 'reset' AND email = $1")
        .bind(&user.email)
        .execute(pool)
        .await
        .map(drop))?;
    issue(store, "reset", Some(&user.email), user.role(), by, RESET_LIFETIME).await
}

async fn issue(
    store: &Store,
    purpose: &str,
    email: Option<&str>,
    role: Role,
    by: Option<i64>,
    lifetime: Duration,
) -> anyhow::Result<String> {
    let token = secrets::token();
    let now = crate::store::now();
    on_write!(store, |pool| sqlx::query(
        "INSERT INTO account_links (id, purpose, email, role, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    )
    .bind(secrets::digest(&token))
    .bind(purpose)
    .bind(email)
    .bind(role.as_str())
    .bind(by)
    .bind(now)
    .bind(now + lifetime)
    .execute(pool)
    .await
    .map(drop))?;
    Ok(token)
}

/// The unused, unexpired link a token opens. A setup link opens nothing
/// once any account exists.
pub async fn open(store: &Store, token: &str) -> anyhow::Result<Option<Link>> {
    let link: Option<Link> = on_pool!(store, |pool| sqlx::query_as(
        "SELECT id, purpose, email, role, expires_at FROM account_links WHERE id = $1 AND used_at IS NULL AND expires_at > $2"
    )
    .bind(secrets::digest(token))
    .bind(crate::store::now())
    .fetch_optional(pool)
    .await)?;
    match link {
        Some(link) if link.is_setup() && accounts::count(store).await? > 0 => Ok(None),
        other => Ok(other),
    }
}

/// Uses a reset link once: the account gets `password`, every session of it
/// ends and its failed sign-ins are forgiven. Claiming the link and storing
/// the new hash are one transaction, so a link cannot be used twice.
pub async fn reset(store: &Store, token: &str, password: &Password) -> Result<User, RedeemError> {
    let hash = super::password::hash(password).await?;
    let mut tx = store.begin().await?;
    let email: Option<String> = on_tx!(&mut tx, |conn| {
        sqlx::query_scalar(
        "UPDATE account_links SET used_at = $1 WHERE id = $2 AND purpose = 'reset' AND used_at IS NULL AND expires_at > $1 RETURNING email"
    )
    .bind(crate::store::now())
    .bind(secrets::digest(token))
    .fetch_optional(conn)
    .await
    })?;
    let email = email.ok_or(RedeemError::Gone)?;
    let user = accounts::store_hash(&mut tx, &email, &hash).await?.ok_or(RedeemError::Gone)?;
    tx.commit().await?;
    super::throttle::forgive_account(store, &user.email).await?;
    Ok(user)
}

/// Pending invitations, newest first, for the owner's list.
pub async fn pending_invites(store: &Store) -> anyhow::Result<Vec<Link>> {
    Ok(on_pool!(store, |pool| {
        sqlx::query_as(
        "SELECT id, purpose, email, role, expires_at FROM account_links WHERE purpose = 'invite' AND used_at IS NULL AND expires_at > $1 ORDER BY created_at DESC"
    )
    .bind(crate::store::now())
    .fetch_all(pool)
    .await
    })?)
}

/// Withdraws a pending invitation by its id.
pub async fn withdraw(store: &Store, id: &str) -> anyhow::Result<()> {
    on_write!(store, |pool| sqlx::query("DELETE FROM account_links WHERE id = $1 AND purpose = 'invite'")
        .bind(id)
        .execute(pool)
        .await
        .map(drop))?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum RedeemError {
    #[error("This link has expired or was already used.")]
    Gone,
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error(transparent)]
    Store(#[from] anyhow::Error),
}

impl From<sqlx::Error> for RedeemError {
    fn from(e: sqlx::Error) -> Self {
        RedeemError::Store(e.into())
    }
}

/// Uses the link once: creates its account in the same transaction that
/// marks the link used, so two clicks cannot make two accounts.
pub async fn redeem(store: &Store, token: &str, email: &EmailAddress, name: &str, password: &Password) -> Result<User, RedeemError> {
    let mut tx = store.begin().await?;
    tx.lock_site().await?;
    let link: Option<Link> = on_tx!(&mut tx, |conn| sqlx::query_as(
        "SELECT id, purpose, email, role, expires_at FROM account_links WHERE id = $1 AND used_at IS NULL AND expires_at > $2"
    )
    .bind(secrets::digest(token))
    .bind(crate::store::now())
    .fetch_optional(conn)
    .await)?;
    let link = link.ok_or(RedeemError::Gone)?;
    if link.is_setup() {
        let users: i64 = on_tx!(&mut tx, |conn| sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(conn).await)?;
        if users > 0 {
            return Err(RedeemError::Gone);
        }
    }
    // An invitation is for the address it was sent to.
    let email = match &link.email {
        Some(invited) => EmailAddress::parse(invited).map_err(|e| anyhow::anyhow!(e))?,
        None => email.clone(),
    };
    let role = Role::parse(&link.role).map_err(|e| anyhow::anyhow!(e))?;
    let user = accounts::insert(&mut tx, &email, name, role, password).await?;
    on_tx!(&mut tx, |conn| sqlx::query("UPDATE account_links SET used_at = $1 WHERE id = $2")
        .bind(crate::store::now())
        .bind(&link.id)
        .execute(conn)
        .await
        .map(drop))?;
    tx.commit().await?;
    Ok(user)
}
