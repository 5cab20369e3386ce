//! `/api/time-entries`, `/api/timesheet`, `/api/timer`, `/api/time-settings` and
//! `/api/invoices/from-time`: logging, approving and invoicing time.
//!
//! The route table admits callers by one permission (`time.log` here); what the caller sees
//! and may change beyond that follows from their role's other time permissions, carried into
//! the domain as a [`TimeCaller`].

use crate::AppState;
use crate::audit::after_write;
use crate::binding::Tenant;
use crate::error::ApiError;
use crate::handlers::path_id;
use crate::handlers::projects::check_member;
use crate::handlers::timeline::member_names;
use crate::json::Json;
use crate::pagination::{Page, Query, date_filter, id_filter, list_params, list_query};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use silo_domain::invoices::Invoice;
use silo_domain::time_entries::{
    self, EntryIds, NewTimeEntry, Rejection, TimeCaller, TimeEntry, TimeEntryFilter,
    TimeEntryPatch, TimeEntryStatus, Timesheet,
};
use silo_domain::time_invoicing::{self, FromTime, FromTimePreview};
use silo_domain::time_settings::{self, TimeSettings, TimeSettingsPatch};
use silo_domain::timers::{self, StopTimer, Timer};
use silo_roles::Permission;
use std::collections::HashMap;
use uuid::Uuid;

/// The caller as the time rules see them.
pub(crate) fn caller(tenant: &Tenant) -> TimeCaller {
    TimeCaller {
        person: tenant.identity.id.as_uuid(),
        read_all: tenant.role.can(Permission::TimeReadAll),
        approve: tenant.role.can(Permission::TimeApprove),
        read_cost: tenant.role.can(Permission::RatesReadCost),
    }
}

/// Fills in the people's names from the company's members.
fn named(entries: &mut [TimeEntry], names: &HashMap<Uuid, String>) {
    for e in entries {
        e.person_name = names.get(&e.person_id).cloned();
    }
}

async fn with_names(
    state: &AppState,
    tenant: &Tenant,
    mut entries: Vec<TimeEntry>,
) -> Result<Vec<TimeEntry>, ApiError> {
    let names = member_names(state, tenant).await?;
    named(&mut entries, &names);
    Ok(entries)
}

async fn with_name(
    state: &AppState,
    tenant: &Tenant,
    entry: TimeEntry,
) -> Result<TimeEntry, ApiError> {
    let mut one = with_names(state, tenant, vec![entry]).await?;
    one.pop()
        .ok_or_else(|| ApiError::Internal("an entry went missing".into()))
}

list_query! {
    /// `GET /api/time-entries` query.
    TimeEntryQuery {
        /// Only this person's time (others' need `time.read_all`).
        #[schemars(schema_with = "crate::pagination::uuid_or_empty")]
        person_id: Option<String>,
        /// Only this project's time.
        #[schemars(schema_with = "crate::pagination::uuid_or_empty")]
        project_id: Option<String>,
        /// Only time on this client's projects.
        #[schemars(schema_with = "crate::pagination::uuid_or_empty")]
        account_id: Option<String>,
        /// Only entries in this status.
        status: Option<TimeEntryStatus>,
        /// Only work on or after this date.
        #[schemars(schema_with = "crate::pagination::date_or_empty")]
        from: Option<String>,
        /// Only work on or before this date.
        #[schemars(schema_with = "crate::pagination::date_or_empty")]
        to: Option<String>,
        /// Only the entries billed on this invoice.
        #[schemars(schema_with = "crate::pagination::uuid_or_empty")]
        invoice_id: Option<String>,
    }
}

impl TimeEntryQuery {
    /// The filter; asking for another person's time without `time.read_all` is `403`.
    pub(crate) fn filter(&self, caller: &TimeCaller) -> Result<TimeEntryFilter, ApiError> {
        let person_id = id_filter("person_id", self.person_id.as_deref())?;
        if person_id.is_some_and(|p| p != caller.person) && !(caller.read_all || caller.approve) {
            return Err(ApiError::Forbidden);
        }
        Ok(TimeEntryFilter {
            person_id,
            project_id: id_filter("project_id", self.project_id.as_deref())?,
            account_id: id_filter("account_id", self.account_id.as_deref())?,
            status: self.status,
            from: date_filter("from", self.from.as_deref())?,
            to: date_filter("to", self.to.as_deref())?,
            invoice_id: id_filter("invoice_id", self.invoice_id.as_deref())?,
        })
    }
}

/// `GET /api/time-entries?person_id=&project_id=&account_id=&status=&from=&to=&invoice_id=`.
pub async fn list(
    State(state): State<AppState>,
    tenant: Tenant,
    Query(f): Query<TimeEntryQuery>,
) -> Result<Json<Page<TimeEntry>>, ApiError> {
    let who = caller(&tenant);
    let filter = f.filter(&who)?;
    let (params, limit) = list_params(&f.page())?;
    let items = time_entries::list(&tenant.db, &params, &filter, &who).await?;
    let items = with_names(&state, &tenant, items).await?;
    Ok(Json(Page::from_overfetch(items, limit, |e| {
        e.id.to_string()
    })))
}

/// `POST /api/time-entries`: a draft; `person_id` (someone else's time) needs `time.approve`.
pub async fn create(
    State(state): State<AppState>,
    tenant: Tenant,
    Json(req): Json<NewTimeEntry>,
) -> Result<(StatusCode, Json<TimeEntry>), ApiError> {
    let who = caller(&tenant);
    if let Some(person) = req.person().filter(|p| *p != who.person) {
        if !who.approve {
            return Err(ApiError::Forbidden);
        }
        check_member(&state, &tenant, person, "person_id").await?;
    }
    let entry = time_entries::create(&tenant.db, req, &who, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok((
        StatusCode::CREATED,
        Json(with_name(&state, &tenant, entry).await?),
    ))
}

/// `GET /api/time-entries/{id}`.
pub async fn get(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<Json<TimeEntry>, ApiError> {
    let entry = time_entries::get(&tenant.db, path_id(&id)?, &caller(&tenant)).await?;
    Ok(Json(with_name(&state, &tenant, entry).await?))
}

/// `PATCH /api/time-entries/{id}`.
pub async fn update(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Json(req): Json<TimeEntryPatch>,
) -> Result<Json<TimeEntry>, ApiError> {
    let entry = time_entries::update(
        &tenant.db,
        path_id(&id)?,
        req,
        &caller(&tenant),
        &tenant.origin(),
    )
    .await?;
    after_write(&state, &tenant).await;
    Ok(Json(with_name(&state, &tenant, entry).await?))
}

/// `DELETE /api/time-entries/{id}`.
pub async fn delete(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    time_entries::delete(
        &tenant.db,
        path_id(&id)?,
        &caller(&tenant),
        &tenant.origin(),
    )
    .await?;
    after_write(&state, &tenant).await;
    Ok(StatusCode::NO_CONTENT)
}

/// The entries a batch step changed.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Changed {
    /// The entries as they are now.
    pub entries: Vec<TimeEntry>,
}

/// `POST /api/time-entries/submit` `{ids}`: the caller's own drafts.
pub async fn submit(
    State(state): State<AppState>,
    tenant: Tenant,
    Json(req): Json<EntryIds>,
) -> Result<Json<Changed>, ApiError> {
    let entries = time_entries::submit(&tenant.db, req, &caller(&tenant), &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(Json(Changed {
        entries: with_names(&state, &tenant, entries).await?,
    }))
}

/// `POST /api/time-entries/approve` `{ids}`.
pub async fn approve(
    State(state): State<AppState>,
    tenant: Tenant,
    Json(req): Json<EntryIds>,
) -> Result<Json<Changed>, ApiError> {
    let entries =
        time_entries::approve(&tenant.db, req, &caller(&tenant), &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(Json(Changed {
        entries: with_names(&state, &tenant, entries).await?,
    }))
}

/// `POST /api/time-entries/reject` `{ids, reason?}`.
pub async fn reject(
    State(state): State<AppState>,
    tenant: Tenant,
    Json(req): Json<Rejection>,
) -> Result<Json<Changed>, ApiError> {
    let entries = time_entries::reject(&tenant.db, req, &caller(&tenant), &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(Json(Changed {
        entries: with_names(&state, &tenant, entries).await?,
    }))
}

/// `GET /api/timesheet` query.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct TimesheetQuery {
    /// Whose week (the caller's own when left out; others' need `time.read_all`).
    #[schemars(schema_with = "crate::pagination::uuid_or_empty")]
    person_id: Option<String>,
    /// Any date in the week (today when left out).
    #[schemars(schema_with = "crate::pagination::date_or_empty")]
    week: Option<String>,
}

/// `GET /api/timesheet?person_id=&week=`: one person's week, Monday first.
pub async fn timesheet(
    State(state): State<AppState>,
    tenant: Tenant,
    Query(q): Query<TimesheetQuery>,
) -> Result<Json<Timesheet>, ApiError> {
    let who = caller(&tenant);
    let person = id_filter("person_id", q.person_id.as_deref())?.unwrap_or(who.person);
    let day =
        date_filter("week", q.week.as_deref())?.unwrap_or_else(silo_contract::input::Date::today);
    let mut sheet = time_entries::timesheet(&tenant.db, person, day, &who).await?;
    let names = member_names(&state, &tenant).await?;
    named(&mut sheet.entries, &names);
    Ok(Json(sheet))
}

/// The caller's timer, or none.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct TimerState {
    /// The running timer; null when none runs.
    pub timer: Option<Timer>,
}

/// `GET /api/timer`: the caller's running timer.
pub async fn timer(tenant: Tenant) -> Result<Json<TimerState>, ApiError> {
    let timer = timers::get(&tenant.db, tenant.identity.id.as_uuid()).await?;
    Ok(Json(TimerState { timer }))
}

/// `POST /api/timer/start`: `409 timer_running` when one runs.
pub async fn start_timer(
    State(state): State<AppState>,
    tenant: Tenant,
    Json(req): Json<timers::StartTimer>,
) -> Result<(StatusCode, Json<Timer>), ApiError> {
    let t = timers::start(
        &tenant.db,
        tenant.identity.id.as_uuid(),
        req,
        &tenant.origin(),
    )
    .await?;
    after_write(&state, &tenant).await;
    Ok((StatusCode::CREATED, Json(t)))
}

/// `POST /api/timer/stop` with an optional `{work_date}`: the time becomes a draft entry.
pub async fn stop_timer(
    State(state): State<AppState>,
    tenant: Tenant,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<TimeEntry>), ApiError> {
    let req: StopTimer = crate::json::optional_object(body)?;
    let entry = timers::stop(
        &tenant.db,
        tenant.identity.id.as_uuid(),
        req,
        &tenant.origin(),
    )
    .await?;
    after_write(&state, &tenant).await;
    Ok((
        StatusCode::CREATED,
        Json(with_name(&state, &tenant, entry).await?),
    ))
}

/// `DELETE /api/timer`: throw the running timer away.
pub async fn discard_timer(
    State(state): State<AppState>,
    tenant: Tenant,
) -> Result<StatusCode, ApiError> {
    timers::discard(&tenant.db, tenant.identity.id.as_uuid(), &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/time-settings`.
pub async fn settings(tenant: Tenant) -> Result<Json<TimeSettings>, ApiError> {
    Ok(Json(time_settings::get(&tenant.db).await?))
}

/// `PATCH /api/time-settings`.
pub async fn update_settings(
    State(state): State<AppState>,
    tenant: Tenant,
    Json(req): Json<TimeSettingsPatch>,
) -> Result<Json<TimeSettings>, ApiError> {
    let s = time_settings::update(&tenant.db, req, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(Json(s))
}

/// `POST /api/invoices/from-time/preview`: what the draft would hold; writes nothing.
pub async fn preview_from_time(
    State(state): State<AppState>,
    tenant: Tenant,
    Json(req): Json<FromTime>,
) -> Result<Json<FromTimePreview>, ApiError> {
    let mut preview = time_invoicing::preview(&tenant.db, req).await?;
    let names = member_names(&state, &tenant).await?;
    named(&mut preview.entries, &names);
    Ok(Json(preview))
}

/// `POST /api/invoices/from-time`: the draft, with each entry linked to its line.
pub async fn invoice_from_time(
    State(state): State<AppState>,
    tenant: Tenant,
    Json(req): Json<FromTime>,
) -> Result<(StatusCode, Json<Invoice>), ApiError> {
    let invoice = time_invoicing::create(&tenant.db, req, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok((StatusCode::CREATED, Json(invoice)))
}
