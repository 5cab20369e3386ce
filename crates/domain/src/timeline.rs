//! What happened to a client, a contact or a deal, newest first: read from the company's own
//! outbox (so nothing of another company can appear: it is another database), with the
//! records' names and titles resolved in this company's database at read time. An event
//! belongs to a record's timeline when the record is its subject or its data names the record
//! (`account_id`, `contact_id`, `deal_id`: events carry those ids, never names).

use crate::columns::enum_column;
use crate::error::{DomainError, DomainResult};
use schemars::JsonSchema;
use serde::Serialize;
use silo_contract::EventType;
use silo_store::{Row, StoreError, TenantDb, Timestamp, Tx, params};
use std::collections::HashMap;
use uuid::Uuid;

/// Whose timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// A client account.
    Account,
    /// A contact.
    Contact,
    /// A deal.
    Deal,
}

impl Subject {
    /// The table holding it, and the key events name it by.
    fn table_and_key(self) -> (&'static str, &'static str) {
        match self {
            Subject::Account => ("accounts", "account_id"),
            Subject::Contact => ("contacts", "contact_id"),
            Subject::Deal => ("deals", "deal_id"),
        }
    }
}

/// One entry of a timeline.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct TimelineEntry {
    /// The event's id.
    pub id: Uuid,
    /// Its position in the company's outbox (the list cursor).
    pub seq: i64,
    /// When it happened.
    pub at: Timestamp,
    /// What happened.
    pub event: EventType,
    /// The kind of record it happened to (`invoice`, `deal`, ...).
    pub subject_type: String,
    /// The record it happened to.
    pub subject_id: Uuid,
    /// The record's name, title or number now (null once it is deleted).
    pub title: Option<String>,
    /// Who did it (an identity id), if a person did.
    pub actor_id: Option<Uuid>,
    /// That person's name as a member of this company (filled in by the API).
    pub actor_name: Option<String>,
    /// The event's data: ids, states and amounts.
    pub data: serde_json::Value,
}

fn from_row(row: &Row) -> Result<TimelineEntry, StoreError> {
    let event: EventType = enum_column(row, "event_type")?;
    let data: String = row.get("data")?;
    let area = event.as_str().split('.').next().unwrap_or_default();
    Ok(TimelineEntry {
        id: row.get("id")?,
        seq: row.get("seq")?,
        at: row.get("occurred_at")?,
        event,
        subject_type: area.to_owned(),
        subject_id: row.get("subject_id")?,
        title: None,
        actor_id: row.get("actor_id")?,
        actor_name: None,
        data: serde_json::from_str(&data).map_err(|e| StoreError::Decode {
            column: "data".into(),
            reason: e.to_string(),
        })?,
    })
}

/// A page of `id`'s timeline, newest first, before outbox position `before`; `NotFound` when
/// there is no such record (now).
pub async fn timeline(
    db: &TenantDb,
    subject: Subject,
    id: Uuid,
    visible: &[EventType],
    before: Option<i64>,
    limit: i64,
) -> DomainResult<Vec<TimelineEntry>> {
    let (table, key) = subject.table_and_key();
    let mut tx = db.db().begin_snapshot().await?;
    let exists = tx
        .fetch_optional(
            silo_store::Sql::assembled(format!("SELECT 1 AS one FROM {table} WHERE id = $1")),
            params![id],
        )
        .await?
        .is_some();
    if !exists {
        return Err(DomainError::NotFound);
    }
    // Event data is JSON written by serde_json (no spaces), so a named id reads exactly so.
    let named = format!("%\"{key}\":\"{id}\"%");
    // The caller sees only the kinds of event its role may read (a sales member sees a
    // client's deals, not its invoices).
    let visible = format!(
        ",{},",
        visible
            .iter()
            .map(|e| e.as_str())
            .collect::<Vec<_>>()
            .join(",")
    );
    let rows = tx
        .fetch_all(
            "SELECT id, seq, event_type, subject_id, data, actor_id, occurred_at FROM outbox \
             WHERE (subject_id = $1 OR data LIKE $2) AND ($3 IS NULL OR seq < $3) \
             AND $5 LIKE '%,' || event_type || ',%' ORDER BY seq DESC LIMIT $4",
            params![id, named, before, limit, visible],
        )
        .await?;
    let mut entries: Vec<TimelineEntry> = rows.iter().map(from_row).collect::<Result<_, _>>()?;
    let records: Vec<(String, Uuid)> = entries
        .iter()
        .map(|e| (e.subject_type.clone(), e.subject_id))
        .collect();
    let titles = titles(&mut tx, &records).await?;
    for e in &mut entries {
        e.title = titles.get(&e.subject_id).cloned();
    }
    tx.commit().await?;
    Ok(entries)
}

/// The current name, title or number of each record named by (area, id), where it still
/// exists; areas without a title are left out.
pub async fn titles(
    tx: &mut Tx,
    records: &[(String, Uuid)],
) -> DomainResult<HashMap<Uuid, String>> {
    let mut out = HashMap::new();
    for (area, id) in records {
        let id = *id;
        if out.contains_key(&id) {
            continue;
        }
        let sql = match area.as_str() {
            "account" => "SELECT name AS t FROM accounts WHERE id = $1",
            "contact" => "SELECT name AS t FROM contacts WHERE id = $1",
            "deal" => "SELECT title AS t FROM deals WHERE id = $1",
            "contract" => "SELECT title AS t FROM contracts WHERE id = $1",
            "invoice" => "SELECT number AS t FROM invoices WHERE id = $1",
            "credit_note" => "SELECT number AS t FROM credit_notes WHERE id = $1",
            "project" | "timer" => "SELECT name AS t FROM projects WHERE id = $1",
            "service" => "SELECT name AS t FROM services WHERE id = $1",
            "task" => "SELECT title AS t FROM tasks WHERE id = $1",
            "time_entry" => {
                "SELECT p.name || ' ' || e.work_date AS t FROM time_entries e \
                 JOIN projects p ON p.id = e.project_id WHERE e.id = $1"
            }
            "webhook_endpoint" | "webhook" => {
                "SELECT url AS t FROM webhook_endpoints WHERE id = $1"
            }
            _ => continue,
        };
        if let Some(row) = tx.fetch_optional(sql, params![id]).await?
            && let Some(title) = row.get::<Option<String>>("t")?
        {
            out.insert(id, title);
        }
    }
    Ok(out)
}

/// [`titles`] in its own read transaction.
pub async fn resolve_titles(
    db: &TenantDb,
    records: &[(String, Uuid)],
) -> DomainResult<HashMap<Uuid, String>> {
    let mut tx = db.db().begin_snapshot().await?;
    let out = titles(&mut tx, records).await?;
    tx.commit().await?;
    Ok(out)
}
