//! Per-call overrides of the client's timeouts and retry policy: one client
//! serves a capture (retried with its key, patiently) and an inquiry made
//! while a customer waits (one quick attempt).

use std::time::Duration;

use crate::retry::RetryPolicy;

/// Settings for one call that differ from the client's.
///
/// ```no_run
/// # async fn run(client: alipay_ams_client::Client, request: alipay_ams_api::payments::CaptureRequest) -> Result<(), alipay_ams_client::Error> {
/// use std::time::Duration;
/// use alipay_ams_client::{CallOptions, RetryPolicy};
///
/// let options = CallOptions::new()
///     .attempt_timeout(Duration::from_secs(5))
///     .call_timeout(Duration::from_secs(12))
///     .retry(RetryPolicy::default().with_max_attempts(2));
/// let captured = client.execute_with(&request, &options).await?;
/// # let _ = captured; Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallOptions {
    pub(crate) attempt_timeout: Option<Duration>,
    pub(crate) call_timeout: Option<Duration>,
    pub(crate) retry: Option<RetryPolicy>,
}

impl CallOptions {
    /// No overrides: the client's settings.
    pub fn new() -> Self {
        Self::default()
    }

    /// The limit on one attempt, reply body included, for this call.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// The limit on the whole call, every attempt and wait included, for
    /// this call.
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = Some(timeout);
        self
    }

    /// The retry policy for this call. The client's retry budget still
    /// applies, and so does the API's retry class.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }
}
