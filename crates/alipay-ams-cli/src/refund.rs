//! `alipay-ams refund`: all or part of a paid payment back to the buyer.
//! The refundRequestId is printed before anything is sent, so an
//! interrupted run can always be settled or retried under it.

use std::process::ExitCode;

use alipay_ams_api::payments::{RefundRequest, RefundResponse};
use alipay_ams_client::Error;
use alipay_ams_core::{ApiRequest, ResultStatus, check_text};

use crate::connect::{self, Advice, ConnectionArgs};
use crate::failure::Failure;
use crate::input;
use crate::report::Report;

/// `alipay-ams refund`'s flags.
#[derive(clap::Args, Debug)]
#[command(next_help_heading = "Refund")]
pub struct RefundArgs {
    /// Alipay's paymentId of the payment to refund
    #[arg(long = "payment-id", value_name = "ID")]
    payment_id: Option<String>,
    /// the amount to refund in minor units, as on the
    /// wire: 1000 is USD 10.00, JPY 1000
    #[arg(verbatim_doc_comment, long, value_name = "VALUE")]
    amount: Option<String>,
    /// the payment's 3-letter ISO 4217 currency, e.g. USD
    #[arg(long, value_name = "CUR")]
    currency: Option<String>,
    /// your id for this refund (1-64 characters); reuse
    /// it to retry the same refund. Generated when
    /// absent and printed to stderr
    #[arg(verbatim_doc_comment, long = "refund-request-id", value_name = "ID")]
    refund_request_id: Option<String>,
    /// why, shown to the buyer (refundReason)
    #[arg(long, value_name = "TEXT")]
    reason: Option<String>,
    /// where Alipay sends notifyRefund for an
    /// asynchronous refund (refundNotifyUrl); default:
    /// the URL set in the Antom Dashboard
    #[arg(verbatim_doc_comment, long = "notify-url", value_name = "URL")]
    notify_url: Option<String>,
    /// which capture to refund, when the payment has
    /// several (captureId)
    #[arg(verbatim_doc_comment, long = "capture-id", value_name = "ID")]
    capture_id: Option<String>,
    /// your own reference for this refund
    /// (referenceRefundId)
    #[arg(verbatim_doc_comment, long, value_name = "ID")]
    reference: Option<String>,
    /// print the verified reply JSON (exactly as
    /// received) instead of the summary
    #[arg(verbatim_doc_comment, long)]
    json: bool,
    #[command(flatten)]
    connection: ConnectionArgs,
}

/// Runs `refund`.
pub fn run(args: RefundArgs) -> Result<ExitCode, Failure> {
    connect::require(
        "refund",
        &args.connection,
        &[
            ("--payment-id", args.payment_id.is_some()),
            ("--amount", args.amount.is_some()),
            ("--currency", args.currency.is_some()),
        ],
    )?;
    let (request, generated) = refund_request(&args)?;
    let client = args.connection.client()?;
    let id = request.refund_request_id.clone();
    if generated {
        input::announce("refund request id", "refund", "--refund-request-id", &id);
    }
    let inquire = format!(
        "alipay-ams inquire-refund --refund-request-id {}{}",
        connect::shell_word(&id),
        args.connection.replay()
    );
    match connect::runtime()?.block_on(client.execute_verified(&request)) {
        Ok(verified) => {
            let reply = verified.response();
            connect::print_reply(verified.raw_body(), args.json, || report(reply, &inquire));
            eprintln!(
                "{} (refundId {}) after {} attempt(s)",
                match reply.result.result_status {
                    ResultStatus::Success => "refunded (S)",
                    _ => "refund accepted, processing (REFUND_IN_PROCESS)",
                },
                reply.refund_id,
                verified.attempts()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => connect::exit_for(
            &error,
            &Advice {
                same_request: &format!("--refund-request-id {id}"),
                nothing_done: "nothing was refunded",
                settle: Some(format!(
                    "{inquire} (a refund not found there may still be on its way: the same refund, with --refund-request-id {id}, is safe)"
                )),
                failed_hint: failed_hint(&error, &request, &args),
                print_failed_body: args.json,
            },
        ),
    }
}

/// The request from the flags, and whether its id was generated. Everything
/// Alipay would refuse is refused here, before a key is read.
fn refund_request(args: &RefundArgs) -> Result<(RefundRequest, bool), Failure> {
    let payment_id = input::id(
        "--payment-id",
        args.payment_id.as_deref().unwrap_or_default(),
    )?;
    let amount = input::amount(
        args.currency.as_deref().unwrap_or_default(),
        args.amount.as_deref().unwrap_or_default(),
    )?;
    let (id, generated) = input::key(
        "--refund-request-id",
        args.refund_request_id.as_deref(),
        "ref",
    )?;
    let mut request = RefundRequest::new(id, payment_id, amount);
    if let Some(reason) = &args.reason {
        check_text("--reason", reason, 256).map_err(|e| input::invalid(&e))?;
        request = request.with_refund_reason(reason.clone());
    }
    if let Some(url) = &args.notify_url {
        request = request.with_refund_notify_url(url.clone());
    }
    if let Some(capture) = &args.capture_id {
        request = request.with_capture_id(input::id("--capture-id", capture)?);
    }
    if let Some(reference) = &args.reference {
        request = request.with_reference_refund_id(input::id("--reference", reference)?);
    }
    request.validate().map_err(|e| input::invalid(&e))?;
    Ok((request, generated))
}

fn report(reply: &RefundResponse, inquire: &str) -> Report {
    let code = &reply.result.result_code;
    let (mut report, next) = match reply.result.result_status {
        ResultStatus::Success => (
            Report::status("REFUNDED", &format!("S {code}")),
            "nothing: a refund that answers S at once gets no notifyRefund".to_owned(),
        ),
        _ => (
            Report::status(
                "PROCESSING",
                &format!("U {code}: accepted, refunded asynchronously; not final yet"),
            ),
            format!("wait for notifyRefund, or run: {inquire}"),
        ),
    };
    report
        .row("refundId", reply.refund_id.clone())
        .row("refundRequestId", reply.refund_request_id.clone())
        .row("paymentId", reply.payment_id.clone())
        .row("amount", input::show_amount(&reply.refund_amount))
        .opt("refunded", reply.refund_time.clone())
        .row("next", next);
    report
}

/// What to do after the refusals that have a next step.
fn failed_hint(error: &Error, request: &RefundRequest, args: &RefundArgs) -> Option<String> {
    let Error::Failed(failed) = error else {
        return None;
    };
    let inquire = format!(
        "alipay-ams inquire-payment --payment-id {}{}",
        connect::shell_word(&request.payment_id),
        args.connection.replay()
    );
    match failed.result().result_code.as_str() {
        "REFUND_AMOUNT_EXCEED" => Some(format!(
            "more than is left to refund (or less than the method's minimum): {inquire} lists \
             what was paid, captured and refunded"
        )),
        "ORDER_STATUS_INVALID" => Some(format!(
            "the payment cannot be refunded in its state (a card authorization not captured yet: \
             cancel it instead; a dispute is open): see {inquire}"
        )),
        _ => None,
    }
}
