//! `alipay-ams capture`: one capture through `alipay-ams-client`, with the
//! outcome as the exit code (0 S, 1 F, 3 unknown, 4 nothing reached Alipay,
//! 2 refused before sending).

use std::process::ExitCode;
use std::time::SystemTime;

use alipay_ams_api::payments::CaptureRequest;
use alipay_ams_core::{Amount, ApiRequest, check_id, time};

use crate::args::{Args, Command, Parsed, switch, value};
use crate::connect;
use crate::failure::Failure;
use crate::usage;

/// The `capture` subcommand.
pub static COMMAND: Command = Command {
    name: "capture",
    usage: usage::CAPTURE,
    flags: &[
        value("gateway"),
        value("client-id"),
        value("private-key"),
        value("alipay-public-key"),
        value("payment-id"),
        value("amount"),
        value("currency"),
        value("capture-request-id"),
        switch("last-capture"),
        value("ca-file"),
    ],
};

/// Runs `capture` with the arguments after the subcommand name.
pub fn run(raw: Vec<std::ffi::OsString>) -> Result<ExitCode, Failure> {
    let args = match COMMAND.parse(raw)? {
        Parsed::Help => {
            println!("{}", COMMAND.usage);
            return Ok(ExitCode::SUCCESS);
        }
        Parsed::Run(args) => args,
    };
    args.require(&[
        "gateway",
        "client-id",
        "private-key",
        "alipay-public-key",
        "payment-id",
        "amount",
        "currency",
    ])?;

    // Everything Alipay would refuse is refused here, before a key is read or
    // a byte is sent.
    let (request, generated) = capture_request(&args)?;
    let client = connect::client(&args)?;

    if generated {
        // Printed before sending: if this process dies mid-call, the id is
        // what makes a safe retry possible.
        eprintln!(
            "capture request id: {id} (generated; to retry this same capture, pass --capture-request-id {id})",
            id = request.capture_request_id
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
            &format!("--capture-request-id {}", request.capture_request_id),
            "nothing was captured",
        ),
    }
}

/// The request from the flags, and whether its id was generated.
fn capture_request(args: &Args) -> Result<(CaptureRequest, bool), Failure> {
    let invalid = |e: &dyn std::fmt::Display| Failure::Input(format!("{e}; nothing was sent"));
    let payment_id = args.required_text("payment-id")?;
    check_id("--payment-id", &payment_id).map_err(|e| invalid(&e))?;
    let amount_text = args.required_text("amount")?;
    let currency = args.required_text("currency")?;
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(invalid(&format!(
            "--currency {currency:?} is not a 3-letter ISO 4217 code such as USD"
        )));
    }
    let amount = Amount::from_minor_units_str(&currency, &amount_text)
        .map_err(|e| invalid(&format!("--amount: {e}")))?;
    let (id, generated) = match args.text("capture-request-id")? {
        Some(id) => {
            check_id("--capture-request-id", &id).map_err(|e| invalid(&e))?;
            (id, false)
        }
        None => (generate_id(), true),
    };
    let mut request = CaptureRequest::new(id, payment_id, amount);
    if args.switch("last-capture") {
        request = request.with_is_last_capture(true);
    }
    request.validate().map_err(|e| invalid(&e))?;
    Ok((request, generated))
}

/// `cap-<epoch ms>-<16 hex digits>`: unique enough never to collide with
/// another capture, and only `[A-Za-z0-9_-]`, well within 64 characters.
fn generate_id() -> String {
    format!(
        "cap-{}-{:016x}",
        time::epoch_millis(SystemTime::now()),
        rand::random::<u64>()
    )
}

#[cfg(test)]
mod tests {
    use super::generate_id;

    #[test]
    fn generated_ids_are_safe_and_distinct() {
        let a = generate_id();
        let b = generate_id();
        assert_ne!(a, b);
        assert!(a.len() <= 64 && a.starts_with("cap-"));
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
    }
}
