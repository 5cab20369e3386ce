//! `/api/contacts`: people at client organisations, within the plan's contact limit.

use crate::AppState;
use crate::audit::after_write;
use crate::binding::Tenant;
use crate::error::ApiError;
use crate::handlers::path_id;
use crate::json::Json;
use crate::pagination::{Page, Query, id_filter, list_params, list_query};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use silo_domain::contacts::{self, Contact, ContactPatch, NewContact};

list_query! {
    /// `GET /api/contacts` query.
    ContactQuery {
        /// Only the contacts of this client.
        #[schemars(schema_with = "crate::pagination::uuid_or_empty")]
        account_id: Option<String>,
    }
}

/// `GET /api/contacts?limit=&cursor=&q=`.
pub async fn list(
    tenant: Tenant,
    Query(f): Query<ContactQuery>,
) -> Result<Json<Page<Contact>>, ApiError> {
    let (params, limit) = list_params(&f.page())?;
    let items = contacts::list(
        &tenant.db,
        &params,
        id_filter("account_id", f.account_id.as_deref())?,
    )
    .await?;
    Ok(Json(Page::from_overfetch(items, limit, |c| {
        c.id.to_string()
    })))
}

/// `POST /api/contacts`: 403 `plan_limit` when the plan's contact limit is reached.
pub async fn create(
    State(state): State<AppState>,
    tenant: Tenant,
    Json(req): Json<NewContact>,
) -> Result<(StatusCode, Json<Contact>), ApiError> {
    let limits = state
        .tenancy
        .control()
        .plan_limits(tenant.company.plan)
        .await?;
    let contact = contacts::create(&tenant.db, req, limits.max_contacts, &tenant.origin())
        .await
        .map_err(|e| match e {
            silo_domain::DomainError::Limit(_) => ApiError::PlanLimit(format!(
                "the {} plan allows {} contacts",
                tenant.company.plan,
                limits.max_contacts.unwrap_or_default()
            )),
            e => e.into(),
        })?;
    after_write(&state, &tenant).await;
    Ok((StatusCode::CREATED, Json(contact)))
}

/// `GET /api/contacts/{id}`.
pub async fn get(tenant: Tenant, Path(id): Path<String>) -> Result<Json<Contact>, ApiError> {
    Ok(Json(contacts::get(&tenant.db, path_id(&id)?).await?))
}

/// `PATCH /api/contacts/{id}`.
pub async fn update(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Json(req): Json<ContactPatch>,
) -> Result<Json<Contact>, ApiError> {
    let contact = contacts::update(&tenant.db, path_id(&id)?, req, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(Json(contact))
}

/// `DELETE /api/contacts/{id}`.
pub async fn delete(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id)?;
    contacts::delete(&tenant.db, id, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(StatusCode::NO_CONTENT)
}
