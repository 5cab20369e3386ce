#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! Deals over HTTP: CRUD, the pipeline with its history, roles and isolation.

use crate::common;

use common::*;
use serde_json::json;
use silo_roles::Role;

async fn deal_crud_and_pipeline() {
    let app = spawn_app().await;
    let (t, _) = app.signup("Acme", "ann@acme.example").await;
    let t = Some(t.as_str());
    let me = app.get("/api/me", t).await;
    let created = app
        .post(
            "/api/deals",
            t,
            json!({"title": "Website", "value_cents": 1_250_000, "source": "referral",
                   "expected_close_date": "2026-06-30"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["stage"], "lead");
    assert_eq!(created.body["currency"], "EUR");
    assert_eq!(created.body["owner_id"], me.body["identity"]["id"]);
    let path = format!("/api/deals/{}", created.body["id"].as_str().unwrap());

    for stage in ["qualified", "proposal", "won"] {
        let r = app.patch(&path, t, json!({"stage": stage})).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let won = app.get(&path, t).await;
    let stages: Vec<_> = won.body["stage_history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["to"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(stages, ["lead", "qualified", "proposal", "won"]);
    app.patch(&path, t, json!({"stage": "lead"}))
        .await
        .expect(409, "invalid_transition");
    app.patch(&path, t, json!({"stage": "open", "value_cents": -5}))
        .await
        .expect(422, "invalid");
    app.post("/api/deals", t, json!({"title": "x", "value_cents": "ten"}))
        .await
        .expect(422, "invalid");

    let report = app.get("/api/reports/revenue", t).await;
    assert_eq!(report.status, 200, "{}", report.body);
    assert_eq!(report.body["months"][0]["won_cents"], 1_250_000);
    assert_eq!(
        report.body["months"][0]["won_by_source"]["referral"],
        1_250_000
    );

    assert_eq!(app.delete(&path, t).await.status, 204);
    app.get(&path, t).await.expect(404, "not_found");
}

async fn roles_and_companies_bound_deals() {
    let app = spawn_app().await;
    let (owner, company) = app.signup("Acme", "ann@acme.example").await;
    let (other, _) = app.signup("Bolt", "bob@bolt.example").await;
    let viewer = app
        .member_token(&company, "vic@acme.example", Role::Viewer)
        .await;
    let sales = app
        .member_token(&company, "sal@acme.example", Role::Sales)
        .await;
    app.post("/api/deals", Some(&viewer), json!({"title": "X"}))
        .await
        .expect(403, "forbidden");
    let d = app
        .post(
            "/api/deals",
            Some(&sales),
            json!({"title": "Retainer", "value_cents": 100}),
        )
        .await;
    assert_eq!(d.status, 201, "{}", d.body);
    let path = format!("/api/deals/{}", d.body["id"].as_str().unwrap());
    assert_eq!(app.get(&path, Some(&viewer)).await.status, 200);
    app.get(&path, Some(&other)).await.expect(404, "not_found");
    app.patch(&path, Some(&other), json!({"title": "y"}))
        .await
        .expect(404, "not_found");
    app.delete(&path, Some(&other))
        .await
        .expect(404, "not_found");
    app.get("/api/reports/revenue", Some(&sales))
        .await
        .expect(403, "forbidden");
    assert_eq!(app.get(&path, Some(&owner)).await.body["title"], "Retainer");
}

silo_testkit::backend_tests!(deal_crud_and_pipeline, roles_and_companies_bound_deals,);
