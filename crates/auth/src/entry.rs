//! Entry tokens: how a request without a staff token (a portal session, the agency's portal
//! address, a magic sign-in link, a contract signing link, a tracked site's key) names its
//! company.
//!
//! An entry token reads `<jwt>~<secret>`. The JWT is signed with our key set like an access
//! token, with an audience of its own per [`Purpose`] (so a token of one purpose is refused on
//! every other purpose's routes, and on the staff API), `company_id` the company and `sub` the
//! id of the row to look up in that company's database. The secret is 32 random bytes; only its
//! SHA-256 is stored in that row, so a copy of the database holds nothing usable and a link can
//! be revoked by deleting or marking its row. The company therefore comes only from a claim we
//! signed and verify before any database is opened; never from a string looked up globally.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use rand::Rng as _;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{AuthError, TokenConfig, TokenError, Tokens};

/// What an entry token is for; each purpose is its own audience.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// A portal session (`silo-portal`): `sub` is the session row.
    PortalSession,
    /// The agency's portal sign-in address (`silo-portal-key`): `sub` is its key id.
    PortalAddress,
    /// A magic sign-in link (`silo-portal-login`): `sub` is the link row.
    PortalLogin,
    /// A link to sign one contract (`silo-link`): `sub` is the signing link row.
    SigningLink,
    /// A tracked site's public key (`silo-site`): `sub` is the site row.
    Site,
}

impl Purpose {
    /// Every purpose, in a fixed order.
    pub const ALL: [Purpose; 5] = [
        Purpose::PortalSession,
        Purpose::PortalAddress,
        Purpose::PortalLogin,
        Purpose::SigningLink,
        Purpose::Site,
    ];

    /// The `aud` claim of this purpose's tokens.
    pub fn audience(self) -> &'static str {
        match self {
            Purpose::PortalSession => "silo-portal",
            Purpose::PortalAddress => "silo-portal-key",
            Purpose::PortalLogin => "silo-portal-login",
            Purpose::SigningLink => "silo-link",
            Purpose::Site => "silo-site",
        }
    }

    fn index(self) -> usize {
        match self {
            Purpose::PortalSession => 0,
            Purpose::PortalAddress => 1,
            Purpose::PortalLogin => 2,
            Purpose::SigningLink => 3,
            Purpose::Site => 4,
        }
    }
}

/// A freshly issued entry token. `Debug` hides the token.
#[derive(Clone, PartialEq, Eq)]
pub struct EntryToken {
    /// `<jwt>~<secret>`, to hand out once.
    pub token: String,
    /// The SHA-256 (hex) of the secret part: the only form that is stored.
    pub secret_hash: String,
}

impl std::fmt::Debug for EntryToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EntryToken")
            .field("token", &"***")
            .field("secret_hash", &self.secret_hash)
            .finish()
    }
}

/// An entry token whose signature, purpose and lifetime were verified. Its secret still has to
/// match the hash stored in the row it names: compare [`VerifiedEntry::secret_hash`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedEntry {
    /// The company (`company_id`).
    pub company: Uuid,
    /// The row in that company's database (`sub`).
    pub row: Uuid,
    /// The SHA-256 (hex) of the presented secret.
    pub secret_hash: String,
    /// When the token expires, unix seconds.
    pub expires_at: i64,
}

/// Issues and verifies entry tokens for every [`Purpose`], with the access tokens' key set.
#[derive(Debug)]
pub struct EntryTokens {
    by_purpose: [Tokens; 5],
}

/// Length of the secret part: 32 bytes as base64url without padding.
const SECRET_LEN: usize = 43;

impl EntryTokens {
    /// Entry tokens signed with the same keys as `access` (issuer and leeway as there).
    pub fn new(access: &Tokens) -> Self {
        let sibling = |purpose: Purpose| {
            access.sibling(TokenConfig {
                audience: purpose.audience().to_owned(),
                ..access.config().clone()
            })
        };
        EntryTokens {
            by_purpose: Purpose::ALL.map(sibling),
        }
    }

    /// A new token for `row` in `company`, valid for `ttl`.
    pub fn issue(
        &self,
        purpose: Purpose,
        company: Uuid,
        row: Uuid,
        ttl: Duration,
    ) -> Result<EntryToken, AuthError> {
        let jwt = self.by_purpose[purpose.index()].issue_for(row, Some(company), ttl)?;
        let mut secret = [0u8; 32];
        rand::rng().fill_bytes(&mut secret);
        let secret = B64.encode(secret);
        Ok(EntryToken {
            secret_hash: secret_hash(&secret),
            token: format!("{}~{secret}", jwt.token),
        })
    }

    /// Verifies a token of `purpose`: shape, signature, audience, lifetime and a company claim.
    pub fn verify(&self, purpose: Purpose, token: &str) -> Result<VerifiedEntry, TokenError> {
        let (jwt, secret) = token.trim().split_once('~').ok_or(TokenError::Malformed)?;
        if secret.len() != SECRET_LEN
            || !secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
        {
            return Err(TokenError::Malformed);
        }
        let verified = self.by_purpose[purpose.index()].verify(jwt)?;
        let company = verified
            .company()
            .ok_or_else(|| TokenError::BadClaims("no company_id".to_owned()))?;
        Ok(VerifiedEntry {
            company,
            row: verified.identity(),
            secret_hash: secret_hash(secret),
            expires_at: verified.expires_at(),
        })
    }
}

/// The stored form of a secret part.
fn secret_hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KeySet;

    fn entry() -> (Tokens, EntryTokens) {
        let access = Tokens::new(KeySet::generate().expect("keys"), TokenConfig::default());
        let entry = EntryTokens::new(&access);
        (access, entry)
    }

    #[test]
    fn a_token_verifies_for_its_own_purpose_only() {
        let (access, entry) = entry();
        let (company, row) = (Uuid::new_v4(), Uuid::new_v4());
        for purpose in Purpose::ALL {
            let t = entry
                .issue(purpose, company, row, Duration::from_secs(60))
                .expect("issue");
            let v = entry.verify(purpose, &t.token).expect("verify");
            assert_eq!((v.company, v.row), (company, row));
            assert_eq!(v.secret_hash, t.secret_hash);
            for other in Purpose::ALL.into_iter().filter(|p| *p != purpose) {
                assert_eq!(
                    entry.verify(other, &t.token),
                    Err(TokenError::WrongAudience),
                    "{purpose:?} accepted as {other:?}"
                );
            }
            // Neither half is an access token, and an access token is no entry token.
            let jwt = t.token.split('~').next().expect("jwt");
            assert_eq!(access.verify(jwt), Err(TokenError::WrongAudience));
        }
        let staff = access.issue(row, Some(company)).expect("access");
        for purpose in Purpose::ALL {
            let forged = format!("{}~{}", staff.token, "A".repeat(SECRET_LEN));
            assert_eq!(
                entry.verify(purpose, &forged),
                Err(TokenError::WrongAudience)
            );
        }
    }

    #[test]
    fn the_secret_is_random_and_only_its_hash_is_kept() {
        let (_, entry) = entry();
        let (company, row) = (Uuid::new_v4(), Uuid::new_v4());
        let a = entry
            .issue(Purpose::PortalLogin, company, row, Duration::from_secs(60))
            .expect("a");
        let b = entry
            .issue(Purpose::PortalLogin, company, row, Duration::from_secs(60))
            .expect("b");
        assert_ne!(a.secret_hash, b.secret_hash);
        let secret = a.token.split('~').nth(1).expect("secret");
        assert!(!a.secret_hash.contains(secret));
        // Another secret on a valid JWT verifies, but hashes differently: the row check fails.
        let jwt = a.token.split('~').next().expect("jwt");
        let swapped = format!("{jwt}~{}", b.token.split('~').nth(1).expect("secret"));
        let v = entry
            .verify(Purpose::PortalLogin, &swapped)
            .expect("verify");
        assert_ne!(v.secret_hash, a.secret_hash);
        assert!(!format!("{a:?}").contains(secret));
    }

    #[test]
    fn malformed_tokens_are_refused() {
        let (_, entry) = entry();
        let t = entry
            .issue(
                Purpose::SigningLink,
                Uuid::new_v4(),
                Uuid::new_v4(),
                Duration::from_secs(60),
            )
            .expect("issue");
        let jwt = t.token.split('~').next().expect("jwt");
        for bad in [
            "",
            "~",
            jwt,
            &format!("{jwt}~"),
            &format!("{jwt}~short"),
            &format!("{jwt}~{}", "!".repeat(SECRET_LEN)),
            &format!("x{}", t.token),
        ] {
            assert!(entry.verify(Purpose::SigningLink, bad).is_err(), "{bad}");
        }
    }
}
