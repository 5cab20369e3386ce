//! Numbers as sent. JSON Schema's `integer` is any number without a fractional part, so `-36.0`
//! is an integer there: [`WholeNumber`] takes it as -36, like the schema does.

use super::{Input, json_schema};
use crate::Problem;
use schemars::Schema;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::fmt;

/// An integer as sent: a JSON number without a fractional part (`7`, `-36.0`) that fits in
/// `i64`. Anything else is not of the field's type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct WholeNumber(pub i64);

impl<'de> Deserialize<'de> for WholeNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Whole;
        impl Visitor<'_> for Whole {
            type Value = WholeNumber;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole number")
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<WholeNumber, E> {
                Ok(WholeNumber(v))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<WholeNumber, E> {
                i64::try_from(v)
                    .map(WholeNumber)
                    .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<WholeNumber, E> {
                // 2^63 is exactly representable; every whole f64 below it fits in i64.
                const LIMIT: f64 = 9_223_372_036_854_775_808.0;
                if v.is_finite() && v.fract() == 0.0 && (-LIMIT..LIMIT).contains(&v) {
                    Ok(WholeNumber(v as i64))
                } else {
                    Err(E::invalid_type(de::Unexpected::Float(v), &self))
                }
            }
        }
        d.deserialize_any(Whole)
    }
}

/// A whole number from `MIN` to `MAX`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Integer<const MIN: i64, const MAX: i64>(i64);

impl<const MIN: i64, const MAX: i64> Integer<MIN, MAX> {
    /// Applies the range.
    pub fn new(v: i64) -> Result<Self, Problem> {
        if (MIN..=MAX).contains(&v) {
            Ok(Integer(v))
        } else {
            Err(Problem::out_of_range(Some(MIN), Some(MAX)))
        }
    }

    /// The number.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl<const MIN: i64, const MAX: i64> Input for Integer<MIN, MAX> {
    type Raw = WholeNumber;

    fn parse(raw: WholeNumber) -> Result<Self, Problem> {
        Integer::new(raw.0)
    }

    fn schema() -> Schema {
        json_schema(json!({"type": "integer", "minimum": MIN, "maximum": MAX}))
    }
}

/// How many decimals a JSON number was written with, read from the shortest text that gives
/// the same `f64` (what a JSON encoder writes, and what JSON Schema's `multipleOf` checks):
/// `0.3` has one, `0.30000000000000004` seventeen.
pub fn decimals(v: f64) -> usize {
    let text = format!("{v}");
    text.split_once('.').map_or(0, |(_, frac)| frac.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_include_whole_floats() {
        let n = |s: &str| serde_json::from_str::<WholeNumber>(s).map(|w| w.0);
        assert_eq!(n("7").unwrap(), 7);
        assert_eq!(n("-36.0").unwrap(), -36);
        assert_eq!(n("1e3").unwrap(), 1000);
        assert_eq!(n("-9223372036854775808").unwrap(), i64::MIN);
        for bad in [
            "1.5",
            "9223372036854775808",
            "9.3e18",
            "1e400",
            "\"7\"",
            "null",
            "true",
        ] {
            assert!(n(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ranges_and_their_schema() {
        type Days = Integer<0, 365>;
        assert_eq!(Days::new(365).map(Days::get), Ok(365));
        assert!(Days::new(366).is_err() && Days::new(-1).is_err());
        assert_eq!(
            Days::schema().to_value(),
            json!({"type": "integer", "minimum": 0, "maximum": 365})
        );
    }

    #[test]
    fn decimals_as_written() {
        assert_eq!(decimals(1.0), 0);
        assert_eq!(decimals(0.3), 1);
        assert_eq!(decimals(1.234), 3);
        assert_eq!(decimals(0.1 + 0.2), 17);
        assert_eq!(decimals(1e-7), 7);
        assert_eq!(decimals(123_456_789.123), 3);
    }
}
