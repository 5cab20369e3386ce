#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! Members and plans: the owner rules of roles.md and the seat limit, over real HTTP.

use crate::common;

use common::*;
use serde_json::json;
use silo_roles::Role;

async fn token_of(app: &TestApp, email: &str) -> String {
    let r = app.login(email, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["token"].as_str().unwrap().to_owned()
}

async fn identity_of(app: &TestApp, owner: &str, email: &str) -> String {
    let list = app.get("/api/members?limit=200", Some(owner)).await;
    list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == email)
        .map(|m| m["identity_id"].as_str().unwrap().to_owned())
        .unwrap()
}

async fn owner_rules() {
    let app = spawn_app().await;
    let (owner, _) = app.signup("Acme", "ann@acme.example").await;
    app.add_member("acme", "adam@acme.example", Role::Admin)
        .await;
    app.add_member("acme", "sam@acme.example", Role::Sales)
        .await;
    let admin = token_of(&app, "adam@acme.example").await;
    let ann = identity_of(&app, &owner, "ann@acme.example").await;
    let sam = identity_of(&app, &owner, "sam@acme.example").await;

    // An admin cannot grant owner, nor touch an owner's membership.
    app.post(
        "/api/members",
        Some(&admin),
        json!({"email": "new@acme.example", "role": "owner"}),
    )
    .await
    .expect(403, "forbidden");
    app.patch(
        &format!("/api/members/{sam}"),
        Some(&admin),
        json!({"role": "owner"}),
    )
    .await
    .expect(403, "forbidden");
    app.patch(
        &format!("/api/members/{ann}"),
        Some(&admin),
        json!({"role": "viewer"}),
    )
    .await
    .expect(403, "forbidden");
    let r = app
        .send(
            app.client
                .delete(format!("{}/api/members/{ann}", app.url))
                .bearer_auth(&admin),
        )
        .await;
    r.expect(403, "forbidden");

    // An admin manages everyone else.
    let r = app
        .patch(
            &format!("/api/members/{sam}"),
            Some(&admin),
            json!({"role": "manager"}),
        )
        .await;
    assert_eq!(r.body["role"], "manager", "{}", r.body);

    // The last owner can be neither demoted nor removed, by anyone.
    app.patch(
        &format!("/api/members/{ann}"),
        Some(&owner),
        json!({"role": "admin"}),
    )
    .await
    .expect(409, "last_owner");
    let r = app
        .send(
            app.client
                .delete(format!("{}/api/members/{ann}", app.url))
                .bearer_auth(&owner),
        )
        .await;
    r.expect(409, "last_owner");

    // With a second owner, the first may step down.
    let r = app
        .patch(
            &format!("/api/members/{sam}"),
            Some(&owner),
            json!({"role": "owner"}),
        )
        .await;
    assert_eq!(r.body["role"], "owner");
    let r = app
        .patch(
            &format!("/api/members/{ann}"),
            Some(&owner),
            json!({"role": "admin"}),
        )
        .await;
    assert_eq!(r.body["role"], "admin");

    // Unknown roles, unknown members and malformed ids.
    app.patch(
        &format!("/api/members/{sam}"),
        Some(&admin),
        json!({"role": "emperor"}),
    )
    .await
    .expect(422, "invalid");
    app.post(
        "/api/members",
        Some(&admin),
        json!({"email": "x@acme.example", "role": "root"}),
    )
    .await
    .expect(422, "invalid");
    app.patch(
        &format!("/api/members/{}", uuid::Uuid::now_v7()),
        Some(&admin),
        json!({"role": "viewer"}),
    )
    .await
    .expect(404, "not_found");
    app.patch(
        "/api/members/not-a-uuid",
        Some(&admin),
        json!({"role": "viewer"}),
    )
    .await
    .expect(404, "not_found");
}

async fn roles_without_members_permissions_are_refused() {
    let app = spawn_app().await;
    app.signup("Acme", "ann@acme.example").await;
    app.add_member("acme", "mia@acme.example", Role::Manager)
        .await;
    app.add_member("acme", "vic@acme.example", Role::Viewer)
        .await;
    let manager = token_of(&app, "mia@acme.example").await;
    let viewer = token_of(&app, "vic@acme.example").await;
    assert_eq!(
        app.get("/api/members", Some(&manager)).await.status,
        200,
        "managers read members"
    );
    app.post(
        "/api/members",
        Some(&manager),
        json!({"email": "x@acme.example", "role": "viewer"}),
    )
    .await
    .expect(403, "forbidden");
    app.get("/api/members", Some(&viewer))
        .await
        .expect(403, "forbidden");
}

async fn inviting_answers_the_pending_invitation_and_mails_the_link() {
    let app = spawn_app().await;
    let (owner, company) = app.signup("Acme", "ann@acme.example").await;
    let r = app
        .post(
            "/api/members",
            Some(&owner),
            json!({"email": "Ivy@Acme.example", "role": "delivery", "name": "Ivy"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["invitation"]["email"], "ivy@acme.example");
    assert_eq!(r.body["invitation"]["role"], "delivery");
    assert_eq!(r.body["invitation"]["status"], "pending");
    assert!(r.body.get("invite_url").is_none(), "{}", r.body);
    let token = app.mailed_token("ivy@acme.example", "accept-invite");
    let accepted = app
        .post(
            "/api/auth/accept-invite",
            None,
            json!({"token": token, "password": PASSWORD}),
        )
        .await;
    assert_eq!(accepted.body["company"]["id"], company.as_str());
    assert_eq!(accepted.body["role"], "delivery");
    app.post(
        "/api/auth/accept-invite",
        None,
        json!({"token": token, "password": PASSWORD}),
    )
    .await
    .expect(422, "invalid");

    // An identity registered elsewhere gets exactly the same kind of answer: an invitation.
    app.signup("Other", "olga@other.example").await;
    let r = app
        .post(
            "/api/members",
            Some(&owner),
            json!({"email": "olga@other.example", "role": "viewer"}),
        )
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.body["invitation"]["status"], "pending");
    // Inviting again renews the pending invitation rather than adding a second one.
    app.post(
        "/api/members",
        Some(&owner),
        json!({"email": "olga@other.example", "role": "viewer"}),
    )
    .await;
    let pending = app.get("/api/members/invitations", Some(&owner)).await;
    assert_eq!(pending.body["items"].as_array().unwrap().len(), 1);
    app.post(
        "/api/members",
        Some(&owner),
        json!({"email": "ivy@acme.example", "role": "viewer"}),
    )
    .await
    .expect(409, "already_member");
}

async fn seats_are_limited_by_the_plan() {
    let app = spawn_app().await;
    let (owner, company) = app.signup("Acme", "ann@acme.example").await;
    for i in 1..10 {
        let r = app
            .post(
                "/api/members",
                Some(&owner),
                json!({"email": format!("m{i}@acme.example"), "role": "viewer"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let r = app
        .post(
            "/api/members",
            Some(&owner),
            json!({"email": "eleven@acme.example", "role": "viewer"}),
        )
        .await;
    r.expect(403, "plan_limit");
    // Pending invitations hold the seats; nothing changed.
    let list = app.get("/api/members?limit=200", Some(&owner)).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    let pending = app
        .get("/api/members/invitations?limit=200", Some(&owner))
        .await;
    assert_eq!(pending.body["items"].as_array().unwrap().len(), 9);
    let eleven = silo_control::Email::parse("eleven@acme.example").unwrap();
    assert!(
        app.tenancy
            .control()
            .identity_by_email(&eleven)
            .await
            .unwrap()
            .is_none(),
        "no identity left behind"
    );

    // A paid plan is the operator's step; it lifts the limit. Then too many members for the
    // smaller plan: the owner's downgrade is refused.
    app.patch("/api/company", Some(&owner), json!({"plan": "growth"}))
        .await
        .expect(403, "plan_by_operator");
    app.operator_plan(&company, silo_control::Plan::Growth)
        .await;
    let r = app
        .post(
            "/api/members",
            Some(&owner),
            json!({"email": "eleven@acme.example", "role": "viewer"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    app.patch("/api/company", Some(&owner), json!({"plan": "starter"}))
        .await
        .expect(403, "plan_limit");
}

async fn member_lists_paginate() {
    let app = spawn_app().await;
    let (owner, _) = app.signup("Acme", "ann@acme.example").await;
    for i in 0..6 {
        app.add_member("acme", &format!("p{i}@acme.example"), Role::Viewer)
            .await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/members?limit=3&cursor={c}"),
            None => "/api/members?limit=3".to_owned(),
        };
        let page = app.get(&path, Some(&owner)).await;
        for m in page.body["items"].as_array().unwrap() {
            seen.push(m["email"].as_str().unwrap().to_owned());
        }
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 7);
    app.get("/api/members?limit=0", Some(&owner))
        .await
        .expect(422, "invalid");
    app.get("/api/members?limit=abc", Some(&owner))
        .await
        .expect(400, "bad_request");
}

silo_testkit::backend_tests!(
    owner_rules,
    roles_without_members_permissions_are_refused,
    inviting_answers_the_pending_invitation_and_mails_the_link,
    seats_are_limited_by_the_plan,
    member_lists_paginate,
);
