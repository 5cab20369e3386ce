//! A bound on one company's requests in flight, so one company (or one actor cycling through
//! companies it owns) cannot take the server from the others.
//!
//! Every request that reaches a company's database first takes one of that company's slots and
//! keeps it until its database handle is dropped (the end of the request). With every slot taken
//! the request is refused at once with 503 `busy` and `Retry-After`, before it opens or waits for
//! anything: a flood costs its sender a fast refusal, not the other companies a queue. The
//! refusals are counted (metrics, and the audit trail per company and minute; see
//! [`crate::access_refusals`]), never written one by one.

use silo_control::CompanyId;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Requests of one company in flight at once unless configured otherwise.
pub const DEFAULT_COMPANY_CONCURRENCY: u32 = 32;

/// Companies whose slot counters are kept before idle ones are dropped.
const SWEEP_AT: usize = 4096;

/// One slot of a company, held while its request runs.
#[derive(Debug)]
pub struct Slot {
    _permit: OwnedSemaphorePermit,
}

/// The slots of every company seen, created on first use.
#[derive(Debug)]
pub struct CompanyGate {
    limit: u32,
    slots: Mutex<HashMap<CompanyId, Arc<Semaphore>>>,
    refused: AtomicU64,
}

impl CompanyGate {
    /// A gate letting `limit` requests of each company run at once (at least one).
    pub fn new(limit: u32) -> Self {
        CompanyGate {
            limit: limit.max(1),
            slots: Mutex::new(HashMap::new()),
            refused: AtomicU64::new(0),
        }
    }

    /// A slot of `company`, or `None` when all of them are taken.
    pub fn enter(&self, company: CompanyId) -> Option<Slot> {
        let semaphore = {
            // Every update is one insert or a retain, so a poisoned map is still consistent.
            let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            if slots.len() >= SWEEP_AT && !slots.contains_key(&company) {
                // A company with no request in flight holds only the map's reference.
                slots.retain(|_, s| Arc::strong_count(s) > 1);
            }
            slots
                .entry(company)
                .or_insert_with(|| Arc::new(Semaphore::new(self.limit as usize)))
                .clone()
        };
        match semaphore.try_acquire_owned() {
            Ok(permit) => Some(Slot { _permit: permit }),
            Err(_) => {
                self.refused.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    /// Requests refused since start because their company had every slot taken.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    /// Companies with a slot counter now (for tests of the bound).
    pub fn tracked(&self) -> usize {
        self.slots.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_company_gets_its_limit_and_no_more_and_others_are_unaffected() {
        let gate = CompanyGate::new(2);
        let busy = CompanyId::from_uuid(uuid::Uuid::now_v7());
        let quiet = CompanyId::from_uuid(uuid::Uuid::now_v7());
        let first = gate.enter(busy).expect("first slot");
        let second = gate.enter(busy).expect("second slot");
        assert!(gate.enter(busy).is_none(), "a third request is refused");
        assert_eq!(gate.refused(), 1);
        assert!(
            gate.enter(quiet).is_some(),
            "another company is not affected"
        );
        drop(first);
        assert!(
            gate.enter(busy).is_some(),
            "a finished request frees its slot"
        );
        drop(second);
    }

    #[test]
    fn idle_companies_do_not_accumulate() {
        let gate = CompanyGate::new(1);
        let held = CompanyId::from_uuid(uuid::Uuid::now_v7());
        let slot = gate.enter(held).expect("slot");
        for _ in 0..SWEEP_AT + 10 {
            drop(gate.enter(CompanyId::from_uuid(uuid::Uuid::now_v7())));
        }
        assert!(gate.tracked() <= SWEEP_AT, "idle counters are dropped");
        assert!(
            gate.enter(held).is_none(),
            "a company in flight keeps its count"
        );
        drop(slot);
    }
}
