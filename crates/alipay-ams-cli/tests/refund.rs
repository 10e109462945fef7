//! `alipay-ams refund` against a scripted gateway on 127.0.0.1: synchronous
//! and asynchronous refunds, retries under the same id, and the inquiry
//! that settles an unknown one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests may panic

mod common;

use common::Run;
use common::gateway::{Answer, Gateway, Seen, cli, result, with};
use serde_json::{Value, json};

const REFUND: &str = "/ams/api/v1/payments/refund";

fn row(stdout: &str, label: &str) -> Option<String> {
    stdout.lines().find_map(|line| {
        let (first, rest) = line.split_once(' ')?;
        (first == label).then(|| rest.trim().to_owned())
    })
}

fn refund(url: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "--payment-id",
        "202611251800000077",
        "--amount",
        "250",
        "--currency",
        "USD",
    ];
    args.extend_from_slice(extra);
    cli("refund", url, &args)
}

/// A reply that echoes the refund, with this status and code.
fn answer(seen: &Seen, status: &str, code: &str) -> Value {
    with(
        result(status, code),
        json!({
            "refundRequestId": seen.body["refundRequestId"],
            "refundId": "202611251900000555",
            "paymentId": seen.body["paymentId"],
            "refundAmount": seen.body["refundAmount"],
            "refundTime": "2026-11-25T19:00:00+08:00"
        }),
    )
}

fn generated_id(stderr: &str) -> String {
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("refund request id: "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no generated id in {stderr}"))
        .to_owned()
}

#[test]
fn a_synchronous_refund_exits_0_with_its_ids() {
    let gateway = Gateway::start(|seen, _| Answer::signed(answer(seen, "S", "SUCCESS")));
    let r = refund(
        &gateway.url(),
        &[
            "--reason",
            "one mug broke",
            "--notify-url",
            "https://shop.example/refunds",
            "--reference",
            "rma-7",
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let id = generated_id(&r.stderr);
    assert!(id.starts_with("ref-"), "{id}");
    let seen = gateway.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, "/ams/sandbox/api/v1/payments/refund");
    assert_eq!(
        seen[0].body,
        json!({
            "refundRequestId": id,
            "paymentId": "202611251800000077",
            "referenceRefundId": "rma-7",
            "refundAmount": {"currency": "USD", "value": "250"},
            "refundReason": "one mug broke",
            "refundNotifyUrl": "https://shop.example/refunds"
        })
    );
    assert!(
        row(&r.stdout, "status")
            .unwrap()
            .starts_with("REFUNDED (S SUCCESS"),
        "{}",
        r.stdout
    );
    assert_eq!(
        row(&r.stdout, "refundId").as_deref(),
        Some("202611251900000555")
    );
    assert_eq!(
        row(&r.stdout, "amount").as_deref(),
        Some("USD 2.50 (value 250)")
    );
}

#[test]
fn an_asynchronous_refund_exits_0_as_processing_and_names_the_inquiry() {
    let gateway = Gateway::start(|seen, _| Answer::signed(answer(seen, "U", "REFUND_IN_PROCESS")));
    let r = refund(&gateway.url(), &["--refund-request-id", "ref-async-1"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(gateway.seen().len(), 1, "a definite answer is not retried");
    assert!(
        row(&r.stdout, "status")
            .unwrap()
            .starts_with("PROCESSING (U REFUND_IN_PROCESS"),
        "{}",
        r.stdout
    );
    let next = row(&r.stdout, "next").unwrap();
    assert!(
        next.contains("alipay-ams inquire-refund --refund-request-id ref-async-1 --gateway"),
        "{next}"
    );
}

#[test]
fn an_unknown_outcome_then_success_is_one_refund_under_one_id() {
    let gateway = Gateway::start(|seen, attempt| {
        if attempt == 1 {
            Answer::signed(result("U", "UNKNOWN_EXCEPTION"))
        } else {
            Answer::signed(answer(seen, "S", "SUCCESS"))
        }
    });
    let r = refund(&gateway.url(), &[]);
    assert_eq!(r.code, 0, "{r:?}");
    let id = generated_id(&r.stderr);
    let seen = gateway.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(
        seen.iter()
            .all(|s| s.body["refundRequestId"] == id.as_str())
    );
    assert!(r.stderr.contains("after 2 attempt(s)"), "{}", r.stderr);
}

#[test]
fn an_outcome_that_stays_unknown_exits_3_and_the_printed_inquiry_settles_it() {
    let gateway = Gateway::start(|seen, _| {
        if seen.api == REFUND {
            Answer::signed(result("U", "UNKNOWN_EXCEPTION"))
        } else {
            Answer::signed(with(
                result("S", "SUCCESS"),
                json!({
                    "refundStatus": "SUCCESS",
                    "refundId": "202611251900000556",
                    "refundRequestId": seen.body["refundRequestId"],
                    "refundAmount": {"currency": "USD", "value": "250"},
                    "refundTime": "2026-11-25T19:00:09+08:00"
                }),
            ))
        }
    });
    let r = refund(&gateway.url(), &["--refund-request-id", "ref-unknown-1"]);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    let refunds: Vec<_> = gateway
        .seen()
        .into_iter()
        .filter(|s| s.api == REFUND)
        .collect();
    assert!(refunds.len() >= 2, "retried: {refunds:?}");
    assert!(
        refunds
            .iter()
            .all(|s| s.body["refundRequestId"] == "ref-unknown-1")
    );
    assert!(!r.stderr.contains("use a new"), "{}", r.stderr);
    let settle = r
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("to settle it, run: "))
        .unwrap();
    let words: Vec<&str> = settle
        .split(" (")
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(
        &words[..4],
        [
            "alipay-ams",
            "inquire-refund",
            "--refund-request-id",
            "ref-unknown-1"
        ]
    );
    let inquiry = common::run(&words[1..]);
    assert_eq!(inquiry.code, 0, "{inquiry:?}");
    assert!(
        row(&inquiry.stdout, "status")
            .unwrap()
            .starts_with("SUCCESS (refunded"),
        "{}",
        inquiry.stdout
    );
    assert_eq!(
        gateway.seen().last().unwrap().body,
        json!({"refundRequestId": "ref-unknown-1"})
    );
}

#[test]
fn a_refund_beyond_what_is_left_exits_1_and_points_to_the_payment() {
    let gateway = Gateway::start(|_, _| Answer::signed(result("F", "REFUND_AMOUNT_EXCEED")));
    let r = refund(&gateway.url(), &["--refund-request-id", "ref-too-much-1"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(gateway.seen().len(), 1, "F is final");
    assert!(
        r.stderr.contains("refund failed (REFUND_AMOUNT_EXCEED"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("alipay-ams inquire-payment --payment-id 202611251800000077 --gateway"),
        "{}",
        r.stderr
    );
}

#[test]
fn invalid_arguments_exit_2_and_send_nothing() {
    let gateway = Gateway::start(|seen, _| Answer::signed(answer(seen, "S", "SUCCESS")));
    let url = gateway.url();
    let r = cli("refund", &url, &["--payment-id", "p-1"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains("missing --amount, --currency"),
        "{}",
        r.stderr
    );
    for (extra, expected) in [
        (vec!["--amount", "2.50"], "minor units"),
        (vec!["--currency", "usd1"], "3-letter"),
        (
            vec!["--refund-request-id", ""],
            "--refund-request-id is empty",
        ),
        (vec!["--reason", &"x".repeat(257)], "--reason"),
    ] {
        let mut args = vec![
            "--payment-id",
            "p-1",
            "--amount",
            "250",
            "--currency",
            "USD",
        ];
        if let Some(at) = args.iter().position(|a| *a == extra[0]) {
            args.drain(at..at + 2);
        }
        args.extend(extra.iter().copied());
        let r = cli("refund", &url, &args);
        assert_eq!(r.code, 2, "{extra:?}: {r:?}");
        assert!(r.stderr.contains(expected), "{extra:?}: {}", r.stderr);
    }
    assert!(gateway.seen().is_empty(), "{:?}", gateway.seen());
}
