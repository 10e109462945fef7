//! `Client`: one entry point for every API (`execute`), and what a verified
//! success carries.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use alipay_ams_core::{ApiRequest, Environment, PrivateKey, PublicKey, ResultInfo, ResultStatus};
use bytes::Bytes;
use http::HeaderValue;

use crate::budget::{Bucket, RetryBudget};
use crate::builder::ClientBuilder;
use crate::error::{BodyLen, Error};
use crate::gateway::Gateway;
use crate::options::CallOptions;
use crate::retry::RetryPolicy;

/// A client of Alipay's AMS API. Cheap to clone: clones share one connection
/// pool, one configuration and one retry budget.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: String,
    /// `host[:port]` of the gateway, for error messages.
    pub(crate) host: String,
    pub(crate) gateway: Gateway,
    pub(crate) client_id: String,
    pub(crate) client_id_header: HeaderValue,
    pub(crate) private_key: PrivateKey,
    pub(crate) alipay_public_key: PublicKey,
    pub(crate) environment: Environment,
    pub(crate) key_version: u32,
    pub(crate) agent_token: Option<HeaderValue>,
    pub(crate) retry: RetryPolicy,
    pub(crate) budget: Bucket,
    pub(crate) connect_timeout: Duration,
    pub(crate) attempt_timeout: Duration,
    pub(crate) call_timeout: Option<Duration>,
    pub(crate) response_time_tolerance: Duration,
    pub(crate) max_response_bytes: usize,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("Client")
            .field("client_id", &inner.client_id)
            .field("gateway", &inner.gateway)
            .field("environment", &inner.environment)
            .field("private_key", &inner.private_key)
            .field("alipay_public_key", &inner.alipay_public_key)
            .field("key_version", &inner.key_version)
            .field(
                "agent_token",
                &inner.agent_token.as_ref().map(|_| "<redacted>"),
            )
            .field("retry", &inner.retry)
            .field("retry_budget", &inner.budget.budget())
            .field("connect_timeout", &inner.connect_timeout)
            .field("attempt_timeout", &inner.attempt_timeout)
            .field("call_timeout", &inner.call_timeout)
            .finish()
    }
}

/// A verified answer to the request sent: `S`, or `U` with one of the API's
/// pending codes ([`is_pending`](Self::is_pending)).
#[derive(Clone)]
pub struct Verified<T> {
    pub(crate) response: T,
    pub(crate) result: ResultInfo,
    pub(crate) body: Bytes,
    pub(crate) response_time: String,
    pub(crate) attempts: u32,
}

impl<T> Verified<T> {
    /// The typed response.
    pub fn response(&self) -> &T {
        &self.response
    }

    /// The typed response, by value.
    pub fn into_response(self) -> T {
        self.response
    }

    /// The reply's `result`: status `S`, or `U` with a pending code.
    pub fn result(&self) -> &ResultInfo {
        &self.result
    }

    /// Whether the answer is "accepted, not finished": a verified `U` with
    /// one of the API's
    /// [`PENDING_CODES`](alipay_ams_core::ApiRequest::PENDING_CODES), such as
    /// pay's `PAYMENT_IN_PROCESS` (waiting for the buyer) or refund's
    /// `REFUND_IN_PROCESS` (the result comes by `notifyRefund`). Not a
    /// failure, and not to be sent again: wait for the notification or
    /// inquire.
    pub fn is_pending(&self) -> bool {
        self.result.result_status != ResultStatus::Success
    }

    /// The reply body exactly as received and verified (fields this version
    /// does not model included).
    pub fn raw_body(&self) -> &[u8] {
        &self.body
    }

    /// The `response-time` header the signature covered.
    pub fn response_time(&self) -> &str {
        &self.response_time
    }

    /// How many attempts the call took.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
}

impl<T: fmt::Debug> fmt::Debug for Verified<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verified")
            .field("response", &self.response)
            .field("result", &self.result)
            .field("body", &BodyLen(self.body.len()))
            .field("response_time", &self.response_time)
            .field("attempts", &self.attempts)
            .finish()
    }
}

impl Client {
    /// A builder; see [`ClientBuilder`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// Sends a request and returns its verified, typed response on `S`, or
    /// on `U` with one of the API's
    /// [`PENDING_CODES`](alipay_ams_core::ApiRequest::PENDING_CODES) (pay's
    /// `PAYMENT_IN_PROCESS`: created, waiting for the buyer; refund's
    /// `REFUND_IN_PROCESS`: accepted, finishing asynchronously): the
    /// response's `result` says which.
    ///
    /// See [`Error`] for what `F`, unknown outcomes and requests that were
    /// never sent look like. Keep the request: after an unknown outcome, the
    /// only safe way to try again is to send the same request (same
    /// idempotency key).
    pub async fn execute<R: ApiRequest>(&self, request: &R) -> Result<R::Response, Error> {
        self.execute_verified_with(request, &CallOptions::default())
            .await
            .map(Verified::into_response)
    }

    /// Like [`execute`](Self::execute), and also returns the raw verified
    /// body, its `response-time` and the number of attempts.
    pub async fn execute_verified<R: ApiRequest>(
        &self,
        request: &R,
    ) -> Result<Verified<R::Response>, Error> {
        self.execute_verified_with(request, &CallOptions::default())
            .await
    }

    /// Like [`execute`](Self::execute), with this call's own timeouts or
    /// retry policy.
    pub async fn execute_with<R: ApiRequest>(
        &self,
        request: &R,
        options: &CallOptions,
    ) -> Result<R::Response, Error> {
        self.execute_verified_with(request, options)
            .await
            .map(Verified::into_response)
    }

    /// Like [`execute_verified`](Self::execute_verified), with this call's
    /// own timeouts or retry policy.
    pub async fn execute_verified_with<R: ApiRequest>(
        &self,
        request: &R,
        options: &CallOptions,
    ) -> Result<Verified<R::Response>, Error> {
        crate::call::run(&self.inner, request, options).await
    }

    /// The configured client id.
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    /// The environment requests go to.
    pub fn environment(&self) -> Environment {
        self.inner.environment
    }

    /// The gateway requests go to.
    pub fn gateway(&self) -> &Gateway {
        &self.inner.gateway
    }

    /// The path this client calls (and signs) for an API's production path.
    pub fn path_for(&self, production_path: &str) -> String {
        self.inner.environment.path(production_path).into_owned()
    }

    /// The retry policy of calls without their own.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.inner.retry
    }

    /// The retry budget this client and its clones share.
    pub fn retry_budget(&self) -> RetryBudget {
        self.inner.budget.budget()
    }

    /// The limit on opening a connection (TCP and TLS).
    pub fn connect_timeout(&self) -> Duration {
        self.inner.connect_timeout
    }

    /// The limit on one attempt of calls without their own.
    pub fn attempt_timeout(&self) -> Duration {
        self.inner.attempt_timeout
    }

    /// The limit on a whole call of calls without their own, if any.
    pub fn call_timeout(&self) -> Option<Duration> {
        self.inner.call_timeout
    }

    /// How far a verified reply's `response-time` may be from this
    /// machine's clock.
    pub fn response_time_tolerance(&self) -> Duration {
        self.inner.response_time_tolerance
    }
}
