//! The endpoint over real loopback servers, mounted in axum and in plain hyper:
//! what is acknowledged, what is refused and how, and that the server keeps
//! serving after every refusal.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use common::*;

/// Every case, against a server at `addr` that routes `NOTIFY_PATH` to a
/// `NotifyService` over `recorder`.
async fn suite(addr: SocketAddr, recorder: &Recorder) {
    let mut serial = 0;
    let mut next_id = move || {
        serial += 1;
        format!("cap-{serial}")
    };
    // A genuine delivery is acknowledged and reaches the handler.
    let mut good = async |recorder: &Recorder| {
        let id = next_id();
        let delivery = Delivery::signed(NOTIFY_PATH, capture_body(&id));
        delivery.post(addr).await.assert_ack();
        let last = recorder.seen().pop().unwrap();
        assert_eq!(last.capture_id, id);
        assert_eq!(last.dedup_key, format!("CAPTURE_RESULT:{id}"));
        assert_eq!(last.client_id, CLIENT_ID);
        assert_eq!(last.request_time, delivery.request_time);
        assert_eq!(
            last.raw_body, delivery.body,
            "the handler sees the exact bytes"
        );
    };
    good(recorder).await;

    let genuine = Delivery::signed(NOTIFY_PATH, capture_body("cap-x"));
    let refused_before = recorder.seen().len();

    // Tampered body: the same signature over other bytes.
    let mut tampered = genuine.clone();
    tampered.body = capture_body("cap-x").replace("50000", "50001").into_bytes();
    assert_eq!(
        tampered.post(addr).await.assert_refused(401, "F"),
        "INVALID_SIGNATURE"
    );
    good(recorder).await;

    // Whitespace is a change too: bytes are verified, not JSON values.
    let mut reformatted = genuine.clone();
    reformatted.body = format!(" {}", capture_body("cap-x")).into_bytes();
    reformatted.post(addr).await.assert_refused(401, "F");
    good(recorder).await;

    // Tampered request-time.
    let mut retimed = genuine.clone();
    retimed.request_time = "2020-01-01T00:00:00+08:00".into();
    retimed.post(addr).await.assert_refused(401, "F");
    good(recorder).await;

    // Another merchant's client id, correctly signed for it.
    let other = Delivery::signed_with(
        &alipay_private_key(),
        NOTIFY_PATH,
        "SANDBOX_5Y11111111111111",
        &now_iso(),
        capture_body("cap-x"),
    );
    assert_eq!(
        other.post(addr).await.assert_refused(401, "F"),
        "CLIENT_INVALID"
    );
    good(recorder).await;

    // The client-id header changed after signing.
    let mut renamed = genuine.clone();
    renamed.client_id = "SANDBOX_5Y11111111111111".into();
    renamed.post(addr).await.assert_refused(401, "F");
    good(recorder).await;

    // Signed with the merchant's key instead of Alipay's.
    let wrong_key = Delivery::signed_with(
        &merchant_private_key(),
        NOTIFY_PATH,
        CLIENT_ID,
        &now_iso(),
        capture_body("cap-x"),
    );
    wrong_key.post(addr).await.assert_refused(401, "F");
    good(recorder).await;

    // Signed for another path.
    let elsewhere = Delivery::signed("/somewhere/else", capture_body("cap-x"));
    elsewhere
        .post_to(addr, NOTIFY_PATH)
        .await
        .assert_refused(401, "F");
    good(recorder).await;

    // Each header missing, and garbage signatures.
    for missing in ["client-id", "request-time", "signature"] {
        let headers: Vec<_> = genuine
            .headers()
            .into_iter()
            .filter(|(n, _)| n != missing)
            .collect();
        let reply = send(
            addr,
            "POST",
            NOTIFY_PATH,
            &headers,
            Payload::Sized(genuine.body.clone()),
        )
        .await;
        reply.assert_refused(401, "F");
        good(recorder).await;
    }
    for garbage in [
        "garbage",
        "",
        "algorithm=RSA256,keyVersion=1,signature=",
        "algorithm=RSA256,keyVersion=1,signature=AAAA",
        "algorithm=RSA256,keyVersion=1,signature=%%%%",
        "algorithm=HMAC256,keyVersion=1,signature=AAAA",
    ] {
        let mut forged = genuine.clone();
        forged.signature = garbage.into();
        forged.post(addr).await.assert_refused(401, "F");
        good(recorder).await;
    }
    // A signature header truncated by one character.
    let mut truncated = genuine.clone();
    truncated.signature.pop();
    truncated.post(addr).await.assert_refused(401, "F");
    good(recorder).await;

    // 2 MiB: with Content-Length (refused before reading), announced only,
    // and chunked without Content-Length (refused at the limit).
    let huge = vec![b' '; 2 * 1024 * 1024];
    let huge_signed = Delivery::signed(NOTIFY_PATH, huge.clone());
    send(
        addr,
        "POST",
        NOTIFY_PATH,
        &huge_signed.headers(),
        Payload::Sized(huge.clone()),
    )
    .await
    .assert_refused(413, "F");
    good(recorder).await;
    send(
        addr,
        "POST",
        NOTIFY_PATH,
        &huge_signed.headers(),
        Payload::Announce(huge.len() as u64),
    )
    .await
    .assert_refused(413, "F");
    good(recorder).await;
    send(
        addr,
        "POST",
        NOTIFY_PATH,
        &huge_signed.headers(),
        Payload::Chunked(huge),
    )
    .await
    .assert_refused(413, "F");
    good(recorder).await;

    // A small chunked genuine body is fine.
    let small = Delivery::signed(NOTIFY_PATH, capture_body("cap-chunked"));
    send(
        addr,
        "POST",
        NOTIFY_PATH,
        &small.headers(),
        Payload::Chunked(small.body.clone()),
    )
    .await
    .assert_ack();
    assert_eq!(recorder.seen().pop().unwrap().capture_id, "cap-chunked");

    // Malformed JSON and the wrong shape, both correctly signed: 400.
    for body in [
        "not json".to_owned(),
        capture_body("cap-x").trim_end_matches('}').to_owned(),
        r#"{"notifyType":"CAPTURE_RESULT","captureId":"only"}"#.to_owned(),
        "[1,2,3]".to_owned(),
    ] {
        let malformed = Delivery::signed(NOTIFY_PATH, body);
        assert_eq!(
            malformed.post(addr).await.assert_refused(400, "F"),
            "PARAM_ILLEGAL"
        );
        good(recorder).await;
    }

    // Other methods: 405 with Allow: POST.
    for method in ["GET", "PUT", "DELETE"] {
        let reply = send(addr, method, NOTIFY_PATH, &genuine.headers(), Payload::None).await;
        reply.assert_refused(405, "F");
        assert_eq!(reply.header("allow"), Some("POST"));
        good(recorder).await;
    }

    // None of the refused deliveries reached the handler: only the good ones did.
    let seen = recorder.seen();
    assert!(seen.iter().all(|s| s.capture_id != "cap-x"));
    assert!(seen.len() > refused_before);

    // A genuine notification of a kind no route handles is never acknowledged:
    // Alipay delivers it again once a route exists.
    for body in [
        refund_body("r-1"),
        r#"{"notifyType":"SOMETHING_NEW","whatever":[1,2]}"#.to_owned(),
        r#"{"authorizationNotifyType":"TOKEN_CREATED"}"#.to_owned(),
    ] {
        let before = recorder.seen().len();
        let reply = Delivery::signed(NOTIFY_PATH, body).post(addr).await;
        assert_eq!(reply.assert_refused(501, "U"), "UNKNOWN_EXCEPTION");
        assert_eq!(recorder.seen().len(), before, "not dispatched to capture");
        good(recorder).await;
    }

    // A field given twice, at the top or nested, correctly signed: refused,
    // never handed to the handler.
    for body in [
        capture_body("cap-dup").replace(
            r#""captureId":"cap-dup""#,
            r#""captureId":"cap-dup","captureId":"cap-dup2""#,
        ),
        capture_body("cap-dup").replace(r#""value":"50000""#, r#""value":"1","value":"50000""#),
    ] {
        let reply = Delivery::signed(NOTIFY_PATH, body).post(addr).await;
        assert_eq!(reply.assert_refused(400, "F"), "PARAM_ILLEGAL");
        assert!(
            recorder
                .seen()
                .iter()
                .all(|s| !s.capture_id.starts_with("cap-dup"))
        );
        good(recorder).await;
    }

    // A notify URL with a query string, signed without it, as Alipay's samples do.
    let query = Delivery::signed(NOTIFY_PATH, capture_body("cap-query"));
    query
        .post_to(addr, &format!("{NOTIFY_PATH}?shop=1"))
        .await
        .assert_ack();

    // A failing handler: 500 with U, nothing recorded; Alipay redelivers the
    // very same bytes and signature, and once the handler recovers, it is acknowledged.
    let redelivered = Delivery::signed(NOTIFY_PATH, capture_body("cap-retry"));
    recorder.set_failing(true);
    for _ in 0..2 {
        let reply = redelivered.post(addr).await;
        assert_eq!(reply.assert_refused(500, "U"), "UNKNOWN_EXCEPTION");
        assert!(
            !String::from_utf8_lossy(&reply.body).contains("database"),
            "handler details stay private"
        );
    }
    assert!(recorder.seen().iter().all(|s| s.capture_id != "cap-retry"));
    recorder.set_failing(false);
    redelivered.post(addr).await.assert_ack();
    assert_eq!(recorder.seen().pop().unwrap().capture_id, "cap-retry");
}

#[tokio::test]
async fn mounted_in_axum() {
    let recorder = Arc::new(Recorder::default());
    let app = axum::Router::new()
        .route_service(NOTIFY_PATH, capture_service(config(), &recorder))
        .route("/health", axum::routing::get(|| async { "ok" }));
    let addr = serve_axum(app).await;
    suite(addr, &recorder).await;
}

#[tokio::test]
async fn mounted_in_plain_hyper() {
    let recorder = Arc::new(Recorder::default());
    let addr = serve_hyper(capture_service(config(), &recorder)).await;
    suite(addr, &recorder).await;
}
