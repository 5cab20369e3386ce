//! Versioned migrations built into the binary, one set per plane and backend.
//!
//! Each database records what it has applied in `silo_schema`; a migration runs in one
//! transaction together with its record, so an interrupted run leaves whole versions only and
//! simply continues next time.

use crate::{Db, Dialect, StoreError, Timestamp, params};

/// One migration: a version number, a name, and its SQL script.
#[derive(Debug)]
pub struct Migration {
    /// Position in the set, from 1; the set is listed in ascending order.
    pub version: i64,
    /// A short name (the file name), recorded beside the version.
    pub name: &'static str,
    /// The script, run as a whole in one transaction.
    pub sql: &'static str,
}

/// The migrations of one plane (control or tenant), per backend.
#[derive(Debug)]
pub struct MigrationSet {
    /// Which plane, for messages.
    pub plane: &'static str,
    /// Scripts for SQLite.
    pub sqlite: &'static [Migration],
    /// Scripts for PostgreSQL.
    pub postgres: &'static [Migration],
}

impl MigrationSet {
    /// The scripts for the given backend.
    pub fn for_dialect(&self, dialect: Dialect) -> &'static [Migration] {
        match dialect {
            Dialect::Sqlite => self.sqlite,
            Dialect::Postgres => self.postgres,
        }
    }

    /// The newest version this build knows for `dialect`.
    pub fn latest(&self, dialect: Dialect) -> i64 {
        self.for_dialect(dialect).last().map_or(0, |m| m.version)
    }
}

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS silo_schema (
    version BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
)";

/// The newest applied version, or `None` when the database has no schema table at all (an
/// empty or foreign file).
pub async fn applied_version(db: &Db) -> Result<Option<i64>, StoreError> {
    let exists = match db.dialect() {
        Dialect::Sqlite => {
            db.fetch_optional(
                "SELECT 1 AS one FROM sqlite_master WHERE type = 'table' AND name = 'silo_schema'",
                &[],
            )
            .await?
        }
        Dialect::Postgres => {
            // to_regclass resolves the name as the query below will; information_schema's
            // views cost milliseconds on a new session's cold catalog caches, and every tenant
            // connection opened runs this once.
            db.fetch_optional(
                "SELECT 1 AS one WHERE to_regclass('silo_schema') IS NOT NULL",
                &[],
            )
            .await?
        }
    };
    if exists.is_none() {
        return Ok(None);
    }
    let row = db
        .fetch_one(
            "SELECT COALESCE(MAX(version), 0) AS v FROM silo_schema",
            &[],
        )
        .await?;
    Ok(Some(row.get("v")?))
}

/// Applies every migration of `set` that `db` lacks; returns the version it is at afterwards.
/// A database at a version this build does not know is refused with [`StoreError::Schema`].
pub async fn migrate(db: &Db, set: &MigrationSet) -> Result<i64, StoreError> {
    migrate_to(db, set, i64::MAX).await
}

/// Like [`migrate`], but stops at version `target` (importing an archive made at an older
/// schema restores into that schema first, then migrates the rows along with it).
pub async fn migrate_to(db: &Db, set: &MigrationSet, target: i64) -> Result<i64, StoreError> {
    let migrations = set.for_dialect(db.dialect());
    db.execute(CREATE_TABLE, &[]).await?;
    let applied = db
        .fetch_all(
            "SELECT version, name FROM silo_schema ORDER BY version",
            &[],
        )
        .await?;
    let latest = set.latest(db.dialect());
    for row in &applied {
        let version: i64 = row.get("version")?;
        let name: String = row.get("name")?;
        let known = migrations.iter().find(|m| m.version == version);
        match known {
            None => {
                return Err(StoreError::Schema(format!(
                    "{} database is at version {version}, newer than this build knows ({latest})",
                    set.plane
                )));
            }
            Some(m) if m.name != name => {
                return Err(StoreError::Schema(format!(
                    "{} migration {version} was applied as `{name}` but this build has `{}`",
                    set.plane, m.name
                )));
            }
            Some(_) => {}
        }
    }
    let done: Vec<i64> = applied
        .iter()
        .map(|row| row.get("version"))
        .collect::<Result<_, _>>()?;
    let mut current = done.iter().copied().max().unwrap_or(0);
    // Missing versions are found by number, not by count: branches developed side by side take
    // numbers ahead of one another (two-factor's 7 before the lead's 6), and a database that
    // applied a later number first must neither apply it again nor skip the earlier one.
    for m in migrations
        .iter()
        .filter(|m| !done.contains(&m.version) && m.version <= target)
    {
        let mut tx = db.begin().await?;
        tx.execute_script(m.sql).await?;
        tx.execute(
            "INSERT INTO silo_schema (version, name, applied_at) VALUES ($1, $2, $3)",
            params![m.version, m.name, Timestamp::now()],
        )
        .await?;
        tx.commit().await?;
        current = current.max(m.version);
    }
    Ok(current)
}
