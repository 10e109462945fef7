//! `alipay-ams capture`: one capture through `alipay-ams-client`, with the
//! outcome as the exit code (0 S, 1 F, 3 unknown, 4 nothing reached Alipay,
//! 2 refused before sending).

use std::io::Write as _;
use std::process::ExitCode;
use std::time::SystemTime;

use alipay_ams_api::payments::CaptureRequest;
use alipay_ams_client::{Client, Error, Gateway, Outcome};
use alipay_ams_core::{Amount, ApiRequest, PrivateKey, PublicKey, check_id, time};

use crate::args::{Args, Command, Parsed, switch, value};
use crate::failure::{EXIT_NEGATIVE, EXIT_NOT_SENT, EXIT_UNKNOWN, Failure};
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
    let client = build_client(&args)?;

    if generated {
        // Printed before sending: if this process dies mid-call, the id is
        // what makes a safe retry possible.
        eprintln!(
            "capture request id: {id} (generated; to retry this same capture, pass --capture-request-id {id})",
            id = request.capture_request_id
        );
    }

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Input(format!("could not start the async runtime: {e}")))?;
    let outcome = runtime.block_on(client.execute_verified(&request));

    let error = match outcome {
        Ok(verified) => {
            print_json(verified.raw_body());
            eprintln!(
                "captured (S): captureId {} after {} attempt(s)",
                verified.response().capture_id,
                verified.attempts()
            );
            return Ok(ExitCode::SUCCESS);
        }
        Err(error) => error,
    };
    // The outcome set is closed: each case decides its exit code, and a new
    // one would not compile here.
    match error.outcome() {
        Outcome::Failed => {
            // The reply exactly as Alipay sent it, verified.
            if let Error::Failed(failed) = &error {
                print_json(failed.raw_body());
            }
            eprintln!("{error}");
            Ok(ExitCode::from(EXIT_NEGATIVE))
        }
        // It cannot be called a failure, so it must not invite a capture
        // under a new id.
        Outcome::Unknown => {
            eprintln!("{error}");
            eprintln!(
                "retry later with the same id: --capture-request-id {}",
                request.capture_request_id
            );
            Ok(ExitCode::from(EXIT_UNKNOWN))
        }
        // Refused before any attempt (the request, its serialization or its
        // signature): the same as an invalid argument.
        Outcome::NotSent if error.attempts() == 0 => Err(Failure::Input(error.to_string())),
        Outcome::NotSent => {
            eprintln!("{error}");
            eprintln!(
                "nothing reached Alipay, so nothing was captured; once fixed, run it again (the same \
                 --capture-request-id {} is safe)",
                request.capture_request_id
            );
            Ok(ExitCode::from(EXIT_NOT_SENT))
        }
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

fn build_client(args: &Args) -> Result<Client, Failure> {
    let gateway = args.required_text("gateway")?;
    let client_id = args.required_text("client-id")?;
    if client_id.trim().is_empty() {
        return Err(Failure::Input(
            "--client-id is empty: copy your client id from the Antom Dashboard (e.g. SANDBOX_5X00000000000000); nothing was sent"
                .to_owned(),
        ));
    }
    let private_file = args.required_path("private-key")?;
    let public_file = args.required_path("alipay-public-key")?;
    let private_key = PrivateKey::from_file(&private_file)
        .map_err(|e| Failure::key("private-key", &private_file, e))?;
    let alipay_key = PublicKey::from_file(&public_file)
        .map_err(|e| Failure::key("alipay-public-key", &public_file, e))?;
    let gateway: Gateway = gateway
        .parse()
        .map_err(|e| Failure::Input(format!("--gateway: {e}; nothing was sent")))?;
    let mut builder = Client::builder()
        .client_id(client_id)
        .private_key(private_key)
        .alipay_public_key(alipay_key)
        .gateway(gateway);
    if args.has("ca-file") {
        let file = args.required_path("ca-file")?;
        let pem = std::fs::read(&file).map_err(|e| {
            Failure::Input(format!(
                "--ca-file: could not read {}: {e}; nothing was sent",
                file.display()
            ))
        })?;
        builder = builder.add_root_certificates_pem(pem);
    }
    builder
        .build()
        .map_err(|e| Failure::Input(format!("{e}; nothing was sent")))
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

fn print_json(body: &[u8]) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(body);
    if !body.ends_with(b"\n") {
        let _ = stdout.write_all(b"\n");
    }
    let _ = stdout.flush();
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
