//! Tenant database passwords, derived rather than stored.
//!
//! Each tenant role's password is HMAC-SHA256(server secret, company id). The control plane
//! stores no password at all, only a reference naming the role and the derivation; anyone who
//! reads the registry learns nothing that opens a tenant database. Roles are created with a
//! SCRAM-SHA-256 verifier, so not even the DDL statement carries the plain password.
//!
//! The verifier uses an iteration count of 1 instead of PostgreSQL's 4096. Iterations stretch
//! a password that could be guessed, so that each guess against a stolen verifier costs
//! thousands of hashes; a tenant password is 256 bits from HMAC-SHA256, which no number of
//! guesses finds, so stretching it adds nothing. It did add cost to every connection: the
//! server and the client (sqlx, which also yields to the runtime every five rounds) each run
//! the iterations on every login, milliseconds per tenant connection opened. See
//! docs/backends.md.

use crate::TenancyError;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, KeyInit as _, Mac as _};
use pbkdf2::pbkdf2_hmac_array;
use rand::Rng as _;
use sha2::{Digest as _, Sha256};
use silo_control::CompanyId;
use std::fmt;
use std::io::Write as _;
use std::path::Path;

type HmacSha256 = Hmac<Sha256>;

/// Fewest bytes a server secret may have.
const MIN_SECRET_BYTES: usize = 16;
/// SCRAM iteration count of tenant roles: 1, since their passwords are random 256-bit values
/// (see the module documentation).
pub(crate) const SCRAM_ITERATIONS: u32 = 1;

/// The server secret tenant passwords are derived from. Its `Debug` never shows it.
#[derive(Clone)]
pub struct TenantSecret(Vec<u8>);

impl fmt::Debug for TenantSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TenantSecret(<redacted>)")
    }
}

impl TenantSecret {
    /// A secret given as text (flag or environment); at least 16 bytes.
    pub fn from_text(text: &str) -> Result<Self, TenancyError> {
        let text = text.trim();
        if text.len() < MIN_SECRET_BYTES {
            return Err(TenancyError::Config(format!(
                "the tenant secret must be at least {MIN_SECRET_BYTES} characters"
            )));
        }
        Ok(TenantSecret(text.as_bytes().to_vec()))
    }

    /// A fresh random secret (for tests and first starts).
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        TenantSecret(hex(&bytes).into_bytes())
    }

    /// Reads the secret from `path`, or creates it there with owner-only permissions on first
    /// start. Losing this file locks Silo out of every tenant database: back it up. A file
    /// readable or writable by group or others is refused, as the signing keys are: whoever
    /// reads it can open every tenant database.
    pub fn load_or_create(path: &Path) -> Result<Self, TenancyError> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                check_owner_only(path)?;
                return Self::from_text(&text);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let secret = Self::generate();
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(path) {
            Ok(mut file) => {
                file.write_all(&secret.0)?;
                file.sync_all()?;
                Ok(secret)
            }
            // Another process created it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let text = std::fs::read_to_string(path)?;
                check_owner_only(path)?;
                Self::from_text(&text)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The password of a company's tenant role.
    pub(crate) fn password_for(&self, company: CompanyId) -> TenantPassword {
        TenantPassword(hex(&hmac(&self.0, company.to_string().as_bytes())))
    }

    /// Eight hex digits that tell this deployment's provisioning pool apart from another's on
    /// a shared server (and tests from each other): a deployment claims only databases it
    /// prepared. Not secret; it reveals 32 bits of an HMAC output and nothing of the secret.
    pub fn pool_tag(&self) -> String {
        hex(&hmac(&self.0, b"provisioning pool")[..4])
    }

    /// The password of a pre-created role while it waits in the provisioning pool (replaced
    /// by its company's when claimed). Pool names never parse as a company id, so these never
    /// equal a company's password.
    pub(crate) fn password_for_pooled(&self, role: &str) -> TenantPassword {
        TenantPassword(hex(&hmac(&self.0, format!("pool:{role}").as_bytes())))
    }
}

/// Refuses a secret file with any permission bit for group or others (unix; elsewhere no
/// check is made). Refused rather than fixed, so the operator notices.
#[cfg(unix)]
fn check_owner_only(path: &Path) -> Result<(), TenancyError> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(path)?.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(TenancyError::Config(format!(
            "{} has mode {mode:04o}; the tenant secret must be readable by its owner only \
             (chmod 600)",
            path.display()
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_owner_only(_path: &Path) -> Result<(), TenancyError> {
    Ok(())
}

/// A tenant role's password. Its `Debug` never shows it.
pub(crate) struct TenantPassword(String);

impl fmt::Debug for TenantPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TenantPassword(<redacted>)")
    }
}

impl TenantPassword {
    /// The plain password, for the connection handshake only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// A SCRAM-SHA-256 verifier as PostgreSQL stores it (RFC 5802/7677).
    pub(crate) fn scram_verifier(&self) -> String {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        scram_verifier(self.0.as_bytes(), &salt, SCRAM_ITERATIONS)
    }
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(data);
    mac.finalize().into_bytes().into()
}

fn scram_verifier(password: &[u8], salt: &[u8], iterations: u32) -> String {
    // SCRAM's Hi() is PBKDF2-HMAC-SHA256 with one 32-byte output block.
    let salted = pbkdf2_hmac_array::<Sha256, 32>(password, salt, iterations);
    let client_key = hmac(&salted, b"Client Key");
    let stored_key = Sha256::digest(client_key);
    let server_key = hmac(&salted, b"Server Key");
    format!(
        "SCRAM-SHA-256${iterations}:{}${}:{}",
        B64.encode(salt),
        B64.encode(stored_key),
        B64.encode(server_key)
    )
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_differ_per_company_and_secret() {
        let a = CompanyId::generate();
        let b = CompanyId::generate();
        let s = TenantSecret::generate();
        assert_ne!(s.password_for(a).expose(), s.password_for(b).expose());
        assert_eq!(s.password_for(a).expose(), s.password_for(a).expose());
        assert_ne!(
            s.password_for(a).expose(),
            TenantSecret::generate().password_for(a).expose()
        );
        assert!(!format!("{:?} {:?}", s, s.password_for(a)).contains(s.password_for(a).expose()));
    }

    #[test]
    fn verifier_has_postgres_shape() {
        let v = scram_verifier(b"pencil", b"0123456789abcdef", 4096);
        assert!(
            v.starts_with("SCRAM-SHA-256$4096:MDEyMzQ1Njc4OWFiY2RlZg==$"),
            "{v}"
        );
        assert_eq!(v.matches(':').count(), 2);
    }

    /// The inputs of RFC 7677's example (password "pencil", its salt, 4096 iterations) give
    /// the StoredKey and ServerKey that an independent implementation (Python's hashlib and
    /// hmac) computes; tenant roles get a count of 1.
    #[test]
    fn verifier_matches_the_rfc_7677_example() {
        let salt = B64.decode("W22ZaJ0SNY7soEsUEjb6gQ==").unwrap();
        let v = scram_verifier(b"pencil", &salt, 4096);
        assert_eq!(
            v,
            "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$\
             WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:\
             wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU="
        );
        assert!(
            TenantSecret::generate()
                .password_for(CompanyId::generate())
                .scram_verifier()
                .starts_with("SCRAM-SHA-256$1:")
        );
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(TenantSecret::from_text("short").is_err());
        assert!(TenantSecret::from_text(&"x".repeat(MIN_SECRET_BYTES - 1)).is_err());
        assert!(TenantSecret::from_text(&"x".repeat(MIN_SECRET_BYTES)).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn a_secret_file_open_to_group_or_others_is_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tenant-secret");
        let created = TenantSecret::load_or_create(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let again = TenantSecret::load_or_create(&path).unwrap();
        let id = CompanyId::generate();
        assert_eq!(
            created.password_for(id).expose(),
            again.password_for(id).expose()
        );
        for loose in [0o640, 0o604, 0o620, 0o660] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(loose)).unwrap();
            let err = TenantSecret::load_or_create(&path).unwrap_err();
            assert!(err.to_string().contains("owner only"), "{loose:o}: {err}");
        }
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
        assert!(TenantSecret::load_or_create(&path).is_ok());
    }
}
