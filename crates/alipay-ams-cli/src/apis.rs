//! `alipay-ams apis`: every API `call` can send, by production path.

use std::io::Write as _;
use std::process::ExitCode;

use alipay_ams_api::Transport;
use alipay_ams_api::catalog::OPERATIONS;

use crate::failure::Failure;

/// Prints every callable API path (production form), one per line, sorted.
pub fn run() -> Result<ExitCode, Failure> {
    let mut stdout = std::io::stdout().lock();
    for op in OPERATIONS
        .iter()
        .filter(|op| op.transport == Transport::Json)
    {
        // A closed pipe (`| head`) is not an error of this command.
        if writeln!(stdout, "{}", op.path).is_err() {
            break;
        }
    }
    Ok(ExitCode::SUCCESS)
}
