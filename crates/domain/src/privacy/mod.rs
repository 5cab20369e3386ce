//! People's data requests in one company's database (AVG/GDPR articles 15 and 17): find what
//! the company holds about a person, report it, erase it, and keep a record of each request
//! that says what was done without what was erased.
//!
//! What each table holds about people is declared once, in [`registry`]; the search, the report
//! and erasure read it, so a table added later is covered by adding its entry there (a test
//! fails until it is).

pub mod registry;
pub mod retention;
mod subject;

use crate::columns::enum_column;
use crate::error::DomainResult;
use crate::events::{Origin, emit};
use crate::list::ListParams;
use registry::{Erasure, Holding, Holds, holdings};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::json;
use silo_contract::EventType;
use silo_store::{Row, Sql, StoreError, TenantDb, Timestamp, Tx, Value, params};
use std::collections::BTreeMap;
use subject::{Anchors, Binds, Found, anchors, find_rows, redact};
pub use subject::{Identifiers, SubjectQuery};
use uuid::Uuid;

/// What erased text and names become.
pub const ERASED: &str = "[erased]";
/// What an erased e-mail address becomes: still an address (code that reads one keeps
/// working), in a domain that can never receive mail (RFC 2606).
pub const ERASED_EMAIL: &str = "erased@erased.invalid";

silo_contract::string_enum! {
    /// How a row relates to the person.
    pub enum Match {
        /// The person's own record: an identifier of theirs or a link to one of their records.
        Own = "own",
        /// A record that mentions them in a text.
        Mention = "mention",
    }
}

silo_contract::string_enum! {
    /// What erasure does to the person's own rows of a table.
    pub enum ErasureKind {
        /// They are deleted.
        Delete = "delete",
        /// They stay as business records with the person's details replaced.
        Anonymise = "anonymise",
    }
}

silo_contract::string_enum! {
    /// What kind of request a record is of.
    pub enum RequestKind {
        /// A report of what the company holds (article 15).
        Access = "access",
        /// Erasure (article 17).
        Erasure = "erasure",
    }
}

/// One row found, with its key and the personal columns.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct SubjectRow {
    /// The row's key columns.
    pub key: BTreeMap<String, serde_json::Value>,
    /// Whether it is the person's own record or only mentions them.
    pub matched: Match,
    /// Whether the law keeps some of its columns unchanged on erasure (see the section's
    /// `retained_ground`).
    pub retained: bool,
    /// The personal columns, as stored.
    pub fields: BTreeMap<String, serde_json::Value>,
}

/// One table's part of a report.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct SubjectReportSection {
    /// The table.
    pub table: String,
    /// What it is, in English.
    pub label_en: String,
    /// What it is, in Dutch.
    pub label_nl: String,
    /// What erasure does to the person's own rows.
    pub erasure: ErasureKind,
    /// Why some rows keep some columns (issued invoices, signed contracts), when any do.
    pub retained_ground: Option<String>,
    /// The rows.
    pub rows: Vec<SubjectRow>,
}

/// Everything the company's database holds about a person.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct SubjectReport {
    /// The record of this request.
    pub request_id: Uuid,
    /// When it was made.
    pub generated_at: Timestamp,
    /// The identifiers searched for, as given.
    pub identified_by: BTreeMap<String, String>,
    /// How many rows were found in all.
    pub found: u64,
    /// One section per table with rows, in the registry's order.
    pub sections: Vec<SubjectReportSection>,
}

/// What one table's erasure did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize, JsonSchema)]
pub struct TableOutcome {
    /// The table.
    pub table: String,
    /// Rows found (own and mentions).
    pub found: u64,
    /// Rows deleted.
    pub deleted: u64,
    /// Own rows kept with the person's details replaced.
    pub anonymised: u64,
    /// Rows that only mentioned the person, with the mentions replaced.
    pub redacted: u64,
    /// Rows whose retained columns were kept as the law requires.
    pub retained: u64,
}

/// The record of one request: who asked, which kinds of identifier, what was found and done.
/// It never holds the identifiers or anything erased.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct SubjectRequest {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// Access report or erasure.
    pub kind: RequestKind,
    /// The staff identity who made it.
    pub requested_by: Uuid,
    /// The kinds of identifier given (`email`, `phone`, `name`).
    pub identified_by: Vec<String>,
    /// Per table with rows: what was found and done.
    pub outcome: Vec<TableOutcome>,
    /// When.
    pub created_at: Timestamp,
}

fn json_of(v: &Value) -> serde_json::Value {
    match v {
        Value::Int(Some(i)) => json!(i),
        Value::Text(Some(s)) => json!(s),
        Value::Bool(Some(b)) => json!(b),
        Value::Real(Some(f)) => json!(f),
        Value::Bytes(Some(b)) => json!(format!("({} bytes)", b.len())),
        _ => serde_json::Value::Null,
    }
}

fn section(h: &Holding, found: &[Found]) -> DomainResult<SubjectReportSection> {
    let mut rows = Vec::with_capacity(found.len());
    for f in found {
        let mut key = BTreeMap::new();
        for k in h.key {
            key.insert((*k).to_owned(), json_of(f.row.value(k)?));
        }
        let mut fields = BTreeMap::new();
        for (c, _) in h.columns {
            fields.insert((*c).to_owned(), json_of(f.row.value(c)?));
        }
        rows.push(SubjectRow {
            key,
            matched: if f.own { Match::Own } else { Match::Mention },
            retained: f.kept,
            fields,
        });
    }
    Ok(SubjectReportSection {
        table: h.table.to_owned(),
        label_en: h.label.0.to_owned(),
        label_nl: h.label.1.to_owned(),
        erasure: match h.erasure {
            Erasure::Delete => ErasureKind::Delete,
            Erasure::Anonymise => ErasureKind::Anonymise,
        },
        retained_ground: h
            .retained
            .filter(|_| found.iter().any(|f| f.kept))
            .map(|r| r.ground.to_owned()),
        rows,
    })
}

async fn record(
    tx: &mut Tx,
    kind: RequestKind,
    ids: &Identifiers,
    outcome: &[TableOutcome],
    origin: &Origin,
) -> DomainResult<SubjectRequest> {
    let request = SubjectRequest {
        id: Uuid::now_v7(),
        kind,
        requested_by: origin.actor.unwrap_or_else(Uuid::nil),
        identified_by: ids.kinds(),
        outcome: outcome.to_vec(),
        created_at: Timestamp::now(),
    };
    tx.execute(
        "INSERT INTO subject_requests (id, kind, requested_by, identified_by, outcome, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        params![
            request.id,
            kind.as_str(),
            request.requested_by,
            json!(request.identified_by).to_string(),
            json!(request.outcome).to_string(),
            request.created_at
        ],
    )
    .await?;
    let event = match kind {
        RequestKind::Access => EventType::SubjectRequestAnswered,
        RequestKind::Erasure => EventType::SubjectRequestErased,
    };
    // Counts per table only: the audit trail records that the request was handled, never
    // whom it was about.
    let counts: BTreeMap<&str, u64> = outcome
        .iter()
        .map(|o| (o.table.as_str(), o.found))
        .collect();
    emit(
        tx,
        origin,
        event,
        request.id,
        json!({ "id": request.id, "identified_by": request.identified_by, "found": counts }),
    )
    .await?;
    Ok(request)
}

/// Reports everything the company's database holds about the person, from one consistent
/// snapshot, and records the request. `staff` are the ids of the company's people with the
/// e-mail address given.
pub async fn report(
    db: &TenantDb,
    ids: &Identifiers,
    staff: &[Uuid],
    origin: &Origin,
) -> DomainResult<SubjectReport> {
    let mut tx = db.db().begin().await?;
    let anchors = anchors(&mut tx, ids, staff).await?;
    let mut sections = Vec::new();
    let mut outcome = Vec::new();
    for h in holdings() {
        let found = find_rows(&mut tx, h, ids, &anchors).await?;
        if found.is_empty() {
            continue;
        }
        outcome.push(TableOutcome {
            table: h.table.to_owned(),
            found: found.len() as u64,
            ..TableOutcome::default()
        });
        sections.push(section(h, &found)?);
    }
    let request = record(&mut tx, RequestKind::Access, ids, &outcome, origin).await?;
    tx.commit().await?;
    Ok(SubjectReport {
        request_id: request.id,
        generated_at: request.created_at,
        identified_by: ids.given(),
        found: outcome.iter().map(|o| o.found).sum(),
        sections,
    })
}

/// The new value of a column on erasure, or `None` to leave it.
fn erased_value(holds: Holds, current: &Value, own: bool, terms: &[String]) -> Option<Value> {
    if current.is_null() {
        return None;
    }
    match holds {
        Holds::Email if own => Some(Value::from(ERASED_EMAIL)),
        Holds::Phone | Holds::Name | Holds::Address if own => Some(Value::from(ERASED)),
        Holds::Online if own => Some(Value::Text(None)),
        Holds::Authored if own => Some(Value::from(ERASED)),
        Holds::Text | Holds::Authored => match current {
            Value::Text(Some(text)) => {
                let redacted = redact(text, terms);
                (redacted != *text).then(|| Value::from(redacted))
            }
            _ => None,
        },
        _ => None,
    }
}

fn key_condition(h: &Holding, row: &Row, b: &mut Binds) -> Result<String, StoreError> {
    let parts: Result<Vec<String>, StoreError> = h
        .key
        .iter()
        .map(|k| Ok(format!("{k} = {}", b.push(row.value(k)?.clone()))))
        .collect();
    Ok(parts?.join(" AND "))
}

/// Erases one table's rows of the person; answers what it did.
async fn erase_table(
    tx: &mut Tx,
    h: &Holding,
    found: Vec<Found>,
    terms: &[String],
    now: Timestamp,
) -> DomainResult<TableOutcome> {
    let mut out = TableOutcome {
        table: h.table.to_owned(),
        found: found.len() as u64,
        ..TableOutcome::default()
    };
    for f in found {
        let mut b = Binds::default();
        if f.own && h.erasure == Erasure::Delete {
            let cond = key_condition(h, &f.row, &mut b)?;
            let sql = format!("DELETE FROM {} WHERE {cond}", h.table);
            out.deleted += tx.execute(Sql::assembled(sql), &b.0).await?;
            continue;
        }
        let kept: &[&str] = match h.retained {
            Some(r) if f.kept => r.columns,
            _ => &[],
        };
        let mut sets = Vec::new();
        if f.own
            && let Some(extra) = h.also_set
        {
            // `$1` of the registry's assignment is the time of the erasure.
            let now_mark = b.push(now);
            sets.push(extra.replace("$1", &now_mark));
        }
        for (col, holds) in h.columns {
            if kept.contains(col) {
                continue;
            }
            if let Some(v) = erased_value(*holds, f.row.value(col)?, f.own, terms) {
                sets.push(format!("{col} = {}", b.push(v)));
            }
        }
        if f.kept && !kept.is_empty() {
            out.retained += 1;
        }
        if sets.is_empty() {
            continue;
        }
        let cond = key_condition(h, &f.row, &mut b)?;
        let sql = format!("UPDATE {} SET {} WHERE {cond}", h.table, sets.join(", "));
        tx.execute(Sql::assembled(sql), &b.0).await?;
        if f.own {
            out.anonymised += 1;
        } else {
            out.redacted += 1;
        }
    }
    Ok(out)
}

/// Erases what the company's database holds about the person, in one transaction: their own
/// rows are deleted or anonymised as the registry says, mentions of them in texts are
/// replaced, the columns the law keeps stay, their conversions' pending deliveries to ad
/// platforms are dropped. Records the request (counts only) and answers it.
pub async fn erase(
    db: &TenantDb,
    ids: &Identifiers,
    staff: &[Uuid],
    origin: &Origin,
) -> DomainResult<SubjectRequest> {
    let terms = ids.terms();
    let now = Timestamp::now();
    let mut tx = db.db().begin().await?;
    let anchors: Anchors = anchors(&mut tx, ids, staff).await?;
    for contact in &anchors.contacts {
        if let Ok(id) = contact.parse::<Uuid>() {
            crate::attribution::forwarding::drop_for_contact(&mut tx, id).await?;
        }
    }
    // Children before parents: a deleted row never waits on one that refers to it.
    let all: Vec<&Holding> = holdings().collect();
    let mut outcome = Vec::new();
    for h in all.iter().rev() {
        let found = find_rows(&mut tx, h, ids, &anchors).await?;
        if found.is_empty() {
            continue;
        }
        outcome.push(erase_table(&mut tx, h, found, &terms, now).await?);
    }
    outcome.reverse();
    for contact in &anchors.contacts {
        if let Ok(id) = contact.parse::<Uuid>() {
            emit(
                &mut tx,
                origin,
                EventType::ContactDeleted,
                id,
                json!({ "id": id }),
            )
            .await?;
        }
    }
    let request = record(&mut tx, RequestKind::Erasure, ids, &outcome, origin).await?;
    tx.commit().await?;
    Ok(request)
}

fn request_from_row(row: &Row) -> Result<SubjectRequest, StoreError> {
    let decode = |column: &str, text: String| StoreError::Decode {
        column: column.to_owned(),
        reason: text,
    };
    let identified_by: String = row.get("identified_by")?;
    let outcome: String = row.get("outcome")?;
    Ok(SubjectRequest {
        id: row.get("id")?,
        kind: enum_column(row, "kind")?,
        requested_by: row.get("requested_by")?,
        identified_by: serde_json::from_str(&identified_by)
            .map_err(|e| decode("identified_by", e.to_string()))?,
        outcome: serde_json::from_str(&outcome).map_err(|e| decode("outcome", e.to_string()))?,
        created_at: row.get("created_at")?,
    })
}

/// A page of the company's requests, newest first.
pub async fn requests(db: &TenantDb, params: &ListParams) -> DomainResult<Vec<SubjectRequest>> {
    let [after, _, limit] = params.binds();
    let rows = db
        .db()
        .fetch_all(
            "SELECT id, kind, requested_by, identified_by, outcome, created_at \
             FROM subject_requests WHERE ($1 IS NULL OR id < $1) ORDER BY id DESC LIMIT $2",
            &[after, limit],
        )
        .await?;
    Ok(rows
        .iter()
        .map(request_from_row)
        .collect::<Result<_, _>>()?)
}
