//! People's capacity, cost rates and time off, as the company's own database holds them.
//!
//! Capacity rows are history: each is in force from its `effective_from` until the next row of
//! the same person, and is never edited (a change is a new row; the same person and date twice
//! is `409 conflict`), so a past month's report and the cost frozen on its entries keep their
//! meaning. Time off is whole working days from a start to an end date. People are
//! control-plane identity ids; whether one is a member of the company is the caller's question
//! (this crate cannot see the registry).

use crate::columns::enum_column;
use crate::error::{DomainError, DomainResult, ErrorCode, Problems};
use crate::events::{Origin, emit};
use crate::input::{Choice, Date, Id, Optional, Problem, Sent, Text, take};
use crate::money::Cents;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use silo_contract::EventType;
use silo_contract::input::Integer;
use silo_store::{Row, StoreError, TenantDb, Timestamp, Tx, params};
use uuid::Uuid;

/// The person's cost rate per hour in force on `date` (the latest capacity row from that date
/// or before), zero when none is recorded.
pub(crate) async fn cost_rate_on(tx: &mut Tx, person: Uuid, date: Date) -> DomainResult<Cents> {
    let row = tx
        .fetch_optional(
            "SELECT cost_rate_cents FROM person_capacity \
             WHERE person_id = $1 AND effective_from <= $2 AND cost_rate_cents IS NOT NULL \
             ORDER BY effective_from DESC LIMIT 1",
            params![person, date.to_string()],
        )
        .await?;
    Ok(match row {
        Some(r) => crate::invoices::cents(&r, "cost_rate_cents")?,
        None => Cents::ZERO,
    })
}

/// Minutes in a week: the most capacity a row can record.
pub const WEEK_MINUTES: i64 = 7 * 24 * 60;

/// Weekly capacity in minutes, 0 to a whole week.
pub type WeeklyMinutes = Integer<0, WEEK_MINUTES>;

/// A share in basis points, 0 to 10000 (100 %).
pub type BasisPoints = Integer<0, 10_000>;

/// A capacity row as stored and sent.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Capacity {
    /// The person (an identity id).
    pub person_id: Uuid,
    /// In force from this day (`YYYY-MM-DD`) until the person's next row.
    pub effective_from: String,
    /// Working minutes per week (Monday to Friday, split evenly).
    pub weekly_minutes: i64,
    /// The person's billable target in basis points; the company's default when null.
    pub billable_target_bp: Option<i64>,
    /// Cost per hour in cents; null when none is recorded, or when the caller may not see
    /// cost rates.
    pub cost_rate_cents: Option<i64>,
    /// When it was recorded.
    pub created_at: Timestamp,
}

/// `POST /api/capacity` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NewCapacity {
    /// The person (a member's identity id).
    person_id: Sent<Id>,
    /// The first day it is in force.
    effective_from: Sent<Date>,
    /// Working minutes per week.
    weekly_minutes: Sent<WeeklyMinutes>,
    /// The person's billable target in basis points; the company's default when left out.
    #[serde(default)]
    billable_target_bp: Optional<BasisPoints>,
    /// Cost per hour in cents (only for those who may see cost rates).
    #[serde(default)]
    cost_rate_cents: Optional<Cents>,
}

impl NewCapacity {
    /// The person it is for, when the id is well formed (for the caller's membership check).
    pub fn person(&self) -> Option<Uuid> {
        Id::parse(self.person_id.raw()).ok().map(Id::get)
    }

    /// Whether a cost rate was sent.
    pub fn sets_cost_rate(&self) -> bool {
        self.cost_rate_cents.raw().is_some()
    }
}

const CAPACITY_COLUMNS: &str =
    "person_id, effective_from, weekly_minutes, billable_target_bp, cost_rate_cents, created_at";

fn capacity_from_row(row: &Row) -> Result<Capacity, StoreError> {
    Ok(Capacity {
        person_id: row.get("person_id")?,
        effective_from: row.get("effective_from")?,
        weekly_minutes: row.get("weekly_minutes")?,
        billable_target_bp: row.get("billable_target_bp")?,
        cost_rate_cents: row.get("cost_rate_cents")?,
        created_at: row.get("created_at")?,
    })
}

/// The capacity rules applied to a stored row (an imported one): see [`crate::imports`].
pub(crate) fn check_stored_capacity(row: serde_json::Value) -> DomainResult<()> {
    let new: NewCapacity = crate::imports::body(row)?;
    let mut p = Problems::new();
    let fields = take!(p, new => effective_from, weekly_minutes, billable_target_bp,
        cost_rate_cents);
    p.done(fields)?;
    Ok(())
}

/// The time-off rules applied to a stored row (an imported one): see [`crate::imports`].
pub(crate) fn check_stored_time_off(row: serde_json::Value) -> DomainResult<()> {
    let new: NewTimeOff = crate::imports::body(row)?;
    let mut p = Problems::new();
    let fields = take!(p, new => start_date, end_date, kind, note);
    p.done(fields)?;
    Ok(())
}

/// Records a capacity row; the same person and date twice answers `409 conflict` and changes
/// nothing.
pub async fn record_capacity(
    db: &TenantDb,
    new: NewCapacity,
    origin: &Origin,
) -> DomainResult<Capacity> {
    let mut p = Problems::new();
    let fields = take!(p, new => person_id, effective_from, weekly_minutes, billable_target_bp,
        cost_rate_cents);
    let (person, from, weekly, target, cost) = p.done(fields)?;
    let row = Capacity {
        person_id: person.get(),
        effective_from: from.to_string(),
        weekly_minutes: weekly.get(),
        billable_target_bp: target.map(BasisPoints::get),
        cost_rate_cents: cost.map(Cents::get),
        created_at: Timestamp::now(),
    };
    let mut tx = db.db().begin().await?;
    let taken = tx
        .fetch_optional(
            "SELECT 1 AS x FROM person_capacity WHERE person_id = $1 AND effective_from = $2",
            params![row.person_id, row.effective_from.as_str()],
        )
        .await?;
    if taken.is_some() {
        return Err(DomainError::conflict(
            ErrorCode::Conflict,
            "the person has a capacity row from that date already; rows are history, record one from another date",
        ));
    }
    tx.execute(
        "INSERT INTO person_capacity (person_id, effective_from, weekly_minutes, \
         billable_target_bp, cost_rate_cents, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        params![
            row.person_id,
            row.effective_from.as_str(),
            row.weekly_minutes,
            row.billable_target_bp,
            row.cost_rate_cents,
            row.created_at
        ],
    )
    .await
    .map_err(|e| match e {
        // Two at once on PostgreSQL: the second one's insert meets the first one's row.
        e if e.is_conflict_on("person_capacity") => DomainError::conflict(
            ErrorCode::Conflict,
            "the person has a capacity row from that date already",
        ),
        e => e.into(),
    })?;
    // Thin data: no cost rate in the event (webhook receivers and the timeline need not have
    // the permission to see it).
    let data = json!({
        "person_id": row.person_id,
        "effective_from": row.effective_from,
        "weekly_minutes": row.weekly_minutes,
        "billable_target_bp": row.billable_target_bp,
    });
    emit(
        &mut tx,
        origin,
        EventType::CapacityRecorded,
        row.person_id,
        data,
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// Capacity rows, per person then oldest first; only `person`'s when given.
pub async fn list_capacity(db: &TenantDb, person: Option<Uuid>) -> DomainResult<Vec<Capacity>> {
    let sql = silo_store::Sql::assembled(format!(
        "SELECT {CAPACITY_COLUMNS} FROM person_capacity WHERE ($1 IS NULL OR person_id = $1) \
         ORDER BY person_id, effective_from"
    ));
    let rows = db.db().fetch_all(sql, params![person]).await?;
    Ok(rows
        .iter()
        .map(capacity_from_row)
        .collect::<Result<_, _>>()?)
}

silo_contract::string_enum! {
    /// Why a person is away.
    pub enum TimeOffKind {
        /// Holiday (vacation, public holiday).
        Holiday = "holiday",
        /// Sick leave.
        Sick = "sick",
        /// Anything else (training, leave).
        Other = "other",
    }
}

/// A note on time off.
pub type TimeOffNote = Text<500>;

/// Time off as stored and sent.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct TimeOff {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// The person (an identity id).
    pub person_id: Uuid,
    /// First day away, `YYYY-MM-DD`.
    pub start_date: String,
    /// Last day away (inclusive), `YYYY-MM-DD`.
    pub end_date: String,
    /// Why.
    pub kind: TimeOffKind,
    /// A note.
    pub note: Option<String>,
    /// When it was recorded.
    pub created_at: Timestamp,
}

/// `POST /api/time-off` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NewTimeOff {
    /// The person; the caller when left out.
    #[serde(default)]
    person_id: Optional<Id>,
    /// First day away.
    start_date: Sent<Date>,
    /// Last day away (inclusive, on or after `start_date`).
    end_date: Sent<Date>,
    /// Why.
    kind: Sent<Choice<TimeOffKind>>,
    /// A note.
    #[serde(default)]
    note: Optional<TimeOffNote>,
}

impl NewTimeOff {
    /// The person named, when the id is well formed (`None` when left out or malformed: the
    /// rule reports a malformed one).
    pub fn person(&self) -> Option<Uuid> {
        self.person_id
            .raw()
            .and_then(|raw| Id::parse(raw).ok())
            .map(Id::get)
    }
}

const TIME_OFF_COLUMNS: &str = "id, person_id, start_date, end_date, kind, note, created_at";

fn time_off_from_row(row: &Row) -> Result<TimeOff, StoreError> {
    Ok(TimeOff {
        id: row.get("id")?,
        person_id: row.get("person_id")?,
        start_date: row.get("start_date")?,
        end_date: row.get("end_date")?,
        kind: enum_column(row, "kind")?,
        note: row.get("note")?,
        created_at: row.get("created_at")?,
    })
}

fn time_off_data(t: &TimeOff) -> serde_json::Value {
    json!({
        "id": t.id,
        "person_id": t.person_id,
        "start_date": t.start_date,
        "end_date": t.end_date,
        "kind": t.kind,
    })
}

/// Records time off for `person` when the body names nobody.
pub async fn create_time_off(
    db: &TenantDb,
    new: NewTimeOff,
    caller: Uuid,
    origin: &Origin,
) -> DomainResult<TimeOff> {
    let mut p = Problems::new();
    let fields = take!(p, new => person_id, start_date, end_date, kind, note);
    if let Some((_, start, end, _, _)) = &fields
        && end < start
    {
        p.add("end_date", Problem::rule("must be on or after start_date"));
    }
    let (person, start, end, kind, note) = p.done(fields)?;
    let off = TimeOff {
        id: Uuid::now_v7(),
        person_id: person.map_or(caller, Id::get),
        start_date: start.to_string(),
        end_date: end.to_string(),
        kind: kind.get(),
        note: note.map(String::from),
        created_at: Timestamp::now(),
    };
    let mut tx = db.db().begin().await?;
    tx.execute(
        "INSERT INTO time_off (id, person_id, start_date, end_date, kind, note, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![
            off.id,
            off.person_id,
            off.start_date.as_str(),
            off.end_date.as_str(),
            off.kind.as_str(),
            off.note.clone(),
            off.created_at
        ],
    )
    .await?;
    emit(
        &mut tx,
        origin,
        EventType::TimeOffCreated,
        off.id,
        time_off_data(&off),
    )
    .await?;
    tx.commit().await?;
    Ok(off)
}

/// `GET /api/time-off` query.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
pub struct TimeOffQuery {
    /// Only this person's time off.
    #[serde(default)]
    pub person_id: Optional<Id>,
    /// Only time off that ends on or after this day.
    #[serde(default)]
    pub from: Optional<Date>,
    /// Only time off that starts on or before this day.
    #[serde(default)]
    pub to: Optional<Date>,
}

impl TimeOffQuery {
    /// The person asked for, when well formed.
    pub fn person(&self) -> Option<Uuid> {
        self.person_id
            .raw()
            .and_then(|raw| Id::parse(raw).ok())
            .map(Id::get)
    }
}

/// Most rows one time-off list answers (a person has a few a year; a company of hundreds a few
/// thousand).
pub const TIME_OFF_LIST_MAX: i64 = 5000;

/// Time off overlapping the period (either end may be open), oldest first; only the person's
/// when given.
pub async fn list_time_off(db: &TenantDb, query: &TimeOffQuery) -> DomainResult<Vec<TimeOff>> {
    let mut p = Problems::new();
    let q = query.clone();
    let fields = take!(p, q => person_id, from, to);
    let (person, from, to) = p.done(fields)?;
    let sql = silo_store::Sql::assembled(format!(
        "SELECT {TIME_OFF_COLUMNS} FROM time_off WHERE ($1 IS NULL OR person_id = $1) \
         AND ($2 IS NULL OR end_date >= $2) AND ($3 IS NULL OR start_date <= $3) \
         ORDER BY start_date, id LIMIT $4"
    ));
    let rows = db
        .db()
        .fetch_all(
            sql,
            params![
                person.map(Id::get),
                from.map(|d| d.to_string()),
                to.map(|d| d.to_string()),
                TIME_OFF_LIST_MAX
            ],
        )
        .await?;
    Ok(rows
        .iter()
        .map(time_off_from_row)
        .collect::<Result<_, _>>()?)
}

/// One time-off row.
pub async fn get_time_off(db: &TenantDb, id: Uuid) -> DomainResult<TimeOff> {
    let sql = silo_store::Sql::assembled(format!(
        "SELECT {TIME_OFF_COLUMNS} FROM time_off WHERE id = $1"
    ));
    let row = db
        .db()
        .fetch_optional(sql, params![id])
        .await?
        .ok_or(DomainError::NotFound)?;
    Ok(time_off_from_row(&row)?)
}

/// Deletes time off; `allowed` decides, from the row, whether the caller may (their own, or
/// anyone's for approvers): when it says no, the row stays and the answer is
/// [`DomainError::Forbidden`].
pub async fn delete_time_off(
    db: &TenantDb,
    id: Uuid,
    allowed: impl FnOnce(&TimeOff) -> bool,
    origin: &Origin,
) -> DomainResult<()> {
    let mut tx = db.db().begin().await?;
    let sql = silo_store::Sql::assembled(format!(
        "SELECT {TIME_OFF_COLUMNS} FROM time_off WHERE id = $1"
    ));
    let row = tx
        .fetch_optional(sql, params![id])
        .await?
        .ok_or(DomainError::NotFound)?;
    let off = time_off_from_row(&row)?;
    if !allowed(&off) {
        return Err(DomainError::Forbidden);
    }
    tx.execute("DELETE FROM time_off WHERE id = $1", params![id])
        .await?;
    emit(
        &mut tx,
        origin,
        EventType::TimeOffDeleted,
        off.id,
        time_off_data(&off),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
