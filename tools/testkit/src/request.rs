//! Requests as the bytes that go on the wire.

use std::fmt;

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, TRANSFER_ENCODING};

/// The chunk size of [`Payload::Chunked`].
pub const CHUNK: usize = 8 * 1024;

/// A request body with the framing header [`request_with`] writes for it.
#[derive(Clone, PartialEq, Eq)]
pub enum Payload {
    /// No body and no framing header (a GET, or a POST without a body).
    None,
    /// The body, announced by `Content-Length`.
    Sized(Vec<u8>),
    /// The body with `Transfer-Encoding: chunked` (chunks of [`CHUNK`]
    /// bytes) and no `Content-Length`.
    Chunked(Vec<u8>),
    /// Only `Content-Length: n`; no body follows: a client that announces a
    /// body and never sends it.
    Announce(u64),
}

impl fmt::Debug for Payload {
    // Bodies run to megabytes: their size says enough.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Payload::None => f.write_str("None"),
            Payload::Sized(body) => write!(f, "Sized(<{} bytes>)", body.len()),
            Payload::Chunked(body) => write!(f, "Chunked(<{} bytes>)", body.len()),
            Payload::Announce(length) => write!(f, "Announce({length})"),
        }
    }
}

/// An HTTP/1.1 request as raw bytes: the request line with `target` as
/// given (origin or absolute form), `host: 127.0.0.1`, `connection: close`
/// (so the server closes after its answer), `headers` in order, a blank
/// line and `body`. Nothing else is added: the caller writes the framing
/// headers, right or deliberately wrong. Header values are bytes: hostile
/// ones need not be text.
pub fn request(method: &str, target: &str, headers: &[(&str, &[u8])], body: &[u8]) -> Vec<u8> {
    let mut out = head(method, target, headers);
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

/// Like [`request`], with the framing header of `payload` written after
/// `headers` and its body (chunk-encoded for [`Payload::Chunked`]) after the
/// blank line.
pub fn request_with(
    method: &str,
    target: &str,
    headers: &[(&str, &[u8])],
    payload: Payload,
) -> Vec<u8> {
    let mut out = head(method, target, headers);
    let body = match payload {
        Payload::None => Vec::new(),
        Payload::Sized(body) => {
            out.extend_from_slice(format!("content-length: {}\r\n", body.len()).as_bytes());
            body
        }
        Payload::Chunked(body) => {
            out.extend_from_slice(b"transfer-encoding: chunked\r\n");
            chunked(&body, CHUNK)
        }
        Payload::Announce(length) => {
            out.extend_from_slice(format!("content-length: {length}\r\n").as_bytes());
            Vec::new()
        }
    };
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&body);
    out
}

/// `request` (such as the sandbox's `signed_notification`) as raw bytes:
/// its method, path and query, headers and body as they are, with a
/// `Content-Length` unless it already has framing headers.
pub fn from_request(request: &http::Request<Bytes>) -> Vec<u8> {
    let target = request
        .uri()
        .path_and_query()
        .map_or("/", |target| target.as_str());
    let mut headers: Vec<(&str, &[u8])> = request
        .headers()
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_bytes()))
        .collect();
    let framed = request.headers().contains_key(CONTENT_LENGTH)
        || request.headers().contains_key(TRANSFER_ENCODING);
    let length = request.body().len().to_string();
    if !framed {
        headers.push(("content-length", length.as_bytes()));
    }
    self::request(request.method().as_str(), target, &headers, request.body())
}

/// `body` in the chunked transfer coding, in chunks of `chunk_size` bytes
/// (at least 1), ending with the last chunk and no trailers.
pub fn chunked(body: &[u8], chunk_size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 16);
    for chunk in body.chunks(chunk_size.max(1)) {
        out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

/// Where the body of a raw request starts: just after the blank line that
/// ends its headers, or `None` if it has none.
pub fn body_offset(request: &[u8]) -> Option<usize> {
    request
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .map(|end| end + 4)
}

fn head(method: &str, target: &str, headers: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = format!("{method} {target} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n")
        .into_bytes();
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "host: 127.0.0.1\r\nconnection: close\r\n";

    #[test]
    fn request_writes_exactly_the_bytes_given() {
        let raw = request(
            "POST",
            "/n",
            &[("content-length", b"5"), ("x-bin", b"\xff\xfe")],
            b"{}{}{}{",
        );
        let mut want =
            format!("POST /n HTTP/1.1\r\n{HEAD}content-length: 5\r\nx-bin: ").into_bytes();
        want.extend_from_slice(b"\xff\xfe\r\n\r\n{}{}{}{");
        assert_eq!(raw, want);
        assert_eq!(body_offset(&raw), Some(raw.len() - 7));
    }

    #[test]
    fn each_payload_gets_its_framing() {
        let with = |payload| String::from_utf8(request_with("PUT", "/p", &[("a", b"1")], payload));
        assert_eq!(
            with(Payload::None).unwrap(),
            format!("PUT /p HTTP/1.1\r\n{HEAD}a: 1\r\n\r\n")
        );
        assert_eq!(
            with(Payload::Sized(b"hello".to_vec())).unwrap(),
            format!("PUT /p HTTP/1.1\r\n{HEAD}a: 1\r\ncontent-length: 5\r\n\r\nhello")
        );
        assert_eq!(
            with(Payload::Announce(10_000_000_000)).unwrap(),
            format!("PUT /p HTTP/1.1\r\n{HEAD}a: 1\r\ncontent-length: 10000000000\r\n\r\n")
        );
        let body = vec![b'x'; CHUNK + 3];
        let chunked_request = with(Payload::Chunked(body)).unwrap();
        let want = format!(
            "PUT /p HTTP/1.1\r\n{HEAD}a: 1\r\ntransfer-encoding: chunked\r\n\r\n2000\r\n{}\r\n3\r\nxxx\r\n0\r\n\r\n",
            "x".repeat(CHUNK)
        );
        assert_eq!(chunked_request, want);
    }

    #[test]
    fn chunked_encodes_in_the_size_asked_and_survives_zero() {
        assert_eq!(
            chunked(b"abcde", 2),
            b"2\r\nab\r\n2\r\ncd\r\n1\r\ne\r\n0\r\n\r\n"
        );
        assert_eq!(chunked(b"ab", 0), b"1\r\na\r\n1\r\nb\r\n0\r\n\r\n");
        assert_eq!(chunked(b"", 4), b"0\r\n\r\n");
    }

    #[test]
    fn from_request_keeps_headers_and_body_and_adds_a_length_once() {
        let signed = http::Request::post("/alipay/notify?shop=1")
            .header("signature", "algorithm=RSA256,keyVersion=1,signature=abc")
            .body(Bytes::from_static(b"{\"a\":1}"))
            .unwrap();
        assert_eq!(
            String::from_utf8(from_request(&signed)).unwrap(),
            format!(
                "POST /alipay/notify?shop=1 HTTP/1.1\r\n{HEAD}signature: algorithm=RSA256,keyVersion=1,signature=abc\r\ncontent-length: 7\r\n\r\n{{\"a\":1}}"
            )
        );
        let framed = http::Request::post("http://127.0.0.1:1/n")
            .header("content-length", "2")
            .body(Bytes::from_static(b"{}"))
            .unwrap();
        assert_eq!(
            String::from_utf8(from_request(&framed)).unwrap(),
            format!("POST /n HTTP/1.1\r\n{HEAD}content-length: 2\r\n\r\n{{}}")
        );
    }

    #[test]
    fn body_offset_is_none_without_a_blank_line() {
        assert_eq!(body_offset(b"GET / HTTP/1.1\r\nhost: x\r\n"), None);
        assert_eq!(body_offset(b"\r\n\r\n"), Some(4));
    }

    #[test]
    fn payload_debug_shows_sizes_not_bytes() {
        assert_eq!(
            format!("{:?}", Payload::Sized(b"secret".to_vec())),
            "Sized(<6 bytes>)"
        );
    }
}
