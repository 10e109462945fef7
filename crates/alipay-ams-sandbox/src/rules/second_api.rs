//! Proof that the table takes any API: a test-local API with its own
//! notification kind, served by adding one rules function and one route,
//! gets authentication, signing, idempotency, faults by name and generic
//! notification delivery from the shared layer, with no other code.

use std::time::{Duration, SystemTime};

use alipay_ams_core::protocol::{Environment, header};
use alipay_ams_core::time::epoch_millis;
use alipay_ams_core::{
    ApiRequest, DedupKey, Discriminator, Message, NotificationKind, ResultCode, ResultInfo, Retry,
};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};

use crate::ledger::{Ledger, new_id};
use crate::route::Route;
use crate::rules::{Call, Decision};
use crate::{CreatePayment, Fault, Sandbox};

/// The test API: leave a note on a payment.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct NoteRequest {
    note_request_id: String,
    payment_id: String,
    text: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct NoteResponse {
    result: ResultInfo,
    note_id: String,
    payment_id: String,
}

impl ApiRequest for NoteRequest {
    const NAME: &'static str = "note";
    const PATH: &'static str = "/ams/api/v1/payments/note";
    const RETRY: Retry = Retry::SameKey;
    const IDEMPOTENCY_FIELD: Option<&'static str> = Some("noteRequestId");
    type Response = NoteResponse;

    fn idempotency_key(&self) -> Option<&str> {
        Some(&self.note_request_id)
    }
}

/// Its notification kind.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct NoteNotification {
    notify_type: String,
    payment_id: String,
    note_id: String,
}

impl NotificationKind for NoteNotification {
    const NAME: &'static str = "notifyNote";
    const DISCRIMINATOR: Discriminator = Discriminator::NotifyType(&["NOTE_RESULT"]);

    fn dedup_key(&self) -> DedupKey {
        DedupKey::new([self.notify_type.as_str(), &self.note_id])
    }
}

/// The one rules function.
fn note(request: &NoteRequest, ledger: &mut Ledger, call: &Call) -> Decision<NoteResponse> {
    let Some(payment) = ledger.payments.get(&request.payment_id) else {
        return Decision::failed(ResultCode::AuthNotFound, "no such payment");
    };
    let note_id = new_id(call.now);
    let notification = NoteNotification {
        notify_type: "NOTE_RESULT".into(),
        payment_id: request.payment_id.clone(),
        note_id: note_id.clone(),
    };
    let notify_url = payment.notify_url.clone();
    Decision::success(NoteResponse {
        result: ResultInfo::success(),
        note_id,
        payment_id: request.payment_id.clone(),
    })
    .notify(&notification, notify_url)
}

struct Answer {
    status: u16,
    signed: bool,
    body: serde_json::Value,
}

/// Signs `body` as the example merchant and posts it to `path`.
async fn post(sandbox: &Sandbox, path: &str, body: &serde_json::Value) -> Answer {
    let body = serde_json::to_vec(body).unwrap();
    let time = epoch_millis(SystemTime::now());
    let key = sandbox.merchant_private_key().unwrap();
    let signature = Message::request(path, sandbox.client_id(), &time, &body)
        .sign(&key, 1)
        .unwrap();
    let stream = tokio::net::TcpStream::connect(sandbox.addr())
        .await
        .unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    let request = http::Request::post(path)
        .header(http::header::HOST, sandbox.addr().to_string())
        .header(header::CLIENT_ID, sandbox.client_id())
        .header(header::REQUEST_TIME, &time)
        .header(header::SIGNATURE, signature.to_string())
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    let status = response.status().as_u16();
    let get = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let (time, signature) = (get(header::RESPONSE_TIME), get(header::SIGNATURE));
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let signed = match (time, signature) {
        (Some(time), Some(signature)) => {
            Message::response(path, sandbox.client_id(), &time, &bytes)
                .verify(&sandbox.alipay_public_key(), &signature)
                .is_ok()
        }
        _ => false,
    };
    Answer {
        status,
        signed,
        body: serde_json::from_slice(&bytes).unwrap(),
    }
}

#[tokio::test]
async fn a_second_api_is_one_rules_function_and_one_route() {
    let sandbox = Sandbox::with_example_keys()
        .route(Route::new(note))
        .start()
        .await
        .unwrap();
    // Deliveries go nowhere: the log still says what they were.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let notify_url = format!("http://{}/notify", closed.local_addr().unwrap());
    drop(closed);
    let usd = alipay_ams_core::Amount::from_minor_units_str("USD", "100").unwrap();
    let payment_id = sandbox
        .create_payment(CreatePayment::new(usd).notify_url(&notify_url))
        .unwrap()
        .payment_id;
    let sandbox_path = Environment::Sandbox.path(NoteRequest::PATH);
    let request =
        serde_json::json!({"noteRequestId": "n-1", "paymentId": payment_id, "text": "hi"});

    // Served at both forms of its path, signed, with its rules.
    let first = post(&sandbox, &sandbox_path, &request).await;
    assert!(first.signed);
    assert_eq!(first.body["result"]["resultStatus"], "S");
    assert_eq!(first.body["paymentId"], payment_id.as_str());
    let missing = serde_json::json!({"noteRequestId": "n-2", "paymentId": "nope", "text": "hi"});
    let refused = post(&sandbox, NoteRequest::PATH, &missing).await;
    assert!(refused.signed);
    assert_eq!(refused.body["result"]["resultCode"], "AUTH_NOT_FOUND");
    assert_eq!(
        refused.body.as_object().unwrap().len(),
        1,
        "F carries the result alone"
    );

    // Idempotency from the shared layer.
    let again = post(&sandbox, &sandbox_path, &request).await;
    assert_eq!(again.body, first.body);
    let changed =
        serde_json::json!({"noteRequestId": "n-1", "paymentId": payment_id, "text": "other"});
    let inconsistent = post(&sandbox, &sandbox_path, &changed).await;
    assert_eq!(
        inconsistent.body["result"]["resultCode"],
        "REPEAT_REQ_INCONSISTENT"
    );

    // Faults by the API's name.
    assert_eq!(
        sandbox.arm_fault::<NoteRequest>(Fault::Http500, 1).unwrap(),
        1
    );
    let lost = post(&sandbox, &sandbox_path, &request).await;
    assert_eq!((lost.status, lost.signed), (500, false));
    assert_eq!(sandbox.armed_faults::<NoteRequest>(), 0);

    // Its notification went through the generic delivery and log.
    let log = sandbox
        .wait_for_deliveries(Duration::from_secs(5), |log| !log.is_empty())
        .await
        .unwrap();
    let attempt = &log[0];
    assert_eq!(attempt.kind, "notifyNote");
    assert_eq!(attempt.notify_type.as_deref(), Some("NOTE_RESULT"));
    assert_eq!(
        attempt.dedup_key.as_str(),
        format!("NOTE_RESULT:{}", first.body["noteId"].as_str().unwrap())
    );
    assert_eq!(attempt.payment_id.as_deref(), Some(payment_id.as_str()));
    assert!(attempt.error.is_some() && !attempt.acknowledged);
    let note: NoteNotification = attempt.notification().unwrap();
    assert_eq!(note.payment_id, payment_id);
    sandbox.shutdown().await;
}
