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

/// The raw connection and its one prepared statement. Only ever used under the mutex.
struct Handle {
    db: *mut ffi::sqlite3,
    stmt: *mut ffi::sqlite3_stmt,
}

// SAFETY: the bundled SQLite is built thread-safe, so a connection may move between threads as
// long as two threads never use it at once; the mutex around `Handle` guarantees that.
unsafe impl Send for Handle {}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: both pointers come from successful open/prepare calls (or are null, which
        // both functions accept) and are not used after this.
        unsafe {
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

    #[test]
    fn a_missing_file_is_not_created() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("absent.sqlite3");
        assert!(CommitWatch::open(&path).is_err());
        assert!(!path.exists());
    }
}
