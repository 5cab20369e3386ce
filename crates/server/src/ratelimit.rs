//! Login attempt limits, per email and per client address, in memory.
//!
//! A fixed window per key: after `max_failures` failed attempts within `window`, further
//! attempts are refused until the window ends. A successful login clears its email's count.
//! With several server processes each keeps its own counts (documented limitation).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Limits for login attempts.
#[derive(Clone, Copy, Debug)]
pub struct LoginLimits {
    /// Failures allowed per email within the window.
    pub per_email: u32,
    /// Failures allowed per client address within the window.
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

#[derive(Debug)]
struct Window {
    started: Instant,
    failures: u32,
}

/// Counts failed logins.
#[derive(Debug)]
pub struct LoginLimiter {
    limits: LoginLimits,
    windows: Mutex<HashMap<String, Window>>,
}

/// Entries kept before expired ones are swept, so the map cannot grow without bound.
const SWEEP_AT: usize = 10_000;

impl LoginLimiter {
    /// A limiter with these limits.
    pub fn new(limits: LoginLimits) -> Self {
        LoginLimiter {
            limits,
            windows: Mutex::new(HashMap::new()),
        }
    }

    fn keys(email: &str, address: &str) -> [(String, u32); 2] {
        [
            (format!("email:{email}"), 0),
            (format!("addr:{address}"), 1),
        ]
    }

    fn max(&self, kind: u32) -> u32 {
        if kind == 0 {
            self.limits.per_email
        } else {
            self.limits.per_address
        }
    }

    /// `Err(seconds)` when either key is over its limit now.
    pub fn check(&self, email: &str, address: &str) -> Result<(), u64> {
        let windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        for (key, kind) in Self::keys(email, address) {
            if let Some(w) = windows.get(&key) {
                let elapsed = w.started.elapsed();
                if elapsed < self.limits.window && w.failures >= self.max(kind) {
                    return Err((self.limits.window - elapsed).as_secs().max(1));
                }
            }
        }
        Ok(())
    }

    /// Counts a failed attempt against both keys.
    pub fn failed(&self, email: &str, address: &str) {
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() > SWEEP_AT {
            let window = self.limits.window;
            windows.retain(|_, w| w.started.elapsed() < window);
        }
        for (key, _) in Self::keys(email, address) {
            let w = windows.entry(key).or_insert(Window {
                started: Instant::now(),
                failures: 0,
            });
            if w.started.elapsed() >= self.limits.window {
                *w = Window {
                    started: Instant::now(),
                    failures: 0,
                };
            }
            w.failures += 1;
        }
    }

    /// Clears the email's count after a successful login.
    pub fn succeeded(&self, email: &str) {
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        windows.remove(&format!("email:{email}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_the_limit_per_email_and_per_address() {
        let limiter = LoginLimiter::new(LoginLimits {
            per_email: 2,
            per_address: 3,
            window: Duration::from_secs(60),
        });
        assert!(limiter.check("a@x.nl", "1.1.1.1").is_ok());
        limiter.failed("a@x.nl", "1.1.1.1");
        limiter.failed("a@x.nl", "1.1.1.1");
        let wait = limiter.check("a@x.nl", "2.2.2.2").unwrap_err();
        assert!((1..=60).contains(&wait));
        assert!(
            limiter.check("b@x.nl", "2.2.2.2").is_ok(),
            "other email, other address"
        );
        limiter.failed("c@x.nl", "1.1.1.1");
        assert!(
            limiter.check("d@x.nl", "1.1.1.1").is_err(),
            "address over its limit"
        );
        limiter.succeeded("a@x.nl");
        assert!(limiter.check("a@x.nl", "2.2.2.2").is_ok());
    }
}
