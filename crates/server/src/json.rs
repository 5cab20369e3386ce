//! JSON bodies: our own extractor, so every malformed, misshapen or oversized body gets our
//! error codes, and a body must be a JSON object (serde would otherwise accept an array as a
//! struct, filling fields by position).
//!
//! A body that is not a JSON object at all is 400 `bad_request`. A JSON object whose fields do
//! not fit the request type is 422 `invalid` naming the field, like any other field problem: a
//! missing required field (or `null` for one) is `required`, a value of another type (`"x"` or
//! `-36.0` where an integer belongs) is `wrong_type`, a name outside a closed set is
//! `not_allowed`.

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use silo_contract::{Problem, ProblemCode};

/// A JSON request body of type `T` (and a JSON response when returned).
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

fn is_json(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json"
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
        .unwrap_or(false)
}

/// Parses a body that must be one JSON object.
pub fn parse_object<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        return Err(ApiError::BadRequest(
            "the body must be a JSON object".into(),
        ));
    }
    let not_json = || ApiError::BadRequest("the body is not valid JSON".into());
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        match field_problem(e.path(), e.inner()) {
            Some((field, problem)) => invalid(field, problem),
            None => not_json(),
        }
    })?;
    de.end().map_err(|_| not_json())?;
    Ok(value)
}

/// A body that may be empty (then `T::default()`) or one JSON object.
pub fn optional_object<T: DeserializeOwned + Default>(
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<T, ApiError> {
    let body = body.map_err(|r| match r.status() {
        axum::http::StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
        _ => ApiError::BadRequest(r.body_text()),
    })?;
    if body.iter().all(u8::is_ascii_whitespace) {
        Ok(T::default())
    } else {
        parse_object(&body)
    }
}

/// The one place a body's field problem becomes an error answer.
fn invalid(field: String, problem: Problem) -> ApiError {
    ApiError::Invalid([(field, problem)].into())
}

/// The field a serde data error is about and what is wrong with it; `None` when the body is
/// not JSON at all (syntax, end of input, nesting too deep).
fn field_problem(
    path: &serde_path_to_error::Path,
    error: &serde_json::Error,
) -> Option<(String, Problem)> {
    if error.classify() != serde_json::error::Category::Data {
        return None;
    }
    // serde_json appends " at line L column C"; the message proper comes before it.
    let full = error.to_string();
    let message = match full.rfind(" at line ") {
        Some(at) => &full[..at],
        None => full.as_str(),
    };
    let at = |name: Option<&str>| {
        let base = path.to_string();
        let base = if base == "." { String::new() } else { base };
        match name {
            Some(name) if base.is_empty() => name.to_owned(),
            Some(name) => format!("{base}.{name}"),
            None if base.is_empty() => "body".to_owned(),
            None => base,
        }
    };
    if let Some(name) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
    {
        return Some((at(Some(name)), Problem::new(ProblemCode::Required)));
    }
    if message.starts_with("invalid type: null") {
        return Some((at(None), Problem::new(ProblemCode::Required)));
    }
    if message.starts_with("unknown variant") {
        let allowed: Vec<&str> = message
            .split_once("expected")
            .map(|(_, names)| names.split('`').skip(1).step_by(2).collect())
            .unwrap_or_default();
        return Some((at(None), Problem::not_allowed(&allowed)));
    }
    let expected = message
        .rsplit_once(", expected ")
        .map(|(_, expected)| expected);
    let problem = if message.contains("UUID") || expected.is_some_and(|e| e.contains("UUID")) {
        Problem::new(ProblemCode::NotId)
    } else if message.starts_with("invalid type")
        || message.starts_with("invalid value")
        || message.starts_with("invalid length")
    {
        let mut problem = Problem::new(ProblemCode::WrongType);
        if let Some(kind) = expected.and_then(expected_kind) {
            problem.message = format!("must be {kind}");
        }
        problem
    } else {
        Problem::rule(message)
    };
    Some((at(None), problem))
}

/// What serde says it expected, in words for people.
fn expected_kind(expected: &str) -> Option<&'static str> {
    let kind = match expected {
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "a whole number" => "a whole number",
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a whole number, not negative",
        "f32" | "f64" => "a number",
        "a string" | "a borrowed string" | "a character" => "a text",
        "a boolean" => "true or false",
        e if e.starts_with("a sequence") => "a list",
        e if e.starts_with("struct ") || e.starts_with("a map") => "an object",
        _ => return None,
    };
    Some(kind)
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(&req) {
            return Err(ApiError::BadRequest(
                "send the body as JSON with `Content-Type: application/json`".into(),
            ));
        }
        let body = Bytes::from_request(req, state)
            .await
            .map_err(|r| match r.status() {
                StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
                _ => ApiError::BadRequest(r.body_text()),
            })?;
        parse_object(&body).map(Json)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code, reason = "only parsed")]
    struct Line {
        description: String,
        quantity: Option<u32>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code, reason = "only parsed")]
    #[serde(rename_all = "snake_case")]
    enum Colour {
        Red,
        DeepBlue,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code, reason = "only parsed")]
    struct Body {
        name: String,
        value_cents: Option<i64>,
        id: Option<uuid::Uuid>,
        colour: Option<Colour>,
        #[serde(default)]
        lines: Vec<Line>,
    }

    fn problem(body: &str) -> Option<(String, ProblemCode, String)> {
        let mut de = serde_json::Deserializer::from_str(body);
        let e = serde_path_to_error::deserialize::<_, Body>(&mut de).unwrap_err();
        field_problem(e.path(), e.inner()).map(|(f, p)| (f, p.code, p.message))
    }

    fn case(body: &str, field: &str, code: ProblemCode) -> String {
        let (f, c, message) = problem(body).unwrap();
        assert_eq!((f.as_str(), c), (field, code), "{body}");
        message
    }

    #[test]
    fn missing_and_null_fields_are_required_under_their_name() {
        assert_eq!(case("{}", "name", ProblemCode::Required), "is required");
        case(r#"{"name": null}"#, "name", ProblemCode::Required);
        case(
            r#"{"name": "a", "lines": [{"quantity": 1}]}"#,
            "lines[0].description",
            ProblemCode::Required,
        );
    }

    #[test]
    fn values_of_another_type_are_wrong_type_under_their_path() {
        let m = case(
            r#"{"name": "a", "value_cents": -36.0}"#,
            "value_cents",
            ProblemCode::WrongType,
        );
        assert_eq!(m, "must be a whole number");
        case(
            r#"{"name": "a", "value_cents": "x"}"#,
            "value_cents",
            ProblemCode::WrongType,
        );
        case(
            r#"{"name": "a", "value_cents": 9223372036854775808}"#,
            "value_cents",
            ProblemCode::WrongType,
        );
        assert_eq!(
            case(r#"{"name": 5}"#, "name", ProblemCode::WrongType),
            "must be a text"
        );
        case(
            r#"{"name": "a", "lines": {"description": "x"}}"#,
            "lines",
            ProblemCode::WrongType,
        );
        let m = case(
            r#"{"name": "a", "lines": [{"description": "x", "quantity": -2}]}"#,
            "lines[0].quantity",
            ProblemCode::WrongType,
        );
        assert_eq!(m, "must be a whole number, not negative");
        case(
            r#"{"name": "a", "id": "not-a-uuid"}"#,
            "id",
            ProblemCode::NotId,
        );
    }

    #[test]
    fn names_outside_a_closed_set_list_the_allowed_ones() {
        let (field, code, message) = problem(r#"{"name": "a", "colour": "green"}"#).unwrap();
        assert_eq!((field.as_str(), code), ("colour", ProblemCode::NotAllowed));
        assert_eq!(message, "must be one of red, deep_blue");
    }

    #[test]
    fn what_is_not_json_is_no_field_problem() {
        for body in [
            r#"{"name": "a""#,
            r#"{"name": "\ud800"}"#,
            r#"{"name": 1e400}"#,
        ] {
            assert!(problem(body).is_none(), "{body}");
        }
        assert!(matches!(
            parse_object::<Body>(br#"{"name": "a"} x"#),
            Err(ApiError::BadRequest(_))
        ));
        assert!(matches!(
            parse_object::<Body>(b"[]"),
            Err(ApiError::BadRequest(_))
        ));
        assert!(matches!(
            parse_object::<Body>(br#"{"name": 5}"#),
            Err(ApiError::Invalid(_))
        ));
    }
}
