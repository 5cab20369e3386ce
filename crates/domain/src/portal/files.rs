//! Files in the portal: the client's shared files (from the agency and from its own people),
//! uploads by portal users, and downloads. Every query is limited to the caller's client: a
//! file or project of another client is answered exactly as a missing one.

use super::{Part, PortalDb, RequestOrigin};
use crate::error::{DomainError, DomainResult};
use crate::files::{self, Download, Uploader};
use schemars::JsonSchema;
use serde::Serialize;
use silo_store::{Timestamp, params};
use uuid::Uuid;

/// A shared file as the client sees it.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct PortalFile {
    /// Id.
    pub id: Uuid,
    /// The project it belongs to, if any.
    pub project_id: Option<Uuid>,
    /// The file name.
    pub name: String,
    /// Its type.
    pub content_type: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// SHA-256 of the bytes (hex).
    pub sha256: String,
    /// True when the agency shared it, false when someone of the client uploaded it.
    pub from_agency: bool,
    /// The name of the client's person who uploaded it (null for the agency's files).
    pub uploaded_by_name: Option<String>,
    /// Uploaded.
    pub created_at: Timestamp,
}

fn portal_file(f: files::SharedFile) -> PortalFile {
    PortalFile {
        id: f.id,
        project_id: f.project_id,
        name: f.name,
        content_type: f.content_type,
        size_bytes: f.size_bytes,
        sha256: f.sha256,
        from_agency: f.uploaded_by_staff.is_some(),
        uploaded_by_name: f.uploaded_by_portal_name,
        created_at: f.created_at,
    }
}

/// The client's live files (of one of its projects when `project` is given), newest first.
pub async fn list(portal: &PortalDb, project: Option<Uuid>) -> DomainResult<Vec<PortalFile>> {
    portal.require(Part::Files)?;
    let rows = portal
        .db()
        .db()
        .fetch_all(
            concat!(
                "SELECT ",
                files::columns!(),
                " WHERE f.account_id = $1 AND f.deleted_at IS NULL \
                 AND ($2 IS NULL OR f.project_id = $2) ORDER BY f.created_at DESC, f.id"
            ),
            params![portal.account(), project],
        )
        .await?;
    rows.iter()
        .map(|r| Ok(portal_file(files::from_row(r)?)))
        .collect()
}

/// A portal user shares a file with the agency (for one of their client's projects). A
/// preview cannot (`Forbidden`); a project of another client is a problem on `project_id`,
/// like a missing one. The caller has bounded the size.
pub async fn upload(
    portal: &PortalDb,
    project: Option<Uuid>,
    name: Option<&str>,
    bytes: Vec<u8>,
    request: &RequestOrigin,
) -> DomainResult<PortalFile> {
    portal.require(Part::Files)?;
    let origin = portal.origin(request)?;
    let me = portal.scope().writer()?.id;
    let f = files::store(
        portal.db(),
        portal.account(),
        project,
        name,
        bytes,
        Uploader::Portal(me),
        &origin,
    )
    .await?;
    Ok(portal_file(f))
}

/// One of the client's live files with its bytes; another client's is `NotFound`.
pub async fn download(portal: &PortalDb, id: Uuid) -> DomainResult<Download> {
    portal.require(Part::Files)?;
    let row = portal
        .db()
        .db()
        .fetch_optional(
            "SELECT name, content_type, bytes FROM files \
             WHERE id = $1 AND account_id = $2 AND deleted_at IS NULL",
            params![id, portal.account()],
        )
        .await?
        .ok_or(DomainError::NotFound)?;
    Ok(Download {
        name: row.get("name")?,
        content_type: row.get("content_type")?,
        bytes: row.get("bytes")?,
    })
}
