//! `alipay-ams pay` against a scripted gateway on 127.0.0.1: what reaches
//! Alipay, what the merchant's engineer reads, and the exit code of every
//! outcome.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests may panic

mod common;

use common::Run;
use common::gateway::{Answer, Gateway, Seen, cli, refused_url, result, with};
use serde_json::{Value, json};

const PAY: &str = "/ams/api/v1/payments/pay";

/// The value of a `label  value` row of a report.
fn row(stdout: &str, label: &str) -> Option<String> {
    stdout.lines().find_map(|line| {
        let (first, rest) = line.split_once(' ')?;
        (first == label).then(|| rest.trim().to_owned())
    })
}

fn pay(url: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "--amount",
        "1000",
        "--currency",
        "USD",
        "--payment-method-type",
        "ALIPAY_CN",
        "--redirect-url",
        "https://shop.example/return",
        "--order-reference",
        "order-1",
        "--order-description",
        "Two mugs",
    ];
    args.extend_from_slice(extra);
    cli("pay", url, &args)
}

/// Alipay's usual answer: payment created, waiting for the buyer.
fn in_process(seen: &Seen) -> Value {
    with(
        result("U", "PAYMENT_IN_PROCESS"),
        json!({
            "paymentRequestId": seen.body["paymentRequestId"],
            "paymentId": "202611251800000077",
            "paymentAmount": seen.body["paymentAmount"],
            "paymentCreateTime": "2026-11-25T18:00:00+08:00",
            "normalUrl": "https://pay.example/checkout?id=77"
        }),
    )
}

fn generated_id(stderr: &str) -> String {
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("payment request id: "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no generated id in {stderr}"))
        .to_owned()
}

#[test]
fn waiting_for_the_buyer_prints_the_payment_id_and_where_to_send_the_buyer() {
    let gateway = Gateway::start(|seen, _| Answer::signed(in_process(seen)));
    let r = pay(
        &gateway.url(),
        &["--notify-url", "https://shop.example/notify"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let id = generated_id(&r.stderr);
    assert!(id.starts_with("pay-") && id.len() <= 64, "{id}");

    let seen = gateway.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(seen[0].signature_valid);
    assert_eq!(seen[0].path, "/ams/sandbox/api/v1/payments/pay");
    assert_eq!(
        seen[0].body,
        json!({
            "productCode": "CASHIER_PAYMENT",
            "paymentRequestId": id,
            "order": {
                "referenceOrderId": "order-1",
                "orderDescription": "Two mugs",
                "orderAmount": {"currency": "USD", "value": "1000"}
            },
            "paymentAmount": {"currency": "USD", "value": "1000"},
            "paymentMethod": {"paymentMethodType": "ALIPAY_CN"},
            "paymentRedirectUrl": "https://shop.example/return",
            "paymentNotifyUrl": "https://shop.example/notify",
            "env": {"terminalType": "WEB"}
        })
    );

    let status = row(&r.stdout, "status").unwrap();
    assert!(
        status.starts_with("WAITING_FOR_BUYER (U PAYMENT_IN_PROCESS"),
        "{}",
        r.stdout
    );
    assert_eq!(
        row(&r.stdout, "paymentId").as_deref(),
        Some("202611251800000077")
    );
    assert_eq!(row(&r.stdout, "paymentRequestId"), Some(id.clone()));
    assert_eq!(
        row(&r.stdout, "redirect").as_deref(),
        Some("https://pay.example/checkout?id=77")
    );
    assert_eq!(
        row(&r.stdout, "amount").as_deref(),
        Some("USD 10.00 (value 1000)")
    );
    let next = row(&r.stdout, "next").unwrap();
    assert!(
        next.contains(&format!(
            "alipay-ams inquire-payment --payment-request-id {id} --gateway {}",
            gateway.url()
        )),
        "{next}"
    );
    assert!(r.stderr.contains("waiting for the buyer"), "{}", r.stderr);
}

#[test]
fn json_prints_the_verified_reply_exactly_as_received() {
    let gateway = Gateway::start(|seen, _| Answer::signed(in_process(seen)));
    let r = pay(
        &gateway.url(),
        &["--json", "--payment-request-id", "pay-json-1"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let mut expected = gateway.sent()[0].to_vec();
    expected.push(b'\n');
    assert_eq!(r.stdout.as_bytes(), expected.as_slice());
    assert!(!r.stderr.contains("generated"), "{}", r.stderr);
    assert_eq!(gateway.seen()[0].body["paymentRequestId"], "pay-json-1");
}

#[test]
fn a_card_with_manual_capture_is_authorized_and_names_the_capture_to_run() {
    let gateway = Gateway::start(|seen, _| {
        Answer::signed(with(
            result("S", "SUCCESS"),
            json!({
                "paymentRequestId": seen.body["paymentRequestId"],
                "paymentId": "202611251800000088",
                "paymentAmount": seen.body["paymentAmount"],
                "paymentTime": "2026-11-25T18:00:05+08:00"
            }),
        ))
    });
    let r = pay(
        &gateway.url(),
        &[
            "--payment-method-type=CARD",
            "--capture-mode",
            "manual",
            "--payment-request-id",
            "pay-card-1",
            "--terminal-type",
            "app",
            "--os-type",
            "IOS",
        ],
    );
    // --payment-method-type twice: a usage error, nothing sent.
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("more than once"), "{}", r.stderr);
    assert!(gateway.seen().is_empty());

    let mut args = vec![
        "--amount",
        "1000",
        "--currency",
        "USD",
        "--payment-method-type",
        "CARD",
        "--redirect-url",
        "https://shop.example/return",
        "--order-reference",
        "order-2",
        "--order-description",
        "A lamp",
    ];
    args.extend([
        "--capture-mode",
        "manual",
        "--payment-request-id",
        "pay-card-1",
        "--terminal-type",
        "app",
        "--os-type",
        "IOS",
    ]);
    let r = cli("pay", &gateway.url(), &args);
    assert_eq!(r.code, 0, "{r:?}");
    let body = &gateway.seen()[0].body;
    assert_eq!(
        body["paymentFactor"],
        json!({"isAuthorization": true, "captureMode": "MANUAL"})
    );
    assert_eq!(body["env"], json!({"terminalType": "APP", "osType": "IOS"}));
    assert!(
        row(&r.stdout, "status")
            .unwrap()
            .starts_with("AUTHORIZED (S SUCCESS"),
        "{}",
        r.stdout
    );
    let next = row(&r.stdout, "next").unwrap();
    assert!(
        next.starts_with(
            "alipay-ams capture --payment-id 202611251800000088 --amount 1000 --currency USD --gateway"
        ),
        "{next}"
    );
}

#[test]
fn an_unknown_outcome_reuses_the_id_exits_3_and_prints_the_inquiry_that_settles_it() {
    let gateway = Gateway::start(|seen, _| {
        if seen.api == PAY {
            Answer::signed(result("U", "UNKNOWN_EXCEPTION"))
        } else {
            // The inquiry the CLI told us to run.
            Answer::signed(with(
                result("S", "SUCCESS"),
                json!({
                    "paymentStatus": "PROCESSING",
                    "paymentRequestId": seen.body["paymentRequestId"],
                    "paymentId": "202611251800000099",
                    "paymentAmount": {"currency": "USD", "value": "1000"}
                }),
            ))
        }
    });
    let r = pay(&gateway.url(), &[]);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    let id = generated_id(&r.stderr);
    let seen = gateway.seen();
    assert!(seen.len() >= 2, "an unknown pay is retried: {seen:?}");
    assert!(
        seen.iter()
            .all(|s| s.signature_valid && s.body["paymentRequestId"] == id.as_str()),
        "every attempt carries the same paymentRequestId: {seen:?}"
    );
    assert!(
        r.stderr.contains(&format!(
            "retry later with the same id: --payment-request-id {id}"
        )),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("use a new"), "{}", r.stderr);

    // The printed command is exactly what settles it.
    let settle = r
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("to settle it, run: "))
        .unwrap();
    let command = settle.split(" (").next().unwrap();
    let words: Vec<&str> = command.split_whitespace().collect();
    assert_eq!(&words[..2], ["alipay-ams", "inquire-payment"], "{command}");
    let inquiry = common::run(&words[1..]);
    assert_eq!(inquiry.code, 0, "{inquiry:?}");
    assert!(inquiry.stdout.starts_with("status "), "{}", inquiry.stdout);
    assert!(inquiry.stdout.contains("PROCESSING"), "{}", inquiry.stdout);
    let asked = gateway.seen().last().unwrap().clone();
    assert_eq!(asked.api, "/ams/api/v1/payments/inquiryPayment");
    assert_eq!(asked.body, json!({"paymentRequestId": id}));
}

#[test]
fn a_signed_failure_exits_1_and_json_shows_it() {
    let gateway = Gateway::start(|_, _| Answer::signed(result("F", "RISK_REJECT")));
    let r = pay(&gateway.url(), &["--payment-request-id", "pay-f-1"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(r.stderr.contains("pay failed (RISK_REJECT"), "{}", r.stderr);
    assert!(
        r.stderr.contains("final for paymentRequestId pay-f-1"),
        "{}",
        r.stderr
    );
    assert_eq!(gateway.seen().len(), 1, "F is final: no retry");

    let r = pay(
        &gateway.url(),
        &["--payment-request-id", "pay-f-2", "--json"],
    );
    assert_eq!(r.code, 1, "{r:?}");
    let json: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(json["result"]["resultCode"], "RISK_REJECT");
}

#[test]
fn an_unsigned_waiting_for_the_buyer_is_never_shown_as_a_place_to_send_the_buyer() {
    let gateway = Gateway::start(|seen, _| Answer::unsigned(in_process(seen)));
    let r = pay(&gateway.url(), &["--payment-request-id", "pay-unsigned-1"]);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(!r.stderr.contains("pay.example"), "{}", r.stderr);
    assert!(
        r.stderr.contains("--payment-request-id pay-unsigned-1"),
        "{}",
        r.stderr
    );
}

#[test]
fn invalid_arguments_exit_2_and_send_nothing() {
    let gateway = Gateway::start(|seen, _| Answer::signed(in_process(seen)));
    let url = gateway.url();
    let long_id = "p".repeat(65);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--amount", "10.00"], "minor units"),
        (vec!["--currency", "USDT"], "3-letter"),
        (vec!["--capture-mode", "sometimes"], "AUTOMATIC, MANUAL"),
        (vec!["--payment-request-id", &long_id], "65 characters"),
        (vec!["--redirect-url", ""], "--redirect-url"),
        (vec!["--order-description", ""], "--order-description"),
        (
            vec!["--bogus"],
            "unknown flag `--bogus` for `alipay-ams pay`",
        ),
    ];
    for (change, expected) in &cases {
        // Later flags replace earlier ones: give the changed flag alone.
        let mut args: Vec<&str> = vec![
            "--amount",
            "1000",
            "--currency",
            "USD",
            "--payment-method-type",
            "ALIPAY_CN",
            "--redirect-url",
            "https://shop.example/return",
            "--order-reference",
            "order-1",
            "--order-description",
            "Two mugs",
        ];
        if let Some(at) = args.iter().position(|a| *a == change[0]) {
            args.drain(at..at + 2);
        }
        args.extend(change.iter().copied());
        let r = cli("pay", &url, &args);
        assert_eq!(r.code, 2, "{change:?}: {r:?}");
        assert!(r.stderr.starts_with("error: "), "{}", r.stderr);
        assert!(r.stderr.contains(expected), "{change:?}: {}", r.stderr);
        assert!(r.stdout.is_empty());
    }
    let r = cli("pay", &url, &[]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(
            "missing --amount, --currency, --payment-method-type, --redirect-url, --order-reference, --order-description"
        ),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("Usage: alipay-ams pay"), "{}", r.stderr);
    assert!(gateway.seen().is_empty(), "{:?}", gateway.seen());
}

#[test]
fn a_refused_connection_exits_4_saying_no_payment_was_created() {
    let r = pay(&refused_url(), &["--payment-request-id", "pay-refused-1"]);
    assert_eq!(r.code, 4, "{r:?}");
    assert!(
        r.stderr
            .contains("nothing reached Alipay, so no payment was created"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("--payment-request-id pay-refused-1 is safe"),
        "{}",
        r.stderr
    );
}
