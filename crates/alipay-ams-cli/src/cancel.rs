//! `alipay-ams cancel`: cancels an unpaid payment or releases an uncaptured
//! authorization. Sending the same cancel again is always safe.

use std::process::ExitCode;

use alipay_ams_api::payments::CancelRequest;
use alipay_ams_client::Error;
use alipay_ams_core::ApiRequest;

use crate::connect::{self, Advice, ConnectionArgs};
use crate::failure::Failure;
use crate::input;
use crate::lookup::Lookup;
use crate::report::Report;

/// `alipay-ams cancel`'s flags.
#[derive(clap::Args, Debug)]
#[command(next_help_heading = "Payment")]
pub struct CancelArgs {
    /// Alipay's paymentId of the payment to cancel
    #[arg(long = "payment-id", value_name = "ID")]
    payment_id: Option<String>,
    /// your paymentRequestId of the payment to cancel
    #[arg(long = "payment-request-id", value_name = "ID")]
    payment_request_id: Option<String>,
    /// print the verified reply JSON (exactly as
    /// received) instead of the summary
    #[arg(verbatim_doc_comment, long)]
    json: bool,
    #[command(flatten)]
    connection: ConnectionArgs,
}

/// Runs `cancel`.
pub fn run(args: CancelArgs) -> Result<ExitCode, Failure> {
    let by = Lookup::payment(
        "cancel",
        &args.connection,
        args.payment_id.as_deref(),
        args.payment_request_id.as_deref(),
    )?;
    let mut request = CancelRequest::new();
    if let Some(id) = &by.id {
        request = request.with_payment_id(id.clone());
    }
    if let Some(id) = &by.request_id {
        request = request.with_payment_request_id(id.clone());
    }
    request.validate().map_err(|e| input::invalid(&e))?;
    let client = args.connection.client()?;
    match connect::runtime()?.block_on(client.execute_verified(&request)) {
        Ok(verified) => {
            let reply = verified.response();
            if args.json {
                connect::print_json(verified.raw_body());
            } else {
                let mut report = Report::status(
                    "CANCELLED",
                    &format!(
                        "S {}: the buyer can no longer pay; held or paid funds go back",
                        reply.result.result_code
                    ),
                );
                report
                    .row("paymentId", reply.payment_id.clone())
                    .row("paymentRequestId", reply.payment_request_id.clone())
                    .opt("cancelled", reply.cancel_time.clone());
                report.print();
            }
            eprintln!("cancelled (S) after {} attempt(s)", verified.attempts());
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            let replay = args.connection.replay();
            connect::exit_for(
                &error,
                &Advice {
                    same_request: &by.flags(),
                    nothing_done: "nothing was cancelled",
                    settle: Some(format!(
                        "alipay-ams cancel {flags}{replay} (the same cancel again is safe), or alipay-ams inquire-payment {flags}{replay} (status CANCELLED means it was cancelled)",
                        flags = by.flags()
                    )),
                    failed_hint: failed_hint(&error, &by, &replay),
                    print_failed_body: args.json,
                },
            )
        }
    }
}

/// What to do after the refusals that have a next step.
fn failed_hint(error: &Error, by: &Lookup, replay: &str) -> Option<String> {
    let Error::Failed(failed) = error else {
        return None;
    };
    let inquire = format!("alipay-ams inquire-payment {}{replay}", by.flags());
    match failed.result().result_code.as_str() {
        "CANCEL_WINDOW_EXCEED" => Some(format!(
            "too late to cancel (or the payment was captured): refund it instead with \
             alipay-ams refund --payment-id ID --amount VALUE --currency CUR; {inquire} shows \
             what was paid and captured"
        )),
        "ORDER_STATUS_INVALID" => Some(format!(
            "the payment's state does not allow a cancel (already failed, or captured): see {inquire}"
        )),
        _ => None,
    }
}
