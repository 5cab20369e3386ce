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
//!
//! Layout version 2 (written since the import became a stream) lists the tables parents first,
//! in the order of [`silo_schema::TENANT_TABLES`], after every other field, and each table's
//! `columns` before its `rows`: an import then inserts rows as it reads them, holding one row
//! at a time ([`parse_parts`]). Version 1 archives (tables in name order) are still read; their
//! rows are gathered in memory first.

use crate::TenancyError;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use silo_store::{ColumnKind, Value};
use std::collections::BTreeMap;

/// The `format` field of every archive.
pub const ARCHIVE_FORMAT: &str = "silo-export";
/// The archive layout version this build writes (it reads this one and version 1).
pub const ARCHIVE_VERSION: i64 = 2;

/// The layout version whose tables come in name order, read by gathering rows first.
pub(crate) const ARCHIVE_VERSION_NAME_ORDER: i64 = 1;

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
    /// Every business table, by name; written parents first.
    #[serde(serialize_with = "parents_first")]
    pub tables: BTreeMap<String, ArchiveTable>,
}

/// The tables in [`silo_schema::TENANT_TABLES`] order (names it does not know last).
fn parents_first<S: serde::Serializer>(
    tables: &BTreeMap<String, ArchiveTable>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap as _;
    let mut map = serializer.serialize_map(Some(tables.len()))?;
    let known = silo_schema::TENANT_TABLES.iter().copied();
    let unknown = tables
        .keys()
        .map(String::as_str)
        .filter(|name| !silo_schema::TENANT_TABLES.contains(name));
    for name in known.chain(unknown) {
        if let Some(table) = tables.get(name) {
            map.serialize_entry(name, table)?;
        }
    }
    map.end()
}

/// Everything of an archive but its tables.
#[derive(Clone, Debug)]
pub struct ArchiveHeader {
    /// Always [`ARCHIVE_FORMAT`].
    pub format: String,
    /// The layout version.
    pub version: i64,
    /// The tenant schema version the rows were read at.
    pub tenant_schema_version: i64,
    /// The company as the registry knew it.
    pub company: ArchiveCompany,
    /// Its members at export time.
    pub members: Vec<ArchiveMember>,
}

/// One piece of an archive, in the order the file holds them.
#[derive(Clone, Debug)]
pub enum ArchivePart {
    /// The fields before the tables.
    Header(Box<ArchiveHeader>),
    /// A table begins; its rows follow.
    Table {
        /// The table's name (input: checked against the known tables).
        name: String,
        /// Its column names (input: checked against the database's own).
        columns: Vec<String>,
    },
    /// One row of the table begun last, values in its columns' order.
    Row(Vec<Json>),
}

impl Archive {
    /// The archive as the parts a file would give, tables parents first.
    pub(crate) fn parts(&self) -> Vec<ArchivePart> {
        let mut parts = vec![ArchivePart::Header(Box::new(ArchiveHeader {
            format: self.format.clone(),
            version: self.version,
            tenant_schema_version: self.tenant_schema_version,
            company: self.company.clone(),
            members: self.members.clone(),
        }))];
        let known = silo_schema::TENANT_TABLES.iter().copied();
        let unknown = self
            .tables
            .keys()
            .map(String::as_str)
            .filter(|name| !silo_schema::TENANT_TABLES.contains(name));
        for name in known.chain(unknown) {
            if let Some(table) = self.tables.get(name) {
                parts.push(ArchivePart::Table {
                    name: name.to_owned(),
                    columns: table.columns.clone(),
                });
                parts.extend(table.rows.iter().cloned().map(ArchivePart::Row));
            }
        }
        parts
    }
}

/// Reads an archive from `reader` part by part, handing each to `sink` as soon as it is read:
/// at most one row is held at a time. The header fields must all come before `tables`, and a
/// table's `columns` before its `rows` (as Silo writes them). A `sink` error stops the reading
/// and is returned as it was.
pub fn parse_parts<R: std::io::Read>(
    reader: R,
    sink: &mut dyn FnMut(ArchivePart) -> Result<(), String>,
) -> Result<(), String> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    serde::Deserializer::deserialize_map(&mut de, stream::Top { sink })
        .map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())
}

/// The visitors of [`parse_parts`].
mod stream {
    use super::{ArchiveCompany, ArchiveHeader, ArchiveMember, ArchivePart};
    use serde::de::{
        DeserializeSeed, Deserializer, Error, IgnoredAny, MapAccess, SeqAccess, Visitor,
    };
    use serde_json::Value as Json;
    use std::fmt;

    pub(super) type Sink<'a> = &'a mut dyn FnMut(ArchivePart) -> Result<(), String>;

    /// The document: header fields, then `tables`.
    pub(super) struct Top<'a> {
        pub(super) sink: Sink<'a>,
    }

    #[derive(Default)]
    struct Fields {
        format: Option<String>,
        version: Option<i64>,
        tenant_schema_version: Option<i64>,
        company: Option<ArchiveCompany>,
        members: Option<Vec<ArchiveMember>>,
    }

    impl Fields {
        fn header<E: Error>(&mut self) -> Result<ArchiveHeader, E> {
            let missing = |name: &str| E::custom(format!("`{name}` must come before `tables`"));
            Ok(ArchiveHeader {
                format: self.format.take().ok_or_else(|| missing("format"))?,
                version: self.version.ok_or_else(|| missing("version"))?,
                tenant_schema_version: self
                    .tenant_schema_version
                    .ok_or_else(|| missing("tenant_schema_version"))?,
                company: self.company.take().ok_or_else(|| missing("company"))?,
                members: self.members.take().ok_or_else(|| missing("members"))?,
            })
        }
    }

    impl<'de> Visitor<'de> for Top<'_> {
        type Value = ();

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a Silo export archive (a JSON object)")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut fields = Fields::default();
            let mut header_sent = false;
            while let Some(key) = map.next_key::<String>()? {
                match key.as_str() {
                    "format" => fields.format = Some(map.next_value()?),
                    "version" => fields.version = Some(map.next_value()?),
                    "tenant_schema_version" => {
                        fields.tenant_schema_version = Some(map.next_value()?);
                    }
                    "company" => fields.company = Some(map.next_value()?),
                    "members" => fields.members = Some(map.next_value()?),
                    "tables" if !header_sent => {
                        (self.sink)(ArchivePart::Header(Box::new(fields.header()?)))
                            .map_err(A::Error::custom)?;
                        header_sent = true;
                        map.next_value_seed(Tables {
                            sink: &mut *self.sink,
                        })?;
                    }
                    "tables" => return Err(A::Error::custom("`tables` appears twice")),
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            if !header_sent {
                (self.sink)(ArchivePart::Header(Box::new(fields.header()?)))
                    .map_err(A::Error::custom)?;
            }
            Ok(())
        }
    }

    /// `tables`: an object of tables by name.
    struct Tables<'a> {
        sink: Sink<'a>,
    }

    impl<'de> DeserializeSeed<'de> for Tables<'_> {
        type Value = ();

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_map(self)
        }
    }

    impl<'de> Visitor<'de> for Tables<'_> {
        type Value = ();

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("tables by name")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(name) = map.next_key::<String>()? {
                map.next_value_seed(Table {
                    name,
                    sink: &mut *self.sink,
                })?;
            }
            Ok(())
        }
    }

    /// One table: `columns`, then `rows`.
    struct Table<'a> {
        name: String,
        sink: Sink<'a>,
    }

    impl<'de> DeserializeSeed<'de> for Table<'_> {
        type Value = ();

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_map(self)
        }
    }

    impl<'de> Visitor<'de> for Table<'_> {
        type Value = ();

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a table with columns and rows")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut begun = false;
            let mut rows_read = false;
            while let Some(key) = map.next_key::<String>()? {
                match key.as_str() {
                    "columns" if !begun => {
                        let columns: Vec<String> = map.next_value()?;
                        (self.sink)(ArchivePart::Table {
                            name: self.name.clone(),
                            columns,
                        })
                        .map_err(A::Error::custom)?;
                        begun = true;
                    }
                    "rows" if begun && !rows_read => {
                        map.next_value_seed(Rows {
                            sink: &mut *self.sink,
                        })?;
                        rows_read = true;
                    }
                    "rows" | "columns" => {
                        return Err(A::Error::custom(format!(
                            "table `{}`: `columns` must come once, before `rows`",
                            self.name
                        )));
                    }
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            if !begun {
                return Err(A::Error::custom(format!(
                    "table `{}` has no columns",
                    self.name
                )));
            }
            Ok(())
        }
    }

    /// `rows`: each handed on as it is read.
    struct Rows<'a> {
        sink: Sink<'a>,
    }

    impl<'de> DeserializeSeed<'de> for Rows<'_> {
        type Value = ();

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_seq(self)
        }
    }

    impl<'de> Visitor<'de> for Rows<'_> {
        type Value = ();

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("rows")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while let Some(row) = seq.next_element::<Vec<Json>>()? {
                (self.sink)(ArchivePart::Row(row)).map_err(A::Error::custom)?;
            }
            Ok(())
        }
    }
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

impl ArchiveHeader {
    /// Checks the envelope: format, layout version, and a tenant schema this build knows.
    pub(crate) fn check(&self, latest_schema: i64) -> Result<(), TenancyError> {
        let bad = |m: String| Err(TenancyError::Archive(m));
        if self.format != ARCHIVE_FORMAT {
            return bad(format!("not a Silo export (format `{}`)", self.format));
        }
        if !(ARCHIVE_VERSION_NAME_ORDER..=ARCHIVE_VERSION).contains(&self.version) {
            return bad(format!(
                "archive layout version {} is not supported (this build reads 1 to \
                 {ARCHIVE_VERSION})",
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
