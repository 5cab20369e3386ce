//! Backend-neutral values: what queries bind and what rows hold.
//!
//! Nulls are typed (`Text(None)`) because PostgreSQL checks a parameter's type even when it is
//! null.

use crate::StoreError;
use std::sync::Arc;
use uuid::Uuid;

/// One bound parameter or one column of a fetched row.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A 64-bit integer.
    Int(Option<i64>),
    /// Text.
    Text(Option<String>),
    /// A boolean (SQLite stores it as 0/1).
    Bool(Option<bool>),
    /// Raw bytes.
    Bytes(Option<Vec<u8>>),
    /// A floating-point number (only ever read, e.g. from aggregates).
    Real(Option<f64>),
}

impl Value {
    /// Whether this is SQL NULL, whatever its type.
    pub fn is_null(&self) -> bool {
        matches!(
            self,
            Value::Int(None)
                | Value::Text(None)
                | Value::Bool(None)
                | Value::Bytes(None)
                | Value::Real(None)
        )
    }

    /// The kind, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            _ if self.is_null() => "null",
            Value::Int(_) => "integer",
            Value::Text(_) => "text",
            Value::Bool(_) => "boolean",
            Value::Bytes(_) => "bytes",
            Value::Real(_) => "real",
        }
    }
}

macro_rules! value_from {
    ($variant:ident: $($t:ty => $conv:expr),* $(,)?) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Self { Value::$variant(Some(($conv)(v))) }
        }
        impl From<Option<$t>> for Value {
            fn from(v: Option<$t>) -> Self { Value::$variant(v.map($conv)) }
        }
    )*};
}

value_from!(Int: i64 => |v| v, i32 => i64::from, u32 => i64::from);
value_from!(Text: String => |v| v, &str => str::to_owned, &String => String::clone, Uuid => |u: Uuid| u.to_string(), &Uuid => |u: &Uuid| u.to_string());
value_from!(Bool: bool => |v| v);
value_from!(Bytes: Vec<u8> => |v| v, &[u8] => <[u8]>::to_vec);

/// A type that can be read out of a [`Value`].
pub trait FromValue: Sized {
    /// Converts, or says why not.
    fn from_value(v: &Value) -> Result<Self, String>;
}

impl FromValue for i64 {
    fn from_value(v: &Value) -> Result<Self, String> {
        match v {
            Value::Int(Some(i)) => Ok(*i),
            Value::Bool(Some(b)) => Ok(i64::from(*b)),
            Value::Real(Some(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(*f as i64),
            other => Err(format!("expected an integer, found {}", other.kind())),
        }
    }
}

impl FromValue for String {
    fn from_value(v: &Value) -> Result<Self, String> {
        match v {
            Value::Text(Some(s)) => Ok(s.clone()),
            other => Err(format!("expected text, found {}", other.kind())),
        }
    }
}

impl FromValue for bool {
    fn from_value(v: &Value) -> Result<Self, String> {
        match v {
            Value::Bool(Some(b)) => Ok(*b),
            Value::Int(Some(i)) => Ok(*i != 0),
            other => Err(format!("expected a boolean, found {}", other.kind())),
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(v: &Value) -> Result<Self, String> {
        match v {
            Value::Bytes(Some(b)) => Ok(b.clone()),
            other => Err(format!("expected bytes, found {}", other.kind())),
        }
    }
}

impl FromValue for Uuid {
    fn from_value(v: &Value) -> Result<Self, String> {
        match v {
            Value::Text(Some(s)) => Uuid::parse_str(s).map_err(|e| e.to_string()),
            other => Err(format!("expected a uuid, found {}", other.kind())),
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value) -> Result<Self, String> {
        if v.is_null() {
            Ok(None)
        } else {
            T::from_value(v).map(Some)
        }
    }
}

/// One fetched row: column names shared by every row of a result, values by position.
#[derive(Clone, Debug)]
pub struct Row {
    columns: Arc<[String]>,
    values: Vec<Value>,
}

impl Row {
    pub(crate) fn new(columns: Arc<[String]>, values: Vec<Value>) -> Self {
        Row { columns, values }
    }

    /// A row built by hand (for re-shaping a fetched row); columns and values pair by position.
    pub fn from_parts(columns: Vec<String>, values: Vec<Value>) -> Self {
        Row {
            columns: Arc::from(columns),
            values,
        }
    }

    /// The value of `column` converted to `T`.
    pub fn get<T: FromValue>(&self, column: &str) -> Result<T, StoreError> {
        let value = self.value(column)?;
        T::from_value(value).map_err(|reason| StoreError::Decode {
            column: column.to_owned(),
            reason,
        })
    }

    /// The raw value of `column`.
    pub fn value(&self, column: &str) -> Result<&Value, StoreError> {
        self.columns
            .iter()
            .position(|c| c == column)
            .and_then(|i| self.values.get(i))
            .ok_or_else(|| StoreError::Decode {
                column: column.to_owned(),
                reason: "no such column in the result".into(),
            })
    }

    /// Column names in result order.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// Values in result order.
    pub fn values(&self) -> &[Value] {
        &self.values
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_nulls_and_conversions() {
        let row = Row::new(
            Arc::from(vec!["n".to_owned(), "s".to_owned(), "z".to_owned()]),
            vec![Value::Int(Some(7)), Value::from("x"), Value::Text(None)],
        );
        assert_eq!(row.get::<i64>("n").ok(), Some(7));
        assert_eq!(row.get::<Option<String>>("z").ok(), Some(None));
        assert!(row.get::<String>("z").is_err());
        assert!(row.get::<i64>("s").is_err());
        assert!(row.get::<i64>("missing").is_err());
        assert!(Value::from(None::<String>).is_null());
    }
}
