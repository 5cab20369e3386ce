#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! The CRM API over HTTP on both backends: reopening deals, deal filters and pipeline totals,
//! a contact that must belong to the deal's account, timelines that hold one company's events
//! only, the readable audit trail, the reports with their CSV, and the company logo.

use crate::billing::ready_to_invoice;
use crate::common;

use common::*;
use serde_json::{Value, json};
use silo_roles::Role;

fn id(r: &Reply) -> String {
    assert!(r.status.is_success(), "{}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

fn ids(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn deals_reopen_filter_and_total() {
    let app = spawn_app().await;
    let (token, company) = app.signup("Acme", "ann@acme.example").await;
    let t = Some(token.as_str());
    let me = app.get("/api/me", t).await.body["identity"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a1 = id(&app
        .post("/api/accounts", t, json!({"name": "Globex"}))
        .await);
    let a2 = id(&app
        .post("/api/accounts", t, json!({"name": "Initech"}))
        .await);
    let c1 = id(&app
        .post("/api/contacts", t, json!({"name": "Gil", "account_id": a1}))
        .await);
    let c2 = id(&app
        .post("/api/contacts", t, json!({"name": "Ina", "account_id": a2}))
        .await);
    let loose = id(&app.post("/api/contacts", t, json!({"name": "Lou"})).await);

    // A contact of another account is refused, on contact_id; one without an account joins.
    let r = app
        .post(
            "/api/deals",
            t,
            json!({"title": "Wrong", "account_id": a1, "contact_id": c2}),
        )
        .await;
    r.expect(422, "invalid");
    assert_eq!(r.body["error"]["problems"]["contact_id"]["code"], "rule");
    let d1 = id(&app
        .post(
            "/api/deals",
            t,
            json!({"title": "Website", "value_cents": 10_000, "stage": "proposal",
                   "account_id": a1, "contact_id": c1}),
        )
        .await);
    let d2 = id(&app
        .post(
            "/api/deals",
            t,
            json!({"title": "Retainer", "value_cents": 5_005, "account_id": a2,
                   "contact_id": loose}),
        )
        .await);
    let path1 = format!("/api/deals/{d1}");
    app.patch(&path1, t, json!({"contact_id": c2}))
        .await
        .expect(422, "invalid");
    app.patch(&path1, t, json!({"account_id": a2}))
        .await
        .expect(422, "invalid");

    // Filters.
    let page = |q: String| {
        let app = &app;
        async move {
            let r = app.get(&format!("/api/deals?{q}"), t).await;
            assert_eq!(r.status, 200, "{}", r.body);
            ids(&r.body["items"])
        }
    };
    assert_eq!(page(format!("account_id={a1}")).await, [d1.as_str()]);
    assert_eq!(page(format!("contact_id={loose}")).await, [d2.as_str()]);
    assert_eq!(page("stage=lead".into()).await, [d2.as_str()]);
    assert_eq!(page(format!("owner_id={me}&q=web")).await, [d1.as_str()]);
    assert_eq!(page(format!("owner_id={d1}")).await.len(), 0);
    app.get("/api/deals?account_id=nope", t)
        .await
        .expect(422, "invalid");
    let r = app.get(&format!("/api/contacts?account_id={a1}"), t).await;
    assert_eq!(ids(&r.body["items"]), [c1.as_str()]);

    // Pipeline totals per stage, weighted by the stage's probability.
    let r = app.get("/api/pipeline", t).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let stages = r.body["stages"].as_array().unwrap();
    let stage_names: Vec<&str> = stages
        .iter()
        .map(|s| s["stage"].as_str().unwrap())
        .collect();
    assert_eq!(
        stage_names,
        ["lead", "qualified", "proposal", "won", "lost"]
    );
    assert_eq!(
        stages[0],
        json!({"stage": "lead", "currency": "EUR", "count": 1, "value_cents": 5_005,
               "weighted_cents": 501, "probability_bp": 1000})
    );
    assert_eq!(stages[2]["weighted_cents"], 5_000);
    assert_eq!(stages[1]["count"], 0);
    let r = app.get(&format!("/api/pipeline?account_id={a2}"), t).await;
    assert_eq!(r.body["stages"][2]["count"], 0);
    assert_eq!(r.body["stages"][0]["count"], 1);

    // Reopen: only closed deals, into an open stage, with its own event and stage record.
    app.post(&format!("{path1}/reopen"), t, json!({}))
        .await
        .expect(409, "invalid_transition");
    assert_eq!(
        app.patch(&path1, t, json!({"stage": "won"})).await.status,
        200
    );
    app.post(&format!("{path1}/reopen"), t, json!({"stage": "won"}))
        .await
        .expect(422, "invalid");
    let r = app
        .client
        .post(format!("{}{path1}/reopen", app.url))
        .bearer_auth(&token);
    let r = app.send(r).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["stage"], "proposal");
    assert!(r.body["closed_at"].is_null());
    let history = r.body["stage_history"].as_array().unwrap();
    let last = history.last().unwrap();
    assert_eq!(
        (&last["from"], &last["to"]),
        (&json!("won"), &json!("proposal"))
    );
    assert_eq!(
        app.patch(&path1, t, json!({"stage": "lost"})).await.status,
        200
    );
    let r = app
        .post(&format!("{path1}/reopen"), t, json!({"stage": "qualified"}))
        .await;
    assert_eq!(r.body["stage"], "qualified", "{}", r.body);
    let timeline = app.get(&format!("{path1}/timeline"), t).await;
    let events: Vec<&str> = timeline.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        [
            "deal.reopened",
            "deal.lost",
            "deal.reopened",
            "deal.won",
            "deal.created"
        ]
    );

    // Roles: viewers read, may not reopen.
    let viewer = app
        .member_token(&company, "vic@acme.example", Role::Viewer)
        .await;
    assert_eq!(app.get("/api/pipeline", Some(&viewer)).await.status, 200);
    app.post(&format!("{path1}/reopen"), Some(&viewer), json!({}))
        .await
        .expect(403, "forbidden");
}

async fn timelines_hold_one_company_only() {
    let app = spawn_app().await;
    let (ta, _) = app.signup("Acme", "ann@acme.example").await;
    let (tb, _) = app.signup("Bolt", "bob@bolt.example").await;
    let a = Some(ta.as_str());
    let b = Some(tb.as_str());
    let account = ready_to_invoice(&app, &ta).await;
    let contact = id(&app
        .post(
            "/api/contacts",
            a,
            json!({"name": "Gil Globex", "account_id": account}),
        )
        .await);
    let deal = id(&app
        .post(
            "/api/deals",
            a,
            json!({"title": "Website", "account_id": account, "contact_id": contact}),
        )
        .await);
    let gone = id(&app
        .post(
            "/api/deals",
            a,
            json!({"title": "Gone", "account_id": account}),
        )
        .await);
    assert_eq!(
        app.delete(&format!("/api/deals/{gone}"), a).await.status,
        204
    );
    let contract = id(&app
        .post(
            "/api/contracts",
            a,
            json!({"title": "MSA", "body": "Terms", "deal_id": deal}),
        )
        .await);
    let invoice = id(&app
        .post(
            "/api/invoices",
            a,
            json!({"account_id": account, "deal_id": deal,
                   "lines": [{"description": "Work", "unit_cents": 10_000}]}),
        )
        .await);
    let issued = app
        .post(&format!("/api/invoices/{invoice}/issue"), a, json!({}))
        .await;
    assert_eq!(issued.status, 200, "{}", issued.body);
    let number = issued.body["number"].as_str().unwrap().to_owned();

    // Company B works on records of its own, and guesses A's ids.
    let b_account = id(&app.post("/api/accounts", b, json!({"name": "Bee"})).await);
    let b_deal = id(&app
        .post(
            "/api/deals",
            b,
            json!({"title": "Bee deal", "account_id": b_account}),
        )
        .await);
    for path in [
        format!("/api/accounts/{account}/timeline"),
        format!("/api/contacts/{contact}/timeline"),
        format!("/api/deals/{deal}/timeline"),
    ] {
        app.get(&path, b).await.expect(404, "not_found");
    }
    app.get(&format!("/api/accounts/{b_account}/timeline"), a)
        .await
        .expect(404, "not_found");
    app.get(&format!("/api/deals/{b_deal}/timeline"), a)
        .await
        .expect(404, "not_found");

    let r = app
        .get(&format!("/api/accounts/{account}/timeline"), a)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let items = r.body["items"].as_array().unwrap().clone();
    let subjects: Vec<&str> = items
        .iter()
        .map(|e| e["subject_id"].as_str().unwrap())
        .collect();
    for mine in [&account, &contact, &deal, &gone, &contract, &invoice] {
        assert!(
            subjects.contains(&mine.as_str()),
            "{mine} missing: {items:?}"
        );
    }
    for theirs in [&b_account, &b_deal] {
        assert!(!subjects.contains(&theirs.as_str()));
        assert!(!r.body.to_string().contains(theirs.as_str()));
    }
    // Newest first, titles resolved now, the actor named.
    assert_eq!(items[0]["event"], "invoice.issued");
    assert_eq!(items[0]["title"], number.as_str());
    assert_eq!(items[0]["subject_type"], "invoice");
    assert!(
        items[0]["actor_name"]
            .as_str()
            .is_some_and(|n| !n.is_empty())
    );
    let deleted = items.iter().find(|e| e["event"] == "deal.deleted").unwrap();
    assert!(deleted["title"].is_null());
    let created = items
        .iter()
        .find(|e| e["event"] == "deal.created" && e["subject_id"] == deal.as_str())
        .unwrap();
    assert_eq!(created["title"], "Website");

    // Pages.
    let first = app
        .get(&format!("/api/accounts/{account}/timeline?limit=2"), a)
        .await;
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    let second = app
        .get(
            &format!("/api/accounts/{account}/timeline?limit=2&cursor={cursor}"),
            a,
        )
        .await;
    assert_eq!(
        [ids(&first.body["items"]), ids(&second.body["items"])].concat(),
        ids(&Value::Array(items[..4].to_vec()))
    );

    let r = app
        .get(&format!("/api/contacts/{contact}/timeline"), a)
        .await;
    let events: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["deal.created", "contact.created"]);
    let r = app.get(&format!("/api/deals/{deal}/timeline"), a).await;
    let subjects: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["subject_id"].as_str().unwrap())
        .collect();
    assert!(subjects.contains(&contract.as_str()) && subjects.contains(&invoice.as_str()));
    assert!(!subjects.contains(&gone.as_str()));
}

async fn audit_reads_with_names_and_titles() {
    let app = spawn_app().await;
    let (t, company) = app.signup("Acme", "ann@acme.example").await;
    let (other, _) = app.signup("Bolt", "bob@bolt.example").await;
    let t = Some(t.as_str());
    let sales = app
        .member_token(&company, "sal@acme.example", Role::Sales)
        .await;
    let sales_id = app.get("/api/me", Some(&sales)).await.body["identity"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let deal = id(&app
        .post("/api/deals", Some(&sales), json!({"title": "Website"}))
        .await);
    let gone = id(&app
        .post("/api/deals", Some(&sales), json!({"title": "Gone"}))
        .await);
    assert_eq!(
        app.delete(&format!("/api/deals/{gone}"), Some(&sales))
            .await
            .status,
        204
    );
    app.post("/api/deals", Some(&other), json!({"title": "Theirs"}))
        .await;

    let r = app
        .get(&format!("/api/audit?actor_id={sales_id}&action=deal."), t)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{items:?}");
    for item in items {
        assert_eq!(item["actor"], sales_id.as_str());
        assert!(item["actor_name"].as_str().is_some_and(|n| !n.is_empty()));
    }
    let created = items
        .iter()
        .find(|i| i["action"] == "deal.create" && i["target"] == deal.as_str())
        .unwrap();
    assert_eq!(created["subject_title"], "Website");
    for i in items.iter().filter(|i| i["target"] == gone.as_str()) {
        assert!(i["subject_title"].is_null());
    }
    // The older name of the filter still works; an identity of another company has no name.
    let r = app
        .get(&format!("/api/audit?actor={sales_id}&action=deal."), t)
        .await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 3);
    app.get("/api/audit?actor_id=x", t)
        .await
        .expect(422, "invalid");
    assert!(
        !app.get("/api/audit", t)
            .await
            .body
            .to_string()
            .contains("Theirs")
    );
}

async fn reports_with_csv() {
    let app = spawn_app().await;
    let (token, company) = app.signup("Acme", "ann@acme.example").await;
    let t = Some(token.as_str());
    let account = ready_to_invoice(&app, &token).await;
    let draft = id(&app
        .post(
            "/api/invoices",
            t,
            json!({"account_id": account,
                   "lines": [{"description": "Work", "unit_cents": 100_000, "vat_rate_bp": 0}]}),
        )
        .await);
    let r = app
        .post(
            &format!("/api/invoices/{draft}/issue"),
            t,
            json!({"issue_date": "2026-01-15"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .post(
            &format!("/api/invoices/{draft}/payments"),
            t,
            json!({"amount_cents": 30_000, "paid_at": "2026-02-01"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = app
        .post(
            &format!("/api/invoices/{draft}/credit-notes"),
            t,
            json!({"reason": "Discount", "issue_date": "2026-02-10",
                   "lines": [{"description": "Discount", "unit_cents": 10_000, "vat_rate_bp": 0}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);

    let r = app
        .get("/api/reports/revenue?from=2026-01&to=2026-02", t)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let months = r.body["months"].as_array().unwrap();
    let jan = months.iter().find(|m| m["month"] == "2026-01").unwrap();
    assert_eq!(jan["invoiced_cents"], 100_000);
    assert_eq!(jan["open_cents"], 60_000);
    assert_eq!(jan["overdue_cents"], 60_000);
    let feb = months.iter().find(|m| m["month"] == "2026-02").unwrap();
    assert_eq!(feb["paid_cents"], 30_000);
    assert_eq!(feb["credited_cents"], 10_000);

    let r = app
        .get(
            "/api/reports/top-clients?from=2026-01&to=2026-12&limit=5",
            t,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["clients"],
        json!([{"account_id": account, "name": "Globex", "currency": "EUR",
                "invoiced_cents": 100_000, "credited_cents": 10_000, "paid_cents": 30_000,
                "open_cents": 60_000}])
    );
    app.get("/api/reports/top-clients?limit=0", t)
        .await
        .expect(422, "invalid");
    let r = app.get("/api/reports/pipeline", t).await;
    assert_eq!(r.body["stages"].as_array().unwrap().len(), 5);

    let csv = |path: &'static str| {
        let app = &app;
        let token = token.clone();
        async move {
            let r = app
                .client
                .get(format!("{}{path}", app.url))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
            r.text().await.unwrap()
        }
    };
    let text = csv("/api/reports/revenue/csv?from=2026-01&to=2026-01").await;
    assert_eq!(
        text,
        "month,currency,invoiced,credited,paid,open,overdue,won\n\
         2026-01,EUR,1000.00,0.00,0.00,600.00,600.00,0.00\n"
    );
    let text = csv("/api/reports/top-clients/csv?from=2026-01").await;
    assert!(text.starts_with("account_id,name,currency,invoiced,credited,paid,open\n"));
    assert!(text.contains(&format!(
        "{account},Globex,EUR,1000.00,100.00,300.00,600.00\n"
    )));
    let text = csv("/api/reports/pipeline/csv").await;
    assert!(text.starts_with("stage,currency,count,value,weighted,probability_percent\n"));
    assert!(text.contains("proposal,EUR,0,0.00,0.00,50.00\n"));

    let sales = app
        .member_token(&company, "sal@acme.example", Role::Sales)
        .await;
    app.get("/api/reports/revenue/csv", Some(&sales))
        .await
        .expect(403, "forbidden");
}

/// A PNG header: 16 by 8 pixels.
fn png() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x08\x08\x06\0\0\0".to_vec();
    b.extend_from_slice(&[0x1f, 0x15, 0xc4, 0x89, 0, 0, 0, 0, b'I', b'E', b'N', b'D']);
    b
}

/// A JPEG with a start-of-frame marker: 16 by 8 pixels.
fn jpeg() -> Vec<u8> {
    vec![
        0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x00, 0x08, 0x00, 0x10, 0x03, 0x01, 0x22, 0x00,
        0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xFF, 0xD9,
    ]
}

async fn put_logo(app: &TestApp, token: &str, media: &str, bytes: Vec<u8>) -> Reply {
    let req = app
        .client
        .put(format!("{}/api/company/logo", app.url))
        .bearer_auth(token)
        .header("content-type", media)
        .body(bytes);
    app.send(req).await
}

async fn company_logo() {
    let app = spawn_app().await;
    let (owner, company) = app.signup("Acme", "ann@acme.example").await;
    let (other, _) = app.signup("Bolt", "bob@bolt.example").await;
    let viewer = app
        .member_token(&company, "vic@acme.example", Role::Viewer)
        .await;
    app.get("/api/company/logo", Some(&owner))
        .await
        .expect(404, "not_found");
    let r = put_logo(&app, &owner, "image/png", png()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (&r.body["content_type"], &r.body["width"], &r.body["height"]),
        (&json!("image/png"), &json!(16), &json!(8))
    );
    let got = app
        .client
        .get(format!("{}/api/company/logo", app.url))
        .bearer_auth(&viewer)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["content-type"], "image/png");
    assert_eq!(got.bytes().await.unwrap().to_vec(), png());
    app.get("/api/company/logo", Some(&other))
        .await
        .expect(404, "not_found");

    let r = put_logo(&app, &owner, "image/jpeg", jpeg()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["content_type"], "image/jpeg");
    let r = put_logo(&app, &owner, "image/jpeg", png()).await;
    r.expect(422, "invalid");
    assert_eq!(r.body["error"]["problems"]["body"]["code"], "not_image");
    let r = put_logo(&app, &owner, "image/gif", b"GIF89a\x01\0\x01\0".to_vec()).await;
    r.expect(422, "invalid");
    assert_eq!(
        r.body["error"]["problems"]["content_type"]["code"],
        "not_allowed"
    );
    let mut big = png();
    big.resize(512 * 1024 + 1, 0);
    put_logo(&app, &owner, "image/png", big)
        .await
        .expect(413, "payload_too_large");
    put_logo(&app, &viewer, "image/png", png())
        .await
        .expect(403, "forbidden");

    let r = app
        .get("/api/audit?action=company.logo", Some(&owner))
        .await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 2, "{}", r.body);
    assert_eq!(
        app.delete("/api/company/logo", Some(&owner)).await.status,
        204
    );
    app.delete("/api/company/logo", Some(&owner))
        .await
        .expect(404, "not_found");
    app.get("/api/company/logo", Some(&owner))
        .await
        .expect(404, "not_found");
}

silo_testkit::backend_tests!(
    deals_reopen_filter_and_total,
    timelines_hold_one_company_only,
    audit_reads_with_names_and_titles,
    reports_with_csv,
    company_logo,
);
