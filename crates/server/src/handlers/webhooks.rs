//! `/api/webhooks`: the company's webhook endpoints, their deliveries, test events and
//! redelivery (Standard Webhooks; see `docs/webhooks.md`).

use crate::AppState;
use crate::audit::after_write;
use crate::binding::Tenant;
use crate::error::ApiError;
use crate::handlers::path_id;
use crate::json::Json;
use crate::pagination::{Page, PageQuery, Query, list_params};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use silo_domain::webhooks::{
    self, NewWebhookEndpoint, WebhookDelivery, WebhookEndpoint, WebhookEndpointPatch,
    WebhookEndpointSecret,
};

/// `GET /api/webhooks?limit=&cursor=&q=`.
pub async fn list(
    tenant: Tenant,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<WebhookEndpoint>>, ApiError> {
    let (params, limit) = list_params(&page)?;
    let items = webhooks::list(&tenant.db, &params).await?;
    Ok(Json(Page::from_overfetch(items, limit, |e| {
        e.id.to_string()
    })))
}

/// `POST /api/webhooks`: the answer shows the new endpoint's secret, this once.
pub async fn create(
    State(state): State<AppState>,
    tenant: Tenant,
    Json(req): Json<NewWebhookEndpoint>,
) -> Result<(StatusCode, Json<WebhookEndpointSecret>), ApiError> {
    let policy = state.config.webhooks.policy();
    let created = webhooks::create(&tenant.db, req, policy, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok((StatusCode::CREATED, Json(created)))
}

/// `GET /api/webhooks/{id}`.
pub async fn get(
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<Json<WebhookEndpoint>, ApiError> {
    Ok(Json(webhooks::get(&tenant.db, path_id(&id)?).await?))
}

/// `PATCH /api/webhooks/{id}`.
pub async fn update(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Json(req): Json<WebhookEndpointPatch>,
) -> Result<Json<WebhookEndpoint>, ApiError> {
    let policy = state.config.webhooks.policy();
    let endpoint =
        webhooks::update(&tenant.db, path_id(&id)?, req, policy, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(Json(endpoint))
}

/// `DELETE /api/webhooks/{id}`.
pub async fn delete(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    webhooks::delete(&tenant.db, path_id(&id)?, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/webhooks/{id}/rotate-secret`: the answer shows the new secret, this once.
pub async fn rotate_secret(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<Json<WebhookEndpointSecret>, ApiError> {
    let rotated = webhooks::rotate_secret(&tenant.db, path_id(&id)?, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(Json(rotated))
}

/// `POST /api/webhooks/{id}/test`.
pub async fn send_test(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<WebhookDelivery>), ApiError> {
    let delivery = webhooks::send_test(&tenant.db, path_id(&id)?, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok((StatusCode::ACCEPTED, Json(delivery)))
}

/// `GET /api/webhooks/{id}/deliveries?limit=&cursor=&q=`: newest first; `q` matches the event
/// type.
pub async fn deliveries(
    tenant: Tenant,
    Path(id): Path<String>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<WebhookDelivery>>, ApiError> {
    let (params, limit) = list_params(&page)?;
    let items = webhooks::deliveries(&tenant.db, path_id(&id)?, &params).await?;
    Ok(Json(Page::from_overfetch(items, limit, |d| {
        d.id.to_string()
    })))
}

/// `POST /api/webhooks/{id}/deliveries/{delivery_id}/redeliver`.
pub async fn redeliver(
    State(state): State<AppState>,
    tenant: Tenant,
    Path((id, delivery_id)): Path<(String, String)>,
) -> Result<(StatusCode, Json<WebhookDelivery>), ApiError> {
    let delivery = webhooks::redeliver(
        &tenant.db,
        path_id(&id)?,
        path_id(&delivery_id)?,
        &tenant.origin(),
    )
    .await?;
    after_write(&state, &tenant).await;
    Ok((StatusCode::ACCEPTED, Json(delivery)))
}
