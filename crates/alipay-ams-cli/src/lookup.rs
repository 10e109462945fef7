//! Which payment or refund an inquiry or a cancel is about: Alipay's id or
//! yours (the request id, all you have after an unknown outcome).

use std::process::ExitCode;

use alipay_ams_client::Error;
use alipay_ams_core::ApiRequest;

use crate::connect::{self, Advice, ConnectionArgs};
use crate::failure::Failure;
use crate::input;
use crate::report::Report;

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

/// Sends an inquiry (`command`, found by `by`) and prints its verified
/// reply: the exact bytes with `--json`, else `report` of it. A failure
/// exits as every command does; "not found" by a request id says that the
/// `movement` under it may be sent again under the same id.
pub fn inquire<R: ApiRequest>(
    command: &str,
    movement: &str,
    by: &Lookup,
    connection: &ConnectionArgs,
    json: bool,
    request: &R,
    report: impl Fn(&R::Response) -> Report,
) -> Result<ExitCode, Failure> {
    request.validate().map_err(|e| input::invalid(&e))?;
    let client = connection.client()?;
    match connect::runtime()?.block_on(client.execute_verified(request)) {
        Ok(verified) => {
            connect::print_reply(verified.raw_body(), json, || report(verified.response()));
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => connect::exit_for(
            &error,
            &Advice {
                same_request: &by.flags(),
                nothing_done: "nothing was asked",
                settle: Some(format!(
                    "alipay-ams {command} {}{}",
                    by.flags(),
                    connection.replay()
                )),
                failed_hint: not_found_hint(&error, by, movement),
                print_failed_body: json,
            },
        ),
    }
}
