//! The example shop: a product page, checkout through Alipay's cashier,
//! an order page that follows the payment as notifications arrive, and
//! capture and refund buttons. `examples/shop.rs` runs it against a sandbox
//! in the same process; `tests/browser.rs` clicks through it in Chromium.
//!
//! What a merchant copies is the shape, not the storage: orders live in a
//! `Mutex<BTreeMap>` here, a database in a real shop.

mod pages;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use alipay_ams::client::{Client, Error as AlipayError};
use alipay_ams::models::{
    Env, Merchant, Order as AlipayOrder, PaymentFactor, PaymentMethod, ProductCodeType,
    TerminalType,
};
use alipay_ams::notify::{HandlerError, NotifyConfig, NotifyHandler, NotifyMeta, NotifyService};
use alipay_ams::payments::{
    CaptureNotification, CaptureRequest, PayRequest, PaymentNotification, RefundNotification,
    RefundRequest,
};
use alipay_ams::signing::time::{epoch_millis, iso8601_utc};
use alipay_ams::{Amount, ApiRequest, ResultStatus};
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use http::{HeaderValue, StatusCode, header};

pub use pages::{PRODUCT, SHOP_NAME};

/// Where Alipay posts notifications, on the shop's own address.
pub const NOTIFY_PATH: &str = "/alipay/notify";

/// Where the shop is and what its pages link to.
pub struct ShopConfig {
    /// The shop's address as the buyer's browser and Alipay reach it
    /// (`http://127.0.0.1:8080`): the return and notify URLs start with it.
    pub base_url: String,
    /// The sandbox's dashboard, linked from the order page (a local demo
    /// only: there is no such page in production).
    pub dashboard_url: Option<String>,
}

/// The shop's routes, with the notification endpoint mounted beside them.
pub fn app(
    client: Client,
    notify: NotifyConfig,
    config: ShopConfig,
) -> Result<Router, Box<dyn std::error::Error>> {
    let shop = Arc::new(Shop {
        client,
        price: Amount::from_decimal("USD", "12.34")?,
        // Request ids must be unique for good at Alipay, not only within
        // this process: a real shop uses its database's order ids.
        run: epoch_millis(SystemTime::now()),
        config,
        orders: Mutex::default(),
    });
    // The handlers and the routes share the orders through one `Arc`: what a
    // notification changes, the next order page shows.
    let notifications = NotifyService::builder(notify)
        .on::<PaymentNotification>(Arc::clone(&shop))
        .on::<CaptureNotification>(Arc::clone(&shop))
        .on::<RefundNotification>(Arc::clone(&shop))
        .build()?;
    Ok(Router::new()
        .route("/", get(product_page))
        .route("/checkout", post(checkout))
        .route("/orders/{id}", get(order_page))
        .route("/orders/{id}/capture", post(capture))
        .route("/orders/{id}/refund", post(refund))
        .route_service(NOTIFY_PATH, notifications)
        .with_state(shop))
}

struct Shop {
    client: Client,
    price: Amount,
    run: String,
    config: ShopConfig,
    orders: Mutex<Orders>,
}

#[derive(Default)]
struct Orders {
    by_id: BTreeMap<String, Order>,
    /// Dedup keys of the notifications already processed: Alipay delivers
    /// at least once, so the same event can come twice.
    seen: HashSet<String>,
}

/// One order, as its page shows it.
pub(crate) struct Order {
    pub id: String,
    pub card: bool,
    pub amount: Amount,
    pub payment_request_id: String,
    pub payment_id: Option<String>,
    pub payment: Payment,
    pub refund: Option<Refund>,
    /// The notifications received, oldest first.
    pub events: Vec<String>,
    /// What the last button press came to, when it did not simply work.
    pub notice: Option<String>,
}

/// Where the payment is, as far as the shop knows. It only moves forward:
/// notifications can arrive out of order, and late.
#[derive(Clone, PartialEq, PartialOrd)]
pub(crate) enum Payment {
    AwaitingBuyer,
    Pending,
    Authorized,
    Paid,
    Failed(String),
}

#[derive(Clone, PartialEq)]
pub(crate) enum Refund {
    Processing,
    Refunded,
    Failed(String),
}

impl Order {
    fn advance(&mut self, to: Payment) {
        let done = matches!(self.payment, Payment::Paid | Payment::Failed(_));
        if !done && to > self.payment {
            self.payment = to;
        }
    }
}

impl Shop {
    /// Every call to Alipay goes through here. The client has signed the
    /// request, verified the reply and retried what was safe to retry; what
    /// is left is what each outcome means for the order. A verified
    /// `PAYMENT_IN_PROCESS` or `REFUND_IN_PROCESS` is an `Ok`: Alipay's
    /// definite answer that the rest comes later.
    async fn call<R: ApiRequest>(&self, request: &R) -> Result<R::Response, String> {
        self.client.execute(request).await.map_err(|e| match &e {
            AlipayError::Failed(_) => format!("Declined: {e}"),
            // May have happened: never treat it as failed. The buttons send
            // the same request id again, which Alipay carries out only once.
            AlipayError::Unknown(_) => format!("Outcome unknown: {e}"),
            AlipayError::NotSent(_) => format!("Not sent: {e}"),
        })
    }

    fn orders(&self) -> MutexGuard<'_, Orders> {
        self.orders.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn order_url(&self, id: &str) -> String {
        format!("{}/orders/{id}", self.config.base_url)
    }

    /// Records a notification once (by its dedup key) on the order `find`
    /// picks, then acknowledges it. An order the shop does not know is
    /// acknowledged too: redelivery would not make it known.
    fn record(
        &self,
        meta: &NotifyMeta,
        find: impl Fn(&Order) -> bool,
        apply: impl FnOnce(&mut Order),
    ) {
        let mut orders = self.orders();
        let key = meta.dedup_key().to_string();
        let first = orders.seen.insert(key.clone());
        let Some(order) = orders.by_id.values_mut().find(|o| find(o)) else {
            eprintln!("shop: {} for no order of this shop: {key}", meta.kind());
            return;
        };
        let when = iso8601_utc(SystemTime::now());
        if first {
            apply(order);
            order.events.push(format!("{when} {} {key}", meta.kind()));
        } else {
            order
                .events
                .push(format!("{when} {} {key} (again: ignored)", meta.kind()));
        }
    }
}

impl NotifyHandler<PaymentNotification> for Shop {
    async fn handle(&self, n: PaymentNotification, meta: &NotifyMeta) -> Result<(), HandlerError> {
        let id = n.payment_request_id.clone();
        self.record(
            meta,
            |o| o.payment_request_id == id,
            |order| {
                order.payment_id.get_or_insert(n.payment_id);
                // PAYMENT_PENDING carries result S, and is not a success yet.
                match (n.notify_type.as_str(), n.result.result_status) {
                    ("PAYMENT_PENDING", _) => order.advance(Payment::Pending),
                    (_, ResultStatus::Success) if order.card => order.advance(Payment::Authorized),
                    (_, ResultStatus::Success) => order.advance(Payment::Paid),
                    (_, ResultStatus::Failed) => {
                        order.advance(Payment::Failed(n.result.result_code.as_str().to_owned()))
                    }
                    (_, ResultStatus::Unknown) => {}
                }
            },
        );
        Ok(())
    }
}

impl NotifyHandler<CaptureNotification> for Shop {
    async fn handle(&self, n: CaptureNotification, meta: &NotifyMeta) -> Result<(), HandlerError> {
        let id = n.payment_id.clone();
        self.record(
            meta,
            |o| o.payment_id.as_deref() == Some(&id),
            |order| match n.result.result_status {
                ResultStatus::Success => order.advance(Payment::Paid),
                ResultStatus::Failed => {
                    order.notice =
                        Some(format!("Capture failed: {}", n.result.result_code.as_str()))
                }
                // Not final: the state stays; the notification is still acknowledged.
                ResultStatus::Unknown => {}
            },
        );
        Ok(())
    }
}

impl NotifyHandler<RefundNotification> for Shop {
    async fn handle(&self, n: RefundNotification, meta: &NotifyMeta) -> Result<(), HandlerError> {
        let id = n.refund_request_id.clone();
        self.record(
            meta,
            |o| refund_request_id(&o.id) == id,
            |order| {
                order.refund = Some(match n.refund_status.as_str() {
                    "SUCCESS" => Refund::Refunded,
                    _ => Refund::Failed(n.result.result_code.as_str().to_owned()),
                });
            },
        );
        Ok(())
    }
}

fn refund_request_id(order_id: &str) -> String {
    format!("{order_id}-refund")
}

async fn product_page(State(shop): State<Arc<Shop>>) -> Html<String> {
    let orders = shop.orders();
    Html(pages::product(&shop.price, orders.by_id.values().rev()))
}

/// The checkout button: a new order, `pay`, and the buyer's browser sent to
/// Alipay's page (`normalUrl`). The result comes back by notification.
async fn checkout(
    State(shop): State<Arc<Shop>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let card = form.get("method").map(String::as_str) != Some("ALIPAY_CN");
    let (id, request) = {
        let mut orders = shop.orders();
        // Zero-padded, so that the orders sort in the order they were made.
        let id = format!("{}-{:04}", shop.run, orders.by_id.len() + 1);
        let order = Order {
            id: id.clone(),
            card,
            amount: shop.price.clone(),
            payment_request_id: format!("{id}-pay"),
            payment_id: None,
            payment: Payment::AwaitingBuyer,
            refund: None,
            events: Vec::new(),
            notice: None,
        };
        let request = pay_request(&shop, &order);
        orders.by_id.insert(id.clone(), order);
        (id, request)
    };
    // The lock is released while Alipay answers: notifications and other
    // pages go on meanwhile.
    let outcome = shop.call(&request).await;
    let mut orders = shop.orders();
    let Some(order) = orders.by_id.get_mut(&id) else {
        return see_other(&shop.order_url(&id));
    };
    match outcome {
        Ok(response) => {
            order.payment_id = Some(response.payment_id);
            match response.normal_url {
                // U PAYMENT_IN_PROCESS: the buyer pays on Alipay's page.
                Some(url) if response.result.result_status == ResultStatus::Unknown => {
                    see_other(&url)
                }
                _ => {
                    order.notice = Some(format!(
                        "pay answered {} without a page for the buyer",
                        response.result.result_code.as_str()
                    ));
                    see_other(&shop.order_url(&id))
                }
            }
        }
        Err(message) => {
            order.notice = Some(message);
            see_other(&shop.order_url(&id))
        }
    }
}

/// A cashier payment: a card is only authorized (the shop captures when it
/// ships), a wallet is paid at once.
fn pay_request(shop: &Shop, order: &Order) -> PayRequest {
    let method = if order.card { "CARD" } else { "ALIPAY_CN" };
    let details = AlipayOrder::new()
        .with_reference_order_id(&order.id)
        .with_order_description(PRODUCT)
        .with_order_amount(order.amount.clone())
        .with_merchant(Merchant::new().with_merchant_name(SHOP_NAME));
    let request = PayRequest::new(
        ProductCodeType::CashierPayment,
        &order.payment_request_id,
        PaymentMethod::new().with_payment_method_type(method),
        shop.order_url(&order.id),
        Env::new().with_terminal_type(TerminalType::Web),
    )
    .with_payment_amount(order.amount.clone())
    .with_order(details)
    .with_payment_notify_url(format!("{}{NOTIFY_PATH}", shop.config.base_url));
    if order.card {
        request.with_payment_factor(
            PaymentFactor::new()
                .with_is_authorization(true)
                .with_capture_mode("MANUAL"),
        )
    } else {
        request
    }
}

async fn order_page(State(shop): State<Arc<Shop>>, Path(id): Path<String>) -> Response {
    let orders = shop.orders();
    match orders.by_id.get(&id) {
        Some(order) => {
            Html(pages::order(order, shop.config.dashboard_url.as_deref())).into_response()
        }
        None => (StatusCode::NOT_FOUND, Html(pages::not_found(&id))).into_response(),
    }
}

/// The capture button. Its `captureRequestId` is the order's: pressing it
/// twice, or again after an unknown outcome, can never capture twice.
async fn capture(State(shop): State<Arc<Shop>>, Path(id): Path<String>) -> Response {
    let request = {
        let orders = shop.orders();
        match orders.by_id.get(&id) {
            Some(Order {
                payment_id: Some(payment_id),
                amount,
                ..
            }) => CaptureRequest::new(format!("{id}-capture"), payment_id, amount.clone()),
            Some(_) | None => {
                return (StatusCode::NOT_FOUND, Html(pages::not_found(&id))).into_response();
            }
        }
    };
    let outcome = shop.call(&request).await;
    if let Some(order) = shop.orders().by_id.get_mut(&id) {
        match outcome {
            // A verified S: captured (notifyCapture confirms it later).
            Ok(_) => {
                order.advance(Payment::Paid);
                order.notice = None;
            }
            Err(message) => order.notice = Some(message),
        }
    }
    see_other(&shop.order_url(&id))
}

/// The refund button: the whole amount, under one `refundRequestId` per
/// order, so a second press is the same refund, never a second one.
async fn refund(State(shop): State<Arc<Shop>>, Path(id): Path<String>) -> Response {
    let request = {
        let orders = shop.orders();
        match orders.by_id.get(&id) {
            Some(Order {
                payment_id: Some(payment_id),
                amount,
                ..
            }) => RefundRequest::new(refund_request_id(&id), payment_id, amount.clone())
                .with_refund_notify_url(format!("{}{NOTIFY_PATH}", shop.config.base_url)),
            Some(_) | None => {
                return (StatusCode::NOT_FOUND, Html(pages::not_found(&id))).into_response();
            }
        }
    };
    let outcome = shop.call(&request).await;
    if let Some(order) = shop.orders().by_id.get_mut(&id) {
        match outcome {
            Ok(response) => {
                // Wallets refund at once (S); cards answer REFUND_IN_PROCESS
                // (U) and notifyRefund brings the result. A notification
                // that came first is not overwritten.
                let now = match response.result.result_status {
                    ResultStatus::Success => Refund::Refunded,
                    _ => Refund::Processing,
                };
                if order.refund.is_none() || now == Refund::Refunded {
                    order.refund = Some(now);
                }
                order.notice = None;
            }
            Err(message) => order.notice = Some(message),
        }
    }
    see_other(&shop.order_url(&id))
}

/// 303 to `url`: after a form, the browser loads the next page with GET.
fn see_other(url: &str) -> Response {
    match HeaderValue::from_str(url) {
        Ok(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
        Err(_) => {
            let page = pages::message(
                "Cannot go there",
                &format!("{url:?} is not a URL a browser can be sent to."),
            );
            (StatusCode::BAD_GATEWAY, Html(page)).into_response()
        }
    }
}
