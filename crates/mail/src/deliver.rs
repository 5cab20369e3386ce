//! The delivery task: sends spooled messages over SMTP, each on its own retry schedule
//! (capped exponential backoff, forever), and deletes a spool file only after the server
//! accepted the message.

use crate::store::{self, Claim};
use crate::{Counters, MailError, MailId};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

type Transport = AsyncSmtpTransport<Tokio1Executor>;

/// The first retry waits this long; each further one twice as long as the one before...
const FIRST_RETRY: Duration = Duration::from_secs(1);
/// ...up to this.
const MAX_RETRY: Duration = Duration::from_secs(300);

/// The SMTP transport for `url`; errors name the problem, never the URL (it may hold a
/// password).
pub(crate) fn transport(url: &str) -> Result<Transport, MailError> {
    let parsed = url::Url::parse(url).map_err(|e| MailError::Settings(format!("SMTP URL: {e}")))?;
    if !matches!(parsed.scheme(), "smtp" | "smtps") {
        return Err(MailError::Settings(format!(
            "SMTP URL: the scheme must be smtp or smtps, not {:?}",
            parsed.scheme()
        )));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(MailError::Settings("SMTP URL: no host".into()));
    }
    let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map_err(|e| MailError::Settings(format!("SMTP URL: {e}")))?;
    Ok(builder.build())
}

/// A message waiting for its next attempt.
struct Entry {
    due: Instant,
    failures: u32,
}

/// The task's state; it owns the queue, the handles only feed it ids.
pub(crate) struct Worker {
    transport: Transport,
    spool: PathBuf,
    queue: BTreeMap<MailId, Entry>,
    incoming: mpsc::UnboundedReceiver<MailId>,
    counters: Arc<Counters>,
}

/// What one attempt came to.
enum Outcome {
    /// Off our hands: accepted by the server, already delivered by someone else, or moved
    /// aside as damaged.
    Done,
    /// Try again later.
    Retry,
}

impl Worker {
    pub(crate) fn new(
        transport: Transport,
        spool: PathBuf,
        left: Vec<MailId>,
        incoming: mpsc::UnboundedReceiver<MailId>,
        counters: &Arc<Counters>,
    ) -> Worker {
        let now = Instant::now();
        Worker {
            transport,
            spool,
            queue: left
                .into_iter()
                .map(|id| {
                    (
                        id,
                        Entry {
                            due: now,
                            failures: 0,
                        },
                    )
                })
                .collect(),
            incoming,
            counters: counters.clone(),
        }
    }

    /// Runs until every [`crate::Mailer`] handle is gone.
    pub(crate) async fn run(mut self) {
        loop {
            let next = self.queue.values().map(|e| e.due).min();
            tokio::select! {
                biased;
                received = self.incoming.recv() => match received {
                    Some(id) => {
                        self.queue.insert(id, Entry { due: Instant::now(), failures: 0 });
                    }
                    None => return,
                },
                () = sleep_until(next) => self.attempt_due().await,
            }
        }
    }

    /// One attempt for each message that is due, oldest first.
    async fn attempt_due(&mut self) {
        let now = Instant::now();
        let due: Vec<MailId> = self
            .queue
            .iter()
            .filter(|(_, e)| e.due <= now)
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            match self.attempt(id).await {
                Outcome::Done => {
                    self.queue.remove(&id);
                    self.counters
                        .pending
                        .send_modify(|n| *n = n.saturating_sub(1));
                }
                Outcome::Retry => {
                    if let Some(entry) = self.queue.get_mut(&id) {
                        entry.failures = entry.failures.saturating_add(1);
                        entry.due = Instant::now() + backoff(entry.failures);
                    }
                }
            }
        }
    }

    async fn attempt(&self, id: MailId) -> Outcome {
        let spool = self.spool.clone();
        let claim = tokio::task::spawn_blocking(move || store::claim(&spool, id)).await;
        let claimed = match claim {
            Ok(Ok(Claim::Claimed(claimed))) => claimed,
            Ok(Ok(Claim::Gone)) => return Outcome::Done,
            Ok(Ok(Claim::Busy)) => return Outcome::Retry,
            Ok(Ok(Claim::Damaged(reason))) => {
                tracing::error!(%id, %reason, "damaged mail spool file moved aside as .bad; not delivered");
                return Outcome::Done;
            }
            Ok(Err(e)) => {
                self.failed(id, &e);
                return Outcome::Retry;
            }
            Err(e) => {
                self.failed(id, &e);
                return Outcome::Retry;
            }
        };
        match self
            .transport
            .send_raw(&claimed.envelope, &claimed.message)
            .await
        {
            Ok(_) => {
                tracing::info!(%id, "mail delivered");
                let removed = tokio::task::spawn_blocking(move || claimed.delivered()).await;
                if !matches!(removed, Ok(Ok(()))) {
                    // Delivered, but the file stays: a restart would send it again.
                    tracing::error!(%id, "mail delivered but its spool file could not be deleted");
                }
                Outcome::Done
            }
            Err(e) => {
                self.failed(id, &e);
                Outcome::Retry
            }
        }
    }

    fn failed(&self, id: MailId, error: &dyn std::fmt::Display) {
        let failures = self.counters.failures.fetch_add(1, Ordering::Relaxed) + 1;
        let retry_in = self
            .queue
            .get(&id)
            .map_or(FIRST_RETRY, |e| backoff(e.failures.saturating_add(1)));
        tracing::warn!(
            %id,
            %error,
            retry_in_secs = retry_in.as_secs(),
            failures_since_start = failures,
            "mail delivery failed; will retry"
        );
    }
}

/// The wait after the `failures`-th failure in a row.
fn backoff(failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(16);
    FIRST_RETRY.saturating_mul(1 << doublings).min(MAX_RETRY)
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let waits: Vec<u64> = (1..=12).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]);
        assert_eq!(backoff(u32::MAX), MAX_RETRY);
    }

    #[test]
    fn smtp_urls() {
        for ok in [
            "smtp://127.0.0.1:2525",
            "smtps://user:pass@smtp.example.com",
            "smtp://user:pass@smtp.example.com:587?tls=required",
        ] {
            assert!(transport(ok).is_ok(), "{ok}");
        }
        for bad in [
            "https://smtp.example.com",
            "smtp://",
            "smtp://h?tls=sometimes",
        ] {
            assert!(transport(bad).is_err(), "{bad}");
        }
    }
}
