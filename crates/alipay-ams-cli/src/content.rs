//! The parts of a signed message as `sign` and `verify` take them from flags.

use std::ffi::OsString;
use std::path::PathBuf;

use alipay_ams_core::Message;

use crate::failure::Failure;

/// The flags `sign` and `verify` share: what was signed.
#[derive(clap::Args, Debug)]
pub struct MessageArgs {
    /// the Client-Id header value (client-id for
    /// responses and notifications)
    #[arg(verbatim_doc_comment, long = "client-id", value_name = "ID")]
    client_id: String,
    /// the path of the request, e.g.
    /// /ams/api/v1/payments/capture (sandbox:
    /// /ams/sandbox/api/v1/payments/capture)
    #[arg(verbatim_doc_comment, long, value_name = "PATH")]
    path: String,
    /// the Request-Time (or response-time) header
    /// value, verbatim, e.g. 1685599933871
    #[arg(verbatim_doc_comment, long, value_name = "TIME")]
    time: String,
    /// the body, read as exact bytes (a trailing
    /// newline or CRLF in the file is part of the body)
    #[arg(verbatim_doc_comment, long = "body-file", value_name = "FILE")]
    body_file: Option<PathBuf>,
    /// the body given on the command line, as exact bytes
    #[arg(long, value_name = "TEXT")]
    body: Option<OsString>,
    /// the HTTP method [default: POST]
    #[arg(long, value_name = "METHOD")]
    method: Option<String>,
}

/// Method, path, client id, time and the exact body bytes.
pub struct Parts {
    pub method: String,
    pub path: String,
    pub client_id: String,
    pub time: String,
    pub body: Vec<u8>,
}

impl Parts {
    /// Reads the shared flags of `command`. The body comes from exactly one
    /// of `--body-file` (the file's exact bytes) and `--body` (the
    /// argument's exact bytes).
    pub fn from_args(args: &MessageArgs, command: &'static str) -> Result<Self, Failure> {
        let usage = |message: String| Failure::usage(Some(command), message);
        let method = args.method.clone().unwrap_or_else(|| "POST".to_owned());
        if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(usage(format!(
                "--method {method:?} is not an HTTP method in capitals; Alipay AMS signs `POST`"
            )));
        }
        let path = header_value(&args.path, "path").map_err(usage)?;
        if !path.starts_with('/') {
            return Err(usage(format!(
                "--path {path:?} must be the path only, starting with `/` (for https://host/ams/api/v1/payments/capture pass /ams/api/v1/payments/capture)"
            )));
        }
        let client_id = header_value(&args.client_id, "client-id").map_err(usage)?;
        let time = header_value(&args.time, "time").map_err(usage)?;
        let body = match (&args.body_file, &args.body) {
            (Some(_), Some(_)) => {
                return Err(usage(
                    "pass either --body-file or --body, not both".to_owned(),
                ));
            }
            (None, None) => {
                return Err(usage(
                    "missing the body: pass --body-file FILE or --body TEXT".to_owned(),
                ));
            }
            (Some(file), None) => {
                if file.as_os_str().is_empty() {
                    return Err(usage("--body-file is empty: pass a file path".to_owned()));
                }
                std::fs::read(file).map_err(|e| {
                    Failure::Input(format!(
                        "--body-file {}: could not read it: {e}",
                        file.display()
                    ))
                })?
            }
            (None, Some(text)) => {
                os_bytes(text).ok_or_else(|| usage("--body is not valid UTF-8 text".to_owned()))?
            }
        };
        Ok(Parts {
            method,
            path,
            client_id,
            time,
            body,
        })
    }

    /// The message these parts describe.
    pub fn message(&self) -> Message<'_> {
        Message::new(
            &self.method,
            &self.path,
            &self.client_id,
            &self.time,
            &self.body,
        )
    }
}

/// A header-like value: signed verbatim, so it must be what an HTTP header can
/// carry unchanged (no surrounding spaces, no line breaks), and not empty.
fn header_value(value: &str, name: &str) -> Result<String, String> {
    if value.is_empty() {
        return Err(format!("--{name} is empty"));
    }
    if value.trim() != value {
        return Err(format!(
            "--{name} {value:?} has leading or trailing spaces; HTTP drops them from header values, so the signature would never match: remove them"
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(format!(
            "--{name} {value:?} contains a line break or control character, which a header value cannot carry"
        ));
    }
    Ok(value.to_owned())
}

/// The raw bytes of an argument, exactly as the operating system passed them.
#[cfg(unix)]
fn os_bytes(raw: &OsString) -> Option<Vec<u8>> {
    use std::os::unix::ffi::OsStrExt;
    Some(raw.as_bytes().to_vec())
}

#[cfg(not(unix))]
fn os_bytes(raw: &OsString) -> Option<Vec<u8>> {
    raw.to_str().map(|s| s.as_bytes().to_vec())
}
