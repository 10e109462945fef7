//! Receive Alipay's checkout notifications (notifyPayment, notifyCapture and
//! notifyRefund, each routed below) with plain hyper 1, no web framework.
//!
//! ```sh
//! cargo run --example hyper_notify
//! ```
//!
//! Environment (defaults point at the test keys in `keys-example/`):
//! - `ALIPAY_CLIENT_ID`: your client id (default `SANDBOX_5X00000000000000`);
//! - `ALIPAY_PUBLIC_KEY`: path of Alipay's public key, PEM or bare base64
//!   (default `keys-example/alipay/public_key.pem`);
//! - `NOTIFY_LISTEN`: address to listen on (default `127.0.0.1:3000`);
//! - `NOTIFY_PATH`: the path of the notify URL given to Alipay (default `/alipay/notify`).
//!
//! Prints one JSON line per processed notification on stdout,
//! `{"kind":"<notifyType>","dedupKey":"<dedup key>","paymentId":"<paymentId>"}`;
//! logs go to stderr. A genuine notification of a kind not routed here is
//! refused (not acknowledged), so Alipay delivers it again. A connection whose
//! request headers are not complete within 30 s is closed; a request not
//! answered within 30 s gets a non-S answer. Runs until Ctrl-C or SIGTERM,
//! then lets open connections finish.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // a short example, not library code

#[path = "support/notify_server.rs"]
mod notify_server;

use std::convert::Infallible;
use std::error::Error;
use std::path::PathBuf;

use alipay_ams::NotificationKind;
use alipay_ams::PublicKey;
use alipay_ams::notify::{HandlerError, NotifyConfig, NotifyHandler, NotifyMeta, NotifyService};
use alipay_ams::payments::{CaptureNotification, PaymentNotification, RefundNotification};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};

/// Prints each verified notification, whatever its kind. A real handler would
/// persist it (keyed by `meta.dedup_key()`, since Alipay may deliver it more
/// than once) before returning `Ok`, which is what acknowledges it.
#[derive(Clone, Copy)]
struct PrintNotifications;

impl<K: NotificationKind> NotifyHandler<K> for PrintNotifications {
    async fn handle(&self, _notification: K, meta: &NotifyMeta) -> Result<(), HandlerError> {
        println!("{}", processed_line(meta));
        Ok(())
    }
}

/// `{"kind":..,"dedupKey":..,"paymentId":..}`, in that order, read from the
/// verified envelope so that one line fits every kind. notifyRefund's body
/// has no `paymentId` (`null` then) but a `refundId`, added after the fixed
/// keys, as is `captureId` for notifyCapture.
fn processed_line(meta: &NotifyMeta) -> String {
    use serde_json::{Value, json};
    let body: Value = serde_json::from_slice(meta.raw_body()).unwrap_or_default();
    let mut line = format!(
        r#"{{"kind":{},"dedupKey":{},"paymentId":{}"#,
        json!(meta.notify_type().unwrap_or(meta.kind())),
        json!(meta.dedup_key()),
        body.get("paymentId").unwrap_or(&Value::Null),
    );
    for key in ["captureId", "refundId"] {
        if let Some(id) = body.get(key) {
            line.push_str(&format!(r#","{key}":{id}"#));
        }
    }
    line.push('}');
    line
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();

    let client_id = env_or("ALIPAY_CLIENT_ID", "SANDBOX_5X00000000000000");
    let key_path = key_path();
    let listen = env_or("NOTIFY_LISTEN", "127.0.0.1:3000");
    let path = env_or("NOTIFY_PATH", "/alipay/notify");

    let alipay_key = PublicKey::from_file(&key_path)
        .map_err(|e| format!("ALIPAY_PUBLIC_KEY={}: {e}", key_path.display()))?;
    let notify = NotifyService::builder(NotifyConfig::new(client_id, alipay_key))
        // One line per kind; each kind not routed is refused, never acknowledged.
        .on::<PaymentNotification>(PrintNotifications)
        .on::<CaptureNotification>(PrintNotifications)
        .on::<RefundNotification>(PrintNotifications)
        .deadline(notify_server::REQUEST_DEADLINE, tokio::time::sleep)
        .build()?;
    // hyper has no router: answer the notify path, 404 elsewhere.
    let notify_path = path.clone();
    let route = hyper::service::service_fn(move |request: Request<Incoming>| {
        let notify = (request.uri().path() == notify_path).then(|| notify.handle(request));
        async move {
            Ok::<_, Infallible>(match notify {
                Some(response) => response.await,
                None => not_found(),
            })
        }
    });

    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| format!("NOTIFY_LISTEN={listen}: {e}"))?;
    eprintln!(
        "hyper_notify: listening on http://{}{path}",
        listener.local_addr()?
    );
    notify_server::serve(
        listener,
        route,
        notify_server::HEADER_READ_TIMEOUT,
        shutdown(),
    )
    .await;
    eprintln!("hyper_notify: stopped");
    Ok(())
}

fn not_found() -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

/// `ALIPAY_PUBLIC_KEY`, or the sandbox key of this repository wherever the
/// example is run from.
fn key_path() -> PathBuf {
    match std::env::var_os("ALIPAY_PUBLIC_KEY") {
        Some(path) => PathBuf::from(path),
        None => {
            let relative = PathBuf::from("keys-example/alipay/public_key.pem");
            if relative.exists() {
                relative
            } else {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
            }
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
