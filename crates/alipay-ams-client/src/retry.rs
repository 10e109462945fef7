//! When to send a request again after an unknown outcome, or after a
//! connection that could not be made.
//!
//! Sending again is only safe because Alipay deduplicates by the idempotency
//! key (<https://docs.antom.com/ac/ams/idempotency>): the same
//! `captureRequestId` never captures twice. So the client sends again only
//! what the API's [`Retry`](crate::Retry) class allows, always the same bytes
//! under the same key; a request that never left may always be sent again.
//! How long a call may take is not set here but by the timeouts
//! ([`ClientBuilder::call_timeout`](crate::ClientBuilder::call_timeout)).

use std::time::Duration;

/// How many attempts, and the waits between them.
///
/// The default makes at most 4 attempts; the first retry comes after 250-500
/// ms, then the wait doubles (with jitter) up to 8 s.
///
/// ```
/// use std::time::Duration;
/// use alipay_ams_client::RetryPolicy;
///
/// let policy = RetryPolicy::default().with_max_attempts(6).with_max_backoff(Duration::from_secs(2));
/// assert_eq!(policy.max_attempts(), 6);
/// assert_eq!(RetryPolicy::none().max_attempts(), 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries. Nothing else changes: in particular no time
    /// limit is added.
    pub fn none() -> Self {
        Self::default().with_max_attempts(1)
    }

    /// The most attempts per call, the first included (at least 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The most attempts per call, the first included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The wait before the first retry (before jitter); it doubles for each
    /// further retry.
    pub fn with_initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// The wait before the first retry, before jitter.
    pub fn initial_backoff(&self) -> Duration {
        self.initial_backoff
    }

    /// The longest wait between two attempts.
    pub fn with_max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// The longest wait between two attempts.
    pub fn max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// Whether to randomise each wait to between half and all of its nominal
    /// value, so that many clients do not retry in lockstep (default: on).
    pub fn with_jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// Whether waits are randomised.
    pub fn jitter(&self) -> bool {
        self.jitter
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
        let fixed = policy.with_jitter(false);
        assert!(!fixed.jitter());
        assert_eq!(fixed.backoff(1), Duration::from_millis(500));
        assert_eq!(fixed.backoff(2), Duration::from_secs(1));
        assert_eq!(fixed.backoff(3), Duration::from_secs(2));
        assert_eq!(fixed.backoff(100), Duration::from_secs(8));
    }

    #[test]
    fn at_least_one_attempt_and_getters_read_what_setters_wrote() {
        assert_eq!(
            RetryPolicy::default().with_max_attempts(0).max_attempts(),
            1
        );
        assert_eq!(RetryPolicy::none().max_attempts(), 1);
        assert_eq!(RetryPolicy::default().max_attempts(), 4);
        let policy = RetryPolicy::default()
            .with_initial_backoff(Duration::from_millis(7))
            .with_max_backoff(Duration::from_millis(9));
        assert_eq!(policy.initial_backoff(), Duration::from_millis(7));
        assert_eq!(policy.max_backoff(), Duration::from_millis(9));
        // `none()` changes the attempts, nothing else.
        assert_eq!(
            RetryPolicy::none(),
            RetryPolicy::default().with_max_attempts(1)
        );
    }
}
