//! What can be wrong with one field of a request. A 422 `invalid` answer names each field with a
//! [`Problem`]: a code and its limits for programs (the web app words it in the user's
//! language), and an English sentence for people reading the raw answer.

use serde::Serialize;

crate::string_enum! {
    /// The kind of problem with one field.
    pub enum ProblemCode {
        /// The field is missing.
        Required = "required",
        /// The value is blank.
        Empty = "empty",
        /// The text is longer than `max` characters.
        TooLong = "too_long",
        /// The text is shorter than `min` characters.
        TooShort = "too_short",
        /// The text contains control characters.
        ControlCharacters = "control_characters",
        /// The value is not of the field's type (a text where a number belongs, say).
        WrongType = "wrong_type",
        /// The number lies outside `min` to `max`.
        OutOfRange = "out_of_range",
        /// The value is not one of `allowed`.
        NotAllowed = "not_allowed",
        /// Not an e-mail address.
        NotEmail = "not_email",
        /// Not a date written as YYYY-MM-DD.
        NotDate = "not_date",
        /// Not an amount of money (a whole number of cents, or a decimal with at most two places).
        NotAmount = "not_amount",
        /// Not a valid IBAN (shape or check digits).
        NotIban = "not_iban",
        /// Not an eight-digit KvK (Chamber of Commerce) number.
        NotKvk = "not_kvk",
        /// Not a valid VAT identification number.
        NotVatId = "not_vat_id",
        /// Not a valid id.
        NotId = "not_id",
        /// The record it refers to does not exist in this company.
        UnknownReference = "unknown_reference",
        /// The value breaks a rule of its own, worded in `message`.
        Rule = "rule",
    }
}

/// One field's problem.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Problem {
    /// What is wrong.
    pub code: ProblemCode,
    /// The smallest length or value allowed, where that is the problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    /// The largest length or value allowed, where that is the problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    /// The values allowed, where that is the problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<String>>,
    /// The problem in English.
    pub message: String,
}

impl Problem {
    /// A problem whose English wording follows from its code alone.
    pub fn new(code: ProblemCode) -> Self {
        let message = match code {
            ProblemCode::Required => "is required",
            ProblemCode::Empty => "must not be empty",
            ProblemCode::TooLong => "is too long",
            ProblemCode::TooShort => "is too short",
            ProblemCode::ControlCharacters => "must not contain control characters",
            ProblemCode::WrongType => "has the wrong type",
            ProblemCode::OutOfRange => "is out of range",
            ProblemCode::NotAllowed => "is not an allowed value",
            ProblemCode::NotEmail => "is not an email address",
            ProblemCode::NotDate => "must be a date as YYYY-MM-DD",
            ProblemCode::NotAmount => "is not an amount",
            ProblemCode::NotIban => "is not a valid IBAN",
            ProblemCode::NotKvk => "must be an 8-digit KvK number",
            ProblemCode::NotVatId => "is not a valid VAT number",
            ProblemCode::NotId => "is not a valid id",
            ProblemCode::UnknownReference => "does not exist",
            ProblemCode::Rule => "is not allowed",
        };
        Problem {
            code,
            min: None,
            max: None,
            allowed: None,
            message: message.to_owned(),
        }
    }

    /// A text longer than `max` characters.
    pub fn too_long(max: usize) -> Self {
        let max = i64::try_from(max).unwrap_or(i64::MAX);
        Problem {
            max: Some(max),
            message: format!("must be at most {max} characters"),
            ..Problem::new(ProblemCode::TooLong)
        }
    }

    /// A text shorter than `min` characters.
    pub fn too_short(min: usize) -> Self {
        let min = i64::try_from(min).unwrap_or(i64::MAX);
        Problem {
            min: Some(min),
            message: format!("must be at least {min} characters"),
            ..Problem::new(ProblemCode::TooShort)
        }
    }

    /// A number outside `min..=max` (either bound may be open).
    pub fn out_of_range(min: Option<i64>, max: Option<i64>) -> Self {
        let message = match (min, max) {
            (Some(lo), Some(hi)) => format!("must be between {lo} and {hi}"),
            (Some(lo), None) => format!("must be at least {lo}"),
            (None, Some(hi)) => format!("must be at most {hi}"),
            (None, None) => "is out of range".to_owned(),
        };
        Problem {
            min,
            max,
            message,
            ..Problem::new(ProblemCode::OutOfRange)
        }
    }

    /// A value that is not one of `allowed`.
    pub fn not_allowed(allowed: &[&str]) -> Self {
        Problem {
            allowed: Some(allowed.iter().map(|a| (*a).to_owned()).collect()),
            message: format!("must be one of {}", allowed.join(", ")),
            ..Problem::new(ProblemCode::NotAllowed)
        }
    }

    /// A rule of the field's own, worded for people; clients show `message` as it is.
    pub fn rule(message: impl Into<String>) -> Self {
        Problem {
            message: message.into(),
            ..Problem::new(ProblemCode::Rule)
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<crate::UnknownValue> for Problem {
    fn from(e: crate::UnknownValue) -> Self {
        Problem::not_allowed(e.allowed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_travel_with_the_code() {
        let p = serde_json::to_value(Problem::too_long(200)).unwrap();
        assert_eq!(
            p,
            serde_json::json!({"code": "too_long", "max": 200, "message": "must be at most 200 characters"})
        );
        let p = serde_json::to_value(Problem::not_allowed(&["a", "b"])).unwrap();
        assert_eq!(p["allowed"], serde_json::json!(["a", "b"]));
        assert_eq!(p["message"], "must be one of a, b");
    }
}
