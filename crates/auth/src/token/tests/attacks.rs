//! Attacks on the header, the key choice and the signature, as a table in the spirit of
//! Google's Wycheproof JWS and EdDSA vectors (built here, since the suite cannot be fetched).

use super::*;
use jsonwebtoken::{EncodingKey, Header};

fn refuse(f: &Fixture, token: &str, want: &TokenError, case: &str) {
    assert_eq!(f.verify(token).as_ref(), Err(want), "{case}: {token}");
}

#[test]
fn algorithms_other_than_eddsa_are_refused() {
    let f = fixture();
    let payload = f.claims().to_string();
    let unsupported = TokenError::UnsupportedAlgorithm;
    for alg in [
        "none", "HS256", "HS384", "RS256", "PS256", "ES256", "ES256K", "Ed25519",
    ] {
        let header = json!({"alg": alg, "typ": "JWT", "kid": f.kid}).to_string();
        // Even with a valid Ed25519 signature over it, the header's choice is refused.
        refuse(&f, &f.sign_raw(&header, &payload), &unsupported, alg);
    }
    // `alg: none` without a signature does not even have the shape of a token.
    let unsigned = format!(
        "{}.{}.",
        b64(json!({"alg": "none", "typ": "JWT", "kid": f.kid}).to_string()),
        b64(&payload)
    );
    refuse(
        &f,
        &unsigned,
        &TokenError::Malformed,
        "alg none, empty signature",
    );
}

#[test]
fn hmac_keyed_with_our_public_key_is_refused() {
    // The classic key confusion: a verifier that lets the header pick the algorithm would
    // check this HMAC with the public key it publishes in the JWKS.
    let f = fixture();
    let public = f.key.verifying_key();
    let jwks_x = b64(public.as_bytes());
    let jwks_text = f.tokens.jwks().to_string();
    let secrets: [(&str, &[u8]); 3] = [
        ("raw public key", public.as_bytes()),
        ("JWKS x", jwks_x.as_bytes()),
        ("JWKS document", jwks_text.as_bytes()),
    ];
    for (what, secret) in secrets {
        for alg in [Algorithm::HS256, Algorithm::HS512] {
            let mut header = Header::new(alg);
            header.kid = Some(f.kid.clone());
            let key = EncodingKey::from_secret(secret).expect("secret");
            let token = jsonwebtoken::encode(&header, &f.claims(), &key).expect("encode");
            refuse(&f, &token, &TokenError::UnsupportedAlgorithm, what);
        }
    }
}

#[test]
fn headers_that_choose_their_own_key_or_rules_are_refused() {
    let f = fixture();
    let attacker = generate_signing_key().expect("key");
    let attacker_x = b64(attacker.verifying_key().as_bytes());
    let payload = f.claims().to_string();
    let with = |extra: Value| {
        let mut header = json!({"alg": "EdDSA", "typ": "JWT", "kid": f.kid});
        for (k, v) in extra.as_object().expect("object") {
            header[k] = v.clone();
        }
        header.to_string()
    };
    let cases = [
        (
            with(json!({"jwk": {"kty": "OKP", "crv": "Ed25519", "x": attacker_x}})),
            "jwk",
        ),
        (
            with(json!({"jku": "https://attacker.example/jwks.json"})),
            "jku",
        ),
        (
            with(json!({"x5u": "https://attacker.example/cert.pem"})),
            "x5u",
        ),
        (with(json!({"x5c": ["MIIBszCCAVmgAwIBAgIU"]})), "x5c"),
        (with(json!({"crit": ["exp"], "exp": 0})), "crit"),
        (with(json!({"crit": ["b64"], "b64": false})), "crit"),
        (with(json!({"cty": "JWT"})), "unexpected field"),
        (with(json!({"zip": "DEF"})), "unexpected field"),
        (with(json!({"enc": "A256GCM"})), "unexpected field"),
        (
            json!({"alg": "EdDSA", "typ": "JWT"}).to_string(),
            "missing kid",
        ),
        (json!({"alg": "EdDSA", "kid": f.kid}).to_string(), "typ"),
        (
            format!(
                r#"{{"alg":"EdDSA","typ":"JWT","kid":"{}","kid":"other"}}"#,
                f.kid
            ),
            "duplicate field or wrong type",
        ),
        (
            format!(
                r#"{{"alg":"none","alg":"EdDSA","typ":"JWT","kid":"{}"}}"#,
                f.kid
            ),
            "duplicate field or wrong type",
        ),
    ];
    for (header, why) in cases {
        // Signed by the attacker (as an embedded `jwk` would invite) and by us: both refused.
        let by_attacker = {
            let message = format!("{}.{}", b64(&header), b64(&payload));
            let signature = attacker.sign(message.as_bytes());
            format!("{message}.{}", b64(signature.to_bytes()))
        };
        refuse(&f, &by_attacker, &TokenError::BadHeader(why), &header);
        refuse(
            &f,
            &f.sign_raw(&header, &payload),
            &TokenError::BadHeader(why),
            &header,
        );
    }
}

#[test]
fn kid_must_name_one_of_our_keys() {
    let f = fixture();
    let payload = f.claims().to_string();
    let attacker = generate_signing_key().expect("key");
    let attacker_kid = crate::keys::kid_of(&attacker.verifying_key()).expect("kid");
    let upper = f.kid.to_uppercase();
    let padded = format!("{} ", f.kid);
    for kid in [
        "../../etc/passwd",
        "/dev/null",
        "",
        "active",
        "0",
        upper.as_str(),
        padded.as_str(),
        attacker_kid.as_str(),
    ] {
        let header = json!({"alg": "EdDSA", "typ": "JWT", "kid": kid}).to_string();
        refuse(
            &f,
            &f.sign_raw(&header, &payload),
            &TokenError::UnknownKey,
            kid,
        );
    }
    // Our kid, the attacker's key: the signature check catches it.
    let message = format!("{}.{}", b64(f.header()), b64(&payload));
    let forged = format!(
        "{message}.{}",
        b64(attacker.sign(message.as_bytes()).to_bytes())
    );
    refuse(
        &f,
        &forged,
        &TokenError::BadSignature,
        "attacker key, our kid",
    );
}

#[test]
fn damaged_tokens_are_refused() {
    let f = fixture();
    let good = f.sign(&f.claims());
    let parts: Vec<&str> = good.split('.').collect();
    let (h, p, s) = (parts[0], parts[1], parts[2]);
    let mut flipped = s.as_bytes().to_vec();
    flipped[10] = if flipped[10] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).expect("ascii");
    let mut other_claims = f.claims();
    other_claims["company_id"] = json!(Uuid::new_v4().to_string());
    let other_payload = b64(other_claims.to_string());
    let malformed = TokenError::Malformed;
    let bad_signature = TokenError::BadSignature;
    let cases: Vec<(String, &TokenError, &str)> = vec![
        (format!("{h}.{p}."), &malformed, "stripped signature"),
        (format!("{h}.{p}"), &malformed, "two segments"),
        (format!("{h}.{p}.{s}.{s}"), &malformed, "four segments"),
        (
            format!("{h}.{p}.{s}.{p}.{s}"),
            &malformed,
            "five segments (JWE shape)",
        ),
        (format!("{h}..{s}"), &malformed, "empty payload"),
        (format!(".{p}.{s}"), &malformed, "empty header"),
        (String::new(), &malformed, "empty"),
        (format!(" {good}"), &malformed, "leading space"),
        (format!("Bearer {good}"), &malformed, "scheme included"),
        (format!("{good}="), &malformed, "padding"),
        (format!("{h}.{p}.{s}!"), &malformed, "not base64url"),
        (
            good.replace('-', "+").replace('_', "/") + "+",
            &malformed,
            "standard alphabet",
        ),
        (
            format!("{good}{}", "A".repeat(MAX_TOKEN_LEN)),
            &malformed,
            "too long",
        ),
        (
            format!("{h}.{p}.{flipped}"),
            &bad_signature,
            "altered signature",
        ),
        (
            format!("{h}.{other_payload}.{s}"),
            &bad_signature,
            "altered payload",
        ),
    ];
    for (token, want, case) in cases {
        refuse(&f, &token, want, case);
    }
}

/// The group order of Ed25519, little-endian.
const L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

fn add_l(signature: &[u8]) -> Vec<u8> {
    let mut out = signature.to_vec();
    let mut carry = 0u16;
    for (i, l) in L.iter().enumerate() {
        let sum = u16::from(out[32 + i]) + u16::from(*l) + carry;
        out[32 + i] = (sum & 0xff) as u8;
        carry = sum >> 8;
    }
    out
}

#[test]
fn eddsa_signature_table() {
    let f = fixture();
    let message = format!("{}.{}", b64(f.header()), b64(f.claims().to_string()));
    let sig = f.key.sign(message.as_bytes()).to_bytes().to_vec();
    let other = f.key.sign(b"another message").to_bytes().to_vec();
    let mut identity_r = vec![0u8; 64];
    identity_r[0] = 1;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("S + L (malleability)", add_l(&sig)),
        ("S with top bits set", {
            let mut s = sig.clone();
            s[63] |= 0xe0;
            s
        }),
        ("all zero", vec![0; 64]),
        ("R = identity point, S = 0", identity_r),
        ("R and S swapped", [&sig[32..], &sig[..32]].concat()),
        ("bit flip in R", {
            let mut s = sig.clone();
            s[0] ^= 1;
            s
        }),
        ("bit flip in S", {
            let mut s = sig.clone();
            s[40] ^= 1;
            s
        }),
        ("truncated to 63 bytes", sig[..63].to_vec()),
        ("one byte appended", [sig.as_slice(), &[0]].concat()),
        ("only R", sig[..32].to_vec()),
        ("signature of another message", other),
    ];
    let valid = format!("{message}.{}", b64(&sig));
    assert!(f.verify(&valid).is_ok(), "control case must verify");
    for (case, signature) in cases {
        let token = format!("{message}.{}", b64(&signature));
        refuse(&f, &token, &TokenError::BadSignature, case);
    }
}

#[test]
fn rfc8037_known_answer_and_bare_jws_refused() {
    // RFC 8037 appendix A: Ed25519 key, then the JWS of A.4 and its exact signature, which
    // shows the signer is standard Ed25519 (deterministic, so the bytes must match).
    let d: [u8; 32] = URL_SAFE_NO_PAD
        .decode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")
        .expect("b64")
        .try_into()
        .expect("32 bytes");
    let key = SigningKey::from_bytes(&d);
    assert_eq!(
        b64(key.verifying_key().as_bytes()),
        "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    );
    let keys = KeySet::from_keys(&key, &[]).expect("keys");
    let message = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
    let expected =
        "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";
    let signature =
        jsonwebtoken::crypto::sign(message.as_bytes(), keys.signing_key(), Algorithm::EdDSA)
            .expect("sign");
    assert_eq!(signature, expected);
    let decoding = keys.decoding_key(keys.active_kid()).expect("our key");
    assert!(
        jsonwebtoken::crypto::verify(expected, message.as_bytes(), decoding, Algorithm::EdDSA)
            .expect("verify")
    );
    // A valid signature is not enough: the bare header has no typ and no kid.
    let tokens = Tokens::new(keys, TokenConfig::default());
    assert_eq!(
        tokens.verify(&format!("{message}.{expected}")),
        Err(TokenError::BadHeader("typ"))
    );
}
