#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! PostgreSQL faults on private clusters (the shared server is never stopped): a tenant server
//! stopped and restarted under load, and the control-plane server stopped. Each answers 503 for
//! what it touches only, heals by itself when the server is back, and loses no write answered
//! 2xx before or during the fault.

#[path = "api/common/mod.rs"]
mod common;

use common::*;
use serde_json::json;
use silo_control::CompanyId;
use silo_store::postgres::PgServer;
use silo_testkit::{Cluster, TestBackend, TestStorage};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The shared server's URL and a private cluster, or `None` after printing why not.
fn servers() -> Option<(String, Cluster)> {
    let TestBackend::Postgres(shared) = TestBackend::postgres()? else {
        return None;
    };
    match Cluster::start() {
        Ok(cluster) => Some((shared, cluster)),
        Err(e) => {
            eprintln!("skipped: no private PostgreSQL cluster: {e}");
            None
        }
    }
}

/// Polls until `token` reads `path` with 200 again (bounded: about 20 s at most).
async fn eventually_ok(app: &TestApp, token: &str, path: &str) -> serde_json::Value {
    let mut last = None;
    for _ in 0..200 {
        let r = app.get(path, Some(token)).await;
        if r.status == 200 {
            return r.body;
        }
        assert_eq!(r.status, 503, "only 503 while recovering: {}", r.body);
        last = Some(r.body);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never recovered: {last:?}");
}

/// Lists every account id of the company `token` is bound to, page by page.
async fn account_ids(app: &TestApp, token: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor = String::new();
    loop {
        let path = format!("/api/accounts?limit=200&cursor={cursor}");
        let body = eventually_ok(app, token, &path).await;
        ids.extend(
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_owned()),
        );
        match body["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => return ids,
        }
    }
}

#[tokio::test]
async fn a_tenant_server_restarted_under_load_is_503_for_its_companies_only() {
    let Some((shared, cluster)) = servers() else {
        return;
    };
    let storage = TestStorage::postgres_servers(&shared, vec![shared.clone(), cluster.url.clone()]);
    let app = spawn_on(storage, silo_server::ServerConfig::default()).await;
    let cluster_id = PgServer::parse(&cluster.url).unwrap().id().to_owned();
    // Least-loaded placement alternates, so four companies land on both servers.
    let mut on_cluster = Vec::new();
    let mut on_shared = Vec::new();
    for i in 0..4 {
        let (token, id) = app
            .signup(&format!("Co {i}"), &format!("o{i}@co{i}.example"))
            .await;
        let id: CompanyId = id.parse().unwrap();
        let placement = app.tenancy.control().placement(id).await.unwrap().unwrap();
        if placement.server == cluster_id {
            on_cluster.push(token);
        } else {
            on_shared.push(token);
        }
    }
    assert!(
        !on_cluster.is_empty() && !on_shared.is_empty(),
        "placement did not spread"
    );
    let app = Arc::new(app);
    // Load: every company writes in a loop; each write answered 201 is remembered, and any
    // answer other than 201 or 503 fails the test.
    let committed: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load: Vec<_> = on_cluster
        .iter()
        .chain(&on_shared)
        .cloned()
        .map(|token| {
            let (app, committed, stop) = (app.clone(), committed.clone(), stop.clone());
            tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) && n < 400 {
                    n += 1;
                    let r = app
                        .post(
                            "/api/accounts",
                            Some(&token),
                            json!({"name": format!("load {n}")}),
                        )
                        .await;
                    match r.status.as_u16() {
                        201 => committed
                            .lock()
                            .unwrap()
                            .push((token.clone(), r.body["id"].as_str().unwrap().to_owned())),
                        503 => assert_eq!(r.code(), "tenant_unavailable", "{}", r.body),
                        s => panic!("under load: {s} {}", r.body),
                    }
                }
            })
        })
        .collect();
    // Let the load get going: wait until every company has a committed write.
    for _ in 0..200 {
        let done = committed.lock().unwrap().len();
        if done >= 8 {
            break;
        }
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    cluster.stop().unwrap();
    for token in &on_cluster {
        app.get("/api/accounts", Some(token))
            .await
            .expect(503, "tenant_unavailable");
    }
    for token in &on_shared {
        let r = app.get("/api/accounts", Some(token)).await;
        assert_eq!(
            r.status, 200,
            "companies elsewhere keep working: {}",
            r.body
        );
        let w = app
            .post("/api/accounts", Some(token), json!({"name": "during"}))
            .await;
        assert_eq!(w.status, 201, "{}", w.body);
        committed
            .lock()
            .unwrap()
            .push((token.clone(), w.body["id"].as_str().unwrap().to_owned()));
        assert_eq!(app.get("/api/me", Some(token)).await.status, 200);
    }
    cluster.start_server().unwrap();
    for token in &on_cluster {
        eventually_ok(&app, token, "/api/accounts").await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for task in load {
        task.await.unwrap();
    }
    let committed = committed.lock().unwrap().clone();
    for token in on_cluster.iter().chain(&on_shared) {
        let ids = account_ids(&app, token).await;
        let want: Vec<&String> = committed
            .iter()
            .filter(|(t, _)| t == token)
            .map(|(_, id)| id)
            .collect();
        for id in &want {
            assert!(ids.contains(id), "committed write {id} lost");
        }
        // Writes refused with 503 left nothing behind.
        assert_eq!(ids.len(), want.len());
    }
}

#[tokio::test]
async fn an_unreachable_control_plane_is_503_unavailable_and_heals() {
    let Some((shared, cluster)) = servers() else {
        return;
    };
    let storage = TestStorage::postgres_servers(&cluster.url, vec![shared.clone()]);
    let app = spawn_on(storage, silo_server::ServerConfig::default()).await;
    let (token, _) = app.signup("Alpha", "ann@alpha.example").await;
    let before = app
        .post("/api/accounts", Some(&token), json!({"name": "before"}))
        .await;
    assert_eq!(before.status, 201, "{}", before.body);
    cluster.stop().unwrap();
    // Nothing can be bound to a company without the registry: everything that needs it
    // answers 503 `unavailable`, nothing answers from a cache or a default.
    for path in ["/api/accounts", "/api/company", "/api/me"] {
        app.get(path, Some(&token)).await.expect(503, "unavailable");
    }
    app.post("/api/accounts", Some(&token), json!({"name": "during"}))
        .await
        .expect(503, "unavailable");
    app.post(
        "/api/auth/login",
        None,
        json!({"email": "ann@alpha.example", "password": PASSWORD}),
    )
    .await
    .expect(503, "unavailable");
    assert_eq!(
        app.get("/healthz", None).await.status,
        200,
        "the process is up"
    );
    assert_eq!(app.get("/readyz", None).await.status, 503, "but not ready");
    cluster.start_server().unwrap();
    eventually_ok(&app, &token, "/api/company").await;
    let ids = account_ids(&app, &token).await;
    assert_eq!(ids, vec![before.body["id"].as_str().unwrap().to_owned()]);
    assert_eq!(app.get("/readyz", None).await.status, 200);
}
