//! Signing a contract by the link mailed to the signer (`/sign?token=...`): public routes with
//! the token in the JSON body, never in a path. The token names its company in a claim we
//! signed; its secret is then checked against the hash in that company's database. Opening
//! the link uses nothing; signing uses it once. Every way a link cannot be used answers alike.

use crate::AppState;
use crate::binding::entry_company;
use crate::error::ApiError;
use crate::handlers::portal_sign_in::Origin;
use crate::json::Json;
use axum::extract::State;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use silo_auth::{Purpose, VerifiedEntry};
use silo_control::Company;
use silo_domain::contracts::ContractStatus;
use silo_domain::parties::Language;
use silo_domain::portal::sign_in::unusable;
use silo_domain::signing::{self, SignFields, Signed};
use silo_store::{TenantDb, Timestamp};
use uuid::Uuid;

/// `POST /api/sign/view` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SigningToken {
    /// The `token` of the signing link.
    token: String,
}

/// The contract a signing link shows.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SigningDocument {
    /// Id.
    pub id: Uuid,
    /// Title.
    pub title: String,
    /// The text, exactly as it is signed.
    pub body: String,
    /// Hex SHA-256 of the text's bytes: send it back to sign.
    pub document_sha256: String,
    /// `sent` (waiting for the signature).
    pub status: ContractStatus,
}

/// Who is asked to sign.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SigningParty {
    /// Name.
    pub name: String,
    /// Address the link went to.
    pub email: String,
}

/// What the signing page shows (`POST /api/sign/view`).
#[derive(Debug, Serialize, JsonSchema)]
pub struct SigningView {
    /// The contract to read.
    pub contract: SigningDocument,
    /// The agency asking for the signature.
    pub company_name: String,
    /// Who is asked to sign.
    pub signer: SigningParty,
    /// When the link stops working.
    pub expires_at: Timestamp,
    /// The consent the signer gives by ticking the box (kept as evidence).
    pub consent_text: String,
    /// The language of the consent text.
    pub language: Language,
}

/// `POST /api/sign` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SignByLink {
    /// The `token` of the signing link.
    token: String,
    #[serde(flatten)]
    fields: SignFields,
}

/// The company and database a signing link's token names; anything wrong is the one answer of
/// an unusable link (an unavailable database excepted: try again).
async fn by_token(
    state: &AppState,
    token: &str,
) -> Result<(VerifiedEntry, Company, TenantDb), ApiError> {
    let verified = state
        .entry
        .verify(Purpose::SigningLink, token)
        .map_err(|_| ApiError::from(unusable()))?;
    let (company, db) = entry_company(state, verified.company)
        .await
        .map_err(|e| match e {
            ApiError::TenantUnavailable(_) | ApiError::Unavailable(_) => e,
            _ => ApiError::from(unusable()),
        })?;
    Ok((verified, company, db))
}

/// `POST /api/sign/view`: the contract behind a signing link, without using the link.
pub async fn view(
    State(state): State<AppState>,
    Json(req): Json<SigningToken>,
) -> Result<Json<SigningView>, ApiError> {
    let (verified, company, db) = by_token(&state, &req.token).await?;
    let v = signing::open_link(&db, verified.row, &verified.secret_hash).await?;
    Ok(Json(SigningView {
        contract: SigningDocument {
            id: v.contract.id,
            title: v.contract.title,
            document_sha256: signing_hash(&v.contract.body),
            body: v.contract.body,
            status: v.contract.status,
        },
        company_name: company.name,
        signer: SigningParty {
            name: v.link.signer_name,
            email: v.link.signer_email,
        },
        expires_at: v.link.expires_at,
        consent_text: v.consent_text,
        language: v.language,
    }))
}

/// The hash the signer sends back: of the exact text shown.
fn signing_hash(body: &str) -> String {
    silo_domain::contracts::sha256_hex(body)
}

/// `POST /api/sign`: signs by link (once), with the signer's consent and the hash of the text
/// they read; evidence from this request (their address and browser); the signed PDF is kept
/// and mailed to both sides.
pub async fn sign(
    State(state): State<AppState>,
    Origin(origin): Origin,
    Json(req): Json<SignByLink>,
) -> Result<Json<Signed>, ApiError> {
    let (verified, company, db) = by_token(&state, &req.token).await?;
    let signed = signing::sign_by_link(
        &db,
        verified.row,
        &verified.secret_hash,
        req.fields,
        &origin,
        &company.name,
    )
    .await?;
    silo_worker::after_write(&state.tenancy, &state.nudge, company.id, &db).await;
    Ok(Json(signed))
}
