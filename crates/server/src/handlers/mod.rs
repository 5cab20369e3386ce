//! Request handlers, one module per resource.

pub mod accounts;
pub mod attribution_report;
pub mod audit;
pub mod auth;
pub mod branding;
pub mod collab;
pub mod collect;
pub mod company;
pub mod contacts;
pub mod contracts;
pub mod conversions;
pub mod deals;
pub mod destinations;
pub mod health;
pub mod invitations;
pub mod invoices;
pub mod invoicing;
pub mod me;
pub mod members;
pub mod password;
pub mod portal_admin;
pub mod portal_collab;
pub mod portal_colleagues;
pub mod portal_documents;
pub mod portal_sign_in;
pub mod privacy;
pub mod projects;
pub mod reports;
pub mod session;
pub mod signing;
pub mod signup;
pub mod sites;
pub mod team;
pub mod time;
pub mod timeline;
pub mod two_factor;
pub mod webhooks;

use crate::error::ApiError;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

/// A file answer (a PDF, CSV or e-invoice): downloaded under `filename`, never cached (it is a
/// company's data).
pub(crate) fn attachment(filename: &str, content_type: &'static str, bytes: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{filename}\"");
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// A row id from the path; anything that is not a UUID names no row, so it is a 404 like any
/// other unknown id.
pub(crate) fn path_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::NotFound)
}
