//! `Client`: sign, send, verify, parse; retry idempotent calls whose outcome is
//! unknown.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use alipay_ams_core::protocol::{CONTENT_TYPE_JSON, header};
use alipay_ams_core::{ApiRequest, Environment, Message, PrivateKey, PublicKey, ResultInfo, time};
use bytes::Bytes;
use http::HeaderValue;
use http::header::CONTENT_TYPE;
use tokio::time::Instant;
use tracing::{Instrument, field};

use crate::builder::ClientBuilder;
use crate::error::{Error, UnknownReason};
use crate::gateway::Gateway;
use crate::response::{Expected, Verdict, judge};
use crate::retry::RetryPolicy;

/// A client of Alipay's AMS API. Cheap to clone: clones share one connection
/// pool and configuration.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: String,
    pub(crate) gateway: Gateway,
    pub(crate) client_id: String,
    pub(crate) client_id_header: HeaderValue,
    pub(crate) private_key: PrivateKey,
    pub(crate) alipay_public_key: PublicKey,
    pub(crate) environment: Environment,
    pub(crate) key_version: u32,
    pub(crate) agent_token: Option<HeaderValue>,
    pub(crate) retry: RetryPolicy,
    pub(crate) request_timeout: Duration,
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
            .field("request_timeout", &inner.request_timeout)
            .finish()
    }
}

/// A successful (S), verified reply.
#[derive(Debug, Clone)]
pub struct Verified<T> {
    response: T,
    body: Bytes,
    response_time: String,
    attempts: u32,
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

/// What one attempt came to.
enum Attempt<T> {
    Done(Verdict<T>, Bytes, String),
    NotSent(alipay_ams_core::SignError),
}

impl Client {
    /// A builder; see [`ClientBuilder`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
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

    /// Sends a request and returns its verified, typed response on S.
    ///
    /// See [`Error`] for what F and unknown outcomes look like. Keep the
    /// request: after an unknown outcome, the only safe way to try again is
    /// to send the same request (same idempotency key).
    pub async fn execute<R: ApiRequest>(&self, request: &R) -> Result<R::Response, Error> {
        self.execute_verified(request)
            .await
            .map(Verified::into_response)
    }

    /// Like [`execute`](Self::execute), and also returns the raw verified
    /// body, its `response-time` and the number of attempts.
    pub async fn execute_verified<R: ApiRequest>(
        &self,
        request: &R,
    ) -> Result<Verified<R::Response>, Error> {
        request.validate()?;
        // Serialized once: every attempt signs and sends these same bytes.
        let body = Bytes::from(serde_json::to_vec(request).map_err(Error::Serialize)?);
        let path = self.inner.environment.path(R::PATH);
        let key = request.idempotency_key();
        let may_retry = request.may_retry();
        let span = tracing::info_span!(
            "alipay_ams.call",
            api = R::NAME,
            path = %path,
            idempotency_key = key.unwrap_or(""),
            attempts = field::Empty,
            result_status = field::Empty,
            result_code = field::Empty,
        );
        self.run(request, &path, body, key, may_retry)
            .instrument(span)
            .await
    }

    async fn run<R: ApiRequest>(
        &self,
        request: &R,
        path: &str,
        body: Bytes,
        key: Option<&str>,
        may_retry: bool,
    ) -> Result<Verified<R::Response>, Error> {
        let policy = self.inner.retry;
        // The API's retry class decides: a second attempt of a request that
        // Alipay does not deduplicate could act twice.
        let max_attempts = if may_retry {
            policy.attempts_limit()
        } else {
            1
        };
        let deadline = Instant::now() + policy.deadline_limit();
        let span = tracing::Span::current();
        let mut last_result: Option<ResultInfo> = None;
        let mut last_reason: Option<UnknownReason> = None;
        let mut attempt: u32 = 0;
        let unknown = |reason, attempts, last_result| Error::OutcomeUnknown {
            api: R::NAME,
            reason,
            attempts,
            last_result,
            idempotency_field: R::IDEMPOTENCY_FIELD,
            idempotency_key: key.map(str::to_owned),
            advice: R::UNKNOWN_OUTCOME_ADVICE,
        };
        loop {
            attempt += 1;
            let timeout = self
                .inner
                .request_timeout
                .min(deadline.saturating_duration_since(Instant::now()));
            let attempt_span = tracing::debug_span!(
                "alipay_ams.attempt",
                attempt,
                http_status = field::Empty,
                result_status = field::Empty,
                result_code = field::Empty,
            );
            let outcome = self
                .attempt::<R::Response>(path, &body, timeout)
                .instrument(attempt_span.clone())
                .await;
            span.record("attempts", attempt);
            let (mut verdict, raw, response_time) = match outcome {
                Attempt::Done(verdict, raw, response_time) => (verdict, raw, response_time),
                Attempt::NotSent(error) => {
                    // Only reachable on a retry if signing broke mid-call; the
                    // earlier attempts' outcome is still unknown.
                    return Err(match last_reason {
                        Some(reason) => unknown(reason, attempt - 1, last_result),
                        None => Error::Sign(error),
                    });
                }
            };
            // A verified S is believed only for the request it answers: a
            // recorded genuine reply to another request verifies too.
            if let Verdict::Success(response, result) = &verdict
                && let Err(mismatch) = request.check_reply(response)
            {
                verdict = Verdict::Unknown {
                    reason: UnknownReason::ReplyMismatch(mismatch),
                    result: Some(result.clone()),
                };
            }
            match verdict {
                Verdict::Success(response, result) => {
                    record_result(&[&span, &attempt_span], &result);
                    tracing::info!(attempt, "succeeded");
                    return Ok(Verified {
                        response,
                        body: raw,
                        response_time,
                        attempts: attempt,
                    });
                }
                Verdict::Failed { result, verified } => {
                    record_result(&[&span, &attempt_span], &result);
                    tracing::info!(attempt, verified, "failed with a final result");
                    return Err(Error::Failed {
                        api: R::NAME,
                        result,
                        verified,
                        idempotency_field: R::IDEMPOTENCY_FIELD,
                        idempotency_key: key.map(str::to_owned),
                        body: raw,
                    });
                }
                Verdict::Unknown { reason, result } => {
                    if let Some(result) = result {
                        record_result(&[&span, &attempt_span], &result);
                        last_result = Some(result);
                    }
                    tracing::warn!(attempt, reason = %reason, "outcome unknown");
                    if attempt >= max_attempts {
                        return Err(unknown(reason, attempt, last_result));
                    }
                    let wait = policy.backoff(attempt);
                    // Never sleep past the deadline, and leave the next
                    // attempt some time to run.
                    if Instant::now() + wait >= deadline {
                        tracing::warn!(attempt, "retry deadline reached");
                        return Err(unknown(reason, attempt, last_result));
                    }
                    last_reason = Some(reason);
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// One signed attempt, with a fresh `Request-Time`.
    async fn attempt<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &Bytes,
        timeout: Duration,
    ) -> Attempt<T> {
        let inner = &*self.inner;
        let request_time = time::epoch_millis(SystemTime::now());
        let signature = match Message::request(path, &inner.client_id, &request_time, body)
            .sign(&inner.private_key, inner.key_version)
        {
            Ok(header) => header.to_string(),
            Err(error) => return Attempt::NotSent(error),
        };
        let mut request = inner
            .http
            .post(format!("{}{}", inner.base_url, path))
            .header(CONTENT_TYPE, CONTENT_TYPE_JSON)
            .header(header::CLIENT_ID, inner.client_id_header.clone())
            .header(header::REQUEST_TIME, request_time)
            .header(header::SIGNATURE, signature)
            .body(body.clone());
        if let Some(token) = &inner.agent_token {
            request = request.header(header::AGENT_TOKEN, token.clone());
        }
        let exchange = async {
            let mut response = request.send().await?;
            let status = response.status().as_u16();
            tracing::Span::current().record("http_status", status);
            let headers = std::mem::take(response.headers_mut());
            let limit = inner.max_response_bytes;
            if response
                .content_length()
                .is_some_and(|len| len > limit as u64)
            {
                return Ok(Err(UnknownReason::BodyTooLarge { limit }));
            }
            let mut raw = Vec::new();
            while let Some(chunk) = response.chunk().await? {
                if raw.len() + chunk.len() > limit {
                    return Ok(Err(UnknownReason::BodyTooLarge { limit }));
                }
                raw.extend_from_slice(&chunk);
            }
            Ok::<_, reqwest::Error>(Ok((status, headers, Bytes::from(raw))))
        };
        let unknown = |reason| {
            Attempt::Done(
                Verdict::Unknown {
                    reason,
                    result: None,
                },
                Bytes::new(),
                String::new(),
            )
        };
        let (status, headers, raw) = match tokio::time::timeout(timeout, exchange).await {
            Err(_elapsed) => return unknown(UnknownReason::Timeout(timeout)),
            Ok(Err(error)) if error.is_timeout() => {
                return unknown(UnknownReason::Timeout(timeout));
            }
            Ok(Err(error)) => return unknown(UnknownReason::Transport(error_chain(&error))),
            Ok(Ok(Err(reason))) => return unknown(reason),
            Ok(Ok(Ok(reply))) => reply,
        };
        let expected = Expected {
            path,
            client_id: &inner.client_id,
            alipay_public_key: &inner.alipay_public_key,
        };
        let verdict = judge::<T>(&expected, status, &headers, &raw);
        let response_time = headers
            .get(header::RESPONSE_TIME)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        Attempt::Done(verdict, raw, response_time)
    }
}

fn record_result(spans: &[&tracing::Span], result: &ResultInfo) {
    for span in spans {
        span.record("result_status", result.result_status.as_str());
        span.record("result_code", result.result_code.as_str());
    }
}

/// An error and its causes on one line ("error sending request: connection refused").
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
