//! `alipay-ams-sandbox`: the local Alipay gateway as a program.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use alipay_ams_core::{KeyError, PrivateKey, PublicKey};
use alipay_ams_sandbox::{DEFAULT_CLIENT_ID, Sandbox, example_keys};

const USAGE: &str = r#"alipay-ams-sandbox: a local Alipay AMS (Antom) gateway for tests and examples

USAGE:
    alipay-ams-sandbox [OPTIONS]

OPTIONS:
    --listen ADDR               address to listen on [default: 127.0.0.1:8686]
    --client-id ID              the merchant client id served [default: SANDBOX_5X00000000000000]
    --merchant-public-key FILE  verifies the merchant's requests [default: the built-in
                                TEST-ONLY example key, keys-example/merchant/public_key.pem]
    --alipay-private-key FILE   signs replies and notifications as Alipay [default: the
                                built-in TEST-ONLY example key, keys-example/alipay/private_key.pem]
    --notify-url URL            notify URL for payments created without one
    --time-scale F              multiplies Alipay's redelivery schedule
                                (0s 2m 10m 10m 1h 2h 6h 15h) and the 2 s of asynchronous
                                processing (pending payments, asynchronous refunds);
                                payment expiry stays in real time [default: 1]
    --no-redelivery             one delivery attempt only, like Alipay's hosted sandbox
    --tls                       serve HTTPS with a certificate from a throwaway CA
                                (for clients that refuse http, like the official SDKs)
    --tls-ca-file FILE          where --tls writes that CA's certificate for clients to trust
                                [default: alipay-ams-sandbox-ca.pem in the temp directory]
    -h, --help                  print this help
    -V, --version               print the version

Alipay APIs:  POST /ams/api/v1/payments/{pay,consult,createPaymentSession,inquiryPayment,
              cancel,capture,refund,inquiryRefund}, and the same under /ams/sandbox/api/v1/
Control API:  POST /sandbox/payments/{id}/buyer {"action":"pay"|"decline"|"abandon"},
              POST /sandbox/payments/{id}/expire, GET /sandbox/payments/{id},
              GET /sandbox/payments, POST /sandbox/payments,
              GET /sandbox/notifications, GET|POST /sandbox/clock,
              POST /sandbox/faults, DELETE /sandbox/faults
Pages:        GET /sandbox/ (the dashboard), GET /sandbox/checkout/{id} (the buyer's page,
              pay's normalUrl)
Logs go to stderr (RUST_LOG=debug for more). The default keys are TEST-ONLY: anyone can sign
with them."#;

struct Options {
    listen: SocketAddr,
    client_id: String,
    /// `None`: the built-in example key.
    merchant_public_key: Option<PathBuf>,
    /// `None`: the built-in example key.
    alipay_private_key: Option<PathBuf>,
    notify_url: Option<String>,
    time_scale: f64,
    redelivery: bool,
    tls: bool,
    tls_ca_file: PathBuf,
}

enum Command {
    Run(Options),
    Help,
    Version,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut options = Options {
        listen: SocketAddr::from(([127, 0, 0, 1], 8686)),
        client_id: DEFAULT_CLIENT_ID.to_owned(),
        merchant_public_key: None,
        alipay_private_key: None,
        notify_url: None,
        time_scale: 1.0,
        redelivery: true,
        tls: false,
        tls_ca_file: std::env::temp_dir().join("alipay-ams-sandbox-ca.pem"),
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            match inline.clone().or_else(|| args.next()) {
                Some(v) => Ok(v),
                None => Err(format!("{name} needs a value")),
            }
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "--listen" => {
                let text = value("--listen")?;
                options.listen = text.parse().map_err(|_| {
                    format!("--listen {text:?} is not an address such as 127.0.0.1:8686")
                })?;
            }
            "--client-id" => options.client_id = value("--client-id")?,
            "--merchant-public-key" => {
                options.merchant_public_key = Some(value("--merchant-public-key")?.into())
            }
            "--alipay-private-key" => {
                options.alipay_private_key = Some(value("--alipay-private-key")?.into())
            }
            "--notify-url" => options.notify_url = Some(value("--notify-url")?),
            "--time-scale" => {
                let text = value("--time-scale")?;
                options.time_scale = text
                    .parse()
                    .map_err(|_| format!("--time-scale {text:?} is not a number such as 0.001"))?;
            }
            "--no-redelivery" if inline.is_none() => options.redelivery = false,
            "--tls" if inline.is_none() => options.tls = true,
            "--tls-ca-file" => options.tls_ca_file = value("--tls-ca-file")?.into(),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Command::Run(options))
}

/// Reads a key from the file of `flag`, or, without the flag, parses the
/// built-in example key and says so on stderr.
fn read_key<K>(
    file: Option<&Path>,
    flag: &str,
    what: &str,
    example: &str,
    example_file: &str,
    parse: impl Fn(&str) -> Result<K, KeyError>,
    read: impl Fn(&Path) -> Result<K, KeyError>,
) -> Result<K, String> {
    match file {
        Some(file) => read(file).map_err(|e| {
            format!(
                "cannot read the {what} {}: {e} (pass a readable key file with {flag} FILE, or leave the flag out to use the built-in TEST-ONLY example key)",
                file.display()
            )
        }),
        None => {
            eprintln!(
                "alipay-ams-sandbox: no {flag} given: using the built-in TEST-ONLY example {what} ({example_file}); anyone can sign with the example keys"
            );
            parse(example).map_err(|e| format!("the built-in example {what} does not parse: {e}"))
        }
    }
}

fn read_keys(options: &Options) -> Result<(PublicKey, PrivateKey), String> {
    let merchant = read_key(
        options.merchant_public_key.as_deref(),
        "--merchant-public-key",
        "merchant public key",
        example_keys::MERCHANT_PUBLIC_KEY_PEM,
        "keys-example/merchant/public_key.pem",
        |text| PublicKey::parse(text),
        |file| PublicKey::from_file(file),
    )?;
    let alipay = read_key(
        options.alipay_private_key.as_deref(),
        "--alipay-private-key",
        "Alipay private key",
        example_keys::ALIPAY_PRIVATE_KEY_PEM,
        "keys-example/alipay/private_key.pem",
        |text| PrivateKey::parse(text),
        |file| PrivateKey::from_file(file),
    )?;
    Ok((merchant, alipay))
}

async fn run(options: Options) -> Result<(), String> {
    let (merchant, alipay) = read_keys(&options)?;
    let mut builder = Sandbox::builder()
        .client_id(options.client_id.clone())
        .merchant_public_key(merchant)
        .alipay_private_key(alipay)
        .listen(options.listen)
        .time_scale(options.time_scale)
        .redelivery(options.redelivery);
    if let Some(url) = &options.notify_url {
        builder = builder.default_notify_url(url.clone());
    }
    if options.tls {
        builder = with_tls(builder)?;
    }
    let signals = StopSignals::listen();
    let sandbox = builder.start().await.map_err(|e| e.to_string())?;
    if let Some(pem) = sandbox.tls_ca_certificate_pem() {
        std::fs::write(&options.tls_ca_file, pem).map_err(|e| {
            format!(
                "cannot write the CA certificate to {}: {e} (choose another file with --tls-ca-file)",
                options.tls_ca_file.display()
            )
        })?;
        println!(
            "alipay-ams-sandbox: clients must trust the CA certificate in {}",
            options.tls_ca_file.display()
        );
    }
    println!("alipay-ams-sandbox listening on {}", sandbox.base_url());
    tracing::info!(
        "client id {}, time scale {}, redelivery {}",
        options.client_id,
        options.time_scale,
        if options.redelivery { "on" } else { "off" }
    );
    signals.wait().await;
    tracing::info!("stopping");
    sandbox.shutdown().await;
    Ok(())
}

#[cfg(feature = "tls")]
fn with_tls(
    builder: alipay_ams_sandbox::SandboxBuilder,
) -> Result<alipay_ams_sandbox::SandboxBuilder, String> {
    Ok(builder.tls(true))
}

#[cfg(not(feature = "tls"))]
fn with_tls(
    _: alipay_ams_sandbox::SandboxBuilder,
) -> Result<alipay_ams_sandbox::SandboxBuilder, String> {
    Err("--tls needs the `tls` feature (on by default); this build has it off".into())
}

/// The signals that stop the sandbox (Ctrl-C, SIGTERM), listened for from
/// before it says it is listening: a SIGTERM sent right after that line
/// must stop it cleanly, not kill it.
struct StopSignals {
    #[cfg(unix)]
    signals: Vec<tokio::signal::unix::Signal>,
}

impl StopSignals {
    fn listen() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let mut signals = Vec::new();
            for (kind, name) in [
                (SignalKind::interrupt(), "SIGINT"),
                (SignalKind::terminate(), "SIGTERM"),
            ] {
                match signal(kind) {
                    Ok(listening) => signals.push(listening),
                    Err(e) => tracing::warn!("cannot listen for {name} ({e})"),
                }
            }
            StopSignals { signals }
        }
        #[cfg(not(unix))]
        {
            StopSignals {}
        }
    }

    async fn wait(self) {
        #[cfg(unix)]
        {
            let mut signals = self.signals;
            match signals.as_mut_slice() {
                [] => {
                    let _ = tokio::signal::ctrl_c().await;
                }
                [one] => {
                    one.recv().await;
                }
                [first, second, ..] => {
                    tokio::select! {
                        _ = first.recv() => {}
                        _ = second.recv() => {}
                    }
                }
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

fn main() -> ExitCode {
    let command = match parse_args(std::env::args().skip(1)) {
        Ok(command) => command,
        Err(e) => {
            eprintln!("alipay-ams-sandbox: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let options = match command {
        Command::Help => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Command::Version => {
            println!("alipay-ams-sandbox {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Command::Run(options) => options,
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("alipay-ams-sandbox: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("alipay-ams-sandbox: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn flags_with_spaces_or_equals() {
        let Ok(Command::Run(o)) = parse(&[
            "--listen",
            "127.0.0.1:0",
            "--client-id=SANDBOX_X",
            "--time-scale",
            "0.001",
            "--no-redelivery",
            "--notify-url",
            "http://127.0.0.1:1/n",
            "--tls",
            "--tls-ca-file=/tmp/ca.pem",
            "--merchant-public-key",
            "m.pem",
            "--alipay-private-key=a.pem",
        ]) else {
            panic!("should parse");
        };
        assert_eq!(o.listen.port(), 0);
        assert_eq!(o.client_id, "SANDBOX_X");
        assert_eq!(o.time_scale, 0.001);
        assert!(!o.redelivery);
        assert_eq!(o.notify_url.as_deref(), Some("http://127.0.0.1:1/n"));
        assert!(o.tls);
        assert_eq!(o.tls_ca_file, PathBuf::from("/tmp/ca.pem"));
        assert_eq!(o.merchant_public_key, Some(PathBuf::from("m.pem")));
        assert_eq!(o.alipay_private_key, Some(PathBuf::from("a.pem")));
    }

    #[test]
    fn defaults_and_errors() {
        let Ok(Command::Run(o)) = parse(&[]) else {
            panic!()
        };
        assert_eq!(o.listen.to_string(), "127.0.0.1:8686");
        assert_eq!(o.client_id, DEFAULT_CLIENT_ID);
        assert!(o.redelivery);
        assert_eq!(o.merchant_public_key, None, "the built-in example key");
        assert_eq!(o.alipay_private_key, None, "the built-in example key");
        assert!(matches!(parse(&["--help"]), Ok(Command::Help)));
        assert!(matches!(parse(&["--listen"]), Err(e) if e.contains("needs a value")));
        assert!(parse(&["--listen", "nowhere"]).is_err());
        assert!(parse(&["--time-scale", "fast"]).is_err());
        assert!(parse(&["--bogus"]).is_err());
    }
}
