//! References to rows by id, as sent in request bodies: a UUID in its usual hyphenated form.

use super::{Input, json_schema};
use crate::{Problem, ProblemCode};
use schemars::Schema;
use serde_json::json;
use uuid::Uuid;

const PATTERN: &str =
    "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$";

/// The id of a row this request refers to. Whether the row exists is the caller's question.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Id(Uuid);

impl Id {
    /// Parses the hyphenated form (`0190e4a0-…`, either case); no braces, no `urn:`.
    pub fn parse(s: &str) -> Result<Id, Problem> {
        let shaped = s.len() == 36
            && s.bytes().enumerate().all(|(i, b)| match i {
                8 | 13 | 18 | 23 => b == b'-',
                _ => b.is_ascii_hexdigit(),
            });
        match Uuid::parse_str(s) {
            Ok(id) if shaped => Ok(Id(id)),
            _ => Err(ProblemCode::NotId.into()),
        }
    }

    /// The UUID.
    pub fn get(self) -> Uuid {
        self.0
    }
}

impl From<Id> for Uuid {
    fn from(id: Id) -> Uuid {
        id.0
    }
}

impl Input for Id {
    type Raw = String;

    fn parse(raw: String) -> Result<Self, Problem> {
        Id::parse(&raw)
    }

    fn schema() -> Schema {
        json_schema(json!({"type": "string", "format": "uuid", "pattern": PATTERN}))
    }

    crate::empty_means_none!();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_hyphenated_form() {
        let id = "0190e4a0-0000-7000-8000-00000000000A";
        assert_eq!(Id::parse(id).unwrap().get().to_string(), id.to_lowercase());
        for bad in [
            "0190e4a000007000800000000000000a",
            "{0190e4a0-0000-7000-8000-00000000000a}",
            "urn:uuid:0190e4a0-0000-7000-8000-00000000000a",
            " 0190e4a0-0000-7000-8000-00000000000a",
            "0190e4a0-0000-7000-8000-00000000000g",
            "x",
        ] {
            assert!(Id::parse(bad).is_err(), "{bad}");
        }
    }
}
