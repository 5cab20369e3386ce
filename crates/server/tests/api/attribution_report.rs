#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! The attribution (reconciliation) report over HTTP: on invoices, payments and reversals made
//! through the API and `invoice_issued` conversions seeded in the tenant database (attributed,
//! unattributed, no consent, none), each currency's total equals the revenue report's paid
//! total to the cent, the rows hold the right amounts under first and last touch, and the CSV
//! and the white-label PDF carry the same figures.

use crate::billing::ready_to_invoice;
use crate::common;

use common::*;
use serde_json::{Value, json};
use silo_roles::Role;
use silo_store::params;
use std::collections::BTreeMap;

/// A source, medium and campaign.
type Touch = (&'static str, &'static str, &'static str);

const SPRING: Touch = ("google", "cpc", "spring");
const LAUNCH: Touch = ("meta", "paid_social", "launch");
const MARCH: Touch = ("newsletter", "email", "march");

/// An invoice of 1,000.00 net in `currency` for `account`, issued in January 2026: its id and
/// number.
async fn issued(app: &TestApp, t: &str, account: &str, currency: &str) -> (String, String) {
    let draft = app
        .post(
            "/api/invoices",
            Some(t),
            json!({"account_id": account, "currency": currency, "lines": [
                {"description": "Campaign", "quantity": 1, "unit_cents": 100_000, "vat_rate_bp": 2100}]}),
        )
        .await;
    assert_eq!(draft.status, 201, "{}", draft.body);
    let id = draft.body["id"].as_str().unwrap().to_owned();
    let inv = app
        .post(
            &format!("/api/invoices/{id}/issue"),
            Some(t),
            json!({"issue_date": "2026-01-05"}),
        )
        .await;
    assert_eq!(inv.status, 200, "{}", inv.body);
    (id, inv.body["number"].as_str().unwrap().to_owned())
}

/// Records a payment on `date`: the payment's id.
async fn pay(app: &TestApp, t: &str, invoice: &str, cents: i64, date: &str) -> String {
    let r = app
        .post(
            &format!("/api/invoices/{invoice}/payments"),
            Some(t),
            json!({"amount_cents": cents, "paid_at": date}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["payments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["amount_cents"] == cents && p["paid_at"].as_str().unwrap().starts_with(date))
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| panic!("payment of {cents} on {date} in {}", r.body))
}

/// Sets the attribution of an invoice's conversion of `kind`. Issuing records the conversion
/// (unattributed: these invoices' contacts have no touchpoints); the seeded attribution stands
/// for touchpoints the collection endpoint would have linked (attribution_forward.rs and
/// attribution_collect.rs test that part of the flow).
async fn conversion(
    db: &silo_store::TenantDb,
    kind: &str,
    invoice: &(String, String),
    attribution: &str,
    first: Option<Touch>,
    last: Option<Touch>,
) {
    let (f, l) = (first.unwrap_or_default(), last.unwrap_or_default());
    let or_null = |s: &'static str| (!s.is_empty()).then_some(s);
    let attributed = attribution == "attributed";
    db.db()
        .execute(
            "INSERT INTO conversions (id, kind, subject_id, attribution, first_source, \
             first_medium, first_campaign, last_source, last_medium, last_campaign, order_id, \
             value_cents, currency, analytics, ads, ad_user_data, ad_personalization, \
             occurred_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 100000, 'EUR', $12, $13, $13, \
             $13, '2026-01-05T00:00:00Z', '2026-01-05T00:00:00Z') \
             ON CONFLICT (kind, subject_id) DO UPDATE SET attribution = excluded.attribution, \
             first_source = excluded.first_source, first_medium = excluded.first_medium, \
             first_campaign = excluded.first_campaign, last_source = excluded.last_source, \
             last_medium = excluded.last_medium, last_campaign = excluded.last_campaign, \
             analytics = excluded.analytics, ads = excluded.ads, \
             ad_user_data = excluded.ad_user_data, ad_personalization = excluded.ad_personalization",
            params![
                uuid::Uuid::now_v7().to_string(),
                kind,
                invoice.0.as_str(),
                attribution,
                or_null(f.0),
                or_null(f.1),
                or_null(f.2),
                or_null(l.0),
                or_null(l.1),
                or_null(l.2),
                invoice.1.as_str(),
                attributed,
                false
            ],
        )
        .await
        .unwrap();
}

struct Seeded {
    token: String,
}

/// The sales of the scenario, paid in February and March 2026 unless said otherwise.
async fn seed(app: &TestApp) -> Seeded {
    let (token, company) = app.signup("Acme", "ann@acme.example").await;
    let t = token.as_str();
    let account = ready_to_invoice(app, t).await;
    let db = app.tenant_db(&company).await;
    // Attributed: first touch a Google campaign, last the March newsletter. Two partial
    // payments in the period, one reversed, one after it.
    let a = issued(app, t, &account, "EUR").await;
    conversion(
        &db,
        "invoice_issued",
        &a,
        "attributed",
        Some(SPRING),
        Some(MARCH),
    )
    .await;
    pay(app, t, &a.0, 10_000, "2026-02-10").await;
    pay(app, t, &a.0, 5_000, "2026-03-05").await;
    let reversed = pay(app, t, &a.0, 700, "2026-03-06").await;
    let r = app
        .post(
            &format!("/api/invoices/{}/payments/{reversed}/reverse", a.0),
            Some(t),
            json!({"reason": "bounced"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    pay(app, t, &a.0, 300, "2026-04-02").await;
    // Attributed: first touch Meta, last the same newsletter.
    let f = issued(app, t, &account, "EUR").await;
    conversion(
        &db,
        "invoice_issued",
        &f,
        "attributed",
        Some(LAUNCH),
        Some(MARCH),
    )
    .await;
    pay(app, t, &f.0, 2_000, "2026-03-03").await;
    // A form sent without analytics consent.
    let b = issued(app, t, &account, "EUR").await;
    conversion(&db, "invoice_issued", &b, "no_consent", None, None).await;
    pay(app, t, &b.0, 2_500, "2026-03-01").await;
    // No conversion at all (one before the period too); only an `invoice_paid` conversion,
    // which the report must not use.
    let c = issued(app, t, &account, "EUR").await;
    conversion(
        &db,
        "invoice_paid",
        &c,
        "attributed",
        Some(LAUNCH),
        Some(LAUNCH),
    )
    .await;
    pay(app, t, &c.0, 1_234, "2026-02-20").await;
    pay(app, t, &c.0, 999, "2026-01-15").await;
    // An unattributed conversion.
    let d = issued(app, t, &account, "EUR").await;
    conversion(&db, "invoice_issued", &d, "unattributed", None, None).await;
    pay(app, t, &d.0, 111, "2026-02-02").await;
    // Another currency.
    let e = issued(app, t, &account, "USD").await;
    conversion(
        &db,
        "invoice_issued",
        &e,
        "attributed",
        Some(SPRING),
        Some(SPRING),
    )
    .await;
    pay(app, t, &e.0, 4_321, "2026-03-10").await;
    Seeded { token }
}

/// `(kind, source, medium, campaign) -> (paid_cents, payments)` of one currency's rows.
fn rows(column: &Value) -> BTreeMap<(String, String, String, String), (i64, i64)> {
    column["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or("").to_owned();
            (
                (s("kind"), s("source"), s("medium"), s("campaign")),
                (
                    r["paid_cents"].as_i64().unwrap(),
                    r["payments"].as_i64().unwrap(),
                ),
            )
        })
        .collect()
}

fn key(kind: &str, touch: Touch) -> (String, String, String, String) {
    (kind.into(), touch.0.into(), touch.1.into(), touch.2.into())
}

fn fixed(kind: &str) -> (String, String, String, String) {
    (kind.into(), String::new(), String::new(), String::new())
}

/// The revenue report's paid total per currency for February and March 2026.
async fn finance_paid(app: &TestApp, t: &str) -> BTreeMap<String, i64> {
    let r = app
        .get("/api/reports/revenue?from=2026-02&to=2026-03", Some(t))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut paid = BTreeMap::new();
    for m in r.body["months"].as_array().unwrap() {
        *paid
            .entry(m["currency"].as_str().unwrap().to_owned())
            .or_insert(0) += m["paid_cents"].as_i64().unwrap();
    }
    paid
}

async fn report_totals_equal_the_finance_report_under_both_models() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let t = s.token.as_str();
    let finance = finance_paid(&app, t).await;
    assert_eq!(
        finance,
        BTreeMap::from([("EUR".to_owned(), 20_845), ("USD".to_owned(), 4_321)]),
        "the scenario's paid revenue in February and March"
    );

    let last = app
        .get(
            "/api/attribution/report?from=2026-02&to=2026-03&model=last",
            Some(t),
        )
        .await;
    assert_eq!(last.status, 200, "{}", last.body);
    assert_eq!(
        (&last.body["from"], &last.body["to"], &last.body["model"]),
        (&json!("2026-02"), &json!("2026-03"), &json!("last"))
    );
    let columns = last.body["currencies"].as_array().unwrap();
    let currencies: Vec<&str> = columns
        .iter()
        .map(|c| c["currency"].as_str().unwrap())
        .collect();
    assert_eq!(currencies, ["EUR", "USD"]);
    for c in columns {
        let currency = c["currency"].as_str().unwrap();
        let sum: i64 = c["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["paid_cents"].as_i64().unwrap())
            .sum();
        assert_eq!(c["total_cents"].as_i64(), Some(sum), "{c}");
        assert_eq!(c["total_cents"].as_i64(), finance.get(currency).copied());
        assert_eq!(c["finance_paid_cents"], c["total_cents"]);
    }
    assert_eq!(
        rows(&columns[0]),
        BTreeMap::from([
            (key("attributed", MARCH), (17_000, 3)),
            (fixed("unattributed"), (1_345, 2)),
            (fixed("no_consent"), (2_500, 1)),
        ])
    );
    let kinds: Vec<&str> = columns[0]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["attributed", "unattributed", "no_consent"]);
    assert_eq!(
        rows(&columns[1]),
        BTreeMap::from([
            (key("attributed", SPRING), (4_321, 1)),
            (fixed("unattributed"), (0, 0)),
            (fixed("no_consent"), (0, 0)),
        ])
    );

    let first = app
        .get(
            "/api/attribution/report?from=2026-02&to=2026-03&model=first",
            Some(t),
        )
        .await;
    assert_eq!(first.status, 200, "{}", first.body);
    let eur = &first.body["currencies"][0];
    assert_eq!(
        rows(eur),
        BTreeMap::from([
            (key("attributed", SPRING), (15_000, 2)),
            (key("attributed", LAUNCH), (2_000, 1)),
            (fixed("unattributed"), (1_345, 2)),
            (fixed("no_consent"), (2_500, 1)),
        ])
    );
    assert_eq!(eur["rows"][0]["source"], "google", "most paid first");
    assert_eq!(eur["total_cents"], 20_845);

    // One month: the reversal and the payments outside it stay out on both sides.
    let march = app
        .get("/api/attribution/report?from=2026-03&to=2026-03", Some(t))
        .await;
    let finance_march = app
        .get("/api/reports/revenue?from=2026-03&to=2026-03", Some(t))
        .await;
    let eur_march = finance_march.body["months"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["currency"] == "EUR")
        .unwrap()["paid_cents"]
        .clone();
    assert_eq!(march.body["model"], "last", "the default model");
    assert_eq!(march.body["currencies"][0]["total_cents"], eur_march);
    assert_eq!(eur_march, 9_500);
}

async fn report_downloads_carry_the_same_figures() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let t = s.token.as_str();
    let csv = app
        .client
        .get(format!(
            "{}/api/attribution/report/csv?from=2026-02&to=2026-03&model=first",
            app.url
        ))
        .bearer_auth(t)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert_eq!(
        csv.headers()["content-type"].to_str().unwrap(),
        "text/csv; charset=utf-8"
    );
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "from,to,model,currency,kind,source,medium,campaign,payments,paid"
    );
    for expected in [
        "2026-02,2026-03,first,EUR,attributed,google,cpc,spring,2,150.00",
        "2026-02,2026-03,first,EUR,attributed,meta,paid_social,launch,1,20.00",
        "2026-02,2026-03,first,EUR,unattributed,,,,2,13.45",
        "2026-02,2026-03,first,EUR,no_consent,,,,1,25.00",
        "2026-02,2026-03,first,EUR,total,,,,6,208.45",
        "2026-02,2026-03,first,EUR,finance_paid,,,,,208.45",
        "2026-02,2026-03,first,USD,total,,,,1,43.21",
    ] {
        assert!(lines.contains(&expected), "{expected} in\n{text}");
    }

    // The agency's logo on the white-label PDF: a real one, and one whose header passed the
    // upload check but cannot be decoded (printed without, never a failed download).
    for (logo, printable, lang, expected) in [
        (
            one_pixel_png(),
            true,
            "lang=nl",
            ["Omzet per herkomst", "€ 208,45", "USD 43,21"],
        ),
        (
            header_only_png(),
            false,
            "lang=en",
            ["Revenue by source", "€208.45", "USD 43.21"],
        ),
        (
            one_pixel_png(),
            true,
            "",
            ["Omzet per herkomst", "€ 208,45", "USD 43,21"],
        ),
    ] {
        let put = app
            .client
            .put(format!("{}/api/company/logo", app.url))
            .bearer_auth(t)
            .header("content-type", "image/png")
            .body(logo);
        assert_eq!(app.send(put).await.status, 200);
        let pdf = app
            .client
            .get(format!(
                "{}/api/attribution/report/pdf?from=2026-02&to=2026-03&{lang}",
                app.url
            ))
            .bearer_auth(t)
            .header("accept-language", "nl-NL,nl;q=0.9,en;q=0.8")
            .send()
            .await
            .unwrap();
        assert_eq!(pdf.status(), 200);
        assert_eq!(
            pdf.headers()["content-type"].to_str().unwrap(),
            "application/pdf"
        );
        let bytes = pdf.bytes().await.unwrap();
        // An image stream's dictionary is never compressed: the logo shows as an image object.
        if printable {
            assert!(
                bytes.windows(6).any(|w| w == b"/Image"),
                "the logo is printed"
            );
        }
        let text = silo_testkit::documents::pdf_text(&bytes);
        assert!(text.contains("Acme Digital B.V."), "{text}");
        assert!(!text.contains("Silo"), "white-label: {text}");
        for e in expected {
            assert!(text.contains(e), "{e} in {text}");
        }
    }
}

/// A PNG of one pixel.
fn one_pixel_png() -> Vec<u8> {
    vec![
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f,
        0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x64,
        0x60, 0xf8, 0x5f, 0x0f, 0x00, 0x02, 0x87, 0x01, 0x80, 0xeb, 0x47, 0xba, 0x92, 0x00, 0x00,
        0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
    ]
}

/// A PNG header (16 by 8 pixels) without image data: accepted by the upload, not printable.
fn header_only_png() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x08\x08\x06\0\0\0".to_vec();
    b.extend_from_slice(&[0x1f, 0x15, 0xc4, 0x89, 0, 0, 0, 0, b'I', b'E', b'N', b'D']);
    b
}

async fn report_checks_its_period_and_its_readers() {
    let app = spawn_app().await;
    let (owner, company) = app.signup("Acme", "ann@acme.example").await;
    for (query, field) in [
        ("to=2026-03", "from"),
        ("from=2026-03", "to"),
        ("from=2026-04&to=2026-03", "to"),
        ("from=2020-01&to=2026-03", "to"),
        ("from=2026-13&to=2026-03", "from"),
        ("from=2026-01&to=2026-03&model=middle", "model"),
        ("from=2026-01&to=2026-03&lang=fr", "lang"),
    ] {
        for path in [
            "/api/attribution/report",
            "/api/attribution/report/csv",
            "/api/attribution/report/pdf",
        ] {
            let r = app.get(&format!("{path}?{query}"), Some(&owner)).await;
            r.expect(422, "invalid");
            let fields: Vec<&String> = r.body["error"]["fields"]
                .as_object()
                .map(|m| m.keys().collect())
                .unwrap_or_default();
            assert_eq!(fields, [field], "{path}?{query}: {}", r.body);
        }
    }
    let empty = app
        .get(
            "/api/attribution/report?from=2026-01&to=2026-03",
            Some(&owner),
        )
        .await;
    assert_eq!(empty.status, 200, "{}", empty.body);
    assert_eq!(empty.body["currencies"], json!([]));
    let sales = app
        .member_token(&company, "sal@acme.example", Role::Sales)
        .await;
    app.get(
        "/api/attribution/report?from=2026-01&to=2026-03",
        Some(&sales),
    )
    .await
    .expect(403, "forbidden");
    let marketing = app
        .member_token(&company, "mar@acme.example", Role::Marketing)
        .await;
    let r = app
        .get(
            "/api/attribution/report/pdf?from=2026-01&to=2026-03",
            Some(&marketing),
        )
        .await;
    assert_eq!(r.status, 200);
}

silo_testkit::backend_tests!(
    report_totals_equal_the_finance_report_under_both_models,
    report_downloads_carry_the_same_figures,
    report_checks_its_period_and_its_readers,
);
