//! The raw client against loopback servers that answer in ways a test
//! server must be expected to: framed and kept open, chunked in pieces,
//! early (before the request is read), never, or by closing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests may panic

use std::net::SocketAddr;
use std::time::Duration;

use alipay_ams_testkit::{
    Answer, ExchangeError, HANG, Payload, dribble, exchange, hold, request, request_with,
    try_exchange, try_paced,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// Serves one connection with `serve` on a fresh loopback port.
async fn serve_once<F, Fut>(serve: F) -> SocketAddr
where
    F: FnOnce(TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        serve(stream).await;
    });
    addr
}

/// Reads until the blank line that ends the request head; the head.
async fn read_head(stream: &mut TcpStream) -> Vec<u8> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await.unwrap() == 0 {
            break;
        }
        head.push(byte[0]);
    }
    head
}

#[tokio::test]
async fn the_exact_bytes_arrive_and_a_framed_reply_returns_without_waiting_for_the_close() {
    let (seen_tx, seen_rx) = oneshot::channel();
    let addr = serve_once(|mut stream| async move {
        let mut head = read_head(&mut stream).await;
        let mut body = [0u8; 7];
        stream.read_exact(&mut body).await.unwrap();
        head.extend_from_slice(&body);
        seen_tx.send(head).unwrap();
        stream
            .write_all(b"HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: 48\r\n\r\n{\"result\":{\"resultStatus\":\"F\",\"resultCode\":\"X\"}}")
            .await
            .unwrap();
        // Kept open: the client must stop at Content-Length.
        tokio::time::sleep(HANG * 2).await;
    })
    .await;
    let hostile = request(
        "POST",
        "/n",
        &[
            ("content-length", b"5"),
            ("content-length", b"7"),
            ("x", b"\xff"),
        ],
        b"{}{}{}{",
    );
    let answer = try_exchange(addr, &hostile, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(seen_rx.await.unwrap(), hostile);
    assert_eq!(answer.status(), Some(401));
    assert_eq!(answer.result_status().as_deref(), Some("F"));
    assert_eq!(answer.describe(), "HTTP 401 resultStatus F");
    assert!(answer.is_refusal());
    let response = answer.into_response();
    assert_eq!(response.result_code().as_deref(), Some("X"));
    assert_eq!(response.header("Content-Type"), Some("application/json"));
}

#[tokio::test]
async fn a_chunked_reply_sent_in_pieces_is_joined() {
    let addr = serve_once(|mut stream| async move {
        read_head(&mut stream).await;
        for piece in [
            &b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
                [..],
            b"4\r\n{\"a\"",
            b"\r\n3\r\n:1}\r\n",
            b"0\r\n\r\n",
        ] {
            stream.write_all(piece).await.unwrap();
            stream.flush().await.unwrap();
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(HANG * 2).await;
    })
    .await;
    let answer = exchange(addr, request_with("GET", "/", &[], Payload::None)).await;
    let response = answer.into_response();
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["a"], 1);
}

#[tokio::test]
async fn an_early_answer_is_seen_while_the_body_is_still_being_written() {
    let addr = serve_once(|mut stream| async move {
        read_head(&mut stream).await;
        stream
            .write_all(b"HTTP/1.1 413 Payload Too Large\r\ncontent-length: 0\r\n\r\n")
            .await
            .unwrap();
        // Never reads the body, never closes: a client that only writes
        // would block on a full socket buffer.
        tokio::time::sleep(HANG * 2).await;
    })
    .await;
    let huge = request_with("POST", "/", &[], Payload::Sized(vec![b'x'; 32 << 20]));
    let answer = try_exchange(addr, &huge, Duration::from_secs(20))
        .await
        .unwrap();
    assert_eq!(answer.status(), Some(413));
}

#[tokio::test]
async fn a_close_without_a_byte_is_closed_and_a_silent_server_is_hung() {
    let closing = serve_once(|mut stream| async move {
        read_head(&mut stream).await;
    })
    .await;
    let answer = exchange(closing, request("GET", "/", &[], b"")).await;
    assert!(matches!(answer, Answer::Closed), "{answer:?}");
    assert!(answer.is_refusal());
    assert_eq!(answer.describe(), "connection closed");

    let silent = serve_once(|stream| async move {
        tokio::time::sleep(HANG * 2).await;
        drop(stream);
    })
    .await;
    let error = try_exchange(
        silent,
        request("GET", "/", &[], b""),
        Duration::from_millis(300),
    )
    .await
    .unwrap_err();
    assert!(matches!(error, ExchangeError::Hung { .. }), "{error}");
    assert!(error.to_string().contains("hung"), "{error}");

    let garbage = serve_once(|mut stream| async move {
        stream
            .write_all(b"SSH-2.0-OpenSSH_9\r\n\r\n")
            .await
            .unwrap();
    })
    .await;
    let error = try_exchange(garbage, b"GET / HTTP/1.1\r\n\r\n", HANG)
        .await
        .unwrap_err();
    assert!(matches!(error, ExchangeError::Malformed { .. }), "{error}");
}

#[tokio::test]
async fn a_slow_client_counts_the_bytes_the_server_took() {
    let addr = serve_once(|mut stream| async move {
        read_head(&mut stream).await;
        let mut three = [0u8; 3];
        stream.read_exact(&mut three).await.unwrap();
        stream
            .write_all(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}")
            .await
            .unwrap();
    })
    .await;
    let head = b"POST / HTTP/1.1\r\ncontent-length: 10\r\n\r\n".to_vec();
    let (answer, sent) = dribble(
        addr,
        head,
        b"0123456789".to_vec(),
        Duration::from_millis(50),
    )
    .await;
    assert_eq!(answer.status(), Some(503));
    assert!((3..10).contains(&sent), "{sent} body bytes taken");

    let refused = serve_once(|_| async {}).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let (answer, _) = try_paced(
        refused,
        &[b"GET / HTTP/1.1\r\n", b"\r\n"],
        Duration::ZERO,
        HANG,
    )
    .await
    .unwrap();
    assert!(matches!(answer, Answer::Closed), "{answer:?}");
}

#[tokio::test]
async fn a_held_connection_is_open_until_the_server_closes_it() {
    let (close_tx, close_rx) = oneshot::channel::<()>();
    let addr = serve_once(|mut stream| async move {
        read_head(&mut stream).await;
        close_rx.await.unwrap();
        stream.write_all(b"bye").await.unwrap();
    })
    .await;
    let held = hold(addr, b"GET / HTTP/1.1\r\n\r\n").await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(held.is_open());
    close_tx.send(()).unwrap();
    let (received, _) = held.until_closed(HANG).await.expect("closed");
    assert_eq!(received, b"bye");

    let idle = serve_once(|stream| async move {
        tokio::time::sleep(HANG * 2).await;
        drop(stream);
    })
    .await;
    let held = hold(idle, b"").await;
    assert!(
        held.until_closed(Duration::from_millis(200))
            .await
            .is_none()
    );
}
