//! The client's contracts and invoices in the portal: every read and write goes through the
//! scoped functions of `silo_domain::portal` (the caller's client only; another client's id
//! answers 404 like a missing one).

use crate::AppState;
use crate::audit::after_portal_write;
use crate::binding::PortalCaller;
use crate::error::ApiError;
use crate::handlers::contracts::pdf_download;
use crate::handlers::invoices::download;
use crate::handlers::path_id;
use crate::json::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use silo_domain::invoice_documents::{self, Format};
use silo_domain::portal::contracts::{self, PortalContract, PortalContractSummary};
use silo_domain::portal::invoices::{self, PortalInvoice, PortalInvoiceSummary};
use silo_domain::signing::{SignFields, Signed};

/// `GET /api/portal/contracts`: the client's sent and signed contracts.
pub async fn contracts(caller: PortalCaller) -> Result<Json<Vec<PortalContractSummary>>, ApiError> {
    Ok(Json(contracts::list(&caller.portal).await?))
}

/// `GET /api/portal/contracts/{id}`: one, with its text and its hash.
pub async fn contract(
    caller: PortalCaller,
    Path(id): Path<String>,
) -> Result<Json<PortalContract>, ApiError> {
    Ok(Json(contracts::get(&caller.portal, path_id(&id)?).await?))
}

/// `POST /api/portal/contracts/{id}/sign` `{name, consent: true, document_sha256}`.
pub async fn sign_contract(
    State(state): State<AppState>,
    caller: PortalCaller,
    Path(id): Path<String>,
    Json(req): Json<SignFields>,
) -> Result<Json<Signed>, ApiError> {
    let signed = contracts::sign(
        &caller.portal,
        path_id(&id)?,
        req,
        &caller.request(),
        &caller.company.name,
    )
    .await?;
    after_portal_write(&state, &caller).await;
    Ok(Json(signed))
}

/// `GET /api/portal/contracts/{id}/pdf`: the signed PDF (404 until signed).
pub async fn contract_pdf(
    caller: PortalCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (name, bytes) = contracts::pdf(&caller.portal, path_id(&id)?).await?;
    Ok(pdf_download(&name, bytes))
}

/// `GET /api/portal/invoices`: the client's issued invoices.
pub async fn invoices(caller: PortalCaller) -> Result<Json<Vec<PortalInvoiceSummary>>, ApiError> {
    Ok(Json(invoices::list(&caller.portal).await?))
}

/// `GET /api/portal/invoices/{id}`: one, with its lines and how to pay it.
pub async fn invoice(
    caller: PortalCaller,
    Path(id): Path<String>,
) -> Result<Json<PortalInvoice>, ApiError> {
    Ok(Json(invoices::get(&caller.portal, path_id(&id)?).await?))
}

/// `GET /api/portal/invoices/{id}/pdf`.
pub async fn invoice_pdf(
    caller: PortalCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let doc = invoices::document(&caller.portal, path_id(&id)?).await?;
    Ok(download(invoice_documents::file(&doc, Format::Pdf)?))
}

/// `GET /api/portal/invoices/{id}/ubl`.
pub async fn invoice_ubl(
    caller: PortalCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let doc = invoices::document(&caller.portal, path_id(&id)?).await?;
    Ok(download(invoice_documents::file(&doc, Format::Ubl)?))
}
