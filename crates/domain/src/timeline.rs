//! Timelines: what happened to a client account, a contact or a deal, newest first, read from
//! the company's own outbox (so from this company's database and nothing else).
//!
//! An account's timeline holds the events of the account itself and of what belongs to it: its
//! contacts, deals, the contracts of its deals, its invoices and their credit notes, payments
//! and mail. A contact's holds its own and its deals'; a deal's its own and those of its
//! contracts and invoices. "Belongs to" is read two ways: the records that belong to it now,
//! and the ids an event's data named when it happened (`outbox_refs`), so the events of deleted
//! records stay on the timeline. Titles (a deal's title, an invoice's number, a contact's name)
//! are looked up when the timeline is read, in the same database; a deleted record has none.

use crate::columns::enum_column;
use crate::error::{DomainError, DomainResult};
use schemars::JsonSchema;
use serde::Serialize;
use silo_contract::EventType;
use silo_store::{Row, Sql, StoreError, TenantDb, Timestamp, Value, params};
use std::collections::HashMap;
use uuid::Uuid;

/// One entry of a timeline.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct TimelineEntry {
    /// The event's id.
    pub id: Uuid,
    /// When it happened.
    pub at: Timestamp,
    /// What happened.
    pub event: EventType,
    /// What kind of record it happened to: `account`, `contact`, `deal`, `contract`,
    /// `invoice`, `credit_note` or `company`.
    pub subject_type: String,
    /// The id of the record it happened to.
    pub subject_id: Uuid,
    /// The record's title now (deal title, contact or account name, invoice or credit note
    /// number); null when it has none or no longer exists.
    pub title: Option<String>,
    /// Who did it (an identity id), if a person did.
    pub actor_id: Option<Uuid>,
    /// The member's name, if the person is (still) a member of this company.
    pub actor_name: Option<String>,
    /// The event's data: ids and states.
    pub data: serde_json::Value,
    /// The position in the outbox (the page cursor).
    #[serde(skip)]
    pub seq: i64,
}

/// Whose timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimelineOf {
    /// A client account.
    Account(Uuid),
    /// A contact.
    Contact(Uuid),
    /// A deal.
    Deal(Uuid),
}

/// The kind of record an event of `event`'s area happens to (`deal` for `deal.won`); the
/// company's own settings are `company`.
pub fn subject_type(event: EventType) -> &'static str {
    let area = event.as_str().split('.').next().unwrap_or_default();
    area_subject(area).unwrap_or(match area {
        "invoicing" | "company_logo" => "company",
        "webhook_endpoint" | "webhook" => "webhook_endpoint",
        "webhook_delivery" => "webhook_delivery",
        _ => "company",
    })
}

/// The record kind whose title can be looked up, for an event or audit action area.
pub fn area_subject(area: &str) -> Option<&'static str> {
    Some(match area {
        "account" => "account",
        "contact" => "contact",
        "deal" => "deal",
        "contract" => "contract",
        "invoice" => "invoice",
        "credit_note" => "credit_note",
        _ => return None,
    })
}

/// The table and title column of a record kind.
fn title_source(kind: &str) -> Option<(&'static str, &'static str)> {
    Some(match kind {
        "account" => ("accounts", "name"),
        "contact" => ("contacts", "name"),
        "deal" => ("deals", "title"),
        "contract" => ("contracts", "title"),
        "invoice" => ("invoices", "number"),
        "credit_note" => ("credit_notes", "number"),
        _ => return None,
    })
}

/// The titles of records, looked up now in this company's database: `(kind, id)` pairs in,
/// id to title out; records that do not exist (or have no title yet, like a draft invoice's
/// number) are left out.
pub async fn titles(db: &TenantDb, wanted: &[(&str, Uuid)]) -> DomainResult<HashMap<Uuid, String>> {
    let mut by_kind: HashMap<&str, Vec<Uuid>> = HashMap::new();
    for (kind, id) in wanted {
        let ids = by_kind.entry(kind).or_default();
        if !ids.contains(id) {
            ids.push(*id);
        }
    }
    let mut out = HashMap::new();
    for (kind, ids) in by_kind {
        let Some((table, column)) = title_source(kind) else {
            continue;
        };
        for chunk in ids.chunks(100) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = Sql::assembled(format!(
                "SELECT id, {column} AS title FROM {table} WHERE id IN ({})",
                marks.join(", ")
            ));
            let binds: Vec<Value> = chunk.iter().map(|id| Value::from(*id)).collect();
            for row in db.db().fetch_all(sql, &binds).await? {
                let title: Option<String> = row.get("title")?;
                if let Some(title) = title {
                    out.insert(row.get("id")?, title);
                }
            }
        }
    }
    Ok(out)
}

const COLUMNS: &str = "id, seq, event_type, subject_id, data, actor_id, occurred_at";

fn from_row(row: &Row) -> Result<TimelineEntry, StoreError> {
    let data: String = row.get("data")?;
    let event: EventType = enum_column(row, "event_type")?;
    Ok(TimelineEntry {
        id: row.get("id")?,
        at: row.get("occurred_at")?,
        event,
        subject_type: subject_type(event).to_owned(),
        subject_id: row.get("subject_id")?,
        title: None,
        actor_id: row.get("actor_id")?,
        actor_name: None,
        data: serde_json::from_str(&data).map_err(|e| StoreError::Decode {
            column: "data".to_owned(),
            reason: e.to_string(),
        })?,
        seq: row.get("seq")?,
    })
}

/// Which events belong to the timeline, as a condition on `outbox` with the root's id as `$1`.
fn belongs(of: TimelineOf) -> &'static str {
    match of {
        TimelineOf::Account(_) => {
            "subject_id = $1 \
             OR id IN (SELECT event_id FROM outbox_refs WHERE ref_id = $1) \
             OR subject_id IN (SELECT id FROM contacts WHERE account_id = $1) \
             OR subject_id IN (SELECT id FROM deals WHERE account_id = $1) \
             OR subject_id IN (SELECT id FROM invoices WHERE account_id = $1) \
             OR subject_id IN (SELECT c.id FROM contracts c JOIN deals d ON d.id = c.deal_id \
                               WHERE d.account_id = $1) \
             OR id IN (SELECT r.event_id FROM outbox_refs r JOIN deals d ON d.id = r.ref_id \
                       WHERE d.account_id = $1)"
        }
        TimelineOf::Contact(_) => {
            "subject_id = $1 \
             OR id IN (SELECT event_id FROM outbox_refs WHERE ref_id = $1) \
             OR subject_id IN (SELECT id FROM deals WHERE contact_id = $1)"
        }
        TimelineOf::Deal(_) => {
            "subject_id = $1 \
             OR id IN (SELECT event_id FROM outbox_refs WHERE ref_id = $1) \
             OR subject_id IN (SELECT id FROM contracts WHERE deal_id = $1) \
             OR subject_id IN (SELECT id FROM invoices WHERE deal_id = $1)"
        }
    }
}

/// A page of the timeline, newest first: `before` is the previous page's cursor (an outbox
/// position), `limit` how many entries to fetch. `NotFound` when the record does not exist in
/// this company.
pub async fn timeline(
    db: &TenantDb,
    of: TimelineOf,
    before: Option<i64>,
    limit: i64,
) -> DomainResult<Vec<TimelineEntry>> {
    let (table, id) = match of {
        TimelineOf::Account(id) => ("accounts", id),
        TimelineOf::Contact(id) => ("contacts", id),
        TimelineOf::Deal(id) => ("deals", id),
    };
    let exists = db
        .db()
        .fetch_optional(
            Sql::assembled(format!("SELECT 1 AS one FROM {table} WHERE id = $1")),
            params![id],
        )
        .await?;
    if exists.is_none() {
        return Err(DomainError::NotFound);
    }
    let sql = Sql::assembled(format!(
        "SELECT {COLUMNS} FROM outbox WHERE ({}) AND ($2 IS NULL OR seq < $2) \
         ORDER BY seq DESC LIMIT $3",
        belongs(of)
    ));
    let rows = db
        .db()
        .fetch_all(sql, params![id, before, limit.clamp(1, 1001)])
        .await?;
    let mut entries = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    let wanted: Vec<(&str, Uuid)> = entries
        .iter()
        .map(|e| (e.subject_type.as_str(), e.subject_id))
        .collect();
    let found = titles(db, &wanted).await?;
    for e in &mut entries {
        e.title = found.get(&e.subject_id).cloned();
    }
    Ok(entries)
}
