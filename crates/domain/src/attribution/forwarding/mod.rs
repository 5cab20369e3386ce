//! Forwarding conversions to ad platforms (issue 22). A conversion with a site goes to every
//! enabled destination of that site's client whose kinds include its kind: one
//! `conversion_deliveries` row per pair, in the conversion's own transaction ([`queue`]).
//! Without `ad_user_data` consent the row is `skipped_no_consent` (recorded, never silent, no
//! job); otherwise it is `pending` with a `conversion.deliver` job keyed by the destination, so
//! one destination's deliveries go out in order. The worker (`silo_worker`'s conversions
//! module) batches a destination's waiting deliveries ([`ready`]), builds the platform's
//! request ([`build`]: [`meta`], [`google`]), sends it and records the outcome ([`record`]).
//!
//! Click ids are only sent with `ads` (ad_storage) consent; a person's details only hashed
//! ([`hashing`]) and only with `ad_user_data`.

pub mod google;
pub mod hashing;
pub mod meta;
pub mod vault;

use super::ConversionKind;
use super::conversions::{self, Conversion};
use super::destinations::{self, Destination, Platform};
use crate::columns::enum_column;
use crate::error::{DomainError, DomainResult, ErrorCode};
use crate::events::{Origin, emit};
use crate::jobs;
use crate::list::ListParams;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::json;
use silo_contract::{EventType, JobKind};
use silo_store::{Row, StoreError, TenantDb, Timestamp, Tx, Value, params};
use std::collections::BTreeMap;
use uuid::Uuid;

silo_contract::string_enum! {
    /// Where a conversion's delivery to a destination stands.
    pub enum ForwardState {
        /// Queued, not sent yet.
        Pending = "pending",
        /// Sent and failed (an error of the platform's side or the network); sent again later.
        Retrying = "retrying",
        /// The platform accepted it.
        Delivered = "delivered",
        /// Given up: the platform refused it (4xx), the attempts ran out, or the destination
        /// was disabled or deleted. A person may retry it.
        Failed = "failed",
        /// Not sent: the visitor did not grant `ad_user_data` consent.
        SkippedNoConsent = "skipped_no_consent",
        /// Not sent: its contact was erased, or its destination deleted, before it went out.
        Dropped = "dropped",
    }
}

/// Where the platforms' APIs are (configuration, so tests point them at a local server).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlatformUrls {
    /// Meta's Graph API.
    pub meta: String,
    /// The Google Ads API.
    pub google_ads: String,
}

impl Default for PlatformUrls {
    fn default() -> Self {
        PlatformUrls {
            meta: "https://graph.facebook.com".to_owned(),
            google_ads: "https://googleads.googleapis.com".to_owned(),
        }
    }
}

/// A request to an ad platform, without its credentials (those go in headers the worker adds).
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct PlatformRequest {
    /// The HTTP method.
    pub method: String,
    /// The address.
    pub url: String,
    /// The JSON body, with hashed personal details only.
    pub body: serde_json::Value,
}

/// One conversion as a payload builder needs it.
#[derive(Clone, Debug)]
pub struct Item {
    /// The conversion.
    pub conversion: Conversion,
    /// Its contact's e-mail address (hashed by the builder; never sent in the clear).
    pub email: Option<String>,
    /// Its contact's phone number (hashed by the builder).
    pub phone: Option<String>,
    /// The click ids of its last touch; empty without `ads` consent.
    pub click_ids: BTreeMap<String, String>,
}

/// One delivery as the API shows it.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ConversionDelivery {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// The conversion.
    pub conversion_id: Uuid,
    /// Its kind.
    pub conversion_kind: ConversionKind,
    /// Its dedup key (the invoice number for invoices).
    pub order_id: String,
    /// Where it stands.
    pub state: ForwardState,
    /// Requests sent so far.
    pub attempts: i64,
    /// Sent in test mode (Meta `test_event_code`, Google `validateOnly`).
    pub test: bool,
    /// The last answer's status.
    pub last_status: Option<i64>,
    /// What went wrong last (the platform's error).
    pub last_error: Option<String>,
    /// When it was last sent.
    pub last_attempt_at: Option<Timestamp>,
    /// When it is sent next, while it waits.
    pub next_attempt_at: Option<Timestamp>,
    /// When the platform accepted it.
    pub delivered_at: Option<Timestamp>,
    /// Queued.
    pub created_at: Timestamp,
}

/// Most characters of an error kept per delivery.
pub const ERROR_MAX: usize = 1000;

// ---- queueing ----------------------------------------------------------------------------

/// Queues a new conversion's deliveries, inside its transaction.
pub(crate) async fn queue(tx: &mut Tx, conversion: &Conversion) -> DomainResult<()> {
    let Some(site) = conversion.site_id else {
        return Ok(());
    };
    let sql = silo_store::Sql::assembled(format!(
        "SELECT {} FROM destinations WHERE deleted_at IS NULL AND enabled \
         AND account_id = (SELECT account_id FROM sites WHERE id = $1) ORDER BY id",
        destinations::COLUMNS
    ));
    let rows = tx.fetch_all(sql, params![site]).await?;
    let now = Timestamp::now();
    for row in rows {
        let d = destinations::from_row(&row)?;
        if !d.kinds.contains(&conversion.kind) {
            continue;
        }
        let id = Uuid::now_v7();
        let (state, job) = if conversion.consent.ad_user_data {
            let key = d.id.to_string();
            let job = jobs::enqueue(tx, JobKind::ConversionDeliver, id, Some(&key), now).await?;
            (ForwardState::Pending, Some(job))
        } else {
            (ForwardState::SkippedNoConsent, None)
        };
        tx.execute(
            "INSERT INTO conversion_deliveries (id, conversion_id, destination_id, state, job_id, \
             attempts, test, created_at) VALUES ($1, $2, $3, $4, $5, 0, $6, $7) \
             ON CONFLICT (conversion_id, destination_id) DO NOTHING",
            params![
                id,
                conversion.id,
                d.id,
                state.as_str(),
                job,
                d.test_mode,
                now
            ],
        )
        .await?;
    }
    Ok(())
}

/// Drops the waiting deliveries (and their jobs) that `filter` selects (a condition on
/// `conversion_deliveries` with `$1` bound to `id`).
pub(crate) async fn drop_waiting(tx: &mut Tx, filter: &str, id: Uuid) -> DomainResult<()> {
    let now = Timestamp::now();
    let jobs = silo_store::Sql::assembled(format!(
        "UPDATE jobs SET state = 'dropped', locked_until = NULL, updated_at = $2 \
         WHERE kind = $3 AND state IN ('pending', 'dead') AND id IN (SELECT job_id FROM \
         conversion_deliveries WHERE {filter} AND state IN ('pending', 'retrying'))"
    ));
    tx.execute(jobs, params![id, now, JobKind::ConversionDeliver.as_str()])
        .await?;
    let deliveries = silo_store::Sql::assembled(format!(
        "UPDATE conversion_deliveries SET state = 'dropped' \
         WHERE {filter} AND state IN ('pending', 'retrying')"
    ));
    tx.execute(deliveries, params![id]).await?;
    Ok(())
}

/// Drops the pending deliveries of a contact's conversions, inside the transaction that erases
/// the contact (before its row goes, while its conversions still name it).
pub async fn drop_for_contact(tx: &mut Tx, contact: Uuid) -> DomainResult<()> {
    drop_waiting(
        tx,
        "conversion_id IN (SELECT id FROM conversions WHERE contact_id = $1)",
        contact,
    )
    .await
}

// ---- the delivery log --------------------------------------------------------------------

const DELIVERY_COLUMNS: &str = "d.id, d.conversion_id, c.kind AS conversion_kind, c.order_id, \
     d.state, d.attempts, d.test, d.last_status, d.last_error, d.last_attempt_at, \
     d.delivered_at, d.created_at, j.state AS job_state, j.due_at AS job_due_at";

const DELIVERY_FROM: &str = "conversion_deliveries d JOIN conversions c ON c.id = d.conversion_id \
     LEFT JOIN jobs j ON j.id = d.job_id";

fn delivery_from_row(row: &Row) -> Result<ConversionDelivery, StoreError> {
    let stored: ForwardState = enum_column(row, "state")?;
    let job_state: Option<String> = row.get("job_state")?;
    let waiting = matches!(stored, ForwardState::Pending | ForwardState::Retrying);
    // The worker turns the last retry into a dead letter: the job's state says so.
    let state = match job_state.as_deref() {
        Some("dead") if waiting => ForwardState::Failed,
        Some("dropped") if waiting => ForwardState::Dropped,
        _ => stored,
    };
    let next_attempt_at = match (job_state.as_deref(), state) {
        (Some("pending"), ForwardState::Pending | ForwardState::Retrying) => {
            row.get("job_due_at")?
        }
        _ => None,
    };
    Ok(ConversionDelivery {
        id: row.get("id")?,
        conversion_id: row.get("conversion_id")?,
        conversion_kind: enum_column(row, "conversion_kind")?,
        order_id: row.get("order_id")?,
        state,
        attempts: row.get("attempts")?,
        test: row.get("test")?,
        last_status: row.get("last_status")?,
        last_error: row.get("last_error")?,
        last_attempt_at: row.get("last_attempt_at")?,
        next_attempt_at,
        delivered_at: row.get("delivered_at")?,
        created_at: row.get("created_at")?,
    })
}

/// A page of a destination's deliveries, newest first; `q` matches the order id.
pub async fn deliveries(
    db: &TenantDb,
    destination: Uuid,
    params: &ListParams,
) -> DomainResult<Vec<ConversionDelivery>> {
    destinations::get(db, destination).await?;
    let [after, pattern, limit] = params.binds();
    let sql = silo_store::Sql::assembled(format!(
        "SELECT {DELIVERY_COLUMNS} FROM {DELIVERY_FROM} WHERE d.destination_id = $1 \
         AND ($2 IS NULL OR d.id < $2) AND ($3 IS NULL OR LOWER(c.order_id) LIKE $3 ESCAPE '\\') \
         ORDER BY d.id DESC LIMIT $4"
    ));
    let rows = db
        .db()
        .fetch_all(sql, &[Value::from(destination), after, pattern, limit])
        .await?;
    Ok(rows
        .iter()
        .map(delivery_from_row)
        .collect::<Result<_, _>>()?)
}

async fn delivery_in(tx: &mut Tx, destination: Uuid, id: Uuid) -> DomainResult<ConversionDelivery> {
    let sql = silo_store::Sql::assembled(format!(
        "SELECT {DELIVERY_COLUMNS} FROM {DELIVERY_FROM} WHERE d.id = $1 AND d.destination_id = $2"
    ));
    let row = tx
        .fetch_optional(sql, params![id, destination])
        .await?
        .ok_or(DomainError::NotFound)?;
    Ok(delivery_from_row(&row)?)
}

/// Sends a failed delivery again (a new job, due now) to its destination, which must be
/// enabled. Any other state is left as it is (409 `invalid_transition`).
pub async fn retry(
    db: &TenantDb,
    destination: Uuid,
    id: Uuid,
    origin: &Origin,
) -> DomainResult<ConversionDelivery> {
    let dest = destinations::get(db, destination).await?;
    let mut tx = db.db().begin().await?;
    let d = delivery_in(&mut tx, destination, id).await?;
    if d.state != ForwardState::Failed {
        return Err(DomainError::conflict(
            ErrorCode::InvalidTransition,
            "only a failed delivery can be retried",
        ));
    }
    if !dest.enabled {
        return Err(DomainError::conflict(
            ErrorCode::InvalidTransition,
            "the destination is disabled; enable it first",
        ));
    }
    let key = destination.to_string();
    let job = jobs::enqueue(
        &mut tx,
        JobKind::ConversionDeliver,
        id,
        Some(&key),
        Timestamp::now(),
    )
    .await?;
    tx.execute(
        "UPDATE conversion_deliveries SET state = 'pending', job_id = $2 WHERE id = $1",
        params![id, job],
    )
    .await?;
    emit(
        &mut tx,
        origin,
        EventType::ConversionDeliveryRetried,
        id,
        json!({ "id": id, "destination_id": destination, "conversion_id": d.conversion_id }),
    )
    .await?;
    let d = delivery_in(&mut tx, destination, id).await?;
    tx.commit().await?;
    Ok(d)
}

// ---- building requests -------------------------------------------------------------------

/// What a payload builder needs of one conversion: its contact's details, and its last touch's
/// click ids when `ads` consent was given.
async fn item(db: &TenantDb, conversion: Conversion) -> DomainResult<Item> {
    let (mut email, mut phone) = (None, None);
    if let Some(contact) = conversion.contact_id
        && let Some(row) = db
            .db()
            .fetch_optional(
                "SELECT email, phone FROM contacts WHERE id = $1",
                params![contact],
            )
            .await?
    {
        email = row.get("email")?;
        phone = row.get("phone")?;
    }
    let mut click_ids = BTreeMap::new();
    if conversion.consent.ads
        && let Some(row) = db
            .db()
            .fetch_optional(
                "SELECT t.click_ids FROM conversions c JOIN touchpoints t \
                 ON t.id = c.last_touchpoint_id WHERE c.id = $1",
                params![conversion.id],
            )
            .await?
        && let Some(text) = row.get::<Option<String>>("click_ids")?
        && let Ok(map) = serde_json::from_str::<BTreeMap<String, serde_json::Value>>(&text)
    {
        for (name, value) in map {
            if let Some(v) = value.as_str().filter(|v| !v.is_empty()) {
                click_ids.insert(name, v.to_owned());
            }
        }
    }
    Ok(Item {
        conversion,
        email,
        phone,
        click_ids,
    })
}

/// The most conversions one request to `platform` may carry.
pub fn batch_limit(platform: Platform) -> usize {
    match platform {
        Platform::Meta => meta::MAX_EVENTS,
        Platform::GoogleAds => google::MAX_CONVERSIONS,
        Platform::Tiktok | Platform::Linkedin => 1,
    }
}

/// The request that sends `items` to `destination`; `None` for a platform without a builder.
pub fn build(
    destination: &Destination,
    urls: &PlatformUrls,
    items: &[Item],
) -> Option<PlatformRequest> {
    match destination.platform {
        Platform::Meta => Some(meta::request(
            &urls.meta,
            &destination.settings,
            destination.test_mode,
            items,
        )),
        Platform::GoogleAds => Some(google::request(
            &urls.google_ads,
            &destination.settings,
            destination.test_mode,
            items,
        )),
        Platform::Tiktok | Platform::Linkedin => None,
    }
}

/// The exact request that would send `conversion` to `destination` now: hashed details, no
/// credential. A conversion without `ad_user_data` consent would not be sent (409).
pub async fn preview(
    db: &TenantDb,
    destination: Uuid,
    conversion: Uuid,
    urls: &PlatformUrls,
) -> DomainResult<PlatformRequest> {
    let dest = destinations::get(db, destination).await?;
    let conversion = match conversions::get(db, conversion).await {
        Err(DomainError::NotFound) => {
            return Err(DomainError::invalid(
                "conversion_id",
                crate::input::no_such("conversion"),
            ));
        }
        other => other?,
    };
    if !conversion.consent.ad_user_data {
        return Err(DomainError::conflict(
            ErrorCode::InvalidTransition,
            "the conversion has no ad_user_data consent: nothing would be sent",
        ));
    }
    let item = item(db, conversion).await?;
    build(&dest, urls, std::slice::from_ref(&item)).ok_or_else(|| {
        DomainError::conflict(
            ErrorCode::InvalidTransition,
            "this platform has no payload builder yet",
        )
    })
}

// ---- for the worker ----------------------------------------------------------------------

/// One delivery of a batch.
#[derive(Clone, Debug)]
pub struct BatchItem {
    /// The delivery.
    pub delivery_id: Uuid,
    /// Its job.
    pub job_id: Option<Uuid>,
    /// What is sent.
    pub item: Item,
}

/// Deliveries to send to one destination in one request.
#[derive(Clone, Debug)]
pub struct Batch {
    /// The destination.
    pub destination: Destination,
    /// Its sealed credentials (opened by the worker with the vault).
    pub sealed_credentials: String,
    /// The deliveries: the job's own first, then other waiting ones, up to the platform's limit.
    pub items: Vec<BatchItem>,
}

/// What a delivery job finds.
#[derive(Debug)]
pub enum Ready {
    /// Send this batch.
    Send(Box<Batch>),
    /// Nothing to send (delivered, skipped or dropped already; a job run again).
    Done,
    /// Not sent, for good (the destination is disabled or deleted): recorded as failed.
    Refused(String),
}

/// The batch a `conversion.deliver` job for `delivery` sends: that delivery and the
/// destination's other fresh deliveries whose jobs wait, up to the platform's limit.
pub async fn ready(db: &TenantDb, delivery: Uuid) -> DomainResult<Ready> {
    let row = db
        .db()
        .fetch_optional(
            "SELECT d.state, d.conversion_id, d.job_id, d.destination_id, e.deleted_at, e.enabled, \
             e.credentials_sealed FROM conversion_deliveries d \
             JOIN destinations e ON e.id = d.destination_id WHERE d.id = $1",
            params![delivery],
        )
        .await?
        .ok_or(DomainError::NotFound)?;
    let state: ForwardState = enum_column(&row, "state")?;
    if !matches!(state, ForwardState::Pending | ForwardState::Retrying) {
        return Ok(Ready::Done);
    }
    let destination_id: Uuid = row.get("destination_id")?;
    let deleted: Option<Timestamp> = row.get("deleted_at")?;
    let enabled: bool = row.get("enabled")?;
    if deleted.is_some() || !enabled {
        let why = if deleted.is_some() {
            "the destination was deleted"
        } else {
            "the destination is disabled"
        };
        db.db()
            .execute(
                "UPDATE conversion_deliveries SET state = 'failed', last_error = $2 WHERE id = $1",
                params![delivery, why],
            )
            .await?;
        return Ok(Ready::Refused(why.to_owned()));
    }
    let sql = silo_store::Sql::assembled(format!(
        "SELECT {} FROM destinations WHERE id = $1",
        destinations::COLUMNS
    ));
    let dest = destinations::from_row(
        &db.db()
            .fetch_optional(sql, params![destination_id])
            .await?
            .ok_or(DomainError::NotFound)?,
    )?;
    let limit = i64::try_from(batch_limit(dest.platform)).unwrap_or(1);
    let mut members = vec![(
        delivery,
        row.get::<Option<Uuid>>("job_id")?,
        row.get::<Uuid>("conversion_id")?,
    )];
    let others = db
        .db()
        .fetch_all(
            "SELECT d.id, d.job_id, d.conversion_id FROM conversion_deliveries d \
             JOIN jobs j ON j.id = d.job_id WHERE d.destination_id = $1 AND d.id <> $2 \
             AND d.state = 'pending' AND j.state = 'pending' ORDER BY d.id LIMIT $3",
            params![destination_id, delivery, limit - 1],
        )
        .await?;
    for r in &others {
        members.push((r.get("id")?, r.get("job_id")?, r.get("conversion_id")?));
    }
    let mut items = Vec::with_capacity(members.len());
    for (delivery_id, job_id, conversion) in members {
        let conversion = conversions::get(db, conversion).await?;
        items.push(BatchItem {
            delivery_id,
            job_id,
            item: item(db, conversion).await?,
        });
    }
    Ok(Ready::Send(Box::new(Batch {
        destination: dest,
        sealed_credentials: row.get("credentials_sealed")?,
        items,
    })))
}

/// What one send meant for one delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendOutcome {
    /// Accepted.
    Delivered,
    /// Failed; sent again with backoff.
    Retry,
    /// Too early for the platform; sent again at this time.
    Later(Timestamp),
    /// Refused for good (a 4xx): dead-lettered with the error.
    Failed,
}

/// The outcome of one send for one delivery.
#[derive(Clone, Debug)]
pub struct SendResult {
    /// The delivery.
    pub delivery_id: Uuid,
    /// What it means.
    pub outcome: SendOutcome,
    /// The answer's status, if one came.
    pub status: Option<u16>,
    /// What went wrong.
    pub error: Option<String>,
}

/// Records one send's outcomes. The jobs of the batch's other deliveries are settled here too:
/// done when delivered, dead when refused, due later when rescheduled, and left waiting (their
/// turn comes after the job that sent them) when they are to be retried.
pub async fn record(
    db: &TenantDb,
    batch: &Batch,
    own_job: Uuid,
    results: &[SendResult],
) -> DomainResult<()> {
    let mut tx = db.db().begin().await?;
    let now = Timestamp::now();
    for r in results {
        let state = match r.outcome {
            SendOutcome::Delivered => ForwardState::Delivered,
            SendOutcome::Retry | SendOutcome::Later(_) => ForwardState::Retrying,
            SendOutcome::Failed => ForwardState::Failed,
        };
        let error: Option<String> = r
            .error
            .as_ref()
            .map(|e| e.chars().take(ERROR_MAX).collect());
        let delivered_at = (r.outcome == SendOutcome::Delivered).then_some(now);
        tx.execute(
            "UPDATE conversion_deliveries SET state = $2, attempts = attempts + 1, \
             last_status = $3, last_error = $4, last_attempt_at = $5, \
             delivered_at = COALESCE($6, delivered_at) WHERE id = $1",
            params![
                r.delivery_id,
                state.as_str(),
                r.status.map(i64::from),
                error.clone(),
                now,
                delivered_at
            ],
        )
        .await?;
        let job = batch
            .items
            .iter()
            .find(|i| i.delivery_id == r.delivery_id)
            .and_then(|i| i.job_id)
            .filter(|j| *j != own_job);
        let Some(job) = job else { continue };
        match &r.outcome {
            SendOutcome::Delivered => {
                tx.execute(
                    "UPDATE jobs SET state = 'done', last_error = NULL, updated_at = $2 \
                     WHERE id = $1 AND state = 'pending'",
                    params![job, now],
                )
                .await?;
            }
            SendOutcome::Failed => {
                tx.execute(
                    "UPDATE jobs SET state = 'dead', last_error = $3, updated_at = $2 \
                     WHERE id = $1 AND state = 'pending'",
                    params![job, now, error.unwrap_or_default()],
                )
                .await?;
            }
            SendOutcome::Later(at) => {
                tx.execute(
                    "UPDATE jobs SET due_at = $3, updated_at = $2 WHERE id = $1 AND state = 'pending'",
                    params![job, now, *at],
                )
                .await?;
            }
            SendOutcome::Retry => {}
        }
    }
    tx.commit().await?;
    Ok(())
}
