//! [`Db`], a pooled handle on one database of either backend, and [`Tx`], a transaction on it.

use crate::sqlite::{SqlitePool, SqliteTx};
use crate::{Row, StoreError, Value, postgres};
use std::borrow::Cow;

/// SQL text. Build it from a literal; text assembled at run time must come only from fixed
/// pieces (never from input) and says so with [`Sql::assembled`].
#[derive(Clone, Debug)]
pub struct Sql(pub(crate) Cow<'static, str>);

impl Sql {
    /// SQL assembled at run time from fixed fragments; the caller vouches no input is in it.
    pub fn assembled(text: String) -> Self {
        Sql(Cow::Owned(text))
    }

    pub(crate) fn to_sqlx(&self) -> sqlx::AssertSqlSafe<Cow<'static, str>> {
        sqlx::AssertSqlSafe(self.0.clone())
    }
}

impl From<&'static str> for Sql {
    fn from(s: &'static str) -> Self {
        Sql(Cow::Borrowed(s))
    }
}

/// Which engine a handle talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// An SQLite file.
    Sqlite,
    /// A PostgreSQL database.
    Postgres,
}

/// A pooled handle on one database. Cheap to clone; clones share the pool.
#[derive(Clone, Debug)]
pub struct Db(pub(crate) Backend);

#[derive(Clone, Debug)]
pub(crate) enum Backend {
    Sqlite(SqlitePool),
    Postgres(sqlx::PgPool),
}

/// A transaction; dropped without [`Tx::commit`] it rolls back.
pub struct Tx(TxBackend);

enum TxBackend {
    Sqlite(SqliteTx),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Defines the query methods once for both [`Db`] and [`Tx`]: `$exec` turns `self` into the
/// backend's executor.
macro_rules! query_methods {
    ([$($m:tt)?] $sqlite:pat => $sqlite_exec:expr, $pg:pat => $pg_exec:expr) => {
        /// Runs a statement; returns the number of rows it changed.
        pub async fn execute(&$($m)? self, sql: impl Into<Sql>, params: &[Value]) -> Result<u64, StoreError> {
            let sql = sql.into();
            match self.backend_mut() {
                $sqlite => $sqlite_exec.execute(&sql, params).await,
                $pg => postgres::execute($pg_exec, &sql, params).await,
            }
        }

        /// Fetches every row.
        pub async fn fetch_all(&$($m)? self, sql: impl Into<Sql>, params: &[Value]) -> Result<Vec<Row>, StoreError> {
            let sql = sql.into();
            match self.backend_mut() {
                $sqlite => $sqlite_exec.fetch_all(&sql, params).await,
                $pg => postgres::fetch_all($pg_exec, &sql, params).await,
            }
        }

        /// Fetches at most one row.
        pub async fn fetch_optional(&$($m)? self, sql: impl Into<Sql>, params: &[Value]) -> Result<Option<Row>, StoreError> {
            let sql = sql.into();
            match self.backend_mut() {
                $sqlite => $sqlite_exec.fetch_optional(&sql, params).await,
                $pg => postgres::fetch_optional($pg_exec, &sql, params).await,
            }
        }

        /// Fetches exactly one row; none is [`StoreError::NotFound`].
        pub async fn fetch_one(&$($m)? self, sql: impl Into<Sql>, params: &[Value]) -> Result<Row, StoreError> {
            self.fetch_optional(sql, params).await?.ok_or(StoreError::NotFound)
        }
    };
}

enum BackendMut<'a> {
    Sqlite(&'a SqlitePool),
    Postgres(&'a sqlx::PgPool),
}

enum TxMut<'a> {
    Sqlite(&'a mut SqliteTx),
    Postgres(&'a mut sqlx::PgConnection),
}

impl Db {
    fn backend_mut(&self) -> BackendMut<'_> {
        match &self.0 {
            Backend::Sqlite(p) => BackendMut::Sqlite(p),
            Backend::Postgres(p) => BackendMut::Postgres(p),
        }
    }

    query_methods!([] BackendMut::Sqlite(p) => p, BackendMut::Postgres(p) => p);

    /// The engine behind this handle.
    pub fn dialect(&self) -> Dialect {
        match &self.0 {
            Backend::Sqlite(_) => Dialect::Sqlite,
            Backend::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Starts a transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so a
    /// read-then-write transaction cannot fail half-way on a lock upgrade.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(Tx(match &self.0 {
            Backend::Sqlite(p) => TxBackend::Sqlite(p.begin("BEGIN IMMEDIATE").await?),
            Backend::Postgres(p) => TxBackend::Postgres(p.begin().await?),
        }))
    }

    /// Starts a read-only transaction that sees one consistent snapshot for all its queries
    /// (an export reading table after table). SQLite: a deferred transaction, whose snapshot
    /// is fixed at its first read under WAL; PostgreSQL: `REPEATABLE READ`.
    pub async fn begin_snapshot(&self) -> Result<Tx, StoreError> {
        Ok(Tx(match &self.0 {
            Backend::Sqlite(p) => TxBackend::Sqlite(p.begin("BEGIN DEFERRED").await?),
            Backend::Postgres(p) => TxBackend::Postgres(
                p.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?,
            ),
        }))
    }

    /// Runs statements without parameters as a simple query, outside any transaction block
    /// (`CREATE DATABASE`, `DROP DATABASE`, role DDL). `sql` comes from fixed fragments and
    /// validated identifiers only.
    pub async fn execute_raw(&self, sql: Sql) -> Result<(), StoreError> {
        match &self.0 {
            Backend::Sqlite(p) => p.execute_raw(&sql).await?,
            Backend::Postgres(p) => {
                sqlx::raw_sql(sql.to_sqlx()).execute(p).await?;
            }
        }
        Ok(())
    }

    /// Connections currently open in the pool (idle and in use).
    pub fn open_connections(&self) -> u32 {
        match &self.0 {
            Backend::Sqlite(p) => p.size(),
            Backend::Postgres(p) => p.size(),
        }
    }

    /// Closes every connection; later queries fail.
    pub async fn close(&self) {
        match &self.0 {
            Backend::Sqlite(p) => p.close().await,
            Backend::Postgres(p) => p.close().await,
        }
    }
}

impl Tx {
    fn backend_mut(&mut self) -> TxMut<'_> {
        match &mut self.0 {
            TxBackend::Sqlite(t) => TxMut::Sqlite(t),
            TxBackend::Postgres(t) => TxMut::Postgres(t),
        }
    }

    query_methods!([mut] TxMut::Sqlite(c) => &mut *c, TxMut::Postgres(c) => &mut *c);

    /// The engine this transaction runs on.
    pub fn dialect(&self) -> Dialect {
        match &self.0 {
            TxBackend::Sqlite(_) => Dialect::Sqlite,
            TxBackend::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Runs a script of several statements (migrations); no parameters.
    pub async fn execute_script(&mut self, script: &'static str) -> Result<(), StoreError> {
        match &mut self.0 {
            TxBackend::Sqlite(t) => t.execute_script(script).await?,
            TxBackend::Postgres(t) => {
                sqlx::raw_sql(script).execute(&mut **t).await?;
            }
        }
        Ok(())
    }

    /// Makes the transaction's writes durable.
    pub async fn commit(self) -> Result<(), StoreError> {
        match self.0 {
            TxBackend::Sqlite(t) => t.commit().await?,
            TxBackend::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

/// The three query entry points of a backend module, over its `bind` and `decode`: identical in
/// both backends except for the database type, so written once.
macro_rules! backend_queries {
    ($db:ty) => {
        pub(crate) async fn execute<'c, E>(
            e: E,
            sql: &Sql,
            params: &[Value],
        ) -> Result<u64, StoreError>
        where
            E: sqlx::Executor<'c, Database = $db>,
        {
            Ok(bind(sql, params).execute(e).await?.rows_affected())
        }

        pub(crate) async fn fetch_all<'c, E>(
            e: E,
            sql: &Sql,
            params: &[Value],
        ) -> Result<Vec<Row>, StoreError>
        where
            E: sqlx::Executor<'c, Database = $db>,
        {
            let rows = bind(sql, params).fetch_all(e).await?;
            let mut columns = None;
            rows.iter().map(|r| decode(r, &mut columns)).collect()
        }

        pub(crate) async fn fetch_optional<'c, E>(
            e: E,
            sql: &Sql,
            params: &[Value],
        ) -> Result<Option<Row>, StoreError>
        where
            E: sqlx::Executor<'c, Database = $db>,
        {
            let row = bind(sql, params).fetch_optional(e).await?;
            row.map(|r| decode(&r, &mut None)).transpose()
        }
    };
}
pub(crate) use backend_queries;
