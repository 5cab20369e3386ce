//! Touchpoints: where a visit came from, for visitors with analytics consent only.
//!
//! One touchpoint per visit's landing: an event with UTMs, a click id or a referrer from
//! outside the site; or, failing those, the first event after [`VISIT_GAP`] without events
//! (a *direct* touchpoint). Once a visitor is linked to a contact (a form, see
//! [`super::identify`]) its touchpoints carry the contact, and the contact's first touch
//! (earliest) and last touch (latest non-direct; the latest direct one only if there is no
//! other) are kept on the contact.

use super::Consent;
use crate::error::{DomainError, DomainResult};
use schemars::JsonSchema;
use serde::Serialize;
use silo_store::{Row, StoreError, TenantDb, Timestamp, Tx, params};
use uuid::Uuid;

/// A pause this long without events starts a new visit.
pub const VISIT_GAP: time::Duration = time::Duration::minutes(30);

/// What an event says about where the visit came from (already reduced to its consent).
#[derive(Clone, Debug, Default)]
pub(crate) struct Campaign {
    /// utm source, medium, campaign, term, content.
    pub utm: [Option<String>; 5],
    /// The referrer's host when it is not the site's own.
    pub referrer_host: Option<String>,
    /// The names of the click ids kept (with ad consent).
    pub click_ids: Vec<String>,
    /// The click ids as stored (JSON object).
    pub click_json: Option<String>,
}

impl Campaign {
    fn is_landing(&self) -> bool {
        self.utm.iter().any(Option::is_some)
            || self.referrer_host.is_some()
            || !self.click_ids.is_empty()
    }

    /// Source and medium: the UTMs, else the ad platform of a click id (`cpc` or
    /// `paid_social`), else the referrer (`referral`).
    fn source_medium(&self) -> (Option<String>, Option<String>) {
        let platform = self.click_ids.iter().find_map(|c| match c.as_str() {
            "gclid" | "gbraid" | "wbraid" => Some(("google", "cpc")),
            "msclkid" => Some(("bing", "cpc")),
            "fbc" => Some(("facebook", "paid_social")),
            "ttclid" => Some(("tiktok", "paid_social")),
            "li_fat_id" => Some(("linkedin", "paid_social")),
            _ => None,
        });
        let source = self.utm[0]
            .clone()
            .or_else(|| platform.map(|p| p.0.to_owned()))
            .or_else(|| self.referrer_host.clone());
        let medium = self.utm[1].clone().or_else(|| {
            platform
                .map(|p| p.1.to_owned())
                .or_else(|| self.referrer_host.as_ref().map(|_| "referral".to_owned()))
        });
        (source, medium)
    }
}

/// Records the touchpoint an event makes, if it makes one.
#[allow(clippy::too_many_arguments, reason = "one event's facts, passed once")]
pub(crate) async fn on_event(
    tx: &mut Tx,
    site: Uuid,
    visitor: Uuid,
    contact: Option<Uuid>,
    event_row: Uuid,
    occurred: Timestamp,
    previous_seen: Option<Timestamp>,
    campaign: Campaign,
    consent: Consent,
) -> DomainResult<()> {
    let new_visit =
        previous_seen.is_none_or(|seen| Timestamp::now().datetime() - seen.datetime() >= VISIT_GAP);
    let landing = campaign.is_landing();
    if !landing && !new_visit {
        return Ok(());
    }
    let (source, medium) = campaign.source_medium();
    tx.execute(
        "INSERT INTO touchpoints (id, site_id, visitor_id, contact_id, tracking_event_id, \
         occurred_at, source, medium, campaign, term, content, referrer_host, click_ids, direct, \
         ads, ad_user_data, ad_personalization) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
        params![
            Uuid::now_v7(),
            site,
            visitor,
            contact,
            event_row,
            occurred,
            source,
            medium,
            campaign.utm[2].clone(),
            campaign.utm[3].clone(),
            campaign.utm[4].clone(),
            campaign.referrer_host.clone(),
            campaign.click_json.clone(),
            !landing,
            consent.ads,
            consent.ad_user_data,
            consent.ad_personalization
        ],
    )
    .await?;
    if let Some(contact) = contact {
        refresh_contact(tx, contact).await?;
    }
    Ok(())
}

/// Links a visitor (and its events and touchpoints) to a contact and updates the contact's
/// first and last touch.
pub(crate) async fn link_visitor(tx: &mut Tx, visitor: Uuid, contact: Uuid) -> DomainResult<()> {
    tx.execute(
        "UPDATE visitors SET contact_id = $2 WHERE id = $1",
        params![visitor, contact],
    )
    .await?;
    tx.execute(
        "UPDATE touchpoints SET contact_id = $2 WHERE visitor_id = $1",
        params![visitor, contact],
    )
    .await?;
    // Only events stored with analytics consent have a visitor, so only those are linked.
    tx.execute(
        "UPDATE tracking_events SET contact_id = $2 WHERE visitor_id = $1",
        params![visitor, contact],
    )
    .await?;
    refresh_contact(tx, contact).await
}

/// Sets the contact's first touch (earliest) and last touch (latest non-direct, else latest).
async fn refresh_contact(tx: &mut Tx, contact: Uuid) -> DomainResult<()> {
    let first = tx
        .fetch_optional(
            "SELECT id FROM touchpoints WHERE contact_id = $1 ORDER BY occurred_at, id LIMIT 1",
            params![contact],
        )
        .await?
        .map(|r| r.get::<Uuid>("id"))
        .transpose()?;
    let last = tx
        .fetch_optional(
            "SELECT id FROM touchpoints WHERE contact_id = $1 \
             ORDER BY CASE WHEN direct THEN 0 ELSE 1 END DESC, occurred_at DESC, id DESC LIMIT 1",
            params![contact],
        )
        .await?
        .map(|r| r.get::<Uuid>("id"))
        .transpose()?;
    tx.execute(
        "UPDATE contacts SET first_touchpoint_id = $2, last_touchpoint_id = $3 WHERE id = $1",
        params![contact, first, last],
    )
    .await?;
    Ok(())
}

/// One touchpoint as staff see it (click id names only, never their values).
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Touchpoint {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// The site.
    pub site_id: Uuid,
    /// The site's name.
    pub site_name: String,
    /// When the landing event happened.
    pub occurred_at: Timestamp,
    /// utm_source, a click id's platform, or the referrer.
    pub source: Option<String>,
    /// utm_medium, `cpc`/`paid_social` for a click id, or `referral`.
    pub medium: Option<String>,
    /// utm_campaign.
    pub campaign: Option<String>,
    /// utm_term.
    pub term: Option<String>,
    /// utm_content.
    pub content: Option<String>,
    /// The referrer's host.
    pub referrer_host: Option<String>,
    /// The names of the click ids kept.
    pub click_ids: Vec<String>,
    /// A visit without campaign, click or referrer.
    pub direct: bool,
    /// The consent at the time (analytics always granted).
    pub consent: Consent,
}

/// A contact's touchpoints with its first and last touch.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ContactTouchpoints {
    /// The earliest touchpoint.
    pub first_touchpoint_id: Option<Uuid>,
    /// The latest non-direct touchpoint (the latest direct one if there is no other).
    pub last_touchpoint_id: Option<Uuid>,
    /// Every touchpoint, oldest first.
    pub items: Vec<Touchpoint>,
}

fn from_row(row: &Row) -> Result<Touchpoint, StoreError> {
    let clicks: Option<String> = row.get("click_ids")?;
    let mut click_ids: Vec<String> = clicks
        .and_then(|c| serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&c).ok())
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    click_ids.sort();
    Ok(Touchpoint {
        id: row.get("id")?,
        site_id: row.get("site_id")?,
        site_name: row.get("site_name")?,
        occurred_at: row.get("occurred_at")?,
        source: row.get("source")?,
        medium: row.get("medium")?,
        campaign: row.get("campaign")?,
        term: row.get("term")?,
        content: row.get("content")?,
        referrer_host: row.get("referrer_host")?,
        click_ids,
        direct: row.get("direct")?,
        consent: super::consent::touch_consent_of(row)?,
    })
}

/// Most touchpoints shown for one contact.
pub const CONTACT_MAX: i64 = 500;

/// A contact's touchpoints (at most [`CONTACT_MAX`], the oldest first).
pub async fn for_contact(db: &TenantDb, contact: Uuid) -> DomainResult<ContactTouchpoints> {
    let db = db.db();
    let c = db
        .fetch_optional(
            "SELECT first_touchpoint_id, last_touchpoint_id FROM contacts WHERE id = $1",
            params![contact],
        )
        .await?
        .ok_or(DomainError::NotFound)?;
    let rows = db
        .fetch_all(
            "SELECT t.id, t.site_id, s.name AS site_name, t.occurred_at, t.source, t.medium, \
             t.campaign, t.term, t.content, t.referrer_host, t.click_ids, t.direct, t.ads, \
             t.ad_user_data, t.ad_personalization FROM touchpoints t \
             JOIN sites s ON s.id = t.site_id WHERE t.contact_id = $1 \
             ORDER BY t.occurred_at, t.id LIMIT $2",
            params![contact, CONTACT_MAX],
        )
        .await?;
    Ok(ContactTouchpoints {
        first_touchpoint_id: c.get("first_touchpoint_id")?,
        last_touchpoint_id: c.get("last_touchpoint_id")?,
        items: rows.iter().map(from_row).collect::<Result<_, _>>()?,
    })
}
