#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! Reports and the company logo over HTTP on both backends: revenue per month with credit
//! notes, payments, open and overdue amounts; top clients; the CSV of each; the logo stored in
//! the company's own database, checked by its header.

use crate::billing::ready_to_invoice;
use crate::common;

use common::*;
use serde_json::json;
use silo_roles::Role;

fn id(r: &Reply) -> String {
    assert!(r.status.is_success(), "{}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
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
    let deal = app
        .post(
            "/api/deals",
            t,
            json!({"title": "Website", "value_cents": 12_345, "stage": "proposal"}),
        )
        .await;
    assert_eq!(deal.status, 201, "{}", deal.body);
    let r = app.get("/api/reports/pipeline", t).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.as_array().is_some());

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
    assert!(
        text.contains("proposal,EUR,1,123.45,61.72,50.00\n"),
        "{text}"
    );

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

silo_testkit::backend_tests!(reports_with_csv, company_logo);
