#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! Contracts signed by the client, over HTTP on both backends: sending mails the signer a
//! link; the link shows the exact text and its hash without being used; signing needs consent
//! and the hash of the text read, works once, and records the signer's own address and
//! browser (not the staff member's); the signed PDF carries the evidence and goes to both
//! sides; links are revoked, expire and refuse tampering; staff record only paper signatures,
//! with the scan, marked as such.

use crate::billing::ready_to_invoice;
use crate::common;

use base64::Engine as _;
use common::*;
use serde_json::{Value, json};
use silo_server::ServerConfig;

pub const STAFF_IP: &str = "198.51.100.20";
pub const SIGNER_IP: &str = "203.0.113.7";
pub const SIGNER_AGENT: &str = "SignerBrowser/1.0 (test)";

/// A server that trusts the test client as its proxy, so `X-Forwarded-For` names the client.
pub async fn behind_proxy() -> TestApp {
    spawn_with(ServerConfig {
        trusted_proxies: vec!["127.0.0.1/32".parse().unwrap()],
        ..ServerConfig::default()
    })
    .await
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A request from `ip` (through the trusted proxy) with a browser of its own.
pub fn request(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    ip: &str,
) -> reqwest::RequestBuilder {
    let mut req = app
        .client
        .request(method, format!("{}{path}", app.url))
        .header("x-forwarded-for", ip)
        .header("user-agent", SIGNER_AGENT);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req
}

/// A contract for `account` (through a deal): its id.
pub async fn contract_for(app: &TestApp, token: &str, account: &str, body: &str) -> String {
    let deal = app
        .post(
            "/api/deals",
            Some(token),
            json!({"title": "Website", "account_id": account}),
        )
        .await;
    assert_eq!(deal.status, 201, "{}", deal.body);
    let c = app
        .post(
            "/api/contracts",
            Some(token),
            json!({"title": "Master services agreement", "body": body,
                   "deal_id": deal.body["id"]}),
        )
        .await;
    assert_eq!(c.status, 201, "{}", c.body);
    c.body["id"].as_str().unwrap().to_owned()
}

/// Sends contract `id` to `email` from the staff member's address; the signing token mailed.
pub async fn send_to(app: &TestApp, token: &str, id: &str, email: &str) -> (Value, String) {
    let sent = app
        .send(
            request(
                app,
                reqwest::Method::POST,
                &format!("/api/contracts/{id}/send"),
                Some(token),
                STAFF_IP,
            )
            .json(&json!({"signer_name": "Bo Client", "signer_email": email})),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    (sent.body, app.mailed_token(email, "sign"))
}

async fn view(app: &TestApp, token: &str) -> Reply {
    app.post("/api/sign/view", None, json!({ "token": token }))
        .await
}

async fn sign(app: &TestApp, body: Value) -> Reply {
    app.send(request(app, reqwest::Method::POST, "/api/sign", None, SIGNER_IP).json(&body))
        .await
}

#[track_caller]
pub fn expect_unusable(r: &Reply) {
    r.expect(422, "invalid");
    assert_eq!(
        r.body["error"]["problems"]["token"]["code"], "link_unusable",
        "{}",
        r.body
    );
}

/// The raw bytes of a GET (a download).
pub async fn download(app: &TestApp, path: &str, token: &str) -> (u16, String, Vec<u8>) {
    let res = app
        .client
        .get(format!("{}{path}", app.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let media = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, media, res.bytes().await.unwrap().to_vec())
}

/// Whether a raw message carries `bytes` as a base64 attachment.
pub fn attaches(mail: &str, bytes: &[u8]) -> bool {
    let flat: String = mail.split("\r\n").collect();
    flat.contains(&base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// The outbox rows of `event` in the company's database: (actor_id, actor_kind, data).
pub async fn events(
    app: &TestApp,
    company: &str,
    event: &str,
) -> Vec<(Option<String>, String, Value)> {
    let db = app.tenant_db(company).await;
    let rows = db
        .db()
        .fetch_all(
            "SELECT actor_id, actor_kind, data FROM outbox WHERE event_type = $1 ORDER BY seq",
            silo_store::params![event],
        )
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            let data: String = r.get("data").unwrap();
            (
                r.get("actor_id").unwrap(),
                r.get("actor_kind").unwrap(),
                serde_json::from_str(&data).unwrap(),
            )
        })
        .collect()
}

const BODY: &str = "Scope: a website.\n\nPrice: EUR 12,500.  \n\tDelivery: March.\n";

async fn a_client_signs_by_link_from_their_own_address() {
    let app = behind_proxy().await;
    let (t, company) = app.signup("Acme", "ann@acme.example").await;
    let account = ready_to_invoice(&app, &t).await;
    let id = contract_for(&app, &t, &account, BODY).await;
    let (sent, token) = send_to(&app, &t, &id, "Bo@Client.example").await;
    assert_eq!(sent["status"], "sent");
    let mail = app.mails_to("bo@client.example").pop().unwrap();
    assert!(mail.contains("Acme asks you to sign"), "{mail}");

    // Opening the link (as a mail scanner would, twice) shows the exact text and uses nothing.
    let shown = view(&app, &token).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert_eq!(view(&app, &token).await.body, shown.body);
    assert_eq!(shown.body["contract"]["body"], BODY);
    assert_eq!(shown.body["contract"]["status"], "sent");
    assert_eq!(shown.body["company_name"], "Acme");
    assert_eq!(shown.body["signer"]["email"], "bo@client.example");
    let shown_hash = shown.body["contract"]["document_sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(shown_hash, sha256_hex(BODY.as_bytes()));

    // Without consent, or with the hash of another text, nothing is signed or used.
    let no_consent = json!({"token": token, "name": "Bo Client", "document_sha256": shown_hash});
    sign(&app, no_consent).await.expect(422, "consent_required");
    let other = json!({"token": token, "name": "Bo Client", "consent": true,
                       "document_sha256": sha256_hex(b"other terms")});
    sign(&app, other).await.expect(409, "document_changed");
    let unticked = json!({"token": token, "name": "Bo Client", "consent": false,
                          "document_sha256": shown_hash});
    sign(&app, unticked).await.expect(422, "consent_required");
    assert_eq!(view(&app, &token).await.status, 200, "still usable");

    let good = json!({"token": token, "name": "Bo Client", "consent": true,
                      "document_sha256": shown_hash});
    let signed = sign(&app, good.clone()).await;
    assert_eq!(signed.status, 200, "{}", signed.body);
    assert_eq!(signed.body["contract_id"], id.as_str());
    assert_eq!(signed.body["document_sha256"], shown_hash.as_str());
    // Once.
    expect_unusable(&sign(&app, good).await);
    expect_unusable(&view(&app, &token).await);

    // The evidence: the signer's own address and browser, not the staff member's.
    let c = app.get(&format!("/api/contracts/{id}"), Some(&t)).await;
    assert_eq!(c.body["status"], "signed");
    let sig = &c.body["signature"];
    assert_eq!(sig["method"], "link", "{sig}");
    assert_eq!(sig["client_ip"], SIGNER_IP);
    assert_ne!(sig["client_ip"], STAFF_IP);
    assert_eq!(sig["user_agent"], SIGNER_AGENT);
    assert_eq!(sig["document_sha256"], shown_hash.as_str());
    assert_eq!(sig["signer_name"], "Bo Client");
    assert_eq!(sig["signer_email"], "bo@client.example");
    assert!(sig["portal_user_id"].is_null() && sig["recorded_by"].is_null());
    assert_eq!(c.body["signed_by"]["address"], SIGNER_IP);
    assert_eq!(c.body["document_sha256"], shown_hash.as_str());
    let links = app
        .get(&format!("/api/contracts/{id}/signing-links"), Some(&t))
        .await;
    assert_eq!(links.body[0]["state"], "used", "{}", links.body);
    assert_eq!(sig["signing_link_id"], links.body[0]["id"]);

    // The signed PDF: the text and an evidence page, its hash kept with the signature.
    let (status, media, pdf) = download(&app, &format!("/api/contracts/{id}/signed-pdf"), &t).await;
    assert_eq!((status, media.as_str()), (200, "application/pdf"));
    assert_eq!(sig["pdf_sha256"], sha256_hex(&pdf).as_str());
    let text = silo_testkit::documents::pdf_text(&pdf);
    for needle in [
        "Signature evidence",
        "Scope: a website.",
        "Bo Client",
        "bo@client.example",
        SIGNER_IP,
        SIGNER_AGENT,
        shown_hash.as_str(),
        links.body[0]["id"].as_str().unwrap(),
        "Globex",
    ] {
        assert!(text.contains(needle), "{needle} is not in the PDF:\n{text}");
    }
    assert!(!text.contains(STAFF_IP));

    // Both sides get it: the signer, and the agency at its invoicing address.
    eventually("the signed PDF is mailed to both sides", || async {
        app.mails_to("bo@client.example")
            .iter()
            .any(|m| attaches(m, &pdf))
            && app
                .mails_to("billing@acme.example")
                .iter()
                .any(|m| attaches(m, &pdf))
    })
    .await;
    let agency = app.mails_to("billing@acme.example").pop().unwrap();
    assert!(agency.contains("Bo Client (Globex) signed"), "{agency}");

    // contract.signed names no actor: the signer has no identity here.
    let signed_events = events(&app, &company, "contract.signed").await;
    assert_eq!(signed_events.len(), 1);
    assert_eq!(signed_events[0].0, None);
    assert_eq!(signed_events[0].2["method"], "link");
    let created = events(&app, &company, "signing_link.created").await;
    assert_eq!(created.len(), 1);
    assert!(
        !created[0].2.to_string().contains("bo@client"),
        "no address in events"
    );
}

async fn links_are_revoked_expire_and_refuse_tampering() {
    let app = behind_proxy().await;
    let (t, company) = app.signup("Acme", "ann@acme.example").await;
    let account = ready_to_invoice(&app, &t).await;
    let id = contract_for(&app, &t, &account, "Terms.").await;
    let draft_links = format!("/api/contracts/{id}/signing-links");
    app.post(
        &draft_links,
        Some(&t),
        json!({"signer_name": "Bo", "signer_email": "bo@client.example"}),
    )
    .await
    .expect(409, "invalid_transition");
    for days in [0, 61] {
        let r = app
            .post(
                &format!("/api/contracts/{id}/send"),
                Some(&t),
                json!({"signer_name": "Bo", "signer_email": "bo@client.example",
                       "expires_in_days": days}),
            )
            .await;
        r.expect(422, "invalid");
        assert!(r.body["error"]["fields"]["expires_in_days"].is_string());
    }
    let (_, first) = send_to(&app, &t, &id, "bo@client.example").await;
    app.post(
        &format!("/api/contracts/{id}/send"),
        Some(&t),
        json!({"signer_name": "Bo", "signer_email": "bo@client.example"}),
    )
    .await
    .expect(409, "invalid_transition");
    let second = app
        .post(
            &draft_links,
            Some(&t),
            json!({"signer_name": "Cy", "signer_email": "cy@client.example",
                   "expires_in_days": 1, "language": "nl"}),
        )
        .await;
    assert_eq!(second.status, 201, "{}", second.body);
    assert_eq!(second.body["state"], "active");
    let second_token = app.mailed_token("cy@client.example", "sign");
    let nl = app.mails_to("cy@client.example").pop().unwrap();
    assert!(nl.contains("ondertekenen"), "{nl}");
    let links = app.get(&draft_links, Some(&t)).await;
    assert_eq!(links.body.as_array().unwrap().len(), 2);
    let first_id = links.body[1]["id"].as_str().unwrap().to_owned();
    assert!(
        !links.body.to_string().contains(&first[first.len() - 20..]),
        "never a token"
    );

    // Revoked: one answer, like every unusable link.
    assert_eq!(view(&app, &first).await.status, 200);
    let revoked = app
        .post(
            &format!("{draft_links}/{first_id}/revoke"),
            Some(&t),
            json!({}),
        )
        .await;
    assert_eq!(revoked.body["state"], "revoked", "{}", revoked.body);
    expect_unusable(&view(&app, &first).await);
    let attempt = json!({"token": first, "name": "Bo", "consent": true,
                         "document_sha256": sha256_hex(b"Terms.")});
    expect_unusable(&sign(&app, attempt).await);
    assert_eq!(
        events(&app, &company, "signing_link.revoked").await.len(),
        1
    );

    // Tampered: another secret on a valid link, a broken signature, another purpose's token.
    let (jwt, secret) = second_token.split_once('~').unwrap();
    let (_, other_secret) = first.split_once('~').unwrap();
    expect_unusable(&view(&app, &format!("{jwt}~{other_secret}")).await);
    let mut flipped = secret.to_owned();
    flipped.replace_range(0..1, if secret.starts_with('A') { "B" } else { "A" });
    expect_unusable(&view(&app, &format!("{jwt}~{flipped}")).await);
    expect_unusable(&view(&app, &format!("x{second_token}")).await);
    expect_unusable(&view(&app, "").await);
    // A staff access token with a secret is no signing link.
    expect_unusable(&view(&app, &format!("{t}~{secret}")).await);

    // Expired: the row's expiry holds even while the token's own lifetime runs.
    assert_eq!(view(&app, &second_token).await.status, 200);
    let db = app.tenant_db(&company).await;
    db.db()
        .execute(
            "UPDATE signing_links SET expires_at = $1 WHERE signer_email = 'cy@client.example'",
            silo_store::params!["2020-01-01T00:00:00.000000Z"],
        )
        .await
        .unwrap();
    expect_unusable(&view(&app, &second_token).await);
    let links = app.get(&draft_links, Some(&t)).await;
    assert_eq!(links.body[0]["state"], "expired", "{}", links.body);

    // Another company's contract id is not found, for links as for everything else.
    let (other, _) = app.signup("Other", "olga@other.example").await;
    app.get(&draft_links, Some(&other))
        .await
        .expect(404, "not_found");
}

async fn staff_record_only_paper_signatures_with_the_scan() {
    let app = behind_proxy().await;
    let (t, company) = app.signup("Acme", "ann@acme.example").await;
    let account = ready_to_invoice(&app, &t).await;
    let id = contract_for(&app, &t, &account, "Paper terms.").await;
    let path = format!("/api/contracts/{id}");
    // Staff cannot sign for the client any more.
    let old = app
        .post(
            &format!("{path}/sign"),
            Some(&t),
            json!({"signer_name": "Bo", "signer_email": "bo@client.example"}),
        )
        .await;
    assert!(
        matches!(old.status.as_u16(), 404 | 405),
        "{} {}",
        old.status,
        old.body
    );
    let put = |query: &str, media: &str, body: Vec<u8>| {
        app.client
            .put(format!("{}{path}/paper-signature?{query}", app.url))
            .bearer_auth(&t)
            .header("content-type", media)
            .body(body)
    };
    // Both query fields are required parameters in the OpenAPI document.
    let doc = silo_server::openapi::document();
    let params = doc["paths"]["/api/contracts/{id}/paper-signature"]["put"]["parameters"]
        .as_array()
        .unwrap();
    for name in ["signer_name", "signed_on"] {
        let p = params.iter().find(|p| p["name"] == name).unwrap();
        assert_eq!(p["required"], true, "{p}");
        assert!(p["schema"].get("x-silo-required").is_none());
    }
    let scan = b"%PDF-1.4\n% a scan of the signed contract\n%%EOF\n".to_vec();
    let q = "signer_name=Bo%20Client&signed_on=2026-11-20";
    app.send(put(q, "application/pdf", b"GIF89a not a pdf".to_vec()))
        .await
        .expect(415, "unsupported_media_type");
    app.send(put(q, "image/png", scan.clone()))
        .await
        .expect(415, "unsupported_media_type");
    let mut big = scan.clone();
    big.resize(10 * 1024 * 1024 + 1, b' ');
    app.send(put(q, "application/pdf", big))
        .await
        .expect(413, "payload_too_large");
    let future = app
        .send(put(
            "signer_name=Bo&signed_on=2999-01-01",
            "application/pdf",
            scan.clone(),
        ))
        .await;
    future.expect(422, "invalid");
    assert!(future.body["error"]["fields"]["signed_on"].is_string());
    assert_eq!(app.get(&path, Some(&t)).await.body["status"], "draft");

    let mut large = scan.clone();
    large.resize(3 * 1024 * 1024, b' ');
    let recorded = app.send(put(q, "application/pdf", large.clone())).await;
    assert_eq!(recorded.status, 200, "{}", recorded.body);
    let me = app.get("/api/me", Some(&t)).await;
    let sig = &recorded.body["signature"];
    assert_eq!(recorded.body["status"], "signed");
    assert_eq!(sig["method"], "paper");
    assert_eq!(sig["recorded_by"], me.body["identity"]["id"]);
    assert_eq!(sig["signer_name"], "Bo Client");
    assert!(sig["client_ip"].is_null() && sig["user_agent"].is_null());
    assert!(sig["signer_email"].is_null());
    assert_eq!(sig["signed_at"], "2026-11-20T00:00:00.000000Z");
    assert_eq!(sig["document_sha256"], sha256_hex(b"Paper terms.").as_str());
    assert_eq!(sig["pdf_sha256"], sha256_hex(&large).as_str());
    let (status, _, kept) = download(&app, &format!("{path}/signed-pdf"), &t).await;
    assert_eq!(status, 200);
    assert_eq!(kept, large, "the scan, byte for byte");
    app.send(put(q, "application/pdf", scan))
        .await
        .expect(409, "invalid_transition");
    // A paper signature is nobody's mail.
    let db = app.tenant_db(&company).await;
    let jobs = db
        .db()
        .fetch_all("SELECT id FROM jobs WHERE kind = 'contract.mail'", &[])
        .await
        .unwrap();
    assert!(jobs.is_empty());
    let signed = events(&app, &company, "contract.signed").await;
    assert_eq!(signed[0].2["method"], "paper");
    assert_eq!(signed[0].0.as_deref(), me.body["identity"]["id"].as_str());
    // Nothing signed yet has no signed PDF.
    let draft = contract_for(&app, &t, &account, "Other.").await;
    let (status, _, _) = download(&app, &format!("/api/contracts/{draft}/signed-pdf"), &t).await;
    assert_eq!(status, 404);
}

silo_testkit::backend_tests!(
    a_client_signs_by_link_from_their_own_address,
    links_are_revoked_expire_and_refuse_tampering,
    staff_record_only_paper_signatures_with_the_scan,
);
