//! `GET /api/audit`: the company's audit trail, newest first.

use crate::AppState;
use crate::binding::Tenant;
use crate::error::ApiError;
use crate::json::Json;
use crate::pagination::{Page, PageQuery, Query};
use crate::validate::{Problem, ProblemCode};
use axum::extract::State;
use schemars::JsonSchema;
use serde::Deserialize;
use silo_control::{AuditQuery, AuditRecord, IdentityId};
use silo_domain::timeline;
use silo_store::Timestamp;

/// Filters of `GET /api/audit`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct AuditFilters {
    /// Only actions starting with this, e.g. `contact.`.
    action: Option<String>,
    /// Only this actor's identity id (`actor` is the older name of this filter).
    #[serde(alias = "actor")]
    #[schemars(schema_with = "crate::pagination::uuid_or_empty")]
    actor_id: Option<String>,
    /// Only at or after this time (RFC 3339).
    #[schemars(schema_with = "crate::pagination::date_time_or_empty")]
    from: Option<String>,
    /// Only before this time (RFC 3339).
    #[schemars(schema_with = "crate::pagination::date_time_or_empty")]
    to: Option<String>,
    /// Items per page (1 to 200, default 50).
    #[schemars(range(min = 1, max = crate::pagination::MAX_LIMIT))]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page (a record's number).
    #[schemars(regex(pattern = r"^[0-9]{0,18}$"))]
    cursor: Option<String>,
}

fn time(field: &str, value: Option<&str>) -> Result<Option<Timestamp>, ApiError> {
    value
        .filter(|v| !v.is_empty())
        .map(|v| Timestamp::parse(v).ok_or_else(|| ApiError::invalid(field, ProblemCode::NotTime)))
        .transpose()
}

/// `GET /api/audit?action=&actor=&from=&to=&limit=&cursor=`.
pub async fn list(
    State(state): State<AppState>,
    tenant: Tenant,
    Query(f): Query<AuditFilters>,
) -> Result<Json<Page<AuditRecord>>, ApiError> {
    let page = PageQuery {
        limit: f.limit,
        cursor: f.cursor,
        q: None,
    };
    let limit = page.limit()?;
    let actor = f
        .actor_id
        .as_deref()
        .filter(|a| !a.is_empty())
        .map(|a| {
            a.parse::<IdentityId>().map_err(|_| {
                ApiError::invalid(
                    "actor_id",
                    Problem::new(ProblemCode::NotId).worded("must be an identity id"),
                )
            })
        })
        .transpose()?;
    let query = AuditQuery {
        action_prefix: f.action.filter(|a| !a.is_empty()),
        actor,
        from: time("from", f.from.as_deref())?,
        to: time("to", f.to.as_deref())?,
        before_id: page.cursor()?,
        limit: limit + 1,
    };
    let mut records = state
        .tenancy
        .control()
        .audit_records(tenant.company.id, &query)
        .await?;
    readable(&state, &tenant, &mut records).await?;
    Ok(Json(Page::from_overfetch(records, limit, |r| {
        r.id.to_string()
    })))
}

/// Fills in each record's `actor_name` (members of this company only) and `subject_title`
/// (business records from the company's own database, members by name, the company by its
/// name); nothing of it is stored in the trail.
async fn readable(
    state: &AppState,
    tenant: &Tenant,
    records: &mut [AuditRecord],
) -> Result<(), ApiError> {
    let uuid = |s: &Option<String>| s.as_deref().and_then(|s| uuid::Uuid::parse_str(s).ok());
    let mut people: Vec<uuid::Uuid> = records.iter().filter_map(|r| uuid(&r.actor)).collect();
    let mut wanted: Vec<(&'static str, uuid::Uuid)> = Vec::new();
    for r in records.iter() {
        let area = r.action.split('.').next().unwrap_or_default();
        let Some(target) = uuid(&r.target) else {
            continue;
        };
        match timeline::area_subject(area) {
            Some(kind) => wanted.push((kind, target)),
            None if matches!(area, "member" | "invite") => people.push(target),
            None => {}
        }
    }
    let names = crate::names::member_names(state, tenant, people).await?;
    let titles = timeline::titles(&tenant.db, &wanted).await?;
    let company = tenant.company.id.to_string();
    for r in records.iter_mut() {
        r.actor_name = uuid(&r.actor).and_then(|a| names.get(&a).cloned());
        let area = r.action.split('.').next().unwrap_or_default();
        r.subject_title = match (uuid(&r.target), timeline::area_subject(area)) {
            (Some(id), Some(_)) => titles.get(&id).cloned(),
            (Some(id), None) if matches!(area, "member" | "invite") => names.get(&id).cloned(),
            _ if r.target.as_deref() == Some(company.as_str()) => Some(tenant.company.name.clone()),
            _ => None,
        };
    }
    Ok(())
}
