//! `/api/company/logo`: the company's logo, a PNG or JPEG image sent and answered as it is (not
//! as JSON), kept in the company's own database.

use crate::AppState;
use crate::audit::after_write;
use crate::binding::Tenant;
use crate::error::ApiError;
use crate::json::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use silo_domain::branding::{self, LogoInfo, MAX_LOGO_BYTES};

/// `PUT /api/company/logo`: the body is the image, its `Content-Type` `image/png` or
/// `image/jpeg`; at most 512 KiB (413 `payload_too_large` beyond); 422 `invalid` on `body`
/// (`not_image`) when the image's header is not of that type.
pub async fn put(
    State(state): State<AppState>,
    tenant: Tenant,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<LogoInfo>, ApiError> {
    let body = body.map_err(|r| match r.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
        _ => ApiError::BadRequest(r.body_text()),
    })?;
    if body.len() > MAX_LOGO_BYTES {
        return Err(ApiError::PayloadTooLarge);
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let info =
        branding::set_logo(&tenant.db, content_type, body.to_vec(), &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(Json(info))
}

/// `GET /api/company/logo`: the image as uploaded; 404 when the company has none.
pub async fn get(tenant: Tenant) -> Result<Response, ApiError> {
    let logo = branding::get_logo(&tenant.db)
        .await?
        .ok_or(ApiError::NotFound)?;
    let media = HeaderValue::from_str(&logo.content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    Ok((
        [
            (header::CONTENT_TYPE, media),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-cache"),
            ),
        ],
        logo.bytes,
    )
        .into_response())
}

/// `DELETE /api/company/logo`: 404 when there is none.
pub async fn delete(State(state): State<AppState>, tenant: Tenant) -> Result<StatusCode, ApiError> {
    branding::delete_logo(&tenant.db, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(StatusCode::NO_CONTENT)
}
