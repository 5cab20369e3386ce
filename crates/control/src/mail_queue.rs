//! The deployment's mail queue: messages about identities (verification links, invitations,
//! password resets) waiting for SMTP delivery by a background worker. Mail belongs to no
//! company, so it lives here; every `silo serve` and `silo worker` of the deployment can deliver
//! it, whichever machine queued it.
//!
//! A message is queued fully built (envelope and RFC 5322 bytes). Workers claim due messages
//! with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL, the write lock on SQLite), so no two
//! deliver the same message at once. Once a message is sent or dropped its body is cleared (it
//! carries secret links); a dead letter keeps it for a while so an operator can retry it, then
//! loses it too. Rows are never deleted.
//!
//! Nothing here logs or returns in an error a recipient, a subject or a body.

use crate::{ControlError, ControlPlane};
use serde::Serialize;
use silo_store::{Dialect, Row, StoreError, Timestamp, params};
use std::time::Duration;
use uuid::Uuid;

/// Where a queued message stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MailState {
    /// Waiting for its (next) attempt, or being delivered under a worker's lease.
    Pending,
    /// Accepted by the SMTP server.
    Sent,
    /// Attempts used up, or refused for good by the server.
    Dead,
    /// Given up by an operator.
    Dropped,
}

impl MailState {
    /// Every state, in this order.
    pub const ALL: [MailState; 4] = [
        MailState::Pending,
        MailState::Sent,
        MailState::Dead,
        MailState::Dropped,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            MailState::Pending => "pending",
            MailState::Sent => "sent",
            MailState::Dead => "dead",
            MailState::Dropped => "dropped",
        }
    }

    /// The state of a stored name.
    pub fn parse(s: &str) -> Option<MailState> {
        MailState::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// A built message to queue.
#[derive(Clone, PartialEq, Eq)]
pub struct NewMail {
    /// The message's id: its `Message-ID`'s local part (UUIDv7).
    pub id: Uuid,
    /// The envelope sender (`MAIL FROM`); `None` for the null sender.
    pub sender: Option<String>,
    /// The envelope recipients (`RCPT TO`).
    pub recipients: Vec<String>,
    /// The RFC 5322 message.
    pub message: Vec<u8>,
}

impl std::fmt::Debug for NewMail {
    // The message holds secret links; the recipients are personal data.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewMail")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// A message a worker claimed: its to deliver until `locked_until`.
#[derive(Clone, PartialEq, Eq)]
pub struct ClaimedMail {
    /// The message, as queued.
    pub mail: NewMail,
    /// Attempts started, this one included.
    pub attempts: i64,
    /// When it was queued.
    pub created_at: Timestamp,
}

impl std::fmt::Debug for ClaimedMail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClaimedMail")
            .field("id", &self.mail.id)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

/// A queued message as an operator sees it: no recipient, subject or body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MailRecord {
    /// The message's id (its `Message-ID`'s local part).
    pub id: Uuid,
    /// Where it stands.
    pub state: MailState,
    /// Attempts started.
    pub attempts: i64,
    /// When it may be attempted (next).
    pub due_at: Timestamp,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// Whether its body is still kept (pending, and dead letters for a while).
    pub has_body: bool,
    /// Queued.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
    /// Accepted by the SMTP server.
    pub sent_at: Option<Timestamp>,
}

/// How many messages are in each state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MailCounts {
    /// Waiting or being delivered.
    pub pending: i64,
    /// Sent.
    pub sent: i64,
    /// Dead letters.
    pub dead: i64,
    /// Dropped by an operator.
    pub dropped: i64,
}

impl MailCounts {
    /// The count of `state`.
    pub fn of(&self, state: MailState) -> i64 {
        match state {
            MailState::Pending => self.pending,
            MailState::Sent => self.sent,
            MailState::Dead => self.dead,
            MailState::Dropped => self.dropped,
        }
    }
}

/// What an operator's retry or drop of a message came to.
#[derive(Debug, thiserror::Error)]
pub enum MailChangeError {
    /// No message has this id.
    #[error("no queued mail has this id")]
    NotFound,
    /// The message is not in a state this change applies to (the message says which).
    #[error("{0}")]
    Refused(String),
    /// The control plane failed.
    #[error(transparent)]
    Control(#[from] ControlError),
}

const RECORD_COLUMNS: &str = "id, state, attempts, due_at, last_error, \
     CASE WHEN message IS NULL THEN 0 ELSE 1 END AS has_body, created_at, updated_at, sent_at";

fn later(at: Timestamp, by: Duration) -> Timestamp {
    Timestamp::from_datetime(at.datetime() + by)
}

fn state_of(row: &Row) -> Result<MailState, StoreError> {
    let text: String = row.get("state")?;
    MailState::parse(&text).ok_or_else(|| StoreError::Decode {
        column: "state".into(),
        reason: format!("unknown mail state {text:?}"),
    })
}

fn record(row: &Row) -> Result<MailRecord, StoreError> {
    let has_body: i64 = row.get("has_body")?;
    Ok(MailRecord {
        id: row.get("id")?,
        state: state_of(row)?,
        attempts: row.get("attempts")?,
        due_at: row.get("due_at")?,
        last_error: row.get("last_error")?,
        has_body: has_body != 0,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
        sent_at: row.get("sent_at")?,
    })
}

/// Errors are kept short: they are shown to operators and in metrics-adjacent logs.
fn short(error: &str) -> String {
    error.chars().take(500).collect()
}

impl ControlPlane {
    /// Queues a built message, due at once. A message already queued under the same id is left
    /// as it is (queueing is idempotent: a spool file moved in twice is sent once); returns
    /// whether this call queued it.
    pub async fn queue_mail(&self, mail: &NewMail) -> Result<bool, ControlError> {
        let now = Timestamp::now();
        let queued = self
            .db
            .execute(
                "INSERT INTO mail_queue (id, sender, recipient, message, state, attempts, due_at, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5, $5) ON CONFLICT (id) DO NOTHING",
                params![
                    mail.id,
                    mail.sender.as_deref(),
                    mail.recipients.join("\n"),
                    mail.message.as_slice(),
                    now
                ],
            )
            .await?;
        Ok(queued == 1)
    }

    /// Claims up to `limit` due messages for `worker`, for `lease`, oldest first: pending ones
    /// that are due and not under a live lease (a lease that ran out is a worker that died:
    /// the message is tried again). Each claim counts an attempt.
    pub async fn claim_mail(
        &self,
        worker: &str,
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<ClaimedMail>, ControlError> {
        let now = Timestamp::now();
        let skip_locked = match self.db.dialect() {
            Dialect::Postgres => "FOR UPDATE SKIP LOCKED",
            Dialect::Sqlite => "",
        };
        let sql = silo_store::Sql::assembled(format!(
            "UPDATE mail_queue SET locked_by = $1, locked_until = $2, attempts = attempts + 1, updated_at = $3
             WHERE id IN (
                 SELECT id FROM mail_queue
                 WHERE state = 'pending' AND due_at <= $3 AND message IS NOT NULL
                   AND (locked_until IS NULL OR locked_until < $3)
                 ORDER BY due_at, id LIMIT $4 {skip_locked})
             RETURNING id, sender, recipient, message, attempts, created_at"
        ));
        let mut tx = self.db.begin().await?;
        let rows = tx
            .fetch_all(sql, params![worker, later(now, lease), now, limit])
            .await?;
        tx.commit().await?;
        let mut claimed = rows
            .iter()
            .map(|r| {
                let recipient: String = r.get("recipient")?;
                Ok(ClaimedMail {
                    mail: NewMail {
                        id: r.get("id")?,
                        sender: r.get("sender")?,
                        recipients: recipient.lines().map(str::to_owned).collect(),
                        message: r.get("message")?,
                    },
                    attempts: r.get("attempts")?,
                    created_at: r.get("created_at")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        claimed.sort_by_key(|c| c.mail.id);
        Ok(claimed)
    }

    /// Extends `worker`'s lease on a claimed message to `lease` from now, right before sending
    /// it; `false` when the lease was lost (it ran out and another worker took the message, or
    /// an operator dropped it): then it must not be sent.
    pub async fn renew_mail(
        &self,
        id: Uuid,
        worker: &str,
        lease: Duration,
    ) -> Result<bool, ControlError> {
        let now = Timestamp::now();
        let renewed = self
            .db
            .execute(
                "UPDATE mail_queue SET locked_until = $1, updated_at = $2 \
                 WHERE id = $3 AND locked_by = $4 AND state = 'pending'",
                params![later(now, lease), now, id, worker],
            )
            .await?;
        Ok(renewed == 1)
    }

    /// The SMTP server accepted a message `worker` claimed: sent, and its body cleared.
    pub async fn mail_sent(&self, id: Uuid, worker: &str) -> Result<(), ControlError> {
        let now = Timestamp::now();
        self.db
            .execute(
                "UPDATE mail_queue SET state = 'sent', message = NULL, locked_by = NULL, locked_until = NULL, \
                 last_error = NULL, sent_at = $1, updated_at = $1 \
                 WHERE id = $2 AND locked_by = $3 AND state = 'pending'",
                params![now, id, worker],
            )
            .await?;
        Ok(())
    }

    /// An attempt on a message `worker` claimed failed: it is tried again at `retry_at`, or,
    /// with `None`, it becomes a dead letter (its body kept for an operator's retry until
    /// [`ControlPlane::clear_dead_mail`] clears it).
    pub async fn mail_failed(
        &self,
        id: Uuid,
        worker: &str,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> Result<(), ControlError> {
        let now = Timestamp::now();
        let (state, due) = match retry_at {
            Some(at) => ("pending", at),
            None => ("dead", now),
        };
        self.db
            .execute(
                "UPDATE mail_queue SET state = $1, due_at = $2, locked_by = NULL, locked_until = NULL, \
                 last_error = $3, updated_at = $4 \
                 WHERE id = $5 AND locked_by = $6 AND state = 'pending'",
                params![state, due, short(error), now, id, worker],
            )
            .await?;
        Ok(())
    }

    /// A message `worker` claimed but did not start (it is stopping): due again at once, its
    /// attempt not counted.
    pub async fn release_mail(&self, id: Uuid, worker: &str) -> Result<(), ControlError> {
        self.db
            .execute(
                "UPDATE mail_queue SET locked_by = NULL, locked_until = NULL, attempts = attempts - 1, updated_at = $1 \
                 WHERE id = $2 AND locked_by = $3 AND state = 'pending'",
                params![Timestamp::now(), id, worker],
            )
            .await?;
        Ok(())
    }

    /// Clears the body of dead letters that have been dead since before `dead_before`; returns
    /// how many. They stay listed, and can no longer be retried.
    pub async fn clear_dead_mail(&self, dead_before: Timestamp) -> Result<u64, ControlError> {
        Ok(self
            .db
            .execute(
                "UPDATE mail_queue SET message = NULL \
                 WHERE state = 'dead' AND message IS NOT NULL AND updated_at < $1",
                params![dead_before],
            )
            .await?)
    }

    /// Queues a dead letter again, due now, with a fresh count of attempts (an operator's
    /// `silo jobs retry --mail`). Refused once its body is cleared.
    pub async fn retry_mail(&self, id: Uuid) -> Result<MailRecord, MailChangeError> {
        let now = Timestamp::now();
        let sql = silo_store::Sql::assembled(format!(
            "UPDATE mail_queue SET state = 'pending', attempts = 0, due_at = $1, updated_at = $1 \
             WHERE id = $2 AND state = 'dead' AND message IS NOT NULL RETURNING {RECORD_COLUMNS}"
        ));
        let row = self
            .db
            .fetch_optional(sql, params![now, id])
            .await
            .map_err(ControlError::from)?;
        match row {
            Some(row) => Ok(record(&row).map_err(ControlError::from)?),
            None => Err(match self.mail(id).await? {
                None => MailChangeError::NotFound,
                Some(m) if m.state == MailState::Dead => MailChangeError::Refused(
                    "this dead letter's body has been cleared; it cannot be sent again".into(),
                ),
                Some(_) => MailChangeError::Refused("only a dead letter can be retried".into()),
            }),
        }
    }

    /// Gives up on a pending or dead message (an operator's `silo jobs drop --mail`): it is
    /// kept as dropped, its body cleared, and never sent. A message being sent right now may
    /// still arrive.
    pub async fn drop_mail(&self, id: Uuid) -> Result<MailRecord, MailChangeError> {
        let sql = silo_store::Sql::assembled(format!(
            "UPDATE mail_queue SET state = 'dropped', message = NULL, locked_by = NULL, locked_until = NULL, \
             updated_at = $1 WHERE id = $2 AND state IN ('pending', 'dead') RETURNING {RECORD_COLUMNS}"
        ));
        let row = self
            .db
            .fetch_optional(sql, params![Timestamp::now(), id])
            .await
            .map_err(ControlError::from)?;
        match row {
            Some(row) => Ok(record(&row).map_err(ControlError::from)?),
            None => Err(match self.mail(id).await? {
                None => MailChangeError::NotFound,
                Some(_) => {
                    MailChangeError::Refused("only a pending or dead message can be dropped".into())
                }
            }),
        }
    }

    /// One queued message, as an operator sees it.
    pub async fn mail(&self, id: Uuid) -> Result<Option<MailRecord>, ControlError> {
        let sql = silo_store::Sql::assembled(format!(
            "SELECT {RECORD_COLUMNS} FROM mail_queue WHERE id = $1"
        ));
        match self.db.fetch_optional(sql, params![id]).await? {
            Some(row) => Ok(Some(record(&row)?)),
            None => Ok(None),
        }
    }

    /// Queued messages newest first, optionally in one state.
    pub async fn list_mail(
        &self,
        state: Option<MailState>,
        limit: i64,
    ) -> Result<Vec<MailRecord>, ControlError> {
        let sql = silo_store::Sql::assembled(format!(
            "SELECT {RECORD_COLUMNS} FROM mail_queue WHERE ($1 IS NULL OR state = $1) \
             ORDER BY id DESC LIMIT $2"
        ));
        let rows = self
            .db
            .fetch_all(sql, params![state.map(MailState::as_str), limit])
            .await?;
        Ok(rows.iter().map(record).collect::<Result<_, _>>()?)
    }

    /// Messages per state.
    pub async fn mail_counts(&self) -> Result<MailCounts, ControlError> {
        self.count_mail("SELECT state, COUNT(*) AS n FROM mail_queue GROUP BY state")
            .await
    }

    /// Pending messages and dead letters (the others count 0): what a worker watches, read from
    /// the index without counting the ever-growing sent ones.
    pub async fn mail_backlog(&self) -> Result<MailCounts, ControlError> {
        self.count_mail(
            "SELECT state, COUNT(*) AS n FROM mail_queue WHERE state IN ('pending', 'dead') \
             GROUP BY state",
        )
        .await
    }

    async fn count_mail(&self, sql: &'static str) -> Result<MailCounts, ControlError> {
        let rows = self.db.fetch_all(sql, &[]).await?;
        let mut counts = MailCounts::default();
        for row in rows {
            let n: i64 = row.get("n")?;
            match state_of(&row)? {
                MailState::Pending => counts.pending = n,
                MailState::Sent => counts.sent = n,
                MailState::Dead => counts.dead = n,
                MailState::Dropped => counts.dropped = n,
            }
        }
        Ok(counts)
    }
}
