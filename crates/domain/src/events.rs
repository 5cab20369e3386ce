//! The company's outbox: every business write appends its domain event here, in the write's own
//! transaction. The audit trail and webhooks are delivered from it afterwards, so a change can
//! never exist without its event, nor an event without its change.

use crate::columns::enum_column;
use crate::error::DomainResult;
use schemars::JsonSchema;
use serde::Serialize;
use silo_contract::EventType;
use silo_store::{Row, StoreError, TenantDb, Timestamp, Tx, params};
use uuid::Uuid;

/// Who caused a write and through which request: recorded with its event, and from there in
/// the audit trail. Built by the request path from the verified token, or by the system.
#[derive(Clone, Debug, Default)]
pub struct Origin {
    /// The identity that made the change; `None` for Silo itself (the worker, an operator)
    /// and for a portal user.
    pub actor: Option<Uuid>,
    /// The portal user (one of the agency's clients) who made the change, when it came through
    /// the portal or a signing link of theirs.
    pub portal_user: Option<Uuid>,
    /// The client's address, for requests.
    pub client_ip: Option<String>,
    /// The request id, for requests (bounded and marked by the request path when the client
    /// supplied it).
    pub request_id: Option<String>,
}

impl Origin {
    /// A change Silo makes by itself, outside any request.
    pub fn system() -> Self {
        Origin::default()
    }
}

/// One stored event.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct OutboxEvent {
    /// Event id (UUIDv7): the webhook message id and the audit record's idempotency key.
    pub id: Uuid,
    /// Position in this company's outbox, in commit order.
    pub seq: i64,
    /// What happened.
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// The id of the record it happened to.
    pub subject_id: Uuid,
    /// The event's data: ids and states, never more than the API itself shows.
    pub data: serde_json::Value,
    /// Who did it (an identity id, or a portal user's id when `actor_kind` says so), if a
    /// person did.
    pub actor_id: Option<Uuid>,
    /// Whether `actor_id` is a staff identity or a portal user.
    #[serde(skip)]
    pub actor_kind: ActorKind,
    /// When it was committed.
    pub occurred_at: Timestamp,
    #[serde(skip)]
    pub(crate) client_ip: Option<String>,
    #[serde(skip)]
    pub(crate) request_id: Option<String>,
}

impl OutboxEvent {
    /// The client's address of the request that caused it.
    pub fn client_ip(&self) -> Option<&str> {
        self.client_ip.as_deref()
    }

    /// The request id of the request that caused it.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

silo_contract::string_enum! {
    /// Whose id an event's `actor_id` is.
    pub enum ActorKind {
        /// A person with an identity (the agency's staff).
        Staff = "staff",
        /// One of the company's portal users.
        PortalUser = "portal_user",
    }
}

const COLUMNS: &str = "id, seq, event_type, subject_id, data, actor_id, actor_kind, client_ip, \
     request_id, occurred_at";

fn from_row(row: &Row) -> Result<OutboxEvent, StoreError> {
    let data: String = row.get("data")?;
    Ok(OutboxEvent {
        id: row.get("id")?,
        seq: row.get("seq")?,
        event_type: enum_column(row, "event_type")?,
        subject_id: row.get("subject_id")?,
        data: serde_json::from_str(&data).map_err(|e| StoreError::Decode {
            column: "data".to_owned(),
            reason: e.to_string(),
        })?,
        actor_id: row.get("actor_id")?,
        actor_kind: enum_column(row, "actor_kind")?,
        occurred_at: row.get("occurred_at")?,
        client_ip: row.get("client_ip")?,
        request_id: row.get("request_id")?,
    })
}

/// Appends an event inside the write's transaction and returns it. Takes the outbox lock, so
/// events are numbered in commit order; webhook deliveries for it are queued in the same
/// transaction.
pub async fn emit(
    tx: &mut Tx,
    origin: &Origin,
    event_type: EventType,
    subject_id: Uuid,
    data: serde_json::Value,
) -> DomainResult<OutboxEvent> {
    tx.execute(
        "UPDATE write_locks SET name = name WHERE name = 'outbox'",
        &[],
    )
    .await?;
    let seq: i64 = tx
        .fetch_one("SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM outbox", &[])
        .await?
        .get("n")?;
    let event = OutboxEvent {
        id: Uuid::now_v7(),
        seq,
        event_type,
        subject_id,
        data,
        actor_id: origin.actor.or(origin.portal_user),
        actor_kind: if origin.actor.is_none() && origin.portal_user.is_some() {
            ActorKind::PortalUser
        } else {
            ActorKind::Staff
        },
        occurred_at: Timestamp::now(),
        client_ip: origin.client_ip.clone(),
        request_id: origin.request_id.clone(),
    };
    tx.execute(
        "INSERT INTO outbox (id, seq, event_type, subject_id, data, actor_id, actor_kind, client_ip, request_id, occurred_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        params![
            event.id,
            event.seq,
            event.event_type.as_str(),
            event.subject_id,
            event.data.to_string(),
            event.actor_id,
            event.actor_kind.as_str(),
            event.client_ip.clone(),
            event.request_id.clone(),
            event.occurred_at
        ],
    )
    .await?;
    crate::webhooks::fan_out(tx, &event).await?;
    conversion_hook(tx, origin, &event).await?;
    Ok(event)
}

/// Records the conversion a CRM fact is (deal won, invoice issued or paid) in the fact's own
/// transaction ([`crate::attribution::conversions::on_event`]). Boxed: recording one appends a
/// `conversion.recorded` event through [`emit`] again.
fn conversion_hook<'a>(
    tx: &'a mut Tx,
    origin: &'a Origin,
    event: &'a OutboxEvent,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = DomainResult<()>> + Send + 'a>> {
    Box::pin(crate::attribution::conversions::on_event(tx, origin, event))
}

/// Events whose audit record the control plane has not confirmed yet, oldest first.
pub async fn unaudited(db: &TenantDb, limit: i64) -> DomainResult<Vec<OutboxEvent>> {
    let sql = silo_store::Sql::assembled(format!(
        "SELECT {COLUMNS} FROM outbox WHERE audited_at IS NULL ORDER BY seq LIMIT $1"
    ));
    let rows = db.db().fetch_all(sql, params![limit]).await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// Marks events as audited (their records are in the control plane's trail).
pub async fn mark_audited(db: &TenantDb, ids: &[Uuid]) -> DomainResult<()> {
    let now = Timestamp::now();
    let mut tx = db.db().begin().await?;
    for id in ids {
        tx.execute(
            "UPDATE outbox SET audited_at = $1 WHERE id = $2 AND audited_at IS NULL",
            params![now, *id],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// How many events wait for their audit record.
pub async fn unaudited_count(db: &TenantDb) -> DomainResult<i64> {
    Ok(db
        .db()
        .fetch_one(
            "SELECT COUNT(*) AS n FROM outbox WHERE audited_at IS NULL",
            &[],
        )
        .await?
        .get("n")?)
}

/// One event by id.
pub async fn get(db: &TenantDb, id: Uuid) -> DomainResult<OutboxEvent> {
    let sql = silo_store::Sql::assembled(format!("SELECT {COLUMNS} FROM outbox WHERE id = $1"));
    let row = db
        .db()
        .fetch_optional(sql, params![id])
        .await?
        .ok_or(crate::DomainError::NotFound)?;
    Ok(from_row(&row)?)
}

/// Events after `after_seq`, oldest first (a company's timeline, a replay).
pub async fn since(db: &TenantDb, after_seq: i64, limit: i64) -> DomainResult<Vec<OutboxEvent>> {
    let sql = silo_store::Sql::assembled(format!(
        "SELECT {COLUMNS} FROM outbox WHERE seq > $1 ORDER BY seq LIMIT $2"
    ));
    let rows = db.db().fetch_all(sql, params![after_seq, limit]).await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}
