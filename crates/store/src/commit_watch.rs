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
    /// The log query added by [`CommitWatch::with_log`], if any.
    log: Option<&'static str>,
}

/// One row of a watched log: its sequence number and its text columns (NULL as `None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogRow {
    /// The row's sequence number (the query's first column).
    pub seq: i64,
    /// The remaining columns, as text.
    pub values: Vec<Option<String>>,
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
            log: None,
        })
    }

    /// Adds a log query, read with [`CommitWatch::log_after`] on this same private connection:
    /// `sql` selects an integer sequence number first and text columns after it, takes the last
    /// sequence number seen as `?1` and a row limit as `?2`, and orders by the sequence number.
    pub fn with_log(mut self, sql: &'static str) -> Result<Self, StoreError> {
        {
            let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
            conn.prepare_cached(sql).map_err(|e| {
                StoreError::Unavailable(format!("preparing the watched log query: {e}"))
            })?;
        }
        self.log = Some(sql);
        Ok(self)
    }

    /// The log rows after sequence number `after`, at most `limit`, in order. `None` when there
    /// is no log query or SQLite could not answer at this moment (callers then assume anything
    /// may have changed).
    pub fn log_after(&self, after: i64, limit: i64) -> Option<Vec<LogRow>> {
        let sql = self.log?;
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let mut stmt = conn.prepare_cached(sql).ok()?;
        let columns = stmt.column_count();
        // Collected before the statement is reset (when dropped back into the cache), which
        // ends the read transaction: no snapshot is held between calls.
        let rows = stmt
            .query_map([after, limit], |row| {
                let values = (1..columns)
                    .map(|i| row.get::<_, Option<String>>(i))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(LogRow {
                    seq: row.get(0)?,
                    values,
                })
            })
            .ok()?
            .collect::<Result<Vec<_>, _>>()
            .ok()?;
        Some(rows)
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
            .with_log("SELECT seq, who, what FROM log WHERE seq > ?1 ORDER BY seq LIMIT ?2")
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
                .with_log("SELECT nothing FROM absent WHERE seq > ?1 LIMIT ?2")
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
