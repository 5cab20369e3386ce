//! Background jobs in the company's own database: queued inside business transactions, claimed
//! and run by the worker (`silo-worker`), which only ever reaches them through the company's
//! [`TenantDb`]. A job's company is the database it is stored in; nothing else names it.

use crate::columns::enum_column;
use crate::error::{DomainError, DomainResult};
use schemars::JsonSchema;
use serde::Serialize;
use silo_contract::{JobKind, JobState};
use silo_store::{Dialect, Row, StoreError, TenantDb, Timestamp, Tx, params};
use std::time::Duration;
use uuid::Uuid;

/// A stored job.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Job {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// Position in this company's queue.
    pub seq: i64,
    /// What to do.
    pub kind: JobKind,
    /// The record it works on (a webhook delivery, ...).
    pub ref_id: Uuid,
    /// Jobs with the same key run one at a time, in order.
    pub queue_key: Option<String>,
    /// Where it stands.
    pub state: JobState,
    /// Attempts started so far.
    pub attempts: i64,
    /// When it may run (next).
    pub due_at: Timestamp,
    /// The lease of the worker running it.
    pub locked_until: Option<Timestamp>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// Queued.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

/// How many jobs are in each state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct JobCounts {
    /// Waiting.
    pub pending: i64,
    /// Running now.
    pub running: i64,
    /// Done.
    pub done: i64,
    /// Dead letters.
    pub dead: i64,
    /// Dropped.
    pub dropped: i64,
}

const COLUMNS: &str = "id, seq, kind, ref_id, queue_key, state, attempts, due_at, locked_until, last_error, created_at, updated_at";

fn from_row(row: &Row) -> Result<Job, StoreError> {
    Ok(Job {
        id: row.get("id")?,
        seq: row.get("seq")?,
        kind: enum_column(row, "kind")?,
        ref_id: row.get("ref_id")?,
        queue_key: row.get("queue_key")?,
        state: enum_column(row, "state")?,
        attempts: row.get("attempts")?,
        due_at: row.get("due_at")?,
        locked_until: row.get("locked_until")?,
        last_error: row.get("last_error")?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
    })
}

fn later(at: Timestamp, by: Duration) -> Timestamp {
    Timestamp::from_datetime(at.datetime() + by)
}

/// Queues a job inside the caller's transaction; it runs once the transaction commits and it
/// is due. Returns its id.
pub async fn enqueue(
    tx: &mut Tx,
    kind: JobKind,
    ref_id: Uuid,
    queue_key: Option<&str>,
    due_at: Timestamp,
) -> DomainResult<Uuid> {
    tx.execute(
        "UPDATE write_locks SET name = name WHERE name = 'jobs'",
        &[],
    )
    .await?;
    let id = Uuid::now_v7();
    let now = Timestamp::now();
    tx.execute(
        "INSERT INTO jobs (id, seq, kind, ref_id, queue_key, state, attempts, due_at, created_at, updated_at) \
         SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, 'pending', 0, $5, $6, $6 FROM jobs",
        params![id, kind.as_str(), ref_id, queue_key, due_at, now],
    )
    .await?;
    Ok(id)
}

/// Claims up to `limit` due jobs for `lease`: pending ones that are due, and running ones whose
/// worker's lease ran out (it died). Of jobs sharing a queue key only the oldest unfinished one
/// can be claimed, so they run in order. PostgreSQL skips rows another worker has locked;
/// SQLite's write lock serialises claims.
pub async fn claim(db: &TenantDb, lease: Duration, limit: i64) -> DomainResult<Vec<Job>> {
    let now = Timestamp::now();
    let skip_locked = match db.db().dialect() {
        Dialect::Postgres => "FOR UPDATE SKIP LOCKED",
        Dialect::Sqlite => "",
    };
    let sql = silo_store::Sql::assembled(format!(
        "UPDATE jobs SET state = 'running', locked_until = $1, attempts = attempts + 1, updated_at = $2
         WHERE id IN (
             SELECT j.id FROM jobs j
             WHERE ((j.state = 'pending' AND j.due_at <= $2) OR (j.state = 'running' AND j.locked_until < $2))
               AND (j.queue_key IS NULL OR NOT EXISTS (
                   SELECT 1 FROM jobs e WHERE e.queue_key = j.queue_key AND e.seq < j.seq
                     AND e.state IN ('pending', 'running')))
             ORDER BY j.seq LIMIT $3 {skip_locked})
         RETURNING {COLUMNS}"
    ));
    let mut tx = db.db().begin().await?;
    let rows = tx
        .fetch_all(sql, params![later(now, lease), now, limit])
        .await?;
    tx.commit().await?;
    let mut jobs: Vec<Job> = rows.iter().map(from_row).collect::<Result<_, _>>()?;
    jobs.sort_by_key(|j| j.seq);
    Ok(jobs)
}

/// A claimed job succeeded.
pub async fn complete(db: &TenantDb, id: Uuid) -> DomainResult<()> {
    db.db()
        .execute(
            "UPDATE jobs SET state = 'done', locked_until = NULL, last_error = NULL, updated_at = $1 \
             WHERE id = $2 AND state = 'running'",
            params![Timestamp::now(), id],
        )
        .await?;
    Ok(())
}

/// A claimed job failed: it runs again at `retry_at`, or with `None` becomes a dead letter.
pub async fn fail(
    db: &TenantDb,
    id: Uuid,
    error: &str,
    retry_at: Option<Timestamp>,
) -> DomainResult<()> {
    let now = Timestamp::now();
    let error: String = error.chars().take(500).collect();
    match retry_at {
        Some(at) => {
            db.db()
                .execute(
                    "UPDATE jobs SET state = 'pending', due_at = $1, locked_until = NULL, last_error = $2, updated_at = $3 \
                     WHERE id = $4 AND state = 'running'",
                    params![at, error, now, id],
                )
                .await?
        }
        None => {
            db.db()
                .execute(
                    "UPDATE jobs SET state = 'dead', locked_until = NULL, last_error = $1, updated_at = $2 \
                     WHERE id = $3 AND state = 'running'",
                    params![error, now, id],
                )
                .await?
        }
    };
    Ok(())
}

/// A claimed job that was not started (the worker is stopping): pending again at once, its
/// attempt not counted.
pub async fn release(db: &TenantDb, id: Uuid) -> DomainResult<()> {
    db.db()
        .execute(
            "UPDATE jobs SET state = 'pending', locked_until = NULL, attempts = attempts - 1, updated_at = $1 \
             WHERE id = $2 AND state = 'running'",
            params![Timestamp::now(), id],
        )
        .await?;
    Ok(())
}

/// Queues a dead or dropped job again, due now, with a fresh count of attempts.
pub async fn retry(db: &TenantDb, id: Uuid) -> DomainResult<Job> {
    let now = Timestamp::now();
    let sql = silo_store::Sql::assembled(format!(
        "UPDATE jobs SET state = 'pending', attempts = 0, due_at = $1, updated_at = $1 \
         WHERE id = $2 AND state IN ('dead', 'dropped') RETURNING {COLUMNS}"
    ));
    match db.db().fetch_optional(sql, params![now, id]).await? {
        Some(row) => Ok(from_row(&row)?),
        None => Err(not_in_state(db, id, "only a dead or dropped job can be retried").await),
    }
}

/// Drops a job that has not finished: it is kept, and never runs.
pub async fn drop_job(db: &TenantDb, id: Uuid) -> DomainResult<Job> {
    let sql = silo_store::Sql::assembled(format!(
        "UPDATE jobs SET state = 'dropped', locked_until = NULL, updated_at = $1 \
         WHERE id = $2 AND state IN ('pending', 'dead') RETURNING {COLUMNS}"
    ));
    match db
        .db()
        .fetch_optional(sql, params![Timestamp::now(), id])
        .await?
    {
        Some(row) => Ok(from_row(&row)?),
        None => Err(not_in_state(db, id, "only a pending or dead job can be dropped").await),
    }
}

async fn not_in_state(db: &TenantDb, id: Uuid, message: &str) -> DomainError {
    match get(db, id).await {
        Ok(_) => DomainError::conflict(silo_contract::ErrorCode::InvalidTransition, message),
        Err(e) => e,
    }
}

/// One job.
pub async fn get(db: &TenantDb, id: Uuid) -> DomainResult<Job> {
    let sql = silo_store::Sql::assembled(format!("SELECT {COLUMNS} FROM jobs WHERE id = $1"));
    let row = db
        .db()
        .fetch_optional(sql, params![id])
        .await?
        .ok_or(DomainError::NotFound)?;
    Ok(from_row(&row)?)
}

/// Jobs newest first, optionally in one state, before the cursor `before_seq`.
pub async fn list(
    db: &TenantDb,
    state: Option<JobState>,
    before_seq: Option<i64>,
    limit: i64,
) -> DomainResult<Vec<Job>> {
    let sql = silo_store::Sql::assembled(format!(
        "SELECT {COLUMNS} FROM jobs WHERE ($1 IS NULL OR state = $1) AND ($2 IS NULL OR seq < $2) \
         ORDER BY seq DESC LIMIT $3"
    ));
    let rows = db
        .db()
        .fetch_all(sql, params![state.map(JobState::as_str), before_seq, limit])
        .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// Jobs per state.
pub async fn counts(db: &TenantDb) -> DomainResult<JobCounts> {
    let rows = db
        .db()
        .fetch_all("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state", &[])
        .await?;
    let mut counts = JobCounts::default();
    for row in rows {
        let n: i64 = row.get("n")?;
        match enum_column(&row, "state")? {
            JobState::Pending => counts.pending = n,
            JobState::Running => counts.running = n,
            JobState::Done => counts.done = n,
            JobState::Dead => counts.dead = n,
            JobState::Dropped => counts.dropped = n,
        }
    }
    Ok(counts)
}

/// When the worker should look at this company again: the earliest due pending job or running
/// lease; `None` when nothing is left to run.
pub async fn next_due(db: &TenantDb) -> DomainResult<Option<Timestamp>> {
    let row = db
        .db()
        .fetch_one(
            "SELECT MIN(CASE WHEN state = 'pending' THEN due_at ELSE locked_until END) AS at \
             FROM jobs WHERE state IN ('pending', 'running')",
            &[],
        )
        .await?;
    Ok(row.get("at")?)
}
