#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! Contracts over HTTP: draft, send, sign, and the frozen body.

use crate::common;

use common::*;
use serde_json::json;

async fn contract_is_sent_signed_and_then_locked() {
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
    let sent = app.post(&format!("{path}/send"), t, json!({})).await;
    assert_eq!(sent.body["status"], "sent", "{}", sent.body);
    app.patch(&path, t, json!({"body": "other terms"}))
        .await
        .expect(409, "contract_locked");
    let missing = app
        .post(&format!("{path}/sign"), t, json!({"signer_name": "Bo"}))
        .await;
    missing.expect(422, "invalid");
    assert_eq!(
        missing.body["error"]["fields"]["signer_email"],
        "is required"
    );
    app.post(
        &format!("{path}/sign"),
        t,
        json!({"signer_name": "Bo", "signer_email": "not-an-email"}),
    )
    .await
    .expect(422, "invalid");
    let signed = app
        .post(
            &format!("{path}/sign"),
            t,
            json!({"signer_name": "Bo Client", "signer_email": "bo@client.example"}),
        )
        .await;
    assert_eq!(signed.status, 200, "{}", signed.body);
    assert_eq!(signed.body["status"], "signed");
    assert_eq!(signed.body["signed_by"]["name"], "Bo Client");
    assert_eq!(signed.body["signed_by"]["email"], "bo@client.example");
    assert_eq!(signed.body["signed_by"]["address"], "127.0.0.1");
    assert!(signed.body["signed_at"].is_string());
    use sha2::Digest;
    let expected: String = sha2::Sha256::digest(body.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(signed.body["document_sha256"], expected.as_str());

    app.patch(&path, t, json!({"title": "Changed"}))
        .await
        .expect(409, "contract_locked");
    app.post(
        &format!("{path}/sign"),
        t,
        json!({"signer_name": "Eve", "signer_email": "eve@evil.example"}),
    )
    .await
    .expect(409, "invalid_transition");
    assert_eq!(app.get(&path, t).await.body["body"], body);
}

silo_testkit::backend_tests!(contract_is_sent_signed_and_then_locked,);
