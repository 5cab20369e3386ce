//! Request handlers, one module per resource.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod branding;
pub mod company;
pub mod contacts;
pub mod contracts;
pub mod deals;
pub mod health;
pub mod invitations;
pub mod invoices;
pub mod invoicing;
pub mod members;
pub mod password;
pub mod reports;
pub mod session;
pub mod signup;
pub mod timeline;
pub mod two_factor;
pub mod webhooks;

use crate::error::ApiError;
use uuid::Uuid;

/// A row id from the path; anything that is not a UUID names no row, so it is a 404 like any
/// other unknown id.
pub(crate) fn path_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::NotFound)
}
