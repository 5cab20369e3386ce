//! How the company runs its time: whether entries need approval, the lock date that closes a
//! period, and the default billable target.

use crate::error::{DomainError, DomainResult, ErrorCode, Problems};
use crate::events::{Origin, emit};
use crate::input::{Date, Patch, Sent, take};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use silo_contract::EventType;
use silo_contract::input::Integer;
use silo_store::{TenantDb, Timestamp, Tx, params};
use uuid::Uuid;

/// A share in basis points: 0 to 10000 (8000 is 80 %).
pub type BasisPoints = Integer<0, 10_000>;

/// The billable target when the company set none.
pub const DEFAULT_BILLABLE_TARGET_BP: i64 = 8000;

/// The company's time settings.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct TimeSettings {
    /// Entries need a person with `time.approve` to approve them before they can be invoiced;
    /// when false, submitting approves.
    pub approval_required: bool,
    /// Entries dated on or before it are closed: none is added, changed or deleted.
    pub lock_date: Option<String>,
    /// The billable share of worked time each person aims for, in basis points.
    pub billable_target_bp: i64,
}

impl Default for TimeSettings {
    fn default() -> Self {
        TimeSettings {
            approval_required: true,
            lock_date: None,
            billable_target_bp: DEFAULT_BILLABLE_TARGET_BP,
        }
    }
}

impl TimeSettings {
    /// Refuses a work date inside the closed period with `409 period_locked`.
    pub(crate) fn check_open(&self, work_date: &str) -> DomainResult<()> {
        match &self.lock_date {
            Some(lock) if work_date <= lock.as_str() => Err(DomainError::conflict(
                ErrorCode::PeriodLocked,
                format!("time up to {lock} is locked; {work_date} is in the closed period"),
            )),
            _ => Ok(()),
        }
    }
}

/// `PATCH /api/time-settings` body; null clears the lock date.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct TimeSettingsPatch {
    approval_required: Option<bool>,
    #[serde(default)]
    lock_date: Patch<Sent<Date>>,
    billable_target_bp: Option<Sent<BasisPoints>>,
}

/// The settings inside a transaction (the defaults when none were saved).
pub(crate) async fn load(tx: &mut Tx) -> DomainResult<TimeSettings> {
    let row = tx
        .fetch_optional(
            "SELECT approval_required, lock_date, billable_target_bp FROM time_settings \
             WHERE singleton = 1",
            &[],
        )
        .await?;
    Ok(match row {
        None => TimeSettings::default(),
        Some(r) => TimeSettings {
            approval_required: r.get("approval_required")?,
            lock_date: r.get("lock_date")?,
            billable_target_bp: r.get("billable_target_bp")?,
        },
    })
}

/// The company's time settings.
pub async fn get(db: &TenantDb) -> DomainResult<TimeSettings> {
    let mut tx = db.db().begin().await?;
    let settings = load(&mut tx).await?;
    tx.commit().await?;
    Ok(settings)
}

/// Changes the settings.
pub async fn update(
    db: &TenantDb,
    patch: TimeSettingsPatch,
    origin: &Origin,
) -> DomainResult<TimeSettings> {
    let mut p = Problems::new();
    let approval = patch.approval_required;
    let fields = take!(p, patch => lock_date, billable_target_bp);
    let (lock_date, target) = p.done(fields)?;
    let mut tx = db.db().begin().await?;
    let mut s = load(&mut tx).await?;
    if let Some(a) = approval {
        s.approval_required = a;
    }
    lock_date.map(|d| d.to_string()).apply(&mut s.lock_date);
    if let Some(t) = target {
        s.billable_target_bp = t.get();
    }
    let now = Timestamp::now();
    tx.execute(
        "INSERT INTO time_settings (singleton, approval_required, lock_date, billable_target_bp, \
         updated_at) VALUES (1, $1, $2, $3, $4) ON CONFLICT (singleton) DO UPDATE SET \
         approval_required = $1, lock_date = $2, billable_target_bp = $3, updated_at = $4",
        params![
            s.approval_required,
            s.lock_date.clone(),
            s.billable_target_bp,
            now
        ],
    )
    .await?;
    let data = json!({
        "approval_required": s.approval_required,
        "lock_date": s.lock_date,
        "billable_target_bp": s.billable_target_bp,
    });
    // The settings belong to the company as a whole: the nil subject stands for it.
    emit(
        &mut tx,
        origin,
        EventType::TimeSettingsUpdated,
        Uuid::nil(),
        data,
    )
    .await?;
    tx.commit().await?;
    Ok(s)
}
