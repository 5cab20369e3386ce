//! `/api/deals`: the sales pipeline.

use crate::AppState;
use crate::audit::after_write;
use crate::binding::Tenant;
use crate::error::ApiError;
use crate::handlers::path_id;
use crate::json::Json;
use crate::pagination::{Page, PageQuery, Query, list_params};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use silo_domain::deals::{self, Deal, DealPatch, NewDeal};

/// `GET /api/deals?limit=&cursor=&q=`.
pub async fn list(
    tenant: Tenant,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<Deal>>, ApiError> {
    let (params, limit) = list_params(&page)?;
    let items = deals::list(&tenant.db, &params).await?;
    Ok(Json(Page::from_overfetch(items, limit, |d| {
        d.id.to_string()
    })))
}

/// `POST /api/deals`: the caller owns the deal unless `owner_id` says otherwise.
pub async fn create(
    State(state): State<AppState>,
    tenant: Tenant,
    Json(req): Json<NewDeal>,
) -> Result<(StatusCode, Json<Deal>), ApiError> {
    let deal = deals::create(&tenant.db, req, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok((StatusCode::CREATED, Json(deal)))
}

/// `GET /api/deals/{id}`, with the stage history.
pub async fn get(tenant: Tenant, Path(id): Path<String>) -> Result<Json<Deal>, ApiError> {
    Ok(Json(deals::get(&tenant.db, path_id(&id)?).await?))
}

/// `PATCH /api/deals/{id}`.
pub async fn update(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Json(req): Json<DealPatch>,
) -> Result<Json<Deal>, ApiError> {
    let deal = deals::update(&tenant.db, path_id(&id)?, req, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(Json(deal))
}

/// `DELETE /api/deals/{id}`.
pub async fn delete(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id)?;
    deals::delete(&tenant.db, id, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(StatusCode::NO_CONTENT)
}
