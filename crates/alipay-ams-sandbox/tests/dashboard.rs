//! The dashboard at `/sandbox/` over HTTP: payments with their state and
//! transactions, every delivery attempt of every notification, links to the
//! buyer's pages; and every merchant-supplied string escaped, on the
//! dashboard and on the buyer's page alike.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use std::sync::Arc;

use alipay_ams_api::models::{Merchant as MerchantInfo, Order};
use alipay_ams_api::payments::{CancelRequest, CaptureRequest};
use alipay_ams_sandbox::{BuyerAction, Sandbox};
use common::*;

async fn dashboard(sandbox: &Sandbox) -> String {
    let reply = send(sandbox.addr(), "GET", "/sandbox/", &[], vec![])
        .await
        .unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    String::from_utf8(reply.body.to_vec()).unwrap()
}

#[tokio::test]
async fn an_empty_sandbox_has_a_dashboard_and_sandbox_without_slash_leads_there() {
    let sandbox = start().await;
    let html = dashboard(&sandbox).await;
    assert!(html.contains("<meta http-equiv=\"refresh\" content=\"2\">"));
    assert!(html.contains("No payments yet"), "{html}");
    assert!(html.contains(sandbox.client_id()));
    let bare = send(sandbox.addr(), "GET", "/sandbox", &[], vec![])
        .await
        .unwrap();
    assert_eq!(bare.status, 308);
    assert_eq!(bare.header("location"), Some("/sandbox/"));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn payments_transactions_and_every_attempt_are_listed() {
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let acking = NotifyEndpoint::acking().await;
    let refusing = NotifyEndpoint::never_acking().await;

    // A card authorized, captured in part, then refunded in part: notifyPayment,
    // notifyCapture, notifyRefund, all acknowledged.
    let card = merchant
        .pay(&card_request("d-1", "1234", "MANUAL").with_payment_notify_url(&acking.url))
        .await;
    sandbox.buyer(&card, BuyerAction::Pay).unwrap();
    let capture = CaptureRequest::new("d-1-c", &card, usd("1000"));
    assert_eq!(merchant.call(&capture).await.code(), "SUCCESS");
    let refund = refund_request("d-1-r", &card, "400").with_refund_notify_url(&acking.url);
    assert_eq!(merchant.call(&refund).await.code(), "REFUND_IN_PROCESS");
    // A wallet payment cancelled; a payment whose merchant never acknowledges.
    let cancelled = merchant.pay(&pay_request("d-2", "ALIPAY_CN", "500")).await;
    let cancel = CancelRequest::new().with_payment_id(&cancelled);
    assert_eq!(merchant.call(&cancel).await.code(), "SUCCESS");
    let unacked = merchant
        .pay(&pay_request("d-3", "ALIPAY_CN", "700").with_payment_notify_url(&refusing.url))
        .await;
    sandbox.buyer(&unacked, BuyerAction::Decline).unwrap();
    let log = sandbox
        .wait_for_deliveries(WAIT, |log| {
            log.iter().filter(|a| a.acknowledged).count() == 3
                && log
                    .iter()
                    .filter(|a| a.payment_id.as_deref() == Some(&unacked))
                    .count()
                    >= 3
        })
        .await
        .expect("three acknowledged, three attempts at the refusing endpoint");

    let html = dashboard(&sandbox).await;
    let after = sandbox.deliveries();
    let rows = html.matches("<tr class=\"attempt\"").count();
    assert!(
        (log.len()..=after.len()).contains(&rows),
        "{rows} attempt rows, {} attempts before the page, {} after",
        log.len(),
        after.len()
    );
    for attempt in &log {
        let row = format!(
            "<tr class=\"attempt\" data-delivery=\"{}\" data-attempt=\"{}\" data-dedup-key=\"{}\">",
            attempt.delivery,
            attempt.attempt,
            attempt.dedup_key.as_str()
        );
        assert!(html.contains(&row), "{row} missing");
        assert!(html.contains(&attempt.time.replace('T', " ").replace("+00:00", "")));
        if let Some(next) = &attempt.next_time {
            assert!(
                html.contains(&next.replace('T', " ").replace("+00:00", "")),
                "next {next}"
            );
        }
    }
    assert!(
        html.contains(
            r#"<code title="{&quot;result&quot;:{&quot;resultCode&quot;:&quot;PROCESS_FAIL&quot;"#
        ),
        "the refusing merchant's answer"
    );
    assert!(html.contains("not acknowledged"));
    assert!(html.contains("none: acknowledged"));

    for payment in [&card, &cancelled, &unacked] {
        assert!(
            html.contains(&format!(
                "<a class=\"mono\" href=\"/sandbox/checkout/{payment}\">"
            )),
            "a link to {payment}'s buyer page"
        );
    }
    let card_section = section(&html, &card);
    for expected in [
        ">CAPTURED</span>",
        "authorized USD 12.34 · captured USD 10.00",
        "<tr class=\"transaction\"><td>CAPTURE</td>",
        "d-1-c",
        "<tr class=\"transaction\"><td>REFUND</td>",
        "d-1-r",
        "notifyPayment</code> PAYMENT_RESULT",
        "notifyCapture</code> CAPTURE_RESULT",
    ] {
        assert!(
            card_section.contains(expected),
            "{expected:?} missing: {card_section}"
        );
    }
    assert!(section(&html, &cancelled).contains("<tr class=\"transaction\"><td>CANCEL</td>"));
    let unacked_section = section(&html, &unacked);
    assert!(unacked_section.contains(">FAILED</span>"));
    assert!(unacked_section.contains("USER_BALANCE_NOT_ENOUGH"));

    // The asynchronous refund settles and notifyRefund is listed too.
    sandbox
        .wait_for_deliveries(WAIT, |log| {
            log.iter()
                .any(|a| a.kind == "notifyRefund" && a.acknowledged)
        })
        .await
        .unwrap();
    let html = dashboard(&sandbox).await;
    assert!(section(&html, &card).contains("notifyRefund</code> REFUND_RESULT"));
    sandbox.shutdown().await;
}

/// The HTML of one payment's section.
fn section<'a>(html: &'a str, payment_id: &str) -> &'a str {
    let start = html
        .find(&format!(
            "<section class=\"card payment\" id=\"payment-{payment_id}\">"
        ))
        .unwrap();
    let end = html[start..].find("</section>").unwrap();
    &html[start..start + end]
}

#[tokio::test]
async fn merchant_supplied_strings_are_escaped_everywhere() {
    const SCRIPT: &str = "<script>alert(\"x\")</script>";
    const ESCAPED: &str = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;";
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    // The merchant's answer to the notification is hostile too.
    let endpoint =
        NotifyEndpoint::start(Arc::new(|_| (500, "<script>alert(\"x\")</script>"))).await;
    // URLs cannot carry < or > (they must parse), but " ' and & can break an
    // attribute just as well.
    let notify_url = format!("http://{}/n/\"onmouseover='alert(1)'&", endpoint.addr);
    let mut request = card_request(&format!("{SCRIPT}-pay"), "1000", "MANUAL")
        .with_payment_notify_url(&notify_url);
    request.order = Some(
        Order::new()
            .with_reference_order_id(format!("{SCRIPT}-order"))
            .with_order_description(format!("{SCRIPT}-description"))
            .with_order_amount(usd("1000"))
            .with_merchant(MerchantInfo::new().with_merchant_name(format!("{SCRIPT}-merchant"))),
    );
    let payment_id = merchant.pay(&request).await;
    let page = send(
        sandbox.addr(),
        "GET",
        &format!("/sandbox/checkout/{payment_id}"),
        &[],
        vec![],
    )
    .await
    .unwrap();
    let buyer_page = String::from_utf8(page.body.to_vec()).unwrap();
    for part in ["pay", "order", "description", "merchant"] {
        assert!(
            buyer_page.contains(&format!("{ESCAPED}-{part}")),
            "{part}: {buyer_page}"
        );
    }

    sandbox.buyer(&payment_id, BuyerAction::Pay).unwrap();
    let capture = CaptureRequest::new(format!("{SCRIPT}-capture"), &payment_id, usd("1000"));
    assert_eq!(merchant.call(&capture).await.code(), "SUCCESS");
    sandbox
        .wait_for_deliveries(WAIT, |log| {
            log.iter().filter(|a| a.http_status == Some(500)).count() >= 2
        })
        .await
        .expect("the hostile answers");
    let html = dashboard(&sandbox).await;
    for part in ["pay", "order", "description", "merchant", "capture"] {
        assert!(html.contains(&format!("{ESCAPED}-{part}")), "{part}");
    }
    assert!(
        html.contains(&format!("<code title=\"{ESCAPED}\">{ESCAPED}</code>")),
        "the answer"
    );
    assert!(
        html.contains("/n/&quot;onmouseover=&#39;alert(1)&#39;&amp;"),
        "the notify URL"
    );
    for page in [&buyer_page, &html] {
        assert!(!page.contains("<script"), "{page}");
        assert!(!page.contains("\"onmouseover"), "{page}");
        assert!(!page.contains("'alert(1)'"), "{page}");
    }
    sandbox.shutdown().await;
}
