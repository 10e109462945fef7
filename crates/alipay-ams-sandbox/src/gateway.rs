//! The HTTP side: routing, and Alipay's API paths, authenticated and signed
//! as Alipay does it (SPEC §1). The control API under `/sandbox/` is in
//! `control.rs`.

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
use serde_json::json;

use crate::delivery::Notifier;
use crate::fault::{Api, Fault, Faults};
use crate::ledger::{Ledger, PendingNotification, Processing};
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

pub(crate) type Reply = Response<Full<Bytes>>;

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
        _ if path.starts_with("/sandbox/") => {
            Ok(crate::control::handle(&shared, &method, &path, request).await)
        }
        _ => Ok(plain(
            StatusCode::NOT_FOUND,
            json!({"error": format!("the sandbox does not serve {path}; it serves POST {CAPTURE}, POST {SANDBOX_CAPTURE} and the control API under /sandbox/")}),
        )),
    }
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

pub(crate) async fn read_body(body: Incoming) -> Result<Bytes, String> {
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

pub(crate) fn json_reply(status: StatusCode, body: Vec<u8>) -> Reply {
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
    let headers = Message::response(path, &shared.client_id, &response_time, &signed_body)
        .sign(&shared.alipay_key, DEFAULT_KEY_VERSION)
        .map_err(|e| e.to_string())
        .and_then(|signature| {
            let value = |text: &str| HeaderValue::from_str(text).map_err(|e| e.to_string());
            Ok([
                ("client-id", value(&shared.client_id)?),
                ("response-time", value(&response_time)?),
                ("signature", value(&signature.to_string())?),
            ])
        });
    match headers {
        Ok(headers) => {
            let mut reply = json_reply(StatusCode::OK, body);
            for (name, value) in headers {
                reply.headers_mut().insert(name, value);
            }
            reply
        }
        // Never an unsigned business answer: a transport error, which
        // clients retry with the same idempotency key.
        Err(e) => {
            tracing::error!("signing the reply failed: {e}");
            plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({"error": "the sandbox could not sign its reply"}),
            )
        }
    }
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

/// A plain, unsigned JSON reply.
pub(crate) fn plain(status: StatusCode, value: serde_json::Value) -> Reply {
    let mut reply = json_reply(status, serde_json::to_vec(&value).unwrap_or_default());
    reply.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    reply
}
