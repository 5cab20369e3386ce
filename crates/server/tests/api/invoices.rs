#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! Invoices over HTTP: totals, gapless numbers under concurrency, locking, payments, the
//! company's invoicing details, roles and the revenue report.

use crate::billing::{ready_to_invoice, seller_details};
use crate::common;

use common::*;
use serde_json::{Value, json};
use silo_roles::Role;

fn lines() -> Value {
    json!([
        {"description": "Design", "quantity": 1.5, "unit_cents": 333, "vat_rate_bp": 2100},
        {"description": "Hosting", "quantity": 3, "unit_cents": 2, "vat_rate_bp": 2100},
        {"description": "Book", "quantity": 1, "unit_cents": 150, "vat_rate_bp": 900},
    ])
}

async fn forty_concurrent_issues_get_forty_numbers_without_gaps() {
    // Forty at once is more than a company's default bound on requests in flight (32), which
    // would refuse some with `busy` (see noisy_neighbours.rs); numbering is what is tested here.
    let app = spawn_with(silo_server::ServerConfig {
        company_concurrency: 64,
        ..silo_server::ServerConfig::default()
    })
    .await;
    let (t, _) = app.signup("Acme", "ann@acme.example").await;
    let account = ready_to_invoice(&app, &t).await;
    let mut details = seller_details();
    details["invoice_prefix"] = json!("AC-");
    details["legal_name"] = json!("Acme B.V.");
    details["payment_terms_days"] = json!(14);
    let details = app.patch("/api/company/invoicing", Some(&t), details).await;
    assert_eq!(details.status, 200, "{}", details.body);
    assert_eq!(
        app.get("/api/company/invoicing", Some(&t)).await.body["iban"],
        "NL91ABNA0417164300"
    );
    app.patch(
        "/api/company/invoicing",
        Some(&t),
        json!({"iban": "NL00BANK0000000000"}),
    )
    .await
    .expect(422, "invalid");

    let mut ids = Vec::new();
    for _ in 0..40 {
        let r = app
            .post(
                "/api/invoices",
                Some(&t),
                json!({"account_id": account, "lines": lines()}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        ids.push(r.body["id"].as_str().unwrap().to_owned());
    }
    let requests = ids
        .iter()
        .map(|id| {
            app.post_request(
                &format!("/api/invoices/{id}/issue"),
                &t,
                json!({"issue_date": "2026-02-10"}),
            )
        })
        .collect();
    let mut numbers: Vec<String> = send_all(requests)
        .await
        .into_iter()
        .map(|r| {
            assert_eq!(r.status, 200, "{}", r.body);
            assert_eq!(r.body["seller"]["legal_name"], "Acme B.V.");
            assert_eq!(r.body["due_date"], "2026-02-24");
            r.body["number"].as_str().unwrap().to_owned()
        })
        .collect();
    numbers.sort();
    let expected: Vec<String> = (1..=40).map(|n| format!("AC-2026-{n:04}")).collect();
    assert_eq!(numbers, expected);
}

async fn issued_invoice_is_locked_and_paid_in_two_parts() {
    let app = spawn_app().await;
    let (token, _) = app.signup("Acme", "ann@acme.example").await;
    let t = Some(token.as_str());
    let account = ready_to_invoice(&app, &token).await;
    let draft = app
        .post(
            "/api/invoices",
            t,
            json!({"account_id": account, "lines": lines()}),
        )
        .await;
    assert_eq!(draft.status, 201, "{}", draft.body);
    assert_eq!(draft.body["status"], "draft");
    assert_eq!(draft.body["number"], Value::Null);
    assert_eq!(
        (
            &draft.body["subtotal_cents"],
            &draft.body["vat_cents"],
            &draft.body["total_cents"]
        ),
        (&json!(656), &json!(120), &json!(776))
    );
    assert_eq!(draft.body["lines"][0]["quantity"], 1.5);
    assert_eq!(draft.body["lines"][1]["quantity"], 3);
    let path = format!("/api/invoices/{}", draft.body["id"].as_str().unwrap());

    let edited = app
        .patch(&path, t, json!({"lines": [{"description": "Only", "quantity": 2, "unit_cents": 50, "vat_rate_bp": 2100}]}))
        .await;
    assert_eq!(edited.body["total_cents"], 121, "{}", edited.body);
    app.patch(
        &path,
        t,
        json!({"lines": [{"description": "x", "unit_cents": 1, "vat_rate_bp": 10001}]}),
    )
    .await
    .expect(422, "invalid");

    let issued = app
        .send(
            app.client
                .post(format!("{}{path}/issue", app.url))
                .bearer_auth(&token),
        )
        .await;
    assert_eq!(
        issued.status, 200,
        "an empty body issues today: {}",
        issued.body
    );
    let year = &issued.body["issue_date"].as_str().unwrap()[..4];
    assert_eq!(issued.body["number"], format!("{year}-0001"));
    app.patch(&path, t, json!({"lines": []}))
        .await
        .expect(409, "invoice_locked");
    app.post(&format!("{path}/issue"), t, json!({}))
        .await
        .expect(409, "invalid_transition");

    let part = app
        .post(&format!("{path}/payments"), t, json!({"amount_cents": 100}))
        .await;
    assert_eq!(part.status, 201, "{}", part.body);
    assert_eq!(
        (
            part.body["status"].as_str(),
            part.body["paid_cents"].as_i64()
        ),
        (Some("issued"), Some(100))
    );
    app.post(&format!("{path}/payments"), t, json!({"amount_cents": 0}))
        .await
        .expect(422, "invalid");
    let rest = app
        .post(
            &format!("{path}/payments"),
            t,
            json!({"amount_cents": 21, "method": "bank transfer"}),
        )
        .await;
    assert_eq!(
        (
            rest.body["status"].as_str(),
            rest.body["paid_cents"].as_i64()
        ),
        (Some("paid"), Some(121))
    );
    assert_eq!(rest.body["payments"].as_array().unwrap().len(), 2);

    let report = app.get("/api/reports/revenue", t).await;
    let month = &report.body["months"][0];
    assert_eq!(
        (
            month["invoiced_cents"].as_i64(),
            month["paid_cents"].as_i64()
        ),
        (Some(121), Some(121))
    );
}

async fn invoice_roles_and_isolation() {
    let app = spawn_app().await;
    let (owner, company) = app.signup("Acme", "ann@acme.example").await;
    let (other, _) = app.signup("Bolt", "bob@bolt.example").await;
    let sales = app
        .member_token(&company, "sal@acme.example", Role::Sales)
        .await;
    let finance = app
        .member_token(&company, "fin@acme.example", Role::Finance)
        .await;
    app.get("/api/invoices", Some(&sales))
        .await
        .expect(403, "forbidden");
    let created = app
        .post("/api/invoices", Some(&finance), json!({"lines": lines()}))
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let list = app.get("/api/invoices", Some(&finance)).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.get("/api/reports/revenue", Some(&finance)).await.status,
        200
    );
    app.patch(
        "/api/company/invoicing",
        Some(&finance),
        json!({"legal_name": "X"}),
    )
    .await
    .expect(403, "forbidden");
    let path = format!("/api/invoices/{}", created.body["id"].as_str().unwrap());
    app.get(&path, Some(&other)).await.expect(404, "not_found");
    app.patch(&path, Some(&other), json!({"notes": "x"}))
        .await
        .expect(404, "not_found");
    app.post(&format!("{path}/issue"), Some(&other), json!({}))
        .await
        .expect(404, "not_found");
    assert_eq!(app.get(&path, Some(&owner)).await.status, 200);
}

silo_testkit::backend_tests!(
    forty_concurrent_issues_get_forty_numbers_without_gaps,
    issued_invoice_is_locked_and_paid_in_two_parts,
    invoice_roles_and_isolation,
);
