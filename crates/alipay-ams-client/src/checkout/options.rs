//! [`ResolveOptions`]: how often [`Client::resolve`](crate::Client::resolve)
//! inquires, for how long, and when "not found" is believed.

use std::time::Duration;

use crate::options::CallOptions;
use crate::retry::RetryPolicy;

/// How [`Client::resolve`](crate::Client::resolve) inquires: how often, for how long, and when "not
/// found" is believed.
///
/// ```
/// use std::time::Duration;
/// use alipay_ams_client::checkout::ResolveOptions;
///
/// // Every 2 s, doubling up to 30 s, for at most 10 minutes.
/// let patient = ResolveOptions::default()
///     .with_backoff(Duration::from_secs(30))
///     .with_deadline(Duration::from_secs(600));
/// assert_eq!(patient.interval(), Duration::from_secs(2));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveOptions {
    pub(super) interval: Duration,
    pub(super) max_interval: Duration,
    pub(super) deadline: Duration,
    pub(super) not_found_after: u32,
    pub(super) call: CallOptions,
}

impl Default for ResolveOptions {
    /// Every 2 seconds (what the docs suggest for `inquiryPayment`), for at
    /// most 60 seconds; "not found" believed after 3 answers in a row; each
    /// inquiry one attempt (the polling is the retry).
    fn default() -> Self {
        ResolveOptions {
            interval: Duration::from_secs(2),
            max_interval: Duration::from_secs(2),
            deadline: Duration::from_secs(60),
            not_found_after: 3,
            call: CallOptions::new().retry(RetryPolicy::none()),
        }
    }
}

impl ResolveOptions {
    /// The wait between two inquiries (and the first of them, with
    /// [`with_backoff`](Self::with_backoff)).
    pub fn with_interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self.max_interval = self.max_interval.max(interval);
        self
    }

    /// The wait between two inquiries.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Doubles the wait after each inquiry, up to `max_interval`.
    pub fn with_backoff(mut self, max_interval: Duration) -> Self {
        self.max_interval = max_interval.max(self.interval);
        self
    }

    /// The longest wait between two inquiries.
    pub fn max_interval(&self) -> Duration {
        self.max_interval
    }

    /// How long to keep inquiring, from the first inquiry: no inquiry
    /// starts after it. One in flight then finishes within its own
    /// timeouts (the client's, or [`with_call_options`](Self::with_call_options)'),
    /// so a resolution lasts at most the deadline plus one inquiry.
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// How long to keep inquiring.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// How many "not found" answers in a row end the resolution early as
    /// [`Resolution::NotFound`](super::Resolution::NotFound) (at least 1). A request still on its way
    /// shows as not found until it lands: more answers, more certainty.
    pub fn with_not_found_after(mut self, answers: u32) -> Self {
        self.not_found_after = answers.max(1);
        self
    }

    /// How many "not found" answers in a row end the resolution early.
    pub fn not_found_after(&self) -> u32 {
        self.not_found_after
    }

    /// The timeouts and retry policy of each inquiry (default: one attempt,
    /// the client's timeouts).
    pub fn with_call_options(mut self, options: CallOptions) -> Self {
        self.call = options;
        self
    }

    /// The timeouts and retry policy of each inquiry.
    pub fn call_options(&self) -> &CallOptions {
        &self.call
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_keep_the_interval_below_its_cap_and_ask_at_least_once() {
        let defaults = ResolveOptions::default();
        assert_eq!(defaults.interval(), Duration::from_secs(2));
        assert_eq!(defaults.max_interval(), Duration::from_secs(2));
        assert_eq!(defaults.deadline(), Duration::from_secs(60));
        assert_eq!(defaults.not_found_after(), 3);
        assert_eq!(
            defaults.call_options(),
            &CallOptions::new().retry(RetryPolicy::none())
        );
        // A longer interval lifts the cap; a cap below the interval is the interval.
        let longer = ResolveOptions::default().with_interval(Duration::from_secs(5));
        assert_eq!(longer.max_interval(), Duration::from_secs(5));
        let capped = longer.with_backoff(Duration::from_secs(1));
        assert_eq!(capped.max_interval(), Duration::from_secs(5));
        assert_eq!(
            ResolveOptions::default()
                .with_not_found_after(0)
                .not_found_after(),
            1
        );
    }
}
