//! Second factor: time-based one-time passwords (RFC 6238) and single-use recovery codes.
//!
//! Codes are computed and checked by the `totp-rs` crate with RFC 6238's usual settings, the
//! ones every authenticator app assumes: HMAC-SHA-1, 6 digits, 30-second steps, one step of
//! clock drift either way. This module only decides the secret's size, the URI an app scans,
//! and that a code is accepted at most once: [`TotpSecret::verify`] answers the time step a
//! code belongs to, and the caller keeps the last accepted step and refuses any step that is
//! not newer (RFC 6238 §5.2).
//!
//! Recovery codes are 60 random bits shown once as `xxxx-xxxx-xxxx` (lower-case base32). Only
//! a SHA-256 digest, salted with the owner's id, is ever stored; a presented code is digested
//! the same way and compared with the stored digests in constant time.
//!
//! ```
//! use silo_auth::totp::TotpSecret;
//!
//! let secret = TotpSecret::generate();
//! let now = 1_800_000_000;
//! let code = secret.code_at(now);
//! let step = secret.verify(&code, now, None).expect("a fresh code");
//! assert_eq!(secret.verify(&code, now, Some(step)), None, "never twice");
//! ```

use crate::AuthError;
use rand::Rng as _;
use sha2::{Digest as _, Sha256};
use std::fmt::{self, Write as _};
use subtle::ConstantTimeEq as _;
use totp_rs::{Algorithm, Builder, Secret, Totp};
use zeroize::Zeroizing;

/// The issuer shown by authenticator apps next to the account.
pub const ISSUER: &str = "Silo";
/// Seconds per time step.
pub const STEP_SECS: u64 = 30;
/// Digits per code.
pub const DIGITS: u8 = 6;
/// Bytes of a generated secret (160 bits, RFC 4226's recommendation).
pub const SECRET_LEN: usize = 20;
/// Recovery codes per set.
pub const RECOVERY_CODES: usize = 10;

/// Lower-case RFC 4648 base32: no `0`, `1`, `8` or `9`, so nothing to confuse with letters.
const RECOVERY_ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
/// Characters of a recovery code without its hyphens (12 x 5 = 60 random bits).
const RECOVERY_CHARS: usize = 12;

/// A TOTP shared secret. `Debug` never shows it, and its bytes are wiped when dropped.
#[derive(Clone)]
pub struct TotpSecret(Zeroizing<Vec<u8>>);

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(***)")
    }
}

impl TotpSecret {
    /// A new secret of [`SECRET_LEN`] bytes from the operating system's CSPRNG (via
    /// `rand`'s thread generator, which is seeded and reseeded from it).
    pub fn generate() -> Self {
        let mut bytes = Zeroizing::new(vec![0u8; SECRET_LEN]);
        rand::rng().fill_bytes(&mut bytes);
        TotpSecret(bytes)
    }

    /// Reads a secret as stored or shown: unpadded base32 (case and padding tolerated).
    pub fn from_base32(text: &str) -> Result<Self, AuthError> {
        let bytes = Secret::try_from_base32(text.trim().to_ascii_uppercase().trim_end_matches('='))
            .map_err(|_| AuthError::InvalidSecret)?;
        if bytes.as_bytes().len() < 16 {
            return Err(AuthError::InvalidSecret);
        }
        Ok(TotpSecret(Zeroizing::new(bytes.as_bytes().to_vec())))
    }

    /// The secret as unpadded upper-case base32, the form apps accept when typed in.
    pub fn to_base32(&self) -> String {
        Secret::new(self.0.to_vec().into_boxed_slice()).to_base32()
    }

    fn totp(&self, account: &str) -> Result<Totp, AuthError> {
        Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(DIGITS)
            .with_skew(1)
            .with_step_duration(STEP_SECS)
            .with_secret(Secret::new(self.0.to_vec().into_boxed_slice()))
            .with_issuer(Some(ISSUER))
            .with_account_name(account)
            .build()
            .map_err(|e| AuthError::InvalidTotp(e.to_string()))
    }

    /// The `otpauth://totp/Silo:<account>?secret=...&issuer=Silo` URI an app scans or opens.
    pub fn otpauth_uri(&self, account: &str) -> Result<String, AuthError> {
        self.totp(account)?
            .to_url()
            .map_err(|e| AuthError::InvalidTotp(e.to_string()))
    }

    /// The time step (`unix_time / 30`) whose code `code` is, if it is the code of the step at
    /// `unix_time` or of one step before or after it, and that step is newer than
    /// `last_accepted`. The caller must store the answer as the new last accepted step, so the
    /// same code (or an older one) is never accepted again.
    pub fn verify(&self, code: &str, unix_time: u64, last_accepted: Option<u64>) -> Option<u64> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        let totp = self.totp("").ok()?;
        let step = totp.check(&code, unix_time)?;
        match last_accepted {
            Some(last) if step <= last => None,
            _ => Some(step),
        }
    }

    /// The code of the step at `unix_time` (for tests and operators' diagnostics).
    pub fn code_at(&self, unix_time: u64) -> String {
        match self.totp("") {
            Ok(totp) => totp.generate(unix_time).to_string(),
            // `totp` only fails for a secret shorter than 128 bits, which no constructor makes.
            Err(_) => String::new(),
        }
    }
}

/// Whether `code` has the shape of a TOTP code (six digits, spaces ignored) rather than of a
/// recovery code.
pub fn is_totp_code(code: &str) -> bool {
    let digits: Vec<char> = code.chars().filter(|c| !c.is_whitespace()).collect();
    digits.len() == usize::from(DIGITS) && digits.iter().all(char::is_ascii_digit)
}

/// A fresh set of [`RECOVERY_CODES`] recovery codes, as shown to their owner (once).
pub fn generate_recovery_codes() -> Vec<String> {
    let mut rng = rand::rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut code = String::with_capacity(RECOVERY_CHARS + 2);
            for i in 0..RECOVERY_CHARS {
                if i > 0 && i % 4 == 0 {
                    code.push('-');
                }
                // 32 divides 2^32, so taking the low five bits is uniform.
                let index = (rng.next_u32() % 32) as usize;
                code.push(char::from(RECOVERY_ALPHABET[index]));
            }
            code
        })
        .collect()
}

/// The digest stored for a recovery code of the owner `salt` (an identity id): hex SHA-256 of
/// the salt and the code without hyphens or spaces, lower-cased. `None` when `code` cannot be a
/// recovery code at all (wrong length or characters), so it need not be looked up.
pub fn recovery_code_digest(salt: &str, code: &str) -> Option<String> {
    let normalized: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if normalized.len() != RECOVERY_CHARS
        || !normalized.bytes().all(|b| RECOVERY_ALPHABET.contains(&b))
    {
        return None;
    }
    let mut hasher = Sha256::new();
    hasher.update(b"silo-recovery-code\0");
    hasher.update(salt.as_bytes());
    hasher.update(b"\0");
    hasher.update(normalized.as_bytes());
    let digest = hasher.finalize();
    Some(digest.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    }))
}

/// The index of the stored digest equal to `presented`, comparing every candidate in constant
/// time so the answer's timing says nothing about how close a guess came.
pub fn find_digest<'a>(
    presented: &str,
    stored: impl IntoIterator<Item = &'a str>,
) -> Option<usize> {
    let mut found = None;
    for (i, candidate) in stored.into_iter().enumerate() {
        let equal: bool = presented.as_bytes().ct_eq(candidate.as_bytes()).into();
        if equal && found.is_none() {
            found = Some(i);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]
    use super::*;

    /// RFC 6238 Appendix B, SHA-1 rows, cut to 6 digits (the secret is "12345678901234567890").
    #[test]
    fn rfc_6238_test_vectors() {
        let secret = TotpSecret(Zeroizing::new(b"12345678901234567890".to_vec()));
        for (time, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(secret.code_at(time), code, "t={time}");
            assert_eq!(secret.verify(code, time, None), Some(time / STEP_SECS));
        }
    }

    #[test]
    fn one_step_of_drift_each_way_and_no_replay() {
        let secret = TotpSecret::generate();
        let now = 1_900_000_000u64;
        let step = now / STEP_SECS;
        for offset in [-1i64, 0, 1] {
            let at = (now as i64 + offset * STEP_SECS as i64) as u64;
            assert_eq!(
                secret.verify(&secret.code_at(at), now, None),
                Some(at / STEP_SECS)
            );
        }
        let far = secret.code_at(now + 2 * STEP_SECS);
        assert_eq!(secret.verify(&far, now, None), None);
        let code = secret.code_at(now);
        assert_eq!(secret.verify(&code, now, Some(step)), None, "same step");
        assert_eq!(secret.verify(&code, now, Some(step + 1)), None, "older");
        assert_eq!(secret.verify(&code, now, Some(step - 1)), Some(step));
        assert_eq!(secret.verify("12345", now, None), None);
        assert_eq!(secret.verify("abcdef", now, None), None);
    }

    #[test]
    fn secrets_round_trip_through_base32_and_never_print() {
        let secret = TotpSecret::generate();
        let text = secret.to_base32();
        assert_eq!(text.len(), 32, "20 bytes are 32 base32 characters");
        let back = TotpSecret::from_base32(&text.to_lowercase()).unwrap();
        assert_eq!(back.to_base32(), text);
        assert!(!format!("{secret:?}").contains(&text));
        assert!(TotpSecret::from_base32("not base32!").is_err());
        assert!(TotpSecret::from_base32("AAAA").is_err(), "too short");
    }

    #[test]
    fn the_uri_names_the_issuer_and_the_account() {
        let secret = TotpSecret::generate();
        let uri = secret.otpauth_uri("ann@acme.example").unwrap();
        assert!(
            uri.starts_with("otpauth://totp/Silo:ann%40acme.example?"),
            "{uri}"
        );
        assert!(
            uri.contains(&format!("secret={}", secret.to_base32())),
            "{uri}"
        );
        assert!(uri.contains("issuer=Silo"), "{uri}");
    }

    #[test]
    fn recovery_codes_are_random_well_formed_and_digested_per_owner() {
        let codes = generate_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), RECOVERY_CODES);
        for code in &codes {
            assert_eq!(code.len(), 14);
            assert_eq!(code.matches('-').count(), 2);
            assert!(!is_totp_code(code));
        }
        let a = recovery_code_digest("owner-a", &codes[0]).unwrap();
        assert_eq!(
            recovery_code_digest("owner-a", &codes[0].to_uppercase().replace('-', " ")),
            Some(a.clone()),
            "case, spaces and hyphens do not matter"
        );
        assert_ne!(recovery_code_digest("owner-b", &codes[0]), Some(a.clone()));
        assert_eq!(recovery_code_digest("owner-a", "short"), None);
        assert_eq!(recovery_code_digest("owner-a", "0000-1111-8888"), None);
        let stored = [
            recovery_code_digest("owner-a", &codes[1]).unwrap(),
            a.clone(),
        ];
        assert_eq!(find_digest(&a, stored.iter().map(String::as_str)), Some(1));
        assert_eq!(find_digest("nope", stored.iter().map(String::as_str)), None);
        assert!(is_totp_code("123 456"));
    }
}
