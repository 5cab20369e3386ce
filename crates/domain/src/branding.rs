//! The company's logo: one PNG or JPEG image in the company's own database, printed on its
//! invoices and credit notes and shown in the web app.
//!
//! An upload is checked by reading the image's header (its format and dimensions, with the
//! `imagesize` crate): the format must be the one its content type says, and the file at most
//! [`MAX_LOGO_BYTES`].

use crate::error::{DomainError, DomainResult};
use crate::events::{Origin, emit};
use crate::input::{Problem, ProblemCode};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::json;
use silo_contract::EventType;
use silo_store::{TenantDb, Timestamp, Tx, params};
use uuid::Uuid;

/// The largest logo accepted: 512 KiB.
pub const MAX_LOGO_BYTES: usize = 512 * 1024;

/// The media types a logo may have.
pub const LOGO_TYPES: &[&str] = &["image/png", "image/jpeg"];

/// The logo as the PDF renderer takes it.
pub use silo_documents::Logo;

/// What is stored about the logo, without its bytes (`PUT /api/company/logo` answers this).
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct LogoInfo {
    /// `image/png` or `image/jpeg`.
    pub content_type: String,
    /// The file's size in bytes.
    pub size_bytes: i64,
    /// Width in pixels.
    pub width: i64,
    /// Height in pixels.
    pub height: i64,
    /// When it was uploaded.
    pub updated_at: Timestamp,
}

/// The media type the image's header shows, if it is a PNG or a JPEG.
fn sniff(bytes: &[u8]) -> Option<&'static str> {
    match imagesize::image_type(bytes).ok()? {
        imagesize::ImageType::Png => Some("image/png"),
        imagesize::ImageType::Jpeg => Some("image/jpeg"),
        _ => None,
    }
}

/// Stores (or replaces) the logo. `content_type` is the request's (parameters such as
/// `; charset` are ignored); the header of `bytes` must show that format and its dimensions.
pub async fn set_logo(
    db: &TenantDb,
    content_type: &str,
    bytes: Vec<u8>,
    origin: &Origin,
) -> DomainResult<LogoInfo> {
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let Some(media) = LOGO_TYPES.iter().copied().find(|t| *t == media) else {
        return Err(DomainError::invalid(
            "content_type",
            Problem::not_allowed(LOGO_TYPES),
        ));
    };
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(DomainError::invalid(
            "body",
            Problem::new(ProblemCode::TooLong)
                .worded(format!("must be at most {MAX_LOGO_BYTES} bytes")),
        ));
    }
    let not_image = || DomainError::invalid("body", Problem::new(ProblemCode::NotImage));
    if sniff(&bytes) != Some(media) {
        return Err(not_image());
    }
    let size = imagesize::blob_size(&bytes).map_err(|_| not_image())?;
    if size.width == 0 || size.height == 0 {
        return Err(not_image());
    }
    let info = LogoInfo {
        content_type: media.to_owned(),
        size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        width: i64::try_from(size.width).unwrap_or(i64::MAX),
        height: i64::try_from(size.height).unwrap_or(i64::MAX),
        updated_at: Timestamp::now(),
    };
    let mut tx = db.db().begin().await?;
    tx.execute("DELETE FROM company_logo", &[]).await?;
    tx.execute(
        "INSERT INTO company_logo (singleton, content_type, bytes, width, height, updated_at) \
         VALUES (1, $1, $2, $3, $4, $5)",
        params![media, bytes, info.width, info.height, info.updated_at],
    )
    .await?;
    let data = json!({ "content_type": media, "size_bytes": info.size_bytes });
    // The logo belongs to the company as a whole: the nil subject stands for it.
    emit(
        &mut tx,
        origin,
        EventType::CompanyLogoUpdated,
        Uuid::nil(),
        data,
    )
    .await?;
    tx.commit().await?;
    Ok(info)
}

/// Removes the logo; `NotFound` when there is none.
pub async fn delete_logo(db: &TenantDb, origin: &Origin) -> DomainResult<()> {
    let mut tx = db.db().begin().await?;
    let n = tx.execute("DELETE FROM company_logo", &[]).await?;
    if n == 0 {
        return Err(DomainError::NotFound);
    }
    emit(
        &mut tx,
        origin,
        EventType::CompanyLogoDeleted,
        Uuid::nil(),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

const SELECT_LOGO: &str = "SELECT content_type, bytes FROM company_logo WHERE singleton = 1";

fn from_row(row: Option<silo_store::Row>) -> DomainResult<Option<Logo>> {
    Ok(match row {
        None => None,
        Some(r) => Some(Logo {
            content_type: r.get("content_type")?,
            bytes: r.get("bytes")?,
        }),
    })
}

/// The logo in a transaction (for the PDF renderer), if the company has one.
pub async fn logo(tx: &mut Tx) -> DomainResult<Option<Logo>> {
    from_row(tx.fetch_optional(SELECT_LOGO, &[]).await?)
}

/// The logo, if the company has one.
pub async fn get_logo(db: &TenantDb) -> DomainResult<Option<Logo>> {
    from_row(db.db().fetch_optional(SELECT_LOGO, &[]).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_decide_the_format() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x08\x08\x06\0\0\0";
        assert_eq!(sniff(png), Some("image/png"));
        assert_eq!(sniff(b"GIF89a\x01\0\x01\0"), None);
        assert_eq!(sniff(b"not an image at all"), None);
        let size = imagesize::blob_size(png).map(|s| (s.width, s.height)).ok();
        assert_eq!(size, Some((16, 8)));
    }
}
