//! Petitions: what is asked, of whom, how many signatures are hoped for,
//! and whether it still takes them. Pages show one with the `petition` block;
//! supporters sign it ([`public`]) and confirm by email ([`signatures`]).

pub mod countries;
pub(crate) mod letters;
pub mod public;
pub mod recount;
pub mod signatures;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::content::SaveError;
use crate::content::revisions::Author;
use crate::content::slug::Slug;
use crate::content::versioned::{self, Kind, Over, Saved};
use crate::store::{Store, Tx, changes, now};
use crate::{on_pool, on_tx};

pub const OPEN: &str = "open";
pub const CLOSED: &str = "closed";
pub const DELIVERED: &str = "delivered";
pub const STATUSES: [&str; 3] = [OPEN, CLOSED, DELIVERED];

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Petition {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub body: String,
    pub addressee: String,
    pub goal: i64,
    pub ends_at: Option<OffsetDateTime>,
    pub status: String,
    pub result: String,
    pub anonymised_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

const COLUMNS: &str = "id, slug, title, body, addressee, goal, ends_at, status, result, anonymised_at, created_at, updated_at, version";

impl Petition {
    /// True while it takes signatures: open, and its end date (if any) not reached.
    pub fn is_open(&self) -> bool {
        self.status == OPEN && self.ends_at.is_none_or(|end| end > now())
    }
}

/// What an editor sets, checked by the admin form; the demo's
/// `petitions/*.md` files hold the same fields.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Draft {
    pub slug: Slug,
    pub title: String,
    #[serde(default)]
    pub body: String,
    pub addressee: String,
    pub goal: i64,
    #[serde(default, skip_deserializing)]
    pub ends_at: Option<OffsetDateTime>,
    #[serde(default = "open")]
    pub status: String,
    #[serde(default)]
    pub result: String,
}

fn open() -> String {
    OPEN.to_owned()
}

pub async fn list(store: &Store) -> anyhow::Result<Vec<Petition>> {
    let query = format!("SELECT {COLUMNS} FROM petitions ORDER BY created_at DESC, id DESC");
    Ok(on_pool!(store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(query.as_str())).fetch_all(pool).await)?)
}

pub async fn get(store: &Store, id: i64) -> anyhow::Result<Option<Petition>> {
    let query = format!("SELECT {COLUMNS} FROM petitions WHERE id = $1");
    Ok(on_pool!(store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(query.as_str())).bind(id).fetch_optional(pool).await)?)
}

pub async fn by_slug(store: &Store, slug: &str) -> anyhow::Result<Option<Petition>> {
    let query = format!("SELECT {COLUMNS} FROM petitions WHERE slug = $1");
    Ok(on_pool!(store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(query.as_str())).bind(slug).fetch_optional(pool).await)?)
}

/// Pages show petitions, so every change to one empties the render caches.
pub async fn changed(tx: &mut Tx, slug: &str) -> anyhow::Result<()> {
    changes::record(tx, "petition", slug).await
}

/// The kind as [`versioned`] saves it.
pub const KIND: Kind = Kind::table("petition", "petitions");

/// Binds a draft's fields as `$1`…`$8`, the same for the insert and the update.
macro_rules! bind_draft {
    ($query:expr, $draft:expr) => {
        $query
            .bind($draft.slug.as_str())
            .bind(&$draft.title)
            .bind(&$draft.body)
            .bind(&$draft.addressee)
            .bind($draft.goal)
            .bind($draft.ends_at)
            .bind(&$draft.status)
            .bind(&$draft.result)
    };
}

/// Saves `draft` as a new petition or over the version its form was opened at.
pub async fn save(store: &Store, over: Over, draft: &Draft, by: &Author) -> Result<Saved, SaveError> {
    versioned::save(store, &KIND, over, Some(draft.slug.as_str()), draft, by, async |tx, id| match id {
        None => insert(tx, draft).await,
        Some(id) => {
            const UPDATE: &str = "UPDATE petitions SET slug = $1, title = $2, body = $3, addressee = $4, goal = $5, ends_at = $6,
                 status = $7, result = $8, updated_at = $9
             WHERE id = $10";
            on_tx!(tx, |conn| bind_draft!(sqlx::query(UPDATE), draft).bind(now()).bind(id).execute(conn).await.map(drop))?;
            Ok(id)
        }
    })
    .await
}

/// Inserts a new petition inside `tx` (a new one from the admin, the demo's load).
pub async fn insert(tx: &mut Tx, draft: &Draft) -> Result<i64, SaveError> {
    let at = now();
    const INSERT: &str =
        "INSERT INTO petitions (slug, title, body, addressee, goal, ends_at, status, result, created_at, updated_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, 1) RETURNING id";
    let id: i64 = on_tx!(tx, |conn| bind_draft!(sqlx::query_scalar(INSERT), draft).bind(at).fetch_one(conn).await)?;
    changed(tx, draft.slug.as_str()).await?;
    Ok(id)
}

/// Closes the open petitions whose end has passed; returns how many. The
/// UPDATE takes each row once, so several nodes close each petition once.
pub async fn close_ended(store: &Store) -> anyhow::Result<usize> {
    let at = now();
    let mut tx = store.begin().await?;
    let slugs: Vec<String> = on_tx!(tx, |conn| sqlx::query_scalar(
        "UPDATE petitions SET status = 'closed', updated_at = $1, version = version + 1
         WHERE status = 'open' AND ends_at IS NOT NULL AND ends_at <= $1 RETURNING slug"
    )
    .bind(at)
    .fetch_all(conn)
    .await)?;
    if slugs.is_empty() {
        // No commit: every commit empties this node's render cache.
        return Ok(0);
    }
    for slug in &slugs {
        changed(&mut tx, slug).await?;
    }
    tx.commit().await?;
    Ok(slugs.len())
}

/// Closes a petition: it shows its result and takes no more signatures.
pub async fn close(store: &Store, id: i64) -> anyhow::Result<bool> {
    let mut tx = store.begin().await?;
    let slug: Option<String> = on_tx!(tx, |conn| {
        sqlx::query_scalar(
        "UPDATE petitions SET status = 'closed', updated_at = $1, version = version + 1 WHERE id = $2 AND status = 'open' RETURNING slug"
    )
    .bind(now())
    .bind(id)
    .fetch_optional(conn)
    .await
    })?;
    let Some(slug) = slug else { return Ok(false) };
    changed(&mut tx, &slug).await?;
    tx.commit().await?;
    Ok(true)
}

/// A petition as its block and pages show it.
/// A petition as the site shows it: a `petition` block's `petition` (docs/THEMES.md).
#[derive(Debug, Serialize)]
pub struct PetitionView {
    slug: String,
    title: String,
    addressee: String,
    status: String,
    result_html: String,
    body_html: String,
    ends: Option<crate::render::views::DateView>,
    #[serde(flatten)]
    pub counter: Counter,
}

/// The counter, also answered alone to pages that update it without a reload.
#[derive(Debug, Serialize)]
pub struct Counter {
    count: i64,
    goal: i64,
    /// Of the goal, at most 100.
    percent: i64,
    /// Signers who agreed to be named.
    names: Vec<String>,
    open: bool,
}

/// `zone` is the site's: the last day is the one on the site's clock.
pub fn view(petition: &Petition, tally: &signatures::Tally, zone: &crate::content::zone::Zone) -> PetitionView {
    let percent = if petition.goal > 0 { (tally.count * 100 / petition.goal).min(100) } else { 100 };
    PetitionView {
        slug: petition.slug.clone(),
        title: petition.title.clone(),
        addressee: petition.addressee.clone(),
        status: petition.status.clone(),
        result_html: crate::render::markdown::to_html(&petition.result),
        body_html: crate::render::markdown::to_html(&petition.body),
        ends: petition.ends_at.map(|t| crate::render::views::date(zone.local(t).0.date())),
        counter: Counter { count: tally.count, goal: petition.goal, percent, names: tally.names.clone(), open: petition.is_open() },
    }
}
