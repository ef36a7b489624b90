//! Revisions: every save of an item keeps a copy of what was saved, who
//! saved it and when, so editors can compare two versions and restore one.

use serde::Serialize;
use serde_json::Value;
use sqlx::types::Json;
use time::OffsetDateTime;

use crate::store::{Store, Tx};
use crate::{on_pool, on_tx};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Revision {
    pub version: i64,
    pub user_name: String,
    pub at: OffsetDateTime,
    pub data: Json<Value>,
}

/// Who made a change, as the revision remembers them.
#[derive(Debug, Clone)]
pub struct Author {
    pub id: Option<i64>,
    pub name: String,
}

/// Keeps `data` as version `version` of the item; call in the saving transaction.
pub async fn record(
    tx: &mut Tx,
    entity: &str,
    entity_id: i64,
    version: i64,
    data: &(impl Serialize + ?Sized),
    by: &Author,
) -> anyhow::Result<()> {
    let data = serde_json::to_value(data)?;
    on_tx!(tx, |conn| sqlx::query(
        "INSERT INTO revisions (entity, entity_id, version, data, user_id, user_name, at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    )
    .bind(entity)
    .bind(entity_id)
    .bind(version)
    .bind(Json(&data))
    .bind(by.id)
    .bind(&by.name)
    .bind(crate::store::now())
    .execute(conn)
    .await
    .map(drop))?;
    Ok(())
}

/// A save anywhere on the site, for the dashboard.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Recent {
    pub entity: String,
    pub entity_id: i64,
    pub version: i64,
    pub user_id: Option<i64>,
    pub user_name: String,
    pub at: OffsetDateTime,
    pub data: Json<Value>,
}

/// The newest saves of any item, newest first.
pub async fn recent(store: &Store, limit: i64) -> anyhow::Result<Vec<Recent>> {
    Ok(on_pool!(store, |pool| sqlx::query_as(
        "SELECT entity, entity_id, version, user_id, user_name, at, data FROM revisions ORDER BY at DESC, id DESC LIMIT $1"
    )
    .bind(limit)
    .fetch_all(pool)
    .await)?)
}

/// Every revision of an item, newest first.
pub async fn of(store: &Store, entity: &str, entity_id: i64) -> anyhow::Result<Vec<Revision>> {
    Ok(on_pool!(store, |pool| sqlx::query_as(
        "SELECT version, user_name, at, data FROM revisions WHERE entity = $1 AND entity_id = $2 ORDER BY version DESC"
    )
    .bind(entity)
    .bind(entity_id)
    .fetch_all(pool)
    .await)?)
}

/// The newest revision of an item, if any.
pub async fn latest(store: &Store, entity: &str, entity_id: i64) -> anyhow::Result<Option<Revision>> {
    Ok(on_pool!(store, |pool| sqlx::query_as(
        "SELECT version, user_name, at, data FROM revisions WHERE entity = $1 AND entity_id = $2 ORDER BY version DESC LIMIT 1"
    )
    .bind(entity)
    .bind(entity_id)
    .fetch_optional(pool)
    .await)?)
}

pub async fn get(store: &Store, entity: &str, entity_id: i64, version: i64) -> anyhow::Result<Option<Revision>> {
    Ok(on_pool!(store, |pool| sqlx::query_as(
        "SELECT version, user_name, at, data FROM revisions WHERE entity = $1 AND entity_id = $2 AND version = $3"
    )
    .bind(entity)
    .bind(entity_id)
    .bind(version)
    .fetch_optional(pool)
    .await)?)
}
