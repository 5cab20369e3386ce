#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! Identities one can trust (issue 16), on both backends: verified signup, invitations by mail
//! that grant nothing until accepted, the takeover an attacker with a company of their own tried,
//! password reset and change, and cut-offs that end sessions and tokens.

use crate::common;

use common::*;
use serde_json::{Value, json};
use silo_roles::Role;
use std::time::Duration;

const OTHER_PASSWORD: &str = "a different long password";

/// Invites `email` into the company of `token` as `role`; returns the answer.
async fn invite(app: &TestApp, token: &str, email: &str, role: &str, name: &str) -> Reply {
    app.post(
        "/api/members",
        Some(token),
        json!({"email": email, "role": role, "name": name}),
    )
    .await
}

/// Accepts the newest invitation link mailed to `email` with a password (a new person).
async fn accept_as_new(app: &TestApp, email: &str, password: &str) -> Reply {
    let token = app.mailed_token(email, "accept-invite");
    app.post(
        "/api/auth/accept-invite",
        None,
        json!({"token": token, "password": password, "name": "New Hire"}),
    )
    .await
}

fn body_mentions(body: &Value, needle: &str) -> bool {
    body.to_string().contains(needle)
}

/// Issue 16's four steps: company A invites an address, an attacker's company B adds the same
/// address, accepts with a password of its choosing and logs in to A. Every step fails now.
async fn the_takeover_of_another_companys_invitee_fails() {
    let app = spawn_app().await;
    let (a, a_id) = app.signup("Alpha", "owner@a.test").await;
    let (b, _) = app.signup("Beta", "attacker@b.test").await;

    // 1. A invites.
    let invited = invite(&app, &a, "newhire@a.test", "finance", "Nina Newhire").await;
    assert_eq!(invited.status, 201, "{}", invited.body);
    assert_eq!(invited.body["invitation"]["status"], "pending");
    assert_eq!(invited.body["invitation"]["role"], "finance");
    // 2. B adds the same address: the answer holds no secret and nothing A set.
    let squat = invite(&app, &b, "newhire@a.test", "owner", "").await;
    assert_eq!(squat.status, 201, "{}", squat.body);
    for secret in ["token", "invite_url", "accept-invite", "Nina"] {
        assert!(
            !body_mentions(&squat.body, secret),
            "{secret}: {}",
            squat.body
        );
        assert!(!body_mentions(&invited.body, "accept-invite"));
    }
    // 3. Without the mailed link there is nothing to accept.
    app.post(
        "/api/auth/accept-invite",
        None,
        json!({"token": "0".repeat(64), "password": PASSWORD}),
    )
    .await
    .expect(422, "invalid");
    // 4. Nobody can log in as the invitee.
    app.login("newhire@a.test", Some(&a_id))
        .await
        .expect(401, "invalid_credentials");

    // The real person, holding the mailbox, accepts A's invitation (the mail carries A's name).
    let mails = app.mails_to("newhire@a.test");
    assert_eq!(mails.len(), 2, "one invitation mail per company");
    assert!(mails.iter().any(|m| m.contains("Alpha")));
    let a_link = mails.iter().find(|m| m.contains("Alpha")).unwrap();
    let a_token = link_in(a_link, "accept-invite")
        .rsplit_once("token=")
        .unwrap()
        .1
        .to_owned();
    let accepted = app
        .post(
            "/api/auth/accept-invite",
            None,
            json!({"token": a_token, "password": PASSWORD, "name": "Nina"}),
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(accepted.body["company"]["id"], a_id.as_str());
    assert_eq!(accepted.body["role"], "finance");
    // B's offer waits for the person's own decision; B gained nothing.
    let me = app.get("/api/me", accepted.body["token"].as_str()).await;
    let offers = me.body["invitations"].as_array().unwrap();
    assert_eq!(offers.len(), 1, "{}", me.body);
    assert_eq!(offers[0]["company"]["name"], "Beta");
    let b_members = app.get("/api/members", Some(&b)).await;
    assert_eq!(b_members.body["items"].as_array().unwrap().len(), 1);
}

/// Signing up with somebody else's address creates nothing; the answers for a fresh and a taken
/// address are identical; the mail to a taken address says someone tried.
async fn signup_needs_the_mailbox_and_answers_alike() {
    let app = spawn_app().await;
    app.signup("Alpha", "ann@a.test").await;
    let body = |email: &str| json!({"company_name": "Squat", "email": email, "password": PASSWORD});
    let fresh = app.post("/api/signup", None, body("victim@v.test")).await;
    let taken = app.post("/api/signup", None, body("ANN@a.test")).await;
    assert_eq!(fresh.status, 202);
    assert_eq!((taken.status, &taken.body), (fresh.status, &fresh.body));
    // Nothing exists for the unverified address: no identity, no company, no login.
    let control = app.tenancy.control();
    let victim = silo_control::Email::parse("victim@v.test").unwrap();
    assert!(control.identity_by_email(&victim).await.unwrap().is_none());
    assert_eq!(control.list_companies().await.unwrap().len(), 1);
    app.login("victim@v.test", None)
        .await
        .expect(401, "invalid_credentials");
    // The taken address got a notice, not a link.
    let notice = app.mails_to("ann@a.test").pop().unwrap();
    assert!(!notice.contains("/verify-email?token="), "{notice}");
    assert!(notice.contains("/forgot-password"), "{notice}");
    // The victim, who holds the mailbox, may still accept an invitation of their own choosing
    // with their own password; the squatter's pending signup then cannot take the address.
    let (a, _) = app.signup("Gamma", "gus@g.test").await;
    invite(&app, &a, "victim@v.test", "sales", "").await;
    let squat_token = app.mailed_token("victim@v.test", "verify-email");
    let accepted = accept_as_new(&app, "victim@v.test", OTHER_PASSWORD).await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    app.post(
        "/api/auth/verify-email",
        None,
        json!({ "token": squat_token }),
    )
    .await
    .expect(409, "email_taken");
    let login = app
        .post(
            "/api/auth/login",
            None,
            json!({"email": "victim@v.test", "password": PASSWORD}),
        )
        .await;
    login.expect(401, "invalid_credentials");
}

async fn signup_validation_links_and_disabling() {
    let app = spawn_app().await;
    let bad = app
        .post(
            "/api/signup",
            None,
            json!({"company_name": "", "email": "nope", "password": "short"}),
        )
        .await;
    bad.expect(422, "invalid");
    for field in ["company_name", "email", "password"] {
        assert!(bad.body["error"]["fields"][field].is_string(), "{field}");
    }
    let (_, first) = app.signup("Acme", "ann@acme.example").await;
    let (_, second) = app.signup("Acme", "bob@acme.example").await;
    let control = app.tenancy.control();
    let mut slugs = Vec::new();
    for id in [first, second] {
        let company = control.company(id.parse().unwrap()).await.unwrap().unwrap();
        slugs.push(company.slug.as_str().to_owned());
    }
    let (first, second) = (slugs[0].clone(), slugs[1].clone());
    // Both get a random suffix, so the second one's slug does not tell that "acme" is taken.
    for slug in [&first, &second] {
        let suffix = slug
            .strip_prefix("acme-")
            .unwrap_or_else(|| panic!("{slug}"));
        assert_eq!(suffix.len(), 6, "{slug}");
        assert!(
            suffix
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
            "{slug}"
        );
    }
    assert_ne!(first, second);
    // A verification link works once.
    let used = app.mailed_token("bob@acme.example", "verify-email");
    app.post("/api/auth/verify-email", None, json!({ "token": used }))
        .await
        .expect(422, "invalid");
    // Dutch when asked for.
    app.post(
        "/api/signup",
        None,
        json!({"company_name": "Nl", "email": "nl@nl.test", "password": PASSWORD, "language": "nl"}),
    )
    .await;
    let mail = app.mails_to("nl@nl.test").pop().unwrap();
    assert!(
        mail.contains("Content-Language: nl") || mail.contains("adres"),
        "{mail}"
    );

    let closed = spawn_with(silo_server::ServerConfig {
        signup_enabled: false,
        ..Default::default()
    })
    .await;
    closed
        .post(
            "/api/signup",
            None,
            json!({"company_name": "X", "email": "x@x.example", "password": PASSWORD}),
        )
        .await
        .expect(403, "signup_disabled");
}

/// A person who belongs to one company is invited by another: nothing changes until they
/// accept, and they may decline.
async fn a_second_companys_invitation_waits_for_the_person() {
    let app = spawn_app().await;
    let (alpha, _) = app.signup("Alpha", "ann@a.test").await;
    let (beta, beta_id) = app.signup("Beta", "bea@b.test").await;
    let (gamma, _) = app.signup("Gamma", "gil@g.test").await;
    invite(&app, &beta, "ann@a.test", "sales", "").await;
    invite(&app, &gamma, "ann@a.test", "viewer", "").await;
    // Not a member yet: no switch, not listed, no seat of the company's members.
    app.post(
        "/api/auth/switch",
        Some(&alpha),
        json!({"company": beta_id}),
    )
    .await
    .expect(403, "not_a_member");
    let listed = app.get("/api/members", Some(&beta)).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    let pending = app.get("/api/members/invitations", Some(&beta)).await;
    assert_eq!(pending.body["items"][0]["email"], "ann@a.test");
    // The person sees both offers and answers them.
    let me = app.get("/api/me", Some(&alpha)).await;
    let offers = me.body["invitations"].as_array().unwrap().clone();
    assert_eq!(offers.len(), 2, "{}", me.body);
    let id_of = |name: &str| {
        offers
            .iter()
            .find(|o| o["company"]["name"] == name)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    // Somebody else cannot answer them.
    app.post(
        &format!("/api/invitations/{}/accept", id_of("Beta")),
        Some(&gamma),
        json!({}),
    )
    .await
    .expect(404, "not_found");
    let joined = app
        .post(
            &format!("/api/invitations/{}/accept", id_of("Beta")),
            Some(&alpha),
            json!({}),
        )
        .await;
    assert_eq!(joined.status, 200, "{}", joined.body);
    assert_eq!(joined.body["company"]["id"], beta_id.as_str());
    assert_eq!(joined.body["role"], "sales");
    let declined = app
        .post(
            &format!("/api/invitations/{}/decline", id_of("Gamma")),
            Some(&alpha),
            json!({}),
        )
        .await;
    assert_eq!(declined.status, 204);
    let me = app.get("/api/me", Some(&alpha)).await;
    assert!(me.body["invitations"].as_array().unwrap().is_empty());
    assert_eq!(me.body["companies"].as_array().unwrap().len(), 2);
    // Accepting twice does nothing more.
    app.post(
        &format!("/api/invitations/{}/accept", id_of("Beta")),
        Some(&alpha),
        json!({}),
    )
    .await
    .expect(404, "not_found");
}

/// A known person accepting through the link keeps their password and logs in as usual.
async fn a_known_person_accepts_through_the_link_without_a_new_password() {
    let app = spawn_app().await;
    app.signup("Alpha", "ann@a.test").await;
    let (beta, beta_id) = app.signup("Beta", "bea@b.test").await;
    invite(&app, &beta, "ann@a.test", "manager", "").await;
    let token = app.mailed_token("ann@a.test", "accept-invite");
    let info = app
        .post("/api/auth/invite-info", None, json!({ "token": token }))
        .await;
    assert_eq!(info.status, 200, "{}", info.body);
    assert_eq!(info.body["account_exists"], true);
    assert_eq!(info.body["company"]["name"], "Beta");
    let with_password = app
        .post(
            "/api/auth/accept-invite",
            None,
            json!({"token": token, "password": OTHER_PASSWORD}),
        )
        .await;
    with_password.expect(422, "invalid");
    let accepted = app
        .post("/api/auth/accept-invite", None, json!({ "token": token }))
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(accepted.body["login_required"], true);
    assert!(accepted.body.get("token").is_none());
    let login = app.login("ann@a.test", Some(&beta_id)).await;
    assert_eq!(
        login.status, 200,
        "the old password opens Beta: {}",
        login.body
    );
    assert_eq!(login.body["role"], "manager");
}

async fn invitations_are_single_use_revocable_renewable_and_expire() {
    let app = spawn_with(silo_server::ServerConfig {
        invitation_ttl: Duration::from_secs(3600),
        ..Default::default()
    })
    .await;
    let (owner, company) = app.signup("Acme", "ann@acme.example").await;
    // Revoked: the link stops working.
    let r = invite(&app, &owner, "rev@acme.example", "sales", "").await;
    let id = r.body["invitation"]["id"].as_str().unwrap().to_owned();
    let token = app.mailed_token("rev@acme.example", "accept-invite");
    let revoked = app
        .delete(&format!("/api/members/invitations/{id}"), Some(&owner))
        .await;
    assert_eq!(revoked.status, 204);
    app.post(
        "/api/auth/accept-invite",
        None,
        json!({"token": token, "password": PASSWORD}),
    )
    .await
    .expect(422, "invalid");
    // Renewed: the old link stops, the new one works once.
    let r = invite(&app, &owner, "ivy@acme.example", "sales", "Ivy").await;
    let id = r.body["invitation"]["id"].as_str().unwrap().to_owned();
    let first = app.mailed_token("ivy@acme.example", "accept-invite");
    let resent = app
        .post(
            &format!("/api/members/invitations/{id}/resend"),
            Some(&owner),
            json!({}),
        )
        .await;
    assert_eq!(resent.status, 200, "{}", resent.body);
    let second = app.mailed_token("ivy@acme.example", "accept-invite");
    assert_ne!(first, second);
    let short = app
        .post(
            "/api/auth/accept-invite",
            None,
            json!({"token": second, "password": "short"}),
        )
        .await;
    short.expect(422, "invalid");
    app.post(
        "/api/auth/accept-invite",
        None,
        json!({"token": first, "password": PASSWORD}),
    )
    .await
    .expect(422, "invalid");
    let accepted = app
        .post(
            "/api/auth/accept-invite",
            None,
            json!({"token": second, "password": PASSWORD}),
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(accepted.body["company"]["id"], company.as_str());
    app.post(
        "/api/auth/accept-invite",
        None,
        json!({"token": second, "password": OTHER_PASSWORD}),
    )
    .await
    .expect(422, "invalid");
    assert_eq!(app.login("ivy@acme.example", None).await.status, 200);
    // A member is not invited again.
    invite(&app, &owner, "ivy@acme.example", "viewer", "")
        .await
        .expect(409, "already_member");

    // Expired: a link made with no lifetime left never works and shows as expired.
    let expired = spawn_with(silo_server::ServerConfig {
        invitation_ttl: Duration::ZERO,
        ..Default::default()
    })
    .await;
    let (owner, _) = expired.signup("Late", "lou@late.example").await;
    invite(&expired, &owner, "old@late.example", "sales", "").await;
    let token = expired.mailed_token("old@late.example", "accept-invite");
    expired
        .post(
            "/api/auth/accept-invite",
            None,
            json!({"token": token, "password": PASSWORD}),
        )
        .await
        .expect(422, "invalid");
    let listed = expired.get("/api/members/invitations", Some(&owner)).await;
    assert_eq!(listed.body["items"][0]["expired"], true);
}

async fn pending_invitations_hold_seats_and_need_the_right_role() {
    let app = spawn_app().await;
    let (owner, company) = app.signup("Acme", "ann@acme.example").await;
    let control = app.tenancy.control();
    control
        .set_plan_limits(
            silo_control::Plan::Starter,
            silo_control::PlanLimits {
                max_seats: Some(2),
                max_contacts: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        invite(&app, &owner, "one@acme.example", "admin", "")
            .await
            .status,
        201
    );
    invite(&app, &owner, "two@acme.example", "sales", "")
        .await
        .expect(403, "plan_limit");
    // An admin (once accepted) cannot invite or withdraw owners.
    accept_as_new(&app, "one@acme.example", PASSWORD).await;
    let admin = app.login("one@acme.example", Some(&company)).await;
    let admin = admin.body["token"].as_str().unwrap().to_owned();
    control
        .set_plan_limits(
            silo_control::Plan::Starter,
            silo_control::PlanLimits {
                max_seats: None,
                max_contacts: None,
            },
        )
        .await
        .unwrap();
    invite(&app, &admin, "boss@acme.example", "owner", "")
        .await
        .expect(403, "forbidden");
    let r = invite(&app, &owner, "boss@acme.example", "owner", "").await;
    let id = r.body["invitation"]["id"].as_str().unwrap().to_owned();
    app.delete(&format!("/api/members/invitations/{id}"), Some(&admin))
        .await
        .expect(403, "forbidden");
    let _ = Role::Owner;
}

/// Reset works once, changes the password and ends every session and access token; the answer
/// is the same for known and unknown addresses.
async fn password_reset_works_once_and_ends_sessions() {
    let app = spawn_app().await;
    let (before, _) = app.signup("Acme", "ann@acme.example").await;
    let known = app
        .post(
            "/api/auth/password-reset",
            None,
            json!({"email": "ann@acme.example"}),
        )
        .await;
    let unknown = app
        .post(
            "/api/auth/password-reset",
            None,
            json!({"email": "nobody@acme.example"}),
        )
        .await;
    assert_eq!(known.status, 202);
    assert_eq!((unknown.status, &unknown.body), (known.status, &known.body));
    assert!(app.mails_to("nobody@acme.example").is_empty());
    let token = app.mailed_token("ann@acme.example", "reset-password");
    app.post(
        "/api/auth/password-reset/confirm",
        None,
        json!({"token": token, "password": "short"}),
    )
    .await
    .expect(422, "invalid");
    let done = app
        .post(
            "/api/auth/password-reset/confirm",
            None,
            json!({"token": token, "password": OTHER_PASSWORD}),
        )
        .await;
    assert_eq!(done.status, 204, "{}", done.body);
    app.post(
        "/api/auth/password-reset/confirm",
        None,
        json!({"token": token, "password": "yet another long password"}),
    )
    .await
    .expect(422, "invalid");
    // The token issued before the reset is dead; the old password too; the new one works.
    app.get("/api/me", Some(&before))
        .await
        .expect(401, "unauthenticated");
    app.login("ann@acme.example", None)
        .await
        .expect(401, "invalid_credentials");
    let after = app
        .post(
            "/api/auth/login",
            None,
            json!({"email": "ann@acme.example", "password": OTHER_PASSWORD}),
        )
        .await;
    assert_eq!(after.status, 200, "{}", after.body);
    assert_eq!(
        app.get("/api/me", after.body["token"].as_str())
            .await
            .status,
        200
    );
    // A notice of the change went out.
    let last = app.mails_to("ann@acme.example").pop().unwrap();
    assert!(!last.contains("token="), "{last}");
}

/// Changing one's password and "log out everywhere" end the other sessions and tokens.
async fn password_change_and_logout_everywhere_end_other_access() {
    let app = spawn_app().await;
    let (first, _) = app.signup("Acme", "ann@acme.example").await;
    let second = app.login("ann@acme.example", None).await;
    let second = second.body["token"].as_str().unwrap().to_owned();
    app.post(
        "/api/auth/password",
        Some(&second),
        json!({"current": "wrong password here", "new": OTHER_PASSWORD}),
    )
    .await
    .expect(422, "invalid");
    let changed = app
        .post(
            "/api/auth/password",
            Some(&second),
            json!({"current": PASSWORD, "new": OTHER_PASSWORD}),
        )
        .await;
    assert_eq!(changed.status, 204, "{}", changed.body);
    for old in [&first, &second] {
        app.get("/api/me", Some(old))
            .await
            .expect(401, "unauthenticated");
    }
    let fresh = app
        .post(
            "/api/auth/login",
            None,
            json!({"email": "ann@acme.example", "password": OTHER_PASSWORD}),
        )
        .await;
    let fresh = fresh.body["token"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/api/me", Some(&fresh)).await.status, 200);
    assert_eq!(
        app.post("/api/auth/logout-all", Some(&fresh), json!({}))
            .await
            .status,
        204
    );
    app.get("/api/company", Some(&fresh))
        .await
        .expect(401, "unauthenticated");
}

/// Accepting into a company that requires two-factor, without it, logs in like a login would:
/// an identity-only token naming the company, so the person sets two-factor up first.
async fn accepting_into_a_company_that_requires_two_factor_asks_for_set_up() {
    let app = spawn_app().await;
    let (owner, company) = app.signup("Strict", "ann@strict.example").await;
    invite(&app, &owner, "new@strict.example", "sales", "").await;
    // Required from now on (owners turn it on once they have it themselves).
    app.tenancy
        .control()
        .set_require_two_factor(company.parse().unwrap(), true)
        .await
        .unwrap();
    let accepted = accept_as_new(&app, "new@strict.example", PASSWORD).await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert!(accepted.body["company"].is_null(), "{}", accepted.body);
    assert_eq!(accepted.body["two_factor_setup_required"], company.as_str());
    let token = accepted.body["token"].as_str().unwrap();
    app.post(
        "/api/auth/switch",
        Some(token),
        json!({ "company": company }),
    )
    .await
    .expect(403, "two_factor_setup_required");
    // The membership exists: the person only has to set two-factor up.
    let me = app.get("/api/me", Some(token)).await;
    assert_eq!(me.body["companies"][0]["id"], company.as_str());
}

/// A token alone is no way to guess the password: wrong current passwords count like failed
/// logins, and past the limit even the right one waits.
async fn guessing_the_current_password_is_limited_like_login() {
    let app = spawn_app().await;
    let (token, _) = app.signup("Acme", "ann@acme.example").await;
    let guess = |current: &str| {
        app.post(
            "/api/auth/password",
            Some(&token),
            json!({"current": current, "new": OTHER_PASSWORD}),
        )
    };
    for i in 0..5 {
        guess(&format!("wrong guess number {i}"))
            .await
            .expect(422, "invalid");
    }
    guess("wrong guess number 6")
        .await
        .expect(429, "rate_limited");
    guess(PASSWORD).await.expect(429, "rate_limited");
    assert_eq!(app.login("ann@acme.example", None).await.status, 429);
}

/// Signup is free, so invitations are how an attacker's company would mail strangers: each
/// company may send only so many invitation mails (invites and resends) an hour.
async fn invitation_mails_are_limited_per_company() {
    let app = spawn_exact(silo_server::ServerConfig {
        request_limits: silo_server::RequestLimits {
            invitations_per_company: 2,
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    let (owner, _) = app.signup("Spam", "sam@spam.example").await;
    let (other, _) = app.signup("Fair", "fay@fair.example").await;
    let first = invite(&app, &owner, "one@victim.example", "viewer", "").await;
    let id = first.body["invitation"]["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/members/invitations/{id}/resend"),
        Some(&owner),
        json!({}),
    )
    .await;
    invite(&app, &owner, "two@victim.example", "viewer", "")
        .await
        .expect(429, "rate_limited");
    assert_eq!(app.mails_to("one@victim.example").len(), 2);
    assert!(
        app.mails_to("two@victim.example").is_empty(),
        "nothing sent"
    );
    let pending = app.get("/api/members/invitations", Some(&owner)).await;
    assert_eq!(
        pending.body["items"].as_array().unwrap().len(),
        1,
        "nothing stored"
    );
    // Another company is not held back by it.
    assert_eq!(
        invite(&app, &other, "two@victim.example", "viewer", "")
            .await
            .status,
        201
    );
}

silo_testkit::backend_tests!(
    invitation_mails_are_limited_per_company,
    guessing_the_current_password_is_limited_like_login,
    accepting_into_a_company_that_requires_two_factor_asks_for_set_up,
    the_takeover_of_another_companys_invitee_fails,
    signup_needs_the_mailbox_and_answers_alike,
    signup_validation_links_and_disabling,
    a_second_companys_invitation_waits_for_the_person,
    a_known_person_accepts_through_the_link_without_a_new_password,
    invitations_are_single_use_revocable_renewable_and_expire,
    pending_invitations_hold_seats_and_need_the_right_role,
    password_reset_works_once_and_ends_sessions,
    password_change_and_logout_everywhere_end_other_access,
);
