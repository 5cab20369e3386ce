//! Notices commits to a SQLite file made by any other connection, in this process or another,
//! without a round trip through a pool's worker thread: a private connection asks
//! `PRAGMA data_version`, which changes whenever another connection has committed.
//!
//! This lets a cache of registry reads stay valid exactly as long as the registry file is
//! unchanged, so a revocation made anywhere acts on the next request (rule 4) while an
//! unchanged registry costs one in-memory read instead of a query.
#![allow(
    unsafe_code,
    reason = "sqlx offers no synchronous statement on a connection; this calls the SQLite C API"
)]

use crate::StoreError;
use libsqlite3_sys as ffi;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt as _;
use std::path::Path;
use std::ptr;
use std::sync::Mutex;

/// A private read connection to a SQLite file that reports its data version.
pub struct CommitWatch {
    handle: Mutex<Handle>,
}

impl std::fmt::Debug for CommitWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommitWatch").finish_non_exhaustive()
    }
}

/// The raw connection, its data-version statement and (optionally) a log query. Only ever used
/// under the mutex.
struct Handle {
    db: *mut ffi::sqlite3,
    stmt: *mut ffi::sqlite3_stmt,
    log: *mut ffi::sqlite3_stmt,
}

/// One row of a watched log: its sequence number and its text columns (NULL as `None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogRow {
    /// The row's sequence number (the query's first column).
    pub seq: i64,
    /// The remaining columns, as text.
    pub values: Vec<Option<String>>,
}

// SAFETY: the bundled SQLite is built thread-safe, so a connection may move between threads as
// long as two threads never use it at once; the mutex around `Handle` guarantees that.
unsafe impl Send for Handle {}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: both pointers come from successful open/prepare calls (or are null, which
        // both functions accept) and are not used after this.
        unsafe {
            ffi::sqlite3_finalize(self.log);
            ffi::sqlite3_finalize(self.stmt);
            ffi::sqlite3_close(self.db);
        }
    }
}

fn error(db: *mut ffi::sqlite3, what: &str) -> StoreError {
    // SAFETY: `db` is a connection handle (possibly one whose open failed, which SQLite still
    // allocates and describes); sqlite3_errmsg returns a NUL-terminated string owned by it.
    let message = unsafe {
        let text = ffi::sqlite3_errmsg(db);
        if text.is_null() {
            String::from("unknown error")
        } else {
            std::ffi::CStr::from_ptr(text)
                .to_string_lossy()
                .into_owned()
        }
    };
    StoreError::Unavailable(format!("{what}: {message}"))
}

impl CommitWatch {
    /// Opens an existing database file for watching; never creates one.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let name = CString::new(path.as_os_str().as_bytes())
            .map_err(|_| StoreError::Unavailable("database path contains a NUL byte".into()))?;
        let mut handle = Handle {
            db: ptr::null_mut(),
            stmt: ptr::null_mut(),
            log: ptr::null_mut(),
        };
        // SAFETY: `name` is NUL-terminated and outlives the call; `handle.db` receives the
        // connection, which `Handle::drop` closes on every path below.
        let rc = unsafe {
            ffi::sqlite3_open_v2(
                name.as_ptr(),
                &mut handle.db,
                ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_NOMUTEX,
                ptr::null(),
            )
        };
        if rc != ffi::SQLITE_OK {
            return Err(error(handle.db, "opening the database to watch it"));
        }
        let sql = c"PRAGMA data_version";
        // SAFETY: `handle.db` is open; `sql` is NUL-terminated (length -1 reads up to the NUL);
        // the statement is finalized by `Handle::drop`.
        let rc = unsafe {
            ffi::sqlite3_prepare_v2(
                handle.db,
                sql.as_ptr(),
                -1,
                &mut handle.stmt,
                ptr::null_mut(),
            )
        };
        if rc != ffi::SQLITE_OK {
            return Err(error(handle.db, "preparing PRAGMA data_version"));
        }
        Ok(CommitWatch {
            handle: Mutex::new(handle),
        })
    }

    /// Adds a log query, read with [`CommitWatch::log_after`] on this same private connection:
    /// `sql` selects an integer sequence number first and text columns after it, takes the last
    /// sequence number seen as `?1` and a row limit as `?2`, and orders by the sequence number.
    pub fn with_log(self, sql: &std::ffi::CStr) -> Result<Self, StoreError> {
        let mut handle = self.handle.lock().unwrap_or_else(|p| p.into_inner());
        // SAFETY: `handle.db` is open; `sql` is NUL-terminated; a statement already there is
        // finalized first (finalizing null is a no-op) and the new one by `Handle::drop`.
        let rc = unsafe {
            ffi::sqlite3_finalize(handle.log);
            handle.log = ptr::null_mut();
            ffi::sqlite3_prepare_v2(
                handle.db,
                sql.as_ptr(),
                -1,
                &mut handle.log,
                ptr::null_mut(),
            )
        };
        if rc != ffi::SQLITE_OK {
            return Err(error(handle.db, "preparing the watched log query"));
        }
        drop(handle);
        Ok(self)
    }

    /// The log rows after sequence number `after`, at most `limit`, in order. `None` when there
    /// is no log query or SQLite could not answer at this moment (callers then assume anything
    /// may have changed).
    pub fn log_after(&self, after: i64, limit: i64) -> Option<Vec<LogRow>> {
        let handle = self.handle.lock().unwrap_or_else(|p| p.into_inner());
        if handle.log.is_null() {
            return None;
        }
        let mut rows = Vec::new();
        // SAFETY: the statement belongs to the open connection in `handle`, used by this thread
        // alone while the lock is held; column texts are copied out before the next step, and
        // the reset ends the read transaction (no snapshot held between calls).
        unsafe {
            let stmt = handle.log;
            let bound = ffi::sqlite3_bind_int64(stmt, 1, after) == ffi::SQLITE_OK
                && ffi::sqlite3_bind_int64(stmt, 2, limit) == ffi::SQLITE_OK;
            let mut complete = bound;
            while complete {
                match ffi::sqlite3_step(stmt) {
                    ffi::SQLITE_ROW => {
                        let columns = ffi::sqlite3_column_count(stmt);
                        let values = (1..columns)
                            .map(|i| {
                                let text = ffi::sqlite3_column_text(stmt, i);
                                (!text.is_null()).then(|| {
                                    std::ffi::CStr::from_ptr(text.cast())
                                        .to_string_lossy()
                                        .into_owned()
                                })
                            })
                            .collect();
                        rows.push(LogRow {
                            seq: ffi::sqlite3_column_int64(stmt, 0),
                            values,
                        });
                    }
                    ffi::SQLITE_DONE => break,
                    _ => complete = false,
                }
            }
            ffi::sqlite3_reset(stmt);
            ffi::sqlite3_clear_bindings(stmt);
            complete.then_some(rows)
        }
    }

    /// The file's data version as this connection sees it now: a different value than before
    /// means another connection committed in between. `None` when SQLite could not answer at
    /// this moment (busy, I/O error); callers then treat the data as changed.
    pub fn version(&self) -> Option<i64> {
        let handle = self.handle.lock().unwrap_or_else(|p| p.into_inner());
        // SAFETY: the statement belongs to the open connection in `handle`, used by this thread
        // alone while the lock is held. The reset ends the read transaction the step began, so
        // no snapshot is held between calls (which would keep the WAL from being reset).
        unsafe {
            let rc = ffi::sqlite3_step(handle.stmt);
            let version =
                (rc == ffi::SQLITE_ROW).then(|| ffi::sqlite3_column_int64(handle.stmt, 0));
            ffi::sqlite3_reset(handle.stmt);
            version
        }
    }
}

#[cfg(test)]
mod tests {
    use super::CommitWatch;
    use crate::sqlite::{PoolLimits, open_or_create};

    #[tokio::test]
    async fn a_commit_by_another_connection_changes_the_version() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("watched.sqlite3");
        let db = open_or_create(&path, PoolLimits::default())
            .await
            .expect("open");
        db.execute("CREATE TABLE t (x INTEGER)", &[])
            .await
            .expect("create");
        let watch = CommitWatch::open(&path).expect("watch");
        let before = watch.version().expect("version");
        assert_eq!(watch.version(), Some(before), "nothing committed yet");
        db.execute("INSERT INTO t (x) VALUES (1)", &[])
            .await
            .expect("insert");
        let after = watch.version().expect("version");
        assert_ne!(after, before, "a commit must change the version");
        assert_eq!(watch.version(), Some(after), "stable again once seen");
    }

    #[tokio::test]
    async fn the_log_is_read_after_a_sequence_number() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("log.sqlite3");
        let db = open_or_create(&path, PoolLimits::default())
            .await
            .expect("open");
        db.execute(
            "CREATE TABLE log (seq INTEGER PRIMARY KEY, who TEXT, what TEXT)",
            &[],
        )
        .await
        .expect("create");
        let watch = CommitWatch::open(&path)
            .expect("watch")
            .with_log(c"SELECT seq, who, what FROM log WHERE seq > ?1 ORDER BY seq LIMIT ?2")
            .expect("log query");
        assert_eq!(watch.log_after(0, 10), Some(vec![]));
        for (who, what) in [("a", Some("x")), ("b", None), ("c", Some("z"))] {
            db.execute(
                "INSERT INTO log (who, what) VALUES ($1, $2)",
                crate::params![who, what],
            )
            .await
            .expect("insert");
        }
        let rows = watch.log_after(1, 10).expect("rows");
        assert_eq!(
            rows,
            vec![
                super::LogRow {
                    seq: 2,
                    values: vec![Some("b".into()), None]
                },
                super::LogRow {
                    seq: 3,
                    values: vec![Some("c".into()), Some("z".into())]
                },
            ]
        );
        assert_eq!(watch.log_after(0, 1).expect("limited").len(), 1);
        assert!(
            CommitWatch::open(&path)
                .expect("watch")
                .with_log(c"SELECT nothing FROM absent WHERE seq > ?1 LIMIT ?2")
                .is_err(),
            "a query on a missing table is refused when it is added"
        );
    }

    #[test]
    fn a_missing_file_is_not_created() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("absent.sqlite3");
        assert!(CommitWatch::open(&path).is_err());
        assert!(!path.exists());
    }
}
