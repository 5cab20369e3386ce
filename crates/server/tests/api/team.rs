#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! Team and performance over HTTP on both backends (issue 20): capacity history and time off,
//! the utilisation of a seeded month against a hand calculation, the project report's revenue,
//! cost and margin, who sees what per role, the CSV exports and the client's timesheet PDF.
//!
//! Everything is seeded through the API except what links entries to an invoice line and the
//! project charge (written with SQL into the company's own database, so the revenue figures
//! follow from lines chosen by hand).

use crate::billing::ready_to_invoice;
use crate::common;

use common::*;
use serde_json::{Value, json};
use silo_roles::Role;
use silo_store::params;

/// A company with a seeded March 2026 (see [`seed`]).
struct Month {
    app: TestApp,
    company: String,
    owner: String,
    owner_id: String,
    dee: String,
    dee_id: String,
    finance: String,
    account: String,
    project: String,
    design: String,
}

async fn identity_of(app: &TestApp, token: &str, email: &str) -> String {
    let r = app.get("/api/members?limit=200", Some(token)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == email)
        .unwrap()["identity_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

const TS: &str = "2026-03-01T00:00:00.000000Z";

/// Logs one entry of the token's own time; returns its id.
#[allow(clippy::too_many_arguments)]
async fn log(
    app: &TestApp,
    token: &str,
    project: &str,
    task: Option<&str>,
    date: &str,
    minutes: i64,
    billable: bool,
    description: &str,
) -> String {
    let r = app
        .post(
            "/api/time-entries",
            Some(token),
            json!({"project_id": project, "task_id": task, "work_date": date,
                   "minutes": minutes, "billable": billable, "description": description}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

/// March 2026 (Sunday the 1st; 22 weekdays) at Acme:
///
/// - Dee (delivery): capacity 40 h/week (480 min a day) from 1 January with a 75 % target and
///   a cost rate of 50.00, then 20 h/week (240 a day) from Monday 16 March with no target of
///   its own and 60.00; a holiday Friday 6 to Tuesday 10 March (three weekdays).
/// - Ann (owner): 2000 min/week (400 a day) from 1 March, target 60 %, cost rate 10.00.
/// - The company's time settings: default target 70 %, no approval step (submitting
///   approves).
/// - Entries on the project "Website" of Globex, in and around March.
async fn seed() -> Month {
    let app = spawn_app().await;
    let (owner, company) = app.signup("Acme", "ann@acme.example").await;
    let dee = app
        .member_token(&company, "dee@acme.example", Role::Delivery)
        .await;
    let finance = app
        .member_token(&company, "fin@acme.example", Role::Finance)
        .await;
    let owner_id = identity_of(&app, &owner, "ann@acme.example").await;
    let dee_id = identity_of(&app, &owner, "dee@acme.example").await;
    let account = ready_to_invoice(&app, &owner).await;
    let t = Some(owner.as_str());

    for body in [
        json!({"person_id": dee_id, "effective_from": "2026-01-01", "weekly_minutes": 2400,
               "billable_target_bp": 7500, "cost_rate_cents": 5000}),
        json!({"person_id": dee_id, "effective_from": "2026-03-16", "weekly_minutes": 1200,
               "cost_rate_cents": 6000}),
        json!({"person_id": owner_id, "effective_from": "2026-03-01", "weekly_minutes": 2000,
               "billable_target_bp": 6000, "cost_rate_cents": 1000}),
    ] {
        let r = app.post("/api/capacity", t, body).await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let r = app
        .post(
            "/api/time-off",
            t,
            json!({"person_id": dee_id, "start_date": "2026-03-06", "end_date": "2026-03-10",
                   "kind": "holiday", "note": "Skiing"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);

    let r = app
        .patch(
            "/api/time-settings",
            t,
            json!({"approval_required": false, "billable_target_bp": 7000}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .post(
            "/api/projects",
            t,
            json!({"name": "Website", "account_id": account, "status": "active",
                   "billing_type": "time_and_materials", "budget_minutes": 6000,
                   "hourly_rate_cents": 10_000}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let project = r.body["id"].as_str().unwrap().to_owned();
    let mut tasks = Vec::new();
    for (title, estimate) in [("Design", 600), ("Build", 300)] {
        let r = app
            .post(
                "/api/tasks",
                t,
                json!({"project_id": project, "title": title, "estimate_minutes": estimate}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        tasks.push(r.body["id"].as_str().unwrap().to_owned());
    }
    Month {
        app,
        company,
        owner,
        owner_id,
        dee,
        dee_id,
        finance,
        account,
        project,
        design: tasks[0].clone(),
    }
}

/// Dee's and Ann's March entries (and two of Dee's just outside it), each logged by its
/// person and submitted (which approves them: the company has no approval step); returns the
/// ids of Dee's billable March entries. Rates come from the project (100.00 an hour), cost
/// rates from the capacity rows in force on each date.
async fn seed_entries(m: &Month) -> Vec<String> {
    let (app, p) = (&m.app, m.project.as_str());
    let (dee, ann) = (m.dee.as_str(), m.owner.as_str());
    let t = Some(m.design.as_str());
    let billed = vec![
        log(app, dee, p, t, "2026-03-02", 480, true, "Wireframes").await,
        log(app, dee, p, t, "2026-03-03", 300, true, "Home page").await,
        log(app, dee, p, None, "2026-03-17", 240, true, "Contact form").await,
    ];
    let mut dees = billed.clone();
    dees.push(
        log(
            app,
            dee,
            p,
            None,
            "2026-03-03",
            180,
            false,
            "Internal review",
        )
        .await,
    );
    dees.push(log(app, dee, p, None, "2026-03-18", 120, false, "Planning").await);
    dees.push(log(app, dee, p, None, "2026-02-27", 600, true, "February").await);
    dees.push(log(app, dee, p, None, "2026-04-01", 60, true, "April").await);
    let anns = vec![log(app, ann, p, None, "2026-03-31", 400, true, "Launch").await];
    for (token, ids) in [(dee, dees), (ann, anns)] {
        let r = app
            .post(
                "/api/time-entries/submit",
                Some(token),
                json!({ "ids": ids }),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    billed
}

fn person<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["person_id"] == id)
        .unwrap_or_else(|| panic!("{id} not in {report}"))
}

async fn csv(app: &TestApp, token: &str, path: &str) -> (u16, String) {
    let r = app
        .client
        .get(format!("{}{path}", app.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    if status == 200 {
        assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    }
    (status, r.text().await.unwrap())
}

const MARCH: &str = "from=2026-03-01&to=2026-03-31";

async fn utilisation_of_a_seeded_month() {
    let m = seed().await;
    seed_entries(&m).await;
    let app = &m.app;
    let r = app
        .get(
            &format!("/api/reports/utilisation?{MARCH}"),
            Some(&m.finance),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // Dee. Capacity: 2-13 March, 10 weekdays at 2400 / 5 = 480; 16-31 March, 12 weekdays at
    // 1200 / 5 = 240: 4800 + 2880 = 7680. Time off: Friday 6, Monday 9 and Tuesday 10 March
    // (the weekend between has no capacity), at 480: 1440. Available: 7680 - 1440 = 6240.
    // Worked: 480 + 300 + 180 + 240 + 120 = 1320 (27 February and 1 April are outside);
    // billable: 480 + 300 + 240 = 1020. Utilisation: 1020 * 10000 / 1320 = 7727.
    // Target: the row in force on 31 March (16 March) has none, so the company's 7000.
    // Attainment: 7727 * 10000 / 7000 = 11038.
    assert_eq!(
        person(&r.body, &m.dee_id),
        &json!({"person_id": m.dee_id, "name": "dee@acme.example",
                "capacity_minutes": 7680, "time_off_minutes": 1440, "available_minutes": 6240,
                "worked_minutes": 1320, "billable_minutes": 1020,
                "billable_utilisation_bp": 7727, "target_bp": 7000, "attainment_bp": 11038})
    );
    // Ann. Capacity: 22 weekdays at 2000 / 5 = 400: 8800; no time off. Worked and billable:
    // 400. Utilisation 10000; her own target 6000; attainment 10000 * 10000 / 6000 = 16666.
    assert_eq!(
        person(&r.body, &m.owner_id),
        &json!({"person_id": m.owner_id, "name": "ann@acme.example",
                "capacity_minutes": 8800, "time_off_minutes": 0, "available_minutes": 8800,
                "worked_minutes": 400, "billable_minutes": 400,
                "billable_utilisation_bp": 10000, "target_bp": 6000, "attainment_bp": 16666})
    );
    // Totals: 16480 capacity, 1440 off, 15040 available, 1720 worked, 1420 billable;
    // 1420 * 10000 / 1720 = 8255.
    assert_eq!(
        r.body["totals"],
        json!({"capacity_minutes": 16480, "time_off_minutes": 1440,
               "available_minutes": 15040, "worked_minutes": 1720, "billable_minutes": 1420,
               "billable_utilisation_bp": 8255})
    );
    assert_eq!(r.body["people"].as_array().unwrap().len(), 2);

    // Delivery logs time but reads only their own row, and never someone else's.
    let r = app
        .get(&format!("/api/reports/utilisation?{MARCH}"), Some(&m.dee))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["people"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["people"][0]["person_id"], m.dee_id);
    assert_eq!(r.body["totals"]["worked_minutes"], 1320);
    app.get(
        &format!("/api/reports/utilisation?{MARCH}&person_id={}", m.owner_id),
        Some(&m.dee),
    )
    .await
    .expect(403, "forbidden");
    // The owner narrows to one person.
    let r = app
        .get(
            &format!("/api/reports/utilisation?{MARCH}&person_id={}", m.dee_id),
            Some(&m.owner),
        )
        .await;
    assert_eq!(r.body["people"].as_array().unwrap().len(), 1, "{}", r.body);

    // A period is required, in order, and at most a year.
    let bad_person = format!("{MARCH}&person_id=nope");
    // A missing end comes from the other end's month.
    let r = app
        .get("/api/reports/utilisation?to=2026-03-31", Some(&m.owner))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["from"], "2026-03-01", "{}", r.body);
    for (query, field) in [
        ("from=2026-03-31&to=2026-03-01", "to"),
        ("from=2026-01-01&to=2027-01-02", "to"),
        ("from=2026-02-30&to=2026-03-31", "from"),
        (bad_person.as_str(), "person_id"),
    ] {
        let r = app
            .get(&format!("/api/reports/utilisation?{query}"), Some(&m.owner))
            .await;
        r.expect(422, "invalid");
        assert!(
            r.body["error"]["problems"][field].is_object(),
            "{query}: {}",
            r.body
        );
    }

    // The CSV: hours with two decimals, shares as percentages.
    let (status, text) = csv(
        app,
        &m.finance,
        &format!("/api/reports/utilisation/csv?{MARCH}"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(text.starts_with(
        "person_id,name,capacity_hours,time_off_hours,available_hours,worked_hours,\
         billable_hours,billable_utilisation_percent,target_percent,attainment_percent\n"
    ));
    assert!(
        text.contains(&format!(
            "{},dee@acme.example,128.00,24.00,104.00,22.00,17.00,77.27,70.00,110.38\n",
            m.dee_id
        )),
        "{text}"
    );
    let (_, own) = csv(
        app,
        &m.dee,
        &format!("/api/reports/utilisation/csv?{MARCH}"),
    )
    .await;
    assert_eq!(own.lines().count(), 2, "the header and Dee's row: {own}");
    let viewer = app
        .member_token(&m.company, "vic@acme.example", Role::Viewer)
        .await;
    app.get(&format!("/api/reports/utilisation?{MARCH}"), Some(&viewer))
        .await
        .expect(403, "forbidden");
}

async fn capacity_and_time_off() {
    let m = seed().await;
    let app = &m.app;
    let t = Some(m.owner.as_str());

    // Rows are history: the same person and date again is a conflict, and changes nothing.
    let r = app
        .post(
            "/api/capacity",
            t,
            json!({"person_id": m.dee_id, "effective_from": "2026-03-16", "weekly_minutes": 600}),
        )
        .await;
    r.expect(409, "conflict");
    // Bad input names every field and changes nothing.
    let r = app
        .post(
            "/api/capacity",
            t,
            json!({"person_id": m.dee_id, "effective_from": "2026-02-30",
                   "weekly_minutes": 20000, "billable_target_bp": 10001, "cost_rate_cents": -1}),
        )
        .await;
    r.expect(422, "invalid");
    for field in [
        "effective_from",
        "weekly_minutes",
        "billable_target_bp",
        "cost_rate_cents",
    ] {
        assert!(
            r.body["error"]["problems"][field].is_object(),
            "{field}: {}",
            r.body
        );
    }
    let r = app
        .post(
            "/api/capacity",
            t,
            json!({"person_id": uuid::Uuid::now_v7(), "effective_from": "2026-04-01",
                   "weekly_minutes": 2400}),
        )
        .await;
    r.expect(422, "invalid");
    assert_eq!(
        r.body["error"]["problems"]["person_id"]["code"],
        "unknown_reference"
    );

    // Finance sees every row with cost rates; delivery only their own, without them.
    let r = app.get("/api/capacity", Some(&m.finance)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let rows = r.body["items"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    let dee_rows: Vec<&Value> = rows.iter().filter(|c| c["person_id"] == m.dee_id).collect();
    assert_eq!(
        (
            &dee_rows[0]["effective_from"],
            &dee_rows[0]["cost_rate_cents"],
            &dee_rows[1]["cost_rate_cents"],
            &dee_rows[1]["billable_target_bp"]
        ),
        (
            &json!("2026-01-01"),
            &json!(5000),
            &json!(6000),
            &Value::Null
        )
    );
    let r = app.get("/api/capacity", Some(&m.dee)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let rows = r.body["items"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|c| c["person_id"] == m.dee_id));
    assert!(rows.iter().all(|c| c["cost_rate_cents"].is_null()));
    app.get(
        &format!("/api/capacity?person_id={}", m.owner_id),
        Some(&m.dee),
    )
    .await
    .expect(403, "forbidden");
    // Delivery cannot record capacity; finance (no time.approve) neither.
    for token in [&m.dee, &m.finance] {
        app.post(
            "/api/capacity",
            Some(token),
            json!({"person_id": m.dee_id, "effective_from": "2026-05-01", "weekly_minutes": 2400}),
        )
        .await
        .expect(403, "forbidden");
    }

    // Time off: one's own with time.log; someone else's only with time.approve.
    let r = app
        .post(
            "/api/time-off",
            Some(&m.dee),
            json!({"start_date": "2026-05-04", "end_date": "2026-05-05", "kind": "sick"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["person_id"], m.dee_id);
    let own = r.body["id"].as_str().unwrap().to_owned();
    app.post(
        "/api/time-off",
        Some(&m.dee),
        json!({"person_id": m.owner_id, "start_date": "2026-05-04", "end_date": "2026-05-04",
               "kind": "holiday"}),
    )
    .await
    .expect(403, "forbidden");
    let r = app
        .post(
            "/api/time-off",
            Some(&m.dee),
            json!({"start_date": "2026-05-05", "end_date": "2026-05-04", "kind": "vacation"}),
        )
        .await;
    r.expect(422, "invalid");
    assert!(
        r.body["error"]["problems"]["kind"].is_object(),
        "{}",
        r.body
    );
    let r = app
        .post(
            "/api/time-off",
            Some(&m.dee),
            json!({"start_date": "2026-05-05", "end_date": "2026-05-04", "kind": "other"}),
        )
        .await;
    r.expect(422, "invalid");
    assert!(
        r.body["error"]["problems"]["end_date"].is_object(),
        "{}",
        r.body
    );
    let r = app
        .post(
            "/api/time-off",
            t,
            json!({"start_date": "2026-05-11", "end_date": "2026-05-15", "kind": "holiday"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let anns = r.body["id"].as_str().unwrap().to_owned();

    // Lists: by person and period; delivery sees their own only.
    let r = app
        .get("/api/time-off?from=2026-05-01&to=2026-05-31", Some(&m.dee))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    let r = app
        .get("/api/time-off?from=2026-05-01&to=2026-05-31", t)
        .await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 2);
    let r = app
        .get(
            &format!(
                "/api/time-off?person_id={}&from=2026-03-01&to=2026-03-31",
                m.dee_id
            ),
            t,
        )
        .await;
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", r.body);
    assert_eq!(
        (
            &items[0]["start_date"],
            &items[0]["kind"],
            &items[0]["note"]
        ),
        (&json!("2026-03-06"), &json!("holiday"), &json!("Skiing"))
    );

    // Deleting: not someone else's without time.approve; one's own, yes; an approver's any.
    app.delete(&format!("/api/time-off/{anns}"), Some(&m.dee))
        .await
        .expect(403, "forbidden");
    let r = app
        .delete(&format!("/api/time-off/{own}"), Some(&m.dee))
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    app.delete(&format!("/api/time-off/{own}"), Some(&m.dee))
        .await
        .expect(404, "not_found");
    let march = items[0]["id"].as_str().unwrap();
    let r = app.delete(&format!("/api/time-off/{march}"), t).await;
    assert_eq!(r.status, 204, "{}", r.body);

    // Every write left its event in the company's outbox.
    let db = app.tenant_db(&m.company).await;
    let count = |event: &'static str| {
        let db = db.clone();
        async move {
            db.db()
                .fetch_one(
                    "SELECT COUNT(*) AS n FROM outbox WHERE event_type = $1",
                    params![event],
                )
                .await
                .unwrap()
                .get::<i64>("n")
                .unwrap()
        }
    };
    assert_eq!(count("capacity.recorded").await, 3);
    assert_eq!(count("time_off.created").await, 3);
    assert_eq!(count("time_off.deleted").await, 2);
}

async fn project_report_and_exports() {
    let m = seed().await;
    let billed = seed_entries(&m).await;
    let app = &m.app;
    let t = Some(m.owner.as_str());

    // An invoice issued on 31 March: line 1 bills Dee's three billable March entries
    // (17 hours at 100.00: 1700.00 net), line 2 is hosting (no entries), line 3 the project's
    // fixed fee (a project charge of 250.00). A draft bills Ann's entry: not revenue yet.
    let r = app
        .post(
            "/api/invoices",
            t,
            json!({"account_id": m.account, "lines": [
                {"description": "Website, March", "quantity": 17, "unit_cents": 10_000, "vat_rate_bp": 2100},
                {"description": "Hosting", "quantity": 1, "unit_cents": 5_000, "vat_rate_bp": 2100},
                {"description": "Fixed fee", "quantity": 1, "unit_cents": 25_000, "vat_rate_bp": 2100},
            ]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let issued = r.body["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            "/api/invoices",
            t,
            json!({"account_id": m.account, "lines": [
                {"description": "Launch", "quantity": 1, "unit_cents": 7_000, "vat_rate_bp": 2100}]}),
        )
        .await;
    let draft = r.body["id"].as_str().unwrap().to_owned();
    let db = app.tenant_db(&m.company).await;
    for id in &billed {
        db.db()
            .execute(
                "UPDATE time_entries SET status = 'invoiced', invoice_id = $1, invoice_line = 1 \
                 WHERE id = $2",
                params![issued.as_str(), id.as_str()],
            )
            .await
            .unwrap();
    }
    db.db()
        .execute(
            "UPDATE time_entries SET status = 'invoiced', invoice_id = $1, invoice_line = 1 \
             WHERE person_id = $2",
            params![draft.as_str(), m.owner_id.as_str()],
        )
        .await
        .unwrap();
    db.db()
        .execute(
            "INSERT INTO project_charges (id, project_id, invoice_id, invoice_line, kind, \
             description, amount_cents, created_at) \
             VALUES ($1, $2, $3, 3, 'fixed_price', 'Fixed fee', 25000, $4)",
            params![
                uuid::Uuid::now_v7().to_string(),
                m.project.as_str(),
                issued.as_str(),
                TS
            ],
        )
        .await
        .unwrap();
    let r = app
        .post(
            &format!("/api/invoices/{issued}/issue"),
            t,
            json!({"issue_date": "2026-03-31"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // Revenue: 1700.00 (line 1, once for its three entries) + 250.00 (the charge) = 1950.00.
    // Cost: (480 + 300 + 180) * 50.00 + (240 + 120) * 60.00 + 400 * 10.00 per hour
    // = (4,800,000 + 2,160,000 + 400,000) / 60 cents = 122,666.67, rounded 122,667.
    // Margin: 195,000 - 122,667 = 72,333. Actual 1720 minutes, billable 1420, estimates
    // 600 + 300.
    let r = app
        .get(&format!("/api/reports/projects?{MARCH}"), Some(&m.finance))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["projects"],
        json!([{"project_id": m.project, "name": "Website", "account_id": m.account,
                "account_name": "Globex", "status": "active",
                "billing_type": "time_and_materials", "currency": "EUR",
                "budget_minutes": 6000, "budget_cents": null, "estimate_minutes": 900,
                "actual_minutes": 1720, "billable_minutes": 1420, "revenue_cents": 195_000,
                "cost_cents": 122_667, "margin_cents": 72_333}])
    );
    // Without rates.read_cost: no cost, no margin.
    let r = app
        .get(&format!("/api/reports/projects?{MARCH}"), Some(&m.dee))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["projects"][0]["revenue_cents"], 195_000);
    assert!(r.body["projects"][0]["cost_cents"].is_null());
    assert!(r.body["projects"][0]["margin_cents"].is_null());
    // April: nothing issued, one hour of Dee's at 60.00.
    let r = app
        .get(
            &format!(
                "/api/reports/projects?from=2026-04-01&to=2026-04-30&account_id={}",
                m.account
            ),
            t,
        )
        .await;
    let april = &r.body["projects"][0];
    assert_eq!(
        (
            &april["actual_minutes"],
            &april["revenue_cents"],
            &april["cost_cents"]
        ),
        (&json!(60), &json!(0), &json!(6000))
    );
    let r = app
        .get(
            &format!("/api/reports/projects?account_id={}", uuid::Uuid::now_v7()),
            t,
        )
        .await;
    assert_eq!(r.body["projects"], json!([]));

    // The entries CSV: delivery gets their own entries and no cost column.
    let (status, text) = csv(app, &m.dee, "/api/time-entries/csv").await;
    assert_eq!(status, 200, "{text}");
    let head = "id,date,person_id,person,account,project,task,service,description,hours,\
                billable,billable_hours,status,rate,amount";
    assert!(text.starts_with(&format!("{head}\n")), "{text}");
    assert_eq!(text.lines().count(), 1 + 7, "{text}");
    assert!(!text.contains("ann@acme.example"));
    assert!(
        text.contains(",2026-03-02,") && text.contains(
            ",dee@acme.example,Globex,Website,Design,,Wireframes,8.00,yes,8.00,invoiced,100.00,800.00\n"
        ),
        "{text}"
    );
    let (status, _) = csv(
        app,
        &m.dee,
        &format!("/api/time-entries/csv?person_id={}", m.owner_id),
    )
    .await;
    assert_eq!(status, 403);
    // Finance sees everyone's, with cost rates, filtered like the list.
    let (_, text) = csv(
        app,
        &m.finance,
        &format!("/api/time-entries/csv?{MARCH}&status=invoiced"),
    )
    .await;
    assert!(text.starts_with(&format!("{head},cost_rate\n")), "{text}");
    assert_eq!(text.lines().count(), 1 + 4, "{text}");
    assert!(
        text.contains(
            ",ann@acme.example,Globex,Website,,,Launch,6.67,yes,6.67,invoiced,100.00,666.67,10.00\n"
        ),
        "{text}"
    );
    let (_, text) = csv(
        app,
        &m.finance,
        &format!("/api/time-entries/csv?invoice_id={issued}"),
    )
    .await;
    assert_eq!(text.lines().count(), 1 + 3, "{text}");
    // Bad filters are refused as on the list.
    let (status, _) = csv(app, &m.finance, "/api/time-entries/csv?status=lost").await;
    assert_eq!(status, 400);
    let (status, _) = csv(app, &m.finance, "/api/time-entries/csv?from=2026-02-30").await;
    assert_eq!(status, 422);

    // The client's timesheet: approved and invoiced billable time of March, in Dutch (the
    // client has no language of its own), with totals per project.
    let path = format!("/api/accounts/{}/timesheet?{MARCH}", m.account);
    let r = app
        .client
        .get(format!("{}{path}", app.url))
        .bearer_auth(&m.owner)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let pdf = r.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    let text = silo_testkit::documents::pdf_text(&pdf);
    for expected in [
        "Urenverantwoording",
        "Globex",
        "1 maart 2026",
        "31 maart 2026",
        "Website",
        "02-03-2026",
        "dee@acme.example",
        "ann@acme.example",
        "Design",
        "Wireframes",
        "Contact form",
        "Launch",
        "Totaal Website",
        "Totaal uren",
        // 480 + 300 + 240 + 400 minutes = 23.667 hours.
        "23,667",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    // Not billable, or outside the period: not on the client's timesheet.
    for absent in ["Internal review", "Planning", "February", "April"] {
        assert!(!text.contains(absent), "{absent} on the timesheet:\n{text}");
    }
    // In English for an English-speaking client.
    let r = app
        .patch(
            &format!("/api/accounts/{}", m.account),
            t,
            json!({"language": "en"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let pdf = app
        .client
        .get(format!("{}{path}", app.url))
        .bearer_auth(&m.finance)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let text = silo_testkit::documents::pdf_text(&pdf);
    assert!(
        text.contains("Timesheet") && text.contains("Total hours"),
        "{text}"
    );
    assert!(text.contains("23.667"), "{text}");
    // Delivery may not print it; an unknown client is not found; the period is checked.
    let r = app.get(&path, Some(&m.dee)).await;
    r.expect(403, "forbidden");
    app.get(
        &format!("/api/accounts/{}/timesheet?{MARCH}", uuid::Uuid::now_v7()),
        t,
    )
    .await
    .expect(404, "not_found");
    let r = app
        .get(
            &format!("/api/accounts/{}/timesheet?from=2026-03-01", m.account),
            t,
        )
        .await;
    assert_eq!(r.status, 200, "the rest of March: {}", r.body);
}

silo_testkit::backend_tests!(
    utilisation_of_a_seeded_month,
    capacity_and_time_off,
    project_report_and_exports
);
