//! JSON bodies: axum's extractor with our error codes for bad, misshapen and oversized bodies.

use crate::error::ApiError;
use axum::extract::FromRequest;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// A JSON request body of type `T` (and a JSON response when returned).
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::BytesRejection(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::PayloadTooLarge
            }
            JsonRejection::JsonDataError(e) => ApiError::BadRequest(format!(
                "the body does not have the expected shape: {}",
                e.body_text()
            )),
            JsonRejection::JsonSyntaxError(_) => {
                ApiError::BadRequest("the body is not valid JSON".into())
            }
            JsonRejection::MissingJsonContentType(_) => ApiError::BadRequest(
                "send the body as JSON with `Content-Type: application/json`".into(),
            ),
            other => ApiError::BadRequest(other.body_text()),
        }
    }
}
