//! The store: one handle over the native connection pool of each backend.
//!
//! Query functions live next to the capability that owns the table and are
//! written once: [`on_pool!`] and [`on_tx!`] expand the same query text and
//! binds for each backend's native pool, so `FromRow` structs and SQL are
//! shared. Placeholders are `$1, $2, …`, which mean the same on SQLite and
//! PostgreSQL. Only SQLite is built in today; a PostgreSQL backend adds a
//! variant to [`Pool`] and [`Tx`] and one arm to each macro.

pub mod changes;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, bail};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

/// Where the store lives, as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
}

impl Location {
    /// `--database` wins over `--data`; without either the SQLite file sits in the data folder.
    pub fn from_flags(data_dir: &Path, database: Option<&str>) -> anyhow::Result<Self> {
        match database {
            None => Ok(Self::Sqlite(data_dir.join("pamphlet.db"))),
            Some(url) => {
                if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
                    if path.is_empty() {
                        bail!("--database {url:?} names no file; use sqlite:PATH");
                    }
                    Ok(Self::Sqlite(PathBuf::from(path)))
                } else {
                    bail!("--database {url:?} is not a store this build can open; use sqlite:PATH (or leave it out to use --data)")
                }
            }
        }
    }
}

#[derive(Clone, Debug)]
pub enum Pool {
    Sqlite(sqlx::SqlitePool),
}

/// An open transaction on either backend. Writes take `&mut Tx` so that the
/// change-feed row is appended in the same transaction as the content.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
}

#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
}

/// Runs `$body` with `$conn` bound to the native pool of the store's backend.
#[macro_export]
macro_rules! on_pool {
    ($store:expr, |$conn:ident| $body:expr) => {
        match $store.pool() {
            $crate::store::Pool::Sqlite($conn) => $body,
        }
    };
}

/// Runs `$body` with `$conn` bound to the native connection of an open transaction.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match $tx {
            $crate::store::Tx::Sqlite(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

impl Store {
    /// Opens (creating if needed) and migrates the store.
    pub async fn open(location: &Location) -> anyhow::Result<Self> {
        let store = match location {
            Location::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).with_context(|| format!("cannot create the data folder {}", dir.display()))?;
                }
                let options = SqliteConnectOptions::from_str("sqlite:")?
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(5));
                let pool = SqlitePoolOptions::new()
                    .max_connections(8)
                    .connect_with(options)
                    .await
                    .with_context(|| format!("cannot open the SQLite store {}", path.display()))?;
                Store { pool: Pool::Sqlite(pool) }
            }
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> anyhow::Result<()> {
        match &self.pool {
            Pool::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await.map_err(|e| match e {
                sqlx::migrate::MigrateError::VersionMissing(v) => {
                    anyhow::anyhow!("the store was written by a newer Pamphlet (migration {v} is unknown to this binary); upgrade Pamphlet")
                }
                other => anyhow::Error::new(other).context("cannot migrate the store"),
            }),
        }
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    pub async fn begin(&self) -> anyhow::Result<Tx> {
        Ok(match &self.pool {
            Pool::Sqlite(pool) => Tx::Sqlite(pool.begin().await?),
        })
    }

    /// True once the store answers a trivial query (used by `/healthz`).
    pub async fn is_reachable(&self) -> bool {
        on_pool!(self, |pool| sqlx::query("SELECT 1").execute(pool).await.is_ok())
    }

    pub async fn close(&self) {
        on_pool!(self, |pool| pool.close().await)
    }
}

impl Tx {
    pub async fn commit(self) -> anyhow::Result<()> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_flag_overrides_data_folder() {
        let data = Path::new("/tmp/x");
        assert_eq!(Location::from_flags(data, None).unwrap(), Location::Sqlite("/tmp/x/pamphlet.db".into()));
        assert_eq!(Location::from_flags(data, Some("sqlite:/srv/site.db")).unwrap(), Location::Sqlite("/srv/site.db".into()));
        assert!(Location::from_flags(data, Some("mysql://x")).is_err());
        assert!(Location::from_flags(data, Some("sqlite:")).is_err());
    }
}
