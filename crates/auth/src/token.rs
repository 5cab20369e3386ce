//! Issuing and verifying access tokens (JWT, EdDSA).
//!
//! Verification, in order; the first failure refuses the token:
//!
//! 1. Shape: at most [`MAX_TOKEN_LEN`] bytes of base64url and dots, exactly three non-empty
//!    segments.
//! 2. Header, read by us ([`crate::header`]): exactly `alg` = `EdDSA`, `typ` = `JWT` and `kid`;
//!    `crit`, `jku`, `jwk`, `x5u`, `x5c` and any other field refused.
//! 3. Key: the `kid` must name a key of our [`KeySet`] as it is now (a key directory is read
//!    again while the process runs, see [`Tokens::reload`]); it is never used for anything else.
//! 4. jsonwebtoken, configured explicitly rather than trusting its defaults: algorithm pinned to
//!    EdDSA, `exp` `nbf` `iss` `aud` `sub` required, `nbf` validated, our issuer and audience,
//!    our leeway. It checks the signature before it reads any claim.
//! 5. Our strict claim types ([`crate::claims`]) and our own issuer, audience and time checks.

use std::fmt;
use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation};
use uuid::Uuid;

use crate::claims::Claims;
use crate::{AuthError, KeySet, TokenError, header};

/// Longest token we look at; ours are about 400 bytes, so this only bounds the work a stranger
/// can make us do.
pub const MAX_TOKEN_LEN: usize = 4096;

/// Largest leeway [`Tokens::new`] accepts; larger values are capped to it.
pub const MAX_LEEWAY_SECS: u64 = 300;

/// Issuer, audience, lifetime and clock leeway of tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenConfig {
    /// The `iss` claim written and required.
    pub issuer: String,
    /// The `aud` claim written and required.
    pub audience: String,
    /// How long an issued token is valid (whole seconds count).
    pub ttl: Duration,
    /// Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds (capped at
    /// [`MAX_LEEWAY_SECS`]).
    pub leeway_secs: u64,
}

impl Default for TokenConfig {
    /// Issuer `silo`, audience `silo-api`, 15 minutes, 5 seconds of leeway.
    fn default() -> Self {
        TokenConfig {
            issuer: "silo".to_owned(),
            audience: "silo-api".to_owned(),
            ttl: Duration::from_secs(15 * 60),
            leeway_secs: 5,
        }
    }
}

/// A freshly signed token. `Debug` hides the token itself, which is a bearer credential.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// The compact JWT, for `Authorization: Bearer`.
    pub token: String,
    /// Seconds until it expires.
    pub expires_in: u64,
    /// Its unique id (the `jti` claim), for audit records.
    pub jti: Uuid,
}

impl fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedToken")
            .field("token", &"***")
            .field("expires_in", &self.expires_in)
            .field("jti", &self.jti)
            .finish()
    }
}

/// The claims of a token that passed every check.
///
/// Fields are private and there is no constructor: the only way to get one is
/// [`Tokens::verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    identity: Uuid,
    company: Option<Uuid>,
    jti: Uuid,
    session: Option<Uuid>,
    issued_at: i64,
    expires_at: i64,
    kid: String,
}

impl VerifiedToken {
    /// The identity the token was issued to (`sub`).
    pub fn identity(&self) -> Uuid {
        self.identity
    }

    /// The company the token is bound to (`company_id`), `None` for an identity-only token.
    pub fn company(&self) -> Option<Uuid> {
        self.company
    }

    /// The token's unique id (`jti`).
    pub fn jti(&self) -> Uuid {
        self.jti
    }

    /// The browser session it was issued for (`sid`), `None` for a token of no session.
    pub fn session(&self) -> Option<Uuid> {
        self.session
    }

    /// When it was issued (`iat`), unix seconds.
    pub fn issued_at(&self) -> i64 {
        self.issued_at
    }

    /// When it was issued, in microseconds since the Unix epoch, as precisely as the token
    /// says: to the millisecond from a time-ordered `jti` (all tokens this build issues), else
    /// to the second from `iat`. Cut-offs ("end every session") compare with this, so a token
    /// issued just before a cut-off is refused even in the same second.
    pub fn issued_at_micros(&self) -> i64 {
        match self.jti.get_timestamp() {
            Some(ts) => {
                let (secs, nanos) = ts.to_unix();
                i64::try_from(secs)
                    .unwrap_or(i64::MAX / 1_000_000)
                    .saturating_mul(1_000_000)
                    .saturating_add(i64::from(nanos / 1000))
            }
            None => self.issued_at.saturating_mul(1_000_000),
        }
    }

    /// When it expires (`exp`), unix seconds.
    pub fn expires_at(&self) -> i64 {
        self.expires_at
    }

    /// The kid of the key that signed it, for logs.
    pub fn kid(&self) -> &str {
        &self.kid
    }
}

/// The key set in use, shared by a [`Tokens`] and its siblings and replaced whole by
/// [`Tokens::reload`]: a request holds one consistent set from start to end.
#[derive(Debug)]
struct KeyCell(RwLock<Arc<KeySet>>);

impl KeyCell {
    fn current(&self) -> Arc<KeySet> {
        // Replacing is a single assignment, so a poisoned lock still holds a whole key set.
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn replace(&self, keys: KeySet) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(keys);
    }
}

/// Issues and verifies tokens with a [`KeySet`]. `Send + Sync`; share it behind an `Arc`.
#[derive(Debug)]
pub struct Tokens {
    keys: Arc<KeyCell>,
    config: TokenConfig,
    validation: Validation,
    verified: crate::verified_cache::VerifiedCache,
}

impl Tokens {
    /// Combines a key set and settings. A `leeway_secs` above [`MAX_LEEWAY_SECS`] is capped.
    pub fn new(keys: KeySet, config: TokenConfig) -> Self {
        Tokens::sharing(Arc::new(KeyCell(RwLock::new(Arc::new(keys)))), config)
    }

    /// Tokens of another purpose (another audience and lifetime) signed and verified with the
    /// same key set, also after a [`Tokens::reload`]: see [`crate::entry`].
    pub fn sibling(&self, config: TokenConfig) -> Self {
        Tokens::sharing(self.keys.clone(), config)
    }

    fn sharing(keys: Arc<KeyCell>, mut config: TokenConfig) -> Self {
        crate::ensure_crypto_provider();
        config.leeway_secs = config.leeway_secs.min(MAX_LEEWAY_SECS);
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.algorithms = vec![Algorithm::EdDSA];
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.validate_aud = true;
        validation.leeway = config.leeway_secs;
        validation.reject_tokens_expiring_in_less_than = 0;
        validation.set_issuer(&[&config.issuer]);
        validation.set_audience(&[&config.audience]);
        validation.sub = None;
        Tokens {
            keys,
            config,
            validation,
            verified: Default::default(),
        }
    }

    /// Reads the key directory `dir` again (see [`crate::keystore`]) and uses it from now on,
    /// for this and every sibling: a new active key signs, added keys verify, and a deleted
    /// (retired) key stops verifying, also for tokens verified before. Answers whether the set
    /// changed. When the directory cannot be read or is refused, the keys in use stay and the
    /// error is returned: a kid the set does not hold is refused either way.
    pub fn reload(&self, dir: &Path) -> Result<bool, AuthError> {
        let fresh = KeySet::load(dir)?;
        let current = self.keys.current();
        if fresh.active_kid() == current.active_kid() && fresh.kids().eq(current.kids()) {
            return Ok(false);
        }
        self.keys.replace(fresh);
        Ok(true)
    }

    /// Signs a token for `identity`, bound to `company`, or identity-only when `company` is
    /// `None`. It belongs to no browser session: nothing but its expiry and the identity's
    /// cut-off ends it (see [`Tokens::issue_in_session`]).
    pub fn issue(&self, identity: Uuid, company: Option<Uuid>) -> Result<IssuedToken, AuthError> {
        self.sign(identity, company, None, self.config.ttl)
    }

    /// Like [`Tokens::issue`], for the browser session `session` (the `sid` claim): the
    /// request path refuses the token once that session has ended.
    pub fn issue_in_session(
        &self,
        identity: Uuid,
        company: Option<Uuid>,
        session: Uuid,
    ) -> Result<IssuedToken, AuthError> {
        self.sign(identity, company, Some(session), self.config.ttl)
    }

    /// Like [`Tokens::issue`], valid for `ttl` instead of the configured lifetime.
    pub fn issue_for(
        &self,
        identity: Uuid,
        company: Option<Uuid>,
        ttl: Duration,
    ) -> Result<IssuedToken, AuthError> {
        self.sign(identity, company, None, ttl)
    }

    fn sign(
        &self,
        identity: Uuid,
        company: Option<Uuid>,
        session: Option<Uuid>,
        ttl: Duration,
    ) -> Result<IssuedToken, AuthError> {
        let now = unix_now().map_err(AuthError::Signing)?;
        let ttl = ttl.as_secs();
        let claims = Claims {
            iss: self.config.issuer.clone(),
            aud: self.config.audience.clone(),
            sub: identity,
            company_id: company,
            iat: now,
            nbf: now,
            exp: now.saturating_add(ttl),
            // Time-ordered, so the issue time is known to the millisecond (see
            // [`VerifiedToken::issued_at_micros`]).
            jti: Uuid::now_v7(),
            sid: session,
        };
        let keys = self.keys.current();
        let mut header = jsonwebtoken::Header::new(Algorithm::EdDSA);
        header.typ = Some(header::TYP.to_owned());
        header.kid = Some(keys.active_kid().to_owned());
        let token = jsonwebtoken::encode(&header, &claims, keys.signing_key())
            .map_err(|e| AuthError::Signing(e.to_string()))?;
        Ok(IssuedToken {
            token,
            expires_in: ttl,
            jti: claims.jti,
        })
    }

    /// Verifies a token string (the part after `Bearer `); see the module documentation for
    /// every check made.
    pub fn verify(&self, token: &str) -> Result<VerifiedToken, TokenError> {
        let leeway = i64::try_from(self.config.leeway_secs).unwrap_or(0);
        let now = unix_now().map_err(TokenError::Internal)?;
        let keys = self.keys.current();
        // A remembered token counts only while the key that signed it is still in the set: a
        // retired key's tokens stop at the next reload, remembered or not.
        if let Some(hit) = self
            .verified
            .get(token, i64::try_from(now).unwrap_or(i64::MAX), leeway)
            .filter(|hit| keys.contains(hit.kid()))
        {
            return Ok(hit);
        }
        let verified = self.verify_fully(&keys, token)?;
        self.verified.insert(token, &verified);
        Ok(verified)
    }

    fn verify_fully(&self, keys: &KeySet, token: &str) -> Result<VerifiedToken, TokenError> {
        let header_segment = split(token)?;
        let header = header::parse(header_segment)?;
        let key = keys
            .decoding_key(&header.kid)
            .ok_or(TokenError::UnknownKey)?;
        let claims = jsonwebtoken::decode::<Claims>(token, key, &self.validation)
            .map_err(|e| from_jwt_error(e.into_kind()))?
            .claims;
        let now = unix_now().map_err(TokenError::Internal)?;
        claims.check(
            &self.config.issuer,
            &self.config.audience,
            now,
            self.config.leeway_secs,
        )?;
        // `check` guarantees the times fit in i64; saturate rather than panic regardless.
        let to_i64 = |t: u64| i64::try_from(t).unwrap_or(i64::MAX);
        Ok(VerifiedToken {
            identity: claims.sub,
            company: claims.company_id,
            jti: claims.jti,
            session: claims.sid,
            issued_at: to_i64(claims.iat),
            expires_at: to_i64(claims.exp),
            kid: header.kid,
        })
    }

    /// The public keys as a JWKS document (see [`KeySet::jwks`]).
    pub fn jwks(&self) -> serde_json::Value {
        self.keys.current().jwks()
    }

    /// The key set in use now (a later [`Tokens::reload`] may replace it).
    pub fn keys(&self) -> Arc<KeySet> {
        self.keys.current()
    }

    /// The settings in use (leeway already capped).
    pub fn config(&self) -> &TokenConfig {
        &self.config
    }
}

/// Checks the compact shape and returns the header segment.
fn split(token: &str) -> Result<&str, TokenError> {
    if token.len() > MAX_TOKEN_LEN
        || !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err(TokenError::Malformed);
    }
    let segments: Vec<&str> = token.split('.').collect();
    match segments.as_slice() {
        [header, payload, signature]
            if !header.is_empty() && !payload.is_empty() && !signature.is_empty() =>
        {
            Ok(header)
        }
        _ => Err(TokenError::Malformed),
    }
}

/// Maps jsonwebtoken's reasons onto ours.
fn from_jwt_error(kind: ErrorKind) -> TokenError {
    match kind {
        ErrorKind::InvalidToken | ErrorKind::Base64(_) | ErrorKind::Utf8(_) => {
            TokenError::Malformed
        }
        ErrorKind::InvalidSignature => TokenError::BadSignature,
        ErrorKind::InvalidAlgorithm
        | ErrorKind::UnsupportedAlgorithm
        | ErrorKind::InvalidAlgorithmName
        | ErrorKind::MissingAlgorithm => TokenError::UnsupportedAlgorithm,
        ErrorKind::ExpiredSignature => TokenError::Expired,
        ErrorKind::ImmatureSignature => TokenError::NotYetValid,
        ErrorKind::InvalidIssuer => TokenError::WrongIssuer,
        ErrorKind::InvalidAudience => TokenError::WrongAudience,
        ErrorKind::MissingRequiredClaim(claim) => TokenError::BadClaims(format!("missing {claim}")),
        ErrorKind::InvalidClaimFormat(claim) => TokenError::BadClaims(format!("bad {claim}")),
        ErrorKind::InvalidSubject => TokenError::BadClaims("sub".to_owned()),
        ErrorKind::Json(e) => TokenError::BadClaims(e.to_string()),
        other => TokenError::Internal(format!("{other:?}")),
    }
}

fn unix_now() -> Result<u64, String> {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .map_err(|_| "system clock is before 1970".to_owned())
}

#[cfg(test)]
mod tests;
