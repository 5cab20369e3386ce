#![allow(clippy::unwrap_used, reason = "tests fail loudly")]
//! Attribution collection over HTTP on both backends: tracked sites and their keys, the public
//! collection endpoint with consent enforced where data arrives, the consent ledger,
//! touchpoints, identify, retention and erasure.

use crate::common;

use common::*;
use serde_json::{Value, json};
use silo_server::{CollectLimits, ServerConfig};
use silo_store::TenantDb;
use std::time::Duration;

const ORIGIN: &str = "https://shop.example";
const UA: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const LANDING: &str = "https://shop.example/offer?utm_source=news&utm_medium=email&utm_campaign=spring&gclid=G-123&fbclid=F-9&q=shoes#top";

struct Tracked {
    token: String,
    company: String,
    site: String,
    key: String,
    account: String,
}

async fn tracked(app: &TestApp, company: &str) -> Tracked {
    let (token, company_id) = app
        .signup(
            company,
            &format!("owner@{}.example", company.to_lowercase()),
        )
        .await;
    let account = app
        .post("/api/accounts", Some(&token), json!({"name": "Shop BV"}))
        .await;
    assert_eq!(account.status, 201, "{}", account.body);
    let account = account.body["id"].as_str().unwrap().to_owned();
    let site = app
        .post(
            "/api/sites",
            Some(&token),
            json!({"account_id": account, "name": "Shop", "origins": [ORIGIN, "http://localhost:3000"], "consent_mode": "banner"}),
        )
        .await;
    assert_eq!(site.status, 201, "{}", site.body);
    Tracked {
        token,
        company: company_id,
        site: site.body["id"].as_str().unwrap().to_owned(),
        key: site.body["key"].as_str().unwrap().to_owned(),
        account,
    }
}

fn granted() -> Value {
    json!({"analytics_storage": "granted", "ad_storage": "granted", "ad_user_data": "granted",
           "ad_personalization": "granted", "source": "banner", "version": "3"})
}

fn event(name: &str, page: &str, consent: Option<Value>) -> Value {
    let mut body = json!({"event_id": uuid::Uuid::new_v4(), "name": name, "page": page,
                          "referrer": "https://news.example/mail?id=7"});
    if let Some(c) = consent {
        body["consent"] = c;
    }
    body
}

async fn post_to(app: &TestApp, path: &str, body: &Value, headers: &[(&str, &str)]) -> Reply {
    let mut req = app
        .client
        .post(format!("{}{path}", app.url))
        .header("user-agent", UA)
        .json(body);
    if !headers.iter().any(|(k, _)| *k == "origin") {
        req = req.header("origin", ORIGIN);
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    app.send(req).await
}

async fn collect(app: &TestApp, key: &str, body: &Value, headers: &[(&str, &str)]) -> Reply {
    post_to(app, &format!("/e/{key}"), body, headers).await
}

fn cookies(r: &Reply) -> Vec<String> {
    r.headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// The visitor id a `Set-Cookie` of `silo_vid` carries.
fn visitor_cookie(r: &Reply) -> String {
    let c = cookies(r)
        .into_iter()
        .find(|c| c.starts_with("silo_vid=") && !c.contains("Max-Age=0"))
        .unwrap_or_else(|| panic!("no visitor cookie: {:?}", cookies(r)));
    assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax"), "{c}");
    assert!(c.contains("Max-Age=34214400"), "{c}");
    c.trim_start_matches("silo_vid=")
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

async fn count(db: &TenantDb, sql: &'static str) -> i64 {
    db.db().fetch_one(sql, &[]).await.unwrap().get("n").unwrap()
}

async fn events(app: &TestApp, t: &Tracked) -> Vec<Value> {
    let r = app
        .get(&format!("/api/sites/{}/events", t.site), Some(&t.token))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"].as_array().unwrap().clone()
}

async fn sites_and_keys_are_managed_by_staff() {
    let app = spawn_app().await;
    let t = tracked(&app, "Agency").await;
    let site = app
        .get(&format!("/api/sites/{}", t.site), Some(&t.token))
        .await;
    assert_eq!(site.status, 200);
    assert_eq!(
        site.body["origins"],
        json!([ORIGIN, "http://localhost:3000"])
    );
    assert_eq!(site.body["consent_version"], "1");
    // The client's account stays while a site names it.
    app.delete(&format!("/api/accounts/{}", t.account), Some(&t.token))
        .await
        .expect(409, "conflict");
    let snippet = site.body["snippet"].as_str().unwrap();
    assert!(
        snippet.contains("/s.js\"") && snippet.contains(&t.key),
        "{snippet}"
    );
    // Origins are bare https (http only on loopback), limited in number.
    let bad = app
        .post(
            "/api/sites",
            Some(&t.token),
            json!({"account_id": t.account, "name": "X", "origins": ["http://shop.example", "https://a.example/path"], "consent_mode": "gcm"}),
        )
        .await;
    bad.expect(422, "invalid");
    assert_eq!(
        bad.body["error"]["problems"]["origins[0]"]["code"],
        "not_https"
    );
    assert_eq!(
        bad.body["error"]["problems"]["origins[1]"]["code"],
        "not_url"
    );
    let many: Vec<String> = (0..21).map(|i| format!("https://s{i}.example")).collect();
    app.post(
        "/api/sites",
        Some(&t.token),
        json!({"account_id": t.account, "name": "X", "origins": many, "consent_mode": "gcm"}),
    )
    .await
    .expect(422, "invalid");
    let list = app.get("/api/sites", Some(&t.token)).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    // Rotation: a new key; the old one stops working at once.
    let rotated = app
        .post(
            &format!("/api/sites/{}/rotate-key", t.site),
            Some(&t.token),
            json!({}),
        )
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let new_key = rotated.body["key"].as_str().unwrap();
    assert_ne!(new_key, t.key);
    collect(&app, &t.key, &event("page_view", LANDING, None), &[])
        .await
        .expect(404, "not_found");
    assert_eq!(
        collect(&app, new_key, &event("page_view", LANDING, None), &[])
            .await
            .status,
        202
    );
    // A marketing member may manage; a member of a read-only role may not.
    let patched = app
        .patch(
            &format!("/api/sites/{}", t.site),
            Some(&t.token),
            json!({"name": "Shop NL", "consent_mode": "tcf", "consent_version": "2"}),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    assert!(
        patched.body["snippet"]
            .as_str()
            .unwrap()
            .contains("data-silo-consent=\"tcf\"")
    );
    let audit = app.get("/api/audit", Some(&t.token)).await;
    let actions: Vec<&str> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for a in ["site.create", "site.key_rotate", "site.update"] {
        assert!(actions.contains(&a), "{a} not in {actions:?}");
    }
    assert!(
        !audit.body.to_string().contains(new_key),
        "the key is never audited"
    );
    assert_eq!(
        app.delete(&format!("/api/sites/{}", t.site), Some(&t.token))
            .await
            .status,
        204
    );
    collect(&app, new_key, &event("page_view", LANDING, None), &[])
        .await
        .expect(404, "not_found");
}

async fn denied_consent_keeps_nothing_that_identifies() {
    let app = spawn_app().await;
    let t = tracked(&app, "Agency").await;
    let db = app.tenant_db(&t.company).await;
    // A stale visitor cookie arrives without consent: ignored and cleared.
    let stale = format!("silo_vid={}", uuid::Uuid::new_v4());
    let r = collect(
        &app,
        &t.key,
        &event("page_view", LANDING, None),
        &[("cookie", &stale)],
    )
    .await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(
        r.headers["access-control-allow-origin"].to_str().unwrap(),
        ORIGIN
    );
    assert_eq!(r.headers["access-control-allow-credentials"], "true");
    let set = cookies(&r);
    assert_eq!(set.len(), 1, "{set:?}");
    assert!(
        set[0].starts_with("silo_vid=;") && set[0].contains("Max-Age=0"),
        "{set:?}"
    );
    let stored = events(&app, &t).await;
    assert_eq!(stored.len(), 1);
    let e = &stored[0];
    assert_eq!(e["page"], "https://shop.example/offer");
    assert_eq!(e["referrer_host"], "news.example");
    for field in [
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "click_ids",
        "visitor_id",
        "contact_id",
    ] {
        assert!(e[field].is_null(), "{field}: {e}");
    }
    assert_eq!(
        e["consent"],
        json!({"analytics": false, "ads": false, "ad_user_data": false, "ad_personalization": false})
    );
    assert_eq!(e["consent_source"], "default");
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM visitors").await, 0);
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM touchpoints").await, 0);
    // Nothing in the row holds the address, not even truncated.
    let row = db
        .db()
        .fetch_one("SELECT visit_hash, page FROM tracking_events", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<String>("visit_hash").unwrap().len(), 64);
    // The same browser grants consent later: a visitor from now on, the earlier event stays
    // without one, and identifying links only what came with consent.
    let r = collect(
        &app,
        &t.key,
        &event(
            "consent_update",
            "https://shop.example/offer",
            Some(granted()),
        ),
        &[],
    )
    .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let vid = visitor_cookie(&r);
    let cookie = format!("silo_vid={vid}");
    let form = json!({"event_id": uuid::Uuid::new_v4(), "email": "Ann@Example.com", "name": "Ann",
                      "consent": granted(), "page": "https://shop.example/contact"});
    let r = post_to(
        &app,
        &format!("/e/{}/identify", t.key),
        &form,
        &[("cookie", &cookie)],
    )
    .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let stored = events(&app, &t).await;
    assert_eq!(stored.len(), 3);
    let first = stored.last().unwrap();
    assert!(
        first["visitor_id"].is_null() && first["contact_id"].is_null(),
        "{first}"
    );
    assert_eq!(stored[1]["visitor_id"], vid.as_str());
    assert!(!stored[1]["contact_id"].is_null(), "{}", stored[1]);
    // The ledger: the default decision, then the banner's.
    let ledger = app
        .get(
            &format!("/api/sites/{}/consent-records", t.site),
            Some(&t.token),
        )
        .await;
    let items = ledger.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{}", ledger.body);
    assert_eq!(items[0]["source"], "banner");
    assert_eq!(items[0]["version"], "3");
    assert_eq!(items[1]["source"], "default");
    assert!(items[1]["visitor_id"].is_null());
    assert!(ledger.body.to_string().find("visit_hash").is_none());
    let overview = app
        .get(&format!("/api/sites/{}/consent", t.site), Some(&t.token))
        .await;
    assert_eq!(overview.body["decisions"], 2, "{}", overview.body);
    assert_eq!(overview.body["analytics"], 1);
    assert_eq!(overview.body["by_source"]["banner"], 1);
    assert_eq!(overview.body["events_with_consent"], 2);
    assert_eq!(overview.body["events_without_consent"], 1);
}

async fn consent_allows_identifiers_and_gpc_turns_ads_off() {
    let app = spawn_app().await;
    let t = tracked(&app, "Agency").await;
    let r = collect(
        &app,
        &t.key,
        &event("page_view", LANDING, Some(granted())),
        &[],
    )
    .await;
    assert_eq!(r.status, 202, "{}", r.body);
    visitor_cookie(&r);
    let e = &events(&app, &t).await[0];
    assert_eq!(
        e["page"],
        "https://shop.example/offer?utm_source=news&utm_medium=email&utm_campaign=spring&q=shoes"
    );
    assert_eq!(e["utm_source"], "news");
    assert_eq!(e["utm_campaign"], "spring");
    assert_eq!(e["click_ids"]["gclid"], "G-123");
    let fbc = e["click_ids"]["fbc"].as_str().unwrap();
    assert!(fbc.starts_with("fb.1.") && fbc.ends_with(".F-9"), "{fbc}");
    assert!(e["click_ids"].get("fbclid").is_none());
    // Global Privacy Control: the header turns every ad signal off whatever the page said.
    let r = collect(
        &app,
        &t.key,
        &event("page_view", LANDING, Some(granted())),
        &[("sec-gpc", "1")],
    )
    .await;
    assert_eq!(r.status, 202);
    let e = &events(&app, &t).await[0];
    assert_eq!(e["gpc"], true);
    assert_eq!(
        e["consent"],
        json!({"analytics": true, "ads": false, "ad_user_data": false, "ad_personalization": false})
    );
    assert!(e["click_ids"].is_null(), "{e}");
    assert_eq!(e["utm_source"], "news");
    // The body's gpc flag (navigator.globalPrivacyControl) does the same.
    let mut body = event("page_view", LANDING, Some(granted()));
    body["gpc"] = json!(true);
    collect(&app, &t.key, &body, &[]).await;
    let e = &events(&app, &t).await[0];
    assert_eq!(e["consent"]["ads"], false);
    assert!(e["click_ids"].is_null());
}

async fn a_repeated_event_is_stored_once() {
    let app = spawn_app().await;
    let t = tracked(&app, "Agency").await;
    let db = app.tenant_db(&t.company).await;
    let body = event("page_view", LANDING, Some(granted()));
    let first = collect(&app, &t.key, &body, &[]).await;
    let vid = visitor_cookie(&first);
    let cookie = format!("silo_vid={vid}");
    let again = collect(&app, &t.key, &body, &[("cookie", &cookie)]).await;
    assert_eq!((first.status, &first.body), (again.status, &again.body));
    assert_eq!(visitor_cookie(&again), vid);
    assert_eq!(
        count(&db, "SELECT COUNT(*) AS n FROM tracking_events").await,
        1
    );
    assert_eq!(count(&db, "SELECT events AS n FROM event_daily").await, 1);
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM touchpoints").await, 1);
    assert_eq!(
        count(&db, "SELECT COUNT(*) AS n FROM consent_records").await,
        1
    );
    // Sent at once, still one row.
    let body = event("signup", LANDING, None);
    let replies = futures_join(&app, &t.key, &body).await;
    assert!(replies.iter().all(|s| *s == 202), "{replies:?}");
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) AS n FROM tracking_events WHERE name = 'signup'"
        )
        .await,
        1
    );
}

async fn futures_join(app: &TestApp, key: &str, body: &Value) -> Vec<u16> {
    let requests: Vec<_> = (0..4)
        .map(|_| {
            app.client
                .post(format!("{}/e/{key}", app.url))
                .header("user-agent", UA)
                .header("origin", ORIGIN)
                .json(body)
        })
        .collect();
    send_all(requests)
        .await
        .iter()
        .map(|r| r.status.as_u16())
        .collect()
}

async fn keys_origins_and_sites_are_checked_and_refusals_store_nothing() {
    let app = spawn_app().await;
    let t = tracked(&app, "Agency").await;
    let other = tracked(&app, "Other").await;
    let db = app.tenant_db(&t.company).await;
    let other_db = app.tenant_db(&other.company).await;
    let body = event("page_view", LANDING, Some(granted()));
    // An origin the site does not list.
    let r = collect(&app, &t.key, &body, &[("origin", "https://evil.example")]).await;
    r.expect(403, "origin_not_allowed");
    assert!(r.headers.get("access-control-allow-origin").is_none());
    // Preflight: only for the site's origins.
    let preflight = |origin: &str| {
        app.client
            .request(reqwest::Method::OPTIONS, format!("{}/e/{}", app.url, t.key))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
    };
    let ok = app.send(preflight("http://localhost:3000")).await;
    assert_eq!(ok.status, 204);
    assert_eq!(
        ok.headers["access-control-allow-origin"],
        "http://localhost:3000"
    );
    assert_eq!(ok.headers["access-control-allow-credentials"], "true");
    app.send(preflight("https://evil.example"))
        .await
        .expect(403, "origin_not_allowed");
    // Keys that do not work: garbage, another purpose's token, a tampered secret.
    let portal = app.get("/api/company/portal", Some(&t.token)).await;
    let portal_key = portal.body["url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let (jwt, _) = t.key.split_once('~').unwrap();
    let tampered = format!("{jwt}~{}", "A".repeat(43));
    for key in ["nonsense", portal_key.as_str(), tampered.as_str()] {
        collect(&app, key, &body, &[])
            .await
            .expect(404, "not_found");
    }
    // Another company's key reaches only that company's site, with that site's origins.
    let r = collect(&app, &other.key, &body, &[]).await;
    assert_eq!(r.status, 202);
    // A disabled site.
    app.patch(
        &format!("/api/sites/{}", t.site),
        Some(&t.token),
        json!({"enabled": false}),
    )
    .await;
    collect(&app, &t.key, &body, &[])
        .await
        .expect(403, "site_disabled");
    assert_eq!(
        count(&db, "SELECT COUNT(*) AS n FROM tracking_events").await,
        0
    );
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM visitors").await, 0);
    assert_eq!(
        count(&db, "SELECT COUNT(*) AS n FROM consent_records").await,
        0
    );
    assert_eq!(
        count(&other_db, "SELECT COUNT(*) AS n FROM tracking_events").await,
        1
    );
}

async fn bad_input_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let t = tracked(&app, "Agency").await;
    let db = app.tenant_db(&t.company).await;
    let good = event("page_view", LANDING, Some(granted()));
    let future = (time::OffsetDateTime::now_utc() + time::Duration::hours(2))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let cases: Vec<(&str, Value)> = vec![
        ("event_id", json!({"name": "x"})),
        ("event_id", json!({"event_id": "nope", "name": "x"})),
        (
            "name",
            json!({"event_id": uuid::Uuid::new_v4(), "name": "has space"}),
        ),
        (
            "name",
            json!({"event_id": uuid::Uuid::new_v4(), "name": "x".repeat(101)}),
        ),
        (
            "time",
            json!({"event_id": uuid::Uuid::new_v4(), "name": "x", "time": future}),
        ),
        (
            "time",
            json!({"event_id": uuid::Uuid::new_v4(), "name": "x", "time": "yesterday"}),
        ),
        (
            "page",
            json!({"event_id": uuid::Uuid::new_v4(), "name": "x", "page": "javascript:alert(1)"}),
        ),
        (
            "consent.ad_storage",
            json!({"event_id": uuid::Uuid::new_v4(), "name": "x", "consent": {"ad_storage": "yes"}}),
        ),
        (
            "utm.source",
            json!({"event_id": uuid::Uuid::new_v4(), "name": "x", "utm": {"source": "s".repeat(201)}}),
        ),
        (
            "click_ids.gclid",
            json!({"event_id": uuid::Uuid::new_v4(), "name": "x", "click_ids": {"gclid": "g".repeat(501)}}),
        ),
    ];
    for (field, body) in cases {
        let r = collect(&app, &t.key, &body, &[]).await;
        r.expect(422, "invalid");
        assert!(
            r.body["error"]["problems"].get(field).is_some(),
            "{field}: {}",
            r.body
        );
    }
    let mut unknown = good.clone();
    unknown["email"] = json!("a@b.example");
    collect(&app, &t.key, &unknown, &[])
        .await
        .expect(422, "invalid");
    // More than 64 KiB.
    let mut big = good.clone();
    big["page"] = json!(format!("https://shop.example/?{}", "a".repeat(70 * 1024)));
    collect(&app, &t.key, &big, &[])
        .await
        .expect(413, "payload_too_large");
    // A crawler: answered alike, stored nowhere.
    let r = app
        .send(
            app.client
                .post(format!("{}/e/{}", app.url, t.key))
                .header("user-agent", "Mozilla/5.0 (compatible; Googlebot/2.1)")
                .header("origin", ORIGIN)
                .json(&good),
        )
        .await;
    assert_eq!(r.status, 202);
    assert_eq!(
        count(&db, "SELECT COUNT(*) AS n FROM tracking_events").await,
        0
    );
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM event_daily").await, 0);
    assert_eq!(
        count(&db, "SELECT COUNT(*) AS n FROM consent_records").await,
        0
    );
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM visit_salts").await, 0);
}

async fn collection_is_limited_per_client_address() {
    let app = spawn_with(ServerConfig {
        collect_limits: CollectLimits {
            per_site: 1000,
            per_address: 3,
            window: Duration::from_secs(600),
        },
        ..ServerConfig::default()
    })
    .await;
    let t = tracked(&app, "Agency").await;
    for _ in 0..3 {
        let r = collect(&app, &t.key, &event("page_view", LANDING, None), &[]).await;
        assert_eq!(r.status, 202);
    }
    let r = collect(&app, &t.key, &event("page_view", LANDING, None), &[]).await;
    r.expect(429, "rate_limited");
    assert!(r.headers.contains_key("retry-after"));
}

async fn identify_links_only_with_consent_and_keeps_first_and_last_touch() {
    let app = spawn_app().await;
    let t = tracked(&app, "Agency").await;
    let db = app.tenant_db(&t.company).await;
    // Without consent: the contact is made (the person gave their details), nothing is linked.
    let form = json!({"event_id": uuid::Uuid::new_v4(), "email": "bo@example.com", "phone": "+31 6 1234 5678"});
    let r = post_to(&app, &format!("/e/{}/identify", t.key), &form, &[]).await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert!(cookies(&r).is_empty());
    let contacts = app
        .get("/api/contacts?q=bo%40example.com", Some(&t.token))
        .await;
    let bo = &contacts.body["items"][0];
    assert_eq!(bo["account_id"], t.account.as_str());
    assert_eq!(bo["name"], "bo@example.com");
    let tp = app
        .get(
            &format!("/api/contacts/{}/touchpoints", bo["id"].as_str().unwrap()),
            Some(&t.token),
        )
        .await;
    assert_eq!(
        tp.body,
        json!({"first_touchpoint_id": null, "last_touchpoint_id": null, "items": []})
    );
    // With consent: a campaign landing, a direct visit, then the form.
    let r = collect(
        &app,
        &t.key,
        &event("page_view", LANDING, Some(granted())),
        &[],
    )
    .await;
    let vid = visitor_cookie(&r);
    let cookie = format!("silo_vid={vid}");
    // Thirty-one minutes of silence make the next event a new (direct) visit.
    db.db()
        .execute(
            "UPDATE visitors SET last_seen_at = $1",
            &[silo_store::Timestamp::from_datetime(
                time::OffsetDateTime::now_utc() - time::Duration::minutes(31),
            )
            .into()],
        )
        .await
        .unwrap();
    let mut direct = event("page_view", "https://shop.example/", Some(granted()));
    direct.as_object_mut().unwrap().remove("referrer");
    collect(&app, &t.key, &direct, &[("cookie", &cookie)]).await;
    let form = json!({"event_id": uuid::Uuid::new_v4(), "email": "ANN@example.com", "name": "Ann",
                      "consent": granted()});
    let r = post_to(
        &app,
        &format!("/e/{}/identify", t.key),
        &form,
        &[("cookie", &cookie)],
    )
    .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let ann = app
        .get("/api/contacts?q=ann%40example.com", Some(&t.token))
        .await;
    let ann_id = ann.body["items"][0]["id"].as_str().unwrap().to_owned();
    let tp = app
        .get(
            &format!("/api/contacts/{ann_id}/touchpoints"),
            Some(&t.token),
        )
        .await;
    let items = tp.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{}", tp.body);
    assert_eq!(items[0]["source"], "news");
    assert_eq!(items[0]["medium"], "email");
    assert_eq!(items[0]["campaign"], "spring");
    assert_eq!(items[0]["click_ids"], json!(["fbc", "gclid"]));
    assert_eq!(items[0]["direct"], false);
    assert_eq!(items[1]["direct"], true);
    assert_eq!(tp.body["first_touchpoint_id"], items[0]["id"]);
    // The last touch is the latest non-direct one.
    assert_eq!(tp.body["last_touchpoint_id"], items[0]["id"]);
    assert!(
        !tp.body.to_string().contains("G-123"),
        "click id values never shown"
    );
    // A later referral: linked at once, and the new last touch.
    let mut later = event("page_view", "https://shop.example/blog", Some(granted()));
    later["referrer"] = json!("https://forum.example/t/1");
    collect(&app, &t.key, &later, &[("cookie", &cookie)]).await;
    let tp = app
        .get(
            &format!("/api/contacts/{ann_id}/touchpoints"),
            Some(&t.token),
        )
        .await;
    let items = tp.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[2]["source"], "forum.example");
    assert_eq!(items[2]["medium"], "referral");
    assert_eq!(tp.body["first_touchpoint_id"], items[0]["id"]);
    assert_eq!(tp.body["last_touchpoint_id"], items[2]["id"]);
    // A deal of the contact carries its first and last touch.
    let deal = app
        .post(
            "/api/deals",
            Some(&t.token),
            json!({"title": "Shop", "value_cents": 1000, "currency": "EUR",
                   "account_id": t.account, "contact_id": ann_id}),
        )
        .await;
    assert_eq!(deal.status, 201, "{}", deal.body);
    let row = db
        .db()
        .fetch_one(
            "SELECT first_touchpoint_id, last_touchpoint_id FROM deals WHERE id = $1",
            silo_store::params![deal.body["id"].as_str().unwrap()],
        )
        .await
        .unwrap();
    let touches: (Option<String>, Option<String>) = (
        row.get("first_touchpoint_id").unwrap(),
        row.get("last_touchpoint_id").unwrap(),
    );
    assert_eq!(
        (touches.0.as_deref(), touches.1.as_deref()),
        (items[0]["id"].as_str(), items[2]["id"].as_str())
    );
    // The same address in other letters updates the same contact.
    let form =
        json!({"event_id": uuid::Uuid::new_v4(), "email": "ann@EXAMPLE.com", "phone": "020 123"});
    post_to(&app, &format!("/e/{}/identify", t.key), &form, &[]).await;
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) AS n FROM contacts WHERE LOWER(email) = 'ann@example.com'"
        )
        .await,
        1
    );
    let ann = app
        .get(&format!("/api/contacts/{ann_id}"), Some(&t.token))
        .await;
    assert_eq!(
        (ann.body["name"].as_str(), ann.body["phone"].as_str()),
        (Some("Ann"), Some("020 123"))
    );
}

async fn retention_removes_old_events_and_keeps_aggregates() {
    // A worker that sweeps every company often, as it does every ten minutes in service.
    let app = spawn_with(ServerConfig {
        worker: Some(silo_worker::WorkerConfig {
            sweep: Some(Duration::from_millis(300)),
            ..silo_worker::WorkerConfig::default()
        }),
        ..ServerConfig::default()
    })
    .await;
    let t = tracked(&app, "Agency").await;
    let db = app.tenant_db(&t.company).await;
    for _ in 0..3 {
        collect(
            &app,
            &t.key,
            &event("page_view", LANDING, Some(granted())),
            &[],
        )
        .await;
    }
    let r = app
        .patch(
            "/api/attribution/settings",
            Some(&t.token),
            json!({"event_retention_months": 2}),
        )
        .await;
    assert_eq!(r.status, 405, "PUT, not PATCH");
    let r = app
        .send(
            app.client
                .put(format!("{}/api/attribution/settings", app.url))
                .bearer_auth(&t.token)
                .json(&json!({"event_retention_months": 0})),
        )
        .await;
    r.expect(422, "invalid");
    let r = app
        .send(
            app.client
                .put(format!("{}/api/attribution/settings", app.url))
                .bearer_auth(&t.token)
                .json(&json!({"event_retention_months": 2})),
        )
        .await;
    assert_eq!(r.body, json!({"event_retention_months": 2}));
    // The worker queued today's retention job once (the company tracks a site) and ran it.
    eventually("the retention job ran", || async {
        count(
            &db,
            "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'attribution.retention' AND state = 'done'",
        )
        .await
            == 1
    })
    .await;
    let today = time::OffsetDateTime::now_utc().date();
    assert!(
        !silo_domain::attribution::retention::queue_daily(&db, today)
            .await
            .unwrap()
    );
    // Two events are from four months ago (their aggregates too), with an old salt.
    let old = (time::OffsetDateTime::now_utc() - time::Duration::days(120))
        .date()
        .to_string();
    let ids: Vec<String> = db
        .db()
        .fetch_all("SELECT id FROM tracking_events ORDER BY id LIMIT 2", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("id").unwrap())
        .collect();
    for id in &ids {
        db.db()
            .execute(
                "UPDATE tracking_events SET day = $1 WHERE id = $2",
                &[old.as_str().into(), id.as_str().into()],
            )
            .await
            .unwrap();
    }
    db.db()
        .execute(
            "INSERT INTO visit_salts (day, salt) VALUES ($1, 'old')",
            &[old.as_str().into()],
        )
        .await
        .unwrap();
    let removed = silo_domain::attribution::retention::apply(&db, today)
        .await
        .unwrap();
    assert_eq!((removed.events, removed.salts), (2, 1));
    assert_eq!(
        count(&db, "SELECT COUNT(*) AS n FROM tracking_events").await,
        1
    );
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM visit_salts").await, 1);
    assert_eq!(
        count(
            &db,
            "SELECT CAST(SUM(events) AS BIGINT) AS n FROM event_daily"
        )
        .await,
        3,
        "aggregates stay"
    );
    // Touchpoints stay too (three visitors without cookies, three landings).
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM touchpoints").await, 3);
}

async fn erasing_a_contact_removes_its_trail() {
    let app = spawn_app().await;
    let t = tracked(&app, "Agency").await;
    let db = app.tenant_db(&t.company).await;
    let r = collect(
        &app,
        &t.key,
        &event("page_view", LANDING, Some(granted())),
        &[],
    )
    .await;
    let cookie = format!("silo_vid={}", visitor_cookie(&r));
    let form =
        json!({"event_id": uuid::Uuid::new_v4(), "email": "cy@example.com", "consent": granted()});
    post_to(
        &app,
        &format!("/e/{}/identify", t.key),
        &form,
        &[("cookie", &cookie)],
    )
    .await;
    // Someone else's anonymous event stays.
    collect(&app, &t.key, &event("page_view", LANDING, None), &[]).await;
    let cy = app
        .get("/api/contacts?q=cy%40example.com", Some(&t.token))
        .await;
    let cy = cy.body["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        count(&db, "SELECT COUNT(*) AS n FROM tracking_events").await,
        3
    );
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM touchpoints").await, 1);
    assert_eq!(
        app.delete(&format!("/api/contacts/{cy}"), Some(&t.token))
            .await
            .status,
        204
    );
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM visitors").await, 0);
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM touchpoints").await, 0);
    assert_eq!(
        count(&db, "SELECT COUNT(*) AS n FROM tracking_events").await,
        1
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) AS n FROM consent_records WHERE visitor_id IS NOT NULL"
        )
        .await,
        0
    );
}

async fn the_script_is_served() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(format!("{}/s.js", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/javascript")
    );
    assert!(
        r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    let text = r.text().await.unwrap();
    assert!(text.len() < 16 * 1024, "a few KB");
    assert!(
        text.contains("randomUUID")
            && text.contains("__tcfapi")
            && text.contains("globalPrivacyControl")
    );
}

silo_testkit::backend_tests!(
    sites_and_keys_are_managed_by_staff,
    denied_consent_keeps_nothing_that_identifies,
    consent_allows_identifiers_and_gpc_turns_ads_off,
    a_repeated_event_is_stored_once,
    keys_origins_and_sites_are_checked_and_refusals_store_nothing,
    bad_input_is_refused_and_changes_nothing,
    collection_is_limited_per_client_address,
    identify_links_only_with_consent_and_keeps_first_and_last_touch,
    retention_removes_old_events_and_keeps_aggregates,
    erasing_a_contact_removes_its_trail,
    the_script_is_served,
);
