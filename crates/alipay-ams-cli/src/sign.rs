//! `alipay-ams sign`: prints the `Signature` header value for a request.

use std::path::PathBuf;
use std::process::ExitCode;

use alipay_ams_core::{DEFAULT_KEY_VERSION, PrivateKey};

use crate::content::{MessageArgs, Parts};
use crate::failure::Failure;

/// `alipay-ams sign`'s flags.
#[derive(clap::Args, Debug)]
pub struct SignArgs {
    /// your merchant private key: PEM (PKCS#8 or
    /// PKCS#1), bare base64 as the Antom Dashboard
    /// shows it, or DER
    #[arg(verbatim_doc_comment, long = "private-key", value_name = "FILE")]
    private_key: PathBuf,
    #[command(flatten)]
    message: MessageArgs,
    /// the keyVersion to announce [default: 1]
    #[arg(long = "key-version", value_name = "N")]
    key_version: Option<String>,
}

/// Runs `sign`.
pub fn run(args: &SignArgs) -> Result<ExitCode, Failure> {
    let key_version = match &args.key_version {
        None => DEFAULT_KEY_VERSION,
        Some(text) => text.parse::<u32>().map_err(|_| {
            Failure::usage(
                Some("sign"),
                format!("--key-version {text:?} is not a whole number such as 1"),
            )
        })?,
    };
    let parts = Parts::from_args(&args.message, "sign")?;
    let key_file = &args.private_key;
    if key_file.as_os_str().is_empty() {
        return Err(Failure::usage(
            Some("sign"),
            "--private-key is empty: pass a file path",
        ));
    }
    let key =
        PrivateKey::from_file(key_file).map_err(|e| Failure::key("--private-key", key_file, e))?;
    let header = parts
        .message()
        .sign(&key, key_version)
        .map_err(|e| Failure::Input(format!("could not sign: {e}")))?;
    println!("{header}");
    Ok(ExitCode::SUCCESS)
}
