//! Every hostile request the notify endpoint must refuse, and what each must
//! get. Each is built from a genuine notification where that makes the attack
//! stronger (a real signature, real headers).

use std::sync::Arc;

use alipay_ams::protocol::header;

use super::hostile_endpoint::{
    CLIENT_ID, PATH, alipay_key, merchant_key, notification_body, signed,
};
use alipay_ams_testkit::{self as raw_http, Answer};

/// What a hostile case must get.
#[derive(Clone, Copy, Debug)]
pub enum Expect {
    /// Exactly this status from the notify service.
    Status(u16),
    /// This status, or the connection closed (the client was still writing).
    StatusOrClosed(u16),
    /// Any non-S answer or a closed connection (the HTTP layer's call).
    Refused,
}

pub struct Case {
    pub name: &'static str,
    pub request: Arc<Vec<u8>>,
    pub expect: Expect,
}

fn case(name: &'static str, expect: Expect, request: Vec<u8>) -> Case {
    Case {
        name,
        request: Arc::new(request),
        expect,
    }
}

/// A POST with the signature headers as given and a Content-Length.
fn post(client_id: &str, time: &str, signature: &str, body: &[u8]) -> Vec<u8> {
    let len = body.len().to_string();
    raw_http::request(
        "POST",
        PATH,
        &[
            ("content-type", b"application/json; charset=UTF-8"),
            (header::CLIENT_ID, client_id.as_bytes()),
            (header::REQUEST_TIME, time.as_bytes()),
            (header::SIGNATURE, signature.as_bytes()),
            ("content-length", len.as_bytes()),
        ],
        body,
    )
}

fn nested(depth: usize) -> Vec<u8> {
    let mut body = vec![b'['; depth];
    body.extend(std::iter::repeat_n(b']', depth));
    body
}

fn chunked(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for chunk in body.chunks(16 * 1024) {
        out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

/// Every hostile request; `oversize` is the size of the oversized bodies.
pub fn hostile_cases(oversize: usize) -> Vec<Case> {
    let alipay = alipay_key();
    let merchant = merchant_key();
    let body = notification_body("c-victim", "1000");
    // The genuine notification whose signature the replays reuse.
    let genuine = signed(&alipay, CLIENT_ID, PATH, &body);
    let text = |name: &str| genuine.headers()[name].to_str().unwrap().to_owned();
    let (good_sig, time) = (text(header::SIGNATURE), text(header::REQUEST_TIME));
    let other_time = "2026-11-25T10:00:01+08:00";
    assert_ne!(time, other_time);
    let signed_by_alipay =
        |body: &[u8]| raw_http::from_request(&signed(&alipay, CLIENT_ID, PATH, body));
    let forged_sig = format!(
        "algorithm=RSA256,keyVersion=1,signature={}",
        "QUJD".repeat(85) + "QQ%3D%3D"
    );
    let big = vec![b' '; oversize];
    let mut headers_flood = Vec::new();
    for i in 0..500 {
        headers_flood.extend_from_slice(format!("x-flood-{i}: {}\r\n", "v".repeat(20)).as_bytes());
    }
    let flood_request = {
        let mut r = b"POST /alipay/notify HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: 0\r\n".to_vec();
        r.extend_from_slice(&headers_flood);
        r.extend_from_slice(b"\r\n");
        r
    };
    let huge_header = format!("x-huge: {}", "h".repeat(1024 * 1024));
    let huge_header_request = format!(
        "POST /alipay/notify HTTP/1.1\r\nhost: x\r\nconnection: close\r\n{huge_header}\r\ncontent-length: 0\r\n\r\n"
    )
    .into_bytes();
    let mut non_utf8 = body.clone();
    non_utf8.splice(10..10, [0xff, 0xfe, 0xc3, 0x28]);
    let chunked_big = raw_http::request(
        "POST",
        PATH,
        &[
            (header::CLIENT_ID, CLIENT_ID.as_bytes()),
            (header::REQUEST_TIME, time.as_bytes()),
            (header::SIGNATURE, good_sig.as_bytes()),
            ("transfer-encoding", b"chunked"),
        ],
        &chunked(&big),
    );

    vec![
        case(
            "forged signature (random bytes)",
            Expect::Status(401),
            post(CLIENT_ID, &time, &forged_sig, &body),
        ),
        case(
            "signed with the merchant's key instead of Alipay's",
            Expect::Status(401),
            raw_http::from_request(&signed(&merchant, CLIENT_ID, PATH, &body)),
        ),
        case(
            "replayed signature, amount raised",
            Expect::Status(401),
            post(
                CLIENT_ID,
                &time,
                &good_sig,
                &notification_body("c-victim", "9999999"),
            ),
        ),
        case(
            "replayed signature, captureId changed",
            Expect::Status(401),
            post(
                CLIENT_ID,
                &time,
                &good_sig,
                &notification_body("c-other", "1000"),
            ),
        ),
        case(
            "replayed signature, one trailing space added to the body",
            Expect::Status(401),
            post(CLIENT_ID, &time, &good_sig, &[&body[..], b" "].concat()),
        ),
        case(
            "replayed with another request-time",
            Expect::Status(401),
            post(CLIENT_ID, other_time, &good_sig, &body),
        ),
        case(
            "replayed with another client-id (signed for it by the attacker)",
            Expect::Status(401),
            raw_http::from_request(&signed(&merchant, "SANDBOX_ATTACKER0000000", PATH, &body)),
        ),
        case(
            "signed for another path",
            Expect::Status(401),
            raw_http::from_request(&signed(&alipay, CLIENT_ID, "/other/notify", &body)),
        ),
        case(
            "no signature header",
            Expect::Status(401),
            raw_http::request(
                "POST",
                PATH,
                &[
                    (header::CLIENT_ID, CLIENT_ID.as_bytes()),
                    (header::REQUEST_TIME, time.as_bytes()),
                ],
                &body,
            ),
        ),
        case(
            "garbage signature header",
            Expect::Status(401),
            post(CLIENT_ID, &time, "%%%,,,===", &body),
        ),
        case(
            "non-UTF-8 bytes in client-id",
            Expect::Refused,
            raw_http::request(
                "POST",
                PATH,
                &[
                    (header::CLIENT_ID, b"SANDBOX_\xff\xfe\xc3\x28"),
                    (header::REQUEST_TIME, time.as_bytes()),
                    (header::SIGNATURE, good_sig.as_bytes()),
                    ("content-length", body.len().to_string().as_bytes()),
                ],
                &body,
            ),
        ),
        case(
            "non-UTF-8 bytes in the body, genuinely signed",
            Expect::Status(400),
            signed_by_alipay(&non_utf8),
        ),
        case(
            "non-UTF-8 bytes in the body, unsigned",
            Expect::Status(401),
            post(CLIENT_ID, &time, &good_sig, &non_utf8),
        ),
        case(
            "oversized body with Content-Length",
            Expect::StatusOrClosed(413),
            post(CLIENT_ID, &time, &good_sig, &big),
        ),
        case(
            "oversized chunked body (no Content-Length)",
            Expect::StatusOrClosed(413),
            chunked_big,
        ),
        case(
            "Content-Length of 10 GB",
            Expect::StatusOrClosed(413),
            raw_http::request(
                "POST",
                PATH,
                &[
                    (header::CLIENT_ID, CLIENT_ID.as_bytes()),
                    ("content-length", b"10000000000"),
                ],
                b"{}",
            ),
        ),
        case(
            "100k nested `[`, genuinely signed (over the body limit)",
            Expect::StatusOrClosed(413),
            signed_by_alipay(&nested(100_000)),
        ),
        case(
            "30k nested `[`, genuinely signed (within the body limit)",
            Expect::Status(400),
            signed_by_alipay(&nested(30_000)),
        ),
        case(
            "30k nested `{\"a\":`, genuinely signed",
            Expect::Status(400),
            signed_by_alipay(&[&b"{\"a\":".repeat(10_000)[..], &b"}".repeat(10_000)[..]].concat()),
        ),
        case(
            "CAPTURE_RESULT missing its fields, genuinely signed",
            Expect::Status(400),
            signed_by_alipay(br#"{"notifyType":"CAPTURE_RESULT"}"#),
        ),
        case("header flood: 500 headers", Expect::Refused, flood_request),
        case("one 1 MiB header", Expect::Refused, huge_header_request),
        case(
            "GET",
            Expect::Status(405),
            raw_http::request("GET", PATH, &[], b""),
        ),
        case(
            "not HTTP at all",
            Expect::Refused,
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n".to_vec(),
        ),
        case(
            "conflicting Content-Length headers",
            Expect::Refused,
            raw_http::request(
                "POST",
                PATH,
                &[
                    ("content-length", b"5"),
                    ("content-length", b"7"),
                    (header::SIGNATURE, good_sig.as_bytes()),
                ],
                b"{}{}{}{",
            ),
        ),
        case(
            "Transfer-Encoding and Content-Length together, tampered chunked body",
            Expect::Refused,
            raw_http::request(
                "POST",
                PATH,
                &[
                    (header::CLIENT_ID, CLIENT_ID.as_bytes()),
                    (header::REQUEST_TIME, time.as_bytes()),
                    (header::SIGNATURE, good_sig.as_bytes()),
                    ("content-length", b"4"),
                    ("transfer-encoding", b"chunked"),
                ],
                &chunked(&notification_body("c-victim", "9999999")),
            ),
        ),
    ]
}

/// Asserts that `answer` is what `case` must get.
pub fn check(case: &Case, answer: &Answer) {
    assert!(
        answer.is_refusal(),
        "{}: not refused: {answer:?}",
        case.name
    );
    match (case.expect, answer) {
        (Expect::Status(want), Answer::Http(response)) => {
            let body = response.text();
            assert_eq!(response.status, want, "{}: {body}", case.name);
            assert!(
                body.contains("\"resultStatus\""),
                "{}: the refusal has no result: {body}",
                case.name
            );
        }
        (Expect::Status(want), Answer::Closed) => panic!(
            "{}: wanted HTTP {want}, the connection was closed",
            case.name
        ),
        (Expect::StatusOrClosed(want), Answer::Http(response)) => {
            assert_eq!(response.status, want, "{}", case.name)
        }
        _ => {}
    }
}
