#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! The request path of architecture.md, refusal by refusal, over real HTTP.

use crate::common;

use common::*;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::json;
use silo_control::{CompanyId, CompanyStatus, IdentityId};
use silo_roles::Role;

async fn signup_login_me_and_company() {
    let app = spawn_app().await;
    let (token, company_id) = app.signup("Acme Digital", "ann@acme.example").await;
    let me = app.get("/api/me", Some(&token)).await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.body["identity"]["email"], "ann@acme.example");
    assert_eq!(me.body["role"], "owner");
    assert_eq!(me.body["company"]["id"], company_id.as_str());
    assert!(
        me.body["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == "company.delete")
    );

    let company = app.get("/api/company", Some(&token)).await;
    assert_eq!(
        company.body["slug"],
        app.slug("acme-digital").await.as_str()
    );
    assert!(
        company.body["slug"]
            .as_str()
            .unwrap()
            .starts_with("acme-digital-"),
        "the name with a random suffix"
    );
    assert_eq!(company.body["plan"], "starter");
    assert_eq!(company.body["status"], "active");

    let login = app.login("ANN@acme.example", None).await;
    assert_eq!(login.status, 200, "{}", login.body);
    assert_eq!(login.body["token_type"], "Bearer");
    assert_eq!(login.body["expires_in"], 900);
    assert_eq!(
        login.body["company"]["id"],
        company_id.as_str(),
        "a single membership binds"
    );
    let claims = payload(login.body["token"].as_str().unwrap());
    for claim in [
        "iss",
        "aud",
        "sub",
        "company_id",
        "iat",
        "nbf",
        "exp",
        "jti",
    ] {
        assert!(claims.get(claim).is_some(), "missing {claim}");
    }
    assert!(
        claims.get("role").is_none(),
        "roles are never trusted from the token"
    );

    let renamed = app
        .patch(
            "/api/company",
            Some(&token),
            json!({"name": "Acme Digital B.V."}),
        )
        .await;
    assert_eq!(renamed.body["name"], "Acme Digital B.V.");
}

async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let app = spawn_app().await;
    app.signup("Acme", "ann@acme.example").await;
    let wrong = app
        .post(
            "/api/auth/login",
            None,
            json!({"email": "ann@acme.example", "password": "not the password"}),
        )
        .await;
    let unknown = app
        .post(
            "/api/auth/login",
            None,
            json!({"email": "nobody@acme.example", "password": "not the password"}),
        )
        .await;
    wrong.expect(401, "invalid_credentials");
    unknown.expect(401, "invalid_credentials");
    assert_eq!(wrong.body, unknown.body);
}

async fn brute_force_is_rate_limited_per_email() {
    let app = spawn_app().await;
    app.signup("Acme", "ann@acme.example").await;
    for _ in 0..5 {
        app.post(
            "/api/auth/login",
            None,
            json!({"email": "ann@acme.example", "password": "guess guess guess"}),
        )
        .await
        .expect(401, "invalid_credentials");
    }
    let limited = app.login("ann@acme.example", None).await;
    limited.expect(429, "rate_limited");
    let retry: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 600);
}

async fn the_company_claim_always_wins() {
    let app = spawn_app().await;
    let (token_a, company_a) = app.signup("Alpha", "ann@alpha.example").await;
    let (_token_b, company_b) = app.signup("Beta", "bob@beta.example").await;
    app.add_member("beta", "ann@alpha.example", Role::Owner)
        .await;
    let ask = |req: reqwest::RequestBuilder| req.bearer_auth(&token_a);
    let url = format!("{}/api/company", app.url);
    let attempts = [
        ask(app.client.get(&url).header("X-Tenant-ID", &company_b)),
        ask(app.client.get(&url).header("X-Company-ID", &company_b)),
        ask(app
            .client
            .get(&url)
            .header("X-Forwarded-Host", "beta.silo.example")),
        ask(app.client.get(&url).header("Host", "beta.localhost")),
        ask(app.client.get(format!(
            "{url}?company_id={company_b}&company=beta&tenant={company_b}"
        ))),
    ];
    for req in attempts {
        let r = app.send(req).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["id"], company_a.as_str());
    }
}

async fn switching_between_companies() {
    let app = spawn_app().await;
    let (_, company_a) = app.signup("Alpha", "ann@alpha.example").await;
    let (_, company_b) = app.signup("Beta", "bob@beta.example").await;
    app.add_member("beta", "ann@alpha.example", Role::Finance)
        .await;

    let login = app.login("ann@alpha.example", None).await;
    assert_eq!(login.status, 200);
    assert!(
        login.body["company"].is_null(),
        "several memberships give an identity-only token"
    );
    assert_eq!(login.body["companies"].as_array().unwrap().len(), 2);
    let identity_only = login.body["token"].as_str().unwrap().to_owned();
    assert!(payload(&identity_only).get("company_id").is_none());
    app.get("/api/company", Some(&identity_only))
        .await
        .expect(403, "no_company");
    let me = app.get("/api/me", Some(&identity_only)).await;
    assert!(me.body["company"].is_null() && me.body["permissions"].as_array().unwrap().is_empty());

    let switched = app
        .post(
            "/api/auth/switch",
            Some(&identity_only),
            json!({"company": app.slug("beta").await}),
        )
        .await;
    assert_eq!(switched.status, 200, "{}", switched.body);
    assert_eq!(switched.body["role"], "finance");
    let token_b = switched.body["token"].as_str().unwrap();
    assert_eq!(
        app.get("/api/company", Some(token_b)).await.body["id"],
        company_b.as_str()
    );

    let back = app
        .post(
            "/api/auth/switch",
            Some(token_b),
            json!({"company": company_a}),
        )
        .await;
    assert_eq!(back.body["role"], "owner");

    let bound = app.login("ann@alpha.example", Some("beta")).await;
    assert_eq!(bound.body["company"]["id"], company_b.as_str());

    // Companies the identity does not belong to, existing or not, answer alike.
    let (_, _) = app.signup("Gamma", "gus@gamma.example").await;
    app.post(
        "/api/auth/switch",
        Some(&identity_only),
        json!({"company": app.slug("gamma").await}),
    )
    .await
    .expect(403, "not_a_member");
    app.post(
        "/api/auth/switch",
        Some(&identity_only),
        json!({"company": "no-such-co"}),
    )
    .await
    .expect(403, "not_a_member");
    app.login("ann@alpha.example", Some("gamma"))
        .await
        .expect(403, "not_a_member");
}

async fn registry_changes_act_on_the_very_next_request() {
    let app = spawn_app().await;
    let (_, company) = app.signup("Acme", "ann@acme.example").await;
    app.add_member("acme", "adam@acme.example", Role::Admin)
        .await;
    let token = app.login("adam@acme.example", None).await.body["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let control = app.tenancy.control();
    let company_id: CompanyId = company.parse().unwrap();
    let adam: IdentityId = payload(&token)["sub"].as_str().unwrap().parse().unwrap();

    assert_eq!(
        app.patch("/api/company", Some(&token), json!({"name": "Acme 2"}))
            .await
            .status,
        200
    );
    control
        .set_role(adam, company_id, Role::Viewer)
        .await
        .unwrap();
    app.patch("/api/company", Some(&token), json!({"name": "Acme 3"}))
        .await
        .expect(403, "forbidden");
    assert_eq!(
        app.get("/api/company", Some(&token)).await.status,
        200,
        "viewers may read"
    );

    let c = control.company(company_id).await.unwrap().unwrap();
    app.tenancy
        .set_status(&c, CompanyStatus::Suspended)
        .await
        .unwrap();
    app.get("/api/company", Some(&token))
        .await
        .expect(403, "company_suspended");
    app.tenancy
        .set_status(&c, CompanyStatus::Active)
        .await
        .unwrap();
    assert_eq!(app.get("/api/company", Some(&token)).await.status, 200);

    control.remove_membership(adam, company_id).await.unwrap();
    app.get("/api/company", Some(&token))
        .await
        .expect(403, "not_a_member");
}

async fn unknown_and_unfinished_companies_are_unresolved() {
    let app = spawn_app().await;
    let (token, _) = app.signup("Acme", "ann@acme.example").await;
    let sub = payload(&token)["sub"].as_str().unwrap().to_owned();
    let (kid, pem) = app.signing_pem();
    let key = EncodingKey::from_ed_pem(pem.as_bytes()).unwrap();
    let header = json!({"alg": "EdDSA", "typ": "JWT", "kid": kid});

    let ghost = forge(
        &header,
        &claims(&sub, Some(&uuid::Uuid::now_v7().to_string())),
        Some((&key, Algorithm::EdDSA)),
    );
    app.get("/api/company", Some(&ghost))
        .await
        .expect(403, "tenant_unresolved");

    let half = app
        .tenancy
        .register(
            silo_control::NewCompany {
                name: "Half".into(),
                slug: silo_control::Slug::parse("half").unwrap(),
            },
            silo_control::NewIdentity {
                email: silo_control::Email::parse("ann@acme.example").unwrap(),
                name: String::new(),
                password_hash: None,
            },
        )
        .await
        .unwrap();
    let provisioning = forge(
        &header,
        &claims(&sub, Some(&half.id.to_string())),
        Some((&key, Algorithm::EdDSA)),
    );
    app.get("/api/company", Some(&provisioning))
        .await
        .expect(403, "tenant_unresolved");
}

#[tokio::test]
async fn a_missing_or_corrupt_tenant_database_is_503_and_never_recreated() {
    let app = spawn_app().await;
    let (token, company) = app.signup("Acme", "ann@acme.example").await;
    let path = app
        .tenancy
        .data_dir()
        .unwrap()
        .tenant_path(company.parse().unwrap());
    silo_store::sqlite::remove_files(&path).unwrap();
    app.get("/api/company", Some(&token))
        .await
        .expect(503, "tenant_unavailable");
    assert!(!path.exists());
    std::fs::write(
        &path,
        b"garbage garbage garbage garbage garbage garbage garbage garbage garbage",
    )
    .unwrap();
    app.get("/api/company", Some(&token))
        .await
        .expect(503, "tenant_unavailable");
    // Identity routes still work: the fault touches only that company.
    assert_eq!(app.get("/api/me", Some(&token)).await.status, 200);
}

async fn bodies_that_are_not_json_too_big_or_misshapen() {
    let app = spawn_app().await;
    let r = app
        .send(
            app.client
                .post(format!("{}/api/auth/login", app.url))
                .header("content-type", "application/json")
                .body("{not json"),
        )
        .await;
    r.expect(400, "bad_request");
    // JSON of the wrong shape is a field problem naming the field.
    let r = app.post("/api/auth/login", None, json!({"email": 5})).await;
    r.expect(422, "invalid");
    assert_eq!(r.body["error"]["fields"]["email"], "must be a text");
    // An array is not an object, even though serde could fill a struct from it by position.
    let r = app
        .post(
            "/api/auth/login",
            None,
            json!(["ann@acme.example", "correct horse battery"]),
        )
        .await;
    r.expect(400, "bad_request");
    let huge = "x".repeat(2 * 1024 * 1024);
    let r = app
        .post(
            "/api/auth/login",
            None,
            json!({"email": huge, "password": "x"}),
        )
        .await;
    r.expect(413, "payload_too_large");
    let r = app
        .send(app.client.delete(format!("{}/healthz", app.url)))
        .await;
    r.expect(405, "method_not_allowed");
    let r = app.get("/api/nothing-here", None).await;
    r.expect(404, "not_found");
    assert!(r.headers.contains_key("x-request-id"));
}

async fn plan_changes_are_for_owners() {
    let app = spawn_app().await;
    let (owner, _) = app.signup("Acme", "ann@acme.example").await;
    app.add_member("acme", "adam@acme.example", Role::Admin)
        .await;
    let admin = app.login("adam@acme.example", None).await.body["token"]
        .as_str()
        .unwrap()
        .to_owned();
    app.patch("/api/company", Some(&admin), json!({"plan": "scale"}))
        .await
        .expect(403, "forbidden");
    app.patch("/api/company", Some(&owner), json!({"plan": "platinum"}))
        .await
        .expect(422, "invalid");
    // Owners move to a paid plan only through the operator; back to starter themselves.
    app.patch("/api/company", Some(&owner), json!({"plan": "growth"}))
        .await
        .expect(403, "plan_by_operator");
    let id = app.get("/api/company", Some(&owner)).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.operator_plan(&id, silo_control::Plan::Growth).await;
    let r = app
        .patch("/api/company", Some(&owner), json!({"plan": "starter"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["plan"], "starter");
}

async fn a_lost_tenant_database_is_503_and_never_recreated() {
    let app = spawn_app().await;
    let (token, company) = app.signup("Acme", "ann@acme.example").await;
    let company = app
        .tenancy
        .control()
        .company(company.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    app.get("/api/company", Some(&token)).await;
    app.storage.lose_database(&app.tenancy, &company).await;
    for _ in 0..2 {
        app.get("/api/company", Some(&token))
            .await
            .expect(503, "tenant_unavailable");
    }
    assert!(!app.storage.database_exists(&app.tenancy, &company).await);
    assert_eq!(app.get("/api/me", Some(&token)).await.status, 200);
}

silo_testkit::backend_tests!(
    a_lost_tenant_database_is_503_and_never_recreated,
    signup_login_me_and_company,
    wrong_password_and_unknown_email_get_the_same_answer,
    brute_force_is_rate_limited_per_email,
    the_company_claim_always_wins,
    switching_between_companies,
    registry_changes_act_on_the_very_next_request,
    unknown_and_unfinished_companies_are_unresolved,
    bodies_that_are_not_json_too_big_or_misshapen,
    plan_changes_are_for_owners,
);
