//! A form submission on a tracked site (`POST /e/{site_key}/identify`): the person handed over
//! their details, so the contact is created or updated by e-mail address under the site's
//! client account whatever the consent. Only with analytics consent is the visitor (and so its
//! earlier events and touchpoints) linked to the contact. The lead conversion is recorded in
//! the same transaction.

use super::collect::{
    self, ClickIdInput, Collected, EventInput, EventTime, PageUrl, UtmInput, Visit,
};
use super::consent::ConsentInput;
use super::conversions;
use super::sites::ActiveSite;
use super::touchpoints;
use crate::error::{DomainError, DomainResult, Problems};
use crate::events::{Origin, emit};
use crate::input::{Id, Name, Optional, Phone, Sent};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;
use silo_contract::{Email, EventType};
use silo_store::{TenantDb, Timestamp, params};
use uuid::Uuid;

/// `POST /e/{site_key}/identify` body: the person's details and the form event's fields as
/// for `POST /e/{site_key}` (stored as an event named `identify`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentifyInput {
    /// A UUID the browser made for this submission: a repeat is stored once.
    event_id: Sent<Id>,
    email: Sent<Email>,
    /// The person's name (default: the e-mail address, for a new contact).
    #[serde(default)]
    name: Optional<Name>,
    #[serde(default)]
    phone: Optional<Phone>,
    time: Option<Sent<EventTime>>,
    #[serde(default)]
    page: Optional<PageUrl>,
    #[serde(default)]
    referrer: Optional<PageUrl>,
    utm: Option<UtmInput>,
    click_ids: Option<ClickIdInput>,
    /// The visitor's consent; without it everything is denied.
    consent: Option<ConsentInput>,
    /// `navigator.globalPrivacyControl`.
    gpc: Option<bool>,
}

/// The name of the event a form submission is stored as.
pub const FORM_EVENT: &str = "identify";

/// What identifying did.
#[derive(Clone, Copy, Debug)]
pub struct Identified {
    /// The event as collected.
    pub collected: Collected,
    /// The contact (`None` for a repeat of the same `event_id`).
    pub contact: Option<Uuid>,
    /// Whether the visitor was linked to it.
    pub linked: bool,
}

/// Creates or updates the contact, links the visitor with analytics consent and records the
/// lead, all in one transaction. `max_contacts`: the plan's limit on new contacts
/// ([`DomainError::Limit`]).
pub async fn identify(
    db: &TenantDb,
    site: &ActiveSite,
    input: IdentifyInput,
    visit: &Visit,
    max_contacts: Option<i64>,
    origin: &Origin,
) -> DomainResult<Identified> {
    let mut p = Problems::new();
    let email = p.take("email", input.email);
    let name = p.take("name", input.name);
    let phone = p.take("phone", input.phone);
    let event = EventInput {
        event_id: input.event_id,
        name: Sent::new(FORM_EVENT),
        time: input.time,
        page: input.page,
        referrer: input.referrer,
        utm: input.utm,
        click_ids: input.click_ids,
        consent: input.consent,
        gpc: input.gpc,
    };
    let checked = collect::check(&mut p, event, visit.gpc, &site.consent_version);
    let (email, name, phone, checked) = p.done((|| Some((email?, name?, phone?, checked?)))())?;
    let mut tx = db.db().begin().await?;
    let collected = collect::store(&mut tx, site, &checked, visit).await?;
    let Some(event_row) = collected.row else {
        // A repeat: the first submission did everything.
        return Ok(Identified {
            collected,
            contact: None,
            linked: false,
        });
    };
    let email = email.as_str().to_lowercase();
    let now = Timestamp::now();
    let existing = tx
        .fetch_optional(
            "SELECT id FROM contacts WHERE LOWER(email) = $1 AND account_id = $2 \
             ORDER BY id LIMIT 1",
            params![&email, site.account_id],
        )
        .await?;
    let contact =
        match existing {
            Some(row) => {
                let id: Uuid = row.get("id")?;
                tx.execute(
                    "UPDATE contacts SET name = COALESCE($2, name), phone = COALESCE($3, phone), \
                 updated_at = $4 WHERE id = $1",
                    params![id, name.map(String::from), phone.map(String::from), now],
                )
                .await?;
                emit(
                    &mut tx,
                    origin,
                    EventType::ContactUpdated,
                    id,
                    json!({ "id": id, "account_id": site.account_id }),
                )
                .await?;
                id
            }
            None => {
                if let Some(max) = max_contacts {
                    tx.execute(
                        "UPDATE write_locks SET name = name WHERE name = 'contacts'",
                        &[],
                    )
                    .await?;
                    let count: i64 = tx
                        .fetch_one("SELECT COUNT(*) AS n FROM contacts", &[])
                        .await?
                        .get("n")?;
                    if count >= max {
                        return Err(DomainError::Limit(format!(
                            "the plan allows {max} contacts"
                        )));
                    }
                }
                let id = Uuid::now_v7();
                let name = name.map_or_else(|| email.clone(), String::from);
                tx.execute(
                "INSERT INTO contacts (id, name, email, phone, account_id, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6)",
                params![id, name, &email, phone.map(String::from), site.account_id, now],
            )
            .await?;
                emit(
                    &mut tx,
                    origin,
                    EventType::ContactCreated,
                    id,
                    json!({ "id": id, "account_id": site.account_id }),
                )
                .await?;
                id
            }
        };
    let linked = match collected.visitor {
        Some(visitor) if collected.consent.analytics => {
            touchpoints::link_visitor(&mut tx, visitor, contact).await?;
            true
        }
        _ => false,
    };
    // The form event itself belongs to the contact only where its visitor does.
    if linked {
        tx.execute(
            "UPDATE tracking_events SET contact_id = $2 WHERE id = $1",
            params![event_row, contact],
        )
        .await?;
    }
    conversions::record_lead(&mut tx, contact, site.id, collected.consent, origin).await?;
    tx.commit().await?;
    Ok(Identified {
        collected,
        contact: Some(contact),
        linked,
    })
}
