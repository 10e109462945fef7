//! The retry budget: a token bucket shared by a client and its clones, so
//! that an incident at Alipay (every call timing out) does not multiply the
//! load by the number of attempts.
//!
//! Every call puts [`RetryBudget::ratio`] of a token in; every retry takes one
//! out; the bucket also refills at [`RetryBudget::min_per_second`] and holds at
//! most [`RetryBudget::max_tokens`] (it starts full). With the defaults, a
//! busy client retries at most about 20% more requests than it makes calls,
//! and a quiet one (a script making one call) still gets its retries.

use std::sync::Mutex;
use std::time::Instant;

/// How many retries a client (and its clones) may make, across all calls.
///
/// ```
/// use alipay_ams_client::RetryBudget;
///
/// let budget = RetryBudget::default().with_ratio(0.1).with_max_tokens(50);
/// assert_eq!(budget.ratio(), 0.1);
/// assert_eq!(budget.max_tokens(), 50);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryBudget {
    ratio: f64,
    min_per_second: f64,
    max_tokens: u32,
    unlimited: bool,
}

impl Default for RetryBudget {
    /// 20% extra requests, plus one retry per second, and a reserve of 10.
    fn default() -> Self {
        RetryBudget {
            ratio: 0.2,
            min_per_second: 1.0,
            max_tokens: 10,
            unlimited: false,
        }
    }
}

impl RetryBudget {
    /// No budget: every call retries as its [`RetryPolicy`](crate::RetryPolicy) says.
    pub fn unlimited() -> Self {
        RetryBudget {
            unlimited: true,
            ..Self::default()
        }
    }

    /// The share of a retry each call earns (0.2: one retry per five calls).
    /// Negative or non-finite values count as 0.
    pub fn with_ratio(mut self, ratio: f64) -> Self {
        self.ratio = if ratio.is_finite() {
            ratio.max(0.0)
        } else {
            0.0
        };
        self
    }

    /// The share of a retry each call earns.
    pub fn ratio(&self) -> f64 {
        self.ratio
    }

    /// The retries per second allowed however few calls are made (the
    /// floor). Negative or non-finite values count as 0.
    pub fn with_min_per_second(mut self, per_second: f64) -> Self {
        self.min_per_second = if per_second.is_finite() {
            per_second.max(0.0)
        } else {
            0.0
        };
        self
    }

    /// The retries per second allowed however few calls are made.
    pub fn min_per_second(&self) -> f64 {
        self.min_per_second
    }

    /// The most retries saved up (and the number a new client starts with).
    pub fn with_max_tokens(mut self, tokens: u32) -> Self {
        self.max_tokens = tokens;
        self
    }

    /// The most retries saved up.
    pub fn max_tokens(&self) -> u32 {
        self.max_tokens
    }

    /// Whether there is no budget at all.
    pub fn is_unlimited(&self) -> bool {
        self.unlimited
    }
}

/// The shared bucket.
#[derive(Debug)]
pub(crate) struct Bucket {
    budget: RetryBudget,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    tokens: f64,
    refilled: Instant,
}

impl Bucket {
    pub(crate) fn new(budget: RetryBudget) -> Self {
        Bucket {
            budget,
            state: Mutex::new(State {
                tokens: f64::from(budget.max_tokens),
                refilled: Instant::now(),
            }),
        }
    }

    pub(crate) fn budget(&self) -> RetryBudget {
        self.budget
    }

    /// A call starts: it earns its share of a retry.
    pub(crate) fn deposit(&self) {
        if self.budget.unlimited {
            return;
        }
        let mut state = self.lock();
        state.tokens = (state.tokens + self.budget.ratio).min(f64::from(self.budget.max_tokens));
    }

    /// Takes one retry out, or says there is none left.
    pub(crate) fn withdraw(&self) -> bool {
        if self.budget.unlimited {
            return true;
        }
        let mut state = self.lock();
        let now = Instant::now();
        let elapsed = now.saturating_duration_since(state.refilled).as_secs_f64();
        state.refilled = now;
        state.tokens = (state.tokens + elapsed * self.budget.min_per_second)
            .min(f64::from(self.budget.max_tokens));
        if state.tokens >= 1.0 {
            state.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is two numbers, always consistent: a panic elsewhere
        // while holding the lock cannot leave it half-written.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_earn_retries_and_the_reserve_runs_out() {
        let bucket = Bucket::new(
            RetryBudget::default()
                .with_ratio(0.5)
                .with_min_per_second(0.0)
                .with_max_tokens(2),
        );
        assert!(bucket.withdraw());
        assert!(bucket.withdraw());
        assert!(!bucket.withdraw(), "the reserve of 2 is spent");
        bucket.deposit();
        assert!(!bucket.withdraw(), "half a retry is not a retry");
        bucket.deposit();
        assert!(bucket.withdraw(), "two calls at 0.5 earn one retry");
        for _ in 0..10 {
            bucket.deposit();
        }
        assert!(bucket.withdraw() && bucket.withdraw());
        assert!(!bucket.withdraw(), "savings are capped at max_tokens");
    }

    #[test]
    fn the_floor_refills_over_time_and_unlimited_never_runs_out() {
        let bucket = Bucket::new(
            RetryBudget::default()
                .with_ratio(0.0)
                .with_min_per_second(1000.0)
                .with_max_tokens(1),
        );
        assert!(bucket.withdraw());
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(bucket.withdraw(), "5 ms at 1000/s refill one retry");

        let unlimited = Bucket::new(RetryBudget::unlimited().with_max_tokens(0));
        assert!((0..1000).all(|_| unlimited.withdraw()));
        assert!(RetryBudget::unlimited().is_unlimited());
        assert_eq!(RetryBudget::default().with_ratio(f64::NAN).ratio(), 0.0);
    }
}
