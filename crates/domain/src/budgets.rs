//! Budget burn: a project's time against its hour and money budgets, over the whole project or
//! per calendar month, and the warnings at 80 % and 100 % (each emitted once per period and
//! measure, for the webhook and automation layer).
//!
//! The money a piece of time is worth is `billable_minutes × rate / 60`, summed before the one
//! rounding to cents; what was invoiced counts the invoiced entries the same way plus the
//! project's fixed-price and retainer charges.

use crate::error::DomainResult;
use crate::events::{Origin, emit};
use crate::input::Date;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::json;
use silo_contract::EventType;
use silo_store::{Row, Sql, StoreError, Timestamp, Tx, Value, params};
use std::collections::BTreeMap;
use uuid::Uuid;

silo_contract::string_enum! {
    /// Whether a budget covers the whole project or each calendar month.
    pub enum BudgetPeriod {
        /// One budget for the whole project.
        Total = "total",
        /// The budget renews every calendar month (retainers).
        Monthly = "monthly",
    }
}

silo_contract::string_enum! {
    /// How far a budget is used.
    pub enum BudgetLevel {
        /// Below 80 % of every budget (or no budget).
        Ok = "ok",
        /// At 80 % or more of a budget.
        Warning = "warning",
        /// At 100 % or more of a budget.
        Exceeded = "exceeded",
    }
}

/// A project's budgets, as the burn needs them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Budget {
    pub period: BudgetPeriod,
    pub minutes: Option<i64>,
    pub cents: Option<i64>,
}

/// Time and money against the budget in one period.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Burn {
    /// `total`, or the month `YYYY-MM` of a monthly budget.
    pub period: String,
    /// Minutes tracked.
    pub minutes: i64,
    /// Minutes to bill (after rounding; 0 for non-billable time).
    pub billable_minutes: i64,
    /// What the billable time is worth at its rates, in cents.
    pub value_cents: i64,
    /// What was put on invoices (time and the project's price or retainer), in cents.
    pub invoiced_cents: i64,
    /// The hour budget in minutes.
    pub budget_minutes: Option<i64>,
    /// The money budget in cents.
    pub budget_cents: Option<i64>,
    /// Share of the hour budget used, in basis points (10000 = 100 %).
    pub minutes_used_bp: Option<i64>,
    /// Share of the money budget used (by the time's value), in basis points.
    pub money_used_bp: Option<i64>,
    /// Minutes left in the hour budget; negative when over (a retainer's over-use).
    pub minutes_left: Option<i64>,
    /// How far the budget is used.
    pub level: BudgetLevel,
}

/// Sums per period, before they are set against the budget.
#[derive(Clone, Copy, Debug, Default)]
struct Sums {
    minutes: i64,
    billable_minutes: i64,
    /// Billable minutes times rate (cents per hour): sixty times the value in cents.
    value_x60: i64,
    invoiced_x60: i64,
    charged: i64,
}

impl Sums {
    fn add(&mut self, o: Sums) {
        self.minutes += o.minutes;
        self.billable_minutes += o.billable_minutes;
        self.value_x60 += o.value_x60;
        self.invoiced_x60 += o.invoiced_x60;
        self.charged += o.charged;
    }
}

/// Cents from sixtieths of a cent, rounded half away from zero (the one rounding of a value
/// of time).
pub(crate) fn cents_of_x60(x60: i64) -> i64 {
    let (q, r) = (x60 / 60, x60 % 60);
    if r.abs() * 2 >= 60 {
        q + x60.signum()
    } else {
        q
    }
}

fn share_bp(used: i64, budget: Option<i64>) -> Option<i64> {
    budget
        .filter(|b| *b > 0)
        .map(|b| (i128::from(used) * 10_000 / i128::from(b)) as i64)
}

fn burn(period: String, s: Sums, budget: Budget) -> Burn {
    let value = cents_of_x60(s.value_x60);
    let minutes_used_bp = share_bp(s.minutes, budget.minutes);
    let money_used_bp = share_bp(value, budget.cents);
    let top = minutes_used_bp.max(money_used_bp).unwrap_or(0);
    Burn {
        period,
        minutes: s.minutes,
        billable_minutes: s.billable_minutes,
        value_cents: value,
        invoiced_cents: cents_of_x60(s.invoiced_x60) + s.charged,
        budget_minutes: budget.minutes,
        budget_cents: budget.cents,
        minutes_used_bp,
        money_used_bp,
        minutes_left: budget.minutes.map(|b| b - s.minutes),
        level: match top {
            t if t >= 10_000 => BudgetLevel::Exceeded,
            t if t >= 8_000 => BudgetLevel::Warning,
            _ => BudgetLevel::Ok,
        },
    }
}

fn sums(row: &Row) -> Result<Sums, StoreError> {
    let n = |c: &str| row.get::<Option<i64>>(c).map(Option::unwrap_or_default);
    Ok(Sums {
        minutes: n("minutes")?,
        billable_minutes: n("billable_minutes")?,
        value_x60: n("value_x60")?,
        invoiced_x60: n("invoiced_x60")?,
        charged: 0,
    })
}

/// Per project and month: what was tracked, its value and what of it was invoiced, plus the
/// project's charges (fixed-price charges under the month `None`).
async fn monthly_sums(
    tx: &mut Tx,
    projects: &[Uuid],
) -> DomainResult<BTreeMap<Uuid, BTreeMap<Option<String>, Sums>>> {
    let mut out: BTreeMap<Uuid, BTreeMap<Option<String>, Sums>> = BTreeMap::new();
    if projects.is_empty() {
        return Ok(out);
    }
    let binds: Vec<Value> = projects.iter().map(|p| Value::from(*p)).collect();
    let list = (1..=projects.len())
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let rows = tx
        .fetch_all(
            Sql::assembled(format!(
                "SELECT project_id, work_month, CAST(SUM(minutes) AS BIGINT) AS minutes, \
                 CAST(SUM(billable_minutes) AS BIGINT) AS billable_minutes, \
                 CAST(SUM(billable_minutes * rate_cents) AS BIGINT) AS value_x60, \
                 CAST(SUM(CASE WHEN status = 'invoiced' THEN billable_minutes * rate_cents \
                 ELSE 0 END) AS BIGINT) AS invoiced_x60 FROM time_entries WHERE project_id IN ({list}) \
                 GROUP BY project_id, work_month"
            )),
            &binds,
        )
        .await?;
    for row in &rows {
        let project: Uuid = row.get("project_id")?;
        let month: String = row.get("work_month")?;
        out.entry(project)
            .or_default()
            .entry(Some(month))
            .or_default()
            .add(sums(row)?);
    }
    let charges = tx
        .fetch_all(
            Sql::assembled(format!(
                "SELECT project_id, month, CAST(SUM(amount_cents) AS BIGINT) AS charged FROM project_charges \
                 WHERE project_id IN ({list}) GROUP BY project_id, month"
            )),
            &binds,
        )
        .await?;
    for row in &charges {
        let project: Uuid = row.get("project_id")?;
        let month: Option<String> = row.get("month")?;
        out.entry(project)
            .or_default()
            .entry(month)
            .or_default()
            .charged += row.get::<Option<i64>>("charged")?.unwrap_or_default();
    }
    Ok(out)
}

fn current_period(budget: Budget, months: &BTreeMap<Option<String>, Sums>, today: &str) -> Burn {
    match budget.period {
        BudgetPeriod::Total => {
            let mut all = Sums::default();
            for s in months.values() {
                all.add(*s);
            }
            burn("total".into(), all, budget)
        }
        BudgetPeriod::Monthly => {
            let s = months
                .get(&Some(today.to_owned()))
                .copied()
                .unwrap_or_default();
            burn(today.to_owned(), s, budget)
        }
    }
}

/// The burn in the current period of each project (the whole project, or this month).
pub(crate) async fn current(
    tx: &mut Tx,
    projects: &[(Uuid, Budget)],
) -> DomainResult<BTreeMap<Uuid, Burn>> {
    let ids: Vec<Uuid> = projects.iter().map(|(id, _)| *id).collect();
    let sums = monthly_sums(tx, &ids).await?;
    let month = Date::today().month().to_string();
    let empty = BTreeMap::new();
    Ok(projects
        .iter()
        .map(|(id, budget)| {
            let months = sums.get(id).unwrap_or(&empty);
            (*id, current_period(*budget, months, &month))
        })
        .collect())
}

/// A project's budget over time: the current period and every month with time or charges,
/// newest first.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct BudgetReport {
    /// The project.
    pub project_id: Uuid,
    /// Whether the budget covers the whole project or each month.
    pub period: BudgetPeriod,
    /// Never invoice more than the money budget.
    pub cap: bool,
    /// The current period (the whole project, or this month).
    pub current: Burn,
    /// Each month with time or charges, newest first, against the monthly budget (for a
    /// total budget, `budget_*` are null there).
    pub months: Vec<Burn>,
}

/// The budget report of one project.
pub(crate) async fn report(
    tx: &mut Tx,
    project: Uuid,
    budget: Budget,
    cap: bool,
) -> DomainResult<BudgetReport> {
    let sums = monthly_sums(tx, &[project]).await?;
    let months = sums.get(&project).cloned().unwrap_or_default();
    let current = current_period(budget, &months, &Date::today().month().to_string());
    let per_month = match budget.period {
        BudgetPeriod::Monthly => budget,
        BudgetPeriod::Total => Budget {
            period: BudgetPeriod::Total,
            minutes: None,
            cents: None,
        },
    };
    let mut list: Vec<Burn> = months
        .iter()
        .filter_map(|(m, s)| m.clone().map(|m| burn(m, *s, per_month)))
        .collect();
    list.reverse();
    Ok(BudgetReport {
        project_id: project,
        period: budget.period,
        cap,
        current,
        months: list,
    })
}

/// What of a period's money budget is left to invoice: the budget less what was invoiced in
/// that period (time and charges), in sixtieths of a cent; `None` when there is no budget.
pub(crate) async fn invoiceable_x60(
    tx: &mut Tx,
    project: Uuid,
    budget: Budget,
    month: Option<&str>,
) -> DomainResult<Option<i64>> {
    let Some(cents) = budget.cents else {
        return Ok(None);
    };
    let sums = monthly_sums(tx, &[project]).await?;
    let empty = BTreeMap::new();
    let months = sums.get(&project).unwrap_or(&empty);
    let mut used = Sums::default();
    for (m, s) in months {
        let counts = match budget.period {
            BudgetPeriod::Total => true,
            BudgetPeriod::Monthly => m.as_deref() == month,
        };
        if counts {
            used.add(*s);
        }
    }
    Ok(Some(cents * 60 - used.invoiced_x60 - used.charged * 60))
}

/// Records and announces each threshold the project's time has newly reached in the period of
/// `month` (its month for a monthly budget, the whole project otherwise).
pub(crate) async fn check(
    tx: &mut Tx,
    origin: &Origin,
    project: Uuid,
    budget: Budget,
    month: &str,
) -> DomainResult<()> {
    if budget.minutes.is_none() && budget.cents.is_none() {
        return Ok(());
    }
    let sums = monthly_sums(tx, &[project]).await?;
    let months = sums.get(&project).cloned().unwrap_or_default();
    let burn = current_period(budget, &months, month);
    for (measure, used_bp, used, of) in [
        (
            "hours",
            burn.minutes_used_bp,
            burn.minutes,
            burn.budget_minutes,
        ),
        (
            "money",
            burn.money_used_bp,
            burn.value_cents,
            burn.budget_cents,
        ),
    ] {
        let Some(bp) = used_bp else { continue };
        for (threshold, event) in [
            (80_i64, EventType::ProjectBudgetWarning),
            (100, EventType::ProjectBudgetExceeded),
        ] {
            if bp < threshold * 100 {
                continue;
            }
            let inserted = tx
                .execute(
                    "INSERT INTO budget_alerts (project_id, period, measure, threshold_pct, \
                     reached_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                    params![
                        project,
                        burn.period.clone(),
                        measure,
                        threshold,
                        Timestamp::now()
                    ],
                )
                .await?;
            if inserted == 0 {
                continue;
            }
            let data = json!({
                "project_id": project,
                "period": burn.period,
                "measure": measure,
                "threshold_pct": threshold,
                "used": used,
                "budget": of,
            });
            emit(tx, origin, event, project, data).await?;
        }
    }
    Ok(())
}
