//! Outgoing mail: messages built from the templates ([`Mailer::build`]), written as `.eml`
//! files to `<dir>/outbox/` when no SMTP server is configured (for development and tests), or
//! sent over SMTP one at a time ([`Transport::send`]) by whoever delivers them (Silo's
//! background worker, from the deployment's mail queue). [`spool`] reads what older versions
//! left in `<dir>/spool/`, so it can be moved into that queue.
//!
//! Message bodies carry secret links, so nothing here logs a body, a subject or a recipient.
#![forbid(unsafe_code)]

mod message;
pub mod spool;
mod store;
pub mod templates;
mod transport;

pub use templates::{Content, Lang};
pub use transport::{SendError, Transport};

use lettre::message::Mailbox;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

/// Where and how mail goes.
#[derive(Clone, PartialEq, Eq)]
pub struct MailSettings {
    /// SMTP server (`smtp://`, `smtps://`, `smtp://...?tls=required`, optionally with
    /// `user:password@`); without it, messages are written to `<dir>/outbox/`. A secret: never
    /// printed by `Debug`.
    pub smtp_url: Option<String>,
    /// The `From` of every message, such as `Silo <silo@example.com>`.
    pub from: String,
    /// Directory holding `outbox/` (normally `<data>/mail`; older versions also kept a
    /// `spool/` there).
    pub dir: PathBuf,
}

/// The sender used when none is configured.
pub const DEFAULT_FROM: &str = "Silo <silo@localhost>";

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            smtp_url: None,
            from: DEFAULT_FROM.to_owned(),
            dir: PathBuf::from("./data/mail"),
        }
    }
}

impl fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailSettings")
            .field("smtp_url", &self.smtp_url.as_deref().map(mask_url))
            .field("from", &self.from)
            .field("dir", &self.dir)
            .finish()
    }
}

/// A URL with its password (if any) replaced by `***`, for printing.
pub fn mask_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => "*** (unparseable URL)".to_owned(),
    }
}

/// One message to one person: a plain-text and an HTML version of the same content.
#[derive(Clone, PartialEq, Eq)]
pub struct Mail {
    /// The recipient's email address (`ann@example.com`).
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text part.
    pub text: String,
    /// HTML part.
    pub html: String,
    /// Files sent with it (an invoice's PDF and e-invoice).
    pub attachments: Vec<Attachment>,
}

/// A file sent with a message.
#[derive(Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The file name the recipient sees (`2026-0001.pdf`).
    pub filename: String,
    /// Its media type (`application/pdf`).
    pub content_type: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

impl Mail {
    /// A rendered template addressed to `to`.
    pub fn new(to: impl Into<String>, content: Content) -> Mail {
        Mail {
            to: to.into(),
            subject: content.subject,
            text: content.text,
            html: content.html,
            attachments: Vec::new(),
        }
    }

    /// The message with `attachment` added.
    #[must_use]
    pub fn attach(mut self, attachment: Attachment) -> Mail {
        self.attachments.push(attachment);
        self
    }
}

impl fmt::Debug for Mail {
    // The body holds secret links; the recipient is personal data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mail").finish_non_exhaustive()
    }
}

/// The id of a message: the local part of its `Message-ID`, its file name in the outbox and
/// its id in the mail queue. Time-ordered (UUID v7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MailId(uuid::Uuid);

impl MailId {
    fn new() -> MailId {
        MailId(uuid::Uuid::now_v7())
    }

    /// The id as a UUID.
    pub fn uuid(self) -> uuid::Uuid {
        self.0
    }

    /// The id of a stored message.
    pub fn from_uuid(id: uuid::Uuid) -> MailId {
        MailId(id)
    }
}

/// A built message, ready to be written or sent: its id, SMTP envelope (as addresses) and
/// RFC 5322 bytes. `Debug` shows only the id.
#[derive(Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The message's id (its `Message-ID`'s local part).
    pub id: MailId,
    /// The envelope sender (`MAIL FROM`); `None` for the null sender.
    pub sender: Option<String>,
    /// The envelope recipients (`RCPT TO`).
    pub recipients: Vec<String>,
    /// The message as sent.
    pub message: Vec<u8>,
}

impl fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outgoing")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for MailId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl FromStr for MailId {
    type Err = uuid::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        uuid::Uuid::try_parse(s).map(MailId)
    }
}

/// What can go wrong starting a [`Mailer`] or sending a message.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// A setting is unusable (the message says which; it never contains the SMTP password).
    #[error("mail settings: {0}")]
    Settings(String),
    /// The recipient is not an email address.
    #[error("not an email address: {0}")]
    Recipient(#[source] lettre::address::AddressError),
    /// The message could not be assembled.
    #[error("cannot build the message: {0}")]
    Build(#[source] lettre::error::Error),
    /// An attachment's media type is not one.
    #[error("not a media type: {0}")]
    Attachment(String),
    /// The message could not be written to disk (or a spool file read): it was not sent.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
}

/// Builds messages and writes them to the outbox. It does not deliver: with SMTP, a built
/// message ([`Outgoing`]) is handed to whatever queues it (the deployment's mail queue, which
/// background workers deliver through a [`Transport`]). Cheap to clone.
#[derive(Clone)]
pub struct Mailer {
    inner: Arc<Inner>,
}

struct Inner {
    from: Mailbox,
    dir: PathBuf,
    smtp: Option<Transport>,
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mode = if self.inner.smtp.is_some() {
            "smtp"
        } else {
            "outbox"
        };
        f.debug_struct("Mailer")
            .field("mode", &mode)
            .field("dir", &self.inner.dir)
            .finish()
    }
}

impl Mailer {
    /// Checks the settings (the sender, and the SMTP URL when there is one) and, without SMTP,
    /// creates the outbox directory.
    pub fn start(settings: MailSettings) -> Result<Mailer, MailError> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|e| MailError::Settings(format!("the sender {:?}: {e}", settings.from)))?;
        let smtp = match settings.smtp_url.as_deref().map(str::trim) {
            None | Some("") => {
                store::create_dir(&settings.dir.join(store::OUTBOX))?;
                None
            }
            Some(url) => Some(Transport::from_url(url)?),
        };
        Ok(Mailer {
            inner: Arc::new(Inner {
                from,
                dir: settings.dir,
                smtp,
            }),
        })
    }

    /// The SMTP transport, when an SMTP server is configured: then messages are to be queued
    /// for delivery, not written to the outbox.
    pub fn smtp(&self) -> Option<&Transport> {
        self.inner.smtp.as_ref()
    }

    /// Builds `mail` as an RFC 5322 message from the configured sender, with a new id as its
    /// `Message-ID`. An error means the recipient or the content is unusable.
    pub fn build(&self, mail: Mail) -> Result<Outgoing, MailError> {
        message::build(&self.inner.from, MailId::new(), mail)
    }

    /// Writes a built message durably to `<dir>/outbox/<id>.eml` (owner-only); returns its
    /// path. The log names the file, never its content.
    pub async fn write_outbox(&self, mail: Outgoing) -> Result<PathBuf, MailError> {
        let dir = self.inner.dir.join(store::OUTBOX);
        let id = mail.id;
        let path = store::write_eml(&dir, id, mail.message).await?;
        tracing::info!(%id, path = %path.display(), "mail written to the outbox");
        Ok(path)
    }

    /// The directory holding `outbox/` (and, from older versions, `spool/`).
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_debug_hides_the_smtp_password() {
        let settings = MailSettings {
            smtp_url: Some("smtps://mailer:hunter2@smtp.example.com".into()),
            ..MailSettings::default()
        };
        let shown = format!("{settings:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            shown.contains("smtps://mailer:***@smtp.example.com"),
            "{shown}"
        );
    }

    #[test]
    fn mail_debug_shows_nothing_personal() {
        let mail = Mail {
            to: "ann@example.com".into(),
            subject: "s".into(),
            text: "https://x/reset?token=secret".into(),
            html: String::new(),
            attachments: Vec::new(),
        };
        let shown = format!("{mail:?}");
        assert!(
            !shown.contains("secret") && !shown.contains("ann@"),
            "{shown}"
        );
    }

    #[test]
    fn a_bad_sender_or_smtp_url_is_refused_at_start() {
        let dir = tempfile::tempdir().unwrap();
        let bad_from = MailSettings {
            from: "not an address".into(),
            dir: dir.path().into(),
            ..MailSettings::default()
        };
        assert!(matches!(
            Mailer::start(bad_from),
            Err(MailError::Settings(_))
        ));
        for url in ["http://x:secret@smtp.example.com", "smtp://", "::"] {
            let err = Mailer::start(MailSettings {
                smtp_url: Some(url.into()),
                dir: dir.path().into(),
                ..MailSettings::default()
            })
            .unwrap_err();
            assert!(matches!(err, MailError::Settings(_)), "{url}: {err}");
            assert!(!err.to_string().contains("secret"), "{err}");
        }
    }
}
