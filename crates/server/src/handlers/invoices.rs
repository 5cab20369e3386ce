//! `/api/invoices`: drafts, issuing with gapless numbers, and payments.

use crate::AppState;
use crate::audit::after_write;
use crate::binding::Tenant;
use crate::error::ApiError;
use crate::handlers::path_id;
use crate::json::Json;
use crate::pagination::{Page, PageQuery, Query, list_params};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use silo_domain::billing::{self, IssueRequest, NewPayment};
use silo_domain::invoices::{self, Invoice, InvoicePatch, NewInvoice};

/// `GET /api/invoices?limit=&cursor=&q=` (lines and payments only on single invoices).
pub async fn list(
    tenant: Tenant,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<Invoice>>, ApiError> {
    let (params, limit) = list_params(&page)?;
    let items = invoices::list(&tenant.db, &params).await?;
    Ok(Json(Page::from_overfetch(items, limit, |i| {
        i.id.to_string()
    })))
}

/// `POST /api/invoices`: a draft.
pub async fn create(
    State(state): State<AppState>,
    tenant: Tenant,
    Json(req): Json<NewInvoice>,
) -> Result<(StatusCode, Json<Invoice>), ApiError> {
    let invoice = invoices::create(&tenant.db, req, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok((StatusCode::CREATED, Json(invoice)))
}

/// `GET /api/invoices/{id}`.
pub async fn get(tenant: Tenant, Path(id): Path<String>) -> Result<Json<Invoice>, ApiError> {
    Ok(Json(invoices::get(&tenant.db, path_id(&id)?).await?))
}

/// `PATCH /api/invoices/{id}`: drafts only; 409 `invoice_locked` once issued.
pub async fn update(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Json(req): Json<InvoicePatch>,
) -> Result<Json<Invoice>, ApiError> {
    let invoice = invoices::update(&tenant.db, path_id(&id)?, req, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(Json(invoice))
}

/// `POST /api/invoices/{id}/issue` with an optional `{issue_date}` body.
pub async fn issue(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Invoice>, ApiError> {
    let body = body.map_err(|r| match r.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
        _ => ApiError::BadRequest(r.body_text()),
    })?;
    let req: IssueRequest = if body.iter().all(u8::is_ascii_whitespace) {
        IssueRequest::default()
    } else {
        crate::json::parse_object(&body)?
    };
    let invoice = billing::issue(&tenant.db, path_id(&id)?, req, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(Json(invoice))
}

/// `POST /api/invoices/{id}/payments` `{amount_cents, paid_at?, method?}`: answers with the
/// invoice, `paid` once payments reach its total.
pub async fn pay(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Json(req): Json<NewPayment>,
) -> Result<(StatusCode, Json<Invoice>), ApiError> {
    let invoice = billing::pay(&tenant.db, path_id(&id)?, req, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok((StatusCode::CREATED, Json(invoice)))
}
