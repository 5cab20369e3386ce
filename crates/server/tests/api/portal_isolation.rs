#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! The portal's one boundary inside a company, attacked from the route table: for every portal
//! route with an id in its path, a portal user of client A asking for client B's record gets
//! `404` with exactly the body a random id gets. A new portal route without a record of its
//! kind in [`seed`] fails this test, so no route can skip it.

use crate::common;
use crate::portal::{Agency, agency, invite, sign_in};

use common::*;
use serde_json::{Value, json};
use silo_server::{Access, ROUTES};
use std::collections::BTreeMap;

/// One client of the agency: its account, a client admin's portal session, and the id of one
/// of its records for each portal route path (`/api/portal/.../{id}`).
pub struct Client {
    pub account: String,
    pub session: String,
    pub ids: BTreeMap<&'static str, String>,
}

/// Gives `account` one record of every kind the portal shows, through the agency's own API, and
/// answers their ids by the portal route path that reaches them. Each part of the portal adds
/// its kinds here.
pub async fn seed(
    app: &TestApp,
    a: &Agency,
    account: &str,
    tag: &str,
) -> BTreeMap<&'static str, String> {
    let mut ids = BTreeMap::new();
    // Colleagues: a second portal user of the client.
    let colleague = invite(
        app,
        &a.owner,
        account,
        &format!("colleague-{tag}@client.example"),
        "member",
    )
    .await;
    ids.insert(
        "/api/portal/colleagues/{id}",
        colleague["id"].as_str().unwrap().to_owned(),
    );
    // Contracts and invoices: a sent and a signed contract, an issued invoice.
    for (path, id) in crate::portal_documents::seed_documents(app, &a.owner, account, tag).await {
        ids.insert(path, id);
    }
    // Projects, files, approvals and messages (collab).
    let created = |r: Reply| {
        assert_eq!(r.status, 201, "{}", r.body);
        r.body["id"].as_str().unwrap().to_owned()
    };
    let project = created(
        app.post(
            "/api/projects",
            Some(&a.owner),
            json!({"name": format!("Project {tag}"), "account_id": account,
                   "billing_type": "non_billable"}),
        )
        .await,
    );
    ids.insert("/api/portal/projects/{id}", project);
    let file = created(
        app.send(
            app.client
                .post(format!(
                    "{}/api/files?account_id={account}&name=brief-{tag}.txt",
                    app.url
                ))
                .bearer_auth(&a.owner)
                .header("content-type", "text/plain")
                .body(format!("The brief of {tag}")),
        )
        .await,
    );
    ids.insert("/api/portal/files/{id}", file.clone());
    let approval = created(
        app.post(
            "/api/approvals",
            Some(&a.owner),
            json!({"account_id": account, "title": format!("Copy {tag}"), "file_id": file}),
        )
        .await,
    );
    ids.insert("/api/portal/approvals/{id}", approval.clone());
    ids.insert("/api/portal/approvals/{id}/file", approval.clone());
    ids.insert("/api/portal/approvals/{id}/decide", approval);
    let thread = created(
        app.post(
            "/api/threads",
            Some(&a.owner),
            json!({"account_id": account, "subject": format!("Hello {tag}"), "body": "Hi"}),
        )
        .await,
    );
    ids.insert("/api/portal/threads/{id}/messages", thread);
    ids
}

/// The JSON body each portal route with an id takes, so that the request reaches the record
/// lookup rather than failing on its input first.
pub fn body_for(method: &str, path: &str) -> Value {
    // (method, path, body); routes not listed take `{}`.
    let bodies: &[(&str, &str, Value)] = &[
        (
            "POST",
            "/api/portal/contracts/{id}/sign",
            crate::portal_documents::sign_body(),
        ),
        (
            "POST",
            "/api/portal/approvals/{id}/decide",
            json!({"decision": "approved"}),
        ),
        (
            "POST",
            "/api/portal/threads/{id}/messages",
            json!({"body": "Hello"}),
        ),
    ];
    bodies
        .iter()
        .find(|(m, p, _)| *m == method && *p == path)
        .map_or_else(|| json!({}), |(_, _, body)| body.clone())
}

/// An agency with clients A and B, every portal part on for both, each with a client admin
/// signed in.
pub async fn world(app: &TestApp) -> (Agency, Client, Client) {
    let a = agency(app, "Acme", "ann@acme.example").await;
    let b_account = app
        .post("/api/accounts", Some(&a.owner), json!({"name": "Initech"}))
        .await;
    assert_eq!(b_account.status, 201, "{}", b_account.body);
    let b_account = b_account.body["id"].as_str().unwrap().to_owned();
    let mut clients = Vec::new();
    for (account, tag) in [(a.account.clone(), "a"), (b_account, "b")] {
        let r = app
            .patch(
                &format!("/api/accounts/{account}/portal"),
                Some(&a.owner),
                json!({"contracts": true, "invoices": true, "projects": true, "project_time": true,
                       "files": true, "approvals": true, "messages": true}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let email = format!("admin-{tag}@client.example");
        invite(app, &a.owner, &account, &email, "client_admin").await;
        let session = sign_in(app, &email).await;
        let ids = seed(app, &a, &account, tag).await;
        clients.push(Client {
            account,
            session,
            ids,
        });
    }
    let b = clients.pop().unwrap();
    let client_a = clients.pop().unwrap();
    (a, client_a, b)
}

fn concrete(path: &str, id: &str) -> String {
    path.split('/')
        .map(|seg| if seg.starts_with('{') { id } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

async fn another_clients_ids_answer_like_random_ones_on_every_portal_route() {
    let app = spawn_app().await;
    let (_agency, a, b) = world(&app).await;
    let mut attacked = 0;
    for route in ROUTES {
        if !matches!(route.access, Access::Portal(_)) || route.path_params().count() == 0 {
            continue;
        }
        let what = format!("{} {}", route.method, route.path);
        let foreign = b.ids.get(route.path).unwrap_or_else(|| {
            panic!("{what}: no record of client B for this route in portal_isolation::seed")
        });
        let own = a.ids.get(route.path).unwrap();
        let body = body_for(route.method.as_str(), route.path);
        let call = |id: &str| {
            app.client
                .request(
                    route.method.clone(),
                    format!("{}{}", app.url, concrete(route.path, id)),
                )
                .bearer_auth(&a.session)
                .json(&body)
        };
        let theirs = app.send(call(foreign)).await;
        let random = app.send(call(&uuid::Uuid::new_v4().to_string())).await;
        assert_eq!(
            (theirs.status.as_u16(), theirs.code()),
            (404, "not_found"),
            "{what} with client B's id: {}",
            theirs.body
        );
        assert_eq!(
            theirs.body, random.body,
            "{what}: B's id and a random id differ"
        );
        if route.method == reqwest::Method::GET {
            // The ids are of the right kind: the client's own record is served.
            let mine = app.send(call(own)).await;
            assert!(
                mine.status.is_success(),
                "{what} with client A's own id: {}",
                mine.body
            );
        }
        attacked += 1;
    }
    assert!(attacked >= 1, "{attacked}");
    // B's records are still there for B.
    let colleagues = app.get("/api/portal/colleagues", Some(&b.session)).await;
    assert_eq!(
        colleagues.body.as_array().unwrap().len(),
        2,
        "{}",
        colleagues.body
    );
    let _ = b.account;
}

silo_testkit::backend_tests!(another_clients_ids_answer_like_random_ones_on_every_portal_route,);
