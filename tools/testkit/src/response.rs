//! What a server sent back: a [`Response`], or nothing ([`Answer::Closed`]).

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

/// How much of a body `Debug` shows: enough to read a JSON refusal, not a
/// megabyte of echo.
const SHOWN: usize = 2048;

/// An HTTP/1.1 response as received: interim (1xx) responses skipped, the
/// body de-chunked.
#[derive(Clone)]
pub struct Response {
    /// The status of the final response.
    pub status: StatusCode,
    /// Its headers, in the order received (repeated names kept).
    pub headers: HeaderMap,
    /// Its body: `Content-Length` bytes, the chunks of a chunked body, or
    /// everything until the close. A reply cut short by the close keeps the
    /// bytes that arrived.
    pub body: Bytes,
}

impl Response {
    /// The first value of header `name` (any case), if it is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The body as text, invalid UTF-8 replaced.
    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// The body as JSON, or a panic that shows the body.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|error| panic!("the reply is not JSON ({error}): {self:?}"))
    }

    /// `result.resultStatus` of a JSON body (`"S"`, `"F"`, `"U"`), if it
    /// has one.
    pub fn result_status(&self) -> Option<String> {
        self.result_field("resultStatus")
    }

    /// `result.resultCode` of a JSON body, if it has one.
    pub fn result_code(&self) -> Option<String> {
        self.result_field("resultCode")
    }

    fn result_field(&self, field: &str) -> Option<String> {
        let json: serde_json::Value = serde_json::from_slice(&self.body).ok()?;
        json.get("result")?.get(field)?.as_str().map(str::to_owned)
    }
}

impl fmt::Debug for Response {
    // A test failure prints this: the body as text (cut at 2 KiB), since the
    // bodies of these tests are refusals and acknowledgements, never secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.text();
        let body = match text.char_indices().nth(SHOWN) {
            Some((cut, _)) => Cow::Owned(format!(
                "{}... <{} bytes>",
                text.get(..cut).unwrap_or_default(),
                self.body.len()
            )),
            None => text,
        };
        f.debug_struct("Response")
            .field("status", &self.status.as_u16())
            .field("headers", &self.headers)
            .field("body", &body)
            .finish()
    }
}

/// What the server did with a request.
#[derive(Clone, Debug)]
pub enum Answer {
    /// It answered.
    Http(Response),
    /// It closed (or reset) the connection without sending a byte.
    Closed,
}

impl Answer {
    /// The status code, if the server answered.
    pub fn status(&self) -> Option<u16> {
        self.response().map(|response| response.status.as_u16())
    }

    /// The response, if the server answered.
    pub fn response(&self) -> Option<&Response> {
        match self {
            Answer::Http(response) => Some(response),
            Answer::Closed => None,
        }
    }

    /// The response, or a panic saying the connection was closed instead.
    pub fn into_response(self) -> Response {
        match self {
            Answer::Http(response) => response,
            Answer::Closed => panic!("expected an HTTP reply, the server closed the connection"),
        }
    }

    /// Whether this is anything but an acknowledgement: a closed connection,
    /// or a non-200 answer whose body does not say `"resultStatus":"S"`.
    pub fn is_refusal(&self) -> bool {
        match self {
            Answer::Closed => true,
            Answer::Http(response) => {
                response.status != StatusCode::OK
                    && !response
                        .text()
                        .replace(' ', "")
                        .contains(r#""resultStatus":"S""#)
            }
        }
    }

    /// The body's `result.resultStatus`, if the server answered with one.
    pub fn result_status(&self) -> Option<String> {
        self.response().and_then(Response::result_status)
    }

    /// `HTTP 401 resultStatus F`, or `connection closed`: one line for a
    /// table of cases.
    pub fn describe(&self) -> String {
        match self {
            Answer::Closed => "connection closed".into(),
            Answer::Http(response) => {
                let result = response
                    .result_status()
                    .map(|status| format!(" resultStatus {status}"))
                    .unwrap_or_default();
                format!("HTTP {}{result}", response.status.as_u16())
            }
        }
    }
}
