//! Time entries as they leave Silo: the rows of the CSV export (with the names of their
//! project, client, task and service) and a client's timesheet for a period, the PDF that goes
//! with an invoice.

use crate::error::{DomainError, DomainResult, Problems};
use crate::input::{Date, Optional, ProblemCode};
use crate::parties::Language;
use crate::time_entries::{TimeCaller, TimeEntryFilter};
use crate::utilisation::period;
use schemars::JsonSchema;
use serde::Deserialize;
use silo_store::{Row, StoreError, TenantDb, params};
use std::collections::HashMap;
use uuid::Uuid;

/// One entry with the names it refers to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportedEntry {
    /// The entry.
    pub id: Uuid,
    /// The day worked, `YYYY-MM-DD`.
    pub work_date: String,
    /// Who worked.
    pub person_id: Uuid,
    /// The project.
    pub project_id: Uuid,
    /// Its name.
    pub project: String,
    /// The client.
    pub account_id: Uuid,
    /// The client's name.
    pub account: String,
    /// The task's title, if any.
    pub task: Option<String>,
    /// The service's name, if any.
    pub service: Option<String>,
    /// What was done.
    pub description: Option<String>,
    /// Minutes tracked.
    pub minutes: i64,
    /// Whether it is billable.
    pub billable: bool,
    /// Minutes billed (rounding applied; 0 when not billable).
    pub billable_minutes: i64,
    /// Status (`draft`, `submitted`, `approved`, `invoiced`).
    pub status: String,
    /// Hourly rate in cents.
    pub rate_cents: i64,
    /// Cost per hour in cents.
    pub cost_rate_cents: i64,
    /// The invoice that bills it.
    pub invoice_id: Option<Uuid>,
}

/// Most rows one export holds; past it the export is refused with a problem on `to`, so a
/// file never silently lacks rows.
pub const EXPORT_MAX: i64 = 200_000;

const EXPORT_SELECT: &str = "SELECT e.id, e.work_date, e.person_id, e.project_id, \
     p.name AS project, p.account_id, a.name AS account, t.title AS task, s.name AS service, \
     e.description, e.minutes, e.billable, e.billable_minutes, e.status, e.rate_cents, \
     e.cost_rate_cents, e.invoice_id \
     FROM time_entries e JOIN projects p ON p.id = e.project_id \
     JOIN accounts a ON a.id = p.account_id \
     LEFT JOIN tasks t ON t.id = e.task_id LEFT JOIN services s ON s.id = e.service_id";

fn exported(r: &Row) -> Result<ExportedEntry, StoreError> {
    Ok(ExportedEntry {
        id: r.get("id")?,
        work_date: r.get("work_date")?,
        person_id: r.get("person_id")?,
        project_id: r.get("project_id")?,
        project: r.get("project")?,
        account_id: r.get("account_id")?,
        account: r.get("account")?,
        task: r.get("task")?,
        service: r.get("service")?,
        description: r.get("description")?,
        minutes: r.get("minutes")?,
        billable: r.get("billable")?,
        billable_minutes: r.get("billable_minutes")?,
        status: r.get("status")?,
        rate_cents: r.get("rate_cents")?,
        cost_rate_cents: r.get("cost_rate_cents")?,
        invoice_id: r.get("invoice_id")?,
    })
}

/// The entries the filter selects, by date, person and id, with the visibility of the entries
/// list: without `time.read_all` (or `time.approve`) only the caller's own time, whatever the
/// filter says.
pub async fn entries(
    db: &TenantDb,
    filter: &TimeEntryFilter,
    caller: &TimeCaller,
) -> DomainResult<Vec<ExportedEntry>> {
    let person = if caller.read_all || caller.approve {
        filter.person_id
    } else {
        Some(caller.person)
    };
    let sql = silo_store::Sql::assembled(format!(
        "{EXPORT_SELECT} WHERE ($1 IS NULL OR e.person_id = $1) \
         AND ($2 IS NULL OR e.project_id = $2) AND ($3 IS NULL OR p.account_id = $3) \
         AND ($4 IS NULL OR e.status = $4) AND ($5 IS NULL OR e.work_date >= $5) \
         AND ($6 IS NULL OR e.work_date <= $6) AND ($7 IS NULL OR e.invoice_id = $7) \
         ORDER BY e.work_date, e.person_id, e.id LIMIT $8"
    ));
    let rows = db
        .db()
        .fetch_all(
            sql,
            params![
                person,
                filter.project_id,
                filter.account_id,
                filter.status.map(|s| s.as_str()),
                filter.from.map(|d| d.to_string()),
                filter.to.map(|d| d.to_string()),
                filter.invoice_id,
                EXPORT_MAX + 1
            ],
        )
        .await?;
    if rows.len() as i64 > EXPORT_MAX {
        return Err(DomainError::invalid(
            "to",
            crate::input::Problem::rule(format!(
                "more than {EXPORT_MAX} entries; export a shorter period"
            )),
        ));
    }
    Ok(rows.iter().map(exported).collect::<Result<_, _>>()?)
}

/// `GET /api/accounts/{id}/timesheet` query.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
pub struct TimesheetQuery {
    /// First day, `YYYY-MM-DD` (the first of `to`'s month, or of this month, when left out).
    #[serde(default)]
    pub from: Optional<Date>,
    /// Last day (inclusive; at most 366 days after `from`; the last of `from`'s month, or of
    /// this month, when left out).
    #[serde(default)]
    pub to: Optional<Date>,
}

/// A client's approved time over a period, ready to print.
#[derive(Clone, Debug)]
pub struct AccountTimesheet {
    /// The client's name.
    pub account: String,
    /// The client's language (Dutch when it has none).
    pub language: Language,
    /// First day.
    pub from: Date,
    /// Last day.
    pub to: Date,
    /// The entries: approved or invoiced, billable; by project name, date and person.
    pub entries: Vec<ExportedEntry>,
}

/// The client's timesheet: the billable entries of its projects in the period that are
/// approved or invoiced (what the client is billed for; drafts and entries waiting for
/// approval are not final).
pub async fn account_timesheet(
    db: &TenantDb,
    account: Uuid,
    query: &TimesheetQuery,
) -> DomainResult<AccountTimesheet> {
    let mut p = Problems::new();
    let q = query.clone();
    let from = p.take("from", q.from).flatten();
    let to = p.take("to", q.to).flatten();
    let range = period(&mut p, from, to);
    p.finish()?;
    let (from, to) = range.ok_or_else(|| DomainError::invalid("from", ProblemCode::Required))?;
    let sql = db.db();
    let row = sql
        .fetch_optional(
            "SELECT name, language FROM accounts WHERE id = $1",
            params![account],
        )
        .await?
        .ok_or(DomainError::NotFound)?;
    let language = match row.get::<Option<String>>("language")?.as_deref() {
        Some("en") => Language::En,
        _ => Language::Nl,
    };
    let select = silo_store::Sql::assembled(format!(
        "{EXPORT_SELECT} WHERE p.account_id = $1 AND e.work_date >= $2 AND e.work_date <= $3 \
         AND e.billable = $4 AND e.status IN ('approved', 'invoiced') \
         ORDER BY p.name, p.id, e.work_date, e.person_id, e.id LIMIT $5"
    ));
    let rows = sql
        .fetch_all(
            select,
            params![account, from.to_string(), to.to_string(), true, EXPORT_MAX],
        )
        .await?;
    Ok(AccountTimesheet {
        account: row.get("name")?,
        language,
        from,
        to,
        entries: rows.iter().map(exported).collect::<Result<_, _>>()?,
    })
}

/// The timesheet as the PDF prints it: hours are billable minutes (what the invoice bills),
/// people by their names among the members (`names`), the agency as `seller`.
pub fn timesheet_document(
    ts: &AccountTimesheet,
    names: &HashMap<Uuid, String>,
    seller: String,
) -> silo_documents::Timesheet {
    let mut projects: Vec<silo_documents::TimesheetProject> = Vec::new();
    let mut last: Option<Uuid> = None;
    for e in &ts.entries {
        if last != Some(e.project_id) {
            projects.push(silo_documents::TimesheetProject {
                name: e.project.clone(),
                entries: Vec::new(),
            });
            last = Some(e.project_id);
        }
        if let Some(project) = projects.last_mut() {
            project.entries.push(silo_documents::TimesheetEntry {
                date: ts_date(&e.work_date),
                person: names.get(&e.person_id).cloned().unwrap_or_default(),
                task: e.task.clone(),
                description: e.description.clone(),
                minutes: e.billable_minutes,
            });
        }
    }
    silo_documents::Timesheet {
        language: match ts.language {
            Language::En => silo_documents::Language::En,
            Language::Nl => silo_documents::Language::Nl,
        },
        seller,
        client: ts.account.clone(),
        from: ts.from.get(),
        to: ts.to.get(),
        projects,
    }
}

/// A stored work date. The column is always written by this application as `YYYY-MM-DD`; the
/// earliest date stands in for one that does not parse rather than failing the whole PDF.
fn ts_date(text: &str) -> time::Date {
    Date::parse(text).map(Date::get).unwrap_or(time::Date::MIN)
}
