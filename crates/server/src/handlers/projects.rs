//! `/api/projects`, `/api/services` and `/api/tasks`: projects per client with their members,
//! budgets and fixed-price or retainer invoices; the kinds of work; tasks with subtasks.

use crate::AppState;
use crate::audit::after_write;
use crate::binding::Tenant;
use crate::error::ApiError;
use crate::handlers::path_id;
use crate::json::Json;
use crate::pagination::{Page, Query, id_filter, list_params, list_query};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use silo_control::IdentityId;
use silo_domain::budgets::BudgetReport;
use silo_domain::input::no_such;
use silo_domain::invoices::Invoice;
use silo_domain::projects::{
    self, MemberRate, NewProject, Project, ProjectFilter, ProjectPatch, ProjectStatus,
};
use silo_domain::services::{self, NewService, Service, ServicePatch};
use silo_domain::tasks::{self, NewTask, Task, TaskFilter, TaskPatch, TaskStatus};
use silo_domain::time_invoicing::{self, ProjectInvoice};
use uuid::Uuid;

/// Refuses a person who is not a member of the company: a `422` on `field`, the same for an
/// identity of another company as for one that does not exist.
pub(crate) async fn check_member(
    state: &AppState,
    tenant: &Tenant,
    person: Uuid,
    field: &str,
) -> Result<(), ApiError> {
    let member = state
        .tenancy
        .control()
        .member(tenant.company.id, IdentityId::from_uuid(person))
        .await?;
    match member {
        Some(_) => Ok(()),
        None => Err(ApiError::invalid(field, no_such("member of the company"))),
    }
}

list_query! {
    /// `GET /api/projects` query.
    ProjectQuery {
        /// Only projects in this status.
        status: Option<ProjectStatus>,
        /// Only this client's projects.
        #[schemars(schema_with = "crate::pagination::uuid_or_empty")]
        account_id: Option<String>,
    }
}

list_query! {
    /// `GET /api/services` query.
    ServiceQuery {
        /// Include archived services.
        archived: Option<bool>,
    }
}

list_query! {
    /// `GET /api/tasks` query.
    TaskQuery {
        /// Only this project's tasks.
        #[schemars(schema_with = "crate::pagination::uuid_or_empty")]
        project_id: Option<String>,
        /// Only tasks in this status.
        status: Option<TaskStatus>,
        /// Only tasks assigned to this person.
        #[schemars(schema_with = "crate::pagination::uuid_or_empty")]
        assignee_id: Option<String>,
    }
}

/// `GET /api/services?archived=`.
pub async fn list_services(
    tenant: Tenant,
    Query(f): Query<ServiceQuery>,
) -> Result<Json<Page<Service>>, ApiError> {
    let (params, limit) = list_params(&f.page())?;
    let items = services::list(&tenant.db, &params, f.archived.unwrap_or(false)).await?;
    Ok(Json(Page::from_overfetch(items, limit, |s| {
        s.id.to_string()
    })))
}

/// `POST /api/services`.
pub async fn create_service(
    State(state): State<AppState>,
    tenant: Tenant,
    Json(req): Json<NewService>,
) -> Result<(StatusCode, Json<Service>), ApiError> {
    let s = services::create(&tenant.db, req, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok((StatusCode::CREATED, Json(s)))
}

/// `PATCH /api/services/{id}`.
pub async fn update_service(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Json(req): Json<ServicePatch>,
) -> Result<Json<Service>, ApiError> {
    let s = services::update(&tenant.db, path_id(&id)?, req, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(Json(s))
}

/// `GET /api/projects?status=&account_id=&q=`, each with its burn.
pub async fn list(
    tenant: Tenant,
    Query(f): Query<ProjectQuery>,
) -> Result<Json<Page<Project>>, ApiError> {
    let filter = ProjectFilter {
        status: f.status,
        account_id: id_filter("account_id", f.account_id.as_deref())?,
    };
    let (params, limit) = list_params(&f.page())?;
    let items = projects::list(&tenant.db, &params, filter).await?;
    Ok(Json(Page::from_overfetch(items, limit, |p| {
        p.id.to_string()
    })))
}

/// `POST /api/projects`.
pub async fn create(
    State(state): State<AppState>,
    tenant: Tenant,
    Json(req): Json<NewProject>,
) -> Result<(StatusCode, Json<Project>), ApiError> {
    let p = projects::create(&tenant.db, req, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok((StatusCode::CREATED, Json(p)))
}

/// `GET /api/projects/{id}`, with members and burn.
pub async fn get(tenant: Tenant, Path(id): Path<String>) -> Result<Json<Project>, ApiError> {
    Ok(Json(projects::get(&tenant.db, path_id(&id)?).await?))
}

/// `PATCH /api/projects/{id}`.
pub async fn update(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Json(req): Json<ProjectPatch>,
) -> Result<Json<Project>, ApiError> {
    let p = projects::update(&tenant.db, path_id(&id)?, req, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(Json(p))
}

/// `DELETE /api/projects/{id}`: only without time or invoices (`409 has_time`).
pub async fn delete(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    projects::delete(&tenant.db, path_id(&id)?, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /api/projects/{id}/members/{person_id}` `{hourly_rate_cents?}`.
pub async fn set_member(
    State(state): State<AppState>,
    tenant: Tenant,
    Path((id, person)): Path<(String, String)>,
    Json(req): Json<MemberRate>,
) -> Result<Json<Project>, ApiError> {
    let (id, person) = (path_id(&id)?, path_id(&person)?);
    check_member(&state, &tenant, person, "person_id").await?;
    let p = projects::set_member(&tenant.db, id, person, req, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(Json(p))
}

/// `DELETE /api/projects/{id}/members/{person_id}`.
pub async fn remove_member(
    State(state): State<AppState>,
    tenant: Tenant,
    Path((id, person)): Path<(String, String)>,
) -> Result<Json<Project>, ApiError> {
    let p = projects::remove_member(
        &tenant.db,
        path_id(&id)?,
        path_id(&person)?,
        &tenant.origin(),
    )
    .await?;
    after_write(&state, &tenant).await;
    Ok(Json(p))
}

/// `GET /api/projects/{id}/budget`: burn now and per month.
pub async fn budget(
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<Json<BudgetReport>, ApiError> {
    Ok(Json(projects::budget(&tenant.db, path_id(&id)?).await?))
}

/// `POST /api/projects/{id}/invoice`: a fixed price (or part) or a retainer month, as a draft.
pub async fn invoice(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Json(req): Json<ProjectInvoice>,
) -> Result<(StatusCode, Json<Invoice>), ApiError> {
    let inv =
        time_invoicing::invoice_project(&tenant.db, path_id(&id)?, req, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok((StatusCode::CREATED, Json(inv)))
}

/// `GET /api/tasks?project_id=&status=&assignee_id=&q=`.
pub async fn list_tasks(
    tenant: Tenant,
    Query(f): Query<TaskQuery>,
) -> Result<Json<Page<Task>>, ApiError> {
    let filter = TaskFilter {
        project_id: id_filter("project_id", f.project_id.as_deref())?,
        status: f.status,
        assignee_id: id_filter("assignee_id", f.assignee_id.as_deref())?,
    };
    let (params, limit) = list_params(&f.page())?;
    let items = tasks::list(&tenant.db, &params, filter).await?;
    Ok(Json(Page::from_overfetch(items, limit, |t| {
        t.id.to_string()
    })))
}

/// `POST /api/tasks`.
pub async fn create_task(
    State(state): State<AppState>,
    tenant: Tenant,
    Json(req): Json<NewTask>,
) -> Result<(StatusCode, Json<Task>), ApiError> {
    if let Some(person) = req.assignee() {
        check_member(&state, &tenant, person, "assignee_id").await?;
    }
    let t = tasks::create(&tenant.db, req, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok((StatusCode::CREATED, Json(t)))
}

/// `GET /api/tasks/{id}`.
pub async fn get_task(tenant: Tenant, Path(id): Path<String>) -> Result<Json<Task>, ApiError> {
    Ok(Json(tasks::get(&tenant.db, path_id(&id)?).await?))
}

/// `PATCH /api/tasks/{id}`.
pub async fn update_task(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Json(req): Json<TaskPatch>,
) -> Result<Json<Task>, ApiError> {
    if let Some(person) = req.assignee() {
        check_member(&state, &tenant, person, "assignee_id").await?;
    }
    let t = tasks::update(&tenant.db, path_id(&id)?, req, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(Json(t))
}

/// `DELETE /api/tasks/{id}`: with its subtasks; not when time is logged on them.
pub async fn delete_task(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    tasks::delete(&tenant.db, path_id(&id)?, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(StatusCode::NO_CONTENT)
}
