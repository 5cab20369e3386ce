//! Contracts: `draft -> sent -> signed`. Only a draft's content can change; sending freezes the
//! body (and mails the signer a link, see [`crate::signing`]); the client signs it themselves
//! (by that link or in the portal) and the evidence says who signed which exact bytes
//! (`document_sha256`), when and from where. Staff can only record a signature given on paper,
//! with the scan, marked as such.

use crate::deals;
use crate::error::{DomainError, DomainResult, ErrorCode, Problems};
use crate::events::{Origin, emit};
use crate::input::{Body, Id, Name, Optional, Patch, Problem, ProblemCode, Sent, no_such, take};
use crate::list::ListParams;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use silo_contract::EventType;
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

silo_contract::string_enum! {
    /// How a contract was signed.
    pub enum SignatureMethod {
        /// By the signer, through a signing link mailed to them.
        Link = "link",
        /// By a portal user, in the client portal.
        Portal = "portal",
        /// On paper: a staff member uploaded the scan ("signed on paper").
        Paper = "paper",
    }
}

/// The evidence of a contract's signature.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ContractSignature {
    /// How it was signed; `paper` is a scan a staff member uploaded.
    pub method: SignatureMethod,
    /// The name the signer typed (or, on paper, the name the staff member gave).
    pub signer_name: String,
    /// The signer's address (the link's or the portal user's); null on paper.
    pub signer_email: Option<String>,
    /// When, UTC (on paper: the day given, at midnight UTC).
    pub signed_at: Timestamp,
    /// The signer's own client address; null on paper.
    pub client_ip: Option<String>,
    /// The signer's browser (`User-Agent`); null on paper.
    pub user_agent: Option<String>,
    /// Hex SHA-256 of the exact text the signer was shown.
    pub document_sha256: String,
    /// The portal user who signed (or whose link was used).
    pub portal_user_id: Option<Uuid>,
    /// The signing link used.
    pub signing_link_id: Option<Uuid>,
    /// On paper: the staff identity who uploaded the scan.
    pub recorded_by: Option<Uuid>,
    /// Hex SHA-256 of the signed PDF kept (`GET /api/contracts/{id}/signed-pdf`).
    pub pdf_sha256: Option<String>,
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
    /// The signature's evidence, once signed.
    pub signature: Option<ContractSignature>,
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

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: impl AsRef<[u8]>) -> String {
    Sha256::digest(bytes.as_ref())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The contract columns with its signature's, for [`from_row`].
pub(crate) const SELECT: &str = "SELECT c.*, s.method AS sig_method, \
     s.signer_name AS sig_signer_name, s.signer_email AS sig_signer_email, \
     s.signed_at AS sig_signed_at, s.client_ip AS sig_client_ip, s.user_agent AS sig_user_agent, \
     s.document_sha256 AS sig_document_sha256, s.portal_user_id AS sig_portal_user_id, \
     s.signing_link_id AS sig_signing_link_id, s.recorded_by AS sig_recorded_by, \
     s.pdf_sha256 AS sig_pdf_sha256 \
     FROM contracts c LEFT JOIN contract_signatures s ON s.contract_id = c.id";

fn signature_from_row(row: &Row) -> Result<Option<ContractSignature>, StoreError> {
    let Some(method) = row.get::<Option<String>>("sig_method")? else {
        return Ok(None);
    };
    Ok(Some(ContractSignature {
        method: method
            .parse()
            .map_err(|e: silo_contract::UnknownValue| StoreError::Decode {
                column: "method".into(),
                reason: e.to_string(),
            })?,
        signer_name: row.get("sig_signer_name")?,
        signer_email: row.get("sig_signer_email")?,
        signed_at: row.get("sig_signed_at")?,
        client_ip: row.get("sig_client_ip")?,
        user_agent: row.get("sig_user_agent")?,
        document_sha256: row.get("sig_document_sha256")?,
        portal_user_id: row.get("sig_portal_user_id")?,
        signing_link_id: row.get("sig_signing_link_id")?,
        recorded_by: row.get("sig_recorded_by")?,
        pdf_sha256: row.get("sig_pdf_sha256")?,
    }))
}

pub(crate) fn from_row(row: &Row) -> Result<Contract, StoreError> {
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
        signature: signature_from_row(row)?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
    })
}

pub(crate) async fn load(tx: &mut Tx, id: Uuid) -> DomainResult<Contract> {
    let row = tx
        .fetch_optional(
            silo_store::Sql::assembled(format!("{SELECT} WHERE c.id = $1")),
            params![id],
        )
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

/// The create rules applied to a stored row (an imported one): see [`crate::imports`].
pub(crate) fn check_stored(row: serde_json::Value) -> DomainResult<()> {
    let new: NewContract = crate::imports::body(row)?;
    let mut p = Problems::new();
    let fields = take!(p, new => title, body);
    p.done(fields)?;
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
    let mut tx = db.db().begin().await?;
    let c = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(c)
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
            silo_store::Sql::assembled(format!(
                "{SELECT} WHERE ($1 IS NULL OR c.id > $1) \
                 AND ($2 IS NULL OR LOWER(c.title) LIKE $2 ESCAPE '\\') \
                 AND ($4 IS NULL OR c.account_id = $4 \
                      OR c.deal_id IN (SELECT d.id FROM deals d WHERE d.account_id = $4)) \
                 AND ($5 IS NULL OR c.deal_id = $5) \
                 ORDER BY c.id LIMIT $3"
            )),
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

/// Freezes a draft inside the caller's transaction: records its hash and marks it sent.
pub(crate) async fn freeze(tx: &mut Tx, id: Uuid, origin: &Origin) -> DomainResult<Contract> {
    let c = load(tx, id).await?;
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
    let c = load(tx, id).await?;
    announce(tx, origin, EventType::ContractSent, &c).await?;
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
