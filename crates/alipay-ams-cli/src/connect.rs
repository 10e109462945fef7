//! What `capture` and `call` share: the client from the connection flags,
//! and the outcome of a call as the exit code.

use std::io::Write as _;
use std::process::ExitCode;

use alipay_ams_client::{Client, Error, Gateway, Outcome};
use alipay_ams_core::{PrivateKey, PublicKey};

use crate::args::Args;
use crate::failure::{EXIT_NEGATIVE, EXIT_NOT_SENT, EXIT_UNKNOWN, Failure};

/// The flags every calling command takes.
pub const FLAGS: [&str; 4] = ["gateway", "client-id", "private-key", "alipay-public-key"];

/// A client from `--gateway`, `--client-id`, `--private-key`,
/// `--alipay-public-key` and `--ca-file`.
pub fn client(args: &Args) -> Result<Client, Failure> {
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

/// A runtime for one call.
pub fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Input(format!("could not start the async runtime: {e}")))
}

/// The exit code of a call that did not succeed. `same_request` tells how to
/// send the same request again (`--capture-request-id ...`); `nothing_done`
/// what did not happen when nothing was sent.
pub fn exit_for(
    error: &Error,
    same_request: &str,
    nothing_done: &str,
) -> Result<ExitCode, Failure> {
    // The outcome set is closed: each case decides its exit code, and a new
    // one would not compile here.
    match error.outcome() {
        Outcome::Failed => {
            // The reply exactly as Alipay sent it, verified.
            if let Error::Failed(failed) = error {
                print_json(failed.raw_body());
            }
            eprintln!("{error}");
            Ok(ExitCode::from(EXIT_NEGATIVE))
        }
        // It cannot be called a failure, so it must not invite a new id.
        Outcome::Unknown => {
            eprintln!("{error}");
            eprintln!("retry later with the same id: {same_request}");
            Ok(ExitCode::from(EXIT_UNKNOWN))
        }
        // Refused before any attempt (the request, its serialization or its
        // signature): the same as an invalid argument.
        Outcome::NotSent if error.attempts() == 0 => Err(Failure::Input(error.to_string())),
        Outcome::NotSent => {
            eprintln!("{error}");
            eprintln!(
                "nothing reached Alipay, so {nothing_done}; once fixed, run it again (the same \
                 {same_request} is safe)"
            );
            Ok(ExitCode::from(EXIT_NOT_SENT))
        }
    }
}

/// Writes a JSON body to stdout, with a final newline.
pub fn print_json(body: &[u8]) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(body);
    if !body.ends_with(b"\n") {
        let _ = stdout.write_all(b"\n");
    }
    let _ = stdout.flush();
}
