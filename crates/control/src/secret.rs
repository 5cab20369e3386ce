//! Single-use secrets sent to people (session cookies, invitation, verification and reset
//! links): 256 random bits as hex, of which only the SHA-256 is stored, so a copy of the control
//! database holds nothing usable.

use rand::Rng as _;
use sha2::{Digest, Sha256};
use std::fmt::Write;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The stored form of a secret.
pub(crate) fn digest(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// A fresh secret, to be shown once and never stored.
pub(crate) fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex(&bytes)
}
