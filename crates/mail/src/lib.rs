//! Outgoing mail. [`Mailer::send`] returns once a message is durable on disk: without SMTP it
//! is an `.eml` file in `<dir>/outbox/` (for development and tests); with SMTP it is a file in
//! `<dir>/spool/` that a background task delivers, retrying until the server accepts it, and
//! only then deletes. A crash or restart loses nothing: a new [`Mailer`] on the same directory
//! delivers what the spool holds.
//!
//! Message bodies carry secret links, so nothing here logs a body, a subject or a recipient.
#![forbid(unsafe_code)]

mod deliver;
mod message;
mod store;
pub mod templates;

pub use templates::{Content, Lang};

use lettre::message::Mailbox;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{mpsc, watch};

/// Where and how mail goes.
#[derive(Clone, PartialEq, Eq)]
pub struct MailSettings {
    /// SMTP server (`smtp://`, `smtps://`, `smtp://...?tls=required`, optionally with
    /// `user:password@`); without it, messages are written to `<dir>/outbox/`. A secret: never
    /// printed by `Debug`.
    pub smtp_url: Option<String>,
    /// The `From` of every message, such as `Silo <silo@example.com>`.
    pub from: String,
    /// Directory holding `outbox/` and `spool/` (normally `<data>/mail`).
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
}

impl Mail {
    /// A rendered template addressed to `to`.
    pub fn new(to: impl Into<String>, content: Content) -> Mail {
        Mail {
            to: to.into(),
            subject: content.subject,
            text: content.text,
            html: content.html,
        }
    }
}

impl fmt::Debug for Mail {
    // The body holds secret links; the recipient is personal data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mail").finish_non_exhaustive()
    }
}

/// The id of a sent message: its file name in the outbox or spool and the local part of its
/// `Message-ID`. Time-ordered (UUID v7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MailId(uuid::Uuid);

impl MailId {
    fn new() -> MailId {
        MailId(uuid::Uuid::now_v7())
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
    /// The message could not be written to disk: it was not sent.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
}

/// A cheap, cloneable handle to the mail machinery. With SMTP, the delivery task runs while
/// any handle is alive and stops when the last one is dropped (the spool keeps what is left).
#[derive(Clone)]
pub struct Mailer {
    inner: Arc<Inner>,
}

struct Inner {
    from: Mailbox,
    dir: PathBuf,
    mode: Mode,
    counters: Arc<Counters>,
}

enum Mode {
    /// No SMTP: `.eml` files in the outbox.
    Outbox,
    /// Spooled, then delivered by the task that reads `queue`.
    Smtp {
        queue: mpsc::UnboundedSender<MailId>,
    },
}

/// Shared between the handles and the delivery task.
pub(crate) struct Counters {
    /// Spooled messages not yet accepted by the server.
    pub(crate) pending: watch::Sender<usize>,
    /// Delivery attempts that failed since start.
    pub(crate) failures: AtomicU64,
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mode = match self.inner.mode {
            Mode::Outbox => "outbox",
            Mode::Smtp { .. } => "smtp",
        };
        f.debug_struct("Mailer")
            .field("mode", &mode)
            .field("dir", &self.inner.dir)
            .field("pending", &self.pending())
            .finish()
    }
}

impl Mailer {
    /// Checks the settings and creates the directories. With SMTP, it also starts the delivery
    /// task (so it must be called inside a tokio runtime) and queues whatever an earlier run
    /// left in the spool.
    pub fn start(settings: MailSettings) -> Result<Mailer, MailError> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|e| MailError::Settings(format!("the sender {:?}: {e}", settings.from)))?;
        let counters = Arc::new(Counters {
            pending: watch::Sender::new(0),
            failures: AtomicU64::new(0),
        });
        let mode = match settings.smtp_url.as_deref().map(str::trim) {
            None | Some("") => {
                store::create_dir(&settings.dir.join(store::OUTBOX))?;
                let left = store::scan(&settings.dir.join(store::SPOOL))?;
                if !left.is_empty() {
                    tracing::warn!(
                        count = left.len(),
                        dir = %settings.dir.join(store::SPOOL).display(),
                        "messages wait in the mail spool, but no SMTP server is configured to deliver them"
                    );
                }
                Mode::Outbox
            }
            Some(url) => {
                let transport = deliver::transport(url)?;
                let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
                    MailError::Settings("SMTP delivery needs a tokio runtime".into())
                })?;
                let spool = settings.dir.join(store::SPOOL);
                store::create_dir(&spool)?;
                let left = store::scan(&spool)?;
                if !left.is_empty() {
                    tracing::info!(count = left.len(), "delivering messages left in the spool");
                }
                counters.pending.send_replace(left.len());
                let (queue, receiver) = mpsc::unbounded_channel();
                let worker = deliver::Worker::new(transport, spool, left, receiver, &counters);
                runtime.spawn(worker.run());
                Mode::Smtp { queue }
            }
        };
        Ok(Mailer {
            inner: Arc::new(Inner {
                from,
                dir: settings.dir,
                mode,
                counters,
            }),
        })
    }

    /// Sends `mail`: returns once the message is safely on disk (in the outbox, or in the
    /// spool for the delivery task). An error means nothing was sent.
    pub async fn send(&self, mail: Mail) -> Result<MailId, MailError> {
        let id = MailId::new();
        let built = message::build(&self.inner.from, id, mail)?;
        match &self.inner.mode {
            Mode::Outbox => {
                let dir = self.inner.dir.join(store::OUTBOX);
                let path = store::write_eml(&dir, id, built.bytes).await?;
                tracing::info!(%id, path = %path.display(), "mail written to the outbox");
            }
            Mode::Smtp { queue } => {
                let dir = self.inner.dir.join(store::SPOOL);
                store::write_spooled(&dir, id, &built.envelope, &built.bytes).await?;
                self.inner.counters.pending.send_modify(|n| *n += 1);
                if queue.send(id).is_err() {
                    // The runtime is shutting down; the next start delivers it.
                    tracing::warn!(%id, "mail spooled while the delivery task is stopped");
                }
                tracing::debug!(%id, "mail spooled for delivery");
            }
        }
        Ok(id)
    }

    /// Spooled messages the SMTP server has not accepted yet (always 0 without SMTP).
    pub fn pending(&self) -> usize {
        *self.inner.counters.pending.borrow()
    }

    /// Delivery attempts that failed since this mailer started (for metrics and tests).
    pub fn failed_attempts(&self) -> u64 {
        self.inner.counters.failures.load(Ordering::Relaxed)
    }

    /// Resolves when the spool is empty: every message sent so far has been accepted by the
    /// SMTP server. Immediate without SMTP. Bound it with a timeout on shutdown.
    pub async fn idle(&self) {
        let mut pending = self.inner.counters.pending.subscribe();
        // The sender lives in `self`, so the channel cannot close while we wait.
        let _ = pending.wait_for(|n| *n == 0).await;
    }

    /// The directory holding `outbox/` and `spool/`.
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
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let _guard = rt.enter();
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
