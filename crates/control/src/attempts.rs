//! Attempt counters kept in the control plane, so that every server sharing it shares each
//! allowance: N servers behind a balancer give an attacker the allowance of one, not N times it.
//!
//! A key (what a limit counts: an email, a client address, a site) has one fixed window at a
//! time. Keys are stored as their SHA-256 only: people type passwords into email fields, and a
//! copy of the control database should not hold them. Window ends are wall-clock milliseconds
//! written by the servers, so the servers' clocks are assumed to agree (NTP) to well within a
//! window.
//!
//! Counting takes each key's row lock for the rest of the transaction (the upsert on
//! PostgreSQL, the write lock on SQLite), always in the same key order, so parallel attempts on
//! any server are serialised per key and cannot all pass the check before any is counted.

use crate::{ControlError, ControlPlane};
use silo_store::{Tx, params};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch.
fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// The stored form of a key.
fn key_hash(key: &str) -> String {
    crate::secret::digest(key)
}

/// Brings a key's row into the current window (starting one when it has none or its window
/// ended) and locks it until the transaction ends; returns (window end, count so far).
async fn current_window(
    tx: &mut Tx,
    hash: &str,
    now: i64,
    window: Duration,
) -> Result<(i64, i64), ControlError> {
    let ends = now.saturating_add(ms(window));
    let row = tx
        .fetch_one(
            "INSERT INTO attempt_counts (key_hash, window_ends, count) VALUES ($1, $2, 0)
             ON CONFLICT (key_hash) DO UPDATE SET
               count = CASE WHEN attempt_counts.window_ends <= $3 THEN 0
                            ELSE attempt_counts.count END,
               window_ends = CASE WHEN attempt_counts.window_ends <= $3 THEN $2
                                  ELSE attempt_counts.window_ends END
             RETURNING window_ends, count",
            params![hash, ends, now],
        )
        .await?;
    Ok((row.get("window_ends")?, row.get("count")?))
}

/// Allowance granted by [`ControlPlane::lease_allowance`] for one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lease {
    /// Attempts granted (0 when the key is at its limit for the rest of its window).
    pub granted: u32,
    /// Time left in the key's window: the lease is void after it.
    pub left: Duration,
}

impl ControlPlane {
    /// Counts one attempt against every `(key, limit)` in a window of `window`, or against
    /// none when any key is at its limit: then `Ok(Err(wait))`, the time until the latest of
    /// the refusing windows ends.
    pub async fn count_attempt(
        &self,
        keys: &[(&str, u32)],
        window: Duration,
    ) -> Result<Result<(), Duration>, ControlError> {
        let now = now_ms();
        let mut hashed: Vec<(String, u32)> = keys.iter().map(|(k, l)| (key_hash(k), *l)).collect();
        // One order for every caller, so two transactions never wait on each other's rows.
        hashed.sort();
        hashed.dedup_by(|a, b| a.0 == b.0);
        let mut tx = self.db.begin().await?;
        let mut wait: Option<i64> = None;
        for (hash, limit) in &hashed {
            let (ends, count) = current_window(&mut tx, hash, now, window).await?;
            if count >= i64::from(*limit) {
                let left = ends.saturating_sub(now).max(1);
                wait = Some(wait.map_or(left, |w| w.max(left)));
            }
        }
        if let Some(wait) = wait {
            // Dropped without commit: nothing is counted, no row is added.
            return Ok(Err(Duration::from_millis(u64::try_from(wait).unwrap_or(1))));
        }
        for (hash, _) in &hashed {
            tx.execute(
                "UPDATE attempt_counts SET count = count + 1 WHERE key_hash = $1",
                params![hash.as_str()],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// Takes up to `want` attempts of each `(key, limit, want)` for the rest of its window, as
    /// many as the limit leaves. Leases are not given back: what a holder does not use is lost
    /// when the window ends, so all holders together never pass the limit.
    pub async fn lease_allowance(
        &self,
        keys: &[(&str, u32, u32)],
        window: Duration,
    ) -> Result<Vec<Lease>, ControlError> {
        let now = now_ms();
        let mut order: Vec<(usize, String)> = keys
            .iter()
            .enumerate()
            .map(|(i, (k, _, _))| (i, key_hash(k)))
            .collect();
        order.sort_by(|a, b| a.1.cmp(&b.1));
        let mut leases = vec![
            Lease {
                granted: 0,
                left: window,
            };
            keys.len()
        ];
        let mut tx = self.db.begin().await?;
        for (i, hash) in &order {
            let (_, limit, want) = keys[*i];
            let (ends, count) = current_window(&mut tx, hash, now, window).await?;
            let free = (i64::from(limit) - count).clamp(0, i64::from(want));
            if free > 0 {
                tx.execute(
                    "UPDATE attempt_counts SET count = count + $2 WHERE key_hash = $1",
                    params![hash.as_str(), free],
                )
                .await?;
            }
            leases[*i] = Lease {
                granted: u32::try_from(free).unwrap_or(0),
                left: Duration::from_millis(u64::try_from(ends.saturating_sub(now)).unwrap_or(0)),
            };
        }
        tx.commit().await?;
        Ok(leases)
    }

    /// Gives back one attempt of `key` (it turned out not to be a guess).
    pub async fn give_back_attempt(&self, key: &str) -> Result<(), ControlError> {
        self.db
            .execute(
                "UPDATE attempt_counts SET count = count - 1 WHERE key_hash = $1 AND count > 0",
                params![key_hash(key)],
            )
            .await?;
        Ok(())
    }

    /// Forgets `key`'s count (a successful login clears its email's count).
    pub async fn forget_attempts(&self, key: &str) -> Result<(), ControlError> {
        self.db
            .execute(
                "DELETE FROM attempt_counts WHERE key_hash = $1",
                params![key_hash(key)],
            )
            .await?;
        Ok(())
    }

    /// Deletes the windows that have ended; returns how many.
    pub async fn prune_attempts(&self) -> Result<u64, ControlError> {
        Ok(self
            .db
            .execute(
                "DELETE FROM attempt_counts WHERE window_ends <= $1",
                params![now_ms()],
            )
            .await?)
    }

    /// Windows currently stored, ended or not (for tests and metrics).
    pub async fn attempt_rows(&self) -> Result<i64, ControlError> {
        Ok(self
            .db
            .fetch_one("SELECT COUNT(*) AS n FROM attempt_counts", &[])
            .await?
            .get("n")?)
    }
}
