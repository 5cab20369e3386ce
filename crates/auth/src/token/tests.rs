//! Verification promises, each refused token built here by hand. Signature-level and header
//! attacks are in `attacks.rs`.

use super::*;
use crate::keys::generate_signing_key;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signer as _, SigningKey};
use serde_json::{Value, json};

mod attacks;

/// A verifier plus the raw signing key behind it, so tests can sign anything.
pub(super) struct Fixture {
    pub(super) tokens: Tokens,
    pub(super) key: SigningKey,
    pub(super) kid: String,
}

pub(super) fn fixture() -> Fixture {
    let key = generate_signing_key().expect("key");
    let keys = KeySet::from_keys(&key, &[]).expect("key set");
    let kid = keys.active_kid().to_owned();
    Fixture {
        tokens: Tokens::new(keys, TokenConfig::default()),
        key,
        kid,
    }
}

pub(super) fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub(super) fn now() -> u64 {
    unix_now().expect("clock")
}

impl Fixture {
    /// The header we issue.
    pub(super) fn header(&self) -> String {
        json!({"alg": "EdDSA", "typ": "JWT", "kid": self.kid}).to_string()
    }

    /// Claims that pass, valid from now for 15 minutes.
    pub(super) fn claims(&self) -> Value {
        let now = now();
        json!({
            "iss": "silo", "aud": "silo-api",
            "sub": Uuid::new_v4().to_string(), "company_id": Uuid::new_v4().to_string(),
            "iat": now, "nbf": now, "exp": now + 900, "jti": Uuid::new_v4().to_string(),
        })
    }

    /// Signs raw header and payload text with our key: a token only we could have made.
    pub(super) fn sign_raw(&self, header: &str, payload: &str) -> String {
        let message = format!("{}.{}", b64(header), b64(payload));
        let signature = self.key.sign(message.as_bytes());
        format!("{message}.{}", b64(signature.to_bytes()))
    }

    pub(super) fn sign(&self, claims: &Value) -> String {
        self.sign_raw(&self.header(), &claims.to_string())
    }

    pub(super) fn verify(&self, token: &str) -> Result<VerifiedToken, TokenError> {
        self.tokens.verify(token)
    }
}

fn segments(token: &str) -> Vec<Value> {
    token
        .split('.')
        .take(2)
        .map(|s| serde_json::from_slice(&URL_SAFE_NO_PAD.decode(s).expect("b64")).expect("json"))
        .collect()
}

#[test]
fn issued_tokens_verify_and_carry_every_claim() {
    let f = fixture();
    let (identity, company) = (Uuid::new_v4(), Uuid::new_v4());
    let issued = f.tokens.issue(identity, Some(company)).expect("issue");
    assert_eq!(issued.expires_in, 900);

    let parts = segments(&issued.token);
    assert_eq!(
        parts[0],
        json!({"alg": "EdDSA", "typ": "JWT", "kid": f.kid})
    );
    let claims = &parts[1];
    for name in [
        "iss",
        "aud",
        "sub",
        "company_id",
        "iat",
        "nbf",
        "exp",
        "jti",
    ] {
        assert!(claims.get(name).is_some(), "missing {name}");
    }
    assert_eq!(claims["sub"], identity.to_string());
    assert_eq!(claims["company_id"], company.to_string());
    assert_eq!(claims["iss"], "silo");
    assert_eq!(claims["aud"], "silo-api");

    let verified = f.verify(&issued.token).expect("verify");
    assert_eq!(verified.identity(), identity);
    assert_eq!(verified.company(), Some(company));
    assert_eq!(verified.jti(), issued.jti);
    assert_eq!(verified.kid(), f.kid);
    assert_eq!(verified.expires_at() - verified.issued_at(), 900);
}

#[test]
fn identity_only_tokens_have_no_company_claim() {
    let f = fixture();
    let issued = f.tokens.issue(Uuid::new_v4(), None).expect("issue");
    assert!(segments(&issued.token)[1].get("company_id").is_none());
    assert_eq!(f.verify(&issued.token).expect("verify").company(), None);
    let again = f.tokens.issue(Uuid::new_v4(), None).expect("issue");
    assert_ne!(issued.jti, again.jti);
}

#[test]
fn session_tokens_carry_their_session_and_others_none() {
    let f = fixture();
    let (identity, session) = (Uuid::new_v4(), Uuid::now_v7());
    let issued = f
        .tokens
        .issue_in_session(identity, None, session)
        .expect("issue");
    assert_eq!(segments(&issued.token)[1]["sid"], session.to_string());
    assert_eq!(
        f.verify(&issued.token).expect("verify").session(),
        Some(session)
    );
    let plain = f.tokens.issue(identity, None).expect("issue");
    assert!(segments(&plain.token)[1].get("sid").is_none());
    assert_eq!(f.verify(&plain.token).expect("verify").session(), None);
}

#[test]
fn hand_signed_good_token_is_accepted() {
    let f = fixture();
    assert!(f.verify(&f.sign(&f.claims())).is_ok());
}

#[test]
fn debug_of_an_issued_token_hides_it() {
    let f = fixture();
    let issued = f.tokens.issue(Uuid::new_v4(), None).expect("issue");
    assert!(!format!("{issued:?}").contains(&issued.token));
}

#[test]
fn wrong_claim_types_are_refused() {
    let f = fixture();
    let cases = [
        ("sub", json!("alice")),
        ("sub", json!(7)),
        ("sub", json!("")),
        ("company_id", json!(42)),
        ("company_id", json!([Uuid::new_v4().to_string()])),
        ("company_id", json!({"id": Uuid::new_v4().to_string()})),
        ("company_id", json!("")),
        ("company_id", json!("not-a-uuid")),
        ("company_id", json!(null)),
        ("exp", json!((now() + 900).to_string())),
        ("exp", json!(now() as f64 + 900.5)),
        ("nbf", json!("0")),
        ("iat", json!(null)),
        ("jti", json!(12)),
        ("aud", json!(["silo-api"])),
        ("aud", json!(["silo-api", "other"])),
        ("iss", json!(["silo"])),
    ];
    for (name, value) in cases {
        let mut claims = f.claims();
        claims[name] = value.clone();
        let refused = f.verify(&f.sign(&claims));
        assert!(
            matches!(refused, Err(TokenError::BadClaims(_))),
            "{name} = {value}: {refused:?}"
        );
    }
}

#[test]
fn every_claim_but_company_is_required() {
    let f = fixture();
    for name in ["iss", "aud", "sub", "iat", "nbf", "exp", "jti"] {
        let mut claims = f.claims();
        claims.as_object_mut().expect("object").remove(name);
        let refused = f.verify(&f.sign(&claims));
        assert!(
            matches!(refused, Err(TokenError::BadClaims(_))),
            "{name}: {refused:?}"
        );
    }
}

#[test]
fn duplicate_claims_and_non_object_payloads_are_refused() {
    let f = fixture();
    let claims = f.claims().to_string();
    let other = Uuid::new_v4();
    let duplicate_company = claims.replacen('{', &format!(r#"{{"company_id":"{other}","#), 1);
    let duplicate_sub = claims.replacen('{', &format!(r#"{{"sub":"{other}","#), 1);
    let duplicate_exp = claims.replacen('{', r#"{"exp":99999999999,"#, 1);
    for payload in [duplicate_company, duplicate_sub, duplicate_exp] {
        let refused = f.verify(&f.sign_raw(&f.header(), &payload));
        assert!(
            matches!(refused, Err(TokenError::BadClaims(_))),
            "{payload}: {refused:?}"
        );
    }
    for payload in ["[]", "null", "\"claims\"", "42", "not json"] {
        let refused = f.verify(&f.sign_raw(&f.header(), payload));
        assert!(refused.is_err(), "{payload}");
    }
}

#[test]
fn issuer_and_audience_must_be_ours() {
    let f = fixture();
    let mut claims = f.claims();
    claims["iss"] = json!("someone-else");
    assert_eq!(f.verify(&f.sign(&claims)), Err(TokenError::WrongIssuer));
    let mut claims = f.claims();
    claims["aud"] = json!("another-api");
    assert_eq!(f.verify(&f.sign(&claims)), Err(TokenError::WrongAudience));
    // Same keys, another deployment's settings: its tokens are not ours.
    let other = Tokens::new(
        KeySet::from_keys(&f.key, &[]).expect("keys"),
        TokenConfig {
            audience: "other-api".to_owned(),
            ..TokenConfig::default()
        },
    );
    let foreign = other.issue(Uuid::new_v4(), None).expect("issue");
    assert_eq!(f.verify(&foreign.token), Err(TokenError::WrongAudience));
}

#[test]
fn exp_nbf_and_iat_are_checked_with_the_small_leeway() {
    let f = fixture();
    let now = now();
    // Leeway is 5 s; 2 s of margin keeps these steady on a slow machine.
    let cases: [(&str, u64, Result<(), TokenError>); 6] = [
        ("exp", now - 3, Ok(())),
        ("exp", now - 8, Err(TokenError::Expired)),
        ("nbf", now + 3, Ok(())),
        ("nbf", now + 60, Err(TokenError::NotYetValid)),
        ("iat", now + 3, Ok(())),
        ("iat", now + 60, Err(TokenError::NotYetValid)),
    ];
    for (name, value, want) in cases {
        let mut claims = f.claims();
        claims[name] = json!(value);
        if name == "exp" {
            claims["iat"] = json!(now - 900);
            claims["nbf"] = json!(now - 900);
        }
        let got = f.verify(&f.sign(&claims)).map(|_| ());
        assert_eq!(got, want, "{name} = now {:+}", value as i64 - now as i64);
    }
    let mut long_expired = f.claims();
    long_expired["iat"] = json!(1_000);
    long_expired["nbf"] = json!(1_000);
    long_expired["exp"] = json!(2_000);
    assert_eq!(f.verify(&f.sign(&long_expired)), Err(TokenError::Expired));
}

#[test]
fn leeway_is_capped_and_set_explicitly() {
    let keys = KeySet::generate().expect("keys");
    let tokens = Tokens::new(
        keys,
        TokenConfig {
            leeway_secs: 86_400,
            ..TokenConfig::default()
        },
    );
    assert_eq!(tokens.config().leeway_secs, MAX_LEEWAY_SECS);
    assert_eq!(tokens.validation.leeway, MAX_LEEWAY_SECS);
    assert!(tokens.validation.validate_nbf);
    assert_eq!(tokens.validation.algorithms, vec![Algorithm::EdDSA]);
    for claim in ["exp", "nbf", "iss", "aud", "sub"] {
        assert!(
            tokens.validation.required_spec_claims.contains(claim),
            "{claim}"
        );
    }
}

#[test]
fn tokens_can_be_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Tokens>();
}

#[test]
fn a_remembered_token_still_expires_and_a_forgery_of_it_is_still_checked() {
    let keys = KeySet::generate().unwrap();
    let tokens = Tokens::new(
        keys,
        TokenConfig {
            ttl: std::time::Duration::from_secs(1),
            leeway_secs: 0,
            ..TokenConfig::default()
        },
    );
    let issued = tokens.issue(uuid::Uuid::now_v7(), None).unwrap();
    assert!(tokens.verify(&issued.token).is_ok());
    assert!(
        tokens.verify(&issued.token).is_ok(),
        "second time from the memo"
    );
    // A token differing in one byte of the signature is not the remembered one.
    let mut altered = issued.token.clone().into_bytes();
    let last = altered.len() - 2;
    altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
    assert!(tokens.verify(&String::from_utf8(altered).unwrap()).is_err());
    // Expiry is re-checked on every hit.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while tokens.verify(&issued.token).is_ok() {
        assert!(
            std::time::Instant::now() < deadline,
            "the remembered token never expired"
        );
        std::thread::yield_now();
    }
}
