//! `GET /api/accounts/{id}/timeline`, `/api/contacts/{id}/timeline`, `/api/deals/{id}/timeline`:
//! what happened, newest first, from the company's own outbox, with the people's names of this
//! company's members.

use crate::AppState;
use crate::binding::Tenant;
use crate::error::ApiError;
use crate::handlers::path_id;
use crate::json::Json;
use crate::pagination::{Page, PageQuery, Query};
use axum::extract::{Path, State};
use schemars::JsonSchema;
use serde::Deserialize;
use silo_domain::timeline::{self, TimelineEntry, TimelineOf};
use uuid::Uuid;

/// A timeline's query: a page, newest first.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct TimelineQuery {
    /// Items per page (1 to 200, default 50).
    #[schemars(range(min = 1, max = crate::pagination::MAX_LIMIT))]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page (a position in the company's events).
    #[schemars(schema_with = "crate::pagination::digits_or_empty")]
    cursor: Option<String>,
}

async fn page(
    state: &AppState,
    tenant: &Tenant,
    of: TimelineOf,
    q: TimelineQuery,
) -> Result<Json<Page<TimelineEntry>>, ApiError> {
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
        q: None,
    };
    let limit = page.limit()?;
    let before: Option<i64> = page.cursor()?;
    let mut items = timeline::timeline(&tenant.db, of, before, limit + 1).await?;
    let actors: Vec<Uuid> = items.iter().filter_map(|e| e.actor_id).collect();
    let names = crate::names::member_names(state, tenant, actors).await?;
    for e in &mut items {
        e.actor_name = e.actor_id.and_then(|a| names.get(&a).cloned());
    }
    Ok(Json(Page::from_overfetch(items, limit, |e| {
        e.seq.to_string()
    })))
}

/// `GET /api/accounts/{id}/timeline`: the account's events and those of its contacts, deals,
/// contracts and invoices.
pub async fn account(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Query(q): Query<TimelineQuery>,
) -> Result<Json<Page<TimelineEntry>>, ApiError> {
    page(&state, &tenant, TimelineOf::Account(path_id(&id)?), q).await
}

/// `GET /api/contacts/{id}/timeline`: the contact's events and those of its deals.
pub async fn contact(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Query(q): Query<TimelineQuery>,
) -> Result<Json<Page<TimelineEntry>>, ApiError> {
    page(&state, &tenant, TimelineOf::Contact(path_id(&id)?), q).await
}

/// `GET /api/deals/{id}/timeline`: the deal's events and those of its contracts and invoices.
pub async fn deal(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Query(q): Query<TimelineQuery>,
) -> Result<Json<Page<TimelineEntry>>, ApiError> {
    page(&state, &tenant, TimelineOf::Deal(path_id(&id)?), q).await
}
