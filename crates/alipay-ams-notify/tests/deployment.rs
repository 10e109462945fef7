//! Deployment options over real loopback servers: behind a prefix-stripping
//! router, the optional maximum age, and one keep-alive connection carrying
//! good and bad deliveries with hyper's own client.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests and examples may panic

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use common::*;
use http_body_util::{BodyExt, Full};

#[tokio::test]
async fn signed_path_override_behind_an_axum_nest() {
    // Alipay calls /shop/alipay/notify; axum's nest strips /shop before the service sees it.
    let public_path = "/shop/alipay/notify";
    let recorder = Arc::new(Recorder::default());
    let with_override = capture_service(config().with_signed_path(public_path), &recorder);
    let without = capture_service(config(), &recorder);
    let app = axum::Router::new()
        .nest(
            "/shop",
            axum::Router::new().route_service(NOTIFY_PATH, with_override),
        )
        .nest(
            "/naive",
            axum::Router::new().route_service(NOTIFY_PATH, without),
        );
    let addr = serve_axum(app).await;

    let delivery = Delivery::signed(public_path, capture_body("cap-nested"));
    delivery.post(addr).await.assert_ack();
    assert_eq!(recorder.seen().pop().unwrap().capture_id, "cap-nested");

    // Signed for another path: still refused with the override.
    Delivery::signed("/elsewhere", capture_body("cap-nested"))
        .post_to(addr, public_path)
        .await
        .assert_refused(401, "F");

    // Without the override the service sees /alipay/notify, which Alipay did not sign.
    let naive = Delivery::signed("/naive/alipay/notify", capture_body("cap-naive"));
    naive.post(addr).await.assert_refused(401, "F");
    assert!(recorder.seen().iter().all(|s| s.capture_id != "cap-naive"));
}

#[tokio::test]
async fn max_age_refuses_stale_request_time_only_when_configured() {
    let two_days_ago =
        alipay_ams_core::time::iso8601_utc(SystemTime::now() - Duration::from_secs(2 * 86_400));
    let stale = Delivery::signed_with(
        &alipay_private_key(),
        NOTIFY_PATH,
        CLIENT_ID,
        &two_days_ago,
        capture_body("cap-old"),
    );
    let fresh = Delivery::signed(NOTIFY_PATH, capture_body("cap-new"));
    let millis = alipay_ams_core::time::epoch_millis(SystemTime::now());
    let fresh_millis = Delivery::signed_with(
        &alipay_private_key(),
        NOTIFY_PATH,
        CLIENT_ID,
        &millis,
        capture_body("cap-ms"),
    );
    let unreadable = Delivery::signed_with(
        &alipay_private_key(),
        NOTIFY_PATH,
        CLIENT_ID,
        "last tuesday",
        capture_body("cap-what"),
    );

    // Default: no freshness window, a day-old redelivery is acknowledged.
    let lenient = serve_hyper(capture_service(config(), &Arc::default())).await;
    stale.post(lenient).await.assert_ack();
    unreadable.post(lenient).await.assert_ack();

    let strict = serve_hyper(capture_service(
        config().with_max_age(Duration::from_secs(3600)),
        &Arc::default(),
    ))
    .await;
    stale.post(strict).await.assert_refused(401, "F");
    unreadable.post(strict).await.assert_refused(401, "F");
    fresh.post(strict).await.assert_ack();
    fresh_millis.post(strict).await.assert_ack();
}

#[tokio::test]
async fn one_keep_alive_connection_keeps_working_after_refusals() {
    let recorder = Arc::new(Recorder::default());
    let app = axum::Router::new().route_service(NOTIFY_PATH, capture_service(config(), &recorder));
    let addr = serve_axum(app).await;

    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(connection);

    let mut post = async |delivery: &Delivery, method: &str| {
        let mut request = http::Request::builder()
            .method(method)
            .uri(NOTIFY_PATH)
            .header("host", addr.to_string());
        for (name, value) in delivery.headers() {
            request = request.header(name, value);
        }
        let request = request
            .body(Full::new(Bytes::from(delivery.body.clone())))
            .unwrap();
        sender.ready().await.unwrap();
        let response = sender.send_request(request).await.unwrap();
        let status = response.status().as_u16();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, body)
    };

    let good = Delivery::signed(NOTIFY_PATH, capture_body("cap-1"));
    let mut forged = good.clone();
    forged.body = capture_body("cap-2").into_bytes();
    let malformed = Delivery::signed(NOTIFY_PATH, "{");

    assert_eq!(
        post(&good, "POST").await,
        (
            200,
            Bytes::from_static(alipay_ams_core::ACK_BODY.as_bytes())
        )
    );
    assert_eq!(post(&forged, "POST").await.0, 401);
    assert_eq!(
        post(&good, "POST").await.0,
        200,
        "redelivery of the same notification"
    );
    assert_eq!(post(&malformed, "POST").await.0, 400);
    assert_eq!(post(&good, "GET").await.0, 405);
    assert_eq!(post(&good, "POST").await.0, 200);

    // Acknowledged three times, handled once: the inbox knows the dedup key.
    let seen = recorder.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].dedup_key, "CAPTURE_RESULT:cap-1");
}

#[tokio::test]
async fn plain_hyper_service_fn_with_handle() {
    let recorder = Arc::new(Recorder::default());
    let service = capture_service(config(), &recorder);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let service = service.clone();
            tokio::spawn(async move {
                // No tower: the closure calls `handle`, whose future owns what it needs.
                let route = hyper::service::service_fn(
                    move |request: http::Request<hyper::body::Incoming>| {
                        let response = service.handle(request);
                        async move { Ok::<_, std::convert::Infallible>(response.await) }
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), route)
                    .await;
            });
        }
    });

    let good = Delivery::signed(NOTIFY_PATH, capture_body("cap-fn"));
    good.post(addr).await.assert_ack();
    let mut forged = good.clone();
    forged.request_time = "2026-01-01T00:00:00+00:00".into();
    forged.post(addr).await.assert_refused(401, "F");
    good.post(addr).await.assert_ack();
    assert_eq!(
        recorder.seen().len(),
        1,
        "the redelivery is not handled again"
    );
}
