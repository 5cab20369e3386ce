//! Refused bearer tokens in the audit trail, counted per client address and minute.
//!
//! A refused token (bad signature, expired, wrong claims, an identity that may no longer act)
//! answers 401 at once; recording each one would let a flood of bad tokens fill the audit trail.
//! So each refusal only increments a counter in memory, keyed by (client address, minute), and
//! once the minute is over each key becomes one `auth.token_refused` record in the
//! deployment-wide chain `-`: the address, and as target the minute, the count and the count
//! per reason (never the token). The map holds at most [`MAX_KEYS`] keys; refusals from further
//! addresses in that minute are counted in one bucket without an address. A server therefore
//! writes at most `MAX_KEYS + 1` such records a minute, however many requests it refuses.
//! Counts are flushed when their minute is over (checked every [`FLUSH_EVERY`]) and when the
//! server stops; a crash loses at most the last minute or so of counts.

use silo_control::{AuditAction, AuditEvent, ControlPlane, Outcome};
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Most (address, minute) keys counted at once; further addresses share one bucket.
pub const MAX_KEYS: usize = 1024;

/// How often finished minutes are written to the audit trail.
pub const FLUSH_EVERY: Duration = Duration::from_secs(10);

silo_contract::string_enum! {
    /// Why a presented bearer token was refused, as counted in `auth.token_refused` records.
    pub enum RefusalReason {
        /// Not three base64url segments, too long, or undecodable.
        Malformed = "malformed",
        /// The header is not exactly `alg`, `typ` and `kid`.
        BadHeader = "bad_header",
        /// An algorithm other than EdDSA.
        UnsupportedAlgorithm = "unsupported_algorithm",
        /// A kid naming none of our keys.
        UnknownKey = "unknown_key",
        /// The signature does not verify.
        BadSignature = "bad_signature",
        /// Expired.
        Expired = "expired",
        /// Not valid yet.
        NotYetValid = "not_yet_valid",
        /// Another issuer.
        WrongIssuer = "wrong_issuer",
        /// Another audience.
        WrongAudience = "wrong_audience",
        /// A claim missing, duplicated or malformed.
        BadClaims = "bad_claims",
        /// The identity is unknown, disabled or unverified.
        IdentityUnusable = "identity_unusable",
        /// Issued before the identity's sessions were ended (log out everywhere, password
        /// change, disabling).
        SessionsEnded = "sessions_ended",
        /// Issued for a browser session that has ended (logout, a replayed refresh token, a
        /// new login or switch in that browser).
        SessionEnded = "session_ended",
        /// The verifier failed for a reason of its own.
        Other = "other",
    }
}

impl From<&silo_auth::TokenError> for RefusalReason {
    fn from(e: &silo_auth::TokenError) -> Self {
        use silo_auth::TokenError as E;
        match e {
            E::Malformed => Self::Malformed,
            E::BadHeader(_) => Self::BadHeader,
            E::UnsupportedAlgorithm => Self::UnsupportedAlgorithm,
            E::UnknownKey => Self::UnknownKey,
            E::BadSignature => Self::BadSignature,
            E::Expired => Self::Expired,
            E::NotYetValid => Self::NotYetValid,
            E::WrongIssuer => Self::WrongIssuer,
            E::WrongAudience => Self::WrongAudience,
            E::BadClaims(_) => Self::BadClaims,
            _ => Self::Other,
        }
    }
}

/// The counts of one (address, minute).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bucket {
    /// Refusals in all.
    pub count: u64,
    /// Refusals per reason.
    pub reasons: BTreeMap<RefusalReason, u64>,
}

impl Bucket {
    fn add(&mut self, reason: RefusalReason, n: u64) {
        self.count += n;
        *self.reasons.entry(reason).or_default() += n;
    }

    fn merge(&mut self, other: &Bucket) {
        for (reason, n) in &other.reasons {
            self.add(*reason, *n);
        }
    }
}

/// One finished minute of one address (`None`: the overflow bucket), ready to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tally {
    /// The client address; `None` for refusals over the key bound.
    pub client_ip: Option<IpAddr>,
    /// The minute, as Unix seconds of its start.
    pub minute: i64,
    /// What was refused.
    pub bucket: Bucket,
}

impl Tally {
    /// The audit record: the deployment-wide chain, no actor, the address, and as target the
    /// minute, the count and the count per reason (JSON).
    pub fn event(&self) -> AuditEvent {
        let minute = rfc3339(self.minute);
        let reasons: serde_json::Map<String, serde_json::Value> = self
            .bucket
            .reasons
            .iter()
            .map(|(reason, n)| (reason.as_str().to_owned(), (*n).into()))
            .collect();
        let target = serde_json::json!({
            "minute": minute,
            "count": self.bucket.count,
            "reasons": reasons,
        });
        AuditEvent {
            company: None,
            actor: None,
            action: AuditAction::AuthTokenRefused,
            target: Some(target.to_string()),
            outcome: Outcome::Failure,
            client_ip: self.client_ip.map(|ip| ip.to_string()),
            request_id: None,
            event_id: None,
        }
    }
}

type Key = (Option<IpAddr>, i64);

/// The counts not yet recorded.
#[derive(Debug)]
pub struct TokenRefusals {
    max_keys: usize,
    counts: Mutex<HashMap<Key, Bucket>>,
}

impl Default for TokenRefusals {
    fn default() -> Self {
        Self::new(MAX_KEYS)
    }
}

/// Unix seconds as RFC 3339 (UTC), the way counted records name their minute.
pub(crate) fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// Now, in Unix seconds.
pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

impl TokenRefusals {
    /// Counts with at most `max_keys` addresses per minute (plus the overflow bucket).
    pub fn new(max_keys: usize) -> Self {
        TokenRefusals {
            max_keys,
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one refusal from `client_ip` now.
    pub fn note(&self, client_ip: Option<IpAddr>, reason: RefusalReason) {
        self.note_at(client_ip, reason, unix_now());
    }

    /// Counts one refusal from `client_ip` at `now` (Unix seconds).
    pub fn note_at(&self, client_ip: Option<IpAddr>, reason: RefusalReason, now: i64) {
        self.add((client_ip, now.div_euclid(60) * 60), reason, 1);
    }

    fn add(&self, key: Key, reason: RefusalReason, n: u64) {
        let Ok(mut counts) = self.counts.lock() else {
            return;
        };
        let key = if key.0.is_none() || counts.contains_key(&key) || counts.len() < self.max_keys {
            key
        } else {
            // Over the bound: the address is dropped, the refusal still counted.
            (None, key.1)
        };
        counts.entry(key).or_default().add(reason, n);
    }

    /// Takes the counts of every minute that ended before `now` (Unix seconds).
    pub fn take_finished(&self, now: i64) -> Vec<Tally> {
        let current = now.div_euclid(60) * 60;
        self.take(|minute| minute < current)
    }

    /// Takes every count, the current minute's too (at shutdown).
    pub fn take_all(&self) -> Vec<Tally> {
        self.take(|_| true)
    }

    fn take(&self, due: impl Fn(i64) -> bool) -> Vec<Tally> {
        let Ok(mut counts) = self.counts.lock() else {
            return Vec::new();
        };
        let keys: Vec<Key> = counts.keys().filter(|k| due(k.1)).copied().collect();
        let mut tallies: Vec<Tally> = keys
            .into_iter()
            .filter_map(|key| {
                counts.remove(&key).map(|bucket| Tally {
                    client_ip: key.0,
                    minute: key.1,
                    bucket,
                })
            })
            .collect();
        tallies.sort_by_key(|t| (t.minute, t.client_ip.is_none(), t.client_ip));
        tallies
    }

    /// Puts tallies back whose record could not be written, to try again at the next flush.
    fn put_back(&self, tally: &Tally) {
        let Ok(mut counts) = self.counts.lock() else {
            return;
        };
        counts
            .entry((tally.client_ip, tally.minute))
            .or_default()
            .merge(&tally.bucket);
    }

    /// Records the finished minutes (or, with `all`, everything) in the audit trail. A record
    /// that cannot be written stays counted for the next flush; at shutdown it is logged.
    pub async fn flush(&self, control: &ControlPlane, all: bool) {
        let tallies = if all {
            self.take_all()
        } else {
            self.take_finished(unix_now())
        };
        for tally in tallies {
            if let Err(e) = control.record(tally.event()).await {
                if all {
                    tracing::error!(
                        client_ip = tally.client_ip.map(|ip| ip.to_string()),
                        minute = tally.minute,
                        count = tally.bucket.count,
                        error = %e,
                        "refused tokens could not be recorded in the audit trail"
                    );
                } else {
                    tracing::warn!(error = %e, "recording refused tokens failed; trying again later");
                    self.put_back(&tally);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().expect("address"))
    }

    #[test]
    fn one_tally_per_address_and_minute_after_the_minute() {
        let r = TokenRefusals::new(10);
        let minute = 1_700_000_040; // a minute's start
        let t0 = minute + 30;
        for i in 0..500 {
            let reason = if i % 5 == 0 {
                RefusalReason::Expired
            } else {
                RefusalReason::BadSignature
            };
            r.note_at(ip("203.0.113.7"), reason, t0 + i % 20);
        }
        r.note_at(ip("198.51.100.9"), RefusalReason::Malformed, t0 + 1);
        assert!(
            r.take_finished(t0 + 29).is_empty(),
            "the minute is not over"
        );
        let tallies = r.take_finished(t0 + 30);
        assert_eq!(tallies.len(), 2);
        let first = tallies
            .iter()
            .find(|t| t.client_ip == ip("203.0.113.7"))
            .expect("first address");
        assert_eq!(first.bucket.count, 500);
        assert_eq!(first.bucket.reasons[&RefusalReason::Expired], 100);
        assert_eq!(first.bucket.reasons[&RefusalReason::BadSignature], 400);
        assert_eq!(first.minute, minute);
        assert!(r.take_all().is_empty(), "taken once");
    }

    #[test]
    fn each_minute_is_its_own_tally() {
        let r = TokenRefusals::new(10);
        r.note_at(ip("203.0.113.7"), RefusalReason::Expired, 119);
        r.note_at(ip("203.0.113.7"), RefusalReason::Expired, 120);
        let done = r.take_finished(150);
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].minute, 60);
        let rest = r.take_all();
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].minute, 120);
    }

    #[test]
    fn addresses_over_the_bound_share_one_bucket_without_an_address() {
        let r = TokenRefusals::new(3);
        for i in 0..100u8 {
            r.note_at(
                Some(IpAddr::from([10, 0, 0, i])),
                RefusalReason::BadSignature,
                60,
            );
        }
        // An address counted before the bound was reached keeps its own key.
        r.note_at(ip("10.0.0.1"), RefusalReason::BadSignature, 61);
        let tallies = r.take_all();
        assert_eq!(tallies.len(), 4, "{tallies:?}");
        let overflow = tallies
            .iter()
            .find(|t| t.client_ip.is_none())
            .expect("overflow bucket");
        assert_eq!(overflow.bucket.count, 97);
        assert_eq!(tallies.iter().map(|t| t.bucket.count).sum::<u64>(), 101);
    }

    #[test]
    fn the_documented_bound_is_the_bound() {
        assert!(
            AuditAction::AuthTokenRefused
                .doc()
                .contains(&format!("past {MAX_KEYS} addresses")),
            "{}",
            AuditAction::AuthTokenRefused.doc()
        );
    }

    #[test]
    fn the_record_names_counts_and_reasons_never_a_token() {
        let mut bucket = Bucket::default();
        bucket.add(RefusalReason::BadSignature, 3);
        bucket.add(RefusalReason::Expired, 2);
        let tally = Tally {
            client_ip: ip("2001:db8::1"),
            minute: 1_700_000_040,
            bucket,
        };
        let event = tally.event();
        assert_eq!(event.action, AuditAction::AuthTokenRefused);
        assert_eq!(event.company, None);
        assert_eq!(event.client_ip.as_deref(), Some("2001:db8::1"));
        let target: serde_json::Value =
            serde_json::from_str(event.target.as_deref().expect("target")).expect("JSON");
        assert_eq!(
            target,
            serde_json::json!({
                "minute": "2023-11-14T22:14:00Z",
                "count": 5,
                "reasons": {"bad_signature": 3, "expired": 2},
            })
        );
    }
}
