//! Hostile notifyPayment and notifyRefund deliveries at the checkout
//! merchant's notify endpoint (axum + `NotifyService` routing the three
//! kinds), over real loopback HTTP: bodies altered after Alipay signed them
//! (amount, status, `notifyType` PAYMENT_PENDING <-> PAYMENT_RESULT, ids),
//! fields given twice, another kind's discriminator, forged and replayed
//! signatures. Each is refused non-S and never reaches a handler; a genuine
//! notification is acknowledged and processed right after each.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use alipay_ams::protocol::{ACK_BODY, header};
use alipay_ams_testkit::{self as raw_http, Answer, exchange};
use common::checkout::{Merchant, payment_result_key, refund_key};
use common::hostile_cases::{Case, Expect, check};
use common::hostile_endpoint::{CLIENT_ID, PATH, alipay_key, merchant_key, signed};

fn payment(payment_id: &str, notify_type: &str, status: &str, value: &str) -> String {
    let code = if status == "S" {
        "SUCCESS"
    } else {
        "USER_BALANCE_NOT_ENOUGH"
    };
    format!(
        r#"{{"notifyType":"{notify_type}","result":{{"resultCode":"{code}","resultStatus":"{status}","resultMessage":"m"}},"paymentRequestId":"pr-{payment_id}","paymentId":"{payment_id}","paymentAmount":{{"currency":"USD","value":"{value}"}},"paymentCreateTime":"2026-11-25T10:00:00+08:00","paymentTime":"2026-11-25T10:01:00+08:00"}}"#
    )
}

fn refund(refund_id: &str, refund_status: &str, status: &str, value: &str) -> String {
    let code = if status == "S" {
        "SUCCESS"
    } else {
        "PROCESS_FAIL"
    };
    format!(
        r#"{{"notifyType":"REFUND_RESULT","result":{{"resultCode":"{code}","resultStatus":"{status}","resultMessage":"m"}},"refundStatus":"{refund_status}","refundRequestId":"rr-{refund_id}","refundId":"{refund_id}","refundAmount":{{"currency":"USD","value":"{value}"}},"refundTime":"2026-11-25T10:02:00+08:00"}}"#
    )
}

/// `body` as Alipay would post it: signed with its key for this merchant.
fn genuine(body: &str) -> Vec<u8> {
    raw_http::from_request(&signed(&alipay_key(), CLIENT_ID, PATH, body.as_bytes()))
}

/// `original` signed by Alipay, then its body replaced by `altered` (the
/// signature headers kept): what a man in the middle sends.
fn altered(original: &str, altered: &str) -> Vec<u8> {
    assert_ne!(original, altered, "the alteration changed nothing");
    let request = signed(&alipay_key(), CLIENT_ID, PATH, original.as_bytes());
    let value = |name: &str| request.headers()[name].as_bytes().to_vec();
    let (time, signature) = (value(header::REQUEST_TIME), value(header::SIGNATURE));
    let length = altered.len().to_string();
    raw_http::request(
        "POST",
        PATH,
        &[
            ("content-type", b"application/json; charset=UTF-8"),
            (header::CLIENT_ID, CLIENT_ID.as_bytes()),
            (header::REQUEST_TIME, &time),
            (header::SIGNATURE, &signature),
            ("content-length", length.as_bytes()),
        ],
        altered.as_bytes(),
    )
}

fn case(name: &'static str, expect: Expect, request: Vec<u8>) -> Case {
    Case {
        name,
        request: Arc::new(request),
        expect,
    }
}

fn hostile() -> Vec<Case> {
    let pending = payment("P-VICTIM", "PAYMENT_PENDING", "S", "1000");
    let result = payment("P-VICTIM", "PAYMENT_RESULT", "S", "1000");
    let declined = payment("P-VICTIM", "PAYMENT_RESULT", "F", "1000");
    let failed_refund = refund("R-VICTIM", "FAIL", "F", "500");
    let good_refund = refund("R-VICTIM", "SUCCESS", "S", "500");
    let first = |field: &str| format!(r#"{{"{field}":"#);
    let twice = |body: &str, field: &str, extra: &str| {
        body.replacen(&first(field), &format!(r#"{{{extra},"{field}":"#), 1)
    };
    let unauthorized = Expect::Status(401);
    vec![
        case(
            "notifyPayment: amount raised after signing",
            unauthorized,
            altered(
                &result,
                &result.replace(r#""value":"1000""#, r#""value":"100000""#),
            ),
        ),
        case(
            "notifyPayment: F turned into S after signing",
            unauthorized,
            altered(
                &declined,
                &declined.replace(r#""resultStatus":"F""#, r#""resultStatus":"S""#),
            ),
        ),
        case(
            "notifyPayment: PAYMENT_PENDING turned into PAYMENT_RESULT after signing",
            unauthorized,
            altered(
                &pending,
                &pending.replace("PAYMENT_PENDING", "PAYMENT_RESULT"),
            ),
        ),
        case(
            "notifyPayment: PAYMENT_RESULT turned into PAYMENT_PENDING after signing",
            unauthorized,
            altered(
                &result,
                &result.replace("PAYMENT_RESULT", "PAYMENT_PENDING"),
            ),
        ),
        case(
            "notifyPayment: paymentId changed after signing",
            unauthorized,
            altered(&result, &result.replace("P-VICTIM", "P-OTHER")),
        ),
        case(
            "notifyPayment: a second paymentAmount added after signing",
            unauthorized,
            altered(
                &result,
                &twice(
                    &result,
                    "notifyType",
                    r#""paymentAmount":{"currency":"USD","value":"100000"}"#,
                ),
            ),
        ),
        case(
            "notifyPayment: notifyType twice (PAYMENT_PENDING, PAYMENT_RESULT), signed by Alipay",
            Expect::Status(400),
            genuine(&twice(
                &result,
                "notifyType",
                r#""notifyType":"PAYMENT_PENDING""#,
            )),
        ),
        case(
            "notifyPayment: paymentAmount twice, signed by Alipay",
            Expect::Status(400),
            genuine(&result.replacen(
                r#","paymentAmount""#,
                r#","paymentAmount":{"currency":"USD","value":"1"},"paymentAmount""#,
                1,
            )),
        ),
        case(
            "notifyPayment: result.resultStatus twice (F then S), signed by Alipay",
            Expect::Status(400),
            genuine(&declined.replace(
                r#""resultStatus":"F""#,
                r#""resultStatus":"F","resultStatus":"S""#,
            )),
        ),
        case(
            "notifyPayment: CAPTURE_RESULT discriminator on a payment body, signed by Alipay",
            Expect::Status(400),
            genuine(&result.replace("PAYMENT_RESULT", "CAPTURE_RESULT")),
        ),
        case(
            "notifyPayment: REFUND_RESULT discriminator on a payment body, signed by Alipay",
            Expect::Status(400),
            genuine(&result.replace("PAYMENT_RESULT", "REFUND_RESULT")),
        ),
        case(
            "notifyPayment: signed with the merchant's key",
            unauthorized,
            raw_http::from_request(&signed(&merchant_key(), CLIENT_ID, PATH, result.as_bytes())),
        ),
        case(
            "notifyPayment: signed by Alipay for another path",
            unauthorized,
            raw_http::from_request(&signed(
                &alipay_key(),
                CLIENT_ID,
                "/other/notify",
                result.as_bytes(),
            )),
        ),
        case(
            "notifyPayment: another notification's signature over this body",
            unauthorized,
            altered(
                &payment("P-GENUINE", "PAYMENT_RESULT", "S", "1000"),
                &result,
            ),
        ),
        case(
            "notifyPayment: unsigned",
            unauthorized,
            raw_http::request(
                "POST",
                PATH,
                &[
                    (header::CLIENT_ID, CLIENT_ID.as_bytes()),
                    ("content-length", result.len().to_string().as_bytes()),
                ],
                result.as_bytes(),
            ),
        ),
        case(
            "notifyRefund: FAIL turned into SUCCESS after signing",
            unauthorized,
            altered(
                &failed_refund,
                &failed_refund
                    .replace("FAIL", "SUCCESS")
                    .replace(r#""resultStatus":"F""#, r#""resultStatus":"S""#),
            ),
        ),
        case(
            "notifyRefund: amount raised after signing",
            unauthorized,
            altered(
                &good_refund,
                &good_refund.replace(r#""value":"500""#, r#""value":"50000""#),
            ),
        ),
        case(
            "notifyRefund: refundId changed after signing",
            unauthorized,
            altered(&good_refund, &good_refund.replace("R-VICTIM", "R-OTHER")),
        ),
        case(
            "notifyRefund: PAYMENT_RESULT discriminator injected after signing",
            unauthorized,
            altered(
                &good_refund,
                &good_refund.replace("REFUND_RESULT", "PAYMENT_RESULT"),
            ),
        ),
        case(
            "notifyRefund: refundStatus twice (FAIL then SUCCESS), signed by Alipay",
            Expect::Status(400),
            genuine(&failed_refund.replace(
                r#""refundStatus":"FAIL""#,
                r#""refundStatus":"FAIL","refundStatus":"SUCCESS""#,
            )),
        ),
        case(
            "notifyRefund: notifyType twice (REFUND_RESULT, PAYMENT_RESULT), signed by Alipay",
            Expect::Status(400),
            genuine(&twice(
                &good_refund,
                "notifyType",
                r#""notifyType":"PAYMENT_RESULT""#,
            )),
        ),
        case(
            "notifyRefund: PAYMENT_RESULT discriminator on a refund body, signed by Alipay",
            Expect::Status(400),
            genuine(&good_refund.replace("REFUND_RESULT", "PAYMENT_RESULT")),
        ),
        case(
            "notifyRefund: signed with the merchant's key",
            unauthorized,
            raw_http::from_request(&signed(
                &merchant_key(),
                CLIENT_ID,
                PATH,
                good_refund.as_bytes(),
            )),
        ),
    ]
}

/// Posts a genuine notifyPayment and notifyRefund with fresh ids; both
/// must be acknowledged and processed.
async fn assert_genuine_acknowledged(m: &Merchant, n: usize) {
    let payment_id = format!("P-GENUINE-{n}");
    let refund_id = format!("R-GENUINE-{n}");
    for (request, key) in [
        (
            genuine(&payment(&payment_id, "PAYMENT_RESULT", "S", "1000")),
            payment_result_key(&payment_id),
        ),
        (
            genuine(&refund(&refund_id, "SUCCESS", "S", "500")),
            refund_key(&refund_id),
        ),
    ] {
        match exchange(m.notify_addr(), request).await {
            Answer::Http(reply) if reply.status == 200 && reply.body == ACK_BODY => {}
            other => panic!("a genuine notification was not acknowledged: {other:?}"),
        }
        assert_eq!(m.store.committed(&key), 1, "{key}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_altered_and_malformed_checkout_notifications_never_reach_a_handler() {
    let m = Merchant::start(0.001).await;
    assert_genuine_acknowledged(&m, 0).await;
    let cases = hostile();
    println!("{:<90} answer", "hostile request");
    for (i, case) in cases.iter().enumerate() {
        let calls = m.store.calls.load(Ordering::SeqCst);
        let answer = exchange(m.notify_addr(), case.request.as_slice()).await;
        println!("{:<90} {}", case.name, answer.describe());
        check(case, &answer);
        assert_eq!(
            m.store.calls.load(Ordering::SeqCst),
            calls,
            "{}: reached a handler",
            case.name
        );
        assert_genuine_acknowledged(&m, i + 1).await;
    }
    let keys = m.store.committed_keys();
    assert!(
        !keys
            .keys()
            .any(|k| k.contains("VICTIM") || k.contains("OTHER")),
        "{keys:?}"
    );
    assert_eq!(keys.len(), 2 * (cases.len() + 1));

    // A genuine notification replayed as is: acknowledged, processed once.
    let replay = genuine(&payment("P-GENUINE-0", "PAYMENT_RESULT", "S", "1000"));
    let answer = exchange(m.notify_addr(), replay).await;
    assert!(!answer.is_refusal(), "{answer:?}");
    assert_eq!(m.store.committed(&payment_result_key("P-GENUINE-0")), 1);
    // The endpoint's inbox knows the key: the replay is acknowledged without
    // reaching the handler at all.
    assert_eq!(m.store.delivered(&payment_result_key("P-GENUINE-0")), 1);
    assert_eq!(m.store.duplicates.load(Ordering::SeqCst), 0);
    m.sandbox.shutdown().await;
}
