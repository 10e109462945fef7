//! The HTTP side: Alipay's API paths (signed, SPEC §1) and the sandbox's own
//! control API under `/sandbox/` (plain JSON, unsigned).

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use alipay_ams_core::time::iso8601_utc;
use alipay_ams_core::{
    CaptureRequest, CaptureResponse, DEFAULT_KEY_VERSION, Message, PrivateKey, PublicKey,
    ResultCode, ResultInfo, ResultStatus,
};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use serde::Deserialize;
use serde_json::json;

use crate::delivery::Notifier;
use crate::fault::{Api, ArmFault, Fault, Faults};
use crate::ledger::{CaptureMode, CreatePayment, Ledger, PendingNotification, Processing};
use crate::lock;

/// The production path of capture.
const CAPTURE: &str = "/ams/api/v1/payments/capture";
/// The sandbox path of capture.
const SANDBOX_CAPTURE: &str = "/ams/sandbox/api/v1/payments/capture";
/// The most of a request body that is read.
const MAX_BODY: usize = 1024 * 1024;

/// Closing the connection without a reply (the `drop_connection` fault).
#[derive(Debug)]
pub(crate) struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped on purpose (sandbox fault drop_connection)")
    }
}

impl std::error::Error for DropConnection {}

/// Everything the server's tasks share.
pub(crate) struct Shared {
    pub client_id: String,
    pub merchant_key: PublicKey,
    pub alipay_key: PrivateKey,
    pub default_notify_url: Option<String>,
    pub ledger: Mutex<Ledger>,
    pub faults: Mutex<Faults>,
    pub notifier: Notifier,
}

impl Shared {
    /// Sends a payment's notification, if there is anywhere to send it.
    pub fn notify(&self, pending: PendingNotification) {
        match pending
            .notify_url
            .or_else(|| self.default_notify_url.clone())
        {
            Some(url) => self.notifier.spawn(url, pending.notification),
            None => tracing::warn!(
                "captureId={} reached {} but the payment has no notify URL and the sandbox no default: no notifyCapture sent",
                pending.notification.capture_id,
                pending.notification.result.result_status
            ),
        }
    }
}

type Reply = Response<Full<Bytes>>;

/// Answers one HTTP request.
pub(crate) async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Reply, DropConnection> {
    let path = request.uri().path().to_owned();
    let method = request.method().clone();
    match path.as_str() {
        CAPTURE | SANDBOX_CAPTURE if method == Method::POST => {
            capture(&shared, &path, request).await
        }
        CAPTURE | SANDBOX_CAPTURE => Ok(plain(
            StatusCode::METHOD_NOT_ALLOWED,
            json!({"error": "Alipay APIs take POST only"}),
        )),
        _ if path.starts_with("/sandbox/") => Ok(control(&shared, &method, &path, request).await),
        _ => Ok(plain(
            StatusCode::NOT_FOUND,
            json!({"error": format!("the sandbox does not serve {path}; it serves POST {CAPTURE}, POST {SANDBOX_CAPTURE} and the control API under /sandbox/")}),
        )),
    }
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn read_body(body: Incoming) -> Result<Bytes, String> {
    Limited::new(body, MAX_BODY)
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .map_err(|e| format!("cannot read the request body (at most {MAX_BODY} bytes): {e}"))
}

/// An unsigned reply, as Alipay's gateway gives when it cannot authenticate
/// the caller (SPEC §1.5.6): HTTP 200 and F, never S.
fn refused(shared: &Shared, code: ResultCode, message: &str) -> Reply {
    let body = CaptureResponse::from_result(ResultInfo::new(ResultStatus::Failed, code, message));
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    let mut reply = json_reply(StatusCode::OK, bytes);
    if let Ok(value) = HeaderValue::from_str(&shared.client_id) {
        reply.headers_mut().insert("client-id", value);
    }
    reply
}

fn json_reply(status: StatusCode, body: Vec<u8>) -> Reply {
    let mut reply = Response::new(Full::new(Bytes::from(body)));
    *reply.status_mut() = status;
    reply.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    reply
}

/// A signed reply: `client-id`, `response-time`, `signature` over the path
/// that was called (SPEC §1.3, §1.5.5). `tamper` signs other content, for the
/// `bad_signature` fault.
fn signed(shared: &Shared, path: &str, body: Vec<u8>, tamper: bool) -> Reply {
    let response_time = iso8601_utc(SystemTime::now());
    let mut signed_body = body.clone();
    if tamper {
        signed_body.extend_from_slice(b" ");
    }
    let signature = Message::response(path, &shared.client_id, &response_time, &signed_body)
        .sign(&shared.alipay_key, DEFAULT_KEY_VERSION);
    let mut reply = json_reply(StatusCode::OK, body);
    let headers = reply.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&shared.client_id) {
        headers.insert("client-id", value);
    }
    match signature {
        Ok(signature) => {
            if let (Ok(time), Ok(sig)) = (
                HeaderValue::from_str(&response_time),
                HeaderValue::from_str(&signature.to_string()),
            ) {
                headers.insert("response-time", time);
                headers.insert("signature", sig);
            }
        }
        Err(e) => tracing::error!("signing the reply failed: {e}"),
    }
    reply
}

async fn capture(
    shared: &Shared,
    path: &str,
    request: Request<Incoming>,
) -> Result<Reply, DropConnection> {
    let (parts, body) = request.into_parts();
    let body = match read_body(body).await {
        Ok(body) => body,
        Err(e) => {
            tracing::info!("POST {path} -> refused: {e}");
            return Ok(refused(shared, ResultCode::ParamIllegal, &e));
        }
    };

    // Authenticate: client id, then the signature over the exact bytes received.
    let client_id = header_str(&parts.headers, "client-id");
    if client_id != Some(shared.client_id.as_str()) {
        let message = match client_id {
            None => "the Client-Id header is missing".to_owned(),
            Some(other) => format!(
                "unknown Client-Id {other:?}; this sandbox serves {:?}",
                shared.client_id
            ),
        };
        tracing::info!("POST {path} -> F CLIENT_INVALID (unsigned): {message}");
        return Ok(refused(
            shared,
            ResultCode::Other("CLIENT_INVALID".into()),
            &message,
        ));
    }
    let (Some(request_time), Some(signature)) = (
        header_str(&parts.headers, "request-time"),
        header_str(&parts.headers, "signature"),
    ) else {
        let message = "the Request-Time or Signature header is missing";
        tracing::info!("POST {path} -> F INVALID_SIGNATURE (unsigned): {message}");
        return Ok(refused(shared, ResultCode::InvalidSignature, message));
    };
    if let Err(e) = Message::request(path, &shared.client_id, request_time, &body)
        .verify(&shared.merchant_key, signature)
    {
        let message = format!(
            "the request signature does not verify against the merchant public key registered for this client id ({e}); sign \"POST {path}\\n<Client-Id>.<Request-Time>.<body>\" with your private key"
        );
        tracing::info!("POST {path} -> F INVALID_SIGNATURE (unsigned)");
        return Ok(refused(shared, ResultCode::InvalidSignature, &message));
    }

    let fault = lock(&shared.faults).take(Api::Capture);
    let fault_note = fault.map(|f| format!(" [fault {f}]")).unwrap_or_default();

    // U faults: Alipay did nothing; say so, signed.
    let unknown = match fault {
        Some(Fault::UnknownException) => Some((
            ResultCode::UnknownException,
            "unknown exception (sandbox fault)",
        )),
        Some(Fault::CaptureInProcess) => Some((
            ResultCode::CaptureInProcess,
            "the capture is being processed (sandbox fault)",
        )),
        _ => None,
    };
    if let Some((code, message)) = unknown {
        tracing::info!("POST {path} -> U {code}{fault_note}");
        let body =
            CaptureResponse::from_result(ResultInfo::new(ResultStatus::Unknown, code, message));
        return Ok(signed(
            shared,
            path,
            serde_json::to_vec(&body).unwrap_or_default(),
            false,
        ));
    }

    let response = match serde_json::from_slice::<CaptureRequest>(&body) {
        Err(e) => {
            tracing::info!("POST {path} -> F PARAM_ILLEGAL: {e}{fault_note}");
            CaptureResponse::from_result(ResultInfo::new(
                ResultStatus::Failed,
                ResultCode::ParamIllegal,
                format!("the body is not a valid capture request: {e}"),
            ))
        }
        Ok(capture) => {
            let processing = if fault == Some(Fault::ProcessFail) {
                Processing::ProcessFail
            } else {
                Processing::Normal
            };
            let outcome = lock(&shared.ledger).capture(&capture, processing, SystemTime::now());
            tracing::info!(
                "POST {path} captureRequestId={} paymentId={} amount={} {} -> {} {}{}{}",
                capture.capture_request_id,
                capture.payment_id,
                capture.capture_amount.value(),
                capture.capture_amount.currency(),
                outcome.response.result.result_status,
                outcome.response.result.result_code,
                if outcome.replayed { " (replay)" } else { "" },
                fault_note,
            );
            if let Some(pending) = outcome.notify {
                shared.notify(pending);
            }
            outcome.response
        }
    };
    let bytes = serde_json::to_vec(&response).unwrap_or_default();

    // Transport faults: the capture above happened; the reply goes wrong.
    Ok(match fault {
        Some(Fault::Delay(wait)) => {
            tokio::time::sleep(wait).await;
            signed(shared, path, bytes, false)
        }
        Some(Fault::DropConnection) => return Err(DropConnection),
        Some(Fault::Http500) => plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"error": "internal server error (sandbox fault http_500)"}),
        ),
        Some(Fault::Unsigned) => json_reply(StatusCode::OK, bytes),
        Some(Fault::BadSignature) => signed(shared, path, bytes, true),
        _ => signed(shared, path, bytes, false),
    })
}

/// A plain JSON reply of the control API.
fn plain(status: StatusCode, value: serde_json::Value) -> Reply {
    let mut reply = json_reply(status, serde_json::to_vec(&value).unwrap_or_default());
    reply.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    reply
}

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

async fn control(
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
