//! Authentication primitives for Silo: access tokens (JWT signed with Ed25519), the key set
//! that signs and verifies them, password hashing, and the second factor (TOTP and recovery
//! codes, [`totp`]).
//!
//! All cryptography comes from maintained crates (jsonwebtoken, ed25519-dalek, argon2, totp-rs); this
//! crate only decides which of their options are allowed. The server maps every
//! [`TokenError`] to 401 `unauthenticated` and treats [`AuthError`] as an internal failure.
//!
//! ```
//! use silo_auth::{KeySet, TokenConfig, Tokens};
//!
//! let tokens = Tokens::new(KeySet::generate()?, TokenConfig::default());
//! let identity = uuid::Uuid::new_v4();
//! let issued = tokens.issue(identity, None)?;
//! let verified = tokens.verify(&issued.token).expect("fresh token");
//! assert_eq!(verified.identity(), identity);
//! assert_eq!(verified.company(), None);
//! # Ok::<(), silo_auth::AuthError>(())
//! ```

#![forbid(unsafe_code)]

mod claims;
pub mod entry;
mod error;
mod header;
mod keys;
mod keystore;
pub mod password;
mod token;
pub mod totp;
mod verified_cache;

pub use entry::{EntryToken, EntryTokens, Purpose, VerifiedEntry};
pub use error::{AuthError, TokenError};
pub use keys::{DetachedSignature, KeySet, SignatureError};
pub use token::{IssuedToken, MAX_LEEWAY_SECS, MAX_TOKEN_LEN, TokenConfig, Tokens, VerifiedToken};

/// Makes sure jsonwebtoken has a crypto backend before we use it.
///
/// jsonwebtoken 12 picks its backend from crate features and panics at first use when it
/// cannot (neither or both of `rust_crypto` and `aws_lc_rs` enabled somewhere in the build).
/// We depend on `rust_crypto`, so install it when nothing was chosen; if another thread or
/// crate installed a provider first, that one stays.
fn ensure_crypto_provider() {
    use jsonwebtoken::crypto::{CryptoProvider, rust_crypto};
    if CryptoProvider::try_get_default().is_none() {
        let _ = rust_crypto::DEFAULT_PROVIDER.install_default();
    }
}
