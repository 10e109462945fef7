//! The shared layer every served API goes through, as Alipay's gateway does
//! it: read the body, authenticate (client id, then the signature over the
//! exact bytes and the path called), take the API's armed fault, let the
//! API's route decide, deliver the notifications, and sign the reply (or
//! lose it, for transport faults).
//! <https://docs.antom.com/ac/ams/api_fund>

use alipay_ams_core::protocol::header;
use alipay_ams_core::{Message, ResultCode, ResultInfo, ResultStatus};
use bytes::Bytes;
use http::{HeaderMap, Request, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use serde_json::json;

use crate::fault::Fault;
use crate::reply::{Reply, json_reply, plain, refused, result_body, server_error, signed};
use crate::route::Route;
use crate::rules::{Call, Processing};
use crate::shared::Shared;
use crate::sync::lock;

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

/// Reads a request body, at most [`MAX_BODY`] bytes.
pub(crate) async fn read_body(body: Incoming) -> Result<Bytes, String> {
    Limited::new(body, MAX_BODY)
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .map_err(|e| format!("cannot read the request body (at most {MAX_BODY} bytes): {e}"))
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Checks the client id, then the signature over the exact bytes received
/// and the path called. `Err`: the code and message of the unsigned refusal.
fn authenticate(
    shared: &Shared,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), (ResultCode, String)> {
    let client_id = header_str(headers, header::CLIENT_ID);
    if client_id != Some(shared.client_id.as_str()) {
        let message = match client_id {
            None => "the Client-Id header is missing".to_owned(),
            Some(other) => format!(
                "unknown Client-Id {other:?}; this sandbox serves {:?}",
                shared.client_id
            ),
        };
        return Err((ResultCode::Other("CLIENT_INVALID".into()), message));
    }
    let (Some(request_time), Some(signature)) = (
        header_str(headers, header::REQUEST_TIME),
        header_str(headers, header::SIGNATURE),
    ) else {
        return Err((
            ResultCode::InvalidSignature,
            "the Request-Time or Signature header is missing".to_owned(),
        ));
    };
    Message::request(path, &shared.client_id, request_time, body)
        .verify(&shared.merchant_key, signature)
        .map_err(|e| {
            (
                ResultCode::InvalidSignature,
                format!(
                    "the request signature does not verify against the merchant public key registered for this client id ({e}); sign \"POST {path}\\n<Client-Id>.<Request-Time>.<body>\" with your private key"
                ),
            )
        })
        .map(|_| ())
}

/// The U answer of a fault that stands for "Alipay did not do it".
fn unknown(fault: Option<Fault>, route: &Route) -> Option<ResultInfo> {
    let (code, message) = match (fault?, &route.in_process) {
        (Fault::UnknownException, _) => (
            ResultCode::UnknownException,
            format!(
                "unknown exception (sandbox fault, {} not performed)",
                route.name
            ),
        ),
        (fault, Some(code)) if fault.is_in_process() => (
            code.clone(),
            format!("the {} is being processed (sandbox fault)", route.name),
        ),
        // Arming refuses this; if it happened anyway, an unknown outcome.
        (fault, None) if fault.is_in_process() => (
            ResultCode::UnknownException,
            format!(
                "unknown exception (sandbox fault, {} not performed)",
                route.name
            ),
        ),
        _ => return None,
    };
    Some(ResultInfo::new(ResultStatus::Unknown, code, message))
}

/// Serves one call of `route` at `path` (the path as called, which the
/// signatures cover).
pub(crate) async fn serve_api(
    shared: &Shared,
    route: &Route,
    path: &str,
    request: Request<Incoming>,
) -> Result<Reply, DropConnection> {
    let (parts, body) = request.into_parts();
    let sign = |body: Bytes, tamper: bool| {
        signed(&shared.alipay_key, &shared.client_id, path, body, tamper)
    };
    let body = match read_body(body).await {
        Ok(body) => body,
        Err(e) => {
            tracing::info!("POST {path} -> refused: {e}");
            return Ok(refused(&shared.client_id, ResultCode::ParamIllegal, &e));
        }
    };
    if let Err((code, message)) = authenticate(shared, path, &parts.headers, &body) {
        tracing::info!("POST {path} -> F {code} (unsigned): {message}");
        return Ok(refused(&shared.client_id, code, &message));
    }

    let fault = lock(&shared.faults).api.take(route.name);
    let fault_note = fault.map(|f| format!(" [fault {f}]")).unwrap_or_default();
    if let Some(result) = unknown(fault, route) {
        tracing::info!(
            "POST {path} {} -> U {}{fault_note}",
            route.name,
            result.result_code
        );
        return Ok(match result_body(&result) {
            Ok(body) => sign(body, false),
            Err(e) => server_error(&format!("the sandbox could not serialize its reply: {e}")),
        });
    }

    let call = Call {
        now: shared.clock.now(),
        processing: if fault == Some(Fault::ProcessFail) {
            Processing::ProcessFail
        } else {
            Processing::Normal
        },
    };
    let served = match route.serve(&body, &shared.books, &call) {
        Ok(served) => served,
        Err(e) => {
            return Ok(server_error(&format!(
                "the sandbox could not serialize its {} reply: {e}",
                route.name
            )));
        }
    };
    tracing::info!(
        "POST {path} {}{} -> {} {}{}{fault_note}",
        route.name,
        served
            .key
            .as_ref()
            .map(|(field, key)| format!(" {field}={key}"))
            .unwrap_or_default(),
        served.result.result_status,
        served.result.result_code,
        if served.replayed { " (replay)" } else { "" },
    );
    shared.dispatch(served.notifications, served.wakeups);

    // Transport faults: the call above happened; the reply goes wrong.
    Ok(match fault {
        Some(Fault::Delay(wait)) => {
            tokio::time::sleep(wait).await;
            sign(served.body, false)
        }
        Some(Fault::DropConnection) => return Err(DropConnection),
        Some(Fault::Http500) => plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!({"error": "internal server error (sandbox fault http_500)"}),
        ),
        Some(Fault::Unsigned) => json_reply(StatusCode::OK, served.body),
        Some(Fault::BadSignature) => sign(served.body, true),
        _ => sign(served.body, false),
    })
}
