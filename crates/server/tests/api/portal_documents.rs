#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! The portal's contracts and invoices, over HTTP on both backends: a portal user sees and
//! signs their own client's sent contracts (the evidence names them and their address), and
//! sees their client's issued invoices with how to pay them and the same documents the agency
//! downloads; another client's records, drafts and random ids answer the same 404; a preview
//! reads but never signs; parts the agency turned off answer 403.

use crate::billing::{client_details, ready_to_invoice};
use crate::common;
use crate::signing::{
    SIGNER_AGENT, behind_proxy, contract_for, download, events, request, send_to, sha256_hex,
};

use common::*;
use serde_json::{Value, json};

/// Invites `email` to `account`'s portal in `role` and signs in with the mailed link: (the
/// portal user, a portal session token).
pub async fn portal_user(
    app: &TestApp,
    staff: &str,
    account: &str,
    email: &str,
    role: &str,
) -> (Value, String) {
    let user = app
        .post(
            &format!("/api/accounts/{account}/portal-users"),
            Some(staff),
            json!({"email": email, "name": "Pat Portal", "role": role}),
        )
        .await;
    assert_eq!(user.status, 201, "{}", user.body);
    let link = app.mailed_token(email, "portal/magic");
    let session = app
        .post("/api/portal/auth/consume", None, json!({ "token": link }))
        .await;
    assert_eq!(session.status, 200, "{}", session.body);
    (
        user.body,
        session.body["token"].as_str().unwrap().to_owned(),
    )
}

/// A draft invoice for `account`, issued unless `draft`: its id.
async fn invoice_for(app: &TestApp, staff: &str, account: &str, draft: bool) -> String {
    let r = app
        .post(
            "/api/invoices",
            Some(staff),
            json!({"account_id": account, "lines": [
                {"description": "Design", "quantity": 2, "unit_cents": 10000, "vat_rate_bp": 2100}
            ]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    if !draft {
        let r = app
            .post(&format!("/api/invoices/{id}/issue"), Some(staff), json!({}))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    id
}

/// `path` for another client's id and for a random one: the same 404.
async fn not_found_alike(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    foreign: &str,
    path: &str,
    body: Value,
) {
    let random = uuid::Uuid::new_v4().to_string();
    let mut answers = Vec::new();
    for id in [foreign, random.as_str()] {
        let p = path.replace("{id}", id);
        let r = app
            .send(
                app.client
                    .request(method.clone(), format!("{}{p}", app.url))
                    .bearer_auth(token)
                    .json(&body),
            )
            .await;
        r.expect(404, "not_found");
        answers.push(r.body);
    }
    assert_eq!(answers[0], answers[1], "{path}");
}

async fn portal_users_sign_and_see_their_own_clients_documents_only() {
    let app = behind_proxy().await;
    let (t, company) = app.signup("Acme", "ann@acme.example").await;
    let globex = ready_to_invoice(&app, &t).await;
    let initech = app
        .post("/api/accounts", Some(&t), client_details("Initech"))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (pat, pat_token) = portal_user(&app, &t, &globex, "pat@globex.example", "billing").await;
    let (_, ines_token) =
        portal_user(&app, &t, &initech, "ines@initech.example", "client_admin").await;

    // Contracts: Globex's sent one, its draft, Initech's sent one.
    let body = "Globex terms.\nSigned in the portal.";
    let mine = contract_for(&app, &t, &globex, body).await;
    let (_, _) = send_to(&app, &t, &mine, "pat@globex.example").await;
    let links = app
        .get(&format!("/api/contracts/{mine}/signing-links"), Some(&t))
        .await;
    assert_eq!(
        links.body[0]["portal_user_id"], pat["id"],
        "the signer is Globex's portal user"
    );
    let draft = contract_for(&app, &t, &globex, "Not yet.").await;
    let theirs = contract_for(&app, &t, &initech, "Initech terms.").await;
    send_to(&app, &t, &theirs, "ines@initech.example").await;

    let list = app.get("/api/portal/contracts", Some(&pat_token)).await;
    assert_eq!(list.status, 200, "{}", list.body);
    let ids: Vec<&str> = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [mine.as_str()], "sent contracts of Globex only");
    let shown = app
        .get(&format!("/api/portal/contracts/{mine}"), Some(&pat_token))
        .await;
    assert_eq!(shown.body["body"], body);
    let hash = shown.body["document_sha256"].as_str().unwrap().to_owned();
    assert_eq!(hash, sha256_hex(body.as_bytes()));
    assert!(shown.body["consent_text"].as_str().unwrap().len() > 20);
    for foreign in [&theirs, &draft] {
        not_found_alike(
            &app,
            &pat_token,
            reqwest::Method::GET,
            foreign,
            "/api/portal/contracts/{id}",
            json!(null),
        )
        .await;
        not_found_alike(
            &app,
            &pat_token,
            reqwest::Method::GET,
            foreign,
            "/api/portal/contracts/{id}/pdf",
            json!(null),
        )
        .await;
        not_found_alike(
            &app,
            &pat_token,
            reqwest::Method::POST,
            foreign,
            "/api/portal/contracts/{id}/sign",
            json!({"name": "Pat", "consent": true, "document_sha256": hash}),
        )
        .await;
    }

    // A staff member's preview reads the client's contracts but never signs.
    let preview = app
        .post(
            &format!("/api/accounts/{globex}/portal/preview"),
            Some(&t),
            json!({}),
        )
        .await;
    let preview = preview.body["token"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get(&format!("/api/portal/contracts/{mine}"), Some(&preview))
            .await
            .status,
        200
    );
    let sign_path = format!("/api/portal/contracts/{mine}/sign");
    let good = json!({"name": "Pat Portal", "consent": true, "document_sha256": hash});
    app.post(&sign_path, Some(&preview), good.clone())
        .await
        .expect(403, "forbidden");
    // Staff tokens are no portal sessions, and portal sessions no staff tokens.
    app.get("/api/portal/contracts", Some(&t))
        .await
        .expect(401, "unauthenticated");
    app.get(&format!("/api/contracts/{mine}"), Some(&pat_token))
        .await
        .expect(401, "unauthenticated");

    app.post(
        &sign_path,
        Some(&pat_token),
        json!({"name": "Pat Portal", "document_sha256": hash}),
    )
    .await
    .expect(422, "consent_required");
    app.post(
        &sign_path,
        Some(&pat_token),
        json!({"name": "Pat Portal", "consent": true, "document_sha256": "0".repeat(64)}),
    )
    .await
    .expect(409, "document_changed");
    let signed = app
        .send(
            request(
                &app,
                reqwest::Method::POST,
                &sign_path,
                Some(&pat_token),
                "203.0.113.9",
            )
            .json(&good),
        )
        .await;
    assert_eq!(signed.status, 200, "{}", signed.body);
    assert_eq!(signed.body["document_sha256"], hash.as_str());
    app.post(&sign_path, Some(&pat_token), good)
        .await
        .expect(409, "invalid_transition");

    let c = app.get(&format!("/api/contracts/{mine}"), Some(&t)).await;
    let sig = &c.body["signature"];
    assert_eq!(sig["method"], "portal", "{sig}");
    assert_eq!(sig["portal_user_id"], pat["id"]);
    assert_eq!(sig["signer_email"], "pat@globex.example");
    assert_eq!(sig["client_ip"], "203.0.113.9");
    assert_eq!(sig["user_agent"], SIGNER_AGENT);
    assert!(sig["signing_link_id"].is_null());
    let signed_events = events(&app, &company, "contract.signed").await;
    assert_eq!(
        (signed_events[0].0.as_deref(), signed_events[0].1.as_str()),
        (pat["id"].as_str(), "portal_user"),
        "the portal user is the actor"
    );
    // The link mailed earlier no longer works: the contract is signed.
    let link_token = app.mailed_token("pat@globex.example", "sign");
    let r = app
        .post("/api/sign/view", None, json!({ "token": link_token }))
        .await;
    r.expect(422, "invalid");

    let (status, media, pdf) = download(
        &app,
        &format!("/api/portal/contracts/{mine}/pdf"),
        &pat_token,
    )
    .await;
    assert_eq!((status, media.as_str()), (200, "application/pdf"));
    let (_, _, staff_pdf) = download(&app, &format!("/api/contracts/{mine}/signed-pdf"), &t).await;
    assert_eq!(pdf, staff_pdf);
    let text = silo_testkit::documents::pdf_text(&pdf);
    assert!(text.contains(pat["id"].as_str().unwrap()), "{text}");
    assert!(text.contains("203.0.113.9") && text.contains(&hash));
    let listed = app.get("/api/portal/contracts", Some(&pat_token)).await;
    assert_eq!(listed.body[0]["status"], "signed");

    // Invoices: Globex's issued one only, never a draft, never Initech's.
    let issued = invoice_for(&app, &t, &globex, false).await;
    let draft_invoice = invoice_for(&app, &t, &globex, true).await;
    let initech_invoice = invoice_for(&app, &t, &initech, false).await;
    let list = app.get("/api/portal/invoices", Some(&pat_token)).await;
    assert_eq!(list.status, 200, "{}", list.body);
    let ids: Vec<&str> = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [issued.as_str()]);
    let inv = app
        .get(&format!("/api/portal/invoices/{issued}"), Some(&pat_token))
        .await;
    assert_eq!(inv.status, 200, "{}", inv.body);
    assert_eq!(inv.body["status"], "issued");
    assert_eq!(inv.body["total_cents"], 24200);
    assert_eq!(inv.body["lines"][0]["description"], "Design");
    let pay = &inv.body["payment"];
    assert_eq!(pay["iban"], "NL91ABNA0417164300", "{pay}");
    assert_eq!(pay["open_cents"], 24200);
    assert_eq!(pay["due_date"], inv.body["due_date"]);
    assert!(pay["reference"].as_str().is_some_and(|r| !r.is_empty()));
    for (kind, media) in [("pdf", "application/pdf"), ("ubl", "application/xml")] {
        let (status, got, bytes) = download(
            &app,
            &format!("/api/portal/invoices/{issued}/{kind}"),
            &pat_token,
        )
        .await;
        assert_eq!((status, got.as_str()), (200, media));
        let (_, _, staff) = download(&app, &format!("/api/invoices/{issued}/{kind}"), &t).await;
        assert_eq!(bytes, staff, "the agency's own {kind}");
    }
    for foreign in [&initech_invoice, &draft_invoice] {
        for path in [
            "/api/portal/invoices/{id}",
            "/api/portal/invoices/{id}/pdf",
            "/api/portal/invoices/{id}/ubl",
        ] {
            not_found_alike(
                &app,
                &pat_token,
                reqwest::Method::GET,
                foreign,
                path,
                json!(null),
            )
            .await;
        }
    }
    // Initech's client admin sees Initech's invoice, not Globex's.
    let theirs = app.get("/api/portal/invoices", Some(&ines_token)).await;
    assert_eq!(theirs.body[0]["id"], initech_invoice.as_str());
    not_found_alike(
        &app,
        &ines_token,
        reqwest::Method::GET,
        &issued,
        "/api/portal/invoices/{id}",
        json!(null),
    )
    .await;

    // Parts the agency turns off, or the role lacks, answer 403.
    let r = app
        .patch(
            &format!("/api/accounts/{globex}/portal"),
            Some(&t),
            json!({"invoices": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    app.get("/api/portal/invoices", Some(&pat_token))
        .await
        .expect(403, "forbidden");
    let (_, member) = portal_user(&app, &t, &globex, "mo@globex.example", "member").await;
    app.get("/api/portal/contracts", Some(&member))
        .await
        .expect(403, "forbidden");
}

async fn a_portal_users_link_signature_names_them() {
    let app = behind_proxy().await;
    let (t, company) = app.signup("Acme", "ann@acme.example").await;
    let globex = ready_to_invoice(&app, &t).await;
    let (pat, _) = portal_user(&app, &t, &globex, "pat@globex.example", "billing").await;
    let id = contract_for(&app, &t, &globex, "Linked terms.").await;
    let (_, token) = send_to(&app, &t, &id, "pat@globex.example").await;
    let hash = sha256_hex(b"Linked terms.");
    let signed = app
        .send(
            request(&app, reqwest::Method::POST, "/api/sign", None, "192.0.2.44").json(&json!({
                "token": token, "name": "Pat Portal", "consent": true, "document_sha256": hash
            })),
        )
        .await;
    assert_eq!(signed.status, 200, "{}", signed.body);
    let c = app.get(&format!("/api/contracts/{id}"), Some(&t)).await;
    assert_eq!(c.body["signature"]["method"], "link");
    assert_eq!(c.body["signature"]["portal_user_id"], pat["id"]);
    assert_eq!(c.body["signature"]["client_ip"], "192.0.2.44");
    let signed_events = events(&app, &company, "contract.signed").await;
    assert_eq!(signed_events[0].0.as_deref(), pat["id"].as_str());
    assert_eq!(signed_events[0].1, "portal_user");
    // No invoicing address? The agency's copy goes to the staff member who sent it.
    let r = app
        .patch("/api/company/invoicing", Some(&t), json!({"email": null}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let second = contract_for(&app, &t, &globex, "More terms.").await;
    let (_, token) = send_to(&app, &t, &second, "pat@globex.example").await;
    let r = app
        .post(
            "/api/sign",
            None,
            json!({"token": token, "name": "Pat Portal", "consent": true,
                   "document_sha256": sha256_hex(b"More terms.")}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let (_, _, pdf) = download(&app, &format!("/api/contracts/{second}/signed-pdf"), &t).await;
    eventually(
        "the staff member who sent it gets the signed PDF",
        || async {
            app.mails_to("ann@acme.example")
                .iter()
                .any(|m| crate::signing::attaches(m, &pdf))
        },
    )
    .await;
}

silo_testkit::backend_tests!(
    portal_users_sign_and_see_their_own_clients_documents_only,
    a_portal_users_link_signature_names_them,
);

/// For the route-table isolation test: one record of the client `account` per contract and
/// invoice route of the portal (a sent contract, a signed one for its PDF, an issued invoice),
/// by route path.
pub async fn seed_documents(
    app: &TestApp,
    owner: &str,
    account: &str,
    tag: &str,
) -> Vec<(&'static str, String)> {
    let r = app
        .patch(
            "/api/company/invoicing",
            Some(owner),
            crate::billing::seller_details(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut details = client_details("Client");
    details.as_object_mut().unwrap().remove("name");
    let r = app
        .patch(&format!("/api/accounts/{account}"), Some(owner), details)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let sent = contract_for(app, owner, account, &format!("Terms of {tag}.")).await;
    send_to(app, owner, &sent, &format!("sent-{tag}@client.example")).await;
    let signed = contract_for(app, owner, account, &format!("Signed terms of {tag}.")).await;
    let (_, token) = send_to(app, owner, &signed, &format!("signed-{tag}@client.example")).await;
    let r = app
        .post(
            "/api/sign",
            None,
            json!({"token": token, "name": "Bo Client", "consent": true,
                   "document_sha256": sha256_hex(format!("Signed terms of {tag}.").as_bytes())}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let invoice = invoice_for(app, owner, account, false).await;
    vec![
        ("/api/portal/contracts/{id}", sent.clone()),
        ("/api/portal/contracts/{id}/sign", sent),
        ("/api/portal/contracts/{id}/pdf", signed),
        ("/api/portal/invoices/{id}", invoice.clone()),
        ("/api/portal/invoices/{id}/pdf", invoice.clone()),
        ("/api/portal/invoices/{id}/ubl", invoice),
    ]
}

/// For the route-table isolation test: the body of the portal's signing route (valid, so the
/// request reaches the record lookup).
pub fn sign_body() -> Value {
    json!({"name": "Bo Client", "consent": true, "document_sha256": "0".repeat(64)})
}
