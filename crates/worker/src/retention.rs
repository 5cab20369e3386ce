//! `attribution.retention` jobs: raw events past the company's retention period and old visit
//! salts are deleted (the daily aggregates and touchpoints stay); `retention.apply` jobs: closed
//! deals past the company's period are deleted. The worker queues one job of each per company
//! and day ([`queue_daily`]); the log line counts what went, never what it was.

use crate::JobOutcome;
use silo_control::CompanyId;
use silo_domain::attribution::retention;
use silo_domain::jobs::Job;
use silo_domain::privacy::retention as settings;
use silo_store::TenantDb;
use silo_tenancy::Tenancy;

/// Queues today's retention job of a company that tracks sites, once per day (UTC).
pub(crate) async fn queue_daily(company: CompanyId, db: &TenantDb) {
    let today = silo_domain::input::Date::today().get();
    match retention::queue_daily(db, today).await {
        Ok(false) => {}
        Ok(true) => tracing::debug!(%company, "attribution retention queued"),
        Err(e) => tracing::warn!(%company, error = %e, "cannot queue the attribution retention"),
    }
    match settings::queue_daily(db, today).await {
        Ok(false) => {}
        Ok(true) => tracing::debug!(%company, "retention queued"),
        Err(e) => tracing::warn!(%company, error = %e, "cannot queue the retention"),
    }
}

/// Runs one `attribution.retention` job.
pub(crate) async fn run(db: &TenantDb, job: &Job) -> JobOutcome {
    let today = silo_domain::input::Date::today().get();
    match retention::apply(db, today).await {
        Ok(removed) => {
            tracing::info!(
                job = %job.id,
                events = removed.events,
                salts = removed.salts,
                "attribution retention applied"
            );
            JobOutcome::Done
        }
        Err(e) => JobOutcome::Retry(e.to_string()),
    }
}

/// Runs one `retention.apply` job: closed deals in the company's database, then its audit
/// records in the control plane (each part idempotent, so a retry after a failure in between
/// is harmless).
pub(crate) async fn run_settings(
    tenancy: &Tenancy,
    company: CompanyId,
    db: &TenantDb,
    job: &Job,
) -> JobOutcome {
    let today = silo_domain::input::Date::today().get();
    let removed = match settings::apply(db, today).await {
        Ok(removed) => removed,
        Err(e) => return JobOutcome::Retry(e.to_string()),
    };
    let audit = match removed.audit_before {
        Some(before) => match tenancy.control().prune_audit(company, before).await {
            Ok(n) => n,
            Err(e) => return JobOutcome::Retry(e.to_string()),
        },
        None => 0,
    };
    tracing::info!(job = %job.id, deals = removed.deals, audit, "retention applied");
    JobOutcome::Done
}
