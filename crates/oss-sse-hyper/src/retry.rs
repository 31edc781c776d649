//! Retry policy: the official v2 SDK defaults (3 attempts, full jitter, 200 ms base, 20 s cap).

use std::time::Duration;

use ring::rand::{SecureRandom, SystemRandom};

/// How failed attempts are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Total attempts, including the first (1 disables retries).
    pub max_attempts: u32,
    /// Base delay of the exponential backoff.
    pub base_delay: Duration,
    /// Cap of one backoff.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_backoff: Duration::from_secs(20),
        }
    }
}

impl RetryPolicy {
    /// The defaults with a different number of attempts.
    pub fn with_max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// The defaults with a different base delay and cap.
    pub fn with_backoff(mut self, base: Duration, max: Duration) -> Self {
        self.base_delay = base;
        self.max_backoff = max;
        self
    }

    /// No retries.
    pub fn none() -> Self {
        Self::default().with_max_attempts(1)
    }

    /// Full jitter: a uniform delay in `[0, min(base · 2^attempt, max))`, where `attempt` is
    /// the number of the attempt that just failed (1 for the first).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32.checked_shl(attempt.min(30)).unwrap_or(u32::MAX));
        let cap = exp.min(self.max_backoff);
        let mut b = [0u8; 4];
        let r = if SystemRandom::new().fill(&mut b).is_ok() {
            f64::from(u32::from_le_bytes(b)) / (f64::from(u32::MAX) + 1.0)
        } else {
            0.5
        };
        cap.mul_f64(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_jitter_stays_under_the_cap() {
        let p = RetryPolicy::default();
        for attempt in 1..40 {
            let d = p.backoff(attempt);
            assert!(d < Duration::from_secs(20));
            assert!(d < Duration::from_millis(200) * 2u32.saturating_pow(attempt.min(20)));
        }
        assert_eq!(RetryPolicy::none().max_attempts, 1);
    }
}
