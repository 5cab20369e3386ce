//! What each client's portal shows: the agency's choice per client account. Without a row the
//! conservative defaults hold: contracts and invoices on, everything else off.

use crate::error::{DomainError, DomainResult};
use crate::events::{Origin, emit};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use silo_contract::EventType;
use silo_store::{Row, StoreError, TenantDb, Timestamp, Tx, params};
use uuid::Uuid;

/// The parts of a client's portal the agency turned on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct PortalAccess {
    /// Contracts to read and sign.
    pub contracts: bool,
    /// Invoices and how to pay them.
    pub invoices: bool,
    /// Projects with their client-visible tasks.
    pub projects: bool,
    /// Approved time and budget burn on those projects.
    pub project_time: bool,
    /// Shared files.
    pub files: bool,
    /// Approvals of deliverables.
    pub approvals: bool,
    /// Conversations with the agency.
    pub messages: bool,
}

impl Default for PortalAccess {
    /// Contracts and invoices on, the rest off.
    fn default() -> Self {
        PortalAccess {
            contracts: true,
            invoices: true,
            projects: false,
            project_time: false,
            files: false,
            approvals: false,
            messages: false,
        }
    }
}

/// `PATCH /api/accounts/{id}/portal` body: the parts sent change.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct PortalAccessPatch {
    contracts: Option<bool>,
    invoices: Option<bool>,
    projects: Option<bool>,
    project_time: Option<bool>,
    files: Option<bool>,
    approvals: Option<bool>,
    messages: Option<bool>,
}

fn from_row(row: &Row) -> Result<PortalAccess, StoreError> {
    Ok(PortalAccess {
        contracts: row.get("contracts")?,
        invoices: row.get("invoices")?,
        projects: row.get("projects")?,
        project_time: row.get("project_time")?,
        files: row.get("files")?,
        approvals: row.get("approvals")?,
        messages: row.get("messages")?,
    })
}

/// The account's portal parts (the defaults when never set), in a transaction.
pub(crate) async fn of_account(tx: &mut Tx, account: Uuid) -> DomainResult<PortalAccess> {
    let row = tx
        .fetch_optional(
            "SELECT contracts, invoices, projects, project_time, files, approvals, messages \
             FROM portal_access WHERE account_id = $1",
            params![account],
        )
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?.unwrap_or_default())
}

/// The account's portal parts; `NotFound` when there is no such account.
pub async fn get(db: &TenantDb, account: Uuid) -> DomainResult<PortalAccess> {
    let mut tx = db.db().begin().await?;
    if !crate::accounts::exists(&mut tx, account).await? {
        return Err(DomainError::NotFound);
    }
    let access = of_account(&mut tx, account).await?;
    tx.commit().await?;
    Ok(access)
}

/// Turns parts of the account's portal on or off.
pub async fn update(
    db: &TenantDb,
    account: Uuid,
    patch: PortalAccessPatch,
    origin: &Origin,
) -> DomainResult<PortalAccess> {
    let mut tx = db.db().begin().await?;
    if !crate::accounts::exists(&mut tx, account).await? {
        return Err(DomainError::NotFound);
    }
    let mut a = of_account(&mut tx, account).await?;
    for (field, value) in [
        (&mut a.contracts, patch.contracts),
        (&mut a.invoices, patch.invoices),
        (&mut a.projects, patch.projects),
        (&mut a.project_time, patch.project_time),
        (&mut a.files, patch.files),
        (&mut a.approvals, patch.approvals),
        (&mut a.messages, patch.messages),
    ] {
        if let Some(v) = value {
            *field = v;
        }
    }
    let now = Timestamp::now();
    // One statement both backends accept for "insert or replace the row".
    tx.execute(
        "DELETE FROM portal_access WHERE account_id = $1",
        params![account],
    )
    .await?;
    tx.execute(
        "INSERT INTO portal_access (account_id, contracts, invoices, projects, project_time, \
         files, approvals, messages, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        params![
            account,
            a.contracts,
            a.invoices,
            a.projects,
            a.project_time,
            a.files,
            a.approvals,
            a.messages,
            now
        ],
    )
    .await?;
    emit(
        &mut tx,
        origin,
        EventType::PortalAccessUpdated,
        account,
        json!({ "account_id": account, "access": a }),
    )
    .await?;
    tx.commit().await?;
    Ok(a)
}
