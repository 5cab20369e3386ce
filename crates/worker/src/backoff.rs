//! When a failed job runs again: exponential backoff with full jitter, capped.

use rand::RngExt as _;
use std::time::Duration;

/// The wait before attempt `attempts + 1`, after `attempts` failed ones: a random time between
/// half and all of `base * 2^(attempts-1)`, at most `cap`. The jitter spreads retries of many
/// jobs that failed together (an endpoint that was down).
pub fn delay(attempts: i64, base: Duration, cap: Duration) -> Duration {
    let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    let full = base.saturating_mul(1u32 << exp).min(cap);
    let half = full / 2;
    let jitter = rand::rng().random_range(0..=half.as_millis().min(u128::from(u64::MAX)) as u64);
    half + Duration::from_millis(jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_then_stays_under_the_cap() {
        let base = Duration::from_secs(1);
        let cap = Duration::from_secs(60);
        for attempts in 1..40 {
            let d = delay(attempts, base, cap);
            let full = base.saturating_mul(1u32 << (attempts - 1).min(30)).min(cap);
            assert!(
                d >= full / 2 && d <= full,
                "{attempts}: {d:?} not in [{:?}, {full:?}]",
                full / 2
            );
        }
        assert!(delay(40, base, cap) <= cap);
    }
}
