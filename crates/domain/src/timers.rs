//! One running timer per person: started on a project (task, service), stopped into a draft
//! time entry of the minutes it ran, or thrown away.

use crate::error::{DomainError, DomainResult, ErrorCode, Problems};
use crate::events::{Origin, emit};
use crate::input::{Date, Id, Notes, Optional, Sent, take};
use crate::time_entries::{self, TimeEntry};
use crate::{projects, services, tasks};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use silo_contract::EventType;
use silo_store::{Row, StoreError, TenantDb, Timestamp, Tx, params};
use uuid::Uuid;

/// A running timer.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Timer {
    /// Whose it is.
    pub person_id: Uuid,
    /// The project.
    pub project_id: Uuid,
    /// The task.
    pub task_id: Option<Uuid>,
    /// The kind of work.
    pub service_id: Option<Uuid>,
    /// What is being done.
    pub description: Option<String>,
    /// When it started.
    pub started_at: Timestamp,
}

/// `POST /api/timer/start` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct StartTimer {
    project_id: Sent<Id>,
    #[serde(default)]
    task_id: Optional<Id>,
    #[serde(default)]
    service_id: Optional<Id>,
    #[serde(default)]
    description: Optional<Notes>,
}

/// `POST /api/timer/stop` body.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct StopTimer {
    /// The person's local date the work counts for (their browser knows it); the UTC date
    /// the timer started on when left out.
    #[serde(default)]
    work_date: Optional<Date>,
}

fn from_row(row: &Row) -> Result<Timer, StoreError> {
    Ok(Timer {
        person_id: row.get("person_id")?,
        project_id: row.get("project_id")?,
        task_id: row.get("task_id")?,
        service_id: row.get("service_id")?,
        description: row.get("description")?,
        started_at: row.get("started_at")?,
    })
}

async fn load(tx: &mut Tx, person: Uuid) -> DomainResult<Option<Timer>> {
    let row = tx
        .fetch_optional(
            "SELECT person_id, project_id, task_id, service_id, description, started_at \
             FROM timers WHERE person_id = $1",
            params![person],
        )
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// The person's running timer, if any.
pub async fn get(db: &TenantDb, person: Uuid) -> DomainResult<Option<Timer>> {
    let mut tx = db.db().begin().await?;
    let t = load(&mut tx, person).await?;
    tx.commit().await?;
    Ok(t)
}

/// Starts the person's timer; a running one answers `409 timer_running`.
pub async fn start(
    db: &TenantDb,
    person: Uuid,
    body: StartTimer,
    origin: &Origin,
) -> DomainResult<Timer> {
    let mut p = Problems::new();
    let fields = take!(p, body => project_id, task_id, service_id, description);
    let (project, task, service, description) = p.done(fields)?;
    let project = project.get();
    let mut tx = db.db().begin().await?;
    projects::named(&mut tx, project, "project_id").await?;
    if let Some(task) = task {
        tasks::of_project(&mut tx, task.get(), project, "task_id").await?;
    }
    if let Some(service) = service {
        services::named(&mut tx, service.get(), "service_id").await?;
    }
    let inserted = tx
        .execute(
            "INSERT INTO timers (person_id, project_id, task_id, service_id, description, \
             started_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (person_id) DO NOTHING",
            params![
                person,
                project,
                task.map(Id::get),
                service.map(Id::get),
                description.map(String::from),
                Timestamp::now()
            ],
        )
        .await?;
    if inserted == 0 {
        return Err(DomainError::conflict(
            ErrorCode::TimerRunning,
            "your timer is running already; stop it first",
        ));
    }
    let timer = load(&mut tx, person).await?.ok_or(DomainError::NotFound)?;
    emit(
        &mut tx,
        origin,
        EventType::TimerStarted,
        project,
        json!({"person_id": person, "project_id": project}),
    )
    .await?;
    tx.commit().await?;
    Ok(timer)
}

/// Whole minutes from `start` to `end`, rounded up, at least 1 and at most a day.
fn minutes_between(start: &Timestamp, end: &Timestamp) -> i64 {
    let seconds = (end.datetime() - start.datetime()).whole_seconds().max(0);
    ((seconds + 59) / 60).clamp(1, 1440)
}

/// Stops the person's timer into a draft time entry; with no timer, `404`.
pub async fn stop(
    db: &TenantDb,
    person: Uuid,
    body: StopTimer,
    origin: &Origin,
) -> DomainResult<TimeEntry> {
    let date = body
        .work_date
        .parse()
        .map_err(|e| DomainError::invalid("work_date", e))?;
    let mut tx = db.db().begin().await?;
    let timer = load(&mut tx, person).await?.ok_or(DomainError::NotFound)?;
    let now = Timestamp::now();
    let date = date.unwrap_or_else(|| Date::from_time(timer.started_at.datetime().date()));
    let deleted = tx
        .execute("DELETE FROM timers WHERE person_id = $1", params![person])
        .await?;
    if deleted == 0 {
        return Err(DomainError::NotFound);
    }
    let entry = time_entries::from_timer(
        &mut tx,
        origin,
        person,
        timer.project_id,
        timer.task_id,
        timer.service_id,
        date,
        minutes_between(&timer.started_at, &now),
        timer.description,
    )
    .await?;
    tx.commit().await?;
    Ok(entry)
}

/// Throws the person's running timer away; with no timer, `404`.
pub async fn discard(db: &TenantDb, person: Uuid, origin: &Origin) -> DomainResult<()> {
    let mut tx = db.db().begin().await?;
    let timer = load(&mut tx, person).await?.ok_or(DomainError::NotFound)?;
    tx.execute("DELETE FROM timers WHERE person_id = $1", params![person])
        .await?;
    emit(
        &mut tx,
        origin,
        EventType::TimerDiscarded,
        timer.project_id,
        json!({"person_id": person, "project_id": timer.project_id}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
