//! `alipay-ams capture`: one capture through `alipay-ams-client`, with the
//! outcome as the exit code (0 S, 1 F, 3 unknown, 4 nothing reached Alipay,
//! 2 refused before sending).

use std::process::ExitCode;

use alipay_ams_api::payments::CaptureRequest;
use alipay_ams_core::ApiRequest;

use crate::connect::{self, Advice, ConnectionArgs};
use crate::failure::Failure;
use crate::input;

/// `alipay-ams capture`'s flags.
#[derive(clap::Args, Debug)]
#[command(next_help_heading = "Capture")]
pub struct CaptureArgs {
    /// Alipay's paymentId of the authorized payment
    #[arg(long = "payment-id", value_name = "ID")]
    payment_id: Option<String>,
    /// the amount in minor units, as on the wire: 1000
    /// is USD 10.00, JPY 1000
    #[arg(verbatim_doc_comment, long, value_name = "VALUE")]
    amount: Option<String>,
    /// the 3-letter ISO 4217 currency, e.g. USD
    #[arg(long, value_name = "CUR")]
    currency: Option<String>,
    /// your id for this capture (1-64 characters);
    /// reuse it to retry the same capture. Generated
    /// when absent and printed to stderr
    #[arg(verbatim_doc_comment, long = "capture-request-id", value_name = "ID")]
    capture_request_id: Option<String>,
    /// mark this as the payment's last capture
    #[arg(long = "last-capture")]
    last_capture: bool,
    #[command(flatten)]
    connection: ConnectionArgs,
}

/// Runs `capture`.
pub fn run(args: CaptureArgs) -> Result<ExitCode, Failure> {
    connect::require(
        "capture",
        &args.connection,
        &[
            ("--payment-id", args.payment_id.is_some()),
            ("--amount", args.amount.is_some()),
            ("--currency", args.currency.is_some()),
        ],
    )?;

    // Everything Alipay would refuse is refused here, before a key is read or
    // a byte is sent.
    let (request, generated) = capture_request(&args)?;
    let client = args.connection.client()?;

    if generated {
        input::announce(
            "capture request id",
            "capture",
            "--capture-request-id",
            &request.capture_request_id,
        );
    }

    let outcome = connect::runtime()?.block_on(client.execute_verified(&request));
    match outcome {
        Ok(verified) => {
            connect::print_json(verified.raw_body());
            eprintln!(
                "captured (S): captureId {} after {} attempt(s)",
                verified.response().capture_id,
                verified.attempts()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => connect::exit_for(
            &error,
            &Advice {
                same_request: &format!("--capture-request-id {}", request.capture_request_id),
                nothing_done: "nothing was captured",
                settle: Some(format!(
                    "alipay-ams inquire-payment --payment-id {}{} (its transactions show whether captureRequestId {} was captured)",
                    connect::shell_word(&request.payment_id),
                    args.connection.replay(),
                    request.capture_request_id
                )),
                failed_hint: None,
                print_failed_body: true,
            },
        ),
    }
}

/// The request from the flags, and whether its id was generated.
fn capture_request(args: &CaptureArgs) -> Result<(CaptureRequest, bool), Failure> {
    let payment_id = input::id(
        "--payment-id",
        args.payment_id.as_deref().unwrap_or_default(),
    )?;
    let amount = input::amount(
        args.currency.as_deref().unwrap_or_default(),
        args.amount.as_deref().unwrap_or_default(),
    )?;
    let (id, generated) = input::key(
        "--capture-request-id",
        args.capture_request_id.as_deref(),
        "cap",
    )?;
    let mut request = CaptureRequest::new(id, payment_id, amount);
    if args.last_capture {
        request = request.with_is_last_capture(true);
    }
    request.validate().map_err(|e| input::invalid(&e))?;
    Ok((request, generated))
}
