//! `alipay-ams sign`: prints the `Signature` header value for a request.

use std::process::ExitCode;

use alipay_ams_core::{DEFAULT_KEY_VERSION, PrivateKey};

use crate::args::{Command, Parsed, value};
use crate::content::Parts;
use crate::failure::Failure;
use crate::usage;

/// The `sign` subcommand.
pub static COMMAND: Command = Command {
    name: "sign",
    usage: usage::SIGN,
    flags: &[
        value("private-key"),
        value("client-id"),
        value("path"),
        value("time"),
        value("body-file"),
        value("body"),
        value("method"),
        value("key-version"),
    ],
};

/// Runs `sign` with the arguments after the subcommand name.
pub fn run(raw: Vec<std::ffi::OsString>) -> Result<ExitCode, Failure> {
    let args = match COMMAND.parse(raw)? {
        Parsed::Help => {
            println!("{}", COMMAND.usage);
            return Ok(ExitCode::SUCCESS);
        }
        Parsed::Run(args) => args,
    };
    args.require(&["private-key", "client-id", "path", "time"])?;
    let key_version = match args.text("key-version")? {
        None => DEFAULT_KEY_VERSION,
        Some(text) => text.parse::<u32>().map_err(|_| {
            args.usage_error(format!(
                "--key-version {text:?} is not a whole number such as 1"
            ))
        })?,
    };
    let parts = Parts::from_args(&args)?;
    let key_file = args.required_path("private-key")?;
    let key =
        PrivateKey::from_file(&key_file).map_err(|e| Failure::key("private-key", &key_file, e))?;
    let header = parts
        .message()
        .sign(&key, key_version)
        .map_err(|e| Failure::Input(format!("could not sign: {e}")))?;
    println!("{header}");
    Ok(ExitCode::SUCCESS)
}
