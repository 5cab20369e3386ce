//! Approvals in the portal: what the agency asked the client to approve, and the client's
//! decision (approved, or changes requested with a comment), recorded with the portal user and
//! the time. Only pending requests can be decided; a preview decides nothing.

use super::{Part, PortalDb, RequestOrigin};
use crate::approvals::{self, ApprovalFile, ApprovalStatus};
use crate::error::{DomainError, DomainResult, ErrorCode, Problems};
use crate::events::emit;
use crate::input::{Choice, Notes, Optional, Problem, ProblemCode, Sent, take};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use silo_contract::EventType;
use silo_store::{Row, StoreError, Timestamp, params};
use uuid::Uuid;

silo_contract::string_enum! {
    /// A client's decision on an approval request.
    pub enum Decision {
        /// Approved as it is.
        Approved = "approved",
        /// Changes are needed (the comment says which).
        ChangesRequested = "changes_requested",
    }
}

/// An approval request as the client sees it.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct PortalApproval {
    /// Id.
    pub id: Uuid,
    /// The project it is part of.
    pub project_id: Option<Uuid>,
    /// What is to be approved.
    pub title: String,
    /// The deliverable as a note, or a note about the file.
    pub note: Option<String>,
    /// The deliverable as a file (download it from the portal's files).
    pub file: Option<ApprovalFile>,
    /// Where it stands.
    pub status: ApprovalStatus,
    /// When the agency asked.
    pub requested_at: Timestamp,
    /// The name of who decided.
    pub decided_by_name: Option<String>,
    /// When it was decided (or withdrawn).
    pub decided_at: Option<Timestamp>,
    /// The comment given with the decision.
    pub decision_comment: Option<String>,
}

/// `POST /api/portal/approvals/{id}/decide` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DecisionRequest {
    decision: Sent<Choice<Decision>>,
    /// Required when asking for changes.
    #[serde(default)]
    comment: Optional<Notes>,
}

fn from_row(row: &Row) -> Result<PortalApproval, StoreError> {
    let a = approvals::from_row(row)?;
    // What the agency withdrew is shown as such; its decision fields are the agency's.
    let withdrawn = a.status == ApprovalStatus::Withdrawn;
    Ok(PortalApproval {
        id: a.id,
        project_id: a.project_id,
        title: a.title,
        note: a.note,
        file: a.file,
        status: a.status,
        requested_at: a.requested_at,
        decided_by_name: a.decided_by_name.filter(|_| !withdrawn),
        decided_at: a.decided_at,
        decision_comment: a.decision_comment.filter(|_| !withdrawn),
    })
}

/// The client's approval requests, newest first.
pub async fn list(portal: &PortalDb) -> DomainResult<Vec<PortalApproval>> {
    portal.require(Part::Approvals)?;
    let rows = portal
        .db()
        .db()
        .fetch_all(
            concat!(
                "SELECT ",
                approvals::columns!(),
                " WHERE a.account_id = $1 ORDER BY a.requested_at DESC, a.id"
            ),
            params![portal.account()],
        )
        .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// One of the client's approval requests; another client's is `NotFound`.
pub async fn get(portal: &PortalDb, id: Uuid) -> DomainResult<PortalApproval> {
    portal.require(Part::Approvals)?;
    let row = portal
        .db()
        .db()
        .fetch_optional(
            concat!(
                "SELECT ",
                approvals::columns!(),
                " WHERE a.id = $1 AND a.account_id = $2"
            ),
            params![id, portal.account()],
        )
        .await?
        .ok_or(DomainError::NotFound)?;
    Ok(from_row(&row)?)
}

/// The file one of the client's approval requests is about, with its bytes: reachable with the
/// approvals part alone, so a client can see what it approves. `NotFound` for another client's
/// request, a request without a file, or a deleted file.
pub async fn file(portal: &PortalDb, id: Uuid) -> DomainResult<crate::files::Download> {
    portal.require(Part::Approvals)?;
    let row = portal
        .db()
        .db()
        .fetch_optional(
            "SELECT f.name, f.content_type, f.bytes FROM approvals a \
             JOIN files f ON f.id = a.file_id AND f.account_id = a.account_id \
             WHERE a.id = $1 AND a.account_id = $2 AND f.deleted_at IS NULL",
            params![id, portal.account()],
        )
        .await?
        .ok_or(DomainError::NotFound)?;
    Ok(crate::files::Download {
        name: row.get("name")?,
        content_type: row.get("content_type")?,
        bytes: row.get("bytes")?,
    })
}

fn not_pending() -> DomainError {
    DomainError::conflict(
        ErrorCode::InvalidTransition,
        "this approval request is not pending any more",
    )
}

/// A portal user decides a pending request of their client.
pub async fn decide(
    portal: &PortalDb,
    id: Uuid,
    req: DecisionRequest,
    request: &RequestOrigin,
) -> DomainResult<PortalApproval> {
    portal.require(Part::Approvals)?;
    let origin = portal.origin(request)?;
    let me = portal.scope().writer()?.id;
    let mut p = Problems::new();
    let fields = take!(p, req => decision, comment);
    let (decision, comment) = p.done(fields)?;
    let decision = decision.get();
    let comment = comment.map(String::from);
    if decision == Decision::ChangesRequested && comment.is_none() {
        return Err(DomainError::invalid(
            "comment",
            Problem::new(ProblemCode::Required).worded("say which changes are needed"),
        ));
    }
    let mut tx = portal.db().db().begin().await?;
    let a = approvals::find(&mut tx, id)
        .await?
        .filter(|a| a.account_id == portal.account())
        .ok_or(DomainError::NotFound)?;
    if a.status != ApprovalStatus::Pending {
        return Err(not_pending());
    }
    let status = match decision {
        Decision::Approved => ApprovalStatus::Approved,
        Decision::ChangesRequested => ApprovalStatus::ChangesRequested,
    };
    let changed = tx
        .execute(
            "UPDATE approvals SET status = $2, decided_by = $3, decided_at = $4, \
             decision_comment = $5 WHERE id = $1 AND status = 'pending'",
            params![id, status.as_str(), me, Timestamp::now(), comment],
        )
        .await?;
    if changed == 0 {
        // Decided or withdrawn by a request that committed in between.
        return Err(not_pending());
    }
    let a = approvals::find(&mut tx, id)
        .await?
        .ok_or(DomainError::NotFound)?;
    let event = match decision {
        Decision::Approved => EventType::ApprovalApproved,
        Decision::ChangesRequested => EventType::ApprovalChangesRequested,
    };
    emit(&mut tx, &origin, event, id, approvals::announce(&a)).await?;
    let row = tx
        .fetch_one(
            concat!("SELECT ", approvals::columns!(), " WHERE a.id = $1"),
            params![id],
        )
        .await?;
    let out = from_row(&row)?;
    tx.commit().await?;
    Ok(out)
}
