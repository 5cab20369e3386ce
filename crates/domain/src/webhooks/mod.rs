//! Webhook endpoints and their deliveries ([Standard Webhooks]), in the company's own database.
//!
//! An endpoint names an address and the event types it wants. Every business write appends its
//! event to the outbox ([`crate::events::emit`]), which calls [`fan_out`] in the same
//! transaction: one delivery and one job per enabled endpoint subscribed to the event's type,
//! the job keyed by the endpoint so deliveries to one endpoint run strictly in order. The worker
//! (`silo_worker::webhook::Sender`) sends them, signed, and records every attempt here.
//!
//! Secrets are shown once, in the answers of [`create`] and [`rotate_secret`]; reads never
//! carry them, nor do events (and so the audit trail). Every change to an endpoint goes through
//! [`emit`], so it is audited like any business write.
//!
//! [Standard Webhooks]: https://www.standardwebhooks.com/

pub mod address;
pub mod signature;

pub use address::AddressPolicy;

use crate::columns::enum_column;
use crate::error::{DomainError, DomainResult, ErrorCode, Problems};
use crate::events::{self, Origin, OutboxEvent, emit};
use crate::input::{Input, Optional, Patch, Problem, ProblemCode, Sent, Text, take};
use crate::jobs;
use crate::list::ListParams;
use schemars::{JsonSchema, Schema};
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};
use silo_contract::{EventType, JobKind, StringEnum, string_enum_schema};
use silo_store::{Row, StoreError, TenantDb, Timestamp, Tx, Value, params};
use std::collections::BTreeMap;
use std::time::Duration;
use uuid::Uuid;

/// Most characters of an endpoint address.
pub const URL_MAX: usize = 2000;
/// Most event types one endpoint may name.
pub const MAX_EVENT_TYPES: usize = 50;
/// Most endpoints one company may have (each business write is sent to each subscriber).
pub const MAX_ENDPOINTS: i64 = 20;
/// How long a rotated-out secret keeps signing beside the new one.
pub const ROTATION_OVERLAP: Duration = Duration::from_secs(24 * 3600);
/// Most characters of an answer kept per attempt.
pub const RESPONSE_EXCERPT_MAX: usize = 1000;
/// Most characters of an error kept per attempt.
pub const ERROR_MAX: usize = 500;
/// The newest attempts shown with each delivery.
pub const ATTEMPTS_SHOWN: usize = 20;

/// An endpoint's description.
pub type Description = Text<500>;

/// The address of a webhook endpoint: an absolute `http://` or `https://` URL with a host and
/// without a user name or password. Where it may point is checked separately
/// ([`address::check`]), as that depends on the deployment and on DNS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookUrl(url::Url);

impl WebhookUrl {
    /// The parsed address.
    pub fn url(&self) -> &url::Url {
        &self.0
    }

    fn parse_str(raw: &str) -> Result<Self, Problem> {
        if raw.chars().count() > URL_MAX {
            return Err(Problem::too_long(URL_MAX));
        }
        let rest = raw
            .strip_prefix("https://")
            .or_else(|| raw.strip_prefix("http://"))
            .ok_or(ProblemCode::NotUrl)?;
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.is_empty() || authority.contains('@') {
            return Err(ProblemCode::NotUrl.into());
        }
        let url = url::Url::parse(raw).map_err(|_| ProblemCode::NotUrl)?;
        match url.host_str() {
            Some(host) if !host.is_empty() => Ok(WebhookUrl(url)),
            _ => Err(ProblemCode::NotUrl.into()),
        }
    }
}

/// The pattern of an address as the schema states it: the scheme, then an authority without
/// `@` (no user name or password).
const URL_PATTERN: &str = "^https?://[^/?#@]+([/?#]|$)";

impl Input for WebhookUrl {
    type Raw = String;

    fn parse(raw: String) -> Result<Self, Problem> {
        WebhookUrl::parse_str(&raw)
    }

    fn schema() -> Schema {
        schemars::json_schema!({
            "type": "string",
            "format": "uri",
            "pattern": URL_PATTERN,
            "maxLength": URL_MAX,
            "description": "An http:// or https:// address (https:// unless the deployment allows private addresses); never on a loopback, private or link-local network unless allowed.",
        })
    }
}

/// An event type an endpoint may subscribe to: any [`EventType`] but those only ever sent
/// where they are asked for ([`EventType::subscribable`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubscribedEvent(pub EventType);

/// Every event type an endpoint may subscribe to, in declaration order.
pub fn subscribable_events() -> Vec<EventType> {
    EventType::ALL
        .iter()
        .copied()
        .filter(|e| e.subscribable())
        .collect()
}

fn subscribable_names() -> Vec<&'static str> {
    subscribable_events()
        .into_iter()
        .map(|e| e.name())
        .collect()
}

impl Input for SubscribedEvent {
    type Raw = String;

    fn parse(raw: String) -> Result<Self, Problem> {
        EventType::parse(&raw)
            .filter(|e| e.subscribable())
            .map(SubscribedEvent)
            .ok_or_else(|| Problem::not_allowed(&subscribable_names()))
    }

    fn schema() -> Schema {
        string_enum_schema(&subscribable_names())
    }
}

silo_contract::string_enum! {
    /// Why an endpoint is disabled.
    pub enum DisabledReason {
        /// A person turned it off.
        Manual = "manual",
        /// It answered `410 Gone`: the receiver asked for no more deliveries.
        Gone = "gone",
    }
}

silo_contract::string_enum! {
    /// Where a delivery stands.
    pub enum DeliveryState {
        /// Queued, not tried yet.
        Pending = "pending",
        /// Tried and failed; it is tried again later.
        Retrying = "retrying",
        /// The endpoint answered 2xx.
        Delivered = "delivered",
        /// Given up: the attempts ran out, the endpoint answered `410 Gone`, or it is disabled
        /// or deleted. A person may deliver it again.
        Failed = "failed",
    }
}

/// A webhook endpoint as the API shows it (never with its secret).
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct WebhookEndpoint {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// Where deliveries are sent.
    pub url: String,
    /// What it is for.
    pub description: Option<String>,
    /// The event types it receives.
    pub event_types: Vec<EventType>,
    /// Whether deliveries are sent to it.
    pub enabled: bool,
    /// Why it is disabled, if it is.
    pub disabled_reason: Option<DisabledReason>,
    /// When it was disabled.
    pub disabled_at: Option<Timestamp>,
    /// Until when the secret before the last rotation still signs too (during a rotation).
    pub previous_secret_expires_at: Option<Timestamp>,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

/// An endpoint with its signing secret: the answer of creating an endpoint or rotating its
/// secret, the only times the secret is shown.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct WebhookEndpointSecret {
    /// The endpoint.
    pub endpoint: WebhookEndpoint,
    /// The signing secret (`whsec_` + base64): keep it, it is not shown again.
    pub secret: String,
}

/// `POST /api/webhooks` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NewWebhookEndpoint {
    url: Sent<WebhookUrl>,
    #[serde(default)]
    description: Optional<Description>,
    /// The event types to receive (duplicates count once).
    #[schemars(length(min = 1, max = MAX_EVENT_TYPES))]
    event_types: Vec<Sent<SubscribedEvent>>,
    /// Whether to send to it at once (default true).
    enabled: Option<bool>,
}

/// `PATCH /api/webhooks/{id}` body: only the fields present change.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct WebhookEndpointPatch {
    url: Option<Sent<WebhookUrl>>,
    #[serde(default)]
    description: Patch<Sent<Description>>,
    /// Replaces the event types (duplicates count once).
    #[schemars(length(min = 1, max = MAX_EVENT_TYPES))]
    event_types: Option<Vec<Sent<SubscribedEvent>>>,
    /// Turn deliveries on or off; turning on clears why it was off.
    enabled: Option<bool>,
}

/// One HTTP attempt of a delivery.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct WebhookAttempt {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// When it started.
    pub attempted_at: Timestamp,
    /// The answer's status; none when no answer came.
    pub status: Option<i64>,
    /// How long it took, in milliseconds.
    pub duration_ms: i64,
    /// The start of the answer's body (at most 1000 characters).
    pub response: Option<String>,
    /// What went wrong (no answer, refused address, a status that is not 2xx).
    pub error: Option<String>,
}

/// One event sent (or to be sent) to one endpoint.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct WebhookDelivery {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// The endpoint.
    pub endpoint_id: Uuid,
    /// The event: the `webhook-id` header, the same on every attempt.
    pub event_id: Uuid,
    /// The event's type.
    pub event_type: EventType,
    /// Where it stands.
    pub state: DeliveryState,
    /// HTTP attempts so far.
    pub attempts: i64,
    /// The last answer's status.
    pub last_status: Option<i64>,
    /// The start of the last answer's body.
    pub last_response: Option<String>,
    /// What went wrong last.
    pub last_error: Option<String>,
    /// When it is tried next, while it waits to be retried.
    pub next_attempt_at: Option<Timestamp>,
    /// When it was last tried.
    pub last_attempt_at: Option<Timestamp>,
    /// When the endpoint accepted it.
    pub delivered_at: Option<Timestamp>,
    /// Queued.
    pub created_at: Timestamp,
    /// The newest attempts (at most 20), newest first.
    pub attempt_log: Vec<WebhookAttempt>,
}

// ---- reading -----------------------------------------------------------------------------

const ENDPOINT_COLUMNS: &str = "id, url, description, enabled, disabled_reason, disabled_at, \
     previous_secret, previous_secret_until, created_at, updated_at";

fn endpoint_from_row(
    row: &Row,
    event_types: Vec<EventType>,
) -> Result<WebhookEndpoint, StoreError> {
    let reason: Option<String> = row.get("disabled_reason")?;
    let previous: Option<String> = row.get("previous_secret")?;
    let until: Option<Timestamp> = row.get("previous_secret_until")?;
    Ok(WebhookEndpoint {
        id: row.get("id")?,
        url: row.get("url")?,
        description: row.get("description")?,
        event_types,
        enabled: row.get("enabled")?,
        disabled_reason: reason.as_deref().and_then(DisabledReason::parse),
        disabled_at: row.get("disabled_at")?,
        previous_secret_expires_at: until
            .filter(|until| previous.is_some() && *until > Timestamp::now()),
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
    })
}

/// The event types of the endpoints `ids`, each in declaration order.
async fn event_types_of(
    db: &silo_store::Db,
    ids: &[Uuid],
) -> DomainResult<BTreeMap<Uuid, Vec<EventType>>> {
    let mut out: BTreeMap<Uuid, Vec<EventType>> = ids.iter().map(|id| (*id, Vec::new())).collect();
    if ids.is_empty() {
        return Ok(out);
    }
    let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = silo_store::Sql::assembled(format!(
        "SELECT endpoint_id, event_type FROM webhook_endpoint_events WHERE endpoint_id IN ({})",
        placeholders.join(", ")
    ));
    let binds: Vec<Value> = ids.iter().map(|id| Value::from(*id)).collect();
    for row in db.fetch_all(sql, &binds).await? {
        let id: Uuid = row.get("endpoint_id")?;
        if let (Some(list), Some(event)) = (
            out.get_mut(&id),
            EventType::parse(&row.get::<String>("event_type")?),
        ) {
            list.push(event);
        }
    }
    for list in out.values_mut() {
        list.sort();
    }
    Ok(out)
}

async fn endpoints_from_rows(
    db: &silo_store::Db,
    rows: &[Row],
) -> DomainResult<Vec<WebhookEndpoint>> {
    let ids = rows
        .iter()
        .map(|r| r.get::<Uuid>("id"))
        .collect::<Result<Vec<_>, _>>()?;
    let mut types = event_types_of(db, &ids).await?;
    Ok(rows
        .iter()
        .zip(ids)
        .map(|(row, id)| endpoint_from_row(row, types.remove(&id).unwrap_or_default()))
        .collect::<Result<_, _>>()?)
}

/// A page of the company's endpoints, oldest first; `q` matches the address or description.
pub async fn list(db: &TenantDb, params: &ListParams) -> DomainResult<Vec<WebhookEndpoint>> {
    let sql = silo_store::Sql::assembled(format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints \
         WHERE deleted_at IS NULL AND ($1 IS NULL OR id > $1) \
         AND ($2 IS NULL OR LOWER(url) LIKE $2 ESCAPE '\\' OR LOWER(description) LIKE $2 ESCAPE '\\') \
         ORDER BY id LIMIT $3"
    ));
    let rows = db.db().fetch_all(sql, &params.binds()).await?;
    endpoints_from_rows(db.db(), &rows).await
}

/// One endpoint (not a deleted one).
pub async fn get(db: &TenantDb, id: Uuid) -> DomainResult<WebhookEndpoint> {
    let sql = silo_store::Sql::assembled(format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1 AND deleted_at IS NULL"
    ));
    let row = db
        .db()
        .fetch_optional(sql, params![id])
        .await?
        .ok_or(DomainError::NotFound)?;
    let mut endpoints = endpoints_from_rows(db.db(), std::slice::from_ref(&row)).await?;
    endpoints.pop().ok_or(DomainError::NotFound)
}

// ---- changing endpoints ------------------------------------------------------------------

/// The event types sent, checked one by one (problems under `event_types[i]`), deduplicated.
fn parse_event_types(p: &mut Problems, sent: Vec<Sent<SubscribedEvent>>) -> Vec<EventType> {
    if sent.len() > MAX_EVENT_TYPES {
        p.add("event_types", Problem::too_many(MAX_EVENT_TYPES));
        return Vec::new();
    }
    if sent.is_empty() {
        p.add("event_types", Problem::too_few(1));
        return Vec::new();
    }
    let mut out: Vec<EventType> = sent
        .into_iter()
        .enumerate()
        .filter_map(|(i, s)| p.take(&format!("event_types[{i}]"), s).map(|e| e.0))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Checks where an address points (see [`address::check`]), recording the problem on `url`.
async fn check_address(p: &mut Problems, url: Option<&WebhookUrl>, policy: AddressPolicy) {
    if let Some(url) = url
        && let Err(problem) = address::check(url.url(), policy).await
    {
        p.add("url", problem);
    }
}

/// A new secret; without the operating system's random source nothing is made (a 503).
fn new_secret() -> DomainResult<String> {
    signature::new_secret().ok_or_else(|| {
        DomainError::Store(StoreError::Unavailable(
            "the operating system's random source failed".to_owned(),
        ))
    })
}

async fn set_event_types(tx: &mut Tx, id: Uuid, types: &[EventType]) -> DomainResult<()> {
    tx.execute(
        "DELETE FROM webhook_endpoint_events WHERE endpoint_id = $1",
        params![id],
    )
    .await?;
    for t in types {
        tx.execute(
            "INSERT INTO webhook_endpoint_events (endpoint_id, event_type) VALUES ($1, $2)",
            params![id, t.as_str()],
        )
        .await?;
    }
    Ok(())
}

fn endpoint_data(e: &WebhookEndpoint) -> Json {
    // Never the address (it may carry a receiver's token) nor the secret.
    json!({
        "id": e.id,
        "enabled": e.enabled,
        "event_types": e.event_types,
        "disabled_reason": e.disabled_reason,
    })
}

/// Adds an endpoint with a new secret, which the answer shows this once. Refuses addresses the
/// deployment does not send to (`private_address`, `not_https`), and more than
/// [`MAX_ENDPOINTS`] endpoints ([`DomainError::Limit`]).
pub async fn create(
    db: &TenantDb,
    new: NewWebhookEndpoint,
    policy: AddressPolicy,
    origin: &Origin,
) -> DomainResult<WebhookEndpointSecret> {
    let mut p = Problems::new();
    let event_types = parse_event_types(&mut p, new.event_types);
    let enabled = new.enabled.unwrap_or(true);
    let fields = take!(p, new => url, description);
    check_address(&mut p, fields.as_ref().map(|f| &f.0), policy).await;
    let (url, description) = p.done(fields)?;
    let secret = new_secret()?;
    let mut tx = db.db().begin().await?;
    tx.execute(
        "UPDATE write_locks SET name = name WHERE name = 'outbox'",
        &[],
    )
    .await?;
    let count: i64 = tx
        .fetch_one(
            "SELECT COUNT(*) AS n FROM webhook_endpoints WHERE deleted_at IS NULL",
            &[],
        )
        .await?
        .get("n")?;
    if count >= MAX_ENDPOINTS {
        return Err(DomainError::Limit(format!(
            "a company may have at most {MAX_ENDPOINTS} webhook endpoints"
        )));
    }
    let now = Timestamp::now();
    let endpoint = WebhookEndpoint {
        id: Uuid::now_v7(),
        url: url.url().to_string(),
        description: description.map(String::from),
        event_types,
        enabled,
        disabled_reason: (!enabled).then_some(DisabledReason::Manual),
        disabled_at: (!enabled).then_some(now),
        previous_secret_expires_at: None,
        created_at: now,
        updated_at: now,
    };
    tx.execute(
        "INSERT INTO webhook_endpoints (id, url, description, secret, enabled, disabled_reason, \
         disabled_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
        params![
            endpoint.id,
            &endpoint.url,
            endpoint.description.clone(),
            &secret,
            endpoint.enabled,
            endpoint.disabled_reason.map(DisabledReason::as_str),
            endpoint.disabled_at,
            now
        ],
    )
    .await?;
    set_event_types(&mut tx, endpoint.id, &endpoint.event_types).await?;
    emit(
        &mut tx,
        origin,
        EventType::WebhookEndpointCreated,
        endpoint.id,
        endpoint_data(&endpoint),
    )
    .await?;
    tx.commit().await?;
    Ok(WebhookEndpointSecret { endpoint, secret })
}

/// Reads a live endpoint inside a transaction.
async fn get_in(tx: &mut Tx, id: Uuid) -> DomainResult<WebhookEndpoint> {
    let sql = silo_store::Sql::assembled(format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1 AND deleted_at IS NULL"
    ));
    let row = tx
        .fetch_optional(sql, params![id])
        .await?
        .ok_or(DomainError::NotFound)?;
    let mut types = Vec::new();
    for r in tx
        .fetch_all(
            "SELECT event_type FROM webhook_endpoint_events WHERE endpoint_id = $1",
            params![id],
        )
        .await?
    {
        if let Some(t) = EventType::parse(&r.get::<String>("event_type")?) {
            types.push(t);
        }
    }
    types.sort();
    Ok(endpoint_from_row(&row, types)?)
}

/// Changes the fields present in `patch`; a new address is checked like a first one.
pub async fn update(
    db: &TenantDb,
    id: Uuid,
    patch: WebhookEndpointPatch,
    policy: AddressPolicy,
    origin: &Origin,
) -> DomainResult<WebhookEndpoint> {
    let mut p = Problems::new();
    let event_types = patch
        .event_types
        .map(|sent| parse_event_types(&mut p, sent));
    let enabled = patch.enabled;
    let fields = take!(p, patch => url, description);
    check_address(&mut p, fields.as_ref().and_then(|f| f.0.as_ref()), policy).await;
    let (url, description) = p.done(fields)?;
    let mut tx = db.db().begin().await?;
    let mut e = get_in(&mut tx, id).await?;
    if let Some(url) = url {
        e.url = url.url().to_string();
    }
    description.apply(&mut e.description);
    if let Some(types) = event_types {
        set_event_types(&mut tx, id, &types).await?;
        e.event_types = types;
    }
    let now = Timestamp::now();
    match enabled {
        Some(true) if !e.enabled => {
            e.enabled = true;
            e.disabled_reason = None;
            e.disabled_at = None;
        }
        Some(false) if e.enabled => {
            e.enabled = false;
            e.disabled_reason = Some(DisabledReason::Manual);
            e.disabled_at = Some(now);
        }
        _ => {}
    }
    e.updated_at = now;
    tx.execute(
        "UPDATE webhook_endpoints SET url = $2, description = $3, enabled = $4, \
         disabled_reason = $5, disabled_at = $6, updated_at = $7 WHERE id = $1",
        params![
            id,
            &e.url,
            e.description.clone(),
            e.enabled,
            e.disabled_reason.map(DisabledReason::as_str),
            e.disabled_at,
            now
        ],
    )
    .await?;
    emit(
        &mut tx,
        origin,
        EventType::WebhookEndpointUpdated,
        id,
        endpoint_data(&e),
    )
    .await?;
    tx.commit().await?;
    Ok(e)
}

/// Deletes an endpoint: it disappears from the API, its secrets are erased, its subscriptions
/// end and its waiting deliveries are dropped. The row stays (marked deleted) with its delivery
/// log: the company's record of what was sent where.
pub async fn delete(db: &TenantDb, id: Uuid, origin: &Origin) -> DomainResult<()> {
    let mut tx = db.db().begin().await?;
    let now = Timestamp::now();
    let n = tx
        .execute(
            "UPDATE webhook_endpoints SET deleted_at = $2, secret = '', previous_secret = NULL, \
             previous_secret_until = NULL, enabled = FALSE, updated_at = $2 \
             WHERE id = $1 AND deleted_at IS NULL",
            params![id, now],
        )
        .await?;
    if n == 0 {
        return Err(DomainError::NotFound);
    }
    tx.execute(
        "DELETE FROM webhook_endpoint_events WHERE endpoint_id = $1",
        params![id],
    )
    .await?;
    // Its jobs are dropped (kept, never run), as a person may drop a job; their deliveries
    // read as failed.
    tx.execute(
        "UPDATE jobs SET state = 'dropped', locked_until = NULL, updated_at = $2 \
         WHERE kind = $3 AND queue_key = $1 AND state = 'pending'",
        params![id, now, JobKind::WebhookDeliver.as_str()],
    )
    .await?;
    emit(
        &mut tx,
        origin,
        EventType::WebhookEndpointDeleted,
        id,
        json!({ "id": id }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Replaces the endpoint's secret; the answer shows the new one this once. The old secret keeps
/// signing beside it for [`ROTATION_OVERLAP`] (a secret rotated out before that is dropped).
pub async fn rotate_secret(
    db: &TenantDb,
    id: Uuid,
    origin: &Origin,
) -> DomainResult<WebhookEndpointSecret> {
    let secret = new_secret()?;
    let mut tx = db.db().begin().await?;
    let mut e = get_in(&mut tx, id).await?;
    let now = Timestamp::now();
    let until = Timestamp::from_datetime(now.datetime() + ROTATION_OVERLAP);
    tx.execute(
        "UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_until = $2, \
         secret = $3, updated_at = $4 WHERE id = $1",
        params![id, until, &secret, now],
    )
    .await?;
    e.previous_secret_expires_at = Some(until);
    e.updated_at = now;
    emit(
        &mut tx,
        origin,
        EventType::WebhookEndpointSecretRotated,
        id,
        json!({ "id": id }),
    )
    .await?;
    tx.commit().await?;
    Ok(WebhookEndpointSecret {
        endpoint: e,
        secret,
    })
}

// ---- deliveries --------------------------------------------------------------------------

/// Queues one delivery of `event` to `endpoint`, with its job.
async fn queue_delivery(tx: &mut Tx, endpoint: Uuid, event: &OutboxEvent) -> DomainResult<Uuid> {
    let id = Uuid::now_v7();
    let key = endpoint.to_string();
    let job = jobs::enqueue(
        tx,
        JobKind::WebhookDeliver,
        id,
        Some(&key),
        event.occurred_at,
    )
    .await?;
    tx.execute(
        "INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, state, job_id, \
         attempts, created_at) VALUES ($1, $2, $3, $4, 'pending', $5, 0, $6)",
        params![
            id,
            endpoint,
            event.id,
            event.event_type.as_str(),
            job,
            event.occurred_at
        ],
    )
    .await?;
    Ok(id)
}

/// Queues a delivery of `event` to every enabled endpoint subscribed to its type, inside the
/// transaction that appends the event. Events that are not [`EventType::subscribable`] go
/// nowhere from here.
pub async fn fan_out(tx: &mut Tx, event: &OutboxEvent) -> DomainResult<()> {
    if !event.event_type.subscribable() {
        return Ok(());
    }
    let rows = tx
        .fetch_all(
            "SELECT e.id FROM webhook_endpoint_events s \
             JOIN webhook_endpoints e ON e.id = s.endpoint_id \
             WHERE s.event_type = $1 AND e.enabled AND e.deleted_at IS NULL ORDER BY e.id",
            params![event.event_type.as_str()],
        )
        .await?;
    for row in rows {
        let endpoint: Uuid = row.get("id")?;
        queue_delivery(tx, endpoint, event).await?;
    }
    Ok(())
}

const DELIVERY_COLUMNS: &str = "d.id, d.endpoint_id, d.event_id, d.event_type, d.state, \
     d.attempts, d.last_status, d.last_response, d.last_error, d.last_attempt_at, \
     d.delivered_at, d.created_at, j.state AS job_state, j.due_at AS job_due_at";

fn delivery_from_row(row: &Row) -> Result<WebhookDelivery, StoreError> {
    let stored = enum_column(row, "state")?;
    let job_state: Option<String> = row.get("job_state")?;
    let attempts: i64 = row.get("attempts")?;
    // The worker turns the last retry into a dead letter: the job's state says so.
    let state = match job_state.as_deref() {
        Some("dead" | "dropped") if stored != DeliveryState::Delivered => DeliveryState::Failed,
        _ => stored,
    };
    let next_attempt_at = match (job_state.as_deref(), state) {
        (Some("pending"), DeliveryState::Retrying) if attempts > 0 => row.get("job_due_at")?,
        _ => None,
    };
    Ok(WebhookDelivery {
        id: row.get("id")?,
        endpoint_id: row.get("endpoint_id")?,
        event_id: row.get("event_id")?,
        event_type: enum_column(row, "event_type")?,
        state,
        attempts,
        last_status: row.get("last_status")?,
        last_response: row.get("last_response")?,
        last_error: row.get("last_error")?,
        next_attempt_at,
        last_attempt_at: row.get("last_attempt_at")?,
        delivered_at: row.get("delivered_at")?,
        created_at: row.get("created_at")?,
        attempt_log: Vec::new(),
    })
}

fn attempt_from_row(row: &Row) -> Result<WebhookAttempt, StoreError> {
    Ok(WebhookAttempt {
        id: row.get("id")?,
        attempted_at: row.get("attempted_at")?,
        status: row.get("status")?,
        duration_ms: row.get("duration_ms")?,
        response: row.get("response")?,
        error: row.get("error")?,
    })
}

/// Fills in the newest attempts of each delivery.
async fn with_attempts(
    db: &silo_store::Db,
    mut deliveries: Vec<WebhookDelivery>,
) -> DomainResult<Vec<WebhookDelivery>> {
    if deliveries.is_empty() {
        return Ok(deliveries);
    }
    let placeholders: Vec<String> = (1..=deliveries.len()).map(|i| format!("${i}")).collect();
    let sql = silo_store::Sql::assembled(format!(
        "SELECT delivery_id, id, attempted_at, status, duration_ms, response, error \
         FROM webhook_attempts WHERE delivery_id IN ({}) ORDER BY id DESC",
        placeholders.join(", ")
    ));
    let binds: Vec<Value> = deliveries.iter().map(|d| Value::from(d.id)).collect();
    let mut by_delivery: BTreeMap<Uuid, Vec<WebhookAttempt>> = BTreeMap::new();
    for row in db.fetch_all(sql, &binds).await? {
        let list = by_delivery.entry(row.get("delivery_id")?).or_default();
        if list.len() < ATTEMPTS_SHOWN {
            list.push(attempt_from_row(&row)?);
        }
    }
    for d in &mut deliveries {
        d.attempt_log = by_delivery.remove(&d.id).unwrap_or_default();
    }
    Ok(deliveries)
}

/// A page of an endpoint's deliveries, newest first, each with its newest attempts; `q`
/// matches the event type. `params.after` is the last id of the previous page.
pub async fn deliveries(
    db: &TenantDb,
    endpoint: Uuid,
    params: &ListParams,
) -> DomainResult<Vec<WebhookDelivery>> {
    get(db, endpoint).await?;
    let [after, pattern, limit] = params.binds();
    let sql = silo_store::Sql::assembled(format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d LEFT JOIN jobs j ON j.id = d.job_id \
         WHERE d.endpoint_id = $1 AND ($2 IS NULL OR d.id < $2) \
         AND ($3 IS NULL OR LOWER(d.event_type) LIKE $3 ESCAPE '\\') \
         ORDER BY d.id DESC LIMIT $4"
    ));
    let rows = db
        .db()
        .fetch_all(sql, &[Value::from(endpoint), after, pattern, limit])
        .await?;
    let list = rows
        .iter()
        .map(delivery_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    with_attempts(db.db(), list).await
}

/// One delivery of an endpoint, with its newest attempts.
pub async fn delivery(db: &TenantDb, endpoint: Uuid, id: Uuid) -> DomainResult<WebhookDelivery> {
    let sql = silo_store::Sql::assembled(format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d LEFT JOIN jobs j ON j.id = d.job_id \
         JOIN webhook_endpoints e ON e.id = d.endpoint_id \
         WHERE d.id = $1 AND d.endpoint_id = $2 AND e.deleted_at IS NULL"
    ));
    let row = db
        .db()
        .fetch_optional(sql, params![id, endpoint])
        .await?
        .ok_or(DomainError::NotFound)?;
    let list = vec![delivery_from_row(&row)?];
    with_attempts(db.db(), list)
        .await?
        .pop()
        .ok_or(DomainError::NotFound)
}

/// Sends a `webhook.test` event to this endpoint only (it must be enabled); answers the queued
/// delivery.
pub async fn send_test(db: &TenantDb, id: Uuid, origin: &Origin) -> DomainResult<WebhookDelivery> {
    let mut tx = db.db().begin().await?;
    let e = get_in(&mut tx, id).await?;
    if !e.enabled {
        return Err(DomainError::conflict(
            ErrorCode::InvalidTransition,
            "the endpoint is disabled; enable it first",
        ));
    }
    let data = json!({
        "id": id,
        "message": "A test event sent from Silo.",
    });
    let event = emit(&mut tx, origin, EventType::WebhookTest, id, data).await?;
    let delivery = queue_delivery(&mut tx, id, &event).await?;
    tx.commit().await?;
    self::delivery(db, id, delivery).await
}

/// Queues a failed delivery again (a new job, due now) to its endpoint, which must be enabled.
/// A delivery that is delivered, or still waiting for its next attempt, is left as it is (409).
pub async fn redeliver(
    db: &TenantDb,
    endpoint: Uuid,
    id: Uuid,
    origin: &Origin,
) -> DomainResult<WebhookDelivery> {
    let mut tx = db.db().begin().await?;
    let e = get_in(&mut tx, endpoint).await?;
    let sql = silo_store::Sql::assembled(format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d LEFT JOIN jobs j ON j.id = d.job_id \
         WHERE d.id = $1 AND d.endpoint_id = $2"
    ));
    let row = tx
        .fetch_optional(sql, params![id, endpoint])
        .await?
        .ok_or(DomainError::NotFound)?;
    let d = delivery_from_row(&row)?;
    if d.state != DeliveryState::Failed {
        return Err(DomainError::conflict(
            ErrorCode::InvalidTransition,
            "only a failed delivery can be delivered again",
        ));
    }
    if !e.enabled {
        return Err(DomainError::conflict(
            ErrorCode::InvalidTransition,
            "the endpoint is disabled; enable it first",
        ));
    }
    let key = endpoint.to_string();
    let job = jobs::enqueue(
        &mut tx,
        JobKind::WebhookDeliver,
        id,
        Some(&key),
        Timestamp::now(),
    )
    .await?;
    tx.execute(
        "UPDATE webhook_deliveries SET state = 'pending', job_id = $2 WHERE id = $1",
        params![id, job],
    )
    .await?;
    emit(
        &mut tx,
        origin,
        EventType::WebhookDeliveryRedelivered,
        id,
        json!({ "id": id, "endpoint_id": endpoint, "event_id": d.event_id }),
    )
    .await?;
    tx.commit().await?;
    self::delivery(db, endpoint, id).await
}

// ---- for the sender ----------------------------------------------------------------------

/// A delivery ready to send: where to, what, and the secrets to sign with.
#[derive(Clone)]
pub struct Outgoing {
    /// The delivery.
    pub delivery_id: Uuid,
    /// Its endpoint.
    pub endpoint_id: Uuid,
    /// The endpoint's address.
    pub url: String,
    /// The `webhook-id`: the event's id.
    pub msg_id: String,
    /// The JSON payload: `{"type", "timestamp", "data"}`.
    pub body: Vec<u8>,
    /// Why it must not be sent (endpoint disabled or deleted), if so.
    pub refused: Option<String>,
    /// Whether it was delivered already (a job run again after its worker died).
    pub delivered: bool,
    secrets: Vec<String>,
}

impl std::fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outgoing")
            .field("delivery_id", &self.delivery_id)
            .field("endpoint_id", &self.endpoint_id)
            .field("msg_id", &self.msg_id)
            .finish_non_exhaustive()
    }
}

impl Outgoing {
    /// The `webhook-signature` header for a send at `timestamp` (unix seconds): signed with the
    /// current secret and, during a rotation, the previous one.
    pub fn signature(&self, timestamp: i64) -> String {
        signature::header(&self.secrets, &self.msg_id, timestamp, &self.body)
    }
}

/// The payload of an event as Standard Webhooks recommends: its type, when it happened and its
/// data (with the id of the record it happened to).
pub fn payload(event: &OutboxEvent) -> Json {
    let mut data = match &event.data {
        Json::Object(map) => map.clone(),
        Json::Null => serde_json::Map::new(),
        other => serde_json::Map::from_iter([("value".to_owned(), other.clone())]),
    };
    data.entry("id")
        .or_insert_with(|| Json::String(event.subject_id.to_string()));
    json!({
        "type": event.event_type,
        "timestamp": event.occurred_at,
        "data": data,
    })
}

/// What the sender needs to send a delivery, read from the company's database.
pub async fn outgoing(db: &TenantDb, delivery_id: Uuid) -> DomainResult<Outgoing> {
    let row = db
        .db()
        .fetch_optional(
            "SELECT d.id, d.endpoint_id, d.event_id, d.state, e.url, e.secret, \
             e.previous_secret, e.previous_secret_until, e.enabled, e.deleted_at \
             FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id \
             WHERE d.id = $1",
            params![delivery_id],
        )
        .await?
        .ok_or(DomainError::NotFound)?;
    let event = events::get(db, row.get("event_id")?).await?;
    let body = serde_json::to_vec(&payload(&event)).map_err(|e| StoreError::Decode {
        column: "data".to_owned(),
        reason: e.to_string(),
    })?;
    let mut secrets = vec![row.get::<String>("secret")?];
    let previous: Option<String> = row.get("previous_secret")?;
    let until: Option<Timestamp> = row.get("previous_secret_until")?;
    if let (Some(previous), Some(until)) = (previous, until)
        && until > Timestamp::now()
    {
        secrets.push(previous);
    }
    let deleted: Option<Timestamp> = row.get("deleted_at")?;
    let enabled: bool = row.get("enabled")?;
    let refused = if deleted.is_some() {
        Some("the endpoint was deleted".to_owned())
    } else if !enabled {
        Some("the endpoint is disabled".to_owned())
    } else {
        None
    };
    Ok(Outgoing {
        delivery_id,
        endpoint_id: row.get("endpoint_id")?,
        url: row.get("url")?,
        msg_id: event.id.to_string(),
        body,
        refused,
        delivered: enum_column::<DeliveryState>(&row, "state")? == DeliveryState::Delivered,
        secrets,
    })
}

/// One HTTP attempt as the sender saw it.
#[derive(Clone, Debug)]
pub struct AttemptRecord {
    /// When it started.
    pub attempted_at: Timestamp,
    /// The answer's status, if one came.
    pub status: Option<u16>,
    /// How long it took.
    pub duration: Duration,
    /// The start of the answer's body.
    pub response: Option<String>,
    /// What went wrong.
    pub error: Option<String>,
}

/// What an attempt means for its delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptResult {
    /// Accepted (2xx).
    Delivered,
    /// Failed; it is tried again.
    Retrying,
    /// Failed for good.
    Failed,
    /// The endpoint answered `410 Gone`: the delivery fails and the endpoint is disabled.
    Gone,
}

fn bounded(text: Option<String>, max: usize) -> Option<String> {
    text.map(|t| t.chars().take(max).collect())
}

/// Records an attempt and what it means for its delivery (and, for `410 Gone`, disables the
/// endpoint, as an audited change by Silo itself).
pub async fn record_attempt(
    db: &TenantDb,
    out: &Outgoing,
    attempt: AttemptRecord,
    result: AttemptResult,
) -> DomainResult<()> {
    let mut tx = db.db().begin().await?;
    let response = bounded(attempt.response, RESPONSE_EXCERPT_MAX);
    let error = bounded(attempt.error, ERROR_MAX);
    let status = attempt.status.map(i64::from);
    let duration_ms = i64::try_from(attempt.duration.as_millis()).unwrap_or(i64::MAX);
    tx.execute(
        "INSERT INTO webhook_attempts (id, delivery_id, attempted_at, status, duration_ms, \
         response, error) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![
            Uuid::now_v7(),
            out.delivery_id,
            attempt.attempted_at,
            status,
            duration_ms,
            response.clone(),
            error.clone()
        ],
    )
    .await?;
    let state = match result {
        AttemptResult::Delivered => DeliveryState::Delivered,
        AttemptResult::Retrying => DeliveryState::Retrying,
        AttemptResult::Failed | AttemptResult::Gone => DeliveryState::Failed,
    };
    let delivered_at = (result == AttemptResult::Delivered).then(Timestamp::now);
    tx.execute(
        "UPDATE webhook_deliveries SET state = $2, attempts = attempts + 1, last_status = $3, \
         last_response = $4, last_error = $5, last_attempt_at = $6, \
         delivered_at = COALESCE($7, delivered_at) WHERE id = $1",
        params![
            out.delivery_id,
            state.as_str(),
            status,
            response,
            error,
            attempt.attempted_at,
            delivered_at
        ],
    )
    .await?;
    if result == AttemptResult::Gone {
        disable_gone(&mut tx, out.endpoint_id).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Marks a delivery failed without an attempt (its endpoint is disabled or deleted).
pub async fn refuse(db: &TenantDb, out: &Outgoing, why: &str) -> DomainResult<()> {
    db.db()
        .execute(
            "UPDATE webhook_deliveries SET state = 'failed', last_error = $2 WHERE id = $1 \
             AND state <> 'delivered'",
            params![out.delivery_id, why],
        )
        .await?;
    Ok(())
}

async fn disable_gone(tx: &mut Tx, endpoint: Uuid) -> DomainResult<()> {
    let e = match get_in(tx, endpoint).await {
        Ok(e) if e.enabled => e,
        Ok(_) | Err(DomainError::NotFound) => return Ok(()),
        Err(other) => return Err(other),
    };
    let now = Timestamp::now();
    tx.execute(
        "UPDATE webhook_endpoints SET enabled = FALSE, disabled_reason = $2, disabled_at = $3, \
         updated_at = $3 WHERE id = $1",
        params![endpoint, DisabledReason::Gone.as_str(), now],
    )
    .await?;
    let e = WebhookEndpoint {
        enabled: false,
        disabled_reason: Some(DisabledReason::Gone),
        disabled_at: Some(now),
        updated_at: now,
        ..e
    };
    emit(
        tx,
        &Origin::system(),
        EventType::WebhookEndpointUpdated,
        endpoint,
        endpoint_data(&e),
    )
    .await?;
    Ok(())
}
