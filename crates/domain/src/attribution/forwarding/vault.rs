//! The vault: ad-platform credentials sealed at rest with the deployment's key
//! (XChaCha20-Poly1305 from RustCrypto). Each sealing takes a fresh random 192-bit nonce; the
//! company and the destination are the associated data, so a sealed value copied to another
//! destination row, or into another company's database, does not open.
//!
//! The key is 32 random bytes in `<data>/keys/vault.key` (owner-only; a looser file is refused),
//! made at the first start. Lose it and every stored credential must be entered again; several
//! servers and workers of one deployment need the same file.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use chacha20poly1305::aead::{Aead as _, KeyInit as _, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::TryRng as _;
use std::path::Path;
use uuid::Uuid;

/// Bytes of the key.
pub const KEY_BYTES: usize = 32;
const NONCE_BYTES: usize = 24;
/// What every sealed value starts with (the scheme's version).
const PREFIX: &str = "v1.";

/// What can go wrong with the vault.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// The key file cannot be read or written.
    #[error("vault key {path}: {reason}")]
    KeyFile {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The operating system's random source failed.
    #[error("the operating system's random source failed")]
    Random,
    /// A sealed value does not open with this key for this company and destination (another
    /// key, another row, or damaged).
    #[error("the sealed value does not open here")]
    Unopenable,
}

/// The deployment's sealing key. Never printed.
#[derive(Clone)]
pub struct Vault {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault(..)")
    }
}

fn random<const N: usize>() -> Result<[u8; N], VaultError> {
    let mut bytes = [0u8; N];
    rand::rngs::SysRng
        .try_fill_bytes(&mut bytes)
        .map_err(|_| VaultError::Random)?;
    Ok(bytes)
}

/// The associated data: the company and the destination the value belongs to.
fn aad(company: Uuid, destination: Uuid) -> Vec<u8> {
    let mut out = Vec::with_capacity(32);
    out.extend_from_slice(company.as_bytes());
    out.extend_from_slice(destination.as_bytes());
    out
}

impl Vault {
    /// A vault over these key bytes.
    pub fn from_key(key: [u8; KEY_BYTES]) -> Self {
        Vault {
            cipher: XChaCha20Poly1305::new(&key.into()),
        }
    }

    /// A vault with a new random key that lives only in this process (tests; a deployment
    /// loads its key with [`Vault::load_or_create`]).
    pub fn ephemeral() -> Result<Self, VaultError> {
        Ok(Vault::from_key(random()?))
    }

    /// Loads the key from `path`, making it (owner-only) when the file does not exist. A file
    /// that others may read, or of the wrong length, is refused.
    pub fn load_or_create(path: &Path) -> Result<Self, VaultError> {
        let fail = |reason: String| VaultError::KeyFile {
            path: path.display().to_string(),
            reason,
        };
        if !path.exists() {
            let key: [u8; KEY_BYTES] = random()?;
            write_owner_only(path, &key).map_err(|e| fail(e.to_string()))?;
        }
        check_owner_only(path).map_err(fail)?;
        let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
        let key: [u8; KEY_BYTES] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| fail(format!("must hold exactly {KEY_BYTES} bytes")))?;
        Ok(Vault::from_key(key))
    }

    /// Seals `plain` for `destination` of `company`: `v1.` and the base64 of nonce and
    /// ciphertext.
    pub fn seal(
        &self,
        company: Uuid,
        destination: Uuid,
        plain: &[u8],
    ) -> Result<String, VaultError> {
        let nonce_bytes: [u8; NONCE_BYTES] = random()?;
        let nonce = XNonce::from(nonce_bytes);
        let aad = aad(company, destination);
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plain,
                    aad: &aad,
                },
            )
            .map_err(|_| VaultError::Unopenable)?;
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("{PREFIX}{}", B64.encode(out)))
    }

    /// Opens a value sealed for `destination` of `company`.
    pub fn open(
        &self,
        company: Uuid,
        destination: Uuid,
        sealed: &str,
    ) -> Result<Vec<u8>, VaultError> {
        let bytes = sealed
            .strip_prefix(PREFIX)
            .and_then(|b| B64.decode(b).ok())
            .ok_or(VaultError::Unopenable)?;
        if bytes.len() < NONCE_BYTES {
            return Err(VaultError::Unopenable);
        }
        let (nonce_bytes, body) = bytes.split_at(NONCE_BYTES);
        let nonce_bytes: [u8; NONCE_BYTES] =
            nonce_bytes.try_into().map_err(|_| VaultError::Unopenable)?;
        let aad = aad(company, destination);
        self.cipher
            .decrypt(
                &XNonce::from(nonce_bytes),
                Payload {
                    msg: body,
                    aad: &aad,
                },
            )
            .map_err(|_| VaultError::Unopenable)
    }
}

#[cfg(unix)]
fn write_owner_only(path: &Path, key: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // create_new: two processes starting at once never overwrite each other's key.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(key)?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_owner_only(path: &Path, key: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, key)
}

#[cfg(unix)]
fn check_owner_only(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(path)
        .map_err(|e| e.to_string())?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(format!(
            "others may read it (mode {:o}); make it owner-only (chmod 600)",
            mode & 0o777
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_owner_only(_path: &Path) -> Result<(), String> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_for_its_own_company_and_destination() {
        let vault = Vault::ephemeral().unwrap();
        let (company, dest, other) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let sealed = vault.seal(company, dest, b"token-123").unwrap();
        assert!(!sealed.contains("token-123"));
        assert_eq!(vault.open(company, dest, &sealed).unwrap(), b"token-123");
        assert!(vault.open(company, other, &sealed).is_err());
        assert!(vault.open(other, dest, &sealed).is_err());
        // Another key does not open it either, and two sealings differ (fresh nonces).
        assert!(
            Vault::ephemeral()
                .unwrap()
                .open(company, dest, &sealed)
                .is_err()
        );
        assert_ne!(sealed, vault.seal(company, dest, b"token-123").unwrap());
    }

    #[cfg(unix)]
    #[test]
    fn the_key_file_is_made_owner_only_and_a_loose_one_is_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys").join("vault.key");
        let first = Vault::load_or_create(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let (c, d) = (Uuid::now_v7(), Uuid::now_v7());
        let sealed = first.seal(c, d, b"x").unwrap();
        // Loaded again: the same key.
        assert_eq!(
            Vault::load_or_create(&path)
                .unwrap()
                .open(c, d, &sealed)
                .unwrap(),
            b"x"
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let refused = Vault::load_or_create(&path).unwrap_err().to_string();
        assert!(refused.contains("owner-only"), "{refused}");
    }
}
