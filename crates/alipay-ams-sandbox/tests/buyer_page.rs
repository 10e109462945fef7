//! The buyer's page at `normalUrl`, over HTTP as a browser uses it: the
//! page (HTML, what is paid, the three buttons), the form's post (the same
//! transition as the control API's buyer call, then 303 to the merchant's
//! `paymentRedirectUrl`), and what a second action or a bad form gets.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use alipay_ams_core::Amount;
use alipay_ams_sandbox::Sandbox;
use common::*;

async fn get(sandbox: &Sandbox, path: &str) -> Reply {
    send(sandbox.addr(), "GET", path, &[], vec![])
        .await
        .unwrap()
}

/// What a browser sends when a button of the page's form is pressed.
async fn submit(sandbox: &Sandbox, payment_id: &str, form: &str) -> Reply {
    send(
        sandbox.addr(),
        "POST",
        &format!("/sandbox/checkout/{payment_id}"),
        &[(
            "content-type",
            "application/x-www-form-urlencoded".to_owned(),
        )],
        form.as_bytes().to_vec(),
    )
    .await
    .unwrap()
}

fn text(reply: &Reply) -> String {
    String::from_utf8(reply.body.to_vec()).unwrap()
}

fn assert_html(reply: &Reply) {
    assert_eq!(
        reply.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let csp = reply.header("content-security-policy").unwrap();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(text(reply).starts_with("<!doctype html>"));
}

/// The path of `normalUrl` (the sandbox's own address, then the page).
fn page_path(sandbox: &Sandbox, payment_id: &str) -> String {
    let normal_url = sandbox.payment(payment_id).unwrap().normal_url.unwrap();
    normal_url
        .strip_prefix(&sandbox.base_url())
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_page_shows_what_is_paid_and_the_three_buttons() {
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let payment_id = merchant.pay(&card_request("b-1", "1234", "MANUAL")).await;
    let path = page_path(&sandbox, &payment_id);
    assert_eq!(path, format!("/sandbox/checkout/{payment_id}"));

    let page = get(&sandbox, &path).await;
    assert_eq!(page.status, 200);
    assert_html(&page);
    let html = text(&page);
    for expected in [
        "Sandbox Coffee",
        "Two cups of coffee",
        "USD 12.34",
        "Card (CARD)",
        "order-b-1",
        &payment_id,
        &format!(
            "<form class=\"actions\" method=\"post\" action=\"/sandbox/checkout/{payment_id}\">"
        ),
        "id=\"pay\" name=\"action\" value=\"pay\"",
        "id=\"decline\" name=\"action\" value=\"decline\"",
        "id=\"abandon\" name=\"action\" value=\"abandon\"",
    ] {
        assert!(html.contains(expected), "{expected:?} missing from {html}");
    }
    assert!(
        !html.contains("<script"),
        "the page works without JavaScript"
    );
    assert!(
        !html.contains("src=") && !html.contains("<link"),
        "nothing loads from elsewhere"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn amounts_have_the_currency_decimals() {
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    for (currency, shown) in [
        ("JPY", "JPY 1234"),
        ("KWD", "KWD 1.234"),
        ("USD", "USD 12.34"),
    ] {
        let amount = Amount::from_minor_units_str(currency, "1234").unwrap();
        let mut request = pay_request(&format!("b-{currency}"), "ALIPAY_CN", "1234")
            .with_payment_amount(amount.clone());
        if let Some(order) = request.order.as_mut() {
            order.order_amount = Some(amount);
        }
        let payment_id = merchant.pay(&request).await;
        let html = text(&get(&sandbox, &page_path(&sandbox, &payment_id)).await);
        assert!(
            html.contains(&format!(
                "<div class=\"amount\" id=\"amount\">{shown}</div>"
            )),
            "{shown}: {html}"
        );
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn pay_redirects_to_the_merchant_and_a_second_action_is_refused() {
    let sandbox = start().await;
    let endpoint = NotifyEndpoint::acking().await;
    let merchant = Merchant::new(&sandbox);
    let payment_id = merchant
        .pay(&card_request("b-2", "1234", "MANUAL").with_payment_notify_url(&endpoint.url))
        .await;

    let reply = submit(&sandbox, &payment_id, "action=pay").await;
    assert_eq!(reply.status, 303);
    assert_eq!(reply.header("location"), Some(REDIRECT));
    let after = sandbox.payment(&payment_id).unwrap();
    assert_eq!(after.status.as_str(), "AUTHORIZED");
    eventually("notifyPayment S", || {
        endpoint.received().iter().any(|n| {
            let body: serde_json::Value = serde_json::from_slice(&n.body).unwrap();
            n.verified
                && body["paymentId"] == payment_id.as_str()
                && body["result"]["resultStatus"] == "S"
        })
    })
    .await;

    for action in ["pay", "decline", "abandon"] {
        let again = submit(&sandbox, &payment_id, &format!("action={action}")).await;
        assert_eq!(again.status, 409, "{action}");
        assert_html(&again);
        let html = text(&again);
        assert!(html.contains("no longer waiting for the buyer"), "{html}");
        assert!(html.contains(">AUTHORIZED</span>"), "{html}");
        assert!(!html.contains("id=\"pay\""), "no buttons: {html}");
    }
    assert_eq!(sandbox.payment(&payment_id).unwrap(), after, "unchanged");

    let page = get(&sandbox, &page_path(&sandbox, &payment_id)).await;
    assert_eq!(page.status, 200);
    let html = text(&page);
    assert!(
        html.contains(">AUTHORIZED</span> authorized: waiting for the merchant"),
        "{html}"
    );
    assert!(!html.contains("<form"), "{html}");
    assert!(
        html.contains(&format!("<a href=\"{REDIRECT}\">")),
        "a way back to the merchant: {html}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn decline_and_abandon_fail_the_payment_and_redirect_too() {
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    for (id, form, code) in [
        ("b-3", "action=decline", "USER_BALANCE_NOT_ENOUGH"),
        (
            "b-4",
            "action=decline&resultCode=RISK_REJECT",
            "RISK_REJECT",
        ),
        ("b-5", "action=abandon", "ORDER_IS_CLOSED"),
        (
            "b-6",
            "action=Decline&resultCode=",
            "USER_BALANCE_NOT_ENOUGH",
        ),
    ] {
        let payment_id = merchant.pay(&pay_request(id, "ALIPAY_CN", "100")).await;
        let reply = submit(&sandbox, &payment_id, form).await;
        assert_eq!(reply.status, 303, "{form}");
        assert_eq!(reply.header("location"), Some(REDIRECT), "{form}");
        let state = sandbox.payment(&payment_id).unwrap();
        assert_eq!(state.status.as_str(), "FAILED", "{form}");
        assert_eq!(state.failure.unwrap().result_code.as_str(), code, "{form}");
        let html = text(&get(&sandbox, &page_path(&sandbox, &payment_id)).await);
        assert!(
            html.contains(&format!("<code id=\"failure\">{code}</code>")),
            "{html}"
        );
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn bad_forms_and_unknown_payments_change_nothing() {
    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let payment_id = merchant.pay(&pay_request("b-7", "ALIPAY_CN", "100")).await;
    for (form, status) in [
        ("", 400),
        ("action=refund", 400),
        ("action=pay&resultCode=RISK_REJECT", 400),
        ("action=decline&resultCode=not%20a%20code", 400),
    ] {
        let reply = submit(&sandbox, &payment_id, form).await;
        assert_eq!(reply.status, status, "{form:?}");
        assert_html(&reply);
    }
    assert_eq!(
        sandbox.payment(&payment_id).unwrap().status.as_str(),
        "AWAITING_BUYER"
    );

    let missing = get(&sandbox, "/sandbox/checkout/2026000000").await;
    assert_eq!(missing.status, 404);
    assert_html(&missing);
    assert_eq!(
        submit(&sandbox, "2026000000", "action=pay").await.status,
        404
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_payment_sessions_normal_url_is_the_same_page() {
    use alipay_ams_api::models::{Order, ProductCodeType};
    use alipay_ams_api::payments::CreatePaymentSessionRequest;

    let sandbox = start().await;
    let merchant = Merchant::new(&sandbox);
    let session = CreatePaymentSessionRequest::new(
        ProductCodeType::CashierPayment,
        "b-session",
        Order::new().with_order_description("A hat"),
        usd("900"),
        REDIRECT,
    );
    let reply = merchant.call(&session).await;
    assert_eq!(reply.code(), "SUCCESS");
    let payment_id = sandbox
        .payment_by_request_id("b-session")
        .unwrap()
        .payment_id;
    assert_eq!(
        reply.json()["normalUrl"],
        format!("{}/sandbox/checkout/{payment_id}", sandbox.base_url()).as_str()
    );
    let html = text(&get(&sandbox, &page_path(&sandbox, &payment_id)).await);
    assert!(html.contains("A hat") && html.contains("USD 9.00") && html.contains("id=\"pay\""));
    let reply = submit(&sandbox, &payment_id, "action=pay").await;
    assert_eq!(reply.status, 303);
    assert_eq!(reply.header("location"), Some(REDIRECT));
    sandbox.shutdown().await;
}
