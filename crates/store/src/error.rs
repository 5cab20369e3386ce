//! What can go wrong with storage, said so that callers can decide without reading driver errors.

/// A storage failure, converted from the driver at the boundary.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// A uniqueness, foreign-key or check constraint refused the write; `constraint` names it
    /// (PostgreSQL: the constraint name; SQLite: `table.column` from the message).
    #[error("constraint violated: {constraint}")]
    Conflict {
        /// The constraint or column that refused the write.
        constraint: String,
    },
    /// The database cannot be opened or reached (missing or unreadable file, refused
    /// connection, pool timeout, corrupt file).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A stored value could not be read as the type asked for.
    #[error("decode column `{column}`: {reason}")]
    Decode {
        /// The column.
        column: String,
        /// What did not fit.
        reason: String,
    },
    /// The database's schema is newer than this build knows, or migrations were edited.
    #[error("schema: {0}")]
    Schema(String),
    /// Anything else from the PostgreSQL driver.
    #[error(transparent)]
    Other(sqlx::Error),
    /// Anything else from SQLite.
    #[error(transparent)]
    Sqlite(rusqlite::Error),
}

impl StoreError {
    /// Whether this is a constraint conflict on `name` (a constraint name or `table.column`).
    pub fn is_conflict_on(&self, name: &str) -> bool {
        matches!(self, StoreError::Conflict { constraint } if constraint.contains(name))
    }
}

/// SQLite result codes (primary, low byte) that mean the file itself cannot be used.
const SQLITE_UNUSABLE: &[i64] = &[
    5,  // SQLITE_BUSY
    8,  // SQLITE_READONLY
    10, // SQLITE_IOERR
    11, // SQLITE_CORRUPT
    13, // SQLITE_FULL
    14, // SQLITE_CANTOPEN
    26, // SQLITE_NOTADB
];

/// PostgreSQL SQLSTATE classes that mean the server or database cannot be used now.
const PG_UNUSABLE_CLASSES: &[&str] = &["08", "53", "57", "3D", "28"];

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::PoolClosed => StoreError::Unavailable(
                "the database was closed under this request (moved, erased or shut down)".into(),
            ),
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::WorkerCrashed
            | sqlx::Error::Protocol(_) => StoreError::Unavailable(err.to_string()),
            sqlx::Error::Database(ref db) => {
                use sqlx::error::ErrorKind;
                match db.kind() {
                    ErrorKind::UniqueViolation
                    | ErrorKind::ForeignKeyViolation
                    | ErrorKind::CheckViolation
                    | ErrorKind::NotNullViolation => StoreError::Conflict {
                        constraint: db
                            .constraint()
                            .map(str::to_owned)
                            .unwrap_or_else(|| constraint_from_message(db.message())),
                    },
                    _ if db.code().as_deref().is_some_and(pg_unusable) => {
                        StoreError::Unavailable(db.message().to_owned())
                    }
                    _ => StoreError::Other(err),
                }
            }
            other => StoreError::Other(other),
        }
    }
}

/// SQLite's extended codes for the constraints a write can break that are the caller's to
/// answer (unique, primary key, foreign key, check, not null); the same set sqlx reported as
/// constraint violations.
const SQLITE_CONFLICTS: &[i32] = &[
    rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE,
    rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY,
    rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY,
    rusqlite::ffi::SQLITE_CONSTRAINT_CHECK,
    rusqlite::ffi::SQLITE_CONSTRAINT_NOTNULL,
];

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        match err {
            rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound,
            rusqlite::Error::SqliteFailure(e, message)
                if SQLITE_CONFLICTS.contains(&e.extended_code) =>
            {
                let message = message.unwrap_or_else(|| e.to_string());
                StoreError::Conflict {
                    constraint: constraint_from_message(&message),
                }
            }
            rusqlite::Error::SqliteFailure(e, ref message) if sqlite_unusable(e.extended_code) => {
                StoreError::Unavailable(message.clone().unwrap_or_else(|| e.to_string()))
            }
            rusqlite::Error::Utf8Error(column, e) => StoreError::Decode {
                column: format!("#{column}"),
                reason: e.to_string(),
            },
            other => StoreError::Sqlite(other),
        }
    }
}

/// Whether an SQLite result code (extended or primary) means the file cannot be used.
fn sqlite_unusable(code: i32) -> bool {
    SQLITE_UNUSABLE.contains(&i64::from(code & 0xff))
}

/// Whether a PostgreSQL SQLSTATE means the server or database cannot be used now.
fn pg_unusable(code: &str) -> bool {
    PG_UNUSABLE_CLASSES
        .iter()
        .any(|class| code.starts_with(class))
}

/// SQLite reports `UNIQUE constraint failed: companies.slug`; keep the part after the colon.
fn constraint_from_message(message: &str) -> String {
    message
        .rsplit_once(": ")
        .map(|(_, c)| c.to_owned())
        .unwrap_or_else(|| message.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_codes_by_primary_byte() {
        assert!(sqlite_unusable(14));
        assert!(sqlite_unusable(266)); // SQLITE_IOERR_READ
        assert!(!sqlite_unusable(1));
        assert!(!sqlite_unusable(2067)); // SQLITE_CONSTRAINT_UNIQUE
        assert!(pg_unusable("08006"));
        assert!(!pg_unusable("23505"));
    }

    #[test]
    fn constraint_names_from_sqlite_messages() {
        assert_eq!(
            constraint_from_message("UNIQUE constraint failed: companies.slug"),
            "companies.slug"
        );
    }
}
