//! The input layer on the server's side. Handlers collect field problems with the one
//! collector of [`silo_contract`] (a [`Problems`] turns into a 422 `invalid` naming every field),
//! and declare their request fields with its types, so each field's rule and its schema in the
//! OpenAPI document are one declaration. The types only the server has live here.

use crate::error::ApiError;
use schemars::Schema;
use serde_json::json;
use silo_auth::password::{MAX_LEN, MIN_LEN, check_policy};
pub use silo_contract::input::{Choice, Input, Name, Optional, Sent};
pub use silo_contract::{Invalid, Problem, ProblemCode, Problems, take};

impl From<Invalid> for ApiError {
    fn from(e: Invalid) -> Self {
        ApiError::Invalid(e.0)
    }
}

/// A password being chosen: the password policy of `silo_auth` (its length limits, which the
/// schema states).
pub struct NewPassword(String);

impl NewPassword {
    /// The password.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl Input for NewPassword {
    type Raw = String;

    fn parse(raw: String) -> Result<Self, Problem> {
        match check_policy(&raw) {
            Ok(()) => Ok(NewPassword(raw)),
            Err(message) if raw.chars().count() < MIN_LEN => {
                Err(Problem::too_short(MIN_LEN).worded(message))
            }
            Err(message) => Err(Problem::too_long(MAX_LEN).worded(message)),
        }
    }

    fn schema() -> Schema {
        let mut schema = Schema::default();
        for (key, value) in [
            ("type", json!("string")),
            ("minLength", json!(MIN_LEN)),
            ("maxLength", json!(MAX_LEN)),
        ] {
            schema.insert(key.into(), value);
        }
        schema
    }
}

/// A refusal of one field, worded for people (no code describes it better).
pub fn rule(field: &str, message: &str) -> ApiError {
    ApiError::invalid(field, Problem::rule(message))
}

/// A link's token that names nothing usable.
pub fn unusable_link(message: &str) -> ApiError {
    ApiError::invalid(
        "token",
        Problem::new(ProblemCode::LinkUnusable).worded(message),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_passwords_follow_the_policy_and_its_schema() {
        let short = "x".repeat(MIN_LEN - 1);
        assert_eq!(
            NewPassword::parse(short).err().map(|p| p.code),
            Some(ProblemCode::TooShort)
        );
        assert!(NewPassword::parse("x".repeat(MIN_LEN)).is_ok());
        assert!(NewPassword::parse("x".repeat(MAX_LEN)).is_ok());
        assert_eq!(
            NewPassword::parse("x".repeat(MAX_LEN + 1))
                .err()
                .map(|p| p.code),
            Some(ProblemCode::TooLong)
        );
        let schema = NewPassword::schema().to_value();
        assert_eq!(schema["minLength"], MIN_LEN);
        assert_eq!(schema["maxLength"], MAX_LEN);
    }
}
