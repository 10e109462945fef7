//! `alipay-ams inquire-payment`, `cancel`, `inquire-refund` and `consult`
//! against a scripted gateway on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests may panic

mod common;

use common::gateway::{Answer, Gateway, cli, refused_url, result, with};
use serde_json::json;

fn row(stdout: &str, label: &str) -> Option<String> {
    stdout.lines().find_map(|line| {
        let (first, rest) = line.split_once(' ')?;
        (first == label).then(|| rest.trim().to_owned())
    })
}

#[test]
fn inquire_payment_shows_the_status_and_every_transaction() {
    let gateway = Gateway::start(|seen, _| {
        Answer::signed(with(
            result("S", "SUCCESS"),
            json!({
                "paymentStatus": "SUCCESS",
                "paymentId": seen.body["paymentId"],
                "paymentRequestId": "pay-1",
                "paymentAmount": {"currency": "USD", "value": "1000"},
                "paymentMethodType": "CARD",
                "paymentTime": "2026-11-25T18:00:05+08:00",
                "transactions": [
                    {
                        "transactionType": "CAPTURE",
                        "transactionStatus": "SUCCESS",
                        "transactionAmount": {"currency": "USD", "value": "1000"},
                        "transactionRequestId": "cap-1",
                        "transactionId": "202611251900000001",
                        "transactionTime": "2026-11-25T19:00:00+08:00",
                        "transactionResult": {"resultStatus": "S", "resultCode": "SUCCESS"}
                    },
                    {
                        "transactionType": "REFUND",
                        "transactionStatus": "PROCESSING",
                        "transactionAmount": {"currency": "USD", "value": "250"},
                        "transactionRequestId": "ref-1"
                    }
                ]
            }),
        ))
    });
    let r = cli(
        "inquire-payment",
        &gateway.url(),
        &["--payment-id", "202611251800000077"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        gateway.seen()[0].body,
        json!({"paymentId": "202611251800000077"})
    );
    assert_eq!(
        gateway.seen()[0].path,
        "/ams/sandbox/api/v1/payments/inquiryPayment"
    );
    assert!(
        row(&r.stdout, "status")
            .unwrap()
            .starts_with("SUCCESS (paid"),
        "{}",
        r.stdout
    );
    assert_eq!(row(&r.stdout, "method").as_deref(), Some("CARD"));
    let table: Vec<&str> = r
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("transactions (2):"))
        .collect();
    assert_eq!(table.len(), 4, "{}", r.stdout);
    let header: Vec<&str> = table[1].split_whitespace().collect();
    assert_eq!(
        header,
        [
            "TYPE", "STATUS", "AMOUNT", "REQUEST", "ID", "ID", "TIME", "RESULT"
        ]
    );
    assert!(table[2].starts_with("CAPTURE  SUCCESS"), "{}", r.stdout);
    assert!(
        table[2].contains("USD 10.00 (value 1000)")
            && table[2].contains("cap-1")
            && table[2].ends_with("S SUCCESS"),
        "{}",
        r.stdout
    );
    assert!(
        table[3].starts_with("REFUND   PROCESSING") && table[3].ends_with('-'),
        "{}",
        r.stdout
    );

    // --json: the verified bytes, for scripts.
    let r = cli(
        "inquire-payment",
        &gateway.url(),
        &["--payment-id", "202611251800000077", "--json"],
    );
    assert_eq!(r.code, 0);
    let mut expected = gateway.sent()[1].to_vec();
    expected.push(b'\n');
    assert_eq!(r.stdout.as_bytes(), expected.as_slice());
}

#[test]
fn a_payment_not_found_by_request_id_says_the_same_pay_is_safe_never_a_new_id() {
    let gateway = Gateway::start(|_, _| Answer::signed(result("F", "ORDER_NOT_EXIST")));
    let r = cli(
        "inquire-payment",
        &gateway.url(),
        &["--payment-request-id", "pay-lost-1"],
    );
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr
            .contains("sending the same pay again with --payment-request-id pay-lost-1 is safe"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("never send it under a new id"),
        "{}",
        r.stderr
    );
    let r = cli("inquire-payment", &gateway.url(), &[]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("missing --payment-id or --payment-request-id"),
        "{}",
        r.stderr
    );
    assert_eq!(gateway.seen().len(), 1);
}

#[test]
fn cancel_exits_0_when_cancelled_and_1_with_the_refund_hint_when_too_late() {
    let gateway = Gateway::start(|seen, _| {
        if seen.body["paymentId"] == "p-late" {
            return Answer::signed(result("F", "CANCEL_WINDOW_EXCEED"));
        }
        Answer::signed(with(
            result("S", "SUCCESS"),
            json!({
                "paymentId": "p-open",
                "paymentRequestId": seen.body["paymentRequestId"],
                "cancelTime": "2026-11-25T18:05:00+08:00"
            }),
        ))
    });
    let r = cli(
        "cancel",
        &gateway.url(),
        &["--payment-id", "p-open", "--payment-request-id", "pay-open"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        gateway.seen()[0].body,
        json!({"paymentId": "p-open", "paymentRequestId": "pay-open"})
    );
    assert!(
        row(&r.stdout, "status")
            .unwrap()
            .starts_with("CANCELLED (S SUCCESS"),
        "{}",
        r.stdout
    );
    assert_eq!(
        row(&r.stdout, "cancelled").as_deref(),
        Some("2026-11-25T18:05:00+08:00")
    );

    let r = cli("cancel", &gateway.url(), &["--payment-id", "p-late"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("CANCEL_WINDOW_EXCEED"), "{}", r.stderr);
    assert!(r.stderr.contains("refund it instead"), "{}", r.stderr);
    assert_eq!(gateway.seen().len(), 2, "F is final");
}

#[test]
fn a_cancel_whose_outcome_stays_unknown_is_retried_and_names_both_ways_to_settle_it() {
    let gateway = Gateway::start(|_, _| Answer::signed(result("U", "UNKNOWN_EXCEPTION")));
    let r = cli("cancel", &gateway.url(), &["--payment-id", "p-unknown"]);
    assert_eq!(r.code, 3, "{r:?}");
    let seen = gateway.seen();
    assert!(
        seen.len() >= 2,
        "a cancel is always safe to repeat: {seen:?}"
    );
    assert!(
        seen.iter()
            .all(|s| s.body == json!({"paymentId": "p-unknown"}))
    );
    let settle = r
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("to settle it, run: "))
        .unwrap();
    assert!(
        settle.starts_with("alipay-ams cancel --payment-id p-unknown --gateway"),
        "{settle}"
    );
    assert!(
        settle.contains("alipay-ams inquire-payment --payment-id p-unknown --gateway"),
        "{settle}"
    );

    let r = cli("cancel", &refused_url(), &["--payment-id", "p-unknown"]);
    assert_eq!(r.code, 4, "{r:?}");
    assert!(
        r.stderr.contains("so nothing was cancelled"),
        "{}",
        r.stderr
    );
}

#[test]
fn inquire_refund_by_id_shows_the_refund() {
    let gateway = Gateway::start(|seen, _| {
        Answer::signed(with(
            result("S", "SUCCESS"),
            json!({
                "refundStatus": "PROCESSING",
                "refundId": seen.body["refundId"],
                "refundRequestId": "ref-9",
                "refundAmount": {"currency": "JPY", "value": "500"}
            }),
        ))
    });
    let r = cli("inquire-refund", &gateway.url(), &["--refund-id", "r-9"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(gateway.seen()[0].body, json!({"refundId": "r-9"}));
    assert!(
        row(&r.stdout, "status")
            .unwrap()
            .starts_with("PROCESSING (in progress"),
        "{}",
        r.stdout
    );
    assert_eq!(
        row(&r.stdout, "amount").as_deref(),
        Some("JPY 500 (value 500)")
    );
}

#[test]
fn consult_lists_the_payment_methods() {
    let gateway = Gateway::start(|_, _| {
        Answer::signed(with(
            result("S", "SUCCESS"),
            json!({
                "paymentOptions": [
                    {"paymentMethodType": "ALIPAY_CN", "paymentMethodCategory": "WALLET",
                     "enabled": true, "supportedCurrencies": ["USD", "CNY"]},
                    {"paymentMethodType": "CARD", "enabled": false, "disableReason": "PAYMENT_ACCOUNT_NOT_AVAILABLE"}
                ]
            }),
        ))
    });
    let r = cli(
        "consult",
        &gateway.url(),
        &[
            "--amount",
            "1000",
            "--currency",
            "USD",
            "--user-region",
            "sg",
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        gateway.seen()[0].body,
        json!({
            "productCode": "CASHIER_PAYMENT",
            "paymentAmount": {"currency": "USD", "value": "1000"},
            "env": {"terminalType": "WEB"},
            "userRegion": "SG"
        })
    );
    assert!(r.stdout.contains("payment methods (2):"), "{}", r.stdout);
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with("ALIPAY_CN") && l.contains("WALLET") && l.contains("USD,CNY")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with("CARD") && l.contains("no (PAYMENT_ACCOUNT_NOT_AVAILABLE)")),
        "{}",
        r.stdout
    );
}
