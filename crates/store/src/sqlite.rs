//! The SQLite backend: one file per database, WAL mode, and tenant files that can neither be
//! created by opening nor reach another file through `ATTACH`.

use crate::db::{Backend, Sql};
use crate::{Db, Row, StoreError, Value};
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions,
    SqliteRow, SqliteSynchronous,
};
use sqlx::{Column as _, Row as _, Sqlite, TypeInfo as _, ValueRef as _};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// How long a statement waits for another connection's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// `PRAGMA cache_size` of every connection: negative means KiB (SQLite's default is 2 MiB).
const TENANT_CACHE_SIZE: &str = "-64";

/// Prepared statements kept per connection (sqlx's default is 100).
const STATEMENT_CACHE: usize = 32;

/// Pool sizing for one SQLite file.
#[derive(Clone, Copy, Debug)]
pub struct PoolLimits {
    /// Most connections open at once.
    pub max_connections: u32,
    /// Idle connections close after this long.
    pub idle_timeout: Duration,
    /// How long a request waits for a free connection.
    pub acquire_timeout: Duration,
}

impl Default for PoolLimits {
    fn default() -> Self {
        PoolLimits {
            max_connections: 4,
            idle_timeout: Duration::from_secs(300),
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

fn base_options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT)
        // Schema objects in a file are never trusted to run functions with side effects.
        .pragma("trusted_schema", "OFF")
        // One company's database is small and thousands may be open at once, so each
        // connection keeps a small page cache (the operating system caches the file anyway)
        // and a modest number of prepared statements.
        .pragma("cache_size", TENANT_CACHE_SIZE)
        .statement_cache_capacity(STATEMENT_CACHE)
}

/// When a new pool opens its first connection.
#[derive(Clone, Copy)]
enum Connect {
    /// Now, so that opening fails at once on a bad file.
    Now,
    /// On first use. Tenant pools are opened and then queried straight away (their schema is
    /// checked), and opening eagerly would make that first query, racing the test
    /// connection's return to the pool, open a second connection per pool.
    OnFirstUse,
}

async fn pool(
    options: SqliteConnectOptions,
    limits: PoolLimits,
    connect: Connect,
) -> Result<Db, StoreError> {
    let pool_options = SqlitePoolOptions::new()
        .max_connections(limits.max_connections)
        .min_connections(0)
        .idle_timeout(limits.idle_timeout)
        .acquire_timeout(limits.acquire_timeout)
        // A SQLite connection is a file handle, not a socket that can hang up: pinging it on
        // every checkout would only add a round trip through its worker thread. A failing
        // file still fails the query itself.
        .test_before_acquire(false)
        .after_connect(|conn, _meta| Box::pin(async move { restrict(conn).await }));
    let pool = match connect {
        Connect::OnFirstUse => pool_options.connect_lazy_with(options),
        Connect::Now => {
            pool_options
                .connect_with(options)
                .await
                .map_err(|e| match StoreError::from(e) {
                    StoreError::Other(e) => StoreError::Unavailable(e.to_string()),
                    other => other,
                })?
        }
    };
    Ok(Db(Backend::Sqlite(pool)))
}

/// Creates `dir` and its missing parents owner-only (`0700` whatever the process umask): the
/// directories hold every company's data.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Opens `path` for writing, creating it owner-only (`0600` whatever the umask) when missing;
/// with `new`, an existing file is refused. SQLite gives a database's `-wal` and `-shm` files
/// the database file's mode, so they are owner-only too.
fn private_file(path: &Path, new: bool) -> std::io::Result<std::fs::File> {
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if new {
        options.create_new(true);
    } else {
        options.create(true);
    }
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Opens (creating if needed) a database file that Silo itself owns, such as the control plane.
pub async fn open_or_create(path: &Path, limits: PoolLimits) -> Result<Db, StoreError> {
    private_file(path, false).map_err(|e| StoreError::Unavailable(e.to_string()))?;
    let options = base_options(path)
        .create_if_missing(false)
        .journal_mode(SqliteJournalMode::Wal);
    pool(options, limits, Connect::Now).await
}

/// Opens an existing database file. A missing file is [`StoreError::Unavailable`], never a new
/// empty database: only [`create_new`] makes files. Nothing is written on open (the journal
/// mode, WAL, was set when the file was made and persists), so a damaged or foreign file is
/// left as it was found. The first connection opens on first use, so a file that is not a
/// usable database fails that first query.
pub async fn open_existing(path: &Path, limits: PoolLimits) -> Result<Db, StoreError> {
    if !path.is_file() {
        return Err(StoreError::Unavailable(format!(
            "database file {} does not exist",
            path.display()
        )));
    }
    pool(
        base_options(path).create_if_missing(false),
        limits,
        Connect::OnFirstUse,
    )
    .await
}

/// Creates a new database file; fails if one is already there, so a file is never taken over.
pub async fn create_new(path: &Path, limits: PoolLimits) -> Result<Db, StoreError> {
    private_file(path, true).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => StoreError::Conflict {
            constraint: format!("file {} exists", path.display()),
        },
        _ => StoreError::Unavailable(e.to_string()),
    })?;
    let options = base_options(path)
        .create_if_missing(false)
        .journal_mode(SqliteJournalMode::Wal);
    pool(options, limits, Connect::Now).await
}

/// Removes a database file and its WAL and shared-memory companions. Missing files are fine.
pub fn remove_files(path: &Path) -> std::io::Result<()> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        match std::fs::remove_file(&name) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Sets the connection's limit on attached databases to zero, so no statement on it can
/// `ATTACH` another file (another company's, say): SQLite then refuses with "too many attached
/// databases". Also drops the connection's lookaside allocator (about 120 KiB reserved per
/// connection by default), which matters with thousands of tenant connections open.
#[allow(unsafe_code, reason = "sqlx exposes no safe setter for sqlite3_limit")]
async fn restrict(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    let raw = handle.as_raw_handle();
    // SAFETY: `raw` is the live connection handle, held exclusively through the lock for the
    // duration of the calls; sqlite3_limit only reads and sets an integer on it, and
    // SQLITE_DBCONFIG_LOOKASIDE takes (buffer, slot size, slot count), here no buffer and no
    // slots. Lookaside still in use makes that call return SQLITE_BUSY and change nothing,
    // which is harmless.
    unsafe {
        libsqlite3_sys::sqlite3_limit(raw.as_ptr(), libsqlite3_sys::SQLITE_LIMIT_ATTACHED, 0);
        libsqlite3_sys::sqlite3_db_config(
            raw.as_ptr(),
            libsqlite3_sys::SQLITE_DBCONFIG_LOOKASIDE,
            std::ptr::null_mut::<std::ffi::c_void>(),
            0 as std::ffi::c_int,
            0 as std::ffi::c_int,
        );
    }
    Ok(())
}

fn bind<'q>(sql: &Sql, params: &[Value]) -> sqlx::query::Query<'q, Sqlite, SqliteArguments> {
    let mut query = sqlx::query(sql.to_sqlx());
    for p in params {
        query = match p.clone() {
            Value::Int(v) => query.bind(v),
            Value::Text(v) => query.bind(v),
            Value::Bool(v) => query.bind(v),
            Value::Bytes(v) => query.bind(v),
            Value::Real(v) => query.bind(v),
        };
    }
    query
}

fn decode(row: &SqliteRow, columns: &mut Option<Arc<[String]>>) -> Result<Row, StoreError> {
    let columns = columns
        .get_or_insert_with(|| row.columns().iter().map(|c| c.name().to_owned()).collect())
        .clone();
    let mut values = Vec::with_capacity(row.len());
    for i in 0..row.len() {
        let raw = row.try_get_raw(i)?;
        let value = if raw.is_null() {
            Value::Text(None)
        } else {
            match raw.type_info().name() {
                "INTEGER" | "BOOLEAN" => Value::Int(Some(row.try_get_unchecked(i)?)),
                "REAL" | "NUMERIC" => Value::Real(Some(row.try_get_unchecked(i)?)),
                "BLOB" => Value::Bytes(Some(row.try_get_unchecked(i)?)),
                _ => Value::Text(Some(row.try_get_unchecked(i)?)),
            }
        };
        values.push(value);
    }
    Ok(Row::new(columns, values))
}

crate::db::backend_queries!(Sqlite);
