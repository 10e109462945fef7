//! `Client::resolve` after an unknown `pay` or `cancel`: it inquires
//! (`inquiryPayment`) until the payment is final, the deadline passes, or
//! Alipay keeps saying it has no such payment; it never pays again.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod support;

use std::time::Duration;

use alipay_ams_client::checkout::{PaymentKey, PaymentState, Resolution, ResolveOptions};
use alipay_ams_client::{Error, UnknownReason};
use serde_json::json;
use support::checkout::*;
use support::*;

/// Quick polls, a deadline long enough never to be reached by accident.
fn quick() -> ResolveOptions {
    ResolveOptions::default()
        .with_interval(Duration::from_millis(10))
        .with_deadline(Duration::from_secs(20))
}

#[tokio::test]
async fn an_unknown_pay_is_inquired_until_it_succeeds_and_never_sent_again() {
    let server = FakeAlipay::routes(
        Routes::new()
            .on("pay", |_, _| {
                Reply::unsigned("upstream timeout").status(504)
            })
            .on("inquiryPayment", |n, req| {
                let status = if n < 2 { "PROCESSING" } else { "SUCCESS" };
                inquiry_payment(req, status, json!([]))
            }),
    )
    .await;
    let client = server.client().build().unwrap();
    let request = wallet_pay("pay-resolve-1");
    let error = client.checkout(&request).await.unwrap_err();
    assert!(matches!(error, Error::Unknown(_)));
    let sent = server.calls("pay").len();

    let resolution = client.resolve(&request, &quick()).await.unwrap();
    match &resolution {
        Resolution::Succeeded(payment) => {
            assert_eq!(payment.state(), PaymentState::Succeeded);
            assert_eq!(payment.payment_request_id, "pay-resolve-1");
        }
        other => panic!("{other:?}"),
    }
    assert!(resolution.is_final());
    let inquiries = server.calls("inquiryPayment");
    assert_eq!(inquiries.len(), 3);
    assert!(
        inquiries
            .iter()
            .all(|r| r.signature_valid && r.json() == json!({"paymentRequestId": "pay-resolve-1"}))
    );
    assert_eq!(server.calls("pay").len(), sent, "resolve never pays again");
}

#[tokio::test]
async fn a_failed_or_cancelled_payment_is_final_failed() {
    for (status, state) in [
        (
            "FAIL",
            PaymentState::Failed {
                code: Some("USER_BALANCE_NOT_ENOUGH".into()),
                message: None,
            },
        ),
        ("CANCELLED", PaymentState::Cancelled),
    ] {
        let server = FakeAlipay::routes(Routes::new().on("inquiryPayment", move |_, req| {
            inquiry_payment(req, status, json!([]))
        }))
        .await;
        let client = server.client().build().unwrap();
        match client
            .resolve(&PaymentKey::new("pay-2"), &quick())
            .await
            .unwrap()
        {
            Resolution::Failed(payment) => assert_eq!(payment.state(), state),
            other => panic!("{status}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_deadline_passing_while_processing_is_still_pending_with_what_was_last_seen() {
    let server = FakeAlipay::routes(Routes::new().on("inquiryPayment", |_, req| {
        inquiry_payment(req, "PROCESSING", json!([]))
    }))
    .await;
    let client = server.client().build().unwrap();
    let options = ResolveOptions::default()
        .with_interval(Duration::from_millis(20))
        .with_deadline(Duration::from_millis(300));
    let resolution = client
        .resolve(&wallet_pay("pay-slow-1"), &options)
        .await
        .unwrap();
    let Resolution::StillPending(unsettled) = resolution else {
        panic!("{resolution:?}")
    };
    assert_eq!(unsettled.movement(), "pay");
    assert_eq!(
        unsettled.last_seen().map(|p| p.state()),
        Some(PaymentState::AwaitingBuyer)
    );
    assert!(unsettled.inquiries() >= 1, "{unsettled}");
    assert_eq!(
        unsettled.inquiries() as usize,
        server.calls("inquiryPayment").len()
    );
    let text = unsettled.to_string();
    assert!(text.contains("NOT FINAL"), "{text}");
    assert!(text.contains("send the SAME pay request again"), "{text}");
    assert!(server.calls("pay").is_empty());
}

#[tokio::test]
async fn order_not_exist_in_a_row_is_not_found_and_says_what_it_proves() {
    let server =
        FakeAlipay::routes(Routes::new().on("inquiryPayment", |_, _| refusal("ORDER_NOT_EXIST")))
            .await;
    let client = server.client().build().unwrap();
    let resolution = client
        .resolve(
            &PaymentKey::new("pay-lost-1"),
            &quick().with_not_found_after(3),
        )
        .await
        .unwrap();
    let Resolution::NotFound(unsettled) = resolution else {
        panic!("{resolution:?}")
    };
    assert_eq!(unsettled.inquiries(), 3);
    assert_eq!(server.calls("inquiryPayment").len(), 3);
    assert_eq!(
        unsettled.last_refusal().unwrap().result_code.as_str(),
        "ORDER_NOT_EXIST"
    );
    assert!(unsettled.last_seen().is_none());
    let advice = unsettled.advice();
    for expected in [
        "ORDER_NOT_EXIST",
        "still on its way",
        "SAME request again",
        "never pay under a new paymentRequestId",
    ] {
        assert!(advice.contains(expected), "{expected}: {advice}");
    }
}

#[tokio::test]
async fn a_payment_that_lands_after_not_found_answers_is_found() {
    let server = FakeAlipay::routes(Routes::new().on("inquiryPayment", |n, req| {
        if n < 2 {
            refusal("ORDER_NOT_EXIST")
        } else {
            inquiry_payment(req, "SUCCESS", json!([]))
        }
    }))
    .await;
    let client = server.client().build().unwrap();
    let resolution = client
        .resolve(
            &PaymentKey::new("pay-late-1"),
            &quick().with_not_found_after(3),
        )
        .await
        .unwrap();
    assert!(
        matches!(resolution, Resolution::Succeeded(_)),
        "{resolution:?}"
    );
}

#[tokio::test]
async fn inquiries_without_an_answer_are_asked_again_and_a_refused_inquiry_ends_it() {
    let server = FakeAlipay::routes(Routes::new().on("inquiryPayment", |n, req| match n {
        0 => Reply::unsigned("<html>busy</html>").status(503),
        1 => Reply::signed(&json!({"result": result("S", "SUCCESS")}).to_string()),
        _ => inquiry_payment(req, "SUCCESS", json!([])),
    }))
    .await;
    let client = server.client().build().unwrap();
    let resolution = client
        .resolve(&PaymentKey::new("pay-flaky-1"), &quick())
        .await
        .unwrap();
    assert!(matches!(resolution, Resolution::Succeeded(_)));
    assert_eq!(server.calls("inquiryPayment").len(), 3);

    // ACCESS_DENIED will not change by asking again: the error, at once.
    let server =
        FakeAlipay::routes(Routes::new().on("inquiryPayment", |_, _| refusal("ACCESS_DENIED")))
            .await;
    let client = server.client().build().unwrap();
    let error = client
        .resolve(&PaymentKey::new("pay-denied-1"), &quick())
        .await
        .unwrap_err();
    assert_eq!(
        failed(&error).result().result_code.as_str(),
        "ACCESS_DENIED"
    );
    assert_eq!(server.requests().len(), 1);

    // Nor will an unsigned refusal of the signature.
    let server = FakeAlipay::always(Reply::unsigned(
        r#"{"result":{"resultStatus":"F","resultCode":"INVALID_SIGNATURE"}}"#,
    ))
    .await;
    let client = server.client().build().unwrap();
    let error = client
        .resolve(&PaymentKey::new("pay-badkey-1"), &quick())
        .await
        .unwrap_err();
    assert!(matches!(
        unknown(&error).reason(),
        UnknownReason::UnsignedFailure { .. }
    ));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn the_last_inquiry_error_is_kept_when_the_deadline_passes_without_an_answer() {
    let server = FakeAlipay::always(Reply::unsigned("<html>down</html>").status(502)).await;
    let client = server.client().build().unwrap();
    let options = ResolveOptions::default()
        .with_interval(Duration::from_millis(20))
        .with_deadline(Duration::from_millis(200));
    let resolution = client
        .resolve(&PaymentKey::new("pay-down-1"), &options)
        .await
        .unwrap();
    let Resolution::StillPending(unsettled) = resolution else {
        panic!("{resolution:?}")
    };
    assert!(unsettled.last_seen().is_none());
    let last = unsettled.last_error().unwrap();
    assert!(
        matches!(
            unknown(last).reason(),
            UnknownReason::HttpStatus { status: 502, .. }
        ),
        "{last:?}"
    );
    // Each inquiry is one attempt: the polling is the retry.
    assert_eq!(unsettled.inquiries() as usize, server.requests().len());
}

#[tokio::test]
async fn a_cancel_is_settled_when_the_payment_shows_cancelled() {
    let server = FakeAlipay::routes(
        Routes::new()
            .on("cancel", |_, _| {
                Reply::unsigned("gateway timeout").status(504)
            })
            .on("inquiryPayment", |n, req| {
                let status = if n == 0 { "PROCESSING" } else { "CANCELLED" };
                inquiry_payment(req, status, json!([]))
            }),
    )
    .await;
    let client = server.client().build().unwrap();
    let request = cancel("PAYMENT-9");
    let error = client.checkout(&request).await.unwrap_err();
    assert!(unknown(&error).advice().contains("Client::resolve"));
    let resolution = client
        .resolve(&request, &quick().with_not_found_after(5))
        .await
        .unwrap();
    match resolution {
        Resolution::Succeeded(payment) => assert_eq!(payment.state(), PaymentState::Cancelled),
        other => panic!("{other:?}"),
    }
    let inquiries = server.calls("inquiryPayment");
    assert_eq!(inquiries[0].json(), json!({"paymentId": "PAYMENT-9"}));

    // A payment that never shows the cancellation: not found.
    let server = FakeAlipay::routes(Routes::new().on("inquiryPayment", |_, req| {
        inquiry_payment(req, "SUCCESS", json!([]))
    }))
    .await;
    let client = server.client().build().unwrap();
    let resolution = client
        .resolve(&request, &quick().with_not_found_after(2))
        .await
        .unwrap();
    let Resolution::NotFound(unsettled) = resolution else {
        panic!("{resolution:?}")
    };
    assert_eq!(
        unsettled.last_seen().map(|p| p.state()),
        Some(PaymentState::Succeeded)
    );
    assert!(unsettled.advice().contains("same cancel again is safe"));
}
