//! Errors of the control plane.

use crate::CompanyStatus;
use silo_store::StoreError;

/// What a registry operation can refuse or fail with.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// No such company, identity or membership.
    #[error("not found")]
    NotFound,
    /// The slug is held by another company (erased ones give theirs up: their tombstone's slug
    /// is `erased-<id>`).
    #[error("slug `{0}` is taken")]
    SlugTaken(String),
    /// An identity with this email exists.
    #[error("email is already registered")]
    EmailTaken,
    /// The identity already belongs to the company.
    #[error("already a member")]
    AlreadyMember,
    /// The plan's seat limit is reached.
    #[error("the plan allows {0} members")]
    SeatLimit(i64),
    /// The change would leave the company without an owner.
    #[error("a company must keep at least one owner")]
    LastOwner,
    /// Deleting one's account would leave these companies without an owner: another owner
    /// must be named first (or the company erased).
    #[error("the only owner of {} companies", .0.len())]
    LastOwnerOf(Vec<crate::CompanySummary>),
    /// A lifecycle step that the company's current state does not allow.
    #[error("company is {from}, cannot become {to}")]
    InvalidTransition {
        /// The state it is in.
        from: CompanyStatus,
        /// The state asked for.
        to: CompanyStatus,
    },
    /// What the caller decided on changed meanwhile (an invitation's person registered, say):
    /// start over.
    #[error("changed meanwhile; start over")]
    Changed,
    /// The audit trail no longer holds the heads the newest checkpoint signed (a rewrite, or a
    /// restore from an older copy): no new checkpoint is signed over it. `silo audit verify`
    /// names the chains.
    #[error("the audit trail no longer matches the newest checkpoint: {0}")]
    CheckpointMismatch(String),
    /// A stored value is not what the registry wrote (hand-edited row?).
    #[error("corrupt registry data: {0}")]
    Corrupt(String),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
