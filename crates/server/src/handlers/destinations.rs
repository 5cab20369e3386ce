//! `/api/destinations`: a client's ad-platform destinations, their delivery log, manual retry
//! and the payload preview (issue 22; see `docs/attribution.md`). Credentials are sealed with
//! the deployment's vault key and never answered.

use crate::AppState;
use crate::audit::after_write;
use crate::binding::Tenant;
use crate::error::ApiError;
use crate::handlers::path_id;
use crate::json::Json;
use crate::pagination::{Page, PageQuery, Query, id_filter, list_params, list_query};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use schemars::JsonSchema;
use serde::Deserialize;
use silo_domain::DomainError;
use silo_domain::attribution::destinations::{
    self, Destination, DestinationPatch, NewCredentials, NewDestination, Sealer,
};
use silo_domain::attribution::forwarding::{self, ConversionDelivery, PlatformRequest};

list_query! {
    /// `GET /api/destinations` query.
    DestinationQuery {
        /// Only this client's destinations.
        #[schemars(schema_with = "crate::pagination::uuid_or_empty")]
        account_id: Option<String>,
    }
}

/// `GET /api/destinations/{id}/preview` query.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PreviewQuery {
    /// The conversion whose request is shown.
    #[schemars(schema_with = "crate::pagination::required_uuid")]
    conversion_id: Option<String>,
}

/// The vault and company credentials are sealed for; 503 while no vault key is loaded.
fn sealer<'a>(state: &'a AppState, tenant: &Tenant) -> Result<Sealer<'a>, ApiError> {
    let vault = state.config.forwarding.vault.as_ref().ok_or_else(|| {
        ApiError::Unavailable("no vault key is loaded for ad-platform credentials".to_owned())
    })?;
    Ok(Sealer {
        vault,
        company: tenant.company.id.as_uuid(),
    })
}

/// `GET /api/destinations?account_id=&limit=&cursor=&q=`.
pub async fn list(
    tenant: Tenant,
    Query(f): Query<DestinationQuery>,
) -> Result<Json<Page<Destination>>, ApiError> {
    let (params, limit) = list_params(&f.page())?;
    let account = id_filter("account_id", f.account_id.as_deref())?;
    let items = destinations::list(&tenant.db, &params, account).await?;
    Ok(Json(Page::from_overfetch(items, limit, |d| {
        d.id.to_string()
    })))
}

/// `POST /api/destinations`: the credentials are sealed at once and never answered.
pub async fn create(
    State(state): State<AppState>,
    tenant: Tenant,
    Json(req): Json<NewDestination>,
) -> Result<(StatusCode, Json<Destination>), ApiError> {
    let sealer = sealer(&state, &tenant)?;
    let created = destinations::create(&tenant.db, req, sealer, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok((StatusCode::CREATED, Json(created)))
}

/// `GET /api/destinations/{id}`.
pub async fn get(tenant: Tenant, Path(id): Path<String>) -> Result<Json<Destination>, ApiError> {
    Ok(Json(destinations::get(&tenant.db, path_id(&id)?).await?))
}

/// `PATCH /api/destinations/{id}`.
pub async fn update(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Json(req): Json<DestinationPatch>,
) -> Result<Json<Destination>, ApiError> {
    let d = destinations::update(&tenant.db, path_id(&id)?, req, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(Json(d))
}

/// `PUT /api/destinations/{id}/credentials`.
pub async fn replace_credentials(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Json(req): Json<NewCredentials>,
) -> Result<Json<Destination>, ApiError> {
    let sealer = sealer(&state, &tenant)?;
    let d =
        destinations::replace_credentials(&tenant.db, path_id(&id)?, req, sealer, &tenant.origin())
            .await?;
    after_write(&state, &tenant).await;
    Ok(Json(d))
}

/// `DELETE /api/destinations/{id}`.
pub async fn delete(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    destinations::delete(&tenant.db, path_id(&id)?, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/destinations/{id}/deliveries?limit=&cursor=&q=`: newest first; `q` matches the
/// order id.
pub async fn deliveries(
    tenant: Tenant,
    Path(id): Path<String>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<ConversionDelivery>>, ApiError> {
    let (params, limit) = list_params(&page)?;
    let items = forwarding::deliveries(&tenant.db, path_id(&id)?, &params).await?;
    Ok(Json(Page::from_overfetch(items, limit, |d| {
        d.id.to_string()
    })))
}

/// `POST /api/destinations/{id}/deliveries/{delivery_id}/retry`.
pub async fn retry(
    State(state): State<AppState>,
    tenant: Tenant,
    Path((id, delivery_id)): Path<(String, String)>,
) -> Result<(StatusCode, Json<ConversionDelivery>), ApiError> {
    let d = forwarding::retry(
        &tenant.db,
        path_id(&id)?,
        path_id(&delivery_id)?,
        &tenant.origin(),
    )
    .await?;
    after_write(&state, &tenant).await;
    Ok((StatusCode::ACCEPTED, Json(d)))
}

/// `GET /api/destinations/{id}/preview?conversion_id=`: the exact request that would be sent,
/// hashed, without credentials.
pub async fn preview(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Query(q): Query<PreviewQuery>,
) -> Result<Json<PlatformRequest>, ApiError> {
    let conversion = id_filter("conversion_id", q.conversion_id.as_deref())?.ok_or_else(|| {
        DomainError::invalid(
            "conversion_id",
            silo_contract::Problem::new(silo_contract::ProblemCode::Required),
        )
    })?;
    let request = forwarding::preview(
        &tenant.db,
        path_id(&id)?,
        conversion,
        &state.config.forwarding.urls,
    )
    .await?;
    Ok(Json(request))
}
