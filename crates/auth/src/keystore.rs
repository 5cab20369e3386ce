//! The key directory on disk (e.g. `<data>/keys`).
//!
//! Format, deliberately plain so an operator can inspect and back it up with standard tools:
//!
//! ```text
//! <dir>/                 mode 0700
//! <dir>/<kid>.pem        one Ed25519 private key each, PKCS#8 PEM ("BEGIN PRIVATE KEY"), 0600
//! <dir>/active           the kid of the signing key, one line, 0600
//! ```
//!
//! - `<kid>` is the key's RFC 7638 thumbprint (see [`crate::keys`]); a `.pem` file whose name is
//!   not the thumbprint of its content is refused, so a renamed or swapped file is noticed.
//! - Every `<kid>.pem` is a verification key; the one named in `active` also signs.
//!   [`KeySet::rotate`] adds a key and points `active` at it; [`KeySet::retire`] deletes a
//!   (non-active) key file, after which tokens signed with it fail.
//! - Other files are ignored, including hidden `.*.tmp` files left by an interrupted write.
//!   Writes go to a hidden temporary file first and are renamed into place, so a reader never
//!   sees half a key.
//!
//! Permissions (unix): the directory is created 0700 and files 0600. Loading *refuses*
//! ([`AuthError::InsecurePermissions`]) a key file readable or writable by group or others, and a
//! directory or `active` file writable by group or others: a readable key may already have
//! leaked, and whoever can write there can plant a key and sign tokens for anyone. We refuse
//! rather than chmod, as ssh does, so the operator notices. Ownership is not checked. On other
//! platforms no permission check is made.
//!
//! Servers read the directory at start and again every few seconds while they run
//! ([`crate::Tokens::reload`]): a rotated key starts signing and verifying, and a retired key
//! stops verifying, within that interval and without a restart. Until every server has read a
//! rotation, a token the new key signed may be refused by a server that has not (the web app
//! refreshes and tries again).

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;

use crate::AuthError;
use crate::keys::{self, KeySet};

const ACTIVE_FILE: &str = "active";
const KEY_SUFFIX: &str = ".pem";

impl KeySet {
    /// Loads the key set from `dir` (e.g. `<data>/keys`), creating the directory (0700) and a
    /// first signing key (0600) if there is none. Refuses insecure permissions (see the module
    /// documentation) and key files that do not match their name.
    pub fn load_or_create(dir: &Path) -> Result<KeySet, AuthError> {
        ensure_dir(dir)?;
        check_mode(dir, 0o022)?;
        if read_active(dir)?.is_none() {
            let key = keys::generate_signing_key()?;
            let kid = write_key(dir, &key)?;
            // Two processes may race to create the first key: `hard_link` fails if `active`
            // already exists, so exactly one wins and the loser's key is merely an extra
            // verification key.
            match publish_active(dir, &kid, false) {
                Ok(()) => {}
                Err(AuthError::Io(_, e)) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
        load(dir)
    }

    /// Generates a new signing key in `dir` and makes it the active one; earlier keys stay
    /// valid for verification. Returns the new kid. Running servers pick it up at their next
    /// reload.
    pub fn rotate(dir: &Path) -> Result<String, AuthError> {
        // Load first, so we never rotate into a directory we would refuse to read.
        KeySet::load_or_create(dir)?;
        let key = keys::generate_signing_key()?;
        let kid = write_key(dir, &key)?;
        publish_active(dir, &kid, true)?;
        Ok(kid)
    }

    /// Deletes the verification key `kid` from `dir`, so tokens signed with it are refused
    /// from running servers' next reload on. The active key cannot be retired.
    pub fn retire(dir: &Path, kid: &str) -> Result<(), AuthError> {
        let set = load(dir)?;
        if !set.contains(kid) {
            return Err(AuthError::UnknownKid(kid.to_owned()));
        }
        if set.active_kid() == kid {
            return Err(AuthError::ActiveKey(kid.to_owned()));
        }
        // `kid` is one we read from this directory and checked against its content, so the
        // path built from it is one of our own files, not something the caller chose.
        let path = key_path(dir, kid);
        fs::remove_file(&path).map_err(|e| AuthError::Io(path, e))?;
        sync_dir(dir)
    }

    /// Loads the key set from `dir` as it is, creating nothing: what a running server reads
    /// again. Refuses what [`KeySet::load_or_create`] refuses, and a directory without an
    /// `active` key.
    pub fn load(dir: &Path) -> Result<KeySet, AuthError> {
        load(dir)
    }
}

/// Reads every key file and the `active` pointer.
fn load(dir: &Path) -> Result<KeySet, AuthError> {
    check_mode(dir, 0o022)?;
    let active_kid = read_active(dir)?.ok_or_else(|| {
        AuthError::InvalidKey(format!("{} has no `{ACTIVE_FILE}` file", dir.display()))
    })?;
    let mut active = None;
    let mut older = Vec::new();
    let entries = fs::read_dir(dir).map_err(|e| AuthError::Io(dir.to_owned(), e))?;
    for entry in entries {
        let entry = entry.map_err(|e| AuthError::Io(dir.to_owned(), e))?;
        let name = entry.file_name();
        let Some(kid) = name.to_str().and_then(|n| n.strip_suffix(KEY_SUFFIX)) else {
            continue;
        };
        if kid.starts_with('.') {
            continue;
        }
        let key = read_key(&entry.path(), kid)?;
        if kid == active_kid {
            active = Some(key);
        } else {
            older.push(key.verifying_key());
        }
    }
    let active = active.ok_or_else(|| {
        AuthError::InvalidKey(format!(
            "`{ACTIVE_FILE}` names {active_kid}, which has no key file in {}",
            dir.display()
        ))
    })?;
    KeySet::from_keys(&active, &older)
}

/// Reads one `<kid>.pem` and checks that its name is its thumbprint.
fn read_key(path: &Path, kid: &str) -> Result<SigningKey, AuthError> {
    if !keys::is_kid_shaped(kid) {
        return Err(AuthError::InvalidKey(format!(
            "{}: key file names must be <kid>{KEY_SUFFIX}",
            path.display()
        )));
    }
    check_mode(path, 0o077)?;
    let pem = zeroize::Zeroizing::new(
        fs::read_to_string(path).map_err(|e| AuthError::Io(path.to_owned(), e))?,
    );
    let key = keys::parse_pem(&pem)
        .map_err(|e| AuthError::InvalidKey(format!("{}: {e}", path.display())))?;
    if keys::kid_of(&key.verifying_key())? != kid {
        return Err(AuthError::InvalidKey(format!(
            "{}: the file name is not the thumbprint of the key inside",
            path.display()
        )));
    }
    Ok(key)
}

/// The kid in `active`, or `None` when there is no such file yet.
fn read_active(dir: &Path) -> Result<Option<String>, AuthError> {
    let path = dir.join(ACTIVE_FILE);
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(AuthError::Io(path, e)),
    };
    check_mode(&path, 0o022)?;
    let kid = text.trim();
    if !keys::is_kid_shaped(kid) {
        return Err(AuthError::InvalidKey(format!(
            "{} does not hold a kid",
            path.display()
        )));
    }
    Ok(Some(kid.to_owned()))
}

/// Writes a new key file and returns its kid.
fn write_key(dir: &Path, key: &SigningKey) -> Result<String, AuthError> {
    let kid = keys::kid_of(&key.verifying_key())?;
    let pem = keys::to_pem(key)?;
    let tmp = write_temp(dir, pem.as_bytes())?;
    let path = key_path(dir, &kid);
    fs::rename(&tmp, &path).map_err(|e| AuthError::Io(path, e))?;
    sync_dir(dir)?;
    Ok(kid)
}

/// Points `active` at `kid`: replacing an existing pointer, or only creating a missing one.
fn publish_active(dir: &Path, kid: &str, replace: bool) -> Result<(), AuthError> {
    let tmp = write_temp(dir, format!("{kid}\n").as_bytes())?;
    let path = dir.join(ACTIVE_FILE);
    let placed = if replace {
        fs::rename(&tmp, &path)
    } else {
        let linked = fs::hard_link(&tmp, &path);
        // The temporary name is only scaffolding once linked (or refused).
        let _ = fs::remove_file(&tmp);
        linked
    };
    placed.map_err(|e| AuthError::Io(path, e))?;
    sync_dir(dir)
}

fn key_path(dir: &Path, kid: &str) -> PathBuf {
    dir.join(format!("{kid}{KEY_SUFFIX}"))
}

/// Writes `bytes` to a fresh hidden file (0600, never an existing file or symlink) and syncs it.
fn write_temp(dir: &Path, bytes: &[u8]) -> Result<PathBuf, AuthError> {
    let path = dir.join(format!(".{}.tmp", uuid::Uuid::new_v4().simple()));
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let result = options.open(&path).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    match result {
        Ok(()) => Ok(path),
        Err(e) => {
            let _ = fs::remove_file(&path);
            Err(AuthError::Io(path, e))
        }
    }
}

/// Creates `dir` (and missing parents) with mode 0700.
fn ensure_dir(dir: &Path) -> Result<(), AuthError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| AuthError::Io(dir.to_owned(), e))
}

/// Makes renames and deletions in `dir` durable before we report success.
fn sync_dir(dir: &Path) -> Result<(), AuthError> {
    #[cfg(unix)]
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| AuthError::Io(dir.to_owned(), e))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Refuses `path` if any of the `forbidden` permission bits are set.
#[cfg(unix)]
fn check_mode(path: &Path, forbidden: u32) -> Result<(), AuthError> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = fs::metadata(path)
        .map_err(|e| AuthError::Io(path.to_owned(), e))?
        .permissions()
        .mode()
        & 0o7777;
    if mode & forbidden != 0 {
        return Err(AuthError::InsecurePermissions(path.to_owned(), mode));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_mode(_path: &Path, _forbidden: u32) -> Result<(), AuthError> {
    Ok(())
}

#[cfg(test)]
mod tests;
