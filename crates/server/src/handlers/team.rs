//! `/api/capacity`, `/api/time-off`, the utilisation and project reports, the time-entry CSV
//! and a client's timesheet PDF.
//!
//! The route table grants each route one permission (`time.log` for what everyone may do for
//! themselves); what depends on whose row it is, or on seeing cost rates, is decided here from
//! the caller's role: `time.read_all` sees everyone's, `time.approve` writes for anyone,
//! `rates.read_cost` sees (and sets) cost rates, cost and margin.

use crate::AppState;
use crate::audit::after_write;
use crate::binding::Tenant;
use crate::error::ApiError;
use crate::handlers::path_id;
use crate::handlers::reports::{csv_answer, decimal, header_row};
use crate::handlers::timeline::member_names;
use crate::json::Json;
use crate::pagination::{Query, date_filter, id_filter};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use silo_contract::{Problem, ProblemCode};
use silo_domain::team::{self, Capacity, NewCapacity, NewTimeOff, TimeOff, TimeOffQuery};
use silo_domain::time_entries::{TimeEntryFilter, TimeEntryStatus};
use silo_domain::time_exports::{self, TimesheetQuery};
use silo_domain::utilisation::{
    self, ProjectsReport, ProjectsReportQuery, Utilisation, UtilisationQuery,
};
use silo_roles::Permission;
use std::collections::HashMap;
use uuid::Uuid;

/// The caller's identity id, as people are named in time data.
fn me(tenant: &Tenant) -> Uuid {
    tenant.identity.id.as_uuid()
}

/// The one person a caller may see when their role does not grant `time.read_all`: their own
/// rows. Asking for someone else's is refused; `None` means everyone may be seen.
fn own_only(tenant: &Tenant, asked: Option<Uuid>) -> Result<Option<Uuid>, ApiError> {
    if tenant.role.can(Permission::TimeReadAll) {
        return Ok(None);
    }
    match asked {
        Some(other) if other != me(tenant) => Err(ApiError::Forbidden),
        _ => Ok(Some(me(tenant))),
    }
}

/// A `person_id` sent in a body must be one of the company's members.
async fn check_member(
    state: &AppState,
    tenant: &Tenant,
    person: Option<Uuid>,
) -> Result<(), ApiError> {
    if let Some(person) = person
        && person != me(tenant)
        && !member_names(state, tenant).await?.contains_key(&person)
    {
        return Err(ApiError::invalid(
            "person_id",
            Problem::new(ProblemCode::UnknownReference).worded("no such member"),
        ));
    }
    Ok(())
}

/// `GET /api/capacity` query.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CapacityQuery {
    /// Only this person's rows (callers who may not see everyone's get their own).
    #[schemars(schema_with = "crate::pagination::uuid_or_empty")]
    person_id: Option<String>,
}

/// The capacity answer: rows per person, oldest first.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CapacityList {
    /// The rows.
    pub items: Vec<Capacity>,
}

/// `GET /api/capacity?person_id=`: cost rates are null without `rates.read_cost`.
pub async fn list_capacity(
    tenant: Tenant,
    Query(q): Query<CapacityQuery>,
) -> Result<Json<CapacityList>, ApiError> {
    let asked = crate::pagination::id_filter("person_id", q.person_id.as_deref())?;
    let person = own_only(&tenant, asked)?.or(asked);
    let mut items = team::list_capacity(&tenant.db, person).await?;
    if !tenant.role.can(Permission::RatesReadCost) {
        for row in &mut items {
            row.cost_rate_cents = None;
        }
    }
    Ok(Json(CapacityList { items }))
}

/// `POST /api/capacity`: a new row of a member's capacity history (`time.approve`); only
/// callers who may see cost rates may set one.
pub async fn record_capacity(
    State(state): State<AppState>,
    tenant: Tenant,
    Json(req): Json<NewCapacity>,
) -> Result<(StatusCode, Json<Capacity>), ApiError> {
    if req.sets_cost_rate() && !tenant.role.can(Permission::RatesReadCost) {
        return Err(ApiError::Forbidden);
    }
    check_member(&state, &tenant, req.person()).await?;
    let mut row = team::record_capacity(&tenant.db, req, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    if !tenant.role.can(Permission::RatesReadCost) {
        row.cost_rate_cents = None;
    }
    Ok((StatusCode::CREATED, Json(row)))
}

/// The time-off answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TimeOffList {
    /// Oldest first.
    pub items: Vec<TimeOff>,
}

/// `GET /api/time-off?person_id=&from=&to=`: one's own, or anyone's with `time.read_all`.
pub async fn list_time_off(
    tenant: Tenant,
    Query(q): Query<TimeOffQuery>,
) -> Result<Json<TimeOffList>, ApiError> {
    let only = own_only(&tenant, q.person())?;
    let mut q = q;
    if let Some(person) = only {
        q.person_id = silo_domain::input::Optional::new(Some(person.to_string()));
    }
    Ok(Json(TimeOffList {
        items: team::list_time_off(&tenant.db, &q).await?,
    }))
}

/// `POST /api/time-off`: one's own (`person_id` left out or one's own), or any member's with
/// `time.approve`.
pub async fn create_time_off(
    State(state): State<AppState>,
    tenant: Tenant,
    Json(req): Json<NewTimeOff>,
) -> Result<(StatusCode, Json<TimeOff>), ApiError> {
    let person = req.person();
    if person.is_some_and(|p| p != me(&tenant)) && !tenant.role.can(Permission::TimeApprove) {
        return Err(ApiError::Forbidden);
    }
    check_member(&state, &tenant, person).await?;
    let off = team::create_time_off(&tenant.db, req, me(&tenant), &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok((StatusCode::CREATED, Json(off)))
}

/// `DELETE /api/time-off/{id}`: one's own, or anyone's with `time.approve`.
pub async fn delete_time_off(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let caller = me(&tenant);
    let approver = tenant.role.can(Permission::TimeApprove);
    team::delete_time_off(
        &tenant.db,
        path_id(&id)?,
        |off| approver || off.person_id == caller,
        &tenant.origin(),
    )
    .await?;
    after_write(&state, &tenant).await;
    Ok(StatusCode::NO_CONTENT)
}

/// The utilisation report with people's names; one's own row only without `time.read_all`.
async fn utilisation_of(
    state: &AppState,
    tenant: &Tenant,
    q: &UtilisationQuery,
) -> Result<Utilisation, ApiError> {
    let only = own_only(tenant, q.person())?;
    let mut report = utilisation::utilisation(&tenant.db, q, only).await?;
    let names = member_names(state, tenant).await?;
    for person in &mut report.people {
        person.name = names.get(&person.person_id).cloned();
    }
    Ok(report)
}

/// `GET /api/reports/utilisation?from=&to=&person_id=`.
pub async fn utilisation(
    State(state): State<AppState>,
    tenant: Tenant,
    Query(q): Query<UtilisationQuery>,
) -> Result<Json<Utilisation>, ApiError> {
    Ok(Json(utilisation_of(&state, &tenant, &q).await?))
}

/// Basis points as a percentage with two places (`8250` is `82.50`).
fn percent(bp: i64) -> String {
    decimal(bp)
}

/// Minutes as decimal hours with two places (`90` is `1.50`).
fn hours(minutes: i64) -> String {
    // Hundredths of an hour, rounded half away from zero.
    let hundredths = (minutes.saturating_mul(100) + 30 * minutes.signum()) / 60;
    decimal(hundredths)
}

/// `GET /api/reports/utilisation/csv?from=&to=&person_id=`: one row per person, hours with two
/// decimals, shares as percentages.
pub async fn utilisation_csv(
    State(state): State<AppState>,
    tenant: Tenant,
    Query(q): Query<UtilisationQuery>,
) -> Result<Response, ApiError> {
    let report = utilisation_of(&state, &tenant, &q).await?;
    let mut rows = vec![header_row(&[
        "person_id",
        "name",
        "capacity_hours",
        "time_off_hours",
        "available_hours",
        "worked_hours",
        "billable_hours",
        "billable_utilisation_percent",
        "target_percent",
        "attainment_percent",
    ])];
    for p in report.people {
        rows.push(vec![
            p.person_id.to_string(),
            p.name.unwrap_or_default(),
            hours(p.capacity_minutes),
            hours(p.time_off_minutes),
            hours(p.available_minutes),
            hours(p.worked_minutes),
            hours(p.billable_minutes),
            percent(p.billable_utilisation_bp),
            percent(p.target_bp),
            percent(p.attainment_bp),
        ]);
    }
    csv_answer("utilisation", rows)
}

/// `GET /api/reports/projects?from=&to=&account_id=`: cost and margin are null without
/// `rates.read_cost`.
pub async fn projects(
    tenant: Tenant,
    Query(q): Query<ProjectsReportQuery>,
) -> Result<Json<ProjectsReport>, ApiError> {
    let with_cost = tenant.role.can(Permission::RatesReadCost);
    Ok(Json(
        utilisation::projects(&tenant.db, &q, with_cost).await?,
    ))
}

/// `GET /api/time-entries/csv` query: the entries list's filters.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct TimeEntryCsvQuery {
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

/// `GET /api/time-entries/csv?...`: the entries the list would show (one's own without
/// `time.read_all`; asking for someone else's is `403`), all of them rather than a page; the
/// cost rate column only with `rates.read_cost`.
pub async fn time_entries_csv(
    State(state): State<AppState>,
    tenant: Tenant,
    Query(q): Query<TimeEntryCsvQuery>,
) -> Result<Response, ApiError> {
    let who = crate::handlers::time::caller(&tenant);
    let person_id = id_filter("person_id", q.person_id.as_deref())?;
    if person_id.is_some_and(|p| p != who.person) && !(who.read_all || who.approve) {
        return Err(ApiError::Forbidden);
    }
    let filter = TimeEntryFilter {
        person_id,
        project_id: id_filter("project_id", q.project_id.as_deref())?,
        account_id: id_filter("account_id", q.account_id.as_deref())?,
        status: q.status,
        from: date_filter("from", q.from.as_deref())?,
        to: date_filter("to", q.to.as_deref())?,
        invoice_id: id_filter("invoice_id", q.invoice_id.as_deref())?,
    };
    let entries = time_exports::entries(&tenant.db, &filter, &who).await?;
    let names = member_names(&state, &tenant).await?;
    let with_cost = who.read_cost;
    let mut head = vec![
        "id",
        "date",
        "person_id",
        "person",
        "account",
        "project",
        "task",
        "service",
        "description",
        "hours",
        "billable",
        "billable_hours",
        "status",
        "rate",
        "amount",
    ];
    if with_cost {
        head.push("cost_rate");
    }
    let mut rows = vec![header_row(&head)];
    for e in entries {
        let amount = (e.billable_minutes.saturating_mul(e.rate_cents) + 30) / 60;
        let mut row = vec![
            e.id.to_string(),
            e.work_date,
            e.person_id.to_string(),
            names.get(&e.person_id).cloned().unwrap_or_default(),
            e.account,
            e.project,
            e.task.unwrap_or_default(),
            e.service.unwrap_or_default(),
            e.description.unwrap_or_default(),
            hours(e.minutes),
            if e.billable { "yes" } else { "no" }.to_owned(),
            hours(e.billable_minutes),
            e.status,
            decimal(e.rate_cents),
            decimal(amount),
        ];
        if with_cost {
            row.push(decimal(e.cost_rate_cents));
        }
        rows.push(row);
    }
    csv_answer("time-entries", rows)
}

/// `GET /api/accounts/{id}/timesheet?from=&to=`: the client's approved billable time in the
/// period as a PDF, in the client's language.
pub async fn account_timesheet(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Query(q): Query<TimesheetQuery>,
) -> Result<Response, ApiError> {
    let sheet = time_exports::account_timesheet(&tenant.db, path_id(&id)?, &q).await?;
    let names: HashMap<Uuid, String> = member_names(&state, &tenant).await?;
    let invoicing = silo_domain::invoicing::get(&tenant.db).await?;
    let seller = invoicing
        .legal_name
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| tenant.company.name.clone());
    let doc = time_exports::timesheet_document(&sheet, &names, seller);
    let bytes = silo_documents::timesheet_pdf(&doc)
        .map_err(|e| ApiError::Internal(format!("timesheet pdf: {e}")))?;
    Ok(super::contracts::pdf_download(
        &format!("timesheet-{}-{}.pdf", sheet.from, sheet.to),
        bytes,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_have_two_decimals() {
        assert_eq!(hours(90), "1.50");
        assert_eq!(hours(20), "0.33");
        assert_eq!(hours(50), "0.83");
        assert_eq!(hours(0), "0.00");
        assert_eq!(hours(-90), "-1.50");
    }
}
