//! Password hashing and verification with bounded work.
//!
//! Each Argon2 run takes about 19 MiB and a core for tens of milliseconds. Unbounded, a few
//! hundred parallel logins or signups exhaust memory; so every run needs a slot from a
//! semaphore sized to the cores, and a request that gets none within a short wait answers
//! `503 busy` instead of queueing without end.

use crate::error::ApiError;
use silo_auth::password::{self, Password};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How much password work may run at once.
#[derive(Clone, Copy, Debug)]
pub struct PasswordLimits {
    /// Argon2 runs at once.
    pub slots: usize,
    /// How long a request waits for a slot before answering `503 busy`.
    pub wait: Duration,
}

impl Default for PasswordLimits {
    /// One slot per core, two seconds' wait.
    fn default() -> Self {
        PasswordLimits {
            slots: std::thread::available_parallelism().map_or(1, |n| n.get()),
            wait: Duration::from_secs(2),
        }
    }
}

/// Hashes and verifies passwords, at most [`PasswordLimits::slots`] at a time, off the async
/// workers.
#[derive(Debug)]
pub struct Passwords {
    slots: Arc<Semaphore>,
    limits: PasswordLimits,
    hashes: Arc<AtomicU64>,
    verifications: Arc<AtomicU64>,
}

/// Every slot, held until dropped (see [`Passwords::hold_every_slot`]).
#[derive(Debug)]
pub struct HeldSlots(#[allow(dead_code, reason = "held for its Drop")] OwnedSemaphorePermit);

impl Passwords {
    /// Password work within these limits (at least one slot).
    pub fn new(limits: PasswordLimits) -> Self {
        let limits = PasswordLimits {
            slots: limits.slots.max(1),
            ..limits
        };
        Passwords {
            slots: Arc::new(Semaphore::new(limits.slots)),
            limits,
            hashes: Arc::new(AtomicU64::new(0)),
            verifications: Arc::new(AtomicU64::new(0)),
        }
    }

    async fn slot(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        match tokio::time::timeout(self.limits.wait, self.slots.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            // Closed never happens (the semaphore is never closed); answer as busy all the same.
            Ok(Err(_)) | Err(_) => Err(ApiError::Busy {
                retry_after: self.limits.wait.as_secs().max(1),
            }),
        }
    }

    /// A PHC string of `password` (Argon2id, fresh salt); `503 busy` when no slot frees up in
    /// time.
    pub async fn hash(&self, password: Password) -> Result<String, ApiError> {
        let permit = self.slot().await?;
        let hashes = self.hashes.clone();
        // The permit moves into the blocking task: if the request is dropped while Argon2
        // runs, the slot stays taken until the work itself ends.
        tokio::task::spawn_blocking(move || {
            hashes.fetch_add(1, Ordering::Relaxed);
            let hashed = password::hash(&password);
            drop(permit);
            hashed
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Internal(e.to_string()))
    }

    /// Whether `password` matches `hash`; with no hash (unknown account) a dummy of the same
    /// cost is verified and `false` answered. `503 busy` when no slot frees up in time.
    pub async fn verify(&self, password: Password, hash: Option<String>) -> Result<bool, ApiError> {
        let permit = self.slot().await?;
        let verifications = self.verifications.clone();
        tokio::task::spawn_blocking(move || {
            verifications.fetch_add(1, Ordering::Relaxed);
            let valid = password::verify(&password, hash.as_deref());
            drop(permit);
            valid
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))
    }

    /// Argon2 verifications run since start (dummy ones for unknown accounts included).
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    /// Hashes made since start.
    pub fn hashes(&self) -> u64 {
        self.hashes.load(Ordering::Relaxed)
    }

    /// Takes every slot until the result is dropped, as a flood of password work would: for
    /// tests of the `503 busy` answer, and to pause password work.
    pub async fn hold_every_slot(&self) -> HeldSlots {
        let slots = u32::try_from(self.limits.slots).unwrap_or(u32::MAX);
        match self.slots.clone().acquire_many_owned(slots).await {
            Ok(permit) => HeldSlots(permit),
            Err(_) => unreachable!("the semaphore is never closed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn verifies_and_counts_and_is_busy_when_every_slot_is_taken() {
        let passwords = Passwords::new(PasswordLimits {
            slots: 1,
            wait: Duration::from_millis(20),
        });
        let hash = passwords
            .hash(Password::new("correct horse battery"))
            .await
            .expect("hash");
        assert!(
            passwords
                .verify(Password::new("correct horse battery"), Some(hash.clone()))
                .await
                .expect("verify")
        );
        assert!(
            !passwords
                .verify(Password::new("wrong"), None)
                .await
                .expect("verify")
        );
        assert_eq!((passwords.hashes(), passwords.verifications()), (1, 2));
        let held = passwords.hold_every_slot().await;
        let busy = passwords
            .verify(Password::new("correct horse battery"), Some(hash.clone()))
            .await
            .expect_err("no slot");
        assert!(
            matches!(busy, ApiError::Busy { retry_after: 1 }),
            "{busy:?}"
        );
        assert!(passwords.hash(Password::new("x")).await.is_err());
        assert_eq!(passwords.verifications(), 2, "nothing ran while busy");
        drop(held);
        assert!(
            passwords
                .verify(Password::new("correct horse battery"), Some(hash))
                .await
                .expect("verify")
        );
    }
}
