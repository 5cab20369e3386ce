//! Errors of tenant placement and access.

use silo_control::{CompanyStatus, ControlError};
use silo_store::StoreError;

/// Why a tenant database could not be provisioned or opened.
#[derive(Debug, thiserror::Error)]
pub enum TenancyError {
    /// The company exists but does not serve (provisioning, suspended, erased).
    #[error("company is {0}")]
    NotActive(CompanyStatus),
    /// The tenant database cannot be opened or used.
    #[error("tenant database unavailable: {0}")]
    Unavailable(String),
    /// Every tenant connection of the budget is in use by other companies' requests: try again
    /// shortly (nothing is wrong with this company's database).
    #[error("tenant connection budget exhausted")]
    Busy,
    /// The registry refused or failed.
    #[error(transparent)]
    Control(#[from] ControlError),
    /// The storage configuration is unusable (tenant servers, secret).
    #[error("configuration: {0}")]
    Config(String),
    /// An export archive is malformed, or from a newer build.
    #[error("archive: {0}")]
    Archive(String),
    /// A fleet operation cannot run in this deployment or state.
    #[error("{0}")]
    Refused(String),
    /// Filesystem trouble in the data directory.
    #[error("data directory: {0}")]
    Io(#[from] std::io::Error),
}

impl From<StoreError> for TenancyError {
    fn from(e: StoreError) -> Self {
        // Whatever goes wrong while opening a tenant database makes it unavailable; the
        // cause goes to the log, not to the client.
        TenancyError::Unavailable(e.to_string())
    }
}
