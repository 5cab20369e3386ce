//! The PostgreSQL backend: servers, connection pools, database and role administration, and
//! the row decoding for it.

use crate::db::{Backend, Sql};
use crate::sqlite::PoolLimits;
use crate::{Db, Row, StoreError, Value, params};
use sqlx::postgres::{PgArguments, PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{Column as _, ConnectOptions as _, Postgres, Row as _, TypeInfo as _, ValueRef as _};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// SQLSTATE of `CREATE DATABASE` when the database exists (a concurrent creator won).
const DUPLICATE_DATABASE: &str = "42P04";
/// SQLSTATE of "tuple concurrently updated" (an internal error), when two sessions change
/// one catalog row at the same time.
const CONCURRENT_CATALOG_UPDATE: &str = "XX000";
/// SQLSTATE of `CREATE ROLE` when the role exists.
const DUPLICATE_OBJECT: &str = "42710";

/// A PostgreSQL server, parsed from a connection URL. Its [`Debug`] and [`PgServer::id`] show
/// host and port only, never the credentials in the URL.
#[derive(Clone)]
pub struct PgServer {
    options: PgConnectOptions,
    id: String,
}

impl fmt::Debug for PgServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgServer").field("id", &self.id).finish()
    }
}

impl PgServer {
    /// Parses a `postgres://` URL. The error never repeats the URL, which may hold a password.
    pub fn parse(url: &str) -> Result<Self, StoreError> {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(StoreError::Unavailable(
                "not a postgres:// or postgresql:// URL".into(),
            ));
        }
        let options = PgConnectOptions::from_str(url)
            .map_err(|_| StoreError::Unavailable("malformed PostgreSQL URL".into()))?
            // Statements may carry role passwords (as verifiers); they never go to our logs.
            .disable_statement_logging();
        let id = format!("{}:{}", options.get_host(), options.get_port());
        Ok(PgServer { options, id })
    }

    /// A stable name for the server: `host:port` (the same URL always gives the same id).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The database named in the URL, if any.
    pub fn database(&self) -> Option<&str> {
        self.options.get_database()
    }

    /// A pool on `database` with the URL's own credentials.
    pub async fn connect(&self, database: &str, max_connections: u32) -> Result<Db, StoreError> {
        connect(
            self.options.clone().database(database),
            max_connections,
            Duration::from_secs(300),
        )
        .await
    }

    /// A pool on the URL's database with its credentials that connects on first use, so a
    /// server that is down at start-up only affects the databases on it.
    pub fn connect_lazy(&self, max_connections: u32) -> Db {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .min_connections(0)
            .idle_timeout(Duration::from_secs(60))
            .acquire_timeout(Duration::from_secs(5))
            .connect_lazy_with(self.options.clone());
        Db(Backend::Postgres(pool))
    }

    /// A pool on `database` logged in as `user` with `password`, instead of the URL's
    /// credentials. Used for tenant databases, which only their own role may open.
    pub async fn connect_as(
        &self,
        database: &str,
        user: &str,
        password: &str,
        limits: PoolLimits,
    ) -> Result<Db, StoreError> {
        let options = self
            .options
            .clone()
            .database(database)
            .username(user)
            .password(password);
        let pool = PgPoolOptions::new()
            .max_connections(limits.max_connections)
            .min_connections(0)
            .idle_timeout(limits.idle_timeout)
            .acquire_timeout(limits.acquire_timeout)
            // No round trip before each checkout: a connection whose server or database went
            // away fails the request's first query instead, which is answered as unavailable
            // just as a failed check would be; sqlx still tests every connection as it returns
            // to the pool (off the request's path) and closes a broken one.
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Other(e) => StoreError::Unavailable(e.to_string()),
                other => other,
            })?;
        Ok(Db(Backend::Postgres(pool)))
    }
}

/// Quotes an identifier for PostgreSQL. Callers build identifiers from ids, never from input;
/// quoting keeps even a surprising name a single identifier.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Creates `database` on `server` (owned by `owner` when given) unless it exists, private to
/// its owner (see [`create_database_on`]). Safe to run concurrently: losing the race to
/// another creator counts as success.
pub async fn create_database_if_missing(
    server: &PgServer,
    database: &str,
    owner: Option<&str>,
) -> Result<Privacy, StoreError> {
    let maintenance = server.connect("postgres", 1).await?;
    let result = create_database_on(&maintenance, database, owner).await;
    maintenance.close().await;
    if let Ok(Privacy::PublicMayConnect) = result {
        tracing::warn!(
            server = server.id(),
            database,
            "every role on this server may connect to the database and this user cannot revoke \
             it: run REVOKE CONNECT, TEMP ON DATABASE ... FROM PUBLIC as its owner"
        );
    }
    result
}

/// What [`create_database_on`] could do about `PUBLIC`'s default rights on the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Privacy {
    /// `CONNECT` and `TEMP` are revoked from `PUBLIC`: only the owner (and superusers) may
    /// connect.
    Private,
    /// The database belongs to a role the connecting user cannot act as (an operator made it),
    /// and `PUBLIC` may still connect: the operator has to revoke it.
    PublicMayConnect,
}

/// Creates `database` (owned by `owner` when given) unless it exists, over an open
/// administrative connection, and makes it private to its owner.
///
/// A new database gets `PUBLIC`'s default rights (`CONNECT`, `TEMP`), so it is created with
/// `ALLOW_CONNECTIONS false`: nobody, not even a superuser, can connect until `PUBLIC`'s rights
/// are revoked and connections allowed, which leaves no moment in which another role of the
/// cluster could open it. Every step tolerates having run before (an interrupted creation
/// simply continues); the database must not be one that is fenced on purpose.
pub async fn create_database_on(
    admin: &Db,
    database: &str,
    owner: Option<&str>,
) -> Result<Privacy, StoreError> {
    create_closed_database(admin, database, owner).await?;
    // Processes opening a new database at once may revoke or allow connections together:
    // PostgreSQL refuses the later update of the same catalog row ("tuple concurrently
    // updated"), the earlier one has done the work, so looking again settles it.
    let mut attempts = 1;
    loop {
        match open_privately(admin, database).await {
            Err(StoreError::Other(sqlx::Error::Database(e)))
                if e.code().as_deref() == Some(CONCURRENT_CATALOG_UPDATE)
                    && e.message().contains("concurrently updated")
                    && attempts < 5 =>
            {
                attempts += 1;
            }
            other => return other,
        }
    }
}

/// The first half of [`create_database_on`]: the database, closed to connections, unless it
/// exists.
pub async fn create_closed_database(
    admin: &Db,
    database: &str,
    owner: Option<&str>,
) -> Result<(), StoreError> {
    let exists = admin
        .fetch_optional(
            "SELECT 1 AS one FROM pg_database WHERE datname = $1",
            params![database],
        )
        .await?;
    if exists.is_some() {
        return Ok(());
    }
    let mut ddl = format!("CREATE DATABASE {}", quote_ident(database));
    if let Some(owner) = owner {
        ddl.push_str(&format!(" OWNER {}", quote_ident(owner)));
    }
    ddl.push_str(" ALLOW_CONNECTIONS false");
    // CREATE DATABASE cannot run inside a transaction block: send it as a simple query.
    match admin.execute_raw(Sql::assembled(ddl)).await {
        Err(StoreError::Other(sqlx::Error::Database(e)))
            if e.code().as_deref() == Some(DUPLICATE_DATABASE) =>
        {
            Ok(())
        }
        // A creator racing past the existence check loses on the catalog's unique index
        // instead of with 42P04.
        Err(e) if e.is_conflict_on("pg_database_datname_index") => Ok(()),
        other => other,
    }
}

/// The second half of [`create_database_on`]: `PUBLIC`'s rights revoked, then connections
/// allowed. A database the connecting user cannot act for is left as it is. Only what is not
/// yet so is changed, so the usual start (everything in place) runs no DDL, and app servers
/// starting together do not update the same catalog row at once.
pub async fn open_privately(admin: &Db, database: &str) -> Result<Privacy, StoreError> {
    let row = admin
        .fetch_one(
            "SELECT pg_has_role(current_user, d.datdba, 'MEMBER') OR r.rolsuper AS may,
                    has_database_privilege('public', d.datname, 'CONNECT') AS connect,
                    has_database_privilege('public', d.datname, 'TEMP') AS temp,
                    d.datallowconn AS open
             FROM pg_database d, pg_roles r
             WHERE d.datname = $1 AND r.rolname = current_user",
            params![database],
        )
        .await?;
    let connect: bool = row.get("connect")?;
    let public = connect || row.get::<bool>("temp")?;
    if !row.get::<bool>("may")? {
        return Ok(if connect {
            Privacy::PublicMayConnect
        } else {
            Privacy::Private
        });
    }
    let name = quote_ident(database);
    if public {
        admin
            .execute_raw(Sql::assembled(format!(
                "REVOKE ALL ON DATABASE {name} FROM PUBLIC"
            )))
            .await?;
    }
    if !row.get::<bool>("open")? {
        admin
            .execute_raw(Sql::assembled(format!(
                "ALTER DATABASE {name} ALLOW_CONNECTIONS true"
            )))
            .await?;
    }
    Ok(Privacy::Private)
}

/// Creates a login role, or brings an existing one's password up to date; `verifier` is a
/// SCRAM-SHA-256 verifier, so the plain password never reaches the server or its logs.
pub async fn ensure_login_role(admin: &Db, role: &str, verifier: &str) -> Result<(), StoreError> {
    if !verifier.starts_with("SCRAM-SHA-256$") || verifier.contains('\'') {
        return Err(StoreError::Unavailable(
            "malformed password verifier".into(),
        ));
    }
    let attributes = format!(
        "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '{verifier}'"
    );
    let exists = admin
        .fetch_optional(
            "SELECT 1 AS one FROM pg_roles WHERE rolname = $1",
            params![role],
        )
        .await?;
    let create = format!("CREATE ROLE {} {attributes}", quote_ident(role));
    if exists.is_none() {
        match admin.execute_raw(Sql::assembled(create)).await {
            Err(StoreError::Other(sqlx::Error::Database(e)))
                if e.code().as_deref() == Some(DUPLICATE_OBJECT) => {}
            other => return other,
        }
    }
    admin
        .execute_raw(Sql::assembled(format!(
            "ALTER ROLE {} {attributes}",
            quote_ident(role)
        )))
        .await
}

/// Drops a database (disconnecting whoever is on it) and then a role; missing ones are fine.
pub async fn drop_database_and_role(
    admin: &Db,
    database: &str,
    role: &str,
) -> Result<(), StoreError> {
    admin
        .execute_raw(Sql::assembled(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_ident(database)
        )))
        .await?;
    admin
        .execute_raw(Sql::assembled(format!(
            "DROP ROLE IF EXISTS {}",
            quote_ident(role)
        )))
        .await
}

/// Opens a bounded pool on a PostgreSQL database.
pub async fn connect(
    options: PgConnectOptions,
    max_connections: u32,
    idle_timeout: Duration,
) -> Result<Db, StoreError> {
    let pool = PgPoolOptions::new()
        .max_connections(max_connections)
        .min_connections(0)
        .idle_timeout(idle_timeout)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await?;
    Ok(Db(Backend::Postgres(pool)))
}

fn bind<'q>(sql: &Sql, params: &[Value]) -> sqlx::query::Query<'q, Postgres, PgArguments> {
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

fn decode(row: &PgRow, columns: &mut Option<Arc<[String]>>) -> Result<Row, StoreError> {
    let columns = columns
        .get_or_insert_with(|| row.columns().iter().map(|c| c.name().to_owned()).collect())
        .clone();
    let mut values = Vec::with_capacity(row.len());
    for (i, column) in row.columns().iter().enumerate() {
        let null = row.try_get_raw(i)?.is_null();
        let value = match column.type_info().name() {
            "INT8" => Value::Int(row.try_get(i)?),
            "INT4" => Value::Int(row.try_get::<Option<i32>, _>(i)?.map(i64::from)),
            "INT2" => Value::Int(row.try_get::<Option<i16>, _>(i)?.map(i64::from)),
            "BOOL" => Value::Bool(row.try_get(i)?),
            "BYTEA" => Value::Bytes(row.try_get(i)?),
            "FLOAT8" => Value::Real(row.try_get(i)?),
            "FLOAT4" => Value::Real(row.try_get::<Option<f32>, _>(i)?.map(f64::from)),
            _ if null => Value::Text(None),
            _ => Value::Text(Some(row.try_get_unchecked(i)?)),
        };
        values.push(value);
    }
    Ok(Row::new(columns, values))
}

crate::db::backend_queries!(Postgres);
