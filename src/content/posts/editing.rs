//! Posts as the admin edits them: by id, with a version that every save
//! must name (so a second editor's save cannot silently overwrite the
//! first's) and a revision kept for every save.

use serde::Serialize;
use time::{Date, OffsetDateTime};

use super::{Post, PostInput, write_tags};
use crate::content::revisions::Author;
use crate::content::versioned::{self, Kind, Over, Saved};
use crate::content::{SaveError, Status};
use crate::store::Store;
use crate::{on_pool, on_tx};

/// The revision and change-feed name of posts.
pub const ENTITY: &str = crate::content::lifecycle::POSTS.entity;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EditablePost {
    pub id: i64,
    /// The content, as the site shows it.
    #[sqlx(flatten)]
    pub post: Post,
    pub author_id: Option<i64>,
    pub status: String,
    pub publish_at: Option<OffsetDateTime>,
    pub version: i64,
}

impl EditablePost {
    pub fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::Draft)
    }
}

/// One row of the admin's post list.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Listed {
    pub id: i64,
    pub slug: String,
    pub kind: String,
    pub title: String,
    pub date: Date,
    pub status: String,
    pub author: String,
    pub publish_at: Option<OffsetDateTime>,
    pub updated_at: OffsetDateTime,
}

const COLUMNS: &str = "id, slug, kind, title, date, summary, body, cover, tags, author, author_id, status, publish_at, version, updated_at";

pub async fn by_id(store: &Store, id: i64) -> anyhow::Result<Option<EditablePost>> {
    let sql = format!("SELECT {COLUMNS} FROM posts WHERE id = $1");
    Ok(on_pool!(store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await)?)
}

/// Posts with `status` (all but the trash when `None`), of one author when
/// given, the newest date first (as in WordPress's "All posts").
pub async fn list(store: &Store, status: Option<Status>, author_id: Option<i64>, limit: i64, offset: i64) -> anyhow::Result<Vec<Listed>> {
    Ok(on_pool!(store, |pool| sqlx::query_as(
        "SELECT id, slug, kind, title, date, status, author, publish_at, updated_at FROM posts
         WHERE (($1 IS NULL AND status <> 'trash') OR status = $1) AND ($2 IS NULL OR author_id = $2)
         ORDER BY date DESC, id DESC LIMIT $3 OFFSET $4"
    )
    .bind(status.map(Status::as_str))
    .bind(author_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await)?)
}

/// How many posts are in each state (of one author when given).
pub async fn count_by_status(store: &Store, author_id: Option<i64>) -> anyhow::Result<Vec<(String, i64)>> {
    Ok(on_pool!(store, |pool| sqlx::query_as(
        "SELECT status, COUNT(*) FROM posts WHERE ($1 IS NULL OR author_id = $1) GROUP BY status ORDER BY status"
    )
    .bind(author_id)
    .fetch_all(pool)
    .await)?)
}

/// The kind as [`versioned`] saves it.
pub const KIND: Kind = Kind::table(ENTITY, "posts")
    .at("CASE WHEN status = 'published' THEN CASE WHEN kind = 'article' THEN '/articles/' ELSE '/news/' END || slug || '/' END");

/// Saves `post` as a new post or over the version its form was opened at.
pub async fn save(store: &Store, over: Over, post: &PostInput, by: &Author) -> Result<Saved, SaveError> {
    versioned::save(store, &KIND, over, Some(post.slug.as_str()), post, by, async |tx, id| {
        let now = crate::store::now();
        let published_now = (post.status == Status::Published).then_some(now);
        let id = match id {
            None => {
                const INSERT: &str = "INSERT INTO posts (slug, kind, title, date, summary, body, cover, tags, author,
                         author_id, status, publish_at, published_at, updated_at, version)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1) RETURNING id";
                on_tx!(tx, |conn| bind_content!(sqlx::query_scalar(INSERT), post)
                    .bind(by.id)
                    .bind(post.status.as_str())
                    .bind(post.publish_at)
                    .bind(published_now)
                    .bind(now)
                    .fetch_one(&mut *conn)
                    .await)?
            }
            Some(id) => {
                const UPDATE: &str = "UPDATE posts SET slug = $1, kind = $2, title = $3, date = $4, summary = $5, body = $6,
                         cover = $7, tags = $8, author = $9, status = $10, publish_at = $11,
                         published_at = COALESCE(published_at, $12), updated_at = $13
                     WHERE id = $14";
                on_tx!(tx, |conn| bind_content!(sqlx::query(UPDATE), post)
                    .bind(post.status.as_str())
                    .bind(post.publish_at)
                    .bind(published_now)
                    .bind(now)
                    .bind(id)
                    .execute(&mut *conn)
                    .await
                    .map(drop))?;
                id
            }
        };
        write_tags(tx, id, post).await?;
        Ok(id)
    })
    .await
}
