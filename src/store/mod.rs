//! The store: one handle over the native connection pool of each backend
//! (SQLite, the embedded default, and PostgreSQL for several nodes).
//!
//! Query functions live next to the capability that owns the table and are
//! written once: [`on_pool!`] and [`on_tx!`] expand the same query text and
//! binds for each backend's native pool, so `FromRow` structs and SQL are
//! shared. Placeholders are `$1, $2, …`, which mean the same on SQLite and
//! PostgreSQL. Where SQL must differ, one function holds both variants.

pub mod backup;
pub mod changes;
pub mod transfer;
mod unwritable;
mod writer;

pub use unwritable::Unwritable;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use tokio::sync::Notify;

use crate::secrets::redact_url;

/// Where the store lives, as given on the command line.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    /// A `postgres://` URL; shown without its password.
    Postgres(String),
}

impl Location {
    /// `--database` wins over `--data`; without either the SQLite file sits in the data folder.
    pub fn from_flags(data_dir: &Path, database: Option<&str>) -> anyhow::Result<Self> {
        match database {
            None => Ok(Self::Sqlite(data_dir.join("pamphlet.db"))),
            Some(url) => Self::parse(url),
        }
    }

    /// `sqlite:PATH` or `postgres://…` (also `postgresql://…`).
    pub fn parse(url: &str) -> anyhow::Result<Self> {
        if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            if path.is_empty() {
                bail!("{url:?} names no file; use sqlite:PATH");
            }
            Ok(Self::Sqlite(PathBuf::from(path)))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            PgConnectOptions::from_str(url).map_err(|e| anyhow::anyhow!("{:?} is not a PostgreSQL URL: {e}", redact_url(url)))?;
            Ok(Self::Postgres(url.to_owned()))
        } else {
            bail!("{:?} is not a store Pamphlet can open; use sqlite:PATH or postgres://USER@HOST/DB", redact_url(url))
        }
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(path) => write!(f, "sqlite:{}", path.display()),
            Location::Postgres(url) => f.write_str(&redact_url(url)),
        }
    }
}

#[derive(Clone, Debug)]
pub enum Pool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// An open transaction on either backend. Writes take `&mut Tx` so that the
/// change-feed row is appended in the same transaction as the content.
pub struct Tx {
    pub conn: TxConn,
    commits: Arc<Commits>,
    /// This process's turn to write (SQLite), given back when the transaction ends.
    _turn: Turn,
}

/// A connection taken from the pool and kept, for a task that writes many
/// times a second: sqlx checks a pooled connection with a round trip when
/// it is given back, which costs more than a short write itself.
pub enum Conn {
    Sqlite(sqlx::pool::PoolConnection<sqlx::Sqlite>),
    Postgres(sqlx::pool::PoolConnection<sqlx::Postgres>),
}

/// A turn to write (see [`Store::turn`]).
#[must_use]
pub struct Turn {
    _held: Option<tokio::sync::OwnedMutexGuard<()>>,
}

/// How this process writes to a SQLite store. SQLite lets one writer in at
/// a time, and a connection that finds another writing sleeps in SQLite's
/// busy handler (1, 2, 5 … 100 ms) before it tries again; under load the
/// lock stood free while every writer slept. This process's writers wait in
/// `turns` instead, woken the moment the last one is done. Other processes
/// (`pamphlet user …`) still meet the busy timeout.
#[derive(Debug)]
struct SqliteWrites {
    turns: Arc<tokio::sync::Mutex<()>>,
    /// See [`writer`].
    writer: writer::Writer,
}

/// How long SQLite waits for another connection's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

pub enum TxConn {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
    commits: Arc<Commits>,
    /// `None` on PostgreSQL, where writers do not exclude each other.
    sqlite_writes: Option<Arc<SqliteWrites>>,
    /// A shared lock on the SQLite file's `.in-use` file while the store is
    /// open, so `pamphlet restore` can tell that nothing has it open.
    _in_use: Option<Arc<std::fs::File>>,
}

/// What happens in this process after every commit: the change-feed
/// follower is woken (instead of waiting for its next poll), and the hook
/// (the render cache's invalidation) runs before the writer answers, so an
/// editor's next request already sees the change.
#[derive(Default)]
pub struct Commits {
    wake: Arc<Notify>,
    hook: std::sync::OnceLock<Box<dyn Fn() + Send + Sync>>,
}

impl fmt::Debug for Commits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Commits")
    }
}

/// Runs `$body` with `$conn` bound to the native pool of the store's backend.
#[macro_export]
macro_rules! on_pool {
    ($store:expr, |$conn:ident| $body:expr) => {
        match $store.pool() {
            $crate::store::Pool::Sqlite($conn) => $body,
            $crate::store::Pool::Postgres($conn) => $body,
        }
    };
}

/// [`on_pool!`] for a statement that writes outside a [`Tx`]: it waits
/// for this process's turn to write first (see [`Store::turn`]). `$body`
/// gives a `Result<_, sqlx::Error>`.
#[macro_export]
macro_rules! on_write {
    ($store:expr, |$conn:ident| $body:expr) => {
        match $store.turn().await {
            Ok(_turn) => $crate::on_pool!($store, |$conn| $body),
            Err(error) => Err(error),
        }
    };
}

/// Runs `$body` with `$conn` bound to the native connection of an open transaction.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match &mut ($tx).conn {
            $crate::store::TxConn::Sqlite(tx) => {
                let $conn = &mut **tx;
                $body
            }
            $crate::store::TxConn::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Store {
    /// Opens (creating if needed) and migrates the store.
    pub async fn open(location: &Location) -> anyhow::Result<Self> {
        let store = match location {
            Location::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    private_folder(dir)?;
                }
                // The file holds password hashes and supporters' addresses: only
                // this account may read it. SQLite gives its WAL and SHM files
                // the main file's permissions.
                for file in [path.to_owned(), beside(path, "-wal"), beside(path, "-shm")] {
                    private_file(&file, file == *path)?;
                }
                let in_use = lock_file(beside(path, ".in-use"), Lock::Shared).await?;
                let options = SqliteConnectOptions::from_str("sqlite:")?
                    .filename(path)
                    .create_if_missing(true)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(BUSY_TIMEOUT)
                    // Reads map the file instead of copying each page through a
                    // syscall; a large export reads the whole archive.
                    .pragma("mmap_size", "268435456");
                // The file is switched to WAL once, by one connection: the mode
                // stays with the file. Asking for it on every new connection lets
                // SQLite answer "database is locked" at once, without waiting,
                // whenever another process (a node, `pamphlet user …`) is busy
                // writing; so only this first switch is retried.
                let started = std::time::Instant::now();
                loop {
                    let switched = async {
                        let wal = options.clone().journal_mode(SqliteJournalMode::Wal);
                        let conn = sqlx::ConnectOptions::connect(&wal).await?;
                        sqlx::Connection::close(conn).await
                    };
                    match switched.await {
                        Err(sqlx::Error::Database(e))
                            if e.code().as_deref() == Some("5") && started.elapsed() < Duration::from_secs(10) =>
                        {
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                        result => break result.with_context(|| format!("cannot open the SQLite store {}", path.display()))?,
                    }
                }
                let pool = SqlitePoolOptions::new()
                    .max_connections(8)
                    .before_acquire(|conn, _| Box::pin(ended_cleanly(conn)))
                    .connect_with(options)
                    .await
                    .with_context(|| format!("cannot open the SQLite store {}", path.display()))?;
                Store {
                    pool: Pool::Sqlite(pool),
                    commits: Arc::default(),
                    sqlite_writes: Some(Arc::new(SqliteWrites { turns: Arc::default(), writer: writer::Writer::start()? })),
                    _in_use: Some(Arc::new(in_use)),
                }
            }
            Location::Postgres(url) => {
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .before_acquire(|conn, _| Box::pin(ended_cleanly(conn)))
                    .acquire_timeout(Duration::from_secs(5))
                    .connect(url)
                    .await
                    .with_context(|| format!("cannot reach the PostgreSQL store {}", redact_url(url)))?;
                Store { pool: Pool::Postgres(pool), commits: Arc::default(), sqlite_writes: None, _in_use: None }
            }
        };
        // SQLite has no advisory locks (sqlx takes one on PostgreSQL), so
        // processes opening the same file migrate one after the other under a
        // lock file beside it.
        let _migration_lock = match location {
            Location::Sqlite(path) => Some(lock_file(path.with_extension("db.lock"), Lock::Exclusive).await?),
            Location::Postgres(_) => None,
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Applies pending migrations; refuses a store written by a newer binary.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let result = match &self.pool {
            Pool::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await,
            Pool::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await,
        };
        result.map_err(|e| match e {
            sqlx::migrate::MigrateError::VersionMissing(v) => {
                anyhow::anyhow!("the store was written by a newer Pamphlet (migration {v} is unknown to this binary); upgrade Pamphlet")
            }
            other => anyhow::Error::new(other).context("cannot migrate the store"),
        })
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Starts a write transaction. On SQLite it waits for this process's
    /// turn, then takes the write lock at once (`BEGIN IMMEDIATE`): a
    /// deferred transaction that reads and then writes is told "database is
    /// locked" at once when another writer got in first.
    pub async fn begin(&self) -> anyhow::Result<Tx> {
        let turn = self.turn().await?;
        let conn = match &self.pool {
            Pool::Sqlite(pool) => TxConn::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(pool) => TxConn::Postgres(pool.begin().await?),
        };
        Ok(Tx { conn, commits: self.commits.clone(), _turn: turn })
    }

    /// Runs `work`, a short write that takes its own turn (through
    /// [`Store::begin`] or [`on_write!`]) on the store it is given, on
    /// SQLite's writer thread (see [`writer`]); on PostgreSQL, where it is called.
    pub async fn on_writer<T, F>(&self, work: impl FnOnce(Store) -> F + Send + 'static) -> anyhow::Result<T>
    where
        F: Future<Output = anyhow::Result<T>> + Send + 'static,
        T: Send + 'static,
    {
        let store = self.clone();
        match &self.sqlite_writes {
            Some(writes) => writes.writer.run(move || work(store)).await,
            None => work(store).await,
        }
    }

    /// Waits, in order of arrival, for this process's turn to write; held
    /// until dropped. Immediate on PostgreSQL, where writers do not exclude
    /// each other. A write that waits longer than SQLite's busy timeout is
    /// refused as SQLite would refuse it, so a task that asks twice fails
    /// instead of waiting for ever.
    pub async fn turn(&self) -> Result<Turn, sqlx::Error> {
        let Some(writes) = &self.sqlite_writes else { return Ok(Turn { _held: None }) };
        match tokio::time::timeout(BUSY_TIMEOUT, writes.turns.clone().lock_owned()).await {
            Ok(guard) => Ok(Turn { _held: Some(guard) }),
            Err(_) => {
                let busy = format!("the store is busy: no turn to write within {} s", BUSY_TIMEOUT.as_secs());
                Err(sqlx::Error::Io(std::io::Error::new(std::io::ErrorKind::TimedOut, busy)))
            }
        }
    }

    /// A transaction that reads the store as it was at its first read,
    /// whatever commits meanwhile, and writes nothing: for copies of a site
    /// that goes on serving. Dropping it ends it.
    pub async fn snapshot(&self) -> anyhow::Result<Tx> {
        let conn = match &self.pool {
            // In WAL mode a deferred transaction's first read fixes what it sees.
            Pool::Sqlite(pool) => TxConn::Sqlite(pool.begin_with("BEGIN DEFERRED").await?),
            Pool::Postgres(pool) => TxConn::Postgres(pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?),
        };
        Ok(Tx { conn, commits: self.commits.clone(), _turn: Turn { _held: None } })
    }

    /// A connection to keep (see [`Conn`]).
    pub async fn keep_connection(&self) -> anyhow::Result<Conn> {
        Ok(match &self.pool {
            Pool::Sqlite(pool) => Conn::Sqlite(pool.acquire().await?),
            Pool::Postgres(pool) => Conn::Postgres(pool.acquire().await?),
        })
    }

    /// What a commit rings; the change-feed follower waits on it.
    pub fn wake(&self) -> Arc<Notify> {
        self.commits.wake.clone()
    }

    /// Sets the function every commit of this process runs (once per store).
    pub fn on_commit(&self, hook: impl Fn() + Send + Sync + 'static) {
        let _ = self.commits.hook.set(Box::new(hook));
    }

    /// Whether the store takes a write (used by `/healthz`). Answering a
    /// read is not enough: reads go on when the disk is full or another
    /// connection holds the write lock for good. A plain statement, not a
    /// [`Tx`], so the check does not empty the render cache.
    pub async fn takes_writes(&self) -> Result<(), sqlx::Error> {
        let at = now().unix_timestamp();
        on_write!(self, |pool| sqlx::query("UPDATE health SET checked_at = $1 WHERE id = 1").bind(at).execute(pool).await.map(drop))
    }

    pub async fn close(&self) {
        on_pool!(self, |pool| pool.close().await)
    }
}

impl Tx {
    /// Serialises, across processes and nodes, the writes that must see
    /// each other's result: first-start setup (the second to arrive waits,
    /// then finds the site in place) and the account changes that keep an
    /// owner (a role change, a removal, an invitation redeemed).
    pub async fn lock_site(&mut self) -> anyhow::Result<()> {
        match &mut self.conn {
            // Every SQLite transaction holds the write lock from its start (see `Store::begin`).
            TxConn::Sqlite(_) => {}
            TxConn::Postgres(tx) => sqlx::query("SELECT pg_advisory_xact_lock(80976509140)").execute(&mut **tx).await.map(drop)?,
        }
        Ok(())
    }

    /// Serialises, across processes and nodes, the transactions that count
    /// against one `key` (a throttle's), so each counts what the last wrote.
    /// Take several keys in the same order everywhere.
    pub async fn lock_key(&mut self, key: &str) -> anyhow::Result<()> {
        match &mut self.conn {
            TxConn::Sqlite(_) => {}
            TxConn::Postgres(tx) => {
                sqlx::query("SELECT pg_advisory_xact_lock(8097, hashtext($1))").bind(key).execute(&mut **tx).await.map(drop)?
            }
        }
        Ok(())
    }

    /// Commits a write no page shows (a throttle's count): the render cache
    /// and the tasks waiting for changes are left alone, so a flood of
    /// attempts cannot empty the cache.
    pub async fn commit_unseen(self) -> anyhow::Result<()> {
        match self.conn {
            TxConn::Sqlite(tx) => tx.commit().await?,
            TxConn::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    pub async fn commit(self) -> anyhow::Result<()> {
        let commits = self.commits.clone();
        self.commit_unseen().await?;
        if let Some(hook) = commits.hook.get() {
            hook();
        }
        commits.wake.notify_one();
        Ok(())
    }
}

/// Whether a pooled connection may be handed out again. After a full disk
/// SQLite has already rolled the transaction back itself, so the driver's
/// ROLLBACK fails and it still counts the connection as inside a
/// transaction: reused, its next BEGIN would become a savepoint and every
/// later "commit" would release the savepoint and commit nothing. Such a
/// connection is closed instead.
async fn ended_cleanly<C: sqlx::Connection>(conn: &mut C) -> Result<bool, sqlx::Error> {
    if conn.is_in_transaction() {
        tracing::warn!("closing a store connection whose last transaction did not end");
        return Ok(false);
    }
    Ok(true)
}

#[derive(Clone, Copy)]
enum Lock {
    Shared,
    Exclusive,
}

/// A lock on `path`, waited for and held until the file is dropped.
async fn lock_file(path: PathBuf, lock: Lock) -> anyhow::Result<std::fs::File> {
    tokio::task::spawn_blocking(move || {
        let file = open_lock_file(&path)?;
        match lock {
            Lock::Shared => file.lock_shared(),
            Lock::Exclusive => file.lock(),
        }
        .with_context(|| format!("cannot lock {}", path.display()))?;
        Ok(file)
    })
    .await?
}

fn open_lock_file(path: &Path) -> anyhow::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .with_context(|| format!("cannot create the lock file {}", path.display()))
}

/// Creates the data folder for this account alone (0700); an existing
/// folder that others may read is left as it is, with a warning.
pub(crate) fn private_folder(dir: &Path) -> anyhow::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        if let Ok(meta) = std::fs::metadata(dir)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(folder = %dir.display(), "other accounts on this machine may read the data folder; `chmod 700` it");
        }
        builder.mode(0o700);
    }
    builder.create(dir).with_context(|| format!("cannot create the data folder {}", dir.display()))
}

/// Makes `path` readable and writable by this account alone (0600),
/// creating it empty when `create` and it is missing.
pub(crate) fn private_file(path: &Path, create: bool) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        match std::fs::metadata(path) {
            Ok(meta) if meta.permissions().mode() & 0o077 != 0 => std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .with_context(|| format!("cannot make {} private", path.display()))?,
            Ok(_) => {}
            Err(_) if create => {
                std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(path)
                    .with_context(|| format!("cannot create {}", path.display()))?;
            }
            Err(_) => {}
        }
    }
    #[cfg(not(unix))]
    let _ = (path, create);
    Ok(())
}

/// The path of a file beside `path`: its name with `suffix` added.
fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The time to store for a write, in whole seconds so that every backend
/// keeps exactly the same value (SQLite keeps nanoseconds, PostgreSQL micro).
pub fn now() -> time::OffsetDateTime {
    let now = time::OffsetDateTime::now_utc();
    now.replace_nanosecond(0).unwrap_or(now)
}

/// A `LIKE … ESCAPE '\\'` pattern that finds `typed` (lowercased) anywhere,
/// with `%` and `_` matched as themselves.
pub fn contains_pattern(typed: &str) -> String {
    format!("%{}%", like_escaped(&typed.trim().to_lowercase()))
}

/// `text` for a `LIKE … ESCAPE '\\'` pattern, matching itself only.
pub fn like_escaped(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Counts by status in the order of `statuses`, with 0 for a status no row has.
pub fn by_status(statuses: &[&str], rows: Vec<(String, i64)>) -> Vec<(String, i64)> {
    statuses.iter().map(|s| (s.to_string(), rows.iter().find(|(status, _)| status == s).map_or(0, |(_, n)| *n))).collect()
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
        assert_eq!(
            Location::from_flags(data, Some("postgres://u:secret@db:5432/site")).unwrap(),
            Location::Postgres("postgres://u:secret@db:5432/site".into())
        );
    }

    #[test]
    fn passwords_never_show_in_messages() {
        let location = Location::parse("postgres://pamphlet:hunter2@db.internal/site").unwrap();
        assert_eq!(location.to_string(), "postgres://pamphlet:***@db.internal/site");
        assert!(!format!("{location:?}").contains("hunter2"));
        let err = Location::parse("mysql://u:hunter2@x/y").unwrap_err().to_string();
        assert!(!err.contains("hunter2"), "{err}");
    }
}
