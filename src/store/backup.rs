//! `pamphlet backup` and `pamphlet restore` for the SQLite store. A backup
//! is `VACUUM INTO`: one read snapshot written out at once, so it finishes
//! while editors save (SQLite's `.backup` starts over at every write and
//! may never finish). A restore replaces the file of a store nothing has
//! open, and keeps the replaced file beside it.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context, bail};
use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};

use super::{beside, open_lock_file, private_file};

/// Writes a copy of the whole store in the file `db` to the new file `to`.
pub async fn backup(db: &Path, to: &Path) -> anyhow::Result<()> {
    if !db.is_file() {
        bail!("there is no store at {} to back up", db.display());
    }
    if to.exists() {
        bail!("{} already exists; name a new file for the backup", to.display());
    }
    // Written under another name first, so a backup cut short never looks whole.
    let partial = beside(to, ".partial");
    let _ = std::fs::remove_file(&partial);
    // Created empty and private first (VACUUM INTO takes an empty file): a backup holds what the store holds.
    private_file(&partial, true)?;
    let target = partial.to_str().with_context(|| format!("{} is not a path SQLite can write to", to.display()))?;
    let mut conn = SqliteConnection::connect_with(&options(db)?).await.with_context(|| format!("cannot open {}", db.display()))?;
    sqlx::query("VACUUM INTO $1").bind(target).execute(&mut conn).await.with_context(|| format!("cannot write {}", partial.display()))?;
    conn.close().await?;
    check(&partial).await?;
    std::fs::rename(&partial, to).with_context(|| format!("cannot name the backup {}", to.display()))?;
    Ok(())
}

/// Replaces the store file `db` with the backup `from`; returns where the
/// replaced store was kept, if there was one.
pub async fn restore(from: &Path, db: &Path) -> anyhow::Result<Option<PathBuf>> {
    check(from).await?;
    let lock = open_lock_file(&beside(db, ".in-use"))?;
    // Every open store holds a shared lock on this file (see `Store::open`).
    if lock.try_lock().is_err() {
        bail!("a Pamphlet process has {} open (a running server?); stop it, then restore", db.display());
    }
    let kept = if db.exists() {
        // Its last writes go from the WAL into the file itself before it is moved.
        let mut conn = SqliteConnection::connect_with(&options(db)?).await.with_context(|| format!("cannot open {}", db.display()))?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut conn).await?;
        conn.close().await?;
        let stamp = time::OffsetDateTime::now_utc().unix_timestamp();
        let kept = beside(db, &format!(".before-restore-{stamp}"));
        std::fs::rename(db, &kept).with_context(|| format!("cannot move {} aside", db.display()))?;
        Some(kept)
    } else {
        None
    };
    for leftover in [beside(db, "-wal"), beside(db, "-shm")] {
        let _ = std::fs::remove_file(leftover);
    }
    let incoming = beside(db, ".restoring");
    std::fs::copy(from, &incoming).with_context(|| format!("cannot copy {} to {}", from.display(), incoming.display()))?;
    std::fs::File::open(&incoming)?.sync_all()?;
    private_file(&incoming, false)?;
    std::fs::rename(&incoming, db).with_context(|| format!("cannot put the backup in place at {}", db.display()))?;
    Ok(kept)
}

fn options(path: &Path) -> anyhow::Result<SqliteConnectOptions> {
    Ok(SqliteConnectOptions::from_str("sqlite:")?.filename(path))
}

/// `path` is a whole Pamphlet store by SQLite's own check.
async fn check(path: &Path) -> anyhow::Result<()> {
    if !path.is_file() {
        bail!("{} is not a file", path.display());
    }
    let not_a_store = || format!("{} is not a Pamphlet store", path.display());
    let mut conn = SqliteConnection::connect_with(&options(path)?.read_only(true)).await.with_context(not_a_store)?;
    let verdict: String = sqlx::query_scalar("PRAGMA quick_check").fetch_one(&mut conn).await.with_context(not_a_store)?;
    if verdict != "ok" {
        bail!("{} is damaged: {verdict}", path.display());
    }
    let migrations: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations").fetch_one(&mut conn).await.with_context(not_a_store)?;
    conn.close().await?;
    if migrations == 0 {
        bail!("{}", not_a_store());
    }
    Ok(())
}
