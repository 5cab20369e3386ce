#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! The browser app beside the API: security headers, files, client-routing fallback, and the
//! page shown when the app was not built.

use crate::common;

use common::{spawn_app, spawn_with};
use silo_server::{CONTENT_SECURITY_POLICY, ServerConfig, WebApp};

/// A server whose app is read from a temporary folder with an index page and one asset.
async fn with_built_app() -> (common::TestApp, tempfile::TempDir) {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(
        dist.path().join("index.html"),
        "<!doctype html><title>app</title><script type=\"module\" src=\"/assets/app-1.js\"></script>",
    )
    .unwrap();
    std::fs::create_dir(dist.path().join("assets")).unwrap();
    std::fs::write(dist.path().join("assets/app-1.js"), "console.log(1)").unwrap();
    let app = spawn_with(ServerConfig {
        web: WebApp::Directory(dist.path().to_owned()),
        ..ServerConfig::default()
    })
    .await;
    (app, dist)
}

fn assert_security_headers(headers: &reqwest::header::HeaderMap) {
    assert_eq!(
        headers["content-security-policy"].to_str().unwrap(),
        CONTENT_SECURITY_POLICY
    );
    assert!(CONTENT_SECURITY_POLICY.contains("script-src 'self';"));
    assert!(!CONTENT_SECURITY_POLICY.contains("unsafe-inline"));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["x-frame-options"], "DENY");
}

#[tokio::test]
async fn every_kind_of_answer_carries_the_security_headers() {
    let (app, _dist) = with_built_app().await;
    let (token, _) = app.signup("Acme", "owner@acme.example").await;
    for (path, token) in [
        ("/", None),
        ("/deals/123", None),
        ("/assets/app-1.js", None),
        ("/healthz", None),
        ("/api/me", Some(token.as_str())),
        ("/api/me", None),
        ("/api/nope", None),
    ] {
        let reply = app.get(path, token).await;
        assert_security_headers(&reply.headers);
    }
}

#[tokio::test]
async fn client_routes_get_the_app_and_files_are_served_with_their_type() {
    let (app, _dist) = with_built_app().await;
    for path in ["/", "/login", "/deals/123/edit", "/accept-invite?token=abc"] {
        let reply = app.get(path, None).await;
        assert_eq!(reply.status, 200, "{path}");
        assert!(reply.body.as_str().unwrap().contains("<title>app</title>"));
        assert!(
            reply.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert_eq!(reply.headers["cache-control"], "no-cache");
    }
    let js = app.get("/assets/app-1.js", None).await;
    assert_eq!(js.status, 200);
    assert!(
        js.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(
        js.headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
}

#[tokio::test]
async fn api_paths_missing_files_and_escapes_stay_404() {
    let (app, _dist) = with_built_app().await;
    app.get("/api/nope", None).await.expect(404, "not_found");
    app.get("/api", None).await.expect(404, "not_found");
    app.get("/assets/missing-2.js", None)
        .await
        .expect(404, "not_found");
    // Dot segments never reach outside the app's folder, whatever the client sends.
    for path in [
        "/assets/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2fetc/passwd",
    ] {
        let reply = app.get(path, None).await;
        assert!(!reply.body.to_string().contains("root:"), "{path}");
    }
    let post = app
        .send(app.client.post(format!("{}/login", app.url)))
        .await;
    post.expect(404, "not_found");
}

#[tokio::test]
async fn without_a_built_app_the_root_explains_how_to_build_it() {
    let empty = tempfile::tempdir().unwrap();
    let app = spawn_with(ServerConfig {
        web: WebApp::Directory(empty.path().to_owned()),
        ..ServerConfig::default()
    })
    .await;
    for path in ["/", "/dashboard"] {
        let reply = app.get(path, None).await;
        assert_eq!(reply.status, 200);
        let page = reply.body.as_str().unwrap();
        assert!(page.contains("npm ci &amp;&amp; npm run build"), "{page}");
        assert!(page.contains("scripts/serve"));
        assert!(!page.contains("<script"));
        assert_security_headers(&reply.headers);
    }
    app.get("/api/nope", None).await.expect(404, "not_found");
}

#[tokio::test]
async fn the_embedded_app_or_the_build_page_answers_the_root() {
    // Whether web/dist was built before this test binary is not the test's business: either the
    // app or the explanation must come back, as HTML.
    let app = spawn_app().await;
    let reply = app.get("/", None).await;
    assert_eq!(reply.status, 200);
    assert!(
        reply.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
}

#[tokio::test]
async fn metrics_on_the_public_port_open_only_for_their_token() {
    let app = spawn_app().await;
    app.get("/metrics", None)
        .await
        .expect(401, "unauthenticated");
    let wrong = format!("{}x", common::METRICS_TOKEN);
    app.get("/metrics", Some(&wrong))
        .await
        .expect(401, "unauthenticated");
    app.get("/metrics", Some(&common::METRICS_TOKEN[1..]))
        .await
        .expect(401, "unauthenticated");
    let reply = app.get("/metrics", Some(common::METRICS_TOKEN)).await;
    assert_eq!(reply.status, 200);
    assert!(
        reply
            .body
            .as_str()
            .unwrap()
            .contains("silo_tenant_pools_open"),
        "{:?}",
        reply.body
    );
    // The operator's endpoint is not part of the API document.
    let doc = app.get("/api/openapi.json", None).await;
    assert!(doc.body["paths"]["/healthz"].is_object());
    assert!(doc.body["paths"].get("/metrics").is_none());
}
