//! The one raw HTTP/1.1 client of the root tests. Hostile tests need bytes no
//! HTTP library will send (conflicting lengths, header floods, non-UTF-8
//! headers, bodies dribbled one byte at a time), so requests are written by
//! hand on a plain TCP stream, and answers read until the server closes.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The longest a test waits for any answer: far beyond every server timeout,
/// so reaching it means the server hung.
pub const HANG: Duration = Duration::from_secs(30);

/// What the server did with a request.
#[derive(Debug)]
pub enum Answer {
    /// It answered.
    Http { status: u16, body: String },
    /// It closed (or reset) the connection without an answer.
    Closed,
}

impl Answer {
    /// Whether this is anything but an acknowledgement: a closed connection,
    /// or a non-200 answer whose body does not say `"resultStatus":"S"`.
    pub fn is_refusal(&self) -> bool {
        match self {
            Answer::Closed => true,
            Answer::Http { status, body } => {
                *status != 200 && !body.replace(' ', "").contains(r#""resultStatus":"S""#)
            }
        }
    }

    /// The body's `resultStatus` (`"U"`), if it has one.
    pub fn result_status(&self) -> Option<&str> {
        match self {
            Answer::Closed => None,
            Answer::Http { body, .. } => body
                .split("\"resultStatus\":\"")
                .nth(1)
                .and_then(|rest| rest.get(..1)),
        }
    }

    /// `HTTP 401 resultStatus F`, or `connection closed`.
    pub fn describe(&self) -> String {
        match self {
            Answer::Closed => "connection closed".into(),
            Answer::Http { status, .. } => {
                let result = self
                    .result_status()
                    .map(|s| format!(" resultStatus {s}"))
                    .unwrap_or_default();
                format!("HTTP {status}{result}")
            }
        }
    }
}

/// An HTTP/1.1 request as raw bytes, asking the server to close the
/// connection after its answer. Header values are bytes: hostile ones need
/// not be text.
pub fn request(method: &str, path: &str, headers: &[(&str, &[u8])], body: &[u8]) -> Vec<u8> {
    let mut out = format!("{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n")
        .into_bytes();
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

/// `request` (such as the sandbox's `signed_notification`) as raw bytes, its
/// headers and body as they are, with a Content-Length.
pub fn from_request(request: &http::Request<Bytes>) -> Vec<u8> {
    let length = request.body().len().to_string();
    let mut headers: Vec<(&str, &[u8])> = request
        .headers()
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_bytes()))
        .collect();
    headers.push(("content-length", length.as_bytes()));
    self::request(
        request.method().as_str(),
        request.uri().path(),
        &headers,
        request.body(),
    )
}

/// Sends `request` (written concurrently, so a server that answers early and
/// closes does not block the test) and reads the answer until the server
/// closes. Panics if the server neither answers nor closes within [`HANG`].
pub async fn exchange(addr: SocketAddr, request: Arc<Vec<u8>>) -> Answer {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let write = tokio::spawn(async move {
        // A broken pipe here is the server refusing to read further.
        let _ = writer.write_all(&request).await;
        writer
    });
    let mut answer = Vec::new();
    let read = tokio::time::timeout(HANG, reader.read_to_end(&mut answer))
        .await
        .expect("the server hung: no answer and no close within 30 s");
    drop(write.await);
    if read.is_err() && answer.is_empty() {
        return Answer::Closed;
    }
    parse(&answer)
}

/// Connects, sends `head`, then dribbles `tail` one byte every `gap`; returns
/// what the server answered (or that it closed) and how many bytes of `tail`
/// it took. Panics if the server neither answers nor closes within [`HANG`].
pub async fn dribble(
    addr: SocketAddr,
    head: Vec<u8>,
    tail: Vec<u8>,
    gap: Duration,
) -> (Answer, usize) {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = sent.clone();
    let writer = tokio::spawn(async move {
        if writer.write_all(&head).await.is_err() {
            return;
        }
        for byte in tail {
            tokio::time::sleep(gap).await;
            if writer.write_all(&[byte]).await.is_err() {
                break;
            }
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    let mut answer = Vec::new();
    let read = tokio::time::timeout(HANG, reader.read_to_end(&mut answer))
        .await
        .expect("the server hung on a slow client");
    writer.abort();
    let sent = sent.load(Ordering::SeqCst);
    if read.is_err() && answer.is_empty() {
        return (Answer::Closed, sent);
    }
    (parse(&answer), sent)
}

/// An answer read until the close: its status and body, or `Closed` when it
/// does not start with an HTTP/1.1 status line.
pub fn parse(answer: &[u8]) -> Answer {
    let text = String::from_utf8_lossy(answer);
    let Some(status) = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
    else {
        return Answer::Closed;
    };
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    Answer::Http { status, body }
}

/// The offset of the body in a raw request: just after the blank line.
pub fn body_offset(request: &[u8]) -> usize {
    request.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4
}
