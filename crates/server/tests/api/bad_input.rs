#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! Bad input over HTTP: malformed and deeply nested JSON, wrong types, overlong strings,
//! invalid UTF-8, huge bodies, negative and overflowing amounts, unknown fields and path ids
//! that are not UUIDs. Each gets a clear 4xx in the api.md error shape, never a 500, and
//! changes nothing (checked by listing afterwards).

use crate::common;

use common::*;
use serde_json::{Value, json};

const COLLECTIONS: [&str; 5] = [
    "/api/accounts",
    "/api/contacts",
    "/api/deals",
    "/api/invoices",
    "/api/contracts",
];

/// Every item of every collection, to compare before and after.
async fn snapshot(app: &TestApp, token: &str) -> Vec<Value> {
    let mut all = Vec::new();
    for path in COLLECTIONS {
        let r = app.get(&format!("{path}?limit=200"), Some(token)).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        all.push(r.body["items"].clone());
    }
    all
}

/// A 4xx with the api.md error shape: `{"error": {"code", "message"}}` (+ `fields` on 422).
#[track_caller]
fn assert_clear_4xx(r: &Reply, what: &str) {
    let status = r.status.as_u16();
    assert!((400..500).contains(&status), "{what}: {status} {}", r.body);
    let error = &r.body["error"];
    assert!(
        error["code"].as_str().is_some_and(|c| !c.is_empty()),
        "{what}: no code: {}",
        r.body
    );
    assert!(error["message"].is_string(), "{what}: {}", r.body);
    if status == 422 {
        assert!(error["fields"].is_object(), "{what}: {}", r.body);
    }
}

fn raw(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Vec<u8>,
) -> reqwest::RequestBuilder {
    app.client
        .request(method, format!("{}{path}", app.url))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
}

async fn bad_bodies_are_clear_4xx_and_change_nothing() {
    let app = spawn_app().await;
    let (t, _) = app.signup("Acme", "ann@acme.example").await;
    let account = app
        .post("/api/accounts", Some(&t), json!({"name": "Kept"}))
        .await;
    let account_id = account.body["id"].as_str().unwrap().to_owned();
    let deal = app
        .post(
            "/api/deals",
            Some(&t),
            json!({"title": "Kept", "value_cents": 5}),
        )
        .await;
    let deal_id = deal.body["id"].as_str().unwrap().to_owned();
    let before = snapshot(&app, &t).await;

    let nested_arrays = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let nested_in_field = format!(
        r#"{{"name": {}{}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let nested_objects = format!("{}1{}", r#"{"a":"#.repeat(10_000), "}".repeat(10_000));
    let huge_string = format!(r#"{{"name": "{}"}}"#, "x".repeat(2 * 1024 * 1024));
    let many_lines = json!({"lines": vec![json!({"description": "x", "unit_cents": 1}); 20_000]});
    let max = i64::MAX;
    let bodies: Vec<(&str, &str, Vec<u8>, u16)> = vec![
        ("/api/accounts", "truncated JSON", b"{\"name\":".to_vec(), 400),
        ("/api/accounts", "trailing garbage", b"{\"name\":\"a\"} x".to_vec(), 400),
        ("/api/accounts", "empty body", Vec::new(), 400),
        ("/api/accounts", "10,000 nested arrays", nested_arrays.into_bytes(), 400),
        ("/api/accounts", "nested arrays in a field", nested_in_field.into_bytes(), 422),
        ("/api/contacts", "10,000 nested objects", nested_objects.into_bytes(), 422),
        ("/api/accounts", "a JSON array", b"[]".to_vec(), 400),
        ("/api/accounts", "a JSON string", b"\"name\"".to_vec(), 400),
        ("/api/accounts", "null", b"null".to_vec(), 400),
        ("/api/accounts", "name a number", br#"{"name": 5}"#.to_vec(), 422),
        ("/api/accounts", "name null", br#"{"name": null}"#.to_vec(), 422),
        ("/api/accounts", "name a list", br#"{"name": ["a"]}"#.to_vec(), 422),
        ("/api/accounts", "invalid UTF-8", b"{\"name\": \"\xff\xfe\xfd\"}".to_vec(), 400),
        ("/api/accounts", "lone surrogate", br#"{"name": "\ud800"}"#.to_vec(), 400),
        ("/api/accounts", "name too long", json!({"name": "n".repeat(201)}).to_string().into_bytes(), 422),
        ("/api/accounts", "name of 500 KiB", json!({"name": "n".repeat(500_000)}).to_string().into_bytes(), 422),
        ("/api/accounts", "name blank", br#"{"name": "   "}"#.to_vec(), 422),
        ("/api/accounts", "over 1 MiB", huge_string.into_bytes(), 413),
        ("/api/contacts", "email wrong", br#"{"name": "A", "email": "not an email"}"#.to_vec(), 422),
        ("/api/deals", "negative value", br#"{"title": "D", "value_cents": -1}"#.to_vec(), 422),
        ("/api/deals", "value over i64", br#"{"title": "D", "value_cents": 9223372036854775808}"#.to_vec(), 422),
        ("/api/deals", "value i64::MAX", format!(r#"{{"title": "D", "value_cents": {max}}}"#).into_bytes(), 422),
        ("/api/deals", "value i64::MIN", format!(r#"{{"title": "D", "value_cents": {}}}"#, i64::MIN).into_bytes(), 422),
        ("/api/deals", "value a float", br#"{"title": "D", "value_cents": 1.5}"#.to_vec(), 422),
        ("/api/deals", "value a string", br#"{"title": "D", "value_cents": "100"}"#.to_vec(), 422),
        ("/api/deals", "value 1e400", br#"{"title": "D", "value_cents": 1e400}"#.to_vec(), 400),
        ("/api/deals", "unknown stage", br#"{"title": "D", "stage": "closed"}"#.to_vec(), 422),
        ("/api/deals", "currency wrong", br#"{"title": "D", "currency": "euro"}"#.to_vec(), 422),
        ("/api/invoices", "line unit i64::MAX x 1000", json!({"lines": [{"description": "x", "quantity": 1000, "unit_cents": max}]}).to_string().into_bytes(), 422),
        ("/api/invoices", "lines summing past i64", json!({"lines": [{"description": "a", "unit_cents": max / 2 + 1}, {"description": "b", "unit_cents": max / 2 + 1}]}).to_string().into_bytes(), 422),
        ("/api/invoices", "negative unit", json!({"lines": [{"description": "x", "unit_cents": -100}]}).to_string().into_bytes(), 422),
        ("/api/invoices", "negative quantity", json!({"lines": [{"description": "x", "quantity": -2, "unit_cents": 100}]}).to_string().into_bytes(), 422),
        ("/api/invoices", "quantity NaN-like", br#"{"lines": [{"description": "x", "quantity": 1e309, "unit_cents": 100}]}"#.to_vec(), 400),
        ("/api/invoices", "vat rate overflow", json!({"lines": [{"description": "x", "unit_cents": 100, "vat_rate_bp": max}]}).to_string().into_bytes(), 422),
        ("/api/invoices", "20,000 lines", many_lines.to_string().into_bytes(), 422),
        ("/api/invoices", "lines an object", br#"{"lines": {"description": "x"}}"#.to_vec(), 422),
    ];
    for (path, what, body, want) in bodies {
        let r = app
            .send(raw(&app, reqwest::Method::POST, path, &t, body))
            .await;
        assert_clear_4xx(&r, what);
        assert_eq!(r.status, want, "{what}: {}", r.body);
    }
    // Bad changes to existing rows, and a payment that does not fit.
    let patches: Vec<(String, Value)> = vec![
        (format!("/api/accounts/{account_id}"), json!({"name": 7})),
        (format!("/api/accounts/{account_id}"), json!({"name": ""})),
        (format!("/api/deals/{deal_id}"), json!({"value_cents": -5})),
        (
            format!("/api/deals/{deal_id}"),
            json!({"value_cents": u64::MAX}),
        ),
        (format!("/api/deals/{deal_id}"), json!({"stage": 3})),
    ];
    for (path, body) in patches {
        let r = app.patch(&path, Some(&t), body.clone()).await;
        assert_clear_4xx(&r, &format!("PATCH {body}"));
    }
    let r = app
        .send(
            app.client
                .post(format!("{}/api/accounts", app.url))
                .bearer_auth(&t)
                .header("content-type", "text/plain")
                .body(r#"{"name": "as text"}"#),
        )
        .await;
    r.expect(400, "bad_request");
    assert_eq!(
        snapshot(&app, &t).await,
        before,
        "refused input changed nothing"
    );
}

/// A body that is JSON but does not fit the request type is a field problem like any other:
/// 422 `invalid` naming the field (a missing required field, `null` for one, a value of another
/// type, nested fields by their path), and nothing is created.
async fn misfitting_fields_are_422_naming_the_field() {
    let app = spawn_app().await;
    let (t, _) = app.signup("Acme", "ann@acme.example").await;
    let before = snapshot(&app, &t).await;
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        ("/api/accounts", json!({}), "name", "is required"),
        (
            "/api/accounts",
            json!({"name": null}),
            "name",
            "is required",
        ),
        (
            "/api/accounts",
            json!({"name": 5}),
            "name",
            "must be a text",
        ),
        (
            "/api/deals",
            json!({"title": "D", "value_cents": 36.5}),
            "value_cents",
            "must be a whole number",
        ),
        (
            // JSON Schema's `integer` takes -36.0 as -36, and so does the server: a number
            // below the range, not a wrong type.
            "/api/deals",
            json!({"title": "D", "value_cents": -36.0}),
            "value_cents",
            "must be between 0 and 100000000000000",
        ),
        (
            "/api/deals",
            json!({"title": "D", "value_cents": "x"}),
            "value_cents",
            "must be a whole number",
        ),
        (
            "/api/deals",
            json!({"value_cents": 5}),
            "title",
            "is required",
        ),
        (
            "/api/invoices",
            json!({"lines": [{"description": "x", "unit_cents": "x"}]}),
            "lines[0].unit_cents",
            "must be a whole number",
        ),
        (
            "/api/invoices",
            json!({"lines": [{"unit_cents": 1}]}),
            "lines[0].description",
            "is required",
        ),
    ];
    for (path, body, field, message) in cases {
        let r = app.post(path, Some(&t), body.clone()).await;
        assert_eq!(r.status, 422, "{path} {body}: {}", r.body);
        assert_eq!(r.code(), "invalid", "{path} {body}");
        assert_eq!(
            r.body["error"]["fields"][field], message,
            "{path} {body}: {}",
            r.body
        );
    }
    assert_eq!(snapshot(&app, &t).await, before);
}

async fn payments_that_overflow_are_refused() {
    let app = spawn_app().await;
    let (t, _) = app.signup("Acme", "ann@acme.example").await;
    let account = crate::billing::ready_to_invoice(&app, &t).await;
    let invoice = app
        .post(
            "/api/invoices",
            Some(&t),
            json!({"account_id": account, "lines": [{"description": "work", "quantity": 1, "unit_cents": 10_000}]}),
        )
        .await;
    assert_eq!(invoice.status, 201, "{}", invoice.body);
    let id = invoice.body["id"].as_str().unwrap();
    let issued = app
        .post(&format!("/api/invoices/{id}/issue"), Some(&t), json!({}))
        .await;
    assert_eq!(issued.status, 200, "{}", issued.body);
    let before = snapshot(&app, &t).await;
    for amount in [
        json!(-1),
        json!(0),
        json!(i64::MAX),
        json!(i64::MIN),
        json!(u64::MAX),
        json!("10"),
    ] {
        let r = app
            .post(
                &format!("/api/invoices/{id}/payments"),
                Some(&t),
                json!({"amount_cents": amount}),
            )
            .await;
        assert_clear_4xx(&r, &format!("payment {amount}"));
    }
    assert_eq!(snapshot(&app, &t).await, before);
}

async fn unknown_fields_are_ignored() {
    // The decision (README, API section): unknown fields are ignored, so a newer client keeps
    // working against an older server; they can never choose the company, the id or anything
    // the server decides.
    let app = spawn_app().await;
    let (t, _) = app.signup("Acme", "ann@acme.example").await;
    let (_, other) = app.signup("Beta", "bob@beta.example").await;
    let chosen_id = uuid::Uuid::now_v7().to_string();
    let r = app
        .post(
            "/api/accounts",
            Some(&t),
            json!({"name": "Known", "id": chosen_id, "company_id": other,
                   "created_at": "1999-01-01T00:00:00Z", "colour": "blue"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_ne!(r.body["id"], chosen_id.as_str(), "the server chooses ids");
    assert!(r.body.get("colour").is_none() && r.body.get("company_id").is_none());
    assert_ne!(r.body["created_at"], "1999-01-01T00:00:00Z");
    let list = app.get("/api/accounts", Some(&t)).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
}

async fn path_ids_that_are_not_uuids_are_404() {
    let app = spawn_app().await;
    let (t, _) = app.signup("Acme", "ann@acme.example").await;
    let before = snapshot(&app, &t).await;
    for collection in COLLECTIONS {
        for id in [
            "not-a-uuid",
            "1",
            "%00",
            "..%2F..%2Fcompany",
            "'%20OR%201=1--",
            "%F0%9F%92%A9",
            &"9".repeat(5000),
        ] {
            let path = format!("{collection}/{id}");
            app.get(&path, Some(&t)).await.expect(404, "not_found");
            let r = app.patch(&path, Some(&t), json!({"name": "x"})).await;
            assert!(
                matches!(r.status.as_u16(), 404 | 405),
                "PATCH {path}: {}",
                r.body
            );
            assert_clear_4xx(&r, &path);
            let r = app.delete(&path, Some(&t)).await;
            assert_clear_4xx(&r, &path);
        }
    }
    assert_eq!(snapshot(&app, &t).await, before);
}

silo_testkit::backend_tests!(
    bad_bodies_are_clear_4xx_and_change_nothing,
    misfitting_fields_are_422_naming_the_field,
    payments_that_overflow_are_refused,
    unknown_fields_are_ignored,
    path_ids_that_are_not_uuids_are_404,
);
