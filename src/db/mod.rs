//! The connection pool, chosen at run time: SQLite (the embedded default) or PostgreSQL, in one binary.

pub mod copy;
pub mod debates;
pub mod proposals;
pub mod queries;
pub mod search;
mod writer;

use std::path::Path;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, R2D2Connection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::config::Backend;
use crate::error::{Error, Result};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to either engine. Queries are written once against it.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(PgConnection),
    // SQLite last: it accepts any string as a URL.
    Sqlite(SqliteConnection),
}

/// Opens connections of the engine the URL names, never trying the other one (a mistyped PostgreSQL URL
/// must not silently become a SQLite file).
#[derive(Debug)]
struct Manager {
    backend: Backend,
    target: String,
}

impl r2d2::ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<AnyConnection, r2d2::Error> {
        match self.backend {
            Backend::Postgres => PgConnection::establish(&self.target)
                .map(AnyConnection::Postgresql)
                .map_err(r2d2::Error::ConnectionError),
            Backend::Sqlite => {
                let mut conn = SqliteConnection::establish(&self.target)
                    .map_err(r2d2::Error::ConnectionError)?;
                // WAL is set once on the file before the pool opens (see `Database::connect`): switching it from
                // several new connections at once makes them fail with "database is locked".
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                )
                .map_err(r2d2::Error::QueryError)?;
                Ok(AnyConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), r2d2::Error> {
        conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        conn.is_broken()
    }
}

/// The advisory lock of the periodic work that turns notifications into mail, reminders and closings: on a
/// PostgreSQL database shared by several processes, one transaction at a time does it, so that two do not
/// both tell the same people.
const NOTICES_LOCK: i64 = 0x7061_7276_6973 + 1;

/// Waits for this transaction's turn at the periodic notice work (see `NOTICES_LOCK`); released at its end.
/// SQLite has one server process, and one writer at a time anyway.
pub fn take_turn(conn: &mut AnyConnection) -> Result<()> {
    if let AnyConnection::Postgresql(c) = conn {
        c.batch_execute(&format!("SELECT pg_advisory_xact_lock({NOTICES_LOCK})"))
            .map_err(|e| Error::Unavailable(format!("cannot wait for the notices' turn: {e}")))?;
    }
    Ok(())
}

/// What a named turn is about (the first half of a two-part PostgreSQL advisory lock; these never meet the
/// one-part locks above).
#[derive(Debug, Clone, Copy)]
#[repr(i32)]
pub enum TurnOf {
    /// Storing a remote actor learnt from its key: the upsert keys on the actor's id, and a second unique
    /// index (its key id) is not covered by `ON CONFLICT`, so two processes learning the same actor at once
    /// take turns (the second then updates the row the first wrote).
    RemoteKey = 1,
}

/// Waits for this transaction's turn at `what` for `name` (released at its end). SQLite has one writer at a
/// time anyway.
pub fn take_turn_for(conn: &mut AnyConnection, what: TurnOf, name: &str) -> Result<()> {
    if let AnyConnection::Postgresql(c) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
            .bind::<diesel::sql_types::Integer, _>(what as i32)
            .bind::<diesel::sql_types::Text, _>(name)
            .execute(c)?;
    }
    Ok(())
}

/// The advisory lock migrations run under on PostgreSQL (any number, the same in every process: "parvis").
const MIGRATION_LOCK: i64 = 0x7061_7276_6973;

/// The hold of the one server process an SQLite database takes: a lock on a file beside the database, held
/// while the process lives (the system releases it when the process ends, even by `kill -9`).
#[derive(Debug)]
pub struct ServeLock {
    _file: std::fs::File,
}

impl ServeLock {
    /// Takes the hold for `url` if it names an SQLite database (PostgreSQL takes any number of processes).
    /// A second server on the same file is refused with a clear message; admin commands do not take it.
    pub fn take(url: &str, backend: Backend) -> Result<Option<ServeLock>> {
        if backend != Backend::Sqlite {
            return Ok(None);
        }
        let path = url.strip_prefix("sqlite://").unwrap_or(url);
        let lock = format!("{path}.serve-lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock)
            .map_err(|e| Error::Unavailable(format!("cannot open {lock}: {e}")))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(ServeLock { _file: file })),
            Err(std::fs::TryLockError::WouldBlock) => Err(Error::Conflict(format!(
                "another `parvis serve` is running on {path}: an SQLite database takes one server process \
                 (admin commands still work beside it). Stop the other one first; PostgreSQL takes several \
                 server processes"
            ))),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(Error::Unavailable(format!("cannot lock {lock}: {e}")))
            }
        }
    }
}

/// A connection from `pool`, the wait observed in `waits`.
fn timed_get(
    pool: &r2d2::Pool<Manager>,
    waits: &prometheus_client::metrics::histogram::Histogram,
) -> Result<r2d2::PooledConnection<Manager>> {
    let asked = std::time::Instant::now();
    let conn = pool.get();
    waits.observe(asked.elapsed().as_secs_f64());
    conn.map_err(|e| Error::Unavailable(format!("no database connection: {e}")))
}

/// The pool, cheap to clone.
#[derive(Clone)]
pub struct Database {
    pool: r2d2::Pool<Manager>,
    backend: Backend,
    /// How long each request for a connection waited (the metrics read it).
    waits: prometheus_client::metrics::histogram::Histogram,
    /// On SQLite, the thread that runs transactions in batches (`writer`).
    writer: Option<std::sync::Arc<writer::Writer>>,
    /// On SQLite, how many transactions each commit carried (the metrics read it).
    batches: prometheus_client::metrics::histogram::Histogram,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("backend", &self.backend)
            .finish()
    }
}

impl Database {
    /// Connects to `url` (`sqlite://PATH` or `postgres://…`); for SQLite, creates the file's directory.
    pub fn connect(url: &str, backend: Backend, pool_size: u32) -> Result<Database> {
        let target = match backend {
            Backend::Postgres => url.to_string(),
            Backend::Sqlite => {
                let path = url.strip_prefix("sqlite://").unwrap_or(url);
                if let Some(dir) = Path::new(path)
                    .parent()
                    .filter(|d| !d.as_os_str().is_empty())
                {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        Error::Unavailable(format!("cannot create {}: {e}", dir.display()))
                    })?;
                }
                // Write-ahead logging lets readers and the writer work at once; it is a property of the file.
                let mut first = SqliteConnection::establish(path)
                    .map_err(|e| Error::Unavailable(format!("cannot open {path}: {e}")))?;
                first
                    .batch_execute("PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL;")
                    .map_err(|e| Error::Unavailable(format!("cannot set up {path}: {e}")))?;
                path.to_string()
            }
        };
        let pool = r2d2::Pool::builder()
            .max_size(pool_size)
            .connection_timeout(Duration::from_secs(10))
            .build(Manager { backend, target })
            .map_err(|e| Error::Unavailable(format!("cannot open the database: {e}")))?;
        // 0.1 ms to about 13 s: a pool too small for the load shows here first.
        let waits = prometheus_client::metrics::histogram::Histogram::new(
            prometheus_client::metrics::histogram::exponential_buckets(0.0001, 4.0, 9),
        );
        let batches = prometheus_client::metrics::histogram::Histogram::new(
            prometheus_client::metrics::histogram::exponential_buckets(1.0, 2.0, 9),
        );
        let writer = match backend {
            Backend::Sqlite => Some(std::sync::Arc::new(writer::Writer::start(
                pool.clone(),
                waits.clone(),
                batches.clone(),
            )?)),
            Backend::Postgres => None,
        };
        Ok(Database {
            pool,
            backend,
            waits,
            writer,
            batches,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies the pending migrations of this engine's tree. On PostgreSQL, several processes starting at
    /// once take turns under an advisory lock: the first applies them, the others find nothing left to do
    /// (without it, two would run the same `CREATE TABLE` and one would fail).
    pub fn migrate(&self) -> Result<usize> {
        let mut conn = self.conn()?;
        let applied = match &mut *conn {
            AnyConnection::Sqlite(c) => {
                c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len())
            }
            AnyConnection::Postgresql(c) => {
                c.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
                    .map_err(|e| Error::Unavailable(format!("cannot lock the migrations: {e}")))?;
                let applied = c
                    .run_pending_migrations(POSTGRES_MIGRATIONS)
                    .map(|v| v.len());
                // Held by the session: released here, or by PostgreSQL if the process dies.
                let unlocked =
                    c.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"));
                if let Err(e) = unlocked {
                    tracing::warn!(error = %e, "cannot release the migrations lock");
                }
                applied
            }
        };
        applied.map_err(|e| Error::Unavailable(format!("migration failed: {e}")))
    }

    /// Reverts the applied migrations newest first (their `down.sql`), down to and including `name` (its
    /// directory, e.g. `2026-12-06-000012_provenance`): for tests that check a migration keeps the data it
    /// rewrites. Returns how many were reverted.
    pub fn revert_through(&self, name: &str) -> Result<usize> {
        let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
        let wanted = digits(name.split('_').next().unwrap_or(name));
        let mut conn = self.conn()?;
        for reverted in 1.. {
            let version = match &mut *conn {
                AnyConnection::Sqlite(c) => c
                    .revert_last_migration(SQLITE_MIGRATIONS)
                    .map(|v| v.to_string()),
                AnyConnection::Postgresql(c) => c
                    .revert_last_migration(POSTGRES_MIGRATIONS)
                    .map(|v| v.to_string()),
            }
            .map_err(|e| Error::Unavailable(format!("reverting failed: {e}")))?;
            if digits(&version) == wanted {
                return Ok(reverted);
            }
        }
        unreachable!("reverting stops with an error when nothing is left")
    }

    fn conn(&self) -> Result<r2d2::PooledConnection<Manager>> {
        timed_get(&self.pool, &self.waits)
    }

    /// The histogram of waits for a connection, for the metrics.
    pub fn pool_waits(&self) -> prometheus_client::metrics::histogram::Histogram {
        self.waits.clone()
    }

    /// The histogram of transactions per commit (SQLite's group commit; empty on PostgreSQL).
    pub fn commit_batches(&self) -> prometheus_client::metrics::histogram::Histogram {
        self.batches.clone()
    }

    /// The pool's connections and how many of them are idle.
    pub fn pool_state(&self) -> (u32, u32) {
        let state = self.pool.state();
        (state.connections, state.idle_connections)
    }

    /// Runs blocking database work on the blocking thread pool.
    pub async fn run<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.run_blocking(work))
            .await
            .map_err(Error::internal)?
    }

    /// Runs database work on this thread (command-line tools, or code already off the async runtime).
    pub fn run_blocking<T>(&self, work: impl FnOnce(&mut AnyConnection) -> Result<T>) -> Result<T> {
        let mut conn = self.conn()?;
        work(&mut conn)
    }

    /// Runs `work` in one transaction: all of it is written, or none.
    ///
    /// On SQLite the transactions are run by one thread, in batches committed together (`db::writer`): the
    /// result comes back once its batch is committed. `work` must not open a transaction of its own.
    pub async fn transaction<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T> + Send + 'static,
    {
        match &self.writer {
            Some(writer) => writer.submit(work).await,
            None => self.run(|conn| conn.transaction(work)).await,
        }
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        self.run(|conn| conn.ping().map_err(Error::from))
            .await
            .is_ok()
    }
}

/// Runs the same diesel code on the concrete connection, for what the multi-backend connection cannot
/// express (upserts: `ON CONFLICT` is written per backend).
#[macro_export]
macro_rules! on_each_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::AnyConnection::Sqlite($c) => $body,
            $crate::db::AnyConnection::Postgresql($c) => $body,
        }
    };
}

/// Runs `f` and counts the SQL statements it sends (for tests and benchmarks: a page must cost a fixed
/// number of statements, whatever it shows).
pub fn count_statements<T>(
    conn: &mut AnyConnection,
    f: impl FnOnce(&mut AnyConnection) -> crate::error::Result<T>,
) -> crate::error::Result<(T, usize)> {
    use diesel::Connection;
    use diesel::connection::InstrumentationEvent;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let counted = Arc::new(AtomicUsize::new(0));
    let counter = counted.clone();
    conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
        if matches!(event, InstrumentationEvent::StartQuery { .. }) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    });
    let result = f(conn);
    conn.set_instrumentation(|_: InstrumentationEvent<'_>| {});
    Ok((result?, counted.load(Ordering::Relaxed)))
}
