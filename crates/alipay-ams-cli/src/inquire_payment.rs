//! `alipay-ams inquire-payment`: a payment's state and every transaction on
//! it, the command that settles any unknown pay, capture or cancel.

use std::process::ExitCode;

use alipay_ams_api::models::TransactionStatusType;
use alipay_ams_api::payments::{InquiryPaymentRequest, InquiryPaymentResponse};

use crate::connect::ConnectionArgs;
use crate::failure::Failure;
use crate::input;
use crate::lookup::{self, Lookup};
use crate::report::{Report, Table};

/// `alipay-ams inquire-payment`'s flags.
#[derive(clap::Args, Debug)]
#[command(next_help_heading = "Payment")]
pub struct InquirePaymentArgs {
    /// Alipay's paymentId
    #[arg(long = "payment-id", value_name = "ID")]
    payment_id: Option<String>,
    /// your paymentRequestId (all you have after a pay
    /// whose outcome is unknown)
    #[arg(verbatim_doc_comment, long = "payment-request-id", value_name = "ID")]
    payment_request_id: Option<String>,
    /// print the verified reply JSON (exactly as
    /// received) instead of the summary
    #[arg(verbatim_doc_comment, long)]
    json: bool,
    #[command(flatten)]
    connection: ConnectionArgs,
}

/// Runs `inquire-payment`.
pub fn run(args: InquirePaymentArgs) -> Result<ExitCode, Failure> {
    let by = Lookup::payment(
        "inquire-payment",
        &args.connection,
        args.payment_id.as_deref(),
        args.payment_request_id.as_deref(),
    )?;
    let mut request = InquiryPaymentRequest::new();
    if let Some(id) = &by.id {
        request = request.with_payment_id(id.clone());
    }
    if let Some(id) = &by.request_id {
        request = request.with_payment_request_id(id.clone());
    }
    lookup::inquire(
        "inquire-payment",
        "pay",
        &by,
        &args.connection,
        args.json,
        &request,
        report,
    )
}

/// What the inquiry says, and what it means for the order.
fn report(reply: &InquiryPaymentResponse) -> Report {
    let status = reply.payment_status.as_str();
    let meaning = match &reply.payment_status {
        TransactionStatusType::Success => {
            "paid; a card is authorized: a CAPTURE SUCCESS below means the money moved"
        }
        TransactionStatusType::Fail => "failed: final; a new attempt needs a new pay",
        TransactionStatusType::Processing => {
            "not paid yet: waiting for the buyer or in progress; wait for notifyPayment"
        }
        TransactionStatusType::Pending => {
            "the buyer has finished, the final result is still to come: do not cancel, wait"
        }
        TransactionStatusType::Cancelled => "cancelled: final",
        _ => "a status this version does not know: read it in the Antom documentation",
    };
    let mut report = Report::status(status, meaning);
    report
        .row("paymentId", reply.payment_id.clone())
        .row("paymentRequestId", reply.payment_request_id.clone())
        .row("amount", input::show_amount(&reply.payment_amount))
        .opt("method", reply.payment_method_type.clone())
        .opt(
            "result",
            reply
                .payment_result_code
                .as_ref()
                .map(|code| match &reply.payment_result_message {
                    Some(message) => format!("{code}: {message}"),
                    None => code.clone(),
                }),
        )
        .opt("created", reply.payment_create_time.clone())
        .opt("paid", reply.payment_time.clone())
        .opt("authExpiry", reply.auth_expiry_time.clone());
    let transactions = reply.transactions.as_deref().unwrap_or_default();
    let mut table = Table::new(
        format!("transactions ({}):", transactions.len()),
        vec![
            "TYPE",
            "STATUS",
            "AMOUNT",
            "REQUEST ID",
            "ID",
            "TIME",
            "RESULT",
        ],
    );
    for t in transactions {
        table.push(vec![
            t.transaction_type
                .as_ref()
                .map(|v| v.as_str().to_owned())
                .unwrap_or_default(),
            t.transaction_status
                .as_ref()
                .map(|v| v.as_str().to_owned())
                .unwrap_or_default(),
            t.transaction_amount
                .as_ref()
                .map(input::show_amount)
                .unwrap_or_default(),
            t.transaction_request_id.clone().unwrap_or_default(),
            t.transaction_id.clone().unwrap_or_default(),
            t.transaction_time.clone().unwrap_or_default(),
            t.transaction_result
                .as_ref()
                .map(|r| format!("{} {}", r.result_status, r.result_code))
                .unwrap_or_default(),
        ]);
    }
    report.table(table);
    report
}
