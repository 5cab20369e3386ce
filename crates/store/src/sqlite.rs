//! The SQLite backend: one file per database, WAL mode, and tenant files that can neither be
//! created by opening nor reach another file through `ATTACH`.
//!
//! Connections are `rusqlite` connections; their statements run on the few threads of
//! [`crate::workers`], shared by every open database, so an open company costs a connection
//! and no thread. A database's connections sit in a small pool of its own ([`SqlitePool`]); a
//! request holds one for a statement, a transaction holds one until it ends, across awaits.

use crate::db::{Backend, Sql};
use crate::workers;
use crate::{Db, Row, StoreError, Value};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags, ToSql};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a statement waits for another connection's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Prepared statements kept per connection (each costs a few KiB; a request path uses a
/// handful of distinct statements per company).
const STATEMENT_CACHE: usize = 16;

/// Settings every connection gets when it opens. Schema objects in a file are never trusted
/// to run functions with side effects. One company's database is small and thousands may be
/// open at once, so each connection keeps a small page cache (`cache_size` negative is KiB;
/// SQLite's default is 2 MiB; the operating system caches the file anyway). Deleted rows are
/// overwritten with zeros (`secure_delete`), so an erased person's or record's data does not
/// linger in the file's free pages (AVG/GDPR erasure; see docs/privacy-accounts.md).
const CONNECTION_PRAGMAS: &str = "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
     PRAGMA trusted_schema = OFF; PRAGMA cache_size = -64; PRAGMA secure_delete = ON;";

/// Pool sizing for one SQLite file.
#[derive(Clone, Copy, Debug)]
pub struct PoolLimits {
    /// Most connections open at once.
    pub max_connections: u32,
    /// Idle connections close after this long (PostgreSQL; a SQLite pool keeps its few
    /// connections until it closes, and the tenancy layer closes pools that sit idle).
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

/// The connections of one database file.
#[derive(Clone)]
pub(crate) struct SqlitePool(Arc<PoolInner>);

impl fmt::Debug for SqlitePool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqlitePool")
            .field("path", &self.0.path)
            .field("open", &self.0.open.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

struct PoolInner {
    path: PathBuf,
    /// Whether each new connection sets WAL (files Silo creates or owns); an existing tenant
    /// file is opened without writing anything.
    wal: bool,
    max_connections: u32,
    acquire_timeout: Duration,
    /// One permit per connection that may be checked out; closing the pool closes it.
    permits: Arc<Semaphore>,
    idle: Mutex<Vec<Connection>>,
    /// Connections open, idle or checked out.
    open: AtomicU32,
    closed: AtomicBool,
}

impl PoolInner {
    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<Connection>> {
        // Every operation on the list is a single push or pop, so poison changes nothing.
        self.idle.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Opens a new connection to the file, never creating it.
    fn connect(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        restrict(&conn)?;
        // No busy handler: a statement that meets another connection's lock returns at once
        // and waits asynchronously (see `retry_busy`), so it never holds a shared thread.
        conn.busy_timeout(Duration::ZERO)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        conn.execute_batch(CONNECTION_PRAGMAS)?;
        if self.wal {
            conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
        }
        // The pragmas made SQLite read and parse the schema, which filled the page cache with
        // `sqlite_master`'s pages; no request needs them again, and most open companies sit
        // idle, so they are let go (about 40 KiB per connection with Silo's tenant schema).
        conn.execute_batch("PRAGMA shrink_memory")?;
        Ok(conn)
    }

    /// An idle connection, or a new one. Runs on a worker thread (opening reads the file).
    fn checkout(self: &Arc<Self>, permit: OwnedSemaphorePermit) -> rusqlite::Result<Conn> {
        let idle = self.idle().pop();
        let conn = match idle {
            Some(conn) => conn,
            None => {
                let conn = self.connect()?;
                self.open.fetch_add(1, Ordering::Relaxed);
                conn
            }
        };
        Ok(Conn {
            conn: Some(conn),
            pool: self.clone(),
            _permit: permit,
        })
    }
}

/// A checked-out connection. Dropped, it goes back to its pool's idle list, rolled back first
/// if a transaction was left open on it (a dropped [`crate::Tx`], a cancelled request), or
/// closes if its pool was closed meanwhile.
pub(crate) struct Conn {
    conn: Option<Connection>,
    pool: Arc<PoolInner>,
    /// Released after the connection is back in the idle list (fields drop after `drop`).
    _permit: OwnedSemaphorePermit,
}

impl Conn {
    fn get(&self) -> rusqlite::Result<&Connection> {
        self.conn.as_ref().ok_or(rusqlite::Error::InvalidQuery)
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        let clean = conn.is_autocommit() || conn.execute_batch("ROLLBACK").is_ok();
        if clean && !self.pool.closed.load(Ordering::Acquire) {
            self.pool.idle().push(conn);
        } else {
            self.pool.open.fetch_sub(1, Ordering::Relaxed);
            drop(conn);
        }
    }
}

fn closed_error() -> StoreError {
    StoreError::Unavailable(
        "the database was closed under this request (moved, erased or shut down)".into(),
    )
}

/// A statement to run: its text and its parameters, owned so that it can move to a worker.
struct Statement {
    sql: Sql,
    params: Vec<Value>,
}

/// What runs a statement on a connection (execute, fetch all, fetch one).
type Op<T> = fn(&Connection, &Statement) -> rusqlite::Result<T>;

/// Whether `err` is another connection's lock that may be waited out. A stale snapshot
/// (`SQLITE_BUSY_SNAPSHOT`) never clears by waiting, so it is not retried.
fn is_busy(err: &rusqlite::Error) -> bool {
    matches!(err, rusqlite::Error::SqliteFailure(e, _)
        if e.code == rusqlite::ErrorCode::DatabaseBusy
            && e.extended_code != rusqlite::ffi::SQLITE_BUSY_SNAPSHOT)
}

/// Waits between attempts at a locked database, like SQLite's own busy handler (1 ms growing
/// to 100 ms), but asynchronously, so that no worker thread sleeps.
fn busy_delay(attempt: u32) -> Duration {
    const DELAYS_MS: [u64; 12] = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];
    Duration::from_millis(DELAYS_MS[(attempt as usize).min(DELAYS_MS.len() - 1)])
}

/// Runs `attempt` until it succeeds, fails other than busy, or the busy timeout has passed.
/// Safe for single statements: one that fails with `SQLITE_BUSY` has changed nothing.
async fn retry_busy<T, F, Fut>(mut attempt: F) -> Result<T, StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<rusqlite::Result<T>, StoreError>>,
{
    let deadline = Instant::now() + BUSY_TIMEOUT;
    let mut tries = 0;
    loop {
        match attempt().await? {
            Err(e) if is_busy(&e) && Instant::now() < deadline => {
                tokio::time::sleep(busy_delay(tries)).await;
                tries += 1;
            }
            other => return other.map_err(StoreError::from),
        }
    }
}

impl SqlitePool {
    fn new(path: &Path, limits: PoolLimits, wal: bool) -> Self {
        let max_connections = limits.max_connections.max(1);
        SqlitePool(Arc::new(PoolInner {
            path: path.to_owned(),
            wal,
            max_connections,
            acquire_timeout: limits.acquire_timeout,
            permits: Arc::new(Semaphore::new(max_connections as usize)),
            idle: Mutex::new(Vec::new()),
            open: AtomicU32::new(0),
            closed: AtomicBool::new(false),
        }))
    }

    async fn permit(&self) -> Result<OwnedSemaphorePermit, StoreError> {
        if self.0.closed.load(Ordering::Acquire) {
            return Err(closed_error());
        }
        tokio::time::timeout(
            self.0.acquire_timeout,
            self.0.permits.clone().acquire_owned(),
        )
        .await
        .map_err(|_| {
            StoreError::Unavailable("timed out waiting for a connection to the database".into())
        })?
        .map_err(|_| closed_error())
    }

    /// Runs `f` on a connection of this pool, on a worker thread.
    async fn with_conn<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<rusqlite::Result<T>, StoreError> {
        let permit = self.permit().await?;
        let inner = self.0.clone();
        workers::run(move || {
            let conn = inner.checkout(permit)?;
            f(conn.get()?)
        })
        .await
    }

    async fn run<T: Send + 'static>(
        &self,
        op: Op<T>,
        sql: &Sql,
        params: &[Value],
    ) -> Result<T, StoreError> {
        let statement = Arc::new(Statement {
            sql: sql.clone(),
            params: params.to_vec(),
        });
        retry_busy(|| {
            let statement = statement.clone();
            self.with_conn(move |conn| op(conn, &statement))
        })
        .await
    }

    pub(crate) async fn execute(&self, sql: &Sql, params: &[Value]) -> Result<u64, StoreError> {
        self.run(execute, sql, params).await
    }

    pub(crate) async fn fetch_all(
        &self,
        sql: &Sql,
        params: &[Value],
    ) -> Result<Vec<Row>, StoreError> {
        self.run(fetch_all, sql, params).await
    }

    pub(crate) async fn fetch_optional(
        &self,
        sql: &Sql,
        params: &[Value],
    ) -> Result<Option<Row>, StoreError> {
        self.run(fetch_optional, sql, params).await
    }

    /// Opens a connection now, so that a bad file fails here; it then waits in the pool.
    async fn connect_now(&self) -> Result<(), StoreError> {
        self.with_conn(|_| Ok(()))
            .await?
            .map_err(|e| match StoreError::from(e) {
                StoreError::Sqlite(e) => StoreError::Unavailable(e.to_string()),
                other => other,
            })
    }

    /// Starts a transaction with `begin` (`BEGIN IMMEDIATE` or `BEGIN DEFERRED`); the
    /// transaction keeps its connection until it ends.
    pub(crate) async fn begin(&self, begin: &'static str) -> Result<SqliteTx, StoreError> {
        let conn = retry_busy(|| async {
            let permit = self.permit().await?;
            let inner = self.0.clone();
            workers::run(move || {
                let conn = inner.checkout(permit)?;
                conn.get()?.execute_batch(begin)?;
                Ok(conn)
            })
            .await
        })
        .await?;
        Ok(SqliteTx {
            conn: Some(Box::new(conn)),
        })
    }

    /// Runs statements without parameters, outside a transaction. A script stopped half-way
    /// by a lock cannot simply be run again, so here SQLite's own busy handler waits (on the
    /// worker thread; this is for rare administrative statements only).
    pub(crate) async fn execute_raw(&self, sql: &Sql) -> Result<(), StoreError> {
        let sql = sql.0.clone();
        self.with_conn(move |conn| {
            conn.busy_timeout(BUSY_TIMEOUT)?;
            let result = conn.execute_batch(&sql);
            conn.busy_timeout(Duration::ZERO)?;
            result
        })
        .await?
        .map_err(StoreError::from)
    }

    pub(crate) fn size(&self) -> u32 {
        self.0.open.load(Ordering::Relaxed)
    }

    /// Closes the pool: later requests fail at once; waits for the connections still checked
    /// out (an open transaction) to come back, then closes every connection.
    pub(crate) async fn close(&self) {
        self.0.closed.store(true, Ordering::Release);
        // Every checked-out connection holds a permit: holding them all means none is out.
        let all = self
            .0
            .permits
            .clone()
            .acquire_many_owned(self.0.max_connections)
            .await;
        self.0.permits.close();
        let idle: Vec<Connection> = std::mem::take(&mut *self.0.idle());
        self.0.open.fetch_sub(idle.len() as u32, Ordering::Relaxed);
        // Closing the last connection to a file checkpoints its WAL: file work, so on a worker.
        let _ = workers::run(move || drop(idle)).await;
        drop(all);
    }
}

/// A transaction's connection. Dropped while a statement of it is still on a worker (its
/// request was cancelled) the connection is lost to it, and rolled back when that statement
/// ends; dropped otherwise, it is rolled back on a worker.
pub(crate) struct SqliteTx {
    conn: Option<Box<Conn>>,
}

impl SqliteTx {
    /// Runs `f` on the transaction's connection, on a worker thread; the connection comes back
    /// with the result.
    async fn on_conn<T: Send + 'static>(
        &mut self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<rusqlite::Result<T>, StoreError> {
        let conn = self.conn.take().ok_or_else(|| {
            StoreError::Unavailable(
                "the transaction lost its connection when a statement of it was cancelled".into(),
            )
        })?;
        let (conn, result) = workers::run(move || {
            let result = conn.get().and_then(f);
            (conn, result)
        })
        .await?;
        self.conn = Some(conn);
        Ok(result)
    }

    async fn run<T: Send + 'static>(
        &mut self,
        op: Op<T>,
        sql: &Sql,
        params: &[Value],
    ) -> Result<T, StoreError> {
        let statement = Arc::new(Statement {
            sql: sql.clone(),
            params: params.to_vec(),
        });
        let deadline = Instant::now() + BUSY_TIMEOUT;
        let mut tries = 0;
        loop {
            let statement = statement.clone();
            match self.on_conn(move |conn| op(conn, &statement)).await? {
                Err(e) if is_busy(&e) && Instant::now() < deadline => {
                    tokio::time::sleep(busy_delay(tries)).await;
                    tries += 1;
                }
                other => return other.map_err(StoreError::from),
            }
        }
    }

    pub(crate) async fn execute(&mut self, sql: &Sql, params: &[Value]) -> Result<u64, StoreError> {
        self.run(execute, sql, params).await
    }

    pub(crate) async fn fetch_all(
        &mut self,
        sql: &Sql,
        params: &[Value],
    ) -> Result<Vec<Row>, StoreError> {
        self.run(fetch_all, sql, params).await
    }

    pub(crate) async fn fetch_optional(
        &mut self,
        sql: &Sql,
        params: &[Value],
    ) -> Result<Option<Row>, StoreError> {
        self.run(fetch_optional, sql, params).await
    }

    /// Runs a script of several statements inside the transaction (which already holds its
    /// lock, so no statement of it waits on another connection).
    pub(crate) async fn execute_script(&mut self, script: &'static str) -> Result<(), StoreError> {
        self.on_conn(move |conn| conn.execute_batch(script))
            .await?
            .map_err(StoreError::from)
    }

    /// Commits. A failed commit leaves the transaction open; dropping it then rolls it back.
    pub(crate) async fn commit(mut self) -> Result<(), StoreError> {
        self.run(
            |conn, _| conn.execute_batch("COMMIT"),
            &Sql::from("COMMIT"),
            &[],
        )
        .await
    }
}

impl Drop for SqliteTx {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        if conn.get().is_ok_and(Connection::is_autocommit) {
            // Committed: going back to the pool is a push onto its idle list.
            drop(conn);
        } else {
            // A rollback reads and writes the file: on a worker, not on the caller's thread.
            workers::spawn(move || drop(conn));
        }
    }
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
    let pool = SqlitePool::new(path, limits, true);
    pool.connect_now().await?;
    Ok(Db(Backend::Sqlite(pool)))
}

/// Opens an existing database file. A missing file is [`StoreError::Unavailable`], never a new
/// empty database: only [`create_new`] makes files (connections open without
/// `SQLITE_OPEN_CREATE`, so even a file removed later is never recreated). Nothing is written
/// on open (the journal mode, WAL, was set when the file was made and persists), so a damaged
/// or foreign file is left as it was found. The first connection opens on first use, so a file
/// that is not a usable database fails that first query.
pub async fn open_existing(path: &Path, limits: PoolLimits) -> Result<Db, StoreError> {
    if !path.is_file() {
        return Err(StoreError::Unavailable(format!(
            "database file {} does not exist",
            path.display()
        )));
    }
    Ok(Db(Backend::Sqlite(SqlitePool::new(path, limits, false))))
}

/// Creates a new database file; fails if one is already there, so a file is never taken over.
pub async fn create_new(path: &Path, limits: PoolLimits) -> Result<Db, StoreError> {
    private_file(path, true).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => StoreError::Conflict {
            constraint: format!("file {} exists", path.display()),
        },
        _ => StoreError::Unavailable(e.to_string()),
    })?;
    let pool = SqlitePool::new(path, limits, true);
    pool.connect_now().await?;
    Ok(Db(Backend::Sqlite(pool)))
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
#[allow(
    unsafe_code,
    reason = "rusqlite has no safe call for SQLITE_DBCONFIG_LOOKASIDE"
)]
fn restrict(conn: &Connection) -> rusqlite::Result<()> {
    conn.set_limit(rusqlite::limits::Limit::SQLITE_LIMIT_ATTACHED, 0)?;
    // SAFETY: the handle is the live connection `conn` owns, used by this thread alone for the
    // call (a `Connection` is not `Sync`); SQLITE_DBCONFIG_LOOKASIDE takes (buffer, slot size,
    // slot count), here no buffer and no slots. Lookaside still in use makes the call return
    // SQLITE_BUSY and change nothing, which is harmless.
    unsafe {
        rusqlite::ffi::sqlite3_db_config(
            conn.handle(),
            rusqlite::ffi::SQLITE_DBCONFIG_LOOKASIDE,
            std::ptr::null_mut::<std::ffi::c_void>(),
            0 as std::ffi::c_int,
            0 as std::ffi::c_int,
        );
    }
    Ok(())
}

impl ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Int(Some(v)) => ValueRef::Integer(*v),
            Value::Bool(Some(v)) => ValueRef::Integer(i64::from(*v)),
            Value::Real(Some(v)) => ValueRef::Real(*v),
            Value::Text(Some(v)) => ValueRef::Text(v.as_bytes()),
            Value::Bytes(Some(v)) => ValueRef::Blob(v),
            _ => ValueRef::Null,
        }))
    }
}

/// Binds `params` to the statement's placeholders. Queries number their placeholders
/// (`$1`, `$2`, as PostgreSQL does); SQLite sees `$1` as a parameter *named* "$1" and numbers
/// parameters by first appearance, so each is bound by the number in its name.
fn bind(stmt: &mut rusqlite::Statement<'_>, params: &[Value]) -> rusqlite::Result<()> {
    for index in 1..=stmt.parameter_count() {
        let number = match stmt.parameter_name(index) {
            None => index,
            Some(name) => name
                .strip_prefix('$')
                .or_else(|| name.strip_prefix('?'))
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or_else(|| rusqlite::Error::InvalidParameterName(name.to_owned()))?,
        };
        let value = number
            .checked_sub(1)
            .and_then(|i| params.get(i))
            .ok_or(rusqlite::Error::InvalidParameterCount(number, params.len()))?;
        stmt.raw_bind_parameter(index, value)?;
    }
    Ok(())
}

fn decode(row: &rusqlite::Row<'_>, columns: &Arc<[String]>) -> rusqlite::Result<Row> {
    let mut values = Vec::with_capacity(columns.len());
    for i in 0..columns.len() {
        values.push(match row.get_ref(i)? {
            ValueRef::Null => Value::Text(None),
            ValueRef::Integer(v) => Value::Int(Some(v)),
            ValueRef::Real(v) => Value::Real(Some(v)),
            ValueRef::Text(v) => Value::Text(Some(
                std::str::from_utf8(v)
                    .map_err(|e| rusqlite::Error::Utf8Error(i, e))?
                    .to_owned(),
            )),
            ValueRef::Blob(v) => Value::Bytes(Some(v.to_vec())),
        });
    }
    Ok(Row::new(columns.clone(), values))
}

fn column_names(stmt: &rusqlite::Statement<'_>) -> Arc<[String]> {
    stmt.column_names().into_iter().map(str::to_owned).collect()
}

/// Runs the statement to its end; the rows it changed (0 for a statement that only reads).
fn execute(conn: &Connection, s: &Statement) -> rusqlite::Result<u64> {
    let mut stmt = conn.prepare_cached(&s.sql.0)?;
    bind(&mut stmt, &s.params)?;
    let readonly = stmt.readonly();
    let mut rows = stmt.raw_query();
    while rows.next()?.is_some() {}
    drop(rows);
    Ok(if readonly { 0 } else { conn.changes() })
}

fn fetch_all(conn: &Connection, s: &Statement) -> rusqlite::Result<Vec<Row>> {
    let mut stmt = conn.prepare_cached(&s.sql.0)?;
    bind(&mut stmt, &s.params)?;
    let columns = column_names(&stmt);
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(decode(row, &columns)?);
    }
    Ok(out)
}

/// The first row. The statement is not stepped further: SQLite makes every change of a
/// statement (an `INSERT ... RETURNING`, say) on its first step.
fn fetch_optional(conn: &Connection, s: &Statement) -> rusqlite::Result<Option<Row>> {
    let mut stmt = conn.prepare_cached(&s.sql.0)?;
    bind(&mut stmt, &s.params)?;
    let columns = column_names(&stmt);
    let mut rows = stmt.raw_query();
    rows.next()?.map(|row| decode(row, &columns)).transpose()
}
