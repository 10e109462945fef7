//! The command line, declared with clap: every subcommand and its flags.
//!
//! Strict because scripts depend on the interface: an unknown flag, a flag
//! given twice, a stray positional argument or a missing value is a usage
//! error (exit 2), never silently ignored; `--help` and `--version` exit 0.
//! Clap's errors are re-worded in `usage_errors.rs` so that they read the
//! same as they always have.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::failure::Failure;
use crate::{
    apis, call, cancel, capture, consult, inquire_payment, inquire_refund, keygen, pay, refund,
    sign, usage, usage_errors, verify,
};

/// The command line.
#[derive(Parser, Debug)]
#[command(
    name = "alipay-ams",
    version,
    before_help = usage::MAIN_ABOUT,
    override_usage = usage::MAIN_USAGE,
    after_help = usage::MAIN_EXIT,
    help_template = usage::TEMPLATE,
)]
pub struct Cli {
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// Every subcommand. Each `about` is its line in `alipay-ams --help`.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Make a new RSA-2048 key pair for signing requests
    #[command(
        override_usage = usage::KEYGEN,
        before_help = usage::KEYGEN_ABOUT,
        after_help = usage::KEYGEN_EXIT,
        help_template = usage::TEMPLATE,
    )]
    Keygen(keygen::KeygenArgs),
    /// Print the Signature header value for a request
    #[command(
        override_usage = usage::SIGN,
        before_help = usage::SIGN_ABOUT,
        after_help = usage::SIGN_EXIT,
        help_template = usage::TEMPLATE,
    )]
    Sign(sign::SignArgs),
    /// Check a signature, and with --explain see exactly what was checked
    #[command(
        override_usage = usage::VERIFY,
        before_help = usage::VERIFY_ABOUT,
        after_help = usage::VERIFY_EXIT,
        help_template = usage::TEMPLATE,
    )]
    Verify(verify::VerifyArgs),
    /// Create a cashier payment and print where to send the buyer
    #[command(
        override_usage = usage::PAY,
        before_help = usage::PAY_ABOUT,
        after_help = usage::PAY_EXIT,
        help_template = usage::TEMPLATE,
    )]
    Pay(pay::PayArgs),
    /// Show a payment's status and every capture, refund or cancellation on it
    #[command(
        name = "inquire-payment",
        override_usage = usage::INQUIRE_PAYMENT,
        before_help = usage::INQUIRE_PAYMENT_ABOUT,
        after_help = usage::INQUIRE_PAYMENT_EXIT,
        help_template = usage::TEMPLATE,
    )]
    InquirePayment(inquire_payment::InquirePaymentArgs),
    /// Capture an authorized payment
    #[command(
        override_usage = usage::CAPTURE,
        before_help = usage::CAPTURE_ABOUT,
        after_help = usage::CAPTURE_EXIT,
        help_template = usage::TEMPLATE,
    )]
    Capture(capture::CaptureArgs),
    /// Cancel an unpaid payment or an uncaptured authorization
    #[command(
        override_usage = usage::CANCEL,
        before_help = usage::CANCEL_ABOUT,
        after_help = usage::CANCEL_EXIT,
        help_template = usage::TEMPLATE,
    )]
    Cancel(cancel::CancelArgs),
    /// Refund all or part of a payment
    #[command(
        override_usage = usage::REFUND,
        before_help = usage::REFUND_ABOUT,
        after_help = usage::REFUND_EXIT,
        help_template = usage::TEMPLATE,
    )]
    Refund(refund::RefundArgs),
    /// Show a refund's status
    #[command(
        name = "inquire-refund",
        override_usage = usage::INQUIRE_REFUND,
        before_help = usage::INQUIRE_REFUND_ABOUT,
        after_help = usage::INQUIRE_REFUND_EXIT,
        help_template = usage::TEMPLATE,
    )]
    InquireRefund(inquire_refund::InquireRefundArgs),
    /// List the payment methods available for an amount
    #[command(
        override_usage = usage::CONSULT,
        before_help = usage::CONSULT_ABOUT,
        after_help = usage::CONSULT_EXIT,
        help_template = usage::TEMPLATE,
    )]
    Consult(consult::ConsultArgs),
    /// List every API path `call` can send
    #[command(
        override_usage = usage::APIS,
        before_help = usage::APIS_ABOUT,
        after_help = usage::APIS_EXIT,
        help_template = usage::TEMPLATE,
    )]
    Apis,
    /// Call any API with a JSON body, checked by its typed model first
    #[command(
        override_usage = usage::CALL,
        before_help = usage::CALL_ABOUT,
        after_help = usage::CALL_EXIT,
        help_template = usage::TEMPLATE,
    )]
    Call(call::CallArgs),
}

impl Command {
    /// Runs the subcommand.
    pub fn run(self) -> Result<ExitCode, Failure> {
        match self {
            Command::Keygen(args) => keygen::run(args),
            Command::Sign(args) => sign::run(&args),
            Command::Verify(args) => verify::run(&args),
            Command::Pay(args) => pay::run(args),
            Command::InquirePayment(args) => inquire_payment::run(args),
            Command::Capture(args) => capture::run(args),
            Command::Cancel(args) => cancel::run(args),
            Command::Refund(args) => refund::run(args),
            Command::InquireRefund(args) => inquire_refund::run(args),
            Command::Consult(args) => consult::run(args),
            Command::Apis => apis::run(),
            Command::Call(args) => call::run(args),
        }
    }
}

/// The whole command line as clap sees it, with one change: every value
/// may start with `-` (`--body=-x`, `--body -x`), as the hand-written parser
/// always allowed; a value flag followed by another flag is caught before
/// clap runs (see `usage_errors::value_followed_by_flag`).
pub fn command() -> clap::Command {
    Cli::command().mut_subcommands(|sub| {
        sub.mut_args(|arg| {
            if arg.get_action().takes_values() {
                arg.allow_hyphen_values(true)
            } else {
                arg
            }
        })
    })
}

/// What the command line asks for: a subcommand to run, or an exit code
/// when it was `--help`, `--version` or a usage error (already printed).
pub fn parse(args: Vec<OsString>) -> Result<Command, ExitCode> {
    let command = command();
    let name = usage_errors::subcommand_name(&command, &args);
    if let Some(failure) = usage_errors::value_followed_by_flag(&command, name, &args) {
        return Err(failure.report());
    }
    let matches = match command.try_get_matches_from(args) {
        Ok(matches) => matches,
        Err(error) => return Err(usage_errors::report(&error, name)),
    };
    Cli::from_arg_matches(&matches)
        .map(|cli| cli.command)
        .map_err(|error| usage_errors::report(&error, name))
}
