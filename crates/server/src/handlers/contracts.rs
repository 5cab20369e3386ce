//! `/api/contracts`: drafting and sending; signing links to the client; a signature given on
//! paper (the scan, marked as such); the signed document. Staff never sign for the client.

use crate::AppState;
use crate::audit::after_write;
use crate::binding::Tenant;
use crate::error::ApiError;
use crate::handlers::path_id;
use crate::json::Json;
use crate::notify;
use crate::pagination::{Page, Query, id_filter, list_params, list_query};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use silo_auth::Purpose;
use silo_control::Email;
use silo_domain::contracts::{self, Contract, ContractPatch, NewContract};
use silo_domain::signing::{
    self, Created, LinkRequest, MAX_SCAN_BYTES, NewLink, PaperSignature, SendContract, SigningLink,
};
use uuid::Uuid;

list_query! {
    /// `GET /api/contracts` query.
    ContractQuery {
        /// Only this client's contracts.
        #[schemars(schema_with = "crate::pagination::uuid_or_empty")]
        account_id: Option<String>,
        /// Only the contracts of this deal.
        #[schemars(schema_with = "crate::pagination::uuid_or_empty")]
        deal_id: Option<String>,
    }
}

/// `GET /api/contracts?limit=&cursor=&q=`.
pub async fn list(
    tenant: Tenant,
    Query(f): Query<ContractQuery>,
) -> Result<Json<Page<Contract>>, ApiError> {
    let (params, limit) = list_params(&f.page())?;
    let items = contracts::list(
        &tenant.db,
        &params,
        id_filter("account_id", f.account_id.as_deref())?,
        id_filter("deal_id", f.deal_id.as_deref())?,
    )
    .await?;
    Ok(Json(Page::from_overfetch(items, limit, |c| {
        c.id.to_string()
    })))
}

/// `POST /api/contracts`: a draft.
pub async fn create(
    State(state): State<AppState>,
    tenant: Tenant,
    Json(req): Json<NewContract>,
) -> Result<(StatusCode, Json<Contract>), ApiError> {
    let contract = contracts::create(&tenant.db, req, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok((StatusCode::CREATED, Json(contract)))
}

/// `GET /api/contracts/{id}`.
pub async fn get(tenant: Tenant, Path(id): Path<String>) -> Result<Json<Contract>, ApiError> {
    Ok(Json(contracts::get(&tenant.db, path_id(&id)?).await?))
}

/// `PATCH /api/contracts/{id}`: drafts only; 409 `contract_locked` once sent.
pub async fn update(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Json(req): Json<ContractPatch>,
) -> Result<Json<Contract>, ApiError> {
    let contract = contracts::update(&tenant.db, path_id(&id)?, req, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(Json(contract))
}

/// Issues a signing link's token, stores the link (sending the draft first when `send`) and
/// mails the signer the link on the agency's behalf.
async fn link(
    state: &AppState,
    tenant: &Tenant,
    contract: Uuid,
    req: &LinkRequest,
    send: bool,
) -> Result<Created, ApiError> {
    // Links go to addresses staff type: bounded per company like invitations.
    state
        .request_limits
        .invitation_mail(tenant.company.id.as_uuid())
        .await?;
    let id = Uuid::new_v4();
    let token = state.entry.issue(
        Purpose::SigningLink,
        tenant.company.id.as_uuid(),
        id,
        req.ttl,
    )?;
    let new = NewLink {
        id,
        secret_hash: &token.secret_hash,
        created_by: tenant.identity.id.as_uuid(),
    };
    let created = if send {
        signing::send(&tenant.db, contract, req, new, &tenant.origin()).await?
    } else {
        signing::create_link(&tenant.db, contract, req, new, &tenant.origin()).await?
    };
    after_write(state, tenant).await;
    state
        .notifier()
        .signing_request(
            notify::lang_of(created.language),
            &Email::from_stored(created.link.signer_email.clone()),
            &tenant.company.name,
            &created.link.signer_name,
            &created.contract.title,
            &token.token,
            req.ttl,
        )
        .await?;
    Ok(created)
}

/// `POST /api/contracts/{id}/send` `{signer_name, signer_email, expires_in_days?, language?}`:
/// freezes the body and mails the signer a link to read and sign it.
pub async fn send(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Json(req): Json<SendContract>,
) -> Result<Json<Contract>, ApiError> {
    let contract = path_id(&id)?;
    let req = req.check()?;
    let created = link(&state, &tenant, contract, &req, true).await?;
    Ok(Json(created.contract))
}

/// `GET /api/contracts/{id}/signing-links`: the contract's links, newest first.
pub async fn signing_links(
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<Json<Vec<SigningLink>>, ApiError> {
    Ok(Json(signing::links(&tenant.db, path_id(&id)?).await?))
}

/// `POST /api/contracts/{id}/signing-links`: another link for a sent contract, mailed.
pub async fn create_signing_link(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Json(req): Json<SendContract>,
) -> Result<(StatusCode, Json<SigningLink>), ApiError> {
    let contract = path_id(&id)?;
    let req = req.check()?;
    let created = link(&state, &tenant, contract, &req, false).await?;
    Ok((StatusCode::CREATED, Json(created.link)))
}

/// `POST /api/contracts/{id}/signing-links/{link_id}/revoke`: the link stops working.
pub async fn revoke_signing_link(
    State(state): State<AppState>,
    tenant: Tenant,
    Path((id, link_id)): Path<(String, String)>,
) -> Result<Json<SigningLink>, ApiError> {
    let revoked = signing::revoke_link(
        &tenant.db,
        path_id(&id)?,
        path_id(&link_id)?,
        &tenant.origin(),
    )
    .await?;
    after_write(&state, &tenant).await;
    Ok(Json(revoked))
}

/// `PUT /api/contracts/{id}/paper-signature?signer_name=&signed_on=`: the body is the scan of
/// the contract signed on paper (a PDF, at most 10 MiB): kept as the signed document, the
/// signature marked `paper` with the uploader as `recorded_by`.
pub async fn paper_signature(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Query(paper): Query<PaperSignature>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Contract>, ApiError> {
    let contract = path_id(&id)?;
    let body = body.map_err(|r| match r.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
        _ => ApiError::BadRequest(r.body_text()),
    })?;
    if body.len() > MAX_SCAN_BYTES {
        return Err(ApiError::PayloadTooLarge);
    }
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if media.as_deref() != Some("application/pdf") {
        return Err(silo_domain::DomainError::conflict(
            silo_domain::error::ErrorCode::UnsupportedMediaType,
            "send the scan as application/pdf",
        )
        .into());
    }
    signing::record_paper(
        &tenant.db,
        contract,
        paper,
        body.to_vec(),
        tenant.identity.id.as_uuid(),
        &tenant.origin(),
    )
    .await?;
    after_write(&state, &tenant).await;
    Ok(Json(contracts::get(&tenant.db, contract).await?))
}

/// A signed contract's PDF as a download.
pub(crate) fn pdf_download(filename: &str, bytes: Vec<u8>) -> Response {
    super::attachment(filename, "application/pdf", bytes)
}

/// `GET /api/contracts/{id}/signed-pdf`: the signed PDF with its evidence page (or the scan of
/// a paper signature); 404 until signed.
pub async fn signed_pdf(tenant: Tenant, Path(id): Path<String>) -> Result<Response, ApiError> {
    let contract = contracts::get(&tenant.db, path_id(&id)?).await?;
    let bytes = signing::signed_pdf(&tenant.db, contract.id).await?;
    Ok(pdf_download(
        &signing::signed_filename(&contract.title),
        bytes,
    ))
}
