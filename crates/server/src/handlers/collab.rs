//! The agency's side of working with a client through the portal: shared files
//! (`/api/files`), approval requests (`/api/approvals`) and conversations (`/api/threads`).
//! Messages and approval requests mail the client's portal users a fresh sign-in link.

use crate::AppState;
use crate::audit::after_write;
use crate::binding::Tenant;
use crate::error::ApiError;
use crate::handlers::path_id;
use crate::json::Json;
use crate::notify;
use crate::pagination::{Query, id_filter};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use schemars::JsonSchema;
use serde::Deserialize;
use silo_auth::Purpose;
use silo_control::{Company, Email, IdentityId};
use silo_domain::approvals::{self, Approval, NewApproval};
use silo_domain::files::{self, Download, SharedFile};
use silo_domain::messages::{self, Message, NewMessage, NewThread, Thread};
use silo_domain::portal::{Part, PortalUser, sign_in};
use silo_store::TenantDb;
use std::collections::BTreeMap;
use uuid::Uuid;

/// `GET /api/files` query.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct FileQuery {
    /// Only this client's files.
    #[schemars(schema_with = "crate::pagination::uuid_or_empty")]
    account_id: Option<String>,
    /// Only this project's files.
    #[schemars(schema_with = "crate::pagination::uuid_or_empty")]
    project_id: Option<String>,
}

/// `POST /api/files` query: the client (required), a project of theirs, and the file's name.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct FileUpload {
    /// The client the file is shared with.
    #[schemars(schema_with = "crate::pagination::required_uuid")]
    account_id: Option<String>,
    /// One of the client's projects.
    #[schemars(schema_with = "crate::pagination::uuid_or_empty")]
    project_id: Option<String>,
    /// The file's name (cleaned; its extension follows the type read from the bytes).
    name: Option<String>,
}

/// The raw body of an upload, or `payload_too_large` beyond the route's limit.
pub(crate) fn upload_bytes(body: Result<Bytes, BytesRejection>) -> Result<Vec<u8>, ApiError> {
    body.map(|b| b.to_vec()).map_err(|r| match r.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
        _ => ApiError::BadRequest(r.body_text()),
    })
}

/// `Content-Disposition` for a download: always an attachment, with an ASCII name and the
/// exact one (RFC 6266 / 8187).
fn disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// A stored file as a download: never shown inline, never sniffed into another type.
pub(crate) fn attachment(d: Download) -> Response {
    let media = if d.content_type.starts_with("text/") {
        format!("{}; charset=utf-8", d.content_type)
    } else {
        d.content_type.clone()
    };
    let media = HeaderValue::from_str(&media)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    let disposition = HeaderValue::from_str(&disposition(&d.name))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    (
        [
            (header::CONTENT_TYPE, media),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            ),
        ],
        d.bytes,
    )
        .into_response()
}

/// `GET /api/files?account_id=&project_id=`: live shared files, newest first.
pub async fn list_files(
    tenant: Tenant,
    Query(q): Query<FileQuery>,
) -> Result<Json<Vec<SharedFile>>, ApiError> {
    let account = id_filter("account_id", q.account_id.as_deref())?;
    let project = id_filter("project_id", q.project_id.as_deref())?;
    Ok(Json(files::list(&tenant.db, account, project).await?))
}

/// `POST /api/files?account_id=&project_id=&name=`: the body is the file.
pub async fn upload_file(
    State(state): State<AppState>,
    tenant: Tenant,
    Query(q): Query<FileUpload>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<SharedFile>), ApiError> {
    let bytes = upload_bytes(body)?;
    let account = id_filter("account_id", q.account_id.as_deref())?.ok_or_else(|| {
        ApiError::invalid(
            "account_id",
            silo_contract::Problem::new(silo_contract::ProblemCode::Required),
        )
    })?;
    let project = id_filter("project_id", q.project_id.as_deref())?;
    let file = files::upload(
        &tenant.db,
        account,
        project,
        q.name.as_deref(),
        bytes,
        tenant.identity.id.as_uuid(),
        &tenant.origin(),
    )
    .await?;
    after_write(&state, &tenant).await;
    Ok((StatusCode::CREATED, Json(file)))
}

/// `GET /api/files/{id}`: the file as a download.
pub async fn download_file(tenant: Tenant, Path(id): Path<String>) -> Result<Response, ApiError> {
    Ok(attachment(
        files::download(&tenant.db, path_id(&id)?).await?,
    ))
}

/// `DELETE /api/files/{id}`: the record stays, the bytes go.
pub async fn delete_file(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    files::delete(&tenant.db, path_id(&id)?, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(StatusCode::NO_CONTENT)
}

/// What a portal user is told about.
#[derive(Clone, Copy, Debug)]
enum Notice<'a> {
    /// A message in the conversation with this subject.
    Message(&'a str),
    /// An approval request with this title.
    Approval(&'a str),
}

/// Mails each of `users` a fresh single-use sign-in link with the notice. A mail that cannot be
/// queued is logged, not answered: the write it announces has committed.
async fn notify_portal_users(
    state: &AppState,
    company: &Company,
    db: &TenantDb,
    users: &[PortalUser],
    notice: Notice<'_>,
) {
    for user in users {
        let sent = async {
            let link = Uuid::new_v4();
            let token = state.entry.issue(
                Purpose::PortalLogin,
                company.id.as_uuid(),
                link,
                sign_in::LOGIN_LINK_TTL,
            )?;
            sign_in::create_login_link(db, link, user.id, &token.secret_hash).await?;
            let to = Email::from_stored(user.email.clone());
            let lang = notify::lang_of(user.language);
            let notifier = state.notifier();
            match notice {
                Notice::Message(subject) => {
                    notifier
                        .portal_message(lang, &to, &company.name, subject, &token.token)
                        .await
                }
                Notice::Approval(title) => {
                    notifier
                        .approval_requested(lang, &to, &company.name, title, &token.token)
                        .await
                }
            }
        }
        .await;
        if let Err(e) = sent {
            tracing::warn!(company = %company.id, portal_user = %user.id, error = %e, "portal notification not sent");
        }
    }
}

/// `GET /api/approvals` query.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ApprovalQuery {
    /// Only this client's requests.
    #[schemars(schema_with = "crate::pagination::uuid_or_empty")]
    account_id: Option<String>,
}

/// `GET /api/approvals?account_id=`: approval requests, newest first.
pub async fn list_approvals(
    tenant: Tenant,
    Query(q): Query<ApprovalQuery>,
) -> Result<Json<Vec<Approval>>, ApiError> {
    let account = id_filter("account_id", q.account_id.as_deref())?;
    Ok(Json(approvals::list(&tenant.db, account).await?))
}

/// `POST /api/approvals`: ask the client to approve a note or a file; their portal users who
/// reach approvals get a mail.
pub async fn request_approval(
    State(state): State<AppState>,
    tenant: Tenant,
    Json(req): Json<NewApproval>,
) -> Result<(StatusCode, Json<Approval>), ApiError> {
    let a = approvals::request(
        &tenant.db,
        req,
        tenant.identity.id.as_uuid(),
        &tenant.origin(),
    )
    .await?;
    after_write(&state, &tenant).await;
    let users = messages::reaching(&tenant.db, a.account_id, Part::Approvals).await?;
    notify_portal_users(
        &state,
        &tenant.company,
        &tenant.db,
        &users,
        Notice::Approval(&a.title),
    )
    .await;
    Ok((StatusCode::CREATED, Json(a)))
}

/// `GET /api/approvals/{id}`.
pub async fn get_approval(
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<Json<Approval>, ApiError> {
    Ok(Json(approvals::get(&tenant.db, path_id(&id)?).await?))
}

/// `POST /api/approvals/{id}/withdraw`: only a pending one.
pub async fn withdraw_approval(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<Json<Approval>, ApiError> {
    let a = approvals::withdraw(&tenant.db, path_id(&id)?, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(Json(a))
}

/// `GET /api/threads` query.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ThreadQuery {
    /// Only this client's conversations.
    #[schemars(schema_with = "crate::pagination::uuid_or_empty")]
    account_id: Option<String>,
    /// Only this project's conversations.
    #[schemars(schema_with = "crate::pagination::uuid_or_empty")]
    project_id: Option<String>,
}

/// `GET /api/threads?account_id=&project_id=`: latest activity first.
pub async fn list_threads(
    tenant: Tenant,
    Query(q): Query<ThreadQuery>,
) -> Result<Json<Vec<Thread>>, ApiError> {
    let account = id_filter("account_id", q.account_id.as_deref())?;
    let project = id_filter("project_id", q.project_id.as_deref())?;
    Ok(Json(
        messages::list_threads(&tenant.db, account, project).await?,
    ))
}

/// Staff names for the messages' authors (an identity that is gone keeps no name).
async fn name_staff(state: &AppState, messages: &mut [Message]) -> Result<(), ApiError> {
    let mut names: BTreeMap<Uuid, Option<String>> = BTreeMap::new();
    for m in messages.iter_mut() {
        let Some(staff) = m.staff_author_id else {
            continue;
        };
        if let std::collections::btree_map::Entry::Vacant(slot) = names.entry(staff) {
            let identity = state
                .tenancy
                .control()
                .identity(IdentityId::from_uuid(staff))
                .await?;
            slot.insert(identity.map(|i| {
                if i.name.trim().is_empty() {
                    i.email.as_str().to_owned()
                } else {
                    i.name
                }
            }));
        }
        m.author_name = names.get(&staff).cloned().flatten();
    }
    Ok(())
}

/// `POST /api/threads`: start a conversation (with a first message, which the client's portal
/// users who reach messages are mailed about).
pub async fn create_thread(
    State(state): State<AppState>,
    tenant: Tenant,
    Json(req): Json<NewThread>,
) -> Result<(StatusCode, Json<Thread>), ApiError> {
    let (thread, first) = messages::create_thread(
        &tenant.db,
        req,
        tenant.identity.id.as_uuid(),
        &tenant.origin(),
    )
    .await?;
    after_write(&state, &tenant).await;
    if first.is_some() {
        let users = messages::reaching(&tenant.db, thread.account_id, Part::Messages).await?;
        notify_portal_users(
            &state,
            &tenant.company,
            &tenant.db,
            &users,
            Notice::Message(&thread.subject),
        )
        .await;
    }
    Ok((StatusCode::CREATED, Json(thread)))
}

/// `GET /api/threads/{id}/messages`: every message, internal notes included, oldest first.
pub async fn thread_messages(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<Json<Vec<Message>>, ApiError> {
    let mut list = messages::messages(&tenant.db, path_id(&id)?).await?;
    name_staff(&state, &mut list).await?;
    Ok(Json(list))
}

/// `POST /api/threads/{id}/messages`: write to the client (their portal users who reach
/// messages are mailed a sign-in link) or add an internal note (no one is mailed).
pub async fn post_message(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Json(req): Json<NewMessage>,
) -> Result<(StatusCode, Json<Message>), ApiError> {
    let (thread, message) = messages::post(
        &tenant.db,
        path_id(&id)?,
        req,
        tenant.identity.id.as_uuid(),
        &tenant.origin(),
    )
    .await?;
    after_write(&state, &tenant).await;
    if !message.internal {
        let users = messages::reaching(&tenant.db, thread.account_id, Part::Messages).await?;
        notify_portal_users(
            &state,
            &tenant.company,
            &tenant.db,
            &users,
            Notice::Message(&thread.subject),
        )
        .await;
    }
    let mut one = [message];
    name_staff(&state, &mut one).await?;
    let [message] = one;
    Ok((StatusCode::CREATED, Json(message)))
}
