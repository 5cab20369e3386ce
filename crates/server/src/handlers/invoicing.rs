//! `/api/company/invoicing`: the company's invoicing details, kept in its own database.

use crate::AppState;
use crate::audit::after_write;
use crate::binding::Tenant;
use crate::error::ApiError;
use crate::json::Json;
use axum::extract::State;
use silo_domain::invoicing::{self, Invoicing, InvoicingPatch};

/// `GET /api/company/invoicing`.
pub async fn get(tenant: Tenant) -> Result<Json<Invoicing>, ApiError> {
    Ok(Json(invoicing::get(&tenant.db).await?))
}

/// `PATCH /api/company/invoicing`.
pub async fn update(
    State(state): State<AppState>,
    tenant: Tenant,
    Json(req): Json<InvoicingPatch>,
) -> Result<Json<Invoicing>, ApiError> {
    let details = invoicing::update(&tenant.db, req, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(Json(details))
}
