//! The merchant of the checkout journeys and the soak: a client pointed at
//! the sandbox, and a notify endpoint (axum + `NotifyService`) routing
//! notifyPayment, notifyCapture and notifyRefund to one order store, on
//! loopback.
//!
//! The store does what a merchant's must: it deduplicates by
//! `NotifyMeta::dedup_key` (a redelivery is recorded once), it reads each
//! notification through its `event()` (a `PAYMENT_PENDING` is not a
//! success), and it never moves an order out of a final state. It can be
//! told to fail: the next N calls (a database outage), or one call in five
//! for ever, half before committing and half after (the process died
//! between the commit and the answer: the redelivery is a duplicate).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use alipay_ams::client::checkout::{CaptureEvent, PayOutcome, PaymentEvent, RefundEvent};
use alipay_ams::client::{Client, RetryPolicy};
use alipay_ams::models::{Order, TerminalType};
use alipay_ams::notify::{HandlerError, NotifyHandler, NotifyMeta, NotifyService};
use alipay_ams::payments::{
    CaptureNotification, PayRequest, PaymentNotification, RefundNotification, RefundRequest,
};
use alipay_ams::sandbox::{Sandbox, SandboxExt};
use alipay_ams::{Amount, NotificationKind};

use super::NOTIFY_PATH;

/// Where the buyer returns to after paying.
pub const REDIRECT: &str = "https://shop.example/orders/return";
/// How long a journey waits for anything (a hang, not a measure).
pub const WAIT: Duration = Duration::from_secs(20);

/// `value` USD cents.
pub fn usd(value: u64) -> Amount {
    Amount::from_minor_units("USD", value).unwrap()
}

/// What the merchant believes about one payment, from notifyPayment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderStatus {
    /// `PAYMENT_PENDING`: the buyer finished, the result is to come.
    Pending,
    /// `PAYMENT_RESULT` S.
    Paid,
    /// `PAYMENT_RESULT` F, with its result code.
    Failed(String),
}

impl OrderStatus {
    fn is_final(&self) -> bool {
        !matches!(self, OrderStatus::Pending)
    }
}

/// One notification the store processed (committed), in order.
#[derive(Debug, Clone)]
#[allow(
    clippy::large_enum_variant,
    reason = "a test's log of a few notifications: boxing would only make matching clumsier"
)]
pub enum Processed {
    Payment(PaymentNotification),
    Capture(CaptureNotification),
    Refund(RefundNotification),
}

/// The merchant's order store, written by the notify handlers.
#[derive(Default)]
pub struct Store {
    /// Dedup key -> how many times the store committed it (1, or the dedup failed).
    committed: Mutex<HashMap<String, u32>>,
    /// Dedup key -> how many deliveries reached a handler.
    delivered: Mutex<HashMap<String, u32>>,
    log: Mutex<Vec<Processed>>,
    orders: Mutex<HashMap<String, OrderStatus>>,
    /// Notifications that would have moved a final order backwards, kept final.
    pub late: AtomicU32,
    /// Handler calls, duplicates suppressed, failures before and after the commit.
    pub calls: AtomicU32,
    pub duplicates: AtomicU32,
    pub failures_before: AtomicU32,
    pub failures_after: AtomicU32,
    /// Notifications whose dedup key differed from the endpoint's.
    pub key_mismatches: AtomicU32,
    fail_next: AtomicU32,
    flaky: AtomicBool,
    failures_per_key: Mutex<HashMap<String, u32>>,
}

impl Store {
    /// The next `n` handler calls fail before committing anything.
    pub fn fail_next(&self, n: u32) {
        self.fail_next.store(n, Ordering::SeqCst);
    }

    /// One call in five fails from now on (never one notification more
    /// than three times, so Alipay's schedule always gets it through).
    pub fn flaky(&self) {
        self.flaky.store(true, Ordering::SeqCst);
    }

    /// How many times `key` was committed (0 if never).
    pub fn committed(&self, key: &str) -> u32 {
        self.committed
            .lock()
            .unwrap()
            .get(key)
            .copied()
            .unwrap_or(0)
    }

    /// Every dedup key committed, with how many times.
    pub fn committed_keys(&self) -> HashMap<String, u32> {
        self.committed.lock().unwrap().clone()
    }

    /// How many deliveries of `key` reached a handler.
    pub fn delivered(&self, key: &str) -> u32 {
        self.delivered
            .lock()
            .unwrap()
            .get(key)
            .copied()
            .unwrap_or(0)
    }

    /// Every notification committed, in order.
    pub fn log(&self) -> Vec<Processed> {
        self.log.lock().unwrap().clone()
    }

    /// What the merchant believes about `payment_id`.
    pub fn order(&self, payment_id: &str) -> Option<OrderStatus> {
        self.orders.lock().unwrap().get(payment_id).cloned()
    }

    /// The committed notifyCapture of `capture_id`.
    pub fn capture(&self, capture_id: &str) -> Option<CaptureNotification> {
        self.log().into_iter().find_map(|p| match p {
            Processed::Capture(n) if n.capture_id == capture_id => Some(n),
            _ => None,
        })
    }

    /// The committed notifyRefund of `refund_id`.
    pub fn refund(&self, refund_id: &str) -> Option<RefundNotification> {
        self.log().into_iter().find_map(|p| match p {
            Processed::Refund(n) if n.refund_id == refund_id => Some(n),
            _ => None,
        })
    }

    /// The committed notifyPayments of `payment_id`, in order.
    pub fn payments(&self, payment_id: &str) -> Vec<PaymentNotification> {
        self.log()
            .into_iter()
            .filter_map(|p| match p {
                Processed::Payment(n) if n.payment_id == payment_id => Some(n),
                _ => None,
            })
            .collect()
    }

    /// Whether this call fails, and whether before the commit.
    fn failure(&self, call: u32, key: &str) -> Option<bool> {
        if self
            .fail_next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Some(true);
        }
        let fail = self.flaky.load(Ordering::SeqCst) && call % 5 == 4 && {
            let mut failures = self.failures_per_key.lock().unwrap();
            let count = failures.entry(key.to_owned()).or_default();
            *count += 1;
            *count <= 3
        };
        fail.then_some(call % 10 == 4)
    }

    /// Counts a handler call: the first thing every handler does.
    fn begin(&self) -> u32 {
        self.calls.fetch_add(1, Ordering::SeqCst)
    }

    /// Records one delivery: deduplicates by the endpoint's dedup key, then
    /// applies `effect` to the orders once.
    fn record<K: NotificationKind>(
        &self,
        call: u32,
        notification: &K,
        meta: &NotifyMeta,
        entry: Processed,
        effect: impl FnOnce(&mut HashMap<String, OrderStatus>) -> bool,
    ) -> Result<(), HandlerError> {
        let key = meta.dedup_key().to_string();
        if notification.dedup_key() != *meta.dedup_key() {
            self.key_mismatches.fetch_add(1, Ordering::SeqCst);
        }
        *self
            .delivered
            .lock()
            .unwrap()
            .entry(key.clone())
            .or_default() += 1;
        let failure = self.failure(call, &key);
        if failure == Some(true) {
            self.failures_before.fetch_add(1, Ordering::SeqCst);
            return Err(HandlerError::new("order database unavailable"));
        }
        {
            // One lock for the dedup and the effect: a concurrent duplicate
            // (the sandbox's duplicate fault sends both copies at once) waits.
            let mut committed = self.committed.lock().unwrap();
            let count = committed.entry(key).or_default();
            if *count > 0 {
                self.duplicates.fetch_add(1, Ordering::SeqCst);
            } else {
                *count += 1;
                if !effect(&mut self.orders.lock().unwrap()) {
                    self.late.fetch_add(1, Ordering::SeqCst);
                }
                self.log.lock().unwrap().push(entry);
            }
        }
        if failure == Some(false) {
            self.failures_after.fetch_add(1, Ordering::SeqCst);
            return Err(HandlerError::new("crashed after commit"));
        }
        Ok(())
    }
}

/// Moves `payment_id` to `next` unless it is final already; false if that
/// was refused (a late notification).
fn advance(orders: &mut HashMap<String, OrderStatus>, payment_id: &str, next: OrderStatus) -> bool {
    match orders.get(payment_id) {
        Some(current) if current.is_final() => *current == next,
        _ => {
            orders.insert(payment_id.to_owned(), next);
            true
        }
    }
}

impl NotifyHandler<PaymentNotification> for Store {
    async fn handle(&self, n: PaymentNotification, meta: &NotifyMeta) -> Result<(), HandlerError> {
        let call = self.begin();
        let next = match n.event() {
            PaymentEvent::Succeeded => OrderStatus::Paid,
            PaymentEvent::Failed(result) => OrderStatus::Failed(result.result_code.to_string()),
            // Pending arrives with status S and is not a success.
            PaymentEvent::Pending => OrderStatus::Pending,
            other => return Err(HandlerError::new(format!("unexpected event {other:?}"))),
        };
        let payment_id = n.payment_id.clone();
        self.record(call, &n, meta, Processed::Payment(n.clone()), |orders| {
            advance(orders, &payment_id, next)
        })
    }
}

impl NotifyHandler<CaptureNotification> for Store {
    async fn handle(&self, n: CaptureNotification, meta: &NotifyMeta) -> Result<(), HandlerError> {
        let call = self.begin();
        if let CaptureEvent::Unrecognised(status) = n.event() {
            return Err(HandlerError::new(format!("capture status {status}")));
        }
        self.record(call, &n, meta, Processed::Capture(n.clone()), |_| true)
    }
}

impl NotifyHandler<RefundNotification> for Store {
    async fn handle(&self, n: RefundNotification, meta: &NotifyMeta) -> Result<(), HandlerError> {
        let call = self.begin();
        if let RefundEvent::Unrecognised(status) = n.event() {
            return Err(HandlerError::new(format!("refund status {status}")));
        }
        self.record(call, &n, meta, Processed::Refund(n.clone()), |_| true)
    }
}

/// Serves `store` for the three kinds of the checkout in axum on an
/// ephemeral loopback port; returns the notify URL.
pub async fn serve_checkout_notify(sandbox: &Sandbox, store: Arc<Store>) -> String {
    let service = NotifyService::builder(sandbox.notify_config())
        .on::<PaymentNotification>(store.clone())
        .on::<CaptureNotification>(store.clone())
        .on::<RefundNotification>(store)
        .build()
        .unwrap();
    let app = axum::Router::new().route_service(NOTIFY_PATH, service);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let notify_url = format!("http://{}{NOTIFY_PATH}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    notify_url
}

/// Retries quick enough for a test.
pub fn quick_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_initial_backoff(Duration::from_millis(5))
        .with_max_backoff(Duration::from_millis(20))
}

/// The merchant: its client, its notify endpoint and its store, beside the
/// sandbox playing Alipay.
pub struct Merchant {
    pub sandbox: Sandbox,
    pub client: Client,
    pub store: Arc<Store>,
    pub notify_url: String,
}

impl Merchant {
    /// A sandbox at `time_scale` with the example keys, and the merchant,
    /// whose client retries quickly.
    pub async fn start(time_scale: f64) -> Merchant {
        let sandbox = Sandbox::with_example_keys()
            .time_scale(time_scale)
            .start()
            .await
            .unwrap();
        Merchant::with(sandbox, quick_retries()).await
    }

    /// The merchant of `sandbox`, whose client has `retry`.
    pub async fn with(sandbox: Sandbox, retry: RetryPolicy) -> Merchant {
        let store = Arc::new(Store::default());
        let notify_url = serve_checkout_notify(&sandbox, store.clone()).await;
        let client = sandbox
            .client_builder()
            .attempt_timeout(Duration::from_secs(2))
            .retry_policy(retry)
            .build()
            .unwrap();
        Merchant {
            sandbox,
            client,
            store,
            notify_url,
        }
    }

    /// The notify endpoint's address.
    pub fn notify_addr(&self) -> std::net::SocketAddr {
        let rest = self.notify_url.trim_start_matches("http://");
        rest.split('/').next().unwrap().parse().unwrap()
    }

    /// A cashier `pay` of `value` cents with `method` (a wallet such as
    /// `ALIPAY_CN`, a bank method such as `ONLINEBANKING_FPX`), notified to
    /// this merchant.
    pub fn pay(&self, id: &str, method: &str, value: u64) -> PayRequest {
        let order = Order::checkout(format!("order-{id}"), "Two cups of coffee", usd(value));
        PayRequest::cashier(id, order, method, REDIRECT, TerminalType::Web)
            .with_payment_notify_url(&self.notify_url)
    }

    /// A wallet payment (Alipay+: paid and captured at once, refunds
    /// synchronous).
    pub fn wallet(&self, id: &str, value: u64) -> PayRequest {
        self.pay(id, "ALIPAY_CN", value)
    }

    /// A card authorization the merchant captures (`captureMode` MANUAL).
    pub fn card(&self, id: &str, value: u64) -> PayRequest {
        let order = Order::checkout(format!("order-{id}"), "A pair of boots", usd(value));
        PayRequest::card_authorization(id, order, REDIRECT, TerminalType::Web)
            .with_payment_notify_url(&self.notify_url)
    }

    /// A refund of `value` cents, notified (when asynchronous) to this merchant.
    pub fn refund(&self, id: &str, payment_id: &str, value: u64) -> RefundRequest {
        RefundRequest::new(id, payment_id, usd(value)).with_refund_notify_url(&self.notify_url)
    }

    /// Sends `pay`, which must wait for the buyer with the sandbox's buyer
    /// page to show; returns the paymentId.
    pub async fn pay_waiting(&self, request: &PayRequest) -> String {
        match self.client.checkout(request).await.unwrap() {
            PayOutcome::WaitingForBuyer(response) => {
                let page = format!("/sandbox/checkout/{}", response.payment_id);
                assert!(
                    response.normal_url.as_deref().unwrap().ends_with(&page),
                    "{:?}",
                    response.normal_url
                );
                response.payment_id
            }
            other => panic!("pay {}: {other:?}", request.payment_request_id),
        }
    }

    /// Waits until `key` was committed by the store; panics after [`WAIT`].
    pub async fn processed(&self, key: &str) {
        let start = Instant::now();
        while self.store.committed(key) == 0 {
            assert!(
                start.elapsed() < WAIT,
                "{key} was never processed; processed: {:?}; deliveries: {:#?}",
                self.store.committed_keys(),
                self.sandbox.deliveries()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Waits until `events` distinct notifications were acknowledged and
    /// every delivery the sandbox started is over (acknowledged, or out of
    /// attempts); returns the log. (An attempt shows in the log once the
    /// merchant answered it, after the handler ran: waiting for the handler
    /// alone is not enough.)
    pub async fn deliveries_settled(
        &self,
        events: usize,
    ) -> Vec<alipay_ams::sandbox::DeliveryAttempt> {
        self.sandbox
            .wait_for_deliveries(WAIT, |log| {
                let mut open: HashMap<u64, bool> = HashMap::new();
                let mut acknowledged = std::collections::HashSet::new();
                for attempt in log {
                    open.insert(attempt.delivery, !attempt.last);
                    if attempt.acknowledged {
                        acknowledged.insert(attempt.dedup_key.as_str());
                    }
                }
                acknowledged.len() >= events && !open.values().any(|&open| open)
            })
            .await
            .unwrap_or_else(|log| panic!("not {events} events acknowledged: {log:#?}"))
    }

    /// Once every delivery is over: the merchant processed exactly the
    /// `events` distinct notifications the sandbox sent, each once, and
    /// every one was acknowledged.
    pub async fn assert_processed_once(&self, events: usize) {
        let log = self.deliveries_settled(events).await;
        let sent: std::collections::HashSet<String> =
            log.iter().map(|a| a.dedup_key.to_string()).collect();
        let committed = self.store.committed_keys();
        assert_eq!(sent.len(), events, "events notified: {sent:?}");
        assert_eq!(committed.len(), events, "events processed: {committed:?}");
        assert!(
            sent.iter().all(|k| committed.get(k) == Some(&1)),
            "{committed:?}"
        );
        for key in &sent {
            assert!(
                log.iter()
                    .any(|a| a.dedup_key.as_str() == key && a.acknowledged),
                "{key} never acknowledged"
            );
        }
    }
}

/// The dedup key of a payment result (`PAYMENT_RESULT:<paymentId>`).
pub fn payment_result_key(payment_id: &str) -> String {
    format!("PAYMENT_RESULT:{payment_id}")
}

/// The dedup key of a pending payment (`PAYMENT_PENDING:<paymentId>`).
pub fn payment_pending_key(payment_id: &str) -> String {
    format!("PAYMENT_PENDING:{payment_id}")
}

/// The dedup key of a capture result.
pub fn capture_key(capture_id: &str) -> String {
    format!("CAPTURE_RESULT:{capture_id}")
}

/// The dedup key of a refund result.
pub fn refund_key(refund_id: &str) -> String {
    format!("REFUND_RESULT:{refund_id}")
}
