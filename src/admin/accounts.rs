//! Editors' accounts (the `users` table) and their roles.

use serde::Serialize;
use time::OffsetDateTime;

use super::password::{self, Password};
use crate::mail::EmailAddress;
use crate::store::{Store, Tx};
use crate::{on_pool, on_tx};

/// What an account may do; each role can do everything the one before can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Writes their own posts as drafts; cannot publish or see supporters' data.
    Author,
    /// All content, the newsletter and the inbox.
    Editor,
    /// Everything, including accounts and settings.
    Owner,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Owner, Role::Editor, Role::Author];

    pub fn parse(input: &str) -> Result<Self, String> {
        match input.trim().to_ascii_lowercase().as_str() {
            "owner" => Ok(Role::Owner),
            "editor" => Ok(Role::Editor),
            "author" => Ok(Role::Author),
            other => Err(format!("{other:?} is not a role: use owner, editor or author")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Editor => "editor",
            Role::Author => "author",
        }
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: String,
    pub created_at: OffsetDateTime,
    /// Signs in with a code from an authenticator app after the password ([`super::two_factor`]).
    pub two_factor: bool,
}

impl User {
    pub fn role(&self) -> Role {
        // Only `Role::as_str` values are ever written; an unknown one gets the least rights.
        Role::parse(&self.role).unwrap_or(Role::Author)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("An account with this email address already exists.")]
    Taken,
    #[error("The site needs at least one owner: make someone else owner first.")]
    LastOwner,
    #[error(transparent)]
    Store(#[from] anyhow::Error),
}

const COLUMNS: &str = "id, email, name, role, created_at, totp_secret IS NOT NULL AS two_factor";

pub async fn count(store: &Store) -> anyhow::Result<i64> {
    Ok(on_pool!(store, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(pool).await)?)
}

pub async fn all(store: &Store) -> anyhow::Result<Vec<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users ORDER BY email");
    Ok(on_pool!(store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(pool).await)?)
}

pub async fn by_id(store: &Store, id: i64) -> anyhow::Result<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    Ok(on_pool!(store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await)?)
}

pub async fn by_email(store: &Store, email: &EmailAddress) -> anyhow::Result<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE email = $1");
    Ok(on_pool!(store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(email.as_str()).fetch_optional(pool).await)?)
}

/// The account and its password hash, for signing in.
pub async fn with_hash(store: &Store, email: &EmailAddress) -> anyhow::Result<Option<(User, String)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        user: User,
        password_hash: String,
    }
    let sql = format!("SELECT {COLUMNS}, password_hash FROM users WHERE email = $1");
    let row: Option<Row> =
        on_pool!(store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(email.as_str()).fetch_optional(pool).await)?;
    Ok(row.map(|r| (r.user, r.password_hash)))
}

/// Creates an account inside `tx`.
pub async fn insert(tx: &mut Tx, email: &EmailAddress, name: &str, role: Role, password: &Password) -> Result<User, AccountError> {
    let hash = password::hash(password).await?;
    let sql = format!("INSERT INTO users (email, name, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING {COLUMNS}");
    let inserted: Result<User, sqlx::Error> = on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(email.as_str())
        .bind(name.trim())
        .bind(role.as_str())
        .bind(&hash)
        .bind(crate::store::now())
        .fetch_one(conn)
        .await);
    match inserted {
        Ok(user) => Ok(user),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(AccountError::Taken),
        Err(e) => Err(AccountError::Store(e.into())),
    }
}

pub async fn create(store: &Store, email: &EmailAddress, name: &str, role: Role, password: &Password) -> Result<User, AccountError> {
    let mut tx = store.begin().await?;
    let user = insert(&mut tx, email, name, role, password).await?;
    tx.commit().await?;
    Ok(user)
}

/// Sets a new password and ends every session of the account, so a
/// stolen session dies with the old password.
pub async fn set_password(store: &Store, id: i64, password: &Password) -> anyhow::Result<()> {
    let hash = password::hash(password).await?;
    let user = by_id(store, id).await?.ok_or_else(|| anyhow::anyhow!("no account {id}"))?;
    let mut tx = store.begin().await?;
    store_hash(&mut tx, &user.email, &hash).await?;
    tx.commit().await
}

/// Stores a password hash for the account with `email` inside `tx` and ends
/// its sessions; `None` when there is no such account.
pub async fn store_hash(tx: &mut Tx, email: &str, hash: &str) -> anyhow::Result<Option<User>> {
    let sql = format!("UPDATE users SET password_hash = $1 WHERE email = $2 RETURNING {COLUMNS}");
    let user: Option<User> =
        on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(hash).bind(email).fetch_optional(conn).await)?;
    if let Some(user) = &user {
        on_tx!(tx, |conn| sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user.id).execute(conn).await.map(drop))?;
    }
    Ok(user)
}

pub async fn set_role(store: &Store, id: i64, role: Role) -> Result<(), AccountError> {
    let mut tx = store.begin().await?;
    tx.lock_site().await?;
    if role != Role::Owner {
        keep_an_owner(&mut tx, id).await?;
    }
    on_tx!(&mut tx, |conn| sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
        .bind(role.as_str())
        .bind(id)
        .execute(conn)
        .await
        .map(drop))
    .map_err(anyhow::Error::from)?;
    Ok(tx.commit().await?)
}

/// Removes an account and its sessions.
pub async fn remove(store: &Store, id: i64) -> Result<(), AccountError> {
    let mut tx = store.begin().await?;
    tx.lock_site().await?;
    keep_an_owner(&mut tx, id).await?;
    on_tx!(&mut tx, |conn| sqlx::query("DELETE FROM users WHERE id = $1").bind(id).execute(conn).await.map(drop))
        .map_err(anyhow::Error::from)?;
    Ok(tx.commit().await?)
}

/// Refuses a change that would leave the site without an owner (callers
/// hold the setup lock, so two owners cannot demote each other at once).
async fn keep_an_owner(tx: &mut Tx, changed: i64) -> Result<(), AccountError> {
    let others: i64 = on_tx!(tx, |conn| sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'owner' AND id <> $1")
        .bind(changed)
        .fetch_one(conn)
        .await)
    .map_err(anyhow::Error::from)?;
    if others == 0 { Err(AccountError::LastOwner) } else { Ok(()) }
}
