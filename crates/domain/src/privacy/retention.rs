//! How long the company keeps closed deals, its audit records (and, through the attribution
//! settings, raw website events), and the daily job that applies it: won and lost deals that
//! closed longer ago than the setting are deleted with their stage history, and the run records
//! what it removed (counts, as a `retention.applied` event and so in the audit trail). The audit
//! records live in the control plane: this module answers up to when they go
//! ([`Removed::audit_before`]) and the worker removes them there.

use crate::attribution::retention as events;
use crate::error::{DomainResult, Problems};
use crate::events::{Origin, emit};
use crate::input::{Patch, Sent, take};
use crate::jobs;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use silo_contract::input::Integer;
use silo_contract::{EventType, JobKind};
use silo_store::{TenantDb, Timestamp, Tx, params};
use uuid::Uuid;

/// The company's retention settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct RetentionSettings {
    /// Months a won or lost deal is kept after it closed (1 to 240); `null`: kept for ever
    /// (the default).
    pub closed_deal_months: Option<i64>,
    /// Months the company's audit records are kept (12 to 240); `null`: kept for ever (the
    /// default).
    pub audit_months: Option<i64>,
    /// Months raw website events are kept (1 to 120; the attribution setting, 13 unless
    /// changed); daily counts are kept.
    pub event_retention_months: i64,
}

/// `PUT /api/privacy/retention` body: the fields present change; `closed_deal_months: null`
/// keeps closed deals for ever.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetentionInput {
    #[serde(default)]
    closed_deal_months: Patch<Sent<Integer<1, 240>>>,
    #[serde(default)]
    audit_months: Patch<Sent<Integer<12, 240>>>,
    event_retention_months: Option<Sent<Integer<1, 120>>>,
}

/// `(closed_deal_months, audit_months)` as stored.
async fn months(tx: &mut Tx) -> DomainResult<(Option<i64>, Option<i64>)> {
    let row = tx
        .fetch_optional(
            "SELECT closed_deal_months, audit_months FROM retention_settings WHERE singleton = 1",
            &[],
        )
        .await?;
    Ok(match row {
        Some(r) => (r.get("closed_deal_months")?, r.get("audit_months")?),
        None => (None, None),
    })
}

/// The settings (the defaults when never set).
pub async fn settings(db: &TenantDb) -> DomainResult<RetentionSettings> {
    let mut tx = db.db().begin().await?;
    let (closed, audit) = months(&mut tx).await?;
    tx.commit().await?;
    Ok(RetentionSettings {
        closed_deal_months: closed,
        audit_months: audit,
        event_retention_months: events::settings(db).await?.event_retention_months,
    })
}

/// Changes the settings present in `input`; a missing `closed_deal_months` keeps the current
/// value, `null` clears it.
pub async fn put_settings(
    db: &TenantDb,
    input: RetentionInput,
    origin: &Origin,
) -> DomainResult<RetentionSettings> {
    let mut p = Problems::new();
    let fields = take!(p, input => closed_deal_months, audit_months, event_retention_months);
    let (closed_patch, audit_patch, event_months) = p.done(fields)?;
    let mut tx = db.db().begin().await?;
    let (mut closed, mut audit) = months(&mut tx).await?;
    closed_patch.map(|m| m.get()).apply(&mut closed);
    audit_patch.map(|m| m.get()).apply(&mut audit);
    let now = Timestamp::now();
    tx.execute(
        "INSERT INTO retention_settings (singleton, closed_deal_months, audit_months, updated_at) \
         VALUES (1, $1, $2, $3) ON CONFLICT (singleton) \
         DO UPDATE SET closed_deal_months = $1, audit_months = $2, updated_at = $3",
        params![closed, audit, now],
    )
    .await?;
    let event_months = match event_months {
        Some(m) => {
            let m = m.get();
            tx.execute(
                "INSERT INTO attribution_settings (singleton, event_retention_months, updated_at) \
                 VALUES (1, $1, $2) ON CONFLICT (singleton) \
                 DO UPDATE SET event_retention_months = $1, updated_at = $2",
                params![m, now],
            )
            .await?;
            Some(m)
        }
        None => None,
    };
    emit(
        &mut tx,
        origin,
        EventType::RetentionSettingsUpdated,
        Uuid::nil(),
        json!({
            "closed_deal_months": closed,
            "audit_months": audit,
            "event_retention_months": event_months
        }),
    )
    .await?;
    tx.commit().await?;
    settings(db).await
}

/// What one run removed here, and what the worker removes in the control plane.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Removed {
    /// Closed deals.
    pub deals: u64,
    /// The company's audit records made before this go (none when it keeps them for ever).
    pub audit_before: Option<Timestamp>,
}

/// The first moment kept on `today` when `months` are kept: midnight (UTC) of
/// [`events::first_kept_day`].
fn first_kept(today: time::Date, months: i64) -> Timestamp {
    Timestamp::from_datetime(
        events::first_kept_day(today, months)
            .midnight()
            .assume_utc(),
    )
}

/// Deletes the won and lost deals that closed before `today` minus the setting (nothing when
/// there is no setting), with their stage history; records a `retention.applied` event with
/// the count when anything went. Answers also up to when the audit records go.
pub async fn apply(db: &TenantDb, today: time::Date) -> DomainResult<Removed> {
    let mut tx = db.db().begin().await?;
    let (closed, audit) = months(&mut tx).await?;
    let audit_before = audit.map(|m| first_kept(today, m));
    let Some(months) = closed else {
        return Ok(Removed {
            deals: 0,
            audit_before,
        });
    };
    let cutoff = first_kept(today, months);
    let deals = tx
        .execute(
            "DELETE FROM deals WHERE stage IN ('won', 'lost') AND closed_at IS NOT NULL \
             AND closed_at < $1",
            params![cutoff],
        )
        .await?;
    if deals > 0 {
        emit(
            &mut tx,
            &Origin::system(),
            EventType::RetentionApplied,
            Uuid::nil(),
            json!({ "closed_before": cutoff, "deals": deals }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Removed {
        deals,
        audit_before,
    })
}

/// Queues today's retention job unless it is queued already or the company keeps closed
/// deals and audit records for ever. Answers whether it queued one.
pub async fn queue_daily(db: &TenantDb, today: time::Date) -> DomainResult<bool> {
    let mut tx = db.db().begin().await?;
    if months(&mut tx).await? == (None, None) {
        return Ok(false);
    }
    let reference = events::day_ref(today);
    let queued = tx
        .fetch_optional(
            "SELECT 1 AS one FROM jobs WHERE kind = $1 AND ref_id = $2",
            params![JobKind::RetentionApply.as_str(), reference],
        )
        .await?
        .is_some();
    if queued {
        return Ok(false);
    }
    jobs::enqueue(
        &mut tx,
        JobKind::RetentionApply,
        reference,
        Some("retention.apply"),
        Timestamp::now(),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}
