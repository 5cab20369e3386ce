//! What a table's columns are, read from the database's own catalog. Generic code that copies
//! rows between databases (export, import, moves) needs the column types to bind typed nulls:
//! PostgreSQL checks a parameter's type even when it is null.

use crate::{Db, Dialect, Row, StoreError, Tx, Value, params};

/// The kind of value a column holds, as far as Silo's values go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnKind {
    /// Integers (`BIGINT`, `INTEGER`, ...).
    Integer,
    /// Text.
    Text,
    /// Booleans.
    Boolean,
    /// Raw bytes.
    Bytes,
    /// Floating point.
    Real,
}

impl ColumnKind {
    fn from_declared(declared: &str) -> ColumnKind {
        let t = declared.to_ascii_lowercase();
        if t.contains("int") {
            ColumnKind::Integer
        } else if t.contains("bool") {
            ColumnKind::Boolean
        } else if t.contains("blob") || t.contains("bytea") {
            ColumnKind::Bytes
        } else if t.contains("real") || t.contains("double") || t.contains("float") {
            ColumnKind::Real
        } else {
            ColumnKind::Text
        }
    }

    /// SQL NULL typed as this kind.
    pub fn null(self) -> Value {
        match self {
            ColumnKind::Integer => Value::Int(None),
            ColumnKind::Text => Value::Text(None),
            ColumnKind::Boolean => Value::Bool(None),
            ColumnKind::Bytes => Value::Bytes(None),
            ColumnKind::Real => Value::Real(None),
        }
    }
}

const SQLITE_COLUMNS: &str =
    "SELECT name, type AS declared FROM pragma_table_info($1) ORDER BY cid";
const POSTGRES_COLUMNS: &str = "SELECT column_name::text AS name, data_type::text AS declared
     FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = $1
     ORDER BY ordinal_position";

fn columns_query(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => SQLITE_COLUMNS,
        Dialect::Postgres => POSTGRES_COLUMNS,
    }
}

fn columns_from(rows: &[Row]) -> Result<Vec<(String, ColumnKind)>, StoreError> {
    rows.iter()
        .map(|r| {
            let declared: String = r.get("declared")?;
            Ok((r.get("name")?, ColumnKind::from_declared(&declared)))
        })
        .collect()
}

/// The columns of `table` in declaration order, with their kinds; empty when there is no such
/// table.
pub async fn table_columns(db: &Db, table: &str) -> Result<Vec<(String, ColumnKind)>, StoreError> {
    let rows = db
        .fetch_all(columns_query(db.dialect()), params![table])
        .await?;
    columns_from(&rows)
}

/// Like [`table_columns`], inside a transaction (and its snapshot).
pub async fn table_columns_in(
    tx: &mut Tx,
    table: &str,
) -> Result<Vec<(String, ColumnKind)>, StoreError> {
    let query = columns_query(tx.dialect());
    let rows = tx.fetch_all(query, params![table]).await?;
    columns_from(&rows)
}
