//! The Ed25519 key set: one active signing key plus older keys kept for verification.
//!
//! A key's `kid` is its RFC 7638 JWK thumbprint (SHA-256 over the canonical public JWK,
//! base64url, 43 characters). It is derived from the key, so a kid can never name a different
//! key than the one it was computed from, and a key file whose name does not match its content
//! is refused (see [`crate::keystore`] for the files).

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _};
use ed25519_dalek::{SigningKey, VerifyingKey};
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, EllipticCurve, Jwk, OctetKeyPairParameters,
    OctetKeyPairType, ThumbprintHash,
};
use jsonwebtoken::{DecodingKey, EncodingKey};
use rand::TryRng as _;
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::AuthError;

/// Length of a kid: base64url without padding of a 32-byte SHA-256 digest.
const KID_LEN: usize = 43;

/// Ed25519 keys: one active signing key plus any number of older verification keys, each
/// named by a `kid`.
///
/// `Debug` shows the kids only, never key material.
pub struct KeySet {
    active_kid: String,
    signing: EncodingKey,
    /// The same active key for detached signatures ([`KeySet::sign`]); zeroized on drop.
    signer: SigningKey,
    public: BTreeMap<String, PublicKey>,
}

/// A detached Ed25519 signature over some bytes and the kid of the key that made it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DetachedSignature {
    /// The signing key's kid.
    pub kid: String,
    /// The 64 signature bytes.
    pub bytes: [u8; ed25519_dalek::SIGNATURE_LENGTH],
}

/// Why a detached signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The kid names no key of this set (never ours, or retired and deleted).
    #[error("no verification key with kid {0:?} (unknown, or retired and deleted)")]
    UnknownKey(String),
    /// The signature is not 64 bytes.
    #[error("a signature is 64 bytes")]
    Malformed,
    /// The signature does not verify: the bytes or the signature were changed.
    #[error("the signature does not match the signed bytes")]
    Mismatch,
}

/// A verification key in the two shapes we need: raw for JWKS, prepared for jsonwebtoken.
struct PublicKey {
    raw: VerifyingKey,
    decoding: DecodingKey,
}

impl KeySet {
    /// Generates a fresh in-memory key set with one signing key; nothing is written anywhere.
    ///
    /// For tests and throw-away deployments: tokens die with the process.
    pub fn generate() -> Result<KeySet, AuthError> {
        KeySet::from_keys(&generate_signing_key()?, &[])
    }

    /// Loads the key set from a single PKCS#8 PEM Ed25519 private key (from a file or the
    /// environment); no key files are written. The key is the signing key and the only
    /// verification key.
    pub fn from_pem(pem: &str) -> Result<KeySet, AuthError> {
        KeySet::from_keys(&parse_pem(pem.trim())?, &[])
    }

    /// Builds a key set from a signing key and older verification keys (the signing key is
    /// always a verification key too; duplicates are harmless).
    pub(crate) fn from_keys(
        active: &SigningKey,
        older: &[VerifyingKey],
    ) -> Result<Self, AuthError> {
        crate::ensure_crypto_provider();
        let der = active
            .to_pkcs8_der()
            .map_err(|e| AuthError::InvalidKey(format!("cannot encode signing key: {e}")))?;
        let active_raw = active.verifying_key();
        let active_kid = kid_of(&active_raw)?;
        let mut public = BTreeMap::new();
        for raw in older.iter().chain(std::iter::once(&active_raw)) {
            public.insert(kid_of(raw)?, PublicKey::new(*raw));
        }
        Ok(KeySet {
            active_kid,
            signing: EncodingKey::from_ed_der(der.as_bytes()),
            signer: active.clone(),
            public,
        })
    }

    /// The kid of the signing key, put in the header of every token issued.
    pub fn active_kid(&self) -> &str {
        &self.active_kid
    }

    /// The kids of all verification keys (the active one included), in sorted order.
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.public.keys().map(String::as_str)
    }

    /// Whether a token signed under `kid` can be verified with this set.
    pub fn contains(&self, kid: &str) -> bool {
        self.public.contains_key(kid)
    }

    /// The public keys as a JWKS document for `/.well-known/jwks.json`:
    /// `{"keys":[{"kty":"OKP","crv":"Ed25519","x":..,"kid":..,"alg":"EdDSA","use":"sig"}]}`.
    pub fn jwks(&self) -> Value {
        let keys: Vec<Value> = self
            .public
            .iter()
            .map(|(kid, key)| {
                json!({
                    "kty": "OKP",
                    "crv": "Ed25519",
                    "x": URL_SAFE_NO_PAD.encode(key.raw.as_bytes()),
                    "kid": kid,
                    "alg": "EdDSA",
                    "use": "sig",
                })
            })
            .collect();
        json!({ "keys": keys })
    }

    /// Signs `message` with the active key: a detached Ed25519 signature (RFC 8032) with the
    /// key's kid. Anyone with the public key (see [`KeySet::jwks`]) can check it.
    pub fn sign(&self, message: &[u8]) -> DetachedSignature {
        use ed25519_dalek::Signer as _;
        DetachedSignature {
            kid: self.active_kid.clone(),
            bytes: self.signer.sign(message).to_bytes(),
        }
    }

    /// Checks a detached signature made by [`KeySet::sign`] with the key `kid`, which may be
    /// any verification key of the set (the active one or an older one still kept). Strict
    /// verification: no malleable or small-order forms are accepted.
    pub fn verify(
        &self,
        kid: &str,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), SignatureError> {
        let key = self
            .public
            .get(kid)
            .ok_or_else(|| SignatureError::UnknownKey(kid.to_owned()))?;
        let signature = ed25519_dalek::Signature::from_slice(signature)
            .map_err(|_| SignatureError::Malformed)?;
        key.raw
            .verify_strict(message, &signature)
            .map_err(|_| SignatureError::Mismatch)
    }

    /// The signing key for jsonwebtoken.
    pub(crate) fn signing_key(&self) -> &EncodingKey {
        &self.signing
    }

    /// The verification key named `kid`, if it is ours. The kid is only ever a map key here,
    /// never a path or anything else interpreted.
    pub(crate) fn decoding_key(&self, kid: &str) -> Option<&DecodingKey> {
        self.public.get(kid).map(|k| &k.decoding)
    }
}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeySet")
            .field("active_kid", &self.active_kid)
            .field("kids", &self.public.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl PublicKey {
    fn new(raw: VerifyingKey) -> Self {
        // jsonwebtoken's `from_ed_der` wants the raw 32-byte key, not an SPKI DER document
        // (its verifier slices the first 32 bytes of whatever it is given).
        let decoding = DecodingKey::from_ed_der(raw.as_bytes());
        PublicKey { raw, decoding }
    }
}

/// Generates an Ed25519 signing key from the operating system's RNG.
pub(crate) fn generate_signing_key() -> Result<SigningKey, AuthError> {
    // The 32-byte seed straight from the operating system, which is all `SigningKey::generate`
    // does; filled here so that a failing RNG is an error, not a panic.
    let mut seed = Zeroizing::new([0u8; ed25519_dalek::SECRET_KEY_LENGTH]);
    rand::rngs::SysRng
        .try_fill_bytes(seed.as_mut())
        .map_err(|e| AuthError::Random(e.to_string()))?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Parses a PKCS#8 PEM Ed25519 private key (`-----BEGIN PRIVATE KEY-----`).
pub(crate) fn parse_pem(pem: &str) -> Result<SigningKey, AuthError> {
    // The error text says which rule failed, never key material.
    SigningKey::from_pkcs8_pem(pem)
        .map_err(|e| AuthError::InvalidKey(format!("not a PKCS#8 PEM Ed25519 private key: {e}")))
}

/// Encodes a signing key as PKCS#8 PEM (v2, with the public key), zeroized on drop.
pub(crate) fn to_pem(key: &SigningKey) -> Result<Zeroizing<String>, AuthError> {
    key.to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
        .map_err(|e| AuthError::InvalidKey(format!("cannot encode key as PEM: {e}")))
}

/// The kid of a public key: its RFC 7638 JWK thumbprint (SHA-256, base64url).
pub(crate) fn kid_of(key: &VerifyingKey) -> Result<String, AuthError> {
    crate::ensure_crypto_provider();
    let jwk = Jwk {
        common: CommonParameters::default(),
        algorithm: AlgorithmParameters::OctetKeyPair(OctetKeyPairParameters {
            key_type: OctetKeyPairType::OctetKeyPair,
            curve: EllipticCurve::Ed25519,
            x: URL_SAFE_NO_PAD.encode(key.as_bytes()),
        }),
    };
    jwk.thumbprint(ThumbprintHash::SHA256)
        .map_err(|e| AuthError::InvalidKey(format!("cannot compute key thumbprint: {e}")))
}

/// Whether `s` has the form of a kid (43 base64url characters), so it is safe as a file name.
pub(crate) fn is_kid_shaped(s: &str) -> bool {
    s.len() == KID_LEN
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kid_is_the_rfc7638_thumbprint() {
        // RFC 8037 appendix A.3: the thumbprint of the A.2 public key.
        let x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
        let raw: [u8; 32] = URL_SAFE_NO_PAD
            .decode(x)
            .expect("base64")
            .try_into()
            .expect("32 bytes");
        let key = VerifyingKey::from_bytes(&raw).expect("valid key");
        assert_eq!(
            kid_of(&key).expect("thumbprint"),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
    }

    #[test]
    fn generated_kid_is_kid_shaped() {
        let keys = KeySet::generate().expect("generate");
        assert!(is_kid_shaped(keys.active_kid()));
        assert!(keys.contains(keys.active_kid()));
        assert!(!is_kid_shaped("../../etc/passwd"));
        assert!(!is_kid_shaped(""));
    }

    #[test]
    fn pem_round_trip_keeps_the_kid() {
        let key = generate_signing_key().expect("generate");
        let pem = to_pem(&key).expect("pem");
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        let from_text = KeySet::from_pem(&pem).expect("from_pem");
        assert_eq!(
            from_text.active_kid(),
            kid_of(&key.verifying_key()).expect("kid")
        );
    }

    #[test]
    fn from_pem_refuses_garbage_and_public_keys() {
        assert!(matches!(
            KeySet::from_pem("not a key"),
            Err(AuthError::InvalidKey(_))
        ));
        let public = "-----BEGIN PUBLIC KEY-----\n\
            MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n\
            -----END PUBLIC KEY-----\n";
        assert!(matches!(
            KeySet::from_pem(public),
            Err(AuthError::InvalidKey(_))
        ));
    }

    #[test]
    fn jwks_lists_every_public_key_and_no_private_part() {
        let old = generate_signing_key().expect("generate").verifying_key();
        let keys =
            KeySet::from_keys(&generate_signing_key().expect("generate"), &[old]).expect("key set");
        let jwks = keys.jwks();
        let list = jwks["keys"].as_array().expect("keys array");
        assert_eq!(list.len(), 2);
        for jwk in list {
            assert_eq!(jwk["kty"], "OKP");
            assert_eq!(jwk["crv"], "Ed25519");
            assert_eq!(jwk["alg"], "EdDSA");
            assert_eq!(jwk["use"], "sig");
            assert!(jwk.get("d").is_none());
            let kid = jwk["kid"].as_str().expect("kid");
            assert!(keys.contains(kid));
            let x = URL_SAFE_NO_PAD
                .decode(jwk["x"].as_str().expect("x"))
                .expect("base64url x");
            assert_eq!(x.len(), 32);
        }
    }

    #[test]
    fn detached_signatures_verify_with_any_kept_key_and_nothing_else() {
        let old = generate_signing_key().expect("generate");
        let before = KeySet::from_keys(&old, &[]).expect("key set");
        let old_signature = before.sign(b"checkpoint 1");
        assert_eq!(old_signature.kid, before.active_kid());
        let after = KeySet::from_keys(
            &generate_signing_key().expect("generate"),
            &[old.verifying_key()],
        )
        .expect("key set");
        // The rotated-out key still verifies what it signed.
        assert_eq!(
            after.verify(&old_signature.kid, b"checkpoint 1", &old_signature.bytes),
            Ok(())
        );
        let new_signature = after.sign(b"checkpoint 2");
        assert_ne!(new_signature.kid, old_signature.kid);
        assert_eq!(
            after.verify(&new_signature.kid, b"checkpoint 2", &new_signature.bytes),
            Ok(())
        );
        // Other bytes, another signature, a changed bit, a wrong length, an unknown key.
        assert_eq!(
            after.verify(&new_signature.kid, b"checkpoint 3", &new_signature.bytes),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            after.verify(&new_signature.kid, b"checkpoint 2", &old_signature.bytes),
            Err(SignatureError::Mismatch)
        );
        let mut flipped = new_signature.bytes;
        flipped[10] ^= 1;
        assert_eq!(
            after.verify(&new_signature.kid, b"checkpoint 2", &flipped),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            after.verify(
                &new_signature.kid,
                b"checkpoint 2",
                &new_signature.bytes[..63]
            ),
            Err(SignatureError::Malformed)
        );
        assert!(matches!(
            before.verify(&new_signature.kid, b"checkpoint 2", &new_signature.bytes),
            Err(SignatureError::UnknownKey(_))
        ));
    }

    #[test]
    fn detached_signatures_are_plain_ed25519() {
        // RFC 8032 section 7.1, test 2: a one-byte message.
        let secret: [u8; 32] = [
            0x4c, 0xcd, 0x08, 0x9b, 0x28, 0xff, 0x96, 0xda, 0x9d, 0xb6, 0xc3, 0x46, 0xec, 0x11,
            0x4e, 0x0f, 0x5b, 0x8a, 0x31, 0x9f, 0x35, 0xab, 0xa6, 0x24, 0xda, 0x8c, 0xf6, 0xed,
            0x4f, 0xb8, 0xa6, 0xfb,
        ];
        let keys = KeySet::from_keys(&SigningKey::from_bytes(&secret), &[]).expect("key set");
        let signature = keys.sign(&[0x72]);
        let hex: String = signature.bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da\
             085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
        );
    }

    #[test]
    fn debug_shows_no_key_material() {
        let keys = KeySet::generate().expect("generate");
        let text = format!("{keys:?}");
        assert!(text.contains(keys.active_kid()));
        assert!(!text.contains("PRIVATE"));
    }
}
