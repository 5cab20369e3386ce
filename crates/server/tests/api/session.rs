#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! Browser sessions: the refresh cookie set by every token-issuing route, refresh with rotation,
//! reuse detection, logout, and the request-path checks made again on refresh. Then the limits
//! in front of sessions: login attempts, password work, signups, and the client address behind
//! a trusted proxy.

use crate::common;

use common::{PASSWORD, Reply, TestApp, payload, send_all, spawn_app, spawn_exact, spawn_with};
use serde_json::json;
use silo_roles::Role;
use silo_server::{LoginLimits, PasswordLimits, RequestLimits, ServerConfig};
use std::time::Duration;

/// The `Set-Cookie` header of a reply (exactly one is expected).
fn set_cookie(reply: &Reply) -> String {
    let all: Vec<_> = reply.headers.get_all("set-cookie").iter().collect();
    assert_eq!(all.len(), 1, "{all:?}");
    all[0].to_str().unwrap().to_owned()
}

/// The session token inside a `Set-Cookie` header (either name).
fn session_of(set_cookie: &str) -> String {
    let first = set_cookie.split(';').next().unwrap();
    first
        .strip_prefix("__Host-silo_refresh=")
        .or_else(|| first.strip_prefix("silo_refresh="))
        .unwrap()
        .to_owned()
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

/// Signs up and uses the mailed verification link, which logs in and starts a session.
async fn signup_session(app: &TestApp, company: &str, email: &str) -> (Reply, String) {
    let asked = app
        .post(
            "/api/signup",
            None,
            json!({"company_name": company, "email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(asked.status, 202, "{}", asked.body);
    let token = app.mailed_token(email, "verify-email");
    let reply = app
        .post("/api/auth/verify-email", None, json!({ "token": token }))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let session = session_of(&set_cookie(&reply));
    (reply, session)
}

#[tokio::test]
async fn the_cookie_is_http_only_strict_and_plain_on_http_loopback() {
    let app = spawn_app().await;
    let (reply, session) = signup_session(&app, "Acme", "owner@acme.example").await;
    let cookie = set_cookie(&reply);
    assert!(cookie.starts_with("silo_refresh="), "{cookie}");
    for part in ["HttpOnly", "SameSite=Strict", "Path=/;", "Max-Age=1209600"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "plain http on loopback must not mark it Secure"
    );
    assert!(!cookie.contains("Domain"), "{cookie}");
    assert_eq!(session.len(), 64);
    // Only a hash is stored.
    let control = std::fs::read(app.storage.dir.path().join("control.sqlite3")).unwrap_or_default();
    assert!(!String::from_utf8_lossy(&control).contains(&session));
}

/// A refresh presenting `session` under the cookie name `name`.
async fn refresh_named(app: &TestApp, name: &str, session: &str) -> Reply {
    app.send(
        app.client
            .post(format!("{}/api/auth/refresh", app.url))
            .header("x-silo-refresh", "1")
            .header("cookie", format!("{name}={session}")),
    )
    .await
}

#[tokio::test]
async fn behind_a_public_address_the_cookie_is_host_prefixed_and_secure() {
    // The Docker image's default public address is plain http on 0.0.0.0: not loopback, so
    // the browser reaches it some other way (a proxy with TLS, or it should).
    for public_url in ["https://silo.example", "http://0.0.0.0:8080"] {
        let app = spawn_with(ServerConfig {
            public_url: public_url.into(),
            ..ServerConfig::default()
        })
        .await;
        let (reply, session) = signup_session(&app, "Acme", "owner@acme.example").await;
        let cookie = set_cookie(&reply);
        assert!(
            cookie.starts_with("__Host-silo_refresh="),
            "{public_url}: {cookie}"
        );
        for part in ["; Secure", "; Path=/;", "HttpOnly", "SameSite=Strict"] {
            assert!(cookie.contains(part), "{public_url}: {cookie}");
        }
        assert!(!cookie.contains("Domain"), "{public_url}: {cookie}");
        // The same token under the unprefixed name (what a sibling subdomain could plant) is
        // not read at all; under its own name it refreshes, and the answer is named alike.
        refresh_named(&app, "silo_refresh", &session)
            .await
            .expect(401, "unauthenticated");
        let reply = refresh_named(&app, "__Host-silo_refresh", &session).await;
        assert_eq!(reply.status, 200, "{public_url}: {}", reply.body);
        assert!(set_cookie(&reply).starts_with("__Host-silo_refresh="));
        let logout = app
            .send(
                app.client
                    .post(format!("{}/api/auth/logout", app.url))
                    .header("x-silo-refresh", "1"),
            )
            .await;
        let cleared = set_cookie(&logout);
        assert!(
            cleared.starts_with("__Host-silo_refresh=;") && cleared.contains("; Secure"),
            "{cleared}"
        );
    }
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

async fn a_refresh_token_two_rotations_old_revokes_the_session() {
    let app = spawn_app().await;
    let (_, first) = signup_session(&app, "Acme", "owner@acme.example").await;
    let after_first = refresh(&app, &first).await;
    let second = session_of(&set_cookie(&after_first));
    let access = after_first.body["token"].as_str().unwrap().to_owned();
    let third = session_of(&set_cookie(&refresh(&app, &second).await));
    assert_eq!(app.get("/api/company", Some(&access)).await.status, 200);

    // The token of two rotations back is a stolen copy too: refused, and the session ends.
    let replay = refresh(&app, &first).await;
    replay.expect(401, "unauthenticated");
    assert!(set_cookie(&replay).contains("Max-Age=0"));
    refresh(&app, &third).await.expect(401, "unauthenticated");
    // So do the access tokens issued for it.
    app.get("/api/company", Some(&access))
        .await
        .expect(401, "unauthenticated");
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

/// Logs in without a cookie (another browser): a new session and its access token.
async fn another_browser(app: &TestApp, email: &str) -> (String, String) {
    let login = app.login(email, None).await;
    assert_eq!(login.status, 200, "{}", login.body);
    (
        session_of(&set_cookie(&login)),
        login.body["token"].as_str().unwrap().to_owned(),
    )
}

async fn logout(app: &TestApp, session: &str) {
    let reply = app
        .send(
            app.client
                .post(format!("{}/api/auth/logout", app.url))
                .header("x-silo-refresh", "1")
                .header("cookie", format!("silo_refresh={session}")),
        )
        .await;
    assert_eq!(reply.status, 204, "{}", reply.body);
}

async fn logout_ends_that_sessions_access_tokens_at_the_next_request() {
    let app = spawn_app().await;
    let (signed_up, laptop) = signup_session(&app, "Acme", "owner@acme.example").await;
    let laptop_token = signed_up.body["token"].as_str().unwrap().to_owned();
    let (phone, phone_token) = another_browser(&app, "owner@acme.example").await;
    // A token from a refresh of the laptop's session belongs to that session as well.
    let refreshed = refresh(&app, &laptop).await;
    let laptop = session_of(&set_cookie(&refreshed));
    let refreshed_token = refreshed.body["token"].as_str().unwrap().to_owned();
    for token in [&laptop_token, &refreshed_token, &phone_token] {
        assert_eq!(app.get("/api/company", Some(token)).await.status, 200);
        assert_eq!(app.get("/api/me", Some(token)).await.status, 200);
    }

    logout(&app, &laptop).await;
    for token in [&laptop_token, &refreshed_token] {
        // Company routes and identity routes alike.
        app.get("/api/company", Some(token))
            .await
            .expect(401, "unauthenticated");
        app.get("/api/me", Some(token))
            .await
            .expect(401, "unauthenticated");
    }
    // The person's other session goes on.
    assert_eq!(
        app.get("/api/company", Some(&phone_token)).await.status,
        200
    );
    let phone_refresh = refresh(&app, &phone).await;
    assert_eq!(phone_refresh.status, 200, "{}", phone_refresh.body);
    let phone_token = phone_refresh.body["token"].as_str().unwrap().to_owned();
    let phone = session_of(&set_cookie(&phone_refresh));

    // Logging out everywhere ends the rest: every session and every access token.
    let (_, desk_token) = another_browser(&app, "owner@acme.example").await;
    let all = app
        .send(
            app.client
                .post(format!("{}/api/auth/logout-all", app.url))
                .bearer_auth(&phone_token),
        )
        .await;
    assert_eq!(all.status, 204, "{}", all.body);
    for token in [&phone_token, &desk_token] {
        app.get("/api/company", Some(token))
            .await
            .expect(401, "unauthenticated");
        app.get("/api/me", Some(token))
            .await
            .expect(401, "unauthenticated");
    }
    refresh(&app, &phone).await.expect(401, "unauthenticated");
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
    a_refresh_token_two_rotations_old_revokes_the_session,
    logout_ends_that_sessions_access_tokens_at_the_next_request,
    refresh_returns_a_token_for_the_same_company_and_rotates_the_cookie,
    a_replayed_cookie_revokes_the_whole_session,
    refresh_needs_the_csrf_header_and_a_cookie,
    logout_revokes_the_session_and_clears_the_cookie,
    refresh_fails_closed_when_the_membership_or_company_goes,
    switching_moves_the_session_to_the_new_company,
    an_identity_only_login_refreshes_to_an_identity_only_token,
);

// Limits that hold. In memory and the same on every backend, so run on SQLite only.

fn retry_after(reply: &Reply) -> u64 {
    reply.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// `silo_password_verifications_total` from `/metrics`.
async fn verifications(app: &TestApp) -> u64 {
    let metrics = app.get("/metrics", Some(common::METRICS_TOKEN)).await;
    let text = metrics.body.as_str().unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("silo_password_verifications_total "))
        .unwrap();
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

fn login_body(email: &str, password: &str) -> serde_json::Value {
    json!({"email": email, "password": password})
}

fn limited(login: LoginLimits) -> ServerConfig {
    ServerConfig {
        login_limits: login,
        request_limits: RequestLimits {
            signups_per_address: 100,
            ..RequestLimits::default()
        },
        ..ServerConfig::default()
    }
}

#[tokio::test]
async fn parallel_wrong_passwords_are_cut_off_before_argon2_runs() {
    let app = spawn_exact(ServerConfig {
        // Room enough that a loaded machine never answers busy here: every counted guess runs.
        password_limits: PasswordLimits {
            wait: Duration::from_secs(60),
            ..PasswordLimits::default()
        },
        ..limited(LoginLimits {
            per_email: 5,
            per_address: 1000,
            window: Duration::from_secs(600),
        })
    })
    .await;
    app.signup("Acme", "ann@acme.example").await;
    let before = verifications(&app).await;
    let guesses = (0..40)
        .map(|n| {
            app.client
                .post(format!("{}/api/auth/login", app.url))
                .json(&login_body(
                    "ann@acme.example",
                    &format!("guess number {n}"),
                ))
        })
        .collect();
    let replies = send_all(guesses).await;
    let answered = |code: &str| replies.iter().filter(|r| r.code() == code).count();
    let (wrong, limited) = (answered("invalid_credentials"), answered("rate_limited"));
    assert_eq!(wrong + limited, 40, "only 401 and 429 expected");
    assert_eq!(
        wrong, 5,
        "the limit's worth of guesses is verified, no more"
    );
    assert!(
        replies
            .iter()
            .filter(|r| r.code() == "rate_limited")
            .all(|r| r.status == 429 && (1..=600).contains(&retry_after(r)))
    );
    let ran = verifications(&app).await - before;
    assert_eq!(ran, 5, "Argon2 verifications run for 40 guesses");

    // During the lock the right password is refused too, without being verified.
    let right = app.login("ann@acme.example", None).await;
    right.expect(429, "rate_limited");
    assert_eq!(verifications(&app).await - before, ran);
}

#[tokio::test]
async fn password_work_answers_busy_when_every_slot_is_taken() {
    let app = spawn_exact(ServerConfig {
        password_limits: PasswordLimits {
            slots: 1,
            wait: Duration::from_millis(50),
        },
        ..limited(LoginLimits {
            per_email: 5,
            per_address: 1000,
            window: Duration::from_secs(600),
        })
    })
    .await;
    app.signup("Acme", "ann@acme.example").await;
    let held = app.passwords.hold_every_slot().await;
    let before = app.passwords.verifications();
    // More than the login limit: an attempt that got no slot verified nothing and is not
    // counted against the person.
    for _ in 0..7 {
        let busy = app.login("ann@acme.example", None).await;
        busy.expect(503, "busy");
        assert!(retry_after(&busy) >= 1);
    }
    app.post(
        "/api/signup",
        None,
        json!({"company_name": "Bolt", "email": "bo@bolt.example", "password": PASSWORD}),
    )
    .await
    .expect(503, "busy");
    assert_eq!(app.passwords.verifications(), before);
    drop(held);
    let login = app.login("ann@acme.example", None).await;
    assert_eq!(login.status, 200, "{}", login.body);
}

#[tokio::test]
async fn signups_are_limited_per_client_address() {
    let app = spawn_exact(ServerConfig {
        request_limits: RequestLimits {
            signups_per_address: 3,
            resets_per_address: 3,
            invitations_per_company: 1000,
            window: Duration::from_secs(3600),
        },
        ..ServerConfig::default()
    })
    .await;
    let signup = |n: u32| {
        app.post(
            "/api/signup",
            None,
            json!({"company_name": format!("Company {n}"), "email": format!("o{n}@x.example"), "password": PASSWORD}),
        )
    };
    for n in 0..3 {
        let r = signup(n).await;
        assert!(r.status.is_success(), "{}", r.body);
    }
    let refused = signup(3).await;
    refused.expect(429, "rate_limited");
    assert!((1..=3600).contains(&retry_after(&refused)));
}

/// A signup from `forwarded_for` (through the proxy at 127.0.0.1).
async fn signup_from(app: &TestApp, forwarded_for: &str, n: u32) -> Reply {
    app.send(
        app.client
            .post(format!("{}/api/signup", app.url))
            .header("x-forwarded-for", forwarded_for)
            .json(&json!({"company_name": format!("Company {n}"), "email": format!("o{n}@x.example"), "password": PASSWORD})),
    )
    .await
}

/// Logs in through the proxy as `forwarded_for` and answers the `client_ip` of the company's
/// audit record of that login.
async fn login_audited_as(app: &TestApp, forwarded_for: &str) -> String {
    let login = app
        .send(
            app.client
                .post(format!("{}/api/auth/login", app.url))
                .header("x-forwarded-for", forwarded_for)
                .json(&login_body("ann@acme.example", PASSWORD)),
        )
        .await;
    assert_eq!(login.status, 200, "{}", login.body);
    let token = login.body["token"].as_str().unwrap();
    let audit = app.get("/api/audit?action=auth.login", Some(token)).await;
    assert_eq!(audit.status, 200, "{}", audit.body);
    audit.body["items"][0]["client_ip"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn behind_a_trusted_proxy_limits_and_audit_name_the_real_client() {
    let limits = RequestLimits {
        signups_per_address: 2,
        resets_per_address: 2,
        invitations_per_company: 1000,
        window: Duration::from_secs(3600),
    };
    let proxied = spawn_exact(ServerConfig {
        request_limits: limits,
        trusted_proxies: vec!["127.0.0.1/32".parse().unwrap()],
        ..ServerConfig::default()
    })
    .await;
    proxied.signup("Acme", "ann@acme.example").await;
    assert_eq!(
        login_audited_as(&proxied, "203.0.113.7").await,
        "203.0.113.7"
    );
    // The client's own claims left of what our proxy appended count for nothing.
    assert_eq!(
        login_audited_as(&proxied, "198.51.100.1, 203.0.113.7").await,
        "203.0.113.7"
    );
    for n in 0..2 {
        let r = signup_from(&proxied, "203.0.113.7", n).await;
        assert!(r.status.is_success(), "{}", r.body);
    }
    signup_from(&proxied, "203.0.113.7", 2)
        .await
        .expect(429, "rate_limited");
    let other = signup_from(&proxied, "203.0.113.8", 3).await;
    assert!(other.status.is_success(), "another client: {}", other.body);

    // Without a trusted proxy the header is the client's say-so and changes nothing.
    let direct = spawn_exact(ServerConfig {
        request_limits: limits,
        ..ServerConfig::default()
    })
    .await;
    direct.signup("Acme", "ann@acme.example").await;
    assert_eq!(login_audited_as(&direct, "203.0.113.7").await, "127.0.0.1");
    let second = signup_from(&direct, "203.0.113.7", 1).await;
    assert!(second.status.is_success(), "{}", second.body);
    signup_from(&direct, "203.0.113.9", 2)
        .await
        .expect(429, "rate_limited");
}
