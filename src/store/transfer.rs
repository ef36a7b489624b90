//! Moving a whole site between stores (`pamphlet migrate-data`, and the
//! backups of a PostgreSQL store): every table, row for row with its ids,
//! read from one snapshot of the source and written in one transaction on
//! the destination, then each table's rows counted and checksummed on both
//! sides.
//!
//! Every table of the schema is listed in [`copy_all`]; a test compares the
//! list with the migrations, so a new table cannot be forgotten.

use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::AssertSqlSafe;
use sqlx::types::Json;
use time::{Date, OffsetDateTime};

use super::{Pool, Store, Tx, TxConn};
use crate::{on_pool, on_tx};

/// What one table holds: its rows and a checksum of their values that
/// neither the order of the rows nor the backend changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub table: &'static str,
    pub rows: i64,
    pub checksum: String,
}

/// Declares a row type with every column of a table, a `copy` that reads
/// them all in one store's snapshot and inserts them in another's
/// transaction, and a `tally` of the rows a transaction sees.
macro_rules! table {
    ($row:ident, $table:literal $(order by $order:literal)?, { $($col:ident : $ty:ty),+ $(,)? }) => {
        #[derive(sqlx::FromRow)]
        struct $row {
            $($col: $ty),+
        }

        impl $row {
            const COLUMNS: &[&str] = &[$(stringify!($col)),+];

            async fn read(from: &mut Tx) -> anyhow::Result<Vec<$row>> {
                #[allow(unused_mut)]
                let mut select = format!("SELECT {} FROM {}", Self::COLUMNS.join(", "), $table);
                $(select.push_str(concat!(" ORDER BY ", $order));)?
                Ok(on_tx!(from, |conn| sqlx::query_as(AssertSqlSafe(select.as_str())).fetch_all(conn).await)?)
            }

            fn tally_of(rows: &[$row]) -> Tally {
                let sum = rows.iter().fold(0u128, |sum, row| {
                    let mut hasher = Sha256::new();
                    $(Canonical::feed(&row.$col, &mut hasher);)+
                    sum.wrapping_add(u128::from_le_bytes(hasher.finalize()[..16].try_into().expect("16 bytes")))
                });
                Tally { table: $table, rows: rows.len() as i64, checksum: format!("{sum:032x}") }
            }

            async fn copy(from: &mut Tx, to: &mut Tx) -> anyhow::Result<Tally> {
                let rows = Self::read(from).await?;
                let placeholders: Vec<String> = (1..=Self::COLUMNS.len()).map(|i| format!("${i}")).collect();
                let insert = format!("INSERT INTO {} ({}) VALUES ({})", $table, Self::COLUMNS.join(", "), placeholders.join(", "));
                for row in &rows {
                    on_tx!(to, |conn| {
                        let query = sqlx::query(AssertSqlSafe(insert.as_str()));
                        $(let query = query.bind(&row.$col);)+
                        query.execute(conn).await.map(drop)
                    })?;
                }
                Ok(Self::tally_of(&rows))
            }

            async fn tally(from: &mut Tx) -> anyhow::Result<Tally> {
                Ok(Self::tally_of(&Self::read(from).await?))
            }
        }
    };
}

/// A column value's bytes for the checksum, the same whichever backend
/// decoded it: times as UTC nanoseconds, JSON with its keys sorted.
trait Canonical {
    fn feed(&self, hasher: &mut Sha256);
}

impl Canonical for i64 {
    fn feed(&self, hasher: &mut Sha256) {
        hasher.update(self.to_le_bytes());
    }
}

impl Canonical for i32 {
    fn feed(&self, hasher: &mut Sha256) {
        i64::from(*self).feed(hasher);
    }
}

impl Canonical for bool {
    fn feed(&self, hasher: &mut Sha256) {
        hasher.update([u8::from(*self)]);
    }
}

impl Canonical for String {
    fn feed(&self, hasher: &mut Sha256) {
        self.as_bytes().to_vec().feed(hasher);
    }
}

impl Canonical for Vec<u8> {
    fn feed(&self, hasher: &mut Sha256) {
        hasher.update((self.len() as u64).to_le_bytes());
        hasher.update(self);
    }
}

impl Canonical for OffsetDateTime {
    fn feed(&self, hasher: &mut Sha256) {
        hasher.update(self.unix_timestamp_nanos().to_le_bytes());
    }
}

impl Canonical for Date {
    fn feed(&self, hasher: &mut Sha256) {
        i64::from(self.to_julian_day()).feed(hasher);
    }
}

impl Canonical for Json<Value> {
    fn feed(&self, hasher: &mut Sha256) {
        // serde_json's maps are sorted by key, so jsonb's own key order does not show.
        serde_json::to_vec(&self.0).expect("JSON values serialise").feed(hasher);
    }
}

impl<T: Canonical> Canonical for Option<T> {
    fn feed(&self, hasher: &mut Sha256) {
        match self {
            None => hasher.update([0]),
            Some(value) => {
                hasher.update([1]);
                value.feed(hasher);
            }
        }
    }
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

table!(UserRow, "users", {
    id: i64, email: String, name: String, role: String, password_hash: String, created_at: OffsetDateTime,
    totp_secret: Option<String>, totp_last_step: i64,
});
table!(RecoveryCodeRow, "recovery_codes", { user_id: i64, digest: String, used_at: Option<OffsetDateTime> });
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

// The forms' stamp key: forms open in browsers stay good after a move.
table!(KeyRow, "form_keys", { name: String, value: String });
table!(AccountLinkRow, "account_links", {
    id: String, purpose: String, email: Option<String>, role: String, created_by: Option<i64>, created_at: OffsetDateTime,
    expires_at: OffsetDateTime, used_at: Option<OffsetDateTime>,
});
table!(PreviewLinkRow, "preview_links", {
    id: String, entity: String, entity_id: i64, created_by: Option<i64>, created_at: OffsetDateTime, expires_at: OffsetDateTime,
});
table!(KnownDeviceRow, "known_devices", { id: String, user_id: i64, created_at: OffsetDateTime });
table!(MailQueueRow, "mail_queue", {
    id: i64, envelope_from: String, recipient: String, message: Vec<u8>, status: String, claimed_by: Option<String>,
    attempts: i64, next_attempt_at: OffsetDateTime, error: String, created_at: OffsetDateTime,
});

/// Runs `$step` on every row type in copy order (referenced tables first),
/// collecting the tallies.
macro_rules! every_table {
    ($step:ident($($arg:expr),*)) => {
        vec![
            ChangeRow::$step($($arg),*).await?,
            UserRow::$step($($arg),*).await?,
            SettingRow::$step($($arg),*).await?,
            MenuRow::$step($($arg),*).await?,
            AssetRow::$step($($arg),*).await?,
            PageRow::$step($($arg),*).await?,
            PostRow::$step($($arg),*).await?,
            PostTagRow::$step($($arg),*).await?,
            BookRow::$step($($arg),*).await?,
            MediaRow::$step($($arg),*).await?,
            PressRow::$step($($arg),*).await?,
            SessionRow::$step($($arg),*).await?,
            DraftRow::$step($($arg),*).await?,
            RevisionRow::$step($($arg),*).await?,
            VersionRow::$step($($arg),*).await?,
            RedirectRow::$step($($arg),*).await?,
            SubscriberRow::$step($($arg),*).await?,
            IssueRow::$step($($arg),*).await?,
            DeliveryRow::$step($($arg),*).await?,
            ErasureRow::$step($($arg),*).await?,
            PetitionRow::$step($($arg),*).await?,
            SignatureRow::$step($($arg),*).await?,
            MessageRow::$step($($arg),*).await?,
            KeyRow::$step($($arg),*).await?,
            AccountLinkRow::$step($($arg),*).await?,
            PreviewLinkRow::$step($($arg),*).await?,
            KnownDeviceRow::$step($($arg),*).await?,
            RecoveryCodeRow::$step($($arg),*).await?,
            MailQueueRow::$step($($arg),*).await?,
        ]
    };
}

/// Tables in copy order, as [`every_table`] copies them.
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
    "form_keys",
    "account_links",
    "preview_links",
    "known_devices",
    "recovery_codes",
    "mail_queue",
];

/// Tables left behind on purpose: short-lived counts that mean nothing in
/// another store (failed sign-ins and form attempts, counted for rate
/// limits), sign-ins waiting a few minutes for their code, the old store's
/// mail senders, and the health check's row.
pub const NOT_COPIED: &[&str] = &["login_failures", "form_attempts", "sign_in_steps", "mail_workers", "health"];

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
    "mail_queue",
];

/// Copies every table of `from`, as one snapshot sees it while the site
/// goes on, into the empty store `to`; then reads `to` back and checks that
/// each table holds the same rows (count and checksum). Returns the tallies.
pub async fn copy_all(from: &Store, to: &Store) -> anyhow::Result<Vec<Tally>> {
    for table in TABLES {
        if count(to, table).await? > 0 {
            anyhow::bail!("the destination already holds data (table {table} is not empty); the site is copied into an empty store only");
        }
    }
    let mut source = from.snapshot().await?;
    let mut tx = to.begin().await?;
    let copied = every_table!(copy(&mut source, &mut tx));
    drop(source);
    debug_assert!(copied.iter().map(|t| t.table).eq(TABLES.iter().copied()), "TABLES lists every_table's tables in order");
    if let TxConn::Postgres(conn) = &mut tx.conn {
        // Rows came with their ids; new rows must continue after them.
        for table in WITH_IDS {
            let sql =
                format!("SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)");
            sqlx::query(AssertSqlSafe(sql)).execute(&mut **conn).await?;
        }
    }
    tx.commit().await?;
    verify(to, &copied).await?;
    Ok(copied)
}

/// Every table's rows and checksum in `store`, read in one snapshot.
pub async fn tallies(store: &Store) -> anyhow::Result<Vec<Tally>> {
    let mut snapshot = store.snapshot().await?;
    Ok(every_table!(tally(&mut snapshot)))
}

/// `store` holds exactly the rows `expected` tallied, table by table.
pub async fn verify(store: &Store, expected: &[Tally]) -> anyhow::Result<()> {
    let found = tallies(store).await?;
    for (expected, found) in expected.iter().zip(&found) {
        anyhow::ensure!(
            expected.rows == found.rows,
            "table {}: {} rows in the source but {} in the destination",
            expected.table,
            expected.rows,
            found.rows
        );
        anyhow::ensure!(expected.checksum == found.checksum, "table {}: the rows differ from the source's", expected.table);
    }
    anyhow::ensure!(expected.len() == found.len(), "the destination has {} tables, the source {}", found.len(), expected.len());
    Ok(())
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
