//! `pamphlet backup` and `pamphlet restore`. A backup is always a SQLite
//! store file, whichever backend made it, so any backup restores into
//! either backend.
//!
//! - From SQLite it is `VACUUM INTO`: one read snapshot written out at once,
//!   so it finishes while editors save (SQLite's `.backup` starts over at
//!   every write and may never finish).
//! - From PostgreSQL every table is copied from one `REPEATABLE READ`
//!   snapshot into a new SQLite store (`transfer::copy_all`), then counted
//!   and checksummed on both sides.
//!
//! A restore into SQLite replaces the file of a store nothing has open,
//! keeps the replaced file beside it, and checks the copy's SHA-256. A
//! restore into PostgreSQL copies every table into an empty database and
//! checks each table's rows and checksum.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};
use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};

use super::transfer::{self, Tally};
use super::{Location, Store, beside, open_lock_file, private_file, private_folder};

/// What a backup or a restore did, to tell the person who ran it.
#[derive(Debug, Default)]
pub struct Report {
    /// Each table's rows and checksum, when copied table by table.
    pub tables: Vec<Tally>,
    /// The SHA-256 of a store file copied whole.
    pub sha256: Option<String>,
    /// Where the store a restore replaced was kept.
    pub kept: Option<PathBuf>,
}

/// Writes a copy of the whole store at `location` to the new file `to`.
pub async fn backup(location: &Location, to: &Path) -> anyhow::Result<Report> {
    if to.exists() {
        bail!("{} already exists; name a new file for the backup", to.display());
    }
    // Written under another name first, so a backup cut short never looks whole.
    let partial = beside(to, ".partial");
    let _ = std::fs::remove_file(&partial);
    let report = match location {
        Location::Sqlite(db) => {
            vacuum_into(db, &partial).await?;
            Report::default()
        }
        Location::Postgres(_) => archive(location, &partial).await?,
    };
    check(&partial).await?;
    std::fs::rename(&partial, to).with_context(|| format!("cannot name the backup {}", to.display()))?;
    Ok(report)
}

async fn vacuum_into(db: &Path, partial: &Path) -> anyhow::Result<()> {
    if !db.is_file() {
        bail!("there is no store at {} to back up", db.display());
    }
    // Created empty and private first (VACUUM INTO takes an empty file): a backup holds what the store holds.
    private_file(partial, true)?;
    let target = partial.to_str().with_context(|| format!("{} is not a path SQLite can write to", partial.display()))?;
    let mut conn = SqliteConnection::connect_with(&options(db)?).await.with_context(|| format!("cannot open {}", db.display()))?;
    sqlx::query("VACUUM INTO $1").bind(target).execute(&mut conn).await.with_context(|| format!("cannot write {}", partial.display()))?;
    conn.close().await?;
    Ok(())
}

/// Every table of the PostgreSQL store at `location`, from one snapshot,
/// into a new SQLite store file `partial`.
async fn archive(location: &Location, partial: &Path) -> anyhow::Result<Report> {
    let source = Store::open(location).await?;
    // The store is made in a folder of its own, which takes its lock files with it.
    let folder = Scratch::beside(partial)?;
    let file = folder.0.join("pamphlet.db");
    let archive = Store::open(&Location::Sqlite(file.clone())).await?;
    let tables = transfer::copy_all(&source, &archive).await?;
    archive.close().await;
    source.close().await;
    // Out of WAL mode, the file is whole by itself, like one `VACUUM INTO` writes.
    let mut conn = SqliteConnection::connect_with(&options(&file)?).await?;
    sqlx::query("PRAGMA journal_mode = DELETE").execute(&mut conn).await?;
    conn.close().await?;
    std::fs::rename(&file, partial).with_context(|| format!("cannot write {}", partial.display()))?;
    Ok(Report { tables, ..Report::default() })
}

/// Puts the backup `from` in place of the store at `location`.
pub async fn restore(from: &Path, location: &Location) -> anyhow::Result<Report> {
    match location {
        Location::Sqlite(db) => replace(from, db).await,
        Location::Postgres(_) => {
            check(from).await?;
            // Opening a store migrates it: a copy is opened, so the backup stays as it was.
            let folder = Scratch::in_temp()?;
            let copy = folder.0.join("pamphlet.db");
            std::fs::copy(from, &copy).with_context(|| format!("cannot copy {} to {}", from.display(), copy.display()))?;
            let source = Store::open(&Location::Sqlite(copy)).await?;
            let destination = Store::open(location).await?;
            let tables = transfer::copy_all(&source, &destination).await?;
            source.close().await;
            destination.close().await;
            Ok(Report { tables, ..Report::default() })
        }
    }
}

/// A private folder removed with everything in it when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn beside(path: &Path) -> anyhow::Result<Self> {
        Self::at(beside(path, ".folder"))
    }

    fn in_temp() -> anyhow::Result<Self> {
        Self::at(std::env::temp_dir().join(format!("pamphlet-restore-{}", std::process::id())))
    }

    fn at(path: PathBuf) -> anyhow::Result<Self> {
        let _ = std::fs::remove_dir_all(&path);
        private_folder(&path)?;
        Ok(Scratch(path))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Replaces the store file `db` with the backup `from`, keeping the
/// replaced store beside it, if there was one.
async fn replace(from: &Path, db: &Path) -> anyhow::Result<Report> {
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
    let sha256 = sha256_of(&incoming)?;
    anyhow::ensure!(sha256 == sha256_of(from)?, "the copy of {} differs from it; the disk may be failing", from.display());
    std::fs::rename(&incoming, db).with_context(|| format!("cannot put the backup in place at {}", db.display()))?;
    Ok(Report { sha256: Some(sha256), kept, ..Report::default() })
}

fn sha256_of(path: &Path) -> anyhow::Result<String> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let (mut hasher, mut buffer) = (Sha256::new(), vec![0; 1 << 20]);
    loop {
        match file.read(&mut buffer).with_context(|| format!("cannot read {}", path.display()))? {
            0 => break,
            n => hasher.update(&buffer[..n]),
        }
    }
    Ok(crate::secrets::hex(&hasher.finalize()))
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
