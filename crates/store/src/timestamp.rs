//! Points in time as stored: UTC text with fixed-width microseconds, so text order is time order
//! on both backends.

use crate::value::{FromValue, Value};
use serde::{Serialize, Serializer};
use std::fmt;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// A UTC instant with microsecond precision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

const STORED: &[time::format_description::BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

impl Timestamp {
    /// The current time, truncated to microseconds.
    pub fn now() -> Self {
        Self::from_datetime(OffsetDateTime::now_utc())
    }

    /// Wraps any instant, normalised to UTC and microseconds.
    pub fn from_datetime(t: OffsetDateTime) -> Self {
        let t = t.to_offset(UtcOffset::UTC);
        let micros = t.microsecond();
        Timestamp(t.replace_nanosecond(micros * 1000).unwrap_or(t))
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(self) -> i64 {
        self.0.unix_timestamp()
    }

    /// The underlying date-time.
    pub fn datetime(self) -> OffsetDateTime {
        self.0
    }

    /// Parses the stored form or any RFC 3339 text.
    pub fn parse(text: &str) -> Option<Self> {
        OffsetDateTime::parse(text, &Rfc3339)
            .ok()
            .map(Self::from_datetime)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.format(STORED) {
            Ok(s) => f.write_str(&s),
            Err(_) => Err(fmt::Error),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl schemars::JsonSchema for Timestamp {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Timestamp".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "format": "date-time" })
    }
}

impl From<Timestamp> for Value {
    fn from(t: Timestamp) -> Self {
        Value::Text(Some(t.to_string()))
    }
}

impl From<Option<Timestamp>> for Value {
    fn from(t: Option<Timestamp>) -> Self {
        Value::Text(t.map(|t| t.to_string()))
    }
}

impl FromValue for Timestamp {
    fn from_value(v: &Value) -> Result<Self, String> {
        match v {
            Value::Text(Some(s)) => {
                Timestamp::parse(s).ok_or_else(|| format!("not a timestamp: {s}"))
            }
            other => Err(format!("expected a timestamp, found {}", other.kind())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_text_round_trips_and_sorts() {
        let a = Timestamp::now();
        let text = a.to_string();
        assert_eq!(text.len(), "2026-01-01T00:00:00.000000Z".len());
        assert_eq!(Timestamp::parse(&text), Some(a));
        let later = Timestamp::from_datetime(a.datetime() + time::Duration::microseconds(1));
        assert!(later.to_string() > text);
    }
}
