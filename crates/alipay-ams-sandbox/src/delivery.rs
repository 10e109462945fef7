//! Notification delivery, for any kind: signed POSTs to the merchant's
//! notify URL, redelivered on Alipay's schedule until acknowledged, shaped by
//! notification faults.
//! <https://docs.antom.com/ac/ams/notify_capture>
//!
//! Every attempt is recorded in the delivery log. Deliveries run in their own
//! tasks: the API reply never waits for them, as with Alipay, so a
//! notification can arrive before the synchronous reply does.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use alipay_ams_core::REDELIVERY_SCHEDULE_SECS;
use alipay_ams_core::time::iso8601_utc;
use bytes::Bytes;
use http::Uri;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::attempt::{DeliveryAttempt, excerpt};
use crate::fault::NotificationFault;
use crate::notification::{Outgoing, signed_request};
use crate::sync::{lock, stopped};

/// The most of a merchant's answer that is read.
const MAX_ANSWER: usize = 64 * 1024;

/// Delivers notifications and keeps the log.
#[derive(Clone)]
pub(crate) struct Notifier {
    inner: Arc<NotifierInner>,
}

struct NotifierInner {
    client_id: String,
    key: alipay_ams_core::PrivateKey,
    schedule: Vec<Duration>,
    attempt_timeout: Duration,
    http: Client<HttpConnector, Full<Bytes>>,
    deliveries: AtomicU64,
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

/// One delivery: a notification on its way to one URL, with the fault that
/// shapes it.
struct Delivery {
    id: u64,
    url: String,
    outgoing: Outgoing,
    /// Held back before the first attempt.
    delay: Duration,
    /// The first acknowledgement is ignored.
    lose_ack: bool,
    /// The fault noted on the first attempt (`delay`).
    first_note: Option<String>,
    /// The fault noted on every attempt (the copy of a `duplicate`).
    every_note: Option<String>,
}

impl Delivery {
    fn new(id: u64, url: String, outgoing: Outgoing) -> Self {
        Delivery {
            id,
            url,
            outgoing,
            delay: Duration::ZERO,
            lose_ack: false,
            first_note: None,
            every_note: None,
        }
    }

    /// Whether an answer acknowledges, and whether that acknowledgement is
    /// the one a `lost_ack` fault drops (only the first is).
    fn judge(&mut self, answered: &Answered) -> (bool, bool) {
        let acknowledged =
            answered.status == Some(200) && answered.answer.as_deref().is_some_and(is_ack);
        let lost = acknowledged && self.lose_ack;
        self.lose_ack &= !lost;
        (acknowledged, lost)
    }

    /// The fault that shaped attempt `index` (0-based), for the log.
    fn note(&self, index: usize, lost: bool) -> Option<String> {
        if lost {
            Some(NotificationFault::LostAck.to_string())
        } else if index == 0 {
            self.first_note.clone().or_else(|| self.every_note.clone())
        } else {
            self.every_note.clone()
        }
    }
}

/// One line per attempt, for the operator watching stderr.
fn log_line(attempt: &DeliveryAttempt, total: usize) -> String {
    let outcome = match (&attempt.http_status, &attempt.error) {
        (Some(status), None) => format!("HTTP {status}"),
        (Some(status), Some(e)) => format!("HTTP {status}, {e}"),
        (None, Some(e)) => e.clone(),
        (None, None) => "no answer".into(),
    };
    format!(
        "{} {} delivery {} attempt {}/{} to {} -> {outcome}, {}{}",
        attempt.kind,
        attempt.dedup_key,
        attempt.delivery,
        attempt.attempt,
        total,
        attempt.notify_url,
        if attempt.acknowledged {
            "acknowledged"
        } else {
            "not acknowledged"
        },
        attempt
            .fault
            .as_deref()
            .map(|f| format!(" [fault {f}]"))
            .unwrap_or_default(),
    )
}

/// What one attempt got back.
struct Answered {
    status: Option<u16>,
    answer: Option<Bytes>,
    error: Option<String>,
}

impl Notifier {
    pub fn new(
        client_id: String,
        key: alipay_ams_core::PrivateKey,
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
                deliveries: AtomicU64::new(0),
                log: Mutex::new(Vec::new()),
                changed: watch::Sender::new(0),
                shutdown,
                runtime,
                tasks: Mutex::new(JoinSet::new()),
            }),
        }
    }

    /// Starts delivering `outgoing` to `url` in the background (twice for a
    /// `duplicate` fault).
    pub fn spawn(&self, url: String, outgoing: Outgoing, fault: Option<NotificationFault>) {
        let mut first = Delivery::new(self.next_id(), url.clone(), outgoing.clone());
        match fault {
            None => {}
            Some(NotificationFault::LostAck) => first.lose_ack = true,
            Some(noted @ NotificationFault::Delay(delay)) => {
                first.delay = delay;
                first.first_note = Some(noted.to_string());
            }
            Some(noted @ NotificationFault::Duplicate(after)) => {
                let mut copy = Delivery::new(self.next_id(), url, outgoing);
                copy.delay = after;
                copy.every_note = Some(noted.to_string());
                self.start(first);
                self.start(copy);
                return;
            }
        }
        self.start(first);
    }

    fn next_id(&self) -> u64 {
        self.inner.deliveries.fetch_add(1, Ordering::Relaxed) + 1
    }

    fn start(&self, delivery: Delivery) {
        let this = self.clone();
        let mut tasks = lock(&self.inner.tasks);
        while tasks.try_join_next().is_some() {}
        // On the sandbox's runtime, so callers need not be inside one.
        tasks.spawn_on(
            async move { this.deliver(delivery).await },
            &self.inner.runtime,
        );
    }

    async fn deliver(self, mut delivery: Delivery) {
        let inner = &self.inner;
        let mut shutdown = inner.shutdown.clone();
        let total = inner.schedule.len();
        let mut wait = inner
            .schedule
            .first()
            .copied()
            .unwrap_or_default()
            .saturating_add(delivery.delay);
        for index in 0..total {
            if !wait.is_zero() {
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = stopped(&mut shutdown) => return,
                }
            }
            let at = SystemTime::now();
            let time = iso8601_utc(at);
            let answered = self.attempt(&delivery, &time).await;
            let (acknowledged, lost) = delivery.judge(&answered);
            let next = (!acknowledged || lost)
                .then(|| inner.schedule.get(index + 1).copied())
                .flatten();
            let next_at = next.and_then(|wait| SystemTime::now().checked_add(wait));
            let attempt = DeliveryAttempt {
                kind: delivery.outgoing.kind.to_owned(),
                notify_type: delivery.outgoing.notify_type.clone(),
                dedup_key: delivery.outgoing.dedup_key.clone(),
                payment_id: delivery.outgoing.payment_id.clone(),
                ids: delivery.outgoing.ids.clone(),
                result_status: delivery.outgoing.result_status.clone(),
                delivery: delivery.id,
                notify_url: delivery.url.clone(),
                attempt: u32::try_from(index + 1).unwrap_or(u32::MAX),
                time,
                at,
                http_status: answered.status,
                answer: answered.answer.as_deref().map(excerpt),
                error: answered.error,
                acknowledged,
                fault: delivery.note(index, lost),
                last: next.is_none(),
                next_time: next_at.map(iso8601_utc),
                next_at,
                body: delivery.outgoing.body.clone(),
            };
            tracing::info!("{}", log_line(&attempt, total));
            lock(&inner.log).push(attempt);
            inner.changed.send_modify(|n| *n += 1);
            match next {
                Some(after) => wait = after,
                None => return,
            }
        }
    }

    async fn attempt(&self, delivery: &Delivery, time: &str) -> Answered {
        let failed = |error: String| Answered {
            status: None,
            answer: None,
            error: Some(error),
        };
        let inner = &self.inner;
        let uri: Uri = match delivery.url.parse() {
            Ok(uri) => uri,
            Err(e) => return failed(format!("invalid notify URL: {e}")),
        };
        if uri.scheme_str() != Some("http") {
            return failed("the sandbox delivers to http:// notify URLs only".into());
        }
        let request = match signed_request(
            &inner.key,
            &inner.client_id,
            uri,
            time,
            delivery.outgoing.body.clone(),
        ) {
            Ok(request) => request.map(Full::new),
            Err(e) => return failed(e.to_string()),
        };
        let exchange = async {
            let response = match inner.http.request(request).await {
                Ok(response) => response,
                Err(e) => return failed(format!("request failed: {e}")),
            };
            let status = Some(response.status().as_u16());
            match Limited::new(response.into_body(), MAX_ANSWER)
                .collect()
                .await
            {
                Ok(answer) => Answered {
                    status,
                    answer: Some(answer.to_bytes()),
                    error: None,
                },
                Err(e) => Answered {
                    status,
                    answer: None,
                    error: Some(format!(
                        "reading the answer failed (at most {MAX_ANSWER} bytes are read): {e}"
                    )),
                },
            }
        };
        match tokio::time::timeout(inner.attempt_timeout, exchange).await {
            Ok(answered) => answered,
            Err(_) => failed(format!(
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
    let field = |name: &str| value.get("result").and_then(|result| result.get(name));
    field("resultStatus").and_then(|v| v.as_str()) == Some("S")
        && field("resultCode").and_then(|v| v.as_str()) == Some("SUCCESS")
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
