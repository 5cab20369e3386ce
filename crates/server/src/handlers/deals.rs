//! `/api/deals`: the sales pipeline.

use crate::AppState;
use crate::audit::after_write;
use crate::binding::Tenant;
use crate::error::ApiError;
use crate::handlers::path_id;
use crate::json::Json;
use crate::pagination::{Page, Query, id_filter, list_params, list_query};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use silo_domain::deals::{self, Deal, DealFilter, DealPatch, NewDeal, Reopen, Stage, StageTotal};

list_query! {
    /// `GET /api/deals` query.
    DealQuery {
        /// Only deals in this stage.
        stage: Option<Stage>,
        /// Only this client's deals.
        #[schemars(schema_with = "crate::pagination::uuid_or_empty")]
        account_id: Option<String>,
        /// Only deals with this contact.
        #[schemars(schema_with = "crate::pagination::uuid_or_empty")]
        contact_id: Option<String>,
        /// Only deals this identity owns.
        #[schemars(schema_with = "crate::pagination::uuid_or_empty")]
        owner_id: Option<String>,
    }
}

impl DealQuery {
    fn filter(&self) -> Result<DealFilter, ApiError> {
        deal_filter(
            self.stage,
            self.account_id.as_deref(),
            self.contact_id.as_deref(),
            self.owner_id.as_deref(),
        )
    }
}

/// The deals filter from a query string's values.
fn deal_filter(
    stage: Option<Stage>,
    account: Option<&str>,
    contact: Option<&str>,
    owner: Option<&str>,
) -> Result<DealFilter, ApiError> {
    Ok(DealFilter {
        stage,
        account_id: id_filter("account_id", account)?,
        contact_id: id_filter("contact_id", contact)?,
        owner_id: id_filter("owner_id", owner)?,
    })
}

/// `GET /api/deals?limit=&cursor=&q=&stage=&account_id=&contact_id=&owner_id=`.
pub async fn list(
    tenant: Tenant,
    Query(f): Query<DealQuery>,
) -> Result<Json<Page<Deal>>, ApiError> {
    let (params, limit) = list_params(&f.page())?;
    let items = deals::list(&tenant.db, &params, f.filter()?).await?;
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

/// `GET /api/pipeline` query: the deals list's filters, without paging.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
pub struct PipelineQuery {
    /// Search text: matches the title or source.
    q: Option<String>,
    /// Only deals in this stage.
    stage: Option<Stage>,
    /// Only this client's deals.
    #[schemars(schema_with = "crate::pagination::uuid_or_empty")]
    account_id: Option<String>,
    /// Only deals with this contact.
    #[schemars(schema_with = "crate::pagination::uuid_or_empty")]
    contact_id: Option<String>,
    /// Only deals this identity owns.
    #[schemars(schema_with = "crate::pagination::uuid_or_empty")]
    owner_id: Option<String>,
}

/// `GET /api/pipeline?q=&stage=&account_id=&contact_id=&owner_id=`: totals per stage.
pub async fn pipeline(
    tenant: Tenant,
    Query(f): Query<PipelineQuery>,
) -> Result<Json<Vec<StageTotal>>, ApiError> {
    let filter = deal_filter(
        f.stage,
        f.account_id.as_deref(),
        f.contact_id.as_deref(),
        f.owner_id.as_deref(),
    )?;
    Ok(Json(deals::pipeline(&tenant.db, f.q, filter).await?))
}

/// `POST /api/deals/{id}/reopen` `{stage?}`: a won or lost deal back in an open stage.
pub async fn reopen(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Deal>, ApiError> {
    let req: Reopen = crate::json::optional_object(body)?;
    let deal = deals::reopen(&tenant.db, path_id(&id)?, req, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(Json(deal))
}
