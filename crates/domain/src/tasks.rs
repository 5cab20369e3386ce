//! Tasks on a project, with one level of subtasks: status, assignee, estimate, due date, a
//! position for the board, and whether the client may see it (the portal shows only those).

use crate::columns::enum_column;
use crate::error::{DomainError, DomainResult, ErrorCode, Problems};
use crate::events::{Origin, emit};
use crate::input::{Choice, Date, Id, Name, Notes, Optional, Patch, Problem, Sent, no_such, take};
use crate::list::ListParams;
use crate::projects;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use silo_contract::EventType;
use silo_contract::input::Integer;
use silo_store::{Row, StoreError, TenantDb, Timestamp, Tx, params};
use uuid::Uuid;

silo_contract::string_enum! {
    /// Where a task stands (the board's columns).
    pub enum TaskStatus {
        /// Not started.
        ToDo = "to_do",
        /// Being worked on.
        InProgress = "in_progress",
        /// Waiting for review.
        Review = "review",
        /// Finished.
        Done = "done",
    }
}

/// An estimate in minutes: up to 100,000 hours.
pub type EstimateMinutes = Integer<0, 6_000_000>;

/// A position on the board: smaller comes first.
pub type Position = Integer<0, 1_000_000_000>;

/// A task as stored and sent.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Task {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// The project.
    pub project_id: Uuid,
    /// The task it is a subtask of.
    pub parent_id: Option<Uuid>,
    /// Title.
    pub title: String,
    /// Details.
    pub description: Option<String>,
    /// Status.
    pub status: TaskStatus,
    /// Who does it (identity id).
    pub assignee_id: Option<Uuid>,
    /// Estimate in minutes.
    pub estimate_minutes: Option<i64>,
    /// Due date.
    pub due_date: Option<String>,
    /// Order on the board within its project.
    pub position: i64,
    /// Whether the client sees it in the portal.
    pub client_visible: bool,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

/// `POST /api/tasks` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NewTask {
    project_id: Sent<Id>,
    #[serde(default)]
    parent_id: Optional<Id>,
    title: Sent<Name>,
    #[serde(default)]
    description: Optional<Notes>,
    /// `to_do` when left out.
    status: Option<Sent<Choice<TaskStatus>>>,
    #[serde(default)]
    assignee_id: Optional<Id>,
    #[serde(default)]
    estimate_minutes: Optional<EstimateMinutes>,
    #[serde(default)]
    due_date: Optional<Date>,
    /// After the project's last task when left out.
    position: Option<Sent<Position>>,
    /// False when left out.
    client_visible: Option<bool>,
}

/// `PATCH /api/tasks/{id}` body: only the fields present change; null clears.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct TaskPatch {
    #[serde(default)]
    parent_id: Patch<Sent<Id>>,
    title: Option<Sent<Name>>,
    #[serde(default)]
    description: Patch<Sent<Notes>>,
    status: Option<Sent<Choice<TaskStatus>>>,
    #[serde(default)]
    assignee_id: Patch<Sent<Id>>,
    #[serde(default)]
    estimate_minutes: Patch<Sent<EstimateMinutes>>,
    #[serde(default)]
    due_date: Patch<Sent<Date>>,
    position: Option<Sent<Position>>,
    client_visible: Option<bool>,
}

impl NewTask {
    /// The assignee the body names, for the caller to check against the company's members.
    pub fn assignee(&self) -> Option<Uuid> {
        self.assignee_id.clone().parse().ok().flatten().map(Id::get)
    }
}

impl TaskPatch {
    /// The assignee the body sets, for the caller to check against the company's members.
    pub fn assignee(&self) -> Option<Uuid> {
        match &self.assignee_id {
            Patch::Set(sent) => sent.clone().parse().ok().map(Id::get),
            _ => None,
        }
    }
}

/// `GET /api/tasks` filters besides the page.
#[derive(Clone, Copy, Debug, Default)]
pub struct TaskFilter {
    /// Only this project's tasks.
    pub project_id: Option<Uuid>,
    /// Only tasks in this status.
    pub status: Option<TaskStatus>,
    /// Only tasks assigned to this person.
    pub assignee_id: Option<Uuid>,
}

macro_rules! columns {
    () => {
        "id, project_id, parent_id, title, description, status, assignee_id, estimate_minutes, \
         due_date, position, client_visible, created_at, updated_at"
    };
}

fn from_row(row: &Row) -> Result<Task, StoreError> {
    Ok(Task {
        id: row.get("id")?,
        project_id: row.get("project_id")?,
        parent_id: row.get("parent_id")?,
        title: row.get("title")?,
        description: row.get("description")?,
        status: enum_column(row, "status")?,
        assignee_id: row.get("assignee_id")?,
        estimate_minutes: row.get("estimate_minutes")?,
        due_date: row.get("due_date")?,
        position: row.get("position")?,
        client_visible: row.get("client_visible")?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
    })
}

async fn load(tx: &mut Tx, id: Uuid) -> DomainResult<Task> {
    let row = tx
        .fetch_optional(
            concat!("SELECT ", columns!(), " FROM tasks WHERE id = $1"),
            params![id],
        )
        .await?
        .ok_or(DomainError::NotFound)?;
    Ok(from_row(&row)?)
}

/// The task an entry names, checked to belong to `project`: otherwise a problem on `field`.
pub(crate) async fn of_project(
    tx: &mut Tx,
    id: Uuid,
    project: Uuid,
    field: &str,
) -> DomainResult<Task> {
    match load(tx, id).await {
        Ok(t) if t.project_id == project => Ok(t),
        Ok(_) => Err(DomainError::invalid(
            field,
            Problem::rule("the task belongs to another project"),
        )),
        Err(DomainError::NotFound) => Err(DomainError::invalid(field, no_such("task"))),
        Err(e) => Err(e),
    }
}

/// A parent must be a top-level task of the same project, and a task with subtasks cannot
/// become a subtask itself: one level only.
async fn check_parent(
    tx: &mut Tx,
    project: Uuid,
    parent: Uuid,
    child: Option<Uuid>,
) -> DomainResult<()> {
    let t = of_project(tx, parent, project, "parent_id").await?;
    if t.parent_id.is_some() || Some(parent) == child {
        return Err(DomainError::invalid(
            "parent_id",
            Problem::rule("subtasks have no subtasks of their own: choose a top-level task"),
        ));
    }
    if let Some(child) = child {
        let has_children = tx
            .fetch_optional(
                "SELECT id FROM tasks WHERE parent_id = $1 LIMIT 1",
                params![child],
            )
            .await?;
        if has_children.is_some() {
            return Err(DomainError::invalid(
                "parent_id",
                Problem::rule("a task with subtasks cannot become a subtask"),
            ));
        }
    }
    Ok(())
}

fn announce(t: &Task) -> serde_json::Value {
    json!({
        "id": t.id,
        "project_id": t.project_id,
        "parent_id": t.parent_id,
        "status": t.status,
        "assignee_id": t.assignee_id,
        "client_visible": t.client_visible,
    })
}

/// The create rules applied to a stored row (an imported one): see [`crate::imports`].
pub(crate) fn check_stored(row: serde_json::Value) -> DomainResult<()> {
    let new: NewTask = crate::imports::body(row)?;
    let mut p = Problems::new();
    let fields = take!(p, new => title, description, status, estimate_minutes, due_date, position);
    p.done(fields)?;
    Ok(())
}

/// Creates a task; the caller has checked the assignee is a member of the company.
pub async fn create(db: &TenantDb, new: NewTask, origin: &Origin) -> DomainResult<Task> {
    let mut p = Problems::new();
    let client_visible = new.client_visible.unwrap_or(false);
    let fields = take!(p, new => project_id, parent_id, title, description, status, assignee_id,
        estimate_minutes, due_date, position);
    let (project, parent, title, description, status, assignee, estimate, due, position) =
        p.done(fields)?;
    let project = project.get();
    let mut tx = db.db().begin().await?;
    projects::named(&mut tx, project, "project_id").await?;
    if let Some(parent) = parent {
        check_parent(&mut tx, project, parent.get(), None).await?;
    }
    let position = match position {
        Some(p) => p.get(),
        None => {
            tx.fetch_one(
                "SELECT CAST(COALESCE(MAX(position), 0) + 1 AS BIGINT) AS next FROM tasks WHERE project_id = $1",
                params![project],
            )
            .await?
            .get("next")?
        }
    };
    let now = Timestamp::now();
    let row = tx
        .fetch_one(
            concat!(
                "INSERT INTO tasks (id, project_id, parent_id, title, description, status, \
                 assignee_id, estimate_minutes, due_date, position, client_visible, created_at, \
                 updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) \
                 RETURNING ",
                columns!()
            ),
            params![
                Uuid::now_v7(),
                project,
                parent.map(Id::get),
                String::from(title),
                description.map(String::from),
                status.map_or(TaskStatus::ToDo, Choice::get).as_str(),
                assignee.map(Id::get),
                estimate.map(EstimateMinutes::get),
                due.map(|d| d.to_string()),
                position,
                client_visible,
                now
            ],
        )
        .await?;
    let task = from_row(&row)?;
    emit(
        &mut tx,
        origin,
        EventType::TaskCreated,
        task.id,
        announce(&task),
    )
    .await?;
    tx.commit().await?;
    Ok(task)
}

/// One task.
pub async fn get(db: &TenantDb, id: Uuid) -> DomainResult<Task> {
    let mut tx = db.db().begin().await?;
    let t = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(t)
}

/// A page of tasks by id (the board orders them by `position`); `q` matches the title.
pub async fn list(
    db: &TenantDb,
    params: &ListParams,
    filter: TaskFilter,
) -> DomainResult<Vec<Task>> {
    let [after, pattern, limit] = params.binds();
    let rows = db
        .db()
        .fetch_all(
            concat!(
                "SELECT ",
                columns!(),
                " FROM tasks WHERE ($1 IS NULL OR id > $1) \
                 AND ($2 IS NULL OR LOWER(title) LIKE $2 ESCAPE '\\') \
                 AND ($4 IS NULL OR project_id = $4) AND ($5 IS NULL OR status = $5) \
                 AND ($6 IS NULL OR assignee_id = $6) ORDER BY id LIMIT $3"
            ),
            &[
                after,
                pattern,
                limit,
                filter.project_id.into(),
                filter.status.map(|s| s.as_str()).into(),
                filter.assignee_id.into(),
            ],
        )
        .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// Changes a task; the caller has checked a new assignee is a member of the company.
pub async fn update(
    db: &TenantDb,
    id: Uuid,
    patch: TaskPatch,
    origin: &Origin,
) -> DomainResult<Task> {
    let mut p = Problems::new();
    let client_visible = patch.client_visible;
    let fields = take!(p, patch => parent_id, title, description, status, assignee_id,
        estimate_minutes, due_date, position);
    let (parent, title, description, status, assignee, estimate, due, position) = p.done(fields)?;
    let mut tx = db.db().begin().await?;
    let mut t = load(&mut tx, id).await?;
    if let Some(parent) = parent.set() {
        check_parent(&mut tx, t.project_id, parent.get(), Some(id)).await?;
    }
    parent.map(Id::get).apply(&mut t.parent_id);
    if let Some(title) = title {
        t.title = title.into();
    }
    description.apply(&mut t.description);
    if let Some(s) = status {
        t.status = s.get();
    }
    assignee.map(Id::get).apply(&mut t.assignee_id);
    estimate
        .map(EstimateMinutes::get)
        .apply(&mut t.estimate_minutes);
    due.map(|d| d.to_string()).apply(&mut t.due_date);
    if let Some(pos) = position {
        t.position = pos.get();
    }
    if let Some(v) = client_visible {
        t.client_visible = v;
    }
    let row = tx
        .fetch_one(
            concat!(
                "UPDATE tasks SET parent_id = $2, title = $3, description = $4, status = $5, \
                 assignee_id = $6, estimate_minutes = $7, due_date = $8, position = $9, \
                 client_visible = $10, updated_at = $11 WHERE id = $1 RETURNING ",
                columns!()
            ),
            params![
                id,
                t.parent_id,
                t.title.clone(),
                t.description.clone(),
                t.status.as_str(),
                t.assignee_id,
                t.estimate_minutes,
                t.due_date.clone(),
                t.position,
                t.client_visible,
                Timestamp::now()
            ],
        )
        .await?;
    let task = from_row(&row)?;
    emit(&mut tx, origin, EventType::TaskUpdated, id, announce(&task)).await?;
    tx.commit().await?;
    Ok(task)
}

/// Deletes a task and its subtasks; one with time logged on it (or on a subtask) answers
/// `409 has_time`, so no entry loses what it was for.
pub async fn delete(db: &TenantDb, id: Uuid, origin: &Origin) -> DomainResult<()> {
    let mut tx = db.db().begin().await?;
    let t = load(&mut tx, id).await?;
    let used = tx
        .fetch_optional(
            "SELECT id FROM time_entries WHERE task_id = $1 \
             OR task_id IN (SELECT id FROM tasks WHERE parent_id = $1) LIMIT 1",
            params![id],
        )
        .await?;
    if used.is_some() {
        return Err(DomainError::conflict(
            ErrorCode::HasTime,
            "time is logged on the task; set its status to done instead",
        ));
    }
    tx.execute(
        "UPDATE timers SET task_id = NULL WHERE task_id = $1 \
         OR task_id IN (SELECT id FROM tasks WHERE parent_id = $1)",
        params![id],
    )
    .await?;
    tx.execute("DELETE FROM tasks WHERE parent_id = $1", params![id])
        .await?;
    tx.execute("DELETE FROM tasks WHERE id = $1", params![id])
        .await?;
    emit(&mut tx, origin, EventType::TaskDeleted, id, announce(&t)).await?;
    tx.commit().await?;
    Ok(())
}
