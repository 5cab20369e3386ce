//! Files shared between the agency and a client (per client, optionally per project), kept in
//! the company's own database (`files.bytes`), so the company's isolation, export and erasure
//! hold for them.
//!
//! The type of a file is read from its bytes, never taken from the request: only the types of
//! [`ALLOWED`] are kept (PDF, PNG, JPEG, GIF, WebP, plain text and CSV, Word, Excel and
//! PowerPoint documents, ZIP archives). The name is cleaned (no path, no control or reserved
//! characters) and gets the extension of its real type when it has another. Deleting a file
//! keeps its record (approvals and the audit trail name it) but drops its bytes.
//!
//! The portal's side is [`crate::portal::files`]; this module is the agency's.

use crate::error::{DomainError, DomainResult, ErrorCode};
use crate::events::{Origin, emit};
use crate::input::{Problem, no_such};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use silo_contract::EventType;
use silo_store::{Row, StoreError, TenantDb, Timestamp, Tx, params};
use uuid::Uuid;

/// The largest file accepted unless the server is configured otherwise: 10 MiB.
pub const DEFAULT_MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

/// The most characters a file's name keeps.
pub const NAME_MAX: usize = 200;

/// The file types accepted, as (media type, extensions; the first is added to a name without
/// one of them).
pub const ALLOWED: &[(&str, &[&str])] = &[
    ("application/pdf", &["pdf"]),
    ("image/png", &["png"]),
    ("image/jpeg", &["jpg", "jpeg"]),
    ("image/gif", &["gif"]),
    ("image/webp", &["webp"]),
    ("text/plain", &["txt", "text", "md", "log"]),
    ("text/csv", &["csv"]),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        &["docx"],
    ),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &["xlsx"],
    ),
    (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        &["pptx"],
    ),
    ("application/zip", &["zip"]),
];

/// Whether `needle` occurs in `hay`.
fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The type `bytes` are, if it is one of [`ALLOWED`]. `name` only tells CSV from plain text
/// (both are text; the bytes decide that they are text).
pub fn sniff(bytes: &[u8], name: &str) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        return Some("application/pdf");
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some("image/png");
    }
    if bytes.starts_with(b"\xFF\xD8\xFF") {
        return Some("image/jpeg");
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return Some("image/gif");
    }
    if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        return Some("image/webp");
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        // Office documents are ZIP archives whose entry names say what they are; the names
        // are stored uncompressed in the local headers and the central directory.
        if contains(bytes, b"[Content_Types].xml") {
            if contains(bytes, b"word/document.xml") {
                return Some(
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                );
            }
            if contains(bytes, b"xl/workbook.xml") {
                return Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
            }
            if contains(bytes, b"ppt/presentation.xml") {
                return Some(
                    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                );
            }
        }
        return Some("application/zip");
    }
    // Text: UTF-8 without control characters other than tab, line breaks and form feed (a
    // byte-order mark is fine).
    let text = std::str::from_utf8(bytes).ok()?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.is_empty()
        || text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}'))
    {
        return None;
    }
    if name.to_ascii_lowercase().ends_with(".csv") {
        Some("text/csv")
    } else {
        Some("text/plain")
    }
}

/// The extensions of a media type of [`ALLOWED`].
fn extensions(media: &str) -> &'static [&'static str] {
    ALLOWED
        .iter()
        .find(|(m, _)| *m == media)
        .map_or(&[], |(_, e)| *e)
}

/// A file name as kept: the last path segment, without control characters or characters that
/// are reserved in file names or headers, at most [`NAME_MAX`] characters, ending in an
/// extension of its real type (`media`; one is added when it has another).
pub fn clean_name(raw: &str, media: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let mut name: String = last
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '"' | '*' | ':' | '<' | '>' | '?' | '|' | ';') {
                '_'
            } else {
                c
            }
        })
        .collect();
    name = name.trim().trim_matches('.').trim().to_owned();
    let exts = extensions(media);
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let suffix = if exts.contains(&ext.as_str()) {
        String::new()
    } else {
        format!(".{}", exts.first().copied().unwrap_or("bin"))
    };
    let room = NAME_MAX.saturating_sub(suffix.chars().count());
    if name.chars().count() > room {
        // Keep the end (the extension) when there is nothing to add.
        name = if suffix.is_empty() {
            let (stem, ext) = name.rsplit_once('.').unwrap_or((name.as_str(), ""));
            let keep = room.saturating_sub(ext.chars().count() + 1);
            format!("{}.{ext}", stem.chars().take(keep).collect::<String>())
        } else {
            name.chars().take(room).collect()
        };
    }
    if name.is_empty() || name.starts_with('.') {
        name = format!("file{name}");
    }
    format!("{name}{suffix}")
}

/// A shared file as the agency sees it (never with its bytes).
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct SharedFile {
    /// Id (random).
    pub id: Uuid,
    /// The client.
    pub account_id: Uuid,
    /// The project, if it belongs to one.
    pub project_id: Option<Uuid>,
    /// The cleaned file name.
    pub name: String,
    /// The type read from its bytes.
    pub content_type: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// SHA-256 of the bytes (hex).
    pub sha256: String,
    /// The staff member who uploaded it, if the agency did.
    pub uploaded_by_staff: Option<Uuid>,
    /// The portal user who uploaded it, if the client did.
    pub uploaded_by_portal: Option<Uuid>,
    /// That portal user's name.
    pub uploaded_by_portal_name: Option<String>,
    /// Uploaded.
    pub created_at: Timestamp,
}

/// A file's bytes with what a download needs.
#[derive(Clone, Debug)]
pub struct Download {
    /// The cleaned file name.
    pub name: String,
    /// The type read from its bytes at upload.
    pub content_type: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// Who uploads.
#[derive(Clone, Copy, Debug)]
pub enum Uploader {
    /// A staff identity.
    Staff(Uuid),
    /// A portal user of the file's client.
    Portal(Uuid),
}

macro_rules! columns {
    () => {
        "f.id, f.account_id, f.project_id, f.name, f.content_type, f.size_bytes, f.sha256, \
         f.uploaded_by_staff, f.uploaded_by_portal, pu.name AS portal_name, f.created_at \
         FROM files f LEFT JOIN portal_users pu ON pu.id = f.uploaded_by_portal"
    };
}
pub(crate) use columns;

pub(crate) fn from_row(row: &Row) -> Result<SharedFile, StoreError> {
    Ok(SharedFile {
        id: row.get("id")?,
        account_id: row.get("account_id")?,
        project_id: row.get("project_id")?,
        name: row.get("name")?,
        content_type: row.get("content_type")?,
        size_bytes: row.get("size_bytes")?,
        sha256: row.get("sha256")?,
        uploaded_by_staff: row.get("uploaded_by_staff")?,
        uploaded_by_portal: row.get("uploaded_by_portal")?,
        uploaded_by_portal_name: row.get("portal_name")?,
        created_at: row.get("created_at")?,
    })
}

/// The project `project` checked to be one of `account`'s: otherwise a problem on
/// `project_id`, the same for another client's project as for a missing one.
pub(crate) async fn check_project(tx: &mut Tx, account: Uuid, project: Uuid) -> DomainResult<()> {
    let row = tx
        .fetch_optional(
            "SELECT account_id FROM projects WHERE id = $1",
            params![project],
        )
        .await?;
    match row {
        Some(r) if r.get::<Uuid>("account_id")? == account => Ok(()),
        _ => Err(DomainError::invalid("project_id", no_such("project"))),
    }
}

/// Stores a file for `account` (and `project`, which must be the account's). The caller has
/// checked the account exists and bounded the size.
pub(crate) async fn store(
    db: &TenantDb,
    account: Uuid,
    project: Option<Uuid>,
    name: Option<&str>,
    bytes: Vec<u8>,
    uploader: Uploader,
    origin: &Origin,
) -> DomainResult<SharedFile> {
    // A file without a name is called `file`, with the extension of its type.
    let raw_name = match name.map(str::trim) {
        Some(n) if !n.is_empty() => n,
        _ => "file",
    };
    if bytes.is_empty() {
        return Err(DomainError::invalid(
            "body",
            Problem::rule("the file is empty"),
        ));
    }
    let Some(media) = sniff(&bytes, raw_name) else {
        return Err(DomainError::conflict(
            ErrorCode::UnsupportedMediaType,
            "this type of file is not accepted: send a PDF, an image (PNG, JPEG, GIF, WebP), \
             plain text or CSV, a Word, Excel or PowerPoint document, or a ZIP archive",
        ));
    };
    let name = clean_name(raw_name, media);
    let sha = hex(&Sha256::digest(&bytes));
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let (staff, portal) = match uploader {
        Uploader::Staff(id) => (Some(id), None),
        Uploader::Portal(id) => (None, Some(id)),
    };
    let mut tx = db.db().begin().await?;
    if let Some(project) = project {
        check_project(&mut tx, account, project).await?;
    }
    // Random, not time-ordered: the client sees these ids.
    let id = Uuid::new_v4();
    let now = Timestamp::now();
    tx.execute(
        "INSERT INTO files (id, account_id, project_id, name, content_type, size_bytes, sha256, \
         bytes, uploaded_by_staff, uploaded_by_portal, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        params![
            id,
            account,
            project,
            name.clone(),
            media,
            size,
            sha.clone(),
            bytes,
            staff,
            portal,
            now
        ],
    )
    .await?;
    emit(
        &mut tx,
        origin,
        EventType::FileUploaded,
        id,
        json!({
            "id": id,
            "account_id": account,
            "project_id": project,
            "content_type": media,
            "size_bytes": size,
            "by": if staff.is_some() { "agency" } else { "client" },
        }),
    )
    .await?;
    let row = tx
        .fetch_one(
            concat!("SELECT ", columns!(), " WHERE f.id = $1"),
            params![id],
        )
        .await?;
    let file = from_row(&row)?;
    tx.commit().await?;
    Ok(file)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// `POST /api/files`: the agency shares a file with a client (and one of its projects). An
/// unknown account is a problem on `account_id`; a project of another client one on
/// `project_id`, like a missing one.
pub async fn upload(
    db: &TenantDb,
    account: Uuid,
    project: Option<Uuid>,
    name: Option<&str>,
    bytes: Vec<u8>,
    staff: Uuid,
    origin: &Origin,
) -> DomainResult<SharedFile> {
    let mut tx = db.db().begin().await?;
    let exists = crate::accounts::exists(&mut tx, account).await?;
    tx.commit().await?;
    if !exists {
        return Err(DomainError::invalid("account_id", no_such("account")));
    }
    store(
        db,
        account,
        project,
        name,
        bytes,
        Uploader::Staff(staff),
        origin,
    )
    .await
}

/// The live (not deleted) files of a client or project, newest first.
pub async fn list(
    db: &TenantDb,
    account: Option<Uuid>,
    project: Option<Uuid>,
) -> DomainResult<Vec<SharedFile>> {
    let rows = db
        .db()
        .fetch_all(
            concat!(
                "SELECT ",
                columns!(),
                " WHERE f.deleted_at IS NULL AND ($1 IS NULL OR f.account_id = $1) \
                 AND ($2 IS NULL OR f.project_id = $2) ORDER BY f.created_at DESC, f.id"
            ),
            params![account, project],
        )
        .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// A live file's bytes; `NotFound` for a deleted or missing one.
pub async fn download(db: &TenantDb, id: Uuid) -> DomainResult<Download> {
    let row = db
        .db()
        .fetch_optional(
            "SELECT name, content_type, bytes FROM files WHERE id = $1 AND deleted_at IS NULL",
            params![id],
        )
        .await?
        .ok_or(DomainError::NotFound)?;
    Ok(Download {
        name: row.get("name")?,
        content_type: row.get("content_type")?,
        bytes: row.get("bytes")?,
    })
}

/// Deletes a file: its record stays (approvals name it) with `deleted_at`; its bytes are
/// dropped at once. `NotFound` when missing or deleted already.
pub async fn delete(db: &TenantDb, id: Uuid, origin: &Origin) -> DomainResult<()> {
    let mut tx = db.db().begin().await?;
    let row = tx
        .fetch_optional(
            "SELECT account_id, project_id FROM files WHERE id = $1 AND deleted_at IS NULL",
            params![id],
        )
        .await?
        .ok_or(DomainError::NotFound)?;
    let account: Uuid = row.get("account_id")?;
    let project: Option<Uuid> = row.get("project_id")?;
    tx.execute(
        "UPDATE files SET deleted_at = $2, bytes = $3 WHERE id = $1",
        params![id, Timestamp::now(), Vec::<u8>::new()],
    )
    .await?;
    emit(
        &mut tx,
        origin,
        EventType::FileDeleted,
        id,
        json!({ "id": id, "account_id": account, "project_id": project }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The file `file` checked to be a live one of `account`'s: otherwise a problem on `field`,
/// the same for another client's file as for a missing one.
pub(crate) async fn check_file(
    tx: &mut Tx,
    account: Uuid,
    file: Uuid,
    field: &str,
) -> DomainResult<()> {
    let row = tx
        .fetch_optional(
            "SELECT account_id FROM files WHERE id = $1 AND deleted_at IS NULL",
            params![file],
        )
        .await?;
    match row {
        Some(r) if r.get::<Uuid>("account_id")? == account => Ok(()),
        _ => Err(DomainError::invalid(field, no_such("file"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(sniff(b"%PDF-1.7\n...", "x.png"), Some("application/pdf"));
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "a.pdf"),
            Some("image/png")
        );
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0", "a"), Some("image/jpeg"));
        assert_eq!(sniff(b"GIF89a\x01\0", "a"), Some("image/gif"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 ", "a"), Some("image/webp"));
        assert_eq!(sniff(b"a,b\n1,2\n", "Data.CSV"), Some("text/csv"));
        assert_eq!(
            sniff("héllo\r\n\tworld".as_bytes(), "x"),
            Some("text/plain")
        );
        assert_eq!(sniff(b"MZ\x90\0\x03", "setup.pdf"), None);
        assert_eq!(sniff(b"\x7fELF\x02", "a.txt"), None);
        assert_eq!(sniff(b"", "a.txt"), None);
        assert_eq!(sniff(b"text with a \0 byte", "a.txt"), None);
        let docx = b"PK\x03\x04....[Content_Types].xml....word/document.xml";
        assert_eq!(
            sniff(docx, "a.zip"),
            Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        );
        let xlsx = b"PK\x03\x04[Content_Types].xml xl/workbook.xml";
        assert!(sniff(xlsx, "a").unwrap().ends_with("spreadsheetml.sheet"));
        let pptx = b"PK\x03\x04[Content_Types].xml ppt/presentation.xml";
        assert!(
            sniff(pptx, "a")
                .unwrap()
                .ends_with("presentationml.presentation")
        );
        assert_eq!(sniff(b"PK\x03\x04 plain", "a"), Some("application/zip"));
        for (media, _) in ALLOWED {
            assert!(!extensions(media).is_empty(), "{media}");
        }
    }

    #[test]
    fn names_are_cleaned_and_match_their_type() {
        assert_eq!(
            clean_name("../../etc/passwd.pdf", "application/pdf"),
            "passwd.pdf"
        );
        assert_eq!(
            clean_name("C:\\x\\Report.PDF", "application/pdf"),
            "Report.PDF"
        );
        assert_eq!(clean_name("evil.html", "image/png"), "evil.html.png");
        assert_eq!(clean_name("a\"b\r\nc;.txt", "text/plain"), "a_b__c_.txt");
        assert_eq!(clean_name("...", "application/zip"), "file.zip");
        assert_eq!(clean_name(".hidden.txt", "text/plain"), "hidden.txt");
        assert_eq!(clean_name("noext", "text/csv"), "noext.csv");
        let long = format!("{}.pdf", "x".repeat(500));
        let cleaned = clean_name(&long, "application/pdf");
        assert_eq!(cleaned.chars().count(), NAME_MAX);
        assert!(cleaned.ends_with(".pdf"));
        let long = "y".repeat(500);
        let cleaned = clean_name(&long, "image/gif");
        assert_eq!(cleaned.chars().count(), NAME_MAX);
        assert!(cleaned.ends_with(".gif"));
    }
}
