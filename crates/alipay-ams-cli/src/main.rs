//! `alipay-ams`: make keys, sign and verify Alipay AMS (Antom) messages by hand,
//! capture payments and call any API from scripts.
//!
//! The command-line interface is fixed (scripts depend on it); see `usage.rs`
//! for the exact flags and exit codes.

mod apis;
mod args;
mod call;
mod capture;
mod connect;
mod content;
mod failure;
mod keygen;
mod sign;
mod usage;
mod verify;

use std::ffi::OsString;
use std::process::ExitCode;

use failure::{EXIT_USAGE, Failure};

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(command) = args.next() else {
        eprintln!("error: missing a command\n\n{}", usage::MAIN);
        return ExitCode::from(EXIT_USAGE);
    };
    let rest: Vec<OsString> = args.collect();
    let outcome = match command.to_str() {
        Some("keygen") => keygen::run(rest),
        Some("sign") => sign::run(rest),
        Some("verify") => verify::run(rest),
        Some("capture") => capture::run(rest),
        Some("apis") => apis::run(rest),
        Some("call") => call::run(rest),
        Some("-h" | "--help" | "help") => {
            println!("{}", usage::MAIN);
            Ok(ExitCode::SUCCESS)
        }
        Some("-V" | "--version") => {
            println!("alipay-ams {}", env!("CARGO_PKG_VERSION"));
            Ok(ExitCode::SUCCESS)
        }
        _ => Err(Failure::Usage {
            message: format!("unknown command `{}`", command.to_string_lossy()),
            usage: usage::MAIN,
        }),
    };
    outcome.unwrap_or_else(Failure::report)
}
