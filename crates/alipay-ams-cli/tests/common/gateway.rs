//! A scripted fake Alipay on 127.0.0.1 for the checkout commands: it
//! verifies every request with the merchant's example public key, records
//! it, and answers what the test's script says for that API and attempt,
//! signed with the example "Alipay" private key (or unsigned).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use super::{CLIENT_ID, Run, example_key, path_arg, receive, reply, run_env};
use alipay_ams_core::protocol::Environment;
use alipay_ams_core::{PrivateKey, PublicKey, time};
use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

/// One request as the gateway saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The path as called (`/ams/sandbox/api/v1/payments/pay`).
    pub path: String,
    /// Its production form (`/ams/api/v1/payments/pay`).
    pub api: String,
    pub signature_valid: bool,
    pub body: Value,
}

/// What to answer.
pub struct Answer {
    pub body: Value,
    pub signed: bool,
}

impl Answer {
    /// A reply signed by "Alipay".
    pub fn signed(body: Value) -> Self {
        Answer { body, signed: true }
    }

    /// A reply without signature headers.
    pub fn unsigned(body: Value) -> Self {
        Answer {
            body,
            signed: false,
        }
    }
}

/// `{"result": {...}}` with the given status and code.
pub fn result(status: &str, code: &str) -> Value {
    json!({"result": {"resultStatus": status, "resultCode": code, "resultMessage": code.to_lowercase()}})
}

/// `base` with `fields` added.
pub fn with(mut base: Value, fields: Value) -> Value {
    if let (Some(target), Some(extra)) = (base.as_object_mut(), fields.as_object()) {
        for (k, v) in extra {
            target.insert(k.clone(), v.clone());
        }
    }
    base
}

type Script = dyn Fn(&Seen, usize) -> Answer + Send + Sync;

struct State {
    script: Box<Script>,
    merchant_public: PublicKey,
    alipay_private: PrivateKey,
    seen: Mutex<Vec<Seen>>,
    sent: Mutex<Vec<Bytes>>,
}

pub struct Gateway {
    pub addr: SocketAddr,
    state: Arc<State>,
}

impl Gateway {
    /// Starts a gateway that answers `script(request, attempt)`, `attempt`
    /// counting the requests to the same API from 1.
    pub fn start(script: impl Fn(&Seen, usize) -> Answer + Send + Sync + 'static) -> Self {
        let state = Arc::new(State {
            script: Box::new(script),
            merchant_public: PublicKey::from_file(example_key("merchant", "public_key.pem"))
                .unwrap(),
            alipay_private: PrivateKey::from_file(example_key("alipay", "private_key.pem"))
                .unwrap(),
            seen: Mutex::new(Vec::new()),
            sent: Mutex::new(Vec::new()),
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = state.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                loop {
                    let (stream, _) = listener.accept().await.unwrap();
                    let state = shared.clone();
                    tokio::spawn(async move {
                        let service = service_fn(move |req| answer(state.clone(), req));
                        let _ = http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
            });
        });
        Gateway { addr, state }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }

    /// The reply bodies sent, in order.
    pub fn sent(&self) -> Vec<Bytes> {
        self.state.sent.lock().unwrap().clone()
    }
}

async fn answer(
    state: Arc<State>,
    req: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let received = receive(req, &state.merchant_public).await;
    let (path, raw, signature_valid) = (&received.path, &received.raw, received.signature_valid);
    let api = Environment::split_path(path)
        .map(|(_, production)| production.into_owned())
        .unwrap_or_else(|| path.clone());
    let seen = Seen {
        path: path.clone(),
        api: api.clone(),
        signature_valid,
        body: serde_json::from_slice(raw).unwrap_or(Value::Null),
    };
    let attempt = {
        let mut all = state.seen.lock().unwrap();
        all.push(seen.clone());
        all.iter().filter(|s| s.api == api).count()
    };
    let answer = if signature_valid {
        (state.script)(&seen, attempt)
    } else {
        // As Alipay answers a request it cannot verify.
        Answer::unsigned(result("F", "INVALID_SIGNATURE"))
    };
    // Pretty-printed, as Alipay's gateway does: `--json` must print these
    // exact bytes.
    let bytes = Bytes::from(serde_json::to_vec_pretty(&answer.body).unwrap());
    state.sent.lock().unwrap().push(bytes.clone());
    let response_time = time::iso8601_utc(SystemTime::now());
    let signer = answer
        .signed
        .then_some((&state.alipay_private, response_time.as_str()));
    Ok(reply(&received, bytes, signer))
}

/// The connection flags for `url` with the example keys and sandbox id.
pub fn connection(url: &str) -> Vec<String> {
    vec![
        "--gateway".into(),
        url.into(),
        "--client-id".into(),
        CLIENT_ID.into(),
        "--private-key".into(),
        path_arg(&example_key("merchant", "private_key.pem")),
        "--alipay-public-key".into(),
        path_arg(&example_key("alipay", "public_key.pem")),
    ]
}

/// `alipay-ams COMMAND <connection to url> EXTRA...`.
pub fn cli(command: &str, url: &str, extra: &[&str]) -> Run {
    let mut args = vec![command.to_owned()];
    args.extend(connection(url));
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    run_env(args, &[])
}

/// A port nothing listens on: connecting is refused.
pub fn refused_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}
