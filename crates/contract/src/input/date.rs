//! Calendar dates (`YYYY-MM-DD`) and months (`YYYY-MM`): parsed and written in this one place.
//!
//! A date is exactly four digits, a hyphen, two digits, a hyphen and two digits, naming a day
//! that exists (`2026-02-30` does not): the JSON schema's `format: date` (RFC 3339 full-date).

use super::{Input, json_schema};
use crate::{Problem, ProblemCode};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Serialize, Serializer};
use serde_json::json;
use std::borrow::Cow;
use std::fmt;

const DATE_PATTERN: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";
const MONTH_PATTERN: &str = "^[0-9]{4}-(0[1-9]|1[0-2])$";

/// A calendar day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date(time::Date);

fn digits(s: &str) -> Option<u32> {
    if s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

impl Date {
    /// Parses `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Result<Date, Problem> {
        let not_date = || Problem::new(ProblemCode::NotDate);
        let b = s.as_bytes();
        if !s.is_ascii() || b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(not_date());
        }
        let (Some(year), Some(month), Some(day)) =
            (digits(&s[..4]), digits(&s[5..7]), digits(&s[8..]))
        else {
            return Err(not_date());
        };
        let month = u8::try_from(month)
            .ok()
            .and_then(|m| time::Month::try_from(m).ok())
            .ok_or_else(not_date)?;
        let day = u8::try_from(day).map_err(|_| not_date())?;
        let year = i32::try_from(year).map_err(|_| not_date())?;
        time::Date::from_calendar_date(year, month, day)
            .map(Date)
            .map_err(|_| not_date())
    }

    /// Today, in UTC: the day the server's dates default to.
    pub fn today() -> Date {
        Date(time::OffsetDateTime::now_utc().date())
    }

    /// The day of a `time` date.
    pub fn from_time(date: time::Date) -> Date {
        Date(date)
    }

    /// The `time` date.
    pub fn get(self) -> time::Date {
        self.0
    }

    /// The month it lies in.
    pub fn month(self) -> Month {
        Month {
            year: self.0.year(),
            month: u8::from(self.0.month()),
        }
    }
}

impl fmt::Display for Date {
    /// `YYYY-MM-DD`, as stored and sent.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.0.year(),
            u8::from(self.0.month()),
            self.0.day()
        )
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl JsonSchema for Date {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Date".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema(json!({"type": "string", "format": "date"}))
    }
}

impl Input for Date {
    type Raw = String;

    fn parse(raw: String) -> Result<Self, Problem> {
        Date::parse(&raw)
    }

    fn schema() -> Schema {
        json_schema(json!({"type": "string", "format": "date", "pattern": DATE_PATTERN}))
    }

    crate::empty_means_none!();
}

/// A calendar month, the key of monthly reports: `YYYY-MM`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Month {
    year: i32,
    month: u8,
}

impl Month {
    /// Parses `YYYY-MM`.
    pub fn parse(s: &str) -> Result<Month, Problem> {
        let not_month = || Problem::new(ProblemCode::NotMonth);
        let b = s.as_bytes();
        if !s.is_ascii() || b.len() != 7 || b[4] != b'-' {
            return Err(not_month());
        }
        let (Some(year), Some(month)) = (digits(&s[..4]), digits(&s[5..])) else {
            return Err(not_month());
        };
        match (i32::try_from(year), u8::try_from(month)) {
            (Ok(year), Ok(month @ 1..=12)) => Ok(Month { year, month }),
            _ => Err(not_month()),
        }
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Input for Month {
    type Raw = String;

    fn parse(raw: String) -> Result<Self, Problem> {
        Month::parse(&raw)
    }

    fn schema() -> Schema {
        json_schema(json!({"type": "string", "pattern": MONTH_PATTERN}))
    }

    crate::empty_means_none!();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_strict_and_real() {
        let d = Date::parse("2026-03-09").unwrap();
        assert_eq!(d.to_string(), "2026-03-09");
        assert_eq!(d.month().to_string(), "2026-03");
        assert!(Date::parse("2024-02-29").is_ok());
        assert!(Date::parse("0000-01-01").is_ok());
        for bad in [
            "2026-02-30",
            "2100-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-01-00",
            " 2026-01-01",
            "2026-01-01 ",
            "+202-01-01",
            "2026-1-01",
            "2026/01/01",
            "2026-01-0١",
            "",
        ] {
            assert_eq!(
                Date::parse(bad).unwrap_err().code,
                ProblemCode::NotDate,
                "{bad}"
            );
        }
        assert_eq!(serde_json::to_value(d).unwrap(), "2026-03-09");
    }

    #[test]
    fn months() {
        assert_eq!(Month::parse("2026-12").unwrap().to_string(), "2026-12");
        for bad in ["2026-13", "2026-00", "2026-1", " 2026-01", "2026-01-01"] {
            assert!(Month::parse(bad).is_err(), "{bad}");
        }
    }
}
