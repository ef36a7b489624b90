//! Moving a whole site between stores (`pamphlet migrate-data`): every table,
//! row for row with its ids, in one transaction on the destination, then the
//! row counts of both sides compared.
//!
//! Every table of the schema is listed in [`copy_all`]; a test compares the
//! list with the migrations, so a new table cannot be forgotten.

use serde_json::Value;
use sqlx::AssertSqlSafe;
use sqlx::types::Json;
use time::{Date, OffsetDateTime};

use super::{Pool, Store, Tx, TxConn};
use crate::{on_pool, on_tx};

/// Declares a row type with every column of a table and a `copy` that
/// reads them all from one store and inserts them into another.
macro_rules! table {
    ($row:ident, $table:literal $(order by $order:literal)?, { $($col:ident : $ty:ty),+ $(,)? }) => {
        #[derive(sqlx::FromRow)]
        struct $row {
            $($col: $ty),+
        }

        impl $row {
            async fn copy(from: &Store, to: &mut Tx) -> anyhow::Result<()> {
                let columns = [$(stringify!($col)),+];
                #[allow(unused_mut)]
                let mut select = format!("SELECT {} FROM {}", columns.join(", "), $table);
                $(select.push_str(concat!(" ORDER BY ", $order));)?
                let rows: Vec<$row> = on_pool!(from, |pool| sqlx::query_as(AssertSqlSafe(select.as_str())).fetch_all(pool).await)?;
                let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
                let insert = format!("INSERT INTO {} ({}) VALUES ({})", $table, columns.join(", "), placeholders.join(", "));
                for row in &rows {
                    on_tx!(to, |conn| {
                        let query = sqlx::query(AssertSqlSafe(insert.as_str()));
                        $(let query = query.bind(&row.$col);)+
                        query.execute(conn).await.map(drop)
                    })?;
                }
                Ok(())
            }
        }
    };
}

table!(ChangeRow, "changes", { id: i64, entity: String, entity_key: String, at: OffsetDateTime });
table!(SettingRow, "settings", { key: String, value: Json<Value> });
table!(MenuRow, "menus", { name: String, items: Json<Value> });
// Originals before their resized copies, which point at them.
table!(AssetRow, "assets" order by "variant_of IS NOT NULL, name", {
    name: String, content_type: String, bytes: Vec<u8>, alt: String, updated_at: OffsetDateTime, width: Option<i64>,
    height: Option<i64>, variant_of: Option<String>, uploaded_by: Option<i64>,
});
table!(PageRow, "pages", {
    id: i64, slug: String, title: String, description: String, status: String, blocks_schema: i64,
    blocks: Json<Value>, published_at: Option<OffsetDateTime>, updated_at: OffsetDateTime, version: i64,
    publish_at: Option<OffsetDateTime>,
});
table!(PostRow, "posts", {
    id: i64, slug: String, kind: String, title: String, date: Date, summary: String, body: String, cover: Option<String>,
    tags: Json<Value>, author: String, status: String, published_at: Option<OffsetDateTime>, updated_at: OffsetDateTime,
    version: i64, publish_at: Option<OffsetDateTime>, author_id: Option<i64>,
});
table!(PostTagRow, "post_tags", { post_id: i64, slug: String, label: String });
table!(BookRow, "books", {
    id: i64, slug: String, position: i64, title: String, subtitle: String, author: String, co_authors: Json<Value>,
    foreword_by: String, publisher: String, year: Option<i32>, language: String, isbn13: Option<String>, cover: Option<String>,
    description: String, sample: String, reviews: Json<Value>, awards: Json<Value>, buy_links: Json<Value>, status: String,
    updated_at: OffsetDateTime, version: i64,
});
table!(MediaRow, "media_items", {
    id: i64, slug: String, kind: String, title: String, outlet: String, date: Date, embed_url: Option<String>,
    link_url: Option<String>, summary: String, transcript: String, status: String, updated_at: OffsetDateTime, version: i64,
});
table!(PressRow, "press_reports", {
    id: i64, slug: String, outlet: String, date: Date, title: String, source_url: Option<String>, video_url: Option<String>,
    language: String, summary: String, full_text: String, status: String, updated_at: OffsetDateTime, version: i64,
});

table!(UserRow, "users", { id: i64, email: String, name: String, role: String, password_hash: String, created_at: OffsetDateTime });
table!(RevisionRow, "revisions", {
    id: i64, entity: String, entity_id: i64, version: i64, data: Json<Value>, user_id: Option<i64>, user_name: String,
    at: OffsetDateTime,
});
table!(VersionRow, "versions", { entity: String, version: i64 });
table!(RedirectRow, "redirects", { from_path: String, to_path: String, created_at: OffsetDateTime });
table!(DraftRow, "drafts", { user_id: i64, key: String, fields: String, saved_at: OffsetDateTime });
table!(SessionRow, "sessions", {
    id: String, user_id: i64, csrf: String, created_at: OffsetDateTime, last_seen_at: OffsetDateTime,
    expires_at: OffsetDateTime, ip: String, user_agent: String, confirmed_at: Option<OffsetDateTime>,
});
table!(SubscriberRow, "subscribers", {
    id: i64, email: String, name: String, status: String, source: String, created_at: OffsetDateTime,
    confirmed_at: Option<OffsetDateTime>, unsubscribed_at: Option<OffsetDateTime>, confirm_digest: Option<String>,
    confirm_expires_at: Option<OffsetDateTime>, confirm_sent_at: Option<OffsetDateTime>, unsubscribe_key: String, signup_ip: String,
});
table!(IssueRow, "newsletter_issues", {
    id: i64, subject: String, body: String, status: String, send_at: Option<OffsetDateTime>, post_id: Option<i64>,
    created_by: Option<i64>, created_at: OffsetDateTime, updated_at: OffsetDateTime, started_at: Option<OffsetDateTime>,
    finished_at: Option<OffsetDateTime>, version: i64,
});
// A row claimed by a sender of the old store is released by the new one's workers.
table!(DeliveryRow, "deliveries", {
    issue_id: i64, subscriber_id: i64, status: String, attempts: i64, next_attempt_at: OffsetDateTime,
    claimed_by: Option<String>, sent_at: Option<OffsetDateTime>, error: Option<String>,
});
table!(ErasureRow, "erasures", { id: i64, what: String, erased_by: Option<i64>, at: OffsetDateTime });
table!(PetitionRow, "petitions", {
    id: i64, slug: String, title: String, body: String, addressee: String, goal: i64, ends_at: Option<OffsetDateTime>,
    status: String, result: String, anonymised_at: Option<OffsetDateTime>, created_at: OffsetDateTime,
    updated_at: OffsetDateTime, version: i64,
});
table!(SignatureRow, "signatures", {
    id: i64, petition_id: i64, email: Option<String>, name: String, country: String, postcode: String, comment: String,
    show_name: bool, subscribe: bool, status: String, created_at: OffsetDateTime, verified_at: Option<OffsetDateTime>,
    verify_digest: Option<String>, verify_expires_at: Option<OffsetDateTime>, verify_sent_at: Option<OffsetDateTime>,
    void_reason: String, ip: String,
});
table!(MessageRow, "contact_messages", {
    id: i64, name: String, email: String, subject: String, body: String, status: String, created_at: OffsetDateTime,
    forwarded_at: Option<OffsetDateTime>, forward_error: String, ip: String,
});

/// Tables in copy order (referenced tables first).
pub const TABLES: &[&str] = &[
    "changes",
    "users",
    "settings",
    "menus",
    "assets",
    "pages",
    "posts",
    "post_tags",
    "books",
    "media_items",
    "press_reports",
    "sessions",
    "drafts",
    "revisions",
    "versions",
    "redirects",
    "subscribers",
    "newsletter_issues",
    "deliveries",
    "erasures",
    "petitions",
    "signatures",
    "contact_messages",
];

/// Tables left behind on purpose: short-lived records that mean nothing in
/// another store (failed sign-ins, one-time setup and invitation links,
/// form attempts counted for rate limits, the key of the forms' time stamps
/// (forms open in a browser during the move are simply sent again), the old
/// store's mail senders, the health check's row, proof-readers' preview
/// links, which take a click to make again, and known sign-in devices, which
/// sign in once more to be known again).
pub const NOT_COPIED: &[&str] =
    &["account_links", "login_failures", "form_attempts", "form_keys", "mail_workers", "health", "preview_links", "known_devices"];

/// Tables whose ids come from an identity column on PostgreSQL.
const WITH_IDS: &[&str] = &[
    "changes",
    "pages",
    "posts",
    "books",
    "media_items",
    "press_reports",
    "users",
    "revisions",
    "subscribers",
    "newsletter_issues",
    "erasures",
    "petitions",
    "signatures",
    "contact_messages",
];

/// Copies every table of `from` into the empty store `to`, then checks that
/// each table holds as many rows on both sides. Returns (table, rows).
pub async fn copy_all(from: &Store, to: &Store) -> anyhow::Result<Vec<(&'static str, i64)>> {
    for table in TABLES {
        if count(to, table).await? > 0 {
            anyhow::bail!("the destination already holds data (table {table} is not empty); migrate-data copies into an empty store only");
        }
    }
    let mut tx = to.begin().await?;
    ChangeRow::copy(from, &mut tx).await?;
    UserRow::copy(from, &mut tx).await?;
    SettingRow::copy(from, &mut tx).await?;
    MenuRow::copy(from, &mut tx).await?;
    AssetRow::copy(from, &mut tx).await?;
    PageRow::copy(from, &mut tx).await?;
    PostRow::copy(from, &mut tx).await?;
    PostTagRow::copy(from, &mut tx).await?;
    BookRow::copy(from, &mut tx).await?;
    MediaRow::copy(from, &mut tx).await?;
    PressRow::copy(from, &mut tx).await?;
    SessionRow::copy(from, &mut tx).await?;
    DraftRow::copy(from, &mut tx).await?;
    RevisionRow::copy(from, &mut tx).await?;
    VersionRow::copy(from, &mut tx).await?;
    RedirectRow::copy(from, &mut tx).await?;
    SubscriberRow::copy(from, &mut tx).await?;
    IssueRow::copy(from, &mut tx).await?;
    DeliveryRow::copy(from, &mut tx).await?;
    ErasureRow::copy(from, &mut tx).await?;
    PetitionRow::copy(from, &mut tx).await?;
    SignatureRow::copy(from, &mut tx).await?;
    MessageRow::copy(from, &mut tx).await?;
    if let TxConn::Postgres(conn) = &mut tx.conn {
        // Rows came with their ids; new rows must continue after them.
        for table in WITH_IDS {
            let sql =
                format!("SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)");
            sqlx::query(AssertSqlSafe(sql)).execute(&mut **conn).await?;
        }
    }
    tx.commit().await?;

    let mut report = Vec::with_capacity(TABLES.len());
    for table in TABLES {
        let (source, copied) = (count(from, table).await?, count(to, table).await?);
        anyhow::ensure!(source == copied, "table {table}: {source} rows in the source but {copied} in the destination");
        report.push((*table, copied));
    }
    Ok(report)
}

async fn count(store: &Store, table: &str) -> anyhow::Result<i64> {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    Ok(on_pool!(store, |pool| sqlx::query_scalar(AssertSqlSafe(sql.as_str())).fetch_one(pool).await)?)
}

/// The tables the store's schema has, from the database's own catalogue.
pub async fn schema_tables(store: &Store) -> anyhow::Result<Vec<String>> {
    let mut tables: Vec<String> = match store.pool() {
        Pool::Sqlite(pool) => {
            sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx_%'",
            )
            .fetch_all(pool)
            .await?
        }
        Pool::Postgres(pool) => {
            sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() AND tablename NOT LIKE '_sqlx_%'")
                .fetch_all(pool)
                .await?
        }
    };
    tables.sort();
    Ok(tables)
}
