//! Which payment or refund an inquiry or a cancel is about: Alipay's id or
//! yours (the request id, all you have after an unknown outcome).

use alipay_ams_client::Error;

use crate::connect::{self, ConnectionArgs};
use crate::failure::Failure;
use crate::input;

/// Alipay's id, the merchant's request id, or both (Alipay's wins).
#[derive(Debug)]
pub struct Lookup {
    /// `paymentId` / `refundId`.
    pub id: Option<String>,
    /// `paymentRequestId` / `refundRequestId`.
    pub request_id: Option<String>,
    id_flag: &'static str,
    request_flag: &'static str,
}

impl Lookup {
    /// `--payment-id` and/or `--payment-request-id`, checked with the
    /// connection settings (everything missing is named at once).
    pub fn payment(
        command: &'static str,
        connection: &ConnectionArgs,
        id: Option<&str>,
        request_id: Option<&str>,
    ) -> Result<Self, Failure> {
        Self::new(
            command,
            connection,
            ("--payment-id", id),
            ("--payment-request-id", request_id),
        )
    }

    /// `--refund-id` and/or `--refund-request-id`.
    pub fn refund(
        command: &'static str,
        connection: &ConnectionArgs,
        id: Option<&str>,
        request_id: Option<&str>,
    ) -> Result<Self, Failure> {
        Self::new(
            command,
            connection,
            ("--refund-id", id),
            ("--refund-request-id", request_id),
        )
    }

    fn new(
        command: &'static str,
        connection: &ConnectionArgs,
        (id_flag, id): (&'static str, Option<&str>),
        (request_flag, request_id): (&'static str, Option<&str>),
    ) -> Result<Self, Failure> {
        let either = match id_flag {
            "--payment-id" => "--payment-id or --payment-request-id",
            _ => "--refund-id or --refund-request-id",
        };
        connect::require(
            command,
            connection,
            &[(either, id.is_some() || request_id.is_some())],
        )?;
        Ok(Lookup {
            id: id.map(|v| input::id(id_flag, v)).transpose()?,
            request_id: request_id.map(|v| input::id(request_flag, v)).transpose()?,
            id_flag,
            request_flag,
        })
    }

    /// The flags that name the same payment or refund again.
    pub fn flags(&self) -> String {
        let mut parts = Vec::new();
        if let Some(id) = &self.id {
            parts.push(format!("{} {}", self.id_flag, connect::shell_word(id)));
        }
        if let Some(id) = &self.request_id {
            parts.push(format!("{} {}", self.request_flag, connect::shell_word(id)));
        }
        parts.join(" ")
    }
}

/// What "not found" means when the lookup was by your request id: the
/// money movement under it may never have reached Alipay, or may still be
/// on its way; either way, sending it again under the SAME id is safe.
pub fn not_found_hint(error: &Error, by: &Lookup, movement: &str) -> Option<String> {
    let Error::Failed(failed) = error else {
        return None;
    };
    let code = failed.result().result_code.as_str();
    let not_found = code.contains("NOT_EXIST") || code.contains("NOT_FOUND");
    match (&by.request_id, not_found) {
        (Some(request_id), true) => Some(format!(
            "{code}: nothing under {} {request_id} (yet). If a {movement} under it timed out, it \
             never reached Alipay or is still on its way: sending the same {movement} again with \
             {} {request_id} is safe, and settles it; never send it under a new id",
            by.request_flag, by.request_flag
        )),
        _ => None,
    }
}
