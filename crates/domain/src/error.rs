//! What a domain operation can refuse or fail with, and a collector for field problems.

pub use silo_contract::ErrorCode;
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
    Invalid(BTreeMap<String, String>),
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
    pub fn invalid(field: &str, problem: impl Into<String>) -> Self {
        DomainError::Invalid(BTreeMap::from([(field.to_owned(), problem.into())]))
    }
}

/// Shorthand for domain results.
pub type DomainResult<T> = Result<T, DomainError>;

/// Field problems found so far, so one answer names all of them.
#[derive(Debug, Default)]
pub struct Problems(BTreeMap<String, String>);

impl Problems {
    /// No problems yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the parsed value, or records the problem under `field`.
    pub fn check<T, E: ToString>(&mut self, field: &str, parsed: Result<T, E>) -> Option<T> {
        match parsed {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e);
                None
            }
        }
    }

    /// Records a problem under `field` (the first one per field wins).
    pub fn add(&mut self, field: &str, problem: impl ToString) {
        self.0
            .entry(field.to_owned())
            .or_insert_with(|| problem.to_string());
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was recorded, else [`DomainError::Invalid`] naming every field.
    pub fn finish(self) -> DomainResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Invalid(self.0))
        }
    }

    /// Like [`Problems::finish`], and hands back `value` once all of its parts parsed; a part
    /// missing without a recorded problem is a bug reported as an invalid `_` field rather
    /// than a panic.
    pub fn done<T>(self, value: Option<T>) -> DomainResult<T> {
        self.finish()?;
        value.ok_or_else(|| DomainError::invalid("_", "could not be read"))
    }
}
