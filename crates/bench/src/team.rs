//! The team reports of a busy company: 50 people and 100,000 time entries (seeded with SQL
//! straight into the company's database), then the latency over real HTTP of one client
//! asking, request after request, for a month's utilisation report, a person's weekly
//! timesheet and the project report, which read the same entries.

use crate::fleet::{Backend, Fleet};
use anyhow::Context;
use hdrhistogram::Histogram;
use silo_store::{Sql, Value, params};
use std::time::Instant;
use uuid::Uuid;

/// People, entries and requests of a run.
pub struct TeamSettings {
    /// People with capacity and time.
    pub people: usize,
    /// Time entries over all people.
    pub entries: usize,
    /// Measured requests per route (after a tenth as many for warm-up).
    pub requests: usize,
}

/// One route's latencies.
pub struct RouteResult {
    /// The request, as sent.
    pub route: String,
    /// Median, microseconds.
    pub p50_us: u64,
    /// 99th percentile.
    pub p99_us: u64,
    /// Slowest.
    pub max_us: u64,
    /// Requests that did not answer 2xx.
    pub errors: u64,
}

const TS: &str = "2026-01-01T00:00:00.000000Z";
/// Rows per INSERT statement while seeding.
const BATCH: usize = 200;

/// Weekdays from 2025-01-01 on, as many as needed.
fn weekdays(n: usize) -> Vec<time::Date> {
    let mut out = Vec::with_capacity(n);
    let mut d =
        time::Date::from_calendar_date(2025, time::Month::January, 1).unwrap_or(time::Date::MIN);
    while out.len() < n {
        if !matches!(d.weekday(), time::Weekday::Saturday | time::Weekday::Sunday) {
            out.push(d);
        }
        match d.next_day() {
            Some(next) => d = next,
            None => break,
        }
    }
    out
}

fn ymd(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Seeds the people, their capacity and time off, 20 projects and the entries: each person
/// logs four entries a working day (most billable), from January 2025 on, until `entries`.
async fn seed(db: &silo_store::TenantDb, s: &TeamSettings) -> anyhow::Result<Vec<Uuid>> {
    let people: Vec<Uuid> = (0..s.people).map(|_| Uuid::now_v7()).collect();
    let mut tx = db.db().begin().await?;
    let account = Uuid::now_v7();
    tx.execute(
        "INSERT INTO accounts (id, name, created_at, updated_at) VALUES ($1, 'Globex', $2, $2)",
        params![account, TS],
    )
    .await?;
    let projects: Vec<Uuid> = (0..20).map(|_| Uuid::now_v7()).collect();
    for (i, p) in projects.iter().enumerate() {
        tx.execute(
            "INSERT INTO projects (id, name, account_id, status, billing_type, currency, \
             created_at, updated_at) VALUES ($1, $2, $3, 'active', 'time_and_materials', 'EUR', $4, $4)",
            params![*p, format!("Project {i}"), account, TS],
        )
        .await?;
    }
    for (i, person) in people.iter().enumerate() {
        tx.execute(
            "INSERT INTO person_capacity (person_id, effective_from, weekly_minutes, \
             billable_target_bp, cost_rate_cents, created_at) VALUES ($1, '2025-01-01', 2400, 7500, 5000, $2)",
            params![*person, TS],
        )
        .await?;
        tx.execute(
            "INSERT INTO person_capacity (person_id, effective_from, weekly_minutes, \
             billable_target_bp, cost_rate_cents, created_at) VALUES ($1, '2026-03-16', 1920, NULL, 5500, $2)",
            params![*person, TS],
        )
        .await?;
        let start = 2 + (i % 20) as u8;
        tx.execute(
            "INSERT INTO time_off (id, person_id, start_date, end_date, kind, created_at) \
             VALUES ($1, $2, $3, $4, 'holiday', $5)",
            params![
                Uuid::now_v7(),
                *person,
                format!("2026-03-{start:02}"),
                format!("2026-03-{:02}", start + 2),
                TS
            ],
        )
        .await?;
    }
    let per_day = 4;
    let days = weekdays(s.entries.div_ceil(s.people * per_day));
    let mut rows: Vec<Vec<Value>> = Vec::with_capacity(BATCH);
    let mut written = 0;
    'days: for day in &days {
        let date = ymd(*day);
        for (pi, person) in people.iter().enumerate() {
            for k in 0..per_day {
                if written == s.entries {
                    break 'days;
                }
                let billable = (written % 5) != 0;
                let minutes = 60 + ((written * 37) % 120) as i64;
                rows.push(vec![
                    Value::from(Uuid::now_v7()),
                    Value::from(*person),
                    Value::from(projects[(pi + k) % projects.len()]),
                    Value::from(date.clone()),
                    Value::from(date[..7].to_owned()),
                    Value::from(minutes),
                    Value::from(billable),
                    Value::from(if billable { minutes } else { 0 }),
                ]);
                written += 1;
                if rows.len() == BATCH {
                    insert_entries(&mut tx, &mut rows).await?;
                }
            }
        }
    }
    insert_entries(&mut tx, &mut rows).await?;
    tx.commit().await?;
    Ok(people)
}

/// Writes the buffered entries in one multi-row INSERT.
async fn insert_entries(tx: &mut silo_store::Tx, rows: &mut Vec<Vec<Value>>) -> anyhow::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut sql = String::from(
        "INSERT INTO time_entries (id, person_id, project_id, work_date, work_month, minutes, \
         billable, billable_minutes, status, rate_cents, cost_rate_cents, created_at, updated_at) VALUES ",
    );
    let mut binds = Vec::with_capacity(rows.len() * 8);
    for (i, row) in rows.drain(..).enumerate() {
        let n = i * 8;
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!(
            "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, 'approved', 10000, 5000, '{TS}', '{TS}')",
            n + 1,
            n + 2,
            n + 3,
            n + 4,
            n + 5,
            n + 6,
            n + 7,
            n + 8
        ));
        binds.extend(row);
    }
    tx.execute(Sql::assembled(sql), &binds).await?;
    Ok(())
}

async fn measure(
    client: &reqwest::Client,
    fleet: &Fleet,
    path: &str,
    requests: usize,
) -> anyhow::Result<RouteResult> {
    let target = fleet.targets.first().context("no company")?;
    let mut hist =
        Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut errors = 0;
    let warmup = (requests / 10).max(1);
    for i in 0..warmup + requests {
        let started = Instant::now();
        let response = client
            .get(format!("{}{path}", fleet.url))
            .header(reqwest::header::AUTHORIZATION, target.authorization.clone())
            .send()
            .await?;
        let ok = response.status().is_success();
        let _ = response.bytes().await?;
        let took = started.elapsed();
        if i >= warmup {
            if !ok {
                errors += 1;
            }
            hist.record(u64::try_from(took.as_micros()).unwrap_or(u64::MAX).max(1))?;
        }
    }
    Ok(RouteResult {
        route: path.to_owned(),
        p50_us: hist.value_at_quantile(0.5),
        p99_us: hist.value_at_quantile(0.99),
        max_us: hist.max(),
        errors,
    })
}

/// Seeds one company and measures the routes; prints how long the seeding took.
pub async fn run(backend: &Backend, s: &TeamSettings) -> anyhow::Result<Vec<RouteResult>> {
    let fleet = Fleet::start(backend, 1).await?;
    let db = fleet.first_tenant_db().await?;
    let started = Instant::now();
    let people = seed(&db, s).await?;
    println!(
        "# seeded {} people and {} time entries in {:.1} s",
        s.people,
        s.entries,
        started.elapsed().as_secs_f64()
    );
    let one = people.first().context("no people")?;
    let client = reqwest::Client::new();
    let mut out = Vec::new();
    for path in [
        "/api/reports/utilisation?from=2026-03-01&to=2026-03-31".to_owned(),
        format!("/api/reports/utilisation?from=2026-03-01&to=2026-03-31&person_id={one}"),
        "/api/reports/projects?from=2026-03-01&to=2026-03-31".to_owned(),
        format!("/api/timesheet?person_id={one}&week=2026-03-18"),
    ] {
        out.push(measure(&client, &fleet, &path, s.requests).await?);
    }
    Ok(out)
}

/// The results as a markdown table.
pub fn table(s: &TeamSettings, results: &[RouteResult]) {
    println!(
        "\n### team reports ({} people, {} time entries, one client, {} requests each)\n",
        s.people, s.entries, s.requests
    );
    println!("| request | p50 ms | p99 ms | max ms | errors |");
    println!("|---|---:|---:|---:|---:|");
    for r in results {
        println!(
            "| `GET {}` | {:.2} | {:.2} | {:.2} | {} |",
            r.route,
            r.p50_us as f64 / 1000.0,
            r.p99_us as f64 / 1000.0,
            r.max_us as f64 / 1000.0,
            r.errors
        );
    }
}
