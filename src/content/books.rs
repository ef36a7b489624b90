//! Books: bibliographic data, description, reading sample, reviews, shops.

use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use time::OffsetDateTime;

use super::isbn::Isbn13;
use super::slug::Slug;
use super::{Link, Status};
use crate::store::{Store, Tx, changes};
use crate::{on_pool, on_tx};

/// A review quoted on the book's page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Review {
    pub text: String,
    pub source: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Book {
    pub slug: String,
    pub title: String,
    pub subtitle: String,
    pub author: String,
    pub co_authors: Json<Vec<String>>,
    pub foreword_by: String,
    pub publisher: String,
    pub year: Option<i32>,
    pub language: String,
    pub isbn13: Option<String>,
    pub cover: Option<String>,
    pub description: String,
    pub sample: String,
    pub reviews: Json<Vec<Review>>,
    pub awards: Json<Vec<String>>,
    pub buy_links: Json<Vec<Link>>,
    pub updated_at: OffsetDateTime,
}

impl Book {
    pub fn url(&self) -> String {
        format!("/books/{}/", self.slug)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BookInput {
    pub slug: Slug,
    #[serde(default)]
    pub position: i64,
    pub title: String,
    #[serde(default)]
    pub subtitle: String,
    #[serde(default)]
    pub author: String,
    #[serde(default)]
    pub co_authors: Vec<String>,
    #[serde(default)]
    pub foreword_by: String,
    #[serde(default)]
    pub publisher: String,
    #[serde(default)]
    pub year: Option<i32>,
    #[serde(default = "default_language")]
    pub language: String,
    #[serde(default)]
    pub isbn13: Option<Isbn13>,
    #[serde(default)]
    pub cover: Option<super::blocks::Image>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub sample: String,
    #[serde(default)]
    pub reviews: Vec<Review>,
    #[serde(default)]
    pub awards: Vec<String>,
    #[serde(default)]
    pub buy_links: Vec<Link>,
    #[serde(default)]
    pub status: Status,
}

fn default_language() -> String {
    "en".into()
}

/// `SELECT <every column> FROM books ` followed by the rest of the query, as one literal.
macro_rules! select {
    ($rest:literal) => {
        concat!(
            "SELECT ",
            "slug, title, subtitle, author, co_authors, foreword_by, publisher, year, language, isbn13, cover, \
                       description, sample, reviews, awards, buy_links, updated_at",
            " FROM books ",
            $rest
        )
    };
}

pub async fn published_by_slug(store: &Store, slug: &str) -> anyhow::Result<Option<Book>> {
    let sql = select!("WHERE slug = $1 AND status = 'published'");
    Ok(on_pool!(store, |pool| sqlx::query_as(sql).bind(slug).fetch_optional(pool).await)?)
}

/// Every published book in the editors' order.
pub async fn published(store: &Store) -> anyhow::Result<Vec<Book>> {
    let sql = select!("WHERE status = 'published' ORDER BY position, year DESC, title");
    Ok(on_pool!(store, |pool| sqlx::query_as(sql).fetch_all(pool).await)?)
}

pub async fn save(tx: &mut Tx, book: &BookInput) -> anyhow::Result<()> {
    if let Some(cover) = &book.cover
        && cover.alt.trim().is_empty()
    {
        anyhow::bail!("the cover of {} needs alt text", book.slug);
    }
    let now = crate::store::now();
    // The cover's alt text is the asset's; the row keeps the asset name.
    let cover = book.cover.as_ref().map(|c| c.asset.as_str());
    on_tx!(tx, |conn| sqlx::query(
        "INSERT INTO books (slug, position, title, subtitle, co_authors, foreword_by, publisher, year, language,
             isbn13, cover, description, sample, reviews, awards, buy_links, status, updated_at, author)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
         ON CONFLICT (slug) DO UPDATE SET position = excluded.position, title = excluded.title,
             subtitle = excluded.subtitle, co_authors = excluded.co_authors, foreword_by = excluded.foreword_by,
             publisher = excluded.publisher, year = excluded.year, language = excluded.language,
             isbn13 = excluded.isbn13, cover = excluded.cover, description = excluded.description,
             sample = excluded.sample, reviews = excluded.reviews, awards = excluded.awards,
             buy_links = excluded.buy_links, status = excluded.status, updated_at = excluded.updated_at,
             author = excluded.author"
    )
    .bind(book.slug.as_str())
    .bind(book.position)
    .bind(&book.title)
    .bind(&book.subtitle)
    .bind(Json(&book.co_authors))
    .bind(&book.foreword_by)
    .bind(&book.publisher)
    .bind(book.year)
    .bind(&book.language)
    .bind(book.isbn13.as_ref().map(Isbn13::digits))
    .bind(cover)
    .bind(&book.description)
    .bind(&book.sample)
    .bind(Json(&book.reviews))
    .bind(Json(&book.awards))
    .bind(Json(&book.buy_links))
    .bind(book.status.as_str())
    .bind(now)
    .bind(&book.author)
    .execute(conn)
    .await
    .map(drop))?;
    changes::record(tx, "book", book.slug.as_str()).await
}
