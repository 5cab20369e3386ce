#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! Accounts and contacts over HTTP: CRUD, verbatim storage, search, paging, isolation between
//! companies, role checks and the plan's contact limit.

use crate::common;

use common::*;
use serde_json::{Value, json};
use silo_roles::Role;

const NASTY: &str = "Robert'); DROP TABLE contacts;--";
const WILD: &str = "%_\\";

async fn accounts_crud_stores_input_verbatim() {
    let app = spawn_app().await;
    let (t, _) = app.signup("Acme", "ann@acme.example").await;
    let t = Some(t.as_str());
    let created = app
        .post("/api/accounts", t, json!({"name": NASTY, "website": WILD}))
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["name"], NASTY);
    assert_eq!(created.body["website"], WILD);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 7);

    let got = app.get(&format!("/api/accounts/{id}"), t).await;
    assert_eq!(got.body["name"], NASTY);

    let patched = app
        .patch(&format!("/api/accounts/{id}"), t, json!({"website": null}))
        .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    assert_eq!(patched.body["website"], Value::Null);
    assert_eq!(patched.body["name"], NASTY, "absent fields stay");

    let list = app.get("/api/accounts?q=drop%20table", t).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(list.body["next_cursor"], Value::Null);

    assert_eq!(
        app.delete(&format!("/api/accounts/{id}"), t).await.status,
        204
    );
    app.get(&format!("/api/accounts/{id}"), t)
        .await
        .expect(404, "not_found");
    app.delete(&format!("/api/accounts/{id}"), t)
        .await
        .expect(404, "not_found");
}

async fn bad_input_is_422_or_400_and_bad_ids_are_404() {
    let app = spawn_app().await;
    let (token, _) = app.signup("Acme", "ann@acme.example").await;
    let t = Some(token.as_str());
    let r = app
        .post(
            "/api/contacts",
            t,
            json!({"name": "  ", "email": "nope", "account_id": "x"}),
        )
        .await;
    r.expect(422, "invalid");
    for field in ["name", "email", "account_id"] {
        assert!(r.body["error"]["fields"][field].is_string(), "{}", r.body);
    }
    let unknown_account = app
        .post(
            "/api/contacts",
            t,
            json!({"name": "Ann", "account_id": uuid::Uuid::now_v7().to_string()}),
        )
        .await;
    unknown_account.expect(422, "invalid");
    let malformed = app
        .send(
            app.client
                .post(format!("{}/api/contacts", app.url))
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body("{\"name\": "),
        )
        .await;
    malformed.expect(400, "bad_request");
    for path in ["/api/contacts/not-a-uuid", "/api/accounts/1%27%20OR%201=1"] {
        app.get(path, t).await.expect(404, "not_found");
        app.patch(path, t, json!({"name": "x"}))
            .await
            .expect(404, "not_found");
        app.delete(path, t).await.expect(404, "not_found");
    }
    app.get("/api/contacts?cursor=bogus", t)
        .await
        .expect(422, "invalid");
    app.get("/api/contacts?limit=0", t)
        .await
        .expect(422, "invalid");
}

async fn another_companys_rows_are_not_found() {
    let app = spawn_app().await;
    let (a, _) = app.signup("Acme", "ann@acme.example").await;
    let (b, _) = app.signup("Bolt", "bob@bolt.example").await;
    let c = app
        .post(
            "/api/contacts",
            Some(&a),
            json!({"name": "Secret", "email": "s@acme.example"}),
        )
        .await;
    let path = format!("/api/contacts/{}", c.body["id"].as_str().unwrap());
    app.get(&path, Some(&b)).await.expect(404, "not_found");
    app.patch(&path, Some(&b), json!({"name": "Pwned"}))
        .await
        .expect(404, "not_found");
    app.delete(&path, Some(&b)).await.expect(404, "not_found");
    let list = app.get("/api/contacts", Some(&b)).await;
    assert_eq!(list.body["items"], json!([]));
    let still = app.get(&path, Some(&a)).await;
    assert_eq!(still.body["name"], "Secret");
}

async fn contacts_search_and_walk_120_in_pages_of_50() {
    let app = spawn_app().await;
    let (t, _) = app.signup("Acme", "ann@acme.example").await;
    let t = Some(t.as_str());
    for i in 0..120 {
        let r = app
            .post(
                "/api/contacts",
                t,
                json!({"name": format!("Person {i}"), "email": format!("p{i}@client.example")}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    app.post("/api/contacts", t, json!({"name": WILD})).await;
    let found = app.get("/api/contacts?q=%25_", t).await;
    let names: Vec<_> = found.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].clone())
        .collect();
    assert_eq!(names, [json!(WILD)], "wildcards match only themselves");
    let by_email = app.get("/api/contacts?q=P7%40CLIENT", t).await;
    assert_eq!(by_email.body["items"][0]["name"], "Person 7");

    let mut seen = std::collections::BTreeSet::new();
    let mut sizes = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/contacts?limit=50&cursor={c}"),
            None => "/api/contacts?limit=50".to_owned(),
        };
        let page = app.get(&path, t).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let items = page.body["items"].as_array().unwrap();
        sizes.push(items.len());
        for c in items {
            assert!(
                seen.insert(c["id"].as_str().unwrap().to_owned()),
                "duplicate"
            );
        }
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(sizes, [50, 50, 21]);
    assert_eq!(seen.len(), 121);
}

async fn roles_decide_who_writes_crm() {
    let app = spawn_app().await;
    let (owner, company) = app.signup("Acme", "ann@acme.example").await;
    let viewer = app
        .member_token(&company, "vic@acme.example", Role::Viewer)
        .await;
    let delivery = app
        .member_token(&company, "del@acme.example", Role::Delivery)
        .await;
    let marketing = app
        .member_token(&company, "mar@acme.example", Role::Marketing)
        .await;
    app.post("/api/contacts", Some(&viewer), json!({"name": "X"}))
        .await
        .expect(403, "forbidden");
    app.post("/api/accounts", Some(&delivery), json!({"name": "X"}))
        .await
        .expect(403, "forbidden");
    let ok = app
        .post("/api/contacts", Some(&marketing), json!({"name": "Lead"}))
        .await;
    assert_eq!(ok.status, 201, "{}", ok.body);
    let listed = app.get("/api/contacts", Some(&viewer)).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    let path = format!("/api/contacts/{}", ok.body["id"].as_str().unwrap());
    app.delete(&path, Some(&viewer))
        .await
        .expect(403, "forbidden");
    assert_eq!(app.delete(&path, Some(&owner)).await.status, 204);
}

async fn contact_limit_of_the_plan_is_403_and_changes_nothing() {
    let app = spawn_app().await;
    let (t, _) = app.signup("Acme", "ann@acme.example").await;
    let control = app.tenancy.control();
    let limits = silo_control::PlanLimits {
        max_seats: Some(10),
        max_contacts: Some(3),
    };
    control
        .set_plan_limits(silo_control::Plan::Starter, limits)
        .await
        .unwrap();
    let attempts = (0..6)
        .map(|i| app.post_request("/api/contacts", &t, json!({"name": format!("C{i}")})))
        .collect();
    let replies = send_all(attempts).await;
    let created = replies.iter().filter(|r| r.status == 201).count();
    assert_eq!(created, 3);
    for r in replies.iter().filter(|r| r.status != 201) {
        r.expect(403, "plan_limit");
    }
    let list = app.get("/api/contacts", Some(&t)).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 3);
}

silo_testkit::backend_tests!(
    accounts_crud_stores_input_verbatim,
    bad_input_is_422_or_400_and_bad_ids_are_404,
    another_companys_rows_are_not_found,
    contacts_search_and_walk_120_in_pages_of_50,
    roles_decide_who_writes_crm,
    contact_limit_of_the_plan_is_403_and_changes_nothing,
);
