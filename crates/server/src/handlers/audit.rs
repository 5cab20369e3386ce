//! `GET /api/audit`: the company's audit trail, newest first, readable: who by name and what by
//! its title, both resolved at read time in this company's own view (members' names from its
//! memberships, titles from its own database), so the control plane's records keep only ids.

use crate::AppState;
use crate::binding::Tenant;
use crate::error::ApiError;
use crate::json::Json;
use crate::pagination::{Page, PageQuery, Query};
use crate::validate::{Problem, ProblemCode};
use axum::extract::State;
use schemars::JsonSchema;
use serde::Deserialize;
use serde::Serialize;
use silo_control::{AuditQuery, AuditRecord, IdentityId};
use silo_store::Timestamp;

/// An audit record with the names a person reads it by.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AuditEntry {
    /// The record as stored.
    #[serde(flatten)]
    pub record: AuditRecord,
    /// The actor's name: a member of this company, or one of its portal users.
    pub actor_name: Option<String>,
    /// The target's name, title or number now, when it is one of this company's records and
    /// still exists.
    pub subject_title: Option<String>,
}

/// Filters of `GET /api/audit`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct AuditFilters {
    /// Only actions starting with this, e.g. `contact.`.
    action: Option<String>,
    /// Only this actor's identity id.
    #[schemars(schema_with = "crate::pagination::uuid_or_empty")]
    actor: Option<String>,
    /// Only at or after this time (RFC 3339).
    #[schemars(schema_with = "crate::pagination::date_time_or_empty")]
    from: Option<String>,
    /// Only before this time (RFC 3339).
    #[schemars(schema_with = "crate::pagination::date_time_or_empty")]
    to: Option<String>,
    /// Items per page (1 to 200, default 50).
    #[schemars(range(min = 1, max = crate::pagination::MAX_LIMIT))]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page (a record's position in the company's trail).
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
) -> Result<Json<Page<AuditEntry>>, ApiError> {
    let page = PageQuery {
        limit: f.limit,
        cursor: f.cursor,
        q: None,
    };
    let limit = page.limit()?;
    let actor = f
        .actor
        .as_deref()
        .filter(|a| !a.is_empty())
        .map(|a| {
            a.parse::<IdentityId>().map_err(|_| {
                ApiError::invalid(
                    "actor",
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
        before_seq: page.cursor()?,
        limit: limit + 1,
    };
    let records = state
        .tenancy
        .control()
        .audit_records(tenant.company.id, &query)
        .await?;
    let names = crate::handlers::timeline::member_names(&state, &tenant).await?;
    let clients = silo_domain::portal::users::names(&tenant.db).await?;
    let subjects: Vec<(String, uuid::Uuid)> = records
        .iter()
        .filter_map(|r| {
            let area = r.action.split('.').next()?;
            let id = r.target.as_deref()?.parse().ok()?;
            Some((area.to_owned(), id))
        })
        .collect();
    let titles = silo_domain::timeline::resolve_titles(&tenant.db, &subjects).await?;
    let entries: Vec<AuditEntry> = records
        .into_iter()
        .map(|record| {
            // A portal user is recorded as `portal:<id>`, a staff identity as its id.
            let actor_name = match record.actor.as_deref() {
                Some(a) => match a.strip_prefix("portal:") {
                    Some(p) => p.parse().ok().and_then(|id| clients.get(&id).cloned()),
                    None => a.parse().ok().and_then(|id| names.get(&id).cloned()),
                },
                None => None,
            };
            let target = record
                .target
                .as_deref()
                .and_then(|t| t.parse::<uuid::Uuid>().ok());
            AuditEntry {
                actor_name,
                subject_title: target.and_then(|t| titles.get(&t).cloned()),
                record,
            }
        })
        .collect();
    Ok(Json(Page::from_overfetch(entries, limit, |e| {
        e.record.seq.to_string()
    })))
}
