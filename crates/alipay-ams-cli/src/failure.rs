//! Why a command stopped, and the exit code each reason maps to.

use std::path::Path;
use std::process::ExitCode;

use alipay_ams_core::KeyError;

use crate::usage;

/// Exit code: the signature does not verify (`verify`), or a call failed (F).
pub const EXIT_NEGATIVE: u8 = 1;
/// Exit code: usage, file or key error. Nothing was sent.
pub const EXIT_USAGE: u8 = 2;
/// Exit code: a call's outcome is unknown after all retries.
pub const EXIT_UNKNOWN: u8 = 3;
/// Exit code: a call was not sent: nothing reached Alipay (DNS, connection
/// refused, TLS or certificate failure, connect timeout).
pub const EXIT_NOT_SENT: u8 = 4;

/// A reason to stop with exit code 2, before any result was produced.
#[derive(Debug)]
pub enum Failure {
    /// The command line is wrong: the message, then the synopsis.
    Usage {
        /// What is wrong.
        message: String,
        /// The subcommand (`None`: no subcommand was recognised).
        command: Option<&'static str>,
    },
    /// A file, key or value could not be used: the message alone.
    Input(String),
}

impl Failure {
    /// A key file that could not be used, named by where it was given
    /// (`--private-key` or `ALIPAY_PRIVATE_KEY`). The core's messages already
    /// say what to do; they never contain key material.
    pub fn key(given_by: &str, file: &Path, error: KeyError) -> Self {
        match error {
            // The I/O message already names the file.
            KeyError::Io { .. } => Failure::Input(format!("{given_by}: {error}")),
            _ => Failure::Input(format!("{given_by} {}: {error}", file.display())),
        }
    }

    /// A usage error of `command`.
    pub fn usage(command: Option<&'static str>, message: impl Into<String>) -> Self {
        Failure::Usage {
            message: message.into(),
            command,
        }
    }

    /// Prints the failure to stderr and returns exit code 2.
    pub fn report(self) -> ExitCode {
        match self {
            // The synopsis and where the rest is: a usage error shows the
            // right form without burying the message under the whole help.
            Failure::Usage { message, command } => {
                let synopsis = usage::synopsis(command);
                match command {
                    Some(command) => eprintln!(
                        "error: {message}\n\nUsage: {synopsis}\n\nRun `alipay-ams {command} --help` for details."
                    ),
                    None => eprintln!(
                        "error: {message}\n\nUsage: {synopsis}\n\nRun `alipay-ams --help` for details."
                    ),
                }
            }
            Failure::Input(message) => eprintln!("error: {message}"),
        }
        ExitCode::from(EXIT_USAGE)
    }
}
