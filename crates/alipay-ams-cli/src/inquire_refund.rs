//! `alipay-ams inquire-refund`: a refund's state, the command that settles
//! an unknown or asynchronous refund.

use std::process::ExitCode;

use alipay_ams_api::models::TransactionStatusType;
use alipay_ams_api::payments::{InquiryRefundRequest, InquiryRefundResponse};

use crate::connect::ConnectionArgs;
use crate::failure::Failure;
use crate::input;
use crate::lookup::{self, Lookup};
use crate::report::Report;

/// `alipay-ams inquire-refund`'s flags.
#[derive(clap::Args, Debug)]
#[command(next_help_heading = "Refund")]
pub struct InquireRefundArgs {
    /// Alipay's refundId
    #[arg(long = "refund-id", value_name = "ID")]
    refund_id: Option<String>,
    /// your refundRequestId (all you have after a
    /// refund whose outcome is unknown)
    #[arg(verbatim_doc_comment, long = "refund-request-id", value_name = "ID")]
    refund_request_id: Option<String>,
    /// print the verified reply JSON (exactly as
    /// received) instead of the summary
    #[arg(verbatim_doc_comment, long)]
    json: bool,
    #[command(flatten)]
    connection: ConnectionArgs,
}

/// Runs `inquire-refund`.
pub fn run(args: InquireRefundArgs) -> Result<ExitCode, Failure> {
    let by = Lookup::refund(
        "inquire-refund",
        &args.connection,
        args.refund_id.as_deref(),
        args.refund_request_id.as_deref(),
    )?;
    let mut request = InquiryRefundRequest::new();
    if let Some(id) = &by.id {
        request = request.with_refund_id(id.clone());
    }
    if let Some(id) = &by.request_id {
        request = request.with_refund_request_id(id.clone());
    }
    lookup::inquire(
        "inquire-refund",
        "refund",
        &by,
        &args.connection,
        args.json,
        &request,
        report,
    )
}

fn report(reply: &InquiryRefundResponse) -> Report {
    let meaning = match &reply.refund_status {
        TransactionStatusType::Success => "refunded: final",
        TransactionStatusType::Fail => "the refund failed: final; the money was not returned",
        TransactionStatusType::Processing => {
            "in progress: wait for notifyRefund, or ask again later"
        }
        _ => "a status this version does not know: read it in the Antom documentation",
    };
    let mut report = Report::status(reply.refund_status.as_str(), meaning);
    report
        .row("refundId", reply.refund_id.clone())
        .row("refundRequestId", reply.refund_request_id.clone())
        .row("amount", input::show_amount(&reply.refund_amount))
        .opt("refunded", reply.refund_time.clone());
    report
}
