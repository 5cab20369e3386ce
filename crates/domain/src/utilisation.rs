//! The team reports: utilisation per person over a period, and estimate against actual,
//! revenue, cost and margin per project. The definitions are the contract of issue 20
//! (`docs/team.md` explains them):
//!
//! - capacity per weekday (Monday to Friday) is `floor(weekly_minutes / 5)` of the capacity
//!   row in force that day (none: 0); weekends have none;
//! - each weekday inside a time-off range removes that day's capacity (overlapping ranges
//!   count once); available = capacity - time off;
//! - worked = the minutes of the person's entries in the period, any status; billable = those
//!   of billable entries;
//! - billable_utilisation_bp = billable * 10000 / worked (0 when nothing was worked);
//!   target_bp = the target of the row in force on `to`, else the company's default (8000
//!   without settings); attainment_bp = utilisation * 10000 / target (0 for a zero target).
//!
//! Entries are summed in SQL (one GROUP BY over the date or person index); capacity and time
//! off are a handful of rows per person, laid over the period's days here.

use crate::columns::enum_column;
use crate::error::{DomainError, DomainResult, Problems};
use crate::input::{Date, Id, Optional, Problem, ProblemCode};
use crate::projects::{BillingType, ProjectStatus};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use silo_store::{Row, StoreError, TenantDb, params};
use std::collections::BTreeMap;
use time::Weekday;
use uuid::Uuid;

/// The company's billable target when it has no time settings: 80 %.
pub const DEFAULT_TARGET_BP: i64 = 8000;

/// The longest period a report covers, in days (a year, leap or not).
pub const MAX_PERIOD_DAYS: i64 = 366;

/// `GET /api/reports/utilisation` query.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
pub struct UtilisationQuery {
    /// First day of the period, `YYYY-MM-DD` (the first of `to`'s month, or of this month,
    /// when left out).
    #[serde(default)]
    pub from: Optional<Date>,
    /// Last day of the period (inclusive; at most 366 days after `from`; the last of `from`'s
    /// month, or of this month, when left out).
    #[serde(default)]
    pub to: Optional<Date>,
    /// Only this person.
    #[serde(default)]
    pub person_id: Optional<Id>,
}

impl UtilisationQuery {
    /// The person asked for, when well formed.
    pub fn person(&self) -> Option<Uuid> {
        self.person_id
            .raw()
            .and_then(|raw| Id::parse(raw).ok())
            .map(Id::get)
    }
}

/// One person's figures over the period. Minutes throughout.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq, JsonSchema)]
pub struct PersonUtilisation {
    /// The person (an identity id).
    pub person_id: Uuid,
    /// Their name among the company's members (null for someone who left).
    pub name: Option<String>,
    /// Working minutes of the period's weekdays by the capacity rows in force.
    pub capacity_minutes: i64,
    /// Of that capacity, what falls on days off.
    pub time_off_minutes: i64,
    /// Capacity less time off.
    pub available_minutes: i64,
    /// Minutes of the person's entries in the period, any status.
    pub worked_minutes: i64,
    /// Of those, the minutes of billable entries.
    pub billable_minutes: i64,
    /// billable * 10000 / worked (0 when nothing was worked).
    pub billable_utilisation_bp: i64,
    /// The billable target in force on the period's last day.
    pub target_bp: i64,
    /// billable_utilisation_bp * 10000 / target_bp (0 for a zero target).
    pub attainment_bp: i64,
}

/// The sums over everyone in the report.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq, JsonSchema)]
pub struct UtilisationTotals {
    /// Sum of capacity.
    pub capacity_minutes: i64,
    /// Sum of time off.
    pub time_off_minutes: i64,
    /// Sum of available minutes.
    pub available_minutes: i64,
    /// Sum of worked minutes.
    pub worked_minutes: i64,
    /// Sum of billable minutes.
    pub billable_minutes: i64,
    /// billable * 10000 / worked over the sums.
    pub billable_utilisation_bp: i64,
}

/// The utilisation report.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Utilisation {
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
    /// Everyone with a capacity row, time off or time in the period, by person id.
    pub people: Vec<PersonUtilisation>,
    /// The sums.
    pub totals: UtilisationTotals,
}

/// `from` and `to` of a query, in order, at most [`MAX_PERIOD_DAYS`] apart. A missing end
/// comes from the other's calendar month (both missing: this month), so every well-formed query
/// has a period. Problems go to `p`.
pub(crate) fn period(
    p: &mut Problems,
    from: Option<Date>,
    to: Option<Date>,
) -> Option<(Date, Date)> {
    if p.has("from") || p.has("to") {
        return None;
    }
    let anchor = from.or(to).unwrap_or_else(Date::today).get();
    let first = anchor.replace_day(1).ok().map(Date::from_time);
    let last = anchor
        .replace_day(anchor.month().length(anchor.year()))
        .ok()
        .map(Date::from_time);
    let (from, to) = (from.or(first), to.or(last));
    let (from, to) = (from?, to?);
    let days = (to.get() - from.get()).whole_days();
    if days < 0 {
        p.add("to", Problem::rule("must be on or after from"));
        return None;
    }
    if days >= MAX_PERIOD_DAYS {
        p.add(
            "to",
            Problem::rule(format!("the period is at most {MAX_PERIOD_DAYS} days")),
        );
        return None;
    }
    Some((from, to))
}

/// A capacity row as the report needs it.
struct CapacityRow {
    from: time::Date,
    daily: i64,
    target: Option<i64>,
}

fn day(row: &Row, column: &str) -> Result<time::Date, StoreError> {
    let text: String = row.get(column)?;
    Date::parse(&text)
        .map(Date::get)
        .map_err(|p| StoreError::Decode {
            column: column.to_owned(),
            reason: p.message,
        })
}

fn ratio_bp(part: i64, whole: i64) -> i64 {
    if whole == 0 {
        0
    } else {
        part.saturating_mul(10_000) / whole
    }
}

/// The company's default billable target.
async fn default_target(db: &TenantDb) -> DomainResult<i64> {
    let row = db
        .db()
        .fetch_optional(
            "SELECT billable_target_bp FROM time_settings WHERE singleton = 1",
            &[],
        )
        .await?;
    Ok(match row {
        Some(r) => r.get("billable_target_bp")?,
        None => DEFAULT_TARGET_BP,
    })
}

/// Builds the report; `only` restricts it to one person whatever the query says (a caller
/// who may see their own row only).
pub async fn utilisation(
    db: &TenantDb,
    query: &UtilisationQuery,
    only: Option<Uuid>,
) -> DomainResult<Utilisation> {
    let mut p = Problems::new();
    let q = query.clone();
    let from = p.take("from", q.from).flatten();
    let to = p.take("to", q.to).flatten();
    let person = p.take("person_id", q.person_id).flatten();
    let range = period(&mut p, from, to);
    p.finish()?;
    let (from, to) = range.ok_or_else(|| DomainError::invalid("from", ProblemCode::Required))?;
    let person = only.or(person.map(Id::get));
    let (from_s, to_s) = (from.to_string(), to.to_string());
    let sql = db.db();

    let capacity = sql
        .fetch_all(
            "SELECT person_id, effective_from, weekly_minutes, billable_target_bp \
             FROM person_capacity WHERE effective_from <= $1 AND ($2 IS NULL OR person_id = $2) \
             ORDER BY person_id, effective_from",
            params![to_s.as_str(), person],
        )
        .await?;
    let time_off = sql
        .fetch_all(
            "SELECT person_id, start_date, end_date FROM time_off \
             WHERE start_date <= $1 AND end_date >= $2 AND ($3 IS NULL OR person_id = $3)",
            params![to_s.as_str(), from_s.as_str(), person],
        )
        .await?;
    // Two statements rather than `($3 IS NULL OR person_id = $3)`: each can then use its
    // index (the date range for everyone, person and date for one person).
    let worked = match person {
        None => {
            sql.fetch_all(
                "SELECT person_id, CAST(SUM(minutes) AS BIGINT) AS worked, \
                 CAST(SUM(CASE WHEN billable THEN minutes ELSE 0 END) AS BIGINT) AS billable \
                 FROM time_entries WHERE work_date >= $1 AND work_date <= $2 GROUP BY person_id",
                params![from_s.as_str(), to_s.as_str()],
            )
            .await?
        }
        Some(id) => {
            sql.fetch_all(
                "SELECT person_id, CAST(SUM(minutes) AS BIGINT) AS worked, \
                 CAST(SUM(CASE WHEN billable THEN minutes ELSE 0 END) AS BIGINT) AS billable \
                 FROM time_entries WHERE person_id = $3 AND work_date >= $1 AND work_date <= $2 \
                 GROUP BY person_id",
                params![from_s.as_str(), to_s.as_str(), id],
            )
            .await?
        }
    };
    let default = default_target(db).await?;

    let mut rows: BTreeMap<Uuid, Vec<CapacityRow>> = BTreeMap::new();
    for r in &capacity {
        rows.entry(r.get("person_id")?)
            .or_default()
            .push(CapacityRow {
                from: day(r, "effective_from")?,
                daily: r.get::<i64>("weekly_minutes")? / 5,
                target: r.get("billable_target_bp")?,
            });
    }
    let mut off: BTreeMap<Uuid, Vec<(time::Date, time::Date)>> = BTreeMap::new();
    for r in &time_off {
        off.entry(r.get("person_id")?)
            .or_default()
            .push((day(r, "start_date")?, day(r, "end_date")?));
    }
    let mut people: BTreeMap<Uuid, PersonUtilisation> = BTreeMap::new();
    for r in &worked {
        let id: Uuid = r.get("person_id")?;
        let e = people.entry(id).or_default();
        e.worked_minutes = r.get::<Option<i64>>("worked")?.unwrap_or(0);
        e.billable_minutes = r.get::<Option<i64>>("billable")?.unwrap_or(0);
    }
    for id in rows.keys().chain(off.keys()) {
        people.entry(*id).or_default();
    }

    let mut totals = UtilisationTotals::default();
    for (id, e) in &mut people {
        e.person_id = *id;
        let caps = rows.get(id).map(Vec::as_slice).unwrap_or_default();
        let ranges = off.get(id).map(Vec::as_slice).unwrap_or_default();
        let (capacity, away) = capacity_over(caps, ranges, from.get(), to.get());
        e.capacity_minutes = capacity;
        e.time_off_minutes = away;
        e.available_minutes = capacity - away;
        e.billable_utilisation_bp = ratio_bp(e.billable_minutes, e.worked_minutes);
        e.target_bp = caps
            .iter()
            .rev()
            .find(|c| c.from <= to.get())
            .and_then(|c| c.target)
            .unwrap_or(default);
        e.attainment_bp = ratio_bp(e.billable_utilisation_bp, e.target_bp);
        totals.capacity_minutes += e.capacity_minutes;
        totals.time_off_minutes += e.time_off_minutes;
        totals.available_minutes += e.available_minutes;
        totals.worked_minutes += e.worked_minutes;
        totals.billable_minutes += e.billable_minutes;
    }
    totals.billable_utilisation_bp = ratio_bp(totals.billable_minutes, totals.worked_minutes);
    Ok(Utilisation {
        from: from_s,
        to: to_s,
        people: people.into_values().collect(),
        totals,
    })
}

/// Capacity and time off over `from..=to` from one person's rows (oldest first) and ranges.
fn capacity_over(
    caps: &[CapacityRow],
    ranges: &[(time::Date, time::Date)],
    from: time::Date,
    to: time::Date,
) -> (i64, i64) {
    let (mut capacity, mut away) = (0, 0);
    let mut next = 0;
    let mut daily = 0;
    let mut d = from;
    loop {
        // Rows are oldest first: move to the last one in force on `d`.
        while let Some(row) = caps.get(next)
            && row.from <= d
        {
            daily = row.daily;
            next += 1;
        }
        if !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) {
            capacity += daily;
            if ranges.iter().any(|(s, e)| *s <= d && d <= *e) {
                away += daily;
            }
        }
        match d.next_day() {
            Some(n) if d < to => d = n,
            _ => break,
        }
    }
    (capacity, away)
}

/// `GET /api/reports/projects` query.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
pub struct ProjectsReportQuery {
    /// First day: time worked from this day, invoices issued from this day (open when left
    /// out).
    #[serde(default)]
    pub from: Optional<Date>,
    /// Last day (inclusive; open when left out).
    #[serde(default)]
    pub to: Optional<Date>,
    /// Only this client's projects.
    #[serde(default)]
    pub account_id: Optional<Id>,
}

/// One project's figures over the period.
#[derive(Clone, Debug, Serialize, PartialEq, Eq, JsonSchema)]
pub struct ProjectFigures {
    /// The project.
    pub project_id: Uuid,
    /// Its name.
    pub name: String,
    /// The client account.
    pub account_id: Uuid,
    /// The client's name.
    pub account_name: String,
    /// The project's status.
    pub status: ProjectStatus,
    /// How it is billed.
    pub billing_type: BillingType,
    /// Currency of its amounts.
    pub currency: String,
    /// The hour budget in minutes (per month for a monthly budget).
    pub budget_minutes: Option<i64>,
    /// The money budget in cents (per month for a monthly budget).
    pub budget_cents: Option<i64>,
    /// Sum of its tasks' estimates (all tasks, whatever the period).
    pub estimate_minutes: i64,
    /// Minutes of its entries in the period, any status.
    pub actual_minutes: i64,
    /// Of those, what is billable (`billable_minutes`, rounding applied).
    pub billable_minutes: i64,
    /// Net amount of issued invoice lines that bill its entries, plus its fixed-price and
    /// retainer charges on issued invoices, for invoices issued in the period.
    pub revenue_cents: i64,
    /// round(sum(minutes * cost_rate_cents) / 60) over its entries in the period; null
    /// without permission to see cost rates.
    pub cost_cents: Option<i64>,
    /// Revenue less cost; null without permission to see cost rates.
    pub margin_cents: Option<i64>,
}

/// The project report.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ProjectsReport {
    /// Projects by client name, then project name.
    pub projects: Vec<ProjectFigures>,
}

/// `sum / 60` rounded half away from zero: cents of minutes at an hourly rate.
fn per_hour(minute_cents: i64) -> i64 {
    let q = minute_cents / 60;
    let r = minute_cents % 60;
    if r.abs() * 2 >= 60 { q + r.signum() } else { q }
}

/// Builds the project report; `with_cost` says whether the caller may see cost and margin.
pub async fn projects(
    db: &TenantDb,
    query: &ProjectsReportQuery,
    with_cost: bool,
) -> DomainResult<ProjectsReport> {
    let mut p = Problems::new();
    let q = query.clone();
    let from = p.take("from", q.from).flatten();
    let to = p.take("to", q.to).flatten();
    let account = p.take("account_id", q.account_id).flatten();
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        p.add("to", Problem::rule("must be on or after from"));
    }
    p.finish()?;
    let (from, to) = (from.map(|d| d.to_string()), to.map(|d| d.to_string()));
    let account = account.map(Id::get);
    let sql = db.db();
    let projects = sql
        .fetch_all(
            "SELECT p.id, p.name, p.account_id, a.name AS account_name, p.status, \
             p.billing_type, p.currency, p.budget_minutes, p.budget_cents \
             FROM projects p JOIN accounts a ON a.id = p.account_id \
             WHERE ($1 IS NULL OR p.account_id = $1) ORDER BY a.name, p.name, p.id",
            params![account],
        )
        .await?;
    let estimates = sql
        .fetch_all(
            "SELECT project_id, CAST(SUM(estimate_minutes) AS BIGINT) AS minutes FROM tasks \
             WHERE estimate_minutes IS NOT NULL GROUP BY project_id",
            &[],
        )
        .await?;
    let time = sql
        .fetch_all(
            "SELECT project_id, CAST(SUM(minutes) AS BIGINT) AS minutes, \
             CAST(SUM(CASE WHEN billable THEN billable_minutes ELSE 0 END) AS BIGINT) AS billable, \
             CAST(SUM(minutes * cost_rate_cents) AS BIGINT) AS cost \
             FROM time_entries WHERE ($1 IS NULL OR work_date >= $1) \
             AND ($2 IS NULL OR work_date <= $2) GROUP BY project_id",
            params![from.clone(), to.clone()],
        )
        .await?;
    // An invoice line bills one project's entries (lines group by project); it counts once
    // however many entries it bills.
    let billed = sql
        .fetch_all(
            "SELECT b.project_id, CAST(SUM(l.net_cents) AS BIGINT) AS cents \
             FROM (SELECT DISTINCT project_id, invoice_id, invoice_line FROM time_entries \
                   WHERE invoice_id IS NOT NULL) b \
             JOIN invoices i ON i.id = b.invoice_id \
             JOIN invoice_lines l ON l.invoice_id = b.invoice_id AND l.position = b.invoice_line \
             WHERE i.status <> 'draft' AND ($1 IS NULL OR i.issue_date >= $1) \
             AND ($2 IS NULL OR i.issue_date <= $2) GROUP BY b.project_id",
            params![from.clone(), to.clone()],
        )
        .await?;
    let charged = sql
        .fetch_all(
            "SELECT c.project_id, CAST(SUM(c.amount_cents) AS BIGINT) AS cents \
             FROM project_charges c JOIN invoices i ON i.id = c.invoice_id \
             WHERE i.status <> 'draft' AND ($1 IS NULL OR i.issue_date >= $1) \
             AND ($2 IS NULL OR i.issue_date <= $2) GROUP BY c.project_id",
            params![from, to],
        )
        .await?;
    let by_project = |rows: &[Row], column: &str| -> Result<BTreeMap<Uuid, i64>, StoreError> {
        rows.iter()
            .map(|r| {
                Ok((
                    r.get("project_id")?,
                    r.get::<Option<i64>>(column)?.unwrap_or(0),
                ))
            })
            .collect()
    };
    let estimates = by_project(&estimates, "minutes")?;
    let actual = by_project(&time, "minutes")?;
    let billable = by_project(&time, "billable")?;
    let cost = by_project(&time, "cost")?;
    let billed = by_project(&billed, "cents")?;
    let charged = by_project(&charged, "cents")?;
    let get = |map: &BTreeMap<Uuid, i64>, id: &Uuid| map.get(id).copied().unwrap_or(0);
    let mut out = Vec::with_capacity(projects.len());
    for r in &projects {
        let id: Uuid = r.get("id")?;
        let revenue = get(&billed, &id).saturating_add(get(&charged, &id));
        let cost = per_hour(get(&cost, &id));
        out.push(ProjectFigures {
            project_id: id,
            name: r.get("name")?,
            account_id: r.get("account_id")?,
            account_name: r.get("account_name")?,
            status: enum_column(r, "status")?,
            billing_type: enum_column(r, "billing_type")?,
            currency: r.get("currency")?,
            budget_minutes: r.get("budget_minutes")?,
            budget_cents: r.get("budget_cents")?,
            estimate_minutes: get(&estimates, &id),
            actual_minutes: get(&actual, &id),
            billable_minutes: get(&billable, &id),
            revenue_cents: revenue,
            cost_cents: with_cost.then_some(cost),
            margin_cents: with_cost.then_some(revenue - cost),
        });
    }
    Ok(ProjectsReport { projects: out })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn row(from: time::Date, weekly: i64) -> CapacityRow {
        CapacityRow {
            from,
            daily: weekly / 5,
            target: None,
        }
    }

    #[test]
    fn capacity_follows_the_row_in_force_and_skips_weekends_and_days_off() {
        // March 2026: Sunday the 1st; 22 weekdays.
        let caps = [
            row(date!(2026 - 01 - 01), 2400),
            row(date!(2026 - 03 - 16), 1202),
        ];
        // Days off Friday 6th to Tuesday 10th: the weekend between costs nothing, twice over.
        let off = [
            (date!(2026 - 03 - 06), date!(2026 - 03 - 10)),
            (date!(2026 - 03 - 09), date!(2026 - 03 - 09)),
        ];
        let (capacity, away) =
            capacity_over(&caps, &off, date!(2026 - 03 - 01), date!(2026 - 03 - 31));
        // 2nd-13th: 10 weekdays at 480; 16th-31st: 12 weekdays at floor(1202 / 5) = 240.
        assert_eq!(capacity, 10 * 480 + 12 * 240);
        assert_eq!(away, 3 * 480);
        // Before any row: nothing.
        let (capacity, _) = capacity_over(&caps, &[], date!(2025 - 12 - 29), date!(2025 - 12 - 31));
        assert_eq!(capacity, 0);
    }

    #[test]
    fn cost_rounds_half_away_from_zero() {
        assert_eq!(per_hour(90 * 6000), 9000);
        assert_eq!(per_hour(29), 0);
        assert_eq!(per_hour(30), 1);
        assert_eq!(per_hour(-30), -1);
    }

    #[test]
    fn ratios_divide_whole_numbers_and_never_by_zero() {
        assert_eq!(ratio_bp(2, 3), 6666);
        assert_eq!(ratio_bp(5, 0), 0);
        assert_eq!(ratio_bp(6666, 8000), 8332);
    }
}
