//! The sandbox's own control API, always under `/sandbox/` and never mixed
//! with Alipay's paths: create payments, read state and the delivery log,
//! arm faults. Plain JSON, unsigned.

use std::time::SystemTime;

use http::{Method, Request, StatusCode};
use hyper::body::Incoming;
use serde::Deserialize;
use serde_json::json;

use crate::fault::{Api, ArmFault, Fault};
use crate::gateway::{Reply, Shared, plain, read_body};
use crate::ledger::{CaptureMode, CreatePayment};
use crate::lock;

/// HTTP 400 with `{"error": ...}` saying what was expected.
fn bad_request(message: impl Into<String>) -> Reply {
    plain(StatusCode::BAD_REQUEST, json!({"error": message.into()}))
}

/// The body of `POST /sandbox/payments`, shaped like `pay`'s fields.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreatePaymentBody {
    payment_amount: alipay_ams_core::Amount,
    #[serde(default)]
    capture_mode: Option<CaptureMode>,
    #[serde(default)]
    payment_notify_url: Option<String>,
    #[serde(default)]
    multiple_captures: Option<bool>,
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
                        Ok(payment) => plain(StatusCode::OK, json!(payment)),
                        Err(e) => bad_request(e),
                    }
                }
            },
        },
        (&Method::GET, "/sandbox/payments") => plain(
            StatusCode::OK,
            json!({"captures": lock(&shared.ledger).captures()}),
        ),
        (&Method::GET, _) if path.starts_with("/sandbox/payments/") => {
            let id = path.trim_start_matches("/sandbox/payments/");
            match lock(&shared.ledger).payment(id) {
                Some(state) => plain(StatusCode::OK, json!(state)),
                None => plain(
                    StatusCode::NOT_FOUND,
                    json!({"error": format!("no payment {id}")}),
                ),
            }
        }
        (&Method::GET, "/sandbox/notifications") => {
            plain(StatusCode::OK, json!({"deliveries": shared.notifier.log()}))
        }
        (&Method::POST, "/sandbox/faults") => match read_body(request.into_body()).await {
            Err(e) => bad_request(e),
            Ok(body) => match arm(shared, &body) {
                Ok(pending) => plain(StatusCode::OK, json!({"armed": pending})),
                Err(e) => bad_request(e),
            },
        },
        _ => plain(
            StatusCode::NOT_FOUND,
            json!({"error": format!("no control endpoint {method} {path}; see POST /sandbox/payments, GET /sandbox/payments/{{id}}, GET /sandbox/notifications, POST /sandbox/faults")}),
        ),
    };
    tracing::info!("{method} {path} -> {}", reply.status().as_u16());
    reply
}

fn arm(shared: &Shared, body: &[u8]) -> Result<u64, String> {
    let arm: ArmFault = serde_json::from_slice(body).map_err(|e| {
        format!("expected {{\"api\":\"capture\",\"fault\":\"unknown_exception\",\"count\":1}} (delay also takes \"ms\"): {e}")
    })?;
    let api: Api = arm.api.parse()?;
    let fault = Fault::from_name(&arm.fault, arm.ms)?;
    let mut faults = lock(&shared.faults);
    faults.arm(api, fault, arm.count);
    Ok(faults.pending(api))
}

/// Creates a payment and sends the notification of an automatic capture.
pub(crate) fn create_payment(
    shared: &Shared,
    create: CreatePayment,
) -> Result<crate::Payment, String> {
    if let Some(url) = &create.notify_url {
        check_notify_url(url)?;
    }
    let (payment, pending) = lock(&shared.ledger).create_payment(create, SystemTime::now())?;
    tracing::info!("created payment {}", payment.payment_id);
    if let Some(pending) = pending {
        shared.notify(pending);
    }
    Ok(payment)
}

/// Notify URLs must be absolute http URLs (the sandbox does not speak TLS to merchants).
pub(crate) fn check_notify_url(url: &str) -> Result<(), String> {
    let uri: http::Uri = url
        .parse()
        .map_err(|e| format!("notify URL {url:?} is not a URL: {e}"))?;
    if uri.scheme_str() != Some("http") || uri.host().is_none() {
        return Err(format!(
            "notify URL {url:?} must be an absolute http:// URL such as http://127.0.0.1:9000/notify"
        ));
    }
    Ok(())
}
