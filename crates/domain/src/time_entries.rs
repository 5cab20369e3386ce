//! Time entries: who worked how long on which project (task, service) on which local date.
//!
//! Tracked minutes and billable minutes are kept apart; the project's rounding is applied in
//! one place, [`round`], whenever an entry is written (an approver may set the billable minutes
//! by hand). The rate and cost rate in force are stored on every write and frozen when the
//! entry is approved. Life cycle: `draft -> submitted -> approved -> invoiced`; when the
//! company does not require approval, submitting approves. Approved entries change only by
//! people with `time.approve`; invoiced ones by no one (delete the draft invoice to release
//! them; an issued invoice is corrected with a credit note). Nothing dated on or before the
//! company's lock date is added, changed, submitted, approved, sent back or deleted.

use crate::budgets;
use crate::columns::enum_column;
use crate::error::{DomainError, DomainResult, ErrorCode, Problems};
use crate::events::{Origin, emit};
use crate::input::{Date, Id, Notes, Optional, Patch, Problem, Sent, take};
use crate::invoices::optional_cents;
use crate::list::ListParams;
use crate::money::Cents;
use crate::projects::{self, BillingType, Project};
use crate::time_settings::{self, TimeSettings};
use crate::{services, tasks, team};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use silo_contract::EventType;
use silo_contract::input::Integer;
use silo_store::{Row, StoreError, TenantDb, Timestamp, Tx, params};
use uuid::Uuid;

silo_contract::string_enum! {
    /// Where a time entry is in its life.
    pub enum TimeEntryStatus {
        /// Being written by its person.
        Draft = "draft",
        /// Waiting for approval.
        Submitted = "submitted",
        /// Approved: rates fixed, ready to invoice, changed only by approvers.
        Approved = "approved",
        /// On an invoice line: changed by no one.
        Invoiced = "invoiced",
    }
}

/// Minutes of one entry: 1 to 1440 (a day).
pub type EntryMinutes = Integer<1, 1440>;

/// Billable minutes an approver sets by hand: 0 to 1440.
pub type BillableMinutes = Integer<0, 1440>;

/// Most entries one submit, approve or reject names.
pub const MAX_BATCH: usize = 500;

/// The one rounding rule: billable minutes are the tracked minutes rounded up to the project's
/// increment.
pub fn round(minutes: i64, increment: i64) -> i64 {
    if increment <= 1 {
        return minutes;
    }
    minutes.div_euclid(increment) * increment
        + if minutes.rem_euclid(increment) == 0 {
            0
        } else {
            increment
        }
}

/// Who is asking, and what their role lets them do with time.
#[derive(Clone, Copy, Debug)]
pub struct TimeCaller {
    /// The person (identity id).
    pub person: Uuid,
    /// `time.read_all`: sees everyone's time.
    pub read_all: bool,
    /// `time.approve`: approves, changes approved time, logs time for others.
    pub approve: bool,
    /// `rates.read_cost`: sees cost rates.
    pub read_cost: bool,
}

impl TimeCaller {
    fn sees(&self, person: Uuid) -> bool {
        self.read_all || self.approve || person == self.person
    }
}

/// A time entry as stored and sent.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct TimeEntry {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// Who worked (identity id).
    pub person_id: Uuid,
    /// Their name, where the company's members list has it.
    pub person_name: Option<String>,
    /// The project.
    pub project_id: Uuid,
    /// The project's name.
    pub project_name: String,
    /// The project's client.
    pub account_id: Uuid,
    /// The task.
    pub task_id: Option<Uuid>,
    /// The task's title.
    pub task_title: Option<String>,
    /// The kind of work.
    pub service_id: Option<Uuid>,
    /// The service's name.
    pub service_name: Option<String>,
    /// The local date the work was done, `YYYY-MM-DD`.
    pub work_date: String,
    /// Minutes tracked.
    pub minutes: i64,
    /// Whether it is billed.
    pub billable: bool,
    /// Minutes billed (rounded up to the project's increment, or set by an approver).
    pub billable_minutes: i64,
    /// What was done.
    pub description: Option<String>,
    /// Status.
    pub status: TimeEntryStatus,
    /// Hourly rate in cents (frozen when approved).
    pub rate_cents: Cents,
    /// Hourly cost in cents (frozen when approved); null without `rates.read_cost`.
    pub cost_rate_cents: Option<Cents>,
    /// The invoice it is billed on.
    pub invoice_id: Option<Uuid>,
    /// The line of that invoice (1-based).
    pub invoice_line: Option<i64>,
    /// When submitted.
    pub submitted_at: Option<Timestamp>,
    /// When approved.
    pub approved_at: Option<Timestamp>,
    /// Who approved it.
    pub approved_by: Option<Uuid>,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

/// `POST /api/time-entries` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NewTimeEntry {
    project_id: Sent<Id>,
    #[serde(default)]
    task_id: Optional<Id>,
    #[serde(default)]
    service_id: Optional<Id>,
    work_date: Sent<Date>,
    minutes: Sent<EntryMinutes>,
    #[serde(default)]
    description: Optional<Notes>,
    /// The service's default (or true) when left out; always false on a non-billable
    /// project.
    billable: Option<bool>,
    /// Someone else's time (needs `time.approve`); the caller's own when left out.
    #[serde(default)]
    person_id: Optional<Id>,
}

impl NewTimeEntry {
    /// The person the body logs time for, if it names one (for the caller to check against
    /// the company's members).
    pub fn person(&self) -> Option<Uuid> {
        self.person_id.clone().parse().ok().flatten().map(Id::get)
    }
}

/// `PATCH /api/time-entries/{id}` body: only the fields present change; null clears.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct TimeEntryPatch {
    project_id: Option<Sent<Id>>,
    #[serde(default)]
    task_id: Patch<Sent<Id>>,
    #[serde(default)]
    service_id: Patch<Sent<Id>>,
    work_date: Option<Sent<Date>>,
    minutes: Option<Sent<EntryMinutes>>,
    #[serde(default)]
    description: Patch<Sent<Notes>>,
    billable: Option<bool>,
    /// Set by hand (needs `time.approve`); otherwise follows the tracked minutes.
    billable_minutes: Option<Sent<BillableMinutes>>,
}

/// `POST /api/time-entries/submit|approve` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct EntryIds {
    #[schemars(length(min = 1, max = MAX_BATCH))]
    ids: Vec<Sent<Id>>,
}

/// `POST /api/time-entries/reject` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Rejection {
    #[schemars(length(min = 1, max = MAX_BATCH))]
    ids: Vec<Sent<Id>>,
    #[serde(default)]
    reason: Optional<Notes>,
}

/// `GET /api/time-entries` filters besides the page.
#[derive(Clone, Debug, Default)]
pub struct TimeEntryFilter {
    /// Only this person's time (the caller's own without `time.read_all`).
    pub person_id: Option<Uuid>,
    /// Only this project's time.
    pub project_id: Option<Uuid>,
    /// Only time on this client's projects.
    pub account_id: Option<Uuid>,
    /// Only entries in this status.
    pub status: Option<TimeEntryStatus>,
    /// Only work on or after this date.
    pub from: Option<Date>,
    /// Only work on or before this date.
    pub to: Option<Date>,
    /// Only the entries billed on this invoice.
    pub invoice_id: Option<Uuid>,
}

macro_rules! columns {
    () => {
        "e.id, e.person_id, e.project_id, p.name AS project_name, p.account_id, e.task_id, \
         t.title AS task_title, e.service_id, s.name AS service_name, e.work_date, e.minutes, \
         e.billable, e.billable_minutes, e.description, e.status, e.rate_cents, \
         e.cost_rate_cents, e.invoice_id, e.invoice_line, e.submitted_at, e.approved_at, \
         e.approved_by, e.created_at, e.updated_at \
         FROM time_entries e JOIN projects p ON p.id = e.project_id \
         LEFT JOIN tasks t ON t.id = e.task_id LEFT JOIN services s ON s.id = e.service_id"
    };
}
pub(crate) use columns;

/// An entry from a row of [`columns!`].
pub(crate) fn from_row(row: &Row) -> Result<TimeEntry, StoreError> {
    Ok(TimeEntry {
        id: row.get("id")?,
        person_id: row.get("person_id")?,
        person_name: None,
        project_id: row.get("project_id")?,
        project_name: row.get("project_name")?,
        account_id: row.get("account_id")?,
        task_id: row.get("task_id")?,
        task_title: row.get("task_title")?,
        service_id: row.get("service_id")?,
        service_name: row.get("service_name")?,
        work_date: row.get("work_date")?,
        minutes: row.get("minutes")?,
        billable: row.get("billable")?,
        billable_minutes: row.get("billable_minutes")?,
        description: row.get("description")?,
        status: enum_column(row, "status")?,
        rate_cents: crate::invoices::cents(row, "rate_cents")?,
        cost_rate_cents: optional_cents(row, "cost_rate_cents")?,
        invoice_id: row.get("invoice_id")?,
        invoice_line: row.get("invoice_line")?,
        submitted_at: row.get("submitted_at")?,
        approved_at: row.get("approved_at")?,
        approved_by: row.get("approved_by")?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
    })
}

/// The entry as this caller may see it: cost rates only with `rates.read_cost`.
fn shown(mut e: TimeEntry, caller: &TimeCaller) -> TimeEntry {
    if !caller.read_cost {
        e.cost_rate_cents = None;
    }
    e
}

async fn load(tx: &mut Tx, id: Uuid) -> DomainResult<TimeEntry> {
    let row = tx
        .fetch_optional(
            concat!("SELECT ", columns!(), " WHERE e.id = $1"),
            params![id],
        )
        .await?
        .ok_or(DomainError::NotFound)?;
    Ok(from_row(&row)?)
}

/// The entry if the caller may see it; another person's time is "not found" to someone who
/// may only see their own.
async fn visible(tx: &mut Tx, id: Uuid, caller: &TimeCaller) -> DomainResult<TimeEntry> {
    let e = load(tx, id).await?;
    if caller.sees(e.person_id) {
        Ok(e)
    } else {
        Err(DomainError::NotFound)
    }
}

/// Refuses a change to an entry the caller may not change (beyond the period check).
fn check_changeable(e: &TimeEntry, caller: &TimeCaller) -> DomainResult<()> {
    if e.status == TimeEntryStatus::Invoiced {
        return Err(DomainError::conflict(
            ErrorCode::TimeLocked,
            "the entry is invoiced: delete the draft invoice to release it, or correct an \
             issued invoice with a credit note",
        ));
    }
    if e.person_id != caller.person && !caller.approve {
        return Err(DomainError::Forbidden);
    }
    if e.status == TimeEntryStatus::Approved && !caller.approve {
        return Err(DomainError::conflict(
            ErrorCode::TimeLocked,
            "the entry is approved: only a person who approves time can change it",
        ));
    }
    Ok(())
}

/// The hourly rate and cost rate in force for a person's work: the person's rate on the
/// project, else the service's, else the project's; the cost rate from the person's capacity
/// record on that date.
async fn rates(
    tx: &mut Tx,
    project: &Project,
    person: Uuid,
    service: Option<&services::Service>,
    date: Date,
) -> DomainResult<(Cents, Cents)> {
    let member = tx
        .fetch_optional(
            "SELECT hourly_rate_cents FROM project_members \
             WHERE project_id = $1 AND person_id = $2",
            params![project.id, person],
        )
        .await?;
    let member_rate = match member {
        Some(r) => optional_cents(&r, "hourly_rate_cents")?,
        None => None,
    };
    let rate = member_rate
        .or(service.and_then(|s| s.hourly_rate_cents))
        .or(project.hourly_rate_cents)
        .unwrap_or(Cents::ZERO);
    let cost = team::cost_rate_on(tx, person, date).await?;
    Ok((rate, cost))
}

/// What a write resolves to: the parts an entry is computed from.
struct Resolved {
    project: Project,
    task: Option<Uuid>,
    service: Option<services::Service>,
    date: Date,
    minutes: i64,
    billable: bool,
    billable_minutes: i64,
    rate: Cents,
    cost: Cents,
}

#[allow(
    clippy::too_many_arguments,
    reason = "the parts of one entry, named at the call"
)]
async fn resolve(
    tx: &mut Tx,
    person: Uuid,
    project: Uuid,
    task: Option<Uuid>,
    service: Option<Uuid>,
    date: Date,
    minutes: i64,
    billable: Option<bool>,
    billable_minutes: Option<i64>,
) -> DomainResult<Resolved> {
    let project = projects::named(tx, project, "project_id").await?;
    if let Some(task) = task {
        tasks::of_project(tx, task, project.id, "task_id").await?;
    }
    let service = match service {
        Some(id) => Some(services::named(tx, id, "service_id").await?),
        None => None,
    };
    let non_billable = project.billing_type == BillingType::NonBillable;
    if non_billable && billable == Some(true) {
        return Err(DomainError::invalid(
            "billable",
            Problem::rule("the project is non-billable"),
        ));
    }
    let billable =
        !non_billable && billable.unwrap_or_else(|| service.as_ref().is_none_or(|s| s.billable));
    let billable_minutes = match (billable, billable_minutes) {
        (false, _) => 0,
        (true, Some(m)) => m,
        (true, None) => round(minutes, project.rounding_minutes),
    };
    let (rate, cost) = rates(tx, &project, person, service.as_ref(), date).await?;
    Ok(Resolved {
        project,
        task,
        service,
        date,
        minutes,
        billable,
        billable_minutes,
        rate,
        cost,
    })
}

fn announce(e: &TimeEntry) -> serde_json::Value {
    json!({
        "id": e.id,
        "person_id": e.person_id,
        "project_id": e.project_id,
        "task_id": e.task_id,
        "work_date": e.work_date,
        "minutes": e.minutes,
        "billable_minutes": e.billable_minutes,
        "status": e.status,
        "invoice_id": e.invoice_id,
    })
}

/// Checks the budget of the entry's project after a change to its time.
async fn after_change(
    tx: &mut Tx,
    origin: &Origin,
    project: &Project,
    work_date: &str,
) -> DomainResult<()> {
    let month = work_date.get(..7).unwrap_or(work_date);
    budgets::check(tx, origin, project.id, project.budget(), month).await
}

/// The create rules applied to a stored row (an imported one): see [`crate::imports`].
pub(crate) fn check_stored(row: serde_json::Value) -> DomainResult<()> {
    let new: NewTimeEntry = crate::imports::body(row)?;
    let mut p = Problems::new();
    let fields = take!(p, new => work_date, minutes, description);
    p.done(fields)?;
    Ok(())
}

/// Logs time as a draft. Someone else's time needs `time.approve`; the caller has checked the
/// person is a member of the company.
pub async fn create(
    db: &TenantDb,
    new: NewTimeEntry,
    caller: &TimeCaller,
    origin: &Origin,
) -> DomainResult<TimeEntry> {
    let mut p = Problems::new();
    let billable = new.billable;
    let fields = take!(p, new => project_id, task_id, service_id, work_date, minutes,
        description, person_id);
    let (project, task, service, date, minutes, description, person) = p.done(fields)?;
    let person = person.map_or(caller.person, Id::get);
    if person != caller.person && !caller.approve {
        return Err(DomainError::Forbidden);
    }
    let mut tx = db.db().begin().await?;
    let settings = time_settings::load(&mut tx).await?;
    settings.check_open(&date.to_string())?;
    let r = resolve(
        &mut tx,
        person,
        project.get(),
        task.map(Id::get),
        service.map(Id::get),
        date,
        minutes.get(),
        billable,
        None,
    )
    .await?;
    let entry = insert(&mut tx, person, &r, description.map(String::from)).await?;
    emit(
        &mut tx,
        origin,
        EventType::TimeEntryCreated,
        entry.id,
        announce(&entry),
    )
    .await?;
    after_change(&mut tx, origin, &r.project, &entry.work_date).await?;
    tx.commit().await?;
    Ok(shown(entry, caller))
}

/// Inserts a draft entry (also what a stopped timer becomes).
async fn insert(
    tx: &mut Tx,
    person: Uuid,
    r: &Resolved,
    description: Option<String>,
) -> DomainResult<TimeEntry> {
    let id = Uuid::now_v7();
    let now = Timestamp::now();
    tx.execute(
        "INSERT INTO time_entries (id, person_id, project_id, task_id, service_id, work_date, \
         work_month, minutes, billable, billable_minutes, description, status, rate_cents, \
         cost_rate_cents, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
         $10, $11, 'draft', $12, $13, $14, $14)",
        params![
            id,
            person,
            r.project.id,
            r.task,
            r.service.as_ref().map(|s| s.id),
            r.date.to_string(),
            r.date.month().to_string(),
            r.minutes,
            r.billable,
            r.billable_minutes,
            description,
            r.rate.get(),
            r.cost.get(),
            now
        ],
    )
    .await?;
    load(tx, id).await
}

/// Logs a stopped timer's time as a draft entry, inside the timer's transaction.
#[allow(
    clippy::too_many_arguments,
    reason = "a timer's parts, named at the call"
)]
pub(crate) async fn from_timer(
    tx: &mut Tx,
    origin: &Origin,
    person: Uuid,
    project: Uuid,
    task: Option<Uuid>,
    service: Option<Uuid>,
    date: Date,
    minutes: i64,
    description: Option<String>,
) -> DomainResult<TimeEntry> {
    let settings = time_settings::load(tx).await?;
    settings.check_open(&date.to_string())?;
    let r = resolve(
        tx, person, project, task, service, date, minutes, None, None,
    )
    .await?;
    let entry = insert(tx, person, &r, description).await?;
    emit(
        tx,
        origin,
        EventType::TimeEntryCreated,
        entry.id,
        announce(&entry),
    )
    .await?;
    after_change(tx, origin, &r.project, &entry.work_date).await?;
    Ok(entry)
}

/// One entry the caller may see.
pub async fn get(db: &TenantDb, id: Uuid, caller: &TimeCaller) -> DomainResult<TimeEntry> {
    let mut tx = db.db().begin().await?;
    let e = visible(&mut tx, id, caller).await?;
    tx.commit().await?;
    Ok(shown(e, caller))
}

/// A page of entries by id; `q` matches the description. Without `time.read_all` only the
/// caller's own time is listed, whatever the filter says.
pub async fn list(
    db: &TenantDb,
    params: &ListParams,
    filter: &TimeEntryFilter,
    caller: &TimeCaller,
) -> DomainResult<Vec<TimeEntry>> {
    let person = if caller.read_all || caller.approve {
        filter.person_id
    } else {
        Some(caller.person)
    };
    let [after, pattern, limit] = params.binds();
    let rows = db
        .db()
        .fetch_all(
            concat!(
                "SELECT ",
                columns!(),
                " WHERE ($1 IS NULL OR e.id > $1) \
                 AND ($2 IS NULL OR LOWER(e.description) LIKE $2 ESCAPE '\\') \
                 AND ($4 IS NULL OR e.person_id = $4) AND ($5 IS NULL OR e.project_id = $5) \
                 AND ($6 IS NULL OR p.account_id = $6) AND ($7 IS NULL OR e.status = $7) \
                 AND ($8 IS NULL OR e.work_date >= $8) AND ($9 IS NULL OR e.work_date <= $9) \
                 AND ($10 IS NULL OR e.invoice_id = $10) ORDER BY e.id LIMIT $3"
            ),
            &[
                after,
                pattern,
                limit,
                person.into(),
                filter.project_id.into(),
                filter.account_id.into(),
                filter.status.map(|s| s.as_str()).into(),
                filter.from.map(|d| d.to_string()).into(),
                filter.to.map(|d| d.to_string()).into(),
                filter.invoice_id.into(),
            ],
        )
        .await?;
    rows.iter()
        .map(|r| Ok(shown(from_row(r)?, caller)))
        .collect()
}

/// Changes an entry. A non-approver's change to their submitted entry sends it back to draft
/// (it is submitted again after the change).
pub async fn update(
    db: &TenantDb,
    id: Uuid,
    patch: TimeEntryPatch,
    caller: &TimeCaller,
    origin: &Origin,
) -> DomainResult<TimeEntry> {
    let mut p = Problems::new();
    let billable = patch.billable;
    if patch.billable_minutes.is_some() && !caller.approve {
        return Err(DomainError::Forbidden);
    }
    let fields = take!(p, patch => project_id, task_id, service_id, work_date, minutes,
        description, billable_minutes);
    let (project, task, service, date, minutes, description, billable_minutes) = p.done(fields)?;
    let mut tx = db.db().begin().await?;
    let mut e = visible(&mut tx, id, caller).await?;
    check_changeable(&e, caller)?;
    let settings = time_settings::load(&mut tx).await?;
    settings.check_open(&e.work_date)?;
    let old_project = e.project_id;
    if let Some(p) = project {
        e.project_id = p.get();
    }
    if project.is_some() && task.is_unchanged() {
        // A task belongs to one project: moving the entry leaves its task behind.
        e.task_id = None;
    }
    task.map(Id::get).apply(&mut e.task_id);
    service.map(Id::get).apply(&mut e.service_id);
    let date = match date {
        Some(d) => d,
        None => Date::parse(&e.work_date).map_err(|p| DomainError::invalid("work_date", p))?,
    };
    settings.check_open(&date.to_string())?;
    if let Some(m) = minutes {
        e.minutes = m.get();
    }
    description.apply(&mut e.description);
    let r = resolve(
        &mut tx,
        e.person_id,
        e.project_id,
        e.task_id,
        e.service_id,
        date,
        e.minutes,
        Some(billable.unwrap_or(e.billable)),
        billable_minutes.map(BillableMinutes::get),
    )
    .await?;
    // Rates stay frozen on an approved entry unless its project or service changed.
    let keep_rates = e.status == TimeEntryStatus::Approved
        && old_project == r.project.id
        && e.service_id == r.service.as_ref().map(|s| s.id);
    let (rate, cost) = if keep_rates {
        (e.rate_cents, e.cost_rate_cents.unwrap_or(r.cost))
    } else {
        (r.rate, r.cost)
    };
    let back_to_draft = e.status == TimeEntryStatus::Submitted && !caller.approve;
    let status = if back_to_draft {
        TimeEntryStatus::Draft
    } else {
        e.status
    };
    let changed = tx
        .execute(
            "UPDATE time_entries SET project_id = $2, task_id = $3, service_id = $4, \
             work_date = $5, work_month = $6, minutes = $7, billable = $8, \
             billable_minutes = $9, description = $10, status = $11, rate_cents = $12, \
             cost_rate_cents = COALESCE($13, cost_rate_cents), updated_at = $14 \
             WHERE id = $1 AND status = $15",
            params![
                id,
                r.project.id,
                r.task,
                r.service.as_ref().map(|s| s.id),
                date.to_string(),
                date.month().to_string(),
                r.minutes,
                r.billable,
                r.billable_minutes,
                e.description.clone(),
                status.as_str(),
                rate.get(),
                Some(cost.get()),
                Timestamp::now(),
                e.status.as_str(),
            ],
        )
        .await?;
    if changed == 0 {
        return Err(raced());
    }
    let entry = load(&mut tx, id).await?;
    emit(
        &mut tx,
        origin,
        EventType::TimeEntryUpdated,
        id,
        announce(&entry),
    )
    .await?;
    after_change(&mut tx, origin, &r.project, &entry.work_date).await?;
    tx.commit().await?;
    Ok(shown(entry, caller))
}

/// A concurrent change moved the entry on between reading and writing it.
fn raced() -> DomainError {
    DomainError::conflict(
        ErrorCode::Conflict,
        "the entry changed at the same moment; load it again",
    )
}

/// Deletes an entry that is not invoiced (approved ones only by approvers).
pub async fn delete(
    db: &TenantDb,
    id: Uuid,
    caller: &TimeCaller,
    origin: &Origin,
) -> DomainResult<()> {
    let mut tx = db.db().begin().await?;
    let e = visible(&mut tx, id, caller).await?;
    check_changeable(&e, caller)?;
    time_settings::load(&mut tx)
        .await?
        .check_open(&e.work_date)?;
    let deleted = tx
        .execute(
            "DELETE FROM time_entries WHERE id = $1 AND status = $2",
            params![id, e.status.as_str()],
        )
        .await?;
    if deleted == 0 {
        return Err(raced());
    }
    emit(
        &mut tx,
        origin,
        EventType::TimeEntryDeleted,
        id,
        announce(&e),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn parse_ids(ids: Vec<Sent<Id>>) -> DomainResult<Vec<Uuid>> {
    let mut p = Problems::new();
    if ids.len() > MAX_BATCH {
        p.add("ids", Problem::too_many(MAX_BATCH));
    }
    if ids.is_empty() {
        p.add("ids", Problem::too_few(1));
    }
    let mut out = Vec::with_capacity(ids.len());
    for (i, id) in ids.into_iter().enumerate() {
        if let Some(id) = p.take(&format!("ids[{i}]"), id)
            && !out.contains(&id.get())
        {
            out.push(id.get());
        }
    }
    p.finish()?;
    Ok(out)
}

fn wrong_state(e: &TimeEntry, step: &str) -> DomainError {
    DomainError::conflict(
        ErrorCode::InvalidTransition,
        format!(
            "entry {} is {} and cannot be {step}",
            e.id,
            e.status.as_str()
        ),
    )
}

/// Moves each entry from one status to another, all or none; `check` refuses an entry.
async fn step(
    tx: &mut Tx,
    ids: &[Uuid],
    caller: &TimeCaller,
    check: impl Fn(&TimeEntry) -> DomainResult<()>,
) -> DomainResult<Vec<TimeEntry>> {
    let settings: TimeSettings = time_settings::load(tx).await?;
    let mut entries = Vec::with_capacity(ids.len());
    for id in ids {
        let e = visible(tx, *id, caller).await?;
        check(&e)?;
        settings.check_open(&e.work_date)?;
        entries.push(e);
    }
    Ok(entries)
}

/// Submits the caller's own draft entries for approval (approves them when the company does
/// not require approval).
pub async fn submit(
    db: &TenantDb,
    body: EntryIds,
    caller: &TimeCaller,
    origin: &Origin,
) -> DomainResult<Vec<TimeEntry>> {
    let ids = parse_ids(body.ids)?;
    let mut tx = db.db().begin().await?;
    let approval = time_settings::load(&mut tx).await?.approval_required;
    let entries = step(&mut tx, &ids, caller, |e| {
        if e.person_id != caller.person {
            return Err(DomainError::Forbidden);
        }
        match e.status {
            TimeEntryStatus::Draft => Ok(()),
            _ => Err(wrong_state(e, "submitted")),
        }
    })
    .await?;
    let now = Timestamp::now();
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        let changed = tx
            .execute(
                "UPDATE time_entries SET status = 'submitted', submitted_at = $2, \
                 updated_at = $2 WHERE id = $1 AND status = 'draft'",
                params![e.id, now],
            )
            .await?;
        if changed == 0 {
            return Err(raced());
        }
        let submitted = load(&mut tx, e.id).await?;
        emit(
            &mut tx,
            origin,
            EventType::TimeEntrySubmitted,
            e.id,
            announce(&submitted),
        )
        .await?;
        out.push(if approval {
            submitted
        } else {
            approve_one(&mut tx, submitted, None, origin).await?
        });
    }
    tx.commit().await?;
    Ok(out.into_iter().map(|e| shown(e, caller)).collect())
}

/// Approves one entry: its rates are looked up once more and frozen.
async fn approve_one(
    tx: &mut Tx,
    e: TimeEntry,
    approver: Option<Uuid>,
    origin: &Origin,
) -> DomainResult<TimeEntry> {
    let project = projects::load_row(tx, e.project_id).await?;
    let service = match e.service_id {
        Some(id) => services::find(tx, id).await?,
        None => None,
    };
    let date = Date::parse(&e.work_date).map_err(|p| DomainError::invalid("work_date", p))?;
    let (rate, cost) = rates(tx, &project, e.person_id, service.as_ref(), date).await?;
    let now = Timestamp::now();
    let changed = tx
        .execute(
            "UPDATE time_entries SET status = 'approved', rate_cents = $2, cost_rate_cents = $3, \
             approved_at = $4, approved_by = $5, updated_at = $4 \
             WHERE id = $1 AND status IN ('draft', 'submitted')",
            params![e.id, rate.get(), cost.get(), now, approver],
        )
        .await?;
    if changed == 0 {
        return Err(raced());
    }
    let approved = load(tx, e.id).await?;
    emit(
        tx,
        origin,
        EventType::TimeEntryApproved,
        e.id,
        announce(&approved),
    )
    .await?;
    after_change(tx, origin, &project, &approved.work_date).await?;
    Ok(approved)
}

/// Approves draft or submitted entries (needs `time.approve`), all or none.
pub async fn approve(
    db: &TenantDb,
    body: EntryIds,
    caller: &TimeCaller,
    origin: &Origin,
) -> DomainResult<Vec<TimeEntry>> {
    if !caller.approve {
        return Err(DomainError::Forbidden);
    }
    let ids = parse_ids(body.ids)?;
    let mut tx = db.db().begin().await?;
    let entries = step(&mut tx, &ids, caller, |e| match e.status {
        TimeEntryStatus::Draft | TimeEntryStatus::Submitted => Ok(()),
        _ => Err(wrong_state(e, "approved")),
    })
    .await?;
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        out.push(approve_one(&mut tx, e, Some(caller.person), origin).await?);
    }
    tx.commit().await?;
    Ok(out.into_iter().map(|e| shown(e, caller)).collect())
}

/// Sends submitted or approved entries back to their people as drafts (needs
/// `time.approve`), all or none.
pub async fn reject(
    db: &TenantDb,
    body: Rejection,
    caller: &TimeCaller,
    origin: &Origin,
) -> DomainResult<Vec<TimeEntry>> {
    if !caller.approve {
        return Err(DomainError::Forbidden);
    }
    let reason = body
        .reason
        .parse()
        .map_err(|e| DomainError::invalid("reason", e))?
        .map(String::from);
    let ids = parse_ids(body.ids)?;
    let mut tx = db.db().begin().await?;
    let entries = step(&mut tx, &ids, caller, |e| match e.status {
        TimeEntryStatus::Submitted | TimeEntryStatus::Approved => Ok(()),
        TimeEntryStatus::Invoiced => check_changeable(e, caller),
        TimeEntryStatus::Draft => Err(wrong_state(e, "sent back")),
    })
    .await?;
    let now = Timestamp::now();
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        let changed = tx
            .execute(
                "UPDATE time_entries SET status = 'draft', submitted_at = NULL, \
                 approved_at = NULL, approved_by = NULL, updated_at = $2 \
                 WHERE id = $1 AND status IN ('submitted', 'approved')",
                params![e.id, now],
            )
            .await?;
        if changed == 0 {
            return Err(raced());
        }
        let back = load(&mut tx, e.id).await?;
        let mut data = announce(&back);
        data["reason"] = json!(reason);
        emit(&mut tx, origin, EventType::TimeEntryRejected, e.id, data).await?;
        out.push(back);
    }
    tx.commit().await?;
    Ok(out.into_iter().map(|e| shown(e, caller)).collect())
}

/// One person's week: the entries from Monday to Sunday and the minutes per day.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Timesheet {
    /// The person.
    pub person_id: Uuid,
    /// The seven dates, Monday first.
    pub days: Vec<String>,
    /// The week's entries, by date.
    pub entries: Vec<TimeEntry>,
    /// Minutes tracked per day, Monday first.
    pub day_minutes: Vec<i64>,
    /// Minutes tracked in the week.
    pub total_minutes: i64,
    /// Billable minutes in the week.
    pub billable_minutes: i64,
}

/// The week containing `day` for `person` (the caller's own without `time.read_all`).
pub async fn timesheet(
    db: &TenantDb,
    person: Uuid,
    day: Date,
    caller: &TimeCaller,
) -> DomainResult<Timesheet> {
    if !caller.sees(person) {
        return Err(DomainError::Forbidden);
    }
    let d = day.get();
    let monday = d - time::Duration::days(i64::from(d.weekday().number_days_from_monday()));
    let days: Vec<String> = (0..7)
        .map(|i| Date::from_time(monday + time::Duration::days(i)).to_string())
        .collect();
    let (first, last) = (days[0].clone(), days[6].clone());
    let rows = db
        .db()
        .fetch_all(
            concat!(
                "SELECT ",
                columns!(),
                " WHERE e.person_id = $1 AND e.work_date >= $2 AND e.work_date <= $3 \
                 ORDER BY e.work_date, e.id"
            ),
            params![person, first, last],
        )
        .await?;
    let entries: Vec<TimeEntry> = rows
        .iter()
        .map(|r| Ok(shown(from_row(r)?, caller)))
        .collect::<DomainResult<_>>()?;
    let mut day_minutes = vec![0_i64; 7];
    for e in &entries {
        if let Some(i) = days.iter().position(|d| *d == e.work_date) {
            day_minutes[i] += e.minutes;
        }
    }
    Ok(Timesheet {
        person_id: person,
        total_minutes: day_minutes.iter().sum(),
        billable_minutes: entries.iter().map(|e| e.billable_minutes).sum(),
        days,
        entries,
        day_minutes,
    })
}

#[cfg(test)]
mod tests {
    use super::round;

    #[test]
    fn rounding_goes_up_to_the_increment_once() {
        assert_eq!(round(1, 15), 15);
        assert_eq!(round(15, 15), 15);
        assert_eq!(round(16, 15), 30);
        assert_eq!(round(50, 6), 54);
        assert_eq!(round(7, 1), 7);
        assert_eq!(round(61, 60), 120);
        assert_eq!(round(1440, 60), 1440);
    }
}
