//! The client's side of working with the agency in the portal: projects, shared files,
//! approvals and conversations. Every handler calls the scoped functions of
//! `silo_domain::portal`; a record of another client answers exactly as a missing one.

use crate::AppState;
use crate::audit::after_portal_write;
use crate::binding::PortalCaller;
use crate::error::ApiError;
use crate::handlers::collab::{attachment, upload_bytes};
use crate::handlers::path_id;
use crate::json::Json;
use crate::pagination::{Query, id_filter};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use schemars::JsonSchema;
use serde::Deserialize;
use silo_control::{Email, IdentityId};
use silo_domain::messages::Thread;
use silo_domain::portal::approvals::{self, DecisionRequest, PortalApproval};
use silo_domain::portal::files::{self, PortalFile};
use silo_domain::portal::messages::{self, PortalMessage, PortalNewMessage, PortalThread};
use silo_domain::portal::projects::{self, PortalProject, PortalProjectDetail};

/// `GET /api/portal/projects`: the client's projects.
pub async fn list_projects(caller: PortalCaller) -> Result<Json<Vec<PortalProject>>, ApiError> {
    Ok(Json(projects::list(&caller.portal).await?))
}

/// `GET /api/portal/projects/{id}`: one project with its client-visible tasks (and approved
/// time and budget when the agency shows them).
pub async fn get_project(
    caller: PortalCaller,
    Path(id): Path<String>,
) -> Result<Json<PortalProjectDetail>, ApiError> {
    Ok(Json(projects::get(&caller.portal, path_id(&id)?).await?))
}

/// `GET /api/portal/files` query.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PortalFileQuery {
    /// Only this project's files.
    #[schemars(schema_with = "crate::pagination::uuid_or_empty")]
    project_id: Option<String>,
}

/// `POST /api/portal/files` query.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PortalFileUpload {
    /// The file's name (cleaned; its extension follows the type read from the bytes).
    name: Option<String>,
    /// One of your projects.
    #[schemars(schema_with = "crate::pagination::uuid_or_empty")]
    project_id: Option<String>,
}

/// `GET /api/portal/files?project_id=`: the client's shared files, newest first.
pub async fn list_files(
    caller: PortalCaller,
    Query(q): Query<PortalFileQuery>,
) -> Result<Json<Vec<PortalFile>>, ApiError> {
    let project = id_filter("project_id", q.project_id.as_deref())?;
    Ok(Json(files::list(&caller.portal, project).await?))
}

/// `POST /api/portal/files?name=&project_id=`: the body is the file.
pub async fn upload_file(
    State(state): State<AppState>,
    caller: PortalCaller,
    Query(q): Query<PortalFileUpload>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<PortalFile>), ApiError> {
    let bytes = upload_bytes(body)?;
    let project = id_filter("project_id", q.project_id.as_deref())?;
    let file = files::upload(
        &caller.portal,
        project,
        q.name.as_deref(),
        bytes,
        &caller.request(),
    )
    .await?;
    after_portal_write(&state, &caller).await;
    Ok((StatusCode::CREATED, Json(file)))
}

/// `GET /api/portal/files/{id}`: one of the client's files as a download.
pub async fn download_file(
    caller: PortalCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(attachment(
        files::download(&caller.portal, path_id(&id)?).await?,
    ))
}

/// `GET /api/portal/approvals`: the client's approval requests, newest first.
pub async fn list_approvals(caller: PortalCaller) -> Result<Json<Vec<PortalApproval>>, ApiError> {
    Ok(Json(approvals::list(&caller.portal).await?))
}

/// `GET /api/portal/approvals/{id}`.
pub async fn get_approval(
    caller: PortalCaller,
    Path(id): Path<String>,
) -> Result<Json<PortalApproval>, ApiError> {
    Ok(Json(approvals::get(&caller.portal, path_id(&id)?).await?))
}

/// `GET /api/portal/approvals/{id}/file`: the file to approve, as a download (with the
/// approvals part alone).
pub async fn approval_file(
    caller: PortalCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(attachment(
        approvals::file(&caller.portal, path_id(&id)?).await?,
    ))
}

/// `POST /api/portal/approvals/{id}/decide`: approve, or ask for changes with a comment.
pub async fn decide_approval(
    State(state): State<AppState>,
    caller: PortalCaller,
    Path(id): Path<String>,
    Json(req): Json<DecisionRequest>,
) -> Result<Json<PortalApproval>, ApiError> {
    let a = approvals::decide(&caller.portal, path_id(&id)?, req, &caller.request()).await?;
    after_portal_write(&state, &caller).await;
    Ok(Json(a))
}

/// `GET /api/portal/threads`: the client's conversations.
pub async fn list_threads(caller: PortalCaller) -> Result<Json<Vec<PortalThread>>, ApiError> {
    Ok(Json(messages::list_threads(&caller.portal).await?))
}

/// The agency's people as the client sees them: their names (the agency's name for one that is
/// gone or has none).
async fn name_agency(
    state: &AppState,
    caller: &PortalCaller,
    list: &mut [PortalMessage],
) -> Result<(), ApiError> {
    let mut names = std::collections::BTreeMap::new();
    for m in list.iter_mut() {
        let Some(staff) = m.staff_author_id else {
            continue;
        };
        if let std::collections::btree_map::Entry::Vacant(slot) = names.entry(staff) {
            let name = state
                .tenancy
                .control()
                .identity(IdentityId::from_uuid(staff))
                .await?
                .map(|i| i.name)
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| caller.company.name.clone());
            slot.insert(name);
        }
        m.author_name = names.get(&staff).cloned();
    }
    Ok(())
}

/// `GET /api/portal/threads/{id}/messages`: the conversation's messages (never internal
/// notes), oldest first.
pub async fn thread_messages(
    State(state): State<AppState>,
    caller: PortalCaller,
    Path(id): Path<String>,
) -> Result<Json<Vec<PortalMessage>>, ApiError> {
    let mut list = messages::messages(&caller.portal, path_id(&id)?).await?;
    name_agency(&state, &caller, &mut list).await?;
    Ok(Json(list))
}

/// Mails the agency about a client's message: the company's invoicing address when set, else
/// the staff who wrote in the conversation. A mail that cannot be queued is logged: the
/// message has committed.
async fn notify_agency(state: &AppState, caller: &PortalCaller, thread: &Thread, author: &str) {
    let sent: Result<(), ApiError> = async {
        let db = caller.portal.outbox_db();
        let invoicing = silo_domain::invoicing::get(db).await?;
        let mut to: Vec<Email> = Vec::new();
        if let Some(email) = invoicing.email.filter(|e| !e.trim().is_empty()) {
            to.push(Email::from_stored(email));
        } else {
            for staff in silo_domain::messages::staff_authors(db, thread.id).await? {
                let identity = state
                    .tenancy
                    .control()
                    .identity(IdentityId::from_uuid(staff))
                    .await?;
                if let Some(i) = identity {
                    to.push(i.email);
                }
            }
        }
        let client = caller.portal.scope().account_name();
        for address in &to {
            state
                .notifier()
                .client_message(address, client, author, &thread.subject, thread.account_id)
                .await?;
        }
        Ok(())
    }
    .await;
    if let Err(e) = sent {
        tracing::warn!(company = %caller.company.id, thread = %thread.id, error = %e, "agency notification not sent");
    }
}

/// `POST /api/portal/threads/{id}/messages`: reply in a conversation; the agency is mailed.
pub async fn post_message(
    State(state): State<AppState>,
    caller: PortalCaller,
    Path(id): Path<String>,
    Json(req): Json<PortalNewMessage>,
) -> Result<(StatusCode, Json<PortalMessage>), ApiError> {
    let (thread, message) =
        messages::post(&caller.portal, path_id(&id)?, req, &caller.request()).await?;
    after_portal_write(&state, &caller).await;
    let author = message.author_name.clone().unwrap_or_default();
    notify_agency(&state, &caller, &thread, &author).await;
    Ok((StatusCode::CREATED, Json(message)))
}
