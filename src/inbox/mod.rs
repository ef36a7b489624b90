//! The contact inbox: messages written on the site, kept for the team
//! (read, archived, erased) and forwarded to the contact address.

pub(crate) mod letters;
pub mod public;

use serde::Serialize;
use time::OffsetDateTime;

use crate::store::{Store, now};
use crate::{on_pool, on_write};

pub const UNREAD: &str = "unread";
pub const READ: &str = "read";
pub const ARCHIVED: &str = "archived";
pub const STATUSES: [&str; 3] = [UNREAD, READ, ARCHIVED];

/// What a person wrote, checked.
#[derive(Debug, Clone)]
pub struct Writing {
    pub name: String,
    pub email: crate::mail::EmailAddress,
    pub subject: String,
    pub body: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Message {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub subject: String,
    pub body: String,
    pub status: String,
    pub created_at: OffsetDateTime,
    pub forwarded_at: Option<OffsetDateTime>,
    pub forward_error: String,
}

const COLUMNS: &str = "id, name, email, subject, body, status, created_at, forwarded_at, forward_error";

pub async fn save(store: &Store, writing: &Writing, ip: &str) -> anyhow::Result<i64> {
    Ok(on_write!(store, |pool| sqlx::query_scalar(
        "INSERT INTO contact_messages (name, email, subject, body, status, created_at, ip)
         VALUES ($1, $2, $3, $4, 'unread', $5, $6) RETURNING id"
    )
    .bind(&writing.name)
    .bind(writing.email.as_str())
    .bind(&writing.subject)
    .bind(&writing.body)
    .bind(now())
    .bind(ip)
    .fetch_one(pool)
    .await)?)
}

/// Notes how forwarding went: `error` is empty when the mail server took it.
pub async fn forwarded(store: &Store, id: i64, error: &str) -> anyhow::Result<()> {
    let at = error.is_empty().then(now);
    on_write!(store, |pool| sqlx::query("UPDATE contact_messages SET forwarded_at = $1, forward_error = $2 WHERE id = $3")
        .bind(at)
        .bind(error)
        .bind(id)
        .execute(pool)
        .await
        .map(drop))?;
    Ok(())
}

/// Messages with `status` (unread and read when `None`), newest first.
pub async fn list(store: &Store, status: Option<&str>, limit: i64, offset: i64) -> anyhow::Result<Vec<Message>> {
    let query = format!(
        "SELECT {COLUMNS} FROM contact_messages WHERE ($1 = '' AND status <> 'archived') OR status = $1
         ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
    );
    Ok(on_pool!(store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(query.as_str()))
        .bind(status.unwrap_or(""))
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await)?)
}

/// How many messages nobody has opened yet: the admin's inbox badge.
pub async fn unread(store: &Store) -> anyhow::Result<i64> {
    Ok(on_pool!(store, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM contact_messages WHERE status = 'unread'").fetch_one(pool).await)?)
}

pub async fn counts(store: &Store) -> anyhow::Result<Vec<(String, i64)>> {
    let rows: Vec<(String, i64)> =
        on_pool!(store, |pool| sqlx::query_as("SELECT status, COUNT(*) FROM contact_messages GROUP BY status").fetch_all(pool).await)?;
    Ok(crate::store::by_status(&STATUSES, rows))
}

pub async fn get(store: &Store, id: i64) -> anyhow::Result<Option<Message>> {
    let query = format!("SELECT {COLUMNS} FROM contact_messages WHERE id = $1");
    Ok(on_pool!(store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(query.as_str())).bind(id).fetch_optional(pool).await)?)
}

/// Deletes one message; a line without its content says it happened.
pub async fn delete(store: &Store, id: i64, by: i64) -> anyhow::Result<bool> {
    let mut tx = store.begin().await?;
    let deleted = crate::on_tx!(tx, |conn| sqlx::query("DELETE FROM contact_messages WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await
        .map(|r| r.rows_affected()))?;
    if deleted == 0 {
        return Ok(false);
    }
    crate::on_tx!(tx, |conn| sqlx::query("INSERT INTO erasures (what, erased_by, at) VALUES ($1, $2, $3)")
        .bind(format!("contact message #{id}"))
        .bind(by)
        .bind(now())
        .execute(conn)
        .await
        .map(drop))?;
    tx.commit().await?;
    Ok(true)
}

/// Moves a message to `status` (read, unread or archived).
pub async fn set_status(store: &Store, id: i64, status: &str) -> anyhow::Result<bool> {
    let updated = on_write!(store, |pool| sqlx::query("UPDATE contact_messages SET status = $1 WHERE id = $2")
        .bind(status)
        .bind(id)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(updated == 1)
}
