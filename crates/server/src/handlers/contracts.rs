//! `/api/contracts`: drafting, sending and signing.

use crate::AppState;
use crate::audit::after_write;
use crate::binding::Tenant;
use crate::error::ApiError;
use crate::handlers::path_id;
use crate::json::Json;
use crate::pagination::{Page, Query, id_filter, list_params, list_query};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use silo_domain::contracts::{self, Contract, ContractPatch, NewContract, Signature};

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

/// `POST /api/contracts/{id}/send`.
pub async fn send(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<Json<Contract>, ApiError> {
    let contract = contracts::send(&tenant.db, path_id(&id)?, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(Json(contract))
}

/// `POST /api/contracts/{id}/sign` `{signer_name, signer_email}`: records the signer, the time,
/// the client's address and the hash of the body signed.
pub async fn sign(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Json(req): Json<Signature>,
) -> Result<Json<Contract>, ApiError> {
    // The real client behind a trusted proxy, as the audit record names it.
    let contract = contracts::sign(&tenant.db, path_id(&id)?, req, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(Json(contract))
}
