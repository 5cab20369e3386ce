#![allow(clippy::unwrap_used, reason = "tests fail loudly")]
//! What reaches the audit trail from the client, read as an auditor would: refused tokens are
//! recorded, one record per client address and minute whatever their number; a client's request
//! id only when short and plain, and marked as the client's; refusals name the route pattern,
//! not the path as the client wrote it.

use crate::common;

use common::*;
use serde_json::{Value, json};
use silo_roles::Role;
use silo_server::ServerConfig;
use silo_store::Db;
use std::collections::BTreeMap;
use std::time::Duration;

pub(crate) async fn control_db(app: &TestApp) -> Db {
    match &app.storage.pg {
        Some(pg) => pg.control_admin().await,
        None => silo_store::sqlite::open_existing(
            &app.storage.dir.path().join("control.sqlite3"),
            silo_store::sqlite::PoolLimits::default(),
        )
        .await
        .unwrap(),
    }
}

/// The `auth.token_refused` records: (client address, target as JSON), oldest first.
async fn refusal_records(app: &TestApp) -> Vec<(Option<String>, Value)> {
    let db = control_db(app).await;
    let rows = db
        .fetch_all(
            "SELECT chain, identity_id, client_ip, target, request_id FROM audit_events
             WHERE action = 'auth.token_refused' ORDER BY id",
            &[],
        )
        .await
        .unwrap();
    db.close().await;
    rows.iter()
        .map(|r| {
            assert_eq!(r.get::<String>("chain").unwrap(), "-");
            assert_eq!(r.get::<Option<String>>("identity_id").unwrap(), None);
            assert_eq!(r.get::<Option<String>>("request_id").unwrap(), None);
            let target: String = r.get("target").unwrap();
            (
                r.get("client_ip").unwrap(),
                serde_json::from_str(&target).unwrap(),
            )
        })
        .collect()
}

/// Waits, if needed, until early in a minute, so a burst of requests stays within one.
async fn early_in_a_minute() {
    let second = now() % 60;
    if second > 40 {
        tokio::time::sleep(Duration::from_secs((61 - second) as u64)).await;
    }
}

/// A token of ours with one signature character changed.
fn spoiled(token: &str) -> String {
    let (message, signature) = token.rsplit_once('.').unwrap();
    let mut signature = signature.as_bytes().to_vec();
    signature[10] = if signature[10] == b'A' { b'B' } else { b'A' };
    format!("{message}.{}", String::from_utf8(signature).unwrap())
}

fn from(app: &TestApp, address: &str, token: &str) -> reqwest::RequestBuilder {
    app.client
        .get(format!("{}/api/me", app.url))
        .header("x-forwarded-for", address)
        .bearer_auth(token)
}

async fn refused_tokens_are_one_record_per_address_and_minute() {
    let mut app = spawn_with(ServerConfig {
        // The test client comes from 127.0.0.1: as a proxy it names the client addresses.
        trusted_proxies: vec!["127.0.0.1/32".parse().unwrap()],
        ..ServerConfig::default()
    })
    .await;
    let (owner, _) = app.signup("Acme", "ann@acme.example").await;
    let bad_signature = spoiled(&owner);
    early_in_a_minute().await;
    let first_minute = now() / 60;
    for batch in 0..10 {
        let requests = (0..50)
            .map(|i| {
                let token = if (batch * 50 + i) % 5 == 0 {
                    "not-a-token"
                } else {
                    bad_signature.as_str()
                };
                from(&app, "203.0.113.7", token)
            })
            .collect();
        for reply in send_all(requests).await {
            reply.expect(401, "unauthenticated");
        }
    }
    for _ in 0..3 {
        app.send(from(&app, "198.51.100.9", &bad_signature))
            .await
            .expect(401, "unauthenticated");
    }
    // No token is not a refused token; a good one is not refused.
    app.get("/api/me", None)
        .await
        .expect(401, "unauthenticated");
    assert_eq!(app.send(from(&app, "192.0.2.1", &owner)).await.status, 200);
    let last_minute = now() / 60;
    app.stop().await;

    let records = refusal_records(&app).await;
    let mut per_address: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
    for (address, target) in &records {
        let entry = per_address.entry(address.clone().unwrap()).or_default();
        entry.0 += target["count"].as_u64().unwrap();
        entry.1 += target["reasons"]["bad_signature"].as_u64().unwrap_or(0);
        entry.2 += target["reasons"]["malformed"].as_u64().unwrap_or(0);
        assert!(
            target["minute"].as_str().unwrap().ends_with(":00Z"),
            "{target}"
        );
        assert!(
            !target.to_string().contains(&bad_signature[..20]),
            "no token"
        );
    }
    assert_eq!(per_address["203.0.113.7"], (500, 400, 100));
    assert_eq!(per_address["198.51.100.9"], (3, 3, 0));
    assert_eq!(per_address.len(), 2, "{records:?}");
    if first_minute == last_minute {
        assert_eq!(records.len(), 2, "one record per address: {records:?}");
        assert_eq!(
            records
                .iter()
                .find(|r| r.0.as_deref() == Some("203.0.113.7"))
                .unwrap()
                .1["count"],
            500
        );
    }
    let reports = app.tenancy.control().verify_audit(None).await.unwrap();
    assert!(reports.iter().all(|r| r.first_broken.is_none()));
}

async fn client_request_ids_are_bounded_and_marked() {
    let app = spawn_app().await;
    let (owner, _) = app.signup("Acme", "ann@acme.example").await;
    let viewer = app
        .member_token("acme", "vic@acme.example", Role::Viewer)
        .await;
    // A second viewer: a second refusal of the same person in the same minute is only counted
    // (see noisy_neighbours.rs), so each refusal here comes from someone else.
    let other_viewer = app
        .member_token("acme", "val@acme.example", Role::Viewer)
        .await;
    let id_of = |reply: &Reply| reply.headers["x-request-id"].to_str().unwrap().to_owned();
    let with_id = |path: &str, id: &str| {
        app.client
            .get(format!("{}{path}", app.url))
            .bearer_auth(&owner)
            .header("x-request-id", id)
    };
    let is_ours = |id: &str| id.len() == 36 && uuid::Uuid::try_parse(id).is_ok();

    assert_eq!(
        id_of(&app.send(with_id("/api/company", "trace-42")).await),
        "client:trace-42"
    );
    let longest = "a1._:-".repeat(10) + "abcd";
    assert_eq!(longest.len(), 64);
    assert_eq!(
        id_of(&app.send(with_id("/api/company", &longest)).await),
        format!("client:{longest}")
    );
    for bad in [
        "a".repeat(65),
        "two words".into(),
        "<script>".into(),
        "a/b".into(),
    ] {
        let id = id_of(&app.send(with_id("/api/company", &bad)).await);
        assert!(is_ours(&id), "{bad} gave {id}");
    }
    assert!(is_ours(&id_of(
        &app.get("/api/company", Some(&owner)).await
    )));

    // In the trail: a refusal carries the client's id marked, or ours; the route pattern, not
    // the path as sent (here an upper-case id that the route accepts).
    let contact = uuid::Uuid::new_v4().to_string().to_uppercase();
    let refused = app
        .send(
            app.client
                .patch(format!("{}/api/contacts/{contact}", app.url))
                .bearer_auth(&viewer)
                .header("x-request-id", "trace-43")
                .json(&json!({"name": "x"})),
        )
        .await;
    refused.expect(403, "forbidden");
    let refused_again = app
        .send(
            app.client
                .patch(format!("{}/api/contacts/{contact}", app.url))
                .bearer_auth(&other_viewer)
                .header("x-request-id", "x".repeat(200))
                .json(&json!({"name": "x"})),
        )
        .await;
    refused_again.expect(403, "forbidden");
    let page = app
        .get("/api/audit?action=access.&limit=10", Some(&owner))
        .await;
    let items = page.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{}", page.body);
    for item in items {
        assert_eq!(item["target"], "PATCH /api/contacts/{id}");
        assert!(!page.body.to_string().contains(&contact));
    }
    assert_eq!(items[1]["request_id"], "client:trace-43");
    assert_eq!(
        items[0]["request_id"].as_str().unwrap(),
        id_of(&refused_again)
    );
    assert!(is_ours(items[0]["request_id"].as_str().unwrap()));
}

async fn a_logged_out_sessions_token_is_counted_as_its_session_ended() {
    let mut app = spawn_app().await;
    let (_, company) = app.signup("Acme", "ann@acme.example").await;
    let login = app.login("ann@acme.example", Some(&company)).await;
    assert_eq!(login.status, 200, "{}", login.body);
    let token = login.body["token"].as_str().unwrap().to_owned();
    let cookie = login.headers["set-cookie"].to_str().unwrap();
    let session = cookie.split(';').next().unwrap().to_owned();
    let logout = app
        .send(
            app.client
                .post(format!("{}/api/auth/logout", app.url))
                .header("x-silo-refresh", "1")
                .header("cookie", session),
        )
        .await;
    assert_eq!(logout.status, 204, "{}", logout.body);
    for path in ["/api/me", "/api/company"] {
        app.get(path, Some(&token))
            .await
            .expect(401, "unauthenticated");
    }
    app.stop().await;
    let ended: u64 = refusal_records(&app)
        .await
        .iter()
        .map(|(_, target)| target["reasons"]["session_ended"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(ended, 2);
}

silo_testkit::backend_tests!(
    refused_tokens_are_one_record_per_address_and_minute,
    client_request_ids_are_bounded_and_marked,
    a_logged_out_sessions_token_is_counted_as_its_session_ended,
);
