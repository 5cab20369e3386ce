#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! Invoices a Dutch agency can send, over HTTP on both backends: issuing waits for the
//! details Article 35a and Peppol require and keeps the buyer as issued; credit notes with
//! their own gap-free numbers; payments never above the balance, reversible; the PDF and the
//! UBL e-invoice (read back with pdftotext and checked with the official Peppol rules); the
//! invoice mail with its attachments, and reminders once per step.

use crate::common;

use common::*;
use serde_json::{Value, json};
use silo_domain::deliveries;
use silo_domain::input::Date;
use silo_mail::MailSettings;
use silo_server::ServerConfig;
use silo_tenancy::PoolSettings;
use silo_testkit::smtp::{SmtpServer, free_port, python};
use silo_worker::{Nudge, Worker, WorkerConfig, WorkerMetrics, webhook};
use std::path::PathBuf;
use std::sync::Arc;

/// The seller's details an invoice needs before it is issued.
pub fn seller_details() -> Value {
    json!({"legal_name": "Acme Digital B.V.", "street": "Keizersgracht 1", "postcode": "1015 AA",
           "city": "Amsterdam", "country": "NL", "kvk_number": "12345678",
           "vat_id": "NL004495445B01", "iban": "NL91ABNA0417164300",
           "email": "billing@acme.example"})
}

/// A Dutch client with every detail an invoice needs.
pub fn client_details(name: &str) -> Value {
    json!({"name": name, "legal_name": format!("{name} B.V."), "street": "Stationsplein 2",
           "postcode": "3511 ED", "city": "Utrecht", "country": "NL", "kvk_number": "87654321",
           "vat_id": "NL000099998B57", "invoice_email": "ap@client.example"})
}

/// Sets the company's invoicing details and creates a complete client; the client's id.
pub async fn ready_to_invoice(app: &TestApp, token: &str) -> String {
    let r = app
        .patch("/api/company/invoicing", Some(token), seller_details())
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .post("/api/accounts", Some(token), client_details("Globex"))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

fn lines() -> Value {
    json!([
        {"description": "Website design", "quantity": 12.5, "unit_cents": 9500, "vat_rate_bp": 2100},
        {"description": "Hosting (year)", "quantity": 1, "unit_cents": 24000, "vat_rate_bp": 2100},
        {"description": "Printed guide", "quantity": 3, "unit_cents": 1500, "vat_rate_bp": 900},
        {"description": "Export fee", "quantity": 1, "unit_cents": 500, "vat_rate_bp": 0},
    ])
}

/// A draft for `account` with [`lines`], issued on `date`: the invoice.
async fn issued(app: &TestApp, token: &str, account: &str, date: &str) -> Value {
    let draft = app
        .post(
            "/api/invoices",
            Some(token),
            json!({"account_id": account, "lines": lines()}),
        )
        .await;
    assert_eq!(draft.status, 201, "{}", draft.body);
    let id = draft.body["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/invoices/{id}/issue"),
            Some(token),
            json!({"issue_date": date}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

fn fields(r: &Reply) -> Vec<String> {
    let mut f: Vec<String> = r.body["error"]["fields"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    f.sort();
    f
}

async fn issuing_waits_for_complete_details_and_keeps_the_buyer() {
    let app = spawn_app().await;
    let (t, _) = app.signup("Acme", "ann@acme.example").await;
    let t = t.as_str();
    let draft = app
        .post("/api/invoices", Some(t), json!({"lines": lines()}))
        .await;
    let id = draft.body["id"].as_str().unwrap().to_owned();
    let path = format!("/api/invoices/{id}");

    // Nothing is known yet: the seller's details and a client are missing.
    let ready = app.get(&format!("{path}/readiness"), Some(t)).await;
    assert_eq!(ready.body["ready"], false, "{}", ready.body);
    let missing: Vec<&str> = ready.body["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for field in [
        "account_id",
        "seller.legal_name",
        "seller.street",
        "seller.postcode",
        "seller.city",
        "seller.country",
        "seller.kvk_number",
        "seller.vat_id",
        "seller.iban",
    ] {
        assert!(missing.contains(&field), "{field} in {missing:?}");
    }
    let refused = app.post(&format!("{path}/issue"), Some(t), json!({})).await;
    refused.expect(422, "invalid");
    assert_eq!(
        fields(&refused),
        missing.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    );
    assert_eq!(
        refused.body["error"]["problems"]["seller.kvk_number"]["code"], "missing_detail",
        "{}",
        refused.body
    );
    // Refused means unchanged: still a draft without a number, and no number was used.
    let still = app.get(&path, Some(t)).await;
    assert_eq!(
        (&still.body["status"], &still.body["number"]),
        (&json!("draft"), &Value::Null)
    );

    // The seller's details, then a client with only a name: its address is what is missing.
    app.patch("/api/company/invoicing", Some(t), seller_details())
        .await
        .expect(200, "");
    let bare = app
        .post("/api/accounts", Some(t), json!({"name": "Globex"}))
        .await;
    let account = bare.body["id"].as_str().unwrap().to_owned();
    app.patch(&path, Some(t), json!({"account_id": account}))
        .await
        .expect(200, "");
    let refused = app.post(&format!("{path}/issue"), Some(t), json!({})).await;
    refused.expect(422, "invalid");
    assert_eq!(
        fields(&refused),
        [
            "buyer.city",
            "buyer.country",
            "buyer.peppol_id",
            "buyer.postcode",
            "buyer.street"
        ],
        "without a country, only a Peppol id would reach the client"
    );
    // A Dutch client is reached on Peppol by its KvK number (or a Peppol id or VAT id).
    app.patch(
        &format!("/api/accounts/{account}"),
        Some(t),
        json!({"street": "Stationsplein 2", "postcode": "3511 ED", "city": "Utrecht", "country": "nl"}),
    )
    .await
    .expect(200, "");
    let refused = app.post(&format!("{path}/issue"), Some(t), json!({})).await;
    assert_eq!(fields(&refused), ["buyer.kvk_number"]);
    // Field rules: a wrong VAT check digit, an unknown country, a Peppol id without scheme.
    let bad = app
        .patch(
            &format!("/api/accounts/{account}"),
            Some(t),
            json!({"vat_id": "NL123456789B01", "country": "XX", "peppol_id": "12345678"}),
        )
        .await;
    bad.expect(422, "invalid");
    assert_eq!(fields(&bad), ["country", "peppol_id", "vat_id"]);
    let client = app
        .patch(
            &format!("/api/accounts/{account}"),
            Some(t),
            client_details("Globex"),
        )
        .await;
    assert_eq!(client.body["country"], "NL");
    assert_eq!(client.body["vat_id"], "NL000099998B57");
    assert_eq!(
        app.get(&format!("{path}/readiness"), Some(t)).await.body,
        json!({"ready": true, "missing": []})
    );

    let issued = app
        .post(
            &format!("{path}/issue"),
            Some(t),
            json!({"issue_date": "2026-03-02"}),
        )
        .await;
    assert_eq!(issued.status, 200, "{}", issued.body);
    let year_number = issued.body["number"].as_str().unwrap().to_owned();
    assert_eq!(year_number, "2026-0001");
    assert_eq!(issued.body["payment_reference"], "2026-0001");
    assert_eq!(issued.body["language"], "nl");
    assert_eq!(issued.body["buyer"]["legal_name"], "Globex B.V.");
    assert_eq!(issued.body["seller"]["city"], "Amsterdam");

    // The client moves and the seller renames: the issued invoice keeps what it was issued with.
    app.patch(
        &format!("/api/accounts/{account}"),
        Some(t),
        json!({"street": "Nieuwe Weg 9", "city": "Zwolle", "legal_name": "Globex Holding B.V."}),
    )
    .await
    .expect(200, "");
    app.patch(
        "/api/company/invoicing",
        Some(t),
        json!({"legal_name": "Acme Renamed B.V."}),
    )
    .await
    .expect(200, "");
    let kept = app.get(&path, Some(t)).await.body;
    assert_eq!(kept["buyer"]["street"], "Stationsplein 2");
    assert_eq!(kept["buyer"]["city"], "Utrecht");
    assert_eq!(kept["buyer"]["legal_name"], "Globex B.V.");
    assert_eq!(kept["seller"]["legal_name"], "Acme Digital B.V.");
    app.get(&format!("{path}/readiness"), Some(t))
        .await
        .expect(409, "invalid_transition");

    // Drafts can be deleted; issued invoices cannot (they are corrected by credit notes).
    app.delete(&path, Some(t))
        .await
        .expect(409, "invoice_locked");
    let other = app
        .post("/api/invoices", Some(t), json!({"account_id": account}))
        .await;
    let other_path = format!("/api/invoices/{}", other.body["id"].as_str().unwrap());
    assert_eq!(app.delete(&other_path, Some(t)).await.status, 204);
    app.get(&other_path, Some(t)).await.expect(404, "not_found");
    // Listing by client and status.
    let listed = app
        .get(
            &format!("/api/invoices?account_id={account}&status=issued"),
            Some(t),
        )
        .await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    let none = app.get("/api/invoices?status=draft", Some(t)).await;
    assert_eq!(none.body["items"], json!([]));
}

async fn reverse_charge_needs_an_eu_business_and_carries_no_vat() {
    let app = spawn_app().await;
    let (t, _) = app.signup("Acme", "ann@acme.example").await;
    let t = t.as_str();
    app.patch("/api/company/invoicing", Some(t), seller_details())
        .await
        .expect(200, "");
    let de = app
        .post(
            "/api/accounts",
            Some(t),
            json!({"name": "Muster", "legal_name": "Muster GmbH", "street": "Hauptstr. 5",
                   "postcode": "10115", "city": "Berlin", "country": "DE", "language": "en"}),
        )
        .await;
    let account = de.body["id"].as_str().unwrap();
    // VAT on a reverse-charged line is refused where it is sent.
    let bad = app
        .post(
            "/api/invoices",
            Some(t),
            json!({"account_id": account, "reverse_charge": true,
                   "lines": [{"description": "x", "unit_cents": 100, "vat_rate_bp": 2100}]}),
        )
        .await;
    bad.expect(422, "invalid");
    assert_eq!(fields(&bad), ["lines[0].vat_rate_bp"]);
    let draft = app
        .post(
            "/api/invoices",
            Some(t),
            json!({"account_id": account, "reverse_charge": true,
                   "lines": [{"description": "Campaign", "quantity": 2, "unit_cents": 50_000}]}),
        )
        .await;
    assert_eq!(draft.body["vat_cents"], 0, "{}", draft.body);
    let id = draft.body["id"].as_str().unwrap();
    let refused = app
        .post(&format!("/api/invoices/{id}/issue"), Some(t), json!({}))
        .await;
    assert_eq!(fields(&refused), ["buyer.vat_id"], "{}", refused.body);
    app.patch(
        &format!("/api/accounts/{account}"),
        Some(t),
        json!({"vat_id": "DE123456789"}),
    )
    .await
    .expect(200, "");
    let issued = app
        .post(&format!("/api/invoices/{id}/issue"), Some(t), json!({}))
        .await;
    assert_eq!(issued.status, 200, "{}", issued.body);
    assert_eq!(issued.body["language"], "en");
    assert_eq!(issued.body["reverse_charge"], true);
}

async fn credit_notes_net_the_balance_with_their_own_numbers() {
    let app = spawn_app().await;
    let (t, _) = app.signup("Acme", "ann@acme.example").await;
    let t = t.as_str();
    let account = ready_to_invoice(&app, t).await;
    let inv = issued(&app, t, &account, "2026-04-01").await;
    let id = inv["id"].as_str().unwrap();
    let total = inv["total_cents"].as_i64().unwrap();

    // A partial credit: one hour of design at 21 %.
    let part = app
        .post(
            &format!("/api/invoices/{id}/credit-notes"),
            Some(t),
            json!({"reason": "One hour too many", "issue_date": "2026-04-10",
                   "lines": [{"description": "Website design", "quantity": 1, "unit_cents": 9500, "vat_rate_bp": 2100}]}),
        )
        .await;
    assert_eq!(part.status, 201, "{}", part.body);
    assert_eq!(part.body["number"], "CN-2026-0001");
    assert_eq!(part.body["invoice_number"], inv["number"]);
    assert_eq!(part.body["total_cents"], -11495);
    assert_eq!(part.body["lines"][0]["net_cents"], -9500);
    let after = app.get(&format!("/api/invoices/{id}"), Some(t)).await.body;
    assert_eq!(after["credited_cents"], 11495);
    assert_eq!(after["open_cents"], total - 11495);
    assert_eq!(after["status"], "issued");
    assert_eq!(after["credit_notes"][0]["total_cents"], -11495);

    // A rate the invoice does not have, an empty list, more than is left: refused, unchanged.
    let bad = app
        .post(
            &format!("/api/invoices/{id}/credit-notes"),
            Some(t),
            json!({"reason": "x", "lines": [{"description": "y", "unit_cents": 100, "vat_rate_bp": 600}]}),
        )
        .await;
    assert_eq!(fields(&bad), ["lines[0].vat_rate_bp"]);
    let bad = app
        .post(
            &format!("/api/invoices/{id}/credit-notes"),
            Some(t),
            json!({"reason": "x", "lines": []}),
        )
        .await;
    assert_eq!(fields(&bad), ["lines"]);
    app.post(
        &format!("/api/invoices/{id}/credit-notes"),
        Some(t),
        json!({"reason": "x", "lines": [{"description": "all", "quantity": 100, "unit_cents": 9500, "vat_rate_bp": 2100}]}),
    )
    .await
    .expect(409, "credit_exceeds_invoice");

    // The rest in full: the invoice is credited, nothing is open, nothing more can be credited.
    let rest = app
        .post(
            &format!("/api/invoices/{id}/credit-notes"),
            Some(t),
            json!({"reason": "Project cancelled"}),
        )
        .await;
    assert_eq!(rest.status, 201, "{}", rest.body);
    assert_eq!(rest.body["number"], "CN-2026-0002");
    assert_eq!(rest.body["total_cents"], -(total - 11495));
    let done = app.get(&format!("/api/invoices/{id}"), Some(t)).await.body;
    assert_eq!(
        (
            &done["status"],
            &done["open_cents"],
            &done["credited_cents"]
        ),
        (&json!("credited"), &json!(0), &json!(total))
    );
    app.post(
        &format!("/api/invoices/{id}/credit-notes"),
        Some(t),
        json!({"reason": "again"}),
    )
    .await
    .expect(409, "credit_exceeds_invoice");
    app.post(
        &format!("/api/invoices/{id}/payments"),
        Some(t),
        json!({"amount_cents": 1}),
    )
    .await
    .expect(409, "invalid_transition");
    let credited = app.get("/api/invoices?status=credited", Some(t)).await;
    assert_eq!(credited.body["items"].as_array().unwrap().len(), 1);

    // Under concurrency the series stays gap-free: twenty full credits at once.
    let mut ids = Vec::new();
    for _ in 0..20 {
        ids.push(
            issued(&app, t, &account, "2026-05-01").await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let requests = ids
        .iter()
        .map(|id| {
            app.post_request(
                &format!("/api/invoices/{id}/credit-notes"),
                t,
                json!({"reason": "Cancelled", "issue_date": "2026-05-02"}),
            )
        })
        .collect();
    let mut numbers: Vec<String> = send_all(requests)
        .await
        .into_iter()
        .map(|r| {
            assert_eq!(r.status, 201, "{}", r.body);
            r.body["number"].as_str().unwrap().to_owned()
        })
        .collect();
    numbers.sort();
    let expected: Vec<String> = (3..=22).map(|n| format!("CN-2026-{n:04}")).collect();
    assert_eq!(numbers, expected);
    let listed = app
        .get(&format!("/api/credit-notes?invoice_id={id}"), Some(t))
        .await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 2);

    // A draft is not credited; another company's invoice does not exist.
    let draft = app
        .post("/api/invoices", Some(t), json!({"account_id": account}))
        .await;
    app.post(
        &format!(
            "/api/invoices/{}/credit-notes",
            draft.body["id"].as_str().unwrap()
        ),
        Some(t),
        json!({"reason": "x"}),
    )
    .await
    .expect(409, "invalid_transition");
    let (other, _) = app.signup("Bolt", "bob@bolt.example").await;
    app.post(
        &format!("/api/invoices/{id}/credit-notes"),
        Some(&other),
        json!({"reason": "x"}),
    )
    .await
    .expect(404, "not_found");
    app.get(
        &format!("/api/credit-notes/{}", part.body["id"].as_str().unwrap()),
        Some(&other),
    )
    .await
    .expect(404, "not_found");
}

async fn payments_stay_within_the_balance_and_reversals_restore_it() {
    let app = spawn_app().await;
    let (t, _) = app.signup("Acme", "ann@acme.example").await;
    let t = t.as_str();
    let account = ready_to_invoice(&app, t).await;
    let inv = issued(&app, t, &account, "2026-06-01").await;
    let id = inv["id"].as_str().unwrap();
    let total = inv["total_cents"].as_i64().unwrap();
    let pay = format!("/api/invoices/{id}/payments");

    let over = app
        .post(&pay, Some(t), json!({"amount_cents": 5_000_000}))
        .await;
    over.expect(409, "payment_exceeds_balance");
    assert!(
        app.get(&format!("/api/invoices/{id}"), Some(t)).await.body["payments"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let part = app
        .post(
            &pay,
            Some(t),
            json!({"amount_cents": 10_000, "method": "bank transfer", "reference": "TRX-1", "paid_at": "2026-06-05"}),
        )
        .await;
    assert_eq!(part.status, 201, "{}", part.body);
    assert_eq!(part.body["open_cents"], total - 10_000);
    let rest = app
        .post(&pay, Some(t), json!({"amount_cents": total - 10_000}))
        .await;
    assert_eq!(rest.body["status"], "paid", "{}", rest.body);
    assert_eq!(rest.body["open_cents"], 0);

    // The first payment bounced: reversed, it stays listed, the invoice is open again.
    let first = part.body["payments"][0]["id"].as_str().unwrap();
    let reversed = app
        .post(
            &format!("{pay}/{first}/reverse"),
            Some(t),
            json!({"reason": "Bounced"}),
        )
        .await;
    assert_eq!(reversed.status, 200, "{}", reversed.body);
    assert_eq!(
        (
            &reversed.body["status"],
            &reversed.body["open_cents"],
            &reversed.body["paid_cents"]
        ),
        (&json!("issued"), &json!(10_000), &json!(total - 10_000))
    );
    assert_eq!(reversed.body["paid_at"], Value::Null);
    let payments = reversed.body["payments"].as_array().unwrap();
    assert_eq!(payments.len(), 2);
    assert_eq!(payments[0]["reference"], "TRX-1");
    assert_eq!(payments[0]["reversal_reason"], "Bounced");
    assert!(payments[0]["reversed_at"].is_string());
    assert_eq!(payments[1]["reversed_at"], Value::Null);
    app.post(&format!("{pay}/{first}/reverse"), Some(t), json!({}))
        .await
        .expect(409, "invalid_transition");
    app.post(
        &format!("{pay}/{}/reverse", uuid::Uuid::now_v7()),
        Some(t),
        json!({}),
    )
    .await
    .expect(404, "not_found");

    // Paying more than is open, on purpose: recorded as an overpayment.
    let overpaid = app
        .post(
            &pay,
            Some(t),
            json!({"amount_cents": 12_000, "allow_overpayment": true}),
        )
        .await;
    assert_eq!(overpaid.status, 201, "{}", overpaid.body);
    assert_eq!(
        (&overpaid.body["status"], &overpaid.body["overpaid_cents"]),
        (&json!("paid"), &json!(2_000))
    );
    // Payments at once never settle more than is open: each checks the balance the others
    // leave (the invoice row is locked for the change).
    let other = issued(&app, t, &account, "2026-06-02").await;
    let other_id = other["id"].as_str().unwrap();
    let open = other["open_cents"].as_i64().unwrap();
    let racing = (0..8)
        .map(|_| {
            app.post_request(
                &format!("/api/invoices/{other_id}/payments"),
                t,
                json!({"amount_cents": open}),
            )
        })
        .collect();
    let answers = send_all(racing).await;
    assert_eq!(answers.iter().filter(|r| r.status == 201).count(), 1);
    assert!(answers.iter().all(|r| r.status == 201 || r.status == 409));
    let settled = app
        .get(&format!("/api/invoices/{other_id}"), Some(t))
        .await
        .body;
    assert_eq!(
        (
            &settled["paid_cents"],
            &settled["overpaid_cents"],
            &settled["payments"].as_array().unwrap().len()
        ),
        (&json!(open), &json!(0), &1)
    );
    // Likewise full credit notes at once: one of them.
    let third = issued(&app, t, &account, "2026-06-03").await;
    let third_id = third["id"].as_str().unwrap();
    let racing = (0..6)
        .map(|_| {
            app.post_request(
                &format!("/api/invoices/{third_id}/credit-notes"),
                t,
                json!({"reason": "Twice?"}),
            )
        })
        .collect();
    let answers = send_all(racing).await;
    assert_eq!(
        answers.iter().filter(|r| r.status == 201).count(),
        1,
        "{:?}",
        answers.iter().map(|r| r.body.clone()).collect::<Vec<_>>()
    );
    let credited = app
        .get(&format!("/api/invoices/{third_id}"), Some(t))
        .await
        .body;
    assert_eq!(credited["credited_cents"], third["total_cents"]);

    // The report counts what stands: the reversed payment is left out.
    let report = app.get("/api/reports/revenue", Some(t)).await.body;
    let paid: i64 = report["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["paid_cents"].as_i64().unwrap())
        .sum();
    assert_eq!(paid, total - 10_000 + 12_000 + open, "{report}");
}

/// An issued invoice's file at `path`: the content type and the bytes.
async fn download(app: &TestApp, token: &str, path: &str) -> (u16, String, Vec<u8>) {
    let r = app
        .client
        .get(format!("{}{path}", app.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let kind = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, kind, r.bytes().await.unwrap().to_vec())
}

fn cache_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("peppol-compiled")
}

async fn documents_carry_every_required_field_and_pass_peppol() {
    let app = spawn_app().await;
    let (t, _) = app.signup("Acme", "ann@acme.example").await;
    let t = t.as_str();
    let account = ready_to_invoice(&app, t).await;
    let draft = app
        .post(
            "/api/invoices",
            Some(t),
            json!({"account_id": account, "lines": lines()}),
        )
        .await;
    let draft_id = draft.body["id"].as_str().unwrap();
    let (status, _, _) = download(&app, t, &format!("/api/invoices/{draft_id}/pdf")).await;
    assert_eq!(status, 409, "a draft has no document");
    app.patch(
        &format!("/api/invoices/{draft_id}"),
        Some(t),
        json!({"supply_date": "2026-02-27"}),
    )
    .await
    .expect(200, "");
    let inv = app
        .post(
            &format!("/api/invoices/{draft_id}/issue"),
            Some(t),
            json!({"issue_date": "2026-03-02"}),
        )
        .await
        .body;
    let id = inv["id"].as_str().unwrap();

    let (status, kind, pdf) = download(&app, t, &format!("/api/invoices/{id}/pdf")).await;
    assert_eq!((status, kind.as_str()), (200, "application/pdf"));
    assert!(pdf.starts_with(b"%PDF"));
    let text = silo_testkit::documents::pdf_text(&pdf);
    // Article 35a: both parties with addresses and VAT numbers, KvK, number and date, supply
    // date, lines, VAT per rate with its base, totals, terms, IBAN and reference.
    for expected in [
        "Acme Digital B.V.",
        "Keizersgracht 1",
        "1015 AA",
        "NL004495445B01",
        "12345678",
        "Globex B.V.",
        "Stationsplein 2",
        "3511 ED",
        "Utrecht",
        "NL000099998B57",
        "2026-0001",
        "2 maart 2026",
        "27 februari 2026",
        "Website design",
        "12,5",
        "€ 95,00",
        "21%",
        "9%",
        "NL91",
        "Factuurdatum",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    let total = silo_domain::invoice_documents::amount(
        inv["total_cents"].as_i64().unwrap(),
        "EUR",
        silo_domain::parties::Language::Nl,
    );
    assert!(text.contains(&total), "{total} in:\n{text}");
    assert!(
        !text.to_lowercase().contains("betaald"),
        "no status on the client's copy"
    );
    let (_, _, again) = download(&app, t, &format!("/api/invoices/{id}/pdf")).await;
    assert_eq!(pdf, again, "the same invoice renders to the same bytes");

    // Every e-invoice shape the API produces passes the official rules: standard with
    // several rates (21, 9 and 0 %), a credit note, and reverse charge to a German business.
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let (_, kind, xml) = download(&app, t, &format!("/api/invoices/{id}/ubl")).await;
    assert_eq!(kind, "application/xml");
    files.push(("invoice.xml", xml));
    let note = app
        .post(
            &format!("/api/invoices/{id}/credit-notes"),
            Some(t),
            json!({"reason": "Guide not delivered",
                   "lines": [{"description": "Printed guide", "quantity": 3, "unit_cents": 1500, "vat_rate_bp": 900}]}),
        )
        .await;
    let note_id = note.body["id"].as_str().unwrap();
    let (status, _, note_pdf) =
        download(&app, t, &format!("/api/credit-notes/{note_id}/pdf")).await;
    assert_eq!(status, 200);
    let note_text = silo_testkit::documents::pdf_text(&note_pdf);
    assert!(note_text.contains("CN-2026-0001") && note_text.contains("2026-0001"));
    files.push((
        "credit-note.xml",
        download(&app, t, &format!("/api/credit-notes/{note_id}/ubl"))
            .await
            .2,
    ));
    let de = app
        .post(
            "/api/accounts",
            Some(t),
            json!({"name": "Muster", "legal_name": "Muster GmbH", "street": "Hauptstr. 5",
                   "postcode": "10115", "city": "Berlin", "country": "DE",
                   "vat_id": "DE123456789", "language": "en"}),
        )
        .await;
    let rc = app
        .post(
            "/api/invoices",
            Some(t),
            json!({"account_id": de.body["id"], "reverse_charge": true,
                   "lines": [{"description": "Campaign", "quantity": 2, "unit_cents": 50_000},
                             {"description": "Report", "quantity": 1, "unit_cents": 7_500}]}),
        )
        .await;
    let rc_id = rc.body["id"].as_str().unwrap();
    let r = app
        .post(&format!("/api/invoices/{rc_id}/issue"), Some(t), json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let (_, _, rc_pdf) = download(&app, t, &format!("/api/invoices/{rc_id}/pdf")).await;
    let rc_text = silo_testkit::documents::pdf_text(&rc_pdf);
    assert!(rc_text.contains("VAT reverse charged"), "{rc_text}");
    assert!(
        rc_text.contains("Invoice date"),
        "English for an English client"
    );
    files.push((
        "reverse-charge.xml",
        download(&app, t, &format!("/api/invoices/{rc_id}/ubl"))
            .await
            .2,
    ));
    let paths: Vec<PathBuf> = files
        .iter()
        .map(|(name, bytes)| {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            path
        })
        .collect();
    if let Some((ok, said)) = silo_testkit::documents::validate_ubl(&paths, &cache_dir()) {
        assert!(ok, "the Peppol rules refused a document:\n{said}");
    }

    // Another company's invoice has no documents for this one.
    let (other, _) = app.signup("Bolt", "bob@bolt.example").await;
    let (status, _, _) = download(&app, &other, &format!("/api/invoices/{id}/pdf")).await;
    assert_eq!(status, 404);
}

/// The attachments' file names in a raw message.
fn attachment_names(message: &str) -> Vec<String> {
    message
        .split("filename=")
        .skip(1)
        .map(|rest| {
            rest.trim_start_matches('"')
                .split(['"', '\r', '\n', ';'])
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

async fn sending_mails_the_documents_and_reminders_go_once_per_step() {
    let app = spawn_app().await;
    let (t, company) = app.signup("Acme", "ann@acme.example").await;
    let t = t.as_str();
    let account = ready_to_invoice(&app, t).await;
    let inv = issued(&app, t, &account, "2026-01-05").await;
    let id = inv["id"].as_str().unwrap();

    let queued = app
        .post(&format!("/api/invoices/{id}/send"), Some(t), json!({}))
        .await;
    assert_eq!(queued.status, 202, "{}", queued.body);
    assert_eq!(
        (
            &queued.body["kind"],
            &queued.body["to"],
            &queued.body["state"]
        ),
        (
            &json!("invoice"),
            &json!("ap@client.example"),
            &json!("queued")
        )
    );
    eventually("the invoice mail goes out", || async {
        app.get(&format!("/api/invoices/{id}"), Some(t)).await.body["deliveries"][0]["state"]
            == "sent"
    })
    .await;
    let mails = app.mails_to("ap@client.example");
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0].contains("Factuur 2026-0001 van Acme Digital B.V."),
        "{}",
        mails[0]
    );
    assert_eq!(
        attachment_names(&mails[0]),
        ["2026-0001.pdf", "2026-0001.xml"]
    );
    assert!(app.get(&format!("/api/invoices/{id}"), Some(t)).await.body["sent_at"].is_string());

    // A draft is not sent.
    let bare = app
        .post("/api/accounts", Some(t), json!({"name": "No mail"}))
        .await;
    let draft = app
        .post(
            "/api/invoices",
            Some(t),
            json!({"account_id": bare.body["id"]}),
        )
        .await;
    app.post(
        &format!("/api/invoices/{}/send", draft.body["id"].as_str().unwrap()),
        Some(t),
        json!({}),
    )
    .await
    .expect(409, "invalid_transition");

    // Reminders 7, 14 and 30 days after the due date (2026-02-04: 30 days' terms).
    app.patch(
        "/api/company/invoicing",
        Some(t),
        json!({"reminder_days": [7, 14, 30]}),
    )
    .await
    .expect(200, "");
    app.patch(
        "/api/company/invoicing",
        Some(t),
        json!({"reminder_days": [14, 7]}),
    )
    .await
    .expect(422, "invalid");
    let db = app.tenant_db(&company).await;
    let day = |d: &str| Date::parse(d).unwrap();
    assert_eq!(
        deliveries::queue_due_reminders(&db, day("2026-02-10"))
            .await
            .unwrap(),
        0
    );
    // 20 days late: the 14-day step (the 7-day one it passed is not sent late), once.
    assert_eq!(
        deliveries::queue_due_reminders(&db, day("2026-02-24"))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        deliveries::queue_due_reminders(&db, day("2026-02-24"))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        deliveries::queue_due_reminders(&db, day("2026-03-01"))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        deliveries::queue_due_reminders(&db, day("2026-03-06"))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        deliveries::queue_due_reminders(&db, day("2026-12-31"))
            .await
            .unwrap(),
        0
    );
    // One on demand as well.
    let now = app
        .post(&format!("/api/invoices/{id}/remind"), Some(t), json!({}))
        .await;
    assert_eq!(now.status, 202, "{}", now.body);
    eventually("every reminder goes out", || async {
        let d = app.get(&format!("/api/invoices/{id}"), Some(t)).await.body["deliveries"].clone();
        d.as_array().unwrap().len() == 4
            && d.as_array().unwrap().iter().all(|d| d["state"] == "sent")
    })
    .await;
    let steps: Vec<Value> =
        app.get(&format!("/api/invoices/{id}"), Some(t)).await.body["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["step"].clone())
            .collect();
    assert_eq!(steps, [json!(null), json!(14), json!(30), json!(null)]);
    let mails = app.mails_to("ap@client.example");
    assert_eq!(mails.len(), 4);
    assert_eq!(
        mails
            .iter()
            .filter(|m| m.contains("Herinnering: factuur 2026-0001"))
            .count(),
        3
    );

    // Paid: no more reminders, and none on demand.
    let open = app.get(&format!("/api/invoices/{id}"), Some(t)).await.body["open_cents"].clone();
    app.post(
        &format!("/api/invoices/{id}/payments"),
        Some(t),
        json!({"amount_cents": open}),
    )
    .await
    .expect(201, "");
    app.post(&format!("/api/invoices/{id}/remind"), Some(t), json!({}))
        .await
        .expect(409, "invalid_transition");
    app.patch(
        "/api/company/invoicing",
        Some(t),
        json!({"reminder_days": [7, 14, 30, 60]}),
    )
    .await
    .expect(200, "");
    assert_eq!(
        deliveries::queue_due_reminders(&db, day("2026-04-10"))
            .await
            .unwrap(),
        0
    );
}

async fn invoice_mail_goes_through_smtp_with_its_documents() {
    let Some(python) = python() else { return };
    // The server runs no worker: the invoice mail waits in the company's jobs until the
    // worker below, which has an SMTP server, sends it.
    let app = spawn_with(ServerConfig {
        worker: None,
        ..ServerConfig::default()
    })
    .await;
    let (t, company) = app.signup("Acme", "ann@acme.example").await;
    let t = t.as_str();
    let account = ready_to_invoice(&app, t).await;
    let inv = issued(&app, t, &account, "2026-03-02").await;
    let id = inv["id"].as_str().unwrap();
    let queued = app
        .post(
            &format!("/api/invoices/{id}/send"),
            Some(t),
            json!({"to": "finance@globex.example"}),
        )
        .await;
    assert_eq!(queued.status, 202, "{}", queued.body);

    // The SMTP server is down at first and the worker gives up after one attempt: the
    // delivery shows failed. Retried by hand once the server is up, it goes out.
    let port = free_port();
    let tenancy = Arc::new(app.storage.open(PoolSettings::default()).await);
    let worker = Arc::new(
        Worker::new(
            tenancy,
            quick(WorkerConfig {
                max_attempts: 1,
                ..WorkerConfig::default()
            }),
            Nudge::default(),
            Arc::new(WorkerMetrics::unregistered()),
            webhook::Sender::new(webhook::WebhookSettings::default()),
        )
        .with_mailer(
            silo_mail::Mailer::start(MailSettings {
                smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
                from: "Silo <silo@example.org>".into(),
                dir: app.storage.dir.path().join("worker-mail"),
            })
            .unwrap(),
        ),
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(worker.run(async {
        let _ = stopped.await;
    }));
    let state = || async {
        app.get(&format!("/api/invoices/{id}"), Some(t)).await.body["deliveries"][0]["state"]
            .clone()
    };
    eventually("the delivery fails", || async { state().await == "failed" }).await;
    let server = SmtpServer::start(&python, port, &app.storage.dir.path().join("smtp")).await;
    let db = app.tenant_db(&company).await;
    let job: uuid::Uuid = db
        .db()
        .fetch_one("SELECT id FROM jobs WHERE kind = 'invoice.mail'", &[])
        .await
        .unwrap()
        .get("id")
        .unwrap();
    silo_domain::jobs::retry(&db, job).await.unwrap();
    app.tenancy
        .control()
        .wake(company.parse().unwrap(), silo_store::Timestamp::now())
        .await
        .unwrap();
    eventually("the invoice mail arrives", || async {
        !server.received().is_empty()
    })
    .await;
    eventually("it is marked sent", || async { state().await == "sent" }).await;
    stop.send(()).unwrap();
    running.await.unwrap();
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, ["finance@globex.example"]);
    let text = received[0].text();
    assert_eq!(attachment_names(&text), ["2026-0001.pdf", "2026-0001.xml"]);
    assert!(text.contains("Content-Type: application/pdf"), "{text}");
    assert!(
        received[0]
            .header("Subject")
            .is_some_and(|s| s.contains("2026-0001")),
        "{text}"
    );
}

silo_testkit::backend_tests!(
    invoice_mail_goes_through_smtp_with_its_documents,
    issuing_waits_for_complete_details_and_keeps_the_buyer,
    reverse_charge_needs_an_eu_business_and_carries_no_vat,
    credit_notes_net_the_balance_with_their_own_numbers,
    payments_stay_within_the_balance_and_reversals_restore_it,
    documents_carry_every_required_field_and_pass_peppol,
    sending_mails_the_documents_and_reminders_go_once_per_step,
);
