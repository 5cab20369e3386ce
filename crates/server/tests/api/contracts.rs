#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! Contracts over HTTP: draft, send to a signer, and the frozen body (signing: `signing.rs`).

use crate::common;

use common::*;
use serde_json::json;

async fn contract_is_sent_to_its_signer_and_then_locked() {
    let app = spawn_app().await;
    let (t, _) = app.signup("Acme", "ann@acme.example").await;
    let t = Some(t.as_str());
    let body = "Scope: a website.\nPrice: EUR 12,500.  ";
    let c = app
        .post("/api/contracts", t, json!({"title": "MSA", "body": body}))
        .await;
    assert_eq!(c.status, 201, "{}", c.body);
    assert_eq!(c.body["status"], "draft");
    assert_eq!(c.body["body"], body);
    let path = format!("/api/contracts/{}", c.body["id"].as_str().unwrap());

    let edited = app.patch(&path, t, json!({"body": body})).await;
    assert_eq!(edited.status, 200, "a draft can change: {}", edited.body);
    // Sending names the signer: the link goes to them.
    let missing = app
        .post(&format!("{path}/send"), t, json!({"signer_name": "Bo"}))
        .await;
    missing.expect(422, "invalid");
    assert_eq!(
        missing.body["error"]["fields"]["signer_email"],
        "is required"
    );
    app.post(
        &format!("{path}/send"),
        t,
        json!({"signer_name": "Bo", "signer_email": "not-an-email"}),
    )
    .await
    .expect(422, "invalid");
    let sent = app
        .post(
            &format!("{path}/send"),
            t,
            json!({"signer_name": "Bo Client", "signer_email": "bo@client.example"}),
        )
        .await;
    assert_eq!(sent.body["status"], "sent", "{}", sent.body);
    assert!(sent.body["signature"].is_null());
    use sha2::Digest;
    let expected: String = sha2::Sha256::digest(body.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(sent.body["document_sha256"], expected.as_str());
    app.patch(&path, t, json!({"body": "other terms"}))
        .await
        .expect(409, "contract_locked");
    app.patch(&path, t, json!({"title": "Changed"}))
        .await
        .expect(409, "contract_locked");
    // Staff cannot record the client's signature: that route is gone.
    let staff_sign = app
        .post(
            &format!("{path}/sign"),
            t,
            json!({"signer_name": "Eve", "signer_email": "eve@evil.example"}),
        )
        .await;
    assert!(matches!(staff_sign.status.as_u16(), 404 | 405));
    let c = app.get(&path, t).await;
    assert_eq!(c.body["status"], "sent");
    assert!(c.body["signed_by"].is_null() && c.body["signature"].is_null());
    assert_eq!(c.body["body"], body);
    assert!(
        app.mails_to("bo@client.example")
            .pop()
            .unwrap()
            .contains("/sign?token=")
    );
}

silo_testkit::backend_tests!(contract_is_sent_to_its_signer_and_then_locked,);
