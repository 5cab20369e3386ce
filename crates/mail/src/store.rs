//! Files: the outbox and atomic, durable writes into it; and the spool older versions kept.
//!
//! A spool file `<id>.msg` (written by versions that delivered mail from the spool themselves)
//! holds the SMTP envelope, then a blank line, then the message:
//!
//! ```text
//! silo-spool 1
//! from silo@example.com
//! to ann@example.com
//!
//! Message-ID: ...
//! ```
//!
//! Those versions lock a spool file (an advisory lock) while they deliver it and delete it
//! before unlocking; taking a file over into the mail queue takes the same lock, so a file an
//! old process is delivering right now is left to it.

use crate::{MailError, MailId};
use lettre::Address;
use lettre::address::Envelope;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

pub(crate) const OUTBOX: &str = "outbox";
pub(crate) const SPOOL: &str = "spool";
const SPOOL_EXT: &str = "msg";
const TEMP_PREFIX: &str = ".tmp-";
const MAGIC: &str = "silo-spool 1";
/// A temporary file this old is the remains of a crash mid-write (its send returned an error).
const STALE_TEMP: Duration = Duration::from_secs(24 * 3600);

/// Creates `dir` and its parents; owner-only, as the files hold secret links.
pub(crate) fn create_dir(dir: &Path) -> Result<(), MailError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|source| MailError::Io {
        path: dir.to_owned(),
        source,
    })
}

/// The ids of the messages in the spool, oldest first. A missing spool is empty. Removes
/// stale temporary files.
pub(crate) fn scan(spool: &Path) -> Result<Vec<MailId>, MailError> {
    let io_err = |source| MailError::Io {
        path: spool.to_owned(),
        source,
    };
    let entries = match fs::read_dir(spool) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_err(e)),
    };
    let mut ids = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io_err)?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.starts_with(TEMP_PREFIX) {
            let stale = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .is_some_and(|age| age > STALE_TEMP);
            if stale {
                let _ = fs::remove_file(entry.path());
            }
        } else if let Some(id) = name
            .strip_suffix(&format!(".{SPOOL_EXT}"))
            .and_then(|stem| stem.parse().ok())
        {
            ids.push(id);
        }
    }
    ids.sort();
    Ok(ids)
}

/// The spool file of `id`.
pub(crate) fn spool_path(spool: &Path, id: MailId) -> PathBuf {
    spool.join(format!("{id}.{SPOOL_EXT}"))
}

/// Writes `<outbox>/<id>.eml` durably; returns its path.
pub(crate) async fn write_eml(
    outbox: &Path,
    id: MailId,
    message: Vec<u8>,
) -> Result<PathBuf, MailError> {
    let path = outbox.join(format!("{id}.eml"));
    write_durably(path.clone(), message).await?;
    Ok(path)
}

/// Writes the spool file of `id` durably, as older versions did.
#[cfg(test)]
pub(crate) async fn write_spooled(
    spool: &Path,
    id: MailId,
    envelope: &Envelope,
    message: &[u8],
) -> Result<(), MailError> {
    let mut bytes = format!("{MAGIC}\n").into_bytes();
    if let Some(from) = envelope.from() {
        bytes.extend_from_slice(format!("from {from}\n").as_bytes());
    }
    for to in envelope.to() {
        bytes.extend_from_slice(format!("to {to}\n").as_bytes());
    }
    bytes.push(b'\n');
    bytes.extend_from_slice(message);
    write_durably(spool_path(spool, id), bytes).await
}

/// Temp file, fsync, rename, fsync of the directory: after this returns, the file is whole
/// and survives a crash; before, it does not exist under its name.
async fn write_durably(path: PathBuf, bytes: Vec<u8>) -> Result<(), MailError> {
    let target = path.clone();
    let written = tokio::task::spawn_blocking(move || write_blocking(&target, &bytes))
        .await
        .map_err(|e| io::Error::other(e.to_string()))
        .and_then(|r| r);
    written.map_err(|source| MailError::Io { path, source })
}

fn write_blocking(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::other("a mail file needs a directory"))?;
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::other("a mail file needs a name"))?;
    let temp = dir.join(format!("{TEMP_PREFIX}{}", name.to_string_lossy()));
    let result = (|| {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temp, path)?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

/// A spool file, read and locked: nobody else delivers it while this lives.
pub(crate) struct Claimed {
    lock: File,
    path: PathBuf,
    pub(crate) envelope: Envelope,
    pub(crate) message: Vec<u8>,
}

/// What claiming a spool file found.
pub(crate) enum Claim {
    /// Ours to take.
    Claimed(Claimed),
    /// Already delivered or taken (by another process on this directory).
    Gone,
    /// Another process holds it right now.
    Busy,
    /// Not a spool file we can read; moved aside as `<id>.bad`.
    Damaged(String),
}

pub(crate) fn claim(spool: &Path, id: MailId) -> io::Result<Claim> {
    let path = spool_path(spool, id);
    let mut file = match OpenOptions::new().read(true).write(true).open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Claim::Gone),
        Err(e) => return Err(e),
    };
    match file.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => return Ok(Claim::Busy),
        Err(fs::TryLockError::Error(e)) => return Err(e),
    }
    // Whoever held the lock before may have delivered and deleted it.
    if !path.exists() {
        return Ok(Claim::Gone);
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    match parse(&bytes) {
        Ok((envelope, offset)) => Ok(Claim::Claimed(Claimed {
            lock: file,
            path,
            envelope,
            message: bytes.split_off(offset),
        })),
        Err(reason) => {
            fs::rename(&path, path.with_extension("bad"))?;
            Ok(Claim::Damaged(reason))
        }
    }
}

impl Claimed {
    /// The message is safe elsewhere: delete the file, then release the lock.
    pub(crate) fn remove(self) -> io::Result<()> {
        let removed = fs::remove_file(&self.path);
        drop(self.lock);
        removed
    }
}

/// The envelope and where the message starts.
fn parse(bytes: &[u8]) -> Result<(Envelope, usize), String> {
    let end = bytes
        .windows(2)
        .position(|w| w == b"\n\n")
        .ok_or("no blank line after the envelope")?;
    let head = std::str::from_utf8(&bytes[..end]).map_err(|_| "envelope is not UTF-8")?;
    let mut lines = head.lines();
    if lines.next() != Some(MAGIC) {
        return Err("not a silo spool file".into());
    }
    let (mut from, mut to) = (None, Vec::new());
    for line in lines {
        let parsed = match line.split_once(' ') {
            Some(("from", a)) => a.parse::<Address>().map(|a| from = Some(a)),
            Some(("to", a)) => a.parse::<Address>().map(|a| to.push(a)),
            _ => return Err(format!("unexpected envelope line {line:?}")),
        };
        parsed.map_err(|e| format!("envelope address: {e}"))?;
    }
    let envelope = Envelope::new(from, to).map_err(|e| format!("envelope: {e}"))?;
    Ok((envelope, end + 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_spool_file_round_trips_and_is_claimed_once() {
        let dir = tempfile::tempdir().unwrap();
        let id = MailId::new();
        let envelope = Envelope::new(
            Some("silo@example.org".parse().unwrap()),
            vec!["ann@example.com".parse().unwrap()],
        )
        .unwrap();
        let message = b"Subject: x\r\n\r\nbody\r\n\r\nmore\r\n";
        write_spooled(dir.path(), id, &envelope, message)
            .await
            .unwrap();
        assert_eq!(scan(dir.path()).unwrap(), vec![id]);

        let Claim::Claimed(claimed) = claim(dir.path(), id).unwrap() else {
            panic!("not claimed")
        };
        assert_eq!(claimed.envelope, envelope);
        assert_eq!(claimed.message, message);
        assert!(matches!(claim(dir.path(), id).unwrap(), Claim::Busy));
        claimed.remove().unwrap();
        assert!(matches!(claim(dir.path(), id).unwrap(), Claim::Gone));
        assert!(scan(dir.path()).unwrap().is_empty());
    }

    #[test]
    fn a_damaged_spool_file_is_moved_aside_not_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let id = MailId::new();
        fs::write(spool_path(dir.path(), id), "garbage").unwrap();
        assert!(matches!(claim(dir.path(), id).unwrap(), Claim::Damaged(_)));
        assert!(scan(dir.path()).unwrap().is_empty());
        assert!(dir.path().join(format!("{id}.bad")).exists());
    }

    #[test]
    fn temporary_files_are_not_messages() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(".tmp-x.msg"), "half").unwrap();
        fs::write(dir.path().join("notes.txt"), "x").unwrap();
        assert!(scan(dir.path()).unwrap().is_empty());
        assert!(scan(&dir.path().join("missing")).unwrap().is_empty());
    }
}
