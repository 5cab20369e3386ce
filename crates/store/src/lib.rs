//! Database handles for both backends (SQLite files and PostgreSQL), the migration runner and
//! storage errors.
//!
//! This crate knows nothing of companies: it opens, queries and migrates databases. Queries are
//! written once with `$1`-style placeholders, which both engines accept; where the engines
//! differ, the difference lives in [`sqlite`] or [`postgres`], never in the callers.

mod catalog;
mod commit_watch;
mod db;
mod error;
mod migrate;
pub mod postgres;
pub mod sqlite;
mod tenant;
mod timestamp;
mod value;
mod workers;

pub use catalog::{ColumnKind, table_columns, table_columns_in};
pub use commit_watch::{CommitWatch, LogRow};
pub use db::{Db, Dialect, Sql, Tx};
pub use error::StoreError;
pub use migrate::{Migration, MigrationSet, applied_version, migrate, migrate_to};
pub use tenant::TenantDb;
pub use timestamp::Timestamp;
pub use value::{FromValue, Row, Value};
pub use workers::{THREAD_NAME as SQLITE_THREAD_NAME, thread_count as sqlite_thread_count};

/// Builds a parameter list for a query: `params![id, name, None::<String>]`.
#[macro_export]
macro_rules! params {
    ($($v:expr),* $(,)?) => { &[$($crate::Value::from($v)),*] };
}

/// Shorthand for results of this crate.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
