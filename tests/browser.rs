//! The example shop (`examples/shop.rs`) clicked through in a real browser:
//! headless Chromium driven over WebDriver, the shop and the sandbox in this
//! process on loopback. Checkout, pay on the sandbox's buyer's page, back on
//! the order page until the notification shows, capture, refund; a declined
//! payment and an abandoned one; the dashboard lists every delivery attempt.
//!
//! Needs chromedriver (Debian's `chromium` and `chromium-driver`):
//!
//! ```sh
//! scripts/test.sh -p alipay-ams --test browser   # starts chromedriver (and PostgreSQL)
//! bash scripts/chromium.sh run -- cargo test -p alipay-ams --all-features --test browser
//! UPDATE_SCREENSHOTS=1 bash scripts/chromium.sh run -- cargo test ...   # also rewrites docs/*.png
//! ```
//!
//! Without a chromedriver at `CHROMEDRIVER_URL` (default
//! `http://127.0.0.1:9515`) the test fails, naming the script.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests may panic

#[path = "../examples/shop/mod.rs"]
mod shop;

#[path = "common/browser.rs"]
mod browser;

use std::collections::HashSet;
use std::time::Duration;

use alipay_ams::payments::PaymentNotification;
use alipay_ams::sandbox::{NotificationFault, PaymentStatus, Sandbox, SandboxExt};
use browser::{Browser, screenshot};

/// How long the browser may take to show what a notification did, at most.
const PATIENCE: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shop_checks_out_in_a_real_browser() {
    // The refund of a card settles after 2 s x the time scale.
    let sandbox = Sandbox::with_example_keys()
        .time_scale(0.01)
        .start()
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let shop_url = format!("http://{}", listener.local_addr().unwrap());
    let app = shop::app(
        sandbox.client_builder().build().unwrap(),
        sandbox.notify_config(),
        shop::ShopConfig {
            base_url: shop_url.clone(),
            dashboard_url: Some(format!("{}/sandbox/", sandbox.base_url())),
        },
    )
    .unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let browser = Browser::start().await;
    // The steps run in their own task so that the browser is closed even
    // when one of them fails.
    let steps = tokio::spawn(click_through(browser.clone(), sandbox.clone(), shop_url));
    let outcome = steps.await;
    browser.close().await;
    server.abort();
    sandbox.shutdown().await;
    if let Err(failed) = outcome {
        std::panic::resume_unwind(failed.into_panic());
    }
}

async fn click_through(browser: Browser, sandbox: Sandbox, shop_url: String) {
    let checkout_prefix = format!("{}/sandbox/checkout/", sandbox.base_url());
    // The shop's first acknowledgement is "lost": notifyPayment comes again.
    sandbox
        .arm_notification_fault::<PaymentNotification>(NotificationFault::LostAck, 1)
        .unwrap();

    // 1. The product page; checkout with a card (the default choice).
    browser.goto(&format!("{shop_url}/")).await;
    assert_eq!(browser.text("price").await, "USD 12.34");
    browser.click("checkout").await;

    // 2. The sandbox's buyer's page, at pay's normalUrl.
    let buyer_page = browser.wait_for_url(&checkout_prefix).await;
    let payment_id = buyer_page.trim_start_matches(&checkout_prefix).to_owned();
    assert_eq!(browser.text("merchant").await, shop::SHOP_NAME);
    assert_eq!(browser.text("description").await, shop::PRODUCT);
    assert_eq!(browser.text("amount").await, "USD 12.34");
    assert_eq!(browser.text("method").await, "Card (CARD)");
    screenshot(&browser, "buyer-page.png").await;
    browser.click("pay").await;

    // 3. Back at the shop's order page (paymentRedirectUrl), which shows the
    //    payment once notifyPayment has arrived. Its redelivery (2 minutes x
    //    the time scale later, after the lost acknowledgement) is answered
    //    by the service's inbox without reaching the shop's handler again.
    let order_page = browser.wait_for_url(&format!("{shop_url}/orders/")).await;
    browser.wait_for_text("status", "Authorized").await;
    assert_eq!(browser.text("payment-id").await, payment_id);
    sandbox
        .wait_for_deliveries(PATIENCE, |log| {
            log.iter()
                .any(|a| a.kind == "notifyPayment" && a.attempt == 2 && a.acknowledged)
        })
        .await
        .expect("notifyPayment was not delivered again after the lost acknowledgement");
    browser.goto(&order_page).await;
    let events = browser.text("events").await;
    assert_eq!(
        events.matches("notifyPayment PAYMENT_RESULT:").count(),
        1,
        "processed once, though delivered twice: {events}"
    );

    // 4. Capture (a card with manual capture), then refund.
    browser.click("capture").await;
    browser.wait_for_url(&order_page).await;
    browser.wait_for_text("status", "Paid").await;
    browser
        .wait_for_text_containing("events", "notifyCapture CAPTURE_RESULT:")
        .await;
    browser.click("refund").await;
    browser.wait_for_url(&order_page).await;
    browser.wait_for_text("status", "Refunded").await;
    browser
        .wait_for_text_containing("events", "notifyRefund REFUND_RESULT:")
        .await;
    screenshot(&browser, "order-page.png").await;
    let paid = sandbox.payment(&payment_id).unwrap();
    assert_eq!(paid.status, PaymentStatus::Captured);
    assert_eq!(paid.captured.value(), "1234");
    assert_eq!(paid.refunded.value(), "1234");

    // 5. The buyer's page of a paid payment shows its state, no buttons.
    browser.goto(&buyer_page).await;
    assert!(browser.text("state").await.contains("CAPTURED"));
    assert!(browser.find("pay").await.is_none());

    // 6. A declined card, and an abandoned wallet payment.
    for (method, button, code) in [
        ("CARD", "decline", "USER_BALANCE_NOT_ENOUGH"),
        ("ALIPAY_CN", "abandon", "ORDER_IS_CLOSED"),
    ] {
        browser.goto(&format!("{shop_url}/")).await;
        browser
            .click_css(&format!("input[name=method][value={method}]"))
            .await;
        browser.click("checkout").await;
        browser.wait_for_url(&checkout_prefix).await;
        assert!(browser.text("method").await.contains(method));
        browser.click(button).await;
        browser.wait_for_url(&format!("{shop_url}/orders/")).await;
        browser.wait_for_text("status", "Payment failed").await;
        let detail = browser.text("status-detail").await;
        assert!(detail.contains(code), "{button}: {detail}");
        assert!(browser.find("capture").await.is_none());
    }

    // 7. The dashboard lists every delivery attempt, once every delivery
    //    has had its last one.
    let log = sandbox
        .wait_for_deliveries(PATIENCE, |log| {
            let all: HashSet<u64> = log.iter().map(|a| a.delivery).collect();
            let done: HashSet<u64> = log.iter().filter(|a| a.last).map(|a| a.delivery).collect();
            all.len() == 5 && all == done
        })
        .await
        .expect("five notifications delivered");
    browser
        .goto(&format!("{}/sandbox/", sandbox.base_url()))
        .await;
    let page = browser.source().await;
    assert_eq!(page.matches("<tr class=\"attempt\"").count(), log.len());
    for attempt in &log {
        let row = format!(
            "data-delivery=\"{}\" data-attempt=\"{}\" data-dedup-key=\"{}\"",
            attempt.delivery,
            attempt.attempt,
            attempt.dedup_key.as_str()
        );
        assert!(page.contains(&row), "{row} missing from the dashboard");
    }
    for kind in ["notifyPayment", "notifyCapture", "notifyRefund"] {
        assert!(log.iter().any(|a| a.kind == kind), "{kind} was sent");
    }
    assert!(page.contains("fault: lost_ack"), "the lost acknowledgement");
    browser.fit_page(1280, 3000).await;
    screenshot(&browser, "dashboard.png").await;
}
