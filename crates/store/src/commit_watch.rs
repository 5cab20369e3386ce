//! Notices commits to a SQLite file made by any other connection, in this process or another,
//! without a round trip through a pool's worker thread: a private connection asks
//! `PRAGMA data_version`, which changes whenever another connection has committed.
//!
//! This lets a cache of registry reads stay valid exactly as long as the registry file is
//! unchanged, so a revocation made anywhere acts on the next request (rule 4) while an
//! unchanged registry costs one in-memory read instead of a query.
use crate::StoreError;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

/// A private read connection to a SQLite file that reports its data version.
pub struct CommitWatch {
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for CommitWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommitWatch").finish_non_exhaustive()
    }
}

const DATA_VERSION: &str = "PRAGMA data_version";

impl CommitWatch {
    /// Opens an existing database file for watching; never creates one.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let unavailable = |e: rusqlite::Error| {
            StoreError::Unavailable(format!("opening the database to watch it: {e}"))
        };
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(unavailable)?;
        // A busy file answers "unknown" at once (callers then treat the data as changed)
        // rather than holding the caller's thread.
        conn.busy_timeout(Duration::ZERO).map_err(unavailable)?;
        conn.prepare_cached(DATA_VERSION).map_err(unavailable)?;
        Ok(CommitWatch {
            conn: Mutex::new(conn),
        })
    }

    /// The file's data version as this connection sees it now: a different value than before
    /// means another connection committed in between. `None` when SQLite could not answer at
    /// this moment (busy, I/O error); callers then treat the data as changed.
    pub fn version(&self) -> Option<i64> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        // The statement is reset when the row has been read, which ends the read transaction
        // its step began, so no snapshot is held between calls (which would keep the WAL from
        // being reset).
        let mut stmt = conn.prepare_cached(DATA_VERSION).ok()?;
        stmt.query_row([], |row| row.get::<_, i64>(0)).ok()
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
