#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! `DELETE /api/company` (owners, with the slug typed as confirmation) and a tenant database
//! at a schema newer than this build answering 503.

use crate::common;

use common::*;
use serde_json::{Value, json};
use silo_control::CompanyStatus;
use silo_roles::Role;

async fn erase(app: &TestApp, token: &str, body: Value) -> Reply {
    let req = app
        .client
        .delete(format!("{}/api/company", app.url))
        .bearer_auth(token)
        .json(&body);
    app.send(req).await
}

async fn owners_erase_with_confirmation_and_every_token_is_refused_after() {
    let app = spawn_app().await;
    let (owner, id) = app.signup("Acme", "ann@acme.example").await;
    let admin = app
        .member_token("acme", "bob@acme.example", Role::Admin)
        .await;
    app.signup("Bolt", "dan@bolt.example").await;
    app.add_member("bolt", "cat@both.example", Role::Sales)
        .await;
    let both = app
        .member_token("acme", "cat@both.example", Role::Sales)
        .await;
    let created = app
        .post("/api/accounts", Some(&owner), json!({"name": "Big Client"}))
        .await;
    assert_eq!(created.status, 201);
    let slug = app.slug("acme").await;

    erase(&app, &admin, json!({"confirm": slug}))
        .await
        .expect(403, "forbidden");
    erase(&app, &owner, json!({})).await.expect(422, "invalid");
    erase(&app, &owner, json!({"confirm": "other"}))
        .await
        .expect(422, "invalid");
    app.get("/api/accounts", Some(&owner)).await.expect(200, "");

    erase(&app, &owner, json!({"confirm": "acme"}))
        .await
        .expect(422, "invalid");
    let done = erase(&app, &owner, json!({"confirm": slug})).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.body["status"], "erased");

    // Ann and Bob belonged to Acme only: they are erased, so their tokens fail at the first
    // check. Cat belongs to Bolt too: she stays, but her session bound to Acme went with it.
    for token in [&owner, &admin, &both] {
        app.get("/api/me", Some(token))
            .await
            .expect(401, "unauthenticated");
        app.get("/api/accounts", Some(token))
            .await
            .expect(401, "unauthenticated");
    }
    let login = app.login("cat@both.example", None).await;
    assert_eq!(login.status, 200, "{}", login.body);
    let me = app
        .get("/api/me", Some(login.body["token"].as_str().unwrap()))
        .await;
    assert_eq!(me.status, 200, "{}", me.body);
    let companies: Vec<&str> = me.body["companies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(companies, vec!["Bolt"]);
    let control = app.tenancy.control();
    for email in ["ann@acme.example", "bob@acme.example"] {
        let email = silo_control::Email::parse(email).unwrap();
        assert!(control.identity_by_email(&email).await.unwrap().is_none());
    }
    let company = control.company(id.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(company.status, CompanyStatus::Erased);
    assert_eq!(company.name, "");
    assert_eq!(company.slug.as_str(), format!("erased-{}", company.id));
    assert_eq!(done.body["name"], "");
    assert!(company.erased_at.is_some());
    assert!(company.erased_by.is_some());
    assert!(control.members(company.id).await.unwrap().is_empty());
    assert!(!app.storage.database_exists(&app.tenancy, &company).await);
}

async fn a_tenant_database_newer_than_this_build_answers_503() {
    let app = spawn_app().await;
    let (owner, id) = app.signup("Acme", "ann@acme.example").await;
    let company = app
        .tenancy
        .control()
        .company(id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    let db = app.tenancy.tenant_db(&company).await.unwrap();
    db.db()
        .execute(
            "INSERT INTO silo_schema (version, name, applied_at) VALUES (99, '0099_future', 'x')",
            &[],
        )
        .await
        .unwrap();
    drop(db);
    // Suspending and resuming drops the open pool, so the next request opens (and checks) anew.
    let suspended = app
        .tenancy
        .set_status(&company, CompanyStatus::Suspended)
        .await
        .unwrap();
    app.tenancy
        .set_status(&suspended, CompanyStatus::Active)
        .await
        .unwrap();
    app.get("/api/accounts", Some(&owner))
        .await
        .expect(503, "tenant_unavailable");
}

silo_testkit::backend_tests!(
    owners_erase_with_confirmation_and_every_token_is_refused_after,
    a_tenant_database_newer_than_this_build_answers_503,
);
