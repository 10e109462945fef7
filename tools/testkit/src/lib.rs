//! The one raw HTTP/1.1 client of the alipay-ams tests (dev-only, never
//! published).
//!
//! # Why requests are written by hand
//!
//! The hostile tests send what no HTTP library will: two conflicting
//! `Content-Length` headers, `Transfer-Encoding` beside `Content-Length`,
//! header values that are not UTF-8, 500-header floods, a `Content-Length`
//! of 10 GB with no body behind it, bodies dribbled one byte at a time, a
//! request target in absolute form. hyper and reqwest validate header
//! values and compute the framing themselves, so they cannot write these
//! bytes. Here a request is a `Vec<u8>` written on a plain TCP stream, and
//! the answer is parsed from the bytes the server sent.
//!
//! # What it does
//!
//! - [`request`] writes the exact bytes asked for (no framing added);
//!   [`request_with`] adds the framing of a [`Payload`] (sized, chunked, or
//!   announced but absent); [`from_request`] writes an `http::Request<Bytes>`
//!   such as the sandbox's `signed_notification`.
//! - [`exchange`] sends a request on a new connection while reading the
//!   reply, so a server that answers early (413 while the body is still
//!   being written) is seen, and reads until the reply is complete by its
//!   framing (`Content-Length`, chunked, or the close) or the server closes.
//!   [`dribble`] and [`try_paced`] are slow clients: the request in pieces
//!   with pauses between them. [`hold`] sends part of a request and keeps
//!   the connection open ([`Held`]) to see when the server gives up on it.
//! - [`Answer`] is a [`Response`] (status, headers, de-chunked body) or
//!   [`Answer::Closed`], with what the hostile tests ask of it:
//!   [`Answer::is_refusal`], [`Answer::result_status`], [`Answer::describe`].
//! - Nothing waits forever: a server that neither answers nor closes within
//!   [`HANG`] fails the test with a message saying so ([`try_exchange`]
//!   takes the deadline and returns the [`ExchangeError`] instead).
//!
//! It is a dev-dependency of the crates' tests only (`publish = false`):
//! `cargo package` drops it from the published manifests, which is fine
//! because the published crates build their library, not these tests.
//!
//! # Example
//!
//! ```no_run
//! # async fn run() {
//! use alipay_ams_testkit::{Answer, exchange, request};
//!
//! let addr = "127.0.0.1:8080".parse().unwrap();
//! // Two Content-Length headers that disagree: no library sends this.
//! let hostile = request(
//!     "POST",
//!     "/alipay/notify",
//!     &[("content-length", b"5"), ("content-length", b"7")],
//!     b"{}{}{}{",
//! );
//! let answer = exchange(addr, &hostile).await;
//! assert!(answer.is_refusal(), "{}", answer.describe());
//! if let Answer::Http(response) = &answer {
//!     println!("HTTP {}: {}", response.status, response.text());
//! }
//! # }
//! ```

mod exchange;
mod held;
mod parse;
mod request;
mod response;

pub use exchange::{ExchangeError, HANG, dribble, exchange, try_exchange, try_paced};
pub use held::{Held, hold};
pub use parse::parse;
pub use request::{CHUNK, Payload, body_offset, chunked, from_request, request, request_with};
pub use response::{Answer, Response};
