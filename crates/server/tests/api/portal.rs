#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! The client portal's sign-in over HTTP on both backends: the agency's address, invitations,
//! magic links that work once, expire, survive a mail scanner and answer alike for unknown
//! addresses; sessions that end when the portal user is removed or disabled, when idle, and
//! everywhere at once; staff and portal tokens each refused on the other's routes; previews.

use crate::common;

use common::*;
use serde_json::{Value, json};
use silo_store::params;

/// An agency with one client (and its contact) whose portal is set up; the owner's token, the
/// company id, the account id and the portal's sign-in key.
pub struct Agency {
    pub owner: String,
    pub company: String,
    pub account: String,
    pub key: String,
}

/// Signs `name`'s agency up, creates the client "Globex" with a contact, and reads the
/// portal's address.
pub async fn agency(app: &TestApp, name: &str, email: &str) -> Agency {
    let (owner, company) = app.signup(name, email).await;
    let t = Some(owner.as_str());
    let account = app
        .post("/api/accounts", t, json!({"name": "Globex"}))
        .await;
    assert_eq!(account.status, 201, "{}", account.body);
    let account = account.body["id"].as_str().unwrap().to_owned();
    let address = app.get("/api/company/portal", t).await;
    assert_eq!(address.status, 200, "{}", address.body);
    let url = address.body["url"].as_str().unwrap();
    let key = url.rsplit_once("/portal/k/").unwrap().1.to_owned();
    Agency {
        owner,
        company,
        account,
        key,
    }
}

/// Invites `email` into `account`'s portal with `role`; the portal user.
pub async fn invite(app: &TestApp, owner: &str, account: &str, email: &str, role: &str) -> Value {
    let r = app
        .post(
            &format!("/api/accounts/{account}/portal-users"),
            Some(owner),
            json!({"email": email, "name": "Bo Client", "role": role}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

/// Uses the newest magic link mailed to `email`: the portal session token.
pub async fn sign_in(app: &TestApp, email: &str) -> String {
    let token = app.mailed_token(email, "portal/magic");
    let r = app
        .post("/api/portal/auth/consume", None, json!({"token": token}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["token"].as_str().unwrap().to_owned()
}

/// Asks for a magic link for `email` at the agency's address and signs in with it.
pub async fn sign_in_fresh(app: &TestApp, key: &str, email: &str) -> String {
    let r = app
        .post(
            "/api/portal/auth/request-link",
            None,
            json!({"key": key, "email": email}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    sign_in(app, email).await
}

async fn magic_links_work_once_and_answer_alike_for_strangers() {
    let app = spawn_app().await;
    let a = agency(&app, "Acme", "ann@acme.example").await;
    let user = invite(
        &app,
        &a.owner,
        &a.account,
        "Bo@Client.example",
        "client_admin",
    )
    .await;
    assert_eq!(user["email"], "bo@client.example");
    assert_eq!(user["status"], "active");
    let invitation = app.mails_to("bo@client.example");
    assert_eq!(invitation.len(), 1);
    assert!(invitation[0].contains("/portal/k/"), "{}", invitation[0]);
    let token = app.mailed_token("bo@client.example", "portal/magic");

    // What the page a scanner opens asks: twice, and the link still works afterwards.
    for _ in 0..2 {
        let info = app
            .post("/api/portal/auth/link-info", None, json!({"token": token}))
            .await;
        assert_eq!(info.status, 200, "{}", info.body);
        assert_eq!(info.body, json!({"company_name": "Acme", "valid": true}));
    }
    let session = app
        .post("/api/portal/auth/consume", None, json!({"token": token}))
        .await;
    assert_eq!(session.status, 200, "{}", session.body);
    assert_eq!(session.body["me"]["user"]["email"], "bo@client.example");
    assert_eq!(session.body["me"]["account"]["id"], a.account.as_str());
    assert_eq!(session.body["me"]["company_name"], "Acme");
    // Conservative defaults: contracts and invoices only.
    assert_eq!(
        session.body["me"]["parts"],
        json!({"contracts": true, "invoices": true, "projects": false, "project_time": false,
               "files": false, "approvals": false, "messages": false, "colleagues": true})
    );
    let again = app
        .post("/api/portal/auth/consume", None, json!({"token": token}))
        .await;
    again.expect(422, "invalid");
    assert_eq!(
        again.body["error"]["problems"]["token"]["code"],
        "link_unusable"
    );
    let info = app
        .post("/api/portal/auth/link-info", None, json!({"token": token}))
        .await;
    assert_eq!(info.body["valid"], false);

    // Known and unknown addresses get the same answer; only the known one gets mail.
    let known = app
        .post(
            "/api/portal/auth/request-link",
            None,
            json!({"key": a.key, "email": "bo@client.example"}),
        )
        .await;
    let unknown = app
        .post(
            "/api/portal/auth/request-link",
            None,
            json!({"key": a.key, "email": "nobody@client.example"}),
        )
        .await;
    assert_eq!((known.status, &known.body), (unknown.status, &unknown.body));
    assert_eq!(known.status, 202);
    assert_eq!(app.mails_to("bo@client.example").len(), 2);
    assert!(app.mails_to("nobody@client.example").is_empty());

    // A link whose secret was changed, a link of another purpose, rubbish: one answer.
    let fresh = app.mailed_token("bo@client.example", "portal/magic");
    let (jwt, secret) = fresh.split_once('~').unwrap();
    let flipped = format!(
        "{jwt}~{}{}",
        &secret[..secret.len() - 1],
        if secret.ends_with('A') { 'B' } else { 'A' }
    );
    for bad in [
        flipped.as_str(),
        jwt,
        a.key.as_str(),
        "rubbish",
        session.body["token"].as_str().unwrap(),
    ] {
        let r = app
            .post("/api/portal/auth/consume", None, json!({"token": bad}))
            .await;
        r.expect(422, "invalid");
        assert_eq!(
            r.body["error"]["problems"]["token"]["code"], "link_unusable",
            "{bad}"
        );
    }
    // The untouched link still works once.
    let r = app
        .post("/api/portal/auth/consume", None, json!({"token": fresh}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // An address key that is not the agency's current one answers like no address at all.
    let info = app
        .post("/api/portal/auth/info", None, json!({"key": a.key}))
        .await;
    assert_eq!(
        info.body,
        json!({"company_name": "Acme", "logo_data_url": null})
    );
    let rotated = app
        .post("/api/company/portal/rotate", Some(&a.owner), json!({}))
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    app.post("/api/portal/auth/info", None, json!({"key": a.key}))
        .await
        .expect(404, "not_found");
    app.post(
        "/api/portal/auth/request-link",
        None,
        json!({"key": a.key, "email": "bo@client.example"}),
    )
    .await
    .expect(404, "not_found");
    let new_key = rotated.body["url"]
        .as_str()
        .unwrap()
        .rsplit_once("/portal/k/")
        .unwrap()
        .1;
    let info = app
        .post("/api/portal/auth/info", None, json!({"key": new_key}))
        .await;
    assert_eq!(info.status, 200, "{}", info.body);
}

async fn links_and_sessions_expire() {
    let app = spawn_app().await;
    let a = agency(&app, "Acme", "ann@acme.example").await;
    invite(&app, &a.owner, &a.account, "bo@client.example", "member").await;
    let db = app.tenant_db(&a.company).await;
    let long_ago = "2020-01-01T00:00:00.000000Z";
    // A link past its 20 minutes is refused (its row's expiry is what counts).
    let token = app.mailed_token("bo@client.example", "portal/magic");
    db.db()
        .execute(
            "UPDATE portal_login_links SET expires_at = $1",
            params![long_ago],
        )
        .await
        .unwrap();
    let r = app
        .post("/api/portal/auth/consume", None, json!({"token": token}))
        .await;
    assert_eq!(
        r.body["error"]["problems"]["token"]["code"], "link_unusable",
        "{}",
        r.body
    );

    // A session unused for longer than the idle limit ends; so does one past its end.
    let session = sign_in_fresh(&app, &a.key, "bo@client.example").await;
    let me = app.get("/api/portal/me", Some(&session)).await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.body["user"]["role"], "member");
    db.db()
        .execute(
            "UPDATE portal_sessions SET last_seen_at = $1",
            params![long_ago],
        )
        .await
        .unwrap();
    app.get("/api/portal/me", Some(&session))
        .await
        .expect(401, "unauthenticated");
    let session = sign_in_fresh(&app, &a.key, "bo@client.example").await;
    assert_eq!(app.get("/api/portal/me", Some(&session)).await.status, 200);
    db.db()
        .execute(
            "UPDATE portal_sessions SET expires_at = $1 WHERE ended_at IS NULL",
            params![long_ago],
        )
        .await
        .unwrap();
    app.get("/api/portal/me", Some(&session))
        .await
        .expect(401, "unauthenticated");
}

async fn removed_or_disabled_portal_users_stop_on_the_next_request() {
    let app = spawn_app().await;
    let a = agency(&app, "Acme", "ann@acme.example").await;
    let user = invite(
        &app,
        &a.owner,
        &a.account,
        "bo@client.example",
        "client_admin",
    )
    .await;
    let id = user["id"].as_str().unwrap();
    let first = sign_in(&app, "bo@client.example").await;
    let second = sign_in_fresh(&app, &a.key, "bo@client.example").await;
    for s in [&first, &second] {
        assert_eq!(app.get("/api/portal/me", Some(s)).await.status, 200);
    }

    // Disabled: every session ends now, and no new link is sent.
    let r = app
        .patch(
            &format!("/api/portal-users/{id}"),
            Some(&a.owner),
            json!({"disabled": true}),
        )
        .await;
    assert_eq!(r.body["status"], "disabled", "{}", r.body);
    for s in [&first, &second] {
        app.get("/api/portal/me", Some(s))
            .await
            .expect(401, "unauthenticated");
    }
    let mails = app.mails_to("bo@client.example").len();
    app.post(
        "/api/portal/auth/request-link",
        None,
        json!({"key": a.key, "email": "bo@client.example"}),
    )
    .await;
    assert_eq!(app.mails_to("bo@client.example").len(), mails);

    // Enabled again: a new sign-in works; the ended sessions stay ended.
    app.patch(
        &format!("/api/portal-users/{id}"),
        Some(&a.owner),
        json!({"disabled": false}),
    )
    .await;
    let third = sign_in_fresh(&app, &a.key, "bo@client.example").await;
    assert_eq!(app.get("/api/portal/me", Some(&third)).await.status, 200);
    app.get("/api/portal/me", Some(&first))
        .await
        .expect(401, "unauthenticated");

    // "Sign out everywhere" ends this and every other session of the portal user.
    let fourth = sign_in_fresh(&app, &a.key, "bo@client.example").await;
    let r = app
        .post("/api/portal/auth/logout-all", Some(&third), json!({}))
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    for s in [&third, &fourth] {
        app.get("/api/portal/me", Some(s))
            .await
            .expect(401, "unauthenticated");
    }

    // Removed: the next request is refused, and the address can be invited again.
    let fifth = sign_in_fresh(&app, &a.key, "bo@client.example").await;
    let r = app
        .delete(&format!("/api/portal-users/{id}"), Some(&a.owner))
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    app.get("/api/portal/me", Some(&fifth))
        .await
        .expect(401, "unauthenticated");
    app.delete(&format!("/api/portal-users/{id}"), Some(&a.owner))
        .await
        .expect(404, "not_found");
    invite(&app, &a.owner, &a.account, "bo@client.example", "billing").await;
    app.post(
        &format!("/api/accounts/{}/portal-users", a.account),
        Some(&a.owner),
        json!({"email": "bo@client.example", "name": "Bo", "role": "member"}),
    )
    .await
    .expect(409, "portal_user_exists");
    // The client whose portal users the records name cannot be deleted under them.
    app.delete(&format!("/api/accounts/{}", a.account), Some(&a.owner))
        .await
        .expect(409, "conflict");
}

async fn staff_and_portal_tokens_are_refused_on_each_others_routes() {
    let app = spawn_app().await;
    let a = agency(&app, "Acme", "ann@acme.example").await;
    invite(
        &app,
        &a.owner,
        &a.account,
        "bo@client.example",
        "client_admin",
    )
    .await;
    let portal = sign_in(&app, "bo@client.example").await;
    let any_id = uuid::Uuid::new_v4().to_string();
    let mut portal_routes = 0;
    for route in silo_server::ROUTES {
        let path = route
            .path
            .split('/')
            .map(|seg| {
                if seg.starts_with('{') {
                    any_id.as_str()
                } else {
                    seg
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let what = format!("{} {}", route.method, route.path);
        let call = |token: &str| {
            app.client
                .request(route.method.clone(), format!("{}{path}", app.url))
                .bearer_auth(token)
                .header("X-Silo-Refresh", "1")
                .json(&json!({}))
        };
        match route.access {
            silo_server::Access::Portal(_) => {
                portal_routes += 1;
                let r = app.send(call(&a.owner)).await;
                assert_eq!(
                    (r.status.as_u16(), r.code()),
                    (401, "unauthenticated"),
                    "{what} with a staff token: {}",
                    r.body
                );
            }
            silo_server::Access::Company(_) | silo_server::Access::Identity => {
                let r = app.send(call(&portal)).await;
                assert_eq!(
                    (r.status.as_u16(), r.code()),
                    (401, "unauthenticated"),
                    "{what} with a portal token: {}",
                    r.body
                );
            }
            silo_server::Access::Public => {}
        }
    }
    assert!(portal_routes >= 7, "{portal_routes}");
    // The portal token still works where it belongs.
    assert_eq!(app.get("/api/portal/me", Some(&portal)).await.status, 200);
}

async fn roles_parts_previews_and_the_audit_trail() {
    let app = spawn_app().await;
    let a = agency(&app, "Acme", "ann@acme.example").await;
    let admin = invite(
        &app,
        &a.owner,
        &a.account,
        "bo@client.example",
        "client_admin",
    )
    .await;
    invite(&app, &a.owner, &a.account, "cy@client.example", "billing").await;
    let bo = sign_in(&app, "bo@client.example").await;
    let cy = sign_in(&app, "cy@client.example").await;

    // Billing reaches invoices and contracts, not colleagues; a client admin invites.
    app.get("/api/portal/colleagues", Some(&cy))
        .await
        .expect(403, "forbidden");
    let colleagues = app.get("/api/portal/colleagues", Some(&bo)).await;
    assert_eq!(colleagues.status, 200, "{}", colleagues.body);
    assert_eq!(colleagues.body.as_array().unwrap().len(), 2);
    let dee = app
        .post(
            "/api/portal/colleagues",
            Some(&bo),
            json!({"email": "dee@client.example", "name": "Dee", "role": "member"}),
        )
        .await;
    assert_eq!(dee.status, 201, "{}", dee.body);
    assert_eq!(dee.body["account_id"], a.account.as_str());
    assert_eq!(app.mails_to("dee@client.example").len(), 1);
    // Not themselves.
    app.delete(
        &format!("/api/portal/colleagues/{}", admin["id"].as_str().unwrap()),
        Some(&bo),
    )
    .await
    .expect(403, "forbidden");

    // Turning parts on shows them on the next request.
    let me = app.get("/api/portal/me", Some(&cy)).await;
    assert_eq!(me.body["parts"]["files"], false);
    let r = app
        .patch(
            &format!("/api/accounts/{}/portal", a.account),
            Some(&a.owner),
            json!({"files": true, "messages": true, "invoices": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["access"]["files"], true);
    assert_eq!(r.body["users"].as_array().unwrap().len(), 3);
    let me = app.get("/api/portal/me", Some(&bo)).await;
    assert_eq!(me.body["parts"]["files"], true);
    assert_eq!(me.body["parts"]["invoices"], false);
    // Billing does not reach files even when they are on.
    let me = app.get("/api/portal/me", Some(&cy)).await;
    assert_eq!(me.body["parts"]["files"], false);

    // "View as client": read-only, no portal user, no colleague management.
    let preview = app
        .post(
            &format!("/api/accounts/{}/portal/preview", a.account),
            Some(&a.owner),
            json!({}),
        )
        .await;
    assert_eq!(preview.status, 201, "{}", preview.body);
    let p = preview.body["token"].as_str().unwrap();
    let me = app.get("/api/portal/me", Some(p)).await;
    assert_eq!(me.body["preview"], true);
    assert_eq!(me.body["user"], Value::Null);
    assert_eq!(me.body["parts"]["files"], true);
    app.get("/api/portal/colleagues", Some(p))
        .await
        .expect(403, "forbidden");
    // A preview ends when its staff member may no longer manage the portal.
    let manager = app
        .member_token(&a.company, "man@acme.example", silo_roles::Role::Manager)
        .await;
    let managed = app
        .post(
            &format!("/api/accounts/{}/portal/preview", a.account),
            Some(&manager),
            json!({}),
        )
        .await;
    let managed = managed.body["token"].as_str().unwrap();
    assert_eq!(app.get("/api/portal/me", Some(managed)).await.status, 200);
    let manager_id = app.get("/api/me", Some(&manager)).await.body["identity"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .patch(
            &format!("/api/members/{manager_id}"),
            Some(&a.owner),
            json!({"role": "viewer"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    app.get("/api/portal/me", Some(managed))
        .await
        .expect(401, "unauthenticated");
    // Roles that may not manage the portal cannot preview it.
    let sales = app
        .member_token(&a.company, "sal@acme.example", silo_roles::Role::Sales)
        .await;
    app.post(
        &format!("/api/accounts/{}/portal/preview", a.account),
        Some(&sales),
        json!({}),
    )
    .await
    .expect(403, "forbidden");

    // The audit trail names the portal user as the actor of their sign-in and invitation.
    let bo_actor = format!("portal:{}", admin["id"].as_str().unwrap());
    eventually("the portal user's records in the audit trail", || async {
        let audit = app
            .get("/api/audit?action=portal_user.", Some(&a.owner))
            .await;
        let items = audit.body["items"].as_array().cloned().unwrap_or_default();
        let by_bo: Vec<&str> = items
            .iter()
            .filter(|i| i["actor"] == bo_actor.as_str() && i["actor_name"] == "Bo Client")
            .filter_map(|i| i["action"].as_str())
            .collect();
        by_bo.contains(&"portal_user.sign_in") && by_bo.contains(&"portal_user.invite")
    })
    .await;
}

async fn magic_link_requests_are_limited_per_address() {
    let app = spawn_app().await;
    let a = agency(&app, "Acme", "ann@acme.example").await;
    invite(&app, &a.owner, &a.account, "bo@client.example", "member").await;
    let ask = |email: &'static str| {
        app.post(
            "/api/portal/auth/request-link",
            None,
            json!({"key": a.key, "email": email}),
        )
    };
    for _ in 0..5 {
        assert_eq!(ask("bo@client.example").await.status, 202);
    }
    let limited = ask("bo@client.example").await;
    limited.expect(429, "rate_limited");
    assert!(limited.headers.contains_key("retry-after"));
    // Unknown addresses count the same way (nothing tells them apart).
    for _ in 0..5 {
        assert_eq!(ask("nobody@client.example").await.status, 202);
    }
    ask("nobody@client.example")
        .await
        .expect(429, "rate_limited");
    assert_eq!(app.mails_to("bo@client.example").len(), 1 + 5);
}

silo_testkit::backend_tests!(
    magic_links_work_once_and_answer_alike_for_strangers,
    links_and_sessions_expire,
    removed_or_disabled_portal_users_stop_on_the_next_request,
    staff_and_portal_tokens_are_refused_on_each_others_routes,
    roles_parts_previews_and_the_audit_trail,
    magic_link_requests_are_limited_per_address,
);
