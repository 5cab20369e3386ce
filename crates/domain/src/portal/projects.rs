//! The client's projects in the portal: status, dates and how they are billed (never rates),
//! the tasks the agency marked visible to the client (with their visible subtasks), and, when
//! the agency turned on `project_time` for the client, the approved time and the budget burn.
//!
//! There is no milestone record: the client-visible tasks with due dates are the timeline.

use super::{Part, PortalDb};
use crate::budgets::{self, BudgetLevel, BudgetPeriod};
use crate::columns::enum_column;
use crate::error::{DomainError, DomainResult};
use crate::projects::{BillingType, ProjectStatus};
use crate::tasks::TaskStatus;
use schemars::JsonSchema;
use serde::Serialize;
use silo_store::{Row, StoreError, params};
use uuid::Uuid;

/// A project as the client sees it.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct PortalProject {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Where it stands.
    pub status: ProjectStatus,
    /// How it is billed (the rates are not shown).
    pub billing_type: BillingType,
    /// Start date.
    pub start_date: Option<String>,
    /// End date.
    pub end_date: Option<String>,
}

/// A task the client may see.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct PortalTask {
    /// Id.
    pub id: Uuid,
    /// Title.
    pub title: String,
    /// Where it stands.
    pub status: TaskStatus,
    /// Due date.
    pub due_date: Option<String>,
    /// Its subtasks the client may see.
    pub subtasks: Vec<PortalSubtask>,
}

/// A subtask the client may see.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct PortalSubtask {
    /// Id.
    pub id: Uuid,
    /// Title.
    pub title: String,
    /// Where it stands.
    pub status: TaskStatus,
    /// Due date.
    pub due_date: Option<String>,
}

/// The budget burn as the client sees it: time and money against the budgets (money at the
/// rates the client is billed; never cost rates, never per person).
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct PortalBudget {
    /// Whether the budget covers the whole project or each month.
    pub budget_period: BudgetPeriod,
    /// `total`, or the current month `YYYY-MM` of a monthly budget.
    pub period: String,
    /// Currency of the money figures.
    pub currency: String,
    /// Minutes tracked in the period.
    pub minutes: i64,
    /// The hour budget in minutes.
    pub budget_minutes: Option<i64>,
    /// Share of the hour budget used, in basis points (10000 = 100 %).
    pub minutes_used_bp: Option<i64>,
    /// Minutes left; negative when over.
    pub minutes_left: Option<i64>,
    /// What the billable time is worth, in cents.
    pub value_cents: i64,
    /// The money budget in cents.
    pub budget_cents: Option<i64>,
    /// Share of the money budget used, in basis points.
    pub money_used_bp: Option<i64>,
    /// How far the budget is used.
    pub level: BudgetLevel,
}

/// Approved time and budget (only when the agency shows them to this client).
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct PortalProjectTime {
    /// Minutes of approved time (approved and invoiced entries).
    pub approved_minutes: i64,
    /// The budget burn in the current period.
    pub budget: PortalBudget,
}

/// One project as the client sees it.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct PortalProjectDetail {
    /// The project.
    pub project: PortalProject,
    /// The tasks visible to the client (the timeline: those with due dates), by board order.
    pub tasks: Vec<PortalTask>,
    /// Approved time and budget burn; null unless the agency shows them.
    pub time: Option<PortalProjectTime>,
}

macro_rules! columns {
    () => {
        "id, name, status, billing_type, start_date, end_date FROM projects"
    };
}

fn from_row(row: &Row) -> Result<PortalProject, StoreError> {
    Ok(PortalProject {
        id: row.get("id")?,
        name: row.get("name")?,
        status: enum_column(row, "status")?,
        billing_type: enum_column(row, "billing_type")?,
        start_date: row.get("start_date")?,
        end_date: row.get("end_date")?,
    })
}

/// The client's projects, newest first.
pub async fn list(portal: &PortalDb) -> DomainResult<Vec<PortalProject>> {
    portal.require(Part::Projects)?;
    let rows = portal
        .db()
        .db()
        .fetch_all(
            concat!(
                "SELECT ",
                columns!(),
                " WHERE account_id = $1 ORDER BY created_at DESC, id"
            ),
            params![portal.account()],
        )
        .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// One of the client's projects (another client's is `NotFound`, as a missing one).
pub async fn get(portal: &PortalDb, id: Uuid) -> DomainResult<PortalProjectDetail> {
    portal.require(Part::Projects)?;
    let mut tx = portal.db().db().begin().await?;
    let row = tx
        .fetch_optional(
            concat!("SELECT ", columns!(), " WHERE id = $1 AND account_id = $2"),
            params![id, portal.account()],
        )
        .await?
        .ok_or(DomainError::NotFound)?;
    let project = from_row(&row)?;
    let rows = tx
        .fetch_all(
            "SELECT id, parent_id, title, status, due_date FROM tasks \
             WHERE project_id = $1 AND client_visible = TRUE ORDER BY position, created_at, id",
            params![id],
        )
        .await?;
    let mut tasks: Vec<PortalTask> = Vec::new();
    let mut subtasks: Vec<(Uuid, PortalSubtask)> = Vec::new();
    for r in &rows {
        let parent: Option<Uuid> = r.get("parent_id")?;
        let (task_id, title, status, due_date) = (
            r.get("id")?,
            r.get("title")?,
            enum_column(r, "status")?,
            r.get("due_date")?,
        );
        match parent {
            None => tasks.push(PortalTask {
                id: task_id,
                title,
                status,
                due_date,
                subtasks: Vec::new(),
            }),
            Some(parent) => subtasks.push((
                parent,
                PortalSubtask {
                    id: task_id,
                    title,
                    status,
                    due_date,
                },
            )),
        }
    }
    // A visible subtask of a hidden task stays hidden: it is shown only under its parent.
    for (parent, sub) in subtasks {
        if let Some(t) = tasks.iter_mut().find(|t| t.id == parent) {
            t.subtasks.push(sub);
        }
    }
    let time = if portal.scope().parts().project_time {
        let full = crate::projects::load_row(&mut tx, id).await?;
        let approved = tx
            .fetch_one(
                "SELECT CAST(COALESCE(SUM(minutes), 0) AS BIGINT) AS minutes FROM time_entries \
                 WHERE project_id = $1 AND status IN ('approved', 'invoiced')",
                params![id],
            )
            .await?
            .get::<i64>("minutes")?;
        let burn = budgets::current(&mut tx, &[(id, full.budget())])
            .await?
            .remove(&id);
        burn.map(|b| PortalProjectTime {
            approved_minutes: approved,
            budget: PortalBudget {
                budget_period: full.budget_period,
                period: b.period,
                currency: full.currency.to_string(),
                minutes: b.minutes,
                budget_minutes: b.budget_minutes,
                minutes_used_bp: b.minutes_used_bp,
                minutes_left: b.minutes_left,
                value_cents: b.value_cents,
                budget_cents: b.budget_cents,
                money_used_bp: b.money_used_bp,
                level: b.level,
            },
        })
    } else {
        None
    };
    tx.commit().await?;
    Ok(PortalProjectDetail {
        project,
        tasks,
        time,
    })
}
