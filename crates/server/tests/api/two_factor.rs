#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! Two-factor authentication through the API on both backends: set-up, login with a code,
//! replay, recovery codes, disabling, a company's requirement, an operator's reset, and a
//! disabled identity losing access on its next request.
//!
//! Codes are computed with totp-rs from the `otpauth_uri` the API answered, so the URI itself is
//! checked too. A code is used for a time step relative to the clock when it is computed: step
//! offset 0 to confirm, +1 to log in, so the two are always different steps whatever the clock
//! does meanwhile, and both are within the one step of drift the server allows.

use crate::common;

use common::{PASSWORD, Reply, TestApp, now, payload, spawn_app};
use serde_json::{Value, json};
use silo_roles::Role;
use silo_store::Db;

/// The code of the step `offset` steps from now.
fn code(uri: &str, offset: i64) -> String {
    let totp = totp_rs::Totp::from_url(uri).unwrap();
    let at = u64::try_from(now() + offset * 30).unwrap();
    totp.generate(at).to_string()
}

/// A six-digit code that is not valid anywhere near now.
fn wrong_code(uri: &str) -> String {
    let near: Vec<String> = (-3..=3).map(|o| code(uri, o)).collect();
    ["000000", "111111", "222222", "333333"]
        .into_iter()
        .find(|c| !near.iter().any(|n| n == c))
        .unwrap()
        .to_owned()
}

/// Starts and confirms two-factor for the token's identity; answers the otpauth URI and the
/// recovery codes.
async fn enable(app: &TestApp, token: &str, email: &str) -> (String, Vec<String>) {
    let setup = app
        .post(
            "/api/auth/2fa/setup",
            Some(token),
            json!({"password": PASSWORD}),
        )
        .await;
    assert_eq!(setup.status, 200, "{}", setup.body);
    let uri = setup.body["otpauth_uri"].as_str().unwrap().to_owned();
    let secret = setup.body["secret"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/Silo:"), "{uri}");
    assert!(uri.contains("issuer=Silo"), "{uri}");
    assert!(uri.contains(&email.replace('@', "%40")), "{uri}");
    let from_uri = totp_rs::Totp::from_url(&uri).unwrap();
    assert_eq!(from_uri.secret().to_base32(), secret);
    assert_eq!(from_uri.digits(), 6);
    assert_eq!(from_uri.step(), 30);
    assert_eq!(from_uri.algorithm(), totp_rs::Algorithm::SHA1);
    let confirmed = app
        .post(
            "/api/auth/2fa/confirm",
            Some(token),
            json!({"code": code(&uri, 0)}),
        )
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    let codes: Vec<String> = confirmed.body["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    (uri, codes)
}

async fn login_with(app: &TestApp, email: &str, code: Option<&str>) -> Reply {
    let mut body = json!({"email": email, "password": PASSWORD});
    if let Some(code) = code {
        body["code"] = json!(code);
    }
    app.post("/api/auth/login", None, body).await
}

fn token_of(reply: &Reply) -> String {
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["token"].as_str().unwrap().to_owned()
}

/// A second handle on the control database, to look at what is stored.
async fn control_db(app: &TestApp) -> Db {
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

/// Actions recorded without a company (identity-level), oldest first.
async fn identity_actions(db: &Db) -> Vec<(String, String)> {
    db.fetch_all(
        "SELECT action, outcome FROM audit_events WHERE chain = '-' ORDER BY id",
        &[],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get("action").unwrap(), r.get("outcome").unwrap()))
    .collect()
}

async fn set_up_log_in_replay_and_recover() {
    let app = spawn_app().await;
    let (owner, _) = app.signup("Acme", "ann@acme.example").await;
    let me = app.get("/api/me", Some(&owner)).await;
    assert_eq!(me.body["two_factor"], json!({"enabled": false}));

    // An access token alone cannot start set-up: the password is asked for.
    app.post(
        "/api/auth/2fa/setup",
        Some(&owner),
        json!({"password": "not the password at all"}),
    )
    .await
    .expect(422, "invalid");
    let r = app
        .post("/api/auth/2fa/setup", Some(&owner), json!({}))
        .await;
    r.expect(422, "invalid");
    assert_eq!(r.body["error"]["fields"]["password"], "is required");

    // A pending set-up changes nothing for logging in.
    let pending = app
        .post(
            "/api/auth/2fa/setup",
            Some(&owner),
            json!({"password": PASSWORD}),
        )
        .await;
    assert_eq!(pending.status, 200, "{}", pending.body);
    token_of(&login_with(&app, "ann@acme.example", None).await);
    let uri = pending.body["otpauth_uri"].as_str().unwrap();
    app.post(
        "/api/auth/2fa/confirm",
        Some(&owner),
        json!({"code": wrong_code(uri)}),
    )
    .await
    .expect(422, "invalid");

    // Set-up again replaces the pending secret; confirming turns it on.
    let (uri, recovery) = enable(&app, &owner, "ann@acme.example").await;
    let me = app.get("/api/me", Some(&owner)).await;
    assert_eq!(me.body["two_factor"], json!({"enabled": true}));
    app.post(
        "/api/auth/2fa/setup",
        Some(&owner),
        json!({"password": PASSWORD}),
    )
    .await
    .expect(409, "two_factor_enabled");

    // Login: the password alone is not enough (and, being right, uses up no attempt: more
    // times than the limit allows); a wrong code is wrong credentials.
    for _ in 0..6 {
        login_with(&app, "ann@acme.example", None)
            .await
            .expect(401, "two_factor_required");
    }
    login_with(&app, "ann@acme.example", Some(&wrong_code(&uri)))
        .await
        .expect(401, "invalid_credentials");
    let wrong_password = app
        .post(
            "/api/auth/login",
            None,
            json!({"email": "ann@acme.example", "password": "not the password", "code": code(&uri, 1)}),
        )
        .await;
    wrong_password.expect(401, "invalid_credentials");
    let fresh = code(&uri, 1);
    let token = token_of(&login_with(&app, "ann@acme.example", Some(&fresh)).await);
    assert_eq!(app.get("/api/company", Some(&token)).await.status, 200);
    // The same code never works twice, nor does the code that confirmed set-up.
    login_with(&app, "ann@acme.example", Some(&fresh))
        .await
        .expect(401, "invalid_credentials");

    // A recovery code works once, typed in any case and without hyphens.
    let typed = recovery[0].to_uppercase().replace('-', "");
    token_of(&login_with(&app, "ann@acme.example", Some(&typed)).await);
    login_with(&app, "ann@acme.example", Some(&recovery[0]))
        .await
        .expect(401, "invalid_credentials");

    // A new set voids the old one.
    let renewed = app
        .post(
            "/api/auth/2fa/recovery-codes",
            Some(&token),
            json!({"code": recovery[1]}),
        )
        .await;
    assert_eq!(renewed.status, 200, "{}", renewed.body);
    let new_codes: Vec<String> = renewed.body["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(new_codes.len(), 10);
    assert!(new_codes.iter().all(|c| !recovery.contains(c)));
    login_with(&app, "ann@acme.example", Some(&recovery[2]))
        .await
        .expect(401, "invalid_credentials");
    app.post(
        "/api/auth/2fa/recovery-codes",
        Some(&token),
        json!({"code": recovery[3]}),
    )
    .await
    .expect(422, "invalid");
    token_of(&login_with(&app, "ann@acme.example", Some(&new_codes[0])).await);

    // Only digests are stored, and the audit trail names actions, never codes or secrets.
    let db = control_db(&app).await;
    let stored = db
        .fetch_all("SELECT code_hash FROM recovery_codes", &[])
        .await
        .unwrap();
    assert_eq!(stored.len(), 10);
    for row in &stored {
        let hash: String = row.get("code_hash").unwrap();
        assert_eq!(hash.len(), 64);
        assert!(new_codes.iter().all(|c| !hash.contains(c.as_str())));
    }
    let actions = identity_actions(&db).await;
    for expected in [
        ("two_factor.enable", "success"),
        ("two_factor.enable", "failure"),
        ("two_factor.recovery_used", "success"),
        ("two_factor.recovery_codes", "success"),
        ("two_factor.recovery_codes", "failure"),
        ("auth.login", "failure"),
    ] {
        assert!(
            actions
                .iter()
                .any(|(a, o)| (a.as_str(), o.as_str()) == expected),
            "{expected:?} in {actions:?}"
        );
    }
    let secret = totp_rs::Totp::from_url(&uri).unwrap().secret().to_base32();
    let audit = db
        .fetch_all(
            "SELECT target FROM audit_events WHERE target IS NOT NULL",
            &[],
        )
        .await
        .unwrap();
    for row in &audit {
        let target: String = row.get("target").unwrap();
        assert!(!target.contains(&secret) && !new_codes.contains(&target));
    }
    db.close().await;

    // Wrong codes count against the login limiter (five per address in these tests): after
    // them even the right code is refused until the window ends.
    for _ in 0..5 {
        login_with(&app, "ann@acme.example", Some(&wrong_code(&uri)))
            .await
            .expect(401, "invalid_credentials");
    }
    login_with(&app, "ann@acme.example", Some(&new_codes[1]))
        .await
        .expect(429, "rate_limited");
}

async fn disabling_needs_the_password_and_a_code() {
    let app = spawn_app().await;
    let (owner, _) = app.signup("Acme", "ann@acme.example").await;
    app.post(
        "/api/auth/2fa/disable",
        Some(&owner),
        json!({"password": PASSWORD, "code": "123456"}),
    )
    .await
    .expect(409, "two_factor_not_enabled");
    let (uri, recovery) = enable(&app, &owner, "ann@acme.example").await;

    let wrong_password = app
        .post(
            "/api/auth/2fa/disable",
            Some(&owner),
            json!({"password": "not the password", "code": code(&uri, 1)}),
        )
        .await;
    wrong_password.expect(422, "invalid");
    assert!(wrong_password.body["error"]["fields"]["password"].is_string());
    let wrong_code_reply = app
        .post(
            "/api/auth/2fa/disable",
            Some(&owner),
            json!({"password": PASSWORD, "code": wrong_code(&uri)}),
        )
        .await;
    wrong_code_reply.expect(422, "invalid");
    assert!(wrong_code_reply.body["error"]["fields"]["code"].is_string());
    login_with(&app, "ann@acme.example", None)
        .await
        .expect(401, "two_factor_required");

    let off = app
        .post(
            "/api/auth/2fa/disable",
            Some(&owner),
            json!({"password": PASSWORD, "code": recovery[0]}),
        )
        .await;
    assert_eq!(off.status, 204, "{}", off.body);
    let me = app.get("/api/me", Some(&owner)).await;
    assert_eq!(me.body["two_factor"], json!({"enabled": false}));
    token_of(&login_with(&app, "ann@acme.example", None).await);
    let db = control_db(&app).await;
    let left = db
        .fetch_one("SELECT COUNT(*) AS n FROM recovery_codes", &[])
        .await
        .unwrap();
    assert_eq!(left.get::<i64>("n").unwrap(), 0, "recovery codes go too");
    let actions = identity_actions(&db).await;
    assert!(actions.contains(&("two_factor.disable".into(), "success".into())));
    assert!(actions.contains(&("two_factor.disable".into(), "failure".into())));
    db.close().await;
}

async fn a_company_can_require_two_factor_of_every_member() {
    let app = spawn_app().await;
    let (owner, company) = app.signup("Acme", "ann@acme.example").await;
    let admin = app
        .member_token("acme", "ada@acme.example", Role::Admin)
        .await;
    let bob = app
        .member_token("acme", "bob@acme.example", Role::Sales)
        .await;
    let get = app.get("/api/company", Some(&owner)).await;
    assert_eq!(get.body["require_two_factor"], false);

    // Owners only, and only once they have it themselves.
    app.patch(
        "/api/company",
        Some(&admin),
        json!({"require_two_factor": true}),
    )
    .await
    .expect(403, "forbidden");
    let refused = app
        .patch(
            "/api/company",
            Some(&owner),
            json!({"require_two_factor": true}),
        )
        .await;
    refused.expect(422, "invalid");
    assert!(refused.body["error"]["fields"]["require_two_factor"].is_string());
    enable(&app, &owner, "ann@acme.example").await;
    let on = app
        .patch(
            "/api/company",
            Some(&owner),
            json!({"require_two_factor": true}),
        )
        .await;
    assert_eq!(on.status, 200, "{}", on.body);
    assert_eq!(on.body["require_two_factor"], true);

    // On the very next request, members without it are refused; the owner is not.
    assert_eq!(app.get("/api/company", Some(&owner)).await.status, 200);
    app.get("/api/company", Some(&bob))
        .await
        .expect(403, "two_factor_setup_required");
    app.get("/api/contacts", Some(&admin))
        .await
        .expect(403, "two_factor_setup_required");

    // Login answers an identity-only token naming the company; switching is refused until
    // set-up is done with that token.
    let login = login_with(&app, "bob@acme.example", None).await;
    let identity_only = token_of(&login);
    assert_eq!(login.body["company"], Value::Null);
    assert_eq!(login.body["two_factor_setup_required"], company.as_str());
    assert!(payload(&identity_only).get("company_id").is_none());
    let switch = json!({"company": company});
    app.post("/api/auth/switch", Some(&identity_only), switch.clone())
        .await
        .expect(403, "two_factor_setup_required");
    let (bob_uri, _) = enable(&app, &identity_only, "bob@acme.example").await;
    let switched = app
        .post("/api/auth/switch", Some(&identity_only), switch.clone())
        .await;
    let bound = token_of(&switched);
    assert_eq!(app.get("/api/company", Some(&bound)).await.status, 200);
    let login = login_with(&app, "bob@acme.example", Some(&code(&bob_uri, 1))).await;
    assert_eq!(login.body["company"]["id"], company.as_str());
    assert!(login.body.get("two_factor_setup_required").is_none());

    // An operator's reset acts on the next request too, and set-up can start again.
    let control = app.tenancy.control();
    let bob_id = payload(&bound)["sub"].as_str().unwrap().parse().unwrap();
    assert!(control.reset_two_factor(bob_id).await.unwrap());
    assert!(!control.reset_two_factor(bob_id).await.unwrap());
    app.get("/api/company", Some(&bound))
        .await
        .expect(403, "two_factor_setup_required");
    let again = login_with(&app, "bob@acme.example", None).await;
    assert_eq!(again.body["two_factor_setup_required"], company.as_str());

    // Refusals are in the company's audit trail, with the owner's change.
    let audit = app.get("/api/audit?limit=200", Some(&owner)).await;
    let actions: Vec<&str> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"company.require_two_factor"),
        "{actions:?}"
    );
    assert!(
        actions.contains(&"access.two_factor_setup_required"),
        "{actions:?}"
    );

    // Turning it off lets members without it back in.
    let off = app
        .patch(
            "/api/company",
            Some(&owner),
            json!({"require_two_factor": false}),
        )
        .await;
    assert_eq!(off.status, 200, "{}", off.body);
    assert_eq!(app.get("/api/company", Some(&admin)).await.status, 200);
}

async fn a_disabled_identity_loses_access_on_its_next_request() {
    let app = spawn_app().await;
    let (owner, _) = app.signup("Acme", "ann@acme.example").await;
    let bob = app
        .member_token("acme", "bob@acme.example", Role::Sales)
        .await;
    let login = login_with(&app, "bob@acme.example", None).await;
    let cookie = login
        .headers
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(app.get("/api/company", Some(&bob)).await.status, 200);

    let control = app.tenancy.control();
    let bob_id = payload(&bob)["sub"].as_str().unwrap().parse().unwrap();
    assert!(control.disable_identity(bob_id).await.unwrap());
    app.get("/api/company", Some(&bob))
        .await
        .expect(401, "unauthenticated");
    app.get("/api/me", Some(&bob))
        .await
        .expect(401, "unauthenticated");
    let refresh = app
        .send(
            app.client
                .post(format!("{}/api/auth/refresh", app.url))
                .header("x-silo-refresh", "1")
                .header("cookie", &cookie),
        )
        .await;
    refresh.expect(401, "unauthenticated");
    login_with(&app, "bob@acme.example", None)
        .await
        .expect(401, "invalid_credentials");
    let overview = control.identity_overview(bob_id).await.unwrap().unwrap();
    assert_eq!(overview.active_sessions, 0);
    // Others are untouched.
    assert_eq!(app.get("/api/company", Some(&owner)).await.status, 200);

    assert!(control.enable_identity(bob_id).await.unwrap());
    let back = token_of(&login_with(&app, "bob@acme.example", None).await);
    assert_eq!(app.get("/api/company", Some(&back)).await.status, 200);
    // The session revoked while disabled stays revoked.
    let refresh = app
        .send(
            app.client
                .post(format!("{}/api/auth/refresh", app.url))
                .header("x-silo-refresh", "1")
                .header("cookie", &cookie),
        )
        .await;
    refresh.expect(401, "unauthenticated");
}

silo_testkit::backend_tests!(
    set_up_log_in_replay_and_recover,
    disabling_needs_the_password_and_a_code,
    a_company_can_require_two_factor_of_every_member,
    a_disabled_identity_loses_access_on_its_next_request,
);
