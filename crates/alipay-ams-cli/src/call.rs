//! `alipay-ams call`: any API from a JSON file. The body is parsed into the
//! API's typed request and checked before anything is sent; the typed body
//! is what is signed and sent; the verified reply is parsed into the typed
//! response and printed as JSON.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::process::ExitCode;

use alipay_ams_api::catalog::{OPERATIONS, visit_operation};
use alipay_ams_api::{OperationVisitor, Transport};
use alipay_ams_client::Client;
use alipay_ams_core::ApiRequest;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::connect::{self, Advice, ConnectionArgs};
use crate::failure::Failure;

/// `alipay-ams call`'s flags.
#[derive(clap::Args, Debug)]
#[command(next_help_heading = "Call")]
pub struct CallArgs {
    /// the API's production path, as `alipay-ams apis`
    /// prints it, e.g.
    /// /ams/api/v1/payments/inquiryPayment
    #[arg(verbatim_doc_comment, long, value_name = "PATH")]
    api: Option<String>,
    /// the request body, JSON
    #[arg(long = "body-file", value_name = "FILE")]
    body_file: Option<PathBuf>,
    #[command(flatten)]
    connection: ConnectionArgs,
}

type Outcome = Pin<Box<dyn Future<Output = Result<ExitCode, Failure>>>>;

/// Sends the request of one API, chosen at run time by its path.
struct Send {
    client: Client,
    body: Vec<u8>,
}

impl OperationVisitor for Send {
    type Output = Result<Outcome, Failure>;

    fn visit<R>(self) -> Self::Output
    where
        R: ApiRequest + DeserializeOwned + std::marker::Send + 'static,
        R::Response: Serialize + Sync,
    {
        let invalid = |e: &dyn std::fmt::Display| {
            Failure::Input(format!("--body-file: {e}; nothing was sent"))
        };
        let request: R = serde_json::from_slice(&self.body)
            .map_err(|e| invalid(&format!("not a valid {} request: {e}", R::NAME)))?;
        request
            .validate()
            .map_err(|e| invalid(&format!("{} (field {})", e, e.path())))?;
        let client = self.client;
        Ok(Box::pin(async move {
            match client.execute_verified(&request).await {
                Ok(verified) => {
                    let typed = serde_json::to_vec(verified.response()).map_err(|e| {
                        Failure::Input(format!("could not print the verified reply: {e}"))
                    })?;
                    connect::print_json(&typed);
                    eprintln!(
                        "{} succeeded (S) after {} attempt(s)",
                        R::NAME,
                        verified.attempts()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(error) => {
                    let same = match (R::IDEMPOTENCY_FIELD, request.idempotency_key()) {
                        (Some(field), Some(key)) => format!("--body-file ({field} {key})"),
                        _ => "--body-file".to_owned(),
                    };
                    connect::exit_for(
                        &error,
                        &Advice {
                            same_request: &same,
                            nothing_done: "nothing happened",
                            settle: None,
                            failed_hint: None,
                            print_failed_body: true,
                        },
                    )
                }
            }
        }))
    }
}

/// Runs `call`.
pub fn run(args: CallArgs) -> Result<ExitCode, Failure> {
    connect::require(
        "call",
        &args.connection,
        &[
            ("--api", args.api.is_some()),
            ("--body-file", args.body_file.is_some()),
        ],
    )?;
    let api = args.api.unwrap_or_default();
    let Some(op) = OPERATIONS.iter().find(|op| op.path == api) else {
        let hint = if api.starts_with("/ams/sandbox/") {
            "give the production path (/ams/api/...); a SANDBOX_ client id calls the sandbox form itself"
        } else {
            "`alipay-ams apis` lists every path"
        };
        return Err(Failure::Input(format!(
            "--api {api:?} is not an API this version knows: {hint}; nothing was sent"
        )));
    };
    if op.transport != Transport::Json {
        return Err(Failure::Input(format!(
            "--api {api}: {} is not sent as signed JSON ({:?}), which `call` does not do; nothing was sent",
            op.name, op.transport
        )));
    }
    let file = args.body_file.unwrap_or_default();
    if file.as_os_str().is_empty() {
        return Err(Failure::usage(
            Some("call"),
            "--body-file is empty: pass a file path",
        ));
    }
    let body = std::fs::read(&file).map_err(|e| {
        Failure::Input(format!(
            "--body-file {}: could not read it: {e}; nothing was sent",
            file.display()
        ))
    })?;
    let client = args.connection.client()?;
    let call = visit_operation(op.path, Send { client, body }).ok_or_else(|| {
        Failure::Input(format!("--api {api}: no request type; nothing was sent"))
    })??;
    connect::runtime()?.block_on(call)
}
