//! A supporter's right to be forgotten: one erasure removes a person from
//! every form at once (signatures, messages, the newsletter and its
//! delivery records, attempts) and keeps only a line saying it happened.

use serde::Serialize;

use crate::mail::EmailAddress;
use crate::store::{Store, changes, now};
use crate::{on_pool, on_tx};

/// What the store holds about an address, shown before erasing it.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Holdings {
    pub signatures: i64,
    pub messages: i64,
    pub subscribed: bool,
}

pub async fn holdings(store: &Store, email: &str) -> anyhow::Result<Holdings> {
    let count = |table: &'static str| {
        let query = format!("SELECT COUNT(*) FROM {table} WHERE email = $1");
        async move {
            anyhow::Ok(on_pool!(store, |pool| sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(query.as_str()))
                .bind(email)
                .fetch_one(pool)
                .await)?)
        }
    };
    Ok(Holdings {
        signatures: count("signatures").await?,
        messages: count("contact_messages").await?,
        subscribed: count("subscribers").await? > 0,
    })
}

/// Stored addresses that the address check refuses today (`a@x.org?bcc=…`),
/// kept from before it was strict: no one can be written to there, so the
/// erase page lists them to be erased. Sorted, each once.
pub async fn invalid_addresses(store: &Store) -> anyhow::Result<Vec<String>> {
    let mut invalid = std::collections::BTreeSet::new();
    for table in ["signatures", "contact_messages", "subscribers"] {
        let query = format!("SELECT DISTINCT email FROM {table} WHERE email IS NOT NULL AND email <> ''");
        let emails: Vec<String> = on_pool!(store, |pool| sqlx::query_scalar(sqlx::AssertSqlSafe(query.as_str())).fetch_all(pool).await)?;
        invalid.extend(emails.into_iter().filter(|email| EmailAddress::parse(email).is_err()));
    }
    Ok(invalid.into_iter().collect())
}

/// Erases everything about `email` (attempts at the forms too, which the
/// holdings do not list); `by` is the editor, named in the audit line that
/// stays. Returns what was there.
pub async fn erase(store: &Store, email: &str, by: i64) -> anyhow::Result<Holdings> {
    let found = holdings(store, email).await?;
    let mut tx = store.begin().await?;
    // Counts on pages change when a signature goes.
    let petitions: Vec<String> = on_tx!(tx, |conn| sqlx::query_scalar(
        "SELECT DISTINCT p.slug FROM signatures s JOIN petitions p ON p.id = s.petition_id WHERE s.email = $1"
    )
    .bind(email)
    .fetch_all(conn)
    .await)?;
    for table in ["signatures", "contact_messages", "subscribers", "form_attempts"] {
        // Deliveries go with their subscriber (ON DELETE CASCADE).
        let query = format!("DELETE FROM {table} WHERE email = $1");
        on_tx!(tx, |conn| sqlx::query(sqlx::AssertSqlSafe(query.as_str())).bind(email).execute(conn).await.map(drop))?;
    }
    // Mail still waiting to go to them goes too.
    on_tx!(tx, |conn| sqlx::query("DELETE FROM mail_queue WHERE recipient = $1").bind(email).execute(conn).await.map(drop))?;
    let what = format!(
        "a person: {} signatures, {} messages{}",
        found.signatures,
        found.messages,
        if found.subscribed { ", a newsletter subscription" } else { "" }
    );
    on_tx!(tx, |conn| sqlx::query("INSERT INTO erasures (what, erased_by, at) VALUES ($1, $2, $3)")
        .bind(&what)
        .bind(by)
        .bind(now())
        .execute(conn)
        .await
        .map(drop))?;
    for slug in petitions {
        changes::record(&mut tx, "petition", &slug).await?;
    }
    tx.commit().await?;
    Ok(found)
}
