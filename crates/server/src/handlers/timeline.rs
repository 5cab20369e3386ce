//! `GET /api/{accounts,contacts,deals}/{id}/timeline`: what happened to a record, newest
//! first, from the company's own outbox; and the names of the people who did it, resolved among
//! this company's members only.

use crate::AppState;
use crate::binding::Tenant;
use crate::error::ApiError;
use crate::handlers::path_id;
use crate::json::Json;
use crate::pagination::{MAX_LIMIT, Page, PageQuery, Query};
use axum::extract::{Path, State};
use schemars::JsonSchema;
use serde::Deserialize;
use silo_contract::EventType;
use silo_domain::timeline::{self, Subject, TimelineEntry};
use silo_roles::Permission;
use std::collections::HashMap;
use uuid::Uuid;

/// `GET /api/.../timeline` query.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct TimelineQuery {
    /// Items per page (1 to 200, default 50).
    #[schemars(range(min = 1, max = MAX_LIMIT))]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page (an entry's `seq`).
    #[schemars(regex(pattern = r"^[0-9]{0,18}$"))]
    cursor: Option<String>,
}

/// The permission that lets a member read an event's record: the timeline shows a member only
/// what the rest of the API would show them.
pub(crate) fn permission_to_read(event: EventType) -> Permission {
    match event.as_str().split('.').next().unwrap_or_default() {
        "deal" => Permission::DealsRead,
        "contract" | "signing_link" => Permission::ContractsRead,
        "invoice" | "credit_note" | "invoicing" => Permission::InvoicesRead,
        "webhook" | "webhook_endpoint" | "webhook_delivery" => Permission::WebhooksManage,
        _ => Permission::CrmRead,
    }
}

/// The names of this company's members by identity id (their name, else their address).
pub(crate) async fn member_names(
    state: &AppState,
    tenant: &Tenant,
) -> Result<HashMap<Uuid, String>, ApiError> {
    let members = state.tenancy.control().members(tenant.company.id).await?;
    Ok(members
        .into_iter()
        .map(|m| {
            let name = if m.name.trim().is_empty() {
                m.email.to_string()
            } else {
                m.name
            };
            (m.identity_id.as_uuid(), name)
        })
        .collect())
}

async fn timeline_of(
    state: &AppState,
    tenant: &Tenant,
    subject: Subject,
    id: &str,
    q: TimelineQuery,
) -> Result<Json<Page<TimelineEntry>>, ApiError> {
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
        q: None,
    };
    let limit = page.limit()?;
    let visible: Vec<EventType> = EventType::ALL
        .iter()
        .copied()
        .filter(|e| tenant.role.can(permission_to_read(*e)))
        .collect();
    let mut entries = timeline::timeline(
        &tenant.db,
        subject,
        path_id(id)?,
        &visible,
        page.cursor()?,
        limit + 1,
    )
    .await?;
    let names = member_names(state, tenant).await?;
    let clients = silo_domain::portal::users::names(&tenant.db).await?;
    for e in &mut entries {
        e.actor_name = e
            .actor_id
            .and_then(|a| names.get(&a).or_else(|| clients.get(&a)).cloned());
    }
    Ok(Json(Page::from_overfetch(entries, limit, |e| {
        e.seq.to_string()
    })))
}

/// `GET /api/accounts/{id}/timeline`.
pub async fn account(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Query(q): Query<TimelineQuery>,
) -> Result<Json<Page<TimelineEntry>>, ApiError> {
    timeline_of(&state, &tenant, Subject::Account, &id, q).await
}

/// `GET /api/contacts/{id}/timeline`.
pub async fn contact(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Query(q): Query<TimelineQuery>,
) -> Result<Json<Page<TimelineEntry>>, ApiError> {
    timeline_of(&state, &tenant, Subject::Contact, &id, q).await
}

/// `GET /api/deals/{id}/timeline`.
pub async fn deal(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Query(q): Query<TimelineQuery>,
) -> Result<Json<Page<TimelineEntry>>, ApiError> {
    timeline_of(&state, &tenant, Subject::Deal, &id, q).await
}
