//! The work queue: which companies have background work due, and which worker holds each.
//!
//! It only points at companies; the work itself (events to audit, jobs) stays in each
//! company's own database, which a worker opens through the tenancy layer like a request does.
//! Several workers share the queue: a claim is a lease, taken with `FOR UPDATE SKIP LOCKED` on
//! PostgreSQL and under SQLite's write lock, so no company is worked on by two at once.

use crate::{CompanyId, ControlError, ControlPlane};
use silo_store::{Dialect, Timestamp, params};
use std::time::Duration;

/// A company a worker claimed: its id and the queue row's version at claim time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClaimedWork {
    /// The company.
    pub company: CompanyId,
    /// The row's version when claimed; a wake-up since then changes it.
    pub version: i64,
}

fn later(by: Duration) -> Timestamp {
    Timestamp::from_datetime(Timestamp::now().datetime() + by)
}

impl ControlPlane {
    /// Marks `company` as having work due at `due_at` (or earlier, if it already had).
    pub async fn wake(&self, company: CompanyId, due_at: Timestamp) -> Result<(), ControlError> {
        self.db
            .execute(
                "INSERT INTO work_queue (company_id, due_at, version) VALUES ($1, $2, 1)
                 ON CONFLICT (company_id) DO UPDATE SET
                   due_at = CASE WHEN excluded.due_at < work_queue.due_at
                                 THEN excluded.due_at ELSE work_queue.due_at END,
                   version = work_queue.version + 1",
                params![company.to_string(), due_at],
            )
            .await?;
        Ok(())
    }

    /// Claims up to `limit` companies whose work is due and that no live lease holds, for
    /// `lease`, oldest due first.
    pub async fn claim_work(
        &self,
        worker: &str,
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<ClaimedWork>, ControlError> {
        let skip_locked = match self.db.dialect() {
            Dialect::Postgres => "FOR UPDATE SKIP LOCKED",
            Dialect::Sqlite => "",
        };
        let sql = silo_store::Sql::assembled(format!(
            "UPDATE work_queue SET claimed_by = $1, claimed_until = $2
             WHERE company_id IN (
                 SELECT company_id FROM work_queue
                 WHERE due_at <= $3 AND (claimed_until IS NULL OR claimed_until < $3)
                 ORDER BY due_at LIMIT $4 {skip_locked})
             RETURNING company_id, version"
        ));
        let mut tx = self.db.begin().await?;
        let rows = tx
            .fetch_all(sql, params![worker, later(lease), Timestamp::now(), limit])
            .await?;
        tx.commit().await?;
        rows.iter()
            .map(|r| {
                let id: uuid::Uuid = r.get("company_id")?;
                Ok(ClaimedWork {
                    company: CompanyId::from_uuid(id),
                    version: r.get("version")?,
                })
            })
            .collect()
    }

    /// Ends `worker`'s claim. With `next_due`, the company is due again then (or earlier if it
    /// was woken meanwhile); without, its row goes unless it was woken meanwhile, in which case
    /// it stays due at once.
    pub async fn finish_work(
        &self,
        work: ClaimedWork,
        worker: &str,
        next_due: Option<Timestamp>,
    ) -> Result<(), ControlError> {
        let company = work.company.to_string();
        if next_due.is_none() {
            let removed = self
                .db
                .execute(
                    "DELETE FROM work_queue WHERE company_id = $1 AND version = $2 AND claimed_by = $3",
                    params![company.as_str(), work.version, worker],
                )
                .await?;
            if removed == 1 {
                return Ok(());
            }
        }
        self.db
            .execute(
                "UPDATE work_queue SET
                   due_at = CASE WHEN $2 IS NULL OR version <> $3 AND due_at < $2 THEN due_at
                                 ELSE $2 END,
                   claimed_by = NULL, claimed_until = NULL
                 WHERE company_id = $1 AND claimed_by = $4",
                params![company.as_str(), next_due, work.version, worker],
            )
            .await?;
        Ok(())
    }

    /// Companies whose work is due now (for metrics).
    pub async fn work_due(&self) -> Result<i64, ControlError> {
        Ok(self
            .db
            .fetch_one(
                "SELECT COUNT(*) AS n FROM work_queue WHERE due_at <= $1",
                params![Timestamp::now()],
            )
            .await?
            .get("n")?)
    }

    /// Forgets a company's queue row (its database and the work in it are gone).
    pub async fn forget_work(&self, company: CompanyId) -> Result<(), ControlError> {
        self.db
            .execute(
                "DELETE FROM work_queue WHERE company_id = $1",
                params![company.to_string()],
            )
            .await?;
        Ok(())
    }
}
