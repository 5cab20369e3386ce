//! The client's contracts in the portal: the sent and signed contracts of the caller's client
//! (its own, or through its deal), read and signed there. Another client's contract, a draft
//! and a missing one all answer `NotFound`.

use super::{Part, PortalDb, RequestOrigin};
use crate::contracts::{self, Contract, ContractStatus, SignatureMethod};
use crate::error::{DomainError, DomainResult};
use crate::signing::{self, SignFields, Signed};
use schemars::JsonSchema;
use serde::Serialize;
use silo_store::{Timestamp, Tx, params};
use uuid::Uuid;

/// A contract as the client sees it in the portal.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct PortalContract {
    /// Id.
    pub id: Uuid,
    /// Title.
    pub title: String,
    /// `sent` (waiting for a signature) or `signed`.
    pub status: ContractStatus,
    /// The text, exactly as it is signed.
    pub body: String,
    /// Hex SHA-256 of the text's bytes: what signing confirms.
    pub document_sha256: Option<String>,
    /// When the agency sent it.
    pub sent_at: Option<Timestamp>,
    /// The signature, once signed.
    pub signature: Option<PortalSignature>,
    /// The consent a signature gives, as the signing form shows it (in the portal user's
    /// language).
    pub consent_text: String,
}

/// A signature as the client sees it.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct PortalSignature {
    /// How it was signed.
    pub method: SignatureMethod,
    /// The name typed.
    pub signer_name: String,
    /// The signer's address.
    pub signer_email: Option<String>,
    /// When, UTC.
    pub signed_at: Timestamp,
    /// Hex SHA-256 of the text signed.
    pub document_sha256: String,
    /// Whether the signed PDF can be downloaded.
    pub pdf: bool,
}

/// A contract in the portal's list (without its text).
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct PortalContractSummary {
    /// Id.
    pub id: Uuid,
    /// Title.
    pub title: String,
    /// `sent` or `signed`.
    pub status: ContractStatus,
    /// When the agency sent it.
    pub sent_at: Option<Timestamp>,
    /// When it was signed.
    pub signed_at: Option<Timestamp>,
}

/// Contracts of the client `account` that its portal shows: sent or signed.
const IN_SCOPE: &str = "c.status IN ('sent', 'signed') AND (c.account_id = $1 \
     OR (c.account_id IS NULL AND c.deal_id IN (SELECT d.id FROM deals d WHERE d.account_id = $1)))";

fn view(c: Contract, portal: &PortalDb) -> PortalContract {
    let language = portal
        .scope()
        .user()
        .map_or(crate::parties::Language::En, |u| u.language);
    PortalContract {
        id: c.id,
        title: c.title,
        status: c.status,
        body: c.body,
        document_sha256: c.document_sha256,
        sent_at: c.sent_at,
        signature: c.signature.map(|s| PortalSignature {
            method: s.method,
            signer_name: s.signer_name,
            signer_email: s.signer_email,
            signed_at: s.signed_at,
            document_sha256: s.document_sha256,
            pdf: s.pdf_sha256.is_some(),
        }),
        consent_text: signing::consent_text(language).to_owned(),
    }
}

/// The client's contract `id`, or `NotFound` (another client's, a draft, a missing one).
async fn scoped(tx: &mut Tx, portal: &PortalDb, id: Uuid) -> DomainResult<Contract> {
    let sql = silo_store::Sql::assembled(format!(
        "SELECT c.id FROM contracts c WHERE {IN_SCOPE} AND c.id = $2"
    ));
    tx.fetch_optional(sql, params![portal.account(), id])
        .await?
        .ok_or(DomainError::NotFound)?;
    contracts::load(tx, id).await
}

/// The client's sent and signed contracts, newest first.
pub async fn list(portal: &PortalDb) -> DomainResult<Vec<PortalContractSummary>> {
    portal.require(Part::Contracts)?;
    let sql = silo_store::Sql::assembled(format!(
        "SELECT c.id, c.title, c.status, c.sent_at, c.signed_at FROM contracts c \
         WHERE {IN_SCOPE} ORDER BY c.id DESC"
    ));
    let rows = portal
        .db()
        .db()
        .fetch_all(sql, params![portal.account()])
        .await?;
    rows.iter()
        .map(|r| {
            Ok(PortalContractSummary {
                id: r.get("id")?,
                title: r.get("title")?,
                status: crate::columns::enum_column(r, "status")?,
                sent_at: r.get("sent_at")?,
                signed_at: r.get("signed_at")?,
            })
        })
        .collect()
}

/// One of the client's contracts, with its text.
pub async fn get(portal: &PortalDb, id: Uuid) -> DomainResult<PortalContract> {
    portal.require(Part::Contracts)?;
    let mut tx = portal.db().db().begin().await?;
    let c = scoped(&mut tx, portal, id).await?;
    tx.commit().await?;
    Ok(view(c, portal))
}

/// Signs one of the client's sent contracts as the calling portal user (a preview cannot:
/// `Forbidden`). `agency` is the company's name, printed on the signed PDF.
pub async fn sign(
    portal: &PortalDb,
    id: Uuid,
    fields: SignFields,
    request: &RequestOrigin,
    agency: &str,
) -> DomainResult<Signed> {
    portal.require(Part::Contracts)?;
    let user = portal.scope().writer()?.clone();
    let mut tx = portal.db().db().begin().await?;
    let c = scoped(&mut tx, portal, id).await?;
    let signed = signing::sign_in_portal(&mut tx, &c, &user, fields, request, agency).await?;
    tx.commit().await?;
    Ok(signed)
}

/// The signed PDF of one of the client's contracts (`NotFound` until it is signed).
pub async fn pdf(portal: &PortalDb, id: Uuid) -> DomainResult<(String, Vec<u8>)> {
    portal.require(Part::Contracts)?;
    let mut tx = portal.db().db().begin().await?;
    let c = scoped(&mut tx, portal, id).await?;
    tx.commit().await?;
    let bytes = signing::signed_pdf(portal.db(), c.id).await?;
    Ok((signing::signed_filename(&c.title), bytes))
}
