//! The spool of older versions: `<dir>/spool/<id>.msg` files that a version delivering mail
//! itself had not delivered yet when it stopped. An upgraded process takes each over into the
//! deployment's mail queue ([`take`], then [`Spooled::remove`] once it is queued), so an upgrade
//! loses nothing.

use crate::store::{self, Claim, Claimed};
use crate::{MailError, MailId, Outgoing};
use std::io;
use std::path::{Path, PathBuf};

/// The spool directory under a mail directory.
pub fn dir(mail_dir: &Path) -> PathBuf {
    mail_dir.join(store::SPOOL)
}

/// The ids of the messages in `<mail_dir>/spool/`, oldest first; none when there is no spool.
/// Removes temporary files a crash left a day ago or more.
pub fn scan(mail_dir: &Path) -> Result<Vec<MailId>, MailError> {
    store::scan(&dir(mail_dir))
}

/// A spool file read and locked: no other process takes or delivers it while this lives.
pub struct Spooled {
    /// The message, as it was spooled.
    pub mail: Outgoing,
    claimed: Claimed,
}

impl std::fmt::Debug for Spooled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spooled")
            .field("id", &self.mail.id)
            .finish_non_exhaustive()
    }
}

impl Spooled {
    /// The message is safe elsewhere (queued): deletes the file, then releases the lock.
    pub fn remove(self) -> io::Result<()> {
        self.claimed.remove()
    }
}

/// What taking a spool file found.
#[derive(Debug)]
pub enum Taken {
    /// The message, locked until removed or dropped.
    Message(Spooled),
    /// Already delivered or taken by another process.
    Gone,
    /// Another process (an older version delivering it) holds it right now.
    Busy,
    /// Not a spool file that can be read: moved aside as `<id>.bad` and kept, not sent.
    Damaged(String),
}

/// Takes the spool file of `id`: reads and locks it.
pub fn take(mail_dir: &Path, id: MailId) -> io::Result<Taken> {
    Ok(match store::claim(&dir(mail_dir), id)? {
        Claim::Claimed(claimed) => {
            let envelope = &claimed.envelope;
            let mail = Outgoing {
                id,
                sender: envelope.from().map(ToString::to_string),
                recipients: envelope.to().iter().map(ToString::to_string).collect(),
                message: claimed.message.clone(),
            };
            Taken::Message(Spooled { mail, claimed })
        }
        Claim::Gone => Taken::Gone,
        Claim::Busy => Taken::Busy,
        Claim::Damaged(reason) => Taken::Damaged(reason),
    })
}

/// Removes the spool directory once nothing is left in it (a damaged file kept as `.bad`
/// keeps it).
pub fn remove_if_empty(mail_dir: &Path) {
    // `remove_dir` refuses a directory that is not empty, which is what is wanted.
    let _ = std::fs::remove_dir(dir(mail_dir));
}

#[cfg(test)]
mod tests {
    use super::*;
    use lettre::address::Envelope;

    #[tokio::test]
    async fn a_spooled_message_is_taken_once_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let spool = super::dir(dir.path());
        store::create_dir(&spool).unwrap();
        let id = MailId::new();
        let envelope = Envelope::new(
            Some("silo@example.org".parse().unwrap()),
            vec!["ann@example.com".parse().unwrap()],
        )
        .unwrap();
        store::write_spooled(&spool, id, &envelope, b"Subject: x\r\n\r\nbody\r\n")
            .await
            .unwrap();
        assert_eq!(scan(dir.path()).unwrap(), vec![id]);
        let Taken::Message(spooled) = take(dir.path(), id).unwrap() else {
            panic!("not taken")
        };
        assert_eq!(spooled.mail.id, id);
        assert_eq!(spooled.mail.sender.as_deref(), Some("silo@example.org"));
        assert_eq!(spooled.mail.recipients, ["ann@example.com"]);
        assert_eq!(spooled.mail.message, b"Subject: x\r\n\r\nbody\r\n");
        assert!(matches!(take(dir.path(), id).unwrap(), Taken::Busy));
        spooled.remove().unwrap();
        assert!(matches!(take(dir.path(), id).unwrap(), Taken::Gone));
        remove_if_empty(dir.path());
        assert!(!spool.exists());
        assert!(
            scan(dir.path()).unwrap().is_empty(),
            "no spool, nothing in it"
        );
    }
}
