//! `alipay-ams verify`: checks a `Signature` header value, and with `--explain`
//! shows the exact content that was checked.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use alipay_ams_core::protocol::Environment;
use alipay_ams_core::{PublicKey, SignatureHeader, VerifyError};

use crate::content::{MessageArgs, Parts};
use crate::failure::{EXIT_NEGATIVE, Failure};

/// `alipay-ams verify`'s flags.
#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    /// the public key: SPKI PEM, bare base64 (as the
    /// Antom Dashboard shows it), PKCS#1 PEM or DER
    #[arg(verbatim_doc_comment, long = "public-key", value_name = "FILE")]
    public_key: PathBuf,
    #[command(flatten)]
    message: MessageArgs,
    /// the Signature header value
    /// (algorithm=RSA256,keyVersion=1,signature=...),
    /// or only the part after `signature=`
    #[arg(verbatim_doc_comment, long, value_name = "VALUE")]
    signature: String,
    /// also print the exact content that was checked,
    /// with escapes (\n, \r, \t, \\, \xNN) and byte
    /// counts, and what looks wrong
    #[arg(verbatim_doc_comment, long)]
    explain: bool,
}

/// Runs `verify`.
pub fn run(args: &VerifyArgs) -> Result<ExitCode, Failure> {
    let parts = Parts::from_args(&args.message, "verify")?;
    let key_file = &args.public_key;
    if key_file.as_os_str().is_empty() {
        return Err(Failure::usage(
            Some("verify"),
            "--public-key is empty: pass a file path",
        ));
    }
    let key =
        PublicKey::from_file(key_file).map_err(|e| Failure::key("--public-key", key_file, e))?;

    let message = parts.message();
    let header = parse_header(&args.signature);
    let outcome = header
        .as_ref()
        .map_err(Clone::clone)
        .and_then(|h| message.verify_parsed(&key, h));
    let environment = environment_mismatch(&parts.client_id, &parts.path);

    if args.explain {
        print!(
            "{}",
            explain(
                &message.content(),
                parts.body.len(),
                header.as_ref().ok(),
                &key
            )
        );
        // Even a valid signature over the wrong path form is refused by
        // Alipay: say so whatever the outcome.
        if let Some(hint) = &environment {
            println!("warning: {hint}");
        }
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
            if let Some(hint) = &environment {
                let _ = write!(why, "; note: {hint}");
            }
            if !args.explain {
                why.push_str("; run again with --explain to see the exact content checked");
            }
            println!("invalid: {why}");
            Ok(ExitCode::from(EXIT_NEGATIVE))
        }
    }
}

/// The classic sandbox mistake: a `SANDBOX_` client id signed over the
/// production path `/ams/api/...` (or a production id over
/// `/ams/sandbox/api/...`). Alipay's sandbox serves and signs
/// `/ams/sandbox/api/...`, and the path is part of what is signed, so such a
/// signature is never accepted. `None` when the two agree, or the path is
/// neither form (a notify URL).
fn environment_mismatch(client_id: &str, path: &str) -> Option<String> {
    let (path_environment, production_path) = Environment::split_path(path)?;
    let id_environment = Environment::for_client_id(client_id);
    if path_environment == id_environment {
        return None;
    }
    let right = id_environment.path(&production_path);
    Some(match id_environment {
        Environment::Sandbox => format!(
            "the client id {client_id} is a sandbox id, but the path {path} is the production form; \
             sandbox requests are sent to and signed over /ams/sandbox/api/...: sign and send \
             with --path {right} (and verify with the same)"
        ),
        Environment::Production => format!(
            "the client id {client_id} is a production id (no SANDBOX_ prefix), but the path \
             {path} is the sandbox form; production requests are sent to and signed over \
             /ams/api/...: sign and send with --path {right}, or use your SANDBOX_ client id \
             for the sandbox"
        ),
    })
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
    use super::{environment_mismatch, escape};

    #[test]
    fn the_sandbox_mistake_is_named_both_ways_and_only_then() {
        let hint = environment_mismatch("SANDBOX_5X00000000000000", "/ams/api/v1/payments/pay")
            .unwrap_or_default();
        assert!(
            hint.contains("--path /ams/sandbox/api/v1/payments/pay"),
            "{hint}"
        );
        let hint = environment_mismatch("5J5Y307NSG5GB700810", "/ams/sandbox/api/v1/payments/pay")
            .unwrap_or_default();
        assert!(hint.contains("--path /ams/api/v1/payments/pay"), "{hint}");
        assert!(hint.contains("SANDBOX_ client id"), "{hint}");
        for (id, path) in [
            (
                "SANDBOX_5X00000000000000",
                "/ams/sandbox/api/v1/payments/pay",
            ),
            ("5J5Y307NSG5GB700810", "/ams/api/v1/payments/pay"),
            ("SANDBOX_5X00000000000000", "/alipay/notify"),
        ] {
            assert_eq!(environment_mismatch(id, path), None, "{id} {path}");
        }
    }

    #[test]
    fn escapes_make_every_byte_visible() {
        assert_eq!(escape(b"a\\b\tc\r\n"), "a\\\\b\\tc\\r\\n");
        assert_eq!(escape("é\u{1}".as_bytes()), "é\\x01");
        assert_eq!(escape(b"\xff{ "), "\\xFF{\\x20");
    }
}
