#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! One's own account (AVG/GDPR): `GET /api/me/export` downloads everything the registry holds
//! about the caller and no secret; `DELETE /api/me` deletes the account unless the caller is a
//! company's last owner, and every old token fails closed afterwards.

use crate::common;

use common::*;
use serde_json::{Value, json};
use silo_control::{AuditAction, AuditEvent, Outcome};
use silo_roles::Role;

/// The session token in a reply's `Set-Cookie`, if it sets one.
fn session_of(reply: &Reply) -> Option<String> {
    let cookie = reply.headers.get("set-cookie")?.to_str().ok()?;
    let first = cookie.split(';').next()?;
    let value = first
        .strip_prefix("__Host-silo_refresh=")
        .or_else(|| first.strip_prefix("silo_refresh="))?;
    (!value.is_empty()).then(|| value.to_owned())
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

async fn delete_me(app: &TestApp, token: &str, body: Value) -> Reply {
    app.send(
        app.client
            .delete(format!("{}/api/me", app.url))
            .bearer_auth(token)
            .json(&body),
    )
    .await
}

/// Every key anywhere in a JSON value.
fn keys(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                out.push(k.clone());
                keys(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| keys(v, out)),
        _ => {}
    }
}

async fn the_export_holds_everything_about_the_caller_and_no_secret() {
    let app = spawn_app().await;
    let (owner, company) = app.signup("Acme", "ann@acme.example").await;
    let (bolt, _) = app.signup("Bolt", "bob@bolt.example").await;
    app.post(
        "/api/members",
        Some(&bolt),
        json!({"email": "ann@acme.example", "role": "sales", "name": "Ann A."}),
    )
    .await
    .expect(201, "");
    let login = app.login("ann@acme.example", Some("acme")).await;
    assert_eq!(login.status, 200, "{}", login.body);
    // More audit records than any list page holds: the download has all of them.
    let ann = app
        .tenancy
        .control()
        .identity_by_email(&silo_control::Email::parse("ann@acme.example").unwrap())
        .await
        .unwrap()
        .unwrap();
    let many: Vec<AuditEvent> = (0..150)
        .map(|_| AuditEvent {
            company: None,
            actor: Some(ann.id.into()),
            action: AuditAction::AuthLogoutAll,
            target: None,
            outcome: Outcome::Success,
            client_ip: None,
            request_id: None,
            event_id: None,
        })
        .collect();
    app.tenancy.control().record_all(&many).await.unwrap();

    let r = app.get("/api/me/export", Some(&owner)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let disposition = r.headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let data = &r.body;
    assert_eq!(data["identity"]["id"], ann.id.to_string());
    assert_eq!(data["identity"]["email"], "ann@acme.example");
    assert_eq!(data["identity"]["status"], "active");
    assert_eq!(data["identity"]["two_factor"], false);
    assert!(data["identity"]["created_at"].is_string());
    let memberships = data["memberships"].as_array().unwrap();
    assert_eq!(memberships.len(), 1);
    assert_eq!(memberships[0]["company_id"], company);
    assert_eq!(memberships[0]["company_name"], "Acme");
    assert_eq!(memberships[0]["role"], "owner");
    assert!(memberships[0]["since"].is_string());
    // The verification link's session and the login's.
    assert!(data["sessions"].as_array().unwrap().len() >= 2, "{data}");
    let invitations = data["invitations"].as_array().unwrap();
    assert_eq!(invitations.len(), 1);
    assert_eq!(invitations[0]["company_name"], "Bolt");
    assert_eq!(invitations[0]["role"], "sales");
    assert_eq!(invitations[0]["name"], "Ann A.");
    assert_eq!(invitations[0]["status"], "pending");
    let audit = data["audit"].as_array().unwrap();
    let action = |a: &str| audit.iter().filter(|r| r["action"] == a).count();
    assert_eq!(action("auth.logout_all"), 150);
    assert!(action("auth.login") >= 1);
    assert_eq!(action("identity.export"), 1);
    assert!(audit.iter().all(|r| r.get("actor").is_none()));
    // Nothing secret: no hash, secret or token, and no password hash's text.
    let mut all = Vec::new();
    keys(data, &mut all);
    for key in &all {
        for word in ["hash", "secret", "token", "password_hash", "code"] {
            assert!(
                !key.contains(word) || key == "recovery_codes_left",
                "{key} in the export"
            );
        }
    }
    let text = data.to_string();
    assert!(!text.contains("$argon2"), "a password hash in the export");
    // Only one's own data: Bob's address is not in Ann's download.
    assert!(!text.contains("bob@bolt.example"));

    app.get("/api/me/export", None)
        .await
        .expect(401, "unauthenticated");
}

async fn deleting_ones_account_is_refused_for_a_last_owner_and_then_leaves_nothing() {
    let app = spawn_app().await;
    let (owner, acme) = app.signup("Acme", "ann@acme.example").await;
    app.signup("Bolt", "carl@bolt.example").await;
    app.add_member("bolt", "ann@acme.example", Role::Sales)
        .await;
    let bob = app
        .member_token("acme", "bob@acme.example", Role::Admin)
        .await;
    let login = app.login("ann@acme.example", Some("bolt")).await;
    assert_eq!(login.status, 200, "{}", login.body);
    let in_bolt = login.body["token"].as_str().unwrap().to_owned();
    let session = session_of(&login).unwrap();
    let control = app.tenancy.control();
    let ann = control
        .identity_by_email(&silo_control::Email::parse("ann@acme.example").unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;

    // A wrong password changes nothing.
    let r = delete_me(&app, &owner, json!({"password": "not the password"})).await;
    r.expect(422, "invalid");
    assert!(
        r.body["error"]["problems"]["password"].is_object(),
        "{}",
        r.body
    );
    delete_me(&app, &owner, json!({}))
        .await
        .expect(422, "invalid");
    app.get("/api/me", Some(&owner)).await.expect(200, "");

    // The only owner of Acme: refused, naming Acme (not Bolt, where Ann is no owner).
    let r = delete_me(&app, &owner, json!({"password": PASSWORD})).await;
    r.expect(409, "last_owner");
    let named = r.body["error"]["companies"].as_array().unwrap();
    assert_eq!(named.len(), 1, "{}", r.body);
    assert_eq!(named[0]["id"], acme);
    assert_eq!(named[0]["name"], "Acme");
    assert!(control.identity(ann).await.unwrap().is_some());
    app.get("/api/me", Some(&in_bolt)).await.expect(200, "");
    assert_eq!(control.memberships_of(ann).await.unwrap().len(), 2);

    // With Bob as a second owner, Ann may go.
    let bob_id = control
        .identity_by_email(&silo_control::Email::parse("bob@acme.example").unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    app.patch(
        &format!("/api/members/{bob_id}"),
        Some(&owner),
        json!({"role": "owner"}),
    )
    .await
    .expect(200, "");
    let r = delete_me(&app, &owner, json!({"password": PASSWORD})).await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert!(session_of(&r).is_none(), "the cookie is cleared");

    // Every old token and the browser session fail closed on their next request.
    for token in [&owner, &in_bolt] {
        app.get("/api/me", Some(token))
            .await
            .expect(401, "unauthenticated");
    }
    app.get("/api/accounts", Some(&owner))
        .await
        .expect(401, "unauthenticated");
    refresh(&app, &session).await.expect(401, "unauthenticated");
    let r = app.login("ann@acme.example", None).await;
    r.expect(401, "invalid_credentials");

    // The identity and everything keyed to it are gone; the companies go on.
    assert!(control.identity(ann).await.unwrap().is_none());
    assert!(matches!(
        control.personal_data(ann).await,
        Err(silo_control::ControlError::NotFound)
    ));
    let members = app.get("/api/members", Some(&bob)).await;
    let emails: Vec<&str> = members.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, vec!["bob@acme.example"]);
}

silo_testkit::backend_tests!(
    the_export_holds_everything_about_the_caller_and_no_secret,
    deleting_ones_account_is_refused_for_a_last_owner_and_then_leaves_nothing,
);
