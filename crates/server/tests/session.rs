#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! Browser sessions: the refresh cookie set by every token-issuing route, refresh with rotation,
//! reuse detection, logout, and the request-path checks made again on refresh.

mod common;

use common::{PASSWORD, Reply, TestApp, payload, spawn_app, spawn_with};
use serde_json::json;
use silo_roles::Role;
use silo_server::ServerConfig;

/// The `Set-Cookie` header of a reply (exactly one is expected).
fn set_cookie(reply: &Reply) -> String {
    let all: Vec<_> = reply.headers.get_all("set-cookie").iter().collect();
    assert_eq!(all.len(), 1, "{all:?}");
    all[0].to_str().unwrap().to_owned()
}

/// The session token inside a `Set-Cookie` header.
fn session_of(set_cookie: &str) -> String {
    let first = set_cookie.split(';').next().unwrap();
    first.strip_prefix("silo_refresh=").unwrap().to_owned()
}

async fn refresh(app: &TestApp, session: &str) -> Reply {
    app.send(
        app.client
            .post(format!("{}/api/auth/refresh", app.url))
            .header("x-silo-refresh", "1")
            .header("cookie", format!("silo_refresh={session}")),
    )
    .await
}

async fn signup_session(app: &TestApp, company: &str, email: &str) -> (Reply, String) {
    let reply = app
        .post(
            "/api/signup",
            None,
            json!({"company_name": company, "email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let session = session_of(&set_cookie(&reply));
    (reply, session)
}

#[tokio::test]
async fn the_cookie_is_http_only_strict_and_scoped_to_auth_routes() {
    let app = spawn_app().await;
    let (reply, session) = signup_session(&app, "Acme", "owner@acme.example").await;
    let cookie = set_cookie(&reply);
    for part in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/api/auth",
        "Max-Age=1209600",
    ] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "plain http must not mark it Secure"
    );
    assert_eq!(session.len(), 64);
    // Only a hash is stored.
    let control = std::fs::read(app.storage.dir.path().join("control.sqlite3")).unwrap_or_default();
    assert!(!String::from_utf8_lossy(&control).contains(&session));

    let tls = spawn_with(ServerConfig {
        public_url: "https://silo.example".into(),
        ..ServerConfig::default()
    })
    .await;
    let (reply, _) = signup_session(&tls, "Acme", "owner@acme.example").await;
    assert!(set_cookie(&reply).contains("; Secure"));
}

async fn refresh_returns_a_token_for_the_same_company_and_rotates_the_cookie() {
    let app = spawn_app().await;
    let (signed_up, first) = signup_session(&app, "Acme", "owner@acme.example").await;
    let company = signed_up.body["company"]["id"].as_str().unwrap().to_owned();

    let reply = refresh(&app, &first).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let token = reply.body["token"].as_str().unwrap();
    assert_eq!(payload(token)["company_id"], company.as_str());
    assert_eq!(reply.body["role"], "owner");
    assert_eq!(app.get("/api/company", Some(token)).await.status, 200);
    let second = session_of(&set_cookie(&reply));
    assert_ne!(first, second);

    // The replacement works once more; the original is spent.
    assert_eq!(refresh(&app, &second).await.status, 200);
}

async fn a_replayed_cookie_revokes_the_whole_session() {
    let app = spawn_app().await;
    let (_, first) = signup_session(&app, "Acme", "owner@acme.example").await;
    let second = session_of(&set_cookie(&refresh(&app, &first).await));
    // Someone presents the old token again: refused, and the live one dies with it.
    let replay = refresh(&app, &first).await;
    replay.expect(401, "unauthenticated");
    assert!(set_cookie(&replay).contains("Max-Age=0"));
    refresh(&app, &second).await.expect(401, "unauthenticated");
}

async fn refresh_needs_the_csrf_header_and_a_cookie() {
    let app = spawn_app().await;
    let (_, session) = signup_session(&app, "Acme", "owner@acme.example").await;
    let no_header = app
        .send(
            app.client
                .post(format!("{}/api/auth/refresh", app.url))
                .header("cookie", format!("silo_refresh={session}")),
        )
        .await;
    no_header.expect(400, "bad_request");
    let no_cookie = app
        .send(
            app.client
                .post(format!("{}/api/auth/refresh", app.url))
                .header("x-silo-refresh", "1"),
        )
        .await;
    no_cookie.expect(401, "unauthenticated");
    refresh(&app, "0".repeat(64).as_str())
        .await
        .expect(401, "unauthenticated");
    // The refused attempt without the header did not spend the session.
    assert_eq!(refresh(&app, &session).await.status, 200);
}

async fn logout_revokes_the_session_and_clears_the_cookie() {
    let app = spawn_app().await;
    let (_, session) = signup_session(&app, "Acme", "owner@acme.example").await;
    let reply = app
        .send(
            app.client
                .post(format!("{}/api/auth/logout", app.url))
                .header("x-silo-refresh", "1")
                .header("cookie", format!("silo_refresh={session}")),
        )
        .await;
    assert_eq!(reply.status, 204);
    assert!(set_cookie(&reply).contains("Max-Age=0"));
    refresh(&app, &session).await.expect(401, "unauthenticated");
}

async fn refresh_fails_closed_when_the_membership_or_company_goes() {
    let app = spawn_app().await;
    let (_, company) = app.signup("Acme", "owner@acme.example").await;
    app.add_member(&company, "sales@acme.example", Role::Sales)
        .await;
    let login = app.login("sales@acme.example", None).await;
    let session = session_of(&set_cookie(&login));
    let control = app.tenancy.control();
    let acme = control.find_company(&company).await.unwrap().unwrap();
    let identity = control
        .identity_by_email(&silo_control::Email::parse("sales@acme.example").unwrap())
        .await
        .unwrap()
        .unwrap();
    control
        .remove_membership(identity.id, acme.id)
        .await
        .unwrap();
    let refused = refresh(&app, &session).await;
    refused.expect(403, "not_a_member");
    assert!(set_cookie(&refused).contains("Max-Age=0"));

    // A suspended company refuses too, and the session is over for good.
    let (owner, _) = signup_session(&app, "Beta", "owner@beta.example").await;
    let beta = owner.body["company"]["id"].as_str().unwrap().to_owned();
    let owner_session = session_of(&set_cookie(&owner));
    control
        .set_status(
            beta.parse().unwrap(),
            silo_control::CompanyStatus::Suspended,
        )
        .await
        .unwrap();
    refresh(&app, &owner_session)
        .await
        .expect(403, "company_suspended");
    refresh(&app, &owner_session)
        .await
        .expect(401, "unauthenticated");
}

async fn switching_moves_the_session_to_the_new_company() {
    let app = spawn_app().await;
    let (_, acme) = app.signup("Acme", "owner@acme.example").await;
    let (beta_token, beta) = app.signup("Beta", "owner@beta.example").await;
    let _ = beta_token;
    app.add_member(&beta, "owner@acme.example", Role::Viewer)
        .await;
    let login = app.login("owner@acme.example", Some(&acme)).await;
    assert_eq!(login.status, 200, "{}", login.body);
    let old = session_of(&set_cookie(&login));
    let token = login.body["token"].as_str().unwrap();
    let switched = app
        .send(
            app.client
                .post(format!("{}/api/auth/switch", app.url))
                .bearer_auth(token)
                .header("cookie", format!("silo_refresh={old}"))
                .json(&json!({"company": beta})),
        )
        .await;
    assert_eq!(switched.status, 200, "{}", switched.body);
    let new = session_of(&set_cookie(&switched));
    refresh(&app, &old).await.expect(401, "unauthenticated");
    let reply = refresh(&app, &new).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        payload(reply.body["token"].as_str().unwrap())["company_id"],
        beta.as_str()
    );
    assert_eq!(reply.body["role"], "viewer");
}

async fn an_identity_only_login_refreshes_to_an_identity_only_token() {
    let app = spawn_app().await;
    let (_, acme) = app.signup("Acme", "owner@acme.example").await;
    let (_, beta) = app.signup("Beta", "owner@beta.example").await;
    let _ = acme;
    app.add_member(&beta, "owner@acme.example", Role::Sales)
        .await;
    let login = app.login("owner@acme.example", None).await;
    assert!(login.body["company"].is_null());
    let reply = refresh(&app, &session_of(&set_cookie(&login))).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body["company"].is_null());
    assert_eq!(reply.body["companies"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn concurrent_uses_of_one_token_never_both_succeed() {
    let app = spawn_app().await;
    let (_, session) = signup_session(&app, "Acme", "owner@acme.example").await;
    let requests = (0..2)
        .map(|_| {
            app.client
                .post(format!("{}/api/auth/refresh", app.url))
                .header("x-silo-refresh", "1")
                .header("cookie", format!("silo_refresh={session}"))
        })
        .collect();
    let replies = common::send_all(requests).await;
    let ok = replies.iter().filter(|r| r.status == 200).count();
    assert!(ok <= 1, "{ok} refreshes succeeded with one token");
}

async fn logging_in_again_ends_the_browsers_previous_session() {
    let app = spawn_app().await;
    let (_, first) = signup_session(&app, "Acme", "owner@acme.example").await;
    let again = app
        .send(
            app.client
                .post(format!("{}/api/auth/login", app.url))
                .header("cookie", format!("silo_refresh={first}"))
                .json(&json!({"email": "owner@acme.example", "password": PASSWORD})),
        )
        .await;
    assert_eq!(again.status, 200, "{}", again.body);
    let second = session_of(&set_cookie(&again));
    refresh(&app, &first).await.expect(401, "unauthenticated");
    assert_eq!(refresh(&app, &second).await.status, 200);
}

silo_testkit::backend_tests!(
    logging_in_again_ends_the_browsers_previous_session,
    refresh_returns_a_token_for_the_same_company_and_rotates_the_cookie,
    a_replayed_cookie_revokes_the_whole_session,
    refresh_needs_the_csrf_header_and_a_cookie,
    logout_revokes_the_session_and_clears_the_cookie,
    refresh_fails_closed_when_the_membership_or_company_goes,
    switching_moves_the_session_to_the_new_company,
    an_identity_only_login_refreshes_to_an_identity_only_token,
);
