//! What can go wrong while the worker works on a company.

use silo_control::ControlError;
use silo_domain::DomainError;
use silo_tenancy::TenancyError;

/// A worker error: the company's pass ends and is tried again later; nothing is lost.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// The control plane failed.
    #[error("control plane: {0}")]
    Control(#[from] ControlError),
    /// The company's database could not be opened (it may be suspended or moving).
    #[error(transparent)]
    Tenancy(#[from] TenancyError),
    /// The company's database failed.
    #[error("company database: {0}")]
    Domain(#[from] DomainError),
}
