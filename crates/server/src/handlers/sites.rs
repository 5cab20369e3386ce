//! Tracked sites (`/api/sites`), their events, consent and the attribution settings; a
//! contact's touchpoints. The site key is an entry token of purpose `silo-site` issued here for
//! the site row (see `silo_auth::entry`).

use crate::AppState;
use crate::audit::after_write;
use crate::binding::Tenant;
use crate::error::ApiError;
use crate::handlers::path_id;
use crate::json::Json;
use crate::pagination::{Page, PageQuery, Query, id_filter, list_params, list_query};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use silo_auth::Purpose;
use silo_domain::attribution::collect::{self, TrackedEvent};
use silo_domain::attribution::consent::{self, ConsentOverview, ConsentRecord};
use silo_domain::attribution::retention::{self, AttributionSettings, AttributionSettingsInput};
use silo_domain::attribution::sites::{self, NewKey, NewSite, Site, SitePatch};
use silo_domain::attribution::touchpoints::{self, ContactTouchpoints};
use uuid::Uuid;

/// How long a site key works unless rotated first: ten years (it sits in the site's pages).
const KEY_TTL: std::time::Duration = std::time::Duration::from_secs(10 * 366 * 24 * 3600);

list_query! {
    /// `GET /api/sites` query.
    SiteQuery {
        /// Only the sites of this client.
        #[schemars(schema_with = "crate::pagination::uuid_or_empty")]
        account_id: Option<String>,
    }
}

/// Where the script and the collection endpoint are reached: this server's public address.
fn base(state: &AppState) -> &str {
    &state.config.public_url
}

/// A new key for site `id` of the caller's company.
fn issue_key(
    state: &AppState,
    tenant: &Tenant,
    id: Uuid,
) -> Result<silo_auth::EntryToken, ApiError> {
    Ok(state
        .entry
        .issue(Purpose::Site, tenant.company.id.as_uuid(), id, KEY_TTL)?)
}

/// `GET /api/sites?account_id=`.
pub async fn list(
    State(state): State<AppState>,
    tenant: Tenant,
    Query(f): Query<SiteQuery>,
) -> Result<Json<Page<Site>>, ApiError> {
    let (params, limit) = list_params(&f.page())?;
    let account = id_filter("account_id", f.account_id.as_deref())?;
    let items = sites::list(&tenant.db, &params, account, base(&state)).await?;
    Ok(Json(Page::from_overfetch(items, limit, |s| {
        s.id.to_string()
    })))
}

/// `POST /api/sites`: a new site with its key.
pub async fn create(
    State(state): State<AppState>,
    tenant: Tenant,
    Json(req): Json<NewSite>,
) -> Result<(StatusCode, Json<Site>), ApiError> {
    let id = Uuid::now_v7();
    let key = issue_key(&state, &tenant, id)?;
    let key = NewKey {
        token: &key.token,
        secret_hash: &key.secret_hash,
    };
    let site = sites::create(&tenant.db, id, req, key, base(&state), &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok((StatusCode::CREATED, Json(site)))
}

/// `GET /api/sites/{id}`.
pub async fn get(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<Json<Site>, ApiError> {
    Ok(Json(
        sites::get(&tenant.db, path_id(&id)?, base(&state)).await?,
    ))
}

/// `PATCH /api/sites/{id}`.
pub async fn update(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Json(req): Json<SitePatch>,
) -> Result<Json<Site>, ApiError> {
    let site = sites::update(
        &tenant.db,
        path_id(&id)?,
        req,
        base(&state),
        &tenant.origin(),
    )
    .await?;
    after_write(&state, &tenant).await;
    Ok(Json(site))
}

/// `DELETE /api/sites/{id}`: its key stops working.
pub async fn delete(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    sites::delete(&tenant.db, path_id(&id)?, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/sites/{id}/rotate-key`: a new key; the old one stops working at once.
pub async fn rotate_key(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<Json<Site>, ApiError> {
    let id = path_id(&id)?;
    let key = issue_key(&state, &tenant, id)?;
    let key = NewKey {
        token: &key.token,
        secret_hash: &key.secret_hash,
    };
    let site = sites::rotate_key(&tenant.db, id, key, base(&state), &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(Json(site))
}

/// The live site of the path, or 404.
async fn site_of(tenant: &Tenant, id: &str) -> Result<Uuid, ApiError> {
    let id = path_id(id)?;
    if sites::exists(&tenant.db, id).await? {
        Ok(id)
    } else {
        Err(ApiError::NotFound)
    }
}

/// `GET /api/sites/{id}/events`: newest first.
pub async fn events(
    tenant: Tenant,
    Path(id): Path<String>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<TrackedEvent>>, ApiError> {
    let site = site_of(&tenant, &id).await?;
    let (params, limit) = list_params(&page)?;
    let items = collect::events(&tenant.db, site, params.after, params.limit).await?;
    Ok(Json(Page::from_overfetch(items, limit, |e| {
        e.id.to_string()
    })))
}

/// `GET /api/sites/{id}/consent`: the last 30 days.
pub async fn consent_overview(
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<Json<ConsentOverview>, ApiError> {
    let site = site_of(&tenant, &id).await?;
    Ok(Json(consent::overview(&tenant.db, site).await?))
}

/// `GET /api/sites/{id}/consent-records`: the ledger, newest first.
pub async fn consent_records(
    tenant: Tenant,
    Path(id): Path<String>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<ConsentRecord>>, ApiError> {
    let site = site_of(&tenant, &id).await?;
    let (params, limit) = list_params(&page)?;
    let items = consent::records(&tenant.db, site, params.after, params.limit).await?;
    Ok(Json(Page::from_overfetch(items, limit, |r| {
        r.id.to_string()
    })))
}

/// `GET /api/contacts/{id}/touchpoints`: oldest first, with the first and last touch.
pub async fn touchpoints(
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<Json<ContactTouchpoints>, ApiError> {
    Ok(Json(
        touchpoints::for_contact(&tenant.db, path_id(&id)?).await?,
    ))
}

/// `GET /api/attribution/settings`.
pub async fn settings(tenant: Tenant) -> Result<Json<AttributionSettings>, ApiError> {
    Ok(Json(retention::settings(&tenant.db).await?))
}

/// `PUT /api/attribution/settings`.
pub async fn put_settings(
    State(state): State<AppState>,
    tenant: Tenant,
    Json(req): Json<AttributionSettingsInput>,
) -> Result<Json<AttributionSettings>, ApiError> {
    let s = retention::put_settings(&tenant.db, req, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(Json(s))
}
