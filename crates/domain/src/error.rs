//! What a domain operation can refuse or fail with. Field problems are collected with the one
//! collector of the input layer, [`Problems`].

pub use silo_contract::ErrorCode;
pub use silo_contract::{Invalid, Problem, ProblemCode, Problems};
use silo_store::StoreError;
use std::collections::BTreeMap;

/// A refusal or failure of a business operation. The server maps each variant to one status.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// The row does not exist in this company's database.
    #[error("not found")]
    NotFound,
    /// The row's state does not allow the change (a sent contract's body, an issued invoice).
    #[error("{message}")]
    Conflict {
        /// The code for clients (one whose status is 409).
        code: ErrorCode,
        /// For people.
        message: String,
    },
    /// Input problems, one per field.
    #[error("some fields are invalid")]
    Invalid(BTreeMap<String, Problem>),
    /// The caller's role does not allow this on this record (another person's time).
    #[error("forbidden")]
    Forbidden,
    /// The company's plan allows no more of something.
    #[error("{0}")]
    Limit(String),
    /// Storage failed.
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for DomainError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => DomainError::NotFound,
            other => DomainError::Store(other),
        }
    }
}

impl DomainError {
    /// A 409-style refusal.
    pub fn conflict(code: ErrorCode, message: impl Into<String>) -> Self {
        DomainError::Conflict {
            code,
            message: message.into(),
        }
    }

    /// An input problem on one field.
    pub fn invalid(field: &str, problem: impl Into<Problem>) -> Self {
        Invalid::one(field, problem).into()
    }
}

/// Shorthand for domain results.
pub type DomainResult<T> = Result<T, DomainError>;

impl From<Invalid> for DomainError {
    fn from(e: Invalid) -> Self {
        DomainError::Invalid(e.0)
    }
}
