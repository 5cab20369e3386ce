//! Attempt limits in memory: logins per email and per client address, and signup and
//! password-reset requests per client address.
//!
//! Each key has a fixed window. An attempt is counted *before* anything is verified, in the
//! same critical section that checks the limit, so parallel requests cannot all pass the check
//! before any of them is counted: at most the limit of attempts per window get through.
//! With several server processes each keeps its own counts (documented limitation).

use crate::error::ApiError;
use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Limits for login attempts.
#[derive(Clone, Copy, Debug)]
pub struct LoginLimits {
    /// Attempts allowed per email within the window; a successful login clears the count.
    pub per_email: u32,
    /// Failed (or still running) attempts allowed per client address within the window.
    pub per_address: u32,
    /// The window.
    pub window: Duration,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            per_email: 5,
            per_address: 20,
            window: Duration::from_secs(15 * 60),
        }
    }
}

/// Limits for requests that create accounts or send mail, per client address.
#[derive(Clone, Copy, Debug)]
pub struct RequestLimits {
    /// `POST /api/signup` requests per client address within the window, valid or not.
    pub signups_per_address: u32,
    /// Password-reset requests per client address within the window.
    pub resets_per_address: u32,
    /// Invitation mails (invites and resends) per company within the window: signup is free, so
    /// without it any company could mail any address without end.
    pub invitations_per_company: u32,
    /// The window.
    pub window: Duration,
}

impl Default for RequestLimits {
    fn default() -> Self {
        RequestLimits {
            signups_per_address: 10,
            resets_per_address: 10,
            invitations_per_company: 50,
            window: Duration::from_secs(60 * 60),
        }
    }
}

/// Limits of the public collection endpoint (`POST /e/{site_key}`), per site and per client
/// address.
#[derive(Clone, Copy, Debug)]
pub struct CollectLimits {
    /// Events per site within the window.
    pub per_site: u32,
    /// Events per client address (IPv6: per /64) within the window.
    pub per_address: u32,
    /// The window.
    pub window: Duration,
}

impl CollectLimits {
    /// Events per site per minute unless configured otherwise.
    pub const PER_SITE: u32 = 30_000;
    /// Events per client address per minute unless configured otherwise.
    pub const PER_ADDRESS: u32 = 600;
    /// The window the limits count in.
    pub const WINDOW: Duration = Duration::from_secs(60);
}

impl Default for CollectLimits {
    fn default() -> Self {
        CollectLimits {
            per_site: Self::PER_SITE,
            per_address: Self::PER_ADDRESS,
            window: Self::WINDOW,
        }
    }
}

/// A refused attempt: the caller may retry after this many seconds. Converts into
/// [`ApiError::RateLimited`], so handlers use `?`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limited {
    /// Seconds until the window that refused ends (at least 1).
    pub retry_after: u64,
}

impl From<Limited> for ApiError {
    fn from(l: Limited) -> Self {
        ApiError::RateLimited {
            retry_after: l.retry_after,
        }
    }
}

/// The client address as the limits count it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum AddressKey {
    V4(Ipv4Addr),
    /// The /64 network: one subscriber is usually handed a whole /64, so counting single IPv6
    /// addresses would let one client step around every limit.
    V6(u64),
    /// No address known (no socket information): all such requests share one count.
    Unknown,
}

impl AddressKey {
    fn of(ip: Option<IpAddr>) -> Self {
        match ip.map(|ip| ip.to_canonical()) {
            Some(IpAddr::V4(v4)) => AddressKey::V4(v4),
            Some(IpAddr::V6(v6)) => AddressKey::V6((v6.to_bits() >> 64) as u64),
            None => AddressKey::Unknown,
        }
    }
}

/// Longest email kept as a key (RFC 5321: 64 + 1 + 255). Longer input is no address anyway,
/// and a bounded key keeps a flood of huge bodies from filling memory.
const MAX_EMAIL_KEY: usize = 320;

fn email_key(email: &str) -> String {
    let email = email.trim();
    let end = email
        .char_indices()
        .map(|(i, c)| i + c.len_utf8())
        .take_while(|&end| end <= MAX_EMAIL_KEY)
        .last()
        .unwrap_or(0);
    email[..end].to_lowercase()
}

#[derive(Debug)]
struct Window {
    started: Instant,
    count: u32,
    limit: u32,
}

/// Counts per key in fixed windows, bounded in memory.
#[derive(Debug)]
struct Windows<K> {
    window: Duration,
    capacity: usize,
    map: Mutex<HashMap<K, Window>>,
}

/// Keys kept at most per limiter (a few MiB); see [`Windows::make_room`].
const CAPACITY: usize = 100_000;

impl<K: Eq + Hash + Clone> Windows<K> {
    fn new(window: Duration, capacity: usize) -> Self {
        Windows {
            window,
            capacity,
            map: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, Window>> {
        // A panic elsewhere while holding the lock leaves counts that are still meaningful.
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts one attempt against every key, or against none when any key is at its limit.
    fn take(&self, keys: &[(K, u32)]) -> Result<(), Limited> {
        let now = Instant::now();
        let mut map = self.lock();
        let mut wait: Option<Duration> = None;
        for (key, limit) in keys {
            let (count, left) = match map.get(key) {
                Some(w) if now.duration_since(w.started) < self.window => {
                    (w.count, self.window - now.duration_since(w.started))
                }
                _ => (0, self.window),
            };
            if count >= *limit {
                wait = Some(wait.map_or(left, |w| w.max(left)));
            }
        }
        if let Some(wait) = wait {
            let mut seconds = wait.as_secs();
            if wait.subsec_nanos() > 0 || seconds == 0 {
                seconds += 1;
            }
            return Err(Limited {
                retry_after: seconds,
            });
        }
        if map.len() + keys.len() > self.capacity {
            self.make_room(&mut map, now);
        }
        for (key, limit) in keys {
            let w = map.entry(key.clone()).or_insert(Window {
                started: now,
                count: 0,
                limit: *limit,
            });
            if now.duration_since(w.started) >= self.window {
                w.started = now;
                w.count = 0;
            }
            w.count += 1;
            w.limit = *limit;
        }
        Ok(())
    }

    /// Undoes one counted attempt (it turned out not to be a guess).
    fn give_back(&self, key: &K) {
        if let Some(w) = self.lock().get_mut(key) {
            w.count = w.count.saturating_sub(1);
        }
    }

    fn forget(&self, key: &K) {
        self.lock().remove(key);
    }

    /// Brings the map down to three quarters of its capacity, losing as little protection as
    /// possible: ended windows first, then counts below their limit (forgetting one gives its
    /// key a fresh count, no more), and only then the oldest windows, which end soonest. The
    /// slack means this runs once per many new keys, not on every attempt.
    fn make_room(&self, map: &mut HashMap<K, Window>, now: Instant) {
        let target = self.capacity / 4 * 3;
        map.retain(|_, w| now.duration_since(w.started) < self.window);
        if map.len() > target {
            map.retain(|_, w| w.count >= w.limit);
        }
        if map.len() > target {
            let mut starts: Vec<Instant> = map.values().map(|w| w.started).collect();
            let excess = map.len() - target;
            let (_, cutoff, _) = starts.select_nth_unstable(excess - 1);
            let cutoff = *cutoff;
            map.retain(|_, w| w.started > cutoff);
            tracing::warn!(
                kept = map.len(),
                "attempt limiter full of locked keys; forgot the oldest"
            );
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum LoginKey {
    Email(String),
    Address(AddressKey),
}

/// Counts login attempts per email and per client address.
///
/// Call [`LoginLimiter::attempt`] before looking anything up or verifying anything; then
/// [`LoginLimiter::succeeded`] after a successful login, or [`LoginLimiter::not_verified`]
/// when the attempt ended before the password was checked (no slot for the work, say).
/// A failed attempt needs no call: it was counted when it started.
#[derive(Debug)]
pub struct LoginLimiter {
    limits: LoginLimits,
    windows: Windows<LoginKey>,
}

impl LoginLimiter {
    /// A limiter with these limits.
    pub fn new(limits: LoginLimits) -> Self {
        Self::with_capacity(limits, CAPACITY)
    }

    fn with_capacity(limits: LoginLimits, capacity: usize) -> Self {
        LoginLimiter {
            limits,
            windows: Windows::new(limits.window, capacity),
        }
    }

    fn keys(&self, email: &str, address: Option<IpAddr>) -> [(LoginKey, u32); 2] {
        [
            (LoginKey::Email(email_key(email)), self.limits.per_email),
            (
                LoginKey::Address(AddressKey::of(address)),
                self.limits.per_address,
            ),
        ]
    }

    /// Counts an attempt for `email` (as typed; trimmed and lowercased here) from `address`,
    /// or refuses it without counting when either is at its limit.
    pub fn attempt(&self, email: &str, address: Option<IpAddr>) -> Result<(), Limited> {
        self.windows.take(&self.keys(email, address))
    }

    /// After a successful login: clears the email's count and gives the address its attempt
    /// back, so an office of people behind one address is limited by its failures only.
    pub fn succeeded(&self, email: &str, address: Option<IpAddr>) {
        let [(email, _), (address, _)] = self.keys(email, address);
        self.windows.forget(&email);
        self.windows.give_back(&address);
    }

    /// After an attempt that ended before any password was verified: gives both counts back.
    pub fn not_verified(&self, email: &str, address: Option<IpAddr>) {
        for (key, _) in self.keys(email, address) {
            self.windows.give_back(&key);
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Purpose {
    Signup,
    PasswordReset,
}

/// Counts signup and password-reset requests per client address.
#[derive(Debug)]
pub struct RequestLimiter {
    limits: RequestLimits,
    windows: Windows<(Purpose, AddressKey)>,
    invitations: Windows<uuid::Uuid>,
}

impl RequestLimiter {
    /// A limiter with these limits.
    pub fn new(limits: RequestLimits) -> Self {
        RequestLimiter {
            limits,
            windows: Windows::new(limits.window, CAPACITY),
            invitations: Windows::new(limits.window, CAPACITY),
        }
    }

    /// Counts an invitation mail of `company`, or refuses it when the company is at its limit.
    pub fn invitation_mail(&self, company: uuid::Uuid) -> Result<(), Limited> {
        self.invitations
            .take(&[(company, self.limits.invitations_per_company)])
    }

    /// Counts a signup request from `address`, or refuses it when the address is at its limit.
    pub fn signup(&self, address: Option<IpAddr>) -> Result<(), Limited> {
        self.windows.take(&[(
            (Purpose::Signup, AddressKey::of(address)),
            self.limits.signups_per_address,
        )])
    }

    /// Counts a password-reset request from `address`, or refuses it when the address is at
    /// its limit.
    pub fn password_reset(&self, address: Option<IpAddr>) -> Result<(), Limited> {
        self.windows.take(&[(
            (Purpose::PasswordReset, AddressKey::of(address)),
            self.limits.resets_per_address,
        )])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().expect("ip"))
    }

    #[test]
    fn counts_attempts_before_verifying_per_email_and_per_address() {
        let limiter = LoginLimiter::new(LoginLimits {
            per_email: 2,
            per_address: 3,
            window: Duration::from_secs(60),
        });
        assert!(limiter.attempt("a@x.nl", ip("1.1.1.1")).is_ok());
        assert!(limiter.attempt(" A@X.nl ", ip("1.1.1.1")).is_ok());
        let wait = limiter
            .attempt("a@x.nl", ip("2.2.2.2"))
            .expect_err("email at its limit");
        assert!((1..=60).contains(&wait.retry_after));
        // The refused attempt counted nothing against 2.2.2.2.
        for n in 0..3 {
            assert!(
                limiter
                    .attempt(&format!("b{n}@x.nl"), ip("2.2.2.2"))
                    .is_ok()
            );
        }
        assert!(limiter.attempt("c@x.nl", ip("1.1.1.1")).is_ok());
        assert!(
            limiter.attempt("d@x.nl", ip("1.1.1.1")).is_err(),
            "address at its limit"
        );
        limiter.succeeded("a@x.nl", ip("1.1.1.1"));
        assert!(limiter.attempt("a@x.nl", ip("9.9.9.9")).is_ok());
        assert!(
            limiter.attempt("e@x.nl", ip("1.1.1.1")).is_ok(),
            "a success gives the address its attempt back"
        );
    }

    #[test]
    fn a_refused_attempt_is_not_counted_and_unverified_ones_are_given_back() {
        let limiter = LoginLimiter::new(LoginLimits {
            per_email: 1,
            per_address: 2,
            window: Duration::from_secs(60),
        });
        assert!(limiter.attempt("a@x.nl", ip("1.1.1.1")).is_ok());
        assert!(limiter.attempt("a@x.nl", ip("1.1.1.1")).is_err());
        // Only the first counted against the address.
        assert!(limiter.attempt("b@x.nl", ip("1.1.1.1")).is_ok());
        assert!(limiter.attempt("c@x.nl", ip("1.1.1.1")).is_err());
        limiter.not_verified("b@x.nl", ip("1.1.1.1"));
        assert!(limiter.attempt("b@x.nl", ip("1.1.1.1")).is_ok());
    }

    #[test]
    fn parallel_attempts_pass_at_most_the_limit() {
        let limiter = std::sync::Arc::new(LoginLimiter::new(LoginLimits {
            per_email: 5,
            per_address: 1000,
            window: Duration::from_secs(60),
        }));
        let threads: Vec<_> = (0..40)
            .map(|_| {
                let limiter = limiter.clone();
                std::thread::spawn(move || limiter.attempt("a@x.nl", ip("1.1.1.1")).is_ok())
            })
            .collect();
        let passed = threads
            .into_iter()
            .map(|t| t.join().expect("thread"))
            .filter(|&ok| ok)
            .count();
        assert_eq!(passed, 5);
    }

    #[test]
    fn ipv6_addresses_count_per_64_and_mapped_v4_as_v4() {
        let limits = RequestLimits {
            signups_per_address: 1,
            resets_per_address: 1,
            invitations_per_company: 1000,
            window: Duration::from_secs(60),
        };
        let limiter = RequestLimiter::new(limits);
        assert!(limiter.signup(ip("2001:db8:1:2::1")).is_ok());
        assert!(limiter.signup(ip("2001:db8:1:2:ffff::9")).is_err());
        assert!(limiter.signup(ip("2001:db8:1:3::1")).is_ok());
        assert!(limiter.signup(ip("192.0.2.1")).is_ok());
        assert!(limiter.signup(ip("::ffff:192.0.2.1")).is_err());
        // Signups and resets are counted apart.
        assert!(limiter.password_reset(ip("192.0.2.1")).is_ok());
        assert!(limiter.password_reset(ip("192.0.2.1")).is_err());
        assert!(limiter.signup(None).is_ok());
        assert!(limiter.signup(None).is_err());
    }

    #[test]
    fn the_map_stays_bounded_and_keeps_locked_keys() {
        let limiter = LoginLimiter::with_capacity(
            LoginLimits {
                per_email: 1,
                per_address: 1_000_000,
                window: Duration::from_secs(60),
            },
            1000,
        );
        assert!(limiter.attempt("victim@x.nl", ip("1.1.1.1")).is_ok());
        for n in 0..10_000u32 {
            let _ = limiter.attempt(&format!("a{n}@x.nl"), ip("1.1.1.1"));
            assert!(limiter.windows.len() <= 1000);
        }
        // With a limit of 2, each flooded email stays below it while the victim is locked.
        let limiter = LoginLimiter::with_capacity(
            LoginLimits {
                per_email: 2,
                per_address: 1_000_000,
                window: Duration::from_secs(60),
            },
            1000,
        );
        assert!(limiter.attempt("victim@x.nl", ip("1.1.1.1")).is_ok());
        assert!(limiter.attempt("victim@x.nl", ip("1.1.1.1")).is_ok());
        for n in 0..10_000u32 {
            let _ = limiter.attempt(&format!("a{n}@x.nl"), ip("1.1.1.1"));
        }
        assert!(limiter.windows.len() <= 1000);
        assert!(
            limiter.attempt("victim@x.nl", ip("1.1.1.1")).is_err(),
            "a locked key outlives a flood of unlocked ones"
        );
    }

    #[test]
    fn email_keys_are_bounded() {
        assert_eq!(email_key(&"é".repeat(1000)).len(), 320);
        assert_eq!(email_key("  Ann@X.nl "), "ann@x.nl");
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum CollectKey {
    Site(uuid::Uuid),
    Address(AddressKey),
}

/// Counts collected events per site and per client address.
#[derive(Debug)]
pub struct CollectLimiter {
    limits: CollectLimits,
    windows: Windows<CollectKey>,
}

impl CollectLimiter {
    /// A limiter with these limits.
    pub fn new(limits: CollectLimits) -> Self {
        CollectLimiter {
            limits,
            windows: Windows::new(limits.window, CAPACITY),
        }
    }

    /// Counts an event for `site` from `address`, or refuses it (uncounted) when either is at
    /// its limit.
    pub fn event(&self, site: uuid::Uuid, address: Option<IpAddr>) -> Result<(), Limited> {
        self.windows.take(&[
            (CollectKey::Site(site), self.limits.per_site),
            (
                CollectKey::Address(AddressKey::of(address)),
                self.limits.per_address,
            ),
        ])
    }
}
