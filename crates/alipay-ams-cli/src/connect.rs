//! What every calling command shares: the connection flags (or the
//! environment, as the SDK reads it), the client made from them, and the
//! outcome of a call as the exit code.

use std::ffi::OsString;
use std::fmt;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use alipay_ams_client::{Client, Error, Gateway, Outcome};
use alipay_ams_core::{PrivateKey, PublicKey, env};

use crate::failure::{EXIT_NEGATIVE, EXIT_NOT_SENT, EXIT_UNKNOWN, Failure};
use crate::report::Report;

/// The connection flags of every calling command. Each may come from the
/// environment instead (`ALIPAY_GATEWAY`, ...); a flag wins over its
/// variable.
#[derive(clap::Args, Debug)]
#[command(next_help_heading = "Connection (each flag wins over its ALIPAY_* variable)")]
pub struct ConnectionArgs {
    /// a region: asia, north-america, north-america-us,
    /// europe; or a base URL such as http://127.0.0.1:8080
    /// (plain http only to 127.0.0.1 / localhost)
    /// [env: ALIPAY_GATEWAY]
    #[arg(verbatim_doc_comment, long, value_name = "URL")]
    gateway: Option<String>,
    /// your Client-Id; a SANDBOX_ id calls the sandbox
    /// path /ams/sandbox/api/... [env: ALIPAY_CLIENT_ID]
    #[arg(verbatim_doc_comment, long = "client-id", value_name = "ID")]
    client_id: Option<String>,
    /// your merchant private key (PEM, base64 or DER)
    /// [env: ALIPAY_PRIVATE_KEY]
    #[arg(verbatim_doc_comment, long = "private-key", value_name = "FILE")]
    private_key: Option<PathBuf>,
    /// ALIPAY's public key, from the Antom Dashboard
    /// (not your own) [env: ALIPAY_PUBLIC_KEY]
    #[arg(verbatim_doc_comment, long = "alipay-public-key", value_name = "FILE")]
    alipay_public_key: Option<PathBuf>,
    /// also trust the CA certificate(s) in this PEM
    /// file: a TLS proxy, or the sandbox's --tls CA (TLS
    /// verification cannot be switched off)
    /// [env: ALIPAY_CA_FILE]
    #[arg(verbatim_doc_comment, long = "ca-file", value_name = "FILE")]
    ca_file: Option<PathBuf>,
}

/// Where a setting came from, as messages name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GivenBy {
    /// A flag (`--private-key`).
    Flag(&'static str),
    /// An environment variable (`ALIPAY_PRIVATE_KEY`).
    Env(&'static str),
}

impl fmt::Display for GivenBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GivenBy::Flag(name) | GivenBy::Env(name) => f.write_str(name),
        }
    }
}

/// One connection setting and where it came from.
struct Setting {
    value: OsString,
    given_by: GivenBy,
}

/// The five connection settings: flag, variable, and the flag's value.
fn settings(args: &ConnectionArgs) -> [(&'static str, &'static str, Option<OsString>); 5] {
    [
        (
            "--gateway",
            env::GATEWAY,
            args.gateway.clone().map(Into::into),
        ),
        (
            "--client-id",
            env::CLIENT_ID,
            args.client_id.clone().map(Into::into),
        ),
        (
            "--private-key",
            env::PRIVATE_KEY,
            args.private_key.clone().map(Into::into),
        ),
        (
            "--alipay-public-key",
            env::PUBLIC_KEY,
            args.alipay_public_key.clone().map(Into::into),
        ),
        (
            "--ca-file",
            env::CA_FILE,
            args.ca_file.clone().map(Into::into),
        ),
    ]
}

impl ConnectionArgs {
    /// A setting from its flag, else from its variable (unset and blank
    /// variables count as absent, as the SDK reads them).
    fn setting(&self, flag: &str) -> Option<Setting> {
        let (flag, variable, value) = settings(self).into_iter().find(|(f, _, _)| *f == flag)?;
        match value {
            Some(value) => Some(Setting {
                value,
                given_by: GivenBy::Flag(flag),
            }),
            None => env::optional(variable).map(|value| Setting {
                value: value.into(),
                given_by: GivenBy::Env(variable),
            }),
        }
    }

    /// The required connection flags given neither as a flag nor in the
    /// environment.
    pub fn missing(&self) -> Vec<&'static str> {
        settings(self)
            .into_iter()
            .filter(|(flag, _, _)| *flag != "--ca-file")
            .filter(|(flag, _, _)| self.setting(flag).is_none())
            .map(|(flag, _, _)| flag)
            .collect()
    }

    /// The connection flags as given on the command line, to repeat in a
    /// command printed for the user to run next (settings from the
    /// environment are still there: they are left out).
    pub fn replay(&self) -> String {
        let mut out = String::new();
        for (flag, _, value) in settings(self) {
            if let Some(value) = value {
                out.push(' ');
                out.push_str(flag);
                out.push(' ');
                out.push_str(&shell_word(&value.to_string_lossy()));
            }
        }
        out
    }

    /// The client these settings describe. Reads the key files; sends
    /// nothing.
    pub fn client(&self) -> Result<Client, Failure> {
        let text = |flag: &str| -> Result<(String, GivenBy), Failure> {
            let setting = self
                .setting(flag)
                .ok_or_else(|| Failure::Input(format!("missing {flag}")))?;
            let given_by = setting.given_by;
            setting
                .value
                .into_string()
                .map(|value| (value, given_by))
                .map_err(|_| Failure::Input(format!("{given_by} is not valid UTF-8 text")))
        };
        let path = |flag: &str| -> Result<(PathBuf, GivenBy), Failure> {
            let setting = self
                .setting(flag)
                .ok_or_else(|| Failure::Input(format!("missing {flag}")))?;
            if setting.value.is_empty() {
                return Err(Failure::Input(format!(
                    "{} is empty: pass a file path",
                    setting.given_by
                )));
            }
            Ok((PathBuf::from(setting.value), setting.given_by))
        };
        let (gateway, gateway_by) = text("--gateway")?;
        let (client_id, client_id_by) = text("--client-id")?;
        if client_id.trim().is_empty() {
            return Err(Failure::Input(format!(
                "{client_id_by} is empty: copy your client id from the Antom Dashboard (e.g. SANDBOX_5X00000000000000); nothing was sent"
            )));
        }
        let (private_file, private_by) = path("--private-key")?;
        let (public_file, public_by) = path("--alipay-public-key")?;
        let private_key = PrivateKey::from_file(&private_file)
            .map_err(|e| Failure::key(&private_by.to_string(), &private_file, e))?;
        let alipay_key = PublicKey::from_file(&public_file)
            .map_err(|e| Failure::key(&public_by.to_string(), &public_file, e))?;
        let gateway: Gateway = gateway
            .parse()
            .map_err(|e| Failure::Input(format!("{gateway_by}: {e}; nothing was sent")))?;
        let mut builder = Client::builder()
            .client_id(client_id)
            .private_key(private_key)
            .alipay_public_key(alipay_key)
            .gateway(gateway);
        // The SDK's other two variables, which have no flag.
        let not_sent = |e: env::EnvError| Failure::Input(format!("{e}; nothing was sent"));
        if let Some(version) = env::key_version().map_err(not_sent)? {
            builder = builder.key_version(version);
        }
        if let Some(token) = env::optional(env::AGENT_TOKEN) {
            builder = builder.agent_token(token);
        }
        if self.setting("--ca-file").is_some() {
            let (file, ca_by) = path("--ca-file")?;
            let pem = std::fs::read(&file).map_err(|e| {
                Failure::Input(format!(
                    "{ca_by}: could not read {}: {e}; nothing was sent",
                    file.display()
                ))
            })?;
            builder = builder.add_root_certificates_pem(pem);
        }
        builder
            .build()
            .map_err(|e| Failure::Input(format!("{e}; nothing was sent")))
    }
}

/// Checks that nothing required is missing, naming everything missing at
/// once: the connection settings first, then the command's own flags.
pub fn require(
    command: &'static str,
    connection: &ConnectionArgs,
    own: &[(&'static str, bool)],
) -> Result<(), Failure> {
    let from_env = connection.missing();
    let mut missing = from_env.clone();
    missing.extend(
        own.iter()
            .filter(|(_, given)| !given)
            .map(|(flag, _)| *flag),
    );
    if missing.is_empty() {
        return Ok(());
    }
    let mut message = format!("missing {}", missing.join(", "));
    if !from_env.is_empty() {
        let variables: Vec<&str> = settings(connection)
            .into_iter()
            .filter(|(flag, _, _)| from_env.contains(flag))
            .map(|(_, variable, _)| variable)
            .collect();
        message.push_str(&format!(
            " (the connection may also come from the environment: {})",
            variables.join(", ")
        ));
    }
    Err(Failure::usage(Some(command), message))
}

/// `value` as one shell word: as is when that is safe, else single-quoted.
pub fn shell_word(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-./:=@%+,".contains(&b));
    if plain {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

/// A runtime for one call.
pub fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Input(format!("could not start the async runtime: {e}")))
}

/// What to tell the user when a call did not succeed.
pub struct Advice<'a> {
    /// How to send the same request again (`--capture-request-id c-1`).
    pub same_request: &'a str,
    /// What did not happen when nothing was sent (`nothing was captured`).
    pub nothing_done: &'a str,
    /// The command that settles an unknown outcome, ready to run.
    pub settle: Option<String>,
    /// What a verified failure's code means here, if it needs saying.
    pub failed_hint: Option<String>,
    /// Print a verified failure's body on stdout (`capture`, `--json`).
    pub print_failed_body: bool,
}

/// The exit code of a call that did not succeed.
pub fn exit_for(error: &Error, advice: &Advice<'_>) -> Result<ExitCode, Failure> {
    // The outcome set is closed: each case decides its exit code, and a new
    // one would not compile here.
    match error.outcome() {
        Outcome::Failed => {
            // The reply exactly as Alipay sent it, verified.
            if let (Error::Failed(failed), true) = (error, advice.print_failed_body) {
                print_json(failed.raw_body());
            }
            eprintln!("{error}");
            if let Some(hint) = &advice.failed_hint {
                eprintln!("{hint}");
            }
            Ok(ExitCode::from(EXIT_NEGATIVE))
        }
        // It cannot be called a failure, so it must not invite a new id.
        Outcome::Unknown => {
            eprintln!("{error}");
            eprintln!("retry later with the same id: {}", advice.same_request);
            if let Some(settle) = &advice.settle {
                eprintln!("to settle it, run: {settle}");
            }
            Ok(ExitCode::from(EXIT_UNKNOWN))
        }
        // Refused before any attempt (the request, its serialization or its
        // signature): the same as an invalid argument.
        Outcome::NotSent if error.attempts() == 0 => Err(Failure::Input(error.to_string())),
        Outcome::NotSent => {
            eprintln!("{error}");
            eprintln!(
                "nothing reached Alipay, so {}; once fixed, run it again (the same {} is safe)",
                advice.nothing_done, advice.same_request
            );
            Ok(ExitCode::from(EXIT_NOT_SENT))
        }
    }
}

/// Writes a JSON body to stdout, with a final newline.
/// Prints a verified reply: its exact bytes with `--json`, else the report
/// made of it.
pub fn print_reply(raw_body: &[u8], json: bool, report: impl FnOnce() -> Report) {
    if json {
        print_json(raw_body);
    } else {
        report().print();
    }
}

pub fn print_json(body: &[u8]) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(body);
    if !body.ends_with(b"\n") {
        let _ = stdout.write_all(b"\n");
    }
    let _ = stdout.flush();
}

#[cfg(test)]
mod tests {
    use super::shell_word;

    #[test]
    fn shell_words_quote_only_what_needs_it() {
        assert_eq!(shell_word("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(shell_word("/keys/my key.pem"), "'/keys/my key.pem'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
    }
}
