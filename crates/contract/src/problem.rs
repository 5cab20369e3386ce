//! What can be wrong with one field of a request. A 422 `invalid` answer names each field with a
//! [`Problem`]: a code and its limits for programs (the web app words it in the user's
//! language), and an English sentence for people reading the raw answer.
//!
//! [`Problems`] is the one collector of them: every check of a request records its field's
//! problem there (the first one per field wins), so one answer names every field that is wrong.

use crate::input::Field;
use serde::Serialize;
use serde_json::Number;
use std::collections::BTreeMap;

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
        /// The number has more than `max` decimals.
        TooManyDecimals = "too_many_decimals",
        /// The list holds more than `max` items.
        TooMany = "too_many",
        /// The list holds fewer than `min` items.
        TooFew = "too_few",
        /// The value is not one of `allowed`.
        NotAllowed = "not_allowed",
        /// A total computed from several values (quantity times price, the lines of an
        /// invoice, the payments so far) would exceed `max`.
        TotalTooLarge = "total_too_large",
        /// Not an e-mail address.
        NotEmail = "not_email",
        /// Not a date written as YYYY-MM-DD.
        NotDate = "not_date",
        /// Not a month written as YYYY-MM.
        NotMonth = "not_month",
        /// Not a date and time in RFC 3339 form (`2026-03-09T10:00:00Z`).
        NotTime = "not_time",
        /// Not an amount of money (a whole number of cents, or a decimal with at most two places).
        NotAmount = "not_amount",
        /// Not a three-letter ISO 4217 currency code.
        NotCurrency = "not_currency",
        /// Not a valid IBAN (shape or check digits).
        NotIban = "not_iban",
        /// Not an eight-digit KvK (Chamber of Commerce) number.
        NotKvk = "not_kvk",
        /// Not a valid VAT identification number.
        NotVatId = "not_vat_id",
        /// Not an invoice number prefix (at most 12 letters, digits, `-`, `/`, `_` or `.`).
        NotInvoicePrefix = "not_invoice_prefix",
        /// Not an ISO 3166-1 alpha-2 country code (`NL`, `DE`).
        NotCountry = "not_country",
        /// Not a Peppol participant id: a four-digit scheme, `:`, and the id (`0106:12345678`).
        NotPeppolId = "not_peppol_id",
        /// A detail stored elsewhere (the company's or a client's) is needed before this step,
        /// such as issuing an invoice; the field names where it is missing.
        MissingDetail = "missing_detail",
        /// Not a valid id.
        NotId = "not_id",
        /// Not an `http://` or `https://` address with a host (and without a user name or
        /// password in it).
        NotUrl = "not_url",
        /// The address must use `https://` (plain `http://` only where the operator allows
        /// private addresses, for development).
        NotHttps = "not_https",
        /// The address is, or its name resolves to, a loopback, private, link-local, shared
        /// (CGNAT), multicast or otherwise internal address, which this deployment does not
        /// send to.
        PrivateAddress = "private_address",
        /// The record it refers to does not exist in this company.
        UnknownReference = "unknown_reference",
        /// The password or code does not match.
        Wrong = "wrong",
        /// The link's token is unknown, used, withdrawn or expired.
        LinkUnusable = "link_unusable",
        /// Not a PNG or JPEG image (its header was read), or not the kind its content type
        /// says.
        NotImage = "not_image",
        /// The value breaks a rule of its own, worded in `message`.
        Rule = "rule",
    }
}

/// One field's problem.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Problem {
    /// What is wrong.
    pub code: ProblemCode,
    /// The smallest length, value or count allowed, where that is the problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<Number>,
    /// The largest length, value, count or number of decimals allowed, where that is the
    /// problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<Number>,
    /// The values allowed, where that is the problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<String>>,
    /// The problem in English.
    pub message: String,
}

fn count(n: usize) -> Number {
    Number::from(u64::try_from(n).unwrap_or(u64::MAX))
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
            ProblemCode::TooManyDecimals => "has too many decimals",
            ProblemCode::TooMany => "has too many items",
            ProblemCode::TooFew => "has too few items",
            ProblemCode::NotAllowed => "is not an allowed value",
            ProblemCode::TotalTooLarge => "the total is too large",
            ProblemCode::NotEmail => "is not an email address",
            ProblemCode::NotDate => "must be a date as YYYY-MM-DD",
            ProblemCode::NotMonth => "must be a month as YYYY-MM",
            ProblemCode::NotTime => "must be an RFC 3339 time",
            ProblemCode::NotAmount => "is not an amount",
            ProblemCode::NotCurrency => "must be an ISO 4217 code such as EUR",
            ProblemCode::NotIban => "is not a valid IBAN",
            ProblemCode::NotKvk => "must be an 8-digit KvK number",
            ProblemCode::NotVatId => "is not a valid VAT number",
            ProblemCode::NotInvoicePrefix => {
                "may hold at most 12 letters, digits, '-', '/', '_' or '.'"
            }
            ProblemCode::NotCountry => "must be a two-letter ISO country code such as NL",
            ProblemCode::NotPeppolId => "must be a Peppol id such as 0106:12345678",
            ProblemCode::MissingDetail => "is needed first",
            ProblemCode::NotId => "is not a valid id",
            ProblemCode::NotUrl => "must be an http:// or https:// address",
            ProblemCode::NotHttps => "must be an https:// address",
            ProblemCode::PrivateAddress => "is on a private or internal network",
            ProblemCode::UnknownReference => "does not exist",
            ProblemCode::Wrong => "is wrong",
            ProblemCode::LinkUnusable => "this link is unknown, used or expired",
            ProblemCode::NotImage => "is not a PNG or JPEG image of the type sent",
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

    /// The same problem worded differently (the code and limits stay).
    pub fn worded(self, message: impl Into<String>) -> Self {
        Problem {
            message: message.into(),
            ..self
        }
    }

    /// A total computed from several values that would exceed `max`.
    pub fn total_too_large(max: i64) -> Self {
        Problem {
            max: Some(max.into()),
            ..Problem::new(ProblemCode::TotalTooLarge)
        }
    }

    /// A text longer than `max` characters.
    pub fn too_long(max: usize) -> Self {
        Problem {
            max: Some(count(max)),
            message: format!("must be at most {max} characters"),
            ..Problem::new(ProblemCode::TooLong)
        }
    }

    /// A text shorter than `min` characters.
    pub fn too_short(min: usize) -> Self {
        Problem {
            min: Some(count(min)),
            message: format!("must be at least {min} characters"),
            ..Problem::new(ProblemCode::TooShort)
        }
    }

    /// A list of more than `max` items.
    pub fn too_many(max: usize) -> Self {
        Problem {
            max: Some(count(max)),
            message: format!("may hold at most {max} items"),
            ..Problem::new(ProblemCode::TooMany)
        }
    }

    /// A list of fewer than `min` items.
    pub fn too_few(min: usize) -> Self {
        Problem {
            min: Some(count(min)),
            message: format!("must hold at least {min} items"),
            ..Problem::new(ProblemCode::TooFew)
        }
    }

    /// A number with more than `max` decimals.
    pub fn too_many_decimals(max: u32) -> Self {
        Problem {
            max: Some(Number::from(max)),
            message: format!("may have at most {max} decimals"),
            ..Problem::new(ProblemCode::TooManyDecimals)
        }
    }

    /// A number outside `min..=max` (either bound may be open).
    pub fn out_of_range(min: Option<i64>, max: Option<i64>) -> Self {
        Self::out_of_range_of(min.map(Number::from), max.map(Number::from))
    }

    /// A number outside `min..=max`, for bounds that need not be whole.
    pub fn out_of_range_of(min: Option<Number>, max: Option<Number>) -> Self {
        let message = match (&min, &max) {
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
    pub fn not_allowed<S: AsRef<str>>(allowed: &[S]) -> Self {
        let allowed: Vec<String> = allowed.iter().map(|a| a.as_ref().to_owned()).collect();
        Problem {
            message: format!("must be one of {}", allowed.join(", ")),
            allowed: Some(allowed),
            ..Problem::new(ProblemCode::NotAllowed)
        }
    }

    /// A rule of the field's own, worded for people; clients show `message` as it is.
    pub fn rule(message: impl Into<String>) -> Self {
        Problem::new(ProblemCode::Rule).worded(message)
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Problem {}

impl From<ProblemCode> for Problem {
    fn from(code: ProblemCode) -> Self {
        Problem::new(code)
    }
}

impl From<crate::UnknownValue> for Problem {
    fn from(e: crate::UnknownValue) -> Self {
        Problem::not_allowed(e.allowed)
    }
}

/// A sentence is a [`ProblemCode::Rule`] problem: for refusals no code describes yet.
impl From<&str> for Problem {
    fn from(message: &str) -> Self {
        Problem::rule(message)
    }
}

/// See `From<&str>`.
impl From<String> for Problem {
    fn from(message: String) -> Self {
        Problem::rule(message)
    }
}

/// The English sentence, for callers that only report text (the CLI, corrupt-row errors).
impl From<Problem> for String {
    fn from(p: Problem) -> Self {
        p.message
    }
}

/// Field problems found so far, so that one answer names all of them. The first problem
/// recorded for a field wins (later checks of the same field usually follow from it).
#[derive(Debug, Default)]
pub struct Problems(BTreeMap<String, Problem>);

impl Problems {
    /// No problems yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a problem under `field`, unless that field has one already.
    pub fn add(&mut self, field: impl Into<String>, problem: impl Into<Problem>) {
        self.0.entry(field.into()).or_insert_with(|| problem.into());
    }

    /// Keeps the value, or records the problem under `field`.
    pub fn check<T, E: Into<Problem>>(&mut self, field: &str, parsed: Result<T, E>) -> Option<T> {
        match parsed {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e);
                None
            }
        }
    }

    /// Applies a field's rule to the value sent for it: the parsed value, or `None` with the
    /// problem recorded under `field`.
    pub fn take<F: Field>(&mut self, field: &str, sent: F) -> Option<F::Value> {
        self.check(field, sent.parse())
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `field` has a problem.
    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    /// `Ok(())` when nothing was recorded, else every problem.
    pub fn finish(self) -> Result<(), Invalid> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Invalid(self.0))
        }
    }

    /// Like [`Problems::finish`], and hands back `value` once all of its parts parsed. A part
    /// missing without a recorded problem is a bug, reported as a problem with the `_` field
    /// rather than a panic.
    pub fn done<T>(self, value: Option<T>) -> Result<T, Invalid> {
        self.finish()?;
        value.ok_or_else(|| Invalid::one("_", Problem::rule("could not be read")))
    }
}

/// The problems that make a request invalid, by field: the content of a 422 `invalid` answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Invalid(pub BTreeMap<String, Problem>);

impl Invalid {
    /// One field's problem.
    pub fn one(field: &str, problem: impl Into<Problem>) -> Self {
        Invalid(BTreeMap::from([(field.to_owned(), problem.into())]))
    }

    /// The English sentence per field (the answer's `fields`).
    pub fn sentences(&self) -> BTreeMap<&str, &str> {
        self.0
            .iter()
            .map(|(k, p)| (k.as_str(), p.message.as_str()))
            .collect()
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|(k, p)| format!("{k} {p}")).collect();
        f.write_str(&parts.join("; "))
    }
}

impl std::error::Error for Invalid {}

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
        let p = Problem::out_of_range_of(Number::from_f64(0.001), Some(Number::from(5)));
        assert_eq!(
            serde_json::to_value(p).unwrap(),
            serde_json::json!({"code": "out_of_range", "min": 0.001, "max": 5, "message": "must be between 0.001 and 5"})
        );
    }

    #[test]
    fn the_first_problem_per_field_wins() {
        let mut p = Problems::new();
        p.add("name", Problem::new(ProblemCode::Empty));
        p.add("name", Problem::too_long(3));
        assert_eq!(p.check::<(), _>("email", Err(ProblemCode::NotEmail)), None);
        assert!(p.has("email") && !p.has("phone"));
        let invalid = p.finish().unwrap_err();
        assert_eq!(invalid.0["name"].code, ProblemCode::Empty);
        assert_eq!(
            invalid.sentences(),
            BTreeMap::from([
                ("email", "is not an email address"),
                ("name", "must not be empty")
            ])
        );
        assert_eq!(Problems::new().done(Some(3)), Ok(3));
        assert!(
            Problems::new()
                .done::<u8>(None)
                .unwrap_err()
                .0
                .contains_key("_")
        );
    }
}
