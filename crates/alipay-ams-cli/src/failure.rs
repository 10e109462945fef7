//! Why a command stopped, and the exit code each reason maps to.

use std::path::Path;
use std::process::ExitCode;

use alipay_ams_core::KeyError;

/// Exit code: the signature does not verify (`verify`), or the capture failed (F).
pub const EXIT_NEGATIVE: u8 = 1;
/// Exit code: usage, file or key error. Nothing was sent.
pub const EXIT_USAGE: u8 = 2;
/// Exit code: the capture's outcome is unknown after all retries.
pub const EXIT_UNKNOWN: u8 = 3;
/// Exit code: the capture was not sent: nothing reached Alipay (DNS,
/// connection refused, TLS or certificate failure, connect timeout).
pub const EXIT_NOT_SENT: u8 = 4;

/// A reason to stop with exit code 2, before any result was produced.
#[derive(Debug)]
pub enum Failure {
    /// The command line is wrong: the message, then the usage text.
    Usage {
        /// What is wrong.
        message: String,
        /// The subcommand's usage text.
        usage: &'static str,
    },
    /// A file, key or value could not be used: the message alone.
    Input(String),
}

impl Failure {
    /// A key file that could not be used, named by its flag. The core's messages
    /// already say what to do; they never contain key material.
    pub fn key(flag: &str, file: &Path, error: KeyError) -> Self {
        match error {
            // The I/O message already names the file.
            KeyError::Io { .. } => Failure::Input(format!("--{flag}: {error}")),
            _ => Failure::Input(format!("--{flag} {}: {error}", file.display())),
        }
    }

    /// Prints the failure to stderr and returns exit code 2.
    pub fn report(self) -> ExitCode {
        match self {
            Failure::Usage { message, usage } => {
                eprintln!("error: {message}\n\n{}", synopsis(usage));
            }
            Failure::Input(message) => eprintln!("error: {message}"),
        }
        ExitCode::from(EXIT_USAGE)
    }
}

/// The `Usage:` paragraph of a help text, and where the rest is: a usage error
/// shows the right form without burying the message under the whole help.
fn synopsis(usage: &str) -> String {
    let block = usage
        .split("\n\n")
        .find(|paragraph| paragraph.starts_with("Usage:"))
        .unwrap_or(usage);
    let command = block
        .strip_prefix("Usage: alipay-ams ")
        .and_then(|rest| rest.split_whitespace().next())
        .filter(|word| !word.starts_with('-'));
    match command {
        Some(command) => format!("{block}\n\nRun `alipay-ams {command} --help` for details."),
        None => format!("{block}\n\nRun `alipay-ams --help` for details."),
    }
}
