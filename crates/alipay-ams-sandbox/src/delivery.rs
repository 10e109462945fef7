//! `notifyCapture` delivery: signed POSTs to the merchant's notify URL,
//! redelivered on Alipay's schedule until acknowledged (SPEC §3, §7).
//!
//! Every attempt is recorded in the delivery log. Deliveries run in their own
//! tasks: the API reply never waits for them, as with Alipay, so a
//! notification can arrive before the synchronous reply does.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use alipay_ams_core::time::iso8601_utc;
use alipay_ams_core::{
    CaptureNotification, DEFAULT_KEY_VERSION, Message, PrivateKey, REDELIVERY_SCHEDULE_SECS,
};
use bytes::Bytes;
use http::{Request, Uri, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::lock;

/// The most of a merchant's answer that is read.
const MAX_ANSWER: usize = 64 * 1024;

/// One attempt to deliver a notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeliveryAttempt {
    /// `CAPTURE_RESULT`.
    pub notify_type: String,
    /// The capture the notification is about; all attempts of one
    /// notification share it.
    pub capture_id: String,
    /// The merchant's capture request id.
    pub capture_request_id: String,
    /// The payment.
    pub payment_id: String,
    /// The notified result status: S or F.
    pub result_status: String,
    /// Where it was posted.
    pub notify_url: String,
    /// 1 for the first delivery, 2 for the first redelivery, ...
    pub attempt: u32,
    /// When the attempt started, ISO 8601 (the `request-time` it was signed with).
    pub time: String,
    /// When the attempt started, for arithmetic.
    #[serde(skip)]
    pub at: SystemTime,
    /// The HTTP status the merchant answered, if it answered.
    pub http_status: Option<u16>,
    /// Why the attempt failed before an answer (connection refused, timeout...).
    pub error: Option<String>,
    /// Whether the answer was the fixed acknowledgement (HTTP 200 and
    /// `result` S / SUCCESS).
    pub acknowledged: bool,
    /// Whether no further attempt follows (acknowledged, redelivery off, or
    /// the schedule is exhausted).
    pub last: bool,
}

/// Delivers notifications and keeps the log.
#[derive(Clone)]
pub(crate) struct Notifier {
    inner: Arc<NotifierInner>,
}

struct NotifierInner {
    client_id: String,
    key: PrivateKey,
    schedule: Vec<Duration>,
    attempt_timeout: Duration,
    http: Client<HttpConnector, Full<Bytes>>,
    log: Mutex<Vec<DeliveryAttempt>>,
    changed: watch::Sender<u64>,
    shutdown: watch::Receiver<bool>,
    runtime: tokio::runtime::Handle,
    tasks: Mutex<JoinSet<()>>,
}

/// Alipay's schedule compressed by `time_scale`; one attempt when redelivery is off.
pub(crate) fn schedule(time_scale: f64, redelivery: bool) -> Vec<Duration> {
    let steps = if redelivery {
        REDELIVERY_SCHEDULE_SECS.len()
    } else {
        1
    };
    REDELIVERY_SCHEDULE_SECS
        .iter()
        .take(steps)
        .map(|&secs| Duration::try_from_secs_f64(secs as f64 * time_scale).unwrap_or(Duration::MAX))
        .collect()
}

impl Notifier {
    pub fn new(
        client_id: String,
        key: PrivateKey,
        schedule: Vec<Duration>,
        attempt_timeout: Duration,
        shutdown: watch::Receiver<bool>,
        runtime: tokio::runtime::Handle,
    ) -> Self {
        let http = Client::builder(TokioExecutor::new()).build_http();
        Notifier {
            inner: Arc::new(NotifierInner {
                client_id,
                key,
                schedule,
                attempt_timeout,
                http,
                log: Mutex::new(Vec::new()),
                changed: watch::Sender::new(0),
                shutdown,
                runtime,
                tasks: Mutex::new(JoinSet::new()),
            }),
        }
    }

    /// Starts delivering in the background.
    pub fn spawn(&self, url: String, notification: CaptureNotification) {
        let body = match serde_json::to_vec(&notification) {
            Ok(body) => Bytes::from(body),
            Err(e) => {
                tracing::error!("cannot serialize notification: {e}");
                return;
            }
        };
        let this = self.clone();
        let mut tasks = lock(&self.inner.tasks);
        while tasks.try_join_next().is_some() {}
        // On the sandbox's runtime, so callers need not be inside one.
        tasks.spawn_on(
            async move { this.deliver(url, notification, body).await },
            &self.inner.runtime,
        );
    }

    async fn deliver(self, url: String, notification: CaptureNotification, body: Bytes) {
        let inner = &self.inner;
        let mut shutdown = inner.shutdown.clone();
        let total = inner.schedule.len();
        for (index, wait) in inner.schedule.iter().enumerate() {
            if !wait.is_zero() {
                tokio::select! {
                    _ = tokio::time::sleep(*wait) => {}
                    _ = crate::stopped(&mut shutdown) => return,
                }
            }
            let at = SystemTime::now();
            let time = iso8601_utc(at);
            let (http_status, error, acknowledged) =
                match self.attempt(&url, &time, body.clone()).await {
                    Ok((status, answer)) => (Some(status), None, status == 200 && is_ack(&answer)),
                    Err(e) => (None, Some(e), false),
                };
            let attempt = DeliveryAttempt {
                notify_type: notification.notify_type.as_str().to_owned(),
                capture_id: notification.capture_id.clone(),
                capture_request_id: notification.capture_request_id.clone(),
                payment_id: notification.payment_id.clone(),
                result_status: notification.result.result_status.as_str().to_owned(),
                notify_url: url.clone(),
                attempt: index as u32 + 1,
                time,
                at,
                http_status,
                error,
                acknowledged,
                last: acknowledged || index + 1 == total,
            };
            tracing::info!(
                "notifyCapture captureId={} attempt {}/{} to {} -> {}{}",
                attempt.capture_id,
                attempt.attempt,
                total,
                url,
                match (&attempt.http_status, &attempt.error) {
                    (Some(status), _) => format!("HTTP {status}"),
                    (None, Some(e)) => e.clone(),
                    (None, None) => "no answer".into(),
                },
                if acknowledged {
                    ", acknowledged"
                } else {
                    ", not acknowledged"
                },
            );
            lock(&inner.log).push(attempt);
            inner.changed.send_modify(|n| *n += 1);
            if acknowledged {
                return;
            }
        }
    }

    async fn attempt(&self, url: &str, time: &str, body: Bytes) -> Result<(u16, Bytes), String> {
        let inner = &self.inner;
        let uri: Uri = url
            .parse()
            .map_err(|e| format!("invalid notify URL: {e}"))?;
        if uri.scheme_str() != Some("http") {
            return Err("the sandbox delivers to http:// notify URLs only".into());
        }
        // The signed path is the notify URL's path, as the merchant receives it.
        let path = match uri.path() {
            "" => "/",
            path => path,
        };
        let signature = Message::notification(path, &inner.client_id, time, &body)
            .sign(&inner.key, DEFAULT_KEY_VERSION)
            .map_err(|e| format!("signing failed: {e}"))?
            .to_string();
        let request = Request::post(uri)
            .header("client-id", inner.client_id.as_str())
            .header("request-time", time)
            .header("signature", signature)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Full::new(body))
            .map_err(|e| format!("cannot build the request: {e}"))?;
        let exchange = async {
            let response = inner
                .http
                .request(request)
                .await
                .map_err(|e| format!("request failed: {e}"))?;
            let status = response.status().as_u16();
            let answer = Limited::new(response.into_body(), MAX_ANSWER)
                .collect()
                .await
                .map_err(|e| format!("reading the answer failed: {e}"))?
                .to_bytes();
            Ok((status, answer))
        };
        match tokio::time::timeout(inner.attempt_timeout, exchange).await {
            Ok(result) => result,
            Err(_) => Err(format!(
                "timed out after {} ms",
                inner.attempt_timeout.as_millis()
            )),
        }
    }

    /// The log so far.
    pub fn log(&self) -> Vec<DeliveryAttempt> {
        lock(&self.inner.log).clone()
    }

    /// Waits until `done(log)` holds or `timeout` passes.
    pub async fn wait_for<F>(
        &self,
        timeout: Duration,
        mut done: F,
    ) -> Result<Vec<DeliveryAttempt>, Vec<DeliveryAttempt>>
    where
        F: FnMut(&[DeliveryAttempt]) -> bool,
    {
        let mut changed = self.inner.changed.subscribe();
        let wait = async {
            loop {
                changed.borrow_and_update();
                let log = self.log();
                if done(&log) {
                    return log;
                }
                if changed.changed().await.is_err() {
                    return log;
                }
            }
        };
        tokio::time::timeout(timeout, wait)
            .await
            .map_err(|_| self.log())
    }

    /// Stops every delivery in progress.
    pub async fn stop(&self) {
        let mut tasks = std::mem::take(&mut *lock(&self.inner.tasks));
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
    }
}

/// Whether an answer is the fixed acknowledgement: `result.resultStatus` S
/// and `result.resultCode` SUCCESS (the message is free text).
fn is_ack(answer: &[u8]) -> bool {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(answer) else {
        return false;
    };
    let result = &value["result"];
    result["resultStatus"] == "S" && result["resultCode"] == "SUCCESS"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ack_is_status_and_code_not_message() {
        assert!(is_ack(alipay_ams_core::ACK_BODY.as_bytes()));
        assert!(is_ack(
            br#"{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"Success"}}"#
        ));
        assert!(!is_ack(
            br#"{"result":{"resultCode":"SUCCESS","resultStatus":"F"}}"#
        ));
        assert!(!is_ack(
            br#"{"result":{"resultCode":"PROCESS_FAIL","resultStatus":"S"}}"#
        ));
        assert!(!is_ack(b"success"));
        assert!(!is_ack(b""));
    }

    #[test]
    fn schedule_is_scaled_and_single_without_redelivery() {
        let s = schedule(0.001, true);
        assert_eq!(s.len(), 8);
        assert_eq!(s[0], Duration::ZERO);
        assert_eq!(s[1], Duration::from_millis(120));
        assert_eq!(schedule(1.0, false), vec![Duration::ZERO]);
        assert_eq!(schedule(1.0, true)[7], Duration::from_secs(54_000));
    }
}
