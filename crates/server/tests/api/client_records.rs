#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! A CRM an agency can work in, over HTTP on both backends: deals that link to their client
//! and contact and can be reopened, lists filtered by client, stage, contact and owner, the
//! pipeline's totals, timelines of clients, contacts and deals (this company's events only, and
//! only what the caller's role may read), and an audit trail with names.

use crate::billing::ready_to_invoice;
use crate::common;

use common::*;
use serde_json::{Value, json};
use silo_roles::Role;

fn ids(r: &Reply) -> Vec<String> {
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn deals_link_filter_reopen_and_total() {
    let app = spawn_app().await;
    let (t, _) = app.signup("Acme", "ann@acme.example").await;
    let t = t.as_str();
    let globex = app
        .post("/api/accounts", Some(t), json!({"name": "Globex"}))
        .await
        .body["id"]
        .clone();
    let initech = app
        .post("/api/accounts", Some(t), json!({"name": "Initech"}))
        .await
        .body["id"]
        .clone();
    let hank = app
        .post(
            "/api/contacts",
            Some(t),
            json!({"name": "Hank", "account_id": globex}),
        )
        .await
        .body["id"]
        .clone();
    // A contact of one client on another client's deal is refused.
    let r = app
        .post(
            "/api/deals",
            Some(t),
            json!({"title": "Mixed", "account_id": initech, "contact_id": hank}),
        )
        .await;
    r.expect(422, "invalid");
    assert!(
        r.body["error"]["fields"]["contact_id"].is_string(),
        "{}",
        r.body
    );

    let mut made = Vec::new();
    for (title, value, stage, account) in [
        ("Site", 100_000, "proposal", &globex),
        ("Shop", 50_000, "lead", &globex),
        ("App", 200_000, "qualified", &initech),
        ("Old", 30_000, "won", &initech),
    ] {
        let r = app
            .post(
                "/api/deals",
                Some(t),
                json!({"title": title, "value_cents": value, "stage": stage, "account_id": account,
                       "contact_id": if *account == globex { hank.clone() } else { Value::Null }}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        made.push(r.body["id"].as_str().unwrap().to_owned());
    }
    let of_globex = app
        .get(
            &format!("/api/deals?account_id={}", globex.as_str().unwrap()),
            Some(t),
        )
        .await;
    assert_eq!(ids(&of_globex), made[..2]);
    let leads = app.get("/api/deals?stage=lead", Some(t)).await;
    assert_eq!(ids(&leads), [made[1].clone()]);
    let with_hank = app
        .get(
            &format!("/api/deals?contact_id={}", hank.as_str().unwrap()),
            Some(t),
        )
        .await;
    assert_eq!(ids(&with_hank).len(), 2);
    app.get("/api/deals?account_id=nope", Some(t))
        .await
        .expect(422, "invalid");
    let contacts = app
        .get(
            &format!("/api/contacts?account_id={}", globex.as_str().unwrap()),
            Some(t),
        )
        .await;
    assert_eq!(contacts.body["items"].as_array().unwrap().len(), 1);

    let pipeline = app.get("/api/pipeline", Some(t)).await;
    assert_eq!(pipeline.status, 200, "{}", pipeline.body);
    let stages: Vec<(String, i64, i64, i64)> = pipeline
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["stage"].as_str().unwrap().to_owned(),
                s["count"].as_i64().unwrap(),
                s["value_cents"].as_i64().unwrap(),
                s["weighted_cents"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        stages,
        [
            ("lead".into(), 1, 50_000, 5_000),
            ("qualified".into(), 1, 200_000, 50_000),
            ("proposal".into(), 1, 100_000, 50_000),
            ("won".into(), 1, 30_000, 30_000),
        ]
    );
    let filtered = app
        .get(
            &format!("/api/pipeline?account_id={}", initech.as_str().unwrap()),
            Some(t),
        )
        .await;
    assert_eq!(filtered.body.as_array().unwrap().len(), 2);

    // Won stays won until it is reopened; then it moves like any open deal.
    let won = format!("/api/deals/{}", made[3]);
    app.patch(&won, Some(t), json!({"stage": "lead"}))
        .await
        .expect(409, "invalid_transition");
    app.post(&format!("{won}/reopen"), Some(t), json!({"stage": "lost"}))
        .await
        .expect(422, "invalid");
    let reopened = app.post(&format!("{won}/reopen"), Some(t), json!({})).await;
    assert_eq!(reopened.status, 200, "{}", reopened.body);
    assert_eq!(reopened.body["stage"], "proposal");
    assert_eq!(reopened.body["closed_at"], Value::Null);
    let history: Vec<&str> = reopened.body["stage_history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["to"].as_str().unwrap())
        .collect();
    assert_eq!(history, ["won", "proposal"]);
    app.post(&format!("{won}/reopen"), Some(t), json!({}))
        .await
        .expect(409, "invalid_transition");
    app.patch(&won, Some(t), json!({"stage": "won"}))
        .await
        .expect(200, "");
}

async fn timelines_show_this_company_and_what_the_role_may_read() {
    let app = spawn_app().await;
    let (owner, company) = app.signup("Acme", "ann@acme.example").await;
    let (other, _) = app.signup("Bolt", "bob@bolt.example").await;
    let t = owner.as_str();
    let account = ready_to_invoice(&app, t).await;
    let deal = app
        .post(
            "/api/deals",
            Some(t),
            json!({"title": "Rebrand", "value_cents": 100, "account_id": account}),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.patch(
        &format!("/api/deals/{deal}"),
        Some(t),
        json!({"stage": "won"}),
    )
    .await
    .expect(200, "");
    let invoice = app
        .post(
            "/api/invoices",
            Some(t),
            json!({"account_id": account, "deal_id": deal,
                   "lines": [{"description": "Logo", "unit_cents": 10_000}]}),
        )
        .await;
    let invoice_id = invoice.body["id"].as_str().unwrap().to_owned();
    let issued = app
        .post(
            &format!("/api/invoices/{invoice_id}/issue"),
            Some(t),
            json!({}),
        )
        .await;
    assert_eq!(issued.status, 200, "{}", issued.body);
    // The other company works with the same kind of records, and guesses ids.
    let bolt_account = ready_to_invoice(&app, &other).await;
    app.post(
        "/api/deals",
        Some(&other),
        json!({"title": "Bolt deal", "account_id": bolt_account}),
    )
    .await
    .expect(201, "");

    let timeline = app
        .get(&format!("/api/accounts/{account}/timeline"), Some(t))
        .await;
    assert_eq!(timeline.status, 200, "{}", timeline.body);
    let items = timeline.body["items"].as_array().unwrap();
    let events: Vec<&str> = items.iter().map(|i| i["event"].as_str().unwrap()).collect();
    assert_eq!(
        events,
        [
            "invoice.issued",
            "invoice.created",
            "deal.won",
            "deal.created",
            "account.created"
        ]
    );
    assert_eq!(items[0]["title"], issued.body["number"]);
    assert_eq!(items[2]["title"], "Rebrand");
    assert_eq!(items[4]["title"], "Globex");
    assert!(
        items.iter().all(|i| i["actor_name"].is_string()),
        "{items:?}"
    );
    let all: String = timeline.body.to_string();
    assert!(!all.contains("Bolt"), "nothing of the other company: {all}");
    // Paging is by outbox position, newest first.
    let first = app
        .get(
            &format!("/api/accounts/{account}/timeline?limit=2"),
            Some(t),
        )
        .await;
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = app
        .get(
            &format!("/api/accounts/{account}/timeline?limit=2&cursor={cursor}"),
            Some(t),
        )
        .await;
    assert_eq!(second.body["items"][0]["event"], "deal.won");

    // The deal's timeline holds the invoice that bills it; the other company cannot read it.
    let deal_events = app
        .get(&format!("/api/deals/{deal}/timeline"), Some(t))
        .await;
    let kinds: Vec<&str> = deal_events.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["event"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"invoice.issued") && kinds.contains(&"deal.created"),
        "{kinds:?}"
    );
    app.get(&format!("/api/accounts/{account}/timeline"), Some(&other))
        .await
        .expect(404, "not_found");
    app.get(&format!("/api/deals/{deal}/timeline"), Some(&other))
        .await
        .expect(404, "not_found");

    // A sales member reads the client's deals but not its invoices.
    let sales = app
        .member_token(&company, "sal@acme.example", Role::Sales)
        .await;
    let seen = app
        .get(&format!("/api/accounts/{account}/timeline"), Some(&sales))
        .await;
    let kinds: Vec<&str> = seen.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["event"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["deal.won", "deal.created", "account.created"]);

    // The audit trail names the person and the record, resolved in this company's view.
    let audit = app.get("/api/audit?action=invoice.", Some(t)).await;
    assert_eq!(audit.status, 200, "{}", audit.body);
    let newest = &audit.body["items"][0];
    assert_eq!(newest["action"], "invoice.issue", "{}", audit.body);
    assert_eq!(newest["subject_title"], issued.body["number"]);
    assert!(newest["actor_name"].is_string());
}

silo_testkit::backend_tests!(
    deals_link_filter_reopen_and_total,
    timelines_show_this_company_and_what_the_role_may_read,
);
