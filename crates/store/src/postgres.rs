//! The PostgreSQL backend: connection pools and the row decoding for it.

use crate::db::{Backend, Sql};
use crate::{Db, Row, StoreError, Value};
use sqlx::postgres::{PgArguments, PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{Column as _, Postgres, Row as _, TypeInfo as _, ValueRef as _};
use std::sync::Arc;
use std::time::Duration;

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

pub(crate) async fn execute<'c, E>(e: E, sql: &Sql, params: &[Value]) -> Result<u64, StoreError>
where
    E: sqlx::Executor<'c, Database = Postgres>,
{
    Ok(bind(sql, params).execute(e).await?.rows_affected())
}

pub(crate) async fn fetch_all<'c, E>(
    e: E,
    sql: &Sql,
    params: &[Value],
) -> Result<Vec<Row>, StoreError>
where
    E: sqlx::Executor<'c, Database = Postgres>,
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
    E: sqlx::Executor<'c, Database = Postgres>,
{
    let row = bind(sql, params).fetch_optional(e).await?;
    row.map(|r| decode(&r, &mut None)).transpose()
}
