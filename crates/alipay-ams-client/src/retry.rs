//! When to send an idempotent request again after an unknown outcome.
//!
//! Retrying is only safe because Alipay deduplicates by the idempotency key
//! (<https://docs.antom.com/ac/ams/idempotency>): the same `captureRequestId`
//! never captures twice. So the client
//! retries only requests that carry one, only when the outcome is unknown, and
//! always with the same body.

use std::time::Duration;

/// Attempts, overall deadline and backoff for idempotent requests whose outcome
/// is unknown.
///
/// The default makes at most 4 attempts within 30 seconds; the first retry
/// comes after 250-500 ms, then the wait doubles (with jitter) up to 8 s.
/// The client never sleeps past the deadline, and an attempt started near
/// the deadline is cut off at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    deadline: Duration,
    initial_backoff: Duration,
    max_backoff: Duration,
    jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            deadline: Duration::from_secs(30),
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The most attempts per call, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The time budget of a whole call, all attempts and waits included.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The wait before the first retry (before jitter); it doubles for each
    /// further retry.
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// The longest wait between two attempts.
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// Whether to randomise each wait to between half and all of its nominal
    /// value, so that many clients do not retry in lockstep (default: on).
    pub fn jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// The configured attempt limit.
    pub fn attempts_limit(&self) -> u32 {
        self.max_attempts
    }

    /// The configured overall deadline.
    pub fn deadline_limit(&self) -> Duration {
        self.deadline
    }

    /// The wait after failed attempt number `attempt` (1-based).
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(30);
        let nominal = self
            .initial_backoff
            .saturating_mul(1u32 << doublings)
            .min(self.max_backoff);
        if self.jitter && !nominal.is_zero() {
            let half = nominal / 2;
            let spread = u64::try_from((nominal - half).as_micros()).unwrap_or(u64::MAX);
            half + Duration::from_micros(rand::random_range(0..=spread))
        } else {
            nominal
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_first_retry_is_within_a_second_and_waits_grow_to_the_cap() {
        let policy = RetryPolicy::default();
        for _ in 0..100 {
            let first = policy.backoff(1);
            assert!(
                first >= Duration::from_millis(250) && first <= Duration::from_millis(500),
                "{first:?}"
            );
            assert!(policy.backoff(20) <= Duration::from_secs(8));
            assert!(policy.backoff(20) >= Duration::from_secs(4));
        }
        let fixed = policy.jitter(false);
        assert_eq!(fixed.backoff(1), Duration::from_millis(500));
        assert_eq!(fixed.backoff(2), Duration::from_secs(1));
        assert_eq!(fixed.backoff(3), Duration::from_secs(2));
        assert_eq!(fixed.backoff(100), Duration::from_secs(8));
    }

    #[test]
    fn at_least_one_attempt() {
        assert_eq!(RetryPolicy::default().max_attempts(0).attempts_limit(), 1);
        assert_eq!(RetryPolicy::none().attempts_limit(), 1);
        assert_eq!(RetryPolicy::default().attempts_limit(), 4);
    }
}
