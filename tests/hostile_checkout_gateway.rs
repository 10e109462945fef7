//! Hostile requests at the sandbox's checkout APIs (pay, refund, cancel),
//! over real loopback HTTP: unsigned, badly signed, altered after signing,
//! signed for another path, client id or time: refused F
//! (INVALID_SIGNATURE, CLIENT_INVALID) in an unsigned reply. Malformed and
//! oversized bodies, even signed: refused F PARAM_ILLEGAL. None of them
//! changes the sandbox's books; genuine requests are served after them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use std::net::SocketAddr;
use std::time::SystemTime;

use alipay_ams::models::{Order, TerminalType};
use alipay_ams::payments::{CancelRequest, PayRequest, RefundRequest};
use alipay_ams::protocol::{Environment, header};
use alipay_ams::sandbox::{BuyerAction, Sandbox, example_keys};
use alipay_ams::signing::{Message, time::epoch_millis};
use alipay_ams::{ApiRequest, PrivateKey};
use alipay_ams_testkit::{Response, exchange};
use common::checkout::usd;

/// What the sandbox's replies are checked for.
trait Verdict {
    /// `resultStatus resultCode`, such as `F INVALID_SIGNATURE`.
    fn code(&self) -> String;
    /// Whether it carries a signature header.
    fn is_signed(&self) -> bool;
}

impl Verdict for Response {
    fn code(&self) -> String {
        let json = self.json();
        format!(
            "{} {}",
            json["result"]["resultStatus"].as_str().unwrap(),
            json["result"]["resultCode"].as_str().unwrap()
        )
    }

    fn is_signed(&self) -> bool {
        self.headers.contains_key(header::SIGNATURE)
    }
}

/// Sends `request` as raw bytes; the sandbox's reply.
async fn send(addr: SocketAddr, request: Vec<u8>) -> Response {
    exchange(addr, request).await.into_response()
}

fn merchant_key() -> PrivateKey {
    PrivateKey::parse(example_keys::MERCHANT_PRIVATE_KEY_PEM).unwrap()
}

/// `body` posted to `path` with the signature headers given.
fn post(path: &str, client_id: &str, time: &str, signature: Option<&str>, body: &[u8]) -> Vec<u8> {
    let length = body.len().to_string();
    let mut headers: Vec<(&str, &[u8])> = vec![
        ("content-type", b"application/json; charset=UTF-8"),
        (header::CLIENT_ID, client_id.as_bytes()),
        (header::REQUEST_TIME, time.as_bytes()),
        ("content-length", length.as_bytes()),
    ];
    if let Some(signature) = signature {
        headers.push((header::SIGNATURE, signature.as_bytes()));
    }
    alipay_ams_testkit::request("POST", path, &headers, body)
}

/// `body` signed with `key` for `client_id` over `signed_path`, posted to `path`.
fn signed_as(
    key: &PrivateKey,
    client_id: &str,
    signed_path: &str,
    path: &str,
    body: &[u8],
) -> Vec<u8> {
    let time = epoch_millis(SystemTime::now());
    let signature = Message::request(signed_path, client_id, &time, body)
        .sign(key, 1)
        .unwrap();
    post(path, client_id, &time, Some(&signature.to_string()), body)
}

/// `body` as the merchant would post it to `path`.
fn genuine(path: &str, body: &[u8]) -> Vec<u8> {
    signed_as(&merchant_key(), example_keys::CLIENT_ID, path, path, body)
}

/// What the books hold: every payment, capture and refund.
fn books(sandbox: &Sandbox) -> String {
    format!(
        "{:?}{:?}{:?}",
        sandbox.payments(),
        sandbox.captures(),
        sandbox.refunds()
    )
}

/// The hostile forms of one API's genuine `body` at `path`, each with the
/// answer it must get. `key` is a required text field of the body (what
/// the attacks change, remove, repeat or retype).
fn hostile(
    api: &str,
    path: &str,
    body: &[u8],
    key: &str,
    other_path: &str,
) -> Vec<(String, Vec<u8>, &'static str)> {
    let client = example_keys::CLIENT_ID;
    let alipay = PrivateKey::parse(example_keys::ALIPAY_PRIVATE_KEY_PEM).unwrap();
    let json: serde_json::Value = serde_json::from_slice(body).unwrap();
    let with = |value: Option<serde_json::Value>| {
        let mut json = json.clone();
        match value {
            Some(value) => json[key] = value,
            None => drop(json.as_object_mut().unwrap().remove(key)),
        }
        serde_json::to_vec(&json).unwrap()
    };
    let text = String::from_utf8(body.to_vec()).unwrap();
    let other_key = with(Some("VICTIM-OTHER".into()));
    let time = epoch_millis(SystemTime::now());
    let good = Message::request(path, client, &time, body)
        .sign(&merchant_key(), 1)
        .unwrap()
        .to_string();
    let bad = "F INVALID_SIGNATURE";
    let illegal = "F PARAM_ILLEGAL";
    let mut oversized = body.to_vec();
    oversized.pop();
    oversized.extend(format!(r#","metadata":"{}"}}"#, "x".repeat(1024 * 1024)).into_bytes());
    let duplicated = text.replacen('{', &format!(r#"{{"{key}":"VICTIM-OTHER","#), 1);
    let mut non_utf8 = body.to_vec();
    non_utf8.splice(2..2, [0xff, 0xfe]);
    let random = format!(
        "algorithm=RSA256,keyVersion=1,signature={}",
        "QUJD".repeat(85)
    );
    let cases: Vec<(&str, Vec<u8>, &'static str)> = vec![
        ("unsigned", post(path, client, &time, None, body), bad),
        (
            "signature of random bytes",
            post(path, client, &time, Some(&random), body),
            bad,
        ),
        (
            "garbage signature header",
            post(path, client, &time, Some("%%%,,,"), body),
            bad,
        ),
        (
            "signed with Alipay's key",
            signed_as(&alipay, client, path, path, body),
            bad,
        ),
        (
            "key field changed after signing",
            post(path, client, &time, Some(&good), &other_key),
            bad,
        ),
        (
            "one space added after signing",
            post(path, client, &time, Some(&good), &[body, b" "].concat()),
            bad,
        ),
        (
            "another request-time",
            post(path, client, "1700000000000", Some(&good), body),
            bad,
        ),
        (
            "signed for another API's path",
            signed_as(&merchant_key(), client, other_path, path, body),
            bad,
        ),
        (
            "signed for another client id",
            signed_as(&merchant_key(), "SANDBOX_ATTACKER0000000", path, path, body),
            "F CLIENT_INVALID",
        ),
        (
            "oversized (1 MiB), signed",
            genuine(path, &oversized),
            illegal,
        ),
        (
            "oversized (1 MiB), unsigned",
            post(path, client, &time, None, &oversized),
            illegal,
        ),
        (
            "not JSON, signed",
            genuine(path, &body[..body.len() / 2]),
            illegal,
        ),
        ("a JSON array, signed", genuine(path, b"[1,2,3]"), illegal),
        ("empty, signed", genuine(path, b""), illegal),
        (
            "10k nested arrays, signed",
            genuine(path, &[b"[".repeat(10_000), b"]".repeat(10_000)].concat()),
            illegal,
        ),
        ("non-UTF-8 bytes, signed", genuine(path, &non_utf8), illegal),
        (
            "key field given twice, signed",
            genuine(path, duplicated.as_bytes()),
            illegal,
        ),
        (
            "key field missing, signed",
            genuine(path, &with(None)),
            illegal,
        ),
        (
            "key field a number, signed",
            genuine(path, &with(Some(12345.into()))),
            illegal,
        ),
        (
            "key field null, signed",
            genuine(path, &with(Some(serde_json::Value::Null))),
            illegal,
        ),
    ];
    cases
        .into_iter()
        .map(|(name, request, code)| (format!("{api}: {name}"), request, code))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_pay_refund_and_cancel_requests_are_refused_and_change_nothing() {
    let sandbox = Sandbox::with_example_keys()
        .time_scale(0.001)
        .start()
        .await
        .unwrap();
    let addr = sandbox.addr();
    let path = |api: &str| Environment::Sandbox.path(api).into_owned();
    let (pay_path, refund_path, cancel_path) = (
        path(PayRequest::PATH),
        path(RefundRequest::PATH),
        path(CancelRequest::PATH),
    );

    // One paid payment to refund, one waiting to cancel.
    let pay = |id: &str| {
        let order = Order::checkout(format!("o-{id}"), "Coffee", usd(1_000));
        PayRequest::cashier(
            id,
            order,
            "ALIPAY_CN",
            "https://shop.example/r",
            TerminalType::Web,
        )
    };
    let created = send(
        addr,
        genuine(&pay_path, &serde_json::to_vec(&pay("h-paid")).unwrap()),
    )
    .await;
    assert_eq!(created.code(), "U PAYMENT_IN_PROCESS");
    let paid = sandbox.payment_by_request_id("h-paid").unwrap().payment_id;
    sandbox.buyer(&paid, BuyerAction::Pay).unwrap();
    send(
        addr,
        genuine(&pay_path, &serde_json::to_vec(&pay("h-waiting")).unwrap()),
    )
    .await;
    let waiting = sandbox
        .payment_by_request_id("h-waiting")
        .unwrap()
        .payment_id;

    let pay_body = serde_json::to_vec(&pay("h-new")).unwrap();
    let refund_body = serde_json::to_vec(&RefundRequest::new("h-r", &paid, usd(400))).unwrap();
    let cancel_body = serde_json::to_vec(&CancelRequest::new().with_payment_id(&waiting)).unwrap();
    let mut cases = hostile(
        "pay",
        &pay_path,
        &pay_body,
        "paymentRequestId",
        &refund_path,
    );
    cases.extend(hostile(
        "refund",
        &refund_path,
        &refund_body,
        "paymentId",
        &pay_path,
    ));
    cases.extend(hostile(
        "cancel",
        &cancel_path,
        &cancel_body,
        "paymentId",
        &refund_path,
    ));
    let production = Environment::Production
        .path(RefundRequest::PATH)
        .into_owned();
    cases.extend(hostile(
        "refund (production path)",
        &production,
        &refund_body,
        "refundRequestId",
        &pay_path,
    ));

    let before = books(&sandbox);
    println!("{:<60} answer", "hostile request");
    for (name, request, want) in cases {
        let reply = send(addr, request).await;
        println!("{name:<60} HTTP {} {}", reply.status, reply.code());
        assert_eq!(reply.status, 200, "{name}");
        assert_eq!(reply.code(), want, "{name}: {}", reply.text());
        if want != "F PARAM_ILLEGAL" {
            assert!(
                !reply.is_signed(),
                "{name}: a refusal of authentication is unsigned"
            );
        }
        assert_eq!(books(&sandbox), before, "{name} changed the books");
    }

    // Genuine requests are still served, and move what they should.
    let reply = send(addr, genuine(&refund_path, &refund_body)).await;
    assert_eq!(reply.code(), "S SUCCESS");
    assert!(reply.is_signed());
    assert_eq!(sandbox.payment(&paid).unwrap().refunded, usd(400));
    assert_eq!(
        send(addr, genuine(&cancel_path, &cancel_body)).await.code(),
        "S SUCCESS"
    );
    assert_eq!(
        send(addr, genuine(&pay_path, &pay_body)).await.code(),
        "U PAYMENT_IN_PROCESS"
    );
    assert_eq!(sandbox.payments().len(), 3);
    assert_eq!(sandbox.refunds().len(), 1);
    sandbox.shutdown().await;
}
