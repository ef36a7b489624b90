//! Menus: the primary navigation and the footer links.

use sqlx::types::Json;

use super::revisions::Author;
use super::versioned::{self, Kind, Over, Saved};
use super::{Link, SaveError};
use crate::store::{Store, Tx, changes};
use crate::{on_pool, on_tx};

pub const PRIMARY: &str = "primary";
pub const FOOTER: &str = "footer";

/// The menu's links in order; an unknown menu is empty.
pub async fn load(store: &Store, name: &str) -> anyhow::Result<Vec<Link>> {
    let items: Option<Json<Vec<Link>>> =
        on_pool!(store, |pool| sqlx::query_scalar("SELECT items FROM menus WHERE name = $1").bind(name).fetch_optional(pool).await)?;
    Ok(items.map(|j| j.0).unwrap_or_default())
}

/// The name of menu `name` in revisions and versions: each menu is one item of its own.
pub fn entity(name: &str) -> String {
    format!("menu:{name}")
}

/// An editor's save of menu `name` over the version their form showed.
pub async fn save(store: &Store, name: &str, version: i64, items: &[Link], by: &Author) -> Result<Saved, SaveError> {
    let entity = entity(name);
    versioned::save(store, &Kind::single(&entity), Over::Version { id: 0, version }, None, items, by, async |tx, _| {
        write(tx, name, items).await?;
        Ok(0)
    })
    .await
}

/// Writes menu `name` inside `tx` (an editor's save, the demo's load).
pub async fn write(tx: &mut Tx, name: &str, items: &[Link]) -> anyhow::Result<()> {
    on_tx!(tx, |conn| sqlx::query(
        "INSERT INTO menus (name, items) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET items = excluded.items"
    )
    .bind(name)
    .bind(Json(items))
    .execute(conn)
    .await
    .map(drop))?;
    changes::record(tx, "menu", name).await
}
