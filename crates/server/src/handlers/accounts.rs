//! `/api/accounts`: the agency's client organisations.

use crate::AppState;
use crate::audit::after_write;
use crate::binding::Tenant;
use crate::error::ApiError;
use crate::handlers::path_id;
use crate::json::Json;
use crate::pagination::{Page, PageQuery, Query, list_params};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use silo_domain::accounts::{self, Account, AccountPatch, NewAccount};

/// `GET /api/accounts?limit=&cursor=&q=`.
pub async fn list(
    tenant: Tenant,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<Account>>, ApiError> {
    let (params, limit) = list_params(&page)?;
    let items = accounts::list(&tenant.db, &params).await?;
    Ok(Json(Page::from_overfetch(items, limit, |a| {
        a.id.to_string()
    })))
}

/// `POST /api/accounts`.
pub async fn create(
    State(state): State<AppState>,
    tenant: Tenant,
    Json(req): Json<NewAccount>,
) -> Result<(StatusCode, Json<Account>), ApiError> {
    let account = accounts::create(&tenant.db, req, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok((StatusCode::CREATED, Json(account)))
}

/// `GET /api/accounts/{id}`.
pub async fn get(tenant: Tenant, Path(id): Path<String>) -> Result<Json<Account>, ApiError> {
    Ok(Json(accounts::get(&tenant.db, path_id(&id)?).await?))
}

/// `PATCH /api/accounts/{id}`.
pub async fn update(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Json(req): Json<AccountPatch>,
) -> Result<Json<Account>, ApiError> {
    let account = accounts::update(&tenant.db, path_id(&id)?, req, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(Json(account))
}

/// `DELETE /api/accounts/{id}`.
pub async fn delete(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id)?;
    accounts::delete(&tenant.db, id, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(StatusCode::NO_CONTENT)
}
