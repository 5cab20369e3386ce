//! How long raw events are kept (the company's attribution settings) and the daily retention
//! job that applies it: raw events older than `event_retention_months` are deleted (the daily
//! aggregates in `event_daily` and the touchpoints stay) and visit salts older than today go.

use crate::error::{DomainResult, Problems};
use crate::events::{Origin, emit};
use crate::input::{Sent, take};
use crate::jobs;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use silo_contract::input::Integer;
use silo_contract::{EventType, JobKind};
use silo_store::{TenantDb, Timestamp, Tx, params};
use uuid::Uuid;

/// Months raw events are kept unless the company chose otherwise.
pub const DEFAULT_RETENTION_MONTHS: i64 = 13;

/// The company's attribution settings.
#[derive(Clone, Copy, Debug, Serialize, JsonSchema)]
pub struct AttributionSettings {
    /// How many months raw events are kept (1 to 120); daily aggregates are kept.
    pub event_retention_months: i64,
}

/// `PUT /api/attribution/settings` body.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AttributionSettingsInput {
    event_retention_months: Sent<Integer<1, 120>>,
}

async fn load(tx: &mut Tx) -> DomainResult<AttributionSettings> {
    let row = tx
        .fetch_optional(
            "SELECT event_retention_months FROM attribution_settings WHERE singleton = 1",
            &[],
        )
        .await?;
    Ok(AttributionSettings {
        event_retention_months: match row {
            Some(r) => r.get("event_retention_months")?,
            None => DEFAULT_RETENTION_MONTHS,
        },
    })
}

/// The settings (the defaults when never set).
pub async fn settings(db: &TenantDb) -> DomainResult<AttributionSettings> {
    let mut tx = db.db().begin().await?;
    let s = load(&mut tx).await?;
    tx.commit().await?;
    Ok(s)
}

/// Replaces the settings.
pub async fn put_settings(
    db: &TenantDb,
    input: AttributionSettingsInput,
    origin: &Origin,
) -> DomainResult<AttributionSettings> {
    let mut p = Problems::new();
    let fields = take!(p, input => event_retention_months);
    let (months,) = p.done(fields)?;
    let months = months.get();
    let mut tx = db.db().begin().await?;
    tx.execute(
        "INSERT INTO attribution_settings (singleton, event_retention_months, updated_at) \
         VALUES (1, $1, $2) ON CONFLICT (singleton) \
         DO UPDATE SET event_retention_months = $1, updated_at = $2",
        params![months, Timestamp::now()],
    )
    .await?;
    emit(
        &mut tx,
        origin,
        EventType::AttributionSettingsUpdated,
        Uuid::nil(),
        json!({ "event_retention_months": months }),
    )
    .await?;
    tx.commit().await?;
    Ok(AttributionSettings {
        event_retention_months: months,
    })
}

/// The first day (`YYYY-MM-DD`) whose raw events are kept on `today`.
pub fn first_kept_day(today: time::Date, months: i64) -> time::Date {
    let total = i64::from(today.year()) * 12 + i64::from(u8::from(today.month())) - 1 - months;
    let year = i32::try_from(total.div_euclid(12)).unwrap_or(today.year());
    let month = u8::try_from(total.rem_euclid(12) + 1)
        .ok()
        .and_then(|m| time::Month::try_from(m).ok())
        .unwrap_or(today.month());
    let last = month.length(year);
    time::Date::from_calendar_date(year, month, today.day().min(last)).unwrap_or(today)
}

/// What one retention run removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Removed {
    /// Raw events.
    pub events: u64,
    /// Visit salts of earlier days.
    pub salts: u64,
}

/// Applies the retention on `today`: deletes raw events of days before
/// [`first_kept_day`] and every visit salt but today's.
pub async fn apply(db: &TenantDb, today: time::Date) -> DomainResult<Removed> {
    let mut tx = db.db().begin().await?;
    let months = load(&mut tx).await?.event_retention_months;
    let cutoff = first_kept_day(today, months).to_string();
    let events = tx
        .execute(
            "DELETE FROM tracking_events WHERE day < $1",
            params![&cutoff],
        )
        .await?;
    let salts = tx
        .execute(
            "DELETE FROM visit_salts WHERE day <> $1",
            params![today.to_string()],
        )
        .await?;
    tx.commit().await?;
    Ok(Removed { events, salts })
}

/// The job's record id for a day: one retention job per company and day.
pub(crate) fn day_ref(today: time::Date) -> Uuid {
    Uuid::from_u128(u128::try_from(today.to_julian_day()).unwrap_or_default())
}

/// Queues today's retention job unless it is queued already (the worker calls this on every
/// pass; only companies that track a site get one). Answers whether it queued one.
pub async fn queue_daily(db: &TenantDb, today: time::Date) -> DomainResult<bool> {
    let mut tx = db.db().begin().await?;
    let tracks = tx
        .fetch_optional("SELECT 1 AS one FROM sites LIMIT 1", &[])
        .await?
        .is_some();
    let reference = day_ref(today);
    let queued = tx
        .fetch_optional(
            "SELECT 1 AS one FROM jobs WHERE kind = $1 AND ref_id = $2",
            params![JobKind::AttributionRetention.as_str(), reference],
        )
        .await?
        .is_some();
    if !tracks || queued {
        return Ok(false);
    }
    jobs::enqueue(
        &mut tx,
        JobKind::AttributionRetention,
        reference,
        Some("attribution.retention"),
        Timestamp::now(),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_cutoff_goes_back_whole_months() {
        assert_eq!(
            first_kept_day(date!(2026 - 12 - 01), 13),
            date!(2025 - 11 - 01)
        );
        assert_eq!(
            first_kept_day(date!(2026 - 03 - 31), 1),
            date!(2026 - 02 - 28)
        );
        assert_eq!(
            first_kept_day(date!(2026 - 01 - 15), 120),
            date!(2016 - 01 - 15)
        );
    }
}
