//! `alipay-ams apis` and `alipay-ams call`, the real binary against the real
//! sandbox and a fake gateway on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests may panic

mod common;

use alipay_ams_api::payments::CaptureRequest;
use alipay_ams_core::{Amount, ApiRequest};
use alipay_ams_sandbox::{CreatePayment, Sandbox};
use common::alipay::{FakeAlipay, Reply};
use common::{CLIENT_ID, Run, example_key, path_arg, run, scratch};

fn call(gateway: &str, api: &str, body: &str, dir: &str) -> Run {
    let file = scratch(dir).join("body.json");
    std::fs::write(&file, body).unwrap();
    run([
        "call",
        "--gateway",
        gateway,
        "--client-id",
        CLIENT_ID,
        "--private-key",
        &path_arg(&example_key("merchant", "private_key.pem")),
        "--alipay-public-key",
        &path_arg(&example_key("alipay", "public_key.pem")),
        "--api",
        api,
        "--body-file",
        &path_arg(&file),
    ])
}

#[test]
fn apis_lists_every_signed_json_api_once_by_production_path() {
    let r = run(["apis"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let paths: Vec<&str> = r.stdout.lines().collect();
    assert!(paths.len() >= 150, "only {} paths", paths.len());
    assert!(
        paths.iter().all(|p| p.starts_with("/ams/api/")),
        "{paths:?}"
    );
    let mut sorted = paths.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted, paths, "not sorted or not unique");
    for expected in [
        CaptureRequest::PATH,
        "/ams/api/v1/payments/pay",
        "/ams/api/v1/vaults/vaultPaymentMethod",
        "/ams/api/v1/subscriptions/create",
    ] {
        assert!(paths.contains(&expected), "{expected} missing");
    }
    // The two special transports are not callable as signed JSON.
    assert!(!paths.contains(&"/ams/api/v1/billing/product/uploadImage"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_captures_against_the_sandbox_and_prints_the_typed_reply() {
    let sandbox = Sandbox::start_with_example_keys().await.unwrap();
    let payment = sandbox
        .create_payment(CreatePayment::new(
            Amount::from_decimal("USD", "12.34").unwrap(),
        ))
        .unwrap();
    let body = format!(
        r#"{{"captureRequestId":"cli-call-1","paymentId":"{}","captureAmount":{{"currency":"USD","value":"1234"}}}}"#,
        payment.payment_id
    );
    let gateway = sandbox.base_url();
    let r = tokio::task::spawn_blocking(move || {
        call(&gateway, CaptureRequest::PATH, &body, "call-capture")
    })
    .await
    .unwrap();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let reply: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let captures = sandbox.captures();
    assert_eq!(captures.len(), 1);
    assert_eq!(reply["captureId"], captures[0].capture_id.as_str());
    assert_eq!(reply["captureRequestId"], "cli-call-1");
    assert_eq!(reply["captureAmount"]["value"], "1234");
    assert_eq!(reply["result"]["resultStatus"], "S");
    sandbox.shutdown().await;
}

#[test]
fn a_body_the_model_refuses_exits_2_naming_the_field_and_sends_nothing() {
    let fake = FakeAlipay::start(Reply::Success);
    for (body, field) in [
        (
            r#"{"paymentId":"p","captureAmount":{"currency":"USD","value":"1"}}"#,
            "captureRequestId",
        ),
        (
            r#"{"captureRequestId":" ","paymentId":"p","captureAmount":{"currency":"USD","value":"1"}}"#,
            "captureRequestId",
        ),
        (
            r#"{"captureRequestId":"c","paymentId":"p","captureAmount":{"currency":"USD","value":"ten"}}"#,
            "captureAmount",
        ),
        ("not json", "capture request"),
    ] {
        let r = call(&fake.url(), CaptureRequest::PATH, body, "call-refused");
        assert_eq!(r.code, 2, "{body}: {}", r.stderr);
        assert!(r.stderr.contains(field), "{body}: {}", r.stderr);
        assert!(r.stderr.contains("nothing was sent"), "{}", r.stderr);
    }
    let r = call(
        &fake.url(),
        "/ams/api/v1/payments/notAnApi",
        "{}",
        "call-unknown",
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("alipay-ams apis"), "{}", r.stderr);
    let r = call(
        &fake.url(),
        "/ams/sandbox/api/v1/payments/capture",
        "{}",
        "call-sandbox-form",
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("production path"), "{}", r.stderr);
    assert!(fake.seen().is_empty(), "a refused body reached the gateway");
}

#[test]
fn an_unknown_outcome_is_retried_only_when_the_retry_class_allows_it() {
    // Signed U to every attempt.
    for (api, body, attempts) in [
        // Money movement with its key: retried with the same key.
        (
            CaptureRequest::PATH,
            r#"{"captureRequestId":"c-u","paymentId":"p","captureAmount":{"currency":"USD","value":"1"}}"#,
            4,
        ),
        // Read-only: always retried.
        ("/ams/api/v1/payments/inquireExchangeRate", "{}", 4),
        // Not safely repeatable: sent once.
        ("/ams/api/v1/aba/funds/createExchange", "{}", 1),
    ] {
        let fake = FakeAlipay::start(Reply::Unknown);
        let r = call(&fake.url(), api, body, "call-unknown-outcome");
        assert_eq!(r.code, 3, "{api}: {}", r.stderr);
        assert_eq!(fake.seen().len(), attempts, "{api}");
        assert!(fake.seen().iter().all(|s| s.signature_valid));
        let path = fake.seen()[0].path.clone();
        assert_eq!(
            path,
            api.replacen("/ams/api/", "/ams/sandbox/api/", 1),
            "a SANDBOX_ id calls the sandbox form"
        );
    }
}
