//! Password policy, hashing and verification (Argon2id, PHC strings).
//!
//! Hashes use the argon2 crate's defaults, which are OWASP's recommended Argon2id settings
//! (19 MiB, 2 passes, 1 lane) with a random 16-byte salt. Verification reads the parameters
//! from the stored hash, so raising them later keeps old hashes working; [`needs_rehash`]
//! tells the login path when to store a fresh hash.

use std::fmt;

use argon2::{Argon2, Params, PasswordHash, PasswordHasher as _, PasswordVerifier as _};
use serde::Deserialize;
use zeroize::Zeroize as _;

use crate::AuthError;

/// Minimum password length in characters.
pub const MIN_LEN: usize = 10;

/// Maximum password length in characters; bounds the work a single login can cause.
pub const MAX_LEN: usize = 1024;

/// A hash of a random password that no one knows, with the same parameters as [`hash`] uses.
///
/// Verified against when the account is unknown, so an unknown email costs as much time as a
/// wrong password. A test keeps its parameters equal to the current defaults.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$\
    hoHIY2g1x0vq988DKZfqYg$\
    j81/n+fh95XTFrOJv+8XrDywS1dDL9D4oWy9B7UDJMI";

/// A password that never appears in `Debug` output and is wiped from memory when dropped.
///
/// Deserializes from a JSON string; deliberately neither `Serialize` nor `Display`.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Password(String);

impl Password {
    /// Wraps a password.
    pub fn new(password: impl Into<String>) -> Self {
        Password(password.into())
    }

    /// The password itself, for hashing or a policy check; do not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Password {
    fn from(password: String) -> Self {
        Password(password)
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

impl Drop for Password {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// Hashes a password with Argon2id and a fresh random salt, as a PHC string
/// (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`).
pub fn hash(password: &Password) -> Result<String, AuthError> {
    Argon2::default()
        .hash_password(password.expose().as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| AuthError::PasswordHash(e.to_string()))
}

/// Verifies a password against a stored PHC hash.
///
/// With `hash` `None` (unknown account) or unparsable, the password is verified against a
/// fixed dummy hash of the same cost and `false` returned, so the answer takes about as long
/// either way and the caller can answer "invalid credentials" in both cases.
pub fn verify(password: &Password, hash: Option<&str>) -> bool {
    let argon2 = Argon2::default();
    let candidate = password.expose().as_bytes();
    if let Some(stored) = hash.and_then(|h| PasswordHash::new(h).ok()) {
        return argon2.verify_password(candidate, &stored).is_ok();
    }
    if let Ok(dummy) = PasswordHash::new(DUMMY_HASH) {
        // Only the time spent matters here, not the result.
        let _ = argon2.verify_password(candidate, &dummy);
    }
    false
}

/// Whether a stored hash was made with other settings than [`hash`] uses today (another
/// algorithm, version or cost), so it should be replaced after the next successful login.
pub fn needs_rehash(hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return true;
    };
    let current = Params::default();
    let same_params = Params::try_from(&parsed).is_ok_and(|p| {
        p.m_cost() == current.m_cost()
            && p.t_cost() == current.t_cost()
            && p.p_cost() == current.p_cost()
    });
    let same_algorithm = parsed.algorithm.as_str() == argon2::Algorithm::default().as_str();
    let same_version = parsed.version == Some(argon2::Version::default().into());
    !(same_params && same_algorithm && same_version)
}

/// Checks the password rules (length between [`MIN_LEN`] and [`MAX_LEN`] characters).
///
/// The error is a message for people without a subject ("must be at least 10 characters
/// long"), to follow a field name: `{"password": "<message>"}` or `password <message>`.
pub fn check_policy(password: &str) -> Result<(), &'static str> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err("must be at least 10 characters long");
    }
    if len > MAX_LEN {
        return Err("must be at most 1024 characters long");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pw(s: &str) -> Password {
        Password::new(s)
    }

    #[test]
    fn hash_is_argon2id_phc_with_random_salt() {
        let password = pw("correct horse battery staple");
        let first = hash(&password).expect("hash");
        let second = hash(&password).expect("hash");
        assert!(
            first.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{first}"
        );
        assert_ne!(first, second, "salt must be random");
        assert!(verify(&password, Some(&first)));
        assert!(verify(&password, Some(&second)));
        assert!(!needs_rehash(&first));
    }

    #[test]
    fn wrong_password_unknown_account_and_bad_hash_are_false() {
        let stored = hash(&pw("correct horse battery staple")).expect("hash");
        assert!(!verify(&pw("correct horse battery stapler"), Some(&stored)));
        assert!(!verify(&pw(""), Some(&stored)));
        assert!(!verify(&pw("correct horse battery staple"), None));
        assert!(!verify(&pw("correct horse battery staple"), Some("")));
        assert!(!verify(
            &pw("correct horse battery staple"),
            Some("$argon2id$nonsense")
        ));
    }

    #[test]
    fn dummy_hash_has_the_current_parameters() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(
            !needs_rehash(DUMMY_HASH),
            "regenerate DUMMY_HASH with `hash`"
        );
    }

    #[test]
    fn older_or_foreign_hashes_need_rehash() {
        let weak = Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            Params::new(8 * 1024, 1, 1, None).expect("params"),
        );
        let old = weak
            .hash_password(b"correct horse battery staple")
            .expect("hash")
            .to_string();
        assert!(needs_rehash(&old));
        // Still verifies: parameters come from the stored hash.
        assert!(verify(&pw("correct horse battery staple"), Some(&old)));
        assert!(needs_rehash("$2b$12$notargon"));
        assert!(needs_rehash(""));
    }

    #[test]
    fn debug_never_shows_the_password() {
        let password = pw("hunter2hunter2");
        assert_eq!(format!("{password:?}"), "Password(***)");
        assert_eq!(
            format!("{:?}", Some(password.clone())),
            "Some(Password(***))"
        );
        let parsed: Password = serde_json::from_str(r#""from json 123""#).expect("json");
        assert_eq!(parsed.expose(), "from json 123");
        assert_eq!(format!("{parsed:#?}"), "Password(***)");
    }

    #[test]
    fn policy_counts_characters_not_bytes() {
        assert_eq!(
            check_policy("123456789"),
            Err("must be at least 10 characters long")
        );
        assert!(check_policy("123456789").is_err_and(|m| m.contains(&MIN_LEN.to_string())));
        assert!(check_policy("1234567890").is_ok());
        assert!(check_policy("").is_err());
        // Nine characters but 18 bytes: still too short.
        assert!(check_policy("ééééééééé").is_err());
        assert!(check_policy("éééééééééé").is_ok());
        assert!(check_policy(&"x".repeat(MAX_LEN)).is_ok());
        assert!(
            check_policy(&"x".repeat(MAX_LEN + 1)).is_err_and(|m| m.contains(&MAX_LEN.to_string()))
        );
    }
}
