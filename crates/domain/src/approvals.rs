//! Approvals: the agency asks a client to approve a deliverable (a shared file or a note); a
//! portal user of that client approves it or asks for changes with a comment, recorded with who
//! and when. The agency may withdraw a pending request.
//!
//! The portal's side is [`crate::portal::approvals`]; this module is the agency's.

use crate::columns::enum_column;
use crate::error::{DomainError, DomainResult, ErrorCode, Problems};
use crate::events::{Origin, emit};
use crate::input::{Id, Name, Notes, Optional, Sent, no_such, take};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use silo_contract::EventType;
use silo_store::{Row, StoreError, TenantDb, Timestamp, Tx, params};
use uuid::Uuid;

silo_contract::string_enum! {
    /// Where an approval request stands.
    pub enum ApprovalStatus {
        /// Waiting for the client.
        Pending = "pending",
        /// The client approved it.
        Approved = "approved",
        /// The client asked for changes (see the comment).
        ChangesRequested = "changes_requested",
        /// The agency withdrew the request.
        Withdrawn = "withdrawn",
    }
}

/// The file an approval is about.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ApprovalFile {
    /// The file's id (download it from the files routes while it is not deleted).
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Its type.
    pub content_type: String,
    /// Its size in bytes.
    pub size_bytes: i64,
    /// Whether it was deleted since (its bytes are gone).
    pub deleted: bool,
}

/// An approval request as the agency sees it.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Approval {
    /// Id (random).
    pub id: Uuid,
    /// The client asked.
    pub account_id: Uuid,
    /// The project it is part of.
    pub project_id: Option<Uuid>,
    /// What is to be approved.
    pub title: String,
    /// The deliverable as a note, or a note about the file.
    pub note: Option<String>,
    /// The deliverable as a file.
    pub file: Option<ApprovalFile>,
    /// Where it stands.
    pub status: ApprovalStatus,
    /// The staff member who asked.
    pub requested_by: Uuid,
    /// When.
    pub requested_at: Timestamp,
    /// The portal user who decided.
    pub decided_by: Option<Uuid>,
    /// Their name.
    pub decided_by_name: Option<String>,
    /// When they decided (or when the agency withdrew it).
    pub decided_at: Option<Timestamp>,
    /// The client's comment.
    pub decision_comment: Option<String>,
}

/// `POST /api/approvals` body: a title and a note, a file of the client's, or both.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NewApproval {
    account_id: Sent<Id>,
    #[serde(default)]
    project_id: Optional<Id>,
    title: Sent<Name>,
    #[serde(default)]
    note: Optional<Notes>,
    #[serde(default)]
    file_id: Optional<Id>,
}

macro_rules! columns {
    () => {
        "a.id, a.account_id, a.project_id, a.title, a.note, a.status, a.requested_by, \
         a.requested_at, a.decided_by, pu.name AS decided_by_name, a.decided_at, \
         a.decision_comment, f.id AS file_id, f.name AS file_name, \
         f.content_type AS file_type, f.size_bytes AS file_size, f.deleted_at AS file_deleted \
         FROM approvals a LEFT JOIN portal_users pu ON pu.id = a.decided_by \
         LEFT JOIN files f ON f.id = a.file_id"
    };
}
pub(crate) use columns;

pub(crate) fn from_row(row: &Row) -> Result<Approval, StoreError> {
    let file_id: Option<Uuid> = row.get("file_id")?;
    let file = match file_id {
        Some(id) => Some(ApprovalFile {
            id,
            name: row.get("file_name")?,
            content_type: row.get("file_type")?,
            size_bytes: row.get("file_size")?,
            deleted: row.get::<Option<Timestamp>>("file_deleted")?.is_some(),
        }),
        None => None,
    };
    Ok(Approval {
        id: row.get("id")?,
        account_id: row.get("account_id")?,
        project_id: row.get("project_id")?,
        title: row.get("title")?,
        note: row.get("note")?,
        file,
        status: enum_column(row, "status")?,
        requested_by: row.get("requested_by")?,
        requested_at: row.get("requested_at")?,
        decided_by: row.get("decided_by")?,
        decided_by_name: row.get("decided_by_name")?,
        decided_at: row.get("decided_at")?,
        decision_comment: row.get("decision_comment")?,
    })
}

pub(crate) async fn find(tx: &mut Tx, id: Uuid) -> DomainResult<Option<Approval>> {
    let row = tx
        .fetch_optional(
            concat!("SELECT ", columns!(), " WHERE a.id = $1"),
            params![id],
        )
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

pub(crate) fn announce(a: &Approval) -> serde_json::Value {
    json!({
        "id": a.id,
        "account_id": a.account_id,
        "project_id": a.project_id,
        "file_id": a.file.as_ref().map(|f| f.id),
        "status": a.status,
    })
}

/// The create rules applied to a stored row (an imported one): see [`crate::imports`].
pub(crate) fn check_stored(row: serde_json::Value) -> DomainResult<()> {
    let new: NewApproval = crate::imports::body(row)?;
    let mut p = Problems::new();
    let fields = take!(p, new => title, note);
    p.done(fields)?;
    Ok(())
}

/// Asks a client to approve something. The account must exist (`account_id`), the project
/// and file must be the account's (`project_id`, `file_id`): another client's is refused like
/// a missing one.
pub async fn request(
    db: &TenantDb,
    new: NewApproval,
    staff: Uuid,
    origin: &Origin,
) -> DomainResult<Approval> {
    let mut p = Problems::new();
    let fields = take!(p, new => account_id, project_id, title, note, file_id);
    let (account, project, title, note, file) = p.done(fields)?;
    let (account, project, file) = (account.get(), project.map(Id::get), file.map(Id::get));
    let mut tx = db.db().begin().await?;
    if !crate::accounts::exists(&mut tx, account).await? {
        return Err(DomainError::invalid("account_id", no_such("account")));
    }
    if let Some(project) = project {
        crate::files::check_project(&mut tx, account, project).await?;
    }
    if let Some(file) = file {
        crate::files::check_file(&mut tx, account, file, "file_id").await?;
    }
    let id = Uuid::new_v4();
    tx.execute(
        "INSERT INTO approvals (id, account_id, project_id, title, note, file_id, status, \
         requested_by, requested_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8)",
        params![
            id,
            account,
            project,
            String::from(title),
            note.map(String::from),
            file,
            staff,
            Timestamp::now()
        ],
    )
    .await?;
    let approval = find(&mut tx, id).await?.ok_or(DomainError::NotFound)?;
    emit(
        &mut tx,
        origin,
        EventType::ApprovalRequested,
        id,
        announce(&approval),
    )
    .await?;
    tx.commit().await?;
    Ok(approval)
}

/// Approval requests, newest first; of one client when `account` is given.
pub async fn list(db: &TenantDb, account: Option<Uuid>) -> DomainResult<Vec<Approval>> {
    let rows = db
        .db()
        .fetch_all(
            concat!(
                "SELECT ",
                columns!(),
                " WHERE ($1 IS NULL OR a.account_id = $1) ORDER BY a.requested_at DESC, a.id"
            ),
            params![account],
        )
        .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// One approval request.
pub async fn get(db: &TenantDb, id: Uuid) -> DomainResult<Approval> {
    let mut tx = db.db().begin().await?;
    let a = find(&mut tx, id).await?.ok_or(DomainError::NotFound)?;
    tx.commit().await?;
    Ok(a)
}

/// Withdraws a pending request (a decided one stays as decided: `invalid_transition`).
pub async fn withdraw(db: &TenantDb, id: Uuid, origin: &Origin) -> DomainResult<Approval> {
    let mut tx = db.db().begin().await?;
    let a = find(&mut tx, id).await?.ok_or(DomainError::NotFound)?;
    if a.status != ApprovalStatus::Pending {
        return Err(DomainError::conflict(
            ErrorCode::InvalidTransition,
            "only a pending approval request can be withdrawn",
        ));
    }
    let changed = tx
        .execute(
            "UPDATE approvals SET status = 'withdrawn', decided_at = $2 \
             WHERE id = $1 AND status = 'pending'",
            params![id, Timestamp::now()],
        )
        .await?;
    if changed == 0 {
        return Err(DomainError::conflict(
            ErrorCode::InvalidTransition,
            "the approval request was decided meanwhile",
        ));
    }
    let a = find(&mut tx, id).await?.ok_or(DomainError::NotFound)?;
    emit(
        &mut tx,
        origin,
        EventType::ApprovalWithdrawn,
        id,
        announce(&a),
    )
    .await?;
    tx.commit().await?;
    Ok(a)
}
