//! Running the real `alipay-ams` binary.
#![allow(dead_code)]

pub mod alipay;
pub mod gateway;
pub mod tls;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What one run of the binary produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub const CLIENT_ID: &str = "SANDBOX_5X00000000000000";
pub const CAPTURE_PATH: &str = "/ams/api/v1/payments/capture";

/// The variables the CLI reads its connection from, as the SDK does.
pub const ALIPAY_VARIABLES: [&str; 7] = [
    "ALIPAY_GATEWAY",
    "ALIPAY_CLIENT_ID",
    "ALIPAY_PRIVATE_KEY",
    "ALIPAY_PUBLIC_KEY",
    "ALIPAY_CA_FILE",
    "ALIPAY_KEY_VERSION",
    "ALIPAY_AGENT_TOKEN",
];

/// Runs the binary with none of the `ALIPAY_*` variables of the test's own
/// environment, so that a developer's shell cannot change a result.
pub fn run<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run_env(args, &[])
}

/// Like [`run`], with these variables set.
pub fn run_env<I, S>(args: I, vars: &[(&str, &str)]) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut command = Command::new(env!("CARGO_BIN_EXE_alipay-ams"));
    for name in ALIPAY_VARIABLES {
        command.env_remove(name);
    }
    let output = command
        .envs(vars.iter().copied())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    Run {
        code: output.status.code().unwrap(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// A fresh, empty directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("alipay-ams-cli")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A file of `keys-example/`.
pub fn example_key(party: &str, file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../keys-example")
        .join(party)
        .join(file)
}

pub fn path_arg(p: &Path) -> String {
    p.to_str().unwrap().to_owned()
}

/// A request as a scripted gateway received it: what Alipay's gateway reads
/// before it answers, and whether the merchant's signature verifies over the
/// exact bytes.
pub struct Received {
    pub path: String,
    pub client_id: String,
    pub raw: bytes::Bytes,
    pub signature_valid: bool,
}

/// Reads a request whole and checks its signature with the merchant's key.
pub async fn receive(
    req: hyper::Request<hyper::body::Incoming>,
    merchant_public: &alipay_ams_core::PublicKey,
) -> Received {
    use http_body_util::BodyExt;
    let path = req.uri().path().to_owned();
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (client_id, request_time, signature) = (
        header("client-id"),
        header("request-time"),
        header("signature"),
    );
    let raw = req.into_body().collect().await.unwrap().to_bytes();
    let signature_valid = alipay_ams_core::Message::request(&path, &client_id, &request_time, &raw)
        .verify(merchant_public, &signature)
        .is_ok();
    Received {
        path,
        client_id,
        raw,
        signature_valid,
    }
}

/// Alipay's reply to `received`: `bytes` as the body, signed by `signer`
/// with `response_time` when given, unsigned otherwise.
pub fn reply(
    received: &Received,
    bytes: bytes::Bytes,
    signer: Option<(&alipay_ams_core::PrivateKey, &str)>,
) -> hyper::Response<http_body_util::Full<bytes::Bytes>> {
    let mut response = hyper::Response::builder()
        .header("content-type", "application/json; charset=UTF-8")
        .header("client-id", received.client_id.as_str());
    if let Some((key, response_time)) = signer {
        let signed = alipay_ams_core::Message::response(
            &received.path,
            &received.client_id,
            response_time,
            &bytes,
        )
        .sign(key, 1)
        .unwrap();
        response = response
            .header("response-time", response_time)
            .header("signature", signed.to_string());
    }
    response.body(http_body_util::Full::new(bytes)).unwrap()
}
