#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! Token attacks over real HTTP: forged, damaged, stale, misbound and oddly shaped tokens are
//! all refused with 401 `unauthenticated` (or, for a well-formed token of a company that no
//! longer serves, 403 `tenant_unresolved`), and none of them ever reaches a tenant.
//!
//! Most cases sign with the server's own key, read from its data directory as a thief would,
//! so each case fails for its own defect and not for a bad signature.

use crate::common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use common::*;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};
use silo_control::{CompanyId, CompanyStatus};
use silo_roles::Role;

/// The leeway of `TokenConfig::default()`, which the test servers use.
const LEEWAY: i64 = 5;

/// What an attacker holding the signing key has: the key, its kid, a real identity and company.
struct Thief {
    key: EncodingKey,
    kid: String,
    sub: String,
    company: String,
}

impl Thief {
    async fn of(app: &TestApp) -> (Thief, String) {
        let (token, company) = app.signup("Acme", "ann@acme.example").await;
        let (kid, pem) = app.signing_pem();
        let thief = Thief {
            key: EncodingKey::from_ed_pem(pem.as_bytes()).unwrap(),
            kid,
            sub: payload(&token)["sub"].as_str().unwrap().to_owned(),
            company,
        };
        (thief, token)
    }

    fn header(&self) -> Value {
        json!({"alg": "EdDSA", "typ": "JWT", "kid": self.kid})
    }

    fn good(&self) -> Value {
        claims(&self.sub, Some(&self.company))
    }

    /// Good claims with `change` applied (a null removes the claim).
    fn claims_with(&self, change: Value) -> Value {
        let mut c = self.good();
        for (k, v) in change.as_object().unwrap() {
            if v.is_null() {
                c.as_object_mut().unwrap().remove(k);
            } else {
                c[k] = v.clone();
            }
        }
        c
    }

    fn sign(&self, header: &Value, claims: &Value) -> String {
        forge(header, claims, Some((&self.key, Algorithm::EdDSA)))
    }

    /// Signs header and payload given as raw JSON text (for duplicate keys, which a `Value`
    /// cannot hold).
    fn sign_raw(&self, header: &str, claims: &str) -> String {
        let message = format!("{}.{}", B64.encode(header), B64.encode(claims));
        let signature =
            jsonwebtoken::crypto::sign(message.as_bytes(), &self.key, Algorithm::EdDSA).unwrap();
        format!("{message}.{signature}")
    }
}

/// Every case answers 401 `unauthenticated` on a company route and on an identity route.
async fn refuse_all(app: &TestApp, cases: &[(String, String)]) {
    assert!(!cases.is_empty());
    for (name, bad) in cases {
        let r = app.get("/api/company", Some(bad)).await;
        assert_eq!(
            (r.status.as_u16(), r.code()),
            (401, "unauthenticated"),
            "{name}: {}",
            r.body
        );
        let r = app.get("/api/me", Some(bad)).await;
        assert_eq!(r.status, 401, "{name} on /api/me: {}", r.body);
    }
}

async fn malformed_tokens_are_unauthenticated() {
    let app = spawn_app().await;
    let (token, company) = app.signup("Acme", "ann@acme.example").await;
    let sub = payload(&token)["sub"].as_str().unwrap().to_owned();
    let (kid, pem) = app.signing_pem();
    let ours = EncodingKey::from_ed_pem(pem.as_bytes()).unwrap();
    let jwks = app.get("/.well-known/jwks.json", None).await;
    let x = jwks.body["keys"][0]["x"].as_str().unwrap().to_owned();
    assert_eq!(jwks.body["keys"][0]["kid"], kid.as_str());
    let public_bytes =
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, &x).unwrap();
    let hmac = EncodingKey::from_secret(&public_bytes).unwrap();
    let good = claims(&sub, Some(&company));
    let header = json!({"alg": "EdDSA", "typ": "JWT", "kid": kid});
    let ed = Some((&ours, Algorithm::EdDSA));

    // Sanity: a token forged with the stolen key and correct claims is accepted, so each case
    // below fails for its own defect.
    let control = forge(&header, &good, ed);
    assert_eq!(app.get("/api/company", Some(&control)).await.status, 200);

    let mut cases: Vec<(&str, String)> = vec![
        ("garbage", "not-a-token".into()),
        ("two segments", token.rsplit_once('.').unwrap().0.to_owned()),
        (
            "stripped signature",
            format!("{}.", token.rsplit_once('.').unwrap().0),
        ),
        (
            "alg none",
            forge(
                &json!({"alg": "none", "typ": "JWT", "kid": kid}),
                &good,
                None,
            ),
        ),
        (
            "HMAC with our public key",
            forge(
                &json!({"alg": "HS256", "typ": "JWT", "kid": kid}),
                &good,
                Some((&hmac, Algorithm::HS256)),
            ),
        ),
        (
            "unknown kid",
            forge(
                &json!({"alg": "EdDSA", "typ": "JWT", "kid": "nope"}),
                &good,
                ed,
            ),
        ),
        (
            "path-like kid",
            forge(
                &json!({"alg": "EdDSA", "typ": "JWT", "kid": "../../keys/active"}),
                &good,
                ed,
            ),
        ),
        (
            "embedded jwk",
            forge(
                &json!({"alg": "EdDSA", "typ": "JWT", "kid": kid, "jwk": {"kty": "OKP", "crv": "Ed25519", "x": x}}),
                &good,
                ed,
            ),
        ),
        (
            "jku",
            forge(
                &json!({"alg": "EdDSA", "typ": "JWT", "kid": kid, "jku": "http://127.0.0.1:1/jwks"}),
                &good,
                ed,
            ),
        ),
        (
            "x5u",
            forge(
                &json!({"alg": "EdDSA", "typ": "JWT", "kid": kid, "x5u": "http://127.0.0.1:1/x5"}),
                &good,
                ed,
            ),
        ),
        (
            "crit",
            forge(
                &json!({"alg": "EdDSA", "typ": "JWT", "kid": kid, "crit": ["exp"]}),
                &good,
                ed,
            ),
        ),
    ];
    let mut altered = good.clone();
    altered["sub"] = json!(uuid::Uuid::now_v7().to_string());
    let parts: Vec<&str> = token.split('.').collect();
    let tampered_payload = forge(&header, &altered, None);
    cases.push((
        "altered payload",
        format!("{}.{}", tampered_payload.trim_end_matches('.'), parts[2]),
    ));
    let mut sig = parts[2].to_owned().into_bytes();
    sig[5] = if sig[5] == b'A' { b'B' } else { b'A' };
    cases.push((
        "altered signature",
        format!(
            "{}.{}.{}",
            parts[0],
            parts[1],
            String::from_utf8(sig).unwrap()
        ),
    ));
    for (name, change) in [
        (
            "expired",
            json!({"exp": now() - 3600, "nbf": now() - 7200, "iat": now() - 7200}),
        ),
        ("not yet valid", json!({"nbf": now() + 3600})),
        ("wrong iss", json!({"iss": "someone-else"})),
        ("wrong aud", json!({"aud": "other-api"})),
        ("missing exp", json!({"exp": null})),
        ("company_id number", json!({"company_id": 42})),
        ("company_id list", json!({"company_id": [company.clone()]})),
        (
            "company_id object",
            json!({"company_id": {"id": company.clone()}}),
        ),
        ("company_id empty", json!({"company_id": ""})),
        ("sub not a uuid", json!({"sub": "admin"})),
        ("exp as string", json!({"exp": (now() + 600).to_string()})),
    ] {
        let mut c = good.clone();
        for (k, v) in change.as_object().unwrap() {
            if v.is_null() {
                c.as_object_mut().unwrap().remove(k);
            } else {
                c[k] = v.clone();
            }
        }
        cases.push((name, forge(&header, &c, ed)));
    }
    for (name, bad) in &cases {
        let r = app.get("/api/company", Some(bad)).await;
        assert_eq!(
            (r.status.as_u16(), r.code()),
            (401, "unauthenticated"),
            "{name}: {}",
            r.body
        );
        let r = app.get("/api/me", Some(bad)).await;
        assert_eq!(r.status, 401, "{name} on /api/me");
    }
    for header in ["", "Bearer", "Bearer ", "Basic YW5uOnB3", "bearer"] {
        let r = app
            .send(
                app.client
                    .get(format!("{}/api/company", app.url))
                    .header("authorization", header),
            )
            .await;
        r.expect(401, "unauthenticated");
    }
    app.get("/api/company", None)
        .await
        .expect(401, "unauthenticated");
}

async fn claim_shapes_and_times_are_refused() {
    let app = spawn_app().await;
    let (t, _) = Thief::of(&app).await;
    let (_, other_company) = app.signup("Beta", "bob@beta.example").await;
    app.add_member("beta", "ann@acme.example", Role::Owner)
        .await;
    let now = now();
    // Controls: inside the leeway is accepted, so the refusals below are about the boundary.
    let inside =
        t.claims_with(json!({"exp": now - LEEWAY + 2, "iat": now - 100, "nbf": now - 100}));
    assert_eq!(
        app.get("/api/company", Some(&t.sign(&t.header(), &inside)))
            .await
            .status,
        200
    );
    let early = t.claims_with(json!({"nbf": now + LEEWAY - 2, "iat": now}));
    assert_eq!(
        app.get("/api/company", Some(&t.sign(&t.header(), &early)))
            .await
            .status,
        200
    );

    let mut cases: Vec<(String, String)> = Vec::new();
    for (name, change) in [
        (
            "company_id null",
            json!({"company_id": Value::Null.to_string()}),
        ),
        ("company_id number", json!({"company_id": 7})),
        ("company_id true", json!({"company_id": true})),
        (
            "company_id list",
            json!({"company_id": [t.company.clone()]}),
        ),
        ("company_id empty list", json!({"company_id": []})),
        (
            "company_id object",
            json!({"company_id": {"id": t.company.clone()}}),
        ),
        ("company_id empty", json!({"company_id": ""})),
        (
            "company_id upper case",
            json!({"company_id": t.company.to_uppercase()}),
        ),
        (
            "company_id braced",
            json!({"company_id": format!("{{{}}}", t.company)}),
        ),
        (
            "company_id with space",
            json!({"company_id": format!("{} ", t.company)}),
        ),
        ("company_id slug", json!({"company_id": "acme"})),
        (
            "expired one second beyond the leeway",
            json!({"exp": now - LEEWAY - 1, "iat": now - 100, "nbf": now - 100}),
        ),
        // Beyond the leeway by a margin that a slow run (a loaded machine) cannot use up.
        ("nbf in the future", json!({"nbf": now + LEEWAY + 30})),
        (
            "nbf far in the future",
            json!({"nbf": now + 86_400, "exp": now + 90_000}),
        ),
        (
            "iat far in the future",
            json!({"iat": now + 10 * 365 * 86_400, "exp": now + 10 * 365 * 86_400 + 600}),
        ),
        ("iat after exp", json!({"iat": now + 700})),
        ("nbf after exp", json!({"nbf": now + 700, "exp": now + 600})),
        ("exp beyond i64", json!({"exp": u64::MAX})),
        ("exp negative", json!({"exp": -1})),
        ("exp float", json!({"exp": (now + 600) as f64 + 0.5})),
        ("another aud", json!({"aud": "silo-admin"})),
        ("aud list with ours", json!({"aud": ["silo-api", "other"]})),
        ("aud empty", json!({"aud": ""})),
        ("aud missing", json!({"aud": null})),
        ("iss missing", json!({"iss": null})),
        ("iss case", json!({"iss": "SILO"})),
        ("sub missing", json!({"sub": null})),
        (
            "sub unknown identity",
            json!({"sub": uuid::Uuid::now_v7().to_string()}),
        ),
        ("nbf missing", json!({"nbf": null})),
        ("jti missing", json!({"jti": null})),
    ] {
        let mut claims = t.claims_with(change);
        if name == "company_id null" {
            claims["company_id"] = Value::Null;
        }
        cases.push((name.into(), t.sign(&t.header(), &claims)));
    }
    // Duplicate claims: a parser keeping the first and one keeping the last would disagree.
    let h = t.header().to_string();
    let base = |extra: &str| {
        format!(
            r#"{{"iss":"silo","aud":"silo-api","sub":"{}","iat":{now},"nbf":{now},"exp":{},"jti":"{}",{extra}}}"#,
            t.sub,
            now + 600,
            uuid::Uuid::new_v4()
        )
    };
    let dup_company = base(&format!(
        r#""company_id":"{}","company_id":"{other_company}""#,
        t.company
    ));
    cases.push(("duplicate company_id".into(), t.sign_raw(&h, &dup_company)));
    let dup_sub = base(&format!(
        r#""company_id":"{}","sub":"{}""#,
        t.company,
        uuid::Uuid::now_v7()
    ));
    cases.push(("duplicate sub".into(), t.sign_raw(&h, &dup_sub)));
    let dup_exp = base(&format!(
        r#""company_id":"{}","exp":{}"#,
        t.company,
        now - 3600
    ));
    cases.push(("duplicate exp".into(), t.sign_raw(&h, &dup_exp)));
    let dup_aud = base(&format!(r#""company_id":"{}","aud":"other""#, t.company));
    cases.push(("duplicate aud".into(), t.sign_raw(&h, &dup_aud)));
    cases.push(("payload is an array".into(), t.sign_raw(&h, "[]")));
    cases.push(("payload is null".into(), t.sign_raw(&h, "null")));
    cases.push(("payload is not JSON".into(), t.sign_raw(&h, "{\"iss\":")));
    refuse_all(&app, &cases).await;
}

async fn header_variants_are_refused() {
    let app = spawn_app().await;
    let (t, _) = Thief::of(&app).await;
    let good = t.good();
    let mut cases: Vec<(String, String)> = Vec::new();
    for alg in [
        "eddsa",
        "EDDSA",
        "EdDSA ",
        " EdDSA",
        "EdDsa",
        "Ed25519",
        "EdDSA\u{0}",
    ] {
        let header = json!({"alg": alg, "typ": "JWT", "kid": t.kid});
        cases.push((format!("alg {alg:?}"), t.sign(&header, &good)));
    }
    for typ in [
        json!("jwt"),
        json!("JWT "),
        json!("at+jwt"),
        json!("application/jwt"),
        json!("JWS"),
        json!(""),
        json!(1),
        Value::Null,
    ] {
        let header = json!({"alg": "EdDSA", "typ": typ, "kid": t.kid});
        cases.push((format!("typ {typ}"), t.sign(&header, &good)));
    }
    cases.push((
        "typ missing".into(),
        t.sign(&json!({"alg": "EdDSA", "kid": t.kid}), &good),
    ));
    for kid in [
        format!("../{}", t.kid),
        format!("../../keys/{}", t.kid),
        format!("{}/../{}", t.kid, t.kid),
        format!("/etc/../{}", t.kid),
        format!("{}.pem", t.kid),
        format!("{}\u{0}", t.kid),
        format!("{}\u{0}.pem", t.kid),
        format!("\u{0}{}", t.kid),
        t.kid.to_uppercase(),
        format!(" {}", t.kid),
        "active".into(),
        "..".into(),
        "/dev/zero".into(),
        String::new(),
        "k".repeat(3000),
    ] {
        let header = json!({"alg": "EdDSA", "typ": "JWT", "kid": kid});
        cases.push((format!("kid {kid:.40?}"), t.sign(&header, &good)));
    }
    cases.push((
        "kid missing".into(),
        t.sign(&json!({"alg": "EdDSA", "typ": "JWT"}), &good),
    ));
    cases.push((
        "kid a list".into(),
        t.sign(
            &json!({"alg": "EdDSA", "typ": "JWT", "kid": [t.kid]}),
            &good,
        ),
    ));
    let claims = good.to_string();
    for header in [
        format!(
            r#"{{"alg":"none","alg":"EdDSA","typ":"JWT","kid":"{}"}}"#,
            t.kid
        ),
        format!(
            r#"{{"alg":"EdDSA","alg":"none","typ":"JWT","kid":"{}"}}"#,
            t.kid
        ),
        format!(
            r#"{{"alg":"EdDSA","typ":"JWT","kid":"{}","kid":"../x"}}"#,
            t.kid
        ),
        format!(
            r#"{{"alg":"EdDSA","typ":"JWT","typ":"JWT","kid":"{}"}}"#,
            t.kid
        ),
        format!(r#"{{"alg":"EdDSA","typ":"JWT","kid":"{}"}} "#, t.kid) + "{}",
        format!(
            r#"{{"alg":"EdDSA","typ":"JWT","kid":"{}","b64":false}}"#,
            t.kid
        ),
    ] {
        cases.push((format!("header {header}"), t.sign_raw(&header, &claims)));
    }
    // Long tokens: just over the verifier's bound, and far over it.
    let mut long = good.clone();
    long["pad"] = json!("x".repeat(4096));
    cases.push(("token over 4 KiB".into(), t.sign(&t.header(), &long)));
    long["pad"] = json!("x".repeat(60_000));
    cases.push(("token of 80 KiB".into(), t.sign(&t.header(), &long)));
    refuse_all(&app, &cases).await;
}

async fn tokens_of_erased_companies_are_unresolved() {
    let app = spawn_app().await;
    let (t, token) = Thief::of(&app).await;
    let (other_token, _) = app.signup("Beta", "bob@beta.example").await;
    assert_eq!(
        app.get("/api/company", Some(&token)).await.status,
        200,
        "pool now cached"
    );
    let control = app.tenancy.control();
    let id: CompanyId = t.company.parse().unwrap();
    let company = control.company(id).await.unwrap().unwrap();
    // Erasure as the control plane does it: status erased, then the storage dropped.
    let erased = app
        .tenancy
        .set_status(&company, CompanyStatus::Erased)
        .await
        .unwrap();
    app.tenancy.drop_tenant_storage(&erased).await.unwrap();
    let fresh = t.sign(&t.header(), &t.good());
    for tok in [&token, &fresh] {
        for path in ["/api/company", "/api/accounts", "/api/deals"] {
            app.get(path, Some(tok))
                .await
                .expect(403, "tenant_unresolved");
        }
        app.post("/api/accounts", Some(tok), json!({"name": "ghost"}))
            .await
            .expect(403, "tenant_unresolved");
    }
    assert!(
        !app.storage.database_exists(&app.tenancy, &erased).await,
        "a refused request never recreates an erased company's database"
    );
    let switch = app
        .post(
            "/api/auth/switch",
            Some(&token),
            json!({"company": t.company}),
        )
        .await;
    assert_eq!(switch.status, 403, "{}", switch.body);
    assert!(switch.body.get("token").is_none());
    assert_eq!(
        app.get("/api/company", Some(&other_token)).await.status,
        200
    );
}

async fn retired_keys_and_other_deployments_are_refused() {
    let app = spawn_app().await;
    let (t, old_token) = Thief::of(&app).await;
    let keys = app.storage.dir.path().join("keys");
    let new_kid = silo_auth::KeySet::rotate(&keys).unwrap();
    let rotated = app.another_server().await;
    let get = |url: &str, token: &str| {
        app.client
            .get(format!("{url}/api/company"))
            .bearer_auth(token.to_owned())
    };
    // After rotation the old key still verifies (tokens in flight stay valid) ...
    assert_eq!(app.send(get(&rotated.url, &old_token)).await.status, 200);
    let new_token = app.login("ann@acme.example", None).await.body["token"]
        .as_str()
        .unwrap()
        .to_owned();
    // ... and once retired, a server started afterwards refuses tokens signed with it.
    drop(rotated);
    silo_auth::KeySet::retire(&keys, &t.kid).unwrap();
    let restarted = app.another_server().await;
    for token in [old_token.clone(), t.sign(&t.header(), &t.good())] {
        app.send(get(&restarted.url, &token))
            .await
            .expect(401, "unauthenticated");
    }
    let fresh_login = app.send(
        app.client
            .post(format!("{}/api/auth/login", restarted.url))
            .json(&json!({"email": "ann@acme.example", "password": PASSWORD})),
    );
    let fresh = fresh_login.await.body["token"].as_str().unwrap().to_owned();
    assert_eq!(payload_kid(&fresh), new_kid);
    assert_eq!(app.send(get(&restarted.url, &fresh)).await.status, 200);
    let _ = new_token;

    // Another deployment's tokens, and its key passed off under our kid.
    let elsewhere = spawn_app().await;
    let (their_token, _) = elsewhere.signup("Acme", "ann@acme.example").await;
    let (_, their_pem) = elsewhere.signing_pem();
    let their_key = EncodingKey::from_ed_pem(their_pem.as_bytes()).unwrap();
    let mut header = t.header();
    header["kid"] = json!(new_kid);
    let under_our_kid = forge(&header, &t.good(), Some((&their_key, Algorithm::EdDSA)));
    for token in [their_token, under_our_kid] {
        app.send(get(&restarted.url, &token))
            .await
            .expect(401, "unauthenticated");
    }
}

async fn a_running_server_stops_a_retired_key_and_signs_with_a_rotated_one() {
    let storage = silo_testkit::TestStorage::new();
    let keys = silo_tenancy::DataDir::new(storage.dir.path()).keys_dir();
    let app = spawn_on(
        storage,
        silo_server::ServerConfig {
            key_reload: Some(silo_server::KeyReload {
                dir: keys.clone(),
                interval: std::time::Duration::from_millis(100),
            }),
            ..silo_server::ServerConfig::default()
        },
    )
    .await;
    let (t, old_token) = Thief::of(&app).await;
    // Verified once, so the server remembers it as verified.
    assert_eq!(app.get("/api/company", Some(&old_token)).await.status, 200);

    let new_kid = silo_auth::KeySet::rotate(&keys).unwrap();
    eventually("the running server knows the rotated key", || async {
        let jwks = app.get("/.well-known/jwks.json", None).await;
        jwks.body["keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["kid"] == new_kid.as_str())
    })
    .await;
    let login = app.login("ann@acme.example", Some(&t.company)).await;
    let fresh = login.body["token"].as_str().unwrap().to_owned();
    assert_eq!(payload_kid(&fresh), new_kid, "the new key signs");
    assert_eq!(app.get("/api/company", Some(&fresh)).await.status, 200);
    assert_eq!(
        app.get("/api/company", Some(&old_token)).await.status,
        200,
        "the old key verifies until it is retired"
    );

    silo_auth::KeySet::retire(&keys, &t.kid).unwrap();
    eventually(
        "the running server stops verifying the retired key",
        || async { app.get("/api/company", Some(&old_token)).await.status == 401 },
    )
    .await;
    for token in [old_token, t.sign(&t.header(), &t.good())] {
        app.get("/api/company", Some(&token))
            .await
            .expect(401, "unauthenticated");
    }
    assert_eq!(app.get("/api/company", Some(&fresh)).await.status, 200);
}

async fn a_session_claim_must_name_an_open_session_of_the_same_identity() {
    let app = spawn_app().await;
    let (t, token) = Thief::of(&app).await;
    let (bob_token, _) = app.signup("Bolt", "bob@bolt.example").await;
    let bobs_session = payload(&bob_token)["sid"].as_str().unwrap().to_owned();
    assert!(
        payload(&token)["sid"].is_string(),
        "issued tokens name their session"
    );
    for sid in [uuid::Uuid::now_v7().to_string(), bobs_session] {
        let forged = t.sign(&t.header(), &t.claims_with(json!({ "sid": sid })));
        app.get("/api/company", Some(&forged))
            .await
            .expect(401, "unauthenticated");
        app.get("/api/me", Some(&forged))
            .await
            .expect(401, "unauthenticated");
    }
    // Its own session, still open, passes (the forgery is a faithful copy).
    let own = payload(&token)["sid"].clone();
    let copy = t.sign(&t.header(), &t.claims_with(json!({ "sid": own })));
    assert_eq!(app.get("/api/company", Some(&copy)).await.status, 200);
}

fn payload_kid(token: &str) -> String {
    let part = token.split('.').next().unwrap();
    let header: Value = serde_json::from_slice(&B64.decode(part).unwrap()).unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

async fn authorization_header_variants_are_refused() {
    let app = spawn_app().await;
    let (_, token) = Thief::of(&app).await;
    let url = format!("{}/api/company", app.url);
    assert_eq!(app.get("/api/company", Some(&token)).await.status, 200);
    let variants: Vec<(&str, reqwest::RequestBuilder)> = vec![
        (
            "two Authorization headers",
            app.client
                .get(&url)
                .header("authorization", format!("Bearer {token}"))
                .header("authorization", "Bearer x.y.z"),
        ),
        (
            "two tokens in one header",
            app.client
                .get(&url)
                .header("authorization", format!("Bearer {token} {token}")),
        ),
        (
            "token with a comma list",
            app.client
                .get(&url)
                .header("authorization", format!("Bearer {token}, Bearer {token}")),
        ),
        (
            "token in the query",
            app.client.get(format!("{url}?access_token={token}")),
        ),
        (
            "token in a cookie",
            app.client
                .get(&url)
                .header("cookie", format!("token={token}")),
        ),
        (
            "non-ASCII header",
            app.client.get(&url).header(
                "authorization",
                reqwest::header::HeaderValue::from_bytes(b"Bearer \xff\xfe").unwrap(),
            ),
        ),
        (
            "token with a NUL byte",
            app.client
                .get(&url)
                .header("authorization", format!("Bearer {token}%00")),
        ),
    ];
    for (name, req) in variants {
        let r = app.send(req).await;
        assert_eq!(
            (r.status.as_u16(), r.code()),
            (401, "unauthenticated"),
            "{name}: {}",
            r.body
        );
    }
}

silo_testkit::backend_tests!(
    malformed_tokens_are_unauthenticated,
    claim_shapes_and_times_are_refused,
    header_variants_are_refused,
    tokens_of_erased_companies_are_unresolved,
    retired_keys_and_other_deployments_are_refused,
    a_running_server_stops_a_retired_key_and_signs_with_a_rotated_one,
    a_session_claim_must_name_an_open_session_of_the_same_identity,
    authorization_header_variants_are_refused,
);
