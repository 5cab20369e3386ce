#![allow(clippy::unwrap_used, reason = "tests fail loudly")]
//! Conversions and their forwarding to ad platforms (issue 22), over real HTTP, on both
//! backends: a local platform server (an axum server in the test, standing in for Meta's Graph
//! API and the Google Ads API through `ForwardingSettings::urls`) records and checks every
//! request the worker sends. A paid invoice gives exactly one conversion per kind and one
//! delivery per enabled destination, hashed as documented, deduplicated by the invoice number;
//! 5xx is retried, 4xx dead-lettered with its error; consent gates what is sent; credentials
//! never come back; a sealed credential copied to another row does not open; erasing a contact
//! drops its waiting deliveries.

use crate::billing::ready_to_invoice;
use crate::common;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use common::*;
use serde_json::{Value, json};
use silo_domain::Origin;
use silo_domain::attribution::Consent;
use silo_domain::attribution::conversions::record_lead;
use silo_domain::attribution::forwarding::PlatformUrls;
use silo_domain::attribution::forwarding::vault::Vault;
use silo_server::ServerConfig;
use silo_store::{Timestamp, params};
use silo_worker::WorkerConfig;
use silo_worker::conversions::ForwardingSettings;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

// SHA-256 of the normalised details of the test contact ("Jane.Doe@Gmail.com",
// "+31 6 1234 5678"), computed with sha256sum: Meta hashes the lower-cased address and the
// digits without "+", Google the address without Gmail dots and the E.164 number with "+".
const META_EM: &str = "831f6494ad6be4fcb3a724c3d5fef22d3ceffa3c62ef3a7984e45a0ea177f982";
const META_PH: &str = "e03d152bbe638d9fe7a04f9b88a67674bf15b73c0981755c16eb78d177721e03";
const GOOGLE_EM: &str = "d6117306485ed0e50afab3ac871e98f81699151f30281527d63ff5f233656c69";
const GOOGLE_PH: &str = "fab7be8a931d1088a82f6acf9e468aaf6a3accc07d5112ee5d6fca93281e1583";

const META_TOKEN: &str = "meta-secret-token-wxyz";
const GOOGLE_TOKEN: &str = "google-access-token-abcd";
const DEVELOPER_TOKEN: &str = "developer-secret-1234";

/// One request the platform server got.
#[derive(Clone, Debug)]
struct Received {
    path: String,
    authorization: String,
    developer_token: String,
    body: Value,
}

#[derive(Default)]
struct PlatformState {
    log: Mutex<Vec<Received>>,
    /// (status, body) to answer, in turn; 200 with `{}` once they run out.
    answers: Mutex<VecDeque<(u16, String)>>,
}

/// A stand-in for an ad platform's API on 127.0.0.1.
struct Platform {
    url: String,
    state: Arc<PlatformState>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn record(
    State(state): State<Arc<PlatformState>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    state.log.lock().unwrap().push(Received {
        path: uri.path().to_owned(),
        authorization: header("authorization"),
        developer_token: header("developer-token"),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    });
    let (status, body) = state
        .answers
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or((200, "{}".to_owned()));
    (StatusCode::from_u16(status).unwrap(), body)
}

impl Platform {
    async fn start() -> Platform {
        let state = Arc::new(PlatformState::default());
        let app = axum::Router::new()
            .fallback(record)
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        Platform {
            url,
            state,
            _stop: stop,
        }
    }

    fn answer(&self, status: u16, body: &str) {
        self.state
            .answers
            .lock()
            .unwrap()
            .push_back((status, body.to_owned()));
    }

    fn received(&self) -> Vec<Received> {
        self.state.log.lock().unwrap().clone()
    }
}

/// Polls `check` until it gives a value, for at most 30 seconds.
async fn until<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A server whose worker sends to `meta` and `google` quickly, with an ephemeral vault key;
/// without `worker` nothing is sent.
fn config(meta: &Platform, google: &Platform, worker: bool) -> ServerConfig {
    ServerConfig {
        worker: worker.then(|| WorkerConfig {
            retry_base: Duration::from_millis(50),
            poll: Duration::from_millis(20),
            ..Default::default()
        }),
        forwarding: ForwardingSettings {
            urls: PlatformUrls {
                meta: meta.url.clone(),
                google_ads: google.url.clone(),
            },
            allow_private: true,
            timeout: Duration::from_secs(5),
            vault: Some(Vault::ephemeral().unwrap()),
        },
        ..ServerConfig::default()
    }
}

/// The consent of a seeded touchpoint.
#[derive(Clone, Copy)]
struct Ads {
    ads: bool,
    ad_user_data: bool,
}

/// A tracked site of `account` and, for `contact`, one touchpoint with UTMs and click ids,
/// named as the contact's first and last touch.
// Seeded: the collection endpoint makes these (POST /api/sites, POST /e/{site_key} and its
// identify); rows here let each test set the consent exactly. attribution_collect.rs tests
// that path.
async fn seed_site(db: &silo_store::TenantDb, account: &str) -> Uuid {
    let site = Uuid::now_v7();
    let now = Timestamp::now();
    db.db()
        .execute(
            "INSERT INTO sites (id, account_id, name, origins, consent_mode, consent_version, \
             secret_hash, token, enabled, created_at, updated_at) \
             VALUES ($1, $2, 'Shop', '[\"https://shop.example\"]', 'banner', 'v1', 'x', 'x', TRUE, $3, $3)",
            params![site, Uuid::parse_str(account).unwrap(), now],
        )
        .await
        .unwrap();
    site
}

// Seeded, as above: POST /e/{site_key} and its identify make these.
async fn seed_touch(db: &silo_store::TenantDb, site: Uuid, contact: &str, consent: Ads) {
    let touch = Uuid::now_v7();
    let contact = Uuid::parse_str(contact).unwrap();
    let clicks =
        json!({"gclid": "GCLID-1", "fbc": "fb.1.1700000000000.FBCLID", "_fbp": "fb.1.1.2"});
    db.db()
        .execute(
            "INSERT INTO touchpoints (id, site_id, contact_id, occurred_at, source, medium, \
             campaign, click_ids, direct, ads, ad_user_data, ad_personalization) \
             VALUES ($1, $2, $3, $4, 'newsletter', 'email', 'spring', $5, FALSE, $6, $7, FALSE)",
            params![
                touch,
                site,
                contact,
                Timestamp::now(),
                clicks.to_string(),
                consent.ads,
                consent.ad_user_data
            ],
        )
        .await
        .unwrap();
    db.db()
        .execute(
            "UPDATE contacts SET first_touchpoint_id = $2, last_touchpoint_id = $2 WHERE id = $1",
            params![contact, touch],
        )
        .await
        .unwrap();
}

async fn contact(app: &TestApp, t: &str, account: &str, email: &str) -> String {
    let r = app
        .post(
            "/api/contacts",
            Some(t),
            json!({"name": "Jane", "email": email, "phone": "+31 6 1234 5678", "account_id": account}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

async fn meta_destination(app: &TestApp, t: &str, account: &str, extra: Value) -> Value {
    let mut body = json!({
        "account_id": account, "platform": "meta", "name": "Meta shop",
        "kinds": ["invoice_paid"],
        "settings": {"pixel_id": "123456"},
        "credentials": {"access_token": META_TOKEN},
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let r = app.post("/api/destinations", Some(t), body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

async fn google_destination(app: &TestApp, t: &str, account: &str) -> Value {
    let r = app
        .post(
            "/api/destinations",
            Some(t),
            json!({
                "account_id": account, "platform": "google_ads", "name": "Google",
                "kinds": ["invoice_paid"],
                "settings": {"customer_id": "123-456-7890", "conversion_action_id": "99"},
                "credentials": {"developer_token": DEVELOPER_TOKEN, "access_token": GOOGLE_TOKEN},
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

/// An invoice of `account` for a deal of `contact`, issued and paid in full: (id, number).
async fn paid_invoice(app: &TestApp, t: &str, account: &str, contact: &str) -> (String, String) {
    let deal = app
        .post(
            "/api/deals",
            Some(t),
            json!({"title": "Shop", "value_cents": 1000, "currency": "EUR",
                   "account_id": account, "contact_id": contact}),
        )
        .await;
    assert_eq!(deal.status, 201, "{}", deal.body);
    let draft = app
        .post(
            "/api/invoices",
            Some(t),
            json!({"account_id": account, "deal_id": deal.body["id"],
                   "lines": [{"description": "Design", "quantity": 2, "unit_cents": 12345, "vat_rate_bp": 2100}]}),
        )
        .await;
    assert_eq!(draft.status, 201, "{}", draft.body);
    let id = draft.body["id"].as_str().unwrap().to_owned();
    let issued = app
        .post(&format!("/api/invoices/{id}/issue"), Some(t), json!({}))
        .await;
    assert_eq!(issued.status, 200, "{}", issued.body);
    let total = issued.body["total_cents"].as_i64().unwrap();
    let paid = app
        .post(
            &format!("/api/invoices/{id}/payments"),
            Some(t),
            json!({"amount_cents": total}),
        )
        .await;
    assert_eq!(paid.status, 201, "{}", paid.body);
    assert_eq!(paid.body["status"], "paid");
    (id, issued.body["number"].as_str().unwrap().to_owned())
}

async fn deliveries(app: &TestApp, t: &str, destination: &Value) -> Vec<Value> {
    let id = destination["id"].as_str().unwrap();
    let r = app
        .get(&format!("/api/destinations/{id}/deliveries"), Some(t))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"].as_array().unwrap().clone()
}

/// Waits until the destination has `n` deliveries, all in `state`.
async fn deliveries_in(
    app: &TestApp,
    t: &str,
    destination: &Value,
    n: usize,
    state: &str,
) -> Vec<Value> {
    until(&format!("{n} deliveries {state}"), || async {
        let list = deliveries(app, t, destination).await;
        (list.len() == n && list.iter().all(|d| d["state"] == state)).then_some(list)
    })
    .await
}

async fn conversions(app: &TestApp, t: &str, kind: &str) -> Vec<Value> {
    let r = app
        .get(&format!("/api/conversions?kind={kind}"), Some(t))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"].as_array().unwrap().clone()
}

async fn a_paid_invoice_is_forwarded_once_per_enabled_destination() {
    let meta = Platform::start().await;
    let google = Platform::start().await;
    let app = spawn_with(config(&meta, &google, true)).await;
    let (token, company) = app.signup("Acme", "ann@acme.example").await;
    let t = token.as_str();
    let account = ready_to_invoice(&app, t).await;
    let db = app.tenant_db(&company).await;
    let site = seed_site(&db, &account).await;
    let jane = contact(&app, t, &account, "Jane.Doe@Gmail.com").await;
    seed_touch(
        &db,
        site,
        &jane,
        Ads {
            ads: true,
            ad_user_data: true,
        },
    )
    .await;

    let meta_dest = meta_destination(&app, t, &account, json!({})).await;
    let google_dest = google_destination(&app, t, &account).await;
    let disabled = meta_destination(&app, t, &account, json!({"enabled": false})).await;
    let deleted = meta_destination(&app, t, &account, json!({})).await;
    let deleted_id = deleted["id"].as_str().unwrap();
    app.delete(&format!("/api/destinations/{deleted_id}"), Some(t))
        .await
        .expect(204, "");

    // Credentials never come back: only a hint of their end.
    assert_eq!(meta_dest["credentials_hint"], "…wxyz");
    assert_eq!(google_dest["settings"]["customer_id"], "1234567890");
    for d in [&meta_dest, &google_dest] {
        let id = d["id"].as_str().unwrap();
        let got = app.get(&format!("/api/destinations/{id}"), Some(t)).await;
        let listed = app.get("/api/destinations", Some(t)).await;
        for text in [got.body.to_string(), listed.body.to_string()] {
            for secret in [META_TOKEN, GOOGLE_TOKEN, DEVELOPER_TOKEN] {
                assert!(!text.contains(secret), "a credential in an answer: {text}");
            }
        }
    }

    let (invoice, number) = paid_invoice(&app, t, &account, &jane).await;

    // Exactly one conversion per kind, attributed to the seeded touch.
    let paid = conversions(&app, t, "invoice_paid").await;
    assert_eq!(paid.len(), 1, "{paid:?}");
    assert_eq!(paid[0]["order_id"], number.as_str());
    assert_eq!(paid[0]["subject_id"], invoice.as_str());
    assert_eq!(paid[0]["value_cents"], 24690, "the net amount");
    assert_eq!(paid[0]["currency"], "EUR");
    assert_eq!(paid[0]["attribution"], "attributed");
    assert_eq!(paid[0]["last"]["source"], "newsletter");
    assert_eq!(paid[0]["site_id"], site.to_string());
    assert_eq!(conversions(&app, t, "invoice_issued").await.len(), 1);

    // One delivery per enabled destination whose kinds include it (Meta and Google take the
    // paid invoice, neither the issued one); none for the disabled or the deleted one.
    let meta_log = deliveries_in(&app, t, &meta_dest, 1, "delivered").await;
    assert_eq!(meta_log[0]["order_id"], number.as_str());
    assert_eq!(meta_log[0]["attempts"], 1);
    deliveries_in(&app, t, &google_dest, 1, "delivered").await;
    assert!(deliveries(&app, t, &disabled).await.is_empty());
    let none: i64 = db
        .db()
        .fetch_one(
            "SELECT COUNT(*) AS n FROM conversion_deliveries WHERE destination_id = $1",
            params![Uuid::parse_str(deleted_id).unwrap()],
        )
        .await
        .unwrap()
        .get("n")
        .unwrap();
    assert_eq!(none, 0);

    // What Meta got: the invoice number as event id, hashed details, the click ids.
    let sent = meta.received();
    assert_eq!(sent.len(), 1, "{sent:?}");
    let m = &sent[0];
    assert_eq!(m.path, "/v23.0/123456/events");
    assert_eq!(m.authorization, format!("Bearer {META_TOKEN}"));
    let event = &m.body["data"][0];
    assert_eq!(event["event_name"], "Purchase");
    assert_eq!(event["event_id"], number.as_str());
    assert_eq!(event["user_data"]["em"], json!([META_EM]));
    assert_eq!(event["user_data"]["ph"], json!([META_PH]));
    assert_eq!(event["user_data"]["fbc"], "fb.1.1700000000000.FBCLID");
    assert_eq!(event["custom_data"]["value"], 246.9);
    assert_eq!(event["custom_data"]["currency"], "EUR");
    assert!(m.body.get("test_event_code").is_none());
    assert!(
        !m.body.to_string().contains("jane"),
        "no clear e-mail address"
    );

    // What Google got: the invoice number as order id, Google's hashing, one click id.
    let sent = google.received();
    assert_eq!(sent.len(), 1, "{sent:?}");
    let r = &sent[0];
    assert_eq!(r.path, "/v23/customers/1234567890:uploadClickConversions");
    assert_eq!(r.authorization, format!("Bearer {GOOGLE_TOKEN}"));
    assert_eq!(r.developer_token, DEVELOPER_TOKEN);
    assert_eq!(r.body["partialFailure"], true);
    assert_eq!(r.body["validateOnly"], false);
    assert_eq!(r.body["conversions"].as_array().unwrap().len(), 1);
    let c = &r.body["conversions"][0];
    assert_eq!(
        c["conversionAction"],
        "customers/1234567890/conversionActions/99"
    );
    assert_eq!(c["orderId"], number.as_str());
    assert_eq!(c["gclid"], "GCLID-1");
    assert_eq!(
        c["userIdentifiers"],
        json!([{"hashedEmail": GOOGLE_EM}, {"hashedPhoneNumber": GOOGLE_PH}])
    );
    assert_eq!(c["consent"]["adUserData"], "GRANTED");

    // The preview is exactly what was sent, without a credential.
    let meta_id = meta_dest["id"].as_str().unwrap();
    let conversion_id = paid[0]["id"].as_str().unwrap();
    let preview = app
        .get(
            &format!("/api/destinations/{meta_id}/preview?conversion_id={conversion_id}"),
            Some(t),
        )
        .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert_eq!(preview.body["body"], meta.received()[0].body);
    assert_eq!(
        preview.body["url"],
        format!("{}/v23.0/123456/events", meta.url)
    );
    assert!(!preview.body.to_string().contains(META_TOKEN));

    // The fact repeated (a payment reversed, the invoice paid again) records nothing new.
    let inv = app.get(&format!("/api/invoices/{invoice}"), Some(t)).await;
    let payment = inv.body["payments"][0]["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/invoices/{invoice}/payments/{payment}/reverse"),
        Some(t),
        json!({"reason": "bounced"}),
    )
    .await
    .expect(200, "");
    let total = inv.body["total_cents"].as_i64().unwrap();
    app.post(
        &format!("/api/invoices/{invoice}/payments"),
        Some(t),
        json!({"amount_cents": total}),
    )
    .await
    .expect(201, "");
    assert_eq!(conversions(&app, t, "invoice_paid").await.len(), 1);
    assert_eq!(deliveries(&app, t, &meta_dest).await.len(), 1);

    // Nothing secret reached the outbox (and so the audit trail and webhooks).
    for row in db
        .db()
        .fetch_all("SELECT data FROM outbox", &[])
        .await
        .unwrap()
    {
        let data: String = row.get("data").unwrap();
        for secret in [META_TOKEN, GOOGLE_TOKEN, DEVELOPER_TOKEN, "jane.doe"] {
            assert!(
                !data.to_lowercase().contains(&secret.to_lowercase()),
                "{data}"
            );
        }
    }
}

async fn failures_are_retried_or_dead_lettered_and_consent_gates_what_is_sent() {
    let meta = Platform::start().await;
    let google = Platform::start().await;
    let app = spawn_with(config(&meta, &google, true)).await;
    let (token, company) = app.signup("Acme", "ann@acme.example").await;
    let t = token.as_str();
    let account = ready_to_invoice(&app, t).await;
    let db = app.tenant_db(&company).await;
    let site = seed_site(&db, &account).await;
    let meta_dest = meta_destination(&app, t, &account, json!({})).await;
    let google_dest = google_destination(&app, t, &account).await;

    // Meta answers 500 once: retried, then delivered. Google refuses with 400: dead-lettered
    // at once with its error, shown in the log; a manual retry sends it again.
    meta.answer(500, r#"{"error": {"message": "try later"}}"#);
    google.answer(400, r#"{"error": {"message": "INVALID_CUSTOMER_ID"}}"#);
    let jane = contact(&app, t, &account, "jane@shop.example").await;
    seed_touch(
        &db,
        site,
        &jane,
        Ads {
            ads: true,
            ad_user_data: true,
        },
    )
    .await;
    let (_, number) = paid_invoice(&app, t, &account, &jane).await;
    let meta_log = deliveries_in(&app, t, &meta_dest, 1, "delivered").await;
    assert_eq!(meta_log[0]["attempts"], 2, "{meta_log:?}");
    assert_eq!(meta.received().len(), 2);
    let failed = until("a failed google delivery", || async {
        let list = deliveries(&app, t, &google_dest).await;
        list.into_iter().find(|d| d["state"] == "failed")
    })
    .await;
    assert_eq!(failed["last_status"], 400);
    assert!(
        failed["last_error"]
            .as_str()
            .unwrap()
            .contains("INVALID_CUSTOMER_ID"),
        "{failed}"
    );
    assert_eq!(failed["order_id"], number.as_str());
    // Dead at once: one request for it, not one per retry.
    let google_id = google_dest["id"].as_str().unwrap();
    let failed_id = failed["id"].as_str().unwrap();
    let retried = app
        .post(
            &format!("/api/destinations/{google_id}/deliveries/{failed_id}/retry"),
            Some(t),
            json!({}),
        )
        .await;
    assert_eq!(retried.status, 202, "{}", retried.body);
    deliveries_in(&app, t, &google_dest, 1, "delivered").await;
    // A delivered one cannot be retried.
    app.post(
        &format!("/api/destinations/{google_id}/deliveries/{failed_id}/retry"),
        Some(t),
        json!({}),
    )
    .await
    .expect(409, "invalid_transition");

    // No ad_user_data consent: skipped and recorded, no request.
    let before = meta.received().len();
    let bo = contact(&app, t, &account, "bo@shop.example").await;
    seed_touch(
        &db,
        site,
        &bo,
        Ads {
            ads: true,
            ad_user_data: false,
        },
    )
    .await;
    paid_invoice(&app, t, &account, &bo).await;
    let log = deliveries(&app, t, &meta_dest).await;
    assert_eq!(log[0]["state"], "skipped_no_consent", "{log:?}");
    assert_eq!(log[0]["attempts"], 0);

    // ad_user_data without ads: sent, but without click ids. Google calls it too recent: it
    // is sent again hours later, not dead-lettered.
    google.answer(
        400,
        r#"{"error": {"details": [{"errors": [{"errorCode": {"conversionUploadError": "TOO_RECENT_CONVERSION_ACTION"}}]}]}}"#,
    );
    let cy = contact(&app, t, &account, "cy@shop.example").await;
    seed_touch(
        &db,
        site,
        &cy,
        Ads {
            ads: false,
            ad_user_data: true,
        },
    )
    .await;
    paid_invoice(&app, t, &account, &cy).await;
    until("Cy's delivery", || async {
        let log = deliveries(&app, t, &meta_dest).await;
        (log.len() == 3 && log[0]["state"] == "delivered").then_some(())
    })
    .await;
    let sent = meta.received();
    assert_eq!(sent.len(), before + 1, "nothing sent for Bo");
    let user = &sent[before].body["data"][0]["user_data"];
    assert!(user.get("em").is_some(), "{user}");
    assert!(
        user.get("fbc").is_none() && user.get("fbp").is_none(),
        "{user}"
    );
    let later = until("a rescheduled google delivery", || async {
        let log = deliveries(&app, t, &google_dest).await;
        // The delivery says `retrying` a moment before its job is rescheduled: wait for both.
        (log.len() == 3
            && log[0]["state"] == "retrying"
            && log[0]["attempts"] == 1
            && log[0]["next_attempt_at"].is_string())
        .then(|| log[0].clone())
    })
    .await;
    let next = Timestamp::parse(later["next_attempt_at"].as_str().unwrap()).unwrap();
    assert!(
        next.unix_seconds() - now() > 2 * 3600,
        "rescheduled hours later: {later}"
    );
    assert_eq!(later["last_status"], 400);
}

async fn a_sealed_credential_copied_to_another_destination_does_not_open() {
    let meta = Platform::start().await;
    let google = Platform::start().await;
    let app = spawn_with(config(&meta, &google, true)).await;
    let (token, company) = app.signup("Acme", "ann@acme.example").await;
    let t = token.as_str();
    let account = ready_to_invoice(&app, t).await;
    let db = app.tenant_db(&company).await;
    let site = seed_site(&db, &account).await;
    let first = meta_destination(&app, t, &account, json!({})).await;
    let second = meta_destination(&app, t, &account, json!({"name": "Copy"})).await;
    let (a, b) = (
        Uuid::parse_str(first["id"].as_str().unwrap()).unwrap(),
        Uuid::parse_str(second["id"].as_str().unwrap()).unwrap(),
    );
    db.db()
        .execute(
            "UPDATE destinations SET credentials_sealed = \
             (SELECT credentials_sealed FROM destinations WHERE id = $1) WHERE id = $2",
            params![a, b],
        )
        .await
        .unwrap();
    let jane = contact(&app, t, &account, "jane@shop.example").await;
    seed_touch(
        &db,
        site,
        &jane,
        Ads {
            ads: true,
            ad_user_data: true,
        },
    )
    .await;
    paid_invoice(&app, t, &account, &jane).await;
    deliveries_in(&app, t, &first, 1, "delivered").await;
    let refused = deliveries_in(&app, t, &second, 1, "failed").await;
    assert!(
        refused[0]["last_error"]
            .as_str()
            .unwrap()
            .contains("do not open"),
        "{refused:?}"
    );
    assert_eq!(meta.received().len(), 1, "only the first destination sent");

    // Replacing the credentials seals them for this row again.
    let id = b.to_string();
    let replaced = app
        .send(
            app.client
                .put(format!("{}/api/destinations/{id}/credentials", app.url))
                .bearer_auth(t)
                .json(&json!({"credentials": {"access_token": "new-token-9876"}})),
        )
        .await;
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    assert_eq!(replaced.body["credentials_hint"], "…9876");
    let delivery = refused[0]["id"].as_str().unwrap();
    app.post(
        &format!("/api/destinations/{id}/deliveries/{delivery}/retry"),
        Some(t),
        json!({}),
    )
    .await
    .expect(202, "");
    deliveries_in(&app, t, &second, 1, "delivered").await;
    assert_eq!(
        meta.received().last().unwrap().authorization,
        "Bearer new-token-9876"
    );
}

async fn erasing_a_contact_drops_its_waiting_deliveries_and_bad_input_changes_nothing() {
    let meta = Platform::start().await;
    let google = Platform::start().await;
    // No worker: deliveries wait.
    let app = spawn_with(config(&meta, &google, false)).await;
    let (token, company) = app.signup("Acme", "ann@acme.example").await;
    let t = token.as_str();
    let account = ready_to_invoice(&app, t).await;
    let db = app.tenant_db(&company).await;
    let site = seed_site(&db, &account).await;
    app.post(
        "/api/destinations",
        Some(t),
        json!({"account_id": account, "platform": "meta", "name": "M", "kinds": ["lead"],
               "test_mode": true, "settings": {"pixel_id": "1"},
               "credentials": {"access_token": "x"}}),
    )
    .await
    .expect(422, "invalid");
    let dest = meta_destination(
        &app,
        t,
        &account,
        json!({"test_mode": true, "settings": {"pixel_id": "123456", "test_event_code": "TEST1"}}),
    )
    .await;
    let jane = contact(&app, t, &account, "jane@shop.example").await;
    seed_touch(
        &db,
        site,
        &jane,
        Ads {
            ads: true,
            ad_user_data: true,
        },
    )
    .await;
    paid_invoice(&app, t, &account, &jane).await;
    let log = deliveries(&app, t, &dest).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["state"], "pending");
    assert_eq!(log[0]["test"], true);
    // In test mode Meta gets the test event code.
    let conversion = conversions(&app, t, "invoice_paid").await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let dest_id = dest["id"].as_str().unwrap();
    let preview = app
        .get(
            &format!("/api/destinations/{dest_id}/preview?conversion_id={conversion}"),
            Some(t),
        )
        .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert_eq!(preview.body["body"]["test_event_code"], "TEST1");
    app.delete(&format!("/api/contacts/{jane}"), Some(t))
        .await
        .expect(204, "");
    let log = deliveries(&app, t, &dest).await;
    assert_eq!(log[0]["state"], "dropped", "{log:?}");
    let job: String = db
        .db()
        .fetch_one(
            "SELECT j.state FROM jobs j JOIN conversion_deliveries d ON d.job_id = j.id",
            &[],
        )
        .await
        .unwrap()
        .get("state")
        .unwrap();
    assert_eq!(job, "dropped");
    assert!(meta.received().is_empty());

    // Bad input: a 422 naming the field, and no destination made.
    let refused = [
        json!({"account_id": account, "platform": "tiktok", "name": "T", "kinds": ["lead"]}),
        json!({"account_id": account, "platform": "meta", "name": "M", "kinds": ["lead"],
               "credentials": {"access_token": "x"}}),
        json!({"account_id": account, "platform": "google_ads", "name": "G", "kinds": [],
               "settings": {"customer_id": "abc", "conversion_action_id": "1"},
               "credentials": {"access_token": "x", "developer_token": "y"}}),
        json!({"account_id": account, "platform": "google_ads", "name": "G",
               "kinds": ["invoice_issued", "invoice_paid"],
               "settings": {"customer_id": "1", "conversion_action_id": "1"},
               "credentials": {"access_token": "x", "developer_token": "y"}}),
        json!({"account_id": Uuid::now_v7(), "platform": "meta", "name": "M", "kinds": ["lead"],
               "settings": {"pixel_id": "1"}, "credentials": {"access_token": "x"}}),
    ];
    for body in refused {
        let r = app.post("/api/destinations", Some(t), body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {}", r.body);
    }
    let r = app
        .post(
            "/api/destinations",
            Some(t),
            json!({"account_id": account, "platform": "tiktok", "name": "T", "kinds": ["lead"]}),
        )
        .await;
    assert_eq!(
        r.body["error"]["problems"]["platform"]["code"], "rule",
        "{}",
        r.body
    );
    let listed = app.get("/api/destinations", Some(t)).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    app.get("/api/conversions?kind=refund", Some(t))
        .await
        .expect(422, "invalid");
}

async fn a_lead_without_analytics_consent_makes_the_later_sale_no_consent() {
    let meta = Platform::start().await;
    let google = Platform::start().await;
    // No worker: deliveries wait, so the test reads them as queued.
    let app = spawn_with(config(&meta, &google, false)).await;
    let (token, company) = app.signup("Acme", "ann@acme.example").await;
    let t = token.as_str();
    let account = ready_to_invoice(&app, t).await;
    let db = app.tenant_db(&company).await;
    let site = seed_site(&db, &account).await;
    let dest = meta_destination(
        &app,
        t,
        &account,
        json!({"kinds": ["lead", "invoice_paid"]}),
    )
    .await;
    let jane = contact(&app, t, &account, "jane@shop.example").await;
    let jane_id = Uuid::parse_str(&jane).unwrap();
    // A form sent without analytics consent but with ad_user_data (what identify records).
    let consent = Consent {
        analytics: false,
        ads: false,
        ad_user_data: true,
        ad_personalization: false,
    };
    for _ in 0..2 {
        let mut tx = db.db().begin().await.unwrap();
        record_lead(&mut tx, jane_id, site, consent, &Origin::system())
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let leads = conversions(&app, t, "lead").await;
    assert_eq!(
        leads.len(),
        1,
        "a second form of the same contact records nothing new"
    );
    assert_eq!(leads[0]["attribution"], "no_consent");
    assert_eq!(leads[0]["site_id"], site.to_string());
    assert_eq!(leads[0]["contact_id"], jane.as_str());

    // An invoice without a deal: its contact is the account's contact with the latest lead,
    // and the sale is `no_consent` with that lead's site and consent.
    let draft = app
        .post(
            "/api/invoices",
            Some(t),
            json!({"account_id": account,
                   "lines": [{"description": "Design", "quantity": 1, "unit_cents": 10000, "vat_rate_bp": 2100}]}),
        )
        .await;
    assert_eq!(draft.status, 201, "{}", draft.body);
    let id = draft.body["id"].as_str().unwrap();
    let issued = app
        .post(&format!("/api/invoices/{id}/issue"), Some(t), json!({}))
        .await;
    assert_eq!(issued.status, 200, "{}", issued.body);
    app.post(
        &format!("/api/invoices/{id}/payments"),
        Some(t),
        json!({"amount_cents": issued.body["total_cents"]}),
    )
    .await
    .expect(201, "");
    let sale = &conversions(&app, t, "invoice_paid").await[0];
    assert_eq!(sale["contact_id"], jane.as_str());
    assert_eq!(sale["attribution"], "no_consent");
    assert_eq!(sale["site_id"], site.to_string());
    assert_eq!(sale["consent"]["ad_user_data"], true);
    assert_eq!(sale["value_cents"], 10000);
    let log = deliveries(&app, t, &dest).await;
    assert_eq!(log.len(), 2, "{log:?}");
    assert!(log.iter().all(|d| d["state"] == "pending"), "{log:?}");
    assert_eq!(log[0]["conversion_kind"], "invoice_paid");
    assert_eq!(log[1]["conversion_kind"], "lead");
}

silo_testkit::backend_tests!(
    a_paid_invoice_is_forwarded_once_per_enabled_destination,
    failures_are_retried_or_dead_lettered_and_consent_gates_what_is_sent,
    a_sealed_credential_copied_to_another_destination_does_not_open,
    erasing_a_contact_drops_its_waiting_deliveries_and_bad_input_changes_nothing,
    a_lead_without_analytics_consent_makes_the_later_sale_no_consent,
);
