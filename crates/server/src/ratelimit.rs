//! Attempt limits: logins per email and per client address, signup and password-reset requests
//! per client address, invitation mails per company, and collected events per site and per
//! client address.
//!
//! Every count lives in the control plane (`attempt_counts`), so all servers sharing a control
//! plane share each allowance: an attacker spreading guesses over N servers gets what one server
//! allows, not N times it. Each key has a fixed window. A login-type attempt is counted *before*
//! anything is verified, in the same transaction that checks the limit (which locks the key's
//! row), so parallel requests on any server cannot all pass the check before any is counted: at
//! most the limit of attempts per window get through. That costs one control-plane write per
//! attempt, which the endpoints concerned (login, magic links, signup, reset, invitations)
//! already make anyway.
//!
//! The collection endpoint is a hot path, so it does not write per event: each process takes
//! *leases* of allowance from the shared count, a twentieth of the limit at a time, and spends
//! them locally (see [`CollectLimiter`]).

use crate::error::ApiError;
use silo_control::ControlPlane;
use std::collections::HashMap;
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

impl Limited {
    fn after(wait: Duration) -> Self {
        let mut seconds = wait.as_secs();
        if wait.subsec_nanos() > 0 || seconds == 0 {
            seconds += 1;
        }
        Limited {
            retry_after: seconds,
        }
    }
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

    /// The address as part of a counter's key.
    fn label(self) -> String {
        match self {
            AddressKey::V4(v4) => format!("v4:{v4}"),
            AddressKey::V6(net) => format!("v6:{net:016x}"),
            AddressKey::Unknown => "unknown".into(),
        }
    }
}

/// Longest email kept as a key (RFC 5321: 64 + 1 + 255). Longer input is no address anyway.
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

/// Counts one attempt against every key in the control plane, or refuses it uncounted.
async fn count(
    control: &ControlPlane,
    keys: &[(String, u32)],
    window: Duration,
) -> Result<(), ApiError> {
    let keys: Vec<(&str, u32)> = keys.iter().map(|(k, l)| (k.as_str(), *l)).collect();
    control
        .count_attempt(&keys, window)
        .await?
        .map_err(|wait| Limited::after(wait).into())
}

/// Counts login attempts per email and per client address, for every server on the control
/// plane together.
///
/// Call [`LoginLimiter::attempt`] before looking anything up or verifying anything; then
/// [`LoginLimiter::succeeded`] after a successful login, or [`LoginLimiter::not_verified`]
/// when the attempt ended before the password was checked (no slot for the work, say).
/// A failed attempt needs no call: it was counted when it started.
#[derive(Debug)]
pub struct LoginLimiter {
    limits: LoginLimits,
    control: ControlPlane,
    /// What is limited (`login`, `portal-link`): limiters with other limits count apart.
    scope: &'static str,
}

impl LoginLimiter {
    /// A limiter with these limits, counting in `control` under `scope`.
    pub fn new(limits: LoginLimits, control: ControlPlane, scope: &'static str) -> Self {
        LoginLimiter {
            limits,
            control,
            scope,
        }
    }

    fn keys(&self, email: &str, address: Option<IpAddr>) -> [(String, u32); 2] {
        [
            (
                format!("{}:email:{}", self.scope, email_key(email)),
                self.limits.per_email,
            ),
            (
                format!("{}:address:{}", self.scope, AddressKey::of(address).label()),
                self.limits.per_address,
            ),
        ]
    }

    /// Counts an attempt for `email` (as typed; trimmed and lowercased here) from `address`,
    /// or refuses it without counting when either is at its limit.
    pub async fn attempt(&self, email: &str, address: Option<IpAddr>) -> Result<(), ApiError> {
        count(
            &self.control,
            &self.keys(email, address),
            self.limits.window,
        )
        .await
    }

    /// After a successful login: clears the email's count and gives the address its attempt
    /// back, so an office of people behind one address is limited by its failures only.
    pub async fn succeeded(&self, email: &str, address: Option<IpAddr>) {
        let [(email, _), (address, _)] = self.keys(email, address);
        // Failing here leaves counts higher than they should be: stricter, never looser.
        if let Err(e) = self.control.forget_attempts(&email).await {
            tracing::warn!(error = %e, "cannot clear a login count");
        }
        if let Err(e) = self.control.give_back_attempt(&address).await {
            tracing::warn!(error = %e, "cannot give back a login attempt");
        }
    }

    /// After an attempt that ended before any password was verified: gives both counts back.
    pub async fn not_verified(&self, email: &str, address: Option<IpAddr>) {
        for (key, _) in self.keys(email, address) {
            if let Err(e) = self.control.give_back_attempt(&key).await {
                tracing::warn!(error = %e, "cannot give back a login attempt");
            }
        }
    }
}

/// Counts signup and password-reset requests per client address and invitation mails per
/// company, for every server on the control plane together.
#[derive(Debug)]
pub struct RequestLimiter {
    limits: RequestLimits,
    control: ControlPlane,
}

impl RequestLimiter {
    /// A limiter with these limits, counting in `control`.
    pub fn new(limits: RequestLimits, control: ControlPlane) -> Self {
        RequestLimiter { limits, control }
    }

    async fn take(&self, key: String, limit: u32) -> Result<(), ApiError> {
        count(&self.control, &[(key, limit)], self.limits.window).await
    }

    /// Counts an invitation mail of `company`, or refuses it when the company is at its limit.
    pub async fn invitation_mail(&self, company: uuid::Uuid) -> Result<(), ApiError> {
        self.take(
            format!("invitation:company:{company}"),
            self.limits.invitations_per_company,
        )
        .await
    }

    /// Counts a signup request from `address`, or refuses it when the address is at its limit.
    pub async fn signup(&self, address: Option<IpAddr>) -> Result<(), ApiError> {
        self.take(
            format!("signup:address:{}", AddressKey::of(address).label()),
            self.limits.signups_per_address,
        )
        .await
    }

    /// Counts a password-reset request from `address`, or refuses it when the address is at
    /// its limit.
    pub async fn password_reset(&self, address: Option<IpAddr>) -> Result<(), ApiError> {
        self.take(
            format!("reset:address:{}", AddressKey::of(address).label()),
            self.limits.resets_per_address,
        )
        .await
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum CollectKey {
    Site(uuid::Uuid),
    Address(AddressKey),
}

impl CollectKey {
    fn name(self) -> String {
        match self {
            CollectKey::Site(site) => format!("collect:site:{site}"),
            CollectKey::Address(a) => format!("collect:address:{}", a.label()),
        }
    }
}

/// Events a process takes from a shared count at once: a twentieth of the limit (at least 1,
/// at most 1,000). Larger leases mean fewer control-plane writes; smaller ones lose less of the
/// allowance to leases other servers hold unused.
pub fn lease_size(limit: u32) -> u32 {
    (limit / 20).clamp(1, 1000)
}

/// Allowance this process holds for one key.
#[derive(Clone, Copy, Debug)]
struct LocalLease {
    /// Events left to spend.
    left: u32,
    /// When the shared window ends; the lease is void after.
    ends: Instant,
    /// The shared count had nothing more to give this window: once `left` is spent, refuse
    /// without asking again (leases are never given back, so nothing comes free before `ends`).
    exhausted: bool,
}

/// Keys kept at most in a collection limiter's lease map (a few MiB).
const LEASE_CAPACITY: usize = 100_000;

/// Counts collected events per site and per client address, for every server on the control
/// plane together, without a control-plane write per event.
///
/// Each process spends allowance it leased from the shared count ([`lease_size`] events at a
/// time per key). The bound, with N servers on one control plane and a lease of B events:
/// at most the limit of events pass per window across all servers (a lease is taken from the
/// shared count before it is spent, and never given back); and a key is refused only once the
/// shared count is spent, when the other servers may still hold up to (B - 1) unspent events
/// each, so at least `limit - (N - 1)(B - 1)` pass before a refusal.
#[derive(Debug)]
pub struct CollectLimiter {
    limits: CollectLimits,
    control: ControlPlane,
    leases: Mutex<HashMap<CollectKey, LocalLease>>,
    capacity: usize,
}

enum Local {
    /// Both keys had allowance; one event was spent from each.
    Spent,
    /// A key is spent for the rest of its window.
    Refused(Duration),
    /// These keys need a lease first.
    Ask(Vec<(CollectKey, u32)>),
}

impl CollectLimiter {
    /// A limiter with these limits, leasing from `control`.
    pub fn new(limits: CollectLimits, control: ControlPlane) -> Self {
        CollectLimiter {
            limits,
            control,
            leases: Mutex::new(HashMap::new()),
            capacity: LEASE_CAPACITY,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<CollectKey, LocalLease>> {
        // Every update leaves the map consistent, so a poisoned lock is still usable.
        self.leases.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn spend(&self, keys: &[(CollectKey, u32)]) -> Local {
        let now = Instant::now();
        let mut map = self.lock();
        let mut ask = Vec::new();
        let mut refused: Option<Duration> = None;
        for (key, limit) in keys {
            match map.get(key) {
                Some(l) if l.ends > now && l.left > 0 => {}
                Some(l) if l.ends > now && l.exhausted => {
                    let wait = l.ends - now;
                    refused = Some(refused.map_or(wait, |w| w.max(wait)));
                }
                _ => ask.push((*key, *limit)),
            }
        }
        if let Some(wait) = refused {
            return Local::Refused(wait);
        }
        if !ask.is_empty() {
            return Local::Ask(ask);
        }
        for (key, _) in keys {
            if let Some(l) = map.get_mut(key) {
                l.left -= 1;
            }
        }
        Local::Spent
    }

    /// Counts an event for `site` from `address`, or refuses it (uncounted) when either is at
    /// its limit.
    pub async fn event(&self, site: uuid::Uuid, address: Option<IpAddr>) -> Result<(), ApiError> {
        let keys = [
            (CollectKey::Site(site), self.limits.per_site),
            (
                CollectKey::Address(AddressKey::of(address)),
                self.limits.per_address,
            ),
        ];
        // Each round either spends, refuses, or leases fresh allowance from the shared count,
        // which is finite: the loop ends.
        loop {
            let ask = match self.spend(&keys) {
                Local::Spent => return Ok(()),
                Local::Refused(wait) => return Err(Limited::after(wait).into()),
                Local::Ask(ask) => ask,
            };
            let names: Vec<String> = ask.iter().map(|(k, _)| k.name()).collect();
            let asks: Vec<(&str, u32, u32)> = names
                .iter()
                .zip(&ask)
                .map(|(name, (_, limit))| (name.as_str(), *limit, lease_size(*limit)))
                .collect();
            let leases = self
                .control
                .lease_allowance(&asks, self.limits.window)
                .await?;
            let now = Instant::now();
            let mut map = self.lock();
            if map.len() + ask.len() > self.capacity {
                // Forgetting a lease loses allowance (fewer events pass, never more).
                map.retain(|_, l| l.ends > now);
                if map.len() + ask.len() > self.capacity {
                    map.clear();
                    tracing::warn!("collection limiter full; forgot its leases");
                }
            }
            for ((key, _), (lease, (_, _, want))) in ask.iter().zip(leases.iter().zip(&asks)) {
                let ends = now + lease.left;
                let exhausted = lease.granted < *want;
                let entry = map.entry(*key).or_insert(LocalLease {
                    left: 0,
                    ends,
                    exhausted,
                });
                if entry.ends <= now {
                    entry.left = 0;
                }
                entry.left = entry.left.saturating_add(lease.granted);
                entry.ends = ends;
                entry.exhausted = exhausted;
            }
        }
    }

    #[cfg(test)]
    fn leases_held(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use silo_testkit::TestStorage;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().expect("ip"))
    }

    /// A handle of its own on the test's control plane: a second call is a second server.
    async fn control(storage: &TestStorage) -> ControlPlane {
        match &storage.pg {
            None => ControlPlane::open_sqlite(&storage.dir.path().join("control.sqlite3")).await,
            Some(pg) => ControlPlane::open_postgres(&pg.control_url).await,
        }
        .expect("control plane")
    }

    fn limited(result: Result<(), ApiError>) -> Option<u64> {
        match result {
            Err(ApiError::RateLimited { retry_after }) => Some(retry_after),
            Err(e) => panic!("not a rate limit: {e:?}"),
            Ok(()) => None,
        }
    }

    fn login(plane: ControlPlane, per_email: u32, per_address: u32) -> LoginLimiter {
        LoginLimiter::new(
            LoginLimits {
                per_email,
                per_address,
                window: Duration::from_secs(60),
            },
            plane,
            "login",
        )
    }

    async fn counts_attempts_before_verifying_per_email_and_per_address() {
        let storage = TestStorage::new();
        let limiter = login(control(&storage).await, 2, 3);
        assert!(limiter.attempt("a@x.nl", ip("1.1.1.1")).await.is_ok());
        assert!(limiter.attempt(" A@X.nl ", ip("1.1.1.1")).await.is_ok());
        let wait =
            limited(limiter.attempt("a@x.nl", ip("2.2.2.2")).await).expect("email at its limit");
        assert!((1..=60).contains(&wait));
        // The refused attempt counted nothing against 2.2.2.2.
        for n in 0..3 {
            assert!(
                limiter
                    .attempt(&format!("b{n}@x.nl"), ip("2.2.2.2"))
                    .await
                    .is_ok()
            );
        }
        assert!(limiter.attempt("c@x.nl", ip("1.1.1.1")).await.is_ok());
        assert!(
            limited(limiter.attempt("d@x.nl", ip("1.1.1.1")).await).is_some(),
            "address at its limit"
        );
        limiter.succeeded("a@x.nl", ip("1.1.1.1")).await;
        assert!(limiter.attempt("a@x.nl", ip("9.9.9.9")).await.is_ok());
        assert!(
            limiter.attempt("e@x.nl", ip("1.1.1.1")).await.is_ok(),
            "a success gives the address its attempt back"
        );
    }

    async fn a_refused_attempt_is_not_counted_and_unverified_ones_are_given_back() {
        let storage = TestStorage::new();
        let limiter = login(control(&storage).await, 1, 2);
        assert!(limiter.attempt("a@x.nl", ip("1.1.1.1")).await.is_ok());
        assert!(limited(limiter.attempt("a@x.nl", ip("1.1.1.1")).await).is_some());
        // Only the first counted against the address.
        assert!(limiter.attempt("b@x.nl", ip("1.1.1.1")).await.is_ok());
        assert!(limited(limiter.attempt("c@x.nl", ip("1.1.1.1")).await).is_some());
        limiter.not_verified("b@x.nl", ip("1.1.1.1")).await;
        assert!(limiter.attempt("b@x.nl", ip("1.1.1.1")).await.is_ok());
    }

    /// Two servers on one control plane, attempts spread over both and made in parallel: at
    /// most the limit passes, as on one server.
    async fn two_servers_share_one_login_allowance() {
        let storage = TestStorage::new();
        let servers = std::sync::Arc::new([
            login(control(&storage).await, 5, 1000),
            login(control(&storage).await, 5, 1000),
        ]);
        let tasks: Vec<_> = (0..40)
            .map(|n| {
                let servers = servers.clone();
                tokio::spawn(async move {
                    servers[n % 2]
                        .attempt("a@x.nl", ip("1.1.1.1"))
                        .await
                        .is_ok()
                })
            })
            .collect();
        let mut passed = 0;
        for task in tasks {
            if task.await.expect("task") {
                passed += 1;
            }
        }
        assert_eq!(passed, 5);
        // A success on one server clears the count the other sees.
        servers[0].succeeded("a@x.nl", ip("1.1.1.1")).await;
        assert!(servers[1].attempt("a@x.nl", ip("1.1.1.1")).await.is_ok());
        // Other scopes count apart.
        let portal = LoginLimiter::new(
            LoginLimits {
                per_email: 1,
                per_address: 1000,
                window: Duration::from_secs(60),
            },
            control(&storage).await,
            "portal-link",
        );
        assert!(portal.attempt("a@x.nl", ip("1.1.1.1")).await.is_ok());
    }

    async fn ipv6_addresses_count_per_64_and_mapped_v4_as_v4() {
        let storage = TestStorage::new();
        let limits = RequestLimits {
            signups_per_address: 1,
            resets_per_address: 1,
            invitations_per_company: 2,
            window: Duration::from_secs(60),
        };
        let limiter = RequestLimiter::new(limits, control(&storage).await);
        let other = RequestLimiter::new(limits, control(&storage).await);
        assert!(limiter.signup(ip("2001:db8:1:2::1")).await.is_ok());
        assert!(limited(other.signup(ip("2001:db8:1:2:ffff::9")).await).is_some());
        assert!(limiter.signup(ip("2001:db8:1:3::1")).await.is_ok());
        assert!(limiter.signup(ip("192.0.2.1")).await.is_ok());
        assert!(limited(other.signup(ip("::ffff:192.0.2.1")).await).is_some());
        // Signups and resets are counted apart.
        assert!(limiter.password_reset(ip("192.0.2.1")).await.is_ok());
        assert!(limited(other.password_reset(ip("192.0.2.1")).await).is_some());
        assert!(limiter.signup(None).await.is_ok());
        assert!(limited(limiter.signup(None).await).is_some());
        let company = uuid::Uuid::new_v4();
        assert!(limiter.invitation_mail(company).await.is_ok());
        assert!(other.invitation_mail(company).await.is_ok());
        assert!(limited(limiter.invitation_mail(company).await).is_some());
    }

    async fn ended_windows_are_pruned_and_live_ones_kept() {
        let storage = TestStorage::new();
        let plane = control(&storage).await;
        let short = LoginLimiter::new(
            LoginLimits {
                per_email: 1,
                per_address: 1000,
                window: Duration::from_millis(1),
            },
            plane.clone(),
            "short",
        );
        let long = login(plane.clone(), 1, 1000);
        assert!(long.attempt("victim@x.nl", ip("1.1.1.1")).await.is_ok());
        for n in 0..20 {
            assert!(
                short
                    .attempt(&format!("a{n}@x.nl"), ip("1.1.1.1"))
                    .await
                    .is_ok()
            );
        }
        // Wait for the millisecond windows to end by the clock the counters use, not by sleeping
        // a guessed time.
        let until = std::time::SystemTime::now() + Duration::from_millis(5);
        while std::time::SystemTime::now() < until {
            tokio::task::yield_now().await;
        }
        // 20 emails and one address in the short windows, an email and an address in the long.
        assert_eq!(plane.attempt_rows().await.expect("rows"), 23);
        assert_eq!(plane.prune_attempts().await.expect("prune"), 21);
        assert!(
            limited(long.attempt("victim@x.nl", ip("1.1.1.1")).await).is_some(),
            "a live window outlives pruning"
        );
    }

    fn collect(plane: ControlPlane, per_site: u32, per_address: u32) -> CollectLimiter {
        CollectLimiter::new(
            CollectLimits {
                per_site,
                per_address,
                window: Duration::from_secs(60),
            },
            plane,
        )
    }

    /// Events spread over two servers: together they never pass the limit, and at least
    /// `limit - (N - 1)(B - 1)` pass before the first refusal; a refused event leases nothing.
    async fn two_servers_share_one_collection_allowance() {
        let storage = TestStorage::new();
        let plane = control(&storage).await;
        let servers = [
            collect(plane.clone(), 1000, 100),
            collect(control(&storage).await, 1000, 100),
        ];
        let site = uuid::Uuid::new_v4();
        let mut passed = 0u32;
        let mut first_refusal = None;
        for n in 0..300u32 {
            match servers[(n % 2) as usize].event(site, ip("1.1.1.1")).await {
                Ok(()) => passed += 1,
                Err(ApiError::RateLimited { retry_after }) => {
                    assert!((1..=60).contains(&retry_after));
                    first_refusal.get_or_insert(passed);
                }
                Err(e) => panic!("{e:?}"),
            }
        }
        let b = lease_size(100);
        assert_eq!(b, 5);
        assert!(passed <= 100, "{passed} passed, over the limit of 100");
        assert!(first_refusal.expect("refused") >= 100 - (b - 1));
        let rows = plane.attempt_rows().await.expect("rows");
        // Other addresses still have their own allowance; the site's count went up by what
        // passed only (leases of refused events' keys were not taken).
        assert!(servers[1].event(site, ip("2.2.2.2")).await.is_ok());
        assert_eq!(plane.attempt_rows().await.expect("rows"), rows + 1);
    }

    async fn the_site_limit_holds_across_servers_and_addresses() {
        let storage = TestStorage::new();
        let servers = [
            collect(control(&storage).await, 100, 1000),
            collect(control(&storage).await, 100, 1000),
        ];
        let site = uuid::Uuid::new_v4();
        let mut passed = 0u32;
        for n in 0..400u32 {
            let address = format!("10.1.{}.{}", n / 200, n % 200);
            if servers[(n % 2) as usize]
                .event(site, ip(&address))
                .await
                .is_ok()
            {
                passed += 1;
            }
        }
        assert!((96..=100).contains(&passed), "{passed} passed");
        assert!(servers[0].leases_held() > 0);
        // Another site is not affected.
        assert!(
            servers[0]
                .event(uuid::Uuid::new_v4(), ip("10.9.9.9"))
                .await
                .is_ok()
        );
    }

    #[test]
    fn email_keys_are_bounded() {
        assert_eq!(email_key(&"é".repeat(1000)).len(), 320);
        assert_eq!(email_key("  Ann@X.nl "), "ann@x.nl");
    }

    #[test]
    fn lease_sizes_stay_between_one_and_a_thousand() {
        assert_eq!(lease_size(1), 1);
        assert_eq!(lease_size(600), 30);
        assert_eq!(lease_size(30_000), 1000);
    }

    silo_testkit::backend_tests!(
        counts_attempts_before_verifying_per_email_and_per_address,
        a_refused_attempt_is_not_counted_and_unverified_ones_are_given_back,
        two_servers_share_one_login_allowance,
        ipv6_addresses_count_per_64_and_mapped_v4_as_v4,
        ended_windows_are_pruned_and_live_ones_kept,
        two_servers_share_one_collection_allowance,
        the_site_limit_holds_across_servers_and_addresses,
    );
}
