//! Reading an HTTP/1.1 response out of the bytes received so far.

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, TRANSFER_ENCODING};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};

use crate::response::{Answer, Response};

/// Where a parse of the bytes received so far stands.
#[derive(Debug)]
pub(crate) enum Parsed {
    /// A whole response.
    Complete(Response),
    /// More bytes are needed.
    Incomplete,
    /// Not an HTTP/1.1 response; the reason.
    Invalid(String),
}

/// The reply in `raw`, all the bytes a server sent before it closed:
/// [`Answer::Closed`] if there are none, the response otherwise (its body
/// framed by the headers, or cut short by the close), or why `raw` is not an
/// HTTP/1.1 response. `head_only` is for the reply to a `HEAD` request,
/// which has no body whatever its headers say.
pub fn parse(raw: &[u8], head_only: bool) -> Result<Answer, String> {
    if raw.is_empty() {
        return Ok(Answer::Closed);
    }
    match step(raw, head_only, true) {
        Parsed::Complete(response) => Ok(Answer::Http(response)),
        Parsed::Incomplete => Err("the connection closed inside the reply's head".into()),
        Parsed::Invalid(reason) => Err(reason),
    }
}

/// One look at `raw`. At `eof` nothing more will come: a body framed by
/// the close ends here, and a framed body cut short is kept as it is.
pub(crate) fn step(raw: &[u8], head_only: bool, eof: bool) -> Parsed {
    let mut rest = raw;
    loop {
        let Some(end) = find(rest, b"\r\n\r\n") else {
            return Parsed::Incomplete;
        };
        let (head, after) = (rest.get(..end).unwrap_or_default(), rest.get(end + 4..));
        let after = after.unwrap_or_default();
        let (status, headers) = match parse_head(head) {
            Ok(parsed) => parsed,
            Err(reason) => return Parsed::Invalid(reason),
        };
        // 100 Continue and other interim replies come before the real one.
        if status.is_informational() && status != StatusCode::SWITCHING_PROTOCOLS {
            rest = after;
            continue;
        }
        let bodiless =
            head_only || status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED;
        let body = if bodiless {
            Some(Vec::new())
        } else if is_chunked(&headers) {
            match dechunk(after, eof) {
                Ok(body) => body,
                Err(reason) => return Parsed::Invalid(reason),
            }
        } else if let Some(length) = headers.get(CONTENT_LENGTH) {
            let Some(length) = length
                .to_str()
                .ok()
                .and_then(|length| length.trim().parse::<usize>().ok())
            else {
                return Parsed::Invalid(format!("a Content-Length that is not a size: {length:?}"));
            };
            match after.get(..length) {
                Some(body) => Some(body.to_vec()),
                None if eof => Some(after.to_vec()),
                None => None,
            }
        } else if eof {
            Some(after.to_vec())
        } else {
            None
        };
        return match body {
            Some(body) => Parsed::Complete(Response {
                status,
                headers,
                body: Bytes::from(body),
            }),
            None => Parsed::Incomplete,
        };
    }
}

fn parse_head(head: &[u8]) -> Result<(StatusCode, HeaderMap), String> {
    let text = std::str::from_utf8(head)
        .map_err(|_| format!("a reply head that is not text: {}", excerpt(head)))?;
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .strip_prefix("HTTP/1.1 ")
        .or_else(|| status_line.strip_prefix("HTTP/1.0 "))
        .and_then(|rest| rest.get(..3))
        .and_then(|code| StatusCode::from_bytes(code.as_bytes()).ok())
        .ok_or_else(|| format!("not an HTTP/1.x status line: {status_line:?}"))?;
    let mut headers = HeaderMap::new();
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("a header line without a colon: {line:?}"))?;
        let name = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| format!("an invalid header name: {name:?}"))?;
        let value = HeaderValue::from_str(value.trim())
            .map_err(|_| format!("an invalid value of {name}: {value:?}"))?;
        headers.append(name, value);
    }
    Ok((status, headers))
}

fn is_chunked(headers: &HeaderMap) -> bool {
    headers.get_all(TRANSFER_ENCODING).iter().any(|value| {
        value
            .to_str()
            .is_ok_and(|value| value.to_ascii_lowercase().contains("chunked"))
    })
}

/// The chunks of `raw` joined, `None` while the last chunk has not come
/// (at `eof`, the chunks that did come).
fn dechunk(mut raw: &[u8], eof: bool) -> Result<Option<Vec<u8>>, String> {
    let mut body = Vec::new();
    loop {
        let Some(line_end) = find(raw, b"\r\n") else {
            return Ok(eof.then_some(body));
        };
        let line = std::str::from_utf8(raw.get(..line_end).unwrap_or_default())
            .map_err(|_| "a chunk size line that is not text".to_owned())?;
        // Chunk extensions (`;name=value`) carry nothing these tests read.
        let size = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size, 16)
            .map_err(|_| format!("a chunk size that is not hexadecimal: {line:?}"))?;
        let data = raw.get(line_end + 2..).unwrap_or_default();
        if size == 0 {
            // The last chunk; trailers, if any, are not kept.
            return Ok(Some(body));
        }
        match data.get(..size) {
            Some(chunk) => body.extend_from_slice(chunk),
            None if eof => {
                body.extend_from_slice(data);
                return Ok(Some(body));
            }
            None => return Ok(None),
        }
        raw = data.get(size + 2..).unwrap_or_default();
        if data.len() < size + 2 && !eof {
            return Ok(None);
        }
    }
}

pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// The first bytes of `raw`, for an error message.
pub(crate) fn excerpt(raw: &[u8]) -> String {
    let shown = raw.get(..200).unwrap_or(raw);
    format!("{:?} ({} bytes)", String::from_utf8_lossy(shown), raw.len())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;

    fn complete(raw: &[u8]) -> Response {
        match step(raw, false, false) {
            Parsed::Complete(response) => response,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn content_length_frames_the_body_and_waits_for_all_of_it() {
        let raw = b"HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\nhello";
        let response = complete(raw);
        assert_eq!(response.status, 401);
        assert_eq!(response.header("content-type"), Some("application/json"));
        assert_eq!(response.body, "hello");
        let cut = &raw[..raw.len() - 2];
        assert!(matches!(step(cut, false, false), Parsed::Incomplete));
        // At the close, what came is kept.
        assert!(matches!(step(cut, false, true), Parsed::Complete(r) if r.body == "hel"));
        // Bytes after the body (a next response) are not part of it.
        assert_eq!(
            complete(&[&raw[..], b"HTTP/1.1 200"].concat()).body,
            "hello"
        );
    }

    #[test]
    fn chunked_bodies_are_joined_in_pieces_of_any_size() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1;x=y\r\n!\r\n0\r\n\r\n";
        assert_eq!(complete(raw).body, "hello!");
        for cut in 45..raw.len() - 5 {
            assert!(
                matches!(step(&raw[..cut], false, false), Parsed::Incomplete),
                "complete at {cut}"
            );
        }
        let bad = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
        assert!(matches!(step(bad, false, false), Parsed::Invalid(_)));
    }

    #[test]
    fn interim_replies_are_skipped_and_some_replies_have_no_body() {
        let raw = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n";
        assert_eq!(complete(raw).status, 204);
        let head = b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n";
        assert!(matches!(step(head, true, false), Parsed::Complete(r) if r.body.is_empty()));
    }

    #[test]
    fn without_framing_the_body_ends_at_the_close() {
        let raw = b"HTTP/1.0 200 OK\r\n\r\nuntil the end";
        assert!(matches!(step(raw, false, false), Parsed::Incomplete));
        assert!(matches!(step(raw, false, true), Parsed::Complete(r) if r.body == "until the end"));
    }

    #[test]
    fn what_is_not_a_reply_says_why() {
        assert!(matches!(parse(b"", false), Ok(Answer::Closed)));
        assert!(
            parse(b"SSH-2.0-OpenSSH\r\n\r\n", false)
                .unwrap_err()
                .contains("status line")
        );
        assert!(parse(b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n", false).is_err());
        assert!(parse(b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", false).is_err());
        assert!(
            parse(b"HTTP/1.1 200 O", false)
                .unwrap_err()
                .contains("inside")
        );
    }
}
