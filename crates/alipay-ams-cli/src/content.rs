//! The parts of a signed message as `sign` and `verify` take them from flags.

use alipay_ams_core::Message;

use crate::args::Args;
use crate::failure::Failure;

/// Method, path, client id, time and the exact body bytes.
pub struct Parts {
    pub method: String,
    pub path: String,
    pub client_id: String,
    pub time: String,
    pub body: Vec<u8>,
}

impl Parts {
    /// Reads the shared flags. The body comes from exactly one of `--body-file`
    /// (the file's exact bytes) and `--body` (the argument's exact bytes).
    pub fn from_args(args: &Args) -> Result<Self, Failure> {
        let method = args.text("method")?.unwrap_or_else(|| "POST".to_owned());
        if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(args.usage_error(format!(
                "--method {method:?} is not an HTTP method in capitals; Alipay AMS signs `POST`"
            )));
        }
        let path = header_value(args, "path")?;
        if !path.starts_with('/') {
            return Err(args.usage_error(format!(
                "--path {path:?} must be the path only, starting with `/` (for https://host/ams/api/v1/payments/capture pass /ams/api/v1/payments/capture)"
            )));
        }
        let client_id = header_value(args, "client-id")?;
        let time = header_value(args, "time")?;
        let body = match (args.has("body-file"), args.has("body")) {
            (true, true) => {
                return Err(
                    args.usage_error("pass either --body-file or --body, not both".to_owned())
                );
            }
            (false, false) => {
                return Err(args.usage_error(
                    "missing the body: pass --body-file FILE or --body TEXT".to_owned(),
                ));
            }
            (true, false) => {
                let file = args.required_path("body-file")?;
                std::fs::read(&file).map_err(|e| {
                    Failure::Input(format!(
                        "--body-file {}: could not read it: {e}",
                        file.display()
                    ))
                })?
            }
            (false, true) => args.bytes("body")?.unwrap_or_default(),
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
fn header_value(args: &Args, name: &str) -> Result<String, Failure> {
    let value = args.required_text(name)?;
    if value.is_empty() {
        return Err(args.usage_error(format!("--{name} is empty")));
    }
    if value.trim() != value {
        return Err(args.usage_error(format!(
            "--{name} {value:?} has leading or trailing spaces; HTTP drops them from header values, so the signature would never match: remove them"
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(args.usage_error(format!(
            "--{name} {value:?} contains a line break or control character, which a header value cannot carry"
        )));
    }
    Ok(value)
}
