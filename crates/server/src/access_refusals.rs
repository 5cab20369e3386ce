//! Refused requests of a known company in that company's audit chain, without one control-plane
//! write per request.
//!
//! The first refusal of a kind (`access.forbidden`, `access.not_a_member`, ...) for one identity
//! in one company and minute is recorded at once, as its own record with the route, so a single
//! refusal is visible immediately. Repeats of it in that minute, and requests refused because
//! the company had every slot taken (`busy`, see [`crate::company_gate`]), are only counted; once
//! the minute is over each (company, identity) with counts becomes one `access.refusals` record:
//! the minute, the count and the count per kind. A flood of refused requests thus writes at most
//! a handful of records a minute per identity and company, and the map is bounded: past
//! [`MAX_KEYS`] keys in a minute, refusals are counted per company without the identity, and
//! past that in one deployment-wide record.

use crate::refusals::{rfc3339, unix_now};
use silo_control::{Actor, AuditAction, AuditEvent, CompanyId, ControlPlane, IdentityId, Outcome};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

/// Most (company, identity, minute) keys counted at once.
pub const MAX_KEYS: usize = 4096;

/// The name a slot refusal is counted under.
const BUSY: &str = "busy";

/// Who was refused where in which minute: `None` company is the overflow bucket.
type Key = (Option<CompanyId>, Option<IdentityId>, i64);

#[derive(Debug, Default)]
struct Counts {
    /// Kinds already recorded on their own this minute.
    recorded: BTreeSet<AuditAction>,
    /// Refusals only counted, per kind.
    kinds: BTreeMap<&'static str, u64>,
}

/// The counts not yet recorded.
#[derive(Debug)]
pub struct AccessRefusals {
    max_keys: usize,
    counts: Mutex<HashMap<Key, Counts>>,
}

impl Default for AccessRefusals {
    fn default() -> Self {
        Self::new(MAX_KEYS)
    }
}

fn minute_of(now: i64) -> i64 {
    now.div_euclid(60) * 60
}

impl AccessRefusals {
    /// Counts with at most `max_keys` keys (plus a bucket per company and the overflow).
    pub fn new(max_keys: usize) -> Self {
        AccessRefusals {
            max_keys,
            counts: Mutex::new(HashMap::new()),
        }
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Counts>> {
        // Each update is a single insert or increment, so a poisoned map is still consistent.
        self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The key to count under: the precise one while there is room, else coarser ones.
    fn key_for(&self, counts: &HashMap<Key, Counts>, key: Key) -> Key {
        if counts.contains_key(&key) || counts.len() < self.max_keys {
            return key;
        }
        let per_company = (key.0, None, key.2);
        if counts.contains_key(&per_company) || counts.len() < self.max_keys + 64 {
            return per_company;
        }
        (None, None, key.2)
    }

    /// A refusal of `action` for `identity` in `company` at `now` (Unix seconds): `true` when
    /// it is the first of its kind for them this minute and must be recorded on its own.
    pub fn note_at(
        &self,
        company: CompanyId,
        identity: IdentityId,
        action: AuditAction,
        now: i64,
    ) -> bool {
        let mut counts = self.counts();
        let key = self.key_for(&counts, (Some(company), Some(identity), minute_of(now)));
        let entry = counts.entry(key).or_default();
        if key.1.is_some() && entry.recorded.insert(action) {
            return true;
        }
        *entry.kinds.entry(action.as_str()).or_default() += 1;
        false
    }

    /// [`AccessRefusals::note_at`] now.
    pub fn note(&self, company: CompanyId, identity: IdentityId, action: AuditAction) -> bool {
        self.note_at(company, identity, action, unix_now())
    }

    /// Counts a request of `company` refused for want of a slot.
    pub fn note_busy(&self, company: CompanyId, identity: Option<IdentityId>) {
        let mut counts = self.counts();
        let key = self.key_for(&counts, (Some(company), identity, minute_of(unix_now())));
        *counts
            .entry(key)
            .or_default()
            .kinds
            .entry(BUSY)
            .or_default() += 1;
    }

    /// The records of every minute that ended before `now` (or of all, at shutdown), taken out.
    pub fn take(&self, now: i64, all: bool) -> Vec<AuditEvent> {
        let current = minute_of(now);
        let mut counts = self.counts();
        let due: Vec<Key> = counts
            .keys()
            .filter(|k| all || k.2 < current)
            .copied()
            .collect();
        let mut events: Vec<(Key, AuditEvent)> = due
            .into_iter()
            .filter_map(|key| {
                let taken = counts.remove(&key)?;
                (!taken.kinds.is_empty()).then(|| (key, event(key, &taken.kinds)))
            })
            .collect();
        events.sort_by_key(|(key, _)| (key.2, key.0, key.1));
        events.into_iter().map(|(_, e)| e).collect()
    }

    /// Records the finished minutes (or, with `all`, everything). A record that cannot be
    /// written is logged with its counts: retrying could double them if the write did land.
    pub async fn flush(&self, control: &ControlPlane, all: bool) {
        for event in self.take(unix_now(), all) {
            if let Err(e) = control.record(event.clone()).await {
                tracing::error!(
                    company = event.company.map(|c| c.to_string()),
                    target = event.target,
                    error = %e,
                    "refused requests could not be recorded in the audit trail"
                );
            }
        }
    }
}

/// The `access.refusals` record of one key.
fn event(key: Key, kinds: &BTreeMap<&'static str, u64>) -> AuditEvent {
    let minute = rfc3339(key.2);
    let target = serde_json::json!({
        "minute": minute,
        "count": kinds.values().sum::<u64>(),
        "kinds": kinds,
    });
    AuditEvent {
        company: key.0,
        actor: key.1.map(Actor::from),
        action: AuditAction::AccessRefusals,
        target: Some(target.to_string()),
        outcome: Outcome::Failure,
        client_ip: None,
        request_id: None,
        event_id: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> (CompanyId, IdentityId) {
        (
            CompanyId::from_uuid(uuid::Uuid::now_v7()),
            IdentityId::from_uuid(uuid::Uuid::now_v7()),
        )
    }

    #[test]
    fn the_first_refusal_is_recorded_and_repeats_are_counted_per_minute() {
        let refusals = AccessRefusals::default();
        let (company, who) = ids();
        let t = 1_800_000_000;
        assert!(refusals.note_at(company, who, AuditAction::AccessForbidden, t));
        for _ in 0..99 {
            assert!(!refusals.note_at(company, who, AuditAction::AccessForbidden, t + 1));
        }
        assert!(
            refusals.note_at(company, who, AuditAction::AccessNotAMember, t + 2),
            "another kind is recorded on its own too"
        );
        assert!(
            refusals.take(t + 3, false).is_empty(),
            "the minute is not over"
        );
        let events = refusals.take(t + 60, false);
        assert_eq!(events.len(), 1);
        let event = &events[0];
        assert_eq!(event.action, AuditAction::AccessRefusals);
        assert_eq!(event.company, Some(company));
        let target: serde_json::Value =
            serde_json::from_str(event.target.as_deref().expect("target")).expect("json");
        assert_eq!(target["count"], 99);
        assert_eq!(target["kinds"]["access.forbidden"], 99);
        assert!(refusals.take(t + 120, true).is_empty(), "taken once");
        assert!(
            refusals.note_at(company, who, AuditAction::AccessForbidden, t + 61),
            "a new minute records the first one again"
        );
    }

    #[test]
    fn a_flood_from_many_identities_stays_bounded() {
        let refusals = AccessRefusals::new(8);
        let company = CompanyId::from_uuid(uuid::Uuid::now_v7());
        let t = 1_800_000_000;
        let mut recorded = 0;
        for _ in 0..10_000 {
            let who = IdentityId::from_uuid(uuid::Uuid::now_v7());
            if refusals.note_at(company, who, AuditAction::AccessForbidden, t) {
                recorded += 1;
            }
        }
        assert_eq!(recorded, 8, "only keys with room are recorded on their own");
        let events = refusals.take(t + 60, false);
        assert_eq!(events.len(), 1, "the rest share the company's bucket");
        let target: serde_json::Value =
            serde_json::from_str(events[0].target.as_deref().expect("target")).expect("json");
        assert_eq!(target["count"], 10_000 - 8);
        assert_eq!(events[0].actor, None);
    }
}
