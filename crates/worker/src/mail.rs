//! Mail through the worker. [`Postbox::send`] is where a message goes one way or the other:
//! without SMTP it is written as an `.eml` file to the outbox at once (development, tests, a
//! first run); with SMTP it is queued in the control plane's mail queue (deployment-level:
//! mail about identities belongs to no company) and the worker in this process is woken. Any
//! worker of the deployment with SMTP configured then delivers it: it claims due messages with
//! a lease, sends each once over SMTP, and marks it sent (its body cleared), or retries it with
//! the jobs' backoff until `max_attempts`, then makes it a dead letter.
//!
//! Nothing here logs a body, a subject or a recipient: messages are named by their id.

use crate::{Worker, backoff, later};
use silo_control::{ClaimedMail, ControlError, ControlPlane, NewMail};
use silo_mail::spool::{self, Taken};
use silo_mail::{Mail, MailError, MailId, Mailer, Outgoing, Transport};
use silo_store::Timestamp;
use std::sync::Arc;

/// Why a message could not be sent or queued: nothing was sent.
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    /// The message could not be built or written to the outbox.
    #[error(transparent)]
    Mail(#[from] MailError),
    /// The mail queue refused it (the control plane is unreachable).
    #[error("the mail queue: {0}")]
    Queue(#[from] ControlError),
}

/// Sends the deployment's mail: to the outbox without SMTP, into the mail queue with it.
/// Cheap to clone.
#[derive(Clone, Debug)]
pub struct Postbox {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    mailer: Mailer,
    control: ControlPlane,
    nudge: crate::Nudge,
}

fn queued(mail: &Outgoing) -> NewMail {
    NewMail {
        id: mail.id.uuid(),
        sender: mail.sender.clone(),
        recipients: mail.recipients.clone(),
        message: mail.message.clone(),
    }
}

impl Postbox {
    /// Sends with `mailer`'s settings, queueing in `control`'s mail queue and waking the worker
    /// `nudge` reaches (a process without a worker passes any: other processes' workers find
    /// the message at their next look at the queue).
    pub fn new(mailer: Mailer, control: ControlPlane, nudge: crate::Nudge) -> Postbox {
        Postbox {
            inner: Arc::new(Inner {
                mailer,
                control,
                nudge,
            }),
        }
    }

    /// The mailer (its settings and transport).
    pub fn mailer(&self) -> &Mailer {
        &self.inner.mailer
    }

    /// Whether messages are queued for SMTP delivery (else they are written to the outbox).
    pub fn queues(&self) -> bool {
        self.inner.mailer.smtp().is_some()
    }

    /// Sends `mail`: returns once the message is durable, as a file in the outbox (no SMTP) or
    /// a row in the mail queue (SMTP; a worker delivers it). An error means nothing was sent.
    pub async fn send(&self, mail: Mail) -> Result<MailId, PostError> {
        let built = self.inner.mailer.build(mail)?;
        let id = built.id;
        if self.queues() {
            self.inner.control.queue_mail(&queued(&built)).await?;
            self.inner.nudge.wake();
            tracing::debug!(%id, "mail queued for delivery");
        } else {
            self.inner.mailer.write_outbox(built).await?;
        }
        Ok(id)
    }

    /// Moves the messages an older version left in `<mail dir>/spool/` into the mail queue
    /// (queueing is idempotent by message id, so a file moved twice is sent once), deletes
    /// their files and, when nothing is left, the spool directory. A file that cannot be moved
    /// now stays for the next start. Returns how many were moved.
    pub async fn take_over_spool(&self) -> Result<usize, PostError> {
        let dir = self.inner.mailer.dir().to_owned();
        let ids = spool::scan(&dir)?;
        let mut moved = 0;
        for id in ids {
            match spool::take(&dir, id) {
                Ok(Taken::Message(spooled)) => {
                    self.inner
                        .control
                        .queue_mail(&queued(&spooled.mail))
                        .await?;
                    moved += 1;
                    if let Err(e) = spooled.remove() {
                        // Queued already: moving it again at the next start changes nothing.
                        tracing::warn!(%id, error = %e, "a spool file moved into the mail queue could not be deleted");
                    }
                }
                Ok(Taken::Gone) => {}
                Ok(Taken::Busy) => {
                    tracing::info!(%id, "a spool file is held by another process (an older version delivering it); left to it");
                }
                Ok(Taken::Damaged(reason)) => {
                    tracing::error!(%id, %reason, "damaged mail spool file moved aside as .bad; not delivered");
                }
                Err(e) => {
                    tracing::warn!(%id, error = %e, "cannot read a mail spool file; it stays for the next start");
                }
            }
        }
        spool::remove_if_empty(&dir);
        if moved > 0 {
            tracing::info!(
                count = moved,
                "messages an older version left in the mail spool are in the mail queue now"
            );
            self.inner.nudge.wake();
        }
        Ok(moved)
    }
}

impl Worker {
    /// Claims due messages from the mail queue and sends them; whether any was claimed.
    /// Without SMTP this worker leaves the queue to others.
    pub(crate) async fn deliver_mail(&self) -> bool {
        let Some(transport) = &self.smtp else {
            return false;
        };
        if self.stopping() {
            return false;
        }
        let control = self.tenancy.control();
        let claimed = match control
            .claim_mail(&self.config.id, self.config.job_lease, self.config.batch)
            .await
        {
            Ok(claimed) => claimed,
            Err(e) => {
                tracing::warn!(error = %e, "the mail queue is unreachable");
                return false;
            }
        };
        if claimed.is_empty() {
            return false;
        }
        for mail in claimed {
            if self.stopping() {
                // Not started: due again at once, for this or another worker.
                if let Err(e) = control.release_mail(mail.mail.id, &self.config.id).await {
                    tracing::warn!(mail = %mail.mail.id, error = %e, "cannot release a message; its lease will run out");
                }
                continue;
            }
            self.send_one(control, transport, &mail).await;
        }
        self.note_mail_counts().await;
        true
    }

    async fn send_one(&self, control: &ControlPlane, transport: &Transport, claimed: &ClaimedMail) {
        let id = claimed.mail.id;
        let worker = self.config.id.as_str();
        // The lease runs from the claim; renewing it right before sending means no other worker
        // can have taken this message over meanwhile (it would have changed `locked_by`).
        match control.renew_mail(id, worker, self.config.job_lease).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::debug!(mail = %id, "a claimed message was taken over or dropped; not sent");
                return;
            }
            Err(e) => {
                tracing::warn!(mail = %id, error = %e, "cannot renew a message's lease; not sent now");
                return;
            }
        }
        let outgoing = Outgoing {
            id: MailId::from_uuid(id),
            sender: claimed.mail.sender.clone(),
            recipients: claimed.mail.recipients.clone(),
            message: claimed.mail.message.clone(),
        };
        let recorded = match transport.send(&outgoing).await {
            Ok(()) => {
                self.metrics.mail("sent");
                let waited = Timestamp::now().unix_seconds() - claimed.created_at.unix_seconds();
                self.metrics.mail_delivered_after(waited as f64);
                tracing::info!(mail = %id, attempts = claimed.attempts, "mail delivered");
                control.mail_sent(id, worker).await
            }
            Err(e) if !e.permanent && claimed.attempts < self.config.max_attempts => {
                self.metrics.mail("retry");
                let wait = backoff::delay(
                    claimed.attempts,
                    self.config.retry_base,
                    self.config.retry_cap,
                );
                tracing::warn!(
                    mail = %id,
                    error = %e,
                    attempts = claimed.attempts,
                    retry_in_secs = wait.as_secs(),
                    "mail delivery failed; will retry"
                );
                control
                    .mail_failed(id, worker, &e.reason, Some(later(wait)))
                    .await
            }
            Err(e) => {
                self.metrics.mail("dead");
                tracing::warn!(
                    mail = %id,
                    error = %e,
                    attempts = claimed.attempts,
                    "mail dead-lettered"
                );
                control.mail_failed(id, worker, &e.reason, None).await
            }
        };
        if let Err(e) = recorded {
            // Its lease runs out and it is tried again: at least once, never lost.
            tracing::warn!(mail = %id, error = %e, "cannot record a message's outcome");
        }
    }

    /// Clears the bodies of dead letters older than `dead_mail_keep` and refreshes the queue's
    /// gauges. Run now and then, whether or not this worker sends mail.
    pub(crate) async fn tend_mail(&self) {
        let control = self.tenancy.control();
        let before =
            Timestamp::from_datetime(Timestamp::now().datetime() - self.config.dead_mail_keep);
        match control.clear_dead_mail(before).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(count = n, "bodies of old dead letters cleared"),
            Err(e) => tracing::warn!(error = %e, "cannot clear old dead letters"),
        }
        if let Some(counts) = self.note_mail_counts().await
            && self.smtp.is_none()
            && counts.pending > 0
            && !self
                .warned_no_smtp
                .swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            tracing::warn!(
                pending = counts.pending,
                "messages wait in the mail queue, but this worker has no SMTP server configured to deliver them"
            );
        }
    }

    async fn note_mail_counts(&self) -> Option<silo_control::MailCounts> {
        match self.tenancy.control().mail_backlog().await {
            Ok(counts) => {
                self.metrics.mail_queue(&counts);
                Some(counts)
            }
            Err(e) => {
                tracing::debug!(error = %e, "cannot count the mail queue");
                None
            }
        }
    }
}
