//! A bounded memo of tokens that passed full verification.
//!
//! Verifying an Ed25519 signature is the largest fixed cost of a request. A token is verified
//! once; later requests with the byte-identical token reuse the result after re-checking only
//! its expiry, and that the key that signed it is still in the set ([`crate::Tokens::verify`]
//! checks the kid against the current keys; keys are read again while the process runs, and a
//! retired key must stop its tokens). The same bytes under the same key verify the same way, and
//! the registry checks (membership, role, company state, session) happen on every request
//! regardless.

use crate::token::VerifiedToken;
use std::collections::HashMap;
use std::sync::Mutex;

/// Most tokens remembered; past it the memo starts over (cheap, and bounded memory).
const CAPACITY: usize = 16_384;

#[derive(Debug, Default)]
pub(crate) struct VerifiedCache {
    entries: Mutex<HashMap<String, VerifiedToken>>,
}

impl VerifiedCache {
    /// The remembered result, if the token is still unexpired at `now` (with `leeway`).
    pub(crate) fn get(&self, token: &str, now: i64, leeway: i64) -> Option<VerifiedToken> {
        let entries = self.entries.lock().ok()?;
        let hit = entries.get(token)?;
        (hit.expires_at().saturating_add(leeway) > now).then(|| hit.clone())
    }

    pub(crate) fn insert(&self, token: &str, verified: &VerifiedToken) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= CAPACITY {
                entries.clear();
            }
            entries.insert(token.to_owned(), verified.clone());
        }
    }
}
