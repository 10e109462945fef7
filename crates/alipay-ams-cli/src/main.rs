//! `alipay-ams`: make keys, sign and verify Alipay AMS (Antom) messages by
//! hand, take payments through the whole checkout (pay, inquire, capture,
//! cancel, refund) and call any API from scripts.
//!
//! The command-line interface is fixed (scripts depend on it): `cli.rs`
//! declares every flag, `usage.rs` holds the synopses and exit codes.

mod apis;
mod call;
mod cancel;
mod capture;
mod cli;
mod connect;
mod consult;
mod content;
mod failure;
mod input;
mod inquire_payment;
mod inquire_refund;
mod keygen;
mod lookup;
mod pay;
mod refund;
mod report;
mod sign;
mod usage;
mod usage_errors;
mod verify;

use std::process::ExitCode;

use failure::Failure;

fn main() -> ExitCode {
    match cli::parse(std::env::args_os().collect()) {
        Ok(command) => command.run().unwrap_or_else(Failure::report),
        Err(code) => code,
    }
}
