//! The sandbox's own control API, always under `/sandbox/` and never mixed
//! with Alipay's paths: create payments, read state and the delivery log,
//! arm and clear faults. Plain JSON, unsigned.

use std::time::SystemTime;

use alipay_ams_core::Amount;
use http::{Method, Request, StatusCode};
use hyper::body::Incoming;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::attempt::DeliveryAttempt;
use crate::error::{PaymentError, check_notify_url};
use crate::fault::{Fault, FaultNameError, NotificationFault};
use crate::gateway::{Shared, read_body};
use crate::payment::{CaptureMode, CaptureRecord, CreatePayment, Payment};
use crate::reply::{Reply, plain, plain_of};
use crate::rules::{Call, Processing, capture};
use crate::sync::lock;

const ENDPOINTS: &str = "POST /sandbox/payments, GET /sandbox/payments, GET /sandbox/payments/{id}, GET /sandbox/notifications, POST /sandbox/faults, DELETE /sandbox/faults";

/// HTTP 400 with `{"error": ...}` saying what was expected.
fn bad_request(message: impl std::fmt::Display) -> Reply {
    plain(
        StatusCode::BAD_REQUEST,
        &json!({"error": message.to_string()}),
    )
}

/// The body of `POST /sandbox/payments`, shaped like `pay`'s fields.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreatePaymentBody {
    payment_amount: Amount,
    #[serde(default)]
    capture_mode: Option<CaptureMode>,
    #[serde(default)]
    payment_notify_url: Option<String>,
    #[serde(default)]
    multiple_captures: Option<bool>,
}

/// The body of `POST /sandbox/faults`: `api` (an API's name) or
/// `notification` (a notification kind's name), the fault, and for how many.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ArmFault {
    #[serde(default)]
    api: Option<String>,
    #[serde(default)]
    notification: Option<String>,
    fault: String,
    #[serde(default)]
    ms: Option<u64>,
    #[serde(default = "one")]
    count: u32,
}

fn one() -> u32 {
    1
}

#[derive(Serialize)]
struct Captures<'a> {
    captures: &'a [CaptureRecord],
}

#[derive(Serialize)]
struct Deliveries<'a> {
    deliveries: &'a [DeliveryAttempt],
}

/// Answers one control request (and logs it).
pub(crate) async fn handle(
    shared: &Shared,
    method: &Method,
    path: &str,
    request: Request<Incoming>,
) -> Reply {
    let reply = match (method, path) {
        (&Method::POST, "/sandbox/payments") => match read_body(request.into_body()).await {
            Err(e) => bad_request(e),
            Ok(body) => match serde_json::from_slice::<CreatePaymentBody>(&body) {
                Err(e) => bad_request(format!(
                    "expected {{\"paymentAmount\":{{\"currency\":\"USD\",\"value\":\"10000\"}},\"captureMode\":\"MANUAL\",\"paymentNotifyUrl\":\"http://...\"}}: {e}"
                )),
                Ok(body) => {
                    let mut create = CreatePayment::new(body.payment_amount)
                        .capture_mode(body.capture_mode.unwrap_or_default())
                        .multiple_captures(body.multiple_captures.unwrap_or(false));
                    create.notify_url = body.payment_notify_url;
                    match create_payment(shared, create) {
                        Ok(payment) => plain_of(StatusCode::OK, &payment),
                        Err(e) => bad_request(e),
                    }
                }
            },
        },
        (&Method::GET, "/sandbox/payments") => plain_of(
            StatusCode::OK,
            &Captures {
                captures: &lock(&shared.books).ledger.captures,
            },
        ),
        (&Method::GET, _) if path.starts_with("/sandbox/payments/") => {
            let id = path.trim_start_matches("/sandbox/payments/");
            match lock(&shared.books).ledger.payment(id) {
                Some(state) => plain_of(StatusCode::OK, &state),
                None => plain(
                    StatusCode::NOT_FOUND,
                    &json!({"error": format!("no payment {id}; create one with POST /sandbox/payments")}),
                ),
            }
        }
        (&Method::GET, "/sandbox/notifications") => plain_of(
            StatusCode::OK,
            &Deliveries {
                deliveries: &shared.notifier.log(),
            },
        ),
        (&Method::POST, "/sandbox/faults") => match read_body(request.into_body()).await {
            Err(e) => bad_request(e),
            Ok(body) => match arm(shared, &body) {
                Ok(pending) => plain(StatusCode::OK, &json!({"armed": pending})),
                Err(e) => bad_request(e),
            },
        },
        (&Method::DELETE, "/sandbox/faults") => {
            let cleared = lock(&shared.faults).clear();
            plain(StatusCode::OK, &json!({"cleared": cleared}))
        }
        _ => plain(
            StatusCode::NOT_FOUND,
            &json!({"error": format!("no control endpoint {method} {path}; see {ENDPOINTS}")}),
        ),
    };
    tracing::info!("{method} {path} -> {}", reply.status().as_u16());
    reply
}

/// Why a `POST /sandbox/faults` body was refused.
#[derive(Debug, thiserror::Error)]
enum ArmError {
    #[error(
        "expected {{\"api\":\"capture\",\"fault\":\"unknown_exception\",\"count\":1}} or {{\"notification\":\"notifyCapture\",\"fault\":\"duplicate\",\"count\":1}} (delay also takes \"ms\"): {0}"
    )]
    Body(serde_json::Error),
    #[error(
        "give exactly one of \"api\" (an API such as capture) or \"notification\" (a notification kind such as notifyCapture)"
    )]
    Target,
    #[error("unknown {what} {name:?}; the sandbox serves: {served}")]
    Unknown {
        what: &'static str,
        name: String,
        served: String,
    },
    #[error(transparent)]
    Fault(#[from] FaultNameError),
}

fn arm(shared: &Shared, body: &[u8]) -> Result<u64, ArmError> {
    let arm: ArmFault = serde_json::from_slice(body).map_err(ArmError::Body)?;
    let unknown = |what, name: String| move |served| ArmError::Unknown { what, name, served };
    match (arm.api, arm.notification) {
        (Some(api), None) => {
            let name = shared.served_api(&api).map_err(unknown("api", api))?;
            let fault = Fault::from_name(&arm.fault, arm.ms)?;
            Ok(lock(&shared.faults).api.arm(name, fault, arm.count))
        }
        (None, Some(kind)) => {
            let name = shared
                .sent_kind(&kind)
                .map_err(unknown("notification", kind))?;
            let fault = NotificationFault::from_name(&arm.fault, arm.ms)?;
            Ok(lock(&shared.faults)
                .notification
                .arm(name, fault, arm.count))
        }
        _ => Err(ArmError::Target),
    }
}

/// Creates a payment, and performs and notifies its automatic capture.
pub(crate) fn create_payment(
    shared: &Shared,
    create: CreatePayment,
) -> Result<Payment, PaymentError> {
    if let Some(url) = &create.notify_url {
        check_notify_url(url)?;
    }
    let call = Call {
        now: SystemTime::now(),
        processing: Processing::Normal,
    };
    let (payment, notifications) = {
        let mut books = lock(&shared.books);
        let payment = books.ledger.create_payment(&create, call.now)?;
        let notifications = match create.capture_mode {
            CaptureMode::Automatic => {
                capture::automatic(&mut books.ledger, &payment.payment_id, create.amount, &call)
            }
            CaptureMode::Manual => Vec::new(),
        };
        (payment, notifications)
    };
    tracing::info!("created payment {}", payment.payment_id);
    for outgoing in notifications {
        shared.deliver(outgoing);
    }
    Ok(payment)
}
