//! `alipay-ams verify`: checks a `Signature` header value, and with `--explain`
//! shows the exact content that was checked.

use std::fmt::Write as _;
use std::process::ExitCode;

use alipay_ams_core::{PublicKey, SignatureHeader, VerifyError};

use crate::args::{Command, Parsed, switch, value};
use crate::content::Parts;
use crate::failure::{EXIT_NEGATIVE, Failure};
use crate::usage;

/// The `verify` subcommand.
pub static COMMAND: Command = Command {
    name: "verify",
    usage: usage::VERIFY,
    flags: &[
        value("public-key"),
        value("client-id"),
        value("path"),
        value("time"),
        value("signature"),
        value("body-file"),
        value("body"),
        value("method"),
        switch("explain"),
    ],
};

/// Runs `verify` with the arguments after the subcommand name.
pub fn run(raw: Vec<std::ffi::OsString>) -> Result<ExitCode, Failure> {
    let args = match COMMAND.parse(raw)? {
        Parsed::Help => {
            println!("{}", COMMAND.usage);
            return Ok(ExitCode::SUCCESS);
        }
        Parsed::Run(args) => args,
    };
    args.require(&["public-key", "client-id", "path", "time", "signature"])?;
    let parts = Parts::from_args(&args)?;
    let signature = args.required_text("signature")?;
    let key_file = args.required_path("public-key")?;
    let key =
        PublicKey::from_file(&key_file).map_err(|e| Failure::key("public-key", &key_file, e))?;

    let message = parts.message();
    let header = parse_header(&signature);
    let outcome = header
        .as_ref()
        .map_err(Clone::clone)
        .and_then(|h| message.verify_parsed(&key, h));

    if args.switch("explain") {
        print!(
            "{}",
            explain(
                &message.content(),
                parts.body.len(),
                header.as_ref().ok(),
                &key
            )
        );
    }
    match outcome {
        Ok(()) => {
            println!("valid");
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            let mut why = reason(&error, header.as_ref().ok(), &key);
            if matches!(error, VerifyError::Mismatch) && parts.body.ends_with(b"\n") {
                why.push_str(
                    "; note: the body ends with a line break, which is part of the checked content: if the body that was signed had none, remove it from the file",
                );
            }
            if !args.switch("explain") {
                why.push_str("; run again with --explain to see the exact content checked");
            }
            println!("invalid: {why}");
            Ok(ExitCode::from(EXIT_NEGATIVE))
        }
    }
}

/// Reads the whole header value, or only the part after `signature=` as people
/// often copy it.
fn parse_header(value: &str) -> Result<SignatureHeader, VerifyError> {
    let has_pair = value
        .split(',')
        .filter_map(|pair| pair.split_once('='))
        .any(|(name, _)| name.trim().eq_ignore_ascii_case("signature"));
    let parsed = if has_pair {
        SignatureHeader::parse(value)
    } else {
        SignatureHeader::parse(&format!("signature={}", value.trim()))
    };
    parsed.map_err(VerifyError::from)
}

/// The verifier's reason, plus what the signature's length tells.
fn reason(error: &VerifyError, header: Option<&SignatureHeader>, key: &PublicKey) -> String {
    let mut text = error.to_string();
    if let Some(header) = header {
        let expected = key.bits().div_ceil(8);
        let got = header.signature().len();
        if got != expected {
            let _ = write!(
                text,
                " (the signature is {got} bytes, but an RSA-{} key makes {expected}-byte signatures: it was cut short when copied, or made with another key)",
                key.bits()
            );
        }
    }
    text
}

/// Shows `content` so that every byte is visible: printable text as is,
/// `\n` `\r` `\t` `\\` escaped, any other control byte or invalid UTF-8 as
/// `\xNN`, and a line break after every `\n` so the two lines read naturally.
/// A space at the end of a shown line is written `\x20` so it cannot hide.
fn explain(
    content: &[u8],
    body_len: usize,
    header: Option<&SignatureHeader>,
    key: &PublicKey,
) -> String {
    let mut out = format!(
        "content checked: {} bytes (body: {body_len} bytes)\n\
         escapes: \\n line feed, \\r carriage return, \\t tab, \\\\ backslash, \\xNN any other byte;\n\
         each shown line below starts with `|`, and a line break follows every \\n\n",
        content.len()
    );
    for line in content.split_inclusive(|&b| b == b'\n') {
        out.push('|');
        out.push_str(&escape(line));
        out.push('\n');
    }
    if content.ends_with(b"\n") || content.is_empty() {
        out.push_str("|\n");
    }
    out.push_str("(end of content)\n");
    match header {
        Some(h) => {
            let _ = writeln!(
                out,
                "signature header: algorithm={}, keyVersion={}, {} signature bytes",
                h.algorithm(),
                h.key_version()
                    .map_or_else(|| "(absent)".to_owned(), |v| v.to_string()),
                h.signature().len()
            );
        }
        None => out.push_str("signature header: could not be read\n"),
    }
    let _ = writeln!(out, "public key: RSA-{}", key.bits());
    out
}

fn escape(line: &[u8]) -> String {
    let mut out = String::with_capacity(line.len());
    for chunk in line.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\\' => out.push_str("\\\\"),
                c if c.is_control() => {
                    let mut buf = [0u8; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        let _ = write!(out, "\\x{b:02X}");
                    }
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02X}");
        }
    }
    // A trailing space would be invisible on a terminal.
    if out.ends_with(' ') {
        out.pop();
        out.push_str("\\x20");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_make_every_byte_visible() {
        assert_eq!(escape(b"a\\b\tc\r\n"), "a\\\\b\\tc\\r\\n");
        assert_eq!(escape("é\u{1}".as_bytes()), "é\\x01");
        assert_eq!(escape(b"\xff{ "), "\\xFF{\\x20");
    }
}
