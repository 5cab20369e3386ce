#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! Projects and time over HTTP on both backends: time through approval to a draft invoice
//! whose totals are the entries' (rounding and VAT applied once); entries never invoiced twice,
//! even by two requests at once; a deleted draft releases them; locked time and closed periods
//! refuse changes with their codes; a capped budget stops invoicing; budget warnings once;
//! fixed prices and retainers; who may see and do what, from the role registry.

use crate::billing::ready_to_invoice;
use crate::common;

use common::*;
use serde_json::{Value, json};
use silo_roles::Role;

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

async fn me(app: &TestApp, token: &str) -> String {
    let r = app.get("/api/me", Some(token)).await;
    r.body["identity"]["id"].as_str().unwrap().to_owned()
}

/// A time-and-materials project for `account` at 90 euros an hour, rounded up to 15 minutes.
async fn project(app: &TestApp, t: &str, account: &str, extra: Value) -> Value {
    let mut body = json!({"name": "Relaunch", "account_id": account, "status": "active",
        "billing_type": "time_and_materials", "hourly_rate_cents": 9000, "rounding_minutes": 15});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let r = app.post("/api/projects", Some(t), body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

async fn log(app: &TestApp, t: &str, body: Value) -> Value {
    let r = app.post("/api/time-entries", Some(t), body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

async fn approve_all(app: &TestApp, t: &str, ids: &[String]) {
    let r = app
        .post("/api/time-entries/approve", Some(t), json!({ "ids": ids }))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

/// How many events of a type the company's outbox holds.
async fn events(app: &TestApp, company: &str, event: &str) -> i64 {
    let db = app.tenant_db(company).await;
    db.db()
        .fetch_one(
            "SELECT COUNT(*) AS n FROM outbox WHERE event_type = $1",
            silo_store::params![event],
        )
        .await
        .unwrap()
        .get("n")
        .unwrap()
}

async fn time_through_approval_to_a_draft_invoice() {
    let app = spawn_app().await;
    let (t, company) = app.signup("Acme", "ann@acme.example").await;
    let t = t.as_str();
    let account = ready_to_invoice(&app, t).await;
    let dee = app
        .member_token(&company, "dee@acme.example", Role::Delivery)
        .await;
    let dee_id = me(&app, &dee).await;
    let design = app
        .post(
            "/api/services",
            Some(t),
            json!({"name": "Design", "hourly_rate_cents": 10000}),
        )
        .await;
    assert_eq!(design.status, 201, "{}", design.body);
    let p = project(&app, t, &account, json!({})).await;
    let pid = id(&p);
    // Dee's cost: 40 euros an hour, recorded as a capacity row (owners see cost rates).
    let db = app.tenant_db(&company).await;
    db.db()
        .execute(
            "INSERT INTO person_capacity (person_id, effective_from, weekly_minutes, \
             cost_rate_cents, created_at) VALUES ($1, '2026-01-01', 2400, 4000, '2026-01-01T00:00:00Z')",
            silo_store::params![dee_id.clone()],
        )
        .await
        .unwrap();

    // 50 minutes of design (billed as 60 at the service's 100 euros), 20 minutes of other
    // work (billed as 30 at the project's 90), 45 minutes not billable.
    let a = log(
        &app,
        &dee,
        json!({"project_id": pid, "service_id": id(&design.body),
        "work_date": "2026-11-02", "minutes": 50, "description": "Wireframes"}),
    )
    .await;
    assert_eq!(
        (&a["billable_minutes"], &a["rate_cents"], &a["status"]),
        (&json!(60), &json!(10000), &json!("draft"))
    );
    assert_eq!(
        a["cost_rate_cents"],
        Value::Null,
        "delivery sees no cost rates"
    );
    let b = log(
        &app,
        &dee,
        json!({"project_id": pid, "work_date": "2026-11-03", "minutes": 20}),
    )
    .await;
    assert_eq!(
        (&b["billable_minutes"], &b["rate_cents"]),
        (&json!(30), &json!(9000))
    );
    let c = log(
        &app,
        &dee,
        json!({"project_id": pid, "work_date": "2026-11-03", "minutes": 45,
        "billable": false}),
    )
    .await;
    assert_eq!(c["billable_minutes"], 0);
    let owner_view = app
        .get(&format!("/api/time-entries/{}", id(&a)), Some(t))
        .await;
    assert_eq!(owner_view.body["cost_rate_cents"], 4000);

    // Delivery submits but cannot approve; the owner approves.
    let ids = vec![id(&a), id(&b), id(&c)];
    let r = app
        .post(
            "/api/time-entries/submit",
            Some(&dee),
            json!({ "ids": ids }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["status"] == "submitted")
    );
    app.post(
        "/api/time-entries/approve",
        Some(&dee),
        json!({ "ids": ids }),
    )
    .await
    .expect(403, "forbidden");
    approve_all(&app, t, &ids).await;
    app.patch(
        &format!("/api/time-entries/{}", id(&a)),
        Some(&dee),
        json!({"minutes": 55}),
    )
    .await
    .expect(409, "time_locked");

    // Delivery may not invoice; the preview shows the lines a person would compute by hand.
    let body = json!({"account_id": account});
    app.post("/api/invoices/from-time/preview", Some(&dee), body.clone())
        .await
        .expect(403, "forbidden");
    let preview = app
        .post("/api/invoices/from-time/preview", Some(t), body.clone())
        .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    let lines = preview.body["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2, "{}", preview.body);
    // Grouped by project, service and rate: the work without a service first.
    let line = |l: &Value| {
        (
            l["quantity"].as_f64().unwrap(),
            l["unit_cents"].as_i64().unwrap(),
        )
    };
    assert_eq!(line(&lines[0]), (0.5, 9000));
    assert_eq!(line(&lines[1]), (1.0, 10000));
    // 100.00 + 45.00 = 145.00; 21 % VAT 30.45; 175.45.
    assert_eq!(
        (
            &preview.body["subtotal_cents"],
            &preview.body["vat_cents"],
            &preview.body["total_cents"]
        ),
        (&json!(14500), &json!(3045), &json!(17545))
    );
    assert_eq!(preview.body["entries"].as_array().unwrap().len(), 2);

    let inv = app
        .post("/api/invoices/from-time", Some(t), body.clone())
        .await;
    assert_eq!(inv.status, 201, "{}", inv.body);
    assert_eq!(
        (
            &inv.body["status"],
            &inv.body["total_cents"],
            &inv.body["account_id"]
        ),
        (&json!("draft"), &json!(17545), &json!(account))
    );
    assert_eq!(inv.body["bills_time"], true);
    let inv_id = id(&inv.body);
    let billed = app
        .get(&format!("/api/time-entries?invoice_id={inv_id}"), Some(t))
        .await;
    let billed = billed.body["items"].as_array().unwrap().clone();
    assert_eq!(billed.len(), 2);
    assert!(
        billed
            .iter()
            .all(|e| e["status"] == "invoiced" && e["invoice_line"].is_i64())
    );

    // Nothing is invoiced twice; the draft's lines follow from the time.
    app.post("/api/invoices/from-time", Some(t), body.clone())
        .await
        .expect(409, "nothing_to_invoice");
    app.patch(
        &format!("/api/invoices/{inv_id}"),
        Some(t),
        json!({"lines": [{"description": "x", "unit_cents": 1}]}),
    )
    .await
    .expect(409, "invoice_bills_time");
    app.patch(
        &format!("/api/time-entries/{}", id(&a)),
        Some(t),
        json!({"minutes": 55}),
    )
    .await
    .expect(409, "time_locked");

    // Deleting the draft releases the time; issuing the next one locks it for good.
    let r = app
        .delete(&format!("/api/invoices/{inv_id}"), Some(t))
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let a_now = app
        .get(&format!("/api/time-entries/{}", id(&a)), Some(t))
        .await;
    assert_eq!(
        (&a_now.body["status"], &a_now.body["invoice_id"]),
        (&json!("approved"), &Value::Null)
    );
    let again = app
        .post("/api/invoices/from-time", Some(t), body.clone())
        .await;
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(again.body["total_cents"], 17545);
    let again_id = id(&again.body);
    let issued = app
        .post(
            &format!("/api/invoices/{again_id}/issue"),
            Some(t),
            json!({"issue_date": "2026-11-30"}),
        )
        .await;
    assert_eq!(issued.status, 200, "{}", issued.body);
    app.delete(&format!("/api/invoices/{again_id}"), Some(t))
        .await
        .expect(409, "invoice_locked");
    app.delete(&format!("/api/time-entries/{}", id(&b)), Some(t))
        .await
        .expect(409, "time_locked");
    let b_now = app
        .get(&format!("/api/time-entries/{}", id(&b)), Some(t))
        .await;
    assert_eq!(b_now.body["invoice_id"], json!(again_id));

    // Each step is an event of the company's outbox (and so in its audit trail).
    assert_eq!(events(&app, &company, "time_entry.created").await, 3);
    assert_eq!(events(&app, &company, "time_entry.submitted").await, 3);
    assert_eq!(events(&app, &company, "time_entry.approved").await, 3);
}

async fn two_invoices_at_once_take_each_entry_once() {
    let app = spawn_app().await;
    let (t, _) = app.signup("Acme", "ann@acme.example").await;
    let t = t.as_str();
    let account = ready_to_invoice(&app, t).await;
    let pid = id(&project(&app, t, &account, json!({})).await);
    let mut ids = Vec::new();
    for day in 1..=20 {
        let e = log(
            &app,
            t,
            json!({"project_id": pid, "work_date": format!("2026-10-{day:02}"), "minutes": 60}),
        )
        .await;
        ids.push(id(&e));
    }
    approve_all(&app, t, &ids).await;
    let racing = (0..4)
        .map(|_| {
            app.post_request(
                "/api/invoices/from-time",
                t,
                json!({"account_id": account, "grouping": "entry"}),
            )
        })
        .collect();
    let answers = send_all(racing).await;
    let won: Vec<&Reply> = answers.iter().filter(|r| r.status == 201).collect();
    assert_eq!(
        won.len(),
        1,
        "{:?}",
        answers.iter().map(|r| &r.body).collect::<Vec<_>>()
    );
    for r in answers.iter().filter(|r| r.status != 201) {
        assert_eq!(r.status, 409, "{}", r.body);
        assert!(
            ["nothing_to_invoice", "conflict"].contains(&r.code()),
            "{}",
            r.body
        );
    }
    let invoice = id(&won[0].body);
    assert_eq!(won[0].body["lines"].as_array().unwrap().len(), 20);
    let drafts = app.get("/api/invoices?status=draft", Some(t)).await;
    assert_eq!(drafts.body["items"].as_array().unwrap().len(), 1);
    let billed = app
        .get(
            &format!("/api/time-entries?invoice_id={invoice}&limit=100"),
            Some(t),
        )
        .await;
    assert_eq!(billed.body["items"].as_array().unwrap().len(), 20);
}

async fn a_capped_budget_stops_invoicing_and_warnings_come_once() {
    let app = spawn_app().await;
    let (t, company) = app.signup("Acme", "ann@acme.example").await;
    let t = t.as_str();
    let account = ready_to_invoice(&app, t).await;
    // 100 euros an hour, 150 euros capped, a 100-minute hour budget.
    let p = project(
        &app,
        t,
        &account,
        json!({"hourly_rate_cents": 10000,
        "budget_cents": 15000, "budget_cap": true, "budget_minutes": 100, "rounding_minutes": 1}),
    )
    .await;
    let pid = id(&p);
    let first = log(
        &app,
        t,
        json!({"project_id": pid, "work_date": "2026-11-02", "minutes": 60}),
    )
    .await;
    // 60 of 100 minutes, 100 of 150 euros: no warning yet.
    assert_eq!(events(&app, &company, "project.budget_warning").await, 0);
    let second = log(
        &app,
        t,
        json!({"project_id": pid, "work_date": "2026-11-09", "minutes": 30}),
    )
    .await;
    // 90 minutes (90 %): the hours warning; 150 euros (100 %): the money warning and excess.
    assert_eq!(events(&app, &company, "project.budget_warning").await, 2);
    assert_eq!(events(&app, &company, "project.budget_exceeded").await, 1);
    let third = log(
        &app,
        t,
        json!({"project_id": pid, "work_date": "2026-11-10", "minutes": 5}),
    )
    .await;
    // Each warning comes once, whatever follows.
    assert_eq!(events(&app, &company, "project.budget_warning").await, 2);
    assert_eq!(events(&app, &company, "project.budget_exceeded").await, 1);
    let fourth = log(
        &app,
        t,
        json!({"project_id": pid, "work_date": "2026-11-16", "minutes": 30}),
    )
    .await;
    assert_eq!(events(&app, &company, "project.budget_exceeded").await, 2);
    let got = app.get(&format!("/api/projects/{pid}"), Some(t)).await;
    assert_eq!(
        (&got.body["burn"]["minutes"], &got.body["burn"]["level"]),
        (&json!(125), &json!("exceeded"))
    );
    let ids: Vec<String> = [&first, &second, &third, &fourth]
        .iter()
        .map(|e| id(e))
        .collect();
    approve_all(&app, t, &ids).await;

    // 125 minutes at 100 euros is 208.33 euros: beyond the 150 capped.
    let all = json!({"account_id": account});
    let preview = app
        .post("/api/invoices/from-time/preview", Some(t), all.clone())
        .await;
    let cap = &preview.body["cap_exceeded"][0];
    assert_eq!(
        (&cap["project_id"], &cap["left_cents"], &cap["asked_cents"]),
        (&json!(pid), &json!(15000), &json!(20833))
    );
    app.post("/api/invoices/from-time", Some(t), all.clone())
        .await
        .expect(409, "budget_cap");
    // The first week (60 + 30 minutes, 150 euros) fits exactly; nothing more does.
    let week = json!({"account_id": account, "to": "2026-11-09"});
    let r = app.post("/api/invoices/from-time", Some(t), week).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["subtotal_cents"], 15000);
    app.post("/api/invoices/from-time", Some(t), all)
        .await
        .expect(409, "budget_cap");
}

async fn locked_periods_and_who_sees_whose_time() {
    let app = spawn_app().await;
    let (t, company) = app.signup("Acme", "ann@acme.example").await;
    let t = t.as_str();
    let account = ready_to_invoice(&app, t).await;
    let pid = id(&project(&app, t, &account, json!({"rounding_minutes": 6})).await);
    let dee = app
        .member_token(&company, "dee@acme.example", Role::Delivery)
        .await;
    let fin = app
        .member_token(&company, "fin@acme.example", Role::Finance)
        .await;
    let vic = app
        .member_token(&company, "vic@acme.example", Role::Viewer)
        .await;
    let ann = me(&app, t).await;

    let own = log(
        &app,
        t,
        json!({"project_id": pid, "work_date": "2026-11-02", "minutes": 7}),
    )
    .await;
    assert_eq!(
        own["billable_minutes"], 12,
        "7 minutes rounded up to 6-minute steps"
    );
    let deed = log(
        &app,
        &dee,
        json!({"project_id": pid, "work_date": "2026-11-02", "minutes": 30}),
    )
    .await;

    // Delivery sees only their own time; finance (time.read_all) sees everyone's and cost.
    let mine = app.get("/api/time-entries", Some(&dee)).await;
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 1);
    app.get(&format!("/api/time-entries/{}", id(&own)), Some(&dee))
        .await
        .expect(404, "not_found");
    app.get(&format!("/api/time-entries?person_id={ann}"), Some(&dee))
        .await
        .expect(403, "forbidden");
    app.get(
        &format!("/api/timesheet?person_id={ann}&week=2026-11-04"),
        Some(&dee),
    )
    .await
    .expect(403, "forbidden");
    let all = app.get("/api/time-entries", Some(&fin)).await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 2);
    assert!(all.body["items"][0]["cost_rate_cents"].is_i64());
    let sheet = app
        .get(
            &format!("/api/timesheet?person_id={ann}&week=2026-11-04"),
            Some(&fin),
        )
        .await;
    assert_eq!(sheet.status, 200, "{}", sheet.body);
    assert_eq!(sheet.body["days"][0], "2026-11-02");
    assert_eq!(sheet.body["day_minutes"][0], 7);
    app.get("/api/time-entries", Some(&vic))
        .await
        .expect(403, "forbidden");
    // Delivery logs no one else's time and changes no one else's.
    app.post(
        "/api/time-entries",
        Some(&dee),
        json!({"project_id": pid, "work_date": "2026-11-02", "minutes": 5, "person_id": ann}),
    )
    .await
    .expect(403, "forbidden");
    app.patch(
        &format!("/api/time-entries/{}", id(&deed)),
        Some(&fin),
        json!({"minutes": 1}),
    )
    .await
    .expect(403, "forbidden");

    // A lock date closes the period for everyone, approvers too.
    app.patch(
        "/api/time-settings",
        Some(&dee),
        json!({"lock_date": "2026-11-02"}),
    )
    .await
    .expect(403, "forbidden");
    let r = app
        .patch(
            "/api/time-settings",
            Some(t),
            json!({"lock_date": "2026-11-02"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    app.patch(
        &format!("/api/time-entries/{}", id(&deed)),
        Some(&dee),
        json!({"minutes": 31}),
    )
    .await
    .expect(409, "period_locked");
    app.post(
        "/api/time-entries",
        Some(t),
        json!({"project_id": pid, "work_date": "2026-11-01", "minutes": 5}),
    )
    .await
    .expect(409, "period_locked");
    app.patch(
        &format!("/api/time-entries/{}", id(&own)),
        Some(t),
        json!({"work_date": "2026-11-20"}),
    )
    .await
    .expect(409, "period_locked");
    let unchanged = app
        .get(&format!("/api/time-entries/{}", id(&deed)), Some(&dee))
        .await;
    assert_eq!(unchanged.body["minutes"], 30);

    // Without required approval, submitting approves.
    app.patch(
        "/api/time-settings",
        Some(t),
        json!({"lock_date": null, "approval_required": false}),
    )
    .await;
    let r = app
        .post(
            "/api/time-entries/submit",
            Some(&dee),
            json!({"ids": [id(&deed)]}),
        )
        .await;
    assert_eq!(r.body["entries"][0]["status"], "approved", "{}", r.body);

    // The timer: one per person, stopped into a draft entry.
    let start = json!({"project_id": pid, "description": "Call"});
    let r = app
        .post("/api/timer/start", Some(&dee), start.clone())
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    app.post("/api/timer/start", Some(&dee), start)
        .await
        .expect(409, "timer_running");
    let running = app.get("/api/timer", Some(&dee)).await;
    assert_eq!(running.body["timer"]["project_id"], json!(pid));
    let stopped = app
        .post(
            "/api/timer/stop",
            Some(&dee),
            json!({"work_date": "2026-11-30"}),
        )
        .await;
    assert_eq!(stopped.status, 201, "{}", stopped.body);
    assert_eq!(
        (
            &stopped.body["minutes"],
            &stopped.body["status"],
            &stopped.body["description"]
        ),
        (&json!(1), &json!("draft"), &json!("Call"))
    );
    app.post("/api/timer/stop", Some(&dee), json!({}))
        .await
        .expect(404, "not_found");
    let none = app.get("/api/timer", Some(&dee)).await;
    assert_eq!(none.body["timer"], Value::Null);
}

async fn fixed_prices_retainers_and_project_rules() {
    let app = spawn_app().await;
    let (t, _) = app.signup("Acme", "ann@acme.example").await;
    let t = t.as_str();
    let account = ready_to_invoice(&app, t).await;
    // Each billing type needs its amount; a cap needs a money budget.
    let r = app
        .post(
            "/api/projects",
            Some(t),
            json!({"name": "X", "account_id": account, "billing_type": "fixed_price",
                   "budget_cap": true, "rounding_minutes": 7}),
        )
        .await;
    r.expect(422, "invalid");
    let fields = r.body["error"]["fields"].as_object().unwrap();
    assert!(fields.contains_key("rounding_minutes"), "{}", r.body);
    let r = app
        .post(
            "/api/projects",
            Some(t),
            json!({"name": "X", "account_id": account, "billing_type": "fixed_price",
                   "budget_cap": true}),
        )
        .await;
    let fields = r.body["error"]["fields"].as_object().unwrap();
    assert!(
        fields.contains_key("fixed_price_cents") && fields.contains_key("budget_cap"),
        "{}",
        r.body
    );

    let fixed = project(
        &app,
        t,
        &account,
        json!({"name": "Brand book",
        "billing_type": "fixed_price", "fixed_price_cents": 100000}),
    )
    .await;
    let fid = id(&fixed);
    let part = app
        .post(
            &format!("/api/projects/{fid}/invoice"),
            Some(t),
            json!({"amount_cents": 40000, "description": "Milestone 1: concepts"}),
        )
        .await;
    assert_eq!(part.status, 201, "{}", part.body);
    assert_eq!(part.body["subtotal_cents"], 40000);
    app.post(
        &format!("/api/projects/{fid}/invoice"),
        Some(t),
        json!({"amount_cents": 60001}),
    )
    .await
    .expect(422, "invalid");
    let rest = app
        .post(&format!("/api/projects/{fid}/invoice"), Some(t), json!({}))
        .await;
    assert_eq!(rest.body["subtotal_cents"], 60000, "{}", rest.body);
    app.post(&format!("/api/projects/{fid}/invoice"), Some(t), json!({}))
        .await
        .expect(409, "nothing_to_invoice");
    // Deleting a draft makes its part invoiceable again.
    app.delete(&format!("/api/invoices/{}", id(&rest.body)), Some(t))
        .await;
    let rest = app
        .post(&format!("/api/projects/{fid}/invoice"), Some(t), json!({}))
        .await;
    assert_eq!(rest.body["subtotal_cents"], 60000, "{}", rest.body);
    // Time on a fixed-price project burns its budget but is not invoiced by the hour.
    let e = log(
        &app,
        t,
        json!({"project_id": fid, "work_date": "2026-11-02", "minutes": 60}),
    )
    .await;
    approve_all(&app, t, &[id(&e)]).await;
    app.post(
        "/api/invoices/from-time",
        Some(t),
        json!({"account_id": account, "project_ids": [fid]}),
    )
    .await
    .expect(409, "nothing_to_invoice");

    let retainer = project(
        &app,
        t,
        &account,
        json!({"name": "Care plan",
        "billing_type": "retainer", "retainer_cents": 50000, "budget_minutes": 600}),
    )
    .await;
    assert_eq!(retainer["budget_period"], "monthly");
    let rid = id(&retainer);
    let oct = app
        .post(
            &format!("/api/projects/{rid}/invoice"),
            Some(t),
            json!({"month": "2026-10"}),
        )
        .await;
    assert_eq!(oct.status, 201, "{}", oct.body);
    assert_eq!(
        oct.body["lines"][0]["description"],
        "Care plan: retainer 2026-10"
    );
    app.post(
        &format!("/api/projects/{rid}/invoice"),
        Some(t),
        json!({"month": "2026-10"}),
    )
    .await
    .expect(409, "nothing_to_invoice");
    // October: 11 hours against a 10-hour retainer, one hour over.
    for (day, minutes) in [("2026-10-05", 360), ("2026-10-12", 300)] {
        log(
            &app,
            t,
            json!({"project_id": rid, "work_date": day, "minutes": minutes}),
        )
        .await;
    }
    let budget = app
        .get(&format!("/api/projects/{rid}/budget"), Some(t))
        .await;
    let october = &budget.body["months"][0];
    assert_eq!(
        (
            &october["period"],
            &october["minutes"],
            &october["minutes_left"],
            &october["invoiced_cents"]
        ),
        (&json!("2026-10"), &json!(660), &json!(-60), &json!(50000)),
        "{}",
        budget.body
    );

    // A project with time cannot be deleted; one without can, with its tasks.
    app.delete(&format!("/api/projects/{rid}"), Some(t))
        .await
        .expect(409, "has_time");
    let empty = project(&app, t, &account, json!({"name": "Pitch"})).await;
    let task = app
        .post(
            "/api/tasks",
            Some(t),
            json!({"project_id": id(&empty), "title": "Deck"}),
        )
        .await;
    assert_eq!(task.status, 201, "{}", task.body);
    let sub = app
        .post(
            "/api/tasks",
            Some(t),
            json!({"project_id": id(&empty), "title": "Slides", "parent_id": id(&task.body)}),
        )
        .await;
    assert_eq!(sub.status, 201, "{}", sub.body);
    let r = app
        .post(
            "/api/tasks",
            Some(t),
            json!({"project_id": id(&empty), "title": "Too deep", "parent_id": id(&sub.body)}),
        )
        .await;
    r.expect(422, "invalid");
    let r = app
        .delete(&format!("/api/projects/{}", id(&empty)), Some(t))
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    app.get(&format!("/api/tasks/{}", id(&sub.body)), Some(t))
        .await
        .expect(404, "not_found");
}

async fn another_company_reaches_nothing() {
    let app = spawn_app().await;
    let (a, _) = app.signup("Acme", "ann@acme.example").await;
    let (b, _) = app.signup("Rival", "rex@rival.example").await;
    let rex = me(&app, &b).await;
    let account = ready_to_invoice(&app, &a).await;
    let pid = id(&project(&app, &a, &account, json!({})).await);
    let e = log(
        &app,
        &a,
        json!({"project_id": pid, "work_date": "2026-11-02", "minutes": 60}),
    )
    .await;
    for path in [
        format!("/api/projects/{pid}"),
        format!("/api/projects/{pid}/budget"),
        format!("/api/time-entries/{}", id(&e)),
    ] {
        app.get(&path, Some(&b)).await.expect(404, "not_found");
    }
    assert!(
        app.get("/api/time-entries", Some(&b)).await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // Rival's time cannot name Acme's project; Acme cannot put Rival's owner on a project.
    log_refused(&app, &b, &pid).await;
    app.post(
        "/api/projects",
        Some(&b),
        json!({"name": "X", "account_id": account, "billing_type": "non_billable"}),
    )
    .await
    .expect(422, "invalid");
    let r = app
        .patch(
            &format!("/api/projects/{pid}/members/{rex}"),
            Some(&a),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 405, "members are put, not patched: {}", r.body);
    let r = app
        .send(
            app.client
                .put(format!("{}/api/projects/{pid}/members/{rex}", app.url))
                .bearer_auth(&a)
                .json(&json!({})),
        )
        .await;
    r.expect(422, "invalid");
}

async fn log_refused(app: &TestApp, token: &str, project: &str) {
    app.post(
        "/api/time-entries",
        Some(token),
        json!({"project_id": project, "work_date": "2026-11-02", "minutes": 60}),
    )
    .await
    .expect(422, "invalid");
}

silo_testkit::backend_tests!(
    time_through_approval_to_a_draft_invoice,
    two_invoices_at_once_take_each_entry_once,
    a_capped_budget_stops_invoicing_and_warnings_come_once,
    locked_periods_and_who_sees_whose_time,
    fixed_prices_retainers_and_project_rules,
    another_company_reaches_nothing,
);
