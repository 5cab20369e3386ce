//! The export archive: one company's business data as a portable, versioned JSON document,
//! the same whichever backend wrote it.
//!
//! ```json
//! {"format": "silo-export", "version": 1, "tenant_schema_version": 3,
//!  "exported_at": "2026-...Z", "company": {"name": "...", "slug": "...", "plan": "starter"},
//!  "members": [{"email": "...", "name": "...", "role": "owner"}],
//!  "tables": {"accounts": {"columns": ["id", ...], "rows": [["...", ...]]}, ...}}
//! ```
//!
//! Values are JSON integers, strings and nulls (booleans, floats and `{"base64": "..."}` for
//! bytes, should a table ever hold them). Row ids are kept: they are UUIDs per company.

use crate::TenancyError;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use silo_store::{ColumnKind, Value};
use std::collections::BTreeMap;

/// The `format` field of every archive.
pub const ARCHIVE_FORMAT: &str = "silo-export";
/// The archive layout version this build writes and reads.
pub const ARCHIVE_VERSION: i64 = 1;

/// A company's exported data.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Archive {
    /// Always [`ARCHIVE_FORMAT`].
    pub format: String,
    /// The layout version, [`ARCHIVE_VERSION`].
    pub version: i64,
    /// The tenant schema version the rows were read at.
    pub tenant_schema_version: i64,
    /// When it was made (UTC, RFC 3339).
    pub exported_at: String,
    /// The company as the registry knew it.
    pub company: ArchiveCompany,
    /// Its members at export time.
    pub members: Vec<ArchiveMember>,
    /// Every business table, by name.
    pub tables: BTreeMap<String, ArchiveTable>,
}

/// The registry's part of an archive.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ArchiveCompany {
    /// Display name.
    pub name: String,
    /// Slug at export time.
    pub slug: String,
    /// Plan name.
    pub plan: String,
}

/// One member of the exported company.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ArchiveMember {
    /// Their email.
    pub email: String,
    /// Their display name.
    #[serde(default)]
    pub name: String,
    /// Their role name.
    pub role: String,
}

/// One table's rows, values in `columns` order.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ArchiveTable {
    /// Column names.
    pub columns: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<Json>>,
}

/// A stored value as archive JSON.
pub(crate) fn to_json(value: &Value) -> Json {
    match value {
        v if v.is_null() => Json::Null,
        Value::Int(Some(i)) => Json::from(*i),
        Value::Text(Some(s)) => Json::from(s.as_str()),
        Value::Bool(Some(b)) => Json::from(*b),
        Value::Real(Some(f)) => Json::from(*f),
        Value::Bytes(Some(b)) => serde_json::json!({ "base64": STANDARD.encode(b) }),
        _ => Json::Null,
    }
}

/// Archive JSON as a value for a column of `kind`; a value of the wrong kind is refused, so an
/// archive means the same on both backends (SQLite alone would accept text in an integer
/// column).
pub(crate) fn from_json(json: &Json, kind: ColumnKind) -> Result<Value, String> {
    let value = match (json, kind) {
        (Json::Null, kind) => kind.null(),
        (Json::Number(n), ColumnKind::Integer) => {
            Value::from(n.as_i64().ok_or("expected a 64-bit integer")?)
        }
        (Json::Number(n), ColumnKind::Real) => Value::Real(n.as_f64()),
        (Json::String(s), ColumnKind::Text) => Value::from(s.as_str()),
        (Json::Bool(b), ColumnKind::Boolean) => Value::from(*b),
        (Json::Object(o), ColumnKind::Bytes) => {
            let text = o
                .get("base64")
                .and_then(Json::as_str)
                .ok_or("expected base64")?;
            Value::from(STANDARD.decode(text).map_err(|e| e.to_string())?)
        }
        (other, kind) => return Err(format!("{other} is not a {kind:?} value")),
    };
    Ok(value)
}

impl Archive {
    /// Checks the envelope: format, layout version, and a tenant schema this build knows.
    pub(crate) fn check(&self, latest_schema: i64) -> Result<(), TenancyError> {
        let bad = |m: String| Err(TenancyError::Archive(m));
        if self.format != ARCHIVE_FORMAT {
            return bad(format!("not a Silo export (format `{}`)", self.format));
        }
        if self.version != ARCHIVE_VERSION {
            return bad(format!(
                "archive layout version {} is not supported (this build reads {ARCHIVE_VERSION})",
                self.version
            ));
        }
        if self.tenant_schema_version > latest_schema {
            return bad(format!(
                "archive is at tenant schema {}, newer than this build ({latest_schema}); upgrade Silo first",
                self.tenant_schema_version
            ));
        }
        if self.tenant_schema_version < 1 {
            return bad("archive has no tenant schema version".into());
        }
        for (name, table) in &self.tables {
            if !silo_schema::TENANT_TABLES.contains(&name.as_str()) {
                return bad(format!("archive holds an unknown table `{name}`"));
            }
            if table.rows.iter().any(|r| r.len() != table.columns.len()) {
                return bad(format!("a row of `{name}` does not match its columns"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_by_kind() {
        for (value, kind) in [
            (Value::from(7i64), ColumnKind::Integer),
            (Value::from("x"), ColumnKind::Text),
            (Value::Int(None), ColumnKind::Integer),
            (Value::from(vec![0u8, 255]), ColumnKind::Bytes),
        ] {
            assert_eq!(from_json(&to_json(&value), kind), Ok(value));
        }
        assert!(from_json(&Json::from("7"), ColumnKind::Integer).is_err());
        assert!(from_json(&Json::from(7), ColumnKind::Text).is_err());
    }
}
