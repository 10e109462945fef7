//! How the sandbox answers: replies signed as Alipay, the unsigned refusals
//! Alipay's gateway gives a caller it cannot authenticate, and the plain JSON
//! of the control API. A body that cannot be serialized is an HTTP 500 with
//! a fixed text, never an empty body.
//! <https://docs.antom.com/ac/ams/digital_signature>

use std::time::SystemTime;

use alipay_ams_core::protocol::{CONTENT_TYPE_JSON, header};
use alipay_ams_core::time::iso8601_utc;
use alipay_ams_core::{
    DEFAULT_KEY_VERSION, Message, PrivateKey, ResultCode, ResultInfo, ResultStatus,
};
use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode};
use http_body_util::Full;
use serde::Serialize;
use serde_json::json;

/// What the server sends.
pub(crate) type Reply = Response<Full<Bytes>>;

/// The body of an answer that has no typed response: F and U replies carry
/// their `result` alone.
#[derive(Serialize)]
struct ResultOnly<'a> {
    result: &'a ResultInfo,
}

/// `{"result": {...}}`.
pub(crate) fn result_body(result: &ResultInfo) -> Result<Bytes, serde_json::Error> {
    serde_json::to_vec(&ResultOnly { result }).map(Bytes::from)
}

/// A reply with a JSON body, `Content-Type` as Alipay sends it.
pub(crate) fn json_reply(status: StatusCode, body: Bytes) -> Reply {
    let mut reply = Response::new(Full::new(body));
    *reply.status_mut() = status;
    reply.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static(CONTENT_TYPE_JSON),
    );
    reply
}

/// A plain, unsigned JSON reply (control API, errors outside Alipay's APIs).
pub(crate) fn plain(status: StatusCode, value: &serde_json::Value) -> Reply {
    // Formatting a `Value` cannot fail.
    let mut reply = json_reply(status, Bytes::from(value.to_string()));
    reply.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    reply
}

/// A plain reply of any serializable value; HTTP 500 if it does not serialize.
pub(crate) fn plain_of<T: Serialize>(status: StatusCode, value: &T) -> Reply {
    match serde_json::to_value(value) {
        Ok(value) => plain(status, &value),
        Err(e) => server_error(&format!("the sandbox could not serialize its answer: {e}")),
    }
}

/// HTTP 500, unsigned, with a fixed explanation: what a client treats as a
/// transport failure and retries with the same idempotency key.
pub(crate) fn server_error(why: &str) -> Reply {
    tracing::error!("{why}");
    plain(StatusCode::INTERNAL_SERVER_ERROR, &json!({ "error": why }))
}

/// An unsigned F reply, as Alipay's gateway gives when it cannot
/// authenticate the caller: HTTP 200 and F, never S.
pub(crate) fn refused(client_id: &str, code: ResultCode, message: &str) -> Reply {
    let result = ResultInfo::new(ResultStatus::Failed, code, message);
    let mut reply = match result_body(&result) {
        Ok(body) => json_reply(StatusCode::OK, body),
        Err(e) => return server_error(&format!("the sandbox could not serialize a refusal: {e}")),
    };
    if let Ok(value) = HeaderValue::from_str(client_id) {
        reply.headers_mut().insert(header::CLIENT_ID, value);
    }
    reply
}

/// A reply signed as Alipay: `client-id`, `response-time` and `signature`
/// over `POST <path called>\n<client-id>.<response-time>.<body>`. With
/// `tamper`, the signature covers other content (the `bad_signature` fault).
/// A reply that cannot be signed is an HTTP 500, never an unsigned answer.
pub(crate) fn signed(
    key: &PrivateKey,
    client_id: &str,
    path: &str,
    body: Bytes,
    tamper: bool,
) -> Reply {
    let response_time = iso8601_utc(SystemTime::now());
    let signature = if tamper {
        let mut other = body.to_vec();
        other.push(b' ');
        Message::response(path, client_id, &response_time, &other).sign(key, DEFAULT_KEY_VERSION)
    } else {
        Message::response(path, client_id, &response_time, &body).sign(key, DEFAULT_KEY_VERSION)
    };
    let headers = signature.map_err(|e| e.to_string()).and_then(|signature| {
        let value = |text: &str| HeaderValue::from_str(text).map_err(|e| e.to_string());
        Ok([
            (header::CLIENT_ID, value(client_id)?),
            (header::RESPONSE_TIME, value(&response_time)?),
            (header::SIGNATURE, value(&signature.to_string())?),
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
        Err(e) => server_error(&format!("the sandbox could not sign its reply: {e}")),
    }
}
