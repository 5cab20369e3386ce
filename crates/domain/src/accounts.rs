//! Accounts: the client organisations an agency works for.

use crate::error::{DomainError, DomainResult, ErrorCode, Problems};
use crate::events::{Origin, emit};
use crate::input::{Name, Optional, Patch, Sent, Website, take};
use crate::list::ListParams;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use silo_contract::EventType;
use silo_store::{Row, StoreError, TenantDb, Timestamp, params};
use uuid::Uuid;

/// An account as stored and sent.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Account {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Web site.
    pub website: Option<String>,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

/// `POST /api/accounts` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NewAccount {
    name: Sent<Name>,
    #[serde(default)]
    website: Optional<Website>,
}

/// `PATCH /api/accounts/{id}` body: only the fields present change; null clears.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct AccountPatch {
    name: Option<Sent<Name>>,
    #[serde(default)]
    website: Patch<Sent<Website>>,
}

fn from_row(row: &Row) -> Result<Account, StoreError> {
    Ok(Account {
        id: row.get("id")?,
        name: row.get("name")?,
        website: row.get("website")?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
    })
}

/// Creates an account.
pub async fn create(db: &TenantDb, new: NewAccount, origin: &Origin) -> DomainResult<Account> {
    let mut p = Problems::new();
    let fields = take!(p, new => name, website);
    let (name, website) = p.done(fields)?;
    let (name, website) = (String::from(name), website.map(String::from));
    let now = Timestamp::now();
    let mut tx = db.db().begin().await?;
    let row = tx
        .fetch_one(
            "INSERT INTO accounts (id, name, website, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $4) RETURNING id, name, website, created_at, updated_at",
            params![Uuid::now_v7(), name, website, now],
        )
        .await?;
    let account = from_row(&row)?;
    emit(
        &mut tx,
        origin,
        EventType::AccountCreated,
        account.id,
        json!({ "id": account.id }),
    )
    .await?;
    tx.commit().await?;
    Ok(account)
}

/// One account.
pub async fn get(db: &TenantDb, id: Uuid) -> DomainResult<Account> {
    let row = db
        .db()
        .fetch_optional(
            "SELECT id, name, website, created_at, updated_at FROM accounts WHERE id = $1",
            params![id],
        )
        .await?
        .ok_or(DomainError::NotFound)?;
    Ok(from_row(&row)?)
}

/// A page of accounts; `q` matches the name or web site.
pub async fn list(db: &TenantDb, params: &ListParams) -> DomainResult<Vec<Account>> {
    let rows = db
        .db()
        .fetch_all(
            "SELECT id, name, website, created_at, updated_at FROM accounts \
             WHERE ($1 IS NULL OR id > $1) \
             AND ($2 IS NULL OR LOWER(name) LIKE $2 ESCAPE '\\' OR LOWER(website) LIKE $2 ESCAPE '\\') \
             ORDER BY id LIMIT $3",
            &params.binds(),
        )
        .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// Changes the fields present in `patch`.
pub async fn update(
    db: &TenantDb,
    id: Uuid,
    patch: AccountPatch,
    origin: &Origin,
) -> DomainResult<Account> {
    let mut p = Problems::new();
    let fields = take!(p, patch => name, website);
    let (name, website) = p.done(fields)?;
    let mut tx = db.db().begin().await?;
    let row = tx
        .fetch_optional(
            "SELECT id, name, website, created_at, updated_at FROM accounts WHERE id = $1",
            params![id],
        )
        .await?
        .ok_or(DomainError::NotFound)?;
    let mut account = from_row(&row)?;
    if let Some(name) = name {
        account.name = name.into();
    }
    website.apply(&mut account.website);
    account.updated_at = Timestamp::now();
    tx.execute(
        "UPDATE accounts SET name = $2, website = $3, updated_at = $4 WHERE id = $1",
        params![
            id,
            &account.name,
            account.website.clone(),
            account.updated_at
        ],
    )
    .await?;
    emit(
        &mut tx,
        origin,
        EventType::AccountUpdated,
        id,
        json!({ "id": id }),
    )
    .await?;
    tx.commit().await?;
    Ok(account)
}

/// Deletes an account; its contacts, deals and contracts stay, unlinked. An account that has
/// invoices is kept (409): an invoice must keep its customer.
pub async fn delete(db: &TenantDb, id: Uuid, origin: &Origin) -> DomainResult<()> {
    let mut tx = db.db().begin().await?;
    let invoices = tx
        .fetch_one(
            "SELECT COUNT(*) AS n FROM invoices WHERE account_id = $1",
            params![id],
        )
        .await?;
    if invoices.get::<i64>("n")? > 0 {
        return Err(DomainError::conflict(
            ErrorCode::HasInvoices,
            "the account has invoices and cannot be deleted",
        ));
    }
    let n = tx
        .execute("DELETE FROM accounts WHERE id = $1", params![id])
        .await?;
    if n == 0 {
        return Err(DomainError::NotFound);
    }
    emit(
        &mut tx,
        origin,
        EventType::AccountDeleted,
        id,
        json!({ "id": id }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether an account exists; for checking references before writing them.
pub(crate) async fn exists(tx: &mut silo_store::Tx, id: Uuid) -> DomainResult<bool> {
    Ok(tx
        .fetch_optional("SELECT 1 AS one FROM accounts WHERE id = $1", params![id])
        .await?
        .is_some())
}
