//! Contracts: `draft -> sent -> signed`. Only a draft's content can change; sending freezes the
//! body and signing records who signed which exact bytes (`document_sha256`), when and from
//! where.

use crate::deals;
use crate::error::{DomainError, DomainResult, ErrorCode, Problems};
use crate::events::{Origin, emit};
use crate::input::{Body, Id, Name, Optional, Patch, Problem, ProblemCode, Sent, no_such, take};
use crate::list::ListParams;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use silo_contract::{Email, EventType};
use silo_store::{Row, StoreError, TenantDb, Timestamp, Tx, params};
use uuid::Uuid;

silo_contract::string_enum! {
    /// Where a contract is in its life.
    pub enum ContractStatus {
        /// Being written; the only state in which it can change.
        Draft = "draft",
        /// Sent to the client; the body is frozen.
        Sent = "sent",
        /// Signed; final.
        Signed = "signed",
    }
}

/// Who signed.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Signer {
    /// Name as typed by the signer.
    pub name: String,
    /// Email, lower-cased.
    pub email: String,
    /// The client address the signature came from.
    pub address: Option<String>,
}

/// A contract as stored and sent.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Contract {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// Title.
    pub title: String,
    /// Status.
    pub status: ContractStatus,
    /// The text, exactly as stored.
    pub body: String,
    /// The deal it belongs to.
    pub deal_id: Option<Uuid>,
    /// Hex SHA-256 of the body's bytes; set when sent, confirmed when signed.
    pub document_sha256: Option<String>,
    /// When it was sent.
    pub sent_at: Option<Timestamp>,
    /// Who signed.
    pub signed_by: Option<Signer>,
    /// When it was signed.
    pub signed_at: Option<Timestamp>,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

/// `POST /api/contracts` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NewContract {
    title: Sent<Name>,
    /// The text, kept byte for byte.
    body: Sent<Body>,
    #[serde(default)]
    deal_id: Optional<Id>,
}

/// `PATCH /api/contracts/{id}` body: only while draft.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ContractPatch {
    title: Option<Sent<Name>>,
    body: Option<Sent<Body>>,
    #[serde(default)]
    deal_id: Patch<Sent<Id>>,
}

/// `POST /api/contracts/{id}/sign` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Signature {
    signer_name: Sent<Name>,
    signer_email: Sent<Email>,
}

fn sha256_hex(body: &str) -> String {
    Sha256::digest(body.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn from_row(row: &Row) -> Result<Contract, StoreError> {
    let status: String = row.get("status")?;
    let signer_name: Option<String> = row.get("signer_name")?;
    let signer_email: Option<String> = row.get("signer_email")?;
    Ok(Contract {
        id: row.get("id")?,
        title: row.get("title")?,
        status: status
            .parse()
            .map_err(|e: silo_contract::UnknownValue| StoreError::Decode {
                column: "status".into(),
                reason: e.to_string(),
            })?,
        body: row.get("body")?,
        deal_id: row.get("deal_id")?,
        document_sha256: row.get("document_sha256")?,
        sent_at: row.get("sent_at")?,
        signed_by: match (signer_name, signer_email) {
            (Some(name), Some(email)) => Some(Signer {
                name,
                email,
                address: row.get("signer_address")?,
            }),
            _ => None,
        },
        signed_at: row.get("signed_at")?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
    })
}

async fn load(tx: &mut Tx, id: Uuid) -> DomainResult<Contract> {
    let row = tx
        .fetch_optional("SELECT * FROM contracts WHERE id = $1", params![id])
        .await?
        .ok_or(DomainError::NotFound)?;
    Ok(from_row(&row)?)
}

async fn check_deal(tx: &mut Tx, deal: Option<Uuid>) -> DomainResult<()> {
    match deal {
        Some(id) if !deals::exists(tx, id).await? => {
            Err(DomainError::invalid("deal_id", no_such("deal")))
        }
        _ => Ok(()),
    }
}

/// Appends a contract's event: its id, status and deal, never its text or signer.
async fn announce(
    tx: &mut Tx,
    origin: &Origin,
    event: EventType,
    c: &Contract,
) -> DomainResult<()> {
    let data = json!({ "id": c.id, "status": c.status, "deal_id": c.deal_id });
    emit(tx, origin, event, c.id, data).await?;
    Ok(())
}

/// Creates a draft contract.
pub async fn create(db: &TenantDb, new: NewContract, origin: &Origin) -> DomainResult<Contract> {
    let mut p = Problems::new();
    let fields = take!(p, new => title, body, deal_id);
    let (title, body, deal) = p.done(fields)?;
    let (title, body, deal) = (String::from(title), String::from(body), deal.map(Id::get));
    let id = Uuid::now_v7();
    let now = Timestamp::now();
    let mut tx = db.db().begin().await?;
    check_deal(&mut tx, deal).await?;
    tx.execute(
        "INSERT INTO contracts (id, title, body, status, deal_id, created_at, updated_at) \
         VALUES ($1, $2, $3, 'draft', $4, $5, $5)",
        params![id, title, body, deal, now],
    )
    .await?;
    let contract = load(&mut tx, id).await?;
    announce(&mut tx, origin, EventType::ContractCreated, &contract).await?;
    tx.commit().await?;
    Ok(contract)
}

/// One contract.
pub async fn get(db: &TenantDb, id: Uuid) -> DomainResult<Contract> {
    let row = db
        .db()
        .fetch_optional("SELECT * FROM contracts WHERE id = $1", params![id])
        .await?
        .ok_or(DomainError::NotFound)?;
    Ok(from_row(&row)?)
}

/// A page of contracts; `q` matches the title.
pub async fn list(
    db: &TenantDb,
    params: &ListParams,
    account: Option<Uuid>,
    deal: Option<Uuid>,
) -> DomainResult<Vec<Contract>> {
    let [after, pattern, limit] = params.binds();
    let rows = db
        .db()
        .fetch_all(
            "SELECT * FROM contracts WHERE ($1 IS NULL OR id > $1) \
             AND ($2 IS NULL OR LOWER(title) LIKE $2 ESCAPE '\\') \
             AND ($4 IS NULL OR account_id = $4 \
                  OR deal_id IN (SELECT d.id FROM deals d WHERE d.account_id = $4)) \
             AND ($5 IS NULL OR deal_id = $5) \
             ORDER BY id LIMIT $3",
            &[
                after,
                pattern,
                limit,
                account.map(|u| u.to_string()).into(),
                deal.map(|u| u.to_string()).into(),
            ],
        )
        .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

fn locked(c: &Contract) -> DomainError {
    DomainError::conflict(
        ErrorCode::ContractLocked,
        format!("a {} contract cannot change", c.status.as_str()),
    )
}

/// Changes a draft; a sent or signed contract answers `409 contract_locked`.
pub async fn update(
    db: &TenantDb,
    id: Uuid,
    patch: ContractPatch,
    origin: &Origin,
) -> DomainResult<Contract> {
    let mut p = Problems::new();
    let fields = take!(p, patch => title, body, deal_id);
    let (title, body, deal) = p.done(fields)?;
    let mut tx = db.db().begin().await?;
    let mut c = load(&mut tx, id).await?;
    if c.status != ContractStatus::Draft {
        return Err(locked(&c));
    }
    if let Some(v) = title {
        c.title = v.into();
    }
    if let Some(v) = body {
        c.body = v.into();
    }
    check_deal(&mut tx, deal.set().map(|id| id.get())).await?;
    deal.apply(&mut c.deal_id);
    // The status is part of the condition, so a concurrent send cannot be overwritten.
    let n = tx
        .execute(
            "UPDATE contracts SET title = $2, body = $3, deal_id = $4, updated_at = $5 \
             WHERE id = $1 AND status = 'draft'",
            params![id, &c.title, &c.body, c.deal_id, Timestamp::now()],
        )
        .await?;
    if n != 1 {
        return Err(locked(&c));
    }
    let c = load(&mut tx, id).await?;
    announce(&mut tx, origin, EventType::ContractUpdated, &c).await?;
    tx.commit().await?;
    Ok(c)
}

/// Sends a draft: freezes the body and records its hash.
pub async fn send(db: &TenantDb, id: Uuid, origin: &Origin) -> DomainResult<Contract> {
    let mut tx = db.db().begin().await?;
    let c = load(&mut tx, id).await?;
    if c.status != ContractStatus::Draft {
        return Err(DomainError::conflict(
            ErrorCode::InvalidTransition,
            format!("a {} contract cannot be sent", c.status.as_str()),
        ));
    }
    if c.body.trim().is_empty() {
        return Err(DomainError::invalid(
            "body",
            Problem::new(ProblemCode::Empty).worded("an empty contract cannot be sent"),
        ));
    }
    let now = Timestamp::now();
    tx.execute(
        "UPDATE contracts SET status = 'sent', document_sha256 = $2, sent_at = $3, \
         updated_at = $3 WHERE id = $1 AND status = 'draft'",
        params![id, sha256_hex(&c.body), now],
    )
    .await?;
    let c = load(&mut tx, id).await?;
    announce(&mut tx, origin, EventType::ContractSent, &c).await?;
    tx.commit().await?;
    Ok(c)
}

/// Signs a sent contract: records the signer, the time, the client address (the origin's) and
/// the hash of the exact body signed.
pub async fn sign(
    db: &TenantDb,
    id: Uuid,
    signature: Signature,
    origin: &Origin,
) -> DomainResult<Contract> {
    let client_address = origin.client_ip.clone();
    let mut p = Problems::new();
    let fields = take!(p, signature => signer_name, signer_email);
    let (name, email) = p.done(fields)?;
    let (name, email) = (String::from(name), String::from(email));
    let mut tx = db.db().begin().await?;
    let c = load(&mut tx, id).await?;
    if c.status != ContractStatus::Sent {
        return Err(DomainError::conflict(
            ErrorCode::InvalidTransition,
            format!("a {} contract cannot be signed", c.status.as_str()),
        ));
    }
    let now = Timestamp::now();
    tx.execute(
        "UPDATE contracts SET status = 'signed', document_sha256 = $2, signer_name = $3, \
         signer_email = $4, signer_address = $5, signed_at = $6, updated_at = $6 \
         WHERE id = $1 AND status = 'sent'",
        params![id, sha256_hex(&c.body), name, email, client_address, now],
    )
    .await?;
    let c = load(&mut tx, id).await?;
    announce(&mut tx, origin, EventType::ContractSigned, &c).await?;
    tx.commit().await?;
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_of_the_exact_bytes() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_ne!(sha256_hex("abc"), sha256_hex("abc "));
    }
}
