//! The two error types of this crate: [`AuthError`] for operations that can fail for reasons of
//! the machine (files, keys, randomness), and [`TokenError`] for a presented token we refuse.

use std::path::PathBuf;

/// Errors of key handling, token signing and password hashing.
///
/// None of these is caused by a client: the server maps them to 500 (or a failed start-up).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// Reading or writing a key file or the key directory failed.
    #[error("key store I/O on {path}: {1}", path = .0.display())]
    Io(PathBuf, #[source] std::io::Error),
    /// A key file or PEM text is not a usable Ed25519 PKCS#8 key, or the key set is inconsistent.
    #[error("invalid key: {0}")]
    InvalidKey(String),
    /// A key file or the key directory can be read or written by group or others.
    #[error(
        "{path} has mode {1:o}: key files must not be accessible to group or others \
         (chmod 600 files, 700 the directory)",
        path = .0.display()
    )]
    InsecurePermissions(PathBuf, u32),
    /// No key with this `kid` is in the key set.
    #[error("no key with kid {0:?}")]
    UnknownKid(String),
    /// The active signing key cannot be retired; rotate first.
    #[error("key {0} is the active signing key; rotate before retiring it")]
    ActiveKey(String),
    /// The operating system's random number generator failed.
    #[error("random number generator failed: {0}")]
    Random(String),
    /// Signing a token failed.
    #[error("token signing failed: {0}")]
    Signing(String),
    /// Hashing a password failed.
    #[error("password hashing failed: {0}")]
    PasswordHash(String),
    /// A stored TOTP secret is not base32 of at least 128 bits (a damaged registry row).
    #[error("invalid TOTP secret")]
    InvalidSecret,
    /// The TOTP settings or the account name were refused (an account name with `:`).
    #[error("cannot set up TOTP: {0}")]
    InvalidTotp(String),
}

/// Why a presented token was refused.
///
/// Every variant means 401 `unauthenticated` to the client; the variant itself only goes to
/// logs and audit, so clients learn nothing about which check failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// Not three non-empty base64url segments, too long, or a segment does not decode.
    #[error("malformed token")]
    Malformed,
    /// The header is not a JSON object of exactly `alg`, `typ` and `kid`; names the offending part.
    #[error("bad token header: {0}")]
    BadHeader(&'static str),
    /// The header names an algorithm other than EdDSA.
    #[error("unsupported algorithm")]
    UnsupportedAlgorithm,
    /// The `kid` names no key of our key set (unknown, retired or nonsense).
    #[error("unknown key id")]
    UnknownKey,
    /// The signature does not verify with the named key.
    #[error("bad signature")]
    BadSignature,
    /// `exp` is in the past (beyond the leeway).
    #[error("token expired")]
    Expired,
    /// `nbf` or `iat` is in the future (beyond the leeway).
    #[error("token not yet valid")]
    NotYetValid,
    /// `iss` is not ours.
    #[error("wrong issuer")]
    WrongIssuer,
    /// `aud` is not ours.
    #[error("wrong audience")]
    WrongAudience,
    /// A claim is missing, duplicated or of the wrong type or form.
    #[error("bad claims: {0}")]
    BadClaims(String),
    /// The verifier failed for a reason that is not the token's fault (logged, still 401).
    #[error("token verification failed internally: {0}")]
    Internal(String),
}
