//! One attempt: sign the serialized body with a fresh `Request-Time`, send
//! it, read the reply through a size limit and a timeout, and judge it.

use std::time::{Duration, SystemTime};

use alipay_ams_core::protocol::{CONTENT_TYPE_JSON, header};
use alipay_ams_core::{ApiRequest, Message, time};
use bytes::Bytes;
use http::HeaderMap;
use http::header::CONTENT_TYPE;

use crate::client::Inner;
use crate::reason::{NotSentReason, UnknownReason};
use crate::response::{Expected, Step, judge};
use crate::transport::TransportError;

/// What the exchange on the wire came to, before the reply is judged.
enum Exchange {
    Reply(u16, HeaderMap, Bytes),
    TooLarge,
    Failed(reqwest::Error),
}

/// Sends `body` (the request, serialized once) to `path`, within `timeout`.
pub(crate) async fn attempt<R: ApiRequest>(
    inner: &Inner,
    request: &R,
    path: &str,
    body: &Bytes,
    timeout: Duration,
) -> Step<R::Response> {
    let request_time = time::epoch_millis(SystemTime::now());
    let signature = match Message::request(path, &inner.client_id, &request_time, body)
        .sign(&inner.private_key, inner.key_version)
    {
        Ok(header) => header.to_string(),
        Err(error) => {
            return Step::NotSent {
                reason: NotSentReason::Sign(error),
                futile: true,
            };
        }
    };
    let mut http = inner
        .http
        .post(format!("{}{}", inner.base_url, path))
        .header(CONTENT_TYPE, CONTENT_TYPE_JSON)
        .header(header::CLIENT_ID, inner.client_id_header.clone())
        .header(header::REQUEST_TIME, request_time)
        .header(header::SIGNATURE, signature)
        .body(body.clone());
    if let Some(token) = &inner.agent_token {
        http = http.header(header::AGENT_TOKEN, token.clone());
    }
    let exchange = async {
        let mut response = match http.send().await {
            Ok(response) => response,
            Err(error) => return Exchange::Failed(error),
        };
        let status = response.status().as_u16();
        tracing::Span::current().record("http_status", status);
        let headers = std::mem::take(response.headers_mut());
        let limit = inner.max_response_bytes;
        if response
            .content_length()
            .is_some_and(|len| len > limit as u64)
        {
            return Exchange::TooLarge;
        }
        let mut raw = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if raw.len() + chunk.len() > limit {
                        return Exchange::TooLarge;
                    }
                    raw.extend_from_slice(&chunk);
                }
                Ok(None) => return Exchange::Reply(status, headers, Bytes::from(raw)),
                Err(error) => return Exchange::Failed(error),
            }
        }
    };
    match tokio::time::timeout(timeout, exchange).await {
        // The attempt timer covers connecting too, so the request may or may
        // not have been written: unknown.
        Err(_elapsed) => Step::unknown(UnknownReason::Timeout(timeout)),
        Ok(Exchange::TooLarge) => Step::unknown(UnknownReason::BodyTooLarge {
            limit: inner.max_response_bytes,
        }),
        Ok(Exchange::Failed(error)) => {
            let error = TransportError::new(error, &inner.host);
            let kind = error.kind();
            let futile = !kind.may_pass_on_retry();
            if kind.may_have_been_sent() {
                Step::Unknown {
                    reason: UnknownReason::Transport(error),
                    result: None,
                    futile,
                }
            } else {
                Step::NotSent {
                    reason: NotSentReason::Transport(error),
                    futile,
                }
            }
        }
        Ok(Exchange::Reply(status, headers, raw)) => {
            let expected = Expected {
                path,
                client_id: &inner.client_id,
                alipay_public_key: &inner.alipay_public_key,
                tolerance: inner.response_time_tolerance,
            };
            judge(&expected, request, status, &headers, raw)
        }
    }
}
